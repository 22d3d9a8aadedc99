//! `Semaphore` and `BoundedSemaphore`: Python's counting semaphores.

use std::panic::Location;
use std::time::Duration;

use crate::rt;
use crate::rt::object::ObjState;
use crate::rt::op::{ObjId, Op};

use crate::time::deadline_after;

/// Python's `threading.Semaphore`: a counter that `acquire` decrements
/// (blocking while it is zero) and `release` increments. Any thread may
/// release, any number of times.
///
/// A release happens before the acquire it enables (the semaphore's clock
/// collects every release, as CPython's internal lock orders them).
///
/// ```
/// use sim::threading::Semaphore;
/// sim::check_random(|| {
///     let s = Semaphore::new(1);
///     s.acquire();
///     assert!(!s.try_acquire());
///     s.release_n(2);
///     assert!(s.try_acquire());
///     assert!(s.try_acquire());
/// }, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Semaphore {
    id: ObjId,
    serial: u64,
}

/// Python's `threading.BoundedSemaphore`: a [`Semaphore`] whose value may
/// not grow above its initial value. Releasing too often is a `Misuse`
/// failure (`ValueError: Semaphore released too many times`).
///
/// ```
/// use sim::threading::BoundedSemaphore;
/// let report = sim::Builder::new().executions(1).explore(|| {
///     let s = BoundedSemaphore::new(1);
///     s.acquire();
///     s.release();
///     s.release(); // one too many
/// });
/// assert!(report.failures[0].message.starts_with("ValueError: Semaphore released too many times"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoundedSemaphore {
    inner: Semaphore,
}

impl Semaphore {
    /// A semaphore with counter `value`.
    #[track_caller]
    pub fn new(value: u32) -> Semaphore {
        Semaphore::build(value, None, Location::caller())
    }

    /// The semaphore's object id.
    pub(crate) fn id(&self) -> ObjId {
        self.id
    }

    fn build(value: u32, bound: Option<u32>, location: &'static Location<'static>) -> Semaphore {
        let (id, serial) = rt::new_object(ObjState::new_semaphore(value, bound), location);
        Semaphore { id, serial }
    }

    acquire_methods!(
        "Semaphore",
        SemAcquire { sem },
        "Blocks until the counter is positive, then decrements it.",
        #[doc = ""],
        #[doc = "```"],
        #[doc = "use std::time::Duration;"],
        #[doc = "sim::check_random(|| {"],
        #[doc = "    let s = sim::threading::Semaphore::new(0);"],
        #[doc = "    assert!(!s.acquire_timeout(Duration::from_millis(250)));"],
        #[doc = "    assert_eq!(sim::time::now(), Duration::from_millis(250));"],
        #[doc = "}, 1);"],
        #[doc = "```"]
    );

    /// Increments the counter, waking one waiter.
    #[track_caller]
    pub fn release(&self) {
        self.release_n(1);
    }

    /// Increments the counter by `n` (Python's `release(n)`); `n == 0` is a
    /// `Misuse` failure (`ValueError: n must be one or more`).
    #[track_caller]
    pub fn release_n(&self, n: u32) {
        rt::check_serial(self.serial, "Semaphore");
        rt::op(Op::SemRelease { sem: self.id, n }, Location::caller());
    }
}

impl BoundedSemaphore {
    /// A bounded semaphore with counter and bound `value`.
    #[track_caller]
    pub fn new(value: u32) -> BoundedSemaphore {
        BoundedSemaphore {
            inner: Semaphore::build(value, Some(value), Location::caller()),
        }
    }

    /// Blocks until the counter is positive, then decrements it.
    #[track_caller]
    pub fn acquire(&self) {
        self.inner.acquire_op(None, Location::caller());
    }

    /// Blocks at most `timeout` of virtual time; returns whether it acquired.
    #[track_caller]
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        self.inner
            .acquire_op(Some(deadline_after(timeout)), Location::caller())
    }

    /// Decrements without blocking; returns whether it did.
    #[track_caller]
    pub fn try_acquire(&self) -> bool {
        self.inner
            .acquire_op(Some(deadline_after(Duration::ZERO)), Location::caller())
    }

    /// Increments the counter; above the initial value it is a `Misuse`
    /// failure.
    #[track_caller]
    pub fn release(&self) {
        self.inner.release_n(1);
    }

    /// Increments the counter by `n`; above the initial value it is a
    /// `Misuse` failure.
    #[track_caller]
    pub fn release_n(&self, n: u32) {
        self.inner.release_n(n);
    }
}
