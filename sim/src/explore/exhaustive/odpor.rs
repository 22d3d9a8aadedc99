//! Optimal dynamic partial-order reduction (Abdulla, Aronis, Jonsson,
//! Sagonas, POPL 2014: source sets and wake-up trees): one execution per
//! Mazurkiewicz trace, none blocked by a sleep set, for the programs of the
//! fragment that [`classify`] accepts (see the parent module for the
//! fragment and the fallback to the plain DFS).
//!
//! **The search.** A stack of [`Node`]s, one per step of the current
//! execution: its sleep set (processes with their next event), its wake-up
//! tree (ordered children: event and subtree), the event explored now and
//! the subtree handed to it. An execution ([`OdporSched`]) replays the
//! stack's prefix, then follows the handed-down wake-up tree, else takes the
//! first enabled thread not asleep. Afterwards ([`Odpor::races`]): vector
//! clocks over the log (happens-before = program order + dependence +
//! spawn/join), race detection, insertion of `notdep(e).e'` into the
//! wake-up tree before `e` unless a sleeping process is a weak initial of
//! it; then backtracking: the explored child joins its node's sleep set and
//! the next leftmost child of the wake-up tree is taken.
//!
//! **The dependence relation** ([`classify`], [`conflict`]) is the
//! runtime's one relation (`rt::dependence`, from each primitive's
//! footprint): two events of different threads conflict when they touch one
//! key and one of them writes. A `Shared` get is a read, a set a write;
//! every lock operation is a write of the lock except `locked()` (a read);
//! all `spawn`s conflict (they number threads); all `print`s conflict
//! (output order is observable). On top of it, for events rather than
//! operations: a `join` conflicts with every event of its target, a spawn
//! with every event of the child; `yield_now` conflicts with nothing. The
//! fragment is the operations whose footprint is `reducible`. Races
//! are only between object conflicts ([`obj_conflict`]): spawn and join
//! order events, they never race.
//!
//! **Blocking lock acquires.** A release and the acquire it unblocked are
//! ordered but are not a reversible race (the acquire could not go first).
//! For a blocking acquire `e'` the races are the earlier events `e` on the
//! same lock that `e'` is not ordered after through its own thread (program
//! order or spawn: the lock chain through the release is ignored) and at
//! whose point the lock was free (or owned by `e'`'s thread, for an RLock):
//! so `e'` is reversed against the previous *acquire*, the usual treatment
//! of mutexes in DPOR. The lock state before each event is rebuilt from the
//! log ([`read_log`]). At a deadlock, the acquires the threads are blocked
//! in race too, as events after the last one: without that, a deadlock
//! reached before the other thread ever acquired would hide the schedules
//! where it did (found by the proptest).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::events::{classify, conflict, obj_conflict, weak_initial, Access, Ev, WuTree};
use super::{budget_reason, Ended};
use crate::explore::token::Token;
use crate::explore::{Builder, Run};
use crate::failure::FailureKind;
use crate::rt::dependence::Key;
use crate::rt::op::{Op, Tid};
use crate::rt::prims::ObjState;
use crate::rt::{self, Candidate, ExecConfig, Scheduler};

/// One scheduling point of the current execution.
#[derive(Debug)]
struct Node {
    /// Sleeping processes, each with its next event here.
    sleep: Vec<Ev>,
    /// The wake-up tree still to explore from here.
    wut: WuTree,
    /// The event explored from here now, and the subtree handed to it.
    cur: Ev,
    cur_sub: WuTree,
}

/// What one execution told the explorer.
#[derive(Default)]
struct Outcome {
    /// Why the reduction cannot follow this execution (the first reason
    /// seen): an operation outside the reduced fragment, a thread the
    /// fairness rule left out, or a prefix the program did not repeat.
    unsupported: Option<String>,
    /// The choices at points with more than one candidate (the token).
    choices: Vec<u32>,
}

/// The scheduler of one DPOR execution: replays the stack's prefix, then
/// follows wake-up trees, else the first enabled process not asleep.
struct OdporSched<'a> {
    nodes: &'a mut Vec<Node>,
    depth: usize,
    out: Outcome,
}

impl Scheduler for OdporSched<'_> {
    fn choose(&mut self, enabled: &[Candidate]) -> usize {
        let d = self.depth;
        self.depth += 1;
        for (i, c) in enabled.iter().enumerate() {
            if self.out.unsupported.is_none()
                && (classify(c.tid, c.op, None).is_none()
                    || enabled[..i].iter().any(|o| o.tid == c.tid))
            {
                self.out.unsupported = Some(format!(
                    "the program uses `{}`{}, which the optimal DPOR does not reduce yet \
                     (it reduces blocking Lock/Mutex/RwLock/Semaphore acquires and releases, Once, \
                     Shared, atomics, UnsafeCell, spawn, join, print and yield)",
                    c.op.name(),
                    if c.timeout { " (its timeout)" } else { "" }
                ));
            }
        }
        let pick = |tid: Tid| enabled.iter().position(|c| c.tid == tid);
        let index = if d < self.nodes.len() {
            pick(self.nodes[d].cur.tid)
        } else {
            let (sleep, mut wut) = match d.checked_sub(1).map(|p| &mut self.nodes[p]) {
                Some(parent) => {
                    let cur = parent.cur;
                    let sleep = parent
                        .sleep
                        .iter()
                        .filter(|q| !conflict(q, &cur))
                        .copied()
                        .collect();
                    (sleep, std::mem::take(&mut parent.cur_sub))
                }
                None => (Vec::new(), WuTree::default()),
            };
            let (index, cur_sub) = if wut.children.is_empty() {
                let i = enabled
                    .iter()
                    .position(|c| !sleep.iter().any(|q: &Ev| q.tid == c.tid));
                (i, WuTree::default())
            } else {
                let (ev, sub) = wut.children.remove(0);
                (pick(ev.tid), sub)
            };
            // A wake-up tree's thread left out of the enabled set (by the
            // fairness rule, `rt/fairness.rs`): the reduction cannot
            // follow it, and the plain search takes over.
            let index = index.unwrap_or_else(|| {
                self.out.unsupported.get_or_insert_with(|| {
                    "the fairness rule left out a thread the reduction meant to run".to_string()
                });
                0
            });
            let c = enabled[index];
            let cur = classify(c.tid, c.op, None).unwrap_or(Ev {
                tid: c.tid,
                access: Access::Nothing,
                spawned: None,
                blocking_acquire: false,
                shared_acquire: false,
            });
            self.nodes.push(Node {
                sleep,
                wut,
                cur,
                cur_sub,
            });
            Some(index)
        };
        let index = index.unwrap_or_else(|| {
            // The program did not repeat the prefix: it is not
            // deterministic. Carry on; the explorer's own replay check
            // reports nondeterminism on failures.
            self.out.unsupported.get_or_insert_with(|| {
                "the program did not repeat a recorded prefix (nondeterminism?)".to_string()
            });
            0
        });
        if enabled.len() > 1 {
            self.out.choices.push(index as u32);
        }
        index
    }

    fn observes_every_step(&self) -> bool {
        true
    }
}

/// A lock's state just before a logged event on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LockBefore {
    /// Not a lock event.
    NotLock,
    /// A `Lock`/`Mutex`: whether it was held.
    Lock { held: bool },
    /// An `RLock`: its owner, if held.
    RLock { owner: Option<Tid> },
    /// A `RwLock`: whether a writer held it, how many readers.
    RwLock { writer: bool, readers: u32 },
    /// A `Semaphore`: its counter.
    Semaphore { value: u32 },
}

impl LockBefore {
    /// Whether the blocking acquire `ev` could take the lock in this state.
    fn can_take(self, ev: &Ev) -> bool {
        match self {
            LockBefore::NotLock => true,
            LockBefore::Lock { held } => !held,
            LockBefore::RLock { owner } => owner.is_none_or(|o| o == ev.tid),
            LockBefore::RwLock { writer, readers } => {
                !writer && (ev.shared_acquire || readers == 0)
            }
            LockBefore::Semaphore { value } => value > 0,
        }
    }
}

/// A performed event as read back from the log.
struct Logged {
    ev: Ev,
    /// The lock's state just before the event, for lock events.
    lock_before: LockBefore,
}

/// Reads the finished execution's events.
#[allow(clippy::type_complexity)]
fn read_log() -> (Option<Vec<Logged>>, Option<FailureKind>, Vec<Ev>) {
    rt::with_exec(|e| {
        let failure = e.failure().map(|f| f.kind);
        let pending: Vec<Ev> = if failure == Some(FailureKind::Deadlock) {
            e.threads()
                .iter()
                .enumerate()
                .filter(|(_, t)| t.life == rt::Life::Waiting)
                .filter_map(|(tid, t)| classify(tid, t.pending, None))
                .filter(|ev| ev.blocking_acquire)
                .collect()
        } else {
            Vec::new()
        };
        // Lock states: (held, owner, count) per object index (for a
        // RwLock: held by a writer, -, readers).
        let mut locks: Vec<(bool, Option<Tid>, u32)> = vec![(false, None, 0); e.objects().len()];
        // Semaphore counters, from their initial values.
        let mut sems: Vec<i64> = (e.objects().iter())
            .map(|o| match &o.state {
                ObjState::Semaphore(s) => i64::from(s.initial()),
                _ => 0,
            })
            .collect();
        let mut out = Vec::with_capacity(e.events().len());
        for ev in e.events() {
            let Some(c) = classify(ev.tid, ev.op, Some(ev.result)) else {
                return (None, failure, pending);
            };
            let mut lock_before = LockBefore::NotLock;
            match ev.op {
                Op::LockAcquire { lock, .. } | Op::LockRelease { lock } => {
                    let st = &mut locks[lock.index()];
                    lock_before = LockBefore::Lock { held: st.0 };

                    match ev.op {
                        Op::LockAcquire { .. } if ev.result.as_bool() => st.0 = true,
                        Op::LockRelease { .. } => st.0 = false,
                        _ => {}
                    }
                }
                Op::RLockAcquire { lock, .. } | Op::RLockRelease { lock } => {
                    let st = &mut locks[lock.index()];
                    lock_before = LockBefore::RLock {
                        owner: if st.0 { st.1 } else { None },
                    };
                    match ev.op {
                        Op::RLockAcquire { .. } if ev.result.as_bool() => {
                            st.0 = true;
                            st.1 = Some(ev.tid);
                            st.2 += 1;
                        }
                        Op::RLockRelease { .. } if st.1 == Some(ev.tid) => {
                            st.2 -= 1;
                            if st.2 == 0 {
                                *st = (false, None, 0);
                            }
                        }
                        _ => {}
                    }
                }
                Op::SemAcquire { sem, .. } | Op::SemRelease { sem, .. } => {
                    let v = &mut sems[sem.index()];
                    lock_before = LockBefore::Semaphore {
                        value: u32::try_from(*v).unwrap_or(0),
                    };
                    match ev.op {
                        Op::SemAcquire { .. } if ev.result.as_bool() => *v -= 1,
                        Op::SemRelease { n, .. } => *v += i64::from(n),
                        _ => {}
                    }
                }
                Op::RwAcquire { lock, write, .. } | Op::RwRelease { lock, write } => {
                    let st = &mut locks[lock.index()];
                    lock_before = LockBefore::RwLock {
                        writer: st.0,
                        readers: st.2,
                    };
                    match (ev.op, write) {
                        (Op::RwAcquire { .. }, _) if !ev.result.as_bool() => {}
                        (Op::RwAcquire { .. }, true) => st.0 = true,
                        (Op::RwAcquire { .. }, false) => st.2 += 1,
                        (_, true) => st.0 = false,
                        (_, false) => st.2 = st.2.saturating_sub(1),
                    }
                }
                _ => {}
            }
            out.push(Logged { ev: c, lock_before });
        }
        (Some(out), failure, pending)
    })
}

/// Per object, while the log is read: its events, its last write and the
/// reads since.
#[derive(Default)]
struct KeyState {
    events: Vec<usize>,
    last_write: Option<usize>,
    reads_since: Vec<usize>,
}

/// Optimal DPOR over the reduced fragment.
pub(super) struct Odpor {
    nodes: Vec<Node>,
}

/// Whether the execution budget is spent.
fn budget_hit(run: &Run, builder: &Builder) -> bool {
    run.executions >= builder.executions
}

impl Odpor {
    /// Explores with optimal DPOR. Returns why not when an execution left
    /// the reduced fragment (the caller then starts again from scratch, in
    /// a fresh run, with the plain DFS of `dfs.rs`, and says so in the
    /// report's `unreduced`).
    pub(super) fn explore(
        builder: &Builder,
        main: &Arc<dyn Fn() + Send + Sync>,
        cfg: &ExecConfig,
        run: &mut Run,
    ) -> Result<Ended, String> {
        // Adversarial timing changes only operations with a deadline (and
        // sleeps), none of which is in the reduced fragment: a program in
        // the fragment runs the same under both timings. Spurious wake-ups
        // add candidates the reduction does not model.
        if cfg.spurious_wakeups {
            return Err(
                "spurious wake-ups are on, and the reduction does not model them".to_string(),
            );
        }
        let mut this = Odpor { nodes: Vec::new() };
        let mut step_limited = false;
        loop {
            if budget_hit(run, builder) || builder.interrupted() {
                return Ok(Ended {
                    complete: false,
                    reason: Some(budget_reason(builder)),
                });
            }
            let mut sched = OdporSched {
                nodes: &mut this.nodes,
                depth: 0,
                out: Outcome::default(),
            };
            rt::run_execution(main, cfg, &mut sched);
            let depth = sched.depth;
            let out = std::mem::take(&mut sched.out);
            if let Some(why) = out.unsupported {
                return Err(why);
            }
            let (log, failure, pending) = read_log();
            let Some(log) = log else {
                return Err("an operation outside the reduced fragment was performed".to_string());
            };
            if log.len() != depth || depth != this.nodes.len() {
                return Err(
                    "the execution did not follow its schedule (nondeterminism?)".to_string(),
                );
            }
            step_limited |= failure == Some(FailureKind::StepLimit);
            let failed = run.record(main, cfg, Token::Schedule(out.choices));
            if failed && builder.stop_on_first_failure {
                return Ok(Ended {
                    complete: false,
                    reason: Some("stopped at the first failure".to_string()),
                });
            }
            for (i, l) in log.iter().enumerate() {
                this.nodes[i].cur = l.ev;
            }
            this.races(&log, &pending);
            // Backtrack to the deepest point with something left to explore.
            loop {
                let Some(top) = this.nodes.last_mut() else {
                    return Ok(if step_limited {
                        Ended {
                            complete: false,
                            reason: Some(
                                "the step limit cut executions short (Builder::max_steps)"
                                    .to_string(),
                            ),
                        }
                    } else {
                        Ended {
                            complete: true,
                            reason: None,
                        }
                    });
                };
                top.sleep.push(top.cur);
                if top.wut.children.is_empty() {
                    this.nodes.pop();
                } else {
                    let (ev, sub) = top.wut.children.remove(0);
                    top.cur = ev;
                    top.cur_sub = sub;
                    break;
                }
            }
        }
    }

    /// Race detection on the finished execution: for every reversible race
    /// `e ⋖ e'`, inserts `notdep(e).e'` into the wake-up tree before `e`
    /// unless a sleeping process is a weak initial of it.
    ///
    /// `pending` are the blocking acquires that threads were blocked in when
    /// the execution ended (a deadlock): they race too, as events after
    /// the last one.
    fn races(&mut self, log: &[Logged], pending: &[Ev]) {
        let n = log.len();
        let threads = log
            .iter()
            .map(|l| l.ev.tid + 1)
            .chain(pending.iter().map(|e| e.tid + 1))
            .max()
            .unwrap_or(0);
        let mut pos = vec![0u32; n];
        let mut count = vec![0u32; threads];
        let mut last_of: Vec<Option<usize>> = vec![None; threads];
        let mut po_prev: Vec<Option<usize>> = vec![None; n];
        let mut spawn_of: Vec<Option<usize>> = vec![None; threads];
        // vc[i][t]: how many events of thread t happen before or are i.
        let mut vc: Vec<Vec<u32>> = Vec::with_capacity(n);
        let mut preds: Vec<Vec<usize>> = Vec::with_capacity(n);
        let mut per_key: BTreeMap<Key, KeyState> = BTreeMap::new();
        for i in 0..n {
            let ev = log[i].ev;
            let t = ev.tid;
            pos[i] = count[t];
            count[t] += 1;
            po_prev[i] = last_of[t];
            let mut p: Vec<usize> = Vec::new();
            if let Some(j) = last_of[t] {
                p.push(j);
            } else if let Some(s) = spawn_of[t] {
                p.push(s);
            }
            // The direct predecessors through dependence: on its object,
            // the last write and (for a write) the reads since; for a
            // join, the target's last event (earlier conflicting events
            // are ordered before these).
            match ev.access {
                Access::Obj { key, write } => {
                    let st = per_key.entry(key).or_default();
                    if let Some(w) = st.last_write {
                        p.push(w);
                    }
                    if write {
                        p.extend(st.reads_since.iter().copied());
                        st.last_write = Some(i);
                        st.reads_since.clear();
                    } else {
                        st.reads_since.push(i);
                    }
                    st.events.push(i);
                }
                Access::Join { target } => p.extend(last_of.get(target).copied().flatten()),
                Access::Nothing => {}
            }
            p.sort_unstable();
            p.dedup();
            let mut clock = vec![0u32; threads];
            for &j in &p {
                for (c, &x) in clock.iter_mut().zip(&vc[j]) {
                    *c = (*c).max(x);
                }
            }
            clock[t] = pos[i] + 1;
            vc.push(clock);
            preds.push(p);
            last_of[t] = Some(i);
            if let Some(child) = ev.spawned {
                if child < threads {
                    spawn_of[child] = Some(i);
                }
            }
        }
        let hb = |j: usize, k: usize, vc: &Vec<Vec<u32>>| vc[k][log[j].ev.tid] > pos[j];
        for i in 0..n + pending.len() {
            let ev = if i < n { log[i].ev } else { pending[i - n] };
            let po_before = if i < n { po_prev[i] } else { last_of[ev.tid] };
            let Access::Obj { key, .. } = ev.access else {
                continue;
            };
            let on_key = per_key.get(&key).map_or(&[][..], |st| &st.events[..]);
            for &j in on_key.iter().take_while(|&&j| j < i.min(n)) {
                let e = log[j].ev;
                if e.tid == ev.tid || !obj_conflict(&e, &ev) {
                    continue;
                }
                let race = if ev.blocking_acquire {
                    // Only the program-order (or spawn) path counts: the
                    // release that freed the lock enabled e', it did not feed
                    // it data. The race is reversible only where e' could
                    // take the lock: free, or its own.
                    let before = po_before.or(spawn_of[ev.tid]);
                    let ordered = before.is_some_and(|b| hb(j, b, &vc));
                    let can_take = log[j].lock_before.can_take(&ev);
                    !ordered && can_take
                } else {
                    !preds[i].iter().any(|&p| p != j && hb(j, p, &vc))
                };
                if !race {
                    continue;
                }
                let mut v: Vec<Ev> = ((j + 1)..i.min(n))
                    .filter(|&k| !hb(j, k, &vc))
                    .map(|k| log[k].ev)
                    .collect();
                v.push(ev);
                let node = &mut self.nodes[j];
                if node.sleep.iter().any(|q| weak_initial(&v, q)) {
                    continue;
                }
                node.wut.insert(v);
            }
        }
    }
}
