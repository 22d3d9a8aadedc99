//! The poll loop every task and `block_on` runs, and the wakers it hands
//! out.

use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use crate::rt;
use crate::rt::op::{ObjId, Op};

/// The waker of one task: a wake is the scheduling operation
/// `Op::TaskWake`.
struct TaskWaker {
    task: ObjId,
    serial: u64,
    /// Whether a poll ended with this waker cloned (handed out): its drop
    /// is then reported to the runtime.
    handed_out: AtomicBool,
}

impl TaskWaker {
    fn wake_task(&self) {
        if rt::task_self_wake(self.task, self.serial) {
            return;
        }
        if rt::task_can_wake(self.serial) {
            rt::op(Op::TaskWake { task: self.task }, Location::caller());
        }
    }
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_task();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wake_task();
    }
}

impl Drop for TaskWaker {
    fn drop(&mut self) {
        if self.handed_out.load(Ordering::Relaxed) {
            rt::task_waker_dropped(self.task, self.serial);
        }
    }
}

/// A task's identity in the runtime.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TaskId {
    pub(crate) id: ObjId,
    pub(crate) serial: u64,
}

impl TaskId {
    /// A new task object (`origin`: `"spawn"` or `"block_on"`).
    pub(crate) fn new(origin: &'static str, at: &'static Location<'static>) -> TaskId {
        let (id, serial) = rt::task_new(origin, at);
        TaskId { id, serial }
    }

    /// Wakes the task (a scheduling point), from outside its wakers.
    pub(crate) fn wake(&self, at: &'static Location<'static>) {
        if rt::task_can_wake(self.serial) {
            rt::op(Op::TaskWake { task: self.id }, at);
        }
    }
}

/// Polls `fut` on the current thread as task `task` until it is ready, or
/// until `cancelled` says so before a poll (then `None`). After each
/// `Pending` the thread waits (`Op::TaskWait`, announced at `at`) until a
/// waker wakes the task or its earliest timer is due.
pub(crate) fn poll_loop<F: Future + ?Sized>(
    mut fut: Pin<&mut F>,
    task: TaskId,
    at: &'static Location<'static>,
    cancelled: Option<&AtomicBool>,
) -> Option<F::Output> {
    let origin_is_spawn = cancelled.is_some();
    let previous = rt::task_enter(Some(task.id));
    let _restore = Restore(previous);
    let new_waker = || {
        Arc::new(TaskWaker {
            task: task.id,
            serial: task.serial,
            handed_out: AtomicBool::new(false),
        })
    };
    let mut arc = new_waker();
    if origin_is_spawn {
        // A spawned task's first poll is a scheduling point of its own, as
        // every later one.
        rt::op(Op::TaskStart { task: task.id }, at);
    }
    loop {
        if cancelled.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return None;
        }
        rt::task_poll_begin(task.id);
        let waker = Waker::from(Arc::clone(&arc));
        let polled = fut.as_mut().poll(&mut Context::from_waker(&waker));
        drop(waker);
        if let Poll::Ready(value) = polled {
            return Some(value);
        }
        // A waker cloned by the poll is handed out: the next poll gets a new
        // one, and the drop of this one's last clone is counted.
        let registered = Arc::strong_count(&arc) > 1;
        if registered {
            arc.handed_out.store(true, Ordering::Relaxed);
        }
        let (deadline, yielding, self_woken) = rt::task_poll_end(task.id, registered);
        if registered {
            arc = new_waker();
        }
        rt::op(
            Op::TaskWait {
                task: task.id,
                deadline,
                yielding,
                self_woken,
            },
            at,
        );
    }
}

/// Restores the thread's previous task (a `block_on` inside a task).
struct Restore(Option<ObjId>);

impl Drop for Restore {
    fn drop(&mut self) {
        if !rt::tearing_down() {
            rt::task_enter(self.0);
        }
    }
}
