//! `Strategy::Random`: uniform choice among enabled threads.
//!
//! Every execution has its own u64 seed, derived from the run's seed and the
//! execution's index, so that one execution can be replayed alone.

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
    use crate::explore::{Builder, Timing};
    use crate::rt::{self, ExecConfig};
    use crate::threading::{Condition, Lock};
    use crate::Shared;
    use std::sync::Arc;
    use std::time::Duration;

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

    /// The random scheduler, asked at every step (so that no step runs
    /// inline on a green thread), making the same choices: a step with one
    /// candidate takes it without drawing.
    struct AskedAtEveryStep(RandomScheduler);

    impl Scheduler for AskedAtEveryStep {
        fn choose(&mut self, enabled: &[Candidate]) -> usize {
            if enabled.len() == 1 {
                0
            } else {
                self.0.choose(enabled)
            }
        }

        fn observes_every_step(&self) -> bool {
            true
        }
    }

    /// Everything an execution leaves behind, as text.
    fn run(
        main: &Arc<dyn Fn() + Send + Sync>,
        cfg: &ExecConfig,
        sched: &mut dyn Scheduler,
    ) -> String {
        rt::run_execution(main, cfg, sched);
        rt::with_exec(|e| {
            let failure = e
                .failure
                .as_ref()
                .map(|f| (f.kind, &f.message, f.tid, f.step));
            let output: Vec<_> = e.output.iter().map(|c| (c.time, c.tid, &c.text)).collect();
            format!(
                "events {:?}\nedges {:?}\noutput {output:?}\nfailure {failure:?}",
                e.events, e.edges
            )
        })
    }

    fn lock_increments() {
        let lock = Lock::new();
        let x = Shared::new(0u32);
        let hs: Vec<_> = (0..3)
            .map(|_| {
                let x = x.clone();
                crate::thread::spawn(move || {
                    for _ in 0..2 {
                        let _g = lock.lock();
                        x.set(x.get() + 1);
                    }
                    crate::println!("done");
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
    }

    fn racy_counter() {
        let x = Shared::new(0u32);
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let x = x.clone();
                crate::thread::spawn(move || x.set(x.get() + 1))
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
    }

    fn lock_order_deadlock() {
        let (a, b) = (Lock::new(), Lock::new());
        let t = crate::thread::spawn(move || {
            let _a = a.lock();
            let _b = b.lock();
        });
        {
            let _b = b.lock();
            let _a = a.lock();
        }
        t.join().unwrap();
    }

    fn timed_condition() {
        let cond = Condition::new();
        let ready = Shared::new(false);
        let r = ready.clone();
        let waiter = crate::thread::spawn(move || {
            let _g = cond.lock();
            while !r.get() {
                if !cond.wait_timeout(Duration::from_millis(5)) {
                    crate::println!("timed out");
                }
            }
        });
        crate::time::sleep(Duration::from_millis(3));
        {
            let _g = cond.lock();
            ready.set(true);
            cond.notify(1);
        }
        waiter.join().unwrap();
    }

    /// Counts the steps a thread runs after its racy write: none may run
    /// once the race has ended the execution.
    static AFTER_RACE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    fn code_after_a_race() {
        let lock = Lock::new();
        let held = lock.lock();
        let x = Shared::new(0u32);
        let y = x.clone();
        let t = crate::thread::spawn(move || {
            y.set(1);
            let _g = lock.lock();
        });
        for _ in 0..4 {
            crate::thread::yield_now();
        }
        // When Thread-1 has written and waits for the lock, this racy write
        // is the only candidate: a step that runs inline.
        x.set(2);
        AFTER_RACE.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        drop(held);
        t.join().unwrap();
    }

    fn panicking_thread() {
        let t = crate::thread::spawn(|| {
            crate::thread::yield_now();
            panic!("boom");
        });
        crate::thread::yield_now();
        let _ = t.join();
    }

    /// Never ends: the step limit stops it, in a step that runs inline.
    fn spinning() {
        loop {
            crate::thread::yield_now();
        }
    }

    /// A scheduler with a bug: it panics at its first choice.
    struct Panicking;

    impl Scheduler for Panicking {
        fn choose(&mut self, _: &[Candidate]) -> usize {
            panic!("scheduler bug")
        }
    }

    /// A panic of the runtime's own code (here, the scheduler) ends the
    /// execution cleanly: its suspended green threads are torn down at once,
    /// the panic reaches the caller, the thread can run the next execution,
    /// and an OS thread that exits afterwards does not abort the process
    /// (which it did when a suspended green thread outlived the runtime).
    #[test]
    fn a_panicking_scheduler_unwinds_its_execution() {
        let cfg = Builder::new().exec_config();
        let worker = std::thread::spawn(move || {
            let main: Arc<dyn Fn() + Send + Sync> = Arc::new(lock_increments);
            let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                rt::run_execution(&main, &cfg, &mut Panicking)
            }));
            let message = caught.expect_err("the scheduler panicked");
            assert_eq!(message.downcast_ref::<&str>(), Some(&"scheduler bug"));
            // The runtime is usable again on this thread.
            let after = run(&main, &cfg, &mut RandomScheduler::new(1));
            assert!(after.ends_with("failure None"), "{after}");
            // And a panic that leaves the thread ends it normally.
            rt::run_execution(&main, &cfg, &mut Panicking);
        });
        let message = worker
            .join()
            .expect_err("the worker's last execution panicked");
        assert_eq!(message.downcast_ref::<&str>(), Some(&"scheduler bug"));
    }

    /// A step that runs inline (on the green thread that announced it, when
    /// it is the only candidate) is the step the scheduler loop would have
    /// taken: same events, edges, output and failure, for every seed.
    #[test]
    fn inline_steps_change_nothing() {
        let programs: [(&str, fn()); 7] = [
            ("code after a race", code_after_a_race),
            ("spinning", spinning),
            ("lock increments", lock_increments),
            ("racy counter", racy_counter),
            ("lock-order deadlock", lock_order_deadlock),
            ("timed condition", timed_condition),
            ("panicking thread", panicking_thread),
        ];
        for timing in [Timing::Exact, Timing::Adversarial] {
            let cfg = Builder::new().timing(timing).max_steps(300).exec_config();
            for (name, program) in programs {
                let main: Arc<dyn Fn() + Send + Sync> = Arc::new(program);
                let mut failures = 0;
                for seed in 0..60 {
                    let after = || AFTER_RACE.swap(0, std::sync::atomic::Ordering::SeqCst);
                    let inline = run(&main, &cfg, &mut RandomScheduler::new(seed));
                    let inline_after = after();
                    let asked = run(
                        &main,
                        &cfg,
                        &mut AskedAtEveryStep(RandomScheduler::new(seed)),
                    );
                    assert_eq!(inline, asked, "{name}, {timing:?}, seed {seed}");
                    assert_eq!(
                        inline_after,
                        after(),
                        "{name}, {timing:?}, seed {seed}: code ran after the race"
                    );
                    failures += usize::from(!inline.ends_with("failure None"));
                    if name == "spinning" {
                        assert!(inline.contains("failure Some((StepLimit"), "{inline}");
                    }
                }
                let expect_failures = !matches!(name, "lock increments" | "timed condition");
                assert_eq!(
                    failures > 0,
                    expect_failures,
                    "{name}, {timing:?}: {failures} failures"
                );
            }
        }
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
