//! One step: performing the chosen candidate ([`Exec::perform`]: the
//! operation's effects through its primitive's table in `prims/`, the
//! spawn edge of a thread's first event, the event log and the path hash),
//! and the inline step ([`Exec::step_inline`]), which runs a step with a
//! single candidate on the green thread that announced it.
//!
//! Inline steps are taken only for schedulers that are not asked at every
//! step (Random, PCT, POS; not the exhaustive searches or `s1:` replays).
//! They compute in the loop's order, so schedules, tokens and traces are
//! the same with or without them (`rt/tests.rs` compares them). The
//! runtime's step code then runs on the green thread's stack (leave it a
//! few KiB), and a panic of that code is caught with the thread's own
//! panics: it is reported as a `Panic` failure of that thread instead of
//! unwinding out of `run_execution`.

use super::clock::VectorClock;
use super::exec::Log;
use super::green::GreenThread;
use super::op::{OpResult, Tid};
use super::{Candidate, EdgeKind, Event, Exec, Life};

impl Exec {
    /// Runs the step after `tid` announced its operation without leaving
    /// `tid`'s green thread, when nothing is to be chosen: no new thread
    /// waits to start, and `tid`'s operation is the only enabled candidate.
    /// Returns the operation's result for `tid` to go on with, or `None`
    /// when `tid` must suspend: the scheduler loop then takes the step, using
    /// the enabled set computed here (`self.cache.computed`).
    ///
    /// This performs the same steps, in the same order, as the scheduler
    /// loop would (see [`run_execution`]), so schedules, tokens and traces
    /// are unchanged; it saves the two context switches and the loop's
    /// bookkeeping of most steps (in random 2x3 lock increments, three steps
    /// in four have a single candidate, that of the thread which just ran).
    #[inline]
    pub(super) fn step_inline(&mut self, tid: Tid) -> Option<OpResult> {
        if !self.cache.unstarted.is_empty() || self.terminal {
            return None;
        }
        let go = self.compute_enabled();
        if !go || self.cache.enabled.len() != 1 || self.cache.enabled[0].tid != tid {
            self.cache.computed = Some(go);
            return None;
        }
        let (_, result) = self.perform(0);
        if let Some(heart) = &self.heart {
            heart.step(self.steps, self.threads[tid].location);
        }
        if self.terminal || self.threads[tid].life == Life::Finished {
            // The loop ends the execution, or never runs `tid` again.
            return None;
        }
        self.threads[tid].life = Life::Running;
        Some(result)
    }

    /// Makes `tid` the running thread and hands out its green thread, to
    /// be resumed.
    pub(super) fn run(&mut self, tid: Tid) -> Box<GreenThread> {
        self.current = tid;
        self.threads[tid].life = Life::Running;
        if let Some(heart) = &self.heart {
            heart.switch(self.steps, tid, self.threads[tid].location);
        }
        self.greens[tid]
            .take()
            .expect("sim: internal error: thread has no stack")
    }

    /// Performs the chosen candidate: the pending operation of its thread,
    /// or that operation's timeout.
    #[inline]
    pub(super) fn perform(&mut self, choice: usize) -> (Candidate, OpResult) {
        let c = self.cache.enabled[choice];
        let Candidate { tid, op, timeout } = c;
        let location = self.threads[tid].location;
        self.steps += 1;
        self.cache.local_step = (!timeout && op.is_local()).then_some(tid);
        // Only tracing records the clock the operation saw.
        let own_before = self
            .cfg
            .record_clocks
            .then(|| self.threads[tid].clock.get(tid));
        let thread = &mut self.threads[tid];
        if thread.last_step == 0 && thread.spawned_at != 0 {
            // The thread's first event: the spawn happens before it.
            let from = thread.spawned_at;
            self.sync_edge(from, EdgeKind::Spawn, None);
        }
        self.threads[tid].last_step = self.steps;
        // A timeout the fairness rule counts as a wake-up (a spurious one,
        // or under adversarial timing one before its deadline; not a
        // `try_lock`, whose deadline is now).
        let woke = self.cfg.yield_fairness
            && timeout
            && op
                .deadline()
                .is_none_or(|d| self.cfg.adversarial && d > self.now);
        let result = if timeout {
            self.time_out(op)
        } else {
            self.complete(tid, op, location)
        };
        if self.cfg.yield_fairness {
            self.note_fairness(tid, op, woke, location);
        }
        if let Some(own_before) = own_before {
            // The clock the operation saw: its joins included, its own tick
            // (release, spawn) not, so that an edge e -> f has clock(e) <= clock(f).
            let mut clock = self.threads[tid].clock.clone();
            clock.set(tid, own_before);
            self.log.record_clock(&clock);
        }
        // FNV-1a's multiplier: one xor and one multiply per step.
        self.log.path_hash = (self.log.path_hash ^ tid as u64).wrapping_mul(0x100_0000_01b3);
        if self.cfg.record_events {
            self.log.events.push(Event {
                step: self.steps,
                tid,
                // Read again from the enabled set, not from the copy `op`:
                // that copy is stored in pieces, and reading it back whole
                // stalled the CPU (a failed store-to-load forwarding: a fifth
                // of `perform`'s perf samples).
                op: self.cache.enabled[choice].op,
                result,
                time: self.now,
                location,
            });
        }
        (self.cache.enabled[choice], result)
    }
}

/// The clock entries a traced execution records at most: past them its
/// events get empty clocks. A clock has an entry per thread the thread has
/// heard of, so the clocks of a program of N threads that all synchronise
/// grow as N x events; the budget (16 MiB) keeps the trace of a program of
/// thousands of threads linear in its events.
pub(crate) const CLOCK_BUDGET: usize = 1 << 22;

impl Log {
    /// Records `clock` as the next event's (an empty one past the budget).
    pub(super) fn record_clock(&mut self, clock: &VectorClock) {
        let entries = clock.len();
        if self.clock_entries + entries <= CLOCK_BUDGET {
            self.clock_entries += entries;
            self.clocks.push(clock.clone());
        } else {
            self.clock_entries = CLOCK_BUDGET;
            self.clocks.push(VectorClock::new());
        }
    }

    /// Whether the last event's clock was recorded (within the budget).
    pub(super) fn clocks_recorded(&self) -> bool {
        self.clock_entries < CLOCK_BUDGET
    }
}
