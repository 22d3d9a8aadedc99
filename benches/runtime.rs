//! Runtime benchmark: random executions per second on the scenario,
//! and the cost of one scheduling step against a bare coroutine switch
//! measured in the same run.
//!
//! Run: `cargo bench -p sim --bench runtime` (release profile). Prints a table;
//! the ratios are what to compare across machines.

use std::hint::black_box;
use std::time::{Duration, Instant};

use corosensei::{Coroutine, CoroutineResult};
use sim::sync::Lock;
use sim::{Builder, Shared};

/// Rounds of each comparison: the two sides alternate and each one's best
/// round counts (the machine's speed drifts by tens of percent from one
/// second to the next; the best round is the least disturbed).
const ROUNDS: usize = 5;

/// Runs `f` repeatedly for about `budget`, returns (iterations, elapsed).
fn measure(budget: Duration, mut f: impl FnMut() -> u64) -> (u64, Duration) {
    let start = Instant::now();
    let mut n = 0;
    while start.elapsed() < budget {
        n += f();
    }
    (n, start.elapsed())
}

/// Rate (iterations per second) of `f` over about `budget`.
fn rate(budget: Duration, f: impl FnMut() -> u64) -> f64 {
    let (n, t) = measure(budget, f);
    n as f64 / t.as_secs_f64()
}

/// The best rates of `a` and `b` over [`ROUNDS`] alternating rounds.
fn best_of_rounds(mut a: impl FnMut() -> f64, mut b: impl FnMut() -> f64) -> (f64, f64) {
    let (mut best_a, mut best_b) = (0.0f64, 0.0f64);
    for _ in 0..ROUNDS {
        best_a = best_a.max(a());
        best_b = best_b.max(b());
    }
    (best_a, best_b)
}

/// Bare corosensei resume/suspend round trips per second: the floor for one
/// step.
fn bare_switches_per_sec() -> f64 {
    let mut co: Coroutine<(), (), ()> = Coroutine::new(|y, ()| loop {
        y.suspend(());
    });
    rate(Duration::from_millis(400), || {
        for _ in 0..100_000 {
            if let CoroutineResult::Return(()) = co.resume(()) {
                unreachable!()
            }
        }
        100_000
    })
}

/// sim steps per second (a `yield_now` of a single thread: announce,
/// perform, resume).
fn sim_steps_per_sec() -> f64 {
    const STEPS: u64 = 100_000;
    let builder = Builder::new().executions(1).max_steps(STEPS + 10);
    rate(Duration::from_millis(400), || {
        let r = builder.explore(|| {
            for _ in 0..STEPS {
                sim::thread::yield_now();
            }
        });
        assert!(r.failures.is_empty());
        STEPS
    })
}

/// Two threads each take a Lock 3 times and increment a Shared under it.
fn two_by_three() {
    let lock = Lock::new();
    let x = Shared::new(0u32);
    let hs: Vec<_> = (0..2)
        .map(|_| {
            let x = x.clone();
            sim::thread::spawn(move || {
                for _ in 0..3 {
                    let _g = lock.lock();
                    x.set(x.get() + 1);
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(black_box(x.get()), 6);
}

/// Random executions per second of 2x3 with `jobs` worker threads, over
/// 100,000 executions per measurement.
fn random_2x3_execs_per_sec(jobs: usize) -> f64 {
    const BATCH: u64 = 100_000;
    let builder = Builder::new().executions(BATCH).jobs(jobs);
    rate(Duration::from_millis(500), || {
        let r = builder.explore(two_by_three);
        assert!(r.failures.is_empty());
        BATCH
    })
}

fn main() {
    // `cargo test --benches` runs bench binaries with no arguments in test
    // mode too; only measure under `cargo bench` (which passes --bench).
    if !std::env::args().any(|a| a == "--bench") {
        println!("runtime bench: run with `cargo bench -p sim --bench runtime`");
        return;
    }
    let (switches, steps) = best_of_rounds(bare_switches_per_sec, sim_steps_per_sec);
    let (switch, step) = (1e9 / switches, 1e9 / steps);
    println!("best of {ROUNDS} alternating rounds per pair of rows\n");
    println!("| measure | value | ratio |");
    println!("|---|---|---|");
    println!("| bare corosensei resume+suspend | {switch:.1} ns | 1.00x (baseline) |");
    println!(
        "| sim scheduling step (yield_now, 1 thread) | {step:.1} ns | {:.2}x the bare switch |",
        step / switch
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (one, many) = best_of_rounds(
        || random_2x3_execs_per_sec(1),
        || random_2x3_execs_per_sec(cores),
    );
    println!(
        "| random 2x3 (2 threads x 3 lock increments), jobs(1) | {one:.0}/s ({:.0} ns each) | 1.00x (baseline) |",
        1e9 / one
    );
    println!(
        "| random 2x3, jobs({cores}) ({cores} cores) | {many:.0}/s | {:.2}x jobs(1) |",
        many / one
    );
}
