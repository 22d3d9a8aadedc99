//! `sim::future`'s timers and `sim::future::sync`: timeouts under both
//! timing models, aborting a task that holds an async `Mutex` guard, a
//! bounded channel's producer/consumer race and deadlock.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use sim::future::sync::{mpsc, oneshot, Mutex, Notify, RwLock, Semaphore};
use sim::future::{block_on, sleep, spawn, timeout};
use sim::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use sim::{Builder, FailureKind, Strategy, Timing};

fn exhaustive(timing: Timing) -> Builder {
    Builder::new()
        .strategy(Strategy::Exhaustive)
        .timing(timing)
        .executions(1_000_000)
}

/// A task does 2 s of work and sends its result; the awaiter gives it
/// `limit`. Prints whether it got the result, and when.
fn race_the_work(limit: Duration) {
    let (tx, rx) = oneshot::channel();
    spawn(async move {
        sleep(Duration::from_secs(2)).await;
        let _ = tx.send(42);
    });
    block_on(async {
        let r = timeout(limit, rx).await;
        let now = sim::time::now();
        match r {
            Ok(v) => sim::println!("got {} at {now:?}", v.unwrap()),
            Err(e) => sim::println!("{e} at {now:?}"),
        }
    });
}

fn outputs(report: &sim::Report) -> Vec<&str> {
    report.outputs.keys().map(String::as_str).collect()
}

#[test]
fn a_timeout_fires_exactly_at_its_virtual_deadline_under_exact_timing() {
    let report = exhaustive(Timing::Exact).explore(|| race_the_work(Duration::from_secs(1)));
    assert!(report.failures.is_empty() && report.complete, "{report}");
    assert_eq!(
        outputs(&report),
        ["deadline has elapsed at 1s\n"],
        "{report}"
    );
    let report = exhaustive(Timing::Exact).explore(|| race_the_work(Duration::from_secs(5)));
    assert_eq!(outputs(&report), ["got 42 at 2s\n"], "{report}");
}

#[test]
fn under_adversarial_timing_a_timeout_may_fire_before_work_that_takes_less_time() {
    let report = exhaustive(Timing::Adversarial).explore(|| race_the_work(Duration::from_secs(5)));
    assert!(report.failures.is_empty() && report.complete, "{report}");
    // The work (2 s) beats the limit (5 s) on the clock, yet the timeout may
    // come first: time orders nothing. The clock is a lower bound.
    // (7 s: the worker's sleep began after the clock had moved to 5 s.)
    assert_eq!(
        outputs(&report),
        [
            "deadline has elapsed at 5s\n",
            "deadline has elapsed at 7s\n",
            "got 42 at 2s\n",
            "got 42 at 5s\n",
            "got 42 at 7s\n"
        ],
        "{report}"
    );
}

#[test]
fn sleeps_and_intervals_move_the_virtual_clock() {
    let report = exhaustive(Timing::Exact).explore(|| {
        block_on(async {
            let mut iv = sim::future::interval(Duration::from_millis(100));
            for _ in 0..4 {
                iv.tick().await;
            }
            sleep(Duration::from_secs(1)).await;
        });
        assert_eq!(sim::time::now(), Duration::from_millis(1_300));
    });
    assert!(report.failures.is_empty() && report.complete, "{report}");
}

/// A task takes the async lock and waits forever holding the guard; the
/// main future aborts it, then takes the lock.
fn abort_the_holder() {
    let m = Arc::new(Mutex::new(0));
    let m2 = m.clone();
    let holder = spawn(async move {
        let mut g = m2.lock().await;
        *g += 1;
        std::future::pending::<()>().await;
    });
    block_on(async {
        sim::future::yield_now().await;
        holder.abort();
        assert!(holder.await.unwrap_err().is_cancelled());
        let v = *m.lock().await;
        assert!(v <= 1);
    });
}

#[test]
fn aborting_a_task_that_holds_an_async_mutex_guard_releases_it() {
    for timing in [Timing::Exact, Timing::Adversarial] {
        let report = exhaustive(timing).explore(abort_the_holder);
        assert!(report.failures.is_empty(), "{report}");
        assert!(report.complete, "{report}");
    }
}

#[test]
fn a_task_that_never_releases_an_async_mutex_deadlocks_its_next_locker() {
    let report = exhaustive(Timing::Exact).explore(|| {
        let m = Arc::new(Mutex::new(()));
        let m2 = m.clone();
        let _holder = spawn(async move {
            let g = m2.lock().await;
            std::mem::forget(g);
        });
        block_on(async {
            sim::future::yield_now().await;
            drop(m.lock().await);
        });
    });
    let failure = report.failure().expect("a deadlock");
    assert_eq!(failure.kind, FailureKind::Deadlock, "{report}");
    assert!(
        failure
            .message
            .contains("waiting for async Mutex (created at sim/tests/it/future_sync.rs"),
        "{}",
        failure.message
    );
}

/// Two producers number their items from a shared counter read before the
/// send and written after it (a check-then-act race across an `.await`);
/// the consumer checks that the numbers are distinct.
fn numbered_producers() {
    let (tx, mut rx) = mpsc::channel::<usize>(1);
    let next = Arc::new(AtomicUsize::new(0));
    for _ in 0..2 {
        let (tx, next) = (tx.clone(), next.clone());
        spawn(async move {
            let n = next.load(SeqCst);
            tx.send(n).await.unwrap();
            next.store(n + 1, SeqCst);
        });
    }
    drop(tx);
    block_on(async {
        let mut seen = BTreeSet::new();
        while let Some(n) = rx.recv().await {
            assert!(seen.insert(n), "item number {n} given twice");
        }
    });
}

#[test]
fn a_bounded_channel_producer_consumer_race_is_found() {
    let report = exhaustive(Timing::Exact).explore(numbered_producers);
    let failure = report.failure().expect("the race");
    assert_eq!(failure.kind, FailureKind::Panic, "{report}");
    assert!(
        failure.message.contains("given twice"),
        "{}",
        failure.message
    );
    let report = Builder::new().executions(2_000).explore(numbered_producers);
    assert!(report.failure().is_some(), "{report}");
}

#[test]
fn a_consumer_that_joins_its_producer_first_deadlocks_on_a_full_channel() {
    let report = exhaustive(Timing::Exact).explore(|| {
        let (tx, mut rx) = mpsc::channel(1);
        let producer = spawn(async move {
            for i in 0..2 {
                tx.send(i).await.unwrap();
            }
        });
        block_on(async {
            producer.await.unwrap();
            while rx.recv().await.is_some() {}
        });
    });
    let failure = report.failure().expect("a deadlock");
    assert_eq!(failure.kind, FailureKind::Deadlock, "{report}");
    assert!(
        failure
            .message
            .contains("task task-1 is pending waiting for async mpsc channel (slots)"),
        "{}",
        failure.message
    );
}

#[test]
fn the_async_primitives_work_across_tasks_and_threads() {
    let report = exhaustive(Timing::Exact).explore(|| {
        let sem = Arc::new(Semaphore::new(1));
        let lock = Arc::new(RwLock::new(0));
        let notify = Arc::new(Notify::new());
        let (s2, l2, n2) = (sem.clone(), lock.clone(), notify.clone());
        let t = sim::thread::spawn(move || {
            block_on(async {
                let _p = s2.acquire().await.unwrap();
                *l2.write().await += 1;
            });
            n2.notify_one();
        });
        block_on(async {
            notify.notified().await;
            let _p = sem.acquire().await.unwrap();
            assert_eq!(*lock.read().await, 1);
        });
        t.join().unwrap();
    });
    assert!(report.failures.is_empty() && report.complete, "{report}");
}

#[test]
fn unbounded_channels_and_oneshots_report_disconnection() {
    let report = exhaustive(Timing::Exact).explore(|| {
        let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
        let (otx, orx) = oneshot::channel::<u8>();
        spawn(async move {
            tx.send(1).unwrap();
            drop(otx);
        });
        block_on(async {
            assert_eq!(rx.recv().await, Some(1));
            assert_eq!(rx.recv().await, None);
            assert!(orx.await.is_err());
        });
    });
    assert!(report.failures.is_empty() && report.complete, "{report}");
}
