//! A fixed workload for profilers: random executions of the peers bench's
//! async program, "2 tasks each increment a `Mutex` 3 times, yielding
//! after each" (`benches/std_api.rs`, `async_programs!`).
//!
//! `valgrind --tool=callgrind target/release/examples/profile_async 20000`
//! counts instructions, which are stable on a noisy machine.

use sim::future;
use sim::sync::{Arc, Mutex};
use sim::Builder;

fn mutex_incr(tasks: usize, times: usize) {
    let counter = Arc::new(Mutex::new(0usize));
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let counter = Arc::clone(&counter);
            future::spawn(async move {
                for _ in 0..times {
                    *counter.lock().unwrap() += 1;
                    future::yield_now().await;
                }
            })
        })
        .collect();
    future::block_on(async move {
        for h in handles {
            h.await.unwrap();
        }
    });
    assert_eq!(*counter.lock().unwrap(), tasks * times);
}

fn main() {
    let n = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let report = Builder::new().executions(n).explore(|| mutex_incr(2, 3));
    assert!(report.failures.is_empty(), "{report}");
    println!("{} executions", report.executions);
}
