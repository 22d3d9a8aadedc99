//! Exhaustive exploration benchmark: executions per second of optimal DPOR
//! on "3 threads each take one Lock twice and increment" (90 Mazurkiewicz
//! traces), against random executions per second of the same program in the
//! same run, plus the execution counts of the programs.
//!
//! Run: `cargo bench -p sim --bench exhaustive` (release profile). Prints a
//! table.

use std::time::{Duration, Instant};

use sim::sync::Lock;
use sim::{Builder, Shared, Strategy};

fn lock_increments(threads: usize, incs: usize) -> impl Fn() + Send + Sync + Clone + 'static {
    move || {
        let lock = Lock::new();
        let x = Shared::new(0);
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let x = x.clone();
                sim::thread::spawn(move || {
                    for _ in 0..incs {
                        let _g = lock.lock();
                        x.set(x.get() + 1);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    }
}

fn five_writers() {
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

/// Repeats `run` (returning executions done) for about `budget`: (executions, elapsed).
fn measure(budget: Duration, mut run: impl FnMut() -> u64) -> (u64, Duration) {
    let start = Instant::now();
    let mut n = 0;
    while start.elapsed() < budget {
        n += run();
    }
    (n, start.elapsed())
}

fn main() {
    let budget = Duration::from_secs(3);
    let exhaustive = Builder::new()
        .strategy(Strategy::Exhaustive)
        .executions(u64::MAX);
    let program = lock_increments(3, 2);
    println!("program                      strategy     executions/run   exec/s");
    let (n, t) = measure(budget, || exhaustive.explore(program.clone()).executions);
    println!(
        "3 threads x 2 lock incs      exhaustive   {:>14}   {:>8.0}",
        exhaustive.explore(program.clone()).executions,
        n as f64 / t.as_secs_f64()
    );
    let random = Builder::new().strategy(Strategy::Random).executions(1000);
    let (n, t) = measure(budget, || random.explore(program.clone()).executions);
    println!(
        "3 threads x 2 lock incs      random       {:>14}   {:>8.0}",
        1000,
        n as f64 / t.as_secs_f64()
    );
    let (n, t) = measure(budget, || {
        exhaustive
            .clone()
            .race_detection(false)
            .explore(five_writers)
            .executions
    });
    println!(
        "5 writers + 1 reader         exhaustive   {:>14}   {:>8.0}",
        exhaustive
            .clone()
            .race_detection(false)
            .explore(five_writers)
            .executions,
        n as f64 / t.as_secs_f64()
    );
    println!();
    println!(
        "execution counts (complete): 2x3 = {}, 3x2 = {}, 4x2 = {}",
        exhaustive.explore(lock_increments(2, 3)).executions,
        exhaustive.explore(lock_increments(3, 2)).executions,
        exhaustive.explore(lock_increments(4, 2)).executions,
    );
}
