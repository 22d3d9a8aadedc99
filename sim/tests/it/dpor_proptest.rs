//! Exhaustive DPOR against brute force.
//!
//! proptest generates small programs (2-4 threads, up to 3 Locks, 2
//! `sync::RwLock`s, 2 Semaphores (1 and 2 permits) and 3 Shared variables;
//! reads, writes, blocking lock blocks, try-lock blocks, read and write
//! blocks of the RwLocks, acquire/release blocks of the Semaphores, `with
//! cond:` blocks of 3 conditions (a `Condition` over a Lock, one over an
//! RLock, a std `Condvar` with its `Mutex`) holding waits (no predicate
//! loop: a wait nobody notifies deadlocks), notifies and notify-alls, and
//! sets, clears, waits and `is_set`s of 2 Events, waits, `n_waiting`,
//! aborts and resets of 2 Barriers of 2 and 3 parties, puts, gets and
//! `qsize`s of a Queue of 1 slot and an unbounded one, `park`s and
//! `unpark`s of earlier threads, `notify`s and `wait`s of 2 loom `Notify`s,
//! sleeps of 0-2 seconds under exact timing, each followed by a read of
//! the clock). An oracle with its own interpreter enumerates every
//! interleaving of the program, computes the set of outcomes (final
//! values, what each thread read, deadlock) and the number of distinct
//! Mazurkiewicz traces (each interleaving canonicalised to its
//! lexicographic normal form). sim's exhaustive exploration must find the
//! same outcome set with exactly that many executions. (Programs with a
//! try-lock are outside DPOR's reduced fragment and explored without
//! reduction: for them the outcome sets must be equal and the executions
//! at least the traces.)
//!
//! `SIM_PROPTEST_CASES` sets the number of cases (default 2,000); the
//! longer run is `SIM_PROPTEST_CASES=20000 cargo test --release -p sim
//! --test it dpor_proptest`.

use std::collections::BTreeSet;
use std::time::Duration;

use proptest::prelude::*;
use sim::queue::Queue;
use sim::sync::{Arc, Condvar, Mutex, Notify, RwLock};
use sim::thread::Thread;
use sim::threading::{Barrier, Condition, Event, Lock, Semaphore};
use sim::{Builder, FailureKind, Shared, Strategy as SimStrategy};

#[derive(Debug, Clone)]
enum Stmt {
    Read(usize),
    Write(usize, u8),
    /// `with lock:` body.
    Locked(usize, Vec<Stmt>),
    /// `if lock.acquire(False):` body, release.
    TryLocked(usize, Vec<Stmt>),
    /// `let _g = rwlock.read();` body.
    ReadLocked(usize, Vec<Stmt>),
    /// `let _g = rwlock.write();` body.
    WriteLocked(usize, Vec<Stmt>),
    /// `with semaphore:` body.
    SemHeld(usize, Vec<Stmt>),
    /// `with cond:` body (conditions 0 and 1: `threading.Condition` over a
    /// Lock and over an RLock; 2: a std `Condvar` with its `Mutex`).
    CondWith(usize, Vec<CondStmt>),
    /// `event.set()`, `clear()`, `wait()`, and `is_set()` (read into the
    /// thread's record).
    EventSet(usize),
    EventClear(usize),
    EventWait(usize),
    EventIsSet(usize),
    /// `barrier.wait()` (its result into the thread's record),
    /// `n_waiting()` (into the record), `abort()`, `reset()`.
    BarrierWait(usize),
    BarrierRead(usize),
    BarrierAbort(usize),
    BarrierReset(usize),
    /// `queue.put(value)` (from the thread's record), `get()` and
    /// `qsize()` (into the record).
    Put(usize, u8),
    Get(usize),
    QSize(usize),
    /// `get()` then `task_done()`; `join()` (waits until every item put
    /// is done).
    GetDone(usize),
    QJoin(usize),
    /// `thread::park()`; `unpark()` of thread `k` (an earlier one: see
    /// [`earlier_unparks`]).
    Park,
    Unpark(usize),
    /// loom's `Notify`: `notify()` (stores the permit) and `wait()` (blocks
    /// until the permit is there, consumes it).
    NotifyNotify(usize),
    NotifyWait(usize),
    /// `sim::time::sleep(d)` seconds (exact timing: the clock moves on
    /// when no thread can run), then the time into the record.
    Sleep(u64),
    /// `sim::print!` of one of two texts: prints of the same text commute.
    Print(u8),
}

/// A statement inside a `CondWith` block.
#[derive(Debug, Clone)]
enum CondStmt {
    Read(usize),
    Write(usize, u8),
    /// `cond.wait()` (one wait, no predicate loop).
    Wait,
    /// `notify()` / `notify_one()`.
    Notify,
    NotifyAll,
}

/// The conditions: 0 over a Lock, 1 over an RLock, 2 a std `Condvar`.
const CONDS: usize = 3;
const STD_COND: usize = 2;
const EVENTS: usize = 2;
const NOTIFIES: usize = 2;
/// The barriers' parties.
const BARRIER_PARTIES: [u32; 2] = [2, 3];
/// The queues' bounds (0: unbounded).
const QUEUE_SIZES: [usize; 2] = [1, 0];

const VARS: usize = 3;
const LOCKS: usize = 3;
const RWLOCKS: usize = 2;
/// The semaphores' initial counters.
const SEM_PERMITS: [u32; 2] = [1, 2];

fn stmt() -> impl Strategy<Value = Stmt> {
    let leaf = prop_oneof![
        (0..VARS).prop_map(Stmt::Read),
        (0..VARS, 0u8..5).prop_map(|(v, c)| Stmt::Write(v, c)),
    ];
    let cond_stmt = prop_oneof![
        1 => (0..VARS).prop_map(CondStmt::Read),
        1 => (0..VARS, 0u8..5).prop_map(|(v, c)| CondStmt::Write(v, c)),
        3 => Just(CondStmt::Wait),
        2 => Just(CondStmt::Notify),
        2 => Just(CondStmt::NotifyAll),
    ];
    let leaf = prop_oneof![
        4 => leaf,
        1 => (0..EVENTS).prop_map(Stmt::EventSet),
        1 => (0..EVENTS).prop_map(Stmt::EventClear),
        1 => (0..EVENTS).prop_map(Stmt::EventWait),
        1 => (0..EVENTS).prop_map(Stmt::EventIsSet),
        2 => (0..BARRIER_PARTIES.len()).prop_map(Stmt::BarrierWait),
        1 => (0..BARRIER_PARTIES.len()).prop_map(Stmt::BarrierRead),
        2 => (0..QUEUE_SIZES.len(), 0u8..5).prop_map(|(q, c)| Stmt::Put(q, c)),
        2 => (0..QUEUE_SIZES.len()).prop_map(Stmt::Get),
        1 => (0..QUEUE_SIZES.len()).prop_map(Stmt::QSize),
        1 => (0..QUEUE_SIZES.len()).prop_map(Stmt::GetDone),
        1 => (0..QUEUE_SIZES.len()).prop_map(Stmt::QJoin),
        1 => Just(Stmt::Park),
        1 => (0..4usize).prop_map(Stmt::Unpark),
        1 => (0..NOTIFIES).prop_map(Stmt::NotifyNotify),
        1 => (0..NOTIFIES).prop_map(Stmt::NotifyWait),
        3 => (0u64..3).prop_map(Stmt::Sleep),
        2 => (0u8..2).prop_map(Stmt::Print),
    ];
    let leaf = prop_oneof![
        12 => leaf,
        1 => (0..BARRIER_PARTIES.len()).prop_map(Stmt::BarrierAbort),
        1 => (0..BARRIER_PARTIES.len()).prop_map(Stmt::BarrierReset),
    ];
    leaf.prop_recursive(2, 6, 3, move |inner| {
        prop_oneof![
            2 => (0..CONDS, prop::collection::vec(cond_stmt.clone(), 0..3))
                .prop_map(|(c, b)| Stmt::CondWith(c, b)),
            3 => (0..LOCKS, prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(l, b)| Stmt::Locked(l, b)),
            1 => (0..LOCKS, prop::collection::vec(inner.clone(), 0..2))
                .prop_map(|(l, b)| Stmt::TryLocked(l, b)),
            1 => (0..RWLOCKS, prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(l, b)| Stmt::ReadLocked(l, b)),
            1 => (0..RWLOCKS, prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(l, b)| Stmt::WriteLocked(l, b)),
            1 => (0..SEM_PERMITS.len(), prop::collection::vec(inner, 0..3))
                .prop_map(|(l, b)| Stmt::SemHeld(l, b)),
        ]
    })
}

fn program() -> impl Strategy<Value = Vec<Vec<Stmt>>> {
    prop::collection::vec(prop::collection::vec(stmt(), 1..4), 2..5).prop_filter(
        "small enough to brute-force, no RwLock taken twice by one thread",
        |p| {
            // Re-acquiring a RwLock one holds is a Misuse failure in sim
            // (std would deadlock or panic): not what this test compares.
            if p.iter().flatten().any(|s| nests_rwlock(s, &mut Vec::new())) {
                return false;
            }
            let flat: Vec<Vec<Instr>> = p.iter().map(|t| flatten(t)).collect();
            let sizes: Vec<usize> = flat.iter().map(Vec::len).collect();
            // Try-locks are explored without reduction: keep those small.
            let has_try = flat.iter().flatten().any(|i| matches!(i, Instr::Try(..)));
            let limit = if has_try { 2_000 } else { 200_000 };
            sizes.iter().sum::<usize>() <= 12 && interleavings_bound(&sizes) <= limit
        },
    )
}

/// Whether `s` takes a RwLock that an enclosing block (`held`) holds.
fn nests_rwlock(s: &Stmt, held: &mut Vec<usize>) -> bool {
    match s {
        Stmt::Read(_)
        | Stmt::Write(..)
        | Stmt::CondWith(..)
        | Stmt::EventSet(_)
        | Stmt::EventClear(_)
        | Stmt::EventWait(_)
        | Stmt::EventIsSet(_)
        | Stmt::BarrierWait(_)
        | Stmt::BarrierRead(_)
        | Stmt::BarrierAbort(_)
        | Stmt::BarrierReset(_)
        | Stmt::Put(..)
        | Stmt::Get(_)
        | Stmt::QSize(_)
        | Stmt::GetDone(_)
        | Stmt::QJoin(_)
        | Stmt::Park
        | Stmt::Unpark(_)
        | Stmt::NotifyNotify(_)
        | Stmt::NotifyWait(_)
        | Stmt::Sleep(_)
        | Stmt::Print(_) => false,
        Stmt::Locked(_, body) | Stmt::TryLocked(_, body) | Stmt::SemHeld(_, body) => {
            body.iter().any(|b| nests_rwlock(b, held))
        }
        Stmt::ReadLocked(l, body) | Stmt::WriteLocked(l, body) => {
            if held.contains(l) {
                return true;
            }
            held.push(*l);
            let nested = body.iter().any(|b| nests_rwlock(b, held));
            held.pop();
            nested
        }
    }
}

/// Multinomial coefficient: interleavings of threads of these lengths.
fn interleavings_bound(sizes: &[usize]) -> u128 {
    let mut total: u128 = 1;
    let mut n: u128 = 0;
    for &s in sizes {
        for k in 1..=s as u128 {
            n += 1;
            total = total * n / k;
        }
    }
    total
}

mod bounded;
mod oracle;
use oracle::{flatten, oracle, outcome_text, print_text, read_into, write_value, Instr, BROKEN};

/// The program's shared objects.
type Objects = (
    Vec<Shared<u64>>,
    Vec<Lock>,
    Vec<Arc<RwLock<()>>>,
    Vec<Semaphore>,
    Conds,
    Vec<Event>,
    Vec<Barrier>,
    Vec<Queue<u64>>,
    Vec<Arc<Notify>>,
);

/// Conditions 0 and 1, and condition 2 (a std `Condvar` with its `Mutex`).
type Conds = ([Condition; 2], Arc<(Mutex<()>, Condvar)>);

/// Runs one thread's statements on sim's primitives.
fn run_stmts(stmts: &[Stmt], objs: &Objects, peers: &[Thread], acc: &mut u64) {
    let (vars, locks, rwlocks, sems, conds, events, barriers, queues, notifies) = objs;
    for s in stmts {
        match s {
            Stmt::Read(v) => *acc = read_into(*acc, vars[*v].get()),
            Stmt::Write(v, c) => vars[*v].set(write_value(*acc, *c)),
            Stmt::EventSet(e) => events[*e].set(),
            Stmt::EventClear(e) => events[*e].clear(),
            Stmt::EventWait(e) => events[*e].wait(),
            Stmt::EventIsSet(e) => *acc = read_into(*acc, events[*e].is_set() as u64),
            Stmt::BarrierWait(b) => {
                let r = barriers[*b].wait().map_or(BROKEN, |i| i as u64);
                *acc = read_into(*acc, r);
            }
            Stmt::BarrierRead(b) => *acc = read_into(*acc, barriers[*b].n_waiting() as u64),
            Stmt::BarrierAbort(b) => barriers[*b].abort(),
            Stmt::BarrierReset(b) => barriers[*b].reset(),
            Stmt::Put(q, c) => queues[*q].put(write_value(*acc, *c)),
            Stmt::Get(q) => *acc = read_into(*acc, queues[*q].get()),
            Stmt::QSize(q) => *acc = read_into(*acc, queues[*q].qsize() as u64),
            Stmt::GetDone(q) => {
                *acc = read_into(*acc, queues[*q].get());
                queues[*q].task_done();
            }
            Stmt::QJoin(q) => queues[*q].join(),
            Stmt::Park => sim::thread::park(),
            Stmt::Unpark(k) => peers[*k].unpark(),
            Stmt::NotifyNotify(n) => notifies[*n].notify(),
            Stmt::NotifyWait(n) => notifies[*n].wait(),
            Stmt::Print(c) => sim::print!("{}", print_text(*c)),
            Stmt::Sleep(d) => {
                sim::time::sleep(Duration::from_secs(*d));
                *acc = read_into(*acc, sim::time::now().as_secs());
            }
            Stmt::Locked(l, body) => {
                locks[*l].acquire();
                run_stmts(body, objs, peers, acc);
                locks[*l].release();
            }
            Stmt::TryLocked(l, body) => {
                if locks[*l].try_acquire() {
                    run_stmts(body, objs, peers, acc);
                    locks[*l].release();
                }
            }
            Stmt::ReadLocked(l, body) => {
                let _g = rwlocks[*l].read().unwrap();
                run_stmts(body, objs, peers, acc);
            }
            Stmt::WriteLocked(l, body) => {
                let _g = rwlocks[*l].write().unwrap();
                run_stmts(body, objs, peers, acc);
            }
            Stmt::SemHeld(l, body) => {
                sems[*l].acquire();
                run_stmts(body, objs, peers, acc);
                sems[*l].release();
            }
            Stmt::CondWith(c, body) => {
                let shared = |s: &CondStmt, acc: &mut u64| match s {
                    CondStmt::Read(v) => *acc = read_into(*acc, vars[*v].get()),
                    CondStmt::Write(v, k) => vars[*v].set(write_value(*acc, *k)),
                    _ => {}
                };
                if *c == STD_COND {
                    let (m, cv) = &*conds.1;
                    let mut g = m.lock().unwrap();
                    for b in body {
                        match b {
                            CondStmt::Wait => g = cv.wait(g).unwrap(),
                            CondStmt::Notify => cv.notify_one(),
                            CondStmt::NotifyAll => cv.notify_all(),
                            other => shared(other, acc),
                        }
                    }
                    drop(g);
                } else {
                    let cond = conds.0[*c];
                    cond.acquire();
                    for b in body {
                        match b {
                            CondStmt::Wait => cond.wait(),
                            CondStmt::Notify => cond.notify(1),
                            CondStmt::NotifyAll => cond.notify_all(),
                            other => shared(other, acc),
                        }
                    }
                    cond.release();
                }
            }
        }
    }
}

/// Makes every `Unpark(k)` of thread `i` unpark an earlier thread, `k %
/// i` (a thread knows the handles of the threads spawned before it);
/// thread 0's become reads. Thread `i`'s `Notify` waits wait on `Notify`
/// `i` (one waiter each, as loom's `Notify` requires); past the last
/// `Notify`, they become reads.
fn earlier_unparks(program: Vec<Vec<Stmt>>) -> Vec<Vec<Stmt>> {
    fn fix(s: Stmt, i: usize) -> Stmt {
        let body = |b: Vec<Stmt>| b.into_iter().map(|s| fix(s, i)).collect();
        match s {
            Stmt::Unpark(_) if i == 0 => Stmt::Read(0),
            Stmt::Unpark(k) => Stmt::Unpark(k % i),
            // loom's `Notify` has one waiter: thread `i` waits on `Notify`
            // `i` only.
            Stmt::NotifyWait(_) if i >= NOTIFIES => Stmt::Read(1),
            Stmt::NotifyWait(_) => Stmt::NotifyWait(i),
            Stmt::Locked(l, b) => Stmt::Locked(l, body(b)),
            Stmt::TryLocked(l, b) => Stmt::TryLocked(l, body(b)),
            Stmt::ReadLocked(l, b) => Stmt::ReadLocked(l, body(b)),
            Stmt::WriteLocked(l, b) => Stmt::WriteLocked(l, body(b)),
            Stmt::SemHeld(l, b) => Stmt::SemHeld(l, body(b)),
            other => other,
        }
    }
    (program.into_iter().enumerate())
        .map(|(i, t)| t.into_iter().map(|s| fix(s, i)).collect())
        .collect()
}

/// The exhaustive builder of these tests: every failure, no race
/// detection (the programs' data races are the point).
fn exhaustive() -> Builder {
    Builder::new()
        .strategy(SimStrategy::Exhaustive)
        .executions(10_000_000)
        .race_detection(false)
        .stop_on_first_failure(false)
}

/// Explores `program` (already through [`earlier_unparks`]) on sim's
/// primitives with `builder`; each completed execution prints its outcome.
fn explore_program(program: &[Vec<Stmt>], builder: Builder) -> sim::Report {
    let program = program.to_vec();
    builder.explore(move || {
        let vars: Vec<Shared<u64>> = (0..VARS).map(|_| Shared::new(0)).collect();
        let locks: Vec<Lock> = (0..LOCKS).map(|_| Lock::new()).collect();
        let rwlocks: Vec<Arc<RwLock<()>>> =
            (0..RWLOCKS).map(|_| Arc::new(RwLock::new(()))).collect();
        let sems: Vec<Semaphore> = SEM_PERMITS.iter().map(|&n| Semaphore::new(n)).collect();
        let conds: Conds = (
            [Condition::with_lock(Lock::new()), Condition::new()],
            Arc::new((Mutex::new(()), Condvar::new())),
        );
        let events: Vec<Event> = (0..EVENTS).map(|_| Event::new()).collect();
        let barriers: Vec<Barrier> = BARRIER_PARTIES.iter().map(|&n| Barrier::new(n)).collect();
        let queues: Vec<Queue<u64>> = QUEUE_SIZES.iter().map(|&n| Queue::new(n)).collect();
        let notifies: Vec<Arc<Notify>> = (0..NOTIFIES).map(|_| Arc::new(Notify::new())).collect();
        let objs: Objects = (
            vars.clone(),
            locks,
            rwlocks,
            sems,
            conds,
            events,
            barriers,
            queues,
            notifies,
        );
        let mut handles: Vec<sim::thread::JoinHandle<u64>> = Vec::new();
        for stmts in &program {
            let (stmts, objs) = (stmts.clone(), objs.clone());
            // The threads spawned before this one, for its unparks.
            let peers: Vec<Thread> = handles.iter().map(|h| h.thread().clone()).collect();
            handles.push(sim::thread::spawn(move || {
                let mut acc = 0;
                run_stmts(&stmts, &objs, &peers, &mut acc);
                acc
            }));
        }
        let accs: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let vals: Vec<u64> = vars.iter().map(|v| v.get()).collect();
        sim::print!("{}", outcome_text(&vals, &accs));
    })
}

/// The outcomes a report found: completed executions' outcome lines, and
/// `DEADLOCK` for deadlocks (any other failure fails the test).
fn found_outcomes(report: &sim::Report) -> Result<BTreeSet<String>, TestCaseError> {
    // Completed executions end with the outcome; a deadlocked one's
    // output (prints only) is its failure's.
    let mut found: BTreeSet<String> = report
        .outputs
        .keys()
        .filter(|k| k.contains("vals "))
        .cloned()
        .collect();
    for f in &report.failures {
        prop_assert_eq!(f.kind, FailureKind::Deadlock, "{}", f.message);
        found.insert("DEADLOCK".to_string());
    }
    Ok(found)
}

fn check(program: Vec<Vec<Stmt>>) -> Result<(), TestCaseError> {
    let program = earlier_unparks(program);
    let flat: Vec<Vec<Instr>> = program.iter().map(|t| flatten(t)).collect();
    let has_try = flat.iter().flatten().any(|i| matches!(i, Instr::Try(..)));
    let expected = oracle(&flat);
    let report = explore_program(&program, exhaustive());
    prop_assert!(report.complete, "{}", report);
    let found = found_outcomes(&report)?;
    prop_assert_eq!(&found, &expected.outcomes);
    if has_try {
        // Outside DPOR's fragment: explored without reduction (sound, not
        // optimal).
        prop_assert!(report.executions >= expected.traces.len() as u64);
    } else {
        prop_assert_eq!(report.executions, expected.traces.len() as u64);
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("SIM_PROPTEST_CASES")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(2_000)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        max_global_rejects: 1_000_000,
        max_local_rejects: 100_000_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn dpor_matches_brute_force(program in program()) {
        check(program)?;
    }
}

#[test]
fn oracle_counts_known_programs() {
    // Two threads, each one lock block with a write: 2 traces.
    let t = flatten(&[Stmt::Locked(0, vec![Stmt::Write(0, 1)])]);
    assert_eq!(oracle(&[t.clone(), t]).traces.len(), 2);
    // Store buffering: 3 traces.
    let a = vec![Instr::Write(0, 1), Instr::Read(1)];
    let b = vec![Instr::Write(1, 1), Instr::Read(0)];
    assert_eq!(oracle(&[a, b]).traces.len(), 3);
}
