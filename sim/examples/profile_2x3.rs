//! A fixed workload for profilers: 20,000 random executions of "2 threads
//! each take a Lock 3 times and increment a Shared under it".
//!
//! `valgrind --tool=callgrind target/release/examples/profile_2x3` counts
//! instructions, which are stable on a noisy machine.

use sim::threading::Lock;
use sim::{Builder, Shared};

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
}

fn main() {
    let n = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let report = Builder::new().executions(n).explore(two_by_three);
    assert!(report.failures.is_empty());
    println!("{} executions", report.executions);
}
