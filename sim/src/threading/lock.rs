//! `Lock`: Python's primitive lock.

use std::panic::Location;

use crate::rt;
use crate::rt::object::ObjState;
use crate::rt::op::{ObjId, Op};

/// Python's `threading.Lock`: locked or unlocked, with no owner, so any
/// thread may release it. Releasing an unlocked lock is a `Misuse` failure
/// (`RuntimeError: release unlocked lock`). Acquiring it twice from one
/// thread deadlocks, as in Python.
///
/// `Lock` is a `Copy` handle: copies refer to the same lock.
///
/// ```
/// use sim::threading::Lock;
/// sim::check_random(|| {
///     let lock = Lock::new();
///     lock.acquire();
///     assert!(lock.locked());
///     assert!(!lock.try_acquire());
///     lock.release();
///     {
///         let _guard = lock.lock(); // Python's `with lock:`
///     }
///     assert!(!lock.locked());
/// }, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lock {
    id: ObjId,
    serial: u64,
}

impl Lock {
    /// A new, unlocked lock.
    #[track_caller]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Lock {
        let (id, serial) = rt::new_object(ObjState::new_lock(), Location::caller());
        Lock { id, serial }
    }

    /// The runtime object of this lock.
    pub(crate) fn id(&self) -> ObjId {
        self.id
    }

    acquire_methods!(
        "Lock",
        LockAcquire { lock },
        "Blocks until the lock is free, then locks it."
    );

    /// Unlocks. Any thread may release; releasing an unlocked lock is a
    /// `Misuse` failure.
    #[track_caller]
    pub fn release(&self) {
        self.release_at(Location::caller());
    }

    /// Releases, recording `location` as the call site (guards pass the
    /// line that took them: `#[track_caller]` does not reach `Drop`).
    #[inline(always)]
    #[track_caller]
    pub(crate) fn release_at(&self, location: &'static Location<'static>) {
        rt::check_serial(self.serial, "Lock");
        rt::op(Op::LockRelease { lock: self.id }, location);
    }

    /// Whether the lock is locked (a scheduling point: it observes state).
    #[track_caller]
    pub fn locked(&self) -> bool {
        rt::check_serial(self.serial, "Lock");
        rt::op(Op::LockLocked { lock: self.id }, Location::caller()).as_bool()
    }

    /// Acquires and returns a guard that releases on drop: Python's
    /// `with lock:`.
    #[track_caller]
    pub fn lock(&self) -> LockGuard<'_> {
        self.acquire_op(None, Location::caller());
        LockGuard {
            lock: self,
            location: Location::caller(),
        }
    }
}

/// Releases its [`Lock`] when dropped.
///
/// ```
/// use sim::threading::Lock;
/// sim::check_random(|| {
///     let lock = Lock::new();
///     let guard = lock.lock();
///     drop(guard);
///     assert!(!lock.locked());
/// }, 1);
/// ```
#[derive(Debug)]
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a> {
    lock: &'a Lock,
    /// Where the guard was taken: its release is recorded there.
    location: &'static Location<'static>,
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        self.lock.release_at(self.location);
    }
}
