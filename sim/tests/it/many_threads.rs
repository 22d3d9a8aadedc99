//! Programs of thousands of threads (issue 17 item 11): the trace of a
//! failure keeps its per-event clocks within a budget, so that it stays
//! linear in the events instead of growing as threads x events.

use sim::sync::{Arc, Mutex};
use sim::{Builder, FailureKind};

#[test]
fn the_trace_of_thousands_of_threads_stops_recording_clocks_at_its_budget() {
    let n = 3000;
    let report = Builder::new()
        .executions(1)
        .max_steps(u64::MAX)
        .explore(move || {
            let total = Arc::new(Mutex::new(0usize));
            let held = total.lock().unwrap();
            let handles: Vec<_> = (0..n)
                .map(|_| {
                    let total = Arc::clone(&total);
                    sim::thread::spawn(move || *total.lock().unwrap() += 1)
                })
                .collect();
            drop(held);
            for h in handles {
                h.join().unwrap();
            }
            panic!("the end: {}", *total.lock().unwrap());
        });
    let f = report.failure().expect("main panics");
    assert_eq!(f.kind, FailureKind::Panic);
    let events = &f.trace.events;
    assert!(events.len() > 3 * n, "{}", events.len());
    let entries: usize = events.iter().map(|e| e.clock.len()).sum();
    // Without the budget: about 3 events per thread, each with a clock of
    // about as many entries as threads came before: 27 million.
    assert!(entries <= 1 << 22, "{entries} clock entries");
    assert!(entries > 1 << 21, "{entries} clock entries");
    assert!(!events[0].clock.is_empty());
    assert!(events.last().unwrap().clock.is_empty());
}
