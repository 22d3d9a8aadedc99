//! `sim::future`: tasks, wakers, join handles, abort, lost wake-ups.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use sim::future::{block_on, spawn, yield_now, JoinError};
use sim::{Builder, FailureKind, Shared, Strategy, Timing};

fn exhaustive() -> Builder {
    Builder::new()
        .strategy(Strategy::Exhaustive)
        .executions(1_000_000)
}

/// A hand-written future with a lost wake-up: it returns `Pending` until a
/// flag is set, but (when `register` is false) without keeping its waker.
struct WaitFlag {
    flag: Arc<std::sync::Mutex<(bool, Option<std::task::Waker>)>>,
    register: bool,
}

impl Future for WaitFlag {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut g = self.flag.lock().unwrap();
        if g.0 {
            return Poll::Ready(());
        }
        if self.register {
            g.1 = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

fn flag_program(register: bool) {
    let flag = Arc::new(std::sync::Mutex::new((false, None::<std::task::Waker>)));
    let f = flag.clone();
    let waiter = spawn(WaitFlag { flag: f, register });
    let setter = spawn(async move {
        let waker = {
            let mut g = flag.lock().unwrap();
            g.0 = true;
            g.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    });
    block_on(async {
        setter.await.unwrap();
        waiter.await.unwrap();
    });
}

#[test]
fn a_future_that_registers_its_waker_never_deadlocks() {
    let report = exhaustive().explore(|| flag_program(true));
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
}

#[test]
fn a_lost_wake_up_in_a_hand_written_future_is_a_deadlock_naming_the_task() {
    let report = exhaustive().explore(|| flag_program(false));
    let failure = report.failure().expect("a deadlock");
    assert_eq!(failure.kind, FailureKind::Deadlock, "{report}");
    let msg = &failure.message;
    assert!(
        msg.contains("task task-1 is pending, its waker not registered"),
        "{msg}"
    );
    assert!(msg.contains("spawn at "), "{msg}");
    assert!(msg.contains("sim/tests/it/future.rs"), "{msg}");
    // The main thread waits for the task's JoinHandle.
    assert!(
        msg.contains("MainThread (in block_on) is pending waiting for a JoinHandle (polled at sim/tests/it/future.rs"),
        "{msg}"
    );
}

#[test]
fn a_dropped_waker_is_reported_as_dropped() {
    let report = exhaustive().explore(|| {
        let h = spawn(std::future::poll_fn(|cx| {
            let w = cx.waker().clone();
            drop(w); // kept past the poll? no: dropped at once
            Poll::<()>::Pending
        }));
        block_on(h).unwrap();
    });
    let failure = report.failure().expect("a deadlock");
    assert_eq!(failure.kind, FailureKind::Deadlock, "{report}");
    // Cloned and dropped inside the poll: not registered at its end.
    assert!(
        failure.message.contains("its waker not registered"),
        "{}",
        failure.message
    );

    let report = exhaustive().explore(|| {
        let slot = Arc::new(std::sync::Mutex::new(None));
        let s = slot.clone();
        let h = spawn(std::future::poll_fn(move |cx| {
            *s.lock().unwrap() = Some(cx.waker().clone());
            Poll::<()>::Pending
        }));
        let other = spawn(async move {
            yield_now().await;
            drop(slot.lock().unwrap().take());
        });
        block_on(async {
            other.await.unwrap();
            h.await.unwrap();
        });
    });
    let failure = report.failure().expect("a deadlock");
    assert!(
        failure
            .message
            .contains("task task-1 is pending, its waker dropped"),
        "{}",
        failure.message
    );
}

#[test]
fn join_handles_give_results_and_order_the_task_before_the_awaiter() {
    let report = exhaustive().explore(|| {
        let x = Shared::new(0);
        let x2 = x.clone();
        let h = sim::future::spawn_local(async move {
            x2.set(5);
            7
        });
        let v = block_on(h).unwrap();
        // No race: the join orders the task's write before this read.
        assert_eq!(x.get() + v, 12);
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
}

#[test]
fn data_handed_over_through_a_waker_is_ordered() {
    let report = exhaustive().explore(|| {
        let x = Shared::new(0);
        let flag = Arc::new(std::sync::Mutex::new((false, None::<std::task::Waker>)));
        let (x2, f2) = (x.clone(), flag.clone());
        sim::thread::spawn(move || {
            x2.set(1);
            let w = {
                let mut g = f2.lock().unwrap();
                g.0 = true;
                g.1.take()
            };
            if let Some(w) = w {
                w.wake();
            }
        });
        block_on(std::future::poll_fn(|cx| {
            let mut g = flag.lock().unwrap();
            if g.0 {
                return Poll::Ready(());
            }
            g.1 = Some(cx.waker().clone());
            Poll::Pending
        }));
        let _ = x.get();
    });
    // The flag is a plain std Mutex: only a wake orders the write, and when
    // the waiter saw the flag set without being woken, nothing does.
    assert!(
        report
            .failures
            .iter()
            .all(|f| f.kind == FailureKind::DataRace),
        "{report}"
    );
}

#[test]
fn abort_cancels_a_pending_task_and_the_handle_says_cancelled() {
    let report = exhaustive().explore(|| {
        let h = spawn(std::future::pending::<()>());
        let a = h.abort_handle();
        a.abort();
        match block_on(h) {
            Err(JoinError::Cancelled) => {}
            Ok(()) => panic!("a pending future cannot finish"),
        }
        assert!(a.is_finished());
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
}

#[test]
fn abort_races_with_completion() {
    let report = exhaustive().explore(|| {
        let h = spawn(async { 1 });
        h.abort();
        match block_on(h) {
            Ok(v) => sim::println!("ok {v}"),
            Err(e) => sim::println!("{e}"),
        }
    });
    assert!(report.failures.is_empty(), "{report}");
    let outs: Vec<&String> = report.outputs.keys().collect();
    assert_eq!(outs, ["ok 1\n", "task was cancelled\n"], "{report}");
}

#[test]
fn yield_now_lets_another_task_run_and_spin_loops_terminate_exhaustively() {
    let report = exhaustive().explore(|| {
        let flag = Arc::new(AtomicUsize::new(0));
        let f = flag.clone();
        let spinner = spawn(async move {
            while f.load(Ordering::Relaxed) == 0 {
                yield_now().await;
            }
        });
        let setter = spawn(async move { flag.store(1, Ordering::Relaxed) });
        block_on(async {
            spinner.await.unwrap();
            setter.await.unwrap();
        });
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
}

#[test]
fn a_dropped_join_handle_detaches_the_task() {
    // The program ends without waiting for a detached task that never
    // finishes.
    let report = exhaustive().explore(|| {
        drop(spawn(std::future::pending::<()>()));
    });
    assert!(report.failures.is_empty(), "{report}");
    // A task whose handle lives is waited for: a deadlock.
    let report = exhaustive().explore(|| {
        let h = spawn(std::future::pending::<()>());
        std::mem::forget(h);
    });
    assert_eq!(
        report.failure().map(|f| f.kind),
        Some(FailureKind::Deadlock)
    );
}

#[test]
fn tasks_run_under_every_strategy_and_timing() {
    for timing in [Timing::Exact, Timing::Adversarial] {
        for strategy in [Strategy::Random, Strategy::Pct { depth: 3 }] {
            let report = Builder::new()
                .strategy(strategy)
                .timing(timing)
                .executions(200)
                .explore(|| {
                    let hs: Vec<_> = (0..3).map(|i| spawn(async move { i * 2 })).collect();
                    let sum: i32 = block_on(async {
                        let mut s = 0;
                        for h in hs {
                            s += h.await.unwrap();
                        }
                        s
                    });
                    assert_eq!(sum, 6);
                });
            assert!(report.failures.is_empty(), "{report}");
        }
    }
}

/// A lost update between two tasks: each loads an atomic, yields, and
/// stores the value plus one.
fn racy_tasks() {
    use sim::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    let n = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let n = Arc::clone(&n);
            spawn(async move {
                let v = n.load(SeqCst);
                yield_now().await;
                n.store(v + 1, SeqCst);
            })
        })
        .collect();
    block_on(async {
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(n.load(SeqCst), 2, "lost update");
}

#[test]
fn tasks_are_found_replayed_and_drawn_under_jobs_and_shards_like_threads() {
    // Random, on two jobs; then each of three shards of the exhaustive
    // search: every run finds the lost update.
    let random = Builder::new()
        .seed(5)
        .executions(500)
        .jobs(2)
        .explore(racy_tasks);
    let mut failures = vec![random.failure().cloned().expect("random finds it")];
    for index in 0..3 {
        let part = exhaustive()
            .stop_on_first_failure(false)
            .shard(sim::Shard { index, count: 3 })
            .explore(racy_tasks);
        failures.extend(part.failures.iter().cloned());
    }
    assert!(failures.len() > 1, "the shards found it too");
    for failure in &failures {
        assert!(
            failure.message.contains("lost update"),
            "{}",
            failure.message
        );
        // The token replays the same execution, trace and all.
        let replayed = Builder::new().replay(racy_tasks, &failure.token).unwrap();
        assert_eq!(
            replayed.failures[0].trace, failure.trace,
            "{}",
            failure.token
        );
        // The tasks are threads of the trace: named, in the DOT graph and
        // the timeline, and the trace survives its JSON form.
        let trace = &failure.trace;
        assert!(
            trace.threads.iter().any(|t| t == "task-1"),
            "{:?}",
            trace.threads
        );
        assert!(trace.events.iter().any(|e| e.thread_name == "task-2"));
        assert!(trace.to_dot().contains("task-1"));
        assert!(trace.to_chrome_trace().contains("task-2"));
        assert_eq!(&sim::Trace::from_json(&trace.to_json()).unwrap(), trace);
    }
}
