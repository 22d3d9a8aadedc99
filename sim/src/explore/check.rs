//! The panicking entry points for tests: `check_random`, `check_pct`,
//! `model` and `replay`, and the environment variables they read
//! (`SIM_SEED`, `SIM_REPLAY`, `SIM_PERSIST`, `SIM_TRACES_DIR`,
//! `SIM_STRATEGY`, `SIM_TIMING`, `SIM_EXECUTIONS`, `SIM_PREEMPTIONS`, `SIM_JOBS`,
//! `SIM_SHARD`, `SIM_REPLAY_INLINE_MAX`; `LOOM_MAX_PREEMPTIONS` is an alias
//! of `SIM_PREEMPTIONS`).
//!
//! `SIM_REPLAY` takes a token, or `@<file>`: a saved trace (JSON) to replay
//! and check event for event. A replay line shows a token up to
//! `SIM_REPLAY_INLINE_MAX` characters (4096 by default); past that it names
//! the saved trace instead, `SIM_REPLAY=@<path>.json cargo test <name>`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{corpus, Builder, Report, Shard, Strategy, Timing, DEFAULT_SEED};
use crate::trace::Trace;

/// The builder every test entry point starts from (`model`,
/// `check_random`, `check_pct`, `check_dfs`, `check`, `replay`,
/// `model::Builder`): threads start lazily ([`Builder::lazy_start`]), and
/// [`Timing::Adversarial`], because time orders nothing
/// on a real machine. A `sleep` orders nothing, and a timed wait
/// (`wait_timeout`, `recv_timeout`, `park_timeout`...) may time out whenever
/// it is still waiting, so it is never reported as a deadlock.
/// `SIM_TIMING=exact` (or `Builder::timing`) gives the virtual clock's
/// exact order instead.
pub(crate) fn test_builder() -> Builder {
    Builder::new().timing(Timing::Adversarial).lazy_start(true)
}

/// The builder of shuttle's entry points (`check_random`, `check_pct`,
/// `check_dfs`, `check`, `replay`, `Runner`): [`test_builder`] with shuttle's
/// spurious `park` wake-ups ([`Builder::spurious_parks`]).
pub(crate) fn shuttle_builder() -> Builder {
    test_builder().spurious_parks(true)
}

/// Applies `SIM_TIMING` (`exact` or `adversarial`) to a test's builder.
#[track_caller]
fn env_timing(builder: Builder) -> Builder {
    match std::env::var("SIM_TIMING") {
        Ok(text) => match text.trim() {
            "exact" => builder.timing(Timing::Exact),
            "adversarial" => builder.timing(Timing::Adversarial),
            _ => panic!("sim: SIM_TIMING={text:?} is not a timing: expected exact or adversarial"),
        },
        Err(_) => builder,
    }
}

/// Reads `SIM_SEED`: a decimal or `0x` hexadecimal u64.
pub(crate) fn env_seed() -> u64 {
    match std::env::var("SIM_SEED") {
        Ok(text) => {
            let t = text.trim();
            let parsed = match t.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16).ok(),
                None => t.parse::<u64>().ok(),
            };
            parsed.unwrap_or_else(|| {
                panic!("sim: SIM_SEED={text:?} is not a seed: expected a decimal u64 such as 42 (or hexadecimal with 0x)")
            })
        }
        Err(_) => DEFAULT_SEED,
    }
}

/// Explores `f` with `executions` random executions and panics with a report
/// on the first failure. The run's seed comes from `SIM_SEED`, else
/// [`DEFAULT_SEED`]. With `SIM_REPLAY=<token>` set, only that execution runs.
///
/// The report ends with one line to paste: `SIM_REPLAY=<seed> cargo test <name>`.
///
/// **Regression corpus.** The failing trace is saved as
/// `traces/<test file>/<test name>/<token>.json` (the calling file without
/// its extension, e.g. `sim/tests/it/core`, then the test thread's name),
/// with its happens-before graph as `<token>.dot` beside it, unless
/// `SIM_PERSIST=off`. Before exploring, every trace saved under that key is
/// replayed first: the test fails at once if one still fails; one that no
/// longer reproduces (passes, or no longer fits the changed program) is
/// noted on stderr, "no longer reproduces (fixed?)", kept, and the test goes
/// on. A doctest or a binary's `main` thread uses no corpus. `SIM_TRACES_DIR` overrides where
/// `traces/` is (by default: the workspace's, found by walking up from the
/// crate). With `SIM_REPLAY=<token>` and a saved trace of that token, the
/// replay is also checked event for event against it (`Nondeterminism`
/// if it diverges).
///
/// ```
/// use sim::threading::Lock;
/// use sim::Shared;
///
/// sim::check_random(|| {
///     let lock = Lock::new();
///     let x = Shared::new(0);
///     let t = {
///         let x = x.clone();
///         sim::thread::spawn(move || {
///             let _g = lock.lock();
///             x.set(x.get() + 1);
///         })
///     };
///     {
///         let _g = lock.lock();
///         x.set(x.get() + 1);
///     }
///     t.join().unwrap();
///     assert_eq!(x.get(), 2);
/// }, 100);
/// ```
#[track_caller]
pub fn check_random<F>(f: F, executions: usize)
where
    F: Fn() + Send + Sync + 'static,
{
    let builder = shuttle_builder()
        .strategy(Strategy::Random)
        .executions(executions as u64)
        .seed(env_seed());
    check_with_corpus(&env_overrides(builder), f);
}

/// Explores every execution of `f` ([`Strategy::Exhaustive`]: optimal
/// dynamic partial-order reduction, one execution per Mazurkiewicz trace)
/// and panics with a report on the first failure, whose replay line names a
/// schedule token (`SIM_REPLAY=s1:... cargo test <name>`). Like
/// [`check_random`] it replays and extends the `traces/` corpus, and reads
/// `SIM_REPLAY`, `SIM_STRATEGY`, `SIM_EXECUTIONS` and `SIM_PREEMPTIONS`.
/// There is no execution budget unless `SIM_EXECUTIONS` sets one.
///
/// ```
/// use sim::threading::Lock;
/// use sim::Shared;
///
/// sim::model(|| {
///     let lock = Lock::new();
///     let x = Shared::new(0);
///     let t = {
///         let x = x.clone();
///         sim::thread::spawn(move || {
///             let _g = lock.lock();
///             x.set(x.get() + 1);
///         })
///     };
///     {
///         let _g = lock.lock();
///         x.set(x.get() + 1);
///     }
///     t.join().unwrap();
///     assert_eq!(x.get(), 2);
/// });
/// ```
#[track_caller]
pub fn model<F>(f: F)
where
    F: Fn() + Send + Sync + 'static,
{
    let builder = test_builder()
        .strategy(Strategy::Exhaustive)
        .executions(u64::MAX)
        .seed(env_seed());
    check_with_corpus(&env_overrides(builder), f);
}

/// Explores `f` with `executions` executions of [`Strategy::Pct`] at bug
/// depth `depth` and panics with a report on the first failure (its token,
/// `pct<depth>:<k>:<seed>`, replays it). Seeded like [`check_random`]
/// (`SIM_SEED`); reads the same environment variables as [`model`].
///
/// As shuttle's, it panics when `f` exercised no concurrency (it never
/// spawned a thread, [`Report::concurrent_steps`]) and
/// more than one execution was asked for: every schedule would be the
/// same one, which is most likely a test that forgot to spawn.
///
/// ```
/// sim::check_pct(|| { sim::thread::spawn(|| {}).join().unwrap(); }, 50, 2);
/// ```
///
/// ```should_panic
/// sim::check_pct(|| sim::println!("alone"), 10, 2); // no concurrency
/// ```
///
/// [`Report::concurrent_steps`]: crate::Report::concurrent_steps
#[track_caller]
pub fn check_pct<F>(f: F, executions: usize, depth: usize)
where
    F: Fn() + Send + Sync + 'static,
{
    let depth = u32::try_from(depth).unwrap_or(u32::MAX);
    let builder = shuttle_builder()
        .strategy(Strategy::Pct { depth })
        .executions(executions as u64)
        .seed(env_seed());
    let report = check_with_corpus(&env_overrides(builder), f);
    if report.concurrent_steps == Some(0) && executions > 1 {
        panic!(
            "sim: check_pct: the test closure did not exercise any concurrency (it spawned no \
             thread), so its {executions} executions would all be the same \
             schedule: spawn the threads the test means to interleave"
        );
    }
}

/// Applies `SIM_TIMING`, `SIM_STRATEGY` (`random`, `pct`, `pct:<depth>`,
/// `pos`, `urw`, `surw`, `portfolio`, `round-robin`, `exhaustive`), `SIM_EXECUTIONS` (a
/// count) and `SIM_PREEMPTIONS` (a preemption bound, or `none`) to a
/// test's builder. A bad value is a clear panic.
#[track_caller]
pub(crate) fn env_overrides(mut builder: Builder) -> Builder {
    builder = env_timing(builder);
    if let Ok(text) = std::env::var("SIM_STRATEGY") {
        builder = builder.strategy(parse_strategy(&text).unwrap_or_else(|| {
            panic!(
                "sim: SIM_STRATEGY={text:?} is not a strategy: expected random, pct, pct:<depth>, \
                 pos, urw, surw, portfolio, round-robin or exhaustive"
            )
        }));
    }
    if let Ok(text) = std::env::var("SIM_EXECUTIONS") {
        let n = text.trim().parse::<u64>().unwrap_or_else(|_| {
            panic!(
                "sim: SIM_EXECUTIONS={text:?} is not a count: expected a decimal u64 such as 10000"
            )
        });
        builder = builder.executions(n);
    }
    // loom's name for the same bound.
    let preemptions =
        std::env::var("SIM_PREEMPTIONS").or_else(|_| std::env::var("LOOM_MAX_PREEMPTIONS"));
    if let Ok(text) = preemptions {
        let t = text.trim();
        let bound = if t == "none" {
            None
        } else {
            Some(t.parse::<usize>().unwrap_or_else(|_| {
                panic!("sim: SIM_PREEMPTIONS={text:?} is not a bound: expected a count such as 2, or none")
            }))
        };
        builder = builder.preemption_bound(bound);
    }
    with_env_parallelism(builder)
}

/// Applies `SIM_JOBS=<n>` (worker threads; 0 = one per core) and
/// `SIM_SHARD=<i>/<n>` (run only that shard of the executions) to `builder`.
fn with_env_parallelism(mut builder: Builder) -> Builder {
    if let Ok(text) = std::env::var("SIM_JOBS") {
        let jobs = text.trim().parse::<usize>().unwrap_or_else(|_| {
            panic!("sim: SIM_JOBS={text:?} is not a number of worker threads (0 = one per core)")
        });
        builder = builder.jobs(jobs);
    }
    if let Ok(text) = std::env::var("SIM_SHARD") {
        let shard = text
            .parse::<Shard>()
            .unwrap_or_else(|e| panic!("sim: SIM_SHARD: {e}"));
        builder = builder.shard(shard);
    }
    builder
}

fn parse_strategy(text: &str) -> Option<Strategy> {
    match text.trim() {
        "random" => Some(Strategy::Random),
        "pct" => Some(Strategy::Pct { depth: 3 }),
        "pos" => Some(Strategy::Pos),
        "urw" => Some(Strategy::Urw),
        "surw" => Some(Strategy::Surw),
        "portfolio" => Some(Strategy::Portfolio),
        "round-robin" | "rr" => Some(Strategy::RoundRobin),
        "exhaustive" => Some(Strategy::Exhaustive),
        t => {
            let depth = t.strip_prefix("pct:")?.parse::<u32>().ok()?;
            (depth >= 1).then_some(Strategy::Pct { depth })
        }
    }
}

/// Explores `f` with `builder` as a test does (`check_random`, `model`,
/// ...): replays the traces saved under the test's corpus key first (see
/// `corpus`) and fails fast if one still fails, noting the ones that no
/// longer reproduce; then explores (or, with `SIM_REPLAY`, replays that
/// token, checked against its saved trace if there is one); saves a failing
/// trace in the corpus unless `SIM_PERSIST=off`; panics with the report on
/// failure.
#[track_caller]
pub(crate) fn check_with_corpus<F>(builder: &Builder, f: F) -> Report
where
    F: Fn() + Send + Sync + 'static,
{
    check_with_corpus_persisting(builder, f, corpus::persist_enabled())
}

/// [`check_with_corpus`], saving a failing trace only if `persist` (the
/// corpus is still replayed first).
#[track_caller]
pub(crate) fn check_with_corpus_persisting<F>(builder: &Builder, f: F, persist: bool) -> Report
where
    F: Fn() + Send + Sync + 'static,
{
    let caller = std::panic::Location::caller();
    let key = corpus::key(
        builder.name.as_deref(),
        std::thread::current().name(),
        caller.file(),
    );
    let f = Arc::new(f);
    let scenario = move || {
        let f = Arc::clone(&f);
        move || f()
    };
    let dir = corpus::traces_dir();
    let saved = match (&dir, &key) {
        (Some(dir), Some(key)) => corpus::saved(dir, key).unwrap_or_else(|e| {
            panic!("sim: the regression corpus has a bad file: {e}\n  fix or delete it")
        }),
        _ => Vec::new(),
    };
    let mut notes = Vec::new();
    let mut replayed_file = None;
    let report = match std::env::var("SIM_REPLAY") {
        Ok(token) => {
            if let Some(file) = token.trim().strip_prefix('@') {
                // A saved trace file, named by a long token's replay line.
                let path = PathBuf::from(file);
                let trace = Trace::load(&path)
                    .unwrap_or_else(|e| panic!("sim: SIM_REPLAY=@{file} is not usable: {e}"));
                replayed_file = Some(path);
                builder.replay_trace(scenario(), &trace)
            } else {
                let recorded = saved.iter().find(|(_, t)| t.token == token.trim());
                match recorded {
                    Some((path, trace)) => {
                        replayed_file = Some(path.clone());
                        builder.replay_trace(scenario(), trace)
                    }
                    None => builder.replay(scenario(), &token),
                }
            }
            .unwrap_or_else(|e| panic!("sim: SIM_REPLAY is not usable: {e}"))
        }
        Err(_) => {
            for (path, trace) in &saved {
                let report = builder
                    .replay(scenario(), &trace.token)
                    .unwrap_or_else(|e| panic!("sim: {}: {e}", path.display()));
                match report.failure() {
                    Some(f) if f.key != super::run::MISFIT_KEY => {
                        let note = format!("the saved trace {} still fails", path.display());
                        panic_with(&report, Some(&note), Some(path));
                    }
                    misfit => {
                        let why = match misfit {
                            Some(f) => format!(
                                "its token no longer fits the program (it changed since): {}",
                                f.message.lines().next().unwrap_or_default()
                            ),
                            None => "the program passes it now".to_string(),
                        };
                        let note = format!(
                            "sim: the saved trace {} no longer reproduces (fixed?): {why}; \
                             kept as a regression test (delete the file to drop it)",
                            path.display()
                        );
                        eprintln!("{note}");
                        notes.push(note);
                    }
                }
            }
            builder.explore(scenario())
        }
    };
    if report.failure().is_some() && persist && std::env::var("SIM_REPLAY").is_err() {
        let failure = report.failure().expect("checked");
        notes.push(match (&dir, &key) {
            (Some(dir), Some(key)) => match corpus::save(dir, key, &failure.trace) {
                Ok(path) => {
                    let note = format!(
                        "saved to {} (with its .dot); it is replayed first from now on \
                         (SIM_PERSIST=off to not save)",
                        path.display()
                    );
                    replayed_file = Some(path);
                    note
                }
                Err(e) => format!("could not save the trace: {e}"),
            },
            (None, _) => "not saved: no traces/ directory found (set SIM_TRACES_DIR)".to_string(),
            (_, None) => "not saved in the corpus: this thread has no test name (a doctest \
                          or a binary's main thread)"
                .to_string(),
        });
    }
    let note = notes.join("\n");
    panic_with(
        &report,
        (!note.is_empty()).then_some(note.as_str()),
        replayed_file.as_deref(),
    );
    report
}

/// Re-runs the one execution that `token` (from a failure report) names,
/// and panics with the report if it fails, as the original run did.
///
/// ```
/// // A program with no failure replays quietly.
/// sim::replay(|| { sim::thread::spawn(|| {}).join().unwrap(); }, "12345");
/// ```
///
/// A malformed token is a clear panic naming what was expected:
///
/// ```should_panic
/// sim::replay(|| {}, "not-a-token"); // panics: malformed replay token ... expected a seed
/// ```
#[track_caller]
pub fn replay<F>(f: F, token: &str)
where
    F: Fn() + Send + Sync + 'static,
{
    let report = env_timing(shuttle_builder())
        .replay(f, token)
        .unwrap_or_else(|e| panic!("sim: {e}"));
    panic_on_failure(&report);
}

#[track_caller]
fn panic_on_failure(report: &Report) {
    panic_with(report, None, None);
}

/// The longest token a replay line shows (`SIM_REPLAY_INLINE_MAX`, 4096
/// characters by default); a longer one is named by its saved trace file.
fn inline_max() -> usize {
    std::env::var("SIM_REPLAY_INLINE_MAX")
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(4096)
}

/// The `SIM_REPLAY=...` value that replays `token`: the token itself, or,
/// past [`inline_max`] characters and with the trace saved at `file`,
/// `@<file>` (an environment variable holds at most 128 KiB on Linux, and
/// a shell line is no place for a long token).
pub(crate) fn replay_value(token: &str, file: Option<&Path>) -> String {
    match file {
        Some(file) if token.len() > inline_max() => {
            let shown = std::env::current_dir()
                .ok()
                .and_then(|cwd| file.strip_prefix(cwd).ok().map(Path::to_path_buf))
                .unwrap_or_else(|| file.to_path_buf());
            format!("@{}", shown.display())
        }
        _ => token.to_string(),
    }
}

#[track_caller]
fn panic_with(report: &Report, note: Option<&str>, file: Option<&Path>) {
    if let Some(failure) = report.failure() {
        let note = note.map(|n| format!("\n{n}")).unwrap_or_default();
        let test = std::thread::current()
            .name()
            .unwrap_or("<test name>")
            .to_string();
        let value = replay_value(&failure.token, file);
        let long = if value == failure.token && failure.token.len() > inline_max() {
            format!(
                "\n(the token is {} characters long: let its trace be saved, without \
                 SIM_PERSIST=off, to replay it as SIM_REPLAY=@<file>)",
                failure.token.len()
            )
        } else {
            String::new()
        };
        panic!(
            "sim found a failure: {} in execution {} of the run (strategy {}, run seed {})\n{}\n{note}{long}\n\
             replay: SIM_REPLAY={value} cargo test {}",
            failure.kind,
            failure.execution,
            report.strategy,
            report.seed,
            failure.message,
            test
        );
    }
}

/// shuttle's `check_dfs`: explores every schedule of `f` with shuttle's
/// plain depth-first search (no partial-order reduction:
/// [`Builder::reduction`] off, so state shared outside sim's primitives,
/// such as a std atomic a thread-local destructor writes, is seen in every
/// order), at most `max_iterations` executions if given, and panics with a
/// report on the first failure. [`model`] is the reduced search.
///
/// [`Builder::reduction`]: crate::Builder::reduction
///
/// ```
/// sim::check_dfs(|| { sim::thread::spawn(|| {}).join().unwrap(); }, None);
/// ```
#[track_caller]
pub fn check_dfs<F>(f: F, max_iterations: Option<usize>)
where
    F: Fn() + Send + Sync + 'static,
{
    let budget = max_iterations.map_or(u64::MAX, |n| n as u64);
    let builder = shuttle_builder()
        .strategy(Strategy::Exhaustive)
        .reduction(false)
        .executions(budget)
        .seed(env_seed());
    check_with_corpus(&env_overrides(builder), f);
}

/// shuttle's `check`: runs `f` once, under one deterministic schedule
/// ([`Strategy::RoundRobin`], as shuttle's), and panics if that execution
/// fails.
///
/// ```
/// sim::check(|| assert_eq!(sim::thread::spawn(|| 1).join().unwrap(), 1));
/// ```
#[track_caller]
pub fn check<F>(f: F)
where
    F: Fn() + Send + Sync + 'static,
{
    let builder = shuttle_builder()
        .strategy(Strategy::RoundRobin)
        .executions(1)
        .seed(env_seed());
    check_with_corpus(&env_overrides(builder), f);
}

/// shuttle's `check_random_with_seed`: [`check_random`] from run seed
/// `seed` (`SIM_SEED` is ignored).
///
/// ```
/// sim::check_random_with_seed(|| {}, 7, 10);
/// ```
#[track_caller]
pub fn check_random_with_seed<F>(f: F, seed: u64, executions: usize)
where
    F: Fn() + Send + Sync + 'static,
{
    let builder = shuttle_builder()
        .strategy(Strategy::Random)
        .executions(executions as u64)
        .seed(seed);
    check_with_corpus(&env_overrides(builder), f);
}

/// Runs `f` as [`model`] does, with `builder`'s settings (for
/// `sim::model::Builder`).
#[track_caller]
pub(crate) fn model_with(builder: Builder, f: impl Fn() + Send + Sync + 'static) {
    check_with_corpus(&env_overrides(builder.seed(env_seed())), f);
}
