//! Python's `Barrier`, state for state (`threading.Barrier`'s `_state` and
//! `_count`).
//!
//! `wait` is `BarrierArrive` (blocks while the barrier drains or resets,
//! as Python's `_enter`; the last arrival runs the action) and, for all but
//! the last arrival, `BarrierBlock` (until the barrier releases, breaks or
//! resets, or the wait times out, which breaks it). `BarrierRelease` is the
//! last arrival's release after the action (or the break, when the action
//! panicked). Every arrival joins its clock into the barrier's; the last
//! arrival and every departure join it, with `Barrier` edges from each
//! arrival to the last one and from the release to each departure.
//!
//! CPython runs the action holding the barrier's lock: while it runs
//! (`BarrierPhase::Action`) every other barrier operation, and the waiters'
//! timeouts, wait. Arrival index and `n_waiting` follow CPython exactly.

use std::fmt::Write;

use super::super::clock::VectorClock;
use super::super::dependence::Footprint;
use super::super::op::{ObjId, Op, OpResult, Tid};
use super::super::{EdgeKind, Exec};
use super::ObjState;

/// The state of a `Barrier`.
#[derive(Debug)]
pub(crate) struct BarrierState {
    parties: u32,
    /// Threads inside `wait` (arrived, not yet left).
    count: u32,
    phase: BarrierPhase,
    /// Joined by every arrival; joined by every departure.
    clock: VectorClock,
    /// Steps of this round's arrivals (for happens-before edges).
    arrivals: Vec<u64>,
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
    /// A fresh barrier for `parties` threads.
    pub(crate) fn new_barrier(parties: u32) -> Self {
        ObjState::Barrier(BarrierState {
            parties,
            count: 0,
            phase: BarrierPhase::Filling,
            clock: VectorClock::new(),
            arrivals: Vec::new(),
        })
    }
}

impl BarrierState {
    /// How many threads it waits for.
    pub(crate) fn parties(&self) -> u32 {
        self.parties
    }
}

impl Exec {
    fn barrier_phase(&self, barrier: ObjId) -> BarrierPhase {
        self.objects[barrier.index()].state.barrier().phase
    }

    pub(super) fn barrier_can_complete(&self, op: Op) -> bool {
        use BarrierPhase::*;
        match op {
            Op::BarrierArrive { barrier } => {
                !matches!(self.barrier_phase(barrier), Action | Draining | Resetting)
            }
            Op::BarrierBlock { barrier, .. } => {
                !matches!(self.barrier_phase(barrier), Filling | Action)
            }
            Op::BarrierAbort { barrier } | Op::BarrierReset { barrier } => {
                self.barrier_phase(barrier) != Action
            }
            _ => true,
        }
    }

    /// A waiter cannot time out while the action runs (it holds the
    /// barrier's lock) nor once the barrier has released it.
    pub(super) fn barrier_can_time_out(&self, barrier: ObjId) -> bool {
        self.barrier_phase(barrier) == BarrierPhase::Filling
    }

    /// A waiter's timeout: Python's `_break`, the barrier is broken for
    /// everyone.
    pub(super) fn barrier_time_out(&mut self, barrier: ObjId) {
        let state = self.objects[barrier.index()].state.barrier_mut();
        state.phase = BarrierPhase::Broken;
        state.count -= 1;
    }

    pub(super) fn barrier_complete(&mut self, tid: Tid, op: Op) -> OpResult {
        let step = self.steps;
        match op {
            Op::BarrierArrive { barrier } => {
                let thread = &mut self.threads[tid];
                let state = self.objects[barrier.index()].state.barrier_mut();
                if state.phase == BarrierPhase::Broken {
                    return OpResult::Bool(false);
                }
                let index = state.count;
                if index == 0 {
                    state.arrivals.clear();
                }
                state.arrivals.push(step);
                state.count += 1;
                state.clock.join(&thread.clock);
                let last = index + 1 == state.parties;
                if last {
                    // The last arrival runs the action after every other
                    // arrival.
                    thread.clock.join(&state.clock);
                    state.phase = BarrierPhase::Action;
                }
                thread.clock.tick(tid);
                if last {
                    let n = state.arrivals.len() - 1;
                    for i in 0..n {
                        let from = self.objects[barrier.index()].state.barrier().arrivals[i];
                        self.sync_edge(from, EdgeKind::Barrier, Some(barrier));
                    }
                }
                OpResult::Value(index)
            }
            Op::BarrierBlock { barrier, .. } | Op::BarrierRelease { barrier, .. } => {
                let thread = &mut self.threads[tid];
                let object = &mut self.objects[barrier.index()];
                let from = object.released_at;
                let state = object.state.barrier_mut();
                let release = if let Op::BarrierRelease { ok, .. } = op {
                    state.phase = if ok {
                        BarrierPhase::Draining
                    } else {
                        BarrierPhase::Broken
                    };
                    // The action ran before every departure.
                    state.clock.join(&thread.clock);
                    thread.clock.tick(tid);
                    true
                } else {
                    false
                };
                let passed = state.phase == BarrierPhase::Draining;
                if passed {
                    thread.clock.join(&state.clock);
                }
                // Python's `_exit`.
                state.count -= 1;
                if state.count == 0
                    && matches!(
                        state.phase,
                        BarrierPhase::Draining | BarrierPhase::Resetting
                    )
                {
                    state.phase = BarrierPhase::Filling;
                }
                if release {
                    object.released_at = step;
                } else if passed {
                    self.sync_edge(from, EdgeKind::Barrier, Some(barrier));
                }
                OpResult::Bool(passed)
            }
            Op::BarrierAbort { barrier } | Op::BarrierReset { barrier } => {
                let state = self.objects[barrier.index()].state.barrier_mut();
                state.phase = match op {
                    Op::BarrierAbort { .. } => BarrierPhase::Broken,
                    _ if state.count == 0 => BarrierPhase::Filling,
                    _ => match state.phase {
                        BarrierPhase::Filling | BarrierPhase::Broken => BarrierPhase::Resetting,
                        other => other,
                    },
                };
                OpResult::Unit
            }
            Op::BarrierRead { barrier } => {
                let state = self.objects[barrier.index()].state.barrier();
                let waiting = match state.phase {
                    BarrierPhase::Filling | BarrierPhase::Action => state.count,
                    _ => 0,
                };
                let broken = u32::from(state.phase == BarrierPhase::Broken);
                OpResult::Value(waiting << 1 | broken)
            }
            _ => unreachable!("not a Barrier operation: {op:?}"),
        }
    }

    /// The deadlock report's lines for the barriers that blocked threads
    /// wait at: how many of its parties arrived, and who.
    pub(in crate::rt) fn barrier_summaries(&self, blocked: &[Tid], msg: &mut String) {
        for object in &self.objects {
            let ObjState::Barrier(state) = &object.state else {
                continue;
            };
            if state.phase != BarrierPhase::Filling {
                continue;
            }
            let waiters: Vec<String> = blocked
                .iter()
                .filter(|&&t| {
                    matches!(self.threads[t].pending,
                        Op::BarrierBlock { barrier, .. } if barrier == object.id)
                })
                .map(|&t| self.thread_name(t))
                .collect();
            if waiters.is_empty() {
                continue;
            }
            let _ = writeln!(
                msg,
                "  {object} has {} of {} parties waiting ({}); {} more never arrive",
                state.count,
                state.parties,
                waiters.join(", "),
                state.parties - state.count
            );
        }
    }
}

/// `n_waiting`/`broken` read the barrier; every other operation writes it.
/// Reduced by the optimal DPOR except a block with a timeout (each blocking
/// step waits for the barrier's phase: see `explore/exhaustive/guards.rs`).
pub(crate) fn footprint(op: Op) -> Footprint {
    match op {
        Op::BarrierRead { barrier } => Footprint::reads(barrier).reducible(),
        Op::BarrierBlock {
            barrier,
            deadline: Some(_),
        } => Footprint::writes(barrier),
        Op::BarrierArrive { barrier }
        | Op::BarrierBlock { barrier, .. }
        | Op::BarrierRelease { barrier, .. }
        | Op::BarrierAbort { barrier }
        | Op::BarrierReset { barrier } => Footprint::writes(barrier).reducible(),
        _ => Footprint::NOTHING,
    }
}
