//! `Condition`: Python's documented behaviour, the notebook's program under
//! both timing models, lost wake-ups, misuse and spurious wake-ups.

use std::time::Duration;

use sim::threading::{Condition, Lock, RLock};
use sim::{Builder, FailureKind, Shared};

#[test]
fn wait_timeout_returns_false_exactly_at_the_virtual_deadline() {
    let report = Builder::new().executions(50).explore(|| {
        let cv = Condition::new();
        let _g = cv.lock();
        let woken = cv.wait_timeout(Duration::from_millis(1500));
        assert!(!woken);
        assert_eq!(sim::time::now(), Duration::from_millis(1500));
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn wait_timeout_returns_true_when_notified_before_the_deadline() {
    let report = Builder::new().executions(200).explore(|| {
        let cv = Condition::new();
        let waiting = Shared::new(false);
        let w = waiting.clone();
        let t = sim::thread::spawn(move || {
            let _g = cv.lock();
            w.set(true);
            let woken = cv.wait_timeout(Duration::from_secs(10));
            (woken, sim::time::now())
        });
        sim::time::sleep(Duration::from_secs(1));
        {
            let _g = cv.lock();
            assert!(waiting.get());
            cv.notify(1);
        }
        assert_eq!(t.join().unwrap(), (true, Duration::from_secs(1)));
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn wait_releases_every_rlock_level_and_restores_them() {
    let report = Builder::new().executions(300).explore(|| {
        let r = RLock::new();
        let cv = Condition::with_rlock(r);
        let ready = Shared::new(false);
        let rd = ready.clone();
        let waiter = sim::thread::spawn(move || {
            r.acquire();
            r.acquire();
            r.acquire();
            cv.wait_for(|| rd.get());
            // Still three levels: releasing three times is fine...
            r.release();
            r.release();
            r.release();
        });
        {
            // ...and the notifier could take the lock while the waiter,
            // three levels deep, waited.
            let _g = cv.lock();
            ready.set(true);
            cv.notify_all();
        }
        waiter.join().unwrap();
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn releasing_one_level_too_many_after_wait_is_misuse() {
    // Counter-check of the previous test: the levels really are restored
    // (two acquires, three releases fails).
    let report = Builder::new().executions(1).explore(|| {
        let r = RLock::new();
        let cv = Condition::with_rlock(r);
        r.acquire();
        r.acquire();
        cv.wait_timeout(Duration::from_secs(1));
        r.release();
        r.release();
        r.release();
    });
    let f = report.failure().unwrap();
    assert_eq!(f.kind, FailureKind::Misuse);
    assert!(f
        .message
        .starts_with("RuntimeError: cannot release un-acquired lock"));
}

#[test]
fn notify_wakes_waiters_in_fifo_order_and_only_n_of_them() {
    let report = Builder::new().executions(300).explore(|| {
        let cv = Condition::with_lock(Lock::new());
        let order = Shared::new(Vec::new());
        let waiting = Shared::new(0);
        let mut hs = Vec::new();
        for i in 0..3 {
            let (o, w) = (order.clone(), waiting.clone());
            hs.push(sim::thread::spawn(move || {
                let _g = cv.lock();
                w.with_mut(|w| *w += 1);
                cv.wait();
                o.with_mut(|o| o.push(i));
            }));
            // Each waits before the next starts: a known FIFO order.
            while {
                let _g = cv.lock();
                waiting.get()
            } <= i
            {
                sim::thread::yield_now();
            }
        }
        {
            let _g = cv.lock();
            cv.notify(2);
        }
        sim::time::sleep(Duration::from_secs(1));
        assert_eq!(
            {
                let _g = cv.lock();
                order.get().len()
            },
            2
        );
        {
            let _g = cv.lock();
            cv.notify(1);
        }
        for h in hs {
            h.join().unwrap();
        }
        let mut o = order.get();
        let first_two = &mut o[..2];
        first_two.sort();
        assert_eq!(o, [0, 1, 2]);
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn wait_without_the_lock_is_misuse_with_pythons_message() {
    let report = Builder::new().executions(1).explore(|| {
        Condition::new().wait();
    });
    let f = report.failure().unwrap();
    assert_eq!(f.kind, FailureKind::Misuse);
    assert!(
        f.message
            .starts_with("RuntimeError: cannot wait on un-acquired lock"),
        "{}",
        f.message
    );
    assert!(f.message.contains("MainThread called wait on Condition#"));
}

#[test]
fn wait_while_another_thread_holds_the_rlock_is_misuse() {
    let report = Builder::new().executions(20).explore(|| {
        let cv = Condition::new();
        cv.acquire();
        sim::thread::spawn(move || cv.wait_timeout(Duration::from_secs(1)))
            .join()
            .unwrap();
    });
    let f = report.failure().unwrap();
    assert_eq!(f.kind, FailureKind::Misuse);
    assert!(
        f.message.contains("Thread-1 called wait on"),
        "{}",
        f.message
    );
}

#[test]
fn notify_without_the_lock_is_misuse_with_pythons_message() {
    let report = Builder::new().executions(1).explore(|| {
        Condition::new().notify_all();
    });
    let f = report.failure().unwrap();
    assert_eq!(f.kind, FailureKind::Misuse);
    assert!(
        f.message
            .starts_with("RuntimeError: cannot notify on un-acquired lock"),
        "{}",
        f.message
    );
}

#[test]
fn notify_happens_before_the_wakeup_it_caused() {
    // The data is written before the notify and read after the wait, with
    // the lock held around both: no race. (The lock alone orders them too;
    // the next test removes the lock from the reader's side.)
    let report = Builder::new().executions(500).explore(|| {
        let cv = Condition::new();
        let data = Shared::new(0);
        let ready = Shared::new(false);
        let (d, r) = (data.clone(), ready.clone());
        let t = sim::thread::spawn(move || {
            let _g = cv.lock();
            cv.wait_for(|| r.get());
            d.get()
        });
        {
            let _g = cv.lock();
            data.set(42);
            ready.set(true);
            cv.notify(1);
        }
        assert_eq!(t.join().unwrap(), 42);
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn a_timed_out_waiter_still_consumes_a_notify_as_in_cpython() {
    // Waiter A times out at 1s but cannot re-acquire while the notifier
    // holds the lock (until 2s); the notifier's notify(1) picks A (still
    // queued, as in CPython) and B is never woken: B times out too.
    let report = Builder::new().executions(200).explore(|| {
        let cv = Condition::new();
        let a = sim::thread::spawn(move || {
            let _g = cv.lock();
            cv.wait_timeout(Duration::from_secs(1))
        });
        sim::time::sleep(Duration::from_millis(100)); // A waits first
        let b = sim::thread::spawn(move || {
            let _g = cv.lock();
            cv.wait_timeout(Duration::from_secs(5))
        });
        sim::time::sleep(Duration::from_millis(400));
        {
            let _g = cv.lock();
            sim::time::sleep(Duration::from_secs(2));
            cv.notify(1);
        }
        let (a, b) = (a.join().unwrap(), b.join().unwrap());
        sim::println!("{a} {b}");
    });
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(report.outputs.keys().collect::<Vec<_>>(), ["false false\n"]);
}

#[test]
fn spurious_wakeups_are_off_by_default_and_found_when_on() {
    // `if !ready { wait }` instead of `while`: wrong only with spurious
    // wake-ups.
    let body = || {
        let cv = Condition::new();
        let ready = Shared::new(false);
        let r = ready.clone();
        let t = sim::thread::spawn(move || {
            let _g = cv.lock();
            if !r.get() {
                cv.wait();
            }
            assert!(r.get(), "woke up without the flag");
        });
        {
            let _g = cv.lock();
            ready.set(true);
            cv.notify_all();
        }
        t.join().unwrap();
    };
    let off = Builder::new().executions(500).explore(body);
    assert!(off.failures.is_empty(), "{off}");
    let on = Builder::new()
        .spurious_wakeups(true)
        .executions(500)
        .explore(body);
    let f = on.failure().expect("a spurious wake-up breaks the if");
    assert_eq!(f.kind, FailureKind::Panic);
    assert!(f.message.contains("woke up without the flag"));
}

#[test]
fn the_traced_graph_has_notify_and_lock_edges_that_agree_with_the_clocks() {
    let body = || {
        let cv = Condition::new();
        let ready = Shared::new(false);
        let r = ready.clone();
        let t = sim::thread::spawn(move || {
            let _g = cv.lock();
            cv.wait_for(|| r.get());
        });
        sim::time::sleep(Duration::from_secs(1));
        let _g = cv.lock();
        ready.set(true);
        cv.notify(1);
        drop(_g);
        t.join().unwrap();
    };
    let trace = Builder::new().trace(body, "1").unwrap();
    assert!(trace.failure.is_none());
    let kinds: Vec<_> = trace.edges.iter().map(|e| e.kind).collect();
    assert!(kinds.contains(&sim::EdgeKind::Notify), "{kinds:?}");
    for e in &trace.edges {
        let from = &trace.events[trace.event_index(e.from).unwrap()];
        let to = &trace.events[trace.event_index(e.to).unwrap()];
        if e.kind == sim::EdgeKind::Notify {
            assert_eq!((from.op.as_str(), to.op.as_str()), ("notify", "wait"));
        }
        if e.kind == sim::EdgeKind::Lock && to.op == "reacquire" {
            assert!(from.op == "release" || from.op == "wait", "{}", from.op);
        }
        for (t, &v) in from.clock.iter().enumerate() {
            assert!(v <= to.clock.get(t).copied().unwrap_or(0), "{e:?}");
        }
    }
}

#[test]
fn a_notify_before_the_wait_is_named_as_a_lost_wakeup_and_no_notify_is_not() {
    let report = Builder::new().executions(1).explore(|| {
        let cv = Condition::new();
        {
            let _g = cv.lock();
            cv.notify(1); // nobody waits yet
        }
        let _g = cv.lock();
        cv.wait();
    });
    let f = report.failure().unwrap();
    assert_eq!(f.kind, FailureKind::Deadlock);
    assert!(
        f.message
            .contains("lost wake-up: MainThread waits on Condition#1")
            && f.message
                .contains("notified earlier (step 2 by MainThread at sim/tests/it/condition.rs:"),
        "{}",
        f.message
    );

    let report = Builder::new().executions(1).explore(|| {
        let cv = Condition::new();
        let _g = cv.lock();
        cv.wait();
    });
    let f = report.failure().unwrap();
    assert_eq!(f.kind, FailureKind::Deadlock);
    assert!(!f.message.contains("lost wake-up"), "{}", f.message);
    assert!(
        f.message
            .contains("MainThread is blocked in wait of Condition#1"),
        "{}",
        f.message
    );
}
