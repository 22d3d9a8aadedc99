//! The exhaustive searches' fairness rule: spin loops with `yield_now` and
//! wait loops with spurious wake-ups terminate.

use sim::sync::{Arc, Condvar, Mutex};

use crate::sync::exhaustive;

#[test]
fn a_spin_loop_with_yield_terminates_under_exhaustive_search() {
    // loom's `yield_completes`: without the yield fairness rule the search
    // schedules the spinning main thread for ever (a StepLimit failure).
    let report = exhaustive().explore(|| {
        let flag = Arc::new(sim::sync::atomic::AtomicUsize::new(0));
        let f2 = flag.clone();
        let t = sim::thread::spawn(move || f2.store(1, std::sync::atomic::Ordering::Relaxed));
        while flag.load(std::sync::atomic::Ordering::Relaxed) == 0 {
            sim::thread::yield_now();
        }
        t.join().unwrap();
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
}

#[test]
fn two_spinners_and_a_worker_terminate_under_exhaustive_search() {
    let report = exhaustive().explore(|| {
        let flag = Arc::new(sim::sync::atomic::AtomicUsize::new(0));
        let spinners: Vec<_> = (0..2)
            .map(|_| {
                let f = flag.clone();
                sim::thread::spawn(move || {
                    while f.load(std::sync::atomic::Ordering::Acquire) == 0 {
                        sim::hint::spin_loop();
                    }
                })
            })
            .collect();
        flag.store(1, std::sync::atomic::Ordering::Release);
        for s in spinners {
            s.join().unwrap();
        }
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
}

#[test]
fn a_park_loop_with_spurious_wakeups_terminates_under_exhaustive_search() {
    let report = exhaustive().spurious_wakeups(true).explore(|| {
        let flag = Arc::new(sim::sync::atomic::AtomicBool::new(false));
        let f2 = flag.clone();
        let main = sim::thread::current();
        let t = sim::thread::spawn(move || {
            f2.store(true, std::sync::atomic::Ordering::Release);
            main.unpark();
        });
        while !flag.load(std::sync::atomic::Ordering::Acquire) {
            sim::thread::park();
        }
        t.join().unwrap();
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
}

#[test]
fn a_condvar_loop_with_spurious_wakeups_terminates_under_exhaustive_search() {
    let report = exhaustive().spurious_wakeups(true).explore(|| {
        let state = Arc::new((Mutex::new(false), Condvar::new()));
        let s2 = state.clone();
        let t = sim::thread::spawn(move || {
            *s2.0.lock().unwrap() = true;
            s2.1.notify_one();
        });
        let (m, cv) = &*state;
        drop(cv.wait_while(m.lock().unwrap(), |ready| !*ready).unwrap());
        t.join().unwrap();
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
}

/// A program whose threads poll with `sleep` and retry timed waits: under
/// adversarial timing neither orders anything, so only the fairness rule
/// keeps the exhaustive search finite.
fn sleep_and_retry_loops() {
    use sim::sync::atomic::{AtomicBool, Ordering};
    use sim::sync::mpsc;
    let flag = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel::<u32>();
    let f2 = flag.clone();
    let poller = sim::thread::spawn(move || {
        while !f2.load(Ordering::Acquire) {
            sim::thread::sleep(std::time::Duration::from_millis(10));
        }
        tx.send(7).unwrap();
    });
    flag.store(true, Ordering::Release);
    let got = loop {
        match rx.recv_timeout(std::time::Duration::from_millis(5)) {
            Ok(v) => break v,
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!(got, 7);
    poller.join().unwrap();
}

#[test]
fn sleep_polling_and_timed_retry_loops_terminate_under_adversarial_exhaustive_search() {
    // Without the rule's sleep and adversarial-timeout marks the search
    // follows the poller's (or the receiver's) loop for ever: StepLimit.
    let report = exhaustive()
        .timing(sim::Timing::Adversarial)
        .explore(sleep_and_retry_loops);
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
    assert!(report.executions > 1, "{report}");
}

#[test]
fn a_sleeper_may_still_go_on_before_a_timeout_under_adversarial_timing() {
    // Main sleeps while the child waits with a timeout: after the sleep the
    // child can only time out, and main may still go on first (its sleep
    // may end before the child's deadline), so the child sees both results.
    use sim::sync::atomic::{AtomicBool, Ordering};
    let report = exhaustive().timing(sim::Timing::Adversarial).explore(|| {
        let pair = Arc::new((Mutex::new(false), Condvar::new()));
        let p2 = pair.clone();
        let seen = Arc::new(AtomicBool::new(false));
        let t = sim::thread::spawn(move || {
            let (m, cv) = &*p2;
            let g = m.lock().unwrap();
            let (g, _) = cv
                .wait_timeout_while(g, std::time::Duration::from_secs(1), |set| !*set)
                .unwrap();
            sim::println!("child sees {}", *g);
        });
        sim::thread::sleep(std::time::Duration::from_secs(2));
        let (m, cv) = &*pair;
        *m.lock().unwrap() = true;
        cv.notify_one();
        seen.store(true, Ordering::Relaxed);
        t.join().unwrap();
    });
    assert!(report.complete, "{report}");
    let outputs: Vec<&str> = report.outputs.keys().map(|s| s.as_str()).collect();
    assert_eq!(
        outputs,
        ["child sees false\n", "child sees true\n"],
        "{report}"
    );
}

#[test]
fn a_one_off_sleep_loses_no_order_under_adversarial_exhaustive_search() {
    // The notebook's `start(); sleep(2); start()`: the sleep orders nothing,
    // so the second thread may print first. Treating every sleep as a yield
    // would lose that order (only a sleep repeated at one place is a yield).
    let report = exhaustive().timing(sim::Timing::Adversarial).explore(|| {
        let a = sim::thread::spawn(|| sim::println!("a"));
        sim::thread::sleep(std::time::Duration::from_secs(2));
        let b = sim::thread::spawn(|| sim::println!("b"));
        a.join().unwrap();
        b.join().unwrap();
    });
    assert!(report.complete, "{report}");
    let outputs: Vec<&str> = report.outputs.keys().map(|s| s.as_str()).collect();
    assert_eq!(outputs, ["a\nb\n", "b\na\n"], "{report}");
}

#[test]
fn a_failed_try_lock_may_fail_again_under_exhaustive_search() {
    // A try_lock's failure is not a wake-up: the thread may fail twice in a
    // row while the other holds the lock (shuttle's
    // `concurrent_lock_try_lock` shape). The rule for early timeouts once
    // forbade the second failure.
    use std::collections::BTreeSet;
    use std::sync::Mutex as StdMutex;
    static SEEN: StdMutex<BTreeSet<(bool, bool)>> = StdMutex::new(BTreeSet::new());
    sim::model(|| {
        let m = Arc::new(Mutex::new(0));
        let m2 = m.clone();
        let t = sim::thread::spawn(move || {
            *m2.lock().unwrap() += 1;
        });
        let first = m.try_lock().is_ok();
        let second = m.try_lock().is_ok();
        SEEN.lock().unwrap().insert((first, second));
        t.join().unwrap();
    });
    let seen = SEEN.lock().unwrap().clone();
    assert!(seen.contains(&(false, false)), "{seen:?}");
    assert_eq!(seen.len(), 4, "{seen:?}");
}

/// A thread that yields is not put below one that can only wake
/// spuriously: the yielder may go on while the other stays parked (shuttle's
/// `thread_double_unpark`). The parked thread reads a count the main thread
/// bumps (std atomics: no scheduling points) before each unpark: it may
/// wake spuriously before any (0), spuriously between the yield and the
/// first unpark (1), or once main has gone on past its first unpark (2).
#[test]
fn a_yield_does_not_wait_for_a_thread_that_can_only_wake_spuriously() {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    let report = exhaustive().spurious_parks(true).explore(|| {
        let count = std::sync::Arc::new(AtomicUsize::new(0));
        let parkee = {
            let count = count.clone();
            sim::thread::spawn(move || {
                sim::thread::park();
                let c = count.load(SeqCst);
                sim::println!("saw {c}");
                if c == 1 {
                    sim::thread::park();
                }
            })
        };
        sim::thread::yield_now();
        count.fetch_add(1, SeqCst);
        parkee.thread().unpark();
        count.fetch_add(1, SeqCst);
        parkee.thread().unpark();
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
    assert_eq!(
        report.outputs.keys().collect::<Vec<_>>(),
        ["saw 0\n", "saw 1\n", "saw 2\n"],
        "{report}"
    );
}
