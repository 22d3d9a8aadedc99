//! `spawn`, `spawn_local` and the handles of a spawned task.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use super::task::{poll_loop, TaskId};
use crate::rt;
use crate::rt::op::{Op, Tid};

/// Spawns `fut` as a new task, which the explorer schedules like a thread
/// (it is one: a green thread that polls it). The program's end waits for
/// it while its [`JoinHandle`] lives (dropping the handle detaches it, as
/// in shuttle). A scheduling point.
///
/// ```
/// sim::model(|| {
///     let h = sim::future::spawn(async { 40 + 2 });
///     assert_eq!(sim::future::block_on(h).unwrap(), 42);
/// });
/// ```
#[track_caller]
pub fn spawn<F>(fut: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_at(fut, Location::caller())
}

/// [`spawn`] without the `Send` bounds (tokio's `spawn_local`): every task
/// runs on the one OS thread of its execution anyway.
///
/// ```
/// use std::rc::Rc;
/// sim::model(|| {
///     let rc = Rc::new(5);
///     let h = sim::future::spawn_local(async move { *rc + 1 });
///     assert_eq!(sim::future::block_on(h).unwrap(), 6);
/// });
/// ```
#[track_caller]
pub fn spawn_local<F>(fut: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spawn_at(fut, Location::caller())
}

fn spawn_at<F>(fut: F, at: &'static Location<'static>) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let task = TaskId::new("spawn", at);
    let inner = Arc::new(Mutex::new(Inner {
        result: None,
        finished: false,
        waker: None,
    }));
    let flags = Arc::new(Flags {
        finished: AtomicBool::new(false),
        aborted: AtomicBool::new(false),
    });
    let (inner2, flags2) = (Arc::clone(&inner), Arc::clone(&flags));
    let number = rt::next_task_number();
    let tid = crate::thread::spawn_task_at(at, number, move || {
        // Pinned on the task's green stack, as `block_on` pins its future
        // (no allocation); its destructors (guards it holds) run at the end
        // of the block, before the result is published.
        let out = {
            let fut = std::pin::pin!(fut);
            poll_loop(fut, task, at, Some(&flags2.aborted))
        };
        let waker = {
            let mut g = lock(&inner2);
            g.result = Some(out.ok_or(JoinError::Cancelled));
            g.finished = true;
            flags2.finished.store(true, Ordering::Relaxed);
            g.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    });
    JoinHandle {
        state: State { task, tid, flags },
        inner,
    }
}

struct Inner<T> {
    result: Option<Result<T, JoinError>>,
    finished: bool,
    waker: Option<Waker>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Uncontended: one green thread runs at a time.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What a `JoinHandle` and its `AbortHandle`s share.
#[derive(Clone)]
struct State {
    task: TaskId,
    tid: Tid,
    flags: Arc<Flags>,
}

struct Flags {
    finished: AtomicBool,
    aborted: AtomicBool,
}

impl State {
    fn abort(&self, at: &'static Location<'static>) {
        rt::check_serial(self.task.serial, "JoinHandle");
        // The wake is the scheduling point (the task may finish before
        // it); the flag is set with it, before any other thread runs.
        self.task.wake(at);
        if !self.is_finished() {
            self.flags.aborted.store(true, Ordering::Relaxed);
        }
    }

    fn is_finished(&self) -> bool {
        self.flags.finished.load(Ordering::Relaxed)
    }
}

/// An owned permission to await a spawned task's result
/// (`Future<Output = Result<T, JoinError>>`), abort it, or detach it (by
/// dropping the handle).
///
/// ```
/// sim::model(|| {
///     sim::future::block_on(async {
///         let h = sim::future::spawn(async { 1 });
///         assert_eq!(h.await.unwrap(), 1);
///     });
/// });
/// ```
pub struct JoinHandle<T> {
    state: State,
    inner: Arc<Mutex<Inner<T>>>,
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("task", &self.state.tid)
            .finish()
    }
}

impl<T> JoinHandle<T> {
    /// Aborts the task: its next poll drops its future instead (running its
    /// destructors), and awaiting the handle gives
    /// `Err(JoinError::Cancelled)`, unless it finished first. A scheduling
    /// point.
    ///
    /// ```
    /// sim::model(|| {
    ///     sim::future::block_on(async {
    ///         let h = sim::future::spawn(std::future::pending::<()>());
    ///         h.abort();
    ///         assert!(h.await.unwrap_err().is_cancelled());
    ///     });
    /// });
    /// ```
    #[track_caller]
    pub fn abort(&self) {
        self.state.abort(Location::caller());
    }

    /// Whether the task has finished (completed or cancelled). Not a
    /// scheduling point.
    ///
    /// ```
    /// sim::model(|| {
    ///     let h = sim::future::spawn(async {});
    ///     while !h.is_finished() {
    ///         sim::thread::yield_now();
    ///     }
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.state.is_finished()
    }

    /// An [`AbortHandle`] of the task.
    ///
    /// ```
    /// sim::model(|| {
    ///     let h = sim::future::spawn(std::future::pending::<()>());
    ///     let a = h.abort_handle();
    ///     a.abort();
    ///     assert!(sim::future::block_on(h).is_err());
    /// });
    /// ```
    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle {
            state: self.state.clone(),
        }
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        // Detached: the program's end no longer waits for the task. A
        // scheduling point while the task runs (the task may go on before
        // the program ends), none once it has finished.
        if !self.state.is_finished() && rt::task_can_wake(self.state.task.serial) {
            let op = Op::TaskDetach {
                task: self.state.task.id,
                thread: self.state.tid as u32,
            };
            rt::op(op, Location::caller());
        }
    }
}

impl<T: 'static> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let state = &self.state;
        rt::check_serial(state.task.serial, "JoinHandle");
        let mut g = lock(&self.inner);
        if g.finished {
            let result = g
                .result
                .take()
                .expect("sim: a JoinHandle was polled after it gave its result");
            drop(g);
            // The task's thread is at its end: joining it orders the task's
            // every event before what follows.
            rt::op(Op::Join { target: state.tid }, Location::caller());
            return Poll::Ready(result);
        }
        g.waker = Some(cx.waker().clone());
        drop(g);
        rt::task_awaits("a JoinHandle", false, Location::caller());
        Poll::Pending
    }
}

/// An owned, cloneable permission to abort a spawned task.
///
/// ```
/// sim::model(|| {
///     let h = sim::future::spawn(std::future::pending::<()>());
///     let a = h.abort_handle();
///     a.clone().abort();
///     assert!(sim::future::block_on(h).unwrap_err().is_cancelled());
///     assert!(a.is_finished());
/// });
/// ```
#[derive(Clone)]
pub struct AbortHandle {
    state: State,
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("task", &self.state.tid)
            .finish()
    }
}

impl AbortHandle {
    /// [`JoinHandle::abort`].
    #[track_caller]
    pub fn abort(&self) {
        self.state.abort(Location::caller());
    }

    /// [`JoinHandle::is_finished`].
    pub fn is_finished(&self) -> bool {
        self.state.is_finished()
    }
}

/// Why a task did not give its result: it was aborted (shuttle's one
/// variant).
///
/// ```
/// let e = sim::future::JoinError::Cancelled;
/// assert!(e.is_cancelled());
/// assert_eq!(e.to_string(), "task was cancelled");
/// ```
#[derive(Debug)]
pub enum JoinError {
    /// The task was aborted.
    Cancelled,
}

impl JoinError {
    /// Whether the task was cancelled (tokio's name).
    pub fn is_cancelled(&self) -> bool {
        matches!(self, JoinError::Cancelled)
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Cancelled => f.write_str("task was cancelled"),
        }
    }
}

impl std::error::Error for JoinError {}
