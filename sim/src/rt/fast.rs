//! The fast paths of the enabled-set computation, which must agree with
//! the specification in `enabled.rs` (debug builds check it at every
//! step): [`Exec::compute_plain`], one tight pass for the common
//! configuration, and [`Exec::refresh_local`], which after a step that
//! changes nothing another thread waits for replaces only the stepping
//! thread's entry.

use super::op::{Op, Tid};
use super::{Candidate, Exec, Life, LIVE_BITS};

impl Exec {
    #[inline]
    pub(super) fn compute_enabled_unfiltered(&mut self) -> bool {
        if let Some(tid) = self.cache.local_step.take() {
            if self.refresh_local(tid) {
                #[cfg(debug_assertions)]
                {
                    let fast = self.cache.enabled.clone();
                    self.compute_all();
                    debug_assert_eq!(fast, self.cache.enabled, "the local-step shortcut diverged");
                }
                return self.within_step_limit();
            }
        }
        self.compute_all()
    }

    /// After a local step by `tid` (one that changes nothing another
    /// thread's operation depends on: see [`Op::is_local`]), the enabled set
    /// is the last one with `tid`'s entry replaced by its new operation.
    /// Does that when the new operation can simply complete, under exact
    /// timing without kill faults; returns false (nothing changed) when the
    /// full computation is needed.
    #[inline]
    pub(super) fn refresh_local(&mut self, tid: Tid) -> bool {
        if self.cfg.adversarial || self.cfg.spurious_wakeups || self.cfg.kill_max > 0 {
            return false;
        }
        if self.threads[tid].life != Life::Waiting {
            return false;
        }
        let Some(pos) = self.cache.enabled.iter().position(|c| c.tid == tid) else {
            return false;
        };
        if self
            .cache
            .enabled
            .get(pos + 1)
            .is_some_and(|c| c.tid == tid)
        {
            return false;
        }
        let op = self.threads[tid].pending;
        if !self.can_complete(tid, &op) {
            return false;
        }
        self.cache.enabled[pos] = Candidate {
            tid,
            op,
            timeout: false,
        };
        true
    }

    /// [`Exec::compute_enabled`] from scratch: every thread's candidates.
    pub(super) fn compute_all(&mut self) -> bool {
        let plain = !self.cfg.adversarial
            && !self.cfg.spurious_wakeups
            && self.cfg.kill_max == 0
            && self.procs.len() == 1;
        if plain {
            if let Some(go) = self.compute_plain() {
                #[cfg(debug_assertions)]
                {
                    let fast = self.cache.enabled.clone();
                    let general = self.compute_general();
                    debug_assert_eq!(
                        (go, &fast),
                        (general, &self.cache.enabled),
                        "the plain computation diverged"
                    );
                }
                return go;
            }
        }
        self.compute_general()
    }

    /// [`Exec::compute_all`] in the common case, in one tight pass: Exact
    /// timing, no spurious wake-ups, no kill faults, one process, at most
    /// [`LIVE_BITS`] threads, and no blocked thread with a deadline (or a
    /// park, with spurious parks on). Then a
    /// thread has at most one candidate, its operation, if it can complete
    /// (and its `waited` flag, read only under Adversarial timing, is not
    /// kept). `None` when the
    /// general computation is needed: a blocked thread has a deadline, no
    /// thread can run (the clock moves, or it is a deadlock), or every
    /// non-daemon thread has finished.
    #[inline]
    pub(super) fn compute_plain(&mut self) -> Option<bool> {
        if self.threads.len() > LIVE_BITS {
            return None;
        }
        self.cache.enabled.clear();
        let mut live = false;
        debug_assert!((0..self.threads.len())
            .all(|t| (self.cache.live_mask >> t & 1 == 1)
                == (self.threads[t].life != Life::Finished)));
        let mut bits = self.cache.live_mask;
        while bits != 0 {
            let tid = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let t = &self.threads[tid];
            live |= !t.daemon;
            // By reference: most threads scanned are blocked, and their
            // operation need not be copied.
            if self.can_complete(tid, &t.pending) {
                let op = t.pending;
                self.cache.enabled.push(Candidate {
                    tid,
                    op,
                    timeout: false,
                });
            } else if self.cfg.spurious_parks && matches!(t.pending, Op::Park { .. }) {
                // A parked thread may also wake spuriously.
                return None;
            } else if !matches!(
                t.pending,
                Op::LockAcquire { deadline: None, .. } | Op::Join { .. }
            ) && t.pending.deadline().is_some()
            {
                // (The common blocked operations, an untimed acquire and a
                // join, are tested first: `deadline` is a large match, not
                // inlined.)
                return None;
            }
        }
        if !live || self.cache.enabled.is_empty() {
            return None;
        }
        Some(self.within_step_limit())
    }
}
