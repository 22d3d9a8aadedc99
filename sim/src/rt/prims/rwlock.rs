//! std's `RwLock`: any number of readers or one writer.
//!
//! A read acquire is enabled while no thread writes; a write acquire while
//! no thread reads or writes (no writer preference: std leaves the policy to
//! the platform, and exploring every admissible order covers them all).
//!
//! Happens-before: a write release stores the writer's clock; every later
//! acquire joins it (a `Lock` edge from that release). A read release joins
//! the reader's clock into the readers' clock, which the next write
//! acquire joins too: a writer is ordered after every reader before it,
//! readers are not ordered among themselves.
//!
//! Re-acquiring a lock the thread holds is caught by the handle before the
//! acquire is announced (std would deadlock or panic).

use smallvec::SmallVec;

use super::super::clock::VectorClock;
use super::super::dependence::Footprint;
use super::super::op::{ObjId, Op, OpResult, Tid};
use super::super::{EdgeKind, Exec};
use super::ObjState;

/// The state of a `RwLock`.
#[derive(Debug, Default)]
pub(crate) struct RwLockState {
    /// The threads holding it for reading, in acquire order.
    readers: SmallVec<[Tid; 2]>,
    /// The thread holding it for writing.
    writer: Option<Tid>,
    /// The clock of the last write release.
    write_clock: VectorClock,
    /// Step of the last write release (0: none), the source of read edges.
    write_released_at: u64,
    /// The join of the read releases since the last write release.
    read_clock: VectorClock,
}

impl RwLockState {
    /// Whether a read (`write == false`) or write acquire can complete.
    pub(crate) fn can_acquire(&self, write: bool) -> bool {
        self.writer.is_none() && (!write || self.readers.is_empty())
    }

    /// The writer, else the first reader, for wait-for graphs.
    pub(crate) fn holder(&self) -> Option<Tid> {
        self.writer.or_else(|| self.readers.first().copied())
    }

    /// Whether `tid` holds it, for reading or writing.
    pub(crate) fn held_by(&self, tid: Tid) -> bool {
        self.writer == Some(tid) || self.readers.contains(&tid)
    }
}

impl ObjState {
    /// A fresh, unlocked `RwLock`.
    pub(crate) fn new_rwlock() -> Self {
        ObjState::RwLock(Box::default())
    }
}

impl Exec {
    pub(super) fn rwlock_can_complete(&self, op: Op) -> bool {
        match op {
            Op::RwAcquire { lock, write, .. } => {
                self.objects[lock.index()].state.rwlock().can_acquire(write)
            }
            _ => true,
        }
    }

    pub(super) fn rwlock_complete(&mut self, tid: Tid, op: Op) -> OpResult {
        let step = self.steps;
        match op {
            Op::RwAcquire { lock, write, .. } => {
                let thread = &mut self.threads[tid];
                let object = &mut self.objects[lock.index()];
                let state = object.state.rwlock_mut();
                if !state.can_acquire(write) {
                    return OpResult::Bool(false);
                }
                thread.clock.join(&state.write_clock);
                let from = if write {
                    state.writer = Some(tid);
                    thread.clock.join(&state.read_clock);
                    object.released_at
                } else {
                    state.readers.push(tid);
                    state.write_released_at
                };
                self.sync_edge(from, EdgeKind::Lock, Some(lock));
                OpResult::Bool(true)
            }
            Op::RwRelease { lock, write } => {
                let thread = &mut self.threads[tid];
                let object = &mut self.objects[lock.index()];
                let state = object.state.rwlock_mut();
                if write {
                    debug_assert_eq!(state.writer, Some(tid));
                    state.writer = None;
                    state.write_clock.copy_from(&thread.clock);
                    state.read_clock = VectorClock::new();
                    state.write_released_at = step;
                } else {
                    let i = state.readers.iter().position(|&r| r == tid);
                    debug_assert!(i.is_some(), "a read release by a non-reader");
                    if let Some(i) = i {
                        state.readers.remove(i);
                    }
                    state.read_clock.join(&thread.clock);
                }
                thread.clock.tick(tid);
                object.released_at = step;
                OpResult::Unit
            }
            _ => unreachable!("not a RwLock operation: {op:?}"),
        }
    }
}

/// Every acquire and release writes the lock, reads included, as a
/// `Mutex`'s do. Read acquires do commute with each other, but treating
/// them as reads breaks the optimal DPOR's treatment of blocking acquires
/// (`explore/exhaustive/odpor.rs`): a wake-up sequence built from the
/// events independent of a read acquire can contain another thread's read
/// acquire without its release, and the write acquire it ends with is then
/// blocked (the proptest found it: a writer and two readers). As writes,
/// a RwLock is reduced exactly as a `Mutex` is, soundly, and readers are
/// explored in both orders (more executions than traces of the finer
/// relation, never fewer). Blocking acquires and releases are reduced;
/// `try_read`/`try_write` are not (as for `Lock`'s try-lock).
pub(crate) fn footprint(op: Op) -> Footprint {
    match op {
        Op::RwAcquire { lock, deadline, .. } => {
            let f = Footprint::writes(lock);
            if deadline.is_none() {
                f.reducible()
            } else {
                f
            }
        }
        Op::RwRelease { lock, .. } => Footprint::writes(lock).reducible(),
        _ => Footprint::NOTHING,
    }
}

/// Whether `tid` holds `lock` (a `RwLock`).
pub(crate) fn held_by(exec: &Exec, lock: ObjId, tid: Tid) -> bool {
    exec.objects[lock.index()].state.rwlock().held_by(tid)
}
