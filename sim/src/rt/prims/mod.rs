//! The primitives' runtime side, one file a primitive.
//!
//! Each file holds a primitive's typed state (the [`ObjState`] variant it
//! owns), when its operations can complete, what completing (or timing out)
//! does to that state and to vector clocks, the happens-before edges it
//! records, its misuse checks, its lines of a deadlock report and its
//! dependence [`Footprint`]. This module holds the tables that dispatch an
//! [`Op`] to its file: [`Exec::can_complete`], [`Exec::complete`],
//! [`Exec::time_out`] and [`footprint`].
//!
//! Adding a primitive: a file here with its state struct and those
//! functions, a variant of [`ObjState`] (and its accessor line in
//! `state_accessors!`), its [`Op`] variants in `op.rs`, and one arm in each
//! table below.
//!
//! Happens-before follows one rule for every primitive: an operation that
//! publishes (a release, notify, set, semaphore release, barrier arrival,
//! queue put or `task_done`) joins the thread's clock into the object's and
//! ticks the thread; the operation it enables (an acquire, wake-up, wait,
//! departure, get or `join`) joins the object's clock into the thread's and
//! records a [`super::SyncEdge`] from the publishing event
//! ([`Exec::sync_edge`]). A queue keeps one clock per item, so a `get` is
//! ordered after the `put` of its item only. The runtime decides all of it
//! from [`ObjState`] alone: it never calls back into the handles.

pub(crate) mod atomic;
pub(crate) mod barrier;
pub(crate) mod cell;
pub(crate) mod channel;
pub(crate) mod condition;
pub(crate) mod event;
pub(crate) mod lock;
pub(crate) mod notify;
pub(crate) mod print;
pub(crate) mod queue;
pub(crate) mod rwlock;
pub(crate) mod semaphore;
pub(crate) mod shared;
pub(crate) mod task;
pub(crate) mod thread;

use std::panic::Location;

use super::dependence::Footprint;
use super::op::{Op, OpResult, Tid};
use super::Exec;

pub(crate) use atomic::AtomicState;
pub(crate) use barrier::{BarrierPhase, BarrierState};
pub(crate) use cell::CellState;
pub(crate) use channel::ChanState;
pub(crate) use condition::CondState;
pub(crate) use event::EventState;
pub(crate) use lock::LockState;
pub(crate) use notify::NotifyState;
pub(crate) use queue::QueueState;
pub(crate) use rwlock::RwLockState;
pub(crate) use semaphore::SemState;
pub(crate) use shared::SharedState;
pub(crate) use task::TaskState;

/// The state of one object, by primitive.
#[derive(Debug)]
pub(crate) enum ObjState {
    /// Python's `Lock` and `RLock` (one state type: see [`LockState`]).
    Lock(LockState),
    /// A `Shared` variable: its access history.
    Shared(SharedState),
    /// Python's `Condition`.
    Condition(CondState),
    /// `Semaphore` and `BoundedSemaphore`.
    Semaphore(SemState),
    /// Python's `Event`.
    Event(EventState),
    /// Python's `Barrier`.
    Barrier(BarrierState),
    /// `queue.Queue` (counts and clocks; the items live in the handle).
    Queue(QueueState),
    /// std's `RwLock`.
    RwLock(Box<RwLockState>),
    /// A `std::sync::mpsc` channel (counts and clocks; the values live in
    /// the handle).
    Channel(Box<ChanState>),
    /// loom's `Notify`.
    Notify(NotifyState),
    /// A `sim::sync::atomic` atomic (clocks; the value lives in the handle).
    Atomic(Box<AtomicState>),
    /// A `sim::cell` cell: its access history.
    Cell(CellState),
    /// An async task (or a `block_on`): its wake-up permit and wakers.
    Task(Box<TaskState>),
}

/// One typed accessor pair per variant: the only place where an object of
/// the wrong kind is an internal error.
macro_rules! state_accessors {
    ($($variant:ident => $get:ident, $get_mut:ident: $ty:ty;)*) => {
        impl ObjState {
            $(
                #[inline(always)]
                #[allow(dead_code)] // not every primitive reads its state by `&`
                pub(crate) fn $get(&self) -> &$ty {
                    match self {
                        ObjState::$variant(s) => s,
                        other => wrong_kind(stringify!($variant), other),
                    }
                }

                #[inline(always)]
                pub(crate) fn $get_mut(&mut self) -> &mut $ty {
                    match self {
                        ObjState::$variant(s) => s,
                        other => wrong_kind(stringify!($variant), other),
                    }
                }
            )*
        }
    };
}

state_accessors! {
    Lock => lock, lock_mut: LockState;
    Shared => shared, shared_mut: SharedState;
    Condition => condition, condition_mut: CondState;
    Semaphore => semaphore, semaphore_mut: SemState;
    Event => event, event_mut: EventState;
    Barrier => barrier, barrier_mut: BarrierState;
    Queue => queue, queue_mut: QueueState;
    RwLock => rwlock, rwlock_mut: RwLockState;
    Channel => channel, channel_mut: ChanState;
    Notify => notify, notify_mut: NotifyState;
    Atomic => atomic, atomic_mut: AtomicState;
    Cell => cell, cell_mut: CellState;
    Task => task, task_mut: TaskState;
}

#[cold]
#[inline(never)]
fn wrong_kind(expected: &str, found: &ObjState) -> ! {
    panic!(
        "sim: internal error: a {expected} operation on a {}",
        found.kind()
    )
}

impl ObjState {
    /// The kind's name, as users know it.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            ObjState::Lock(l) => l.kind(),
            ObjState::Shared(_) => "Shared",
            ObjState::Condition(c) => c.kind(),
            ObjState::Semaphore(s) => s.kind(),
            ObjState::Event(_) => "Event",
            ObjState::Barrier(_) => "Barrier",
            ObjState::Queue(_) => "Queue",
            ObjState::RwLock(_) => "RwLock",
            ObjState::Channel(_) => "Channel",
            ObjState::Notify(_) => "Notify",
            ObjState::Atomic(a) => a.kind(),
            ObjState::Cell(c) => c.kind(),
            ObjState::Task(_) => "Task",
        }
    }

    /// The thread that currently holds the object, for wait-for graphs.
    pub(crate) fn holder(&self) -> Option<Tid> {
        match self {
            ObjState::Lock(l) => l.holder(),
            ObjState::RwLock(l) => l.holder(),
            _ => None,
        }
    }
}

impl Exec {
    /// Whether `op` of thread `tid` can complete now (ignoring deadlines).
    #[inline(always)]
    pub(super) fn can_complete(&self, tid: Tid, op: &Op) -> bool {
        match *op {
            Op::LockAcquire { lock, .. } => self.objects[lock.index()].state.lock().is_free(),
            Op::RLockAcquire { lock, .. } => self.objects[lock.index()]
                .state
                .lock()
                .rlock_can_acquire(tid),
            Op::Start
            | Op::Yield
            | Op::Spawn { .. }
            | Op::LockRelease { .. }
            | Op::LockLocked { .. }
            | Op::RLockRelease { .. }
            | Op::Read { .. }
            | Op::Write { .. }
            | Op::Print { .. } => true,
            Op::Sleep { .. } | Op::Join { .. } | Op::JoinTimeout { .. } => {
                self.thread_op_can_complete(op)
            }
            Op::ProcJoin { .. } | Op::QueuePoll { .. } | Op::FeederWait { .. } => {
                self.proc_can_complete(tid, *op)
            }
            op => self.prim_can_complete(tid, op),
        }
    }

    /// `can_complete` of the primitives off the hot path.
    #[inline(never)]
    fn prim_can_complete(&self, tid: Tid, op: Op) -> bool {
        match op {
            Op::CondBlock { .. } | Op::CondReacquire { .. } => self.cond_can_complete(tid, op),
            Op::SemAcquire { .. } => self.sem_can_complete(op),
            Op::EventWait { .. } => self.event_can_complete(op),
            Op::BarrierArrive { .. }
            | Op::BarrierBlock { .. }
            | Op::BarrierAbort { .. }
            | Op::BarrierReset { .. } => self.barrier_can_complete(op),
            Op::QueuePut { .. } | Op::QueueGet { .. } | Op::QueueJoin { .. } => {
                self.queue_can_complete(op)
            }
            Op::RwAcquire { .. } => self.rwlock_can_complete(op),
            Op::ChanSend { .. } | Op::ChanSendWait { .. } | Op::ChanRecv { .. } => {
                self.chan_can_complete(tid, op)
            }
            Op::NotifyWait { .. } => self.notify_can_complete(op),
            Op::Park { .. } => self.park_can_complete(op),
            Op::TaskWait { .. } => self.task_can_complete(op),
            _ => true,
        }
    }

    /// Whether a timed operation may time out now (besides its deadline).
    pub(super) fn can_time_out(&self, op: Op) -> bool {
        match op {
            Op::BarrierBlock { barrier, .. } => self.barrier_can_time_out(barrier),
            Op::ChanRecv { chan, .. } => self.chan_can_time_out(chan),
            _ => true,
        }
    }

    /// Performs the timeout of `op` (or, for a condition wait with
    /// spurious wake-ups on, possibly a spurious wake-up).
    pub(super) fn time_out(&mut self, op: Op) -> OpResult {
        if let Op::CondBlock { deadline, .. } = op {
            if let Some(result) = self.cond_spurious_wakeup(deadline) {
                return result;
            }
        }
        if let Op::Park { deadline, .. } = op {
            if let Some(result) = self.park_spurious_wakeup(deadline) {
                return result;
            }
        }
        // Under adversarial timing the timeout may come early: the clock is
        // a lower bound, so it moves up to the deadline.
        if let Some(d) = op.deadline() {
            self.now = self.now.max(d);
        }
        if let Op::BarrierBlock { barrier, .. } = op {
            self.barrier_time_out(barrier);
        }
        if let Op::ChanRecv { chan, .. } = op {
            self.chan_time_out(chan);
        }
        OpResult::Bool(false)
    }

    /// Completes `op` of thread `tid`: updates object state and clocks.
    #[inline(always)]
    pub(super) fn complete(
        &mut self,
        tid: Tid,
        op: Op,
        location: &'static Location<'static>,
    ) -> OpResult {
        match op {
            Op::Start | Op::Yield => OpResult::Unit,
            Op::Sleep { until } => self.sleep_complete(until),
            Op::Spawn {
                daemon,
                named,
                task,
            } => {
                let result = self.spawn_complete(tid, daemon, named, task);
                if let OpResult::Spawned(child) = result {
                    // Until its first operation, a thread is "at" its spawn.
                    self.threads[child as usize].location = location;
                }
                result
            }
            Op::Join { target } => self.join_complete(tid, target),
            Op::LockAcquire { lock, .. } => self.lock_acquire::<false>(tid, lock),
            Op::RLockAcquire { lock, .. } => self.lock_acquire::<true>(tid, lock),
            Op::LockRelease { lock } => self.lock_release::<false>(tid, lock, location),
            Op::RLockRelease { lock } => self.lock_release::<true>(tid, lock, location),
            Op::LockLocked { lock } => {
                OpResult::Bool(!self.objects[lock.index()].state.lock().is_free())
            }
            Op::Read { var } | Op::Write { var } => {
                if self.cfg.race_detection {
                    self.shared_access(tid, var, matches!(op, Op::Write { .. }), location);
                }
                OpResult::Unit
            }
            Op::Print { .. } => self.print_complete(tid),
            Op::ProcSpawn { .. }
            | Op::ProcJoin { .. }
            | Op::ProcSignal { .. }
            | Op::Kill { .. }
            | Op::QueuePoll { .. }
            | Op::FeederWait { .. } => self.proc_complete(tid, op),
            op => self.prim_complete(tid, op, location),
        }
    }

    /// Completes an operation off the hot path (kept out of line: the
    /// core's `complete` stays small).
    #[inline(never)]
    fn prim_complete(
        &mut self,
        tid: Tid,
        op: Op,
        location: &'static Location<'static>,
    ) -> OpResult {
        match op {
            Op::JoinTimeout { target, .. } => {
                self.join_complete(tid, target);
                OpResult::Bool(true)
            }
            Op::CondWait { .. }
            | Op::CondBlock { .. }
            | Op::CondReacquire { .. }
            | Op::CondNotify { .. } => self.cond_complete(tid, op, location),
            Op::SemAcquire { .. } | Op::SemRelease { .. } => self.sem_complete(tid, op, location),
            Op::EventSet { .. }
            | Op::EventClear { .. }
            | Op::EventIsSet { .. }
            | Op::EventWait { .. } => self.event_complete(tid, op),
            Op::BarrierArrive { .. }
            | Op::BarrierBlock { .. }
            | Op::BarrierRelease { .. }
            | Op::BarrierAbort { .. }
            | Op::BarrierReset { .. }
            | Op::BarrierRead { .. } => self.barrier_complete(tid, op),
            Op::QueuePut { .. }
            | Op::QueueGet { .. }
            | Op::QueueTaskDone { .. }
            | Op::QueueJoin { .. }
            | Op::QueueSize { .. } => self.queue_complete(tid, op, location),
            Op::RwAcquire { .. } | Op::RwRelease { .. } => self.rwlock_complete(tid, op),
            Op::ChanSend { .. }
            | Op::ChanSendWait { .. }
            | Op::ChanRecv { .. }
            | Op::ChanRecvEnter { .. }
            | Op::ChanDropSender { .. }
            | Op::ChanDropReceiver { .. } => self.chan_complete(tid, op),
            Op::NotifyNotify { .. } | Op::NotifyWait { .. } => self.notify_complete(tid, op),
            Op::Atomic { .. } | Op::Fence { .. } => self.atomic_complete(tid, op, location),
            Op::Park { .. } | Op::Unpark { .. } => self.park_complete(tid, op),
            Op::TaskWake { .. }
            | Op::TaskWait { .. }
            | Op::TaskStart { .. }
            | Op::TaskDetach { .. } => self.task_complete(tid, op),
            _ => unreachable!("not a primitive operation: {op:?}"),
        }
    }
}

/// The dependence footprint of `op` (its result, when known, tells a
/// `spawn` which thread it created): the table behind
/// [`super::dependence`].
pub(crate) fn footprint(op: Op) -> Footprint {
    match op {
        Op::Start
        | Op::Yield
        | Op::Sleep { .. }
        | Op::Spawn { .. }
        | Op::Join { .. }
        | Op::JoinTimeout { .. }
        | Op::Park { .. }
        | Op::Unpark { .. } => thread::footprint(op),
        Op::Print { text } => print::footprint(text),
        Op::LockAcquire { .. }
        | Op::LockRelease { .. }
        | Op::LockLocked { .. }
        | Op::RLockAcquire { .. }
        | Op::RLockRelease { .. } => lock::footprint(op),
        Op::Read { .. } | Op::Write { .. } => shared::footprint(op),
        Op::CondWait { .. }
        | Op::CondBlock { .. }
        | Op::CondReacquire { .. }
        | Op::CondNotify { .. } => condition::footprint(op),
        Op::SemAcquire { .. } | Op::SemRelease { .. } => semaphore::footprint(op),
        Op::EventSet { .. }
        | Op::EventClear { .. }
        | Op::EventIsSet { .. }
        | Op::EventWait { .. } => event::footprint(op),
        Op::BarrierArrive { .. }
        | Op::BarrierBlock { .. }
        | Op::BarrierRelease { .. }
        | Op::BarrierAbort { .. }
        | Op::BarrierReset { .. }
        | Op::BarrierRead { .. } => barrier::footprint(op),
        Op::QueuePut { .. }
        | Op::QueueGet { .. }
        | Op::QueueTaskDone { .. }
        | Op::QueueJoin { .. }
        | Op::QueueSize { .. } => queue::footprint(op),
        Op::RwAcquire { .. } | Op::RwRelease { .. } => rwlock::footprint(op),
        Op::ChanSend { .. }
        | Op::ChanSendWait { .. }
        | Op::ChanRecv { .. }
        | Op::ChanRecvEnter { .. }
        | Op::ChanDropSender { .. }
        | Op::ChanDropReceiver { .. } => channel::footprint(op),
        Op::NotifyNotify { .. } | Op::NotifyWait { .. } => notify::footprint(op),
        Op::ProcSpawn { .. }
        | Op::ProcJoin { .. }
        | Op::ProcSignal { .. }
        | Op::Kill { .. }
        | Op::QueuePoll { .. }
        | Op::FeederWait { .. } => super::process::footprint(op),
        Op::Atomic { .. } | Op::Fence { .. } => atomic::footprint(op),
        Op::TaskWake { .. }
        | Op::TaskWait { .. }
        | Op::TaskStart { .. }
        | Op::TaskDetach { .. } => task::footprint(op),
    }
}
