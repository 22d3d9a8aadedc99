//! Python's `threading` primitives, with Python's semantics.
//!
//! Every primitive is a small `Copy` handle; its state lives in the runtime's
//! object table. Create primitives inside the closure you give to `sim`.

mod barrier;
mod condition;
mod event;
mod lock;
mod queue;
mod rlock;
mod semaphore;
mod timer;

pub use barrier::{Barrier, BrokenBarrierError};
pub use condition::{Condition, ConditionGuard};
pub use event::Event;
pub use lock::{Lock, LockGuard};
pub use queue::{Empty, Full, Queue};
pub use rlock::{RLock, RLockGuard};
pub use semaphore::{BoundedSemaphore, Semaphore};
pub use timer::Timer;

use std::time::Duration;

use crate::rt;
use crate::rt::op::Nanos;

/// The deadline `timeout` from now, on the virtual clock.
pub(crate) fn deadline_after(timeout: Duration) -> Nanos {
    rt::with_current(|e| e.now).saturating_add(crate::time::to_nanos(timeout))
}
