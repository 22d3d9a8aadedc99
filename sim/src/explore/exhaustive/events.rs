//! The events the optimal DPOR (`odpor.rs`) reasons about: what each
//! operation does for the dependence relation ([`classify`], from its
//! primitive's footprint), when two events conflict, and wake-up trees.

use crate::rt::dependence::{self, Key, Touch};
use crate::rt::op::{Nanos, ObjId, Op, OpResult, Tid};

/// What an event does, for the dependence relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    /// Commutes with everything (`yield_now`).
    Nothing,
    /// Reads or writes one or two objects (lock operations are writes of
    /// the lock; a condition wait and its re-acquire write the condition
    /// and its lock). The first touch is always there.
    Obj([Option<Touch>; 2]),
    /// Joins thread `target`: ordered after all of its events.
    Join { target: Tid },
}

/// One event (performed, or the next one of a thread), as DPOR sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Ev {
    pub(super) tid: Tid,
    pub(super) access: Access,
    /// The thread a `spawn` created (known once it ran).
    pub(super) spawned: Option<Tid>,
    /// A blocking event: what it waits for, on which key (its guard: it
    /// is enabled exactly when that object's state allows it).
    pub(super) wait: Option<(Wait, Key)>,
    /// The virtual time it runs at. Under exact timing the clock moves on
    /// only when no thread can run, so events at different times are
    /// ordered (they conflict) and never race (see `odpor.rs`).
    pub(super) time: Nanos,
}

/// What a blocking event waits for (see `guards.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Wait {
    /// A Lock, RLock or Mutex acquire, or a condition wait's re-acquire:
    /// the lock free (or, for an RLock, its own).
    Lock,
    /// A `RwLock` read acquire: no writer.
    RwRead,
    /// A `RwLock` write acquire: no writer and no reader.
    RwWrite,
    /// A Semaphore acquire: the counter positive.
    Sem,
    /// A condition wait's block: the thread notified.
    CondWoken,
    /// An Event wait: the flag set.
    EventSet,
    /// A Barrier arrival: the barrier neither running its action, nor
    /// draining, nor resetting.
    BarrierArrive,
    /// A Barrier waiter's block: the barrier released, broken or reset.
    BarrierBlock,
    /// A Barrier abort or reset: the action not running.
    BarrierIdle,
    /// A Queue put: room. A get: an item. A `join`: every item done.
    QueuePut,
    QueueGet,
    QueueJoin,
    /// A `park`: its thread's token set.
    Park,
    /// A `Notify`'s wait: for its permit.
    Notify,
    /// An async task's wait: its permit set (or a `block_on`'s one
    /// spurious wake-up still to come).
    Task,
    /// An async task's wait after a poll that woke its own task: enabled.
    TaskSelf,
}

impl Ev {
    /// The keys it touches (none for a join or `yield_now`).
    pub(super) fn touches(&self) -> impl Iterator<Item = Touch> + '_ {
        let t = match &self.access {
            Access::Obj(t) => &t[..],
            _ => &[],
        };
        t.iter().flatten().copied()
    }
}

/// The event `op` of thread `tid` is, run at virtual time `time`, or
/// `None` when it is outside the fragment that [`Odpor`] reduces: what its
/// primitive's footprint says (`rt::dependence`).
pub(super) fn classify(tid: Tid, op: Op, result: Option<OpResult>, time: Nanos) -> Option<Ev> {
    let footprint = dependence::footprint(op);
    if !footprint.reducible {
        return None;
    }
    let access = match (footprint.joins, footprint.touches) {
        (Some(target), _) => Access::Join { target },
        (None, [None, None]) => Access::Nothing,
        (None, [Some(a), b]) => Access::Obj([Some(a), b]),
        (None, [None, Some(b)]) => Access::Obj([Some(b), None]),
    };
    let spawned = match (op, result) {
        (Op::Spawn { .. }, Some(OpResult::Spawned(t))) => Some(t as usize),
        _ => None,
    };
    let on_object = match op {
        Op::LockAcquire {
            lock,
            deadline: None,
        }
        | Op::RLockAcquire {
            lock,
            deadline: None,
        }
        | Op::CondReacquire { lock, .. } => Some((Wait::Lock, lock)),
        Op::RwAcquire {
            lock,
            write,
            deadline: None,
        } => Some((if write { Wait::RwWrite } else { Wait::RwRead }, lock)),
        Op::SemAcquire {
            sem,
            deadline: None,
        } => Some((Wait::Sem, sem)),
        Op::CondBlock {
            cond,
            deadline: None,
        } => Some((Wait::CondWoken, cond)),
        Op::EventWait {
            event,
            deadline: None,
        } => Some((Wait::EventSet, event)),
        Op::BarrierArrive { barrier } => Some((Wait::BarrierArrive, barrier)),
        Op::BarrierBlock {
            barrier,
            deadline: None,
        } => Some((Wait::BarrierBlock, barrier)),
        Op::BarrierAbort { barrier } | Op::BarrierReset { barrier } => {
            Some((Wait::BarrierIdle, barrier))
        }
        Op::QueuePut {
            queue,
            deadline: None,
        } => Some((Wait::QueuePut, queue)),
        Op::QueueGet {
            queue,
            deadline: None,
        } => Some((Wait::QueueGet, queue)),
        Op::QueueJoin { queue } => Some((Wait::QueueJoin, queue)),
        Op::NotifyWait { notify } => Some((Wait::Notify, notify)),
        Op::TaskWait {
            task,
            self_woken: Some(me),
            ..
        } => Some((if me { Wait::TaskSelf } else { Wait::Task }, task)),
        _ => None,
    };
    let wait = match op {
        Op::Park { me, deadline: None } => Some((Wait::Park, Key::Parker(me as Tid))),
        _ => on_object.map(|(w, o): (Wait, ObjId)| (w, Key::Object(o))),
    };
    Some(Ev {
        tid,
        access,
        spawned,
        wait,
        time,
    })
}

/// Whether `a` and `b` do not commute: same thread, different virtual
/// times, a common object that one of them writes, a join of the other's
/// thread, a spawn of the other's thread.
pub(super) fn conflict(a: &Ev, b: &Ev) -> bool {
    if a.tid == b.tid || a.time != b.time || obj_conflict(a, b) {
        return true;
    }
    let joins = |x: &Ev, y: &Ev| matches!(x.access, Access::Join { target } if target == y.tid);
    joins(a, b) || joins(b, a) || a.spawned == Some(b.tid) || b.spawned == Some(a.tid)
}

/// A conflict on a common object (the only kind that can be a race).
pub(super) fn obj_conflict(a: &Ev, b: &Ev) -> bool {
    a.touches().any(|x| b.touches().any(|y| x.conflicts(&y)))
}

/// Whether process `p`, whose next event is `next`, is a weak initial of
/// `v`: its first event in `v` has no earlier conflicting event in `v`, or
/// it has no event in `v` and `next` conflicts with none of `v`.
pub(super) fn weak_initial(v: &[Ev], next: &Ev) -> bool {
    match v.iter().position(|e| e.tid == next.tid) {
        Some(k) => v[..k].iter().all(|x| !conflict(x, &v[k])),
        None => v.iter().all(|x| !conflict(x, next)),
    }
}

/// A wake-up tree: ordered children, each an event and its subtree.
#[derive(Debug, Default, Clone)]
pub(super) struct WuTree {
    pub(super) children: Vec<(Ev, WuTree)>,
}

impl WuTree {
    pub(super) fn chain(v: &[Ev]) -> WuTree {
        let mut tree = WuTree::default();
        for ev in v.iter().rev() {
            tree = WuTree {
                children: vec![(*ev, tree)],
            };
        }
        tree
    }

    /// Inserts `v` unless a branch already covers it (POPL 2014, insert).
    pub(super) fn insert(&mut self, mut v: Vec<Ev>) {
        let mut node = self;
        loop {
            if v.is_empty() {
                return;
            }
            let found = node
                .children
                .iter()
                .position(|(ev, _)| weak_initial(&v, ev));
            match found {
                Some(ci) => {
                    if node.children[ci].1.children.is_empty() {
                        return;
                    }
                    let tid = node.children[ci].0.tid;
                    if let Some(k) = v.iter().position(|e| e.tid == tid) {
                        v.remove(k);
                    }
                    node = &mut node.children[ci].1;
                }
                None => {
                    node.children.push((v[0], WuTree::chain(&v[1..])));
                    return;
                }
            }
        }
    }
}
