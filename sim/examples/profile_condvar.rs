//! A fixed workload for profilers: 20,000 random executions of the peers
//! bench's std-API bounded buffer (capacity 1, a `Mutex<VecDeque>` and two
//! `Condvar`s; a producer puts 2 items, 2 consumers take one each).
//!
//! `valgrind --tool=callgrind target/release/examples/profile_condvar`
//! counts instructions, which are stable on a noisy machine.

use std::collections::VecDeque;

use sim::sync::{Arc, Condvar, Mutex};
use sim::Builder;

struct Buffer {
    queue: Mutex<VecDeque<usize>>,
    not_empty: Condvar,
    not_full: Condvar,
}

fn bounded_buffer() {
    let buffer = Arc::new(Buffer {
        queue: Mutex::new(VecDeque::new()),
        not_empty: Condvar::new(),
        not_full: Condvar::new(),
    });
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let buffer = Arc::clone(&buffer);
            sim::thread::spawn(move || {
                let queue = buffer.queue.lock().unwrap();
                let mut queue = buffer.not_empty.wait_while(queue, |q| q.is_empty()).unwrap();
                let item = queue.pop_front().unwrap();
                buffer.not_full.notify_one();
                item
            })
        })
        .collect();
    for item in 0..2 {
        let queue = buffer.queue.lock().unwrap();
        let mut queue = buffer.not_full.wait_while(queue, |q| q.len() == 1).unwrap();
        queue.push_back(item);
        buffer.not_empty.notify_one();
    }
    let mut items: Vec<usize> = consumers.into_iter().map(|h| h.join().unwrap()).collect();
    items.sort_unstable();
    assert_eq!(items, [0, 1]);
}

fn main() {
    let n = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let report = Builder::new().executions(n).explore(bounded_buffer);
    assert!(report.failures.is_empty(), "{report}");
    println!("{} executions", report.executions);
}
