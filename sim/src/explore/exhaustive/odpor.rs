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
//! first enabled thread not asleep. Afterwards (`races.rs`): vector
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
//! **Blocking events.** A blocking event waits for the state of one object,
//! its guard object (`guards.rs`): a lock acquire (and a condition wait's
//! re-acquire) for the lock to be free, a Semaphore acquire for a positive
//! counter, a condition wait's block for its thread to be notified, an
//! Event wait for the flag. Whatever changes a guard object writes it, so
//! those events are totally ordered by dependence. The event that enabled
//! `e'` (a release, a notify, a set) and `e'` are ordered but are not a
//! reversible race: `e'` could not go first. For a blocking `e'` the races
//! are the earlier events `e` on an object of `e'` that `e'` is not ordered
//! after through its own thread (program order or spawn: the chain through
//! the enabling event is ignored) and such that `e'` could be taken right
//! after `notdep(e)`: the guard object's state there is its state before
//! the first of its events from `e` on that is `e` or happens after `e`
//! (those form a suffix of its total order), or before `e'` if there is
//! none (`races.rs`). So a lock acquire is reversed against the
//! previous *acquire* (the usual treatment of mutexes in DPOR), a
//! condition's block against the condition's events after the notify that
//! woke it, an Event wait against the sets and clears while the flag was
//! up.
//!
//! Why this is enough (the completeness argument of source-set DPOR, with
//! enabledness): let `w.p` be a schedule of another trace, `w` a prefix of
//! the explored execution `E`, `p` blocking. The first event `e` of `E`
//! after `w` that conflicts with `p` touches an object of `p`; no event on
//! the guard object lies between `w` and `e` unless it is `e` itself, so
//! the guard holds after `notdep(e)` as it does after `w`, and `p` is not
//! ordered after `e` through its thread (its thread's earlier events are in
//! `w`): the pair is one of the races above. Conversely every sequence
//! `notdep(e).e'` inserted can be followed: the events of `notdep(e)` keep
//! the order and the guard states they had in `E` (the events on a guard
//! object that happen before one of them come before it, in both), and the
//! guard of `e'` is checked. A sequence the scheduler could not follow, or
//! an execution whose every enabled thread sleeps, would make the
//! reduction give up (`unsupported`), never miss a trace; the proptest
//! asserts neither happens and that the count is one per trace.
//!
//! **Time.** Under exact timing the clock moves on only when no thread
//! can run, so every event of an earlier virtual time comes before every
//! event of a later one in every execution: [`conflict`] makes events of
//! different times dependent, and `vc` orders each event after all events
//! of earlier times. A sleep touches nothing else (its end is the clock's
//! doing). Such a pair is not a reversible race, with one exception: a
//! blocking event completes at the time it was enabled, but may have been
//! waiting since an earlier time, and could have run there. So a
//! non-blocking `e'` of a later time than `e` never races with it (it
//! could not run before `e`, which stays enabled and holds the clock
//! back), and a blocking one races when its thread reached it before `e`
//! (the program-order test, on `vc`, which holds the time order); taken
//! after `notdep(e)` it runs at `e`'s time. Under adversarial timing a
//! sleep moves the clock that other threads read (it may end early and
//! pushes the clock to its deadline), and it is outside the fragment.
//!
//! At a deadlock, the events the threads are blocked in race too, as
//! events after the last one: without that, a deadlock reached before the
//! other thread ever acquired would hide the schedules where it did (found
//! by the proptest).
//!
//! **Conditions.** `wait` is three events (`rt/prims/condition.rs`): the
//! wait proper (writes the condition and its lock: enqueues, releases the
//! lock), the block (writes the condition; guarded by the waiter being
//! notified, or on a std `Condvar` by an outstanding `notify_one` that came
//! after it began to wait) and the re-acquire (writes both; guarded by the
//! lock). A notify writes the condition: it enables the waiters it
//! notifies, and the race between a wait and a notify (the waiter enqueued
//! before the notify or not) is an ordinary one. **Events**: set and clear
//! write the event, `is_set` and a wait read it; a set enables every
//! waiter at once (each wait is guarded by the flag, and reads commute).
//! **Barriers**: every operation but `n_waiting`/`broken` writes the
//! barrier; an arrival is guarded by the phase (not while the action runs,
//! the barrier drains or resets), a waiter's block by the barrier having
//! released (or broken, or reset): the last arrival's release enables every
//! waiter, and their blocks race with one another only as writes of the
//! barrier (each leaves it: its count goes down). **Queues**: every
//! operation but `qsize`/`empty`/`full` writes the queue; a blocking put is
//! guarded by room, a get by an item, `join` by every item done: a put
//! enables a get and a get a bounded put. **Park**: a park and an unpark
//! of its thread write the thread's token (`Key::Parker`); a park without
//! a timeout is guarded by the token being set. **Notify** (loom's) the
//! same way: `notify` and `wait` write the object, a wait is guarded by the
//! permit, which a notify stores and the wait consumes. **Tasks** the same
//! way: `TaskWake` and `TaskWait` write the task object; a wait without a
//! deadline is guarded by the permit (or a `block_on`'s one spurious
//! wake-up), so a wake enables it and a wake of a task not waiting is
//! ordered before or after its next wait (which then returns at once);
//! a wait whose poll woke its own task (`yield_now`) carries that in its
//! operation and is always enabled: a yield conflicts only with its own
//! task's events and the wakes of that task.

use std::sync::Arc;

use super::events::{classify, conflict, weak_initial, Access, Ev, WuTree};
use super::guards::read_log;
use super::races::Races;
use super::{budget_reason, Ended};
use crate::explore::token::Token;
use crate::explore::{Builder, Run};
use crate::failure::FailureKind;
use crate::rt::dependence;
use crate::rt::op::{Nanos, Op, Tid};
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
    /// Every step's candidate threads and the index taken, recorded in the
    /// first execution only (for [`Fallback::first`]).
    path: Option<Path>,
}

/// An execution's path: each step's candidate threads, which of them are a
/// thread's start ([`super::dfs::start_mask`]), and the index taken.
pub(super) type Path = Vec<(Vec<Tid>, u64, usize)>;

/// Why ODPOR gave up, and its first execution when that is where it did:
/// the execution is still the runtime's last, so the plain DFS adopts it
/// as its own first one instead of running the program again (a test
/// that counts its closure's calls sees one call per execution).
pub(super) struct Fallback {
    pub(super) why: String,
    /// The first execution: its path (each step's candidate threads and
    /// the index taken) and its token's choices.
    pub(super) first: Option<(Path, Vec<u32>)>,
}

/// The scheduler of one DPOR execution: replays the stack's prefix, then
/// follows wake-up trees, else the first enabled process not asleep.
struct OdporSched<'a> {
    nodes: &'a mut Vec<Node>,
    /// Emptied sleep sets of popped nodes, for new ones (no allocation).
    spare: &'a mut Vec<Vec<Ev>>,
    /// `ExecConfig::spurious_parks`: a park is outside the fragment (its
    /// spurious wake-up is a candidate the reduction does not model, and
    /// one never offered in an execution explored would be missed).
    spurious_parks: bool,
    /// Adversarial timing: a sleep is outside the fragment (it moves the
    /// clock that other threads read).
    adversarial: bool,
    /// The virtual time of the next choice's candidates.
    now: Nanos,
    depth: usize,
    out: Outcome,
}

impl Scheduler for OdporSched<'_> {
    fn choose(&mut self, enabled: &[Candidate]) -> usize {
        let d = self.depth;
        self.depth += 1;
        if self.out.unsupported.is_none() {
            self.out.unsupported = outside_fragment(enabled, self.spurious_parks, self.adversarial);
        }
        let pick = |tid: Tid| enabled.iter().position(|c| c.tid == tid);
        let index = if d < self.nodes.len() {
            pick(self.nodes[d].cur.tid)
        } else {
            let (sleep, mut wut) = match d.checked_sub(1).map(|p| &mut self.nodes[p]) {
                Some(parent) => {
                    let cur = parent.cur;
                    let mut sleep = self.spare.pop().unwrap_or_default();
                    sleep.extend(parent.sleep.iter().filter(|q| !conflict(q, &cur)));
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
            let cur = classify(c.tid, c.op, None, self.now).unwrap_or(Ev {
                tid: c.tid,
                access: Access::Nothing,
                spawned: None,
                wait: None,
                time: self.now,
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
        if let Some(path) = &mut self.out.path {
            let starts = super::dfs::start_mask(enabled);
            path.push((enabled.iter().map(|c| c.tid).collect(), starts, index));
        }
        index
    }

    fn observes_every_step(&self) -> bool {
        true
    }

    fn observe_now(&mut self, now: Nanos) {
        self.now = now;
    }
}

/// Why the reduction cannot follow a point with these candidates, if it
/// cannot: an operation outside the fragment (see the parent module), a
/// timeout or spurious wake-up candidate, a sleep under adversarial timing,
/// a park that may wake spuriously, or a thread offered twice.
#[inline]
pub(super) fn outside_fragment(
    enabled: &[Candidate],
    spurious_parks: bool,
    adversarial: bool,
) -> Option<String> {
    let (_, c) = enabled.iter().enumerate().find(|(i, c)| {
        !dependence::footprint(c.op).reducible
            || c.timeout
            || (adversarial && matches!(c.op, Op::Sleep { .. }))
            || (spurious_parks && matches!(c.op, Op::Park { .. }))
            || enabled[..*i].iter().any(|o| o.tid == c.tid)
    })?;
    Some(outside_fragment_message(c))
}

/// What [`outside_fragment`] says about candidate `c`.
#[cold]
fn outside_fragment_message(c: &Candidate) -> String {
    format!(
        "the program uses `{}`{}, which the optimal DPOR does not reduce yet \
         (it reduces blocking Lock/Mutex/RwLock/Semaphore acquires and releases, \
         Condition/Condvar waits without a timeout and notifies, Event set/clear/wait/\
         is_set, Barrier waits without a timeout, blocking Queue puts and gets, park/unpark, \
         Notify, Once, Shared, atomics, UnsafeCell, spawn, join, print, yield, and sleeps \
         under exact timing)",
        c.op.name(),
        match (c.timeout, c.op.deadline()) {
            (false, _) if matches!(c.op, Op::Sleep { .. }) => " under adversarial timing",
            (false, _) => "",
            (true, None) => " (a spurious wake-up)",
            (true, Some(_)) => " (its timeout)",
        }
    )
}

/// Optimal DPOR over the reduced fragment.
pub(super) struct Odpor {
    nodes: Vec<Node>,
    spare: Vec<Vec<Ev>>,
    races: Races,
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
    ) -> Result<Ended, Fallback> {
        // Adversarial timing changes only operations with a deadline (and
        // sleeps), none of which is in the reduced fragment under it: a
        // program in the fragment runs the same under both timings. Spurious wake-ups
        // add candidates the reduction does not model (a spurious park's, a
        // timeout candidate, makes it give up when offered).
        if cfg.spurious_wakeups {
            return Err(Fallback {
                why: "spurious wake-ups are on, and the reduction does not model them".to_string(),
                first: None,
            });
        }
        let mut this = Odpor {
            nodes: Vec::new(),
            spare: Vec::new(),
            races: Races::default(),
        };
        let mut step_limited = false;
        loop {
            if budget_hit(run, builder) || builder.interrupted() {
                return Ok(Ended {
                    complete: false,
                    reason: Some(budget_reason(builder)),
                });
            }
            let first = run.executions == 0 && this.nodes.is_empty();
            let mut sched = OdporSched {
                nodes: &mut this.nodes,
                spare: &mut this.spare,
                spurious_parks: cfg.spurious_parks,
                adversarial: cfg.adversarial,
                now: 0,
                depth: 0,
                out: Outcome {
                    path: first.then(Vec::new),
                    ..Outcome::default()
                },
            };
            rt::run_execution(main, cfg, &mut sched);
            let depth = sched.depth;
            let out = std::mem::take(&mut sched.out);
            if let Some(why) = out.unsupported {
                let first = out.path.map(|path| (path, out.choices));
                return Err(Fallback { why, first });
            }
            let read = read_log();
            let (failure, pending) = (read.failure, &read.pending);
            let log = read.events.as_deref();
            let Some(log) = log else {
                return Err(Fallback {
                    why: "an operation outside the reduced fragment was performed".to_string(),
                    first: None,
                });
            };
            if log.len() != depth || depth != this.nodes.len() {
                return Err(Fallback {
                    why: "the execution did not follow its schedule (nondeterminism?)".to_string(),
                    first: None,
                });
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
            let Odpor { nodes, races, .. } = &mut this;
            races.find(log, pending, &read, |j, v| {
                let node = &mut nodes[j];
                if !node.sleep.iter().any(|q| weak_initial(v, q)) {
                    node.wut.insert(v.to_vec());
                }
            });
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
                    if let Some(mut node) = this.nodes.pop() {
                        node.sleep.clear();
                        this.spare.push(node.sleep);
                    }
                } else {
                    let (ev, sub) = top.wut.children.remove(0);
                    top.cur = ev;
                    top.cur_sub = sub;
                    break;
                }
            }
        }
    }
}
