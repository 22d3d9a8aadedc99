//! tokio's async `Semaphore`.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::sync::Arc;

use super::batch::Batch;

/// tokio's `Semaphore`: a FIFO counting semaphore whose `acquire` waits as
/// a pending task. Each operation is a scheduling point; a release happens
/// before the acquire it satisfies.
///
/// ```
/// use sim::future::sync::Semaphore;
/// sim::model(|| {
///     let s = Semaphore::new(1);
///     sim::future::block_on(async {
///         let p = s.acquire().await.unwrap();
///         assert_eq!(s.available_permits(), 0);
///         drop(p);
///         assert_eq!(s.available_permits(), 1);
///     });
/// });
/// ```
pub struct Semaphore {
    batch: Batch,
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("permits", &self.available_permits())
            .finish()
    }
}

impl Semaphore {
    /// The most permits a semaphore holds.
    pub const MAX_PERMITS: usize = usize::MAX >> 3;

    /// A semaphore with `permits` permits.
    #[track_caller]
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            batch: Batch::new(permits, "async Semaphore", Location::caller()),
        }
    }

    /// The permits available now (not a scheduling point).
    pub fn available_permits(&self) -> usize {
        self.batch.available()
    }

    /// Adds `n` permits (waking the waiters they satisfy).
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        self.batch.release(n, Location::caller());
    }

    /// Waits for one permit.
    #[track_caller]
    pub fn acquire(&self) -> impl Future<Output = Result<SemaphorePermit<'_>, AcquireError>> {
        self.acquire_many(1)
    }

    /// Waits for `n` permits at once.
    #[track_caller]
    pub fn acquire_many(
        &self,
        n: u32,
    ) -> impl Future<Output = Result<SemaphorePermit<'_>, AcquireError>> {
        let at = Location::caller();
        async move {
            self.batch
                .acquire(n as usize, at)
                .await
                .map_err(|_| AcquireError(()))?;
            Ok(SemaphorePermit {
                sem: self,
                n: n as usize,
                at,
            })
        }
    }

    /// Waits for one permit, owned through the `Arc`.
    #[track_caller]
    pub fn acquire_owned(
        self: Arc<Self>,
    ) -> impl Future<Output = Result<OwnedSemaphorePermit, AcquireError>> {
        let at = Location::caller();
        async move {
            self.batch
                .acquire(1, at)
                .await
                .map_err(|_| AcquireError(()))?;
            Ok(OwnedSemaphorePermit {
                sem: self,
                n: 1,
                at,
            })
        }
    }

    /// One permit if there is one now (a scheduling point).
    ///
    /// ```
    /// sim::model(|| {
    ///     let s = sim::future::sync::Semaphore::new(1);
    ///     let p = s.try_acquire().unwrap();
    ///     assert!(s.try_acquire().is_err());
    ///     p.forget();
    ///     assert_eq!(s.available_permits(), 0);
    /// });
    /// ```
    #[track_caller]
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// `n` permits if they are there now (a scheduling point).
    #[track_caller]
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        let at = Location::caller();
        match self.batch.try_acquire(n as usize, at) {
            Ok(true) => Ok(SemaphorePermit {
                sem: self,
                n: n as usize,
                at,
            }),
            Ok(false) => Err(TryAcquireError::NoPermits),
            Err(_) => Err(TryAcquireError::Closed),
        }
    }

    /// Closes it: waiting and later acquires fail.
    #[track_caller]
    pub fn close(&self) {
        self.batch.close(Location::caller());
    }

    /// Whether it is closed.
    pub fn is_closed(&self) -> bool {
        self.batch.is_closed()
    }
}

/// Permits of a [`Semaphore`], given back when dropped.
///
/// ```
/// sim::model(|| {
///     let s = sim::future::sync::Semaphore::new(2);
///     let p = sim::future::block_on(s.acquire_many(2)).unwrap();
///     assert_eq!(p.num_permits(), 2);
/// });
/// ```
#[must_use]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    n: usize,
    at: &'static Location<'static>,
}

impl SemaphorePermit<'_> {
    /// Keeps the permits taken (they are not given back).
    pub fn forget(mut self) {
        self.n = 0;
    }

    /// How many permits it holds.
    pub fn num_permits(&self) -> usize {
        self.n
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        if self.n > 0 {
            self.sem.batch.release(self.n, self.at);
        }
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.n)
            .finish()
    }
}

/// A permit of a [`Semaphore`] held through an `Arc`.
///
/// ```
/// use std::sync::Arc;
/// sim::model(|| {
///     let s = Arc::new(sim::future::sync::Semaphore::new(1));
///     let p = sim::future::block_on(s.clone().acquire_owned()).unwrap();
///     assert_eq!(s.available_permits(), 0);
///     drop(p);
/// });
/// ```
#[must_use]
pub struct OwnedSemaphorePermit {
    sem: Arc<Semaphore>,
    n: usize,
    at: &'static Location<'static>,
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        if self.n > 0 {
            self.sem.batch.release(self.n, self.at);
        }
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("permits", &self.n)
            .finish()
    }
}

/// The semaphore was closed.
///
/// ```
/// sim::model(|| {
///     let s = sim::future::sync::Semaphore::new(0);
///     s.close();
///     assert!(sim::future::block_on(s.acquire()).is_err());
/// });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcquireError(());

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl std::error::Error for AcquireError {}

/// Why `try_acquire` failed.
///
/// ```
/// assert_ne!(sim::future::sync::TryAcquireError::Closed,
///            sim::future::sync::TryAcquireError::NoPermits);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// Not enough permits now.
    NoPermits,
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl std::error::Error for TryAcquireError {}
