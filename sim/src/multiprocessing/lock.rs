//! `multiprocessing::Lock`: Python's `multiprocessing.Lock`, shared by processes.

use std::time::Duration;

use crate::rt::process::mark_cross_process;
use crate::threading::{self, LockGuard};

/// Python's `multiprocessing.Lock`: a [`threading::Lock`] every process may use
/// (no owner; any thread of any process may release it). A release happens
/// before the next acquire. A process killed while holding it never
/// releases it: a later `acquire` blocks forever, reported as a deadlock
/// naming the dead holder.
///
/// ```
/// use sim::multiprocessing::Lock;
/// sim::check_random(|| {
///     let lock = Lock::new();
///     let p = sim::multiprocessing::spawn(move || {
///         let _g = lock.lock();
///         sim::println!("child has the lock");
///     });
///     {
///         let _g = lock.lock();
///         sim::println!("parent has the lock");
///     }
///     p.join();
/// }, 100);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lock(threading::Lock);

impl Lock {
    /// A new, unlocked lock.
    #[track_caller]
    pub fn new() -> Lock {
        let lock = threading::Lock::new();
        mark_cross_process(lock.id());
        Lock(lock)
    }

    /// Blocks until the lock is free, then takes it.
    #[track_caller]
    pub fn acquire(&self) {
        self.0.acquire()
    }

    /// Like `acquire`, giving up after `timeout` of virtual time; returns
    /// whether it took the lock.
    ///
    /// ```
    /// use std::time::Duration;
    /// sim::check_random(|| {
    ///     let lock = sim::multiprocessing::Lock::new();
    ///     lock.acquire();
    ///     assert!(!lock.acquire_timeout(Duration::from_secs(1)));
    ///     lock.release();
    ///     assert!(lock.try_acquire());
    /// }, 1);
    /// ```
    #[track_caller]
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        self.0.acquire_timeout(timeout)
    }

    /// Takes the lock if it is free now (`acquire(False)`).
    #[track_caller]
    pub fn try_acquire(&self) -> bool {
        self.0.try_acquire()
    }

    /// Releases the lock; releasing an unlocked lock is `Misuse`.
    #[track_caller]
    pub fn release(&self) {
        self.0.release()
    }

    /// Acquires and returns a guard that releases on drop (`with lock:`).
    #[track_caller]
    pub fn lock(&self) -> LockGuard<'_> {
        self.0.lock()
    }
}

impl Default for Lock {
    #[track_caller]
    fn default() -> Self {
        Lock::new()
    }
}
