//! The tests a shuttle user writes: `shuttle::check_random`,
//! `shuttle::check_pct`, `shuttle::check_dfs`, `shuttle::sync`,
//! `shuttle::thread`. `shuttle` is sim (see `Cargo.toml`).
//!
//! Tests that expect a failure, or compare timings, run the program with
//! `shuttle::Builder` (sim's exploration builder, through the same rename)
//! and assert on its report.

use std::time::Duration;

use shuttle::sync::atomic::{AtomicUsize, Ordering};
use shuttle::sync::mpsc::{self, RecvError, RecvTimeoutError, TryRecvError, TrySendError};
use shuttle::sync::{Arc, Barrier, Mutex};
use shuttle::thread;
use shuttle::{FailureKind, Strategy, Timing};

use crate::counter::Counter;
use crate::lazy::Lazy;
use crate::queue::BoundedQueue;
use crate::ring;
use crate::sum::parallel_sum;

// ---- the data structures ------------------------------------------------

#[test]
fn bounded_queue_two_producers_two_consumers_random() {
    shuttle::check_random(
        || {
            let q = Arc::new(BoundedQueue::new(1));
            let producers: Vec<_> = (0..2)
                .map(|p| {
                    let q = q.clone();
                    thread::spawn(move || {
                        for i in 0..3 {
                            q.push(p * 10 + i).unwrap();
                        }
                    })
                })
                .collect();
            let consumers: Vec<_> = (0..2)
                .map(|_| {
                    let q = q.clone();
                    thread::spawn(move || {
                        let mut got = Vec::new();
                        while let Some(v) = q.pop() {
                            got.push(v);
                        }
                        got
                    })
                })
                .collect();
            for p in producers {
                p.join().unwrap();
            }
            q.close();
            let mut all: Vec<u32> = Vec::new();
            for c in consumers {
                let got = c.join().unwrap();
                // Each producer's items come out in its order.
                for p in 0..2 {
                    let mine: Vec<_> = got.iter().filter(|v| **v / 10 == p).collect();
                    assert!(mine.windows(2).all(|w| w[0] < w[1]), "{got:?}");
                }
                all.extend(got);
            }
            all.sort();
            assert_eq!(all, [0, 1, 2, 10, 11, 12]);
        },
        300,
    );
}

#[test]
fn counter_pct() {
    shuttle::check_pct(
        || {
            let c = Arc::new(Counter::new());
            let handles: Vec<_> = (0..3)
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
            assert_eq!(c.get(), 6);
        },
        300,
        3,
    );
}

#[test]
fn spsc_ring_random() {
    shuttle::check_random(
        || {
            let (mut tx, mut rx) = ring::channel(2);
            let producer = thread::spawn(move || {
                for i in 0..5 {
                    let mut item = i;
                    while let Err(back) = tx.push(item) {
                        item = back;
                        thread::yield_now();
                    }
                }
            });
            let mut got = Vec::new();
            while got.len() < 5 {
                match rx.pop() {
                    Some(v) => got.push(v),
                    None => thread::yield_now(),
                }
            }
            assert_eq!(got, [0, 1, 2, 3, 4]);
            producer.join().unwrap();
        },
        300,
    );
}

#[test]
fn lazy_initialises_once_dfs() {
    shuttle::check_dfs(
        || {
            let lazy = Arc::new(Lazy::new());
            let runs = Arc::new(AtomicUsize::new(0));
            let handles: Vec<_> = (0..2)
                .map(|i| {
                    let (lazy, runs) = (lazy.clone(), runs.clone());
                    thread::spawn(move || {
                        *lazy.get_or_init(|| {
                            runs.fetch_add(1, Ordering::Relaxed);
                            i
                        })
                    })
                })
                .collect();
            let values: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            assert_eq!(values[0], values[1], "both see the one value");
            assert_eq!(runs.load(Ordering::Relaxed), 1);
        },
        None,
    );
}

/// 1,000 threads (loom stops at 5): each one increments the counter.
#[test]
fn a_thousand_threads() {
    shuttle::check_random(
        || {
            let c = Arc::new(Counter::new());
            let handles: Vec<_> = (0..1000)
                .map(|_| {
                    let c = c.clone();
                    thread::spawn(move || c.incr())
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
            assert_eq!(c.get(), 1000);
        },
        3,
    );
}

#[test]
fn a_thousand_scoped_threads_sum_a_slice() {
    shuttle::check_random(
        || {
            let data: Vec<u64> = (1..=1000).collect();
            assert_eq!(parallel_sum(&data, 1000), 500_500);
        },
        3,
    );
}

// ---- the semantics points -------------------------------------------------

/// `sync_channel(0)` is a rendezvous: `send` returns only once a receiver
/// took the value, so the receiver sees the sender's later write never
/// before its `recv`; `try_send` with nobody receiving is `Full`.
#[test]
fn sync_channel_zero_is_a_rendezvous() {
    shuttle::check_dfs(
        || {
            let (tx, rx) = mpsc::sync_channel(0);
            assert_eq!(tx.try_send(0), Err(TrySendError::Full(0)));
            let sent = Arc::new(AtomicUsize::new(0));
            let s2 = sent.clone();
            let t = thread::spawn(move || {
                tx.send(1).unwrap();
                s2.store(1, Ordering::SeqCst);
            });
            assert_eq!(
                sent.load(Ordering::SeqCst),
                0,
                "send returned before the recv"
            );
            assert_eq!(rx.recv(), Ok(1));
            t.join().unwrap();
            assert_eq!(sent.load(Ordering::SeqCst), 1);
        },
        None,
    );
}

/// Dropping every sender ends `recv` with `RecvError` (after the values
/// already sent); dropping the receiver makes `send` give the value back.
#[test]
fn channel_disconnect_errors() {
    shuttle::check_dfs(
        || {
            let (tx, rx) = mpsc::channel();
            let tx2 = tx.clone();
            let a = thread::spawn(move || tx.send(1).unwrap());
            let b = thread::spawn(move || tx2.send(2).unwrap());
            let mut got = [rx.recv().unwrap(), rx.recv().unwrap()];
            got.sort();
            assert_eq!(got, [1, 2]);
            a.join().unwrap();
            b.join().unwrap();
            assert_eq!(rx.recv(), Err(RecvError));
            assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
            assert_eq!(
                rx.recv_timeout(Duration::from_secs(1)),
                Err(RecvTimeoutError::Disconnected)
            );

            let (tx, rx) = mpsc::sync_channel::<u8>(1);
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
            let t = thread::spawn(move || drop(rx));
            t.join().unwrap();
            assert_eq!(tx.send(3).unwrap_err().0, 3);
            assert_eq!(tx.try_send(4), Err(TrySendError::Disconnected(4)));
        },
        None,
    );
}

/// `recv_timeout` on the virtual clock: exact under `Timing::Exact` (the
/// value sent after 5 ms arrives within 10 ms, never within 2 ms), and
/// under `Timing::Adversarial` it may time out early.
#[test]
fn recv_timeout_is_exact_under_exact_timing_and_may_fire_early_under_adversarial() {
    let program = |wait_ms: u64| {
        move || {
            let (tx, rx) = mpsc::channel();
            let t = thread::spawn(move || {
                thread::sleep(Duration::from_millis(5));
                let _ = tx.send(7);
            });
            let got = rx.recv_timeout(Duration::from_millis(wait_ms));
            shuttle::println!("{got:?}");
            t.join().unwrap();
        }
    };
    let run = |timing, wait_ms| {
        let report = shuttle::Builder::new()
            .timing(timing)
            .strategy(Strategy::Exhaustive)
            .explore(program(wait_ms));
        assert!(report.failures.is_empty(), "{report}");
        report.outputs.keys().cloned().collect::<Vec<_>>()
    };
    assert_eq!(run(Timing::Exact, 10), ["Ok(7)\n"]);
    assert_eq!(run(Timing::Exact, 2), ["Err(Timeout)\n"]);
    assert_eq!(run(Timing::Adversarial, 10), ["Err(Timeout)\n", "Ok(7)\n"]);
}

/// A lock-order inversion is found, and the report says "deadlock".
#[test]
fn lock_order_inversion_is_a_deadlock() {
    let report = shuttle::Builder::new().executions(200).explore(|| {
        let a = Arc::new(Mutex::new(()));
        let b = Arc::new(Mutex::new(()));
        let (a2, b2) = (a.clone(), b.clone());
        let t = thread::spawn(move || {
            let _a = a2.lock().unwrap();
            let _b = b2.lock().unwrap();
        });
        {
            let _b = b.lock().unwrap();
            let _a = a.lock().unwrap();
        }
        t.join().unwrap();
    });
    let failure = report.failure().expect("the inversion deadlocks");
    assert_eq!(failure.kind, FailureKind::Deadlock);
    assert!(failure.message.contains("deadlock"), "{}", failure.message);
}

/// Re-locking a Mutex one holds is a failure, with the words peers' tests
/// match.
#[test]
fn relocking_a_held_mutex_is_reported() {
    let report = shuttle::Builder::new().executions(1).explore(|| {
        let m = Mutex::new(0);
        let _g = m.lock().unwrap();
        let _again = m.lock();
    });
    let failure = report.failure().expect("a re-lock fails");
    assert!(
        failure
            .message
            .contains("tried to acquire a Mutex it already holds"),
        "{}",
        failure.message
    );
}

#[test]
fn barrier_has_one_leader() {
    shuttle::check_dfs(
        || {
            let barrier = Arc::new(Barrier::new(3));
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let b = barrier.clone();
                    thread::spawn(move || b.wait().is_leader())
                })
                .collect();
            let mut leaders = usize::from(barrier.wait().is_leader());
            for h in handles {
                leaders += usize::from(h.join().unwrap());
            }
            assert_eq!(leaders, 1);
        },
        None,
    );
}

// ---- async (`shuttle::future`) ------------------------------------------

/// shuttle's async pattern: tasks spawned with `shuttle::future::spawn`,
/// awaited from `block_on`, sharing a `Counter` (compiled against sim's
/// atomics) and a blocking `Mutex`.
#[test]
fn async_tasks_share_a_counter_random() {
    shuttle::check_random(
        || {
            let counter = Arc::new(Counter::new());
            let log = Arc::new(Mutex::new(Vec::new()));
            let tasks: Vec<_> = (0..3)
                .map(|i| {
                    let (counter, log) = (Arc::clone(&counter), Arc::clone(&log));
                    shuttle::future::spawn(async move {
                        counter.incr();
                        shuttle::future::yield_now().await;
                        log.lock().unwrap().push(i);
                    })
                })
                .collect();
            shuttle::future::block_on(async move {
                for t in tasks {
                    t.await.unwrap();
                }
            });
            assert_eq!(counter.get(), 3);
            let mut log = log.lock().unwrap().clone();
            log.sort();
            assert_eq!(log, [0, 1, 2]);
        },
        200,
    );
}
