//! Side-by-side with the tools people already use: the same scenarios in
//! `sim`, in `loom` 0.7 and in `shuttle` 0.9, in one process run.
//!
//! The std-API rows run one program text, written against `std::sync` and
//! `std::thread`'s API, compiled three times (the `std_programs!` macro
//! expanded with `sim`, `shuttle` and `loom` as the crate path).
//!
//! Run: `cargo bench -p sim-cli --bench peers` (release profile). Prints a
//! Markdown table per measure, with the ratios. Every timing is measured in
//! this run; nothing is a constant from elsewhere.

use std::cell::Cell;
use std::hint::black_box;
use std::panic;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use sim::Shared;

/// Executions of the current peer run (loom and shuttle run the closure once
/// per execution, so the closure counts).
static EXECUTIONS: AtomicUsize = AtomicUsize::new(0);

fn count() {
    EXECUTIONS.fetch_add(1, Ordering::Relaxed);
}

fn reset() {
    EXECUTIONS.store(0, Ordering::Relaxed);
}

fn executions() -> usize {
    EXECUTIONS.load(Ordering::Relaxed)
}

/// Runs `f` with panic output silenced (peers report failures by panicking).
fn quietly<R>(f: impl FnOnce() -> R + panic::UnwindSafe) -> std::thread::Result<R> {
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let r = panic::catch_unwind(f);
    panic::set_hook(hook);
    r
}

mod python_api;
use python_api::{loom_side, ours, shuttle_side};

mod std_api;
use std_api::{loom_std, shuttle_async, shuttle_std, sim_async, sim_std};

/// Shuttle's configuration for these runs: failing schedules not printed.
fn shuttle_config() -> shuttle::Config {
    let mut config = shuttle::Config::new();
    config.failure_persistence = shuttle::FailurePersistence::None;
    config
}

/// Rounds of the random-speed comparison: the tools alternate, and each
/// one's best round counts (the machine's speed drifts by tens of percent
/// from one second to the next; the best round is the least disturbed).
const ROUNDS: usize = 5;

/// Executions per second of random executions of ours and shuttle's: `n`
/// executions per round, [`ROUNDS`] rounds alternating the tools, the best
/// round of each.
/// One random-speed table: `n` executions of each lock-increment program
/// that `lock_incr(threads, times)` builds (2x3, 3x2, and 8x1 with a
/// quarter of the count), and of the Condition producer `condvar`, each
/// against shuttle's version.
fn random_rows<L: Fn() + Send + Sync + 'static>(
    n: usize,
    lock_incr: fn(usize, usize) -> L,
    condvar: fn(),
) {
    println!("| scenario | sim | shuttle | sim / shuttle |");
    println!("|---|---|---|---|");
    for (threads, times, count) in [(2, 3, n), (3, 2, n), (8, 1, n / 4)] {
        let plural = if times == 1 { "" } else { "s" };
        random_speed(
            &format!("{threads} threads x {times} lock increment{plural}"),
            count,
            lock_incr(threads, times),
            move || shuttle_side::lock_incr(threads, times),
        );
    }
    random_speed(
        "Condition producer, 2 consumers",
        n,
        condvar,
        shuttle_side::condvar_producer,
    );
}

fn random_speed(
    name: &str,
    n: usize,
    ours: impl Fn() + Send + Sync + 'static,
    theirs: impl Fn() + Copy + Send + Sync + 'static,
) {
    let ours = std::sync::Arc::new(ours);
    let (mut ours_best, mut theirs_best) = (0.0f64, 0.0f64);
    for round in 0..ROUNDS {
        let body = std::sync::Arc::clone(&ours);
        let t = Instant::now();
        let report = sim::Builder::new()
            .executions(n as u64)
            .seed(round as u64)
            .explore(move || body());
        let ours_s = t.elapsed();
        assert!(report.failures.is_empty());
        assert_eq!(report.executions, n as u64);
        reset();
        let t = Instant::now();
        let runs = shuttle::Runner::new(
            shuttle::scheduler::RandomScheduler::new_from_seed(round as u64, n),
            shuttle_config(),
        )
        .run(theirs);
        let theirs_s = t.elapsed();
        assert_eq!(runs, n);
        ours_best = ours_best.max(n as f64 / ours_s.as_secs_f64());
        theirs_best = theirs_best.max(n as f64 / theirs_s.as_secs_f64());
    }
    println!(
        "| {name} | {ours_best:.0}/s | {theirs_best:.0}/s | {:.2}x |",
        ours_best / theirs_best
    );
}

/// The random-speed table of the std-API programs: the one source of
/// [`std_programs`], compiled against sim and against shuttle, `n`
/// executions of each.
fn std_random_rows(n: usize) {
    println!("| program (std API) | sim | shuttle | sim / shuttle |");
    println!("|---|---|---|---|");
    for (threads, times) in [(2, 3), (3, 2)] {
        random_speed(
            &format!("{threads} threads x {times} `Mutex` increments"),
            n,
            move || sim_std::mutex_incr(threads, times),
            move || shuttle_std::mutex_incr(threads, times),
        );
    }
    random_speed(
        "`Condvar` bounded buffer (capacity 1), 1 producer, 2 consumers",
        n,
        sim_std::bounded_buffer,
        shuttle_std::bounded_buffer,
    );
    random_speed(
        "async: 2 tasks x 3 `Mutex` increments (`future::spawn`, `yield_now`)",
        n,
        || sim_async::mutex_incr(2, 3),
        || shuttle_async::mutex_incr(2, 3),
    );
}

/// Exhaustive executions and wall time of the one std-API source compiled
/// against sim (`Strategy::Exhaustive`, as `sim::model`) and against loom
/// (`loom::model`); `traces` is the number of Mazurkiewicz traces where it
/// is known.
fn std_exhaustive_row(
    name: &str,
    traces: Option<u64>,
    ours: impl Fn() + Sync + Send + 'static,
    loom_f: impl Fn() + Sync + Send + 'static,
) {
    let t = Instant::now();
    let report = sim::Builder::new()
        .strategy(sim::Strategy::Exhaustive)
        .executions(u64::MAX)
        .explore(ours);
    let ours_t = t.elapsed();
    assert!(report.complete && report.failures.is_empty(), "{report}");
    let ours_n = report.executions;
    if let Some(traces) = traces {
        assert_eq!(
            ours_n, traces,
            "{name}: sim's executions are not the traces"
        );
    }
    reset();
    let t = Instant::now();
    loom::model(loom_f);
    let loom_n = executions();
    let loom_t = t.elapsed();
    println!(
        "| {name} | {} | {ours_n} in {ours_t:.2?} ({:.0}/s) | {loom_n} in {loom_t:.2?} ({:.0}/s) | {:.1}x fewer, {:.0}x less time |",
        traces.map_or("-".to_string(), |t| t.to_string()),
        ours_n as f64 / ours_t.as_secs_f64(),
        loom_n as f64 / loom_t.as_secs_f64(),
        loom_n as f64 / ours_n as f64,
        loom_t.as_secs_f64() / ours_t.as_secs_f64(),
    );
}

/// Executions until `ours` fails under `builder` with `seed` (race
/// detection off: the bug must show as the peers see it).
fn ours_until_bug(name: &str, builder: sim::Builder, seed: u64, ours: fn()) -> u64 {
    let r = builder
        .executions(100_000)
        .seed(seed)
        .race_detection(false)
        .explore(ours);
    assert!(
        !r.failures.is_empty(),
        "{name}: ours found no bug with seed {seed}"
    );
    r.executions
}

/// Executions until shuttle's `theirs` fails under `scheduler`.
fn shuttle_until_bug<S: shuttle::scheduler::Scheduler + 'static>(
    name: &str,
    scheduler: S,
    seed: u64,
    theirs: fn(),
) -> u64 {
    reset();
    let r = quietly(panic::AssertUnwindSafe(|| {
        shuttle::Runner::new(scheduler, shuttle_config()).run(theirs)
    }));
    assert!(r.is_err(), "{name}: shuttle found no bug with seed {seed}");
    executions() as u64
}

/// Mean executions and time until the first failure, over 20 seeds, for
/// each tool and strategy; ratios against shuttle's random scheduler.
fn first_bug(name: &str, ours: fn(), theirs: fn()) {
    const SEEDS: u64 = 20;
    let mean = |run: &dyn Fn(u64) -> u64| {
        let t = Instant::now();
        let total: u64 = (0..SEEDS).map(run).sum();
        (total as f64 / SEEDS as f64, t.elapsed() / SEEDS as u32)
    };
    let rows: Vec<(&str, (f64, std::time::Duration))> = vec![
        (
            "shuttle random",
            mean(&|seed| {
                shuttle_until_bug(
                    name,
                    shuttle::scheduler::RandomScheduler::new_from_seed(seed, 100_000),
                    seed,
                    theirs,
                )
            }),
        ),
        (
            "shuttle PCT (depth 3)",
            mean(&|seed| {
                shuttle_until_bug(
                    name,
                    shuttle::scheduler::PctScheduler::new_from_seed(seed, 3, 100_000),
                    seed,
                    theirs,
                )
            }),
        ),
        (
            "sim random",
            mean(&|seed| ours_until_bug(name, sim::Builder::new(), seed, ours)),
        ),
        (
            "sim PCT (depth 3)",
            mean(&|seed| {
                let pct = sim::Builder::new().strategy(sim::Strategy::Pct { depth: 3 });
                ours_until_bug(name, pct, seed, ours)
            }),
        ),
        (
            "sim POS",
            mean(&|seed| {
                let pos = sim::Builder::new().strategy(sim::Strategy::Pos);
                ours_until_bug(name, pos, seed, ours)
            }),
        ),
    ];
    let exhaustive = sim::Builder::new()
        .strategy(sim::Strategy::Exhaustive)
        .race_detection(false)
        .executions(u64::MAX);
    let t = Instant::now();
    let r = exhaustive.explore(ours);
    let t = t.elapsed();
    assert!(!r.failures.is_empty(), "{name}: exhaustive found no bug");
    let rows: Vec<_> = rows
        .into_iter()
        .chain([("sim exhaustive (deterministic)", (r.executions as f64, t))])
        .collect();
    let (base_n, base_t) = rows[0].1;
    for (tool, (n, t)) in rows {
        println!(
            "| {name} | {tool} | {n:.1} | {t:.2?} | {:.2}x | {:.2}x |",
            base_n / n,
            base_t.as_secs_f64() / t.as_secs_f64()
        );
    }
}

/// Executions sim's exhaustive exploration, loom's DPOR and shuttle's DFS
/// need to cover a program.
fn exhaustive_counts(
    name: &str,
    ours: impl Fn() + Sync + Send + 'static,
    loom_f: impl Fn() + Sync + Send + 'static,
    shuttle_f: impl Fn() + Sync + Send + 'static,
    shuttle_cap: Option<usize>,
) {
    let t = Instant::now();
    let report = sim::Builder::new()
        .strategy(sim::Strategy::Exhaustive)
        .executions(u64::MAX)
        .explore(ours);
    let ours_t = t.elapsed();
    assert!(report.complete && report.failures.is_empty(), "{report}");
    let ours_n = report.executions;
    reset();
    let t = Instant::now();
    loom::model(loom_f);
    let loom_n = executions();
    let loom_t = t.elapsed();
    reset();
    let t = Instant::now();
    let shuttle_n = shuttle::Runner::new(
        shuttle::scheduler::DfsScheduler::new(shuttle_cap, false),
        shuttle_config(),
    )
    .run(shuttle_f);
    let shuttle_t = t.elapsed();
    println!(
        "| {name} | {ours_n} in {ours_t:.2?} ({:.0}/s) | {loom_n} in {loom_t:.2?} ({:.0}/s) | {shuttle_n}{} in {shuttle_t:.2?} ({:.0}/s) | {:.1}x fewer than loom, {:.0}x less time |",
        ours_n as f64 / ours_t.as_secs_f64(),
        loom_n as f64 / loom_t.as_secs_f64(),
        if shuttle_cap == Some(shuttle_n) { " (capped)" } else { "" },
        shuttle_n as f64 / shuttle_t.as_secs_f64(),
        loom_n as f64 / ours_n as f64,
        loom_t.as_secs_f64() / ours_t.as_secs_f64(),
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("peers bench: run with `cargo bench -p sim-cli --bench peers`");
        return;
    }
    let quick = std::env::var("PEERS_QUICK").is_ok();
    println!(
        "## Random executions per second (same scenario, same count, this run; best of {ROUNDS} alternating rounds)\n"
    );
    let n = if quick { 10_000 } else { 40_000 };
    random_rows(
        n,
        ours::lock_incr::<ours::SharedSlot>,
        ours::condvar_producer::<Shared<bool>>,
    );
    println!(
        "\n## Random executions per second, the same scheduling points as shuttle\n\n\
         In the table above every `Shared` read and write is a scheduling point and is \
         race-checked, so a sim increment is four steps (acquire, read, write, release) where \
         shuttle's `*mutex.lock() += 1` is two. Here the sim scenarios keep the counter (the \
         flag) in a plain `Cell` under the lock, as shuttle's `Mutex` keeps it.\n"
    );
    random_rows(
        n,
        ours::lock_incr::<ours::CellSlot>,
        ours::condvar_producer::<Rc<Cell<bool>>>,
    );

    println!(
        "\n## Random executions per second, one std-API source compiled against sim and shuttle\n\n\
         One program text, written against `std::sync`/`std::thread`'s API, expanded with \
         `sim::sync`/`sim::thread` and with `shuttle::sync`/`shuttle::thread` (the counter \
         lives in the `Mutex`: `Arc<Mutex<usize>>`).\n"
    );
    std_random_rows(n);

    println!("\n## Executions until the first bug, mean over 20 seeds\n");
    println!("| scenario | tool and strategy | executions | time | fewer executions than shuttle random | less time |");
    println!("|---|---|---|---|---|---|");
    first_bug(
        "racy read-then-write counter (lost update)",
        ours::racy_counter,
        shuttle_side::racy_counter,
    );
    first_bug(
        "3 philosophers (deadlock)",
        ours::philosophers,
        shuttle_side::philosophers,
    );

    println!("\n## Executions to cover the space exhaustively\n");
    println!(
        "| scenario | sim (exhaustive) | loom (DPOR) | shuttle (DFS, no reduction) | sim vs loom |"
    );
    println!("|---|---|---|---|---|");
    exhaustive_counts(
        "2 threads x 3 lock increments",
        ours::lock_incr::<ours::SharedSlot>(2, 3),
        || loom_side::lock_incr(2, 3),
        || shuttle_side::lock_incr(2, 3),
        None,
    );
    exhaustive_counts(
        "3 threads x 2 lock increments",
        ours::lock_incr::<ours::SharedSlot>(3, 2),
        || loom_side::lock_incr(3, 2),
        || shuttle_side::lock_incr(3, 2),
        if quick { Some(200_000) } else { None },
    );
    exhaustive_counts(
        "Condition producer, 2 consumers",
        ours::condvar_producer::<Shared<bool>>,
        loom_side::condvar_producer,
        shuttle_side::condvar_producer,
        None,
    );
    let t = Instant::now();
    let r = sim::Builder::new()
        .strategy(sim::Strategy::Exhaustive)
        .executions(u64::MAX)
        .explore(ours::lock_incr::<ours::SharedSlot>(8, 1));
    let t = t.elapsed();
    assert!(r.complete && r.failures.is_empty(), "{r}");
    println!(
        "| 8 threads x 1 lock increment | {} in {t:.2?} ({:.0}/s) | cannot express it (loom runs at most 4 threads besides main) | not run (no reduction: far beyond 10^9 schedules) | - |",
        r.executions,
        r.executions as f64 / t.as_secs_f64()
    );

    println!("\n## Exhaustive executions, one std-API source compiled against sim and loom\n");
    println!("| program (std API) | traces | sim (exhaustive) | loom (DPOR) | sim vs loom |");
    println!("|---|---|---|---|---|");
    std_exhaustive_row(
        "2 threads x 3 `Mutex` increments",
        Some(20),
        || sim_std::mutex_incr(2, 3),
        || loom_std::mutex_incr(2, 3),
    );
    std_exhaustive_row(
        "3 threads x 2 `Mutex` increments",
        Some(90),
        || sim_std::mutex_incr(3, 2),
        || loom_std::mutex_incr(3, 2),
    );
    std_exhaustive_row(
        "`Condvar` bounded buffer (capacity 1), 1 producer, 2 consumers",
        None,
        sim_std::bounded_buffer,
        loom_std::bounded_buffer,
    );
    black_box(loom_side::racy_counter as fn());
    black_box(loom_side::philosophers as fn());
}
