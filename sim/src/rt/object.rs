//! The runtime's view of synchronisation objects and shared variables.
//!
//! Primitives in `sync/` are handles (an [`ObjId`] and the serial of the
//! execution that created them); their state lives here, in the execution's
//! object table, so that the scheduler can decide whether an operation is
//! enabled without calling back into primitive code.

use std::fmt;
use std::panic::Location;

use super::clock::VectorClock;
use super::op::{ObjId, Tid};
use super::race::AccessHistory;

/// The state of one object.
#[derive(Debug)]
pub(crate) enum ObjState {
    /// Python's `Lock`: no owner, any thread may release it. `holder` is the
    /// thread that acquired it last, for deadlock reports only.
    Lock {
        locked: bool,
        holder: Option<Tid>,
        clock: VectorClock,
    },
    /// Python's `RLock`: an owner and a recursion count.
    RLock {
        owner: Option<Tid>,
        count: u32,
        clock: VectorClock,
    },
    /// A `Shared` variable: only its access history (the value lives in the
    /// `Shared` handle itself).
    Shared { history: AccessHistory },
}

impl ObjState {
    /// A fresh, unlocked `Lock`.
    pub(crate) fn lock() -> Self {
        ObjState::Lock {
            locked: false,
            holder: None,
            clock: VectorClock::new(),
        }
    }

    /// A fresh, unowned `RLock`.
    pub(crate) fn rlock() -> Self {
        ObjState::RLock {
            owner: None,
            count: 0,
            clock: VectorClock::new(),
        }
    }

    /// A fresh `Shared` variable.
    pub(crate) fn shared() -> Self {
        ObjState::Shared {
            history: AccessHistory::default(),
        }
    }

    /// The kind's name, as users know it.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            ObjState::Lock { .. } => "Lock",
            ObjState::RLock { .. } => "RLock",
            ObjState::Shared { .. } => "Shared",
        }
    }

    /// The thread that currently holds the object, for wait-for graphs.
    pub(crate) fn holder(&self) -> Option<Tid> {
        match *self {
            ObjState::Lock {
                locked: true,
                holder,
                ..
            } => holder,
            ObjState::RLock { owner, .. } => owner,
            _ => None,
        }
    }
}

/// One entry of the object table.
#[derive(Debug)]
pub(crate) struct Object {
    pub(crate) id: ObjId,
    pub(crate) state: ObjState,
    pub(crate) created_at: &'static Location<'static>,
    /// Step of the last release-like event whose clock the object holds (a
    /// Lock's or RLock's last full release), 0 if none: the source of the
    /// happens-before edge to the next acquire. Primitives whose
    /// synchronisation has one source per object use it the same way.
    pub(crate) released_at: u64,
}

impl fmt::Display for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}#{} (created at {})",
            self.state.kind(),
            self.id.0,
            self.created_at
        )
    }
}
