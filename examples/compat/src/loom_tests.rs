//! The crate's tests, written as a loom user writes them: `loom::model`,
//! `loom::sync`, `loom::thread`, `loom::cell`, `loom::lazy_static!`. The
//! data structures above are compiled against `loom` here (`cfg(test)`),
//! and `loom` is sim (see `Cargo.toml`).
//!
//! Tests that expect a failure run the program with `loom::Builder` (sim's
//! exploration builder, reached through the same rename) and assert on the
//! report, instead of `#[should_panic]`: a failing `loom::model` saves its
//! trace in the workspace's `traces/` corpus (`SIM_PERSIST=off` not to).

use std::time::Duration;

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::{Arc, Condvar, Mutex, OnceLock, RwLock};
use loom::thread;
use loom::{FailureKind, Report, Strategy, Timing};

use crate::counter::Counter;
use crate::lazy::Lazy;
use crate::queue::BoundedQueue;
use crate::ring;
use crate::sum::parallel_sum;

/// Every execution (optimal DPOR), as `loom::model`, but returning the
/// report instead of panicking.
fn explore_all(f: impl Fn() + Send + Sync + 'static) -> Report {
    let report = loom::Builder::new()
        .strategy(Strategy::Exhaustive)
        .executions(1_000_000)
        .explore(f);
    assert!(report.complete || report.failure().is_some(), "{report}");
    report
}

fn only_failure(report: &Report) -> &loom::Failure {
    report
        .failure()
        .unwrap_or_else(|| panic!("expected a failure: {report}"))
}

// ---- the data structures ------------------------------------------------

#[test]
fn bounded_queue_keeps_fifo_order_with_a_full_queue_and_blocking_push() {
    loom::model(|| {
        let q = Arc::new(BoundedQueue::new(1));
        let producer = {
            let q = q.clone();
            thread::spawn(move || {
                q.push(1).unwrap();
                q.push(2).unwrap(); // blocks until the consumer pops 1
            })
        };
        assert_eq!(q.pop(), Some(1));
        assert_eq!(q.pop(), Some(2));
        producer.join().unwrap();
    });
}

#[test]
fn bounded_queue_close_wakes_a_blocked_consumer() {
    loom::model(|| {
        let q = Arc::new(BoundedQueue::<u32>::new(1));
        let consumer = {
            let q = q.clone();
            thread::spawn(move || q.pop())
        };
        q.close();
        assert_eq!(consumer.join().unwrap(), None);
        assert_eq!(q.push(3), Err(3));
    });
}

#[test]
fn counter_loses_no_increment() {
    loom::model(|| {
        let c = Arc::new(Counter::new());
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let c = c.clone();
                thread::spawn(move || {
                    c.incr();
                    c.incr();
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(c.get(), 4);
    });
}

#[test]
fn counter_under_a_preemption_bound_with_loom_model_builder() {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(2);
    builder.check(|| {
        let c = Arc::new(Counter::new());
        let handles: Vec<_> = (0..3)
            .map(|_| {
                let c = c.clone();
                thread::spawn(move || c.incr())
            })
            .collect();
        let mut seen: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        seen.sort();
        assert_eq!(seen, [1, 2, 3], "each increment returns a distinct value");
    });
}

/// The consumer reads slots while the producer writes and reuses them
/// (capacity 1: the second push needs the first pop's hand-back): in order,
/// nothing lost, and the slot accesses are race-free in every execution.
/// (No spin-until-ready loop here: see the README on `yield_now` loops
/// under exhaustive exploration.)
#[test]
fn spsc_ring_delivers_in_order_and_its_slots_are_race_free() {
    loom::model(|| {
        let (mut tx, mut rx) = ring::channel(1);
        let producer = thread::spawn(move || {
            tx.push(0).unwrap();
            let second = tx.push(1).is_ok(); // full unless 0 was popped
            (tx, second)
        });
        let mut got: Vec<i32> = rx.pop().into_iter().collect();
        let (_tx, second) = producer.join().unwrap();
        got.extend(rx.pop());
        let expected: &[i32] = if second { &[0, 1] } else { &[0] };
        assert_eq!(got, expected);
        assert_eq!(rx.pop(), None);
    });
}

#[test]
fn spsc_ring_drops_the_items_left_in_it() {
    loom::model(|| {
        let item = Arc::new(());
        let (mut tx, rx) = ring::channel(2);
        let t = thread::spawn({
            let item = item.clone();
            move || tx.push(item).unwrap()
        });
        t.join().unwrap();
        drop(rx);
        // The ring dropped its item: only ours is left (and no Arc leaks).
        assert_eq!(Arc::strong_count(&item), 1);
    });
}

/// The Acquire/Release flag is race-free: the value written before the
/// Release store is read after the Acquire load without a race, in every
/// execution, and the initialiser runs once.
#[test]
fn double_checked_lazy_with_acquire_release_is_race_free() {
    loom::model(|| {
        let lazy = Arc::new(Lazy::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (lazy, runs) = (lazy.clone(), runs.clone());
                thread::spawn(move || {
                    *lazy.get_or_init(|| {
                        runs.fetch_add(1, Ordering::Relaxed);
                        42
                    })
                })
            })
            .collect();
        let peek = lazy.get().copied(); // the fast path, racing the init
        for h in handles {
            assert_eq!(h.join().unwrap(), 42);
        }
        assert!(peek.is_none() || peek == Some(42));
        assert_eq!(runs.load(Ordering::Relaxed), 1);
    });
}

#[test]
fn parallel_sum_over_scoped_threads() {
    loom::model(|| {
        let data: Vec<u64> = (1..=6).collect();
        assert_eq!(parallel_sum(&data, 3), 21);
    });
}

// ---- the semantics points -------------------------------------------------

/// A Relaxed flag publishes nothing: the read of the data races with its
/// write, and the report names both accesses.
#[test]
fn relaxed_flag_publication_is_a_data_race_naming_both_accesses() {
    let write_line = line!() + 7;
    let read_line = line!() + 10;
    let report = explore_all(|| {
        let data = Arc::new(loom::cell::UnsafeCell::new(0));
        let ready = Arc::new(AtomicBool::new(false));
        let (d, r) = (data.clone(), ready.clone());
        let t = thread::spawn(move || {
            d.with_mut(|p| unsafe { *p = 42 });
            r.store(true, Ordering::Relaxed);
        });
        if ready.load(Ordering::Relaxed) {
            let v = data.with(|p| unsafe { *p });
            assert_eq!(v, 42);
        }
        t.join().unwrap();
    });
    let failure = only_failure(&report);
    assert_eq!(failure.kind, FailureKind::DataRace, "{report}");
    let file = file!();
    for line in [write_line, read_line] {
        let at = format!("{file}:{line}");
        assert!(
            failure.message.contains(&at),
            "{at} not in {}",
            failure.message
        );
    }
}

#[test]
fn mutex_is_poisoned_after_a_joined_panic() {
    let program = || {
        let m = Arc::new(Mutex::new(0));
        let m2 = m.clone();
        let t = thread::spawn(move || {
            let mut g = m2.lock().unwrap();
            *g += 1;
            panic!("while holding the lock");
        });
        assert!(t.join().is_err());
        assert!(m.is_poisoned());
        let err = m.lock().unwrap_err();
        assert_eq!(*err.into_inner(), 1, "the guard is inside the PoisonError");
        m.clear_poison();
        assert_eq!(*m.lock().unwrap(), 1);
    };
    let recover = loom::Builder::new()
        .thread_panics_fail(false)
        .strategy(Strategy::Exhaustive)
        .explore(program);
    assert!(recover.failures.is_empty(), "{recover}");
    // By default (as loom and shuttle) the thread's panic fails the run.
    let strict = loom::Builder::new()
        .strategy(Strategy::Exhaustive)
        .explore(program);
    assert_eq!(only_failure(&strict).kind, FailureKind::Panic);
}

#[test]
fn rwlock_is_poisoned_by_a_writer_panic_not_by_a_reader_panic() {
    let report = loom::Builder::new()
        .thread_panics_fail(false)
        .strategy(Strategy::Exhaustive)
        .explore(|| {
            let l = Arc::new(RwLock::new(0));
            let l2 = l.clone();
            let reader = thread::spawn(move || {
                let _r = l2.read().unwrap();
                panic!("reader");
            });
            assert!(reader.join().is_err());
            assert!(!l.is_poisoned());
            let l3 = l.clone();
            let writer = thread::spawn(move || {
                let _w = l3.write().unwrap();
                panic!("writer");
            });
            assert!(writer.join().is_err());
            assert!(l.read().is_err());
            assert!(l.write().is_err());
        });
    assert!(report.failures.is_empty(), "{report}");
}

/// `Condvar::wait_timeout` (through the queue's `pop_timeout`): under
/// `Timing::Exact` it times out exactly when the deadline passes first;
/// under `Timing::Adversarial` it may time out while it still waits.
#[test]
fn condvar_wait_timeout_is_exact_under_exact_timing_and_may_fire_early_under_adversarial() {
    // The item comes after 5 ms, the consumer waits at most 10 ms (or 2 ms).
    let program = |wait_ms: u64| {
        move || {
            let q = Arc::new(BoundedQueue::new(1));
            let q2 = q.clone();
            let t = thread::spawn(move || {
                thread::sleep(Duration::from_millis(5));
                q2.push(7).unwrap();
            });
            let got = q.pop_timeout(Duration::from_millis(wait_ms));
            loom::println!("{got:?}");
            t.join().unwrap();
        }
    };
    let run = |timing, wait_ms| {
        let report = loom::Builder::new()
            .timing(timing)
            .strategy(Strategy::Exhaustive)
            .explore(program(wait_ms));
        assert!(report.failures.is_empty(), "{report}");
        report.outputs.keys().cloned().collect::<Vec<_>>()
    };
    assert_eq!(run(Timing::Exact, 10), ["Some(7)\n"]);
    assert_eq!(run(Timing::Exact, 2), ["None\n"]);
    assert_eq!(run(Timing::Adversarial, 10), ["None\n", "Some(7)\n"]);
}

/// A `wait` loop on a predicate is correct even with spurious wake-ups; a
/// bare `wait` that trusts its wake-up is not.
#[test]
fn condvar_spurious_wakeups_break_a_bare_wait() {
    let program = |bare: bool| {
        move || {
            let pair = Arc::new((Mutex::new(false), Condvar::new()));
            let p2 = pair.clone();
            let t = thread::spawn(move || {
                *p2.0.lock().unwrap() = true;
                p2.1.notify_one();
            });
            let (m, cv) = &*pair;
            let mut ready = m.lock().unwrap();
            if bare {
                if !*ready {
                    ready = cv.wait(ready).unwrap();
                }
            } else {
                while !*ready {
                    ready = cv.wait(ready).unwrap();
                }
            }
            assert!(*ready, "woke up before the notify");
            drop(ready);
            t.join().unwrap();
        }
    };
    // Random executions: with spurious wake-ups a wait loop's space is
    // unbounded, which exhaustive exploration cannot cover (see README).
    let spurious = || loom::Builder::new().spurious_wakeups(true).executions(300);
    let looped = spurious().explore(program(false));
    assert!(looped.failures.is_empty(), "{looped}");
    let report = spurious().explore(program(true));
    assert_eq!(only_failure(&report).kind, FailureKind::Panic, "{report}");
    // Without spurious wake-ups the bare wait happens to be enough.
    assert!(explore_all(program(true)).failures.is_empty());
}

/// `park` may return without an `unpark` (std allows it) when spurious
/// wake-ups are on: code must re-check its condition in a loop.
#[test]
fn park_may_wake_spuriously() {
    let program = |looped: bool| {
        move || {
            let flag = Arc::new(AtomicBool::new(false));
            let f2 = flag.clone();
            let parker = thread::spawn(move || {
                if looped {
                    while !f2.load(Ordering::Acquire) {
                        thread::park();
                    }
                } else {
                    thread::park();
                }
                assert!(
                    f2.load(Ordering::Acquire),
                    "park returned before the unpark"
                );
            });
            flag.store(true, Ordering::Release);
            parker.thread().unpark();
            parker.join().unwrap();
        }
    };
    // Random executions: with spurious wake-ups a wait loop's space is
    // unbounded, which exhaustive exploration cannot cover (see README).
    let spurious = || loom::Builder::new().spurious_wakeups(true).executions(300);
    let report = spurious().explore(program(false));
    assert_eq!(only_failure(&report).kind, FailureKind::Panic, "{report}");
    let looped = spurious().explore(program(true));
    assert!(looped.failures.is_empty(), "{looped}");
    assert!(explore_all(program(false)).failures.is_empty());
}

/// An `Arc` cycle outlives the execution: loom's leak check.
#[test]
fn an_arc_cycle_is_a_leak() {
    struct Node {
        next: Mutex<Option<Arc<Node>>>,
    }
    let program = |cycle: bool| {
        move || {
            let a = Arc::new(Node {
                next: Mutex::new(None),
            });
            let b = Arc::new(Node {
                next: Mutex::new(Some(a.clone())),
            });
            if cycle {
                *a.next.lock().unwrap() = Some(b.clone());
            }
            let t = thread::spawn(move || drop(b));
            t.join().unwrap();
        }
    };
    let report = explore_all(program(true));
    let failure = only_failure(&report);
    assert_eq!(failure.kind, FailureKind::Leak, "{report}");
    assert!(failure.message.contains("Arc"), "{}", failure.message);
    assert!(explore_all(program(false)).failures.is_empty());
}

loom::lazy_static! {
    static ref CALLS: AtomicUsize = AtomicUsize::new(0);
}

static FIRST: OnceLock<usize> = OnceLock::new();

/// `lazy_static!` statics and static `OnceLock`s start fresh in every
/// execution, as in a fresh run of the program.
#[test]
fn statics_are_fresh_in_every_execution() {
    let report = explore_all(|| {
        let t = thread::spawn(|| {
            CALLS.fetch_add(1, Ordering::Relaxed);
            FIRST.set(1)
        });
        CALLS.fetch_add(1, Ordering::Relaxed);
        let mine = FIRST.set(0);
        let theirs = t.join().unwrap();
        assert_eq!(CALLS.load(Ordering::Relaxed), 2);
        assert!(mine.is_ok() != theirs.is_ok(), "exactly one set wins");
        loom::println!("winner {}", FIRST.get().unwrap());
    });
    assert!(report.failures.is_empty(), "{report}");
    // Both winners happen, so the OnceLock was empty in each execution.
    assert_eq!(report.outputs.len(), 2, "{report}");
    assert!(report.executions >= 2);
}

// ---- async (`loom::future`, with loom's `futures` feature) --------------

/// A future that waits for a flag another thread sets, through loom's
/// `AtomicWaker`: registered before the flag is checked again, so no wake
/// is lost, in every interleaving.
#[test]
fn atomic_waker_hands_a_flag_to_a_future() {
    use loom::future::{block_on, AtomicWaker};
    use std::future::poll_fn;
    use std::task::Poll;

    loom::model(|| {
        let flag = Arc::new((AtomicBool::new(false), AtomicWaker::new()));
        let setter = {
            let flag = Arc::clone(&flag);
            thread::spawn(move || {
                flag.0.store(true, Ordering::Release);
                flag.1.wake();
            })
        };
        block_on(poll_fn(|cx| {
            flag.1.register_by_ref(cx.waker());
            if flag.0.load(Ordering::Acquire) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }));
        setter.join().unwrap();
    });
}
