//! The runtime's interface for `sim::future` (see `prims/task.rs`): task
//! objects, the poll loop's bookkeeping and timers. Nothing here is a
//! scheduling point; the scheduling points are `Op::TaskWake` and
//! `Op::TaskWait`, announced through [`super::op`].

use std::panic::Location;

use super::object::ObjState;
use super::op::{Nanos, ObjId};
use super::{with_current, EXEC};

/// Registers a new task object (`origin`: `"spawn"` or `"block_on"`);
/// its id and the execution's serial.
pub(crate) fn task_new(origin: &'static str, at: &'static Location<'static>) -> (ObjId, u64) {
    super::new_object(ObjState::new_task(origin), at)
}

/// The next spawned task's number (1, 2, ... in each execution).
pub(crate) fn next_task_number() -> u32 {
    with_current(|e| {
        e.spawned_tasks += 1;
        e.spawned_tasks
    })
}

/// Makes `task` the current thread's task; gives the one it replaces.
pub(crate) fn task_enter(task: Option<ObjId>) -> Option<ObjId> {
    with_current(|e| {
        let tid = e.current;
        std::mem::replace(&mut e.threads[tid].task, task)
    })
}

/// A poll of `task` by the current thread begins.
pub(crate) fn task_poll_begin(task: ObjId) {
    with_current(|e| {
        let tid = e.current;
        e.task_poll_begin(tid, task);
    });
}

/// A poll of `task` by the current thread returned `Pending`
/// (`registered`: its waker was kept); gives its earliest timer deadline
/// whether it asked to yield and whether it woke itself (`None`: it
/// awaited a `JoinHandle`).
pub(crate) fn task_poll_end(task: ObjId, registered: bool) -> (Option<Nanos>, bool, Option<bool>) {
    with_current(|e| {
        let tid = e.current;
        e.task_poll_end(tid, task, registered)
    })
}

/// The current thread's task, if any, asks to yield in its current poll
/// (`sim::future::yield_now`; not a scheduling point).
pub(crate) fn task_request_yield() {
    with_current(|e| {
        let tid = e.current;
        if let Some(task) = e.threads[tid].task {
            e.task_request_yield(task);
        }
    });
}

/// Whether a waker of execution `serial` may announce its wake: inside
/// that execution, not during its teardown.
pub(crate) fn task_can_wake(serial: u64) -> bool {
    EXEC.with(|e| {
        e.try_borrow()
            .is_ok_and(|e| e.active && e.serial == serial && !e.tearing_down)
    })
}

/// A wake of `task` (execution `serial`) by the thread polling it (a
/// future waking its own task, as `yield_now` does): sets its permit
/// without a scheduling point, since only this thread consumes it and the
/// edge would be program order. False when `task` is not the current
/// thread's task (the wake must be announced).
pub(crate) fn task_self_wake(task: ObjId, serial: u64) -> bool {
    EXEC.with(|e| {
        let Ok(mut e) = e.try_borrow_mut() else {
            return false;
        };
        let tid = e.current;
        if !e.active || e.serial != serial || e.threads[tid].task != Some(task) {
            return false;
        }
        e.task_set_woken(task);
        true
    })
}

/// The last clone of a handed-out waker of `task` (execution `serial`)
/// was dropped.
pub(crate) fn task_waker_dropped(task: ObjId, serial: u64) {
    EXEC.with(|e| {
        if let Ok(mut e) = e.try_borrow_mut() {
            if e.active && e.serial == serial && !e.tearing_down {
                e.task_waker_dropped(task);
            }
        }
    });
}

/// A timer polled by the current thread's task is due at `deadline`: the
/// task's wait after this poll times out there. False when the thread
/// polls no task (a timer polled outside `sim::future`'s executors).
pub(crate) fn task_timer(deadline: Nanos) -> bool {
    with_current(|e| {
        let Some(task) = e.threads[e.current].task else {
            return false;
        };
        let t = e.objects[task.index()].state.task_mut();
        t.timer = Some(t.timer.map_or(deadline, |d| d.min(deadline)));
        true
    })
}

/// The current poll waits for `what` (a sim primitive created at `at`, or,
/// `created: false`, a `JoinHandle` polled at `at`), for the deadlock
/// report.
pub(crate) fn task_awaits(what: &'static str, created: bool, at: &'static Location<'static>) {
    EXEC.with(|e| {
        if let Ok(mut e) = e.try_borrow_mut() {
            if e.active && !e.tearing_down {
                if let Some(task) = e.threads[e.current].task {
                    e.task_awaits(task, (what, created, at));
                }
            }
        }
    });
}
