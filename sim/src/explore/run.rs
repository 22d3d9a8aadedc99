//! Running executions and tallying what they did: [`Run`] counts
//! executions, collects distinct outputs and failures, and checks that each
//! new failure replays (else it is reported as `Nondeterminism`); and the
//! replay entry points, which run the one execution a token or a saved trace
//! names.
//!
//! The replay check: a new distinct failure is run again with vector clocks
//! and the event log on, to build its trace. The replay is compared with the
//! run it repeats: trace against trace when the run recorded its events
//! (exhaustive exploration), else by [`PathSummary`] (length, path hash,
//! output, failure), since the random strategies keep no event log on their
//! hot path. A difference means the scenario depends on something sim does
//! not control; the failure is then reported as `Nondeterminism`, with the
//! run's own trace.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::progress::ProgressCounter;
use super::token::{self, Token};
use super::{Builder, Report, Strategy, Timing, TokenError};
use crate::failure::{Failure, FailureKind};
use crate::rt::{self, Exec, ExecConfig};
use crate::trace::{Trace, TraceFailure};

/// The failure key of a schedule token that does not fit the program.
pub(super) const MISFIT_KEY: &str = "nondeterminism: misfit";

/// The state of one exploration (or one chunk of one) in progress.
pub(super) struct Run<'a> {
    builder: &'a Builder,
    /// Executions before this run's first one (a chunk or shard starts
    /// partway through the run): failures are numbered run-wide.
    base: u64,
    pub(super) executions: u64,
    pub(super) failures: Vec<Failure>,
    failure_keys: BTreeSet<(FailureKind, String)>,
    outputs: BTreeMap<String, u64>,
    output_buf: String,
    /// Where an exhaustive run counts its executions (the chunks of
    /// index-seeded runs are counted by `parallel`).
    progress: Option<&'a ProgressCounter<'a>>,
}

impl<'a> Run<'a> {
    /// A run that counts its executions on `counter` (the caller calls
    /// its `finish`).
    pub(super) fn with_progress(mut self, counter: &'a ProgressCounter<'a>) -> Self {
        self.progress = Some(counter);
        self
    }

    pub(super) fn new(builder: &'a Builder) -> Self {
        Run::starting_at(builder, 0)
    }

    pub(super) fn starting_at(builder: &'a Builder, base: u64) -> Self {
        Run {
            builder,
            base,
            executions: 0,
            failures: Vec::new(),
            failure_keys: BTreeSet::new(),
            outputs: BTreeMap::new(),
            output_buf: String::new(),
            progress: None,
        }
    }

    /// Runs one execution; returns whether it failed. A new distinct
    /// failure is replayed once with vector clocks on to build its trace
    /// (the hot path records none); if that replay diverges, the failure is
    /// reported as `Nondeterminism`.
    pub(super) fn execute(
        &mut self,
        main: &Arc<dyn Fn() + Send + Sync>,
        cfg: &ExecConfig,
        token: Token,
    ) -> bool {
        token.run(main, cfg);
        self.record(main, cfg, token)
    }

    /// Records the execution just run (by the scheduler `token` names).
    pub(super) fn record(
        &mut self,
        main: &Arc<dyn Fn() + Send + Sync>,
        cfg: &ExecConfig,
        token: Token,
    ) -> bool {
        let failed = self.record_untallied(main, cfg, token);
        if let Some(progress) = &self.progress {
            progress.tick(failed);
        }
        failed
    }

    fn record_untallied(
        &mut self,
        main: &Arc<dyn Fn() + Send + Sync>,
        cfg: &ExecConfig,
        token: Token,
    ) -> bool {
        self.executions += 1;
        let new_failure = rt::with_exec(|e| {
            self.output_buf.clear();
            for chunk in e.output() {
                self.output_buf.push_str(&chunk.text);
            }
            match self.outputs.get_mut(self.output_buf.as_str()) {
                Some(n) => *n += 1,
                None => {
                    self.outputs.insert(self.output_buf.clone(), 1);
                }
            }
            let failure = e.failure()?;
            if self
                .failure_keys
                .insert((failure.kind, failure.key.clone()))
            {
                // What the replay below is checked against: the trace, if
                // this run recorded its events, else its path.
                let first = if cfg.record_events {
                    FirstRun::Trace(build_trace(
                        self.builder,
                        e,
                        &token.to_string(),
                        &self.builder.scenario_name(),
                    ))
                } else {
                    FirstRun::Path(PathSummary::of(e))
                };
                Some(Some((first, failure.key.clone())))
            } else {
                Some(None)
            }
        });
        let Some(new_failure) = new_failure else {
            return false;
        };
        if let Some((first, key)) = new_failure {
            let name = self.builder.scenario_name();
            let traced = ExecConfig {
                record_clocks: true,
                record_events: true,
                ..cfg.clone()
            };
            token.run(main, &traced);
            let (mut trace, replayed) = rt::with_exec(|e| {
                (
                    build_trace(self.builder, e, &token.to_string(), &name),
                    PathSummary::of(e),
                )
            });
            let (divergence, original) = match first {
                FirstRun::Trace(untimed) => {
                    let mut without_clocks = trace.clone();
                    for ev in &mut without_clocks.events {
                        ev.clock.clear();
                    }
                    let divergence = untimed.first_divergence(&without_clocks);
                    if divergence.is_some() {
                        // Report the run that failed, not its replay.
                        trace = untimed;
                    }
                    let original = trace.failure.clone().expect("a failing execution");
                    (divergence, original)
                }
                FirstRun::Path(path) => {
                    let divergence = path.divergence(&replayed);
                    let (original, _) = path.failure.expect("a failing execution");
                    (divergence, original)
                }
            };
            let (kind, message) = match divergence {
                // The replay's report: the same failure, with the source
                // locations of the events it recorded.
                None => {
                    let f = trace
                        .failure
                        .as_ref()
                        .expect("the replay failed as the run did");
                    (f.kind, f.message.clone())
                }
                Some(divergence) => {
                    let message = format!(
                        "nondeterminism: execution {} failed, but replaying its token {token} diverged \
                         from it {divergence}.\n  The scenario depends on something sim does not \
                         control (the real clock, real threads, unseeded randomness, I/O, state kept \
                         between executions), so its failures cannot be replayed. The failure was:\n{}: {}",
                        self.base + self.executions, original.kind, original.message
                    );
                    trace.failure = Some(TraceFailure {
                        kind: FailureKind::Nondeterminism,
                        message: message.clone(),
                        ..original
                    });
                    (FailureKind::Nondeterminism, message)
                }
            };
            self.failures.push(Failure {
                kind,
                message,
                execution: self.base + self.executions,
                trace,
                token: token.to_string(),
                key,
            });
        }
        true
    }

    pub(super) fn finish(self, complete: bool) -> Report {
        Report {
            executions: self.executions,
            complete,
            failures: self.failures,
            outputs: self.outputs,
            strategy: self.builder.strategy,
            seed: self.builder.seed,
            shard: None,
            incomplete_reason: None,
            pct_steps: None,
            concurrent_steps: None,
            unreduced: None,
        }
    }
}

/// The strategy a trace names: the one its token belongs to (a schedule
/// token is exhaustive exploration's, a `pct`/`pos`/`urw1`/`surw1` token names its
/// strategy), else the builder's.
fn token_strategy(token: &str, strategy: Strategy) -> String {
    match Token::parse(token) {
        Ok(Token::Schedule(_)) => Strategy::Exhaustive.to_string(),
        Ok(Token::Pct { depth, .. }) => Strategy::Pct { depth }.to_string(),
        Ok(Token::Pos { .. }) => Strategy::Pos.to_string(),
        Ok(Token::RoundRobin) => Strategy::RoundRobin.to_string(),
        Ok(Token::Urw { .. }) => Strategy::Urw.to_string(),
        Ok(Token::Surw { .. }) => Strategy::Surw.to_string(),
        // A portfolio's seed tokens are its Random member's.
        Ok(Token::Seed(_)) if strategy == Strategy::Portfolio => Strategy::Random.to_string(),
        _ => strategy.to_string(),
    }
}

/// What a failing execution left to check its replay against
/// (`Run::record`).
enum FirstRun {
    /// Its trace, when it recorded its events.
    Trace(Trace),
    /// Its path, when it did not.
    Path(PathSummary),
}

/// An execution's path as far as it is known without an event log: the
/// number of steps, the hash of the threads that took them, the output
/// and the failure (with its key), if it failed.
struct PathSummary {
    steps: u64,
    hash: u64,
    output: String,
    failure: Option<(TraceFailure, String)>,
}

impl PathSummary {
    fn of(e: &Exec) -> PathSummary {
        PathSummary {
            steps: e.steps(),
            hash: e.path_hash(),
            output: e.output().iter().map(|c| c.text.as_str()).collect(),
            failure: e.failure().map(|f| {
                let failure = TraceFailure {
                    kind: f.kind,
                    message: f.message.clone(),
                    step: f.step,
                    thread: f.tid,
                };
                (failure, f.key.clone())
            }),
        }
    }

    /// How the replay `other` differs from this execution, if it does.
    fn divergence(&self, other: &PathSummary) -> Option<String> {
        if self.steps != other.steps {
            return Some(format!(
                "in its length: the execution took {} steps, the replay {}",
                self.steps, other.steps
            ));
        }
        if self.hash != other.hash {
            return Some(format!(
                "in its path: both took {} steps, but not by the same threads in the same order",
                self.steps
            ));
        }
        let ends = |p: &PathSummary| p.failure.as_ref().map(|(f, key)| (f.kind, key.clone()));
        if ends(self) != ends(other) {
            let end = |p: &PathSummary| match &p.failure {
                Some((f, _)) => format!("failed with {}: {}", f.kind, f.message),
                None => "did not fail".to_string(),
            };
            return Some(format!(
                "at its end: the execution {}; the replay {}",
                end(self),
                end(other)
            ));
        }
        if self.output != other.output {
            return Some("in its output: same steps, different printed text".to_string());
        }
        None
    }
}

/// The trace of the finished execution `e`, run by `builder` under `token`.
fn build_trace(builder: &Builder, e: &Exec, token: &str, scenario: &str) -> Trace {
    Trace::from_exec(
        e,
        scenario,
        &token_strategy(token, builder.strategy),
        token,
        &builder.timing.to_string(),
    )
}

impl Builder {
    /// Re-runs the one execution that `token` names (a failure's
    /// [`Failure::token`]), and reports it with its trace. A text that is
    /// not a token is a [`TokenError`]; a schedule token that does not fit
    /// the program is a [`FailureKind::Nondeterminism`] failure.
    ///
    /// ```
    /// use sim::threading::Lock;
    /// let scenario = || Lock::new().release();
    /// let found = sim::Builder::new().explore(scenario);
    /// let token = &found.failures[0].token;
    /// let again = sim::Builder::new().replay(scenario, token).unwrap();
    /// assert_eq!(again.failures[0].trace, found.failures[0].trace);
    /// assert!(sim::Builder::new().replay(scenario, "not a token").is_err());
    /// ```
    pub fn replay<F>(&self, f: F, token: &str) -> Result<Report, TokenError>
    where
        F: Fn() + Send + Sync + 'static,
    {
        let token = Token::parse(token)?;
        let main: Arc<dyn Fn() + Send + Sync> = Arc::new(f);
        let mut run = Run::new(self);
        let cfg = self.exec_config();
        token.run(&main, &cfg);
        if let Some(misfit) = token::take_misfit() {
            // A schedule token that does not fit this program.
            let message = format!(
                "nondeterminism: the schedule token {token} does not fit this program: {misfit}.\n  \
                 Was it printed for another program, or did the program change since?"
            );
            let mut trace =
                rt::with_exec(|e| build_trace(self, e, &token.to_string(), &self.scenario_name()));
            trace.failure = Some(TraceFailure {
                kind: FailureKind::Nondeterminism,
                message: message.clone(),
                step: trace.events.last().map_or(0, |e| e.step),
                thread: None,
            });
            run.executions = 1;
            run.failures.push(Failure {
                kind: FailureKind::Nondeterminism,
                message,
                token: token.to_string(),
                execution: 1,
                trace,
                key: MISFIT_KEY.to_string(),
            });
            return Ok(run.finish(false));
        }
        run.record(&main, &cfg, token);
        Ok(run.finish(false))
    }

    /// Replays the execution that `recorded` (a saved trace) names and
    /// checks that it happens again event for event. A replay that
    /// diverges is a [`FailureKind::Nondeterminism`] failure naming the
    /// first differing step (the operation expected and the one performed):
    /// the scenario depends on something sim does not control (the real
    /// clock, real threads, unseeded randomness, I/O). Otherwise the report
    /// is the replay's own, with its trace.
    ///
    /// ```
    /// use sim::{Builder, FailureKind};
    /// use sim::threading::Lock;
    ///
    /// let scenario = || Lock::new().release();
    /// let recorded = Builder::new().explore(scenario).failures[0].trace.clone();
    /// let report = Builder::new().replay_trace(scenario, &recorded).unwrap();
    /// assert_eq!(report.failures[0].kind, FailureKind::Misuse);
    /// assert_eq!(report.failures[0].trace, recorded);
    ///
    /// // The same token with a program that does something else diverges.
    /// let report = Builder::new().replay_trace(|| sim::println!("changed"), &recorded).unwrap();
    /// assert_eq!(report.failures[0].kind, FailureKind::Nondeterminism);
    /// assert!(report.failures[0].message.contains("at step 1: expected step 1: MainThread release"));
    /// ```
    pub fn replay_trace<F>(&self, f: F, recorded: &Trace) -> Result<Report, TokenError>
    where
        F: Fn() + Send + Sync + 'static,
    {
        let token = Token::parse(&recorded.token)?;
        let main: Arc<dyn Fn() + Send + Sync> = Arc::new(f);
        // Replay under the timing model the trace was recorded with.
        let mut builder = self.clone();
        match recorded.timing.as_str() {
            "exact" => builder.timing = Timing::Exact,
            "adversarial" => builder.timing = Timing::Adversarial,
            _ => {}
        }
        let this = &builder;
        token.run(&main, &this.tracing_config());
        let misfit = token::take_misfit();
        let (mut trace, key) = rt::with_exec(|e| {
            let key = e.failure().map(|f| f.key.clone());
            (
                build_trace(this, e, &recorded.token, &recorded.scenario),
                key,
            )
        });
        let mut failures = Vec::new();
        let divergence = recorded
            .first_divergence(&trace)
            .or_else(|| misfit.map(|m| format!("(its token does not fit this program: {m})")));
        if let Some(divergence) = divergence {
            let message = format!(
                "nondeterminism: the replay of token {} diverged from the recorded trace {divergence}.\n  \
                 The scenario depends on something sim does not control (the real clock, real \
                 threads, unseeded randomness, I/O, state kept between executions), or its \
                 program changed since the trace was recorded.",
                recorded.token
            );
            trace.failure = Some(TraceFailure {
                kind: FailureKind::Nondeterminism,
                message: message.clone(),
                step: trace.events.last().map_or(0, |e| e.step),
                thread: None,
            });
            failures.push(Failure {
                kind: FailureKind::Nondeterminism,
                message,
                token: recorded.token.clone(),
                execution: 1,
                trace: trace.clone(),
                key: "nondeterminism".to_string(),
            });
        } else if let Some(f) = &trace.failure {
            failures.push(Failure {
                kind: f.kind,
                message: f.message.clone(),
                token: recorded.token.clone(),
                execution: 1,
                trace: trace.clone(),
                key: key.unwrap_or_default(),
            });
        }
        Ok(Report {
            executions: 1,
            complete: false,
            failures,
            outputs: BTreeMap::from([(trace.output_text(), 1)]),
            strategy: self.strategy,
            seed: self.seed,
            shard: None,
            incomplete_reason: None,
            pct_steps: None,
            concurrent_steps: None,
            unreduced: None,
        })
    }

    /// The trace of the one execution that `token` names, failing or not.
    /// A schedule token that does not fit the program (a choice out of
    /// range, too few or too many choices) is an error too
    /// ([`TokenError::is_misfit`]), as [`Builder::replay`] reports it.
    ///
    /// ```
    /// let trace = sim::Builder::new().trace(|| sim::println!("hi"), "7").unwrap();
    /// assert_eq!(trace.output_text(), "hi\n");
    /// assert!(trace.failure.is_none());
    /// // No choice to make in this program: a token with choices misfits.
    /// let err = sim::Builder::new().trace(|| {}, "s1:AQE").unwrap_err();
    /// assert!(err.is_misfit());
    /// assert!(err.to_string().contains("does not fit this program"));
    /// ```
    pub fn trace<F>(&self, f: F, token: &str) -> Result<Trace, TokenError>
    where
        F: Fn() + Send + Sync + 'static,
    {
        let text = token;
        let token = Token::parse(token)?;
        let main: Arc<dyn Fn() + Send + Sync> = Arc::new(f);
        token.run(&main, &self.tracing_config());
        if let Some(misfit) = token::take_misfit() {
            return Err(TokenError::misfit(text, misfit));
        }
        Ok(rt::with_exec(|e| {
            build_trace(self, e, &token.to_string(), &self.scenario_name())
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(steps: u64, hash: u64, output: &str, failed: bool) -> PathSummary {
        let failure = TraceFailure {
            kind: FailureKind::Panic,
            message: "boom".to_string(),
            step: steps,
            thread: Some(1),
        };
        PathSummary {
            steps,
            hash,
            output: output.to_string(),
            failure: failed.then(|| (failure, "boom".to_string())),
        }
    }

    #[test]
    fn a_replay_without_an_event_log_is_compared_by_its_path() {
        let run = path(10, 7, "x\n", true);
        assert_eq!(run.divergence(&path(10, 7, "x\n", true)), None);
        let longer = run.divergence(&path(11, 7, "x\n", true)).unwrap();
        assert!(longer.contains("took 10 steps, the replay 11"), "{longer}");
        let reordered = run.divergence(&path(10, 8, "x\n", true)).unwrap();
        assert!(reordered.contains("not by the same threads"), "{reordered}");
        let passed = run.divergence(&path(10, 7, "x\n", false)).unwrap();
        assert!(passed.contains("the replay did not fail"), "{passed}");
        let printed = run.divergence(&path(10, 7, "y\n", true)).unwrap();
        assert!(printed.contains("different printed text"), "{printed}");
    }
}
