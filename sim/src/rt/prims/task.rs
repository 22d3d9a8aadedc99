//! Async tasks (`sim::future`): a task's wake-up permit, its wakers and
//! what it waits for.
//!
//! A task is a green thread that polls a future (`sim/src/future/`); each
//! task, and each `block_on`, owns one task object. `Wake` (a
//! `Waker::wake` of the task) sets the object's permit, joins the waker's
//! clock into the object's and ticks the waker; `Wait` (the poll loop, after
//! a poll returned `Pending`) is enabled once the permit is set, consumes
//! it and joins the object's clock, with a `Wake` edge from the last wake:
//! a wake happens before the poll it causes. Wakes do not accumulate.
//!
//! A wake by the task's own thread (a future that wakes its task while
//! polled, as `yield_now` does) sets the permit without a scheduling point:
//! only that thread consumes it, and the edge would be program order.
//!
//! A `block_on`'s task may also wake once without a permit (as loom's
//! `block_on`, whose futures must tolerate a spurious poll): its `Wait` is
//! enabled before any wake, once.
//!
//! A `Wait` carries the earliest deadline of the timers (`sleep`,
//! `timeout`, `interval`) its last poll registered: it times out there
//! (under `Timing::Adversarial` at any time, the clock moving up to the
//! deadline), and the re-poll finds the timer due.
//!
//! Not scheduling points, recorded as the poll loop runs: which wakers of
//! the task are alive outside it (a poll that ended with the waker cloned
//! hands that waker out; the drop of its last clone takes it back), whether
//! the last poll registered its waker at all, where its last operation was,
//! and what sim primitive it waits for. A deadlock report names a task that
//! waits without a permit and without a waker anyone holds: "pending, its
//! waker dropped" (or "not registered": the lost wake-up of a future that
//! returns `Pending` without keeping its waker).

use std::panic::Location;

use super::super::clock::VectorClock;
use super::super::dependence::Footprint;
use super::super::op::{ObjId, Op, OpResult, Tid};
use super::super::{EdgeKind, Exec};
use super::ObjState;

/// What a task waits for: a description, whether the location is where
/// it was created (else where it was polled), the location.
pub(crate) type Awaits = (&'static str, bool, &'static Location<'static>);

/// The state of a task object.
#[derive(Debug)]
pub(crate) struct TaskState {
    /// The wake-up permit.
    woken: bool,
    /// Joined by every wake; joined by the wait that consumes the permit.
    clock: VectorClock,
    /// Wakers handed out by polls and not yet dropped.
    held: u32,
    /// Whether the last poll kept (cloned) its waker.
    registered: bool,
    /// `spawn` or `block_on`.
    origin: &'static str,
    /// Where the last poll performed its last operation, if it performed one.
    last_op_at: Option<&'static Location<'static>>,
    /// What the last poll waits for, when a sim future said so: what, and
    /// where it was created (`true`) or polled.
    awaits: Option<Awaits>,
    /// The earliest timer deadline the current poll registered.
    pub(crate) timer: Option<u64>,
    /// The thread's last step when the current poll began.
    poll_began: u64,
    /// Whether the permit was set by the task's own thread only (a
    /// self-wake, as `yield_now`'s), since the last wait consumed one.
    by_self: bool,
    /// Consecutive waits whose permit was a self-wake (for the fairness
    /// rule: from the second on, such a wait is a yield).
    self_waits: u32,
    /// Whether the current poll asked to yield (`sim::future::yield_now`).
    yield_requested: bool,
    /// Whether the current poll woke its own task.
    woke_self: bool,
    /// Whether its one spurious wake-up is still to come (a `block_on`'s,
    /// as loom's: futures must tolerate being polled without a wake).
    may_spur: bool,
}

impl TaskState {
    /// Whether its wait may still wake once unwoken (a `block_on`'s, at
    /// the start; for `explore/exhaustive/guards.rs`).
    pub(crate) fn may_spur_at_start(&self) -> bool {
        self.origin == "block_on"
    }
}

impl ObjState {
    /// A fresh task object (`origin`: `"spawn"` or `"block_on"`).
    pub(crate) fn new_task(origin: &'static str) -> Self {
        ObjState::Task(Box::new(TaskState {
            woken: false,
            clock: VectorClock::new(),
            held: 0,
            registered: false,
            origin,
            last_op_at: None,
            awaits: None,
            timer: None,
            poll_began: 0,
            yield_requested: false,
            woke_self: false,
            may_spur: origin == "block_on",
            by_self: false,
            self_waits: 0,
        }))
    }
}

impl Exec {
    pub(super) fn task_can_complete(&self, op: Op) -> bool {
        match op {
            Op::TaskWait { task, .. } => {
                let t = self.objects[task.index()].state.task();
                t.woken || t.may_spur
            }
            _ => true,
        }
    }

    /// `Wake` gives `Unit`; `Wait` gives `Bool(true)` (woken) or, for its
    /// one spurious wake-up, `Bool(false)`.
    pub(super) fn task_complete(&mut self, tid: Tid, op: Op) -> OpResult {
        let step = self.steps;
        let thread = &mut self.threads[tid];
        match op {
            Op::TaskWake { task } => {
                let object = &mut self.objects[task.index()];
                let t = object.state.task_mut();
                t.woken = true;
                t.by_self = false;
                t.clock.join(&thread.clock);
                thread.clock.tick(tid);
                object.released_at = step;
                OpResult::Unit
            }
            Op::TaskStart { .. } => OpResult::Unit,
            Op::TaskDetach {
                thread: task_thread,
                ..
            } => {
                self.threads[task_thread as usize].daemon = true;
                OpResult::Unit
            }
            Op::TaskWait { task, .. } => {
                let object = &mut self.objects[task.index()];
                let from = object.released_at;
                let t = object.state.task_mut();
                if !t.woken {
                    t.may_spur = false;
                    return OpResult::Bool(false);
                }
                t.woken = false;
                t.self_waits = if t.by_self { t.self_waits + 1 } else { 0 };
                t.by_self = false;
                thread.clock.join(&t.clock);
                self.sync_edge(from, EdgeKind::Wake, Some(task));
                OpResult::Bool(true)
            }
            _ => unreachable!("not a task operation: {op:?}"),
        }
    }

    /// A poll of `task` by thread `tid` begins.
    pub(crate) fn task_poll_begin(&mut self, tid: Tid, task: ObjId) {
        let began = self.threads[tid].last_step;
        let t = self.objects[task.index()].state.task_mut();
        t.timer = None;
        t.awaits = None;
        t.yield_requested = false;
        t.woke_self = false;
        t.poll_began = began;
    }

    /// The current poll of `task` asks to yield.
    pub(crate) fn task_request_yield(&mut self, task: ObjId) {
        self.objects[task.index()].state.task_mut().yield_requested = true;
    }

    /// A poll of `task` by thread `tid` returned `Pending`; `registered`:
    /// it kept its waker. Gives the earliest timer it registered and whether
    /// it asked to yield, and whether it woke itself (`None` when it
    /// awaited a `JoinHandle`: see `Op::TaskWait`).
    pub(crate) fn task_poll_end(
        &mut self,
        tid: Tid,
        task: ObjId,
        registered: bool,
    ) -> (Option<u64>, bool, Option<bool>) {
        let thread = &self.threads[tid];
        let (last, location) = (thread.last_step, thread.location);
        let t = self.objects[task.index()].state.task_mut();
        t.last_op_at = (last > t.poll_began).then_some(location);
        t.registered = registered;
        if registered {
            t.held += 1;
        }
        let joining = matches!(t.awaits, Some(("a JoinHandle", ..)));
        (
            t.timer,
            t.yield_requested,
            (!joining).then_some(t.woke_self),
        )
    }

    /// Sets `task`'s permit without an operation (its own thread wakes it).
    pub(crate) fn task_set_woken(&mut self, task: ObjId) {
        let t = self.objects[task.index()].state.task_mut();
        t.by_self = !t.woken || t.by_self;
        t.woken = true;
        t.woke_self = true;
    }

    /// Whether the wait of `task` just performed counts as a yield for the
    /// fairness rule: the second (or later) wait in a row whose permit was
    /// the task's own wake (a spin loop over `yield_now`; a one-off yield
    /// is not lowered, as a one-off sleep is not: `rt/fairness.rs`).
    pub(in crate::rt) fn task_wait_is_yield(&self, task: ObjId) -> bool {
        self.objects[task.index()].state.task().self_waits >= 2
    }

    /// A handed-out waker of `task` was dropped (its last clone).
    pub(crate) fn task_waker_dropped(&mut self, task: ObjId) {
        let t = self.objects[task.index()].state.task_mut();
        t.held = t.held.saturating_sub(1);
    }

    /// The current poll of `task` waits for a `kind` created at `at`.
    pub(crate) fn task_awaits(&mut self, task: ObjId, awaits: Awaits) {
        self.objects[task.index()].state.task_mut().awaits = Some(awaits);
    }

    /// The deadlock report's description of thread `tid`, pending in a
    /// task's wait: the task, whether a waker can still wake it, where it
    /// last polled.
    pub(in crate::rt) fn task_deadlock_line(&self, tid: Tid, task: ObjId) -> String {
        let t = self.objects[task.index()].state.task();
        let thread = &self.threads[tid];
        let who = if t.origin == "spawn" {
            format!("task {}", thread.name)
        } else {
            format!("{} (in block_on)", thread.name)
        };
        let waker = if t.held > 0 {
            format!(
                "its waker is held ({} clone(s) alive) but never woken",
                t.held
            )
        } else if t.registered {
            "its waker dropped: nothing can wake it".to_string()
        } else {
            "its waker not registered: its last poll returned Pending without keeping the \
             waker (a lost wake-up)"
                .to_string()
        };
        let awaits = t
            .awaits
            .map(|(what, created, at)| {
                let how = if created { "created" } else { "polled" };
                format!(" waiting for {what} ({how} at {at})")
            })
            .unwrap_or_default();
        let polled = match t.last_op_at {
            Some(at) => format!("its last poll's last operation at {at}"),
            None => "its last poll performed no operation".to_string(),
        };
        format!(
            "{who} is pending{awaits}, {waker}; {} at {}, {polled}",
            t.origin, thread.location
        )
    }
}

/// Wake, wait and first poll write the task's permit, and are reduced by
/// the optimal DPOR (`explore/exhaustive/odpor.rs`, "Tasks"), as park and
/// unpark are: a wait without a deadline is a blocking event guarded by
/// the permit (or, when its poll woke its own task, as `yield_now` does,
/// always enabled), a wake enables it, and a wake of a task not waiting
/// conflicts with its next wait (that wait then returns at once). Not
/// reduced: a wait with a timer deadline (a timeout competes with the
/// wake), a wait after a poll that awaited a `JoinHandle` (its completion
/// flag is read outside any operation), a detach.
pub(crate) fn footprint(op: Op) -> Footprint {
    match op {
        Op::TaskStart { task } | Op::TaskWake { task } => Footprint::writes(task).reducible(),
        Op::TaskWait {
            task,
            deadline: None,
            self_woken: Some(_),
            ..
        } => Footprint::writes(task).reducible(),
        Op::TaskWait { task, .. } | Op::TaskDetach { task, .. } => Footprint::writes(task),
        _ => Footprint::NOTHING,
    }
}
