//! `Strategy::Random`: uniform choice among enabled threads.
//!
//! Every execution has its own u64 seed, derived from the run's seed and the
//! execution's index, so that one execution can be replayed alone: the
//! seed of execution `k` is word `k` of the ChaCha8 stream keyed by the run
//! seed, read 32 words at a time into a per-OS-thread cache. A pure
//! function of (run seed, index), so `jobs` and shards agree; tokens carry
//! the execution's own seed, so a saved token replays whatever the run.

use std::cell::RefCell;

use rand::RngExt;
use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::rt::{Candidate, Scheduler};

/// The seed of execution `index` (0-based) of a run seeded with `run_seed`.
/// It is word `index` (a u64) of the ChaCha8 stream keyed by the run seed,
/// so any execution's seed can be computed without the others.
pub(crate) fn execution_seed(run_seed: u64, index: u64) -> u64 {
    ExecutionSeeds::new(run_seed).get(index)
}

/// Seeds read from the generator at a time: one refill of `rand_chacha`'s
/// buffer (four 64-byte blocks).
const BLOCK: u64 = 32;

thread_local! {
    /// The last block of seeds computed on this OS thread: (run seed, block
    /// index, seeds). Consecutive executions share one generator refill.
    static SEED_BLOCK: RefCell<(u64, u64, [u64; BLOCK as usize])> =
        const { RefCell::new((0, u64::MAX, [0; BLOCK as usize])) };
}

/// [`execution_seed`] for many indices of one run: the generator is keyed
/// once.
#[derive(Clone)]
pub(crate) struct ExecutionSeeds {
    run_seed: u64,
    keyed: ChaCha8Rng,
}

impl ExecutionSeeds {
    pub(crate) fn new(run_seed: u64) -> Self {
        ExecutionSeeds {
            run_seed,
            keyed: ChaCha8Rng::seed_from_u64(run_seed),
        }
    }

    /// The seed of execution `index`.
    pub(crate) fn get(&self, index: u64) -> u64 {
        let block = index / BLOCK;
        SEED_BLOCK.with(|b| {
            let (run_seed, cached, seeds) = &mut *b.borrow_mut();
            if (*run_seed, *cached) != (self.run_seed, block) {
                let mut rng = self.keyed.clone();
                // Word positions count u32 words: two per seed.
                rng.set_word_pos(u128::from(block * BLOCK * 2));
                for seed in seeds.iter_mut() {
                    *seed = rng.next_u64();
                }
                (*run_seed, *cached) = (self.run_seed, block);
            }
            seeds[(index % BLOCK) as usize]
        })
    }
}

/// Picks uniformly among the enabled threads with a seeded ChaCha8 generator.
pub(crate) struct RandomScheduler {
    rng: ChaCha8Rng,
    seed: u64,
}

impl RandomScheduler {
    pub(crate) fn new(seed: u64) -> Self {
        RandomScheduler {
            rng: ChaCha8Rng::seed_from_u64(seed),
            seed,
        }
    }
}

impl Scheduler for RandomScheduler {
    fn rng_seed(&self) -> u64 {
        self.seed
    }

    fn choose(&mut self, enabled: &[Candidate]) -> usize {
        self.rng.random_range(0..enabled.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seed `index` of run `run`, read straight from the stream: word
    /// `index` (two u32 words each).
    fn seed_by_hand(run: u64, index: u64) -> u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(run);
        for _ in 0..index {
            rng.next_u64();
        }
        rng.next_u64()
    }

    #[test]
    fn execution_seeds_are_the_stream_words_in_any_order_of_access() {
        let (a, b) = (ExecutionSeeds::new(7), ExecutionSeeds::new(8));
        // Two runs interleaved on one OS thread, across block boundaries,
        // backwards and forwards: the per-thread cache must not mix them.
        for index in [0, 31, 32, 5, 100, 64, 63, 33, 1] {
            assert_eq!(a.get(index), seed_by_hand(7, index), "run 7, {index}");
            assert_eq!(b.get(index), seed_by_hand(8, index), "run 8, {index}");
            assert_eq!(execution_seed(7, index), seed_by_hand(7, index));
        }
        assert_ne!(a.get(3), b.get(3));
        assert_ne!(a.get(3), a.get(4));
    }

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
