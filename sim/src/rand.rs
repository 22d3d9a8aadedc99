//! shuttle's `shuttle::rand`: random numbers that replay.
//!
//! [`thread_rng`] gives a generator whose values are a function of the
//! execution's seed (under the random strategies; PCT, POS and the
//! exhaustive searches use none), its schedule so far (the threads
//! scheduled, in order), the thread and how many values were drawn
//! before: a failure's token replays them, and different executions draw
//! different values. Drawing is not a scheduling point. The
//! values are not choices of their own: an exhaustive search covers the
//! schedules, not every value a draw could take.
//!
//! The generator implements rand 0.8's [`RngCore`], so rand 0.8's [`Rng`]
//! methods (`gen`, `gen_range`, `gen_bool`...) work on it, as shuttle's
//! tests call them.
//!
//! ```
//! use sim::rand::{thread_rng, Rng};
//! sim::check_random(|| {
//!     let n: u32 = thread_rng().gen_range(0..10);
//!     assert!(n < 10);
//! }, 20);
//! ```

pub use rand08::{Rng, RngCore};

/// The generators.
pub mod rngs {
    /// The per-execution generator [`thread_rng`](super::thread_rng) gives.
    #[derive(Debug, Clone, Default)]
    pub struct ThreadRng {
        _private: (),
    }

    impl super::RngCore for ThreadRng {
        fn next_u32(&mut self) -> u32 {
            (crate::rt::rng_next() >> 32) as u32
        }

        fn next_u64(&mut self) -> u64 {
            crate::rt::rng_next()
        }

        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for chunk in dest.chunks_mut(8) {
                let v = crate::rt::rng_next().to_le_bytes();
                chunk.copy_from_slice(&v[..chunk.len()]);
            }
        }

        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand08::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }
}

/// The running execution's generator (see the module docs).
pub fn thread_rng() -> rngs::ThreadRng {
    rngs::ThreadRng::default()
}

/// One random value of type `T` (rand 0.8's `random`).
///
/// ```
/// sim::check_random(|| { let _: bool = sim::rand::random(); }, 5);
/// ```
pub fn random<T>() -> T
where
    rand08::distributions::Standard: rand08::distributions::Distribution<T>,
{
    thread_rng().gen()
}
