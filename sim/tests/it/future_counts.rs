//! Exhaustive exploration of small async programs against brute force.
//!
//! The program: the main thread spawns `k` tasks (keeping their handles,
//! so the program's end waits for them); task `i` does `n_i`
//! `fetch_add`s on one sim atomic and records what each returned. An
//! oracle with its own model of the program's scheduling points (main's
//! spawns; each task's first poll, then its `fetch_add`s, enabled once
//! it is spawned) enumerates every interleaving, and canonicalises each
//! to its Mazurkiewicz trace (the order of every pair of dependent events:
//! events of one thread, a spawn and the events of the task it creates,
//! two spawns, two `fetch_add`s). sim's exhaustive exploration must find
//! exactly the oracle's outcomes with exactly one execution per trace. A
//! variant whose tasks each await a `yield_now` is reduced too: the wait
//! after a self-wake is always enabled and conflicts only with its own
//! task's events (and wakes of it), so it is explored once per trace as
//! well.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use sim::future::{spawn, yield_now};
use sim::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use sim::{Builder, Strategy};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    /// Main spawns task `i`.
    Spawn(usize),
    /// Task `i`'s first poll.
    Start(usize),
    /// Task `i`'s `j`-th `fetch_add`.
    Add(usize, usize),
    /// Task `i`'s wait after its `yield_now` (the variant).
    Wait(usize),
}

fn dependent(a: Ev, b: Ev) -> bool {
    let task = |e: Ev| match e {
        Ev::Spawn(_) => None,
        Ev::Start(i) | Ev::Add(i, _) | Ev::Wait(i) => Some(i),
    };
    match (a, b) {
        (Ev::Spawn(_), Ev::Spawn(_)) | (Ev::Add(..), Ev::Add(..)) => true,
        (Ev::Spawn(i), e) | (e, Ev::Spawn(i)) => task(e) == Some(i),
        _ => task(a) == task(b),
    }
}

/// Every interleaving: (number of them, set of traces, set of outcomes).
struct Oracle {
    threads: Vec<Vec<Ev>>,
    interleavings: u64,
    traces: BTreeSet<Vec<(Ev, Ev)>>,
    outcomes: BTreeSet<Vec<Vec<usize>>>,
}

impl Oracle {
    fn new(adds: &[usize], yielding: bool) -> Oracle {
        let mut threads = vec![(0..adds.len()).map(Ev::Spawn).collect::<Vec<_>>()];
        for (i, &n) in adds.iter().enumerate() {
            let mut t = vec![Ev::Start(i)];
            for j in 0..n {
                if yielding && j == 1 {
                    t.push(Ev::Wait(i));
                }
                t.push(Ev::Add(i, j));
            }
            if yielding && n == 1 {
                t.push(Ev::Wait(i));
            }
            threads.push(t);
        }
        let mut o = Oracle {
            threads,
            interleavings: 0,
            traces: BTreeSet::new(),
            outcomes: BTreeSet::new(),
        };
        let pcs = vec![0; o.threads.len()];
        o.walk(&pcs, &mut Vec::new());
        o
    }

    fn walk(&mut self, pcs: &[usize], path: &mut Vec<Ev>) {
        let mut any = false;
        for t in 0..self.threads.len() {
            let Some(&ev) = self.threads[t].get(pcs[t]) else {
                continue;
            };
            // A task runs once main has spawned it.
            if t > 0 && pcs[0] < t {
                continue;
            }
            any = true;
            let mut next = pcs.to_vec();
            next[t] += 1;
            path.push(ev);
            self.walk(&next, path);
            path.pop();
        }
        if !any {
            self.interleavings += 1;
            let mut key = Vec::new();
            for (x, &a) in path.iter().enumerate() {
                for &b in &path[x + 1..] {
                    if dependent(a, b) {
                        key.push((a, b));
                    }
                }
            }
            key.sort();
            self.traces.insert(key);
            let mut seen = vec![Vec::new(); self.threads.len() - 1];
            let mut counter = 0;
            for ev in path.iter() {
                if let Ev::Add(i, _) = ev {
                    seen[*i].push(counter);
                    counter += 1;
                }
            }
            self.outcomes.insert(seen);
        }
    }
}

/// sim's exhaustive run of the program: executions and outcomes.
fn explore(adds: &[usize], yielding: bool) -> (u64, BTreeSet<Vec<Vec<usize>>>, bool) {
    let outcomes = Arc::new(Mutex::new(BTreeSet::new()));
    let out = outcomes.clone();
    let adds = adds.to_vec();
    let report = Builder::new()
        .strategy(Strategy::Exhaustive)
        .executions(1_000_000)
        .explore(move || {
            let x = Arc::new(AtomicUsize::new(0));
            let logs: Arc<Mutex<Vec<Vec<usize>>>> =
                Arc::new(Mutex::new(vec![Vec::new(); adds.len()]));
            let left = Arc::new(std::sync::atomic::AtomicUsize::new(adds.len()));
            let mut handles = Vec::new();
            for (i, &n) in adds.iter().enumerate() {
                let (x, logs, left, out) = (x.clone(), logs.clone(), left.clone(), out.clone());
                handles.push(spawn(async move {
                    for j in 0..n {
                        if yielding && j == 1 {
                            yield_now().await;
                        }
                        let v = x.fetch_add(1, SeqCst);
                        logs.lock().unwrap()[i].push(v);
                    }
                    if yielding && n == 1 {
                        yield_now().await;
                    }
                    if left.fetch_sub(1, std::sync::atomic::Ordering::Relaxed) == 1 {
                        out.lock().unwrap().insert(logs.lock().unwrap().clone());
                    }
                }));
            }
            // Attached to the end: the program waits for them.
            std::mem::forget(handles);
        });
    assert!(report.failures.is_empty() && report.complete, "{report}");
    let got = outcomes.lock().unwrap().clone();
    (report.executions, got, report.unreduced.is_none())
}

const PROGRAMS: &[&[usize]] = &[&[1, 1], &[2, 1], &[2, 2], &[1, 1, 1], &[3, 1], &[2, 1, 1]];

#[test]
fn tasks_that_never_wait_are_explored_once_per_trace() {
    for adds in PROGRAMS {
        let oracle = Oracle::new(adds, false);
        let (executions, outcomes, reduced) = explore(adds, false);
        assert!(reduced, "{adds:?} left the reduced fragment");
        assert_eq!(outcomes, oracle.outcomes, "{adds:?}");
        assert_eq!(executions, oracle.traces.len() as u64, "{adds:?}");
        assert!(oracle.traces.len() as u64 <= oracle.interleavings);
    }
}

#[test]
fn tasks_that_yield_are_explored_once_per_trace() {
    for adds in PROGRAMS {
        let oracle = Oracle::new(adds, true);
        let (executions, outcomes, reduced) = explore(adds, true);
        assert!(reduced, "{adds:?}: a task's yield is reduced");
        assert_eq!(outcomes, oracle.outcomes, "{adds:?}");
        assert_eq!(executions, oracle.traces.len() as u64, "{adds:?}");
        assert!(oracle.traces.len() as u64 <= oracle.interleavings);
    }
}
