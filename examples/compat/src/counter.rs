//! A lock-free counter: a `compare_exchange_weak` loop.
//!
//! ```
//! let c = compat::counter::Counter::new();
//! assert_eq!(c.incr(), 1);
//! assert_eq!(c.get(), 1);
//! ```

use crate::sync::atomic::{AtomicUsize, Ordering};

/// A counter shared by any number of threads.
#[derive(Debug)]
pub struct Counter {
    n: AtomicUsize,
}

impl Counter {
    /// A counter at zero.
    pub fn new() -> Counter {
        Counter {
            n: AtomicUsize::new(0),
        }
    }

    /// Adds one and returns the new value; never loses an increment.
    pub fn incr(&self) -> usize {
        let mut current = self.n.load(Ordering::Relaxed);
        loop {
            match self.n.compare_exchange_weak(
                current,
                current + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return current + 1,
                Err(seen) => current = seen,
            }
        }
    }

    /// The current value.
    pub fn get(&self) -> usize {
        self.n.load(Ordering::Acquire)
    }
}

impl Default for Counter {
    fn default() -> Self {
        Counter::new()
    }
}
