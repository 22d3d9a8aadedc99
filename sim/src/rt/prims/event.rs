//! Python's `Event`: a flag that `set` raises, `clear` lowers and `wait`
//! waits for. A set joins the setter's clock into the event's; a wait (or
//! `is_set`) that sees the flag up joins it, with an `Event` edge from the
//! last set.
//!
//! A waiter that blocked, then saw set-and-clear before it ran, stays
//! blocked: the same outcome as a Python thread that entered `wait` after
//! the clear. The event records its last set and clear for the deadlock
//! report's lost wake-up line ([`Exec::event_lost_wakeup`]).

use super::super::clock::VectorClock;
use super::super::dependence::Footprint;
use super::super::op::{ObjId, Op, OpResult, Tid};
use super::super::{EdgeKind, Exec};
use super::ObjState;

/// The state of an `Event`.
#[derive(Debug)]
pub(crate) struct EventState {
    flag: bool,
    /// Joined by every set; joined by every wait that returns true.
    clock: VectorClock,
    /// The last set and clear: (step, thread), for the lost wake-up
    /// diagnosis.
    last_set: Option<(u64, Tid)>,
    last_clear: Option<(u64, Tid)>,
}

impl ObjState {
    /// A fresh, unset `Event`.
    pub(crate) fn new_event() -> Self {
        ObjState::Event(EventState {
            flag: false,
            clock: VectorClock::new(),
            last_set: None,
            last_clear: None,
        })
    }
}

impl Exec {
    pub(super) fn event_can_complete(&self, op: Op) -> bool {
        match op {
            Op::EventWait { event, .. } => self.objects[event.index()].state.event().flag,
            _ => true,
        }
    }

    pub(super) fn event_complete(&mut self, tid: Tid, op: Op) -> OpResult {
        let step = self.steps;
        match op {
            Op::EventSet { event } => {
                let thread = &mut self.threads[tid];
                let state = self.objects[event.index()].state.event_mut();
                state.flag = true;
                state.last_set = Some((step, tid));
                state.clock.join(&thread.clock);
                thread.clock.tick(tid);
                self.objects[event.index()].released_at = step;
                OpResult::Unit
            }
            Op::EventClear { event } => {
                let state = self.objects[event.index()].state.event_mut();
                state.flag = false;
                state.last_clear = Some((step, tid));
                OpResult::Unit
            }
            Op::EventIsSet { event } | Op::EventWait { event, .. } => {
                let thread = &mut self.threads[tid];
                let state = self.objects[event.index()].state.event();
                let flag = state.flag;
                if flag {
                    thread.clock.join(&state.clock);
                    let from = self.objects[event.index()].released_at;
                    self.sync_edge(from, EdgeKind::Event, Some(event));
                }
                OpResult::Bool(flag)
            }
            _ => unreachable!("not an Event operation: {op:?}"),
        }
    }

    /// The deadlock report's lost wake-up line for `tid`, waiting for ever
    /// on `event`: it was set earlier (and cleared) before `tid` looked.
    pub(in crate::rt) fn event_lost_wakeup(
        &self,
        tid: Tid,
        event: ObjId,
        event_at: impl Fn(u64, Tid) -> String,
    ) -> Option<String> {
        let name = &self.threads[tid].name;
        let state = self.objects[event.index()].state.event();
        let (set, set_by) = state.last_set?;
        let cleared = state
            .last_clear
            .map(|(step, by)| format!(" and cleared ({})", event_at(step, by)))
            .unwrap_or_default();
        Some(format!(
            "  lost wake-up: {name} waits on {} forever, but it was set earlier ({}){cleared} \
             before {name} waited",
            self.objects[event.index()],
            event_at(set, set_by)
        ))
    }
}

/// `is_set` and `wait` read the event (they look at the flag and join its
/// clock, changing nothing); set and clear write it. Reduced by the optimal
/// DPOR, except a wait with a timeout (a blocking wait waits for the flag:
/// see `explore/exhaustive/guards.rs`).
pub(crate) fn footprint(op: Op) -> Footprint {
    match op {
        Op::EventWait {
            event,
            deadline: Some(_),
        } => Footprint::reads(event),
        Op::EventIsSet { event } | Op::EventWait { event, .. } => {
            Footprint::reads(event).reducible()
        }
        Op::EventSet { event } | Op::EventClear { event } => Footprint::writes(event).reducible(),
        _ => Footprint::NOTHING,
    }
}
