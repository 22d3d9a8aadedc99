//! std's synchronisation API (`std::sync`'s paths and signatures, and
//! loom's and shuttle's where they extend it), on sim's runtime: a crate's
//! loom or shuttle tests run under sim by renaming the dependency.
//!
//! [`atomic`]: std's atomics, every operation a scheduling point, with
//! C11 happens-before (sequentially consistent values for now).
//! [`mpsc`] channels (with the rendezvous `sync_channel(0)`), [`Barrier`]
//! and loom's [`Notify`] are here too.
//!
//! Every blocking operation and every atomic operation is a scheduling
//! point; [`Mutex`] and [`RwLock`] poison as std's do; deadlocks,
//! re-acquiring a lock one holds, and `Arc` leaks are failures with a
//! replay token.
//!
//! ```
//! use sim::sync::{Arc, Mutex};
//! sim::model(|| {
//!     let n = Arc::new(Mutex::new(0));
//!     let handles: Vec<_> = (0..2)
//!         .map(|_| {
//!             let n = n.clone();
//!             sim::thread::spawn(move || *n.lock().unwrap() += 1)
//!         })
//!         .collect();
//!     for h in handles {
//!         h.join().unwrap();
//!     }
//!     assert_eq!(*n.lock().unwrap(), 2);
//! });
//! ```

mod arc;
pub mod atomic;
mod barrier;
mod condvar;
pub mod mpsc;
mod mutex;
mod notify;
mod once;
mod rwlock;

pub use arc::{Arc, Weak};
pub use barrier::{Barrier, BarrierWaitResult};
pub use condvar::{Condvar, WaitTimeoutResult};
pub use mutex::{Mutex, MutexGuard};
pub use notify::Notify;
#[doc(hidden)]
pub use once::Lazy;
pub use once::{LazyLock, Once, OnceLock, OnceState};
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
pub use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};
