//! `sim::sync::atomic`: sequentially consistent outcomes and the exhaustive
//! counts against the unreduced search (one execution per trace).

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;
use std::sync::Arc;

use sim::sync::atomic::{
    AtomicU32, AtomicU8, AtomicUsize,
    Ordering::{AcqRel, Acquire, Relaxed, Release, SeqCst},
};
use sim::Report;

use crate::atomic::{assert_race_free, exhaustive, unreduced};

/// Store buffering with SeqCst atomics: main and the child each store one
/// flag and load the other.
pub(crate) fn store_buffering() {
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
