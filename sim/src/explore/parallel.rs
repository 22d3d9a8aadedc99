//! Running the executions of an index-seeded strategy (execution `k` has
//! its own seed, derived from the run's seed and `k`) on one or several OS
//! threads.
//!
//! With `jobs(n)`, the index range is cut into chunks handed out in order to
//! `n` worker threads; each worker has its own runtime (the runtime state,
//! the stack pool and the scheduler are thread-local) and runs a chunk as a
//! small sequential run. The chunks' reports are merged in index order, so
//! the result does not depend on which worker ran what or when: it is the
//! report `jobs(1)` gives, failure for failure and output for output. With
//! stop-at-first-failure, workers stop taking chunks past the earliest
//! chunk known to fail, and the merge ends at the first failing chunk.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::progress::ProgressCounter;
use super::token::Token;
use super::{Builder, Report, Run};
use crate::rt::ExecConfig;

/// Chunks per worker: enough that workers finish together, few enough that
/// merging costs nothing.
const CHUNKS_PER_JOB: u64 = 16;
/// The smallest chunk worth a hand-over.
const MIN_CHUNK: u64 = 64;

/// Runs executions `range` of `main`, execution `k` being the one
/// `token_of(k)` names, on `builder.jobs` threads.
pub(super) fn run_indexed<M>(
    builder: &Builder,
    main: &Arc<dyn Fn() + Send + Sync>,
    cfg: &ExecConfig,
    range: Range<u64>,
    token_of: M,
) -> Report
where
    M: Fn(u64) -> Token + Sync,
{
    let progress = ProgressCounter::new(builder.progress.as_ref(), Some(range.end - range.start));
    let report = if builder.jobs <= 1 || range.end - range.start <= MIN_CHUNK {
        run_range(builder, main, cfg, range, &token_of, &progress)
    } else {
        run_parallel(builder, main, cfg, range, &token_of, &progress)
    };
    progress.finish(report.executions);
    report
}

/// One sequential run over `range`.
fn run_range<M>(
    builder: &Builder,
    main: &Arc<dyn Fn() + Send + Sync>,
    cfg: &ExecConfig,
    range: Range<u64>,
    token_of: &M,
    progress: &ProgressCounter<'_>,
) -> Report
where
    M: Fn(u64) -> Token + Sync,
{
    let main = own_arc(main);
    let mut run = Run::starting_at(builder, range.start);
    for index in range {
        let failed = run.execute(&main, cfg, token_of(index));
        progress.tick(failed);
        if failed && builder.stop_on_first_failure {
            break;
        }
    }
    run.finish(false)
}

/// The scenario behind an `Arc` of its own. Each execution clones the
/// scenario's `Arc`: a worker thread that runs on its own copy does not
/// contend with the others on one reference count.
pub(super) fn own_arc(main: &Arc<dyn Fn() + Send + Sync>) -> Arc<dyn Fn() + Send + Sync> {
    let shared = Arc::clone(main);
    Arc::new(move || shared())
}

fn run_parallel<M>(
    builder: &Builder,
    main: &Arc<dyn Fn() + Send + Sync>,
    cfg: &ExecConfig,
    range: Range<u64>,
    token_of: &M,
    progress: &ProgressCounter<'_>,
) -> Report
where
    M: Fn(u64) -> Token + Sync,
{
    let jobs = builder.jobs;
    let len = range.end - range.start;
    let chunk = (len / (jobs as u64 * CHUNKS_PER_JOB)).max(MIN_CHUNK);
    let chunks = len.div_ceil(chunk);
    // Worker threads have their own names: fix the scenario's name (by
    // default the calling test's thread name) before leaving this thread.
    let builder = Builder {
        name: Some(builder.scenario_name()),
        ..builder.clone()
    };
    let next = AtomicUsize::new(0);
    let first_failing = AtomicU64::new(u64::MAX);
    let results: Mutex<Vec<(u64, Report)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for worker in 0..jobs {
            let (builder, next, first_failing, results) =
                (&builder, &next, &first_failing, &results);
            std::thread::Builder::new()
                .name(format!("sim-worker-{worker}"))
                .spawn_scoped(scope, move || loop {
                    let c = next.fetch_add(1, Ordering::Relaxed) as u64;
                    if c >= chunks || c > first_failing.load(Ordering::Relaxed) {
                        break;
                    }
                    let start = range.start + c * chunk;
                    let end = (start + chunk).min(range.end);
                    let report = run_range(builder, main, cfg, start..end, token_of, progress);
                    if !report.failures.is_empty() && builder.stop_on_first_failure {
                        first_failing.fetch_min(c, Ordering::Relaxed);
                    }
                    results
                        .lock()
                        .expect("a worker panicked while holding the results")
                        .push((c, report));
                })
                .expect("sim: cannot start a worker thread");
        }
    });
    let mut results = results
        .into_inner()
        .expect("a worker panicked while holding the results");
    results.sort_by_key(|(c, _)| *c);
    // Up to and including the first chunk that stopped at a failure.
    let mut parts = Vec::new();
    for (_, report) in results {
        let stop = !report.failures.is_empty() && builder.stop_on_first_failure;
        parts.push(report);
        if stop {
            break;
        }
    }
    Report::merge(parts).expect("chunks of one run merge")
}
