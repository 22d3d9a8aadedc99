//! A second source file of `tests/corpus.rs` (included with `#[path]`):
//! its calls of the entry points have their own corpus key.

use sim::threading::Lock;

/// `check_random` on a program that panics in every execution.
pub fn check_always_failing() {
    sim::check_random(|| panic!("always"), 10);
}

/// `model` on a correct program.
pub fn model_correct() {
    sim::model(|| {
        let lock = Lock::new();
        let t = sim::thread::spawn(move || drop(lock.lock()));
        drop(lock.lock());
        t.join().unwrap();
    });
}
