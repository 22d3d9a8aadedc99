//! The test programs that more than one test module (or a bench, or the
//! example) runs, each written once.
//!
//! The integration tests reach them as `crate::programs`; the binaries that
//! must run in their own process (`tests/env.rs`, `tests/corpus.rs`,
//! `tests/memory.rs`), the benches (`benches/runtime.rs`,
//! `benches/exhaustive.rs`) and `examples/profile_2x3.rs` include this file
//! with `#[path]`. Reports quote the places of these programs' operations
//! as `sim/tests/it/programs.rs:<line>:<column>`.
//!
//! A program that only one module runs stays in that module, next to its
//! tests.

use sim::threading::{Lock, Semaphore};
use sim::Shared;

/// Lock-order inversion: `Thread-1` takes `a` then `b` while `MainThread`
/// takes `b` then `a`. Deadlocks in the schedules where each holds its
/// first lock (one preemption).
pub fn lock_order() {
    lock_order_with::<false>();
}

/// [`lock_order`] where each side prints once it holds both locks (`t`,
/// `main`): more scheduling points, and outputs.
pub fn lock_order_printing() {
    lock_order_with::<true>();
}

fn lock_order_with<const PRINT: bool>() {
    let (a, b) = (Lock::new(), Lock::new());
    let t = sim::thread::spawn(move || {
        let _ga = a.lock();
        let _gb = b.lock();
        if PRINT {
            sim::println!("t");
        }
    });
    {
        let _gb = b.lock();
        let _ga = a.lock();
        if PRINT {
            sim::println!("main");
        }
    }
    t.join().unwrap();
}

/// `MainThread` and `Thread-1` each increment a `Shared` counter without a
/// lock (a read, then a write): a data race in every execution.
pub fn racy_counter() {
    racy_counter_with::<false>();
}

/// [`racy_counter`] whose `MainThread` prints the final count after the
/// join: with race detection off, a lost update shows as the output `1`.
pub fn racy_counter_printing() {
    racy_counter_with::<true>();
}

fn racy_counter_with<const PRINT: bool>() {
    let x = Shared::new(0);
    let x2 = x.clone();
    let t = sim::thread::spawn(move || {
        let v = x2.get();
        x2.set(v + 1);
    });
    let v = x.get();
    x.set(v + 1);
    t.join().unwrap();
    if PRINT {
        sim::println!("{}", x.get());
    }
}

/// `THREADS` threads each increment one `Shared` counter `INCS` times,
/// each increment (a read, then a write) under one Lock; `MainThread` joins
/// them all and checks the total. `lock_increments::<2, 3>` is the "2x3"
/// of the runtime bench, the memory test and the profiling example
/// (20 Mazurkiewicz traces); `::<3, 2>` has 90.
pub fn lock_increments<const THREADS: usize, const INCS: usize>() {
    increments::<THREADS, INCS, true>();
}

/// [`lock_increments`] without taking the lock: the increments race.
pub fn unlocked_increments<const THREADS: usize, const INCS: usize>() {
    increments::<THREADS, INCS, false>();
}

fn increments<const THREADS: usize, const INCS: usize, const LOCKED: bool>() {
    let lock = Lock::new();
    let x = Shared::new(0usize);
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let x = x.clone();
            sim::thread::spawn(move || {
                for _ in 0..INCS {
                    let _g = LOCKED.then(|| lock.lock());
                    x.set(x.get() + 1);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(x.get(), THREADS * INCS);
}

/// Five threads write 1 to 5 to one `Shared` while a sixth reads it
/// (a race unless race detection is off): 720 Mazurkiewicz traces.
pub fn five_writers() {
    let x = Shared::new(0);
    let mut handles = Vec::new();
    for i in 1..=5 {
        let x = x.clone();
        handles.push(sim::thread::spawn(move || x.set(i)));
    }
    let r = {
        let x = x.clone();
        sim::thread::spawn(move || x.get())
    };
    for h in handles {
        h.join().unwrap();
    }
    r.join().unwrap();
}

/// Three workers share a Semaphore(2), each entering it once and printing
/// its number `PRINTS` times inside: no failure, many outputs; outside the
/// DPOR fragment, so explored by the plain DFS (`::<2>`: 137,151
/// executions).
pub fn semaphore_workers<const PRINTS: usize>() {
    let sem = Semaphore::new(2);
    let handles: Vec<_> = (0..3)
        .map(|i| {
            sim::thread::spawn(move || {
                sem.acquire();
                for _ in 0..PRINTS {
                    sim::println!("{i}");
                }
                sem.release();
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

/// The notebook's point about processes: a child process that a fault
/// kills while it holds a `multiprocessing::Lock` leaves its parent
/// deadlocked on that lock.
pub fn kill_while_holding() {
    let lock = sim::multiprocessing::Lock::new();
    let p = sim::multiprocessing::spawn(move || {
        let _g = lock.lock();
        sim::println!("child has the lock");
    });
    p.join();
    let _g = lock.lock();
    sim::println!("parent has the lock");
}
