//! In [17] and In [25]: a class-level Lock around timed prints.

use sim::threading::Lock;

use crate::print_time::print_time_counter;
use crate::NOTEBOOK_EPOCH;

/// Starts `Thread-1` (delay 1) and `Thread-2` (delay 2) running `run`,
/// joins both, prints `Exiting Main Thread`.
fn two_threads_then_join(run: fn(Lock, &'static str, u64)) {
    sim::time::set_epoch(NOTEBOOK_EPOCH);
    let thread_lock = Lock::new();
    let threads: Vec<_> = [("Thread-1", 1), ("Thread-2", 2)]
        .into_iter()
        .map(|(name, delay)| {
            sim::thread::Builder::new()
                .name(name.into())
                .spawn(move || run(thread_lock, name, delay))
                .unwrap()
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    sim::println!("Exiting Main Thread");
}

/// In [17]: `thread_lock.acquire()`, `print_time(name, counter, 3)`,
/// `thread_lock.release()`.
pub fn lock_acquire_release() {
    two_threads_then_join(|lock, name, delay| {
        sim::println!("Starting {name}");
        lock.acquire();
        print_time_counter(name, delay, 3);
        lock.release();
    });
}

/// In [25]: the same with `with MyThread.thread_lock:`.
pub fn lock_with() {
    two_threads_then_join(|lock, name, delay| {
        sim::println!("Starting {name}");
        let _guard = lock.lock();
        print_time_counter(name, delay, 3);
    });
}

/// What In [17] printed.
pub const NOTEBOOK_17: &str = "\
Starting Thread-1
Starting Thread-2
Thread-1: 
Thread-1: 
Thread-1: 
Thread-2: 
Thread-2: 
Thread-2: 
Exiting Main Thread
";

/// What In [25] printed, without its first `Thread-2` line (16:45:08),
/// which In [24]'s still-running `Thread-2` printed: this program's
/// `Thread-2` holds no lock before `Thread-1` has printed three times.
pub const NOTEBOOK_25: &str = NOTEBOOK_17;
