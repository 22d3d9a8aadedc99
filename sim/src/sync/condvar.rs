//! std's `Condvar`, on the runtime's condition (bound to its `Mutex` by its
//! first wait).

use std::panic::Location;
use std::sync::LockResult;
use std::time::Duration;

use super::{Mutex, MutexGuard};
use crate::rt;
use crate::rt::binding::Binding;
use crate::rt::object::ObjState;
use crate::rt::op::{Nanos, ObjId, Op};
use crate::time::deadline_after;

/// std's `Condvar`: `wait` releases the guard's mutex, blocks until a
/// notify (or a timeout of virtual time), and re-acquires it.
///
/// As in std, a `Condvar` is used with one `Mutex` (waiting with a second
/// one is a `Misuse` failure) and `notify_*` need not hold it. Spurious
/// wake-ups happen only with
/// [`Builder::spurious_wakeups`](crate::Builder::spurious_wakeups); under
/// [`Timing::Adversarial`](crate::Timing::Adversarial) a timed wait may
/// time out whenever it still waits.
///
/// ```
/// use sim::sync::{Arc, Condvar, Mutex};
/// sim::model(|| {
///     let pair = Arc::new((Mutex::new(false), Condvar::new()));
///     let pair2 = pair.clone();
///     let t = sim::thread::spawn(move || {
///         let (m, cv) = &*pair2;
///         *m.lock().unwrap() = true;
///         cv.notify_one();
///     });
///     let (m, cv) = &*pair;
///     let ready = cv.wait_while(m.lock().unwrap(), |ready| !*ready).unwrap();
///     assert!(*ready);
///     drop(ready);
///     t.join().unwrap();
/// });
/// ```
pub struct Condvar {
    binding: Binding,
}

/// Whether a timed wait returned because its time ran out.
///
/// ```
/// use std::time::Duration;
/// use sim::sync::{Condvar, Mutex};
/// sim::model(|| {
///     let (m, cv) = (Mutex::new(()), Condvar::new());
///     let (_g, r) = cv.wait_timeout(m.lock().unwrap(), Duration::from_secs(1)).unwrap();
///     assert!(r.timed_out());
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// Whether the wait timed out.
    pub fn timed_out(&self) -> bool {
        self.0
    }
}

impl Condvar {
    /// A new condition variable (a `const fn`, as std's: a `static` one
    /// starts with no waiter in every execution).
    ///
    /// ```
    /// use sim::sync::{Condvar, Mutex};
    /// static READY: Mutex<bool> = Mutex::new(false);
    /// static CHANGED: Condvar = Condvar::new();
    /// sim::model(|| {
    ///     *READY.lock().unwrap() = false; // the data is kept between executions
    ///     let t = sim::thread::spawn(|| {
    ///         *READY.lock().unwrap() = true;
    ///         CHANGED.notify_one();
    ///     });
    ///     let ready = CHANGED.wait_while(READY.lock().unwrap(), |r| !*r).unwrap();
    ///     assert!(*ready);
    ///     drop(ready);
    ///     t.join().unwrap();
    /// });
    /// ```
    #[track_caller]
    pub const fn new() -> Condvar {
        Condvar {
            binding: Binding::new(Location::caller()),
        }
    }

    /// The runtime object of this condition variable in the running
    /// execution.
    #[inline]
    #[track_caller]
    fn id(&self) -> ObjId {
        self.binding.id("Condvar", ObjState::new_condvar)
    }

    /// The three steps of a wait; whether it was woken (not timed out).
    #[track_caller]
    fn wait_op<'a, T: ?Sized>(
        &self,
        guard: MutexGuard<'a, T>,
        deadline: Option<Nanos>,
        location: &'static Location<'static>,
    ) -> (LockResult<MutexGuard<'a, T>>, bool) {
        let (mutex, lock, _taken_at): (&'a Mutex<T>, _, _) = guard.into_parts();
        let cond = self.id();
        rt::op(Op::CondWait { cond, lock }, location);
        let woken = rt::op(Op::CondBlock { cond, deadline }, location).as_bool();
        rt::op(Op::CondReacquire { lock, cond }, location);
        (mutex.guard(lock, location), woken)
    }

    /// Releases the guard's mutex, waits for a notify, re-acquires it.
    #[track_caller]
    pub fn wait<'a, T: ?Sized>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        self.wait_op(guard, None, Location::caller()).0
    }

    /// Waits while `condition` holds (checked first, then after every
    /// wake-up).
    #[track_caller]
    pub fn wait_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: F,
    ) -> LockResult<MutexGuard<'a, T>>
    where
        T: ?Sized,
        F: FnMut(&mut T) -> bool,
    {
        let location = Location::caller();
        while condition(&mut *guard) {
            guard = self.wait_op(guard, None, location).0?;
        }
        Ok(guard)
    }

    /// Like [`wait`](Condvar::wait) for at most `dur` of virtual time.
    #[track_caller]
    pub fn wait_timeout<'a, T: ?Sized>(
        &self,
        guard: MutexGuard<'a, T>,
        dur: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        let (guard, woken) = self.wait_op(guard, Some(deadline_after(dur)), Location::caller());
        let result = WaitTimeoutResult(!woken);
        match guard {
            Ok(g) => Ok((g, result)),
            Err(p) => Err(std::sync::PoisonError::new((p.into_inner(), result))),
        }
    }

    /// Like [`wait_while`](Condvar::wait_while) for at most `dur` in total;
    /// timed out if the condition still holds at the end.
    #[track_caller]
    pub fn wait_timeout_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        dur: Duration,
        mut condition: F,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)>
    where
        T: ?Sized,
        F: FnMut(&mut T) -> bool,
    {
        let location = Location::caller();
        let end = deadline_after(dur);
        loop {
            if !condition(&mut *guard) {
                return Ok((guard, WaitTimeoutResult(false)));
            }
            if rt::now() >= end {
                return Ok((guard, WaitTimeoutResult(true)));
            }
            guard = match self.wait_op(guard, Some(end), location).0 {
                Ok(g) => g,
                Err(p) => {
                    return Err(std::sync::PoisonError::new((
                        p.into_inner(),
                        WaitTimeoutResult(false),
                    )))
                }
            };
        }
    }

    /// Wakes one waiting thread (the longest waiting).
    #[track_caller]
    pub fn notify_one(&self) {
        self.notify(1, Location::caller());
    }

    /// Wakes every waiting thread.
    #[track_caller]
    pub fn notify_all(&self) {
        self.notify(u32::MAX, Location::caller());
    }

    #[track_caller]
    fn notify(&self, n: u32, location: &'static Location<'static>) {
        rt::op(Op::CondNotify { cond: self.id(), n }, location);
    }
}

impl std::fmt::Debug for Condvar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Condvar").finish_non_exhaustive()
    }
}

impl Default for Condvar {
    #[track_caller]
    fn default() -> Self {
        Condvar::new()
    }
}
