//! `sim::sync::atomic`: C11 happens-before (message passing, release
//! sequences, fences, `unsync_load`). The exhaustive counts are in
//! `atomic_counts`, every type's methods against std's in `atomic_api`.

use std::rc::Rc;
use std::sync::Arc;

use sim::cell::UnsafeCell;
use sim::sync::atomic::{
    fence, AtomicBool, AtomicUsize, Ordering,
    Ordering::{AcqRel, Acquire, Relaxed, Release, SeqCst},
};
use sim::{Builder, FailureKind, Report, Strategy};

pub(crate) fn exhaustive() -> Builder {
    Builder::new()
        .strategy(Strategy::Exhaustive)
        .executions(1_000_000)
}

/// The plain depth-first search, without partial-order reduction, over
/// every interleaving.
pub(crate) fn unreduced() -> Builder {
    exhaustive().reduction(false)
}

/// Asserts that the program explores race-free and completely.
pub(crate) fn assert_race_free(report: &Report) {
    assert!(report.complete, "{report}");
    assert!(report.failures.is_empty(), "{report}");
}

/// Asserts that the first failure is a data race whose message names the
/// lines `a` and `b` of this file.
fn assert_race_between(report: &Report, a: u32, b: u32) {
    let f = report
        .failure()
        .unwrap_or_else(|| panic!("no race found: {report}"));
    assert_eq!(f.kind, FailureKind::DataRace, "{report}");
    for line in [a, b] {
        let at = format!("atomic.rs:{line}:");
        assert!(f.message.contains(&at), "{at} not in {}", f.message);
    }
}

/// Message passing: the child writes the data, then raises the flag with
/// `store`; main reads the data if it sees the flag with `load`. Returns
/// the report and the lines of the data write and read.
fn message_passing(store: Ordering, load: Ordering) -> (Report, u32, u32) {
    let write_line = line!() + 7;
    let read_line = line!() + 10;
    let report = exhaustive().explore(move || {
        let data = Rc::new(UnsafeCell::new(0));
        let flag = Arc::new(AtomicBool::new(false));
        let (d, f) = (data.clone(), flag.clone());
        let t = sim::thread::spawn(move || {
            d.with_mut(|p| unsafe { *p = 42 });
            f.store(true, store);
        });
        if flag.load(load) {
            assert_eq!(data.with(|p| unsafe { *p }), 42);
        }
        t.join().unwrap();
    });
    (report, write_line, read_line)
}

#[test]
fn message_passing_with_a_release_acquire_flag_is_race_free() {
    for (store, load) in [(Release, Acquire), (SeqCst, SeqCst), (Release, SeqCst)] {
        let (report, ..) = message_passing(store, load);
        assert_race_free(&report);
        // Two traces: the load before the store, or after it (the data
        // accesses are not scheduling points).
        assert_eq!(report.executions, 2, "{store:?}/{load:?}: {report}");
    }
    // sim::model agrees (it panics on a failure).
    sim::model(|| {
        let data = Rc::new(UnsafeCell::new(0));
        let flag = Arc::new(AtomicUsize::new(0));
        let (d, f) = (data.clone(), flag.clone());
        sim::thread::spawn(move || {
            d.with_mut(|p| unsafe { *p = 1 });
            f.store(1, Release);
        });
        if flag.load(Acquire) == 1 {
            data.with(|p| assert_eq!(unsafe { *p }, 1));
        }
    });
}

#[test]
fn message_passing_with_a_relaxed_side_is_a_data_race_naming_both_accesses() {
    for (store, load) in [(Relaxed, Relaxed), (Release, Relaxed), (Relaxed, Acquire)] {
        let (report, write, read) = message_passing(store, load);
        assert_race_between(&report, write, read);
        let f = report.failure().unwrap();
        assert!(f.message.contains("UnsafeCell#0"), "{}", f.message);
        assert!(f.message.contains("write by Thread-1"), "{}", f.message);
        assert!(f.message.contains("read by MainThread"), "{}", f.message);
    }
}

#[test]
fn a_release_sequence_continues_through_another_threads_fetch_add() {
    // Thread-1 publishes with a Release store; Thread-2 increments the
    // flag (Relaxed); main reads the data when it sees 2, which it can only
    // do after both: its Acquire load reads the RMW, which is in the
    // release sequence of Thread-1's store.
    let program = |rmw: bool| {
        move || {
            let data = Rc::new(UnsafeCell::new(0));
            let flag = Arc::new(AtomicUsize::new(0));
            let (d, f1, f2) = (data.clone(), flag.clone(), flag.clone());
            let t1 = sim::thread::spawn(move || {
                d.with_mut(|p| unsafe { *p = 7 });
                f1.store(1, Release);
            });
            let t2 = sim::thread::spawn(move || {
                if rmw {
                    f2.fetch_add(1, Relaxed);
                } else if f2.load(Relaxed) == 1 {
                    // A Relaxed store ends the release sequence.
                    f2.store(2, Relaxed);
                }
            });
            if flag.load(Acquire) == 2 {
                assert_eq!(data.with(|p| unsafe { *p }), 7);
            }
            t1.join().unwrap();
            t2.join().unwrap();
        }
    };
    assert_race_free(&exhaustive().explore(program(true)));
    let broken = exhaustive().explore(program(false));
    assert_eq!(
        broken.failure().unwrap().kind,
        FailureKind::DataRace,
        "{broken}"
    );
}

#[test]
fn a_relaxed_store_ends_the_release_sequence_even_in_the_same_thread() {
    // C++20: only RMWs continue a release sequence; the writer's own later
    // Relaxed store does not (C++11 would have said it does).
    let program = |second: Ordering| {
        move || {
            let data = Rc::new(UnsafeCell::new(0));
            let flag = Arc::new(AtomicUsize::new(0));
            let (d, f) = (data.clone(), flag.clone());
            let t = sim::thread::spawn(move || {
                d.with_mut(|p| unsafe { *p = 7 });
                f.store(1, Release);
                f.store(2, second);
            });
            if flag.load(Acquire) == 2 {
                data.with(|p| assert_eq!(unsafe { *p }, 7));
            }
            t.join().unwrap();
        }
    };
    assert_race_free(&exhaustive().explore(program(Release)));
    let report = exhaustive().explore(program(Relaxed));
    assert_eq!(
        report.failure().unwrap().kind,
        FailureKind::DataRace,
        "{report}"
    );
}

#[test]
fn an_acqrel_rmw_chain_carries_every_release() {
    // Each thread writes its own cell, then increments the counter with
    // AcqRel; whoever increments last (sees 2) may read both cells.
    assert_race_free(&exhaustive().explore(|| {
        let cells = Rc::new([UnsafeCell::new(0), UnsafeCell::new(0), UnsafeCell::new(0)]);
        let n = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..3)
            .map(|i| {
                let (cells, n) = (cells.clone(), n.clone());
                sim::thread::spawn(move || {
                    cells[i].with_mut(|p| unsafe { *p = i + 1 });
                    if n.fetch_add(1, AcqRel) == 2 {
                        let sum: usize = cells.iter().map(|c| c.with(|p| unsafe { *p })).sum();
                        assert_eq!(sum, 6);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    }));
    // With Release only (no acquire), the last one has not seen the others.
    let report = exhaustive().explore(|| {
        let cells = Rc::new([UnsafeCell::new(0), UnsafeCell::new(0)]);
        let n = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..2)
            .map(|i| {
                let (cells, n) = (cells.clone(), n.clone());
                sim::thread::spawn(move || {
                    cells[i].with_mut(|p| unsafe { *p = 1 });
                    if n.fetch_add(1, Release) == 1 {
                        cells[1 - i].with(|p| unsafe { *p });
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    });
    assert_eq!(
        report.failure().unwrap().kind,
        FailureKind::DataRace,
        "{report}"
    );
}

/// Fence-based message passing: `release_fence` before the Relaxed store,
/// `acquire_fence` after the Relaxed load.
fn fenced(release_fence: bool, acquire_fence: bool, rmw: bool) -> Report {
    exhaustive().explore(move || {
        let data = Rc::new(UnsafeCell::new(0));
        let flag = Arc::new(AtomicBool::new(false));
        let (d, f) = (data.clone(), flag.clone());
        let t = sim::thread::spawn(move || {
            d.with_mut(|p| unsafe { *p = 42 });
            if release_fence {
                fence(Release);
            }
            if rmw {
                f.fetch_or(true, Relaxed);
            } else {
                f.store(true, Relaxed);
            }
        });
        if flag.load(Relaxed) {
            if acquire_fence {
                fence(Acquire);
            }
            assert_eq!(data.with(|p| unsafe { *p }), 42);
        }
        t.join().unwrap();
    })
}

#[test]
fn fences_publish_and_acquire_and_removing_either_is_a_race() {
    for rmw in [false, true] {
        assert_race_free(&fenced(true, true, rmw));
        for (rel, acq) in [(false, true), (true, false), (false, false)] {
            let report = fenced(rel, acq, rmw);
            let f = report
                .failure()
                .unwrap_or_else(|| panic!("{rel} {acq}: {report}"));
            assert_eq!(f.kind, FailureKind::DataRace, "{report}");
        }
    }
    // SeqCst and AcqRel fences count as both.
    for ord in [SeqCst, AcqRel] {
        assert_race_free(&exhaustive().explore(move || {
            let data = Rc::new(UnsafeCell::new(0));
            let flag = Arc::new(AtomicBool::new(false));
            let (d, f) = (data.clone(), flag.clone());
            let t = sim::thread::spawn(move || {
                d.with_mut(|p| unsafe { *p = 42 });
                fence(ord);
                f.store(true, Relaxed);
            });
            if flag.load(Relaxed) {
                fence(ord);
                assert_eq!(data.with(|p| unsafe { *p }), 42);
            }
            t.join().unwrap();
        }));
    }
}

#[test]
fn an_acquire_fence_acquires_only_what_earlier_relaxed_loads_read() {
    // The fence comes before the load: it acquires nothing.
    let report = exhaustive().explore(|| {
        let data = Rc::new(UnsafeCell::new(0));
        let flag = Arc::new(AtomicBool::new(false));
        let (d, f) = (data.clone(), flag.clone());
        let t = sim::thread::spawn(move || {
            d.with_mut(|p| unsafe { *p = 42 });
            f.store(true, Release);
        });
        fence(Acquire);
        if flag.load(Relaxed) {
            data.with(|p| unsafe { *p });
        }
        t.join().unwrap();
    });
    assert_eq!(
        report.failure().unwrap().kind,
        FailureKind::DataRace,
        "{report}"
    );
}

#[test]
fn a_release_fence_publishes_only_what_precedes_it() {
    // The data write comes after the fence: not published.
    let report = exhaustive().explore(|| {
        let data = Rc::new(UnsafeCell::new(0));
        let flag = Arc::new(AtomicBool::new(false));
        let (d, f) = (data.clone(), flag.clone());
        let t = sim::thread::spawn(move || {
            fence(Release);
            d.with_mut(|p| unsafe { *p = 42 });
            f.store(true, Relaxed);
        });
        if flag.load(Acquire) {
            data.with(|p| unsafe { *p });
        }
        t.join().unwrap();
    });
    assert_eq!(
        report.failure().unwrap().kind,
        FailureKind::DataRace,
        "{report}"
    );
}

#[test]
fn a_failed_compare_exchange_is_a_load_with_the_failure_ordering() {
    // Main's compare_exchange(0, 5) fails exactly when it reads the child's
    // Release store of 1: it synchronises iff the failure ordering acquires.
    let program = |failure: Ordering| {
        move || {
            let data = Rc::new(UnsafeCell::new(0));
            let flag = Arc::new(AtomicUsize::new(0));
            let (d, f) = (data.clone(), flag.clone());
            let t = sim::thread::spawn(move || {
                d.with_mut(|p| unsafe { *p = 42 });
                f.store(1, Release);
            });
            if flag.compare_exchange(0, 5, Relaxed, failure) == Err(1) {
                assert_eq!(data.with(|p| unsafe { *p }), 42);
            }
            t.join().unwrap();
        }
    };
    assert_race_free(&exhaustive().explore(program(Acquire)));
    let report = exhaustive().explore(program(Relaxed));
    assert_eq!(
        report.failure().unwrap().kind,
        FailureKind::DataRace,
        "{report}"
    );
    // And a success uses the success ordering.
    let program = |success: Ordering| {
        move || {
            let data = Rc::new(UnsafeCell::new(0));
            let flag = Arc::new(AtomicUsize::new(0));
            let (d, f) = (data.clone(), flag.clone());
            let t = sim::thread::spawn(move || {
                d.with_mut(|p| unsafe { *p = 42 });
                f.store(1, Release);
            });
            if flag.compare_exchange(1, 2, success, Relaxed).is_ok() {
                assert_eq!(data.with(|p| unsafe { *p }), 42);
            }
            t.join().unwrap();
        }
    };
    assert_race_free(&exhaustive().explore(program(Acquire)));
    let report = exhaustive().explore(program(Release));
    assert_eq!(
        report.failure().unwrap().kind,
        FailureKind::DataRace,
        "{report}"
    );
}

#[test]
fn unsync_load_races_with_an_unordered_store() {
    // loom's `invalid_unsync_load_relaxed`.
    let load_line = line!() + 6;
    let store_line = line!() + 7;
    let report = exhaustive().explore(move || {
        let a = Arc::new(AtomicUsize::new(0));
        let b = a.clone();
        let t = sim::thread::spawn(move || {
            unsafe { a.unsync_load() };
        });
        b.store(1, Relaxed);
        t.join().unwrap();
    });
    assert_race_between(&report, load_line, store_line);
    let f = report.failure().unwrap();
    assert!(f.message.contains("unsync_load"), "{}", f.message);
    assert!(f.message.contains("AtomicUsize#0"), "{}", f.message);
    // Ordered by a join, or published by Release/Acquire, it is fine.
    assert_race_free(&exhaustive().explore(|| {
        let a = Arc::new(AtomicUsize::new(0));
        let b = a.clone();
        sim::thread::spawn(move || b.store(1, Relaxed))
            .join()
            .unwrap();
        assert_eq!(unsafe { a.unsync_load() }, 1);
        let flag = Arc::new(AtomicBool::new(false));
        let (a2, f2) = (a.clone(), flag.clone());
        let t = sim::thread::spawn(move || {
            a2.store(2, Relaxed);
            f2.store(true, Release);
        });
        if flag.load(Acquire) {
            assert_eq!(unsafe { a.unsync_load() }, 2);
        }
        t.join().unwrap();
    }));
    // A store after an unordered unsync_load races too.
    let report = exhaustive().explore(|| {
        let a = Arc::new(AtomicBool::new(false));
        let b = a.clone();
        let t = sim::thread::spawn(move || b.store(true, SeqCst));
        unsafe { a.unsync_load() };
        t.join().unwrap();
    });
    assert_eq!(
        report.failure().unwrap().kind,
        FailureKind::DataRace,
        "{report}"
    );
}

#[test]
fn unsync_load_is_checked_in_both_directions() {
    // The store comes first in time (the flag says so) but is not ordered
    // before the unsync_load: found by the load's check.
    let store_first = |flag_store: Ordering, flag_load: Ordering| {
        exhaustive().explore(move || {
            let (a, flag) = (
                Arc::new(AtomicUsize::new(0)),
                Arc::new(AtomicBool::new(false)),
            );
            let (a2, f2) = (a.clone(), flag.clone());
            let t = sim::thread::spawn(move || {
                if f2.load(flag_load) {
                    assert_eq!(unsafe { a2.unsync_load() }, 1);
                }
            });
            a.store(1, Relaxed);
            flag.store(true, flag_store);
            t.join().unwrap();
        })
    };
    assert_race_free(&store_first(Release, Acquire));
    let report = store_first(Relaxed, Relaxed);
    assert_eq!(
        report.failure().unwrap().kind,
        FailureKind::DataRace,
        "{report}"
    );
    // The unsync_load comes first: found by the store's check.
    let load_first = |flag_store: Ordering, flag_load: Ordering| {
        exhaustive().explore(move || {
            let (a, flag) = (
                Arc::new(AtomicUsize::new(0)),
                Arc::new(AtomicBool::new(false)),
            );
            let (a2, f2) = (a.clone(), flag.clone());
            let t = sim::thread::spawn(move || {
                assert_eq!(unsafe { a2.unsync_load() }, 0);
                f2.store(true, flag_store);
            });
            if flag.load(flag_load) {
                a.fetch_add(1, Relaxed);
            }
            t.join().unwrap();
        })
    };
    assert_race_free(&load_first(Release, Acquire));
    let report = load_first(Relaxed, Relaxed);
    assert_eq!(
        report.failure().unwrap().kind,
        FailureKind::DataRace,
        "{report}"
    );
}

#[test]
fn a_release_rmw_joins_the_sequence_it_continues() {
    // Thread-1 publishes data1 with a Release store; Thread-2 publishes
    // data2 with a Release (not Acquire) fetch_add that continues
    // Thread-1's sequence: main, seeing 2, may read both.
    assert_race_free(&exhaustive().explore(|| {
        let data = Rc::new([UnsafeCell::new(0), UnsafeCell::new(0)]);
        let flag = Arc::new(AtomicUsize::new(0));
        let (d1, f1, d2, f2) = (data.clone(), flag.clone(), data.clone(), flag.clone());
        let t1 = sim::thread::spawn(move || {
            d1[0].with_mut(|p| unsafe { *p = 1 });
            f1.store(1, Release);
        });
        let t2 = sim::thread::spawn(move || {
            d2[1].with_mut(|p| unsafe { *p = 2 });
            f2.fetch_add(1, Release);
        });
        if flag.load(Acquire) == 2 {
            let sum: i32 = data.iter().map(|c| c.with(|p| unsafe { *p })).sum();
            assert_eq!(sum, 3);
        }
        t1.join().unwrap();
        t2.join().unwrap();
    }));
}
