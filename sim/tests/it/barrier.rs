//! `Barrier`: Python's documented behaviour, the notebook's program, and
//! the deadlock of a barrier that too few threads reach.

use std::time::Duration;

use sim::threading::{Barrier, BrokenBarrierError};
use sim::{Builder, FailureKind, Shared};

#[test]
fn indices_are_0_to_n_minus_1_in_arrival_order_and_n_waiting_counts() {
    let report = Builder::new().executions(300).explore(|| {
        let b = Barrier::new(4);
        assert_eq!(b.parties(), 4);
        let hs: Vec<_> = (0..3u64)
            .map(|i| {
                let b = b.clone();
                sim::thread::spawn(move || {
                    // Arrive one second apart: a known order.
                    sim::time::sleep(Duration::from_secs(i + 1));
                    b.wait().unwrap()
                })
            })
            .collect();
        // Look at 0.5s, 1.5s, 2.5s, 3.5s.
        sim::time::sleep(Duration::from_millis(500));
        for expected in 0..3 {
            assert_eq!(b.n_waiting(), expected);
            sim::time::sleep(Duration::from_secs(1));
        }
        assert_eq!(b.n_waiting(), 3);
        assert_eq!(b.wait(), Ok(3));
        let indices: Vec<usize> = hs.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(indices, [0, 1, 2]);
        assert_eq!(b.n_waiting(), 0);
        assert!(!b.broken());
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn a_barrier_of_7_with_6_arrivals_deadlocks_naming_it_and_its_6_waiters() {
    let report = Builder::new().executions(50).explore(|| {
        let b = Barrier::new(7);
        for i in 0..6 {
            let b = b.clone();
            sim::thread::Builder::new()
                .name(format!("runner{i}"))
                .spawn(move || {
                    b.wait().unwrap();
                })
                .unwrap();
        }
    });
    let f = report.failure().expect("deadlock");
    assert_eq!(f.kind, FailureKind::Deadlock);
    let m = &f.message;
    for i in 0..6 {
        assert!(
            m.contains(&format!("runner{i} is blocked in wait of Barrier#0")),
            "{m}"
        );
    }
    assert_eq!(
        m.matches("is blocked in wait of Barrier#0").count(),
        6,
        "{m}"
    );
    assert!(
        m.contains("Barrier#0 (created at sim/tests/it/barrier.rs:")
            && m.contains("has 6 of 7 parties waiting (runner")
            && m.contains("1 more never arrive"),
        "{m}"
    );
}

#[test]
fn the_action_runs_once_per_round_in_the_last_thread_before_any_departs() {
    let report = Builder::new().executions(300).explore(|| {
        let log = Shared::new(Vec::new());
        let l = log.clone();
        let b = Barrier::new(3).action(move || {
            l.with_mut(|v| {
                v.push(format!(
                    "action by {}",
                    sim::threading::current_thread().name()
                ))
            })
        });
        let lock = sim::threading::Lock::new();
        let hs: Vec<_> = (0..3)
            .map(|_| {
                let (b, log) = (b.clone(), log.clone());
                sim::thread::spawn(move || {
                    for _ in 0..2 {
                        let i = b.wait().unwrap();
                        let _g = lock.lock();
                        log.with_mut(|v| v.push(format!("passed {i}")));
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        let log = log.get();
        assert_eq!(log.len(), 8);
        // Round one: the action, then three departures (indices 0, 1, 2
        // in some order); the same in round two.
        assert!(log[0].starts_with("action by Thread-"), "{log:?}");
        let mut first: Vec<_> = log[1..4].to_vec();
        first.sort();
        assert_eq!(first, ["passed 0", "passed 1", "passed 2"], "{log:?}");
        assert!(log[4].starts_with("action by Thread-"), "{log:?}");
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn all_arrivals_happen_before_all_departures() {
    let report = Builder::new().executions(300).explore(|| {
        let b = Barrier::new(3);
        let slots: Vec<Shared<u32>> = (0..3).map(|_| Shared::new(0)).collect();
        let hs: Vec<_> = (0..3)
            .map(|i| {
                let (b, slots) = (b.clone(), slots.clone());
                sim::thread::spawn(move || {
                    slots[i].set(1);
                    b.wait().unwrap();
                    slots.iter().map(|s| s.get()).sum::<u32>()
                })
            })
            .collect();
        for h in hs {
            assert_eq!(h.join().unwrap(), 3);
        }
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn a_timeout_breaks_the_barrier_exactly_at_the_deadline_for_everyone() {
    let report = Builder::new().executions(300).explore(|| {
        let b = Barrier::new(3);
        let b2 = b.clone();
        let other = sim::thread::spawn(move || (b2.wait(), sim::time::now()));
        assert_eq!(
            b.wait_timeout(Duration::from_secs(2)),
            Err(BrokenBarrierError)
        );
        assert_eq!(sim::time::now(), Duration::from_secs(2));
        assert_eq!(
            other.join().unwrap(),
            (Err(BrokenBarrierError), Duration::from_secs(2))
        );
        assert!(b.broken());
        assert_eq!(b.n_waiting(), 0);
        // Broken until reset.
        assert_eq!(b.wait(), Err(BrokenBarrierError));
        b.reset();
        assert!(!b.broken());
        let b3 = b.clone();
        let t = sim::thread::spawn(move || b3.wait());
        let mine = b.wait_timeout(Duration::from_secs(1));
        // Only two of three parties: the reset barrier times out again.
        assert_eq!(mine, Err(BrokenBarrierError));
        assert_eq!(t.join().unwrap(), Err(BrokenBarrierError));
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn the_default_timeout_applies_to_wait() {
    let report = Builder::new().executions(1).explore(|| {
        let b = Barrier::new(2).timeout(Duration::from_millis(300));
        assert_eq!(b.wait(), Err(BrokenBarrierError));
        assert_eq!(sim::time::now(), Duration::from_millis(300));
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn abort_breaks_waiting_threads_and_reset_wakes_them_with_an_error() {
    let report = Builder::new().executions(300).explore(|| {
        for use_abort in [true, false] {
            let b = Barrier::new(3);
            let hs: Vec<_> = (0..2)
                .map(|_| {
                    let b = b.clone();
                    sim::thread::spawn(move || b.wait())
                })
                .collect();
            sim::time::sleep(Duration::from_secs(1));
            assert_eq!(b.n_waiting(), 2);
            if use_abort {
                b.abort();
            } else {
                b.reset();
            }
            for h in hs {
                assert_eq!(h.join().unwrap(), Err(BrokenBarrierError));
            }
            assert_eq!(b.broken(), use_abort);
            if !use_abort {
                // After a reset the barrier works again.
                let b2 = b.clone();
                let b3 = b.clone();
                let t1 = sim::thread::spawn(move || b2.wait().unwrap());
                let t2 = sim::thread::spawn(move || b3.wait().unwrap());
                let mut got = vec![b.wait().unwrap(), t1.join().unwrap(), t2.join().unwrap()];
                got.sort();
                assert_eq!(got, [0, 1, 2]);
            }
        }
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn a_panicking_action_breaks_the_barrier() {
    let report = Builder::new().executions(100).explore(|| {
        let b = Barrier::new(2).action(|| panic!("action failed"));
        let b2 = b.clone();
        let t = sim::thread::spawn(move || b2.wait());
        let mine = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| b.wait()));
        // One of the two ran the action and panicked; the other got the error.
        let theirs = t.join();
        match (mine, theirs) {
            (Err(_), Ok(r)) => assert_eq!(r, Err(BrokenBarrierError)),
            (Ok(r), Err(e)) => {
                assert_eq!(r, Err(BrokenBarrierError));
                assert_eq!(e.downcast_ref::<&str>(), Some(&"action failed"));
            }
            _ => panic!("exactly one thread runs the action"),
        }
        assert!(b.broken());
    });
    let f = report.failure().expect("the action's panic is reported");
    assert_eq!(f.kind, FailureKind::Panic);
    assert!(f.message.contains("action failed"), "{}", f.message);
}
