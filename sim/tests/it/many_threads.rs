//! Programs of thousands of threads (issue 17 item 11): the trace of a
//! failure keeps its per-event clocks within a budget, so that it stays
//! linear in the events instead of growing as threads x events; and race
//! detection stays exact when clocks are tries three levels deep.

use sim::sync::{Arc, Mutex};
use sim::{Builder, FailureKind, Shared};

use crate::programs::lock_increments;

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

/// 4,200 threads (clocks past 16^3 entries: tries of height 3) write one
/// variable, all under a lock, or each joined before the next starts: no
/// race; one of them (a thread id past 4,096) without the lock: a race in
/// every execution, whatever the order (threads spawned after it are
/// concurrent with it).
#[test]
fn races_are_found_exactly_among_thousands_of_threads() {
    const N: usize = 4200;
    let builder = Builder::new().executions(2).max_steps(u64::MAX);
    let locked = builder.clone().explore(lock_increments::<N, 1>);
    assert!(locked.failures.is_empty(), "{locked}");
    let joined_each = builder.clone().explore(|| {
        let x = Shared::new(0usize);
        for _ in 0..N {
            let x = x.clone();
            sim::thread::spawn(move || x.set(x.get() + 1))
                .join()
                .unwrap();
        }
        assert_eq!(x.get(), N);
    });
    assert!(joined_each.failures.is_empty(), "{joined_each}");
    for seed in 0..3 {
        let one_unlocked = builder.clone().seed(seed).explore(|| {
            let lock = sim::threading::Lock::new();
            let x = Shared::new(0usize);
            let handles: Vec<_> = (0..N)
                .map(|i| {
                    let x = x.clone();
                    sim::thread::spawn(move || {
                        let _g = (i != N - 7).then(|| lock.lock());
                        x.set(x.get() + 1);
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
        });
        // The explorer stops at the race, in the first execution.
        assert_eq!(
            one_unlocked.failure().map(|f| f.kind),
            Some(FailureKind::DataRace),
            "seed {seed}: {one_unlocked}"
        );
        let message = &one_unlocked.failure().unwrap().message;
        assert!(message.contains("Thread-4194"), "seed {seed}: {message}");
    }
}
