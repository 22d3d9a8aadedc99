//! The test programs of this package's tests that the scenario catalogue
//! (the `scenarios` crate) does not hold, each written once.

use sim::threading::Lock;

/// The lock-order inversion fixed: `MainThread` and `Thread-1` take the
/// two locks in the same order, so it never deadlocks; a trace recorded
/// from the catalogue's `lock_order` diverges when replayed on it.
pub fn lock_order_fixed() {
    let a = Lock::new();
    let b = Lock::new();
    let t = sim::thread::spawn(move || {
        let _ga = a.lock();
        let _gb = b.lock();
    });
    {
        let _ga = a.lock();
        let _gb = b.lock();
    }
    t.join().unwrap();
}
