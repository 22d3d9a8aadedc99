//! A fixed workload for profilers: the optimal DPOR over "3 threads each
//! take a Lock twice and increment a Shared under it" (the tests'
//! `lock_increments::<3, 2>`, 90 traces), repeated until it has run the
//! given number of executions (default 20,000), and the same number of
//! random executions of the same program, so that one callgrind run shows
//! both costs per execution.
//!
//! `valgrind --tool=callgrind target/release/examples/profile_exhaustive 20000 exhaustive`
//! (or `random`) counts the instructions of one of the two halves.

use sim::{Builder, Strategy};

// The programs the tests run, shared with them (one definition).
#[allow(dead_code)]
#[path = "../tests/it/programs.rs"]
mod programs;

use programs::lock_increments;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let which = args.next().unwrap_or_else(|| "exhaustive".into());
    let mut done = 0;
    match which.as_str() {
        "exhaustive" => {
            let b = Builder::new().strategy(Strategy::Exhaustive);
            while done < n {
                let report = b.explore(lock_increments::<3, 2>);
                assert!(report.complete && report.executions == 90);
                done += report.executions;
            }
        }
        "random" => {
            let report = Builder::new()
                .executions(n)
                .explore(lock_increments::<3, 2>);
            assert!(report.failures.is_empty());
            done = report.executions;
        }
        other => panic!("unknown half {other:?}: exhaustive or random"),
    }
    println!("{done} executions");
}
