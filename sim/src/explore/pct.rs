//! `Strategy::Pct`: probabilistic concurrency testing (Burckhardt,
//! Kothari, Musuvathi, Nagarakatte, ASPLOS 2010).
//!
//! Every thread gets a random priority when it first appears (all above
//! `depth`); the highest-priority enabled thread always runs. `depth - 1`
//! change points are drawn uniformly over the estimated number of steps `k`
//! of an execution; at the `i`-th one, the thread about to run drops to
//! priority `depth - i`, below every initial priority. A bug of depth `d`
//! is then found by one execution with probability at least
//! `1 / (n * k^(d-1))` for `n` threads.

use rand::RngExt;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::rt::{Candidate, Scheduler};

/// The deepest bug depth a PCT token may name: drawing the change points
/// costs the square of the depth, and depths past a handful find nothing
/// more (a token's text must never make sim hang).
pub(crate) const MAX_PCT_DEPTH: u32 = 1000;

/// The PCT scheduler of one execution.
pub(crate) struct PctScheduler {
    rng: ChaCha8Rng,
    /// Priority of each thread seen so far (index = tid).
    priority: Vec<Option<u64>>,
    /// Steps (1-based) at which a priority change happens, with the new
    /// (low) priority.
    change_points: Vec<(u64, u64)>,
    depth: u64,
    step: u64,
}

impl PctScheduler {
    /// A scheduler for bug depth `depth` (at least 1) over `steps`
    /// estimated steps, seeded with `seed`.
    pub(crate) fn new(seed: u64, depth: u32, steps: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let depth = depth.max(1) as u64;
        let k = steps.max(1);
        let mut change_points: Vec<(u64, u64)> = Vec::new();
        for i in 1..depth {
            // Distinct change points when k allows it.
            let mut at = rng.random_range(1..=k);
            let mut tries = 0;
            while change_points.iter().any(|&(s, _)| s == at) && tries < 8 {
                at = rng.random_range(1..=k);
                tries += 1;
            }
            change_points.push((at, depth - i));
        }
        PctScheduler {
            rng,
            priority: Vec::new(),
            change_points,
            depth,
            step: 0,
        }
    }

    fn priority_of(&mut self, tid: usize) -> u64 {
        if self.priority.len() <= tid {
            self.priority.resize(tid + 1, None);
        }
        match self.priority[tid] {
            Some(p) => p,
            None => {
                let p = self.depth + 1 + self.rng.random_range(0..u32::MAX as u64);
                self.priority[tid] = Some(p);
                p
            }
        }
    }

    fn best(&mut self, enabled: &[Candidate]) -> usize {
        let mut best = 0;
        let mut best_p = 0;
        for (i, c) in enabled.iter().enumerate() {
            let p = self.priority_of(c.tid);
            if i == 0 || p > best_p {
                best = i;
                best_p = p;
            }
        }
        best
    }
}

impl Scheduler for PctScheduler {
    fn choose(&mut self, enabled: &[Candidate]) -> usize {
        self.step += 1;
        let mut pick = self.best(enabled);
        let step = self.step;
        if let Some(&(_, low)) = self.change_points.iter().find(|&&(s, _)| s == step) {
            let tid = enabled[pick].tid;
            self.priority_of(tid);
            self.priority[tid] = Some(low);
            pick = self.best(enabled);
        }
        // A thread may be a candidate twice (complete or time out): pick
        // between its candidates at random.
        let tid = enabled[pick].tid;
        let same: Vec<usize> = (0..enabled.len())
            .filter(|&i| enabled[i].tid == tid)
            .collect();
        if same.len() > 1 {
            same[self.rng.random_range(0..same.len())]
        } else {
            pick
        }
    }

    fn observes_every_step(&self) -> bool {
        true
    }
}
