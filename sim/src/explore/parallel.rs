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
        if builder.interrupted() {
            break;
        }
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
    let results = in_order(&builder, chunks as usize, u64::MAX, &|c| {
        let start = range.start + c as u64 * chunk;
        let end = (start + chunk).min(range.end);
        run_range(&builder, main, cfg, start..end, token_of, progress)
    });
    // Up to and including the first chunk that stopped at a failure (the
    // chunks after it were not taken).
    let mut parts = Vec::new();
    for report in results.into_iter().map_while(|r| r) {
        let stop = stops(&builder, &report);
        parts.push(report);
        if stop {
            break;
        }
    }
    Report::merge(parts).expect("chunks of one run merge")
}

/// Whether `report`'s part ends the run: it failed, and the run stops at
/// the first failure.
fn stops(builder: &Builder, report: &Report) -> bool {
    !report.failures.is_empty() && builder.stop_on_first_failure
}

/// Runs `work(i)` for `i` in `0..n` on `builder.jobs` worker threads (each
/// with its own runtime), handing the indices out in order. Result `i` is
/// `work(i)`'s report, or `None` for an index not taken: past the earliest
/// one whose report [`stops`] the run, or once the finished reports (all
/// of them before any index not taken yet) hold `budget` executions.
pub(super) fn in_order(
    builder: &Builder,
    n: usize,
    budget: u64,
    work: &(dyn Fn(usize) -> Report + Sync),
) -> Vec<Option<Report>> {
    let next = AtomicUsize::new(0);
    let first_stop = AtomicUsize::new(usize::MAX);
    let finished = AtomicU64::new(0);
    let results: Mutex<Vec<Option<Report>>> = Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|scope| {
        for worker in 0..builder.jobs.min(n) {
            let (next, first_stop, finished, results) = (&next, &first_stop, &finished, &results);
            std::thread::Builder::new()
                .name(format!("sim-worker-{worker}"))
                .spawn_scoped(scope, move || loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= n
                        || i > first_stop.load(Ordering::SeqCst)
                        || finished.load(Ordering::SeqCst) >= budget
                    {
                        break;
                    }
                    let report = work(i);
                    if stops(builder, &report) {
                        first_stop.fetch_min(i, Ordering::SeqCst);
                    }
                    finished.fetch_add(report.executions, Ordering::SeqCst);
                    results
                        .lock()
                        .expect("a worker panicked while holding the results")[i] = Some(report);
                })
                .expect("sim: cannot start a worker thread");
        }
    });
    results
        .into_inner()
        .expect("a worker panicked while holding the results")
}
