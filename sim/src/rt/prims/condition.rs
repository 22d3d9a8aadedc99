//! Python's `Condition` over a Lock or an RLock.
//!
//! `wait` is three steps: `CondWait` checks ownership, enqueues the thread
//! and releases the lock fully (never blocks); `CondBlock` blocks until the
//! thread is notified, times out or (when enabled) wakes spuriously;
//! `CondReacquire` takes the lock back with every level. A notify joins the
//! notifier's clock into the condition's; a notified waiter joins it, with
//! a `Notify` edge from the notify that woke it. A waiter stays in the
//! queue until it has re-acquired the lock, even after a timeout, so a
//! notify can still pick it (as in CPython).
//!
//! Splitting the wake-up from the re-acquire keeps CPython's timing: a
//! timeout fires at its deadline even while the notifier holds the lock.
//! The re-acquire's `Op::object` is the lock, so the scheduler and the
//! deadlock report see an acquire. Lost wake-ups: the condition records
//! its last notify and each waiter the last notify before it began to
//! wait; a thread left blocked that missed one gets a "lost wake-up" line
//! in the deadlock report ([`Exec::cond_lost_wakeup`]).

use std::panic::Location;

use smallvec::SmallVec;

use super::super::clock::VectorClock;
use super::super::dependence::Footprint;
use super::super::op::{Nanos, ObjId, Op, OpResult, Tid};
use super::super::{EdgeKind, Exec};
use super::ObjState;
use crate::failure::FailureKind;

/// The state of a `Condition`.
#[derive(Debug)]
pub(crate) struct CondState {
    /// The Lock or RLock it is built over; a std `Condvar`'s `Mutex`, once
    /// its first wait has bound it (`None` before).
    lock: Option<ObjId>,
    /// A std `Condvar`: bound to its `Mutex` by the first wait, notified
    /// without holding it; waiting with a second `Mutex` is a misuse.
    std_condvar: bool,
    /// Waiters in arrival order (Python's `_waiters` deque). Two fit
    /// inline: a new Condition's first wait does not allocate.
    waiters: SmallVec<[CondWaiter; 2]>,
    /// Joined by every notify; joined by every notified waiter.
    clock: VectorClock,
    /// The last notify: (step, thread), for the lost wake-up diagnosis (a
    /// waiter that began waiting after it missed it).
    last_notify: Option<(u64, Tid)>,
    /// A std `Condvar`'s outstanding `notify_one`s (their steps): std
    /// wakes *some* waiter, so each may be taken by any thread that was
    /// waiting when it came; which one is a scheduling choice.
    grants: SmallVec<[u64; 2]>,
}

/// One thread inside `Condition::wait`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CondWaiter {
    tid: Tid,
    /// The condition's last notify before this thread began to wait: the
    /// wake-up it missed, for the lost wake-up diagnosis.
    missed: Option<(u64, Tid)>,
    /// Step of the notify that woke it (0: not notified).
    notified_at: u64,
    /// Step at which it began to wait (a std `Condvar`'s waiter may take a
    /// `notify_one` that came later).
    since: u64,
    /// RLock levels released by `wait`, restored by the re-acquire.
    levels: u32,
}

impl ObjState {
    /// A fresh `Condition` over the Lock or RLock `lock`.
    pub(crate) fn new_condition(lock: ObjId) -> Self {
        ObjState::Condition(CondState {
            lock: Some(lock),
            std_condvar: false,
            waiters: SmallVec::new(),
            clock: VectorClock::new(),
            last_notify: None,
            grants: SmallVec::new(),
        })
    }
}

impl CondState {
    pub(crate) fn kind(&self) -> &'static str {
        if self.std_condvar {
            "Condvar"
        } else {
            "Condition"
        }
    }
}

impl ObjState {
    /// A fresh std `Condvar`, not bound to a `Mutex` yet.
    pub(crate) fn new_condvar() -> Self {
        ObjState::Condition(CondState {
            lock: None,
            std_condvar: true,
            waiters: SmallVec::new(),
            clock: VectorClock::new(),
            last_notify: None,
            grants: SmallVec::new(),
        })
    }
}

impl Exec {
    pub(super) fn cond_can_complete(&self, tid: Tid, op: Op) -> bool {
        match op {
            Op::CondBlock { cond, .. } => {
                let state = self.objects[cond.index()].state.condition();
                state.waiters.iter().any(|w| {
                    w.tid == tid
                        && (w.notified_at != 0 || state.grants.iter().any(|&g| g > w.since))
                })
            }
            Op::CondReacquire { lock, .. } => {
                self.objects[lock.index()].state.lock().can_acquire(tid)
            }
            _ => true,
        }
    }

    /// The timeout candidate of a `CondBlock` with this deadline, when it
    /// is a spurious wake-up rather than a timeout: the waiter stays in the
    /// queue (not notified) until its re-acquire drops it.
    pub(super) fn cond_spurious_wakeup(&self, deadline: Option<Nanos>) -> Option<OpResult> {
        let timed_out = deadline.is_some_and(|d| self.cfg.adversarial || self.now >= d);
        (!timed_out).then_some(OpResult::Bool(true))
    }

    pub(super) fn cond_complete(
        &mut self,
        tid: Tid,
        op: Op,
        location: &'static Location<'static>,
    ) -> OpResult {
        let step = self.steps;
        match op {
            Op::CondWait { cond, lock } => {
                let state = self.objects[cond.index()].state.condition_mut();
                if state.std_condvar {
                    match state.lock {
                        None => state.lock = Some(lock),
                        Some(bound) if bound != lock => {
                            self.condvar_two_mutexes(tid, cond, bound, lock, location);
                            return OpResult::Unit;
                        }
                        Some(_) => {}
                    }
                }
                if !self.objects[lock.index()].state.lock().owned_by(tid) {
                    self.cond_unowned(tid, cond, "wait", location);
                    return OpResult::Unit;
                }
                let levels = self.lock_release_all(tid, lock);
                let state = self.objects[cond.index()].state.condition_mut();
                let missed = state.last_notify;
                state.waiters.push(CondWaiter {
                    tid,
                    missed,
                    notified_at: 0,
                    since: step,
                    levels,
                });
                OpResult::Unit
            }
            Op::CondBlock { cond, .. } => {
                let thread = &mut self.threads[tid];
                let state = self.objects[cond.index()].state.condition_mut();
                // A std waiter woken by a `notify_one` takes that notify.
                let grants = &mut state.grants;
                if let Some(w) = state
                    .waiters
                    .iter_mut()
                    .find(|w| w.tid == tid && w.notified_at == 0)
                {
                    if let Some(i) = grants.iter().position(|&g| g > w.since) {
                        w.notified_at = grants.remove(i);
                    }
                }
                thread.clock.join(&state.clock);
                let notified_at = state
                    .waiters
                    .iter()
                    .find(|w| w.tid == tid)
                    .map_or(0, |w| w.notified_at);
                self.sync_edge(notified_at, EdgeKind::Notify, Some(cond));
                OpResult::Bool(true)
            }
            Op::CondReacquire { lock, cond } => {
                let waiters = &mut self.objects[cond.index()].state.condition_mut().waiters;
                let levels = match waiters.iter().position(|w| w.tid == tid) {
                    Some(i) => waiters.remove(i).levels,
                    None => 1,
                };
                self.lock_acquire_levels(tid, lock, levels);
                OpResult::Unit
            }
            Op::CondNotify { cond, n } => {
                let state = self.objects[cond.index()].state.condition();
                let owned = match state.lock {
                    _ if state.std_condvar => true,
                    Some(lock) => self.objects[lock.index()].state.lock().owned_by(tid),
                    None => true,
                };
                if !owned {
                    self.cond_unowned(tid, cond, op.name(), location);
                    return OpResult::Unit;
                }
                let thread = &mut self.threads[tid];
                let state = self.objects[cond.index()].state.condition_mut();
                let waiting = state.waiters.iter().filter(|w| w.notified_at == 0).count();
                if state.std_condvar && n == 1 {
                    // Any waiter may take it (see `grants`).
                    if waiting > state.grants.len() {
                        state.grants.push(step);
                    }
                } else {
                    for w in state
                        .waiters
                        .iter_mut()
                        .filter(|w| w.notified_at == 0)
                        .take(n as usize)
                    {
                        w.notified_at = step;
                    }
                }
                state.last_notify = Some((step, tid));
                state.clock.join(&thread.clock);
                thread.clock.tick(tid);
                OpResult::Unit
            }
            _ => unreachable!("not a Condition operation: {op:?}"),
        }
    }

    /// A wait or notify without holding the condition's lock: Python's
    /// `RuntimeError`.
    #[cold]
    fn cond_unowned(
        &mut self,
        tid: Tid,
        cond: ObjId,
        what: &str,
        location: &'static Location<'static>,
    ) {
        let lock = self.objects[cond.index()]
            .state
            .condition()
            .lock
            .expect("a Python Condition has its lock");
        let verb = if what == "wait" { "wait" } else { "notify" };
        let msg = format!(
            "RuntimeError: cannot {verb} on un-acquired lock\n  {} called {what} on {} at {}, \
             without holding its lock {}",
            self.threads[tid].name,
            self.objects[cond.index()],
            location,
            self.objects[lock.index()]
        );
        self.fail(FailureKind::Misuse, msg, Some(tid), true);
    }

    /// A std `Condvar` waited on with a second `Mutex`: std panics
    /// ("attempted to use a condition variable with two mutexes").
    #[cold]
    fn condvar_two_mutexes(
        &mut self,
        tid: Tid,
        cond: ObjId,
        bound: ObjId,
        lock: ObjId,
        location: &'static Location<'static>,
    ) {
        let msg = format!(
            "attempted to use a condition variable with two mutexes\n  {} waited on {} with {} at {}, \
             but it was first used with {}",
            self.threads[tid].name,
            self.objects[cond.index()],
            self.objects[lock.index()],
            location,
            self.objects[bound.index()]
        );
        self.fail(FailureKind::Misuse, msg, Some(tid), true);
    }

    /// The deadlock report's lost wake-up line for `tid`, blocked in a wait
    /// on `cond`: it was notified earlier, before `tid` began to wait.
    pub(in crate::rt) fn cond_lost_wakeup(
        &self,
        tid: Tid,
        cond: ObjId,
        event_at: impl Fn(u64, Tid) -> String,
    ) -> Option<String> {
        let name = &self.threads[tid].name;
        let waiter = self.objects[cond.index()]
            .state
            .condition()
            .waiters
            .iter()
            .find(|w| w.tid == tid && w.notified_at == 0)?;
        let (step, by) = waiter.missed?;
        Some(format!(
            "  lost wake-up: {name} waits on {} forever, but it was notified earlier \
             ({}), before {name} began to wait: that wake-up was lost",
            self.objects[cond.index()],
            event_at(step, by)
        ))
    }
}

/// A wait's first step writes the condition and releases its lock; the
/// re-acquire writes the lock and leaves the condition's queue; a block and
/// a notify write the condition. Reduced by the optimal DPOR except a block
/// with a timeout (the block waits to be notified and the re-acquire for
/// the lock: see `explore/exhaustive/guards.rs`).
pub(crate) fn footprint(op: Op) -> Footprint {
    match op {
        Op::CondWait { cond, lock } | Op::CondReacquire { lock, cond } => {
            Footprint::writes_both(cond, lock).reducible()
        }
        Op::CondBlock {
            cond,
            deadline: None,
        }
        | Op::CondNotify { cond, .. } => Footprint::writes(cond).reducible(),
        Op::CondBlock { cond, .. } => Footprint::writes(cond),
        _ => Footprint::NOTHING,
    }
}
