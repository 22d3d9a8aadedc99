//! `sim::sync::atomic`: C11 happens-before (message passing, release
//! sequences, fences, `unsync_load`), sequentially consistent outcomes, the
//! exhaustive counts against the unreduced search, and every type's
//! methods against std's.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;
use std::sync::Arc;

use sim::cell::UnsafeCell;
use sim::sync::atomic::{
    fence, AtomicBool, AtomicI128, AtomicI16, AtomicI32, AtomicI64, AtomicI8, AtomicIsize,
    AtomicPtr, AtomicU128, AtomicU16, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
    Ordering::{AcqRel, Acquire, Relaxed, Release, SeqCst},
};
use sim::{Builder, EdgeKind, FailureKind, Report, Strategy};

fn exhaustive() -> Builder {
    Builder::new()
        .strategy(Strategy::Exhaustive)
        .executions(1_000_000)
}

/// The plain depth-first search, without partial-order reduction (a
/// preemption bound turns the optimal DPOR off), over every interleaving.
fn unreduced() -> Builder {
    exhaustive().preemption_bound(Some(1_000))
}

/// Asserts that the program explores race-free and completely.
fn assert_race_free(report: &Report) {
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

/// Store buffering with SeqCst atomics: main and the child each store one
/// flag and load the other.
fn store_buffering() {
    let (x, y) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let t = {
        let (x, y) = (x.clone(), y.clone());
        sim::thread::spawn(move || {
            x.store(1, SeqCst);
            y.load(SeqCst)
        })
    };
    y.store(1, SeqCst);
    let r2 = x.load(SeqCst);
    let r1 = t.join().unwrap();
    sim::println!("r1={r1} r2={r2}");
}

#[test]
fn store_buffering_has_three_sc_outcomes_and_three_traces() {
    let report = exhaustive().explore(store_buffering);
    assert_race_free(&report);
    let outputs: Vec<&str> = report.outputs.keys().map(|s| s.as_str()).collect();
    assert_eq!(outputs, ["r1=0 r2=1\n", "r1=1 r2=0\n", "r1=1 r2=1\n"]);
    // Three Mazurkiewicz traces (the order of each store with the other
    // thread's load of its flag; both loads first is a cycle), and each
    // gives its own outcome: the unreduced search finds the same three in
    // its six interleavings of the four operations.
    assert_eq!(report.executions, 3);
    let all = unreduced().explore(store_buffering);
    assert_race_free(&all);
    let keys = |r: &Report| r.outputs.keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&all), keys(&report));
    assert_eq!(all.executions, 6, "{all}");
}

/// `threads` threads, each doing `n` `fetch_add`s and recording what it
/// saw; main prints every thread's record.
fn fetch_adds(threads: usize, n: usize) -> impl Fn() + Send + Sync + 'static {
    move || {
        let counter = Arc::new(AtomicU32::new(0));
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let counter = counter.clone();
                sim::thread::spawn(move || {
                    (0..n)
                        .map(|_| counter.fetch_add(1, Relaxed))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let seen: Vec<Vec<u32>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(counter.load(Relaxed), (threads * n) as u32);
        sim::println!("{seen:?}");
    }
}

#[test]
fn fetch_add_counts_match_the_unreduced_search() {
    // Every interleaving of the increments is its own trace (they all
    // write one object) and its own output (the values each thread saw).
    for (threads, n, traces) in [(2, 3, 20), (3, 2, 90), (2, 2, 6)] {
        let reduced = exhaustive().explore(fetch_adds(threads, n));
        assert_race_free(&reduced);
        assert_eq!(reduced.executions, traces, "{threads}x{n}: {reduced}");
        let all = unreduced().explore(fetch_adds(threads, n));
        assert_race_free(&all);
        assert_eq!(all.outputs.len() as u64, traces, "{threads}x{n}: {all}");
        let keys = |r: &Report| r.outputs.keys().cloned().collect::<BTreeSet<_>>();
        assert_eq!(keys(&reduced), keys(&all));
    }
}

#[test]
fn compare_exchange_loops_increment_exactly_once_each() {
    // Two threads increment with a CAS loop (and one with fetch_update):
    // no update is lost, in any interleaving.
    let program = || {
        let n = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..2)
            .map(|i| {
                let n = n.clone();
                sim::thread::spawn(move || {
                    if i == 0 {
                        let mut cur = n.load(Relaxed);
                        while let Err(actual) =
                            n.compare_exchange_weak(cur, cur + 1, AcqRel, Relaxed)
                        {
                            cur = actual;
                        }
                    } else {
                        n.fetch_update(AcqRel, Acquire, |v| Some(v + 1)).unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(n.load(SeqCst), 2);
    };
    let reduced = exhaustive().explore(program);
    assert_race_free(&reduced);
    let all = unreduced().explore(program);
    assert_race_free(&all);
    assert!(reduced.executions < all.executions, "{reduced} vs {all}");
    // loom's `compare_and_swap` test shape.
    sim::model(|| {
        let num = Arc::new(AtomicUsize::new(0));
        let ths: Vec<_> = (0..2)
            .map(|_| {
                let num = num.clone();
                sim::thread::spawn(move || {
                    let mut curr = num.load(Relaxed);
                    loop {
                        let actual = num.compare_and_swap(curr, curr + 1, Relaxed);
                        if actual == curr {
                            return;
                        }
                        curr = actual;
                    }
                })
            })
            .collect();
        for th in ths {
            th.join().unwrap();
        }
        assert_eq!(2, num.load(Relaxed));
    });
}

/// A tiny program over two atomics, as the brute-force oracle sees it.
#[derive(Debug, Clone, Copy)]
enum AOp {
    Load(usize),
    Store(usize, u8),
    FetchAdd(usize),
    Cas(usize, u8, u8),
}

/// Runs `program` (one list of operations per child thread) and prints a
/// record of every operation: the number of writes its atomic had seen
/// (compare-exchanges count as writes, as in the dependence relation) and
/// the value it read. That record names the Mazurkiewicz trace: the order
/// of the writes of each atomic and where each read falls among them.
fn run_program(program: Vec<Vec<AOp>>) -> impl Fn() + Send + Sync + 'static {
    move || {
        let atomics = Arc::new([AtomicU8::new(0), AtomicU8::new(0)]);
        let writes = Rc::new(RefCell::new([0u32; 2]));
        let handles: Vec<_> = program
            .iter()
            .cloned()
            .map(|ops| {
                let (atomics, writes) = (atomics.clone(), writes.clone());
                sim::thread::spawn(move || {
                    let mut record = Vec::new();
                    for op in ops {
                        // Nothing runs between the operation and the count.
                        let (a, value, write) = match op {
                            AOp::Load(a) => (a, atomics[a].load(SeqCst), false),
                            AOp::Store(a, v) => {
                                atomics[a].store(v, Release);
                                (a, v, true)
                            }
                            AOp::FetchAdd(a) => (a, atomics[a].fetch_add(1, AcqRel), true),
                            AOp::Cas(a, old, new) => {
                                let r = atomics[a].compare_exchange(old, new, AcqRel, Acquire);
                                (a, r.unwrap_or_else(|v| v), true)
                            }
                        };
                        let mut w = writes.borrow_mut();
                        record.push((w[a], value));
                        if write {
                            w[a] += 1;
                        }
                    }
                    record
                })
            })
            .collect();
        let records: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        sim::println!("{records:?}");
    }
}

#[test]
fn small_atomic_programs_explore_one_execution_per_trace() {
    // A fixed family of small programs (deterministic, no proptest seed):
    // the optimal DPOR must run exactly one execution per trace of the
    // unreduced search and see the same records.
    use AOp::*;
    let programs: Vec<Vec<Vec<AOp>>> = vec![
        vec![vec![Store(0, 1), Load(1)], vec![Store(1, 1), Load(0)]],
        vec![vec![Load(0), Load(0)], vec![Store(0, 1)], vec![Load(0)]],
        vec![vec![FetchAdd(0), Load(1)], vec![Cas(0, 0, 5), Store(1, 2)]],
        vec![
            vec![Cas(0, 0, 1), Cas(0, 1, 2)],
            vec![Cas(0, 0, 3)],
            vec![Load(0)],
        ],
        vec![
            vec![Load(0), Store(1, 1)],
            vec![Load(1), Store(0, 1)],
            vec![FetchAdd(1)],
        ],
        vec![
            vec![Store(0, 1), Store(0, 2)],
            vec![Load(0), Load(1)],
            vec![Store(1, 3), Load(0)],
        ],
    ];
    for program in programs {
        let reduced = exhaustive().explore(run_program(program.clone()));
        assert_race_free(&reduced);
        let all = unreduced().explore(run_program(program.clone()));
        assert_race_free(&all);
        let keys = |r: &Report| r.outputs.keys().cloned().collect::<BTreeSet<_>>();
        assert_eq!(keys(&reduced), keys(&all), "{program:?}");
        assert_eq!(
            reduced.executions,
            all.outputs.len() as u64,
            "{program:?}: {reduced}"
        );
    }
}

#[test]
fn the_trace_has_atomic_edges_consistent_with_the_clocks() {
    // A Release store read by an Acquire load, a fence pair and a CAS.
    let program = || {
        let (x, y) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (x2, y2) = (x.clone(), y.clone());
        let t = sim::thread::spawn(move || {
            x2.store(1, Release);
            fence(Release);
            y2.store(1, Relaxed);
        });
        while x.load(Acquire) == 0 {
            sim::thread::yield_now();
        }
        while y.compare_exchange(1, 2, Relaxed, Relaxed).is_err() {
            sim::thread::yield_now();
        }
        fence(Acquire);
        t.join().unwrap();
    };
    let report = Builder::new().executions(20).explore(program);
    assert!(report.failures.is_empty(), "{report}");
    let trace = Builder::new().trace(program, "1").unwrap();
    let atomic_edges: Vec<_> = trace
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Atomic)
        .collect();
    assert_eq!(atomic_edges.len(), 2, "{:?}", trace.edges);
    let event = |step: u64| &trace.events[trace.event_index(step).unwrap()];
    let ops: Vec<(&str, &str)> = atomic_edges
        .iter()
        .map(|e| (event(e.from).op.as_str(), event(e.to).op.as_str()))
        .collect();
    assert_eq!(ops, [("store", "load"), ("fence", "fence")]);
    // The successful CAS says so in the trace.
    assert!(trace
        .events
        .iter()
        .any(|e| e.op == "compare_exchange" && e.result.as_deref() == Some("true")));
    // Every edge e -> f has clock(e) <= clock(f).
    let g = trace.happens_before();
    for edge in petgraph_edges(&g) {
        let (a, b) = (&trace.events[edge.0].clock, &trace.events[edge.1].clock);
        for (t, &v) in a.iter().enumerate() {
            assert!(v <= b.get(t).copied().unwrap_or(0), "{a:?} !<= {b:?}");
        }
    }
}

fn petgraph_edges(g: &sim::HbGraph) -> Vec<(usize, usize)> {
    g.raw_edges()
        .iter()
        .map(|e| (e.source().index(), e.target().index()))
        .collect()
}

#[test]
fn orderings_std_refuses_panic_with_stds_messages() {
    let cases: Vec<(&str, fn())> = vec![
        ("there is no such thing as a release load", || {
            AtomicUsize::new(0).load(Release);
        }),
        ("there is no such thing as an acquire-release load", || {
            AtomicBool::new(false).load(AcqRel);
        }),
        ("there is no such thing as an acquire store", || {
            AtomicI8::new(0).store(1, Acquire)
        }),
        ("there is no such thing as an acquire-release store", || {
            AtomicPtr::<u8>::default().store(std::ptr::null_mut(), AcqRel)
        }),
        (
            "there is no such thing as a release failure ordering",
            || {
                let _ = AtomicU64::new(0).compare_exchange(0, 1, SeqCst, Release);
            },
        ),
        ("there is no such thing as a relaxed fence", || {
            fence(Relaxed)
        }),
    ];
    for (message, case) in cases {
        let report = Builder::new().executions(1).explore(case);
        let f = report.failure().expect("a panic");
        assert_eq!(f.kind, FailureKind::Panic, "{report}");
        assert!(f.message.contains(message), "{}", f.message);
    }
}

/// Runs the same sequence of operations on a sim atomic and a std one and
/// compares every result.
macro_rules! same_as_std {
    ($sim:ident, $std:ident, $t:ty, $a:expr, $b:expr) => {{
        use std::sync::atomic::$std as Std;
        let (a, b): ($t, $t) = ($a, $b);
        let s = $sim::new(a);
        let r = Std::new(a);
        assert_eq!(s.load(SeqCst), r.load(SeqCst));
        assert_eq!(s.fetch_add(b, SeqCst), r.fetch_add(b, SeqCst));
        assert_eq!(s.fetch_sub(a, AcqRel), r.fetch_sub(a, AcqRel));
        assert_eq!(s.fetch_and(b, Release), r.fetch_and(b, Release));
        assert_eq!(s.fetch_nand(a, Relaxed), r.fetch_nand(a, Relaxed));
        assert_eq!(s.fetch_or(b, Acquire), r.fetch_or(b, Acquire));
        assert_eq!(s.fetch_xor(a, SeqCst), r.fetch_xor(a, SeqCst));
        assert_eq!(s.fetch_max(b, SeqCst), r.fetch_max(b, SeqCst));
        assert_eq!(s.fetch_min(a, SeqCst), r.fetch_min(a, SeqCst));
        assert_eq!(s.swap(b, SeqCst), r.swap(b, SeqCst));
        assert_eq!(
            s.compare_exchange(a, b, SeqCst, Relaxed),
            r.compare_exchange(a, b, SeqCst, Relaxed)
        );
        let cur = r.load(SeqCst);
        assert_eq!(
            s.compare_exchange_weak(cur, a, AcqRel, Acquire),
            r.compare_exchange(cur, a, AcqRel, Acquire)
        );
        assert_eq!(
            s.fetch_update(SeqCst, SeqCst, |v| Some(v.wrapping_mul(3))),
            r.fetch_update(SeqCst, SeqCst, |v| Some(v.wrapping_mul(3)))
        );
        assert_eq!(
            s.fetch_update(SeqCst, SeqCst, |_| None),
            r.fetch_update(SeqCst, SeqCst, |_| None)
        );
        s.store(b, Release);
        r.store(b, Release);
        #[allow(deprecated)]
        let std_cas = r.compare_and_swap(b, a, SeqCst);
        assert_eq!(s.compare_and_swap(b, a, SeqCst), std_cas);
        assert_eq!(s.update(SeqCst, SeqCst, |v| v ^ b), r.fetch_xor(b, SeqCst));
        assert_eq!(format!("{s:?}"), format!("{r:?}"));
        let mut s = s;
        *s.get_mut() = b;
        s.with_mut(|v| *v = v.wrapping_add(a));
        assert_eq!(unsafe { s.unsync_load() }, b.wrapping_add(a));
        assert_eq!(s.into_inner(), b.wrapping_add(a));
        assert_eq!($sim::default().load(SeqCst), 0);
        assert_eq!($sim::from(b).load(SeqCst), b);
    }};
}

#[test]
fn every_integer_width_behaves_as_std() {
    sim::model(|| {
        same_as_std!(AtomicU8, AtomicU8, u8, 0xa3, 0x5d);
        same_as_std!(AtomicU16, AtomicU16, u16, 0xa3c1, 0x5d07);
        same_as_std!(AtomicU32, AtomicU32, u32, 0xa3c1_0042, 0x5d07_fff1);
        same_as_std!(
            AtomicU64,
            AtomicU64,
            u64,
            11641914933775430211,
            13209405719799650717
        );
        same_as_std!(AtomicUsize, AtomicUsize, usize, 7, usize::MAX - 3);
        same_as_std!(AtomicI8, AtomicI8, i8, -93, 93);
        same_as_std!(AtomicI16, AtomicI16, i16, -23_000, 17);
        same_as_std!(AtomicI32, AtomicI32, i32, i32::MIN + 5, -1);
        same_as_std!(
            AtomicI64,
            AtomicI64,
            i64,
            -11641914933775430,
            1320940571979965071
        );
        same_as_std!(AtomicIsize, AtomicIsize, isize, -7, isize::MAX);
    });
    // 128 bits (shuttle's), against plain arithmetic.
    sim::model(|| {
        let a = AtomicU128::new(u128::MAX - 1);
        assert_eq!(a.fetch_add(3, SeqCst), u128::MAX - 1);
        assert_eq!(a.load(SeqCst), 1);
        assert_eq!(a.compare_exchange(1, 9, SeqCst, SeqCst), Ok(1));
        assert_eq!(a.fetch_max(4, SeqCst), 9);
        let b = AtomicI128::new(-5);
        assert_eq!(b.fetch_min(-9, SeqCst), -5);
        assert_eq!(b.swap(2, SeqCst), -9);
        assert_eq!(b.into_inner(), 2);
    });
}

#[test]
fn bool_and_ptr_behave_as_std() {
    sim::model(|| {
        use std::sync::atomic::AtomicBool as StdBool;
        for (a, b) in [(false, false), (false, true), (true, false), (true, true)] {
            let (s, r) = (AtomicBool::new(a), StdBool::new(a));
            assert_eq!(s.fetch_and(b, SeqCst), r.fetch_and(b, SeqCst));
            assert_eq!(s.fetch_nand(b, SeqCst), r.fetch_nand(b, SeqCst));
            assert_eq!(s.fetch_or(b, SeqCst), r.fetch_or(b, SeqCst));
            assert_eq!(s.fetch_xor(b, SeqCst), r.fetch_xor(b, SeqCst));
            assert_eq!(s.fetch_not(SeqCst), r.fetch_xor(true, SeqCst));
            assert_eq!(s.swap(a, SeqCst), r.swap(a, SeqCst));
            assert_eq!(
                s.compare_exchange(b, !b, SeqCst, SeqCst),
                r.compare_exchange(b, !b, SeqCst, SeqCst)
            );
            assert_eq!(s.load(SeqCst), r.load(SeqCst));
        }
        let mut xs = [1u32, 2, 3, 4];
        let base = xs.as_mut_ptr();
        let p = AtomicPtr::new(base);
        assert_eq!(p.fetch_ptr_add(2, SeqCst), base);
        assert_eq!(unsafe { *p.load(SeqCst) }, 3);
        assert_eq!(p.fetch_ptr_sub(1, SeqCst), base.wrapping_add(2));
        assert_eq!(p.fetch_byte_add(4, SeqCst), base.wrapping_add(1));
        assert_eq!(p.fetch_byte_sub(8, SeqCst), base.wrapping_add(2));
        assert_eq!(p.fetch_or(1, SeqCst), base);
        assert_eq!(p.load(SeqCst) as usize, base as usize | 1);
        assert_eq!(p.fetch_and(!1, SeqCst) as usize, base as usize | 1);
        assert_eq!(p.fetch_xor(0, SeqCst), base);
        assert_eq!(unsafe { *p.load(SeqCst) }, 1);
        let other = base.wrapping_add(3);
        assert_eq!(p.compare_exchange(base, other, SeqCst, SeqCst), Ok(base));
        assert_eq!(p.compare_and_swap(base, base, SeqCst), other);
        assert_eq!(
            p.fetch_update(SeqCst, SeqCst, |q| Some(q.wrapping_sub(3))),
            Ok(other)
        );
        let mut p = p;
        assert_eq!(*p.get_mut(), base);
        assert_eq!(unsafe { p.unsync_load() }, base);
        assert_eq!(p.into_inner(), base);
        assert!(AtomicPtr::<u8>::default().load(SeqCst).is_null());
    });
}

#[test]
fn atomics_are_send_and_sync_for_statics_and_arcs() {
    fn assert_sync<T: Send + Sync>() {}
    assert_sync::<AtomicUsize>();
    assert_sync::<AtomicBool>();
    assert_sync::<AtomicPtr<String>>();
    assert_sync::<AtomicU128>();
    assert_sync::<AtomicI16>();
    assert_sync::<AtomicU16>();
}

#[test]
fn an_atomic_used_outside_a_simulation_panics_with_a_clear_message() {
    let err = std::panic::catch_unwind(|| AtomicUsize::new(0)).unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.contains("AtomicUsize") && msg.contains("outside a simulation"),
        "{msg}"
    );
}
