//! `RLock`: Python's re-entrant lock.

use std::panic::Location;

use crate::rt;
use crate::rt::object::ObjState;
use crate::rt::op::{ObjId, Op};

/// Python's `threading.RLock`: an owner and a recursion level. The owner may
/// acquire it again; each acquire needs a release; only the owner may
/// release (anyone else gets a `Misuse` failure,
/// `RuntimeError: cannot release un-acquired lock`).
///
/// ```
/// use sim::threading::RLock;
/// sim::check_random(|| {
///     let r = RLock::new();
///     r.acquire();
///     r.acquire(); // re-entrant: no deadlock
///     r.release();
///     r.release();
/// }, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RLock {
    id: ObjId,
    serial: u64,
}

impl RLock {
    /// A new, unowned re-entrant lock.
    #[track_caller]
    #[allow(clippy::new_without_default)]
    pub fn new() -> RLock {
        let (id, serial) = rt::new_object(ObjState::new_rlock(), Location::caller());
        RLock { id, serial }
    }

    /// The runtime object of this lock.
    pub(crate) fn id(&self) -> ObjId {
        self.id
    }

    acquire_methods!(
        "RLock",
        RLockAcquire { lock },
        "Blocks until the lock is free or already ours, then takes one level."
    );

    /// Gives back one level; the lock is free when the level reaches zero.
    #[track_caller]
    pub fn release(&self) {
        self.release_at(Location::caller());
    }

    /// Releases, recording `location` as the call site (guards pass the
    /// line that took them: `#[track_caller]` does not reach `Drop`).
    #[track_caller]
    pub(crate) fn release_at(&self, location: &'static Location<'static>) {
        rt::check_serial(self.serial, "RLock");
        rt::op(Op::RLockRelease { lock: self.id }, location);
    }

    /// Acquires one level and returns a guard that releases it on drop.
    #[track_caller]
    pub fn lock(&self) -> RLockGuard<'_> {
        self.acquire_op(None, Location::caller());
        RLockGuard {
            lock: self,
            location: Location::caller(),
        }
    }
}

/// Releases one level of its [`RLock`] when dropped.
///
/// ```
/// use sim::threading::RLock;
/// sim::check_random(|| {
///     let r = RLock::new();
///     let _outer = r.lock();
///     let _inner = r.lock();
/// }, 1);
/// ```
#[derive(Debug)]
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RLockGuard<'a> {
    lock: &'a RLock,
    /// Where the guard was taken: its release is recorded there.
    location: &'static Location<'static>,
}

impl Drop for RLockGuard<'_> {
    fn drop(&mut self) {
        self.lock.release_at(self.location);
    }
}
