//! `Timer`: Python's thread that runs a function after an interval.

use std::fmt;
use std::panic::Location;
use std::rc::Rc;
use std::time::Duration;

use super::{Event, Thread};

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
    finished: Event,
    /// The timer's thread, made (and numbered) when the timer is.
    thread: Thread,
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer")
            .field("name", &self.inner.thread.name())
            .field("interval", &self.inner.interval)
            .finish_non_exhaustive()
    }
}

impl Timer {
    /// A timer that will run `function` `interval` after it is started.
    /// Takes the next `Thread-N` name now, as Python does.
    #[track_caller]
    pub fn new(interval: Duration, function: impl FnOnce() + 'static) -> Timer {
        let finished = Event::new();
        let thread = Thread::new(move || {
            // CPython's Timer.run, step for step.
            finished.wait_timeout(interval);
            if !finished.is_set() {
                function();
            }
            finished.set();
        });
        Timer {
            inner: Rc::new(Inner {
                interval,
                finished,
                thread,
            }),
        }
    }

    /// Starts the timer's thread (a spawn). Starting twice panics with
    /// Python's `RuntimeError: threads can only be started once`.
    #[track_caller]
    pub fn start(&self) {
        self.inner.thread.start_at(Location::caller());
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
        if self.inner.thread.has_started() {
            self.inner.thread.join_at(Location::caller());
        }
    }

    /// Whether the timer's thread has started and not finished.
    pub fn is_alive(&self) -> bool {
        self.inner.thread.is_alive()
    }

    /// The timer thread's name (`Thread-N`).
    pub fn name(&self) -> String {
        self.inner.thread.name()
    }
}
