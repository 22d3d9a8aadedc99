//! The panicking entry points for tests: `check_random` and `replay`, and
//! the environment variables they read.

use super::{Builder, Report, Strategy, DEFAULT_SEED};

/// Reads `SIM_SEED`: a decimal or `0x` hexadecimal u64.
fn env_seed() -> u64 {
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
/// ```
/// use sim::sync::Lock;
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
pub fn check_random<F>(f: F, executions: u64)
where
    F: Fn() + Send + Sync + 'static,
{
    let builder = Builder::new()
        .strategy(Strategy::Random)
        .executions(executions)
        .seed(env_seed());
    let report = match std::env::var("SIM_REPLAY") {
        Ok(token) => builder
            .replay(f, &token)
            .unwrap_or_else(|e| panic!("sim: SIM_REPLAY is not usable: {e}")),
        Err(_) => builder.explore(f),
    };
    panic_on_failure(&report);
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
    let report = Builder::new()
        .replay(f, token)
        .unwrap_or_else(|e| panic!("sim: {e}"));
    panic_on_failure(&report);
}

#[track_caller]
fn panic_on_failure(report: &Report) {
    if let Some(failure) = report.failure() {
        let test = std::thread::current()
            .name()
            .unwrap_or("<test name>")
            .to_string();
        panic!(
            "sim found a failure: {} in execution {} of the run (strategy {}, run seed {})\n{}\n\n\
             replay: SIM_REPLAY={} cargo test {}",
            failure.kind,
            failure.execution,
            report.strategy,
            report.seed,
            failure.message,
            failure.token,
            test
        );
    }
}
