//! Tests of the runtime (`crate::rt`), not of a strategy: a panicking
//! scheduler unwinds its execution cleanly, and a step that runs inline on a
//! green thread is the step the scheduler loop would have taken. They drive
//! executions with the random scheduler.

use std::sync::Arc;
use std::time::Duration;

use crate::explore::random::RandomScheduler;
use crate::rt::{self, Candidate, ExecConfig, Scheduler};
use crate::threading::{Condition, Lock};
use crate::Shared;
use crate::{Builder, Timing};

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
fn run(main: &Arc<dyn Fn() + Send + Sync>, cfg: &ExecConfig, sched: &mut dyn Scheduler) -> String {
    rt::run_execution(main, cfg, sched);
    rt::with_exec(|e| {
        let failure = e.failure().map(|f| (f.kind, &f.message, f.tid, f.step));
        let output: Vec<_> = e
            .output()
            .iter()
            .map(|c| (c.time, c.tid, &c.text))
            .collect();
        format!(
            "events {:?}\nedges {:?}\noutput {output:?}\nfailure {failure:?}",
            e.events(),
            e.edges()
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

/// The heap bytes of the clocks of every thread of an execution of
/// `threads` threads that each take a lock, spawned all then joined all
/// (or, `each`, each joined before the next is spawned), nodes that
/// clocks share counted once.
fn clock_bytes(threads: usize, each: bool, seed: u64) -> usize {
    let main: Arc<dyn Fn() + Send + Sync> = Arc::new(move || {
        let lock = Lock::new();
        let spawn = || {
            crate::thread::spawn(move || {
                let _g = lock.lock();
            })
        };
        if each {
            (0..threads).for_each(|_| spawn().join().unwrap());
        } else {
            let hs: Vec<_> = (0..threads).map(|_| spawn()).collect();
            hs.into_iter().for_each(|h| h.join().unwrap());
        }
    });
    let cfg = Builder::new().max_steps(u64::MAX).exec_config();
    rt::run_execution(&main, &cfg, &mut RandomScheduler::new(seed));
    rt::with_exec(|e| {
        assert!(e.failure().is_none());
        assert_eq!(e.threads().len(), threads + 1);
        let mut seen = std::collections::HashSet::new();
        (e.threads().iter())
            .map(|t| t.clock.heap_bytes(&mut seen))
            .sum()
    })
}

/// The clocks of N threads that synchronise take memory about linear in
/// N, not N² (a dense clock each: 3,000 threads taking one lock in turn
/// hold 4.5 million entries, 18 MB): a spawn shares its parent's clock, a
/// release and an acquire share the subtrees that do not change.
#[test]
fn clocks_of_many_threads_take_linear_memory() {
    let threads = 3000;
    for each in [false, true] {
        for seed in 0..2 {
            let bytes = clock_bytes(threads, each, seed);
            eprintln!(
                "each {each} seed {seed}: {bytes} bytes, {} a thread",
                bytes / threads
            );
            assert!(
                bytes <= 2048 * threads,
                "{threads} threads (each: {each}, seed {seed}): their clocks take {bytes} bytes"
            );
        }
    }
}
