//! loom's `Notify` (`sim::sync::Notify`): a single permit. `notify` stores
//! it (a second `notify` before a `wait` changes nothing) and joins the
//! notifier's clock into the object's; `wait` is enabled once the permit is
//! there, consumes it and joins the clock, with a `Notify` edge from the
//! last `notify`.
//!
//! Spurious wake-ups, as loom's: with `Builder::spurious_wakeups` on, each
//! `Notify` may wake its waiter once without a permit (loom allows one per
//! object, which keeps `while !done { notify.wait() }` loops finite). Such
//! a `wait` is enabled before any `notify`; performed then, it returns
//! without consuming anything.

use super::super::clock::VectorClock;
use super::super::dependence::Footprint;
use super::super::op::{Op, OpResult, Tid};
use super::super::{EdgeKind, Exec};
use super::ObjState;

/// The state of a `Notify`.
#[derive(Debug)]
pub(crate) struct NotifyState {
    /// The permit.
    notified: bool,
    /// Whether its one spurious wake-up has happened.
    did_spur: bool,
    /// Joined by every `notify`; joined by the `wait` that consumes it.
    clock: VectorClock,
}

impl ObjState {
    /// A fresh `Notify`, without a permit.
    pub(crate) fn new_notify() -> Self {
        ObjState::Notify(NotifyState {
            notified: false,
            did_spur: false,
            clock: VectorClock::new(),
        })
    }
}

impl Exec {
    pub(super) fn notify_can_complete(&self, op: Op) -> bool {
        match op {
            Op::NotifyWait { notify } => {
                let n = self.objects[notify.index()].state.notify();
                n.notified || (self.cfg.spurious_wakeups && !n.did_spur)
            }
            _ => true,
        }
    }

    /// `notify` gives `Unit`; `wait` gives `Bool(true)` when it consumed
    /// the permit, `Bool(false)` for a spurious wake-up.
    pub(super) fn notify_complete(&mut self, tid: Tid, op: Op) -> OpResult {
        let step = self.steps;
        let thread = &mut self.threads[tid];
        match op {
            Op::NotifyNotify { notify } => {
                let object = &mut self.objects[notify.index()];
                let n = object.state.notify_mut();
                n.notified = true;
                n.clock.join(&thread.clock);
                thread.clock.tick(tid);
                object.released_at = step;
                OpResult::Unit
            }
            Op::NotifyWait { notify } => {
                let object = &mut self.objects[notify.index()];
                let from = object.released_at;
                let n = object.state.notify_mut();
                if n.notified {
                    n.notified = false;
                    thread.clock.join(&n.clock);
                    self.sync_edge(from, EdgeKind::Notify, Some(notify));
                    OpResult::Bool(true)
                } else {
                    n.did_spur = true;
                    OpResult::Bool(false)
                }
            }
            _ => unreachable!("not a Notify operation: {op:?}"),
        }
    }
}

/// `notify` and `wait` write the object. Reduced by the optimal DPOR: a
/// `wait` is a blocking event whose guard is the permit
/// (`explore/exhaustive/guards.rs`), which only these two operations
/// change (a spurious wake-up is a candidate the reduction does not model:
/// with `Builder::spurious_wakeups` the search is unreduced).
pub(crate) fn footprint(op: Op) -> Footprint {
    match op {
        Op::NotifyNotify { notify } | Op::NotifyWait { notify } => {
            Footprint::writes(notify).reducible()
        }
        _ => Footprint::NOTHING,
    }
}
