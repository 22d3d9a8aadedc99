//! tokio's async synchronisation primitives (`tokio::sync`'s shapes):
//! [`Mutex`], [`RwLock`], [`Semaphore`], [`Notify`], [`mpsc`] (bounded and
//! unbounded) and [`oneshot`].
//!
//! Each keeps its state in the handle; each operation is one scheduling
//! point on a runtime object of the primitive (see `point.rs`), which
//! orders the primitive's operations by happens-before; a waiter queues
//! its task's waker and is woken (a `wake` edge) by the operation that lets
//! it go on. A task left waiting on one is named in the deadlock report
//! with the primitive it waits for. `Mutex`, `RwLock`, `Semaphore` and the
//! bounded channel's slots share one FIFO batch semaphore (`batch.rs`), as
//! in tokio.
//!
//! ```
//! use sim::future::sync::{mpsc, Semaphore};
//! sim::model(|| {
//!     let (tx, mut rx) = mpsc::unbounded_channel();
//!     let sem = Semaphore::new(1);
//!     sim::future::block_on(async {
//!         let _p = sem.acquire().await.unwrap();
//!         tx.send(1).unwrap();
//!         assert_eq!(rx.recv().await, Some(1));
//!     });
//! });
//! ```

mod batch;
pub mod mpsc;
mod mutex;
mod notify;
pub mod oneshot;
pub(crate) mod point;
mod rwlock;
mod semaphore;

pub use mutex::{Mutex, MutexGuard, TryLockError};
pub use notify::{Notified, Notify};
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
pub use semaphore::{
    AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError,
};
