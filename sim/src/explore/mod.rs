//! Exploration: running a scenario many times under a strategy, and the
//! report that comes out.
//!
//! A strategy is a [`Scheduler`](crate::rt::Scheduler) built per execution;
//! this module owns the loop over executions, derives per-execution seeds,
//! collects distinct outputs and failures, and builds traces for failures.
//!
//! By concern:
//!
//! - `builder.rs`: [`Builder`] (the configuration), [`Strategy`], [`Timing`].
//! - this file: [`Builder::explore`], the dispatch to a strategy.
//! - `run.rs`: running and tallying executions (`Run`), the replay check
//!   that turns a failure that does not replay into `Nondeterminism`, and
//!   the replay entry points ([`Builder::replay`], [`Builder::replay_trace`],
//!   [`Builder::trace`]).
//! - `report.rs`: [`Report`]; `shard.rs`: [`Shard`] and [`Report::merge`].
//! - `random.rs`, `pct.rs`, `pos.rs`, `urw.rs` (URW and SURW): the
//!   index-seeded strategies' schedulers; `probe.rs`: the probe executions
//!   PCT, URW and SURW learn from; `portfolio.rs`: [`Strategy::Portfolio`];
//!   `token.rs`: replay tokens; `parallel.rs`: index-seeded executions on
//!   `jobs(n)` threads.
//! - `exhaustive/`: [`Strategy::Exhaustive`]: optimal DPOR, the plain or
//!   preemption-bounded DFS and its split over jobs and shards.
//! - `check.rs`: the panicking entry points for tests; `corpus.rs`: the
//!   `traces/` regression corpus; `progress.rs`: [`Progress`].

mod builder;
mod check;
mod choices;
mod corpus;
mod exhaustive;
mod parallel;
mod pct;
mod portfolio;
mod pos;
mod probe;
mod progress;
pub(crate) mod random;
mod report;
mod round_robin;
mod run;
mod semantics;
mod shard;
mod token;
mod urw;

use std::sync::Arc;

pub use builder::{Builder, Strategy, Timing, DEFAULT_MAX_STEPS, DEFAULT_SEED};
pub use check::{check, check_dfs, check_pct, check_random, check_random_with_seed, model, replay};
pub(crate) use check::{
    check_with_corpus_persisting, env_overrides, env_seed, model_with, shuttle_builder,
    test_builder,
};
pub(crate) use corpus::{file_stem, persist_enabled};
pub use progress::{Progress, PROGRESS_EVERY};
pub use report::Report;
pub use shard::{Shard, ShardError};
pub use token::TokenError;

use crate::rt::ExecConfig;
use random::ExecutionSeeds;
use run::Run;
use token::Token;

impl Builder {
    /// Explores `f` under the builder's strategy, until the execution
    /// budget is spent, the whole space is covered (exhaustive) or, by
    /// default, the first failure. Never panics because `f` fails: failures
    /// are in the report.
    ///
    /// ```
    /// use sim::{Builder, FailureKind, Shared};
    /// // Two unsynchronised increments: a data race.
    /// let report = Builder::new().executions(100).explore(|| {
    ///     let x = Shared::new(0);
    ///     let y = x.clone();
    ///     let t = sim::thread::spawn(move || y.set(y.get() + 1));
    ///     x.set(x.get() + 1);
    ///     t.join().unwrap();
    /// });
    /// assert_eq!(report.failures[0].kind, FailureKind::DataRace);
    /// ```
    pub fn explore<F>(&self, f: F) -> Report
    where
        F: Fn() + Send + Sync + 'static,
    {
        let main: Arc<dyn Fn() + Send + Sync> = Arc::new(f);
        let cfg = self.exec_config();
        if self.strategy == Strategy::Exhaustive {
            let mut report = self.explore_exhaustive(&main, &cfg);
            report.shard = self.shard;
            self.mark_interrupted(&mut report);
            return report;
        }
        // The random strategies keep no event log: a failing execution is
        // replayed with one to build its trace (`Run::record`).
        let cfg = ExecConfig {
            record_events: false,
            ..cfg
        };
        let range = match self.shard {
            Some(shard) => shard.range(self.executions),
            None => 0..self.executions,
        };
        let seeds = ExecutionSeeds::new(self.seed);
        let mut pct_steps = None;
        let mut concurrent_steps = None;
        // Execution `index` of an index-seeded strategy is named by its token.
        let token_of: Box<dyn Fn(u64) -> Token + Sync> = match self.strategy {
            Strategy::Random => Box::new(move |index| Token::Seed(seeds.get(index))),
            Strategy::Pct { depth } => {
                // The probe executions (random, not counted) estimate the
                // step count k: the longest of them.
                let probed = probe::probe(&main, &cfg, self.seed);
                let steps = probed.steps;
                pct_steps = Some(steps);
                concurrent_steps = Some(probed.concurrent_steps);
                Box::new(move |index| Token::Pct {
                    depth: depth.max(1),
                    steps,
                    seed: seeds.get(index),
                })
            }
            Strategy::RoundRobin => Box::new(|_| Token::RoundRobin),
            Strategy::Pos => Box::new(move |index| Token::Pos {
                seed: seeds.get(index),
            }),
            Strategy::Urw => {
                let probed = probe::probe(&main, &cfg, self.seed);
                concurrent_steps = Some(probed.concurrent_steps);
                let est = probed.urw;
                Box::new(move |index| Token::Urw {
                    seed: seeds.get(index),
                    est: Arc::clone(&est),
                })
            }
            Strategy::Surw => {
                let probed = probe::probe(&main, &cfg, self.seed);
                concurrent_steps = Some(probed.concurrent_steps);
                let est = probed.surw;
                Box::new(move |index| Token::Surw {
                    seed: seeds.get(index),
                    est: Arc::clone(&est),
                })
            }
            Strategy::Portfolio => {
                let probed = probe::probe(&main, &cfg, self.seed);
                pct_steps = Some(probed.steps);
                concurrent_steps = Some(probed.concurrent_steps);
                Box::new(move |index| portfolio::token(&seeds, &probed, index))
            }
            Strategy::Exhaustive => unreachable!("explored above"),
        };
        let mut report = parallel::run_indexed(self, &main, &cfg, range, token_of);
        report.shard = self.shard;
        report.pct_steps = pct_steps;
        report.concurrent_steps = concurrent_steps;
        self.mark_interrupted(&mut report);
        report
    }

    /// An interrupted exploration's report says so.
    fn mark_interrupted(&self, report: &mut Report) {
        if self.interrupted() {
            report.complete = false;
            report.incomplete_reason = Some(format!(
                "interrupted after {} executions",
                report.executions
            ));
        }
    }
}
