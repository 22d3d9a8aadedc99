//! The two timing models: `Timing::Exact` (sleeps and timeouts fire on
//! time) and `Timing::Adversarial` (time gives no ordering).

use std::time::Duration;

use sim::threading::{Event, Lock};
use sim::{Builder, FailureKind, Timing};

fn two_sleepers() {
    let a = sim::thread::spawn(|| {
        sim::time::sleep(Duration::from_secs(1));
        sim::println!("a");
    });
    let b = sim::thread::spawn(|| {
        sim::time::sleep(Duration::from_secs(3));
        sim::println!("b");
    });
    a.join().unwrap();
    b.join().unwrap();
}

#[test]
fn exact_is_the_default_and_orders_sleeps_by_deadline() {
    let report = Builder::new().executions(200).explore(two_sleepers);
    assert_eq!(report.outputs.keys().collect::<Vec<_>>(), ["a\nb\n"]);
    assert_eq!(report.failures.len(), 0);
}

#[test]
fn adversarial_sleeps_are_yields_so_both_orders_happen() {
    let report = Builder::new()
        .timing(Timing::Adversarial)
        .executions(200)
        .explore(two_sleepers);
    assert_eq!(
        report.outputs.keys().collect::<Vec<_>>(),
        ["a\nb\n", "b\na\n"]
    );
}

#[test]
fn an_adversarial_sleep_is_a_lower_bound_on_the_clock() {
    let report = Builder::new()
        .timing(Timing::Adversarial)
        .executions(300)
        .explore(|| {
            let t = sim::thread::spawn(|| {
                let before = sim::time::now();
                sim::time::sleep(Duration::from_secs(1));
                let after = sim::time::now();
                assert!(after >= before + Duration::from_secs(1));
                after
            });
            sim::time::sleep(Duration::from_secs(5));
            assert!(sim::time::now() >= Duration::from_secs(5));
            let child = t.join().unwrap();
            // The child's sleep came first (1s) or after main's (5s).
            assert!(child == Duration::from_secs(1) || child == Duration::from_secs(5));
            sim::println!("{child:?}");
        });
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(report.outputs.keys().collect::<Vec<_>>(), ["1s\n", "5s\n"]);
}

#[test]
fn an_adversarial_timed_wait_that_had_to_wait_may_time_out_even_after_the_release() {
    let body = || {
        let lock = Lock::new();
        lock.acquire();
        let t = sim::thread::spawn(move || {
            let got = lock.acquire_timeout(Duration::from_secs(10));
            (got, sim::time::now())
        });
        sim::time::sleep(Duration::from_secs(1));
        lock.release();
        let (got, at) = t.join().unwrap();
        sim::println!("{got} at {at:?}");
    };
    let exact = Builder::new().executions(100).explore(body);
    assert_eq!(exact.outputs.keys().collect::<Vec<_>>(), ["true at 1s\n"]);
    let adversarial = Builder::new()
        .timing(Timing::Adversarial)
        .executions(200)
        .explore(body);
    // A timeout moves the clock up to its deadline. Time orders nothing, so
    // the release may come before the sleep's 1s (acquired at 0s).
    assert!(adversarial.failures.is_empty(), "{adversarial}");
    assert!(
        adversarial.outputs.contains_key("false at 10s\n"),
        "{adversarial:?}"
    );
    assert!(
        adversarial.outputs.keys().any(|o| o.starts_with("true")),
        "{adversarial:?}"
    );
}

#[test]
fn a_timed_wait_that_never_had_to_wait_completes_under_adversarial_timing() {
    // As in Python: a timed acquire of a free lock, a timed wait on a set
    // event, a timed get of a non-empty queue never time out.
    let report = Builder::new()
        .timing(Timing::Adversarial)
        .executions(200)
        .explore(|| {
            let lock = Lock::new();
            assert!(lock.acquire_timeout(Duration::from_secs(1)));
            let ev = Event::new();
            ev.set();
            assert!(ev.wait_timeout(Duration::from_secs(1)));
            let q = sim::queue::Queue::new(0);
            q.put(1);
            assert_eq!(q.get_timeout(Duration::from_secs(1)), Ok(1));
            assert_eq!(sim::time::now(), Duration::ZERO);
        });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn non_blocking_attempts_never_fail_spuriously_under_adversarial_timing() {
    let report = Builder::new()
        .timing(Timing::Adversarial)
        .executions(100)
        .explore(|| {
            let lock = Lock::new();
            assert!(lock.try_acquire());
            lock.release();
        });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn an_adversarial_timed_wait_may_time_out_while_waiting_before_the_deadline() {
    // Exact: the set at 1s always beats the 10s timeout. Adversarial: not.
    let body = || {
        let ev = Event::new();
        let t = sim::thread::spawn(move || ev.wait_timeout(Duration::from_secs(10)));
        sim::time::sleep(Duration::from_secs(1));
        ev.set();
        sim::println!("{}", t.join().unwrap());
    };
    let exact = Builder::new().executions(100).explore(body);
    assert_eq!(exact.outputs.keys().collect::<Vec<_>>(), ["true\n"]);
    let adversarial = Builder::new()
        .timing(Timing::Adversarial)
        .executions(100)
        .explore(body);
    assert_eq!(
        adversarial.outputs.keys().collect::<Vec<_>>(),
        ["false\n", "true\n"]
    );
}

#[test]
fn deadlocks_are_still_found_under_adversarial_timing() {
    let report = Builder::new()
        .timing(Timing::Adversarial)
        .executions(10)
        .explore(|| {
            let lock = Lock::new();
            lock.acquire();
            sim::time::sleep(Duration::from_secs(1));
            lock.acquire();
        });
    let f = report.failure().unwrap();
    assert_eq!(f.kind, FailureKind::Deadlock);
    assert_eq!(f.trace.timing, "adversarial");
}

#[test]
fn a_trace_recorded_under_adversarial_timing_replays_under_it() {
    let body = || {
        let t = sim::thread::spawn(|| sim::println!("child"));
        sim::time::sleep(Duration::from_secs(1));
        sim::println!("main");
        t.join().unwrap();
    };
    let adversarial = Builder::new().timing(Timing::Adversarial);
    // A token whose adversarial schedule prints "main" first (impossible
    // under Exact timing).
    let token = (0..100u64)
        .map(|t| t.to_string())
        .find(|t| adversarial.trace(body, t).unwrap().output_text() == "main\nchild\n")
        .expect("some schedule runs main first");
    let recorded = adversarial.trace(body, &token).unwrap();
    assert_eq!(recorded.timing, "adversarial");
    // Replayed with a default (Exact) builder: still the recorded run.
    let report = Builder::new().replay_trace(body, &recorded).unwrap();
    assert!(report.failures.is_empty(), "{report}");
}
