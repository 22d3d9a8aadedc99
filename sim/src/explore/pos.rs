//! `Strategy::Pos`: partial-order sampling (Yuan, Yang, Gu, CAV 2018).
//!
//! Every pending event (a thread's announced operation) gets a random
//! priority; the enabled event of highest priority runs. After it runs, the
//! pending events that conflict with it (same object, not both reads) get
//! fresh priorities, and so does the next event of the thread that ran.
//! This samples partial orders far more uniformly than choosing threads at
//! random.

use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::rt::dependence;
use crate::rt::op::Op;
use crate::rt::{Candidate, Scheduler};

/// The POS scheduler of one execution.
pub(crate) struct PosScheduler {
    rng: ChaCha8Rng,
    /// Priority of each pending event: (tid, timeout, op, priority).
    pending: Vec<(usize, bool, Op, u64)>,
}

impl PosScheduler {
    pub(crate) fn new(seed: u64) -> Self {
        PosScheduler {
            rng: ChaCha8Rng::seed_from_u64(seed),
            pending: Vec::new(),
        }
    }

    fn priority(&mut self, c: &Candidate) -> u64 {
        if let Some(&(_, _, _, p)) = self
            .pending
            .iter()
            .find(|&&(t, to, op, _)| t == c.tid && to == c.timeout && op == c.op)
        {
            return p;
        }
        self.pending
            .retain(|&(t, to, _, _)| !(t == c.tid && to == c.timeout));
        let p = self.rng.next_u64();
        self.pending.push((c.tid, c.timeout, c.op, p));
        p
    }
}

impl Scheduler for PosScheduler {
    fn choose(&mut self, enabled: &[Candidate]) -> usize {
        let mut best = 0;
        let mut best_p = 0;
        for (i, c) in enabled.iter().enumerate() {
            let p = self.priority(c);
            if i == 0 || p > best_p {
                best = i;
                best_p = p;
            }
        }
        let chosen = enabled[best];
        // The thread's next event, and every pending event that conflicts
        // with the chosen one (the one dependence relation,
        // `rt::dependence`), get fresh priorities.
        let footprint = dependence::footprint(chosen.op);
        self.pending.retain(|&(t, _, op, _)| {
            t != chosen.tid && !dependence::dependent(&dependence::footprint(op), &footprint)
        });
        best
    }

    fn observes_every_step(&self) -> bool {
        true
    }
}
