//! `Timer`: Python's thread that runs a function after an interval.

use std::cell::RefCell;
use std::fmt;
use std::panic::Location;
use std::rc::Rc;
use std::time::Duration;

use crate::rt;
use crate::thread::{Builder, JoinHandle};

use super::Event;

/// Python's `threading.Timer(interval, function)`: once started, a thread
/// (named `Thread-N` like any unnamed Python thread, numbered when the timer
/// is created) waits `interval` of virtual time and then runs the function,
/// unless [`cancel`](Timer::cancel) was called first. As in CPython, the
/// wait is on an internal [`Event`] that `cancel` sets, so under
/// `Timing::Adversarial` the interval orders nothing. `start` happens before
/// the function runs.
///
/// ```
/// use std::time::Duration;
/// use sim::threading::Timer;
/// sim::check_random(|| {
///     let t = Timer::new(Duration::from_secs(5), || {
///         sim::println!("hello, world at {:?}", sim::time::now());
///     });
///     t.start();
///     t.join();
/// }, 1);
/// let report = sim::Builder::new().executions(1).explore(|| {
///     let t = Timer::new(Duration::from_secs(5), || sim::println!("hello, world"));
///     t.start();
/// });
/// assert!(report.outputs.contains_key("hello, world\n"));
/// ```
#[derive(Clone)]
pub struct Timer {
    inner: Rc<Inner>,
}

struct Inner {
    interval: Duration,
    name: String,
    finished: Event,
    function: RefCell<Option<Box<dyn FnOnce()>>>,
    handle: RefCell<Option<JoinHandle<()>>>,
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer")
            .field("name", &self.inner.name)
            .field("interval", &self.inner.interval)
            .finish_non_exhaustive()
    }
}

impl Timer {
    /// A timer that will run `function` `interval` after it is started.
    /// Takes the next `Thread-N` name now, as Python does.
    #[track_caller]
    pub fn new(interval: Duration, function: impl FnOnce() + 'static) -> Timer {
        let number = rt::reserve_thread_number();
        Timer {
            inner: Rc::new(Inner {
                interval,
                name: format!("Thread-{number}"),
                finished: Event::new(),
                function: RefCell::new(Some(Box::new(function))),
                handle: RefCell::new(None),
            }),
        }
    }

    /// Starts the timer's thread (a spawn). Starting twice panics with
    /// Python's `RuntimeError: threads can only be started once`.
    #[track_caller]
    pub fn start(&self) {
        let location = Location::caller();
        let Some(function) = self.inner.function.borrow_mut().take() else {
            panic!("RuntimeError: threads can only be started once");
        };
        let finished = self.inner.finished;
        let interval = self.inner.interval;
        let handle = Builder::new()
            .name(self.inner.name.clone())
            .spawn_at(location, move || {
                // CPython's Timer.run, step for step.
                finished.wait_timeout(interval);
                if !finished.is_set() {
                    function();
                }
                finished.set();
            });
        *self.inner.handle.borrow_mut() = Some(handle);
    }

    /// Stops the timer if its function has not started yet; no effect
    /// afterwards.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sim::threading::Timer;
    /// let report = sim::Builder::new().executions(20).explore(|| {
    ///     let t = Timer::new(Duration::from_secs(5), || sim::println!("fired"));
    ///     t.start();
    ///     sim::time::sleep(Duration::from_secs(1));
    ///     t.cancel();
    ///     t.join();
    /// });
    /// assert_eq!(report.outputs.keys().collect::<Vec<_>>(), [""]);
    /// ```
    #[track_caller]
    pub fn cancel(&self) {
        self.inner.finished.set();
    }

    /// Waits for the timer's thread to finish (returns at once if it was
    /// never started).
    #[track_caller]
    pub fn join(&self) {
        let handle = self.inner.handle.borrow_mut().take();
        if let Some(handle) = handle {
            let _ = handle.join_at(Location::caller());
        }
    }

    /// Whether the timer's thread has started and not finished.
    pub fn is_alive(&self) -> bool {
        self.inner
            .handle
            .borrow()
            .as_ref()
            .is_some_and(|h| !h.is_finished())
    }

    /// The timer thread's name (`Thread-N`).
    pub fn name(&self) -> &str {
        &self.inner.name
    }
}
