//! In [24] and In [16]: threads printing the time in a loop.

use std::time::Duration;

use crate::NOTEBOOK_EPOCH;

/// Python's `print_time(thread_name, delay)` of In [24]: five timed prints.
fn print_time_loop(thread_name: &str, delay: u64) {
    let mut count = 0;
    while count < 5 {
        sim::time::sleep(Duration::from_secs(delay));
        count += 1;
        sim::println!("{}: {}", thread_name, sim::time::ctime());
    }
}

/// In [24]: `t1 = Thread(target=print_time, args=("Thread-1", 2))`, `t2`
/// with delay 4; both started, never joined.
pub fn print_time() {
    sim::time::set_epoch(NOTEBOOK_EPOCH);
    let t1 = sim::thread::Builder::new().name("Thread-1".into());
    let t2 = sim::thread::Builder::new().name("Thread-2".into());
    t1.spawn(|| print_time_loop("Thread-1", 2)).unwrap();
    t2.spawn(|| print_time_loop("Thread-2", 4)).unwrap();
}

/// What In [24] printed, plus its last line: the fifth `Thread-2` line (at
/// 16:45:08) was printed while In [25] ran, so Jupyter shows it at the top
/// of In [25]'s output instead of here.
pub const NOTEBOOK_24: &str = "\
Thread-1: \nThread-2: \nThread-1: \nThread-1: \nThread-2: \nThread-1: \nThread-1: \nThread-2: \nThread-2: \nThread-2: \n";

/// Python's `print_time(thread_name, delay, counter)` of In [16]/[17]/[25].
pub(crate) fn print_time_counter(thread_name: &str, delay: u64, mut counter: u32) {
    while counter > 0 {
        sim::time::sleep(Duration::from_secs(delay));
        sim::println!("{}: {}", thread_name, sim::time::ctime());
        counter -= 1;
    }
}

/// In [16]: `class MyThread(threading.Thread)` whose `run` prints
/// `Starting`, five timed lines, `Exiting`; the main thread prints
/// `Exiting Main Thread` right after starting both.
pub fn my_thread() {
    sim::time::set_epoch(NOTEBOOK_EPOCH);
    for (name, delay) in [("Thread-1", 1), ("Thread-2", 2)] {
        sim::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                sim::println!("Starting {name}");
                print_time_counter(name, delay, 5);
                sim::println!("Exiting {name}");
            })
            .unwrap();
    }
    sim::println!("Exiting Main Thread");
}

/// What In [16] printed.
pub const NOTEBOOK_16: &str = "\
Starting Thread-1
Starting Thread-2
Exiting Main Thread
Thread-1: 
Thread-1: 
Thread-2: 
Thread-1: 
Thread-1: 
Thread-2: 
Thread-1: 
Exiting Thread-1
Thread-2: 
Thread-2: 
Thread-2: 
Exiting Thread-2
";
