//! The GIL section: `count += 1` is a read then a write, and the GIL does
//! not make it atomic.

use sim::threading::Lock;
use sim::Shared;

const THREADS: usize = 3;

/// `count += 1` in three threads with no lock; prints the final count (3
/// unless an update was lost).
pub fn gil_counter() {
    let count = Shared::new(0);
    let ts: Vec<_> = (0..THREADS)
        .map(|_| {
            let count = count.clone();
            sim::thread::spawn(move || {
                let v = count.get();
                count.set(v + 1);
            })
        })
        .collect();
    for t in ts {
        t.join().unwrap();
    }
    sim::println!("count = {}", count.get());
}

/// The same under `with lock:`: always 3.
pub fn gil_counter_locked() {
    let lock = Lock::new();
    let count = Shared::new(0);
    let ts: Vec<_> = (0..THREADS)
        .map(|_| {
            let count = count.clone();
            sim::thread::spawn(move || {
                let _g = lock.lock();
                let v = count.get();
                count.set(v + 1);
            })
        })
        .collect();
    for t in ts {
        t.join().unwrap();
    }
    let total = count.get();
    assert_eq!(total, THREADS, "lost update under a lock");
    sim::println!("count = {total}");
}
