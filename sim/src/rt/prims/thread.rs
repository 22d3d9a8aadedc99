//! Threads and the clock: `spawn`, `join` (with and without a timeout),
//! `sleep`, `yield_now`, and a new thread's `Start`.
//!
//! A spawn copies the parent's clock into the child and ticks the parent;
//! the child's first event has a `Spawn` edge from it. A join joins the
//! finished thread's clock, with a `Join` edge from its last event. A sleep
//! is enabled once the virtual clock reaches its deadline; under
//! `Timing::Adversarial` at once, the clock only moving up to the deadline
//! (a lower bound).
//!
//! Park and unpark (std's `thread::park`, `Thread::unpark`): each thread
//! has a token ([`ParkToken`], created by the first unpark of the thread).
//! `Unpark` sets it, joining the unparker's clock into the token's; `Park`
//! is enabled while it is set and consumes it, joining the token's clock
//! with an `Unpark` edge from the last unpark (so an unpark happens before
//! the park it releases). Tokens do not accumulate. A park's timeout
//! candidate (`Exec::time_out`) is a timeout once its deadline has passed
//! (or at any time under Adversarial timing), and otherwise, with
//! `Builder::spurious_parks` (or `spurious_wakeups`), a spurious wake-up: it returns without the
//! token and without moving the clock. As in shuttle, spurious wake-ups
//! never rescue a program: when the only candidates left are spurious
//! park wake-ups, it is a deadlock (`enabled.rs`).

use super::super::clock::VectorClock;
use super::super::dependence::{Footprint, Key};
use super::super::op::{Nanos, Op, OpResult, Tid};
use super::super::{two, Candidate, EdgeKind, Exec, Life, ThreadName};

/// A thread's park token.
#[derive(Debug)]
pub(crate) struct ParkToken {
    /// Whether an unpark is pending (the next park returns at once).
    set: bool,
    /// Joined by every unpark; joined by the park that consumes the token.
    clock: VectorClock,
    /// Step of the last unpark (0: none), for the `Unpark` edge.
    unparked_at: u64,
}

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
    pub(super) fn spawn_complete(
        &mut self,
        tid: Tid,
        daemon: bool,
        named: bool,
        task: bool,
    ) -> OpResult {
        let name = if named {
            ThreadName::Custom(String::new())
        } else {
            self.unnamed_threads += 1;
            ThreadName::Numbered(self.unnamed_threads)
        };
        let parent_clock = self.threads[tid].clock.clone();
        let eager = task || !self.cfg.lazy_start;
        let child = self.add_thread(name, daemon, parent_clock, self.steps, eager);
        self.threads[child].process = self.threads[tid].process;
        self.threads[tid].clock.tick(tid);
        OpResult::Spawned(child as u32)
    }

    /// `can_complete` of `Park`: its thread's token is set.
    pub(super) fn park_can_complete(&self, op: Op) -> bool {
        match op {
            Op::Park { me, .. } => self.threads[me as usize]
                .park
                .as_ref()
                .is_some_and(|t| t.set),
            _ => true,
        }
    }

    /// Completes `Park` (consumes the token: `Bool(true)`) or `Unpark`.
    pub(super) fn park_complete(&mut self, tid: Tid, op: Op) -> OpResult {
        match op {
            Op::Park { .. } => {
                let thread = &mut self.threads[tid];
                let token = thread
                    .park
                    .as_mut()
                    .expect("sim: internal error: park completed without a token");
                token.set = false;
                thread.clock.join(&token.clock);
                let from = token.unparked_at;
                self.sync_edge(from, EdgeKind::Unpark, None);
                OpResult::Bool(true)
            }
            Op::Unpark { target } => {
                let step = self.steps;
                let clock = self.threads[tid].clock.clone();
                let token = self.threads[target].park.get_or_insert_with(|| {
                    Box::new(ParkToken {
                        set: false,
                        clock: VectorClock::new(),
                        unparked_at: 0,
                    })
                });
                token.set = true;
                token.clock.join(&clock);
                token.unparked_at = step;
                self.threads[tid].clock.tick(tid);
                OpResult::Unit
            }
            _ => unreachable!("not a park operation: {op:?}"),
        }
    }

    /// The timeout candidate of a `Park` with this deadline, when it is a
    /// spurious wake-up rather than a timeout: `Bool(false)`, the clock
    /// unmoved.
    pub(super) fn park_spurious_wakeup(&self, deadline: Option<Nanos>) -> Option<OpResult> {
        self.park_wakeup_is_spurious(deadline)
            .then_some(OpResult::Bool(false))
    }

    fn park_wakeup_is_spurious(&self, deadline: Option<Nanos>) -> bool {
        !deadline.is_some_and(|d| self.cfg.adversarial || self.now >= d)
    }

    /// Whether `c` is only a spurious wake-up of a park: it does not count
    /// as a thread that can run (a program whose threads can only wake
    /// spuriously is a deadlock).
    pub(in crate::rt) fn is_spurious_park(&self, c: &Candidate) -> bool {
        match c.op {
            Op::Park { deadline, .. } => c.timeout && self.park_wakeup_is_spurious(deadline),
            _ => false,
        }
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

/// A thread's start (its first step, which runs it up to its first
/// operation) and a yield touch nothing; a spawn writes the spawn counter (non-daemon
/// spawns are reduced); a join joins its target. Timed joins are not
/// reduced. Park and unpark write the
/// parked thread's token.
pub(crate) fn footprint(op: Op) -> Footprint {
    match op {
        Op::Start | Op::Yield => Footprint::NOTHING.reducible(),
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
        // A sleep touches nothing: under exact timing the clock orders
        // it (the explorer orders events of different virtual times);
        // under adversarial timing it moves the clock that other threads
        // read, and the optimal DPOR does not take it (`odpor.rs`).
        Op::Sleep { .. } => Footprint::NOTHING.reducible(),
        Op::JoinTimeout { target, .. } => Footprint {
            joins: Some(target),
            ..Footprint::NOTHING
        },
        // A park consumes its thread's token and an unpark sets it: both
        // write it. A park without a timeout is reduced by the optimal
        // DPOR (it waits for the token: `explore/exhaustive/guards.rs`);
        // a timed one is not (nor spurious wake-ups, which make the
        // reduction give up).
        Op::Park { me, deadline: None } => Footprint::one(Key::Parker(me as Tid), true).reducible(),
        Op::Park { me, .. } => Footprint::one(Key::Parker(me as Tid), true),
        Op::Unpark { target } => Footprint::one(Key::Parker(target), true).reducible(),
        _ => Footprint::NOTHING,
    }
}
