//! In [5]: two consumers wait on a Condition, a producer notifies all;
//! `time.sleep(2)` between the starts is all that orders them.

use std::time::Duration;

use sim::threading::Condition;

/// Python's `consumer(cv)`: `with cv: cv.wait()`.
fn consumer(cv: Condition) {
    sim::println!("Consumer thread started ...");
    let _with = cv.lock();
    sim::println!("Consumer waiting ...");
    cv.wait();
    sim::println!("Consumer consumed the resource");
}

/// Python's `producer(cv)`: `with cv: cv.notifyAll()`.
fn producer(cv: Condition) {
    sim::println!("Producer thread started ...");
    let _with = cv.lock();
    sim::println!("Making resource available");
    sim::println!("Notifying to all consumers");
    cv.notify_all();
}

/// In [5]: `cs1.start(); sleep(2); cs2.start(); sleep(2); pd.start()`.
/// Under exact timing the sleeps make the consumers wait before the
/// producer notifies; under adversarial timing they do not, and a consumer
/// that arrives after the notify waits forever: a lost wake-up.
#[rustfmt::skip] pub fn condition() { // `traces/condition` records the spawns' lines.
    let condition = Condition::new();
    let thread = |name: &str| sim::thread::Builder::new().name(name.into());
    thread("consumer1").spawn(move || consumer(condition)).unwrap();
    sim::time::sleep(Duration::from_secs(2));
    thread("consumer2").spawn(move || consumer(condition)).unwrap();
    sim::time::sleep(Duration::from_secs(2));
    thread("producer").spawn(move || producer(condition)).unwrap();
}

/// What In [5] printed, without its `Thread-2: Tue Sep  4 19:21:00 2018`
/// line, which a thread of an earlier cell printed.
pub const NOTEBOOK_5: &str = "\
Consumer thread started ...
Consumer waiting ...
Consumer thread started ...
Consumer waiting ...
Producer thread started ...
Making resource available
Notifying to all consumers
Consumer consumed the resource
Consumer consumed the resource
";
