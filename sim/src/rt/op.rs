//! The visible operations a green thread announces at a scheduling point, and
//! what performing one gives back.
//!
//! An [`Op`] is small and `Copy`: it is stored as the thread's pending
//! operation, inspected by the scheduler to decide whether the thread is
//! enabled, and recorded in the execution's event log.

use std::fmt;

/// Index of a green thread within one execution (0 is `MainThread`).
pub type Tid = usize;

/// Index of a synchronisation object or shared variable within one execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjId(pub(crate) u32);

impl ObjId {
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

/// A virtual instant, in nanoseconds since the start of the execution.
pub(crate) type Nanos = u64;

/// A visible operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// The first step of a freshly spawned thread (performed eagerly).
    Start,
    /// `thread::yield_now`: always enabled, does nothing.
    Yield,
    /// `time::sleep`: enabled once the clock reaches `until`.
    Sleep { until: Nanos },
    /// `thread::spawn`: registers a new thread.
    Spawn { daemon: bool, named: bool },
    /// `JoinHandle::join`: enabled once `target` has finished.
    Join { target: Tid },
    /// `Lock::acquire` and friends. `deadline` is `Some(now)` for a
    /// non-blocking attempt, `Some(t)` for a timed one, `None` to block.
    LockAcquire {
        lock: ObjId,
        deadline: Option<Nanos>,
    },
    /// `Lock::release`.
    LockRelease { lock: ObjId },
    /// `Lock::locked`.
    LockLocked { lock: ObjId },
    /// `RLock::acquire` and friends (same `deadline` convention).
    RLockAcquire {
        lock: ObjId,
        deadline: Option<Nanos>,
    },
    /// `RLock::release`.
    RLockRelease { lock: ObjId },
    /// A read of a `Shared`.
    Read { var: ObjId },
    /// A write (or read-modify-write) of a `Shared`.
    Write { var: ObjId },
    /// `sim::print!`: the text is in the thread's output buffer.
    Print,
}

impl Op {
    /// The object this operation touches, if any.
    pub(crate) fn object(self) -> Option<ObjId> {
        match self {
            Op::LockAcquire { lock, .. }
            | Op::LockRelease { lock }
            | Op::LockLocked { lock }
            | Op::RLockAcquire { lock, .. }
            | Op::RLockRelease { lock } => Some(lock),
            Op::Read { var } | Op::Write { var } => Some(var),
            _ => None,
        }
    }

    /// The deadline after which the operation is enabled whatever the state.
    pub(crate) fn deadline(self) -> Option<Nanos> {
        match self {
            Op::Sleep { until } => Some(until),
            Op::LockAcquire { deadline, .. } | Op::RLockAcquire { deadline, .. } => deadline,
            _ => None,
        }
    }

    /// Short name of the operation, as it appears in traces.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Op::Start => "start",
            Op::Yield => "yield",
            Op::Sleep { .. } => "sleep",
            Op::Spawn { .. } => "spawn",
            Op::Join { .. } => "join",
            Op::LockAcquire { .. } => "acquire",
            Op::LockRelease { .. } => "release",
            Op::LockLocked { .. } => "locked",
            Op::RLockAcquire { .. } => "acquire",
            Op::RLockRelease { .. } => "release",
            Op::Read { .. } => "read",
            Op::Write { .. } => "write",
            Op::Print => "print",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Op::Sleep { until } => write!(f, "sleep until {}", crate::time::format_nanos(until)),
            Op::Join { target } => write!(f, "join thread {target}"),
            Op::LockAcquire {
                deadline: Some(d), ..
            }
            | Op::RLockAcquire {
                deadline: Some(d), ..
            } => {
                write!(f, "acquire (timeout at {})", crate::time::format_nanos(d))
            }
            op => f.write_str(op.name()),
        }
    }
}

/// What performing an operation gives back to the thread that announced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum OpResult {
    /// Nothing to report.
    #[default]
    Unit,
    /// A yes/no answer: acquired or timed out, locked or not.
    Bool(bool),
    /// The id of a newly spawned thread.
    Spawned(Tid),
}

impl OpResult {
    pub(crate) fn as_bool(self) -> bool {
        matches!(self, OpResult::Bool(true))
    }
}
