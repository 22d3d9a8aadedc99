//! `Semaphore` and `BoundedSemaphore`: Python's documented behaviour and
//! the notebook's writer/reader program under both timing models.

use std::time::Duration;

use sim::threading::{BoundedSemaphore, Semaphore};
use sim::{Builder, FailureKind, Shared};

#[test]
fn acquire_blocks_at_zero_until_a_release() {
    let report = Builder::new().executions(300).explore(|| {
        let s = Semaphore::new(0);
        let t = sim::thread::spawn(move || {
            s.acquire();
            sim::time::now()
        });
        sim::time::sleep(Duration::from_secs(3));
        s.release();
        assert_eq!(t.join().unwrap(), Duration::from_secs(3));
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn acquire_timeout_returns_false_exactly_at_the_virtual_deadline() {
    let report = Builder::new().executions(100).explore(|| {
        let s = Semaphore::new(1);
        s.acquire();
        let t = sim::thread::spawn(move || {
            (s.acquire_timeout(Duration::from_secs(2)), sim::time::now())
        });
        sim::time::sleep(Duration::from_secs(5));
        assert_eq!(t.join().unwrap(), (false, Duration::from_secs(2)));
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn try_acquire_counts_down_and_release_n_counts_up() {
    let report = Builder::new().executions(1).explore(|| {
        let s = Semaphore::new(2);
        assert!(s.try_acquire());
        assert!(s.try_acquire());
        assert!(!s.try_acquire());
        s.release_n(3);
        // An unbounded semaphore may exceed its initial value.
        s.release();
        for _ in 0..4 {
            assert!(s.try_acquire());
        }
        assert!(!s.try_acquire());
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn semaphore_n_limits_concurrency_to_n() {
    // Two threads inside at once really do race on the counter: this test
    // checks the count, not races.
    let report = Builder::new()
        .executions(500)
        .race_detection(false)
        .explore(|| {
            let s = Semaphore::new(2);
            let inside = Shared::new(0);
            let hs: Vec<_> = (0..4)
                .map(|_| {
                    let inside = inside.clone();
                    sim::thread::spawn(move || {
                        s.acquire();
                        let n = inside.with_mut(|n| {
                            *n += 1;
                            *n
                        });
                        assert!(n <= 2, "{n} threads inside a Semaphore(2)");
                        inside.with_mut(|n| *n -= 1);
                        s.release();
                    })
                })
                .collect();
            for h in hs {
                h.join().unwrap();
            }
        });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn release_happens_before_the_acquire_it_enabled() {
    // Data handed over by a Semaphore(0): no race.
    let report = Builder::new().executions(300).explore(|| {
        let s = Semaphore::new(0);
        let data = Shared::new(0);
        let d = data.clone();
        let t = sim::thread::spawn(move || {
            s.acquire();
            d.get()
        });
        data.set(7);
        s.release();
        assert_eq!(t.join().unwrap(), 7);
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn bounded_semaphore_over_release_is_misuse_with_pythons_message() {
    let report = Builder::new().executions(1).explore(|| {
        let s = BoundedSemaphore::new(2);
        s.acquire();
        s.release();
        s.release();
    });
    let f = report.failure().unwrap();
    assert_eq!(f.kind, FailureKind::Misuse);
    assert!(
        f.message
            .starts_with("ValueError: Semaphore released too many times"),
        "{}",
        f.message
    );
    assert!(
        f.message.contains("MainThread released BoundedSemaphore#"),
        "{}",
        f.message
    );
}

#[test]
fn bounded_semaphore_within_bound_is_fine_and_release_n_is_checked() {
    let report = Builder::new().executions(1).explore(|| {
        let s = BoundedSemaphore::new(3);
        assert!(s.try_acquire());
        assert!(s.try_acquire());
        s.release_n(2);
        for _ in 0..3 {
            assert!(s.try_acquire());
        }
        assert!(!s.try_acquire());
    });
    assert!(report.failures.is_empty(), "{report}");
    let report = Builder::new().executions(1).explore(|| {
        let s = BoundedSemaphore::new(3);
        s.acquire();
        s.release_n(2);
    });
    assert_eq!(report.failure().unwrap().kind, FailureKind::Misuse);
}

#[test]
fn release_of_zero_is_misuse() {
    let report = Builder::new()
        .executions(1)
        .explore(|| Semaphore::new(0).release_n(0));
    let f = report.failure().unwrap();
    assert_eq!(f.kind, FailureKind::Misuse);
    assert!(f.message.starts_with("ValueError: n must be one or more"));
}

#[test]
fn a_semaphore_that_is_never_released_deadlocks_naming_it() {
    let report = Builder::new().executions(1).explore(|| {
        Semaphore::new(0).acquire();
    });
    let f = report.failure().unwrap();
    assert_eq!(f.kind, FailureKind::Deadlock);
    assert!(
        f.message
            .contains("MainThread is blocked in acquire of Semaphore#"),
        "{}",
        f.message
    );
}
