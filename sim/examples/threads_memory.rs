//! Memory against the number of threads: one execution of a program whose
//! main thread spawns N threads that each take a Mutex and increment the
//! count under it, then joins them all. With `live`, main holds the Mutex
//! while it spawns, so that all N threads are alive at once (each a green
//! thread with its own stack).
//!
//! `/usr/bin/time -v target/release/examples/threads_memory 20000 [live]`
//! prints the peak resident set ("Maximum resident set size"); the figures
//! are in the README ("Memory and the number of threads").

use sim::sync::{Arc, Mutex};
use sim::Builder;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let live = args.next().as_deref() == Some("live");
    let report = Builder::new()
        .executions(1)
        .max_steps(u64::MAX)
        .explore(move || {
            let total = Arc::new(Mutex::new(0usize));
            let held = live.then(|| total.lock().unwrap());
            let handles: Vec<_> = (0..n)
                .map(|_| {
                    let total = total.clone();
                    sim::thread::spawn(move || *total.lock().unwrap() += 1)
                })
                .collect();
            drop(held);
            for h in handles {
                h.join().unwrap();
            }
            assert_eq!(*total.lock().unwrap(), n);
        });
    match report.failure() {
        None => println!("{n} threads: no failure"),
        Some(f) => println!("{n} threads: {}\n{}", f.kind, f.message),
    }
}
