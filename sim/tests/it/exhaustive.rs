//! Exhaustive exploration: execution counts (one per Mazurkiewicz trace),
//! deadlocks found, preemption bounding, schedule tokens.

use sim::threading::Lock;
use sim::{Builder, FailureKind, Shared, Strategy};

use crate::programs::{five_writers, lock_increments, lock_order};

fn exhaustive() -> Builder {
    Builder::new()
        .strategy(Strategy::Exhaustive)
        .executions(1_000_000)
}

#[test]
fn two_threads_three_increments_is_20() {
    let report = exhaustive().explore(lock_increments::<2, 3>);
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
    assert_eq!(report.executions, 20);
}

#[test]
fn three_threads_two_increments_is_90() {
    let report = exhaustive().explore(lock_increments::<3, 2>);
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
    assert_eq!(report.executions, 90);
}

#[test]
fn store_buffering_is_3() {
    let report = exhaustive().race_detection(false).explore(|| {
        let (x, y) = (Shared::new(0), Shared::new(0));
        let t = {
            let (x, y) = (x.clone(), y.clone());
            sim::thread::spawn(move || {
                x.set(1);
                y.get()
            })
        };
        y.set(1);
        let r2 = x.get();
        let r1 = t.join().unwrap();
        sim::println!("r1={r1} r2={r2}");
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
    assert_eq!(report.executions, 3);
    let outputs: Vec<&str> = report.outputs.keys().map(|s| s.as_str()).collect();
    assert_eq!(outputs, ["r1=0 r2=1\n", "r1=1 r2=0\n", "r1=1 r2=1\n"]);
}

#[test]
fn five_writers_one_reader_is_720() {
    let report = exhaustive().race_detection(false).explore(five_writers);
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
    assert_eq!(report.executions, 720);
}

fn philosophers() {
    let forks: Vec<Lock> = (0..3).map(|_| Lock::new()).collect();
    let handles: Vec<_> = (0..3)
        .map(|i| {
            let (left, right) = (forks[i], forks[(i + 1) % 3]);
            sim::thread::spawn(move || {
                let _l = left.lock();
                let _r = right.lock();
                sim::println!("philosopher {i} eats");
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn model_finds_the_lock_order_deadlock() {
    let report = exhaustive().explore(lock_order);
    assert_eq!(report.failures[0].kind, FailureKind::Deadlock, "{report}");
    assert!(report.failures[0].token.starts_with("s1:"));
    let err = std::panic::catch_unwind(|| sim::model(lock_order)).unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.contains("Deadlock") || msg.contains("deadlock"),
        "{msg}"
    );
    assert!(msg.contains("SIM_REPLAY=s1:"), "{msg}");
}

#[test]
fn model_finds_the_philosophers_deadlock() {
    let report = exhaustive().explore(philosophers);
    assert_eq!(report.failures[0].kind, FailureKind::Deadlock, "{report}");
    // Without stopping, every distinct failure and the complete space.
    let all = exhaustive()
        .stop_on_first_failure(false)
        .explore(philosophers);
    assert!(all.complete, "{all}");
    assert_eq!(all.failures.len(), 1, "{all}");
}

#[test]
fn preemption_bound_zero_misses_lock_order_one_finds_it() {
    let r0 = exhaustive().preemption_bound(Some(0)).explore(lock_order);
    assert!(r0.failures.is_empty(), "{r0}");
    assert!(!r0.complete);
    assert!(r0
        .incomplete_reason
        .as_deref()
        .unwrap()
        .contains("preemption bound"));
    assert!(r0.to_string().contains("preemption bound"), "{r0}");
    let r1 = exhaustive().preemption_bound(Some(1)).explore(lock_order);
    assert_eq!(r1.failures[0].kind, FailureKind::Deadlock, "{r1}");
    // Iterative deepening finds it in round 1.
    let rd = exhaustive()
        .preemption_bound(Some(3))
        .iterative_deepening(true)
        .explore(lock_order);
    assert_eq!(rd.failures[0].kind, FailureKind::Deadlock, "{rd}");
    // A bound large enough covers everything.
    let all = exhaustive()
        .preemption_bound(Some(10))
        .explore(lock_increments::<2, 2>);
    assert!(all.complete, "{all}");
}

#[test]
fn budget_and_step_limit_make_it_incomplete() {
    let r = exhaustive().executions(5).explore(lock_increments::<3, 2>);
    assert_eq!(r.executions, 5);
    assert!(!r.complete);
    assert!(r.incomplete_reason.unwrap().contains("budget"));
}

#[test]
fn every_exhaustive_failure_replays_to_the_same_trace() {
    let programs: Vec<fn()> = vec![lock_order, philosophers, || {
        let x = Shared::new(0);
        let t = {
            let x = x.clone();
            sim::thread::spawn(move || x.set(1))
        };
        x.set(2);
        t.join().unwrap();
    }];
    for program in programs {
        let report = exhaustive().stop_on_first_failure(false).explore(program);
        assert!(!report.failures.is_empty());
        for failure in &report.failures {
            let replayed = Builder::new().replay(program, &failure.token).unwrap();
            let again = &replayed.failures[0];
            assert_eq!(again.kind, failure.kind);
            assert_eq!(again.trace, failure.trace);
        }
    }
}

#[test]
fn schedule_tokens_that_do_not_fit_are_clear_failures() {
    for bad in ["s1:*", "s1:A", "s1:gA", "pct0:1:1", "pos:x"] {
        let err = Builder::new().replay(lock_order, bad).unwrap_err();
        assert!(err.to_string().contains("malformed replay token"), "{err}");
    }
    // Index out of range, too many choices, too few choices.
    for token in ["s1:fw", "s1:AAAAAAAAAAAA", "s1:"] {
        let report = Builder::new().replay(lock_order, token).unwrap();
        let f = &report.failures[0];
        assert_eq!(f.kind, FailureKind::Nondeterminism, "{token}: {report}");
        assert!(f.message.contains("does not fit"), "{}", f.message);
    }
}

#[test]
fn programs_outside_the_fragment_are_explored_without_reduction() {
    use sim::threading::Event;
    use sim::Timing;
    use std::time::Duration;
    // An Event (reduced since issue 18): complete, one output.
    let event_program = || {
        let ev = Event::new();
        let t = sim::thread::spawn(move || {
            ev.wait();
            sim::println!("woken");
        });
        sim::println!("setting");
        ev.set();
        t.join().unwrap();
    };
    let report = exhaustive().explore(event_program);
    assert!(report.complete, "{report}");
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(report.outputs.len(), 1, "{report}");
    // Adversarial timing: the sleep orders nothing, both outputs appear;
    // a timed wait may time out or not.
    let report = exhaustive().timing(Timing::Adversarial).explore(|| {
        let ev = Event::new();
        let t = sim::thread::spawn(move || {
            let ok = ev.wait_timeout(Duration::from_secs(1));
            sim::println!("child {ok}");
        });
        sim::time::sleep(Duration::from_secs(2));
        sim::println!("main");
        ev.set();
        t.join().unwrap();
    });
    assert!(report.complete, "{report}");
    let outputs: Vec<&str> = report.outputs.keys().map(|s| s.as_str()).collect();
    assert_eq!(
        outputs,
        [
            "child false\nmain\n",
            "main\nchild false\n",
            "main\nchild true\n"
        ],
        "{report}"
    );
    // Every failure of such a program replays too.
    fn child_must_not_time_out() {
        let ev = Event::new();
        let t = sim::thread::spawn(move || assert!(ev.wait_timeout(Duration::from_secs(1))));
        sim::time::sleep(Duration::from_secs(2));
        ev.set();
        let _ = t.join();
    }
    let report = exhaustive()
        .timing(Timing::Adversarial)
        .explore(child_must_not_time_out);
    let f = report.failure().expect("the timeout is found");
    assert_eq!(f.kind, FailureKind::Panic);
    let replayed = Builder::new()
        .timing(Timing::Adversarial)
        .replay(child_must_not_time_out, &f.token)
        .unwrap();
    assert_eq!(replayed.failures[0].kind, FailureKind::Panic);
}

#[test]
fn the_counts_hold_with_jobs() {
    // DPOR runs on one thread whatever `jobs` says: the same counts.
    for (program, count) in [
        (lock_increments::<2, 3> as fn(), 20),
        (lock_increments::<3, 2>, 90),
    ] {
        let report = exhaustive().jobs(2).explore(program);
        assert!(report.complete && report.failures.is_empty(), "{report}");
        assert_eq!(report.executions, count);
    }
    // The bounded DFS is split over the jobs: the same report.
    let bounded = exhaustive().reduction(false).preemption_bound(Some(10));
    let one = bounded.clone().explore(lock_increments::<2, 2>);
    let two = bounded.jobs(2).explore(lock_increments::<2, 2>);
    assert!(one.complete, "{one}");
    assert_eq!(one, two);
    let r1 = exhaustive()
        .preemption_bound(Some(1))
        .jobs(2)
        .explore(lock_order);
    assert_eq!(r1.failures[0].kind, FailureKind::Deadlock, "{r1}");
}

/// Two threads reading a `Shared` for ever: the first execution reaches
/// the step limit after 100,000 steps, each a choice between the two.
fn spinning() {
    let flag = Shared::new(false);
    let t = {
        let flag = flag.clone();
        sim::thread::spawn(move || while !flag.get() {})
    };
    while !flag.get() {}
    t.join().unwrap();
}

#[test]
fn a_step_limit_s_token_is_compact_and_replays() {
    let report = exhaustive().executions(1).explore(spinning);
    let f = &report.failures[0];
    assert_eq!(f.kind, FailureKind::StepLimit, "{report}");
    assert!(f.trace.events.len() > 50_000, "{}", f.trace.events.len());
    // 100,000 choices: 133,000 characters as s1:, a few as s2:.
    assert!(
        f.token.starts_with("s2:"),
        "{}",
        &f.token[..40.min(f.token.len())]
    );
    assert!(f.token.len() < 100, "{} characters", f.token.len());
    // Replayed by a default builder (as `sim replay` does) too.
    let again = Builder::new().replay(spinning, &f.token).unwrap();
    assert_eq!(again.failures[0].kind, FailureKind::StepLimit, "{again}");
    assert_eq!(again.failures[0].trace, f.trace);
}

/// The peers bench's Condition producer with 2 consumers: each consumer
/// waits under the condition's lock until main has set the flag and
/// notified all.
fn condition_producer() {
    let cv = sim::threading::Condition::new();
    let ready = Shared::new(false);
    let hs: Vec<_> = (0..2)
        .map(|_| {
            let ready = ready.clone();
            sim::thread::spawn(move || {
                let _g = cv.lock();
                while !ready.get() {
                    cv.wait();
                }
            })
        })
        .collect();
    {
        let _g = cv.lock();
        ready.set(true);
        cv.notify_all();
    }
    for h in hs {
        h.join().unwrap();
    }
}

/// The same with std's `Mutex` and `Condvar`.
fn condvar_producer() {
    use sim::sync::{Arc, Condvar, Mutex};
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let hs: Vec<_> = (0..2)
        .map(|_| {
            let pair = pair.clone();
            sim::thread::spawn(move || {
                let (m, cv) = &*pair;
                let mut ready = m.lock().unwrap();
                while !*ready {
                    ready = cv.wait(ready).unwrap();
                }
            })
        })
        .collect();
    {
        let (m, cv) = &*pair;
        *m.lock().unwrap() = true;
        cv.notify_all();
    }
    for h in hs {
        h.join().unwrap();
    }
}

#[test]
fn condition_producer_with_two_consumers_is_18_traces() {
    // 18 traces: both consumers after main's critical section (2 orders);
    // one before, waiting (2 x 2); both before (2 orders of their waits x
    // 2 of their re-acquires x 3 places of the other's block among the
    // first's block and re-acquire). The unreduced search needs 390
    // executions (loom's DPOR 558).
    for program in [condition_producer as fn(), condvar_producer] {
        let report = exhaustive().explore(program);
        assert!(report.complete && report.failures.is_empty(), "{report}");
        assert_eq!(report.unreduced, None, "{report}");
        assert_eq!(report.executions, 18, "{report}");
    }
}

#[test]
fn an_event_set_enables_every_waiter() {
    use sim::threading::Event;
    // Two waiters, a set: the waits read the flag and commute, the set
    // enables both; the prints are ordered: 3! = 6 orders of the three
    // prints, but a waiter prints after the set (after main's print):
    // main first, then the two waiters in 2 orders.
    let report = exhaustive().explore(|| {
        let ev = Event::new();
        let hs: Vec<_> = (0..2)
            .map(|i| {
                sim::thread::spawn(move || {
                    ev.wait();
                    sim::println!("woken {i}");
                })
            })
            .collect();
        sim::println!("set");
        ev.set();
        for h in hs {
            h.join().unwrap();
        }
    });
    assert!(report.complete && report.failures.is_empty(), "{report}");
    assert_eq!(report.unreduced, None, "{report}");
    assert_eq!(report.outputs.len(), 2, "{report}");
    assert_eq!(report.executions, 2, "{report}");
}

#[test]
fn a_barrier_s_last_arrival_enables_every_waiter() {
    // Two threads print, meet at a barrier of 2, print again: the order of
    // the first prints (2) x the order of the arrivals, which picks the
    // leader (2) x the order of the second prints (2) = 8 traces, 4
    // outputs; every second print after both first ones.
    let program = |std: bool| {
        move || {
            let py = sim::threading::Barrier::new(2);
            let sb = sim::sync::Arc::new(sim::sync::Barrier::new(2));
            let hs: Vec<_> = (0..2)
                .map(|i| {
                    let (py, sb) = (py.clone(), sb.clone());
                    sim::thread::spawn(move || {
                        sim::println!("a{i}");
                        if std {
                            sb.wait();
                        } else {
                            py.wait().unwrap();
                        }
                        sim::println!("b{i}");
                    })
                })
                .collect();
            for h in hs {
                h.join().unwrap();
            }
        }
    };
    for std in [false, true] {
        let report = exhaustive().explore(program(std));
        assert!(report.complete && report.failures.is_empty(), "{report}");
        assert_eq!(report.unreduced, None, "{report}");
        assert_eq!(report.outputs.len(), 4, "{report}");
        assert!(report.outputs.keys().all(|o| o.find('b') > o.rfind('a')));
        assert_eq!(report.executions, 8, "{report}");
    }
}

#[test]
fn a_bounded_queue_s_put_enables_a_get_and_a_get_a_put() {
    // Two producers put one item each into a queue of one slot; main gets
    // both. The queue's events are all writes: which producer goes first
    // is the only choice (the second put waits for main's first get): 2
    // traces, 2 outputs.
    let report = exhaustive().explore(|| {
        let q = sim::queue::Queue::new(1);
        let hs: Vec<_> = (0..2)
            .map(|i| {
                let q = q.clone();
                sim::thread::spawn(move || q.put(i))
            })
            .collect();
        let (a, b) = (q.get(), q.get());
        sim::println!("{a} {b}");
        for h in hs {
            h.join().unwrap();
        }
    });
    assert!(report.complete && report.failures.is_empty(), "{report}");
    assert_eq!(report.unreduced, None, "{report}");
    assert_eq!(report.outputs.len(), 2, "{report}");
    assert_eq!(report.executions, 2, "{report}");
}

#[test]
fn a_park_and_two_unparks_is_4_traces() {
    // A thread parks once, two others unpark it: the park comes after one
    // unpark or after both, and the unparks in either order: 4 traces.
    let report = exhaustive().explore(|| {
        let parker = sim::thread::spawn(sim::thread::park);
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let p = parker.thread().clone();
                sim::thread::spawn(move || p.unpark())
            })
            .collect();
        parker.join().unwrap();
        for h in hs {
            h.join().unwrap();
        }
    });
    assert!(report.complete && report.failures.is_empty(), "{report}");
    assert_eq!(report.unreduced, None, "{report}");
    assert_eq!(report.executions, 4, "{report}");
}

/// A program outside the reduced fragment from its first execution on (a
/// semaphore acquire with a timeout).
fn timed_acquire() {
    let sem = sim::threading::Semaphore::new(1);
    let threads: Vec<_> = (0..2)
        .map(|i| {
            let t = sim::threading::Thread::new(move || {
                if sem.acquire_timeout(std::time::Duration::from_secs(1)) {
                    sim::println!("{i}");
                    sem.release();
                }
            });
            t.start();
            t
        })
        .collect();
    for t in threads {
        t.join();
    }
}

#[test]
fn the_fallback_search_runs_the_program_once_per_execution() {
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let report = exhaustive().explore(|| {
        CALLS.fetch_add(1, Relaxed);
        timed_acquire();
    });
    assert!(report.complete && report.failures.is_empty(), "{report}");
    assert!(report.unreduced.is_some(), "{report}");
    assert!(report.executions > 1, "{report}");
    // The DFS adopts DPOR's first execution instead of running it again.
    assert_eq!(CALLS.load(Relaxed) as u64, report.executions);
    // It explores what the DFS explores from scratch (on two jobs, the
    // split search, which does not adopt).
    let split = exhaustive().jobs(2).explore(timed_acquire);
    assert_eq!(split.executions, report.executions);
    assert_eq!(split.outputs, report.outputs);
}

/// Executions of the bounded DPOR and of the plain bounded DFS, for bounds
/// 0 to 2, exploring every schedule (not stopping at the failure): (the
/// executions, whether complete, the execution that first fails when
/// stopping at it).
fn bounded_counts(program: fn(), reduction: bool) -> Vec<(u64, bool, u64)> {
    (0..=2)
        .map(|k| {
            let b = exhaustive().preemption_bound(Some(k)).reduction(reduction);
            let all = b.clone().stop_on_first_failure(false).explore(program);
            let first = b.explore(program);
            let found = first.failures.first().map_or(0, |_| first.executions);
            (all.executions, all.complete, found)
        })
        .collect()
}

#[test]
fn the_bounded_search_is_reduced_too() {
    // The lock-order inversion (its deadlock needs one preemption) and the
    // 3-philosopher table: bounded DPOR runs a subset of the bounded DFS's
    // executions, finds the deadlock from bound 1 on, sooner, and is
    // complete at bound 2 (every trace covered) where the DFS of the
    // philosophers is still cut.
    assert_eq!(
        bounded_counts(lock_order, true),
        [(1, false, 0), (3, false, 2), (4, true, 2)]
    );
    assert_eq!(
        bounded_counts(lock_order, false),
        [(1, false, 0), (4, false, 3), (6, true, 3)]
    );
    assert_eq!(
        bounded_counts(philosophers, true),
        [(7, false, 0), (22, false, 10), (25, true, 9)]
    );
    assert_eq!(
        bounded_counts(philosophers, false),
        [(13, false, 0), (191, false, 100), (970, false, 343)]
    );
    // Bounded and reduced, the report says nothing was left unreduced.
    let r = exhaustive().preemption_bound(Some(2)).explore(philosophers);
    assert_eq!(r.unreduced, None, "{r}");
}
