//! std's `Mutex`, on the runtime's non-reentrant lock.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

use crate::rt;
use crate::rt::binding::Binding;
use crate::rt::object::ObjState;
use crate::rt::op::{Nanos, ObjId, Op};

/// std's `Mutex<T>`: mutual exclusion with poisoning, on sim's scheduler.
///
/// Locking is a scheduling point that blocks while another thread holds
/// the mutex; the guard's drop releases it (also while its thread unwinds
/// a panic, which poisons the mutex, as std does). A thread that locks a
/// mutex it already holds fails the execution with "tried to acquire a
/// Mutex it already holds" (std would deadlock or panic). The data lives
/// in a std `Mutex` that sim's scheduling keeps uncontended.
///
/// As std's, [`Mutex::new`] is a `const fn`: a `static` mutex works, and
/// starts unlocked and unpoisoned in every execution (its data is kept:
/// it is the program's). A mutex gets its runtime object on its first use in an
/// execution, so one built outside any (or kept from an earlier one) works
/// too.
///
/// ```
/// use sim::sync::{Arc, Mutex};
/// sim::model(|| {
///     let m = Arc::new(Mutex::new(0));
///     let m2 = m.clone();
///     let t = sim::thread::spawn(move || *m2.lock().unwrap() += 1);
///     *m.lock().unwrap() += 1;
///     t.join().unwrap();
///     assert_eq!(*m.lock().unwrap(), 2);
/// });
/// ```
pub struct Mutex<T: ?Sized> {
    binding: Binding,
    data: std::sync::Mutex<T>,
}

impl<T> Mutex<T> {
    /// A new, unlocked mutex holding `value` (a `const fn`, as std's).
    ///
    /// ```
    /// use sim::sync::Mutex;
    /// static TOTAL: Mutex<u32> = Mutex::new(0);
    /// sim::model(|| {
    ///     let t = sim::thread::spawn(|| *TOTAL.lock().unwrap() += 1);
    ///     *TOTAL.lock().unwrap() += 1;
    ///     t.join().unwrap();
    /// });
    /// ```
    #[track_caller]
    pub const fn new(value: T) -> Mutex<T> {
        Mutex {
            binding: Binding::new(Location::caller()),
            data: std::sync::Mutex::new(value),
        }
    }

    /// The value; `Err` (with the value) if the mutex is poisoned.
    pub fn into_inner(self) -> LockResult<T> {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Acquires (a scheduling point; blocks while another thread holds it).
    /// `Err` with the guard inside if a thread panicked while holding it.
    #[track_caller]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        let location = Location::caller();
        let (id, _) = self.acquire(None, location);
        self.guard(id, location)
    }

    /// Acquires if no thread holds it (a scheduling point, never blocks).
    #[track_caller]
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        let location = Location::caller();
        let (id, acquired) = self.acquire(Some(rt::now()), location);
        if !acquired {
            return Err(TryLockError::WouldBlock);
        }
        Ok(self.guard(id, location)?)
    }

    /// Whether a thread panicked while holding it.
    pub fn is_poisoned(&self) -> bool {
        self.data.is_poisoned()
    }

    /// Clears the poison flag.
    pub fn clear_poison(&self) {
        self.data.clear_poison()
    }

    /// The value, by `&mut` (no locking needed).
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.data.get_mut()
    }

    /// The runtime object of this mutex in the running execution.
    #[inline]
    #[track_caller]
    pub(crate) fn id(&self) -> ObjId {
        let clear = || self.data.clear_poison();
        self.binding.id_or_link("Mutex", ObjState::new_mutex, clear)
    }

    /// Announces the acquire: the mutex's object, and whether it was
    /// acquired.
    #[track_caller]
    fn acquire(
        &self,
        deadline: Option<Nanos>,
        location: &'static Location<'static>,
    ) -> (ObjId, bool) {
        let id = self.id();
        // A blocking re-acquire could never complete; a `try_` one fails.
        if deadline.is_none() && rt::lock_held_by_current(id) {
            panic!(
                "deadlock: {} tried to acquire a Mutex it already holds (at {location})",
                rt::thread_name(rt::current_tid_and_serial().0)
            );
        }
        let acquired = rt::op(Op::LockAcquire { lock: id, deadline }, location).as_bool();
        (id, acquired)
    }

    /// The guard of a mutex this thread has just acquired (its object
    /// `id` in this execution).
    pub(crate) fn guard(
        &self,
        id: ObjId,
        location: &'static Location<'static>,
    ) -> LockResult<MutexGuard<'_, T>> {
        let make = |inner| MutexGuard {
            mutex: self,
            id,
            inner: Some(inner),
            location,
        };
        match self.data.try_lock() {
            Ok(inner) => Ok(make(inner)),
            Err(TryLockError::Poisoned(p)) => Err(PoisonError::new(make(p.into_inner()))),
            Err(TryLockError::WouldBlock) => panic!(
                "sim: this Mutex's data is still locked by a guard that was never dropped (one \
                 given to std::mem::forget, or kept in a static from an earlier execution): sim \
                 cannot lock it again, and std would block for ever"
            ),
        }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.data.try_lock() {
            Ok(g) => d.field("data", &&*g),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish_non_exhaustive()
    }
}

impl<T: Default> Default for Mutex<T> {
    #[track_caller]
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    #[track_caller]
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

/// Holds a [`Mutex`] locked; releases it when dropped.
///
/// ```
/// sim::model(|| {
///     let m = sim::sync::Mutex::new(vec![1]);
///     let mut g = m.lock().unwrap();
///     g.push(2);
///     drop(g);
///     assert_eq!(m.lock().unwrap().len(), 2);
/// });
/// ```
pub struct MutexGuard<'a, T: ?Sized + 'a> {
    mutex: &'a Mutex<T>,
    /// The mutex's object in this execution.
    id: ObjId,
    /// The std guard of the data (`None` only while a `Condvar` waits).
    inner: Option<std::sync::MutexGuard<'a, T>>,
    /// Where it was taken: its release is recorded there.
    location: &'static Location<'static>,
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Gives the lock up without releasing it (a `Condvar` wait releases
    /// it as its first step): the mutex, its object, and where it was
    /// taken.
    pub(crate) fn into_parts(mut self) -> (&'a Mutex<T>, ObjId, &'static Location<'static>) {
        self.inner = None;
        let parts = (self.mutex, self.id, self.location);
        std::mem::forget(self);
        parts
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner.as_deref().expect("a live guard holds its data")
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.inner
            .as_deref_mut()
            .expect("a live guard holds its data")
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        // The std guard first: dropped while panicking, it poisons.
        self.inner = None;
        rt::op(Op::LockRelease { lock: self.id }, self.location);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
