//! tokio's async `RwLock`.

use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::{Arc, PoisonError};

use super::batch::Batch;
use super::mutex::TryLockError;

/// Readers hold one permit each, a writer all of them (tokio's scheme).
const MAX_READS: usize = u32::MAX as usize >> 3;

/// tokio's `RwLock`: many readers or one writer, granted in FIFO order (a
/// queued writer holds back later readers). Each acquire and release is a
/// scheduling point.
///
/// ```
/// use std::sync::Arc;
/// use sim::future::sync::RwLock;
/// sim::model(|| {
///     let l = Arc::new(RwLock::new(1));
///     let l2 = l.clone();
///     let t = sim::future::spawn(async move { *l2.write().await += 1 });
///     sim::future::block_on(async {
///         let v = *l.read().await;
///         assert!(v == 1 || v == 2);
///         t.await.unwrap();
///     });
/// });
/// ```
pub struct RwLock<T> {
    sem: Batch,
    /// The value; readers hold clones of the `Arc`, a writer takes it.
    data: std::sync::Mutex<Option<Arc<T>>>,
}

impl<T> RwLock<T> {
    /// A new, unlocked lock holding `value`.
    #[track_caller]
    pub fn new(value: T) -> RwLock<T> {
        RwLock {
            sem: Batch::new(MAX_READS, "async RwLock", Location::caller()),
            data: std::sync::Mutex::new(Some(Arc::new(value))),
        }
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Arc<T>>> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for shared access.
    #[track_caller]
    pub fn read(&self) -> impl Future<Output = RwLockReadGuard<'_, T>> {
        let at = Location::caller();
        async move {
            self.sem.acquire(1, at).await.expect("never closed");
            self.read_guard(at)
        }
    }

    /// Waits for exclusive access.
    #[track_caller]
    pub fn write(&self) -> impl Future<Output = RwLockWriteGuard<'_, T>> {
        let at = Location::caller();
        async move {
            self.sem.acquire(MAX_READS, at).await.expect("never closed");
            self.write_guard(at)
        }
    }

    /// Shared access if available now (a scheduling point).
    ///
    /// ```
    /// sim::model(|| {
    ///     let l = sim::future::sync::RwLock::new(0);
    ///     let r = l.try_read().unwrap();
    ///     assert!(l.try_write().is_err());
    ///     assert!(l.try_read().is_ok());
    ///     drop(r);
    /// });
    /// ```
    #[track_caller]
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        let at = Location::caller();
        match self.sem.try_acquire(1, at) {
            Ok(true) => Ok(self.read_guard(at)),
            _ => Err(TryLockError::default()),
        }
    }

    /// Exclusive access if available now (a scheduling point).
    #[track_caller]
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        let at = Location::caller();
        match self.sem.try_acquire(MAX_READS, at) {
            Ok(true) => Ok(self.write_guard(at)),
            _ => Err(TryLockError::default()),
        }
    }

    fn read_guard(&self, at: &'static Location<'static>) -> RwLockReadGuard<'_, T> {
        let value = Arc::clone(self.slot().as_ref().expect("no writer holds it"));
        RwLockReadGuard {
            lock: self,
            value: Some(value),
            at,
        }
    }

    fn write_guard(&self, at: &'static Location<'static>) -> RwLockWriteGuard<'_, T> {
        let value = self.slot().take().expect("no writer holds it");
        RwLockWriteGuard {
            lock: self,
            value: Some(value),
            at,
        }
    }

    /// The value, through the exclusive borrow.
    pub fn get_mut(&mut self) -> &mut T {
        let slot = self.data.get_mut().unwrap_or_else(PoisonError::into_inner);
        Arc::get_mut(slot.as_mut().expect("unlocked")).expect("no guard is alive")
    }

    /// The value.
    pub fn into_inner(self) -> T {
        let slot = self
            .data
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::try_unwrap(slot.expect("unlocked"))
            .unwrap_or_else(|_| panic!("sim: no guard is alive"))
    }
}

impl<T> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLock").finish_non_exhaustive()
    }
}

/// Shared access to an async [`RwLock`]'s value.
///
/// ```
/// sim::model(|| {
///     let l = sim::future::sync::RwLock::new(3);
///     let (a, b) = sim::future::block_on(async { (l.read().await, l.read().await) });
///     assert_eq!(*a + *b, 6);
/// });
/// ```
pub struct RwLockReadGuard<'a, T> {
    lock: &'a RwLock<T>,
    value: Option<Arc<T>>,
    at: &'static Location<'static>,
}

impl<T> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value.as_ref().expect("held")
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.value = None;
        self.lock.sem.release(1, self.at);
    }
}

/// Exclusive access to an async [`RwLock`]'s value.
///
/// ```
/// sim::model(|| {
///     let l = sim::future::sync::RwLock::new(3);
///     sim::future::block_on(async { *l.write().await += 1 });
///     assert_eq!(l.into_inner(), 4);
/// });
/// ```
pub struct RwLockWriteGuard<'a, T> {
    lock: &'a RwLock<T>,
    value: Option<Arc<T>>,
    at: &'static Location<'static>,
}

impl<T> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value.as_ref().expect("held")
    }
}

impl<T> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        Arc::get_mut(self.value.as_mut().expect("held")).expect("no reader holds it")
    }
}

impl<T> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        *self.lock.slot() = self.value.take();
        self.lock.sem.release(MAX_READS, self.at);
    }
}
