//! The brute-force oracle of `dpor_proptest`: its own interpreter of the
//! generated programs, every interleaving, the outcome set and the number
//! of Mazurkiewicz traces (lexicographic normal forms).

use std::collections::{BTreeSet, HashSet};

use super::{
    CondStmt, Stmt, BARRIER_PARTIES, CONDS, EVENTS, LOCKS, NOTIFIES, QUEUE_SIZES, RWLOCKS,
    SEM_PERMITS, STD_COND, VARS,
};

/// What a broken barrier's wait records.
pub(super) const BROKEN: u64 = 9;
const BARRIERS: usize = BARRIER_PARTIES.len();

/// Python's `Barrier._state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Filling,
    Action,
    Draining,
    Resetting,
    Broken,
}

/// A thread's instructions, for the oracle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Instr {
    Read(usize),
    Write(usize, u8),
    Acquire(usize),
    /// Try to take the lock; if it is held, skip the next `skip` instructions.
    Try(usize, usize),
    Release(usize),
    /// RwLock read and write acquires and releases.
    SemAcquire(usize),
    SemRelease(usize),
    ReadAcquire(usize),
    ReadRelease(usize),
    WriteAcquire(usize),
    WriteRelease(usize),
    /// Condition `c`'s lock (lock `LOCKS + c` of the oracle).
    CondAcquire(usize),
    CondRelease(usize),
    /// The three steps of a wait: enqueue and release the lock; block
    /// until notified; re-acquire the lock.
    CondWait(usize),
    CondBlock(usize),
    CondReacquire(usize),
    /// `notify` (one) or `notify_all`.
    CondNotify(usize, bool),
    /// Event set, clear, wait (blocks until set) and is_set.
    EventSet(usize),
    EventClear(usize),
    EventWait(usize),
    EventIsSet(usize),
    /// A barrier wait's arrival; then, unless broken, its second step: the
    /// last arrival's release, or the others' block until released.
    BarrierArrive(usize),
    BarrierLeave(usize),
    BarrierRead(usize),
    BarrierAbort(usize),
    BarrierReset(usize),
    /// Queue put (blocks while full), get (blocks while empty), qsize.
    Put(usize, u8),
    Get(usize),
    QSize(usize),
    /// `task_done` and `join` (blocks while an item put is not done).
    TaskDone(usize),
    QJoin(usize),
    /// Park (blocks until the thread's token is set, consumes it); unpark
    /// thread `k` (sets its token).
    Park,
    Unpark(usize),
    /// `Notify` `n`'s notify (stores the permit) and wait (blocks until
    /// the permit is there, consumes it).
    NotifyNotify(usize),
    NotifyWait(usize),
    /// `sleep(d)` seconds from the time the thread got there; then the
    /// time now into the thread's record.
    Sleep(u64),
    /// A print of text `c`.
    Print(u8),
}

pub(super) fn flatten(stmts: &[Stmt]) -> Vec<Instr> {
    let mut out = Vec::new();
    for s in stmts {
        match s {
            Stmt::Read(v) => out.push(Instr::Read(*v)),
            Stmt::Write(v, c) => out.push(Instr::Write(*v, *c)),
            Stmt::EventSet(e) => out.push(Instr::EventSet(*e)),
            Stmt::EventClear(e) => out.push(Instr::EventClear(*e)),
            Stmt::EventWait(e) => out.push(Instr::EventWait(*e)),
            Stmt::EventIsSet(e) => out.push(Instr::EventIsSet(*e)),
            Stmt::BarrierWait(b) => out.extend([Instr::BarrierArrive(*b), Instr::BarrierLeave(*b)]),
            Stmt::BarrierRead(b) => out.push(Instr::BarrierRead(*b)),
            Stmt::BarrierAbort(b) => out.push(Instr::BarrierAbort(*b)),
            Stmt::BarrierReset(b) => out.push(Instr::BarrierReset(*b)),
            Stmt::Put(q, c) => out.push(Instr::Put(*q, *c)),
            Stmt::Get(q) => out.push(Instr::Get(*q)),
            Stmt::QSize(q) => out.push(Instr::QSize(*q)),
            Stmt::GetDone(q) => out.extend([Instr::Get(*q), Instr::TaskDone(*q)]),
            Stmt::QJoin(q) => out.push(Instr::QJoin(*q)),
            Stmt::Park => out.push(Instr::Park),
            Stmt::Unpark(k) => out.push(Instr::Unpark(*k)),
            Stmt::NotifyNotify(n) => out.push(Instr::NotifyNotify(*n)),
            Stmt::NotifyWait(n) => out.push(Instr::NotifyWait(*n)),
            Stmt::Sleep(d) => out.push(Instr::Sleep(*d)),
            Stmt::Print(c) => out.push(Instr::Print(*c)),
            Stmt::Locked(l, body) => {
                out.push(Instr::Acquire(*l));
                out.extend(flatten(body));
                out.push(Instr::Release(*l));
            }
            Stmt::TryLocked(l, body) => {
                let inner = flatten(body);
                out.push(Instr::Try(*l, inner.len() + 1));
                out.extend(inner);
                out.push(Instr::Release(*l));
            }
            Stmt::ReadLocked(l, body) => {
                out.push(Instr::ReadAcquire(*l));
                out.extend(flatten(body));
                out.push(Instr::ReadRelease(*l));
            }
            Stmt::WriteLocked(l, body) => {
                out.push(Instr::WriteAcquire(*l));
                out.extend(flatten(body));
                out.push(Instr::WriteRelease(*l));
            }
            Stmt::SemHeld(l, body) => {
                out.push(Instr::SemAcquire(*l));
                out.extend(flatten(body));
                out.push(Instr::SemRelease(*l));
            }
            Stmt::CondWith(c, body) => {
                out.push(Instr::CondAcquire(*c));
                for b in body {
                    match b {
                        CondStmt::Read(v) => out.push(Instr::Read(*v)),
                        CondStmt::Write(v, k) => out.push(Instr::Write(*v, *k)),
                        CondStmt::Wait => out.extend([
                            Instr::CondWait(*c),
                            Instr::CondBlock(*c),
                            Instr::CondReacquire(*c),
                        ]),
                        CondStmt::Notify => out.push(Instr::CondNotify(*c, false)),
                        CondStmt::NotifyAll => out.push(Instr::CondNotify(*c, true)),
                    }
                }
                out.push(Instr::CondRelease(*c));
            }
        }
    }
    out
}

pub(super) fn read_into(acc: u64, value: u64) -> u64 {
    acc.wrapping_mul(31).wrapping_add(value + 1) % 1_000_003
}

pub(super) fn write_value(acc: u64, c: u8) -> u64 {
    (acc + c as u64) % 97
}

/// The text a `Print(c)` prints.
pub(super) fn print_text(c: u8) -> String {
    format!("p{c}\n")
}

pub(super) fn outcome_text(vals: &[u64], accs: &[u64]) -> String {
    format!("vals {vals:?} reads {accs:?}\n")
}

/// The oracle's state of one program.
#[derive(Clone)]
pub(super) struct State {
    pc: Vec<usize>,
    acc: Vec<u64>,
    vals: [u64; VARS],
    /// The Locks, then the conditions' locks.
    locked: [bool; LOCKS + CONDS],
    /// Per condition: its waiters (thread, notified, step it began to
    /// wait) and its outstanding std `notify_one`s (their steps).
    waiters: [Vec<(usize, bool, usize)>; CONDS],
    grants: [Vec<usize>; CONDS],
    /// The Events' flags.
    flags: [bool; EVENTS],
    /// Per barrier: threads inside `wait`, phase.
    count: [u32; BARRIERS],
    phase: [Phase; BARRIERS],
    /// Per thread: its arrival index at the barrier it is waiting at.
    arrival: Vec<u32>,
    /// The queues' items.
    queues: [std::collections::VecDeque<u64>; QUEUE_SIZES.len()],
    /// The queues' items put and not yet marked done.
    unfinished: [u32; QUEUE_SIZES.len()],
    /// The threads' park tokens.
    tokens: Vec<bool>,
    /// Per RwLock: held by a writer, and how many readers hold it.
    writer: [bool; RWLOCKS],
    readers: [u32; RWLOCKS],
    permits: [u32; 2],
    /// The `Notify`s' permits.
    notified: [bool; NOTIFIES],
    /// The virtual time (seconds), and when each thread got to its next
    /// instruction (its last event's time). Exact timing: the clock moves
    /// on to the first deadline only when no thread can run.
    now: u64,
    since: Vec<u64>,
    /// What the threads printed so far.
    out: String,
}

/// What the oracle found.
pub(super) struct Oracle {
    pub(super) outcomes: BTreeSet<String>,
    pub(super) traces: HashSet<Vec<(usize, usize)>>,
}

/// An executed instruction: thread, its index in the thread's sequence of
/// executed events, and the object it touches (vars 0.., locks 100..,
/// RwLocks 200.., Semaphores 300.., Notifies 900..) and whether it writes (every lock event writes its lock,
/// a RwLock's read acquires and releases too: sim's dependence relation
/// for them, see `sim/src/rt/prims/rwlock.rs`; conditions 400..; a
/// condition wait and its re-acquire write the condition and its lock,
/// `obj2`; a sleep touches nothing, `NOTHING`), at what virtual time.
#[derive(Clone, Copy)]
pub(super) struct Done {
    tid: usize,
    nth: usize,
    obj: usize,
    obj2: Option<usize>,
    write: bool,
    time: u64,
    /// A print's text class (writes of one class commute), 0 for none.
    class: u64,
}

/// The object of an event that touches none.
const NOTHING: usize = usize::MAX;
/// The output, which prints write.
const OUTPUT: usize = 1000;

pub(super) fn oracle(threads: &[Vec<Instr>]) -> Oracle {
    let mut o = Oracle {
        outcomes: BTreeSet::new(),
        traces: HashSet::new(),
    };
    let st = State {
        pc: vec![0; threads.len()],
        acc: vec![0; threads.len()],
        vals: [0; VARS],
        locked: [false; LOCKS + CONDS],
        waiters: Default::default(),
        grants: Default::default(),
        flags: [false; EVENTS],
        count: [0; BARRIERS],
        phase: [Phase::Filling; BARRIERS],
        arrival: vec![0; threads.len()],
        queues: Default::default(),
        unfinished: Default::default(),
        tokens: vec![false; threads.len()],
        writer: [false; RWLOCKS],
        readers: [0; RWLOCKS],
        permits: SEM_PERMITS,
        notified: [false; NOTIFIES],
        now: 0,
        since: vec![0; threads.len()],
        out: String::new(),
    };
    let mut trail = Vec::new();
    explore(threads, st, &mut trail, &mut o);
    o
}

pub(super) fn explore(threads: &[Vec<Instr>], st: State, trail: &mut Vec<Done>, o: &mut Oracle) {
    let mut any = false;
    let mut finished = true;
    for t in 0..threads.len() {
        let Some(&ins) = threads[t].get(st.pc[t]) else {
            continue;
        };
        finished = false;
        let mut s = st.clone();
        let nth = trail.iter().filter(|d| d.tid == t).count();
        let step = trail.len();
        let mut obj2 = None;
        let mut class = 0;
        let (obj, write) = match ins {
            Instr::Read(v) => {
                s.acc[t] = read_into(s.acc[t], s.vals[v]);
                s.pc[t] += 1;
                (v, false)
            }
            Instr::Write(v, c) => {
                s.vals[v] = write_value(s.acc[t], c);
                s.pc[t] += 1;
                (v, true)
            }
            Instr::Acquire(l) => {
                if s.locked[l] {
                    continue;
                }
                s.locked[l] = true;
                s.pc[t] += 1;
                (100 + l, true)
            }
            Instr::Try(l, skip) => {
                if s.locked[l] {
                    s.pc[t] += 1 + skip;
                } else {
                    s.locked[l] = true;
                    s.pc[t] += 1;
                }
                (100 + l, true)
            }
            Instr::Release(l) => {
                s.locked[l] = false;
                s.pc[t] += 1;
                (100 + l, true)
            }
            Instr::SemAcquire(l) => {
                if s.permits[l] == 0 {
                    continue;
                }
                s.permits[l] -= 1;
                s.pc[t] += 1;
                (300 + l, true)
            }
            Instr::SemRelease(l) => {
                s.permits[l] += 1;
                s.pc[t] += 1;
                (300 + l, true)
            }
            Instr::ReadAcquire(l) => {
                if s.writer[l] {
                    continue;
                }
                s.readers[l] += 1;
                s.pc[t] += 1;
                (200 + l, true)
            }
            Instr::ReadRelease(l) => {
                s.readers[l] -= 1;
                s.pc[t] += 1;
                (200 + l, true)
            }
            Instr::WriteAcquire(l) => {
                if s.writer[l] || s.readers[l] > 0 {
                    continue;
                }
                s.writer[l] = true;
                s.pc[t] += 1;
                (200 + l, true)
            }
            Instr::WriteRelease(l) => {
                s.writer[l] = false;
                s.pc[t] += 1;
                (200 + l, true)
            }
            Instr::CondAcquire(c) => {
                if s.locked[LOCKS + c] {
                    continue;
                }
                s.locked[LOCKS + c] = true;
                s.pc[t] += 1;
                (100 + LOCKS + c, true)
            }
            Instr::CondRelease(c) => {
                s.locked[LOCKS + c] = false;
                s.pc[t] += 1;
                (100 + LOCKS + c, true)
            }
            Instr::CondWait(c) => {
                s.locked[LOCKS + c] = false;
                s.waiters[c].push((t, false, step));
                s.pc[t] += 1;
                obj2 = Some(100 + LOCKS + c);
                (400 + c, true)
            }
            Instr::CondBlock(c) => {
                let w = s.waiters[c].iter().position(|w| w.0 == t).unwrap();
                if !s.waiters[c][w].1 {
                    let since = s.waiters[c][w].2;
                    let Some(g) = s.grants[c].iter().position(|&g| g > since) else {
                        continue;
                    };
                    s.grants[c].remove(g);
                    s.waiters[c][w].1 = true;
                }
                s.pc[t] += 1;
                (400 + c, true)
            }
            Instr::CondReacquire(c) => {
                if s.locked[LOCKS + c] {
                    continue;
                }
                s.locked[LOCKS + c] = true;
                s.waiters[c].retain(|w| w.0 != t);
                s.pc[t] += 1;
                obj2 = Some(100 + LOCKS + c);
                (400 + c, true)
            }
            Instr::EventSet(e) | Instr::EventClear(e) => {
                s.flags[e] = matches!(ins, Instr::EventSet(_));
                s.pc[t] += 1;
                (500 + e, true)
            }
            Instr::BarrierArrive(b) => {
                if matches!(
                    s.phase[b],
                    Phase::Action | Phase::Draining | Phase::Resetting
                ) {
                    continue;
                }
                if s.phase[b] == Phase::Broken {
                    s.acc[t] = read_into(s.acc[t], BROKEN);
                    s.pc[t] += 2;
                } else {
                    s.arrival[t] = s.count[b];
                    s.count[b] += 1;
                    if s.count[b] == BARRIER_PARTIES[b] {
                        s.phase[b] = Phase::Action;
                    }
                    s.pc[t] += 1;
                }
                (600 + b, true)
            }
            Instr::BarrierLeave(b) => {
                if s.arrival[t] + 1 == BARRIER_PARTIES[b] {
                    s.phase[b] = Phase::Draining;
                } else if matches!(s.phase[b], Phase::Filling | Phase::Action) {
                    continue;
                }
                let passed = s.phase[b] == Phase::Draining;
                s.count[b] -= 1;
                if s.count[b] == 0 && matches!(s.phase[b], Phase::Draining | Phase::Resetting) {
                    s.phase[b] = Phase::Filling;
                }
                let r = if passed {
                    u64::from(s.arrival[t])
                } else {
                    BROKEN
                };
                s.acc[t] = read_into(s.acc[t], r);
                s.pc[t] += 1;
                (600 + b, true)
            }
            Instr::Put(q, c) => {
                if QUEUE_SIZES[q] != 0 && s.queues[q].len() >= QUEUE_SIZES[q] {
                    continue;
                }
                s.queues[q].push_back(write_value(s.acc[t], c));
                s.unfinished[q] += 1;
                s.pc[t] += 1;
                (700 + q, true)
            }
            Instr::Get(q) => {
                let Some(v) = s.queues[q].pop_front() else {
                    continue;
                };
                s.acc[t] = read_into(s.acc[t], v);
                s.pc[t] += 1;
                (700 + q, true)
            }
            Instr::Park => {
                if !s.tokens[t] {
                    continue;
                }
                s.tokens[t] = false;
                s.pc[t] += 1;
                (800 + t, true)
            }
            Instr::Unpark(k) => {
                s.tokens[k] = true;
                s.pc[t] += 1;
                (800 + k, true)
            }
            Instr::NotifyNotify(n) => {
                s.notified[n] = true;
                s.pc[t] += 1;
                (900 + n, true)
            }
            Instr::NotifyWait(n) => {
                if !s.notified[n] {
                    continue;
                }
                s.notified[n] = false;
                s.pc[t] += 1;
                (900 + n, true)
            }
            Instr::Print(c) => {
                s.out.push_str(&print_text(c));
                s.pc[t] += 1;
                class = 1 + c as u64;
                (OUTPUT, true)
            }
            Instr::Sleep(d) => {
                if s.now < s.since[t] + d {
                    continue;
                }
                s.acc[t] = read_into(s.acc[t], s.now);
                s.pc[t] += 1;
                (NOTHING, false)
            }
            Instr::TaskDone(q) => {
                s.unfinished[q] -= 1;
                s.pc[t] += 1;
                (700 + q, true)
            }
            Instr::QJoin(q) => {
                if s.unfinished[q] > 0 {
                    continue;
                }
                s.pc[t] += 1;
                (700 + q, true)
            }
            Instr::QSize(q) => {
                s.acc[t] = read_into(s.acc[t], s.queues[q].len() as u64);
                s.pc[t] += 1;
                (700 + q, false)
            }
            Instr::BarrierRead(b) => {
                let waiting = match s.phase[b] {
                    Phase::Filling | Phase::Action => s.count[b],
                    _ => 0,
                };
                s.acc[t] = read_into(s.acc[t], u64::from(waiting));
                s.pc[t] += 1;
                (600 + b, false)
            }
            Instr::BarrierAbort(b) | Instr::BarrierReset(b) => {
                if s.phase[b] == Phase::Action {
                    continue;
                }
                s.phase[b] = match ins {
                    Instr::BarrierAbort(_) => Phase::Broken,
                    _ if s.count[b] == 0 => Phase::Filling,
                    _ => match s.phase[b] {
                        Phase::Filling | Phase::Broken => Phase::Resetting,
                        other => other,
                    },
                };
                s.pc[t] += 1;
                (600 + b, true)
            }
            Instr::EventWait(e) => {
                if !s.flags[e] {
                    continue;
                }
                s.pc[t] += 1;
                (500 + e, false)
            }
            Instr::EventIsSet(e) => {
                s.acc[t] = read_into(s.acc[t], s.flags[e] as u64);
                s.pc[t] += 1;
                (500 + e, false)
            }
            Instr::CondNotify(c, all) => {
                let waiting = s.waiters[c].iter().filter(|w| !w.1).count();
                if c == STD_COND && !all {
                    if waiting > s.grants[c].len() {
                        s.grants[c].push(step);
                    }
                } else {
                    let n = if all { usize::MAX } else { 1 };
                    for w in s.waiters[c].iter_mut().filter(|w| !w.1).take(n) {
                        w.1 = true;
                    }
                }
                s.pc[t] += 1;
                (400 + c, true)
            }
        };
        any = true;
        s.since[t] = s.now;
        trail.push(Done {
            tid: t,
            nth,
            obj,
            obj2,
            write,
            time: s.now,
            class,
        });
        explore(threads, s, trail, o);
        trail.pop();
    }
    if any {
        return;
    }
    // Nothing can run: the clock moves on to the first deadline.
    let deadline = (0..threads.len())
        .filter_map(|t| match threads[t].get(st.pc[t]) {
            Some(&Instr::Sleep(d)) => Some(st.since[t] + d),
            _ => None,
        })
        .filter(|&d| d > st.now)
        .min();
    if let Some(d) = deadline {
        let mut s = st;
        s.now = d;
        explore(threads, s, trail, o);
        return;
    }
    // A maximal interleaving.
    if finished {
        o.outcomes
            .insert(format!("{}{}", st.out, outcome_text(&st.vals, &st.acc)));
    } else {
        o.outcomes.insert("DEADLOCK".to_string());
    }
    o.traces.insert(normal_form(trail));
}

/// The lexicographic normal form of an interleaving: repeatedly take the
/// lowest thread whose next event has all its dependence predecessors
/// taken. Equal for, and only for, Mazurkiewicz-equivalent interleavings.
pub(super) fn normal_form(trail: &[Done]) -> Vec<(usize, usize)> {
    let n = trail.len();
    let objs = |d: &Done| [Some(d.obj), d.obj2];
    let dep = |a: &Done, b: &Done| {
        a.tid == b.tid
            || a.time != b.time
            || (a.write || b.write)
                && (a.class == 0 || a.class != b.class)
                && objs(a)
                    .iter()
                    .flatten()
                    .any(|x| *x != NOTHING && objs(b).contains(&Some(*x)))
    };
    let preds: Vec<Vec<usize>> = (0..n)
        .map(|i| (0..i).filter(|&j| dep(&trail[j], &trail[i])).collect())
        .collect();
    let mut taken = vec![false; n];
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let next = (0..n)
            .filter(|&i| !taken[i] && preds[i].iter().all(|&j| taken[j]))
            .min_by_key(|&i| (trail[i].tid, trail[i].nth))
            .expect("a ready event");
        taken[next] = true;
        out.push((trail[next].tid, trail[next].nth));
    }
    out
}
