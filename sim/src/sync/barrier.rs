//! `std::sync::Barrier` on the runtime's barrier (the state of Python's
//! `threading.Barrier`, `rt/prims/barrier.rs`), without action or timeout:
//! so it is never broken, and its leader is the last arrival of each
//! generation, as std's.

use std::fmt;
use std::panic::Location;

use crate::rt;
use crate::rt::object::ObjState;
use crate::rt::op::{ObjId, Op, OpResult};

/// std's `Barrier`: `wait` blocks until `n` threads have called it, then
/// releases them all; exactly one of them, the last to arrive, is the
/// leader. Reusable: the next `n` calls form the next generation. Every
/// arrival happens before every departure of its generation. `new(0)` and
/// `new(1)` never block (every `wait` leads).
///
/// ```
/// use std::sync::Arc;
/// use sim::sync::Barrier;
/// sim::model(|| {
///     let barrier = Arc::new(Barrier::new(2));
///     let b = Arc::clone(&barrier);
///     let t = sim::thread::spawn(move || b.wait().is_leader());
///     let mine = barrier.wait().is_leader();
///     let theirs = t.join().unwrap();
///     assert!(mine != theirs, "exactly one leader");
/// });
/// ```
pub struct Barrier {
    id: ObjId,
    serial: u64,
    parties: u32,
}

/// What [`Barrier::wait`] returns: whether this thread is the leader.
///
/// ```
/// sim::model(|| {
///     let result = sim::sync::Barrier::new(1).wait();
///     assert!(result.is_leader());
///     assert_eq!(format!("{result:?}"), "BarrierWaitResult { is_leader: true }");
/// });
/// ```
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// Whether this thread is its generation's leader (exactly one is).
    #[must_use]
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl fmt::Debug for BarrierWaitResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWaitResult")
            .field("is_leader", &self.0)
            .finish()
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier").finish_non_exhaustive()
    }
}

impl Barrier {
    /// A barrier for `n` threads (`0` counts as `1`, as in std).
    #[track_caller]
    #[must_use]
    pub fn new(n: usize) -> Barrier {
        let parties = u32::try_from(n.max(1)).unwrap_or(u32::MAX);
        let (id, serial) = rt::new_object(ObjState::new_barrier(parties), Location::caller());
        Barrier {
            id,
            serial,
            parties,
        }
    }

    /// Blocks until `n` threads have called `wait` in this generation.
    #[track_caller]
    pub fn wait(&self) -> BarrierWaitResult {
        let location = Location::caller();
        rt::check_serial(self.serial, "Barrier");
        let barrier = self.id;
        let OpResult::Value(index) = rt::op(Op::BarrierArrive { barrier }, location) else {
            // Only while the thread unwinds: nothing was scheduled.
            return BarrierWaitResult(false);
        };
        if index + 1 == self.parties {
            rt::op(Op::BarrierRelease { barrier, ok: true }, location);
            BarrierWaitResult(true)
        } else {
            let op = Op::BarrierBlock {
                barrier,
                deadline: None,
            };
            rt::op(op, location);
            BarrierWaitResult(false)
        }
    }
}
