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

/// The acquire family of a primitive handle with fields `id` and `serial`:
/// `acquire_op` (the one that announces the operation) and the public
/// `acquire`, `acquire_timeout` and `try_acquire`, Python's
/// `acquire(blocking, timeout)` in its three forms: a blocking acquire has
/// no deadline, a timed one a deadline on the virtual clock, a
/// non-blocking one the deadline "now".
macro_rules! acquire_methods {
    ($kind:literal, $op:ident { $field:ident }, $acquire_doc:literal
     $(, #[$timeout_doc:meta])*) => {
        #[inline(always)]
        #[track_caller]
        fn acquire_op(
            &self,
            deadline: Option<u64>,
            location: &'static std::panic::Location<'static>,
        ) -> bool {
            crate::rt::check_serial(self.serial, $kind);
            let op = crate::rt::op::Op::$op {
                $field: self.id,
                deadline,
            };
            crate::rt::op(op, location).as_bool()
        }

        #[doc = $acquire_doc]
        #[track_caller]
        pub fn acquire(&self) {
            self.acquire_op(None, std::panic::Location::caller());
        }

        /// Blocks at most `timeout` of virtual time; returns whether it
        /// acquired.
        $(#[$timeout_doc])*
        #[track_caller]
        pub fn acquire_timeout(&self, timeout: std::time::Duration) -> bool {
            let deadline = crate::time::deadline_after(timeout);
            self.acquire_op(Some(deadline), std::panic::Location::caller())
        }

        /// Acquires without blocking (Python's `acquire(blocking=False)`);
        /// returns whether it acquired.
        #[track_caller]
        pub fn try_acquire(&self) -> bool {
            let now = crate::time::deadline_after(std::time::Duration::ZERO);
            self.acquire_op(Some(now), std::panic::Location::caller())
        }
    };
}

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
pub use thread::{current_thread, Thread};
pub use timer::Timer;
