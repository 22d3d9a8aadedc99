//! A fixed workload for profilers: 20,000 random executions of "2 threads
//! each take a Lock 3 times and increment a Shared under it" (the tests'
//! `lock_increments::<2, 3>`, whose main then checks the total).
//!
//! `valgrind --tool=callgrind target/release/examples/profile_2x3` counts
//! instructions, which are stable on a noisy machine.

use sim::Builder;

// The programs the tests run, shared with them (one definition).
#[allow(dead_code)]
#[path = "../tests/it/programs.rs"]
mod programs;

use programs::lock_increments;

fn main() {
    let n = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let report = Builder::new()
        .executions(n)
        .explore(lock_increments::<2, 3>);
    assert!(report.failures.is_empty());
    println!("{} executions", report.executions);
}
