//! std's locks and condition variables (`sim::sync`): Mutex, RwLock,
//! Condvar; the statics, `Arc`, the fairness rule and the entry points are
//! in `sync_statics`, `fairness` and `entry_points`.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use sim::sync::{Arc, Condvar, Mutex, RwLock, TryLockError};
use sim::{Builder, FailureKind, Shared, Strategy, Timing};

pub(crate) fn exhaustive() -> Builder {
    Builder::new()
        .strategy(Strategy::Exhaustive)
        .executions(1_000_000)
}

/// `THREADS` threads each increment a `Mutex<usize>` `INCS` times.
pub(crate) fn mutex_increments<const THREADS: usize, const INCS: usize>() {
    let m = Arc::new(Mutex::new(0usize));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let m = m.clone();
            sim::thread::spawn(move || {
                for _ in 0..INCS {
                    *m.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(*m.lock().unwrap(), THREADS * INCS);
}

// The traces of these programs are the orders of their critical sections:
// 6! / (2! 2! 2!) = 90 and 6! / (3! 3!) = 20 (hand count, as for `Lock`).
#[test]
fn three_threads_two_mutex_increments_is_90() {
    let report = exhaustive().explore(mutex_increments::<3, 2>);
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
    assert_eq!(report.executions, 90);
}

#[test]
fn two_threads_three_mutex_increments_is_20() {
    let report = exhaustive().explore(mutex_increments::<2, 3>);
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
    assert_eq!(report.executions, 20);
}

#[test]
fn a_mutex_orders_the_data_it_guards() {
    // Data written under the mutex and read under it: no race.
    let report = exhaustive().explore(|| {
        let m = Arc::new(Mutex::new(()));
        let x = Shared::new(0);
        let (m2, x2) = (m.clone(), x.clone());
        let t = sim::thread::spawn(move || {
            let _g = m2.lock().unwrap();
            x2.set(1);
        });
        {
            let _g = m.lock().unwrap();
            x.get();
        }
        t.join().unwrap();
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn relocking_a_held_mutex_is_a_failure_naming_it() {
    let report = Builder::new().executions(1).explore(|| {
        let m = Mutex::new(0);
        let _a = m.lock().unwrap();
        let _b = m.lock();
    });
    let f = &report.failures[0];
    assert!(
        f.message
            .contains("tried to acquire a Mutex it already holds"),
        "{}",
        f.message
    );
    assert!(f.message.contains("deadlock"), "{}", f.message);
}

#[test]
fn try_lock_of_a_held_mutex_would_block() {
    let report = Builder::new().executions(1).explore(|| {
        let m = Mutex::new(0);
        let _a = m.lock().unwrap();
        assert!(matches!(m.try_lock(), Err(TryLockError::WouldBlock)));
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn lock_order_deadlock_between_two_mutexes_is_found() {
    let report = exhaustive().explore(|| {
        let ab = Arc::new((Mutex::new(()), Mutex::new(())));
        let ab2 = ab.clone();
        let t = sim::thread::spawn(move || {
            let _a = ab2.0.lock().unwrap();
            let _b = ab2.1.lock().unwrap();
        });
        {
            let _b = ab.1.lock().unwrap();
            let _a = ab.0.lock().unwrap();
        }
        t.join().unwrap();
    });
    let f = &report.failures[0];
    assert_eq!(f.kind, FailureKind::Deadlock);
    assert!(f.message.contains("Mutex#"), "{}", f.message);
}

#[test]
fn a_panic_while_holding_a_mutex_releases_and_poisons_it() {
    // The guard's drop runs while the thread unwinds: the mutex is
    // released (main does not deadlock) and poisoned.
    let report = exhaustive().thread_panics_fail(false).explore(|| {
        let m = Arc::new(Mutex::new(1));
        let m2 = m.clone();
        let t = sim::thread::spawn(move || {
            let _g = m2.lock().unwrap();
            panic!("boom");
        });
        let err = t.join().unwrap_err();
        drop(err);
        let poisoned = m.lock().unwrap_err();
        assert_eq!(*poisoned.into_inner(), 1);
        assert!(m.is_poisoned());
        m.clear_poison();
        assert!(m.lock().is_ok());
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete);
}

#[test]
fn a_thread_panic_fails_the_run_by_default_even_when_joined() {
    let report = Builder::new().executions(1).explore(|| {
        let t = sim::thread::spawn(|| panic!("boom"));
        let _ = t.join();
    });
    assert_eq!(report.failures[0].kind, FailureKind::Panic);
}

#[test]
fn a_python_lock_guard_is_released_when_its_thread_panics() {
    let report = exhaustive().thread_panics_fail(false).explore(|| {
        let lock = sim::threading::Lock::new();
        let t = sim::thread::spawn(move || {
            let _g = lock.lock();
            panic!("boom");
        });
        let _ = t.join();
        let _g = lock.lock();
    });
    assert!(report.failures.is_empty(), "{report}");
}

/// A bounded buffer of capacity 1 with a Condvar: one producer, `C`
/// consumers of one item each.
fn condvar_buffer<const C: usize>() {
    let state = Arc::new((Mutex::new(Vec::<u32>::new()), Condvar::new()));
    let consumers: Vec<_> = (0..C)
        .map(|_| {
            let state = state.clone();
            sim::thread::spawn(move || {
                let (m, cv) = &*state;
                let mut q = cv.wait_while(m.lock().unwrap(), |q| q.is_empty()).unwrap();
                q.pop().unwrap()
            })
        })
        .collect();
    for i in 0..C as u32 {
        let (m, cv) = &*state;
        m.lock().unwrap().push(i);
        cv.notify_one();
    }
    let mut got: Vec<u32> = consumers.into_iter().map(|h| h.join().unwrap()).collect();
    got.sort();
    assert_eq!(got, (0..C as u32).collect::<Vec<_>>());
}

#[test]
fn condvar_producer_with_two_consumers_never_fails() {
    let report = exhaustive().explore(condvar_buffer::<2>);
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete);
}

#[test]
fn a_condvar_notify_before_the_wait_is_a_lost_wakeup() {
    // Waiting without a predicate: a notify that comes first is lost.
    let report = exhaustive().explore(|| {
        let state = Arc::new((Mutex::new(()), Condvar::new()));
        let s2 = state.clone();
        let t = sim::thread::spawn(move || {
            let (m, cv) = &*s2;
            let g = m.lock().unwrap();
            drop(cv.wait(g).unwrap());
        });
        state.1.notify_one();
        t.join().unwrap();
    });
    let f = &report.failures[0];
    assert_eq!(f.kind, FailureKind::Deadlock);
    assert!(f.message.contains("lost wake-up"), "{}", f.message);
}

#[test]
fn condvar_wait_timeout_is_exact_under_exact_timing() {
    let report = exhaustive().timing(Timing::Exact).explore(|| {
        let (m, cv) = (Mutex::new(()), Condvar::new());
        let (_g, r) = cv
            .wait_timeout(m.lock().unwrap(), Duration::from_secs(2))
            .unwrap();
        assert!(r.timed_out());
        assert_eq!(sim::time::now(), Duration::from_secs(2));
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn condvar_wait_timeout_may_fire_before_the_notify_under_adversarial_timing() {
    // The notifier sends at once; under Exact timing the 10 s timeout can
    // never win, under Adversarial it can: both outcomes are explored.
    let outcomes = |timing| {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
        let s = seen.clone();
        let report = exhaustive().timing(timing).explore(move || {
            let state = Arc::new((Mutex::new(false), Condvar::new()));
            let s2 = state.clone();
            let t = sim::thread::spawn(move || {
                *s2.0.lock().unwrap() = true;
                s2.1.notify_one();
            });
            let (m, cv) = &*state;
            let (g, r) = cv
                .wait_timeout_while(m.lock().unwrap(), Duration::from_secs(10), |ready| !*ready)
                .unwrap();
            s.lock().unwrap().insert(r.timed_out());
            drop(g);
            t.join().unwrap();
        });
        assert!(report.failures.is_empty(), "{report}");
        let v: Vec<bool> = seen.lock().unwrap().iter().copied().collect();
        v
    };
    assert_eq!(outcomes(Timing::Exact), vec![false]);
    assert_eq!(outcomes(Timing::Adversarial), vec![false, true]);
}

#[test]
fn a_condvar_used_with_two_mutexes_is_misuse() {
    let report = Builder::new().executions(1).explore(|| {
        let (a, b, cv) = (Mutex::new(()), Mutex::new(()), Condvar::new());
        let _ = cv.wait_timeout(a.lock().unwrap(), Duration::from_secs(1));
        let _ = cv.wait_timeout(b.lock().unwrap(), Duration::from_secs(1));
    });
    let f = &report.failures[0];
    assert_eq!(f.kind, FailureKind::Misuse);
    assert!(f.message.contains("two mutexes"), "{}", f.message);
}

#[test]
fn rwlock_readers_overlap_and_writers_exclude() {
    let overlapped = std::sync::Arc::new(AtomicUsize::new(0));
    let o = overlapped.clone();
    let report = exhaustive().explore(move || {
        let l = Arc::new(RwLock::new(0));
        let readers = Arc::new(Mutex::new(0));
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let (l, readers, o) = (l.clone(), readers.clone(), o.clone());
                sim::thread::spawn(move || {
                    let g = l.read().unwrap();
                    *readers.lock().unwrap() += 1;
                    if *readers.lock().unwrap() == 2 {
                        o.fetch_add(1, SeqCst);
                    }
                    *readers.lock().unwrap() -= 1;
                    drop(g);
                })
            })
            .collect();
        {
            let mut w = l.write().unwrap();
            assert_eq!(*readers.lock().unwrap(), 0, "a writer beside a reader");
            *w += 1;
        }
        for h in hs {
            h.join().unwrap();
        }
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete);
    assert!(
        overlapped.load(SeqCst) > 0,
        "two readers never held it together"
    );
}

#[test]
fn rwlock_try_write_while_read_would_block_and_relocking_fails() {
    let report = Builder::new().executions(1).explore(|| {
        let l = RwLock::new(0);
        let _r = l.read().unwrap();
        assert!(matches!(l.try_write(), Err(TryLockError::WouldBlock)));
        let _w = l.write();
    });
    let f = &report.failures[0];
    assert!(
        f.message
            .contains("tried to acquire a RwLock it already holds"),
        "{}",
        f.message
    );
}

#[test]
fn a_rwlock_writer_panic_poisons() {
    let report = Builder::new()
        .thread_panics_fail(false)
        .executions(20)
        .explore(|| {
            let l = Arc::new(RwLock::new(0));
            let l2 = l.clone();
            let _ = sim::thread::spawn(move || {
                let _w = l2.write().unwrap();
                panic!("boom");
            })
            .join();
            assert!(l.read().is_err());
            assert!(l.is_poisoned());
        });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn the_readme_worked_example_takes_two_executions() {
    use sim::sync::atomic::{AtomicUsize, Ordering};
    let report = exhaustive().explore(|| {
        let n = Arc::new(Mutex::new(0));
        let done = Arc::new(AtomicUsize::new(0));
        let (n2, d2) = (n.clone(), done.clone());
        let t = sim::thread::spawn(move || {
            *n2.lock().unwrap() += 1;
            d2.fetch_add(1, Ordering::Release);
        });
        *n.lock().unwrap() += 1;
        t.join().unwrap();
        assert_eq!(done.load(Ordering::Acquire), 1);
        assert_eq!(*n.lock().unwrap(), 2);
    });
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(report.executions, 2, "{report}");
}

#[test]
fn condvar_notify_one_may_wake_either_waiter() {
    // std promises to wake *a* waiter, not the oldest: both are explored.
    let woken = std::sync::Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
    let w = woken.clone();
    let report = exhaustive().explore(move || {
        let state = Arc::new((Mutex::new((0u32, None::<u32>)), Condvar::new()));
        let (m, cv) = &*state;
        // Thread 1 always waits first, thread 2 second (each is spawned
        // once the one before waits), so a FIFO condvar would always wake 1.
        let wait_for = |n: u32| loop {
            if m.lock().unwrap().0 == n {
                break;
            }
            sim::thread::yield_now();
        };
        let mut hs = Vec::new();
        for id in 1..=2u32 {
            let state = state.clone();
            hs.push(sim::thread::spawn(move || {
                let (m, cv) = &*state;
                let mut g = m.lock().unwrap();
                g.0 += 1;
                g = cv.wait_while(g, |s| s.1.is_none()).unwrap();
                if g.1 == Some(0) {
                    g.1 = Some(id);
                }
                cv.notify_one();
            }));
            wait_for(id);
        }
        {
            let mut g = m.lock().unwrap();
            g.1 = Some(0);
            cv.notify_one();
        }
        for h in hs {
            h.join().unwrap();
        }
        w.lock().unwrap().insert(m.lock().unwrap().1.unwrap());
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
    assert_eq!(
        woken.lock().unwrap().iter().copied().collect::<Vec<_>>(),
        vec![1, 2]
    );
}

/// A writer and two readers of one `RwLock`: reduced by the optimal DPOR
/// as a `Mutex` is (every RwLock operation conflicts: `rt/prims/rwlock.rs`
/// says why), so one execution per order of the six lock operations the
/// lock allows: the two readers' acquire/release pairs interleave in 6
/// ways (2 of them one after the other, 4 overlapping), and the writer's
/// section goes before, between (only when they do not overlap) or after
/// them: 2 x 3 + 4 x 2 = 14. Every pair of values the readers can see.
#[test]
fn rwlock_programs_are_reduced_like_mutex_programs() {
    let report = exhaustive().stop_on_first_failure(false).explore(|| {
        let l = Arc::new(sim::sync::RwLock::new(0));
        let w = l.clone();
        let writer = sim::thread::spawn(move || *w.write().unwrap() += 1);
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let r = l.clone();
                sim::thread::spawn(move || *r.read().unwrap())
            })
            .collect();
        writer.join().unwrap();
        let seen: Vec<i32> = readers.into_iter().map(|h| h.join().unwrap()).collect();
        sim::print!("{seen:?}");
    });
    assert!(report.complete && report.failures.is_empty(), "{report}");
    assert_eq!(report.unreduced, None, "{report}");
    assert_eq!(report.executions, 14);
    let outputs: Vec<&str> = report.outputs.keys().map(String::as_str).collect();
    assert_eq!(outputs, ["[0, 0]", "[0, 1]", "[1, 0]", "[1, 1]"]);
}
