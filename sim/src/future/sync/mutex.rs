//! tokio's async `Mutex`.

use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::PoisonError;

use super::batch::Batch;

/// tokio's `Mutex`: `lock().await` waits (as a pending task, not a blocked
/// thread) until the lock is free; waiters get it in FIFO order. The guard
/// may be held across `.await`s; dropping it (also when the task holding
/// it is aborted) releases the lock. Each acquire and release is a
/// scheduling point; a release happens before the acquire that follows.
///
/// ```
/// use std::sync::Arc;
/// use sim::future::sync::Mutex;
/// sim::model(|| {
///     let m = Arc::new(Mutex::new(0));
///     let m2 = m.clone();
///     let t = sim::future::spawn(async move { *m2.lock().await += 1 });
///     sim::future::block_on(async {
///         *m.lock().await += 1;
///         t.await.unwrap();
///         assert_eq!(*m.lock().await, 2);
///     });
/// });
/// ```
pub struct Mutex<T> {
    sem: Batch,
    /// The value, out of its box while a guard holds it.
    data: std::sync::Mutex<Option<Box<T>>>,
}

impl<T> Mutex<T> {
    /// A new, unlocked mutex holding `value`.
    #[track_caller]
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            sem: Batch::new(1, "async Mutex", Location::caller()),
            data: std::sync::Mutex::new(Some(Box::new(value))),
        }
    }

    /// Waits for the lock and takes it.
    #[track_caller]
    pub fn lock(&self) -> impl Future<Output = MutexGuard<'_, T>> {
        let at = Location::caller();
        async move {
            self.sem
                .acquire(1, at)
                .await
                .expect("sim: an async Mutex is never closed");
            self.guard(at)
        }
    }

    /// Takes the lock if it is free (a scheduling point).
    ///
    /// ```
    /// sim::model(|| {
    ///     let m = sim::future::sync::Mutex::new(1);
    ///     let g = m.try_lock().unwrap();
    ///     assert!(m.try_lock().is_err());
    ///     drop(g);
    ///     assert!(m.try_lock().is_ok());
    /// });
    /// ```
    #[track_caller]
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        let at = Location::caller();
        match self.sem.try_acquire(1, at) {
            Ok(true) => Ok(self.guard(at)),
            _ => Err(TryLockError(())),
        }
    }

    fn guard(&self, at: &'static Location<'static>) -> MutexGuard<'_, T> {
        let value = self
            .data
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        MutexGuard {
            lock: self,
            value,
            at,
        }
    }

    /// The value, through the exclusive borrow (no lock needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.data
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
            .expect("sim: an unlocked Mutex holds its value")
    }

    /// The value.
    pub fn into_inner(self) -> T {
        *self
            .data
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .expect("sim: an unlocked Mutex holds its value")
    }
}

impl<T: Default> Default for Mutex<T> {
    #[track_caller]
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex").finish_non_exhaustive()
    }
}

/// The guard of an async [`Mutex`]: the lock is held until it is dropped.
///
/// ```
/// sim::model(|| {
///     let m = sim::future::sync::Mutex::new(vec![1]);
///     sim::future::block_on(async {
///         let mut g = m.lock().await;
///         g.push(2);
///         assert_eq!(*g, vec![1, 2]);
///     });
/// });
/// ```
pub struct MutexGuard<'a, T> {
    lock: &'a Mutex<T>,
    value: Option<Box<T>>,
    at: &'static Location<'static>,
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value.as_ref().expect("sim: a guard holds the value")
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value.as_mut().expect("sim: a guard holds the value")
    }
}

impl<T: fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        *self
            .lock
            .data
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = self.value.take();
        self.lock.sem.release(1, self.at);
    }
}

/// `try_lock` found the lock taken.
///
/// ```
/// let m = sim::future::sync::TryLockError::default();
/// # let _ = m;
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TryLockError(());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation would block")
    }
}

impl std::error::Error for TryLockError {}
