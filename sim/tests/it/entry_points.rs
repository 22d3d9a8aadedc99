//! The peers' entry points (`sim::model::Builder`, `check_dfs`, `check`,
//! `check_random_with_seed`), `sim::rand` and `sim::time::Instant`.

use std::time::Duration;

use sim::{Builder, Timing};

use crate::sync::{exhaustive, mutex_increments};

#[test]
fn model_builder_takes_loom_fields() {
    let mut b = sim::model::Builder::new();
    b.preemption_bound = Some(1);
    b.max_branches = 10_000;
    b.check(mutex_increments::<2, 2>);
}

#[test]
#[should_panic(expected = "StepLimit")]
fn model_builder_max_branches_is_a_clear_failure() {
    let mut b = sim::model::Builder::new();
    b.max_branches = 5;
    b.check(mutex_increments::<2, 3>);
}

#[test]
fn shuttle_entry_points_run() {
    sim::check_dfs(mutex_increments::<2, 2>, None);
    sim::check_dfs(mutex_increments::<2, 2>, Some(3));
    sim::check(mutex_increments::<2, 2>);
    sim::check_random_with_seed(mutex_increments::<2, 2>, 9, 10);
}

/// shuttle's signatures: iteration counts and PCT's depth are `usize`, so
/// a shuttle test passing a `usize` variable compiles unchanged.
#[test]
fn shuttle_entry_points_take_usize_counts() {
    let (runs, depth): (usize, usize) = (5, 2);
    let spawn = || drop(sim::thread::spawn(|| {}).join());
    sim::check_random(spawn, runs);
    sim::check_pct(spawn, runs, depth);
    sim::check_random_with_seed(spawn, 7, runs);
}

#[test]
fn sim_rand_values_depend_on_the_schedule_and_replay_with_its_token() {
    use sim::rand::{thread_rng, Rng};
    let body = || {
        let t = sim::thread::spawn(|| thread_rng().gen_range(0..1000u32));
        let mine: u32 = thread_rng().gen_range(0..1000);
        let theirs = t.join().unwrap();
        assert!(!mine.is_multiple_of(7), "drew {mine} and {theirs}");
    };
    let report = Builder::new().executions(1000).explore(body);
    let f = &report.failures[0];
    let replayed = Builder::new().replay(body, &f.token).unwrap();
    assert_eq!(replayed.failures[0].message, f.message);
    // Different executions drew different values.
    assert!(report.executions > 1, "{report}");
}

#[test]
fn instant_reads_the_virtual_clock_and_a_deadline_loop_ends_at_its_deadline() {
    use sim::time::Instant;
    let report = exhaustive().timing(Timing::Exact).explore(|| {
        let start = Instant::now();
        let deadline = start + Duration::from_secs(3);
        let mut polls = 0;
        while Instant::now() < deadline {
            sim::thread::sleep(Duration::from_millis(500));
            polls += 1;
        }
        assert_eq!(polls, 6);
        assert_eq!(start.elapsed(), Duration::from_secs(3));
        assert_eq!(Instant::now().duration_since(deadline), Duration::ZERO);
    });
    assert!(report.failures.is_empty(), "{report}");
}

/// Under exact timing main's longer sleep orders the child's store first;
/// under adversarial timing it orders nothing.
fn sleep_ordered_store() {
    use sim::sync::atomic::{AtomicU32, Ordering};
    let x = sim::sync::Arc::new(AtomicU32::new(0));
    let x2 = x.clone();
    let t = sim::thread::spawn(move || {
        sim::thread::sleep(Duration::from_secs(1));
        x2.store(1, Ordering::SeqCst);
    });
    sim::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        x.load(Ordering::SeqCst),
        1,
        "the sleep did not order the store"
    );
    t.join().unwrap();
}

#[test]
fn the_test_entry_points_default_to_adversarial_timing() {
    // The builder's own default (used by the scenarios) is exact: passes.
    let exact = Builder::new()
        .strategy(sim::Strategy::Exhaustive)
        .explore(sleep_ordered_store);
    assert!(exact.failures.is_empty(), "{exact}");
    // Every test entry point finds the order the sleeps do not force.
    let entry_points: [(&str, fn()); 5] = [
        ("model", || sim::model(sleep_ordered_store)),
        ("check_dfs", || sim::check_dfs(sleep_ordered_store, None)),
        ("check_random", || {
            sim::check_random(sleep_ordered_store, 200)
        }),
        ("check_pct", || sim::check_pct(sleep_ordered_store, 200, 2)),
        ("model::Builder", || {
            sim::model::Builder::new().check(sleep_ordered_store)
        }),
    ];
    for (name, run) in entry_points {
        let err = std::panic::catch_unwind(run).expect_err(name);
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(
            msg.contains("the sleep did not order the store"),
            "{name}: {msg}"
        );
    }
}

#[test]
fn the_optimal_reduction_holds_under_the_test_entry_points_adversarial_timing() {
    // `model` runs under adversarial timing: a program in the reduced
    // fragment (Mutex increments) is still explored one execution per
    // trace (90 for 3 threads x 2), not by the unreduced search.
    let report = Builder::new()
        .strategy(sim::Strategy::Exhaustive)
        .timing(Timing::Adversarial)
        .executions(u64::MAX)
        .explore(mutex_increments::<3, 2>);
    assert!(report.complete && report.failures.is_empty(), "{report}");
    assert_eq!(report.executions, 90, "{report}");
}

#[test]
fn the_report_says_when_and_why_an_exhaustive_search_was_not_reduced() {
    let exhaustive = || {
        Builder::new()
            .strategy(sim::Strategy::Exhaustive)
            .executions(u64::MAX)
    };
    // In the fragment: reduced, and nothing said.
    let reduced = exhaustive().explore(mutex_increments::<2, 2>);
    assert_eq!(reduced.unreduced, None, "{reduced}");
    assert!(!format!("{reduced}").contains("not reduced"), "{reduced}");
    // A timed Condvar wait, a channel: explored without reduction, said.
    let condvar = exhaustive().explore(|| {
        let pair = sim::sync::Arc::new((sim::sync::Mutex::new(false), sim::sync::Condvar::new()));
        let p2 = pair.clone();
        let t = sim::thread::spawn(move || {
            *p2.0.lock().unwrap() = true;
            p2.1.notify_one();
        });
        let mut g = pair.0.lock().unwrap();
        while !*g {
            g = pair.1.wait_timeout(g, Duration::from_secs(1)).unwrap().0;
        }
        drop(g);
        t.join().unwrap();
    });
    let channel = exhaustive().explore(|| {
        let (tx, rx) = sim::sync::mpsc::channel();
        let t = sim::thread::spawn(move || tx.send(1).unwrap());
        assert_eq!(rx.recv().unwrap(), 1);
        t.join().unwrap();
    });
    for report in [condvar, channel] {
        assert!(report.complete && report.failures.is_empty(), "{report}");
        let why = report.unreduced.clone().expect("said");
        assert!(why.contains("does not reduce"), "{why}");
        assert!(
            format!("{report}").contains("not reduced: the program uses `"),
            "{report}"
        );
    }
    // A preemption bound: reduced too (bounded DPOR); without the
    // reduction, a plain bounded search, said.
    let bounded = exhaustive()
        .preemption_bound(Some(1))
        .explore(mutex_increments::<2, 2>);
    assert_eq!(bounded.unreduced, None, "{bounded}");
    let plain = exhaustive()
        .preemption_bound(Some(1))
        .reduction(false)
        .explore(mutex_increments::<2, 2>);
    assert!(plain.unreduced.unwrap().contains("bounded depth-first"));
}

/// Two threads take two `RwLock`s in opposite orders; round-robin lets
/// each take its first lock before either takes its second.
fn opposite_orders() {
    let a = sim::sync::Arc::new(sim::sync::RwLock::new(0));
    let b = sim::sync::Arc::new(sim::sync::RwLock::new(0));
    let (a2, b2) = (a.clone(), b.clone());
    sim::thread::spawn(move || {
        let _a = a2.read().unwrap();
        let _b = b2.read().unwrap();
    });
    let _b = b.write().unwrap();
    let _a = a.write().unwrap();
}

#[test]
fn check_runs_the_round_robin_schedule_as_shuttle_does() {
    // shuttle's `check` is one round-robin execution: it always finds this
    // deadlock (one random execution need not).
    let failed = std::panic::catch_unwind(|| sim::check(opposite_orders));
    let payload = failed.expect_err("the round-robin schedule deadlocks");
    let text = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        text.contains("deadlock") && text.contains("SIM_REPLAY=rr"),
        "{text}"
    );
    // The token replays the same execution.
    let report = Builder::new()
        .replay(opposite_orders, "rr")
        .expect("rr parses");
    assert_eq!(report.failures[0].kind, sim::FailureKind::Deadlock);
    // And its execution is the same every time: three runs, one distinct
    // failure.
    let again = Builder::new()
        .strategy(sim::Strategy::RoundRobin)
        .executions(3)
        .stop_on_first_failure(false)
        .explore(opposite_orders);
    assert_eq!((again.executions, again.failures.len()), (3, 1), "{again}");
}

/// shuttle's `check_dfs` (and `DfsScheduler`) is a plain depth-first
/// search: state the threads share outside sim's primitives (here a std
/// atomic the spawned thread reads and main writes after its last sim
/// operation) is seen in every order, as under shuttle, while the reduced
/// search, trusting that sim sees all sharing, explores one.
#[test]
fn check_dfs_sees_every_order_of_state_sim_cannot_see() {
    use std::collections::BTreeSet;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    static FLAG: AtomicBool = AtomicBool::new(false);
    let program = |seen: Arc<Mutex<BTreeSet<bool>>>| {
        move || {
            FLAG.store(false, Ordering::SeqCst);
            let seen = seen.clone();
            let _t = sim::thread::spawn(move || {
                seen.lock().unwrap().insert(FLAG.load(Ordering::SeqCst));
            });
            sim::thread::yield_now();
            FLAG.store(true, Ordering::SeqCst);
        }
    };
    let seen = Arc::new(Mutex::new(BTreeSet::new()));
    sim::check_dfs(program(seen.clone()), None);
    assert_eq!(*seen.lock().unwrap(), BTreeSet::from([false, true]));

    let seen = Arc::new(Mutex::new(BTreeSet::new()));
    let runner = sim::Runner::new(
        sim::scheduler::DfsScheduler::new(None, false),
        sim::Config::new(),
    );
    runner.run(program(seen.clone()));
    assert_eq!(*seen.lock().unwrap(), BTreeSet::from([false, true]));

    let seen = Arc::new(Mutex::new(BTreeSet::new()));
    let reduced = Builder::new()
        .strategy(sim::Strategy::Exhaustive)
        .lazy_start(true)
        .explore(program(seen.clone()));
    assert!(reduced.complete && reduced.unreduced.is_none(), "{reduced}");
    assert_eq!(seen.lock().unwrap().len(), 1);
}

/// shuttle's `check_pct` rejects a closure with no concurrency (every
/// schedule would be the same): so does sim's, with shuttle's words, and
/// only when more than one execution was asked for.
#[test]
fn check_pct_rejects_a_closure_without_concurrency() {
    let err = std::panic::catch_unwind(|| sim::check_pct(|| sim::println!("alone"), 10, 2))
        .expect_err("no concurrency must fail");
    let text = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        text.contains("test closure did not exercise any concurrency"),
        "{text}"
    );
    // One execution is one schedule anyway; a spawned thread is concurrency.
    sim::check_pct(|| sim::println!("alone"), 1, 2);
    sim::check_pct(
        || {
            sim::thread::spawn(|| {}).join().unwrap();
        },
        10,
        2,
    );
}
