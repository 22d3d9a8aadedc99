//! The fairness rule of the exhaustive searches (`ExecConfig::yield_fairness`),
//! which keeps the search space of spin loops, sleep-polling loops and
//! timed-retry loops finite. It filters the enabled set; it never adds to
//! it.
//!
//! **Yields and sleeps** follow CHESS's fair scheduling (Musuvathi and
//! Qadeer, PLDI 2008), as loom does for `yield_now`. A thread `t` that
//! yields (`thread::yield_now`, `hint::spin_loop`, and under adversarial
//! timing a *polling* `sleep`: see below) is given a lower priority
//! than every other thread that could run at that moment: `t` is left out
//! of the enabled set while one of those threads can still run and has not
//! taken a step since. Once each of them has stepped or blocked, `t` may
//! run again. If the rule would leave nothing to run (every thread is below
//! another), it is lifted. A spin loop that waits for another thread then
//! cannot run for ever ahead of it, and two spinners cannot take turns for
//! ever while the thread they wait for is ready. The schedules left out are
//! those where a yielding thread goes on although another thread could
//! have moved first: a fair scheduler does not produce them for long, and a
//! yield itself changes nothing.
//!
//! **Async yields.** An async task's wait whose wake-up permit came from
//! its own thread (`sim::future::yield_now`, a future that wakes itself
//! and returns `Pending`) is a yield from the second such wait in a row
//! on: a spin loop over `yield_now().await` is lowered, a one-off yield is
//! not (as with sleeps, below).
//!
//! **Which sleeps are yields.** Under adversarial timing a sleep orders
//! nothing, so a thread that polls (`while !ready() { sleep(d) }`) is a spin
//! loop. But a one-off sleep (the notebook's `start(); sleep(2); start()`)
//! must not lower its thread: every order it allows is a real schedule,
//! and lowering it would lose some (the thread's next step before another
//! thread's first). So a sleep counts as a yield only when the same thread's
//! previous sleep was at the same source location: from a loop's second
//! iteration on.
//!
//! **A sleep may end before a timeout.** Under adversarial timing a thread
//! that can only time out (a `wait_timeout` with nobody to notify it) is
//! ready to run too, but its timeout is time passing, as the end of a sleep
//! is: a sleeping thread is not put below such threads, so it may go on
//! before their timeouts. This is granted once; a thread that sleeps again
//! before any other thread has taken a step is put below them too, so a
//! sleep-polling loop cannot run for ever while another thread's deadline
//! never comes (the search would otherwise never end).
//!
//! A thread that can only wake spuriously (a `park` or a wait without a
//! deadline) counts as blocked, as for deadlocks: a yielding thread is not
//! put below it.
//!
//! **Spurious wake-ups and adversarial timeouts.** A thread that woke
//! spuriously (the timeout of a wait without a deadline) or, under
//! adversarial timing, timed out, may not do so again until another thread
//! has taken a step, so a wait loop or a retry loop cannot spin for ever
//! either.

use std::panic::Location;

use super::op::{Op, Tid};
use super::{Candidate, Exec};

/// Thread ids the rule applies to (bits of a `u64`); higher ids are never
/// filtered.
const BITS: usize = 64;

/// The fairness rule's state in one execution.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fairness {
    /// For each thread that yielded: the threads it is below (those that
    /// could run when it yielded and have not stepped since).
    below: Vec<u64>,
    /// The threads whose `below` is not empty.
    lowered: u64,
    /// The thread that yielded (with whether by a sleep) in the step just
    /// performed: its `below` is set from the next enabled set.
    just_yielded: Option<(Tid, bool)>,
    /// The threads that woke spuriously or timed out early and have not
    /// seen another thread take a step since.
    woken: u64,
    /// The threads that went on after a sleep before another thread's
    /// timeout, since another thread last took a step.
    grace_used: u64,
    /// Where each thread last slept (under adversarial timing).
    last_sleep: Vec<Option<&'static Location<'static>>>,
}

impl Fairness {
    pub(crate) const fn new() -> Self {
        Fairness {
            below: Vec::new(),
            lowered: 0,
            just_yielded: None,
            woken: 0,
            grace_used: 0,
            last_sleep: Vec::new(),
        }
    }

    pub(crate) fn clear(&mut self) {
        self.lift();
        self.just_yielded = None;
        self.woken = 0;
        self.grace_used = 0;
        self.last_sleep.clear();
    }

    /// Lifts every thread's lowering (the priorities only: the wake-up
    /// marks and where threads last slept stay).
    fn lift(&mut self) {
        self.below.iter_mut().for_each(|b| *b = 0);
        self.lowered = 0;
    }

    fn is_idle(&self) -> bool {
        self.lowered == 0 && self.woken == 0 && self.just_yielded.is_none()
    }
}

fn bit(tid: Tid) -> u64 {
    if tid < BITS {
        1 << tid
    } else {
        0
    }
}

impl Exec {
    /// Fills `self.cache.enabled`, advancing the clock if nothing can run now,
    /// and applies the fairness rule when it is on (see the module doc).
    /// Returns false when the execution is over (finished or failed).
    #[inline(always)]
    pub(super) fn compute_enabled(&mut self) -> bool {
        if !self.cfg.yield_fairness || self.fair.is_idle() {
            return self.compute_enabled_unfiltered();
        }
        self.cache.local_step = None;
        let go = self.compute_enabled_unfiltered();
        if go {
            self.apply_fairness();
        }
        go
    }

    #[inline(never)]
    fn apply_fairness(&mut self) {
        let adversarial = self.cfg.adversarial;
        let woken = self.fair.woken;
        let now = self.now;
        if woken != 0 {
            // A `try_lock`'s failure (deadline now) is not a wake-up.
            let again = |c: &Candidate| {
                c.timeout
                    && bit(c.tid) & woken != 0
                    && c.op.deadline().is_none_or(|d| adversarial && d > now)
            };
            if self.cache.enabled.iter().any(|c| !again(c)) {
                self.cache.enabled.retain(|c| !again(c));
            }
        }
        let (mut present, mut progress, mut spurious) = (0u64, 0u64, 0u64);
        for c in &self.cache.enabled {
            present |= bit(c.tid);
            if !c.timeout {
                progress |= bit(c.tid);
            } else if c.op.deadline().is_none() {
                spurious |= bit(c.tid);
            }
        }
        if let Some((t, by_sleep)) = self.fair.just_yielded.take() {
            let me = bit(t);
            // Not below a thread that can only wake spuriously: no program
            // waits for a spurious wake-up (it counts as blocked).
            let others = present & !me & !(spurious & !progress);
            let mut below = others;
            let timing_out_only = others & !progress;
            if by_sleep && timing_out_only != 0 && self.fair.grace_used & me == 0 {
                below &= progress;
                self.fair.grace_used |= me;
            }
            if me != 0 && below != 0 {
                if self.fair.below.len() < BITS {
                    self.fair.below.resize(BITS, 0);
                }
                self.fair.below[t] = below;
                self.fair.lowered |= me;
            }
        }
        let lowered = self.fair.lowered & present;
        if lowered == 0 {
            return;
        }
        let below = &self.fair.below;
        let eligible = |c: &Candidate| bit(c.tid) & lowered == 0 || below[c.tid] & present == 0;
        if self.cache.enabled.iter().any(eligible) {
            self.cache.enabled.retain(eligible);
        } else {
            // Everyone is below someone: lift the priorities.
            self.fair.lift();
        }
    }

    /// After `tid` performed `op` (or its timeout; `woke`: a timeout that
    /// counts as a wake-up, see `Exec::perform`): updates the rule's state
    /// (see the module doc).
    // Out of line: only the exhaustive searches call it, and inlined it
    // would grow `perform`, the random strategies' hot path.
    #[inline(never)]
    pub(super) fn note_fairness(
        &mut self,
        tid: Tid,
        op: Op,
        woke: bool,
        location: &'static Location<'static>,
    ) {
        let me = bit(tid);
        let task_yield = matches!(op, Op::TaskWait { task, .. } if self.task_wait_is_yield(task));
        let f = &mut self.fair;
        // Another thread moved: the others may wake early and use their
        // sleep's grace again, and no thread is below `tid` any more.
        f.woken &= me;
        f.grace_used &= me;
        if f.lowered != 0 {
            let mut lowered = f.lowered;
            while lowered != 0 {
                let t = lowered.trailing_zeros() as usize;
                lowered &= lowered - 1;
                f.below[t] &= !me;
                if f.below[t] == 0 || t == tid {
                    f.below[t] = 0;
                    f.lowered &= !(1 << t);
                }
            }
        }
        if woke {
            f.woken |= me;
        }
        f.just_yielded = match op {
            Op::Yield => Some((tid, false)),
            Op::TaskWait { .. } if task_yield => Some((tid, false)),
            Op::Sleep { .. } if self.cfg.adversarial => {
                if f.last_sleep.len() <= tid {
                    f.last_sleep.resize(tid + 1, None);
                }
                let again = f.last_sleep[tid].replace(location) == Some(location);
                again.then_some((tid, true))
            }
            _ => None,
        };
    }
}
