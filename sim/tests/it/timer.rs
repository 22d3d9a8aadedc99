//! `Timer`: Python's documented behaviour (`threading.Timer`).

use std::time::Duration;

use sim::threading::Timer;
use sim::{Builder, Shared, Timing};

#[test]
fn the_function_runs_after_the_interval_on_the_virtual_clock() {
    let report = Builder::new().executions(50).explore(|| {
        let t = Timer::new(Duration::from_secs(5), || {
            sim::println!("hello, world at {:?}", sim::time::now());
        });
        t.start();
        assert!(t.is_alive());
        t.join();
        assert!(!t.is_alive());
    });
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(
        report.outputs.keys().collect::<Vec<_>>(),
        ["hello, world at 5s\n"]
    );
}

#[test]
fn a_timer_is_a_thread_named_like_pythons_numbered_at_creation() {
    let report = Builder::new().executions(20).explore(|| {
        let a = sim::thread::spawn(|| sim::threading::current_thread().name());
        let timer = Timer::new(Duration::from_secs(1), || {
            sim::println!("timer runs in {}", sim::threading::current_thread().name());
        });
        let b = sim::thread::spawn(|| sim::threading::current_thread().name());
        assert_eq!(timer.name(), "Thread-2");
        timer.start();
        timer.join();
        assert_eq!(a.join().unwrap(), "Thread-1");
        assert_eq!(b.join().unwrap(), "Thread-3");
    });
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(
        report.outputs.keys().collect::<Vec<_>>(),
        ["timer runs in Thread-2\n"]
    );
}

#[test]
fn cancel_before_it_fires_stops_it() {
    let report = Builder::new().executions(100).explore(|| {
        let t = Timer::new(Duration::from_secs(5), || sim::println!("fired"));
        t.start();
        sim::time::sleep(Duration::from_secs(4));
        t.cancel();
        t.join();
        // The timer thread ended at once (4s), not at 5s.
        assert_eq!(sim::time::now(), Duration::from_secs(4));
    });
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(report.outputs.keys().collect::<Vec<_>>(), [""]);
}

#[test]
fn cancel_after_it_fired_has_no_effect() {
    let report = Builder::new().executions(100).explore(|| {
        let t = Timer::new(Duration::from_secs(5), || sim::println!("fired"));
        t.start();
        sim::time::sleep(Duration::from_secs(6));
        t.cancel();
        t.join();
        sim::println!("cancelled late");
    });
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(
        report.outputs.keys().collect::<Vec<_>>(),
        ["fired\ncancelled late\n"]
    );
}

#[test]
fn cancel_at_the_very_instant_it_fires_is_a_race_both_ways() {
    let report = Builder::new().executions(300).explore(|| {
        let t = Timer::new(Duration::from_secs(5), || sim::println!("fired"));
        t.start();
        sim::time::sleep(Duration::from_secs(5));
        t.cancel();
    });
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(report.outputs.keys().collect::<Vec<_>>(), ["", "fired\n"]);
}

#[test]
fn start_happens_before_the_function() {
    let report = Builder::new().executions(100).explore(|| {
        let data = Shared::new(0);
        let d = data.clone();
        let t = Timer::new(Duration::from_secs(1), move || assert_eq!(d.get(), 9));
        data.set(9);
        t.start();
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn under_adversarial_timing_the_interval_orders_nothing() {
    // Exact: the 5s timer always fires before the 10s cancel. Adversarial:
    // either may come first.
    let body = || {
        let t = Timer::new(Duration::from_secs(5), || sim::println!("fired"));
        t.start();
        sim::time::sleep(Duration::from_secs(10));
        t.cancel();
    };
    let exact = Builder::new().executions(200).explore(body);
    assert_eq!(exact.outputs.keys().collect::<Vec<_>>(), ["fired\n"]);
    let adversarial = Builder::new()
        .timing(Timing::Adversarial)
        .executions(200)
        .explore(body);
    assert_eq!(
        adversarial.outputs.keys().collect::<Vec<_>>(),
        ["", "fired\n"]
    );
}

#[test]
fn starting_twice_panics_like_python() {
    let report = Builder::new().executions(1).explore(|| {
        let t = Timer::new(Duration::from_secs(1), || {});
        t.start();
        t.start();
    });
    let f = report.failure().unwrap();
    assert!(
        f.message
            .contains("RuntimeError: threads can only be started once"),
        "{}",
        f.message
    );
}
