//! The guards of blocking events, rebuilt from a finished execution's log.
//!
//! A blocking event (`events::Wait`) is enabled exactly when the state of
//! one object, its *guard object*, allows it: a lock free (or, for an
//! RLock, its own), a RwLock without a writer (and, to write, without
//! readers), a Semaphore's counter positive, a condition waiter notified
//! (or, on a std `Condvar`, a `notify_one` outstanding that came after it
//! began to wait), an Event's flag up, a `Notify`'s permit there. Every
//! operation that changes such a state writes the object in its footprint,
//! so the events that change a guard object are totally ordered by
//! dependence; operations that only read it (`locked()`, `is_set()`) do not
//! change it.
//!
//! [`read_log`] replays the log over a small model of each object's state
//! (the same rules as the runtime's primitives, in `rt/prims/`) and
//! records, for every event and every object it touches, the state just
//! before it ([`Before`]); `odpor.rs` asks [`Before::allows`] whether a
//! blocking event could have been taken in that state.

use super::events::{classify, Ev, Wait};
use crate::failure::FailureKind;
use crate::rt::dependence::Key;
use crate::rt::op::{Op, Tid};
use crate::rt::prims::{BarrierPhase, ObjState};
use crate::rt::{self};

/// An object's guard-relevant state just before an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Before {
    /// Not an object with blocking operations (or not an object).
    Other,
    /// A `Lock`/`Mutex`: whether it was held.
    Lock { held: bool },
    /// An `RLock`: its owner, if held.
    RLock { owner: Option<Tid> },
    /// A `RwLock`: whether a writer held it, how many readers.
    RwLock { writer: bool, readers: u32 },
    /// A `Semaphore`: its counter.
    Semaphore { value: u32 },
    /// A `Condition`/`Condvar`: the threads (bit `tid`) whose block would
    /// complete (notified, or with a `notify_one` grant to take).
    Cond { ready: u128 },
    /// An `Event`: its flag.
    Event { flag: bool },
    /// A `Barrier`: its phase.
    Barrier { phase: BarrierPhase },
    /// A thread's park token: whether it is set.
    Park { set: bool },
    /// A `Notify`: whether its permit is there.
    Notify { permit: bool },
    /// A `Queue`: whether it has room, an item, undone items.
    Queue {
        room: bool,
        item: bool,
        undone: bool,
    },
    /// An async task: its permit, whether its one spurious wake-up (a
    /// `block_on`'s) is still to come.
    Task { woken: bool, may_spur: bool },
}

impl Before {
    /// Whether the blocking event `ev` could be taken in this state.
    pub(super) fn allows(self, ev: &Ev) -> bool {
        use BarrierPhase::*;
        let Some((wait, _)) = ev.wait else {
            return true;
        };
        match (wait, self) {
            (Wait::Lock, Before::Lock { held }) => !held,
            (Wait::Lock, Before::RLock { owner }) => owner.is_none_or(|o| o == ev.tid),
            (Wait::RwRead, Before::RwLock { writer, .. }) => !writer,
            (Wait::RwWrite, Before::RwLock { writer, readers }) => !writer && readers == 0,
            (Wait::Sem, Before::Semaphore { value }) => value > 0,
            (Wait::CondWoken, Before::Cond { ready }) => {
                ev.tid < 128 && ready & (1u128 << ev.tid) != 0
            }
            (Wait::EventSet, Before::Event { flag }) => flag,
            (Wait::BarrierArrive, Before::Barrier { phase }) => {
                !matches!(phase, Action | Draining | Resetting)
            }
            (Wait::BarrierBlock, Before::Barrier { phase }) => !matches!(phase, Filling | Action),
            (Wait::BarrierIdle, Before::Barrier { phase }) => phase != Action,
            (Wait::QueuePut, Before::Queue { room, .. }) => room,
            (Wait::QueueGet, Before::Queue { item, .. }) => item,
            (Wait::QueueJoin, Before::Queue { undone, .. }) => !undone,
            (Wait::Park, Before::Park { set }) => set,
            (Wait::Notify, Before::Notify { permit }) => permit,
            (Wait::Task, Before::Task { woken, may_spur }) => woken || may_spur,
            (Wait::TaskSelf, _) => true,
            // Cannot happen (the guard object is of the waited-for
            // kind); assume it could: a sequence it could not follow
            // makes the reduction give up (`odpor.rs`), never miss.
            _ => true,
        }
    }
}

/// A performed event as read back from the log.
pub(super) struct Logged {
    pub(super) ev: Ev,
    /// The state of each object it touches (aligned with its touches)
    /// just before it.
    pub(super) before: [Before; 2],
}

impl Logged {
    /// The state of `key` just before this event (it touches `key`).
    pub(super) fn before_of(&self, key: Key) -> Before {
        self.ev
            .touches()
            .zip(self.before)
            .find(|(t, _)| t.key == key)
            .map_or(Before::Other, |(_, b)| b)
    }
}

/// One waiter of a condition, in the model.
#[derive(Clone, Copy)]
struct Waiter {
    tid: Tid,
    notified: bool,
    /// The log index of its `CondWait`.
    since: usize,
    /// RLock levels released by the wait.
    levels: u32,
}

/// The model of one object's state.
enum Model {
    Other,
    Lock {
        reentrant: bool,
        owner: Option<Tid>,
        count: u32,
    },
    RwLock {
        writer: bool,
        readers: u32,
    },
    Semaphore {
        value: i64,
    },
    Cond {
        std: bool,
        waiters: Vec<Waiter>,
        /// Outstanding std `notify_one`s (log indices).
        grants: Vec<usize>,
    },
    Event {
        flag: bool,
    },
    Barrier {
        parties: u32,
        count: u32,
        phase: BarrierPhase,
    },
    Queue {
        maxsize: u32,
        len: u32,
        unfinished: u32,
    },
    Task {
        woken: bool,
        may_spur: bool,
    },
    Notify {
        permit: bool,
    },
}

impl Model {
    fn before(&self) -> Before {
        match self {
            Model::Other => Before::Other,
            Model::Lock {
                reentrant: false,
                count,
                ..
            } => Before::Lock { held: *count > 0 },
            Model::Lock { owner, count, .. } => Before::RLock {
                owner: if *count > 0 { *owner } else { None },
            },
            Model::RwLock { writer, readers } => Before::RwLock {
                writer: *writer,
                readers: *readers,
            },
            Model::Semaphore { value } => Before::Semaphore {
                value: u32::try_from(*value).unwrap_or(0),
            },
            Model::Cond {
                waiters, grants, ..
            } => {
                let mut ready = 0u128;
                for w in waiters {
                    if w.tid < 128 && (w.notified || grants.iter().any(|&g| g > w.since)) {
                        ready |= 1u128 << w.tid;
                    }
                }
                Before::Cond { ready }
            }
            Model::Event { flag } => Before::Event { flag: *flag },
            Model::Barrier { phase, .. } => Before::Barrier { phase: *phase },
            Model::Queue {
                maxsize,
                len,
                unfinished,
            } => Before::Queue {
                room: *maxsize == 0 || len < maxsize,
                item: *len > 0,
                undone: *unfinished > 0,
            },
            Model::Task { woken, may_spur } => Before::Task {
                woken: *woken,
                may_spur: *may_spur,
            },
            Model::Notify { permit } => Before::Notify { permit: *permit },
        }
    }
}

/// What [`read_log`] gives back.
pub(super) struct Log {
    /// The events, or `None` when one is outside the reduced fragment.
    pub(super) events: Option<Vec<Logged>>,
    pub(super) failure: Option<FailureKind>,
    /// At a deadlock, the blocking events the threads were blocked in.
    pub(super) pending: Vec<Ev>,
    /// Every object's state at the end (indexed by object).
    pub(super) last: Vec<Before>,
    /// Every thread's park token at the end.
    pub(super) last_tokens: Vec<bool>,
}

impl Log {
    /// The state of `key` at the end of the execution.
    pub(super) fn last_of(&self, key: Key) -> Before {
        match key {
            Key::Object(o) => self.last.get(o.index()).copied(),
            Key::Parker(t) => Some(Before::Park {
                set: self.last_tokens.get(t).copied().unwrap_or(false),
            }),
            _ => None,
        }
        .unwrap_or(Before::Other)
    }
}

/// Reads the finished execution's events, with each touched object's
/// state before each of them.
pub(super) fn read_log() -> Log {
    rt::with_exec(|e| {
        let failure = e.failure().map(|f| f.kind);
        let pending: Vec<Ev> = if failure == Some(FailureKind::Deadlock) {
            e.threads()
                .iter()
                .enumerate()
                .filter(|(_, t)| t.life == rt::Life::Waiting)
                .filter_map(|(tid, t)| classify(tid, t.pending, None, e.now()))
                .filter(|ev| ev.wait.is_some())
                .collect()
        } else {
            Vec::new()
        };
        let mut models: Vec<Model> = (e.objects().iter())
            .map(|o| match &o.state {
                ObjState::Lock(l) => Model::Lock {
                    reentrant: l.kind() == "RLock",
                    owner: None,
                    count: 0,
                },
                ObjState::RwLock(_) => Model::RwLock {
                    writer: false,
                    readers: 0,
                },
                ObjState::Semaphore(s) => Model::Semaphore {
                    value: i64::from(s.initial()),
                },
                ObjState::Condition(c) => Model::Cond {
                    std: c.kind() == "Condvar",
                    waiters: Vec::new(),
                    grants: Vec::new(),
                },
                ObjState::Event(_) => Model::Event { flag: false },
                ObjState::Queue(q) => Model::Queue {
                    maxsize: q.maxsize(),
                    len: 0,
                    unfinished: 0,
                },
                ObjState::Barrier(b) => Model::Barrier {
                    parties: b.parties(),
                    count: 0,
                    phase: BarrierPhase::Filling,
                },
                ObjState::Task(t) => Model::Task {
                    woken: false,
                    may_spur: t.may_spur_at_start(),
                },
                ObjState::Notify(_) => Model::Notify { permit: false },
                _ => Model::Other,
            })
            .collect();
        // Park tokens, per thread.
        let mut tokens = vec![false; e.threads().len()];
        let mut out = Vec::with_capacity(e.events().len());
        for (i, ev) in e.events().iter().enumerate() {
            let Some(c) = classify(ev.tid, ev.op, Some(ev.result), ev.time) else {
                return Log {
                    events: None,
                    failure,
                    pending,
                    last: Vec::new(),
                    last_tokens: Vec::new(),
                };
            };
            let mut before = [Before::Other; 2];
            for (b, t) in before.iter_mut().zip(c.touches()) {
                match t.key {
                    Key::Object(o) => *b = models[o.index()].before(),
                    Key::Parker(p) => {
                        *b = Before::Park {
                            set: tokens.get(p).copied().unwrap_or(false),
                        }
                    }
                    _ => {}
                }
            }
            match ev.op {
                Op::Park { me, .. } => {
                    if let Some(t) = tokens.get_mut(me as usize) {
                        *t = false;
                    }
                }
                Op::Unpark { target } => {
                    if let Some(t) = tokens.get_mut(target) {
                        *t = true;
                    }
                }
                _ => {}
            }
            apply(&mut models, ev.tid, ev.op, ev.result.as_bool(), i);
            out.push(Logged { ev: c, before });
        }
        Log {
            events: Some(out),
            failure,
            pending,
            last: models.iter().map(Model::before).collect(),
            last_tokens: tokens,
        }
    })
}

/// Applies event `i` (`op` by `tid`, `ok`: its boolean result) to the
/// models, with the runtime's rules.
fn apply(models: &mut [Model], tid: Tid, op: Op, ok: bool, i: usize) {
    match op {
        Op::LockAcquire { lock, .. } | Op::RLockAcquire { lock, .. } if ok => {
            if let Model::Lock { owner, count, .. } = &mut models[lock.index()] {
                *owner = Some(tid);
                *count += 1;
            }
        }
        Op::LockRelease { lock } | Op::RLockRelease { lock } => {
            if let Model::Lock {
                reentrant,
                owner,
                count,
            } = &mut models[lock.index()]
            {
                if !*reentrant {
                    *count = 0;
                } else if *owner == Some(tid) {
                    *count = count.saturating_sub(1);
                }
                if *count == 0 {
                    *owner = None;
                }
            }
        }
        Op::SemAcquire { sem, .. } | Op::SemRelease { sem, .. } => {
            if let Model::Semaphore { value } = &mut models[sem.index()] {
                match op {
                    Op::SemAcquire { .. } if ok => *value -= 1,
                    Op::SemRelease { n, .. } => *value += i64::from(n),
                    _ => {}
                }
            }
        }
        Op::RwAcquire { lock, write, .. } | Op::RwRelease { lock, write } => {
            if let Model::RwLock { writer, readers } = &mut models[lock.index()] {
                match (op, write) {
                    (Op::RwAcquire { .. }, _) if !ok => {}
                    (Op::RwAcquire { .. }, true) => *writer = true,
                    (Op::RwAcquire { .. }, false) => *readers += 1,
                    (_, true) => *writer = false,
                    (_, false) => *readers = readers.saturating_sub(1),
                }
            }
        }
        Op::CondWait { cond, lock } => {
            let levels = match &mut models[lock.index()] {
                Model::Lock { owner, count, .. } if *owner == Some(tid) && *count > 0 => {
                    let levels = *count;
                    *count = 0;
                    *owner = None;
                    levels
                }
                // A misuse: the execution fails here.
                _ => return,
            };
            if let Model::Cond { waiters, .. } = &mut models[cond.index()] {
                waiters.push(Waiter {
                    tid,
                    notified: false,
                    since: i,
                    levels,
                });
            }
        }
        Op::CondBlock { cond, .. } => {
            if let Model::Cond {
                waiters, grants, ..
            } = &mut models[cond.index()]
            {
                if let Some(w) = waiters.iter_mut().find(|w| w.tid == tid && !w.notified) {
                    if let Some(g) = grants.iter().position(|&g| g > w.since) {
                        grants.remove(g);
                        w.notified = true;
                    }
                }
            }
        }
        Op::CondReacquire { lock, cond } => {
            let mut levels = 1;
            if let Model::Cond { waiters, .. } = &mut models[cond.index()] {
                if let Some(k) = waiters.iter().position(|w| w.tid == tid) {
                    levels = waiters.remove(k).levels;
                }
            }
            if let Model::Lock { owner, count, .. } = &mut models[lock.index()] {
                *owner = Some(tid);
                *count += levels;
            }
        }
        Op::CondNotify { cond, n } => {
            if let Model::Cond {
                std,
                waiters,
                grants,
            } = &mut models[cond.index()]
            {
                let waiting = waiters.iter().filter(|w| !w.notified).count();
                if *std && n == 1 {
                    if waiting > grants.len() {
                        grants.push(i);
                    }
                } else {
                    for w in waiters.iter_mut().filter(|w| !w.notified).take(n as usize) {
                        w.notified = true;
                    }
                }
            }
        }
        Op::BarrierArrive { barrier }
        | Op::BarrierBlock { barrier, .. }
        | Op::BarrierRelease { barrier, .. }
        | Op::BarrierAbort { barrier }
        | Op::BarrierReset { barrier } => {
            if let Model::Barrier {
                parties,
                count,
                phase,
            } = &mut models[barrier.index()]
            {
                barrier_apply(op, *parties, count, phase);
            }
        }
        Op::QueuePut { queue, .. } | Op::QueueGet { queue, .. } | Op::QueueTaskDone { queue } => {
            if let Model::Queue {
                len, unfinished, ..
            } = &mut models[queue.index()]
            {
                match op {
                    Op::QueuePut { .. } if ok => {
                        *len += 1;
                        *unfinished += 1;
                    }
                    Op::QueueGet { .. } if ok => *len = len.saturating_sub(1),
                    Op::QueueTaskDone { .. } => *unfinished = unfinished.saturating_sub(1),
                    _ => {}
                }
            }
        }
        Op::TaskWake { task } => {
            if let Model::Task { woken, .. } = &mut models[task.index()] {
                *woken = true;
            }
        }
        // The runtime's rule (`rt/prims/task.rs`): a woken wait consumes
        // the permit, an unwoken one is the one spurious wake-up.
        Op::TaskWait { task, .. } => {
            if let Model::Task { woken, may_spur } = &mut models[task.index()] {
                if ok {
                    *woken = false;
                } else {
                    *may_spur = false;
                }
            }
        }
        Op::EventSet { event } | Op::EventClear { event } => {
            if let Model::Event { flag } = &mut models[event.index()] {
                *flag = matches!(op, Op::EventSet { .. });
            }
        }
        // `rt/prims/notify.rs`: a notify stores the permit, a wait that
        // was not spurious consumes it.
        Op::NotifyNotify { notify } | Op::NotifyWait { notify } => {
            if let Model::Notify { permit } = &mut models[notify.index()] {
                *permit = matches!(op, Op::NotifyNotify { .. }) || (*permit && !ok);
            }
        }
        _ => {}
    }
}

/// A barrier operation, with Python's rules (`rt/prims/barrier.rs`).
fn barrier_apply(op: Op, parties: u32, count: &mut u32, phase: &mut BarrierPhase) {
    use BarrierPhase::*;
    match op {
        Op::BarrierArrive { .. } if *phase != Broken => {
            *count += 1;
            if *count == parties {
                *phase = Action;
            }
        }
        Op::BarrierBlock { .. } | Op::BarrierRelease { .. } => {
            if let Op::BarrierRelease { ok, .. } = op {
                *phase = if ok { Draining } else { Broken };
            }
            *count = count.saturating_sub(1);
            if *count == 0 && matches!(*phase, Draining | Resetting) {
                *phase = Filling;
            }
        }
        Op::BarrierAbort { .. } => *phase = Broken,
        Op::BarrierReset { .. } if *count == 0 => *phase = Filling,
        Op::BarrierReset { .. } if matches!(*phase, Filling | Broken) => *phase = Resetting,
        _ => {}
    }
}
