//! `Condition`: Python's condition variable.

use std::panic::Location;
use std::time::Duration;

use crate::rt;
use crate::rt::object::ObjState;
use crate::rt::op::{ObjId, Op};

use super::{Lock, RLock};
use crate::time::deadline_after;

/// The lock a [`Condition`] is built over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CondLock {
    Lock(Lock),
    RLock(RLock),
}

/// Python's `threading.Condition`: a lock (an [`RLock`] unless you give one)
/// and a queue of waiting threads.
///
/// [`wait`](Condition::wait) releases the lock fully (every level of an
/// RLock), sleeps until a [`notify`](Condition::notify), then re-acquires it
/// (all levels). `wait` and `notify` must be called with the lock held,
/// otherwise it is a `Misuse` failure (`RuntimeError: cannot wait on
/// un-acquired lock`, `RuntimeError: cannot notify on un-acquired lock`).
/// Notified waiters wake in the order they waited. A notify reaches only
/// the threads waiting at that moment: if a thread that began waiting later
/// waits forever, the deadlock report names the last notify it missed as a
/// lost wake-up. There are no spurious wake-ups unless
/// [`Builder::spurious_wakeups`](crate::Builder::spurious_wakeups) is on.
///
/// `Condition` is a `Copy` handle.
///
/// ```
/// use sim::threading::Condition;
/// use sim::Shared;
/// sim::check_random(|| {
///     let cv = Condition::new();
///     let ready = Shared::new(false);
///     let r = ready.clone();
///     let consumer = sim::thread::spawn(move || {
///         let _g = cv.lock();
///         cv.wait_for(|| r.get());
///     });
///     {
///         let _g = cv.lock();
///         ready.set(true);
///         cv.notify_all();
///     }
///     consumer.join().unwrap();
/// }, 100);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Condition {
    id: ObjId,
    serial: u64,
    lock: CondLock,
}

impl Condition {
    /// A condition over a new [`RLock`] (Python's default).
    #[track_caller]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Condition {
        Condition::build(CondLock::RLock(RLock::new()))
    }

    /// A condition over `lock` (Python's `Condition(lock)`); several
    /// conditions may share one lock.
    ///
    /// ```
    /// use sim::threading::{Condition, Lock};
    /// sim::check_random(|| {
    ///     let lock = Lock::new();
    ///     let (a, b) = (Condition::with_lock(lock), Condition::with_lock(lock));
    ///     a.acquire();
    ///     b.notify(1); // b's lock is a's lock: held
    ///     a.release();
    ///     assert!(!lock.locked());
    /// }, 1);
    /// ```
    #[track_caller]
    pub fn with_lock(lock: Lock) -> Condition {
        Condition::build(CondLock::Lock(lock))
    }

    /// A condition over the re-entrant lock `lock`.
    ///
    /// ```
    /// use sim::threading::{Condition, RLock};
    /// sim::check_random(|| {
    ///     let r = RLock::new();
    ///     let cv = Condition::with_rlock(r);
    ///     let _outer = r.lock();
    ///     let _inner = cv.lock(); // the same RLock, one level deeper
    ///     cv.notify(1);
    /// }, 1);
    /// ```
    #[track_caller]
    pub fn with_rlock(lock: RLock) -> Condition {
        Condition::build(CondLock::RLock(lock))
    }

    #[track_caller]
    fn build(lock: CondLock) -> Condition {
        let lock_id = match lock {
            CondLock::Lock(l) => l.id(),
            CondLock::RLock(r) => r.id(),
        };
        let (id, serial) = rt::new_object(ObjState::new_condition(lock_id), Location::caller());
        Condition { id, serial, lock }
    }

    /// Acquires the underlying lock (blocking).
    #[track_caller]
    pub fn acquire(&self) {
        match self.lock {
            CondLock::Lock(l) => l.acquire(),
            CondLock::RLock(r) => r.acquire(),
        }
    }

    /// Releases the underlying lock (one level of an RLock).
    #[track_caller]
    pub fn release(&self) {
        self.release_at(Location::caller());
    }

    fn release_at(&self, location: &'static Location<'static>) {
        match self.lock {
            CondLock::Lock(l) => l.release_at(location),
            CondLock::RLock(r) => r.release_at(location),
        }
    }

    /// Acquires the underlying lock and returns a guard that releases it on
    /// drop: Python's `with cv:`.
    #[track_caller]
    pub fn lock(&self) -> ConditionGuard<'_> {
        self.acquire();
        ConditionGuard {
            cond: self,
            location: Location::caller(),
        }
    }

    #[track_caller]
    fn wait_op(&self, deadline: Option<u64>, location: &'static Location<'static>) -> bool {
        rt::check_serial(self.serial, "Condition");
        let cond = self.id;
        let lock = match self.lock {
            CondLock::Lock(l) => l.id(),
            CondLock::RLock(r) => r.id(),
        };
        rt::op(Op::CondWait { cond, lock }, location);
        let woken = rt::op(Op::CondBlock { cond, deadline }, location).as_bool();
        rt::op(Op::CondReacquire { lock, cond }, location);
        woken
    }

    /// Releases the lock, waits for a notify, re-acquires the lock.
    #[track_caller]
    pub fn wait(&self) {
        self.wait_op(None, Location::caller());
    }

    /// Like [`wait`](Condition::wait), for at most `timeout` of virtual
    /// time; returns false if it timed out (Python's `wait(timeout)`). The
    /// lock is re-acquired either way.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sim::threading::Condition;
    /// sim::check_random(|| {
    ///     let cv = Condition::new();
    ///     let _g = cv.lock();
    ///     assert!(!cv.wait_timeout(Duration::from_secs(3)));
    ///     assert_eq!(sim::time::now(), Duration::from_secs(3));
    /// }, 1);
    /// ```
    #[track_caller]
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.wait_op(Some(deadline_after(timeout)), Location::caller())
    }

    /// Waits until `predicate` is true (checked first, then after every
    /// wake-up); returns its last value (Python's `wait_for`).
    #[track_caller]
    pub fn wait_for(&self, mut predicate: impl FnMut() -> bool) -> bool {
        let location = Location::caller();
        while !predicate() {
            self.wait_op(None, location);
        }
        true
    }

    /// Like [`wait_for`](Condition::wait_for) for at most `timeout` in
    /// total; returns the predicate's last value.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sim::threading::Condition;
    /// sim::check_random(|| {
    ///     let cv = Condition::new();
    ///     let _g = cv.lock();
    ///     assert!(!cv.wait_for_timeout(|| false, Duration::from_secs(2)));
    ///     assert_eq!(sim::time::now(), Duration::from_secs(2));
    /// }, 1);
    /// ```
    #[track_caller]
    pub fn wait_for_timeout(&self, mut predicate: impl FnMut() -> bool, timeout: Duration) -> bool {
        let location = Location::caller();
        let end = deadline_after(timeout);
        loop {
            if predicate() {
                return true;
            }
            if rt::now() >= end {
                return false;
            }
            self.wait_op(Some(end), location);
        }
    }

    /// Wakes up to `n` waiting threads, oldest first (Python's
    /// `notify(n)`; `notify(1)` is Python's `notify()`). The lock must be
    /// held.
    #[track_caller]
    pub fn notify(&self, n: u32) {
        rt::check_serial(self.serial, "Condition");
        rt::op(Op::CondNotify { cond: self.id, n }, Location::caller());
    }

    /// Wakes every waiting thread (Python's `notify_all`).
    #[track_caller]
    pub fn notify_all(&self) {
        rt::check_serial(self.serial, "Condition");
        rt::op(
            Op::CondNotify {
                cond: self.id,
                n: u32::MAX,
            },
            Location::caller(),
        );
    }
}

/// Releases its [`Condition`]'s lock when dropped.
///
/// ```
/// use sim::threading::Condition;
/// sim::check_random(|| {
///     let cv = Condition::new();
///     let g = cv.lock();
///     cv.notify(1);
///     drop(g);
/// }, 1);
/// ```
#[derive(Debug)]
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct ConditionGuard<'a> {
    cond: &'a Condition,
    /// Where the guard was taken: its release is recorded there.
    location: &'static Location<'static>,
}

impl Drop for ConditionGuard<'_> {
    fn drop(&mut self) {
        self.cond.release_at(self.location);
    }
}
