//! In [22]: seven runners meet at a Barrier while a commentator prints
//! how many are waiting; and a variant with a runner missing.

use std::time::Duration;

use sim::threading::Barrier;

/// Seven-party barrier; `runners` runners started one second apart; the
/// commentator prints `Ready: n_waiting` ten times, one second apart.
fn race(runners: usize) {
    let b = Barrier::new(7);
    let commentator_barrier = b.clone();
    sim::thread::spawn(move || {
        for _ in 0..10 {
            sim::println!("Ready: {}", commentator_barrier.n_waiting());
            sim::time::sleep(Duration::from_secs(1));
        }
    });
    for _ in 0..runners {
        let b = b.clone();
        sim::thread::spawn(move || {
            // A broken barrier would be an error for the runner, as in Python.
            b.wait().expect("BrokenBarrierError");
            sim::println!("Run");
        });
        sim::time::sleep(Duration::from_secs(1));
    }
}

/// In [22]: `Barrier(7)` and seven runners.
pub fn barrier() {
    race(7);
}

/// What In [22] printed.
pub const NOTEBOOK_22: &str = "\
Ready: 0\nReady: 1\nReady: 2\nReady: 3\nReady: 4\nReady: 5\nReady: 6\n\
Run\nRun\nRun\nRun\nRun\nRun\nRun\nReady: 0\nReady: 0\nReady: 0\n";

/// The same `Barrier(7)` with only six runners: they wait forever.
pub fn barrier_short() {
    race(6);
}
