//! The visible operations a green thread announces at a scheduling point, and
//! what performing one gives back.
//!
//! An [`Op`] is small and `Copy`: it is stored as the thread's pending
//! operation, inspected by the scheduler to decide whether the thread is
//! enabled, and recorded in the execution's event log.

use std::fmt;

pub(crate) use super::prims::atomic::AtomicKind;

/// Index of a green thread within one execution (0 is `MainThread`).
pub type Tid = usize;

/// Index of a synchronisation object or shared variable within one execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjId(pub(crate) u32);

impl ObjId {
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

/// A virtual instant, in nanoseconds since the start of the execution.
pub(crate) type Nanos = u64;

/// A visible operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// The first step of a spawned thread: a scheduling point that runs it
    /// up to its first operation, as a new OS thread starts whenever the
    /// scheduler first runs it (with `Builder::lazy_start`; otherwise, and
    /// for the main thread, a process's and a task's, it runs at once, with
    /// no step of its own).
    Start,
    /// `thread::yield_now`: always enabled, does nothing.
    Yield,
    /// `time::sleep`: enabled once the clock reaches `until`.
    Sleep { until: Nanos },
    /// `thread::spawn`: registers a new thread. `task`: a `sim::future`
    /// task's thread, which starts with its spawn whatever
    /// `Builder::lazy_start` says (its first poll is its scheduling point).
    Spawn {
        daemon: bool,
        named: bool,
        task: bool,
    },
    /// `JoinHandle::join`: enabled once `target` has finished.
    Join { target: Tid },
    /// `Lock::acquire` and friends. `deadline` is `Some(now)` for a
    /// non-blocking attempt, `Some(t)` for a timed one, `None` to block.
    LockAcquire {
        lock: ObjId,
        deadline: Option<Nanos>,
    },
    /// `Lock::release`.
    LockRelease { lock: ObjId },
    /// `Lock::locked`.
    LockLocked { lock: ObjId },
    /// `RLock::acquire` and friends (same `deadline` convention).
    RLockAcquire {
        lock: ObjId,
        deadline: Option<Nanos>,
    },
    /// `RLock::release`.
    RLockRelease { lock: ObjId },
    /// A read of a `Shared`.
    Read { var: ObjId },
    /// A write (or read-modify-write) of a `Shared`.
    Write { var: ObjId },
    /// `sim::print!`: the text is in the thread's output buffer; `text` is
    /// its digest (never 0: see [`text_digest`]), so that prints of the
    /// same text commute (the output is the same in either order).
    Print { text: u64 },
    /// `JoinHandle::join_timeout`: like `Join`, or times out at `deadline`.
    JoinTimeout { target: Tid, deadline: Nanos },
    /// First step of `Condition::wait`: checks ownership, enqueues the
    /// thread as a waiter and releases `lock` fully (all RLock levels).
    /// Never blocks.
    CondWait { cond: ObjId, lock: ObjId },
    /// Second step of `Condition::wait`: blocks until notified, or times
    /// out at `deadline` (or wakes spuriously, when enabled).
    CondBlock {
        cond: ObjId,
        deadline: Option<Nanos>,
    },
    /// Third step of `Condition::wait`: re-acquires `lock` (the condition's
    /// Lock or RLock, restoring every level), blocking like an acquire.
    /// Touches `lock`; `cond` only names the waiter entry to drop.
    CondReacquire { lock: ObjId, cond: ObjId },
    /// `Condition::notify(n)` (`n == u32::MAX`: `notify_all`).
    CondNotify { cond: ObjId, n: u32 },
    /// `Semaphore::acquire` and friends (same `deadline` convention as
    /// `LockAcquire`).
    SemAcquire { sem: ObjId, deadline: Option<Nanos> },
    /// `Semaphore::release_n(n)`.
    SemRelease { sem: ObjId, n: u32 },
    /// `Event::set`.
    EventSet { event: ObjId },
    /// `Event::clear`.
    EventClear { event: ObjId },
    /// `Event::is_set`.
    EventIsSet { event: ObjId },
    /// `Event::wait`: enabled once the flag is set.
    EventWait {
        event: ObjId,
        deadline: Option<Nanos>,
    },
    /// First step of `Barrier::wait`: arrives (blocks while the barrier
    /// drains or resets, as Python's `_enter`). Gives the arrival index, or
    /// `false` if the barrier is broken.
    BarrierArrive { barrier: ObjId },
    /// Second step of `Barrier::wait` for all but the last arrival: blocks
    /// until the barrier releases, breaks or resets, or times out.
    BarrierBlock {
        barrier: ObjId,
        deadline: Option<Nanos>,
    },
    /// The last arrival releases the barrier (after the action ran), or
    /// breaks it (`ok == false`: the action panicked).
    BarrierRelease { barrier: ObjId, ok: bool },
    /// `Barrier::abort`.
    BarrierAbort { barrier: ObjId },
    /// `Barrier::reset`.
    BarrierReset { barrier: ObjId },
    /// `Barrier::n_waiting` and `Barrier::broken` (a read).
    BarrierRead { barrier: ObjId },
    /// `Queue::put` and friends: enabled while the queue has room.
    QueuePut {
        queue: ObjId,
        deadline: Option<Nanos>,
    },
    /// `Queue::get` and friends: enabled while the queue has an item.
    QueueGet {
        queue: ObjId,
        deadline: Option<Nanos>,
    },
    /// `Queue::task_done`.
    QueueTaskDone { queue: ObjId },
    /// `Queue::join`: enabled once every item put has been marked done.
    QueueJoin { queue: ObjId },
    /// `Queue::qsize`, `empty`, `full` (a read).
    QueueSize { queue: ObjId },
    /// `RwLock::read` (`write == false`) or `write`, and their `try_`
    /// forms (same `deadline` convention as `LockAcquire`).
    RwAcquire {
        lock: ObjId,
        write: bool,
        deadline: Option<Nanos>,
    },
    /// A `RwLock` guard's release.
    RwRelease { lock: ObjId, write: bool },
    /// `process::spawn`: registers a new process and its main thread.
    ProcSpawn { daemon: bool },
    /// `Process::join` (`deadline: None`) or `join_timeout`: enabled once
    /// process `pid` has exited.
    ProcJoin { pid: u32, deadline: Option<Nanos> },
    /// `Process::terminate` (`sig` 15) or `kill` (`sig` 9).
    ProcSignal { pid: u32, sig: u8 },
    /// A fault chosen by the explorer (`Faults::Kill`): process `pid` is
    /// killed with SIGKILL. Never announced by a thread; it appears only as
    /// a candidate, on a thread of the victim.
    Kill { pid: u32 },
    /// A `process::Queue` feeder thread waits for an item in its process's
    /// buffer `buffer`: enabled while there is one, or once every other
    /// thread of its process has finished (then it gives `false`: exit).
    FeederWait { buffer: ObjId },
    /// `Connection::poll`: enabled while the queue has an item; times out.
    QueuePoll {
        queue: ObjId,
        deadline: Option<Nanos>,
    },
    /// `Sender::send`, `SyncSender::send` and `try_send` (same `deadline`
    /// convention as `LockAcquire`): enabled while the channel has room or
    /// its receiver is gone. On a rendezvous channel a blocking send only
    /// offers its value here (never blocks) and waits in `ChanSendWait`; a
    /// `try_send` there succeeds only if the receiver waits in `recv`.
    ChanSend {
        chan: ObjId,
        deadline: Option<Nanos>,
    },
    /// Second step of a blocking send on a rendezvous channel: enabled once
    /// a `recv` took the value, or the receiver is gone.
    ChanSendWait { chan: ObjId },
    /// `Receiver::recv`, `try_recv`, `recv_timeout`: enabled while the
    /// channel holds a value, or once every sender is gone.
    ChanRecv {
        chan: ObjId,
        deadline: Option<Nanos>,
    },
    /// First step of `recv` and `recv_timeout` on a rendezvous channel:
    /// takes an offered value if there is one, else enters the wait (a
    /// `try_send` may then hand it a value), then `ChanRecv` waits. Never
    /// blocks.
    ChanRecvEnter { chan: ObjId },
    /// The drop of the last `Sender`/`SyncSender` of a channel.
    ChanDropSender { chan: ObjId },
    /// The drop of a channel's `Receiver`.
    ChanDropReceiver { chan: ObjId },
    /// loom's `Notify::notify`: stores the permit.
    NotifyNotify { notify: ObjId },
    /// loom's `Notify::wait`: enabled once the permit is there (or, with
    /// spurious wake-ups on, once per `Notify` before it is).
    NotifyWait { notify: ObjId },
    /// An operation of a `sim::sync::atomic` atomic: a load, a store or a
    /// read-modify-write, with its ordering (a compare-exchange's success
    /// ordering; the failure one is in its kind).
    Atomic {
        atomic: ObjId,
        kind: AtomicKind,
        ord: std::sync::atomic::Ordering,
    },
    /// `sim::sync::atomic::fence`.
    Fence { ord: std::sync::atomic::Ordering },
    /// `thread::park` (`deadline: None`) and `park_timeout`: thread `me`
    /// (the announcing thread) waits until its park token is set, and
    /// consumes it; times out at `deadline` (or wakes spuriously, when
    /// enabled).
    Park { me: u32, deadline: Option<Nanos> },
    /// `Thread::unpark`: sets thread `target`'s park token.
    Unpark { target: Tid },
    /// A `Waker::wake` of an async task: sets its wake-up permit.
    TaskWake { task: ObjId },
    /// An async task's poll returned `Pending`: it waits until woken, or
    /// until `deadline` (its earliest timer). `yielding`: the poll asked to
    /// yield (`sim::future::yield_now`), which PCT treats as a thread's
    /// `yield_now` (it lowers the task's priority).
    TaskWait {
        task: ObjId,
        deadline: Option<Nanos>,
        yielding: bool,
        /// The poll woke its own task (`yield_now` does): the wait is
        /// enabled at once. `Some(false)`: it did not; `None`: the poll
        /// awaited a `JoinHandle`, whose completion flag is read outside
        /// any operation, so the optimal DPOR does not reduce the wait.
        self_woken: Option<bool>,
    },
    /// A spawned task's first scheduling point, before its first poll:
    /// always enabled, does nothing.
    TaskStart { task: ObjId },
    /// The drop of a task's `JoinHandle` while the task runs: thread
    /// `thread` (the task's) becomes a daemon, which the program's end does
    /// not wait for.
    TaskDetach { task: ObjId, thread: u32 },
}

impl Op {
    /// Whether performing this operation (not its timeout) changes nothing
    /// that another thread's pending operation depends on: no object state
    /// a thread can wait for, no thread's life, not the clock. After such a
    /// step only the performing thread's candidates can change (see
    /// `Exec::refresh_local`).
    pub(crate) fn is_local(self) -> bool {
        matches!(
            self,
            Op::Start
                | Op::Yield
                | Op::Read { .. }
                | Op::Write { .. }
                | Op::Print { .. }
                | Op::Atomic { .. }
                | Op::Fence { .. }
                | Op::TaskStart { .. }
                // Consumes its own task's permit, which only this thread
                // waits for (its timeout is not local: `Exec::perform`).
                | Op::TaskWait { .. }
        )
    }

    /// The object this operation touches, if any.
    pub(crate) fn object(self) -> Option<ObjId> {
        match self {
            Op::LockAcquire { lock, .. }
            | Op::LockRelease { lock }
            | Op::LockLocked { lock }
            | Op::RLockAcquire { lock, .. }
            | Op::RLockRelease { lock } => Some(lock),
            Op::Read { var } | Op::Write { var } => Some(var),
            Op::CondWait { cond, .. }
            | Op::CondBlock { cond, .. }
            | Op::CondNotify { cond, .. } => Some(cond),
            // The re-acquire is an acquire of the condition's lock.
            Op::CondReacquire { lock, .. } => Some(lock),
            Op::SemAcquire { sem, .. } | Op::SemRelease { sem, .. } => Some(sem),
            Op::EventSet { event }
            | Op::EventClear { event }
            | Op::EventIsSet { event }
            | Op::EventWait { event, .. } => Some(event),
            Op::BarrierArrive { barrier }
            | Op::BarrierBlock { barrier, .. }
            | Op::BarrierRelease { barrier, .. }
            | Op::BarrierAbort { barrier }
            | Op::BarrierReset { barrier }
            | Op::BarrierRead { barrier } => Some(barrier),
            Op::QueuePut { queue, .. }
            | Op::QueueGet { queue, .. }
            | Op::QueueTaskDone { queue }
            | Op::QueueJoin { queue }
            | Op::QueueSize { queue }
            | Op::QueuePoll { queue, .. } => Some(queue),
            Op::FeederWait { buffer } => Some(buffer),
            Op::RwAcquire { lock, .. } | Op::RwRelease { lock, .. } => Some(lock),
            Op::ChanSend { chan, .. }
            | Op::ChanSendWait { chan }
            | Op::ChanRecv { chan, .. }
            | Op::ChanRecvEnter { chan }
            | Op::ChanDropSender { chan }
            | Op::ChanDropReceiver { chan } => Some(chan),
            Op::NotifyNotify { notify } | Op::NotifyWait { notify } => Some(notify),
            Op::Atomic { atomic, .. } => Some(atomic),
            Op::TaskWake { task }
            | Op::TaskWait { task, .. }
            | Op::TaskStart { task }
            | Op::TaskDetach { task, .. } => Some(task),
            Op::Fence { .. } => None,
            Op::ProcSpawn { .. }
            | Op::ProcJoin { .. }
            | Op::ProcSignal { .. }
            | Op::Kill { .. } => None,
            Op::Start
            | Op::Yield
            | Op::Sleep { .. }
            | Op::Spawn { .. }
            | Op::Join { .. }
            | Op::JoinTimeout { .. }
            | Op::Print { .. }
            | Op::Park { .. }
            | Op::Unpark { .. } => None,
        }
    }

    /// The deadline after which the operation is enabled whatever the state.
    pub(crate) fn deadline(self) -> Option<Nanos> {
        match self {
            Op::Sleep { until } => Some(until),
            Op::JoinTimeout { deadline, .. } => Some(deadline),
            Op::LockAcquire { deadline, .. }
            | Op::RLockAcquire { deadline, .. }
            | Op::CondBlock { deadline, .. }
            | Op::SemAcquire { deadline, .. }
            | Op::EventWait { deadline, .. }
            | Op::BarrierBlock { deadline, .. }
            | Op::QueuePut { deadline, .. }
            | Op::QueueGet { deadline, .. }
            | Op::QueuePoll { deadline, .. }
            | Op::RwAcquire { deadline, .. }
            | Op::ProcJoin { deadline, .. }
            | Op::ChanSend { deadline, .. }
            | Op::ChanRecv { deadline, .. }
            | Op::Park { deadline, .. }
            | Op::TaskWait { deadline, .. } => deadline,
            _ => None,
        }
    }

    /// Short name of the operation, as it appears in traces.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Op::Start => "start",
            Op::Yield => "yield",
            Op::Sleep { .. } => "sleep",
            Op::Spawn { .. } => "spawn",
            Op::Join { .. } => "join",
            Op::LockAcquire { .. } => "acquire",
            Op::LockRelease { .. } => "release",
            Op::LockLocked { .. } => "locked",
            Op::RLockAcquire { .. } => "acquire",
            Op::RLockRelease { .. } => "release",
            Op::Read { .. } => "read",
            Op::Write { .. } => "write",
            Op::Print { .. } => "print",
            Op::JoinTimeout { .. } => "join",
            Op::CondWait { .. } => "wait",
            Op::CondBlock { .. } => "wait",
            Op::CondReacquire { .. } => "reacquire",
            Op::CondNotify { n: u32::MAX, .. } => "notify_all",
            Op::CondNotify { .. } => "notify",
            Op::SemAcquire { .. } => "acquire",
            Op::SemRelease { .. } => "release",
            Op::EventSet { .. } => "set",
            Op::EventClear { .. } => "clear",
            Op::EventIsSet { .. } => "is_set",
            Op::EventWait { .. } => "wait",
            Op::BarrierArrive { .. } => "wait",
            Op::BarrierBlock { .. } => "wait",
            Op::BarrierRelease { .. } => "release",
            Op::BarrierAbort { .. } => "abort",
            Op::BarrierReset { .. } => "reset",
            Op::BarrierRead { .. } => "read",
            Op::QueuePut { .. } => "put",
            Op::QueueGet { .. } => "get",
            Op::QueueTaskDone { .. } => "task_done",
            Op::QueueJoin { .. } => "join",
            Op::QueueSize { .. } => "qsize",
            Op::ProcSpawn { .. } => "spawn process",
            Op::ProcJoin { .. } => "join process",
            Op::ProcSignal { sig: 9, .. } => "kill",
            Op::ProcSignal { .. } => "terminate",
            Op::Kill { .. } => "killed (fault)",
            Op::QueuePoll { .. } => "poll",
            Op::FeederWait { .. } => "feed",
            Op::RwAcquire { write: false, .. } => "read",
            Op::RwAcquire { write: true, .. } => "write",
            Op::RwRelease { write: false, .. } => "read release",
            Op::RwRelease { write: true, .. } => "write release",
            Op::ChanSend { .. } | Op::ChanSendWait { .. } => "send",
            Op::ChanRecv { .. } | Op::ChanRecvEnter { .. } => "recv",
            Op::ChanDropSender { .. } => "drop Sender",
            Op::ChanDropReceiver { .. } => "drop Receiver",
            Op::NotifyNotify { .. } => "notify",
            Op::NotifyWait { .. } => "wait",
            Op::Atomic { kind, .. } => kind.name(),
            Op::Fence { .. } => "fence",
            Op::Park { .. } => "park",
            Op::Unpark { .. } => "unpark",
            Op::TaskWake { .. } => "wake",
            Op::TaskWait { .. } => "await",
            Op::TaskDetach { .. } => "detach",
            Op::TaskStart { .. } => "first poll",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Op::Sleep { until } => write!(f, "sleep until {}", crate::time::format_nanos(until)),
            Op::Join { target } => write!(f, "join thread {target}"),
            Op::JoinTimeout { target, deadline } => write!(
                f,
                "join thread {target} (timeout at {})",
                crate::time::format_nanos(deadline)
            ),
            Op::LockAcquire {
                deadline: Some(d), ..
            }
            | Op::RLockAcquire {
                deadline: Some(d), ..
            } => {
                write!(f, "acquire (timeout at {})", crate::time::format_nanos(d))
            }
            Op::ProcJoin { pid, .. } => write!(f, "join process {pid}"),
            Op::ProcSignal { pid, sig } => write!(f, "signal {sig} to process {pid}"),
            Op::Kill { pid } => write!(f, "kill process {pid} (fault)"),
            Op::Atomic { kind, ord, .. } => write!(f, "{} ({ord:?})", kind.name()),
            Op::Fence { ord } => write!(f, "fence ({ord:?})"),
            Op::Unpark { target } => write!(f, "unpark thread {target}"),
            op => f.write_str(op.name()),
        }
    }
}

/// What performing an operation gives back to the thread that announced it.
///
/// Eight bytes: it is handed over at every step (into the event log, and to
/// the green thread as its coroutine's resume value, in a register), and a
/// wider value written in pieces and read back whole stalled the CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum OpResult {
    /// Nothing to report.
    #[default]
    Unit,
    /// A yes/no answer: acquired or timed out, locked or not.
    Bool(bool),
    /// The id of a newly spawned thread.
    Spawned(u32),
    /// A number: a barrier's arrival index, a queue's size...
    Value(u32),
}

impl OpResult {
    pub(crate) fn as_bool(self) -> bool {
        matches!(self, OpResult::Bool(true))
    }

    /// The number, if the result is one.
    pub(crate) fn as_value(self) -> Option<u64> {
        match self {
            OpResult::Value(v) => Some(u64::from(v)),
            _ => None,
        }
    }
}

/// The digest of a print's text, never 0 (`Touch::class` 0 means "no
/// class"): std's `DefaultHasher::new()` has fixed keys, so the digest is
/// the same in every execution, as the reduction needs (sleep sets and
/// wake-up trees carry events from one execution to the next).
pub(crate) fn text_digest(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    text.hash(&mut h);
    h.finish() | 1
}

#[cfg(test)]
mod tests {

    #[test]
    fn an_op_result_fits_in_a_register() {
        assert_eq!(std::mem::size_of::<super::OpResult>(), 8);
    }
    #[test]
    fn op_stays_small() {
        assert!(std::mem::size_of::<super::Op>() <= 24);
    }
}
