//! Thread extras: `join_timeout`, `is_alive`, daemon threads.

use std::time::Duration;

use sim::{Builder, FailureKind, Shared};

#[test]
fn join_timeout_returns_false_exactly_at_the_deadline_then_true_when_done() {
    let report = Builder::new().executions(100).explore(|| {
        let h = sim::thread::spawn(|| {
            sim::time::sleep(Duration::from_secs(3));
            7
        });
        assert!(!h.join_timeout(Duration::from_secs(1)));
        assert_eq!(sim::time::now(), Duration::from_secs(1));
        assert!(h.thread().is_alive());
        assert!(h.join_timeout(Duration::from_secs(10)));
        assert_eq!(sim::time::now(), Duration::from_secs(3));
        assert!(!h.thread().is_alive());
        assert!(h.is_finished());
        assert_eq!(h.join().unwrap(), 7);
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn a_successful_join_timeout_orders_the_threads_end_before_the_caller() {
    let report = Builder::new().executions(200).explore(|| {
        let x = Shared::new(0);
        let x2 = x.clone();
        let h = sim::thread::spawn(move || x2.set(1));
        if h.join_timeout(Duration::from_secs(1)) {
            assert_eq!(x.get(), 1);
        }
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn a_failed_join_timeout_orders_nothing() {
    let report = Builder::new().executions(200).explore(|| {
        let x = Shared::new(0);
        let x2 = x.clone();
        let h = sim::thread::spawn(move || {
            sim::time::sleep(Duration::from_secs(2));
            x2.set(1);
        });
        assert!(!h.join_timeout(Duration::from_secs(1)));
        sim::time::sleep(Duration::from_secs(5));
        x.get();
    });
    assert_eq!(report.failure().unwrap().kind, FailureKind::DataRace);
}

#[test]
fn daemon_threads_blocked_forever_do_not_keep_the_program_alive() {
    let report = Builder::new().executions(20).explore(|| {
        let ev = sim::threading::Event::new();
        let d = sim::thread::Builder::new()
            .daemon(true)
            .spawn(move || ev.wait()).unwrap();
        sim::time::sleep(Duration::from_secs(1));
        assert!(d.thread().is_alive());
    });
    assert!(report.failures.is_empty(), "{report}");
}
