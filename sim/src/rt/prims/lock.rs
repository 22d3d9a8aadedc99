//! Python's `Lock` and `RLock`, and the lock side of `Condition::wait`.
//!
//! One state type serves both: a `Lock` is a [`LockState`] that is not
//! reentrant (held at most once, released by any thread), an `RLock` one
//! that is (an owner and a recursion count). `Condition::wait` releases
//! every level at once and its re-acquire restores them
//! ([`Exec::lock_release_all`], [`Exec::lock_acquire_levels`]): the same
//! transitions, so each is written once.
//!
//! A full release stores the releasing thread's clock in the lock and
//! ticks the thread; the next acquire joins it, with a `Lock` edge from the
//! release (`Object::released_at`).

use std::panic::Location;

use super::super::clock::VectorClock;
use super::super::dependence::Footprint;
use super::super::op::{ObjId, Op, OpResult, Tid};
use super::super::{EdgeKind, Exec};
use super::ObjState;
use crate::failure::FailureKind;

/// The state of a `Lock` or an `RLock`.
#[derive(Debug)]
pub(crate) struct LockState {
    /// The primitive's name in reports (`Lock`, `RLock`, `Mutex`).
    kind: &'static str,
    /// An `RLock`: the holder may acquire again, only it may release.
    reentrant: bool,
    /// Levels held (0: free; a `Lock` is held at most once).
    count: u32,
    /// The thread that holds it (a `Lock`'s last acquirer while locked, for
    /// deadlock reports; an `RLock`'s owner).
    holder: Option<Tid>,
    /// The clock of the last full release.
    clock: VectorClock,
}

impl LockState {
    fn new(kind: &'static str, reentrant: bool) -> Self {
        LockState {
            kind,
            reentrant,
            count: 0,
            holder: None,
            clock: VectorClock::new(),
        }
    }

    pub(crate) fn kind(&self) -> &'static str {
        self.kind
    }

    /// Whether no thread holds it.
    #[inline(always)]
    pub(crate) fn is_free(&self) -> bool {
        self.count == 0
    }

    /// Whether `tid` may acquire it now.
    #[inline(always)]
    pub(crate) fn can_acquire(&self, tid: Tid) -> bool {
        self.count == 0 || (self.reentrant && self.holder == Some(tid))
    }

    /// [`LockState::can_acquire`] of a lock known to be an RLock (the
    /// operation says so): one test less on the hot path.
    #[inline(always)]
    pub(crate) fn rlock_can_acquire(&self, tid: Tid) -> bool {
        debug_assert!(self.reentrant);
        self.count == 0 || self.holder == Some(tid)
    }

    /// The holder, for wait-for graphs.
    pub(crate) fn holder(&self) -> Option<Tid> {
        if self.count > 0 {
            self.holder
        } else {
            None
        }
    }

    /// Python's `Condition._is_owned`: an RLock is owned by its owner; a
    /// Lock (no owner) counts as owned by anyone while it is locked.
    pub(crate) fn owned_by(&self, tid: Tid) -> bool {
        if self.reentrant {
            self.holder == Some(tid)
        } else {
            self.count > 0
        }
    }
}

impl ObjState {
    /// A fresh, unlocked `Lock`.
    pub(crate) fn new_lock() -> Self {
        ObjState::Lock(LockState::new("Lock", false))
    }

    /// A fresh, unlocked std-style `Mutex`: a `Lock` that reports as one.
    pub(crate) fn new_mutex() -> Self {
        ObjState::Lock(LockState::new("Mutex", false))
    }

    /// A fresh, unowned `RLock`.
    pub(crate) fn new_rlock() -> Self {
        ObjState::Lock(LockState::new("RLock", true))
    }
}

impl Exec {
    /// `acquire` of a Lock or (`REENTRANT`) an RLock: takes it if `tid`
    /// may (an RLock's owner takes one more level, with no edge); the
    /// result says whether. The operation tells which kind the lock is, so
    /// each kind gets its own code on the hot path.
    #[inline(always)]
    pub(in crate::rt) fn lock_acquire<const REENTRANT: bool>(
        &mut self,
        tid: Tid,
        lock: ObjId,
    ) -> OpResult {
        let thread = &mut self.threads[tid];
        let object = &mut self.objects[lock.index()];
        let state = object.state.lock_mut();
        debug_assert_eq!(state.reentrant, REENTRANT);
        if state.count > 0 {
            if REENTRANT && state.holder == Some(tid) {
                state.count += 1;
                return OpResult::Bool(true);
            }
            return OpResult::Bool(false);
        }
        state.count = 1;
        state.holder = Some(tid);
        thread.clock.join(&state.clock);
        let from = object.released_at;
        self.sync_edge(from, EdgeKind::Lock, Some(lock));
        OpResult::Bool(true)
    }

    /// Thread `tid` acquires what the last release of `lock` released,
    /// without taking it (a once-cell seen initialised: `api_current.rs`).
    pub(in crate::rt) fn lock_join_released(&mut self, tid: Tid, lock: ObjId) {
        let object = &self.objects[lock.index()];
        self.threads[tid].clock.join(&object.state.lock().clock);
        let from = object.released_at;
        self.sync_edge(from, EdgeKind::Lock, Some(lock));
    }

    /// `release` of a Lock or (`REENTRANT`) an RLock; releasing a Lock
    /// that is not locked, or an RLock `tid` does not own, is Python's
    /// `RuntimeError`.
    #[inline(always)]
    pub(in crate::rt) fn lock_release<const REENTRANT: bool>(
        &mut self,
        tid: Tid,
        lock: ObjId,
        location: &'static Location<'static>,
    ) -> OpResult {
        let thread = &mut self.threads[tid];
        let object = &mut self.objects[lock.index()];
        let state = object.state.lock_mut();
        debug_assert_eq!(state.reentrant, REENTRANT);
        let owned = if REENTRANT {
            state.holder == Some(tid)
        } else {
            state.count > 0
        };
        if !owned {
            let owner = REENTRANT.then_some(state.holder);
            self.bad_release(tid, lock, location, owner);
            return OpResult::Unit;
        }
        if REENTRANT {
            state.count -= 1;
        } else {
            state.count = 0;
        }
        if state.count == 0 {
            state.holder = None;
            state.clock.copy_from(&thread.clock);
            thread.clock.tick(tid);
            object.released_at = self.steps;
        }
        OpResult::Unit
    }

    /// Releases every level `tid` holds (Python's `_release_save`, the
    /// first step of `Condition::wait`); returns how many.
    pub(in crate::rt) fn lock_release_all(&mut self, tid: Tid, lock: ObjId) -> u32 {
        let thread = &mut self.threads[tid];
        let object = &mut self.objects[lock.index()];
        let state = object.state.lock_mut();
        let levels = state.count;
        state.count = 0;
        state.holder = None;
        state.clock.copy_from(&thread.clock);
        thread.clock.tick(tid);
        object.released_at = self.steps;
        levels
    }

    /// Takes the lock back with `levels` levels (Python's
    /// `_acquire_restore`, the end of `Condition::wait`).
    pub(in crate::rt) fn lock_acquire_levels(&mut self, tid: Tid, lock: ObjId, levels: u32) {
        let thread = &mut self.threads[tid];
        let object = &mut self.objects[lock.index()];
        let state = object.state.lock_mut();
        state.count += levels;
        state.holder = Some(tid);
        thread.clock.join(&state.clock);
        let from = object.released_at;
        self.sync_edge(from, EdgeKind::Lock, Some(lock));
    }

    /// A release that Python refuses with a `RuntimeError`: of a Lock that
    /// is not locked (`rlock_owner` is `None`), or of an RLock that `tid`
    /// does not hold (`rlock_owner` is `Some` of its owner).
    #[cold]
    #[inline(never)]
    fn bad_release(
        &mut self,
        tid: Tid,
        lock: ObjId,
        location: &'static Location<'static>,
        rlock_owner: Option<Option<Tid>>,
    ) {
        let (what, but) = match rlock_owner {
            None => ("release unlocked lock", "it was not locked".to_string()),
            Some(owner) => (
                "cannot release un-acquired lock",
                match owner {
                    Some(o) => format!("it is held by {}", self.threads[o].name),
                    None => "it is not held by anyone".to_string(),
                },
            ),
        };
        let msg = format!(
            "RuntimeError: {what}\n  {} released {} at {}, but {but}",
            self.threads[tid].name,
            self.objects[lock.index()],
            location
        );
        self.fail(FailureKind::Misuse, msg, Some(tid), true);
    }
}

/// Every lock operation writes its lock but `locked()`, which reads it.
/// Blocking acquires, releases and `locked()` are reduced by the optimal
/// DPOR; a non-blocking or timed acquire is not (a failed try-lock
/// interacts with the acquire-acquire races in a way the reduction does
/// not handle soundly).
pub(crate) fn footprint(op: Op) -> Footprint {
    match op {
        Op::LockAcquire { lock, deadline } | Op::RLockAcquire { lock, deadline } => {
            let f = Footprint::writes(lock);
            if deadline.is_none() {
                f.reducible()
            } else {
                f
            }
        }
        Op::LockRelease { lock } | Op::RLockRelease { lock } => Footprint::writes(lock).reducible(),
        Op::LockLocked { lock } => Footprint::reads(lock).reducible(),
        _ => Footprint::NOTHING,
    }
}
