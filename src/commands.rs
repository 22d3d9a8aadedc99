//! The subcommands of the `sim` tool.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use scenarios::{Expected, Scenario};
use serde::{Deserialize, Serialize};
use sim::{Builder, Report, Shard, Strategy, Timing, Trace};

use crate::options::{ExploreOpts, ModelOpts, RunOpts, StrategyArg, TimingArg};
use crate::{interrupt, progress};

/// What a subcommand returns: its exit code, or an error message.
pub(crate) type CmdResult = Result<ExitCode, String>;

pub(crate) fn scenario(name: &str) -> Result<&'static Scenario, String> {
    scenarios::find(name).ok_or_else(|| {
        format!(
            "unknown scenario '{name}'; `sim list` shows the {} scenarios ({})",
            scenarios::all().len(),
            scenarios::all()
                .iter()
                .map(|s| s.name)
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

pub(crate) fn timing(arg: TimingArg) -> Timing {
    match arg {
        TimingArg::Exact => Timing::Exact,
        TimingArg::Adversarial => Timing::Adversarial,
    }
}

/// The `--kill K` in effect for `s`: the flag, else the scenario's own.
pub(crate) fn kills(s: &Scenario, flag: Option<u32>) -> u32 {
    flag.unwrap_or(s.kills)
}

/// The `--kill` flag to repeat in a printed command (none when it is the
/// scenario's own number).
pub(crate) fn kill_flag(s: &Scenario, flag: Option<u32>) -> String {
    match flag {
        Some(k) if k != s.kills => format!(" --kill {k}"),
        _ => String::new(),
    }
}

/// The scenario's own builder (its proving strategy and executions) under
/// the `--timing`, `--kill` and `--seed` flags.
fn builder(s: &Scenario, opts: &RunOpts) -> Builder {
    let b = s
        .builder(timing(opts.model.timing()))
        .faults(scenarios::faults(kills(s, opts.model.kill)));
    match opts.seed {
        Some(seed) => b.seed(seed),
        None => b,
    }
}

/// The expected verdict of `s` under `t` and the `--kill` in effect
/// (`flag`, else the scenario's own), or why there is none.
fn expected(s: &Scenario, t: TimingArg, flag: Option<u32>) -> Result<Expected, String> {
    let k = kills(s, flag);
    s.expected_with(timing(t), k)
        .ok_or_else(|| format!("no verdict is stated for --kill {k}"))
}

/// How an expected verdict reads after "expected": the verdict, and the
/// kill count it is stated for when that is not the scenario's own.
fn expected_text(s: &Scenario, want: &Result<Expected, String>, flag: Option<u32>) -> String {
    match want {
        Ok(want) if kills(s, flag) != s.kills => {
            format!("{want} with --kill {}", kills(s, flag))
        }
        Ok(want) => want.to_string(),
        Err(why) => why.clone(),
    }
}

/// `sim list`.
pub fn list() -> CmdResult {
    println!(
        "{:<22} {:<28} {:<28} description",
        "scenario", "exact (proved by)", "adversarial (proved by)"
    );
    for s in scenarios::all() {
        let proved = |t: Timing| format!("{} ({})", s.expected(t), s.strategy(t));
        let (exact, adv) = (proved(Timing::Exact), proved(Timing::Adversarial));
        let mut kills = if s.kills > 0 {
            format!(" (explored with --kill {})", s.kills)
        } else {
            String::new()
        };
        for v in s.other_kills {
            kills.push_str(&format!(
                " (with --kill {}: {}, adversarial {})",
                v.kills, v.exact, v.adversarial
            ));
        }
        println!(
            "{:<22} {:<28} {:<28} {} [{}]{kills}",
            s.name, exact, adv, s.description, s.cell
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn format_time(ns: u64) -> String {
    let d = Duration::from_nanos(ns);
    format!("{:>4}.{:03}s", d.as_secs(), d.subsec_millis())
}

fn print_output(trace: &Trace) {
    for o in &trace.output {
        for line in o.text.lines() {
            println!(
                "[{}] {:<12} | {}",
                format_time(o.time_ns),
                trace.threads[o.thread],
                line
            );
        }
    }
}

fn print_failure_of(trace: &Trace) {
    if let Some(f) = &trace.failure {
        println!("\nfailure at step {}: {}\n{}", f.step, f.kind, f.message);
    }
}

/// Prints a trace's output and failure; failure if it failed.
pub(crate) fn print_outcome(trace: &Trace) -> ExitCode {
    print_output(trace);
    print_failure_of(trace);
    if trace.failure.is_some() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `sim run`.
pub fn run(name: &str, opts: &RunOpts) -> CmdResult {
    let s = scenario(name)?;
    let token = opts.seed.unwrap_or(sim::DEFAULT_SEED).to_string();
    let trace = builder(s, opts)
        .trace(s.body, &token)
        .map_err(|e| e.to_string())?;
    println!(
        "{}: one execution, token {token}, {} timing",
        s.name, trace.timing
    );
    Ok(print_outcome(&trace))
}

fn verdict(report: &Report) -> String {
    match report.failure() {
        None => "no failure".to_string(),
        Some(f) => f.kind.to_string(),
    }
}

/// The strategy of an exploration: the flag's, else the one that proves
/// the scenario's verdict under the timing model.
fn strategy(s: &Scenario, explore: &ExploreOpts, opts: &RunOpts) -> Strategy {
    match explore.strategy {
        None => s.strategy(timing(opts.model.timing())),
        Some(StrategyArg::Random) => Strategy::Random,
        Some(StrategyArg::Pct) => Strategy::Pct {
            depth: explore.depth,
        },
        Some(StrategyArg::Pos) => Strategy::Pos,
        Some(StrategyArg::Urw) => Strategy::Urw,
        Some(StrategyArg::Surw) => Strategy::Surw,
        Some(StrategyArg::Portfolio) => Strategy::Portfolio,
        Some(StrategyArg::Exhaustive) => Strategy::Exhaustive,
    }
}

/// The executions an exploration runs, or at most runs (exhaustive).
fn planned(s: &Scenario, explore: &ExploreOpts, opts: &RunOpts) -> u64 {
    explore
        .executions
        .unwrap_or_else(|| s.executions_for(strategy(s, explore, opts)))
}

/// A scenario's builder for an exploration with `explore`'s options.
fn explorer(s: &Scenario, explore: &ExploreOpts, opts: &RunOpts) -> Builder {
    let mut b = builder(s, opts)
        .jobs(explore.jobs)
        .strategy(strategy(s, explore, opts))
        .executions(planned(s, explore, opts));
    if explore.preemptions.is_some() {
        b = b.preemption_bound(explore.preemptions);
    }
    b
}

/// The progress bar's total: the executions planned, unknown for an
/// exhaustive exploration (it ends when the space is covered).
fn bar_total(
    s: &Scenario,
    explore: &ExploreOpts,
    opts: &RunOpts,
    shard: Option<Shard>,
) -> Option<u64> {
    let planned = planned(s, explore, opts);
    match strategy(s, explore, opts) {
        Strategy::Exhaustive => None,
        _ => Some(shard.map_or(planned, |sh| sh.range(planned).count() as u64)),
    }
}

/// What `sim explore --report` writes and `sim merge` reads.
#[derive(Serialize, Deserialize)]
pub(crate) struct ReportFile {
    pub(crate) scenario: String,
    pub(crate) timing: String,
    /// The `--kill K` flag of the exploration, if given.
    #[serde(default)]
    pub(crate) kill: Option<u32>,
    /// The executions planned (the budget, for exhaustive exploration):
    /// shards of one exploration have the same.
    #[serde(default)]
    pub(crate) planned: Option<u64>,
    /// The `--preemptions K` bound, if given.
    #[serde(default)]
    pub(crate) preemptions: Option<usize>,
    pub(crate) report: Report,
}

/// Explores `s` with the command's options (`shard` if given; every
/// execution when `stop_on_first_failure` is false), showing progress.
fn run_exploration(
    s: &Scenario,
    explore: &ExploreOpts,
    opts: &RunOpts,
    shard: Option<Shard>,
    stop_on_first_failure: bool,
) -> Report {
    let mut b = explorer(s, explore, opts)
        .stop_on_first_failure(stop_on_first_failure)
        .interrupt_on(interrupt::flag());
    if let Some(shard) = shard {
        b = b.shard(shard);
    }
    let (b, display) = progress::attach(b, s.name, bar_total(s, explore, opts, shard));
    let report = b.explore(s.body);
    display.finish();
    report
}

/// `sim explore <scenario>`.
pub fn explore(
    name: &str,
    explore: &ExploreOpts,
    shard: Option<Shard>,
    report_file: Option<&Path>,
    save: Option<&Path>,
    opts: &RunOpts,
) -> CmdResult {
    let s = scenario(name)?;
    if let Some(path) = report_file {
        // Before hours of exploring, not after.
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| format!("cannot write the report {}: {e}", path.display()))?;
    }
    let report = run_exploration(s, explore, opts, shard, true);
    if let Some(path) = report_file {
        let file = ReportFile {
            scenario: s.name.to_string(),
            timing: timing(opts.model.timing()).to_string(),
            kill: opts.model.kill,
            planned: Some(planned(s, explore, opts)),
            preemptions: explore.preemptions,
            report: report.clone(),
        };
        let json = serde_json::to_string(&file).map_err(|e| e.to_string())?;
        std::fs::write(path, json)
            .map_err(|e| format!("cannot write the report {}: {e}", path.display()))?;
        println!("wrote the report to {}", path.display());
    }
    summarize(s, &report, opts.model, save)
}

/// Saves `f`'s trace as `DIR/<scenario>/<file stem>.json` (the corpus's
/// names: no colon; `_adversarial` under that timing model) with its
/// `.dot`, keeping an existing file; returns the JSON's path.
fn save_trace(dir: &Path, s: &Scenario, t: TimingArg, f: &sim::Failure) -> Result<PathBuf, String> {
    let suffix = match t {
        TimingArg::Exact => "",
        TimingArg::Adversarial => "_adversarial",
    };
    let base = dir
        .join(s.name)
        .join(format!("{}{suffix}", f.trace.file_stem()));
    let json = base.with_extension("json");
    if json.exists() {
        println!("kept the existing {}", json.display());
    } else {
        f.trace.save(&json).map_err(|e| e.to_string())?;
        let dot = base.with_extension("dot");
        std::fs::write(&dot, f.trace.to_dot())
            .map_err(|e| format!("cannot write {}: {e}", dot.display()))?;
        println!("saved {} and {}", json.display(), dot.display());
    }
    Ok(json)
}

/// A replay token longer than this is replayed from its saved trace
/// (`sim replay --trace FILE`) in the printed command.
const INLINE_TOKEN_MAX: usize = 4096;

/// Why a report is not complete, in a few words.
fn incomplete_why(report: &Report) -> String {
    match &report.incomplete_reason {
        Some(reason) => reason.clone(),
        None if report.strategy != Strategy::Exhaustive => {
            format!(
                "{} samples executions; only exhaustive covers them all",
                report.strategy
            )
        }
        None if !report.failures.is_empty() => "stopped at the first failure".to_string(),
        None => "a shard covers part of the space".to_string(),
    }
}

/// Prints an exploration's summary, its failures with their replay
/// commands (under `model`, the exploration's), and its verdict against the
/// expected one.
pub(crate) fn summarize(
    s: &Scenario,
    report: &Report,
    model: ModelOpts,
    save: Option<&Path>,
) -> CmdResult {
    let (t, kill) = (model.timing(), model.kill);
    let want = expected(s, t, kill);
    let want_text = expected_text(s, &want, kill);
    println!(
        "{}: {} executions ({}{}), {}, {} distinct output(s)",
        s.name,
        report.executions,
        report.strategy,
        report
            .shard
            .map(|sh| format!(", shard {sh}"))
            .unwrap_or_default(),
        if report.complete {
            "complete".to_string()
        } else {
            format!("not complete ({})", incomplete_why(report))
        },
        report.outputs.len()
    );
    if let Some(why) = &report.unreduced {
        println!("not reduced: {why}");
    }
    for f in &report.failures {
        // A sharded exhaustive run numbers its executions from the shard's
        // own first one (the merge renumbers them); random shards number
        // them run-wide.
        let of = match report.shard {
            Some(sh) if report.strategy == sim::Strategy::Exhaustive => {
                format!(" of shard {sh}")
            }
            _ => String::new(),
        };
        println!(
            "\n{} in execution {}{of}\n{}",
            f.kind, f.execution, f.message
        );
        let saved = match save {
            Some(dir) => Some(save_trace(dir, s, t, f)?),
            None => None,
        };
        match saved {
            Some(json) if f.token.len() > INLINE_TOKEN_MAX => println!(
                "replay: sim replay {} --trace {}{}",
                s.name,
                json.display(),
                kill_flag(s, kill)
            ),
            _ => println!(
                "replay: sim replay {} {}{}{}",
                s.name,
                f.token,
                timing_flag(t),
                kill_flag(s, kill)
            ),
        }
        if f.token.len() > INLINE_TOKEN_MAX && save.is_none() {
            println!(
                "(a token of {} characters: --save DIR saves its trace, to replay with \
                 `sim replay --trace FILE`)",
                f.token.len()
            );
        }
    }
    if interrupt::interrupted() {
        println!(
            "\nverdict: interrupted (Ctrl-C) after {} executions: {} so far; not checked against \
             the expected {want_text}",
            report.executions,
            verdict(report)
        );
        return Ok(ExitCode::from(interrupt::EXIT_STATUS));
    }
    let ok = want.as_ref().is_ok_and(|want| want.matches(report));
    let part = if report.shard.is_some() {
        " (of this shard only)"
    } else {
        ""
    };
    println!(
        "\nverdict{part}: {} (expected {want_text}): {}",
        verdict(report),
        match (&want, ok) {
            (Err(_), _) => "NOT CHECKED",
            (Ok(_), true) => "as expected",
            (Ok(_), false) => "UNEXPECTED",
        }
    );
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `sim explore --all`: every scenario under the timing model asked for,
/// or under both when none is.
pub fn explore_all(
    explore: &ExploreOpts,
    shard: Option<Shard>,
    save: Option<&Path>,
    opts: &RunOpts,
) -> CmdResult {
    let timings = match opts.model.timing {
        Some(t) => vec![t],
        None => vec![TimingArg::Exact, TimingArg::Adversarial],
    };
    println!(
        "{:<22} {:<12} {:<11} {:>10} {:<9} {:<16} {:<16} result",
        "scenario", "timing", "strategy", "executions", "space", "expected", "found"
    );
    let mut mismatches = 0;
    let mut rows = 0;
    for s in scenarios::all() {
        for &t in &timings {
            let opts = RunOpts {
                model: ModelOpts {
                    timing: Some(t),
                    ..opts.model
                },
                ..opts.clone()
            };
            let report = run_exploration(s, explore, &opts, shard, true);
            if interrupt::interrupted() {
                println!(
                    "{:<22} {:<12} {:<11} {:>10} interrupted (Ctrl-C) {}",
                    s.name,
                    timing(t).to_string(),
                    report.strategy.to_string(),
                    report.executions,
                    verdict(&report)
                );
                for f in &report.failures {
                    println!(
                        "  replay: sim replay {} {}{}{}",
                        s.name,
                        f.token,
                        timing_flag(t),
                        kill_flag(s, opts.model.kill)
                    );
                }
                println!("\ninterrupted: {rows} exploration(s) finished before it, {mismatches} mismatch(es)");
                return Ok(ExitCode::from(interrupt::EXIT_STATUS));
            }
            let want = expected(s, t, opts.model.kill);
            let ok = want.as_ref().is_ok_and(|want| want.matches(&report));
            mismatches += usize::from(!ok);
            rows += 1;
            // How much of the space the verdict rests on.
            let space = if report.complete {
                "complete"
            } else if !report.failures.is_empty() {
                "stopped" // at the first failure
            } else if report.strategy == Strategy::Exhaustive {
                "cut" // by the execution budget
            } else {
                "sampled"
            };
            println!(
                "{:<22} {:<12} {:<11} {:>10} {:<9} {:<16} {:<16} {}",
                s.name,
                timing(t).to_string(),
                report.strategy.to_string(),
                report.executions,
                space,
                match &want {
                    Ok(want) => want.to_string(),
                    Err(_) => "not stated".to_string(),
                },
                verdict(&report),
                if ok { "ok" } else { "MISMATCH" }
            );
            if let Some(dir) = save {
                for f in &report.failures {
                    save_trace(dir, s, t, f)?;
                }
            }
        }
    }
    if mismatches > 0 {
        println!("\n{mismatches} of {rows} explorations did not match their expected verdict");
        return Ok(ExitCode::FAILURE);
    }
    println!(
        "\nall {} scenarios match their expected verdicts ({rows} explorations)",
        scenarios::all().len()
    );
    Ok(ExitCode::SUCCESS)
}

/// The `--timing` flag to repeat in a printed command (none for the default).
fn timing_flag(t: TimingArg) -> &'static str {
    match t {
        TimingArg::Exact => "",
        TimingArg::Adversarial => " --timing adversarial",
    }
}

/// `sim outputs`.
pub fn outputs(name: &str, explore: &ExploreOpts, opts: &RunOpts) -> CmdResult {
    let s = scenario(name)?;
    let report = run_exploration(s, explore, opts, None, false);
    println!(
        "{}: {} distinct output(s) over {} executions ({})",
        s.name,
        report.outputs.len(),
        report.executions,
        if report.complete {
            "complete"
        } else {
            "sampled, not complete"
        }
    );
    for (i, (text, count)) in report.outputs.iter().enumerate() {
        println!("\n--- output {} ({} executions) ---", i + 1, count);
        print!("{text}");
    }
    Ok(ExitCode::SUCCESS)
}
