//! `Thread`: Python's `threading.Thread`, an object that is created first
//! and started later.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::Location;
use std::rc::Rc;
use std::time::Duration;

use crate::rt;
use crate::thread::{self, Builder};

/// Python's `threading.Thread(target=...)`: a thread object that runs
/// `target` once [`start`](Thread::start) is called.
///
/// As in Python, an unnamed thread takes its `Thread-N` name when it is
/// created, not when it starts; [`set_name`](Thread::set_name) and
/// [`set_daemon`](Thread::set_daemon) may be called until it starts.
/// [`join`](Thread::join) waits for it (a scheduling point that blocks),
/// [`join_timeout`](Thread::join_timeout) waits at most a span of virtual
/// time. Clones are handles to the same thread. For a Rust-style handle
/// that returns the thread's result, use [`crate::thread::spawn`].
///
/// ```
/// use std::time::Duration;
/// use sim::threading::Thread;
///
/// // Virtual time orders these waits: exact timing (the test entry points
/// // default to adversarial timing, where a sleep orders nothing).
/// let report = sim::Builder::new().timing(sim::Timing::Exact).executions(10).explore(|| {
///     let t = Thread::new(|| sim::time::sleep(Duration::from_secs(3)));
///     assert_eq!(t.name(), "Thread-1");
///     assert!(!t.is_alive());
///     t.start();
///     assert!(t.is_alive());
///     assert!(!t.join_timeout(Duration::from_secs(1)));
///     t.join();
///     assert!(!t.is_alive());
///     assert_eq!(sim::time::now(), Duration::from_secs(3));
/// });
/// assert!(report.failures.is_empty(), "{report}");
/// ```
#[derive(Clone)]
pub struct Thread {
    inner: Rc<Inner>,
}

struct Inner {
    name: RefCell<String>,
    daemon: Cell<bool>,
    target: RefCell<Option<Box<dyn FnOnce()>>>,
    /// The running thread, once started.
    started: RefCell<Option<thread::Thread>>,
}

impl fmt::Debug for Thread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Thread")
            .field("name", &*self.inner.name.borrow())
            .field("daemon", &self.inner.daemon.get())
            .field("started", &self.has_started())
            .finish_non_exhaustive()
    }
}

impl Thread {
    /// A thread that will run `target` once started, named `Thread-N` (the
    /// next number, taken now as Python does), not a daemon.
    ///
    /// ```
    /// use sim::threading::Thread;
    /// sim::check_random(|| {
    ///     let a = Thread::new(|| {});
    ///     let b = Thread::new(|| {});
    ///     assert_eq!((a.name(), b.name()), ("Thread-1".to_string(), "Thread-2".to_string()));
    /// }, 1);
    /// ```
    #[track_caller]
    pub fn new(target: impl FnOnce() + 'static) -> Thread {
        let number = rt::reserve_thread_number();
        Thread {
            inner: Rc::new(Inner {
                name: RefCell::new(format!("Thread-{number}")),
                daemon: Cell::new(false),
                target: RefCell::new(Some(Box::new(target))),
                started: RefCell::new(None),
            }),
        }
    }

    /// Renames the thread (Python's `t.name = ...`); it keeps the name it
    /// had when it started.
    ///
    /// ```
    /// use sim::threading::Thread;
    /// sim::check_random(|| {
    ///     let t = Thread::new(|| sim::println!("{}", sim::threading::current_thread().name()));
    ///     t.set_name("consumer1");
    ///     t.start();
    ///     t.join();
    /// }, 1);
    /// ```
    pub fn set_name(&self, name: impl Into<String>) {
        *self.inner.name.borrow_mut() = name.into();
    }

    /// Makes the thread a daemon, or not (Python's `t.daemon = ...`): the
    /// program ends when only daemon threads are left. Setting it on a
    /// started thread panics with Python's `RuntimeError`.
    ///
    /// ```
    /// use sim::threading::Thread;
    /// let report = sim::Builder::new().executions(10).explore(|| {
    ///     let t = Thread::new(|| loop { sim::thread::yield_now() });
    ///     t.set_daemon(true);
    ///     t.start();
    /// });
    /// assert!(report.failures.is_empty());
    /// ```
    pub fn set_daemon(&self, daemon: bool) {
        if self.has_started() {
            panic!("RuntimeError: cannot set daemon status of active thread");
        }
        self.inner.daemon.set(daemon);
    }

    /// The thread's name (`Thread-N`, or the one it was given).
    pub fn name(&self) -> String {
        self.inner.name.borrow().clone()
    }

    /// Whether the thread is a daemon.
    pub fn daemon(&self) -> bool {
        self.inner.daemon.get()
    }

    /// Whether [`start`](Thread::start) has been called.
    pub(crate) fn has_started(&self) -> bool {
        self.inner.started.borrow().is_some()
    }

    /// Starts the thread (a spawn, a scheduling point). Starting twice
    /// panics with Python's `RuntimeError: threads can only be started
    /// once`.
    #[track_caller]
    pub fn start(&self) {
        self.start_at(Location::caller());
    }

    /// `start`, recorded at `location`.
    pub(crate) fn start_at(&self, location: &'static Location<'static>) {
        let Some(target) = self.inner.target.borrow_mut().take() else {
            panic!("RuntimeError: threads can only be started once");
        };
        let handle = Builder::new()
            .name(self.name())
            .daemon(self.daemon())
            .spawn_at(location, target);
        *self.inner.started.borrow_mut() = Some(handle.thread().clone());
    }

    /// Waits for the thread to finish (a scheduling point that blocks).
    /// Joining a thread that was never started panics with Python's
    /// `RuntimeError: cannot join thread before it is started`. A panic of
    /// the thread is the execution's failure; `join` itself returns.
    #[track_caller]
    pub fn join(&self) {
        self.join_at(Location::caller());
    }

    /// `join`, recorded at `location`.
    pub(crate) fn join_at(&self, location: &'static Location<'static>) {
        self.started().join_at(location);
    }

    /// Waits at most `timeout` of virtual time for the thread to finish,
    /// and returns whether it has (Python's `join(timeout)` followed by
    /// `not is_alive()`).
    #[track_caller]
    pub fn join_timeout(&self, timeout: Duration) -> bool {
        self.started().join_timeout_at(timeout, Location::caller())
    }

    /// Whether the thread has started and not finished. Not a scheduling
    /// point.
    pub fn is_alive(&self) -> bool {
        self.inner
            .started
            .borrow()
            .as_ref()
            .is_some_and(|t| t.is_alive())
    }

    /// The started thread, for a join.
    fn started(&self) -> thread::Thread {
        match &*self.inner.started.borrow() {
            Some(thread) => thread.clone(),
            None => panic!("RuntimeError: cannot join thread before it is started"),
        }
    }
}

/// The running thread as a Python `Thread` object: Python's
/// `threading.current_thread()`, named as in reports (`MainThread`,
/// `Thread-1`, or the name it was given). Each call gives a new handle to
/// the same thread; joining it waits for that thread.
///
/// ```
/// use sim::threading::{current_thread, Thread};
/// sim::check_random(|| {
///     assert_eq!(current_thread().name(), "MainThread");
///     let t = Thread::new(|| sim::println!("{}", current_thread().name()));
///     t.start();
///     t.join();
///     let h = sim::thread::spawn(|| current_thread().name());
///     assert_eq!(h.join().unwrap(), "Thread-2");
/// }, 1);
/// ```
#[track_caller]
pub fn current_thread() -> Thread {
    let me = thread::current();
    Thread {
        inner: Rc::new(Inner {
            name: RefCell::new(rt::thread_name(me.tid())),
            daemon: Cell::new(rt::thread_is_daemon(me.tid())),
            target: RefCell::new(None),
            started: RefCell::new(Some(me)),
        }),
    }
}
