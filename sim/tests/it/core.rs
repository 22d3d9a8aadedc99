//! The runtime core's must-show behaviours: deadlock, race, panic, misuse,
//! step limit, virtual time, determinism and replay.

use std::time::Duration;

use sim::threading::{Lock, RLock};
use sim::{Builder, FailureKind, Report, Shared};

use crate::programs::{lock_increments, lock_order, racy_counter, unlocked_increments};

#[test]
fn lock_order_inversion_is_a_deadlock_with_the_cycle_named() {
    let report = Builder::new().executions(1000).explore(lock_order);
    let failure = report
        .failure()
        .expect("the inversion deadlocks in some execution");
    assert_eq!(failure.kind, FailureKind::Deadlock);
    assert!(
        failure.message.contains("wait-for cycle: "),
        "{}",
        failure.message
    );
    assert!(
        failure
            .message
            .contains("MainThread -> Thread-1 -> MainThread")
            || failure
                .message
                .contains("Thread-1 -> MainThread -> Thread-1"),
        "{}",
        failure.message
    );
    assert!(
        failure
            .message
            .contains("MainThread is blocked in acquire of Lock#"),
        "{}",
        failure.message
    );
    assert!(
        failure
            .message
            .contains("Thread-1 is blocked in acquire of Lock#"),
        "{}",
        failure.message
    );
    // Stop at the first failure: the count is the failing execution's index.
    assert_eq!(report.executions, failure.execution);
}

#[test]
fn unsynchronised_counter_races_in_the_first_execution() {
    let report = Builder::new().executions(1).explore(racy_counter);
    assert_eq!(report.executions, 1);
    let failure = report.failure().expect("race");
    assert_eq!(failure.kind, FailureKind::DataRace);
    // Both accesses, with their threads and source locations in the
    // program's file.
    assert_eq!(
        failure.message.matches("sim/tests/it/programs.rs:").count(),
        3,
        "{}",
        failure.message
    );
    assert!(
        failure.message.contains("MainThread"),
        "{}",
        failure.message
    );
    assert!(failure.message.contains("Thread-1"), "{}", failure.message);
}

#[test]
fn locked_counter_is_race_free_over_10000_random_executions() {
    let report = Builder::new()
        .executions(10_000)
        .explore(lock_increments::<2, 1>);
    assert_eq!(report.executions, 10_000);
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn a_panic_is_a_panic_failure_with_thread_message_and_location() {
    let report = Builder::new().executions(1).explore(|| {
        let t = sim::thread::Builder::new()
            .name("worker".into())
            .spawn(|| {
                let v = 1 + 1;
                assert_eq!(v, 3, "arithmetic is broken");
            })
            .unwrap();
        let err = t.join().unwrap_err();
        let message = err
            .downcast_ref::<String>()
            .expect("a formatted panic message");
        assert!(message.contains("arithmetic is broken"));
    });
    let failure = report.failure().expect("panic");
    assert_eq!(failure.kind, FailureKind::Panic);
    assert!(
        failure.message.contains("thread 'worker' panicked"),
        "{}",
        failure.message
    );
    assert!(
        failure.message.contains("arithmetic is broken"),
        "{}",
        failure.message
    );
    assert!(
        failure.message.contains("sim/tests/it/core.rs:"),
        "{}",
        failure.message
    );
}

#[test]
fn join_of_a_panicked_thread_returns_an_error_and_execution_goes_on() {
    let report = Builder::new().executions(20).explore(|| {
        let t = sim::thread::spawn(|| panic!("child failed"));
        let r = t.join();
        sim::println!("joined: {}", r.is_err());
    });
    assert_eq!(report.failure().unwrap().kind, FailureKind::Panic);
    assert_eq!(
        report.outputs.keys().collect::<Vec<_>>(),
        ["joined: true\n"]
    );
}

#[test]
fn releasing_an_unlocked_lock_is_misuse_with_pythons_message() {
    let report = Builder::new()
        .executions(1)
        .explore(|| Lock::new().release());
    let failure = report.failure().unwrap();
    assert_eq!(failure.kind, FailureKind::Misuse);
    assert!(
        failure
            .message
            .starts_with("RuntimeError: release unlocked lock"),
        "{}",
        failure.message
    );
}

#[test]
fn any_thread_may_release_a_lock() {
    let report = Builder::new().executions(200).explore(|| {
        let lock = Lock::new();
        lock.acquire();
        sim::thread::spawn(move || lock.release()).join().unwrap();
        assert!(!lock.locked());
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn rlock_release_by_non_owner_is_misuse() {
    let report = Builder::new().executions(1).explore(|| {
        let r = RLock::new();
        r.acquire();
        sim::thread::spawn(move || r.release()).join().unwrap();
    });
    let failure = report.failure().unwrap();
    assert_eq!(failure.kind, FailureKind::Misuse);
    assert!(
        failure
            .message
            .starts_with("RuntimeError: cannot release un-acquired lock"),
        "{}",
        failure.message
    );
    assert!(
        failure.message.contains("held by MainThread"),
        "{}",
        failure.message
    );
}

#[test]
fn plain_lock_reentry_deadlocks_on_itself_and_rlock_does_not() {
    let report = Builder::new().executions(1).explore(|| {
        let l = Lock::new();
        let _a = l.lock();
        let _b = l.lock();
    });
    let failure = report.failure().unwrap();
    assert_eq!(failure.kind, FailureKind::Deadlock);
    assert!(
        failure.message.contains("held by MainThread itself"),
        "{}",
        failure.message
    );
    assert!(
        failure
            .message
            .contains("wait-for cycle: MainThread -> MainThread"),
        "{}",
        failure.message
    );

    let report = Builder::new().executions(1).explore(|| {
        let r = RLock::new();
        let _a = r.lock();
        let _b = r.lock();
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn a_livelock_hits_the_step_limit() {
    let report = Builder::new().executions(1).max_steps(500).explore(|| {
        let flag = Shared::new(false);
        let f2 = flag.clone();
        let _spinner = sim::thread::Builder::new()
            .name("spinner".into())
            .spawn(move || while !f2.get() {})
            .unwrap();
        // Never sets the flag.
    });
    let failure = report.failure().unwrap();
    assert_eq!(failure.kind, FailureKind::StepLimit);
    assert!(failure.message.contains("spinner"), "{}", failure.message);
    assert_eq!(failure.trace.events.len(), 500);
}

#[test]
fn sleeping_2s_five_times_ends_at_10s() {
    let report = Builder::new().executions(1).explore(|| {
        let t = sim::thread::spawn(|| {
            for _ in 0..5 {
                sim::time::sleep(Duration::from_secs(2));
            }
            sim::time::now()
        });
        assert_eq!(t.join().unwrap(), Duration::from_secs(10));
        assert_eq!(sim::time::now(), Duration::from_secs(10));
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn the_clock_only_jumps_when_nothing_can_run() {
    let report = Builder::new().executions(50).explore(|| {
        let t = sim::thread::spawn(|| {
            sim::time::sleep(Duration::from_secs(1));
            sim::println!("slept");
        });
        for _ in 0..10 {
            sim::thread::yield_now();
        }
        sim::println!("busy done at {:?}", sim::time::now());
        t.join().unwrap();
    });
    assert_eq!(
        report.outputs.keys().collect::<Vec<_>>(),
        ["busy done at 0ns\nslept\n"]
    );
}

#[test]
fn simultaneous_deadlines_are_a_choice() {
    let report = Builder::new().executions(200).explore(|| {
        let a = sim::thread::spawn(|| {
            sim::time::sleep(Duration::from_secs(2));
            sim::println!("a");
        });
        let b = sim::thread::spawn(|| {
            sim::time::sleep(Duration::from_secs(2));
            sim::println!("b");
        });
        a.join().unwrap();
        b.join().unwrap();
    });
    assert_eq!(
        report.outputs.keys().collect::<Vec<_>>(),
        ["a\nb\n", "b\na\n"]
    );
}

#[test]
fn acquire_timeout_fails_at_the_virtual_deadline() {
    let report = Builder::new().executions(100).explore(|| {
        let lock = Lock::new();
        lock.acquire();
        let t = sim::thread::spawn(move || {
            let got = lock.acquire_timeout(Duration::from_millis(1500));
            (got, sim::time::now())
        });
        sim::time::sleep(Duration::from_secs(5));
        assert_eq!(t.join().unwrap(), (false, Duration::from_millis(1500)));
        lock.release();
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn default_names_follow_python() {
    let report = Builder::new().executions(1).explore(|| {
        let a = sim::thread::spawn(|| sim::threading::current_thread().name());
        let named = sim::thread::Builder::new()
            .name("consumer1".into())
            .spawn(|| sim::threading::current_thread().name())
            .unwrap();
        let b = sim::thread::spawn(|| sim::threading::current_thread().name());
        sim::println!(
            "{} {} {} {}",
            sim::threading::current_thread().name(),
            a.join().unwrap(),
            named.join().unwrap(),
            b.join().unwrap()
        );
    });
    assert_eq!(
        report.outputs.keys().collect::<Vec<_>>(),
        ["MainThread Thread-1 consumer1 Thread-2\n"]
    );
}

#[test]
fn daemon_threads_do_not_keep_the_program_alive() {
    let report = Builder::new().executions(10).explore(|| {
        let lock = Lock::new();
        lock.acquire();
        // Blocked forever, but a daemon: the program ends without a deadlock.
        sim::thread::Builder::new()
            .daemon(true)
            .spawn(move || lock.acquire())
            .unwrap();
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn sixty_four_threads() {
    let report = Builder::new().executions(20).explore(|| {
        let lock = Lock::new();
        let x = Shared::new(0u32);
        let hs: Vec<_> = (0..64)
            .map(|_| {
                let x = x.clone();
                sim::thread::spawn(move || {
                    let _g = lock.lock();
                    x.with_mut(|v| *v += 1);
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(x.get(), 64);
    });
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(report.executions, 20);
}

fn run_twice(seed: u64) -> (Report, Report) {
    let b = Builder::new().executions(1000).seed(seed);
    (b.explore(lock_order), b.explore(lock_order))
}

#[test]
fn the_same_seed_gives_the_same_failure_token_and_events() {
    let (r1, r2) = run_twice(99);
    let (f1, f2) = (r1.failure().unwrap(), r2.failure().unwrap());
    assert_eq!(f1.token, f2.token);
    assert_eq!(f1.message, f2.message);
    assert_eq!(f1.trace.to_json(), f2.trace.to_json());
    assert_eq!(r1, r2);
}

#[test]
fn replaying_a_token_reproduces_the_failure() {
    let report = Builder::new().executions(1000).seed(5).explore(lock_order);
    let failure = report.failure().unwrap();
    let replayed = Builder::new().replay(lock_order, &failure.token).unwrap();
    assert_eq!(replayed.executions, 1);
    let again = replayed.failure().unwrap();
    assert_eq!(again.kind, FailureKind::Deadlock);
    assert_eq!(again.message, failure.message);
    assert_eq!(again.trace.events, failure.trace.events);
}

#[test]
fn check_random_panics_with_a_replay_line() {
    // This test fails on purpose: do not save its trace in the corpus.
    std::env::set_var("SIM_PERSIST", "off");
    let err = std::panic::catch_unwind(|| sim::check_random(lock_order, 1000)).unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(msg.contains("sim found a failure: Deadlock"), "{msg}");
    let line = msg.lines().last().unwrap();
    assert!(line.starts_with("replay: SIM_REPLAY="), "{line}");
    assert!(
        line.ends_with("cargo test core::check_random_panics_with_a_replay_line"),
        "{line}"
    );
    // The token in that line replays the same failure.
    let token = line
        .trim_start_matches("replay: SIM_REPLAY=")
        .split(' ')
        .next()
        .unwrap();
    let err = std::panic::catch_unwind(|| sim::replay(lock_order, token)).unwrap_err();
    assert!(err.downcast_ref::<String>().unwrap().contains("Deadlock"));
}

#[test]
fn a_malformed_token_is_a_clear_error() {
    let err = Builder::new().replay(|| {}, "12x4").unwrap_err();
    assert!(
        err.to_string().contains("malformed replay token \"12x4\""),
        "{err}"
    );
    assert!(err.to_string().contains("expected a seed"), "{err}");
    let panic = std::panic::catch_unwind(|| sim::replay(|| {}, "")).unwrap_err();
    assert!(panic
        .downcast_ref::<String>()
        .unwrap()
        .contains("malformed replay token"));
}

#[test]
fn primitives_outside_a_simulation_are_a_clear_error() {
    let panic = std::panic::catch_unwind(Lock::new).unwrap_err();
    assert!(panic
        .downcast_ref::<String>()
        .unwrap()
        .contains("created outside a simulation"));
}

#[test]
fn a_guard_release_is_recorded_at_the_line_that_took_the_guard() {
    let trace = Builder::new()
        .trace(
            || {
                let lock = Lock::new();
                let _g = lock.lock();
            },
            "1",
        )
        .unwrap();
    let acquire = trace.events.iter().find(|e| e.op == "acquire").unwrap();
    let release = trace.events.iter().find(|e| e.op == "release").unwrap();
    assert!(
        acquire.location.contains("sim/tests/it/core.rs:"),
        "{}",
        acquire.location
    );
    assert_eq!(release.location, acquire.location);
}

#[test]
fn happens_before_holds_past_sixteen_threads() {
    // Vector clocks keep 16 entries inline and move to the heap beyond:
    // 24 threads (and MainThread) order their accesses through the lock,
    // and race without it (the race is between two threads both past 16
    // in some executions, and involves the heap clocks in all of them).
    let locked = Builder::new()
        .executions(300)
        .explore(lock_increments::<24, 1>);
    assert!(locked.failures.is_empty(), "{locked}");
    let racy = Builder::new()
        .executions(300)
        .explore(unlocked_increments::<24, 1>);
    assert!(
        racy.failures
            .iter()
            .all(|f| f.kind == FailureKind::DataRace)
            && !racy.failures.is_empty(),
        "{racy}"
    );
}

#[test]
fn programs_of_more_than_sixty_four_threads_run_to_the_same_verdicts() {
    // Past 64 threads the enabled set is computed by the general pass
    // (the plain one keeps one bit per thread).
    let locked = Builder::new()
        .executions(20)
        .explore(lock_increments::<70, 1>);
    assert!(locked.failures.is_empty(), "{locked}");
    assert_eq!(locked.executions, 20);
    let racy = Builder::new()
        .executions(20)
        .explore(unlocked_increments::<70, 1>);
    assert_eq!(racy.failure().map(|f| f.kind), Some(FailureKind::DataRace));
}
