//! Green threads, with Python's names and semantics.
//!
//! Threads are stackful coroutines on the OS thread that runs the execution.
//! Unnamed threads are called `Thread-1`, `Thread-2`, ... in spawn order, as
//! in Python; the scenario closure itself runs as `MainThread`.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::fmt;
use std::panic::Location;
use std::rc::Rc;

use crate::rt;
use crate::rt::op::{Op, OpResult, Tid};

/// Spawns a green thread running `f`, named `Thread-N`.
///
/// ```
/// sim::check_random(|| {
///     let h = sim::thread::spawn(|| 6 * 7);
///     assert_eq!(h.join().unwrap(), 42);
/// }, 10);
/// ```
#[track_caller]
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + 'static,
    T: 'static,
{
    Builder::new().spawn(f)
}

/// Configures a thread before spawning it: name and daemon flag.
///
/// ```
/// sim::check_random(|| {
///     let h = sim::thread::Builder::new().name("consumer1").spawn(|| {
///         sim::thread::current().name()
///     });
///     assert_eq!(h.join().unwrap(), "consumer1");
/// }, 1);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Builder {
    name: Option<String>,
    daemon: bool,
}

impl Builder {
    /// A builder for an unnamed, non-daemon thread.
    pub fn new() -> Self {
        Builder::default()
    }

    /// The thread's name (default `Thread-N`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Whether the thread is a daemon: the program ends when only daemon
    /// threads are left, as in Python.
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = daemon;
        self
    }

    /// Spawns the thread. Spawning is a scheduling point.
    #[track_caller]
    pub fn spawn<F, T>(self, f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        self.spawn_at(Location::caller(), f)
    }

    /// `spawn`, recorded at `location`.
    pub(crate) fn spawn_at<F, T>(self, location: &'static Location<'static>, f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        let op = Op::Spawn {
            daemon: self.daemon,
            named: self.name.is_some(),
        };
        let OpResult::Spawned(tid) = rt::op(op, location) else {
            panic!("sim: spawn during teardown")
        };
        let tid = tid as usize;
        if let Some(name) = self.name {
            rt::set_thread_name(tid, name);
        }
        // A thread that returns `()` needs no slot for its result (most do:
        // this saves an allocation per spawn).
        let slot: Option<Rc<RefCell<Option<T>>>> =
            (TypeId::of::<T>() != TypeId::of::<()>()).then(|| Rc::new(RefCell::new(None)));
        let out = slot.clone();
        rt::install_green(tid, move || {
            let value = f();
            if let Some(out) = out {
                *out.borrow_mut() = Some(value);
            }
        });
        JoinHandle {
            thread: Thread { tid },
            slot,
        }
    }
}

/// A handle to a green thread.
///
/// ```
/// sim::check_random(|| {
///     assert_eq!(sim::thread::current().name(), "MainThread");
/// }, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thread {
    tid: Tid,
}

impl Thread {
    /// The thread's name (`MainThread`, `Thread-1`, or the name it was given).
    pub fn name(&self) -> String {
        rt::thread_name(self.tid)
    }

    /// The thread's id within its execution (0 is `MainThread`).
    pub fn id(&self) -> usize {
        self.tid
    }

    /// Whether the thread has not finished yet. Not a scheduling point.
    pub fn is_alive(&self) -> bool {
        rt::thread_is_alive(self.tid)
    }

    /// Waits for the thread to finish (a join that leaves its result).
    pub(crate) fn join_at(self, location: &'static Location<'static>) {
        rt::op(Op::Join { target: self.tid }, location);
    }

    /// Waits at most `timeout` for the thread to finish; whether it has.
    pub(crate) fn join_timeout_at(
        self,
        timeout: std::time::Duration,
        location: &'static Location<'static>,
    ) -> bool {
        let op = Op::JoinTimeout {
            target: self.tid,
            deadline: crate::time::deadline_after(timeout),
        };
        rt::op(op, location).as_bool()
    }
}

/// The thread running this code.
///
/// ```
/// sim::check_random(|| {
///     let h = sim::thread::spawn(|| sim::thread::current().name());
///     assert_eq!(h.join().unwrap(), "Thread-1");
/// }, 1);
/// ```
pub fn current() -> Thread {
    Thread {
        tid: rt::current_tid(),
    }
}

/// Lets other threads run: a scheduling point that does nothing.
///
/// ```
/// sim::check_random(|| sim::thread::yield_now(), 1);
/// ```
#[track_caller]
pub fn yield_now() {
    rt::op(Op::Yield, Location::caller());
}

/// An owned permission to join a thread and get its result.
///
/// ```
/// let report = sim::Builder::new().executions(1).explore(|| {
///     let h = sim::thread::spawn(|| panic!("boom"));
///     let err = h.join().unwrap_err();
///     assert!(err.message().contains("boom"));
///     sim::println!("joined");
/// });
/// // The thread's panic is the execution's failure; the main thread went on.
/// assert_eq!(report.failures[0].kind, sim::FailureKind::Panic);
/// assert!(report.outputs.contains_key("joined\n"));
/// ```
#[derive(Debug)]
pub struct JoinHandle<T> {
    thread: Thread,
    /// Where the thread leaves its result; `None` when `T` is `()`.
    slot: Option<Rc<RefCell<Option<T>>>>,
}

impl<T: 'static> JoinHandle<T> {
    /// Waits for the thread to finish (a scheduling point that blocks) and
    /// returns its result, or the panic that ended it.
    #[track_caller]
    pub fn join(self) -> Result<T, JoinError> {
        self.join_at(Location::caller())
    }

    /// `join`, recorded at `location`.
    pub(crate) fn join_at(self, location: &'static Location<'static>) -> Result<T, JoinError> {
        self.thread.join_at(location);
        if let Some(panic) = rt::thread_panic(self.thread.tid) {
            return Err(JoinError {
                thread: self.thread.name(),
                message: panic,
            });
        }
        let value = match &self.slot {
            Some(slot) => slot.borrow_mut().take(),
            // `T` is `()`: the unit value, as a `T` (no allocation).
            None => (Box::new(()) as Box<dyn Any>)
                .downcast::<T>()
                .ok()
                .map(|b| *b),
        };
        Ok(value.expect("sim: internal error: joined thread left no result"))
    }

    /// Waits at most `timeout` of virtual time for the thread to finish;
    /// returns whether it has (Python's `join(timeout)` followed by
    /// `not is_alive()`). Then [`join`](JoinHandle::join) gets the result
    /// without blocking.
    ///
    /// ```
    /// use std::time::Duration;
    /// sim::check_random(|| {
    ///     let h = sim::thread::spawn(|| sim::time::sleep(Duration::from_secs(3)));
    ///     assert!(!h.join_timeout(Duration::from_secs(1)));
    ///     assert_eq!(sim::time::now(), Duration::from_secs(1));
    ///     assert!(h.thread().is_alive());
    ///     assert!(h.join_timeout(Duration::from_secs(5)));
    ///     assert_eq!(sim::time::now(), Duration::from_secs(3));
    ///     h.join().unwrap();
    /// }, 10);
    /// ```
    #[track_caller]
    pub fn join_timeout(&self, timeout: std::time::Duration) -> bool {
        self.thread.join_timeout_at(timeout, Location::caller())
    }

    /// The thread this handle joins.
    pub fn thread(&self) -> Thread {
        self.thread
    }

    /// Whether the thread has finished. Not a scheduling point.
    pub fn is_finished(&self) -> bool {
        !self.thread.is_alive()
    }
}

/// The error `join` returns for a thread that panicked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinError {
    thread: String,
    message: String,
}

impl JoinError {
    /// The panic message and location.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "thread '{}' panicked: {}", self.thread, self.message)
    }
}

impl std::error::Error for JoinError {}
