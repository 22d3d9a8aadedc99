//! `Strategy::Random`: uniform choice among enabled threads.
//!
//! Every execution has its own u64 seed, derived from the run's seed and the
//! execution's index, so that one execution can be replayed alone.

use rand::RngExt;
use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::rt::{Candidate, Scheduler};

/// The seed of execution `index` (0-based) of a run seeded with `run_seed`.
/// It is the first word of stream `index` of a ChaCha8 generator keyed by
/// the run seed, so any execution's seed can be computed without the others.
pub(crate) fn execution_seed(run_seed: u64, index: u64) -> u64 {
    ExecutionSeeds::new(run_seed).get(index)
}

/// [`execution_seed`] for many indices of one run: the generator is keyed
/// once.
#[derive(Clone)]
pub(crate) struct ExecutionSeeds {
    keyed: ChaCha8Rng,
}

impl ExecutionSeeds {
    pub(crate) fn new(run_seed: u64) -> Self {
        ExecutionSeeds {
            keyed: ChaCha8Rng::seed_from_u64(run_seed),
        }
    }

    /// The seed of execution `index`.
    pub(crate) fn get(&self, index: u64) -> u64 {
        let mut rng = self.keyed.clone();
        rng.set_stream(index);
        rng.next_u64()
    }
}

/// Picks uniformly among the enabled threads with a seeded ChaCha8 generator.
pub(crate) struct RandomScheduler {
    rng: ChaCha8Rng,
}

impl RandomScheduler {
    pub(crate) fn new(seed: u64) -> Self {
        RandomScheduler {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }
}

impl Scheduler for RandomScheduler {
    fn choose(&mut self, enabled: &[Candidate]) -> usize {
        self.rng.random_range(0..enabled.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execution_seeds_are_deterministic_and_distinct() {
        let a: Vec<u64> = (0..100).map(|i| execution_seed(7, i)).collect();
        let b: Vec<u64> = (0..100).map(|i| execution_seed(7, i)).collect();
        assert_eq!(a, b);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 100);
        assert_ne!(execution_seed(8, 0), a[0]);
        let seeds = ExecutionSeeds::new(7);
        assert_eq!((0..100).map(|i| seeds.get(i)).collect::<Vec<u64>>(), a);
    }
}
