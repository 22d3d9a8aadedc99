//! `Semaphore` and `BoundedSemaphore`: Python's documented behaviour and
//! the notebook's writer/reader program under both timing models.

use std::time::Duration;

use sim::sync::{BoundedSemaphore, Semaphore};
use sim::{Builder, FailureKind, Shared, Timing};

/// The notebook's Semaphore cell: a writer and a reader hand words over a
/// shared list, each semaphore guarding one direction.
fn notebook_semaphore() {
    let shared_list: Shared<Vec<&str>> = Shared::new(Vec::new());
    let write_sem = Semaphore::new(1);
    let read_sem = Semaphore::new(0);
    let list = shared_list.clone();
    let writer = move || {
        sim::println!("Writer thread started ...");
        for word in "Hello world".split(' ') {
            write_sem.acquire();
            sim::println!("Writer thread prints {word}");
            list.with_mut(|l| l.push(word));
            read_sem.release();
        }
        read_sem.release();
    };
    let list = shared_list;
    let reader = move || {
        sim::println!("Reader thread started ...");
        let mut read = Vec::new();
        loop {
            read_sem.acquire();
            let Some(word) = list.with_mut(|l| l.pop()) else {
                break;
            };
            sim::println!("Reader read {word}");
            read.push(word);
            write_sem.release();
        }
        assert_eq!(read, ["Hello", "world"]);
    };
    let thread = |name: &str| sim::thread::Builder::new().name(name);
    thread("writer").spawn(writer);
    sim::time::sleep(Duration::from_secs(2));
    thread("reader").spawn(reader);
}

#[test]
fn notebook_semaphore_is_bug_free_under_exact_timing() {
    let report = Builder::new().executions(2000).explore(notebook_semaphore);
    assert!(report.failures.is_empty(), "{report}");
    // Exact timing reproduces the notebook's output.
    assert_eq!(
        report.outputs.keys().collect::<Vec<_>>(),
        [
            "Writer thread started ...\nWriter thread prints Hello\nReader thread started ...\n\
          Reader read Hello\nWriter thread prints world\nReader read world\n"
        ]
    );
}

#[test]
fn notebook_semaphore_is_bug_free_under_adversarial_timing() {
    let report = Builder::new()
        .timing(Timing::Adversarial)
        .executions(2000)
        .explore(notebook_semaphore);
    assert!(report.failures.is_empty(), "{report}");
    // Without the sleep's ordering the reader may start first: more
    // outputs, all correct.
    assert!(report.outputs.len() > 1, "{report}");
}

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
