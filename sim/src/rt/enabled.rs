//! The enabled set, as specified: which threads can take the next step,
//! with which operation or timeout, and when the virtual clock moves or the
//! execution is a deadlock. [`Exec::compute_general`] is the
//! specification for every configuration; the fast paths in `fast.rs` must
//! agree with it (debug builds check that they do, at every step).
//!
//! Under `Timing::Exact` a timed operation times out only once its
//! deadline has passed and it cannot complete. Under `Timing::Adversarial`
//! the clock is a lower bound: a sleep is a yield, and a timed wait that
//! has waited may time out at any scheduling point, even when it could now
//! complete (the release came too late). If no thread is enabled the clock
//! jumps to the earliest pending deadline; if there is none, it is a
//! deadlock (`deadlock.rs` writes the report).
//!
//! An operation that never had to wait completes: a timed acquire of a free
//! lock, a timed wait on a set event, a `try_acquire` never fail, as in
//! Python; only once a timed operation has been blocked
//! (`ThreadState::waited`) may Adversarial timing offer both its completion
//! and its timeout. With spurious wake-ups on, a waiting `CondBlock` always
//! has a timeout candidate too; performed before its deadline it is a
//! spurious wake-up; the same for a waiting `Park`, but a program whose
//! threads could only wake spuriously from parks is a deadlock (as in
//! shuttle: nothing guarantees a spurious wake-up). Timing changes nothing else: `can_complete` (a sleep is
//! a yield), the candidates pushed here, and `Exec::time_out` (a timeout
//! moves the clock up to its deadline).
//!
//! Kill faults (`ExecConfig::kill_max`): while fewer kills happened and
//! some thread is enabled, one `Kill` candidate per live non-main process
//! is appended (`rt/process.rs`); kills are not offered when nothing else is
//! enabled, so a program stuck with a live child is a deadlock, not rescued
//! by a kill.

use super::op::{Nanos, Op, Tid};
use super::{deadlock, Candidate, Exec, Life};
use crate::failure::FailureKind;

impl Exec {
    /// Pushes the candidates of thread `tid` (none if it is blocked).
    ///
    /// Under `Timing::Exact` a timed operation times out only once its
    /// deadline has passed and it cannot complete. Under
    /// `Timing::Adversarial` it may time out before its deadline while it
    /// waits, and, once it has waited, even when it could now complete (the
    /// release came too late): both candidates are pushed. An operation that
    /// never had to wait (a timed acquire of a free lock) just completes, as
    /// in Python. With spurious wake-ups on, a condition waiter may always
    /// wake; with spurious parks on, a parked thread.
    pub(super) fn push_candidates(&mut self, tid: Tid) {
        let op = self.threads[tid].pending;
        let can = self.can_complete(tid, &op);
        if can {
            self.cache.enabled.push(Candidate {
                tid,
                op,
                timeout: false,
            });
            // The hot path: only an adversarial wait that has waited may
            // also time out.
            if !(self.cfg.adversarial && self.threads[tid].waited) {
                return;
            }
        } else {
            self.threads[tid].waited = true;
        }
        let waited = self.threads[tid].waited;
        let times_out = match op.deadline() {
            Some(_) if matches!(op, Op::Sleep { .. }) => false,
            Some(d) if self.cfg.adversarial => {
                (!can || (waited && d > self.now)) && self.can_time_out(op)
            }
            Some(d) => !can && self.now >= d && self.can_time_out(op),
            None => false,
        };
        let spurious = !can
            && match op {
                Op::CondBlock { .. } => self.cfg.spurious_wakeups,
                Op::Park { .. } => self.cfg.spurious_parks,
                _ => false,
            };
        if times_out || spurious {
            self.cache.enabled.push(Candidate {
                tid,
                op,
                timeout: true,
            });
        }
    }

    /// Whether the candidates from index `from` on are all spurious
    /// wake-ups of parks.
    fn only_spurious_parks(&self, from: usize) -> bool {
        self.cache.enabled[from..]
            .iter()
            .all(|c| self.is_spurious_park(c))
    }

    /// Checks the step limit before a step; false (and a `StepLimit`
    /// failure) when it is reached.
    #[inline]
    pub(super) fn within_step_limit(&mut self) -> bool {
        if self.steps >= self.cfg.max_steps {
            if !self.cfg.step_limit_fails {
                // Cut short, not failed: the threads left unfinished skip
                // the end-of-execution checks.
                self.terminal = true;
                return false;
            }
            let msg = self.step_limit_message();
            self.fail(FailureKind::StepLimit, msg, None, true);
            return false;
        }
        true
    }

    /// [`Exec::compute_all`] for any configuration.
    pub(super) fn compute_general(&mut self) -> bool {
        loop {
            self.cache.enabled.clear();
            let mut live = false;
            let mut runnable = false;
            let mut next_deadline: Option<Nanos> = None;
            for tid in 0..self.threads.len() {
                let t = &self.threads[tid];
                if t.life == Life::Finished {
                    continue;
                }
                if !live {
                    live = !t.daemon && (t.process == 0 || !self.procs[t.process as usize].daemon);
                }
                let before = self.cache.enabled.len();
                self.push_candidates(tid);
                // A thread whose only candidate is a spurious wake-up of a
                // park counts as blocked (see `prims/thread.rs`).
                let blocked = self.cache.enabled.len() == before
                    || (self.cfg.spurious_parks && self.only_spurious_parks(before));
                if !blocked {
                    runnable = true;
                }
                if blocked {
                    if let Some(d) = self.threads[tid]
                        .pending
                        .deadline()
                        .filter(|&d| d > self.now)
                    {
                        next_deadline = Some(next_deadline.map_or(d, |n: Nanos| n.min(d)));
                    }
                }
            }
            if !live {
                return false;
            }
            if !runnable {
                self.cache.enabled.clear();
            }
            if !self.cache.enabled.is_empty() && self.kills < self.cfg.kill_max {
                self.push_kill_candidates();
            }
            if !self.cache.enabled.is_empty() {
                return self.within_step_limit();
            }
            match next_deadline {
                Some(d) => self.now = d,
                None => {
                    let (msg, key) = deadlock::report(self);
                    self.fail_keyed(FailureKind::Deadlock, msg, key, None, true);
                    return false;
                }
            }
        }
    }

    pub(super) fn step_limit_message(&self) -> String {
        let mut msg = format!(
            "step limit: the execution ran {} steps without finishing: it exceeded max_steps bound \
             (possible livelock); raise it with Builder::max_steps if the program is just long.\n  \
             still running:",
            self.steps
        );
        for c in &self.cache.enabled {
            let t = &self.threads[c.tid];
            msg.push_str(&format!(
                "\n    {} about to {} at {}",
                t.name, c.op, t.location
            ));
        }
        msg
    }
}
