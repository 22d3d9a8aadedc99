//! Threads and the clock: `spawn`, `join` (with and without a timeout),
//! `sleep`, `yield_now`, and a new thread's `Start`.
//!
//! A spawn copies the parent's clock into the child and ticks the parent;
//! the child's first event has a `Spawn` edge from it. A join joins the
//! finished thread's clock, with a `Join` edge from its last event. A sleep
//! is enabled once the virtual clock reaches its deadline; under
//! `Timing::Adversarial` at once, the clock only moving up to the deadline
//! (a lower bound).

use super::super::dependence::{Footprint, Key};
use super::super::op::{Nanos, Op, OpResult, Tid};
use super::super::{two, EdgeKind, Exec, Life, ThreadName};

impl Exec {
    /// `can_complete` of `Sleep`, `Join` and `JoinTimeout`.
    #[inline(always)]
    pub(super) fn thread_op_can_complete(&self, op: &Op) -> bool {
        match *op {
            Op::Sleep { until } => self.cfg.adversarial || self.now >= until,
            Op::Join { target } | Op::JoinTimeout { target, .. } => {
                self.threads[target].life == Life::Finished
            }
            _ => true,
        }
    }

    #[inline(always)]
    pub(super) fn sleep_complete(&mut self, until: Nanos) -> OpResult {
        // Under adversarial timing a sleep may run early: the clock only
        // moves up to its deadline, as a lower bound.
        self.now = self.now.max(until);
        OpResult::Unit
    }

    #[inline(always)]
    pub(super) fn spawn_complete(&mut self, tid: Tid, daemon: bool, named: bool) -> OpResult {
        let name = if named {
            ThreadName::Custom(String::new())
        } else {
            self.unnamed_threads += 1;
            ThreadName::Numbered(self.unnamed_threads)
        };
        let parent_clock = self.threads[tid].clock.clone();
        let child = self.add_thread(name, daemon, parent_clock, self.steps);
        self.threads[child].process = self.threads[tid].process;
        self.threads[tid].clock.tick(tid);
        OpResult::Spawned(child as u32)
    }

    #[inline(always)]
    pub(super) fn join_complete(&mut self, tid: Tid, target: Tid) -> OpResult {
        let (a, b) = two(&mut self.threads, tid, target);
        a.clock.join(&b.clock);
        let from = b.last_step;
        self.sync_edge(from, EdgeKind::Join, None);
        OpResult::Unit
    }
}

/// A yield touches nothing; a spawn writes the spawn counter (non-daemon
/// spawns are reduced); a join joins its target. Sleeps and timed joins
/// are not reduced (the clock orders them).
pub(crate) fn footprint(op: Op) -> Footprint {
    match op {
        Op::Yield => Footprint::NOTHING.reducible(),
        Op::Spawn { daemon, .. } => {
            let f = Footprint::one(Key::Spawns, true);
            if daemon {
                f
            } else {
                f.reducible()
            }
        }
        Op::Join { target } => Footprint {
            joins: Some(target),
            ..Footprint::NOTHING.reducible()
        },
        Op::JoinTimeout { target, .. } => Footprint {
            joins: Some(target),
            ..Footprint::NOTHING
        },
        _ => Footprint::NOTHING,
    }
}
