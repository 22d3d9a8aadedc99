//! The RLock paragraph: re-entrant acquisition through recursion.

use sim::threading::{Lock, RLock};

/// Python: `def countdown(n): with rlock: if n: countdown(n - 1)`, run by
/// two threads.
pub fn rlock_recursion() {
    fn countdown(lock: RLock, n: u32) {
        let _g = lock.lock();
        if n > 0 {
            countdown(lock, n - 1);
        } else {
            sim::println!(
                "{} reached the bottom",
                sim::threading::current_thread().name()
            );
        }
    }
    let lock = RLock::new();
    let ts: Vec<_> = (0..2)
        .map(|_| sim::thread::spawn(move || countdown(lock, 3)))
        .collect();
    for t in ts {
        t.join().unwrap();
    }
}

/// The same recursion with a plain `Lock`: the second `with lock:` of the
/// same thread blocks forever.
pub fn lock_reentry() {
    fn countdown(lock: Lock, n: u32) {
        let _g = lock.lock();
        if n > 0 {
            countdown(lock, n - 1);
        }
    }
    let lock = Lock::new();
    sim::thread::spawn(move || countdown(lock, 3))
        .join()
        .unwrap();
}
