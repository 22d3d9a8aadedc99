//! `thread::park`, `park_timeout` and `Thread::unpark`: std's token
//! semantics, happens-before, timeouts, spurious wake-ups, deadlocks.

use std::time::Duration;

use sim::threading::Lock;
use sim::{Builder, FailureKind, Shared, Strategy, Timing};

fn exhaustive() -> Builder {
    Builder::new()
        .strategy(Strategy::Exhaustive)
        .executions(1_000_000)
}

fn locked<R>(lock: Lock, f: impl FnOnce() -> R) -> R {
    let _g = lock.lock();
    f()
}

/// The std idiom: the waiter parks until a flag is set; the setter sets
/// the flag, then unparks. `correct: false` unparks first, then sets.
fn handshake(correct: bool) {
    let flag = Shared::new(false);
    let lock = Lock::new();
    let main = sim::thread::current();
    let f = flag.clone();
    let h = sim::thread::spawn(move || {
        if correct {
            locked(lock, || f.set(true));
            main.unpark();
        } else {
            main.unpark();
            locked(lock, || f.set(true));
        }
    });
    while !locked(lock, || flag.get()) {
        sim::thread::park();
    }
    h.join().unwrap();
}

#[test]
fn the_park_unpark_handshake_loses_no_wakeup_in_any_interleaving() {
    let report = exhaustive().explore(|| handshake(true));
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
    // Reduced (issue 18): 2 traces, main's first check before or after
    // the setter's critical section (after it, the unpark commutes with
    // everything main does; before it, main parks until the unpark).
    assert_eq!(report.unreduced, None, "{report}");
    assert_eq!(report.executions, 2, "{report}");
}

#[test]
fn unparking_before_setting_the_flag_is_a_lost_wakeup_found_exhaustively() {
    let report = exhaustive().explore(|| handshake(false));
    let failure = report.failure().expect("a deadlock");
    assert_eq!(failure.kind, FailureKind::Deadlock, "{report}");
    assert!(
        failure.message.contains("MainThread is blocked in park at"),
        "{}",
        failure.message
    );
    assert!(
        failure.message.contains("(no unpark pending)"),
        "{}",
        failure.message
    );
}

#[test]
fn an_unpark_before_the_park_makes_it_return_at_once() {
    let report = exhaustive().explore(|| {
        sim::thread::current().unpark();
        sim::thread::park();
        sim::println!("returned");
    });
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(report.executions, 1);
    assert!(report.outputs.contains_key("returned\n"));
}

#[test]
fn tokens_do_not_accumulate() {
    let report = exhaustive().explore(|| {
        let me = sim::thread::current();
        me.unpark();
        me.unpark();
        sim::thread::park();
        sim::thread::park();
    });
    let failure = report.failure().expect("the second park never returns");
    assert_eq!(failure.kind, FailureKind::Deadlock);
    assert!(
        failure.message.contains("blocked in park"),
        "{}",
        failure.message
    );
}

#[test]
fn a_park_nobody_unparks_is_a_deadlock_naming_park_even_with_spurious_wakeups() {
    for spurious in [false, true] {
        let report = exhaustive().spurious_wakeups(spurious).explore(|| {
            let h = sim::thread::spawn(sim::thread::park);
            sim::thread::park();
            h.join().unwrap();
        });
        let failure = report.failure().expect("a deadlock");
        assert_eq!(failure.kind, FailureKind::Deadlock, "{report}");
        assert!(
            failure.message.contains("Thread-1 is blocked in park at")
                || failure.message.contains("MainThread is blocked in park at"),
            "{}",
            failure.message
        );
    }
}

#[test]
fn an_unpark_happens_before_the_park_it_releases() {
    // No loop and no lock: the only order between the write and the read
    // is unpark -> park. Without spurious wake-ups the park returns only
    // once unparked, so the read is race-free in every interleaving.
    let report = exhaustive().explore(|| {
        let x = Shared::new(0);
        let main = sim::thread::current();
        let x2 = x.clone();
        let h = sim::thread::spawn(move || {
            x2.set(1);
            main.unpark();
        });
        sim::thread::park();
        assert_eq!(x.get(), 1);
        h.join().unwrap();
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete);
}

#[test]
fn spurious_park_wakeups_are_explored_only_when_enabled() {
    let program = || {
        let h = sim::thread::spawn(|| {
            sim::thread::park();
            sim::println!("woke");
        });
        sim::println!("unpark");
        h.thread().unpark();
        h.join().unwrap();
    };
    let off = exhaustive().explore(program);
    assert!(off.failures.is_empty(), "{off}");
    assert_eq!(
        off.outputs.keys().collect::<Vec<_>>(),
        ["unpark\nwoke\n"],
        "{off}"
    );
    let on = exhaustive().spurious_wakeups(true).explore(program);
    assert!(on.failures.is_empty(), "{on}");
    assert!(on.complete, "{on}");
    assert_eq!(
        on.outputs.keys().collect::<Vec<_>>(),
        ["unpark\nwoke\n", "woke\nunpark\n"],
        "{on}"
    );
}

#[test]
fn a_spurious_wakeup_orders_nothing() {
    // With spurious wake-ups the park may return before the unpark: the
    // read then races with the write.
    let report = exhaustive().spurious_wakeups(true).explore(|| {
        let x = Shared::new(0);
        let main = sim::thread::current();
        let x2 = x.clone();
        let h = sim::thread::spawn(move || {
            x2.set(1);
            main.unpark();
        });
        sim::thread::park();
        let _ = x.get();
        h.join().unwrap();
    });
    let failure = report.failure().expect("a race after a spurious wake-up");
    assert_eq!(failure.kind, FailureKind::DataRace, "{report}");
}

#[test]
fn park_timeout_under_exact_timing_times_out_exactly_at_its_deadline() {
    let report = exhaustive().timing(Timing::Exact).explore(|| {
        let h = sim::thread::spawn(|| sim::time::sleep(Duration::from_secs(10)));
        sim::thread::park_timeout(Duration::from_millis(1500));
        assert_eq!(sim::time::now(), Duration::from_millis(1500));
        h.join().unwrap();
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete);
}

#[test]
fn park_timeout_returns_early_when_unparked() {
    let report = exhaustive().timing(Timing::Exact).explore(|| {
        let main = sim::thread::current();
        let h = sim::thread::spawn(move || {
            sim::time::sleep(Duration::from_secs(1));
            main.unpark();
        });
        sim::thread::park_timeout(Duration::from_secs(5));
        assert_eq!(sim::time::now(), Duration::from_secs(1));
        h.join().unwrap();
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn under_adversarial_timing_a_park_timeout_may_time_out_whenever_it_waits() {
    let report = exhaustive().timing(Timing::Adversarial).explore(|| {
        let lock = Lock::new();
        let woken = Shared::new(false);
        let main = sim::thread::current();
        let w = woken.clone();
        let h = sim::thread::spawn(move || {
            locked(lock, || w.set(true));
            main.unpark();
        });
        sim::thread::park_timeout(Duration::from_secs(5));
        sim::println!("{}", locked(lock, || woken.get()));
        h.join().unwrap();
    });
    assert!(report.failures.is_empty(), "{report}");
    // Timed out before the unpark (false), or released by it (true).
    assert_eq!(
        report.outputs.keys().collect::<Vec<_>>(),
        ["false\n", "true\n"],
        "{report}"
    );
}

/// A parked thread that trusts its wake-up to mean "unparked". shuttle's
/// entry points explore spurious park wake-ups, as shuttle does, so they
/// find the bug; loom's `model` does not, as loom does not; and
/// `Builder::spurious_parks` turns them on alone (a `Condition` wait still
/// wakes only when notified).
#[test]
fn shuttles_entry_points_explore_spurious_parks_and_loom_s_model_does_not() {
    fn program() {
        use sim::sync::atomic::{AtomicBool, Ordering::SeqCst};
        let flag = sim::sync::Arc::new(AtomicBool::new(false));
        let h = {
            let flag = flag.clone();
            sim::thread::spawn(move || {
                sim::thread::park();
                assert!(flag.load(SeqCst), "woke spuriously");
            })
        };
        flag.store(true, SeqCst);
        h.thread().unpark();
        h.join().unwrap();
    }
    let found = |check: fn()| {
        std::panic::catch_unwind(check)
            .expect_err("the spurious wake-up is found")
            .downcast::<String>()
            .map(|m| m.contains("woke spuriously"))
            .unwrap_or(false)
    };
    assert!(found(|| sim::check_dfs(program, None)));
    assert!(found(|| sim::check_random(program, 200)));
    assert!(found(|| sim::check_pct(program, 200, 2)));
    sim::model(program);
    let alone = exhaustive().spurious_parks(true);
    assert!(alone.clone().explore(program).failure().is_some());
    let condition = alone.explore(|| {
        let cv = sim::threading::Condition::new();
        let _g = cv.lock();
        cv.wait();
    });
    let failure = condition.failure().expect("a deadlock");
    assert_eq!(failure.kind, FailureKind::Deadlock, "{condition}");
}
