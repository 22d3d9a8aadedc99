//! Runtime benchmark: random executions per second on the scenario,
//! the cost of one scheduling step against a bare coroutine switch measured
//! in the same run (a step that runs inline and a step with a choice), and
//! the `jobs(n)` speed-up against the machine's own ceiling (n independent
//! processes at once) and in CPU time per execution.
//!
//! Run: `cargo bench -p sim --bench runtime` (release profile). Prints a table;
//! the ratios are what to compare across machines.

use std::time::{Duration, Instant};

use corosensei::{Coroutine, CoroutineResult};
use sim::Builder;

// The programs the tests run, shared with them (one definition).
#[allow(dead_code)]
#[path = "../sim/tests/it/programs.rs"]
mod programs;

use programs::lock_increments;

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

/// The best rate of each of `sides` over [`ROUNDS`] rounds in which the
/// sides take turns.
fn best_of_rounds<const N: usize>(mut sides: [&mut dyn FnMut() -> f64; N]) -> [f64; N] {
    let mut best = [0.0f64; N];
    for _ in 0..ROUNDS {
        for (side, best) in sides.iter_mut().zip(&mut best) {
            *best = best.max(side());
        }
    }
    best
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

/// sim steps per second: `threads` threads each `yield_now` in a loop.
/// With one thread every step has a single candidate and runs inline on the
/// green thread (announce, perform, go on: no switch). With two, every step
/// is a choice: the thread suspends, the scheduler loop draws and resumes
/// the chosen thread (two switches).
fn sim_steps_per_sec(threads: u64) -> f64 {
    const STEPS: u64 = 100_000;
    let per_thread = STEPS / threads;
    let builder = Builder::new().executions(1).max_steps(STEPS + 100);
    rate(Duration::from_millis(400), move || {
        let r = builder.explore(move || {
            let hs: Vec<_> = (1..threads)
                .map(|_| {
                    sim::thread::spawn(move || {
                        for _ in 0..per_thread {
                            sim::thread::yield_now();
                        }
                    })
                })
                .collect();
            for _ in 0..per_thread {
                sim::thread::yield_now();
            }
            for h in hs {
                h.join().unwrap();
            }
        });
        assert!(r.failures.is_empty());
        per_thread * threads
    })
}

/// Random executions per second of 2x3 with `jobs` worker threads, over
/// 100,000 executions per measurement.
fn random_2x3_execs_per_sec(jobs: usize) -> f64 {
    const BATCH: u64 = 100_000;
    let builder = Builder::new().executions(BATCH).jobs(jobs);
    rate(Duration::from_millis(500), || {
        let r = builder.explore(lock_increments::<2, 3>);
        assert!(r.failures.is_empty());
        BATCH
    })
}

/// CPU time (user + system) this process has used, all its threads
/// included (those that have exited too), from `/proc/self/stat`, in
/// seconds; `None` where there is no such file. Its unit is the kernel's
/// clock tick, 1/100 s on Linux.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which is in parentheses and may
    // hold spaces): state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// CPU nanoseconds per random 2x3 execution with `jobs` worker threads,
/// over 300,000 executions: what parallel exploration costs in work, apart
/// from how much of a second core the machine gives.
fn random_2x3_cpu_ns_per_execution(jobs: usize) -> Option<f64> {
    const BATCH: u64 = 300_000;
    let builder = Builder::new().executions(BATCH).jobs(jobs);
    let before = process_cpu_seconds()?;
    let r = builder.explore(lock_increments::<2, 3>);
    assert!(r.failures.is_empty());
    Some((process_cpu_seconds()? - before) * 1e9 / BATCH as f64)
}

/// The flag that makes this binary a child: it measures random 2x3 with
/// `jobs(1)` once and prints the rate.
const CHILD_RATE: &str = "--child-random-2x3-rate";
/// The same, printing the CPU nanoseconds per execution.
const CHILD_CPU: &str = "--child-random-2x3-cpu";

/// Runs `n` copies of this binary as children at the same time, each with
/// `flag`, and returns the number each printed: `n` workers that share
/// nothing, the ceiling for `jobs(n)`.
fn in_independent_processes(n: usize, flag: &str) -> Vec<f64> {
    let exe = std::env::current_exe().expect("the bench binary's path");
    let children: Vec<_> = (0..n)
        .map(|_| {
            std::process::Command::new(&exe)
                .args(["--bench", flag])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("start a child bench process")
        })
        .collect();
    children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().expect("a child bench process");
            assert!(out.status.success(), "a child bench process failed");
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse::<f64>()
                .expect("a child prints a number")
        })
        .collect()
}

fn main() {
    // `cargo test --benches` runs bench binaries with no arguments in test
    // mode too; only measure under `cargo bench` (which passes --bench).
    if !std::env::args().any(|a| a == "--bench") {
        println!("runtime bench: run with `cargo bench -p sim --bench runtime`");
        return;
    }
    if std::env::args().any(|a| a == CHILD_RATE) {
        println!("{}", random_2x3_execs_per_sec(1));
        return;
    }
    if std::env::args().any(|a| a == CHILD_CPU) {
        println!("{}", random_2x3_cpu_ns_per_execution(1).unwrap_or(f64::NAN));
        return;
    }
    let [switches, steps, chosen_steps] = best_of_rounds([
        &mut bare_switches_per_sec,
        &mut || sim_steps_per_sec(1),
        &mut || sim_steps_per_sec(2),
    ]);
    let (switch, step, chosen) = (1e9 / switches, 1e9 / steps, 1e9 / chosen_steps);
    println!("best of {ROUNDS} rounds, the rows of each group taking turns\n");
    println!("| measure | value | ratio |");
    println!("|---|---|---|");
    println!("| bare corosensei resume+suspend | {switch:.1} ns | 1.00x (baseline) |");
    println!(
        "| sim step with one candidate (yield_now, 1 thread: runs inline, no switch) | {step:.1} ns | {:.2}x the bare switch |",
        step / switch
    );
    println!(
        "| sim step with a choice (yield_now, 2 threads: scheduler loop, two switches) | {chosen:.1} ns | {:.2}x the bare switch |",
        chosen / switch
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let [one, many, procs] = best_of_rounds([
        &mut || random_2x3_execs_per_sec(1),
        &mut || random_2x3_execs_per_sec(cores),
        &mut || in_independent_processes(cores, CHILD_RATE).iter().sum(),
    ]);
    println!(
        "| random 2x3 (2 threads x 3 lock increments), jobs(1) | {one:.0}/s ({:.0} ns each) | 1.00x (baseline) |",
        1e9 / one
    );
    println!(
        "| random 2x3, jobs({cores}) ({cores} cores) | {many:.0}/s | {:.2}x jobs(1), {:.0}% of the ceiling |",
        many / one,
        100.0 * many / procs
    );
    println!(
        "| ceiling: {cores} independent processes, each random 2x3 jobs(1), at once | {procs:.0}/s | {:.2}x jobs(1) |",
        procs / one
    );
    // The least CPU time per execution over the rounds (tick resolution:
    // about 1% of a 300,000-execution batch).
    let (mut cpu_one, mut cpu_many, mut cpu_procs) = (f64::MAX, f64::MAX, f64::MAX);
    for _ in 0..ROUNDS {
        if let (Some(a), Some(b)) = (
            random_2x3_cpu_ns_per_execution(1),
            random_2x3_cpu_ns_per_execution(cores),
        ) {
            cpu_one = cpu_one.min(a);
            cpu_many = cpu_many.min(b);
        }
        let each = in_independent_processes(cores, CHILD_CPU);
        cpu_procs = cpu_procs.min(each.iter().sum::<f64>() / each.len() as f64);
    }
    if cpu_one < f64::MAX {
        println!(
            "| CPU time per random 2x3 execution, jobs(1) | {cpu_one:.0} ns | 1.00x (baseline) |"
        );
        println!(
            "| CPU time per execution, jobs({cores}), all workers | {cpu_many:.0} ns | {:.2}x jobs(1) |",
            cpu_many / cpu_one
        );
        println!(
            "| CPU time per execution, {cores} independent processes at once | {cpu_procs:.0} ns | {:.2}x jobs(1) |",
            cpu_procs / cpu_one
        );
    }
}
