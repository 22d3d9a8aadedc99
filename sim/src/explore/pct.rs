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
//!
//! **Yields.** A thread that yields (`thread::yield_now`, `hint::spin_loop`,
//! an async task's `sim::future::yield_now`) also drops below every
//! priority given so far, as at a change point (shuttle's PCT does the
//! same): a spin loop at the highest priority would otherwise starve the
//! thread it waits for until the step limit. A future that wakes itself
//! and returns `Pending` without asking to yield is not lowered.

use rand::RngExt;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::rt::op::Op;
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
    /// Steps (1-based) at which a priority change happens.
    change_points: Vec<u64>,
    /// The next low priority to give (at a change point or a yield):
    /// below every initial priority and every low one given before.
    next_low: u64,
    step: u64,
}

/// Initial priorities are above this; the low ones given at change points
/// and yields count down from it.
const LOW_BASE: u64 = 1 << 62;

impl PctScheduler {
    /// A scheduler for bug depth `depth` (at least 1) over `steps`
    /// estimated steps, seeded with `seed`.
    pub(crate) fn new(seed: u64, depth: u32, steps: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let depth = depth.max(1) as u64;
        let k = steps.max(1);
        let mut change_points: Vec<u64> = Vec::new();
        for _ in 1..depth {
            // Distinct change points when k allows it.
            let mut at = rng.random_range(1..=k);
            let mut tries = 0;
            while change_points.contains(&at) && tries < 8 {
                at = rng.random_range(1..=k);
                tries += 1;
            }
            change_points.push(at);
        }
        PctScheduler {
            rng,
            priority: Vec::new(),
            change_points,
            next_low: LOW_BASE,
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
                let p = LOW_BASE + 1 + self.rng.random_range(0..u32::MAX as u64);
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

    /// Drops `tid` below every priority given so far.
    fn lower(&mut self, tid: usize) {
        self.priority_of(tid);
        self.priority[tid] = Some(self.next_low);
        self.next_low -= 1;
    }
}

impl Scheduler for PctScheduler {
    fn choose(&mut self, enabled: &[Candidate]) -> usize {
        self.step += 1;
        let mut pick = self.best(enabled);
        let step = self.step;
        if self.change_points.contains(&step) {
            self.lower(enabled[pick].tid);
            pick = self.best(enabled);
        }
        // A thread may be a candidate twice (complete or time out): pick
        // between its candidates at random.
        let tid = enabled[pick].tid;
        let same: Vec<usize> = (0..enabled.len())
            .filter(|&i| enabled[i].tid == tid)
            .collect();
        let pick = if same.len() > 1 {
            same[self.rng.random_range(0..same.len())]
        } else {
            pick
        };
        if matches!(
            enabled[pick].op,
            Op::Yield | Op::TaskWait { yielding: true, .. }
        ) {
            self.lower(tid);
        }
        pick
    }

    fn observes_every_step(&self) -> bool {
        true
    }
}
