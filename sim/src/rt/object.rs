//! The runtime's view of synchronisation objects and shared variables.
//!
//! Primitives in `sync/` are handles (an [`ObjId`] and the serial of the
//! execution that created them); their state lives here, in the execution's
//! object table, so that the scheduler can decide whether an operation is
//! enabled without calling back into primitive code.

use std::fmt;
use std::panic::Location;

use smallvec::SmallVec;

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
    /// Python's `Condition` over the Lock or RLock `lock`.
    Condition {
        lock: ObjId,
        /// Waiters in arrival order (Python's `_waiters` deque). A waiter
        /// stays here until it has re-acquired the lock, even after a
        /// timeout, so a notify can still pick it (as in CPython). Two
        /// fit inline: a new Condition's first wait does not allocate.
        waiters: SmallVec<[CondWaiter; 2]>,
        /// Joined by every notify; joined by every notified waiter.
        clock: VectorClock,
        /// The last notify: (step, thread), for the lost wake-up diagnosis
        /// (a waiter that began waiting after it missed it).
        last_notify: Option<(u64, Tid)>,
    },
    /// `Semaphore` (`bound: None`) or `BoundedSemaphore`.
    Semaphore {
        value: u32,
        bound: Option<u32>,
        /// Joined by every release; joined by every acquire.
        clock: VectorClock,
    },
    /// Python's `Event`.
    Event {
        flag: bool,
        /// Joined by every set; joined by every wait that returns true.
        clock: VectorClock,
        /// The last set and clear: (step, thread), for the lost wake-up
        /// diagnosis.
        last_set: Option<(u64, Tid)>,
        last_clear: Option<(u64, Tid)>,
    },
    /// Python's `Barrier`, state for state (`threading.Barrier`'s `_state`
    /// and `_count`).
    Barrier {
        parties: u32,
        /// Threads inside `wait` (arrived, not yet left).
        count: u32,
        phase: BarrierPhase,
        /// Joined by every arrival; joined by every departure.
        clock: VectorClock,
        /// Steps of this round's arrivals (for happens-before edges).
        arrivals: Vec<u64>,
    },
    /// `queue.Queue`: counts only; the items live in the handle.
    Queue {
        maxsize: u32,
        /// The step and clock of each item's `put`, oldest first.
        items: std::collections::VecDeque<(u64, VectorClock)>,
        unfinished: u32,
        /// Joined by every `task_done`; joined by `join`.
        done_clock: VectorClock,
    },
}

/// One thread inside `Condition::wait`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CondWaiter {
    pub(crate) tid: Tid,
    /// The condition's last notify before this thread began to wait
    /// (step, thread): the wake-up it missed, for the lost wake-up
    /// diagnosis.
    pub(crate) missed: Option<(u64, Tid)>,
    /// Step of the notify that woke it (0: not notified).
    pub(crate) notified_at: u64,
    /// RLock levels released by `wait`, restored by the re-acquire.
    pub(crate) levels: u32,
}

/// Python's `Barrier._state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BarrierPhase {
    /// Threads arrive (`0`).
    Filling,
    /// The last arrival is running the action, holding the barrier's lock.
    Action,
    /// Released: waiters leave (`1`); arrivals wait until all have left.
    Draining,
    /// Reset: waiters leave with `BrokenBarrierError` (`-1`).
    Resetting,
    /// Broken: every wait fails until `reset` (`-2`).
    Broken,
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
            ObjState::Condition { .. } => "Condition",
            ObjState::Semaphore { bound: None, .. } => "Semaphore",
            ObjState::Semaphore { .. } => "BoundedSemaphore",
            ObjState::Event { .. } => "Event",
            ObjState::Barrier { .. } => "Barrier",
            ObjState::Queue { .. } => "Queue",
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
    /// The process whose memory holds the object ([`CROSS_PROCESS`] for
    /// the `process::` primitives, which every process may use).
    pub(crate) process: u32,
}

/// [`Object::process`] of an object shared between processes.
pub(crate) const CROSS_PROCESS: u32 = u32::MAX;

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
