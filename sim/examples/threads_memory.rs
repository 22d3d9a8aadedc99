//! Memory against the number of threads: one random execution of a program
//! whose main thread runs N threads that each take a Mutex and increment
//! the count under it. The pattern (second argument) says how:
//!
//! - `all` (the default): main spawns all N, then joins them all;
//! - `each`: main spawns one and joins it before it spawns the next;
//! - `live`: as `all`, but main holds the Mutex while it spawns, so that
//!   all N threads are alive at once (each a green thread with its own
//!   stack).
//!
//! `/usr/bin/time -v target/release/examples/threads_memory 20000 [all|each|live]`
//! prints the peak resident set ("Maximum resident set size"); the figures
//! are in the README ("Memory and the number of threads").

use sim::sync::{Arc, Mutex};
use sim::Builder;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let pattern = args.next().unwrap_or_else(|| "all".to_string());
    let (live, each) = match pattern.as_str() {
        "all" => (false, false),
        "each" => (false, true),
        "live" => (true, false),
        other => panic!("unknown pattern {other:?}: all, each or live"),
    };
    let report = Builder::new()
        .executions(1)
        .max_steps(u64::MAX)
        .explore(move || {
            let total = Arc::new(Mutex::new(0usize));
            let spawn = || {
                let total = total.clone();
                sim::thread::spawn(move || *total.lock().unwrap() += 1)
            };
            if each {
                for _ in 0..n {
                    spawn().join().unwrap();
                }
            } else {
                let held = live.then(|| total.lock().unwrap());
                let handles: Vec<_> = (0..n).map(|_| spawn()).collect();
                drop(held);
                for h in handles {
                    h.join().unwrap();
                }
            }
            assert_eq!(*total.lock().unwrap(), n);
        });
    match report.failure() {
        None => println!("{n} threads ({pattern}): no failure"),
        Some(f) => println!("{n} threads ({pattern}): {}\n{}", f.kind, f.message),
    }
}
