//! The one scheduling point of an async primitive's operations.

use std::panic::Location;
use std::sync::atomic::Ordering;

use crate::rt;
use crate::rt::object::ObjState;
use crate::rt::op::{AtomicKind, ObjId, Op};

/// A primitive's scheduling point: one runtime atomic object, on which each
/// operation of the primitive is an `AcqRel` read-modify-write, so every
/// operation is a scheduling point and all of a primitive's operations are
/// ordered by happens-before in the order they ran (an atomic's
/// operations are in the optimal DPOR's fragment). The primitive's state
/// itself lives in the handle, in a std `Mutex` that one-thread-at-a-time
/// scheduling keeps uncontended.
#[derive(Debug)]
pub(crate) struct Point {
    id: ObjId,
    serial: u64,
    /// The primitive's kind and where it was created (deadlock reports).
    kind: &'static str,
    created_at: &'static Location<'static>,
}

impl Point {
    pub(crate) fn new(kind: &'static str, created_at: &'static Location<'static>) -> Point {
        let (id, serial) = rt::new_object(ObjState::new_atomic(kind), created_at);
        Point {
            id,
            serial,
            kind,
            created_at,
        }
    }

    /// The scheduling point of an operation at `at`.
    pub(crate) fn at(&self, at: &'static Location<'static>) {
        rt::check_serial(self.serial, self.kind);
        let op = Op::Atomic {
            atomic: self.id,
            kind: AtomicKind::Rmw,
            ord: Ordering::AcqRel,
        };
        rt::op(op, at);
    }

    /// Tells the runtime that the task being polled waits on this primitive.
    pub(crate) fn awaits(&self) {
        rt::task_awaits(self.kind, true, self.created_at);
    }
}
