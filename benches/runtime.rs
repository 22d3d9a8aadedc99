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

/// Runs `f` repeatedly for about `budget`, returns (iterations, elapsed).
fn measure(budget: Duration, mut f: impl FnMut() -> u64) -> (u64, Duration) {
    let start = Instant::now();
    let mut n = 0;
    while start.elapsed() < budget {
        n += f();
    }
    (n, start.elapsed())
}

/// A bare corosensei resume/suspend round trip: the floor for one step.
fn bare_switch_ns() -> f64 {
    let mut co: Coroutine<(), (), ()> = Coroutine::new(|y, ()| loop {
        y.suspend(());
    });
    let (n, t) = measure(Duration::from_secs(2), || {
        for _ in 0..100_000 {
            if let CoroutineResult::Return(()) = co.resume(()) {
                unreachable!()
            }
        }
        100_000
    });
    t.as_nanos() as f64 / n as f64
}

/// One sim step (a `yield_now` of a single thread: announce, perform, resume).
fn sim_step_ns() -> f64 {
    const STEPS: u64 = 100_000;
    let builder = Builder::new().executions(1).max_steps(STEPS + 10);
    let (n, t) = measure(Duration::from_secs(2), || {
        let r = builder.explore(|| {
            for _ in 0..STEPS {
                sim::thread::yield_now();
            }
        });
        assert!(r.failures.is_empty());
        STEPS
    });
    t.as_nanos() as f64 / n as f64
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

fn random_2x3_execs_per_sec() -> (f64, f64) {
    const BATCH: u64 = 10_000;
    let builder = Builder::new().executions(BATCH);
    let mut steps = 0;
    let (n, t) = measure(Duration::from_secs(3), || {
        let r = builder.explore(two_by_three);
        assert!(r.failures.is_empty());
        steps += 1;
        r.executions
    });
    let _ = steps;
    (n as f64 / t.as_secs_f64(), t.as_nanos() as f64 / n as f64)
}

/// Random executions per second of 2x3 with `jobs` worker threads, over
/// 200,000 executions per measurement.
fn parallel_2x3_execs_per_sec(jobs: usize) -> f64 {
    const BATCH: u64 = 200_000;
    let builder = Builder::new().executions(BATCH).jobs(jobs);
    let (n, t) = measure(Duration::from_secs(4), || {
        let r = builder.explore(two_by_three);
        assert!(r.failures.is_empty());
        BATCH
    });
    n as f64 / t.as_secs_f64()
}

fn main() {
    // `cargo test --benches` runs bench binaries with no arguments in test
    // mode too; only measure under `cargo bench` (which passes --bench).
    if !std::env::args().any(|a| a == "--bench") {
        println!("runtime bench: run with `cargo bench -p sim --bench runtime`");
        return;
    }
    let switch = bare_switch_ns();
    let step = sim_step_ns();
    let (eps, ns_per_exec) = random_2x3_execs_per_sec();
    println!("| measure | value | ratio |");
    println!("|---|---|---|");
    println!("| bare corosensei resume+suspend | {switch:.1} ns | 1.00x (baseline) |");
    println!(
        "| sim scheduling step (yield_now, 1 thread) | {step:.1} ns | {:.2}x the bare switch |",
        step / switch
    );
    println!(
        "| random executions/s, 2 threads x 3 lock increments | {eps:.0}/s ({ns_per_exec:.0} ns each) | {:.2}x shuttle's reference 189k/s (not measured in this run) |",
        eps / 189_000.0
    );
    let one = parallel_2x3_execs_per_sec(1);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let many = parallel_2x3_execs_per_sec(cores);
    println!("| random 2x3, jobs(1) | {one:.0}/s | 1.00x (baseline) |");
    println!(
        "| random 2x3, jobs({cores}) ({cores} cores) | {many:.0}/s | {:.2}x jobs(1) |",
        many / one
    );
}
