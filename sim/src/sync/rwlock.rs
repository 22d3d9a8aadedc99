//! std's `RwLock`, on the runtime's `RwLock` primitive (`rt/prims/rwlock.rs`).

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

use crate::rt;
use crate::rt::binding::Binding;
use crate::rt::object::ObjState;
use crate::rt::op::{Nanos, ObjId, Op};

/// std's `RwLock<T>`: many readers or one writer, with poisoning (a
/// writer that panics poisons it).
///
/// Acquiring is a scheduling point. A thread that acquires a `RwLock` it
/// already holds (for reading or writing) fails the execution with "tried
/// to acquire a RwLock it already holds" (std may deadlock).
///
/// ```
/// use sim::sync::{Arc, RwLock};
/// sim::model(|| {
///     let l = Arc::new(RwLock::new(1));
///     let l2 = l.clone();
///     let t = sim::thread::spawn(move || *l2.read().unwrap());
///     *l.write().unwrap() += 1;
///     let seen = t.join().unwrap();
///     assert!(seen == 1 || seen == 2);
/// });
/// ```
pub struct RwLock<T: ?Sized> {
    binding: Binding,
    data: std::sync::RwLock<T>,
}

impl<T> RwLock<T> {
    /// A new, unlocked `RwLock` holding `value` (a `const fn`, as std's:
    /// a `static` one starts unlocked in every execution, as
    /// [`Mutex::new`](super::Mutex::new) explains).
    ///
    /// ```
    /// use sim::sync::RwLock;
    /// static CONFIG: RwLock<u32> = RwLock::new(1);
    /// sim::model(|| {
    ///     let t = sim::thread::spawn(|| *CONFIG.read().unwrap());
    ///     let mine = *CONFIG.read().unwrap();
    ///     assert_eq!(mine, t.join().unwrap());
    /// });
    /// ```
    #[track_caller]
    pub const fn new(value: T) -> RwLock<T> {
        RwLock {
            binding: Binding::new(Location::caller()),
            data: std::sync::RwLock::new(value),
        }
    }

    /// The value; `Err` (with the value) if poisoned.
    pub fn into_inner(self) -> LockResult<T> {
        self.data.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// The runtime object of this lock in the running execution.
    #[inline]
    #[track_caller]
    fn id(&self) -> ObjId {
        let clear = || self.data.clear_poison();
        self.binding
            .id_or_link("RwLock", ObjState::new_rwlock, clear)
    }

    #[track_caller]
    fn acquire(
        &self,
        write: bool,
        deadline: Option<Nanos>,
        location: &'static Location<'static>,
    ) -> bool {
        let id = self.id();
        // A blocking re-acquire could never complete; a `try_` one fails.
        if deadline.is_none() && rt::lock_held_by_current(id) {
            panic!(
                "deadlock: {} tried to acquire a RwLock it already holds (at {location})",
                rt::thread_name(rt::current_tid_and_serial().0)
            );
        }
        let op = Op::RwAcquire {
            lock: id,
            write,
            deadline,
        };
        rt::op(op, location).as_bool()
    }

    fn read_guard(
        &self,
        location: &'static Location<'static>,
    ) -> LockResult<RwLockReadGuard<'_, T>> {
        let make = |inner| RwLockReadGuard {
            lock: self,
            inner: Some(inner),
            location,
        };
        match self.data.try_read() {
            Ok(g) => Ok(make(g)),
            Err(TryLockError::Poisoned(p)) => Err(PoisonError::new(make(p.into_inner()))),
            Err(TryLockError::WouldBlock) => {
                panic!("sim: internal error: a RwLock's data is write-locked by another thread")
            }
        }
    }

    fn write_guard(
        &self,
        location: &'static Location<'static>,
    ) -> LockResult<RwLockWriteGuard<'_, T>> {
        let make = |inner| RwLockWriteGuard {
            lock: self,
            inner: Some(inner),
            location,
        };
        match self.data.try_write() {
            Ok(g) => Ok(make(g)),
            Err(TryLockError::Poisoned(p)) => Err(PoisonError::new(make(p.into_inner()))),
            Err(TryLockError::WouldBlock) => {
                panic!("sim: internal error: a RwLock's data is locked by another thread")
            }
        }
    }

    /// Acquires for reading (blocks while a thread writes).
    #[track_caller]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        let location = Location::caller();
        self.acquire(false, None, location);
        self.read_guard(location)
    }

    /// Acquires for writing (blocks while any thread reads or writes).
    #[track_caller]
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        let location = Location::caller();
        self.acquire(true, None, location);
        self.write_guard(location)
    }

    /// Acquires for reading if no thread writes (never blocks).
    #[track_caller]
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        let location = Location::caller();
        if !self.acquire(false, Some(rt::now()), location) {
            return Err(TryLockError::WouldBlock);
        }
        Ok(self.read_guard(location)?)
    }

    /// Acquires for writing if no thread holds it (never blocks).
    #[track_caller]
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        let location = Location::caller();
        if !self.acquire(true, Some(rt::now()), location) {
            return Err(TryLockError::WouldBlock);
        }
        Ok(self.write_guard(location)?)
    }

    /// Whether a writer panicked while holding it.
    pub fn is_poisoned(&self) -> bool {
        self.data.is_poisoned()
    }

    /// Clears the poison flag.
    pub fn clear_poison(&self) {
        self.data.clear_poison()
    }

    /// The value, by `&mut`.
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.data.get_mut()
    }

    #[track_caller]
    fn release(&self, write: bool, location: &'static Location<'static>) {
        rt::op(
            Op::RwRelease {
                lock: self.id(),
                write,
            },
            location,
        );
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.data.try_read() {
            Ok(g) => d.field("data", &&*g),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish_non_exhaustive()
    }
}

impl<T: Default> Default for RwLock<T> {
    #[track_caller]
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    #[track_caller]
    fn from(value: T) -> Self {
        RwLock::new(value)
    }
}

/// Holds a [`RwLock`] for reading; releases it when dropped.
///
/// ```
/// sim::model(|| {
///     let l = sim::sync::RwLock::new(5);
///     let g = l.read().unwrap();
///     assert_eq!(*g, 5);
///     assert!(l.try_write().is_err());
/// });
/// ```
pub struct RwLockReadGuard<'a, T: ?Sized + 'a> {
    lock: &'a RwLock<T>,
    inner: Option<std::sync::RwLockReadGuard<'a, T>>,
    location: &'static Location<'static>,
}

/// Holds a [`RwLock`] for writing; releases it when dropped.
///
/// ```
/// sim::model(|| {
///     let l = sim::sync::RwLock::new(5);
///     *l.write().unwrap() = 6;
///     assert_eq!(*l.read().unwrap(), 6);
/// });
/// ```
pub struct RwLockWriteGuard<'a, T: ?Sized + 'a> {
    lock: &'a RwLock<T>,
    inner: Option<std::sync::RwLockWriteGuard<'a, T>>,
    location: &'static Location<'static>,
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner.as_deref().expect("a live guard holds its data")
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner.as_deref().expect("a live guard holds its data")
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.inner
            .as_deref_mut()
            .expect("a live guard holds its data")
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.inner = None;
        self.lock.release(false, self.location);
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        // The std guard first: dropped while panicking, it poisons.
        self.inner = None;
        self.lock.release(true, self.location);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
