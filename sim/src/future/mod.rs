//! Async: futures and tasks under sim's scheduler, on the virtual clock
//! (shuttle's `shuttle::future` and loom's `loom::future`, with tokio's
//! timers and synchronisation primitives).
//!
//! **Design.** A task is a green thread that polls its future: [`spawn`]
//! spawns a thread (named `task-N`) running the poll loop, [`block_on`]
//! runs the same loop on the calling thread. So a task is scheduled exactly
//! like a thread, by every strategy, with tokens, traces, `jobs` and shards
//! as they are, and a future may use sim's blocking primitives too (a
//! blocking `Mutex` blocks the task's thread, as it blocks a tokio worker).
//! Each task owns a task object in the runtime (`sim/src/rt/prims/task.rs`)
//! holding its wake-up permit. The loop polls; on `Pending` it announces
//! `TaskWait`, enabled once the permit is set; `Waker::wake` announces
//! `TaskWake`, which sets it. Both are scheduling points, so a wake
//! and the poll it causes are events with a happens-before edge (`wake`)
//! between them: data handed over through a waker is ordered. Wakes do not
//! accumulate, so a waker woken twice before the poll causes one poll.
//!
//! **Lost wake-ups.** The loop hands each poll a fresh waker (reused while
//! no poll keeps it) and tells the runtime whether the poll kept it
//! (cloned it) and when the last clone of a kept waker is dropped. A task
//! left waiting without a permit is then reported in the deadlock report
//! as `task task-1 is pending, its waker not registered` (the future
//! returned `Pending` without keeping its waker) or `its waker dropped`,
//! with where it was spawned and the location of the last operation of its
//! last poll; sim's own futures add what they wait for.
//!
//! **Join handles.** A task's result goes through its [`JoinHandle`]; the
//! poll that takes it also joins the task's thread, which orders all the
//! task did before the awaiter's next step. [`JoinHandle::abort`] sets a
//! flag and wakes the task: its next poll drops the future instead
//! (running the destructors of what it holds, e.g. an async `Mutex` guard)
//! and the handle gives `Err(JoinError::Cancelled)`. While its handle
//! lives, the program's end waits for a task (a non-daemon thread);
//! dropping the handle detaches it (a daemon), as in shuttle.
//!
//! **Time.** The timers ([`sleep`], [`sleep_until`], [`timeout`],
//! [`interval`]) register their deadline with the task being polled; the
//! task's `TaskWait` carries the earliest one as its deadline. Under
//! `Timing::Exact` it times out when the virtual clock reaches it (the
//! clock jumps when nothing else can run), so a timer fires exactly at its
//! deadline; under `Timing::Adversarial` the wait may time out at any
//! point, the clock moving up to the deadline, so time orders nothing, as
//! for the thread-side sleeps and timeouts. `crate::time::Instant` is the
//! one clock of threads and tasks.
//!
//! **Synchronisation** ([`sync`]): tokio's `Mutex`, `RwLock`, `Semaphore`,
//! `Notify`, `mpsc` and `oneshot`. Their state lives in the handle, each
//! operation on it is one scheduling point (a sim `AtomicUsize`
//! read-modify-write, which orders all of a primitive's operations by
//! happens-before), and a waiter parks its waker in the primitive's
//! waiter list and tells the runtime what it waits for (the deadlock
//! report says it).
//!
//! **Exploration.** `TaskWait` (without a timer deadline) and `TaskWake`
//! are in the optimal DPOR's fragment, as park and unpark are: the wait is
//! guarded by the task's permit (a wait after a poll that woke its own
//! task, as `yield_now`'s, is always enabled), a wake enables it, and wake
//! and wait of one task conflict (both write its permit). A wait after a
//! poll that awaited a `JoinHandle` is not reduced (the handle's
//! completion flag is read outside any operation): such programs use the
//! plain DFS (the report says so).
//!
//! ```
//! use std::sync::Arc;
//! use sim::future::sync::Mutex;
//! sim::model(|| {
//!     let n = Arc::new(Mutex::new(0));
//!     let tasks: Vec<_> = (0..2)
//!         .map(|_| {
//!             let n = Arc::clone(&n);
//!             sim::future::spawn(async move { *n.lock().await += 1 })
//!         })
//!         .collect();
//!     sim::future::block_on(async {
//!         for t in tasks {
//!             t.await.unwrap();
//!         }
//!         assert_eq!(*n.lock().await, 2);
//!     });
//! });
//! ```

mod atomic_waker;
mod join;
pub mod sync;
mod task;
mod time;

use std::future::Future;
use std::panic::Location;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};

use crate::rt;

pub use atomic_waker::AtomicWaker;
pub use join::{spawn, spawn_local, AbortHandle, JoinError, JoinHandle};
pub use time::{
    interval, interval_at, sleep, sleep_until, timeout, Elapsed, Interval, Sleep, Timeout,
};

/// Runs `fut` to completion on the current thread (a task of its own):
/// polls it, and after each `Pending` waits until it is woken or one of
/// its timers is due.
///
/// ```
/// sim::model(|| {
///     assert_eq!(sim::future::block_on(async { 7 }), 7);
/// });
/// ```
#[track_caller]
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let at = Location::caller();
    let task = task::TaskId::new("block_on", at);
    let fut = pin!(fut);
    task::poll_loop(fut, task, at, None).expect("sim: internal error: block_on was cancelled")
}

/// Yields to the scheduler once: wakes its own task and returns `Pending`
/// the first time it is polled (other futures of the task, and other
/// tasks, may run), `Ready` the next. The exhaustive searches' fairness
/// rule treats a task's second yield in a row (a spin loop) as a thread's
/// `yield_now`, so a task spinning on it lets the others make progress.
///
/// ```
/// sim::model(|| {
///     sim::future::block_on(async {
///         sim::future::yield_now().await;
///     });
/// });
/// ```
pub async fn yield_now() {
    YieldNow { yielded: false }.await;
}

struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        rt::task_request_yield();
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
