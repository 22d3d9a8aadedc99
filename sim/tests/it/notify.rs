//! `sim::sync::Notify`: loom's single-permit notification.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use sim::sync::Notify;
use sim::{Builder, FailureKind, Shared, Strategy};

fn exhaustive() -> Builder {
    Builder::new()
        .strategy(Strategy::Exhaustive)
        .executions(1_000_000)
}

#[test]
fn a_notify_stores_one_permit_that_one_wait_consumes() {
    let report = exhaustive().explore(|| {
        let n = Notify::new();
        n.notify();
        n.wait(); // the stored permit: returns at once
        n.notify();
        n.notify(); // still one permit
        n.wait();
        sim::println!("two waits passed");
        n.wait(); // none left: blocks for ever
    });
    assert_eq!(report.outputs.len(), 1, "{report}");
    let failure = &report.failures[0];
    assert_eq!(failure.kind, FailureKind::Deadlock, "{report}");
    assert!(
        failure
            .message
            .contains("MainThread is blocked in wait of Notify#0"),
        "{}",
        failure.message
    );
}

#[test]
fn wait_blocks_until_notified_and_the_notify_happens_before_it() {
    let program = || {
        let n = Arc::new(Notify::new());
        let data = Shared::new(0);
        let (n2, d) = (Arc::clone(&n), data.clone());
        let t = sim::thread::spawn(move || {
            d.set(5);
            n2.notify();
        });
        // Before or after the notify: a stored permit, or a wake-up.
        sim::thread::yield_now();
        n.wait();
        assert_eq!(data.get(), 5);
        t.join().unwrap();
    };
    // One trace (the wait comes after the notify, whether it blocked
    // first or found the permit stored): the reduced search runs it once,
    // the plain DFS sees both orders.
    let report = exhaustive().explore(program);
    assert!(report.complete && report.failures.is_empty(), "{report}");
    assert_eq!(report.executions, 1, "{report}");
    let plain = exhaustive().reduction(false).explore(program);
    assert!(plain.complete && plain.failures.is_empty(), "{plain}");
    assert!(plain.executions >= 2, "{plain}");
}

#[test]
fn spurious_wake_ups_follow_the_builder_once_per_notify() {
    let lonely = || {
        let n = Notify::new();
        n.wait();
        sim::println!("woke without a notify");
        n.wait();
    };
    // Off (the default): nobody notifies, a deadlock.
    let report = exhaustive().explore(lonely);
    let outputs: Vec<&str> = report.outputs.keys().map(String::as_str).collect();
    assert_eq!(outputs, [""], "{report}");
    assert_eq!(report.failures[0].kind, FailureKind::Deadlock, "{report}");
    // On: the first wait may return without a notify, the second may not.
    let report = exhaustive().spurious_wakeups(true).explore(lonely);
    let outputs: Vec<&str> = report.outputs.keys().map(String::as_str).collect();
    assert_eq!(outputs, ["woke without a notify\n"], "{report}");
    assert_eq!(report.failures[0].kind, FailureKind::Deadlock, "{report}");
    // A waiting loop (on an atomic flag, as loom's tests write it: a
    // spurious wake-up orders nothing) stays finite.
    let report = exhaustive().spurious_wakeups(true).explore(|| {
        let n = Arc::new(Notify::new());
        let done = Arc::new(AtomicBool::new(false));
        let (n2, d) = (Arc::clone(&n), Arc::clone(&done));
        let t = sim::thread::spawn(move || {
            sim::thread::yield_now();
            d.store(true, Ordering::SeqCst);
            n2.notify();
        });
        let mut waits = 0;
        while !done.load(Ordering::SeqCst) {
            n.wait();
            waits += 1;
        }
        sim::println!("{waits}");
        t.join().unwrap();
    });
    assert!(report.complete && report.failures.is_empty(), "{report}");
    // One wait (woken, or spurious after the flag was set), or two (a
    // spurious one first).
    let outputs: Vec<&str> = report.outputs.keys().map(String::as_str).collect();
    assert_eq!(outputs, ["1\n", "2\n"], "{report}");
}

#[test]
fn two_threads_waiting_at_once_panic_as_in_loom() {
    let report = exhaustive().explore(|| {
        let n = Arc::new(Notify::new());
        let n2 = Arc::clone(&n);
        let t = sim::thread::spawn(move || n2.wait());
        n.wait();
        let _ = t.join();
    });
    let failure = report
        .failures
        .iter()
        .find(|f| f.kind == FailureKind::Panic)
        .expect("a panic");
    assert!(
        failure
            .message
            .contains("only a single thread may wait on `Notify`"),
        "{}",
        failure.message
    );
}

/// Under the optimal DPOR (a wait is guarded by the permit): two notifiers
/// and one waiter have 4 traces (the wait after either notify, the other
/// notify before or after it; the wait cannot go first), and the search
/// runs exactly 4 executions, reduced.
#[test]
fn exhaustive_notify_runs_one_execution_per_trace() {
    let report = exhaustive().explore(|| {
        let n = Arc::new(Notify::new());
        let notifiers: Vec<_> = (0..2)
            .map(|_| {
                let n = Arc::clone(&n);
                sim::thread::spawn(move || n.notify())
            })
            .collect();
        n.wait();
        for t in notifiers {
            t.join().unwrap();
        }
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
    assert_eq!(report.unreduced, None, "{report}");
    assert_eq!(report.executions, 4, "{report}");
}
