//! Exhaustive exploration benchmark: executions per second of optimal DPOR
//! on "3 threads each take one Lock twice and increment" (90 Mazurkiewicz
//! traces), against random executions per second of the same program in the
//! same run, plus the execution counts of the programs.
//!
//! The unreduced depth-first search (programs outside the DPOR fragment,
//! here a Semaphore; and a preemption-bounded search) is also measured
//! with `jobs(1)` and `jobs(2)`: it is split into subtrees over the jobs,
//! with the same report.
//!
//! Run: `cargo bench -p sim --bench exhaustive` (release profile). Prints a
//! table.

use std::time::{Duration, Instant};

use sim::{Builder, Strategy};

// The programs the tests run, shared with them (one definition).
#[allow(dead_code)]
#[path = "../sim/tests/it/programs.rs"]
mod programs;

use programs::{five_writers, lock_increments, semaphore_workers};

/// Repeats `run` (returning executions done) for about `budget`: (executions, elapsed).
fn measure(budget: Duration, mut run: impl FnMut() -> u64) -> (u64, Duration) {
    let start = Instant::now();
    let mut n = 0;
    while start.elapsed() < budget {
        n += run();
    }
    (n, start.elapsed())
}

fn main() {
    let budget = Duration::from_secs(3);
    let exhaustive = Builder::new()
        .strategy(Strategy::Exhaustive)
        .executions(u64::MAX);
    let program = lock_increments::<3, 2>;
    println!("program                      strategy     executions/run   exec/s");
    let (n, t) = measure(budget, || exhaustive.explore(program).executions);
    println!(
        "3 threads x 2 lock incs      exhaustive   {:>14}   {:>8.0}",
        exhaustive.explore(program).executions,
        n as f64 / t.as_secs_f64()
    );
    let random = Builder::new().strategy(Strategy::Random).executions(1000);
    let (n, t) = measure(budget, || random.explore(program).executions);
    println!(
        "3 threads x 2 lock incs      random       {:>14}   {:>8.0}",
        1000,
        n as f64 / t.as_secs_f64()
    );
    let (n, t) = measure(budget, || {
        exhaustive
            .clone()
            .race_detection(false)
            .explore(five_writers)
            .executions
    });
    println!(
        "5 writers + 1 reader         exhaustive   {:>14}   {:>8.0}",
        exhaustive
            .clone()
            .race_detection(false)
            .explore(five_writers)
            .executions,
        n as f64 / t.as_secs_f64()
    );
    println!();
    println!(
        "execution counts (complete): 2x3 = {}, 3x2 = {}, 4x2 = {}",
        exhaustive.explore(lock_increments::<2, 3>).executions,
        exhaustive.explore(lock_increments::<3, 2>).executions,
        exhaustive.explore(lock_increments::<4, 2>).executions,
    );
    println!();
    println!("unreduced DFS split over jobs (same report):");
    println!("program                      jobs   executions/run   exec/s   vs jobs(1)");
    type Program = std::sync::Arc<dyn Fn() + Send + Sync>;
    let dfs_cases: Vec<(&str, Builder, Program)> = vec![
        (
            "semaphore 3 workers",
            exhaustive.clone(),
            std::sync::Arc::new(semaphore_workers::<2>),
        ),
        (
            "4x3 lock incs, bound 2",
            exhaustive
                .clone()
                .reduction(false)
                .preemption_bound(Some(2)),
            std::sync::Arc::new(lock_increments::<4, 3>),
        ),
    ];
    // jobs(1) and jobs(2) alternate over 5 rounds of about 1 s; each one's
    // best round counts (this machine's speed drifts from second to second).
    for (name, builder, program) in dfs_cases {
        let per_run = {
            let p = program.clone();
            builder.clone().explore(move || p()).executions
        };
        let mut best = [0.0f64; 2];
        for _round in 0..5 {
            for (slot, jobs) in [1, 2].into_iter().enumerate() {
                let b = builder.clone().jobs(jobs);
                let (n, t) = measure(Duration::from_secs(1), || {
                    let p = program.clone();
                    b.explore(move || p()).executions
                });
                best[slot] = best[slot].max(n as f64 / t.as_secs_f64());
            }
        }
        for (slot, jobs) in [1, 2].into_iter().enumerate() {
            println!(
                "{name:<28} {jobs:>4}   {per_run:>14}   {:>8.0}   {:>6.2}x",
                best[slot],
                best[slot] / best[0]
            );
        }
    }
}
