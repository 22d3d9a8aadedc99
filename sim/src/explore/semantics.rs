//! The [`Builder`] settings that choose what an exploration models (the
//! timing model, spurious wake-ups, when a spawned thread starts), beside
//! those in `builder.rs` that choose how much it explores and how.

use super::builder::Builder;
use super::choices::Timing;

impl Builder {
    /// The timing model (default [`Timing::Exact`]).
    pub fn timing(mut self, timing: Timing) -> Self {
        self.timing = timing;
        self
    }

    /// Whether `Condition` waits may wake up without a notify (default
    /// off: CPython has no spurious wake-ups). Turn it on to test code
    /// written for Rust-style condition variables, which must re-check.
    ///
    /// ```
    /// use sim::threading::Condition;
    /// // A bare wait with nobody to notify: a deadlock, unless wake-ups
    /// // may be spurious.
    /// let body = || {
    ///     let cv = Condition::new();
    ///     let _g = cv.lock();
    ///     cv.wait();
    /// };
    /// assert!(!sim::Builder::new().executions(1).explore(body).failures.is_empty());
    /// let report = sim::Builder::new().spurious_wakeups(true).executions(1).explore(body);
    /// assert!(report.failures.is_empty());
    /// ```
    pub fn spurious_wakeups(mut self, on: bool) -> Self {
        self.spurious_wakeups = on;
        self
    }

    /// Whether `park` may return without an `unpark`, as std allows
    /// (default off here and under `sim::model`, as in loom; on under
    /// shuttle's entry points `check_random`, `check_pct`, `check_dfs`,
    /// `check` and `replay`, as in shuttle). [`Builder::spurious_wakeups`]
    /// implies it. As in shuttle, a program whose threads can only wake
    /// spuriously is still a deadlock.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    /// use std::sync::Arc;
    /// // A parked thread that reads a flag it expects its unparker to have set.
    /// let body = || {
    ///     let flag = Arc::new(AtomicBool::new(false));
    ///     let f = Arc::clone(&flag);
    ///     let t = sim::thread::spawn(move || {
    ///         sim::thread::park();
    ///         assert!(f.load(SeqCst), "woke spuriously");
    ///     });
    ///     sim::thread::yield_now();
    ///     flag.store(true, SeqCst);
    ///     t.thread().unpark();
    ///     t.join().unwrap();
    /// };
    /// let strict = sim::Builder::new().strategy(sim::Strategy::Exhaustive);
    /// assert!(strict.clone().explore(body).failures.is_empty());
    /// assert!(!strict.spurious_parks(true).explore(body).failures.is_empty());
    /// ```
    pub fn spurious_parks(mut self, on: bool) -> Self {
        self.spurious_parks = on;
        self
    }

    /// Whether a spawned thread starts at a scheduling point of its own,
    /// as an OS thread starts whenever the scheduler first runs it (on
    /// under the test entry points, `sim::model`, `check_random`,
    /// `check_dfs`, ..., as in loom and shuttle), or at once, with its
    /// spawn, running up to its first operation before the spawner goes on
    /// (off: the default of `Builder::new()`, as CPython's `Thread.start()`
    /// waits for the thread to start). The difference shows only in what a
    /// thread does before its first operation: code that reads the clock
    /// or touches state sim does not see (a std atomic, a `RefCell`).
    /// The start is no event for the optimal DPOR (which, as for any state
    /// it does not see, does not order such code), URW or a preemption
    /// bound; it is one more interleaving point for the plain DFS.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    /// use std::sync::Arc;
    /// // Which thread pushes first to a std (unseen) counter.
    /// let body = || {
    ///     let order = Arc::new(AtomicUsize::new(0));
    ///     let o = Arc::clone(&order);
    ///     let t = sim::thread::spawn(move || o.compare_exchange(0, 1, SeqCst, SeqCst).is_ok());
    ///     sim::thread::yield_now();
    ///     let main_first = order.compare_exchange(0, 2, SeqCst, SeqCst).is_ok();
    ///     sim::println!("{}", if t.join().unwrap() { "child first" } else { "main first" });
    ///     assert!(main_first != (order.load(SeqCst) == 1));
    /// };
    /// let random = sim::Builder::new().executions(200);
    /// assert_eq!(random.clone().explore(body).outputs.len(), 1); // the child, at its spawn
    /// assert_eq!(random.lazy_start(true).explore(body).outputs.len(), 2);
    /// ```
    pub fn lazy_start(mut self, on: bool) -> Self {
        self.lazy_start = on;
        self
    }
}
