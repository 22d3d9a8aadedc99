//! Lock-order inversion: the classic deadlock of "manual use of
//! synchronization primitives".

use sim::threading::Lock;

/// `Thread-1` takes `a` then `b`; `Thread-2` takes `b` then `a`.
pub fn lock_order() {
    let a = Lock::new();
    let b = Lock::new();
    let t1 = sim::thread::spawn(move || {
        let _ga = a.lock();
        let _gb = b.lock();
        sim::println!("Thread-1 has both locks");
    });
    let t2 = sim::thread::spawn(move || {
        let _gb = b.lock();
        let _ga = a.lock();
        sim::println!("Thread-2 has both locks");
    });
    t1.join().unwrap();
    t2.join().unwrap();
}
