//! Python's `threading` module: its primitives, with Python's semantics.
//!
//! Every primitive is a small `Copy` handle; its state lives in the runtime's
//! object table. Create primitives inside the closure you give to `sim`.
//! Python's `queue.Queue` is [`crate::queue::Queue`]; processes and their
//! primitives are in [`crate::multiprocessing`].
//!
//! ```
//! use sim::threading::{Lock, Thread};
//! use sim::Shared;
//!
//! sim::model(|| {
//!     let lock = Lock::new();
//!     let count = Shared::new(0);
//!     let c = count.clone();
//!     let t = Thread::new(move || {
//!         let _g = lock.lock(); // `with lock:`
//!         c.set(c.get() + 1);
//!     });
//!     t.start();
//!     {
//!         let _g = lock.lock();
//!         count.set(count.get() + 1);
//!     }
//!     t.join();
//!     assert_eq!(count.get(), 2);
//! });
//! ```

mod barrier;
mod condition;
mod event;
mod lock;
mod rlock;
mod semaphore;
mod thread;
mod timer;

pub use barrier::{Barrier, BrokenBarrierError};
pub use condition::{Condition, ConditionGuard};
pub use event::Event;
pub use lock::{Lock, LockGuard};
pub use rlock::{RLock, RLockGuard};
pub use semaphore::{BoundedSemaphore, Semaphore};
pub use thread::Thread;
pub use timer::Timer;
