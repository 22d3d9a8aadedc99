//! [`Builder`], the configuration of an exploration (its two choices
//! besides its numbers, [`Strategy`] and [`Timing`], are in `choices.rs`).
//!
//! Running the exploration (`Builder::explore`) is the parent module's;
//! the replay entry points are in `run.rs`.

use std::sync::Arc;

pub use super::choices::{Strategy, Timing};
use super::progress::{self, Progress};
use super::Shard;
use crate::rt::{self, ExecConfig};

/// The default run seed when neither [`Builder::seed`] nor `SIM_SEED` gives one.
pub const DEFAULT_SEED: u64 = 0x5eed_cafe_f00d_0001;

/// The default step limit of one execution.
pub const DEFAULT_MAX_STEPS: u64 = 100_000;

/// Configures and runs an exploration.
///
/// ```
/// use sim::{Builder, FailureKind};
/// use sim::threading::Lock;
///
/// let report = Builder::new().executions(200).seed(1).explore(|| {
///     let (a, b) = (Lock::new(), Lock::new());
///     let t = sim::thread::spawn(move || {
///         let _ga = a.lock();
///         let _gb = b.lock();
///     });
///     {
///         let _gb = b.lock();
///         let _ga = a.lock();
///     }
///     t.join().unwrap();
/// });
/// assert_eq!(report.failures[0].kind, FailureKind::Deadlock);
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    pub(super) strategy: Strategy,
    pub(super) executions: u64,
    pub(super) seed: u64,
    pub(super) max_steps: u64,
    pub(super) race_detection: bool,
    pub(super) stop_on_first_failure: bool,
    pub(super) stack_size: usize,
    pub(super) timing: Timing,
    pub(super) spurious_wakeups: bool,
    pub(super) spurious_parks: bool,
    pub(super) lazy_start: bool,
    pub(super) name: Option<String>,
    pub(super) faults: crate::Faults,
    pub(super) ipc_latency: std::time::Duration,
    pub(super) jobs: usize,
    pub(super) shard: Option<Shard>,
    pub(super) progress: Option<progress::ProgressHook>,
    pub(super) preemption_bound: Option<usize>,
    pub(super) deepening: bool,
    pub(super) reduction: bool,
    pub(super) thread_panics_fail: bool,
    pub(super) watchdog: Option<std::time::Duration>,
    pub(super) step_limit_fails: bool,
    pub(super) interrupt: Option<Arc<std::sync::atomic::AtomicBool>>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// The defaults: Random, 1,000 executions, seed [`DEFAULT_SEED`],
    /// [`DEFAULT_MAX_STEPS`] steps, race detection on, stop at the first
    /// failure, Exact timing, 2 MiB stacks (`SIM_STACK_SIZE` raises them), a 10 s watchdog
    /// (`SIM_WATCHDOG_SECS` overrides it: see [`Builder::watchdog`]).
    #[track_caller]
    pub fn new() -> Self {
        Builder {
            strategy: Strategy::Random,
            executions: 1000,
            seed: DEFAULT_SEED,
            max_steps: DEFAULT_MAX_STEPS,
            race_detection: true,
            stop_on_first_failure: true,
            stack_size: env_stack_size().unwrap_or(rt::green::DEFAULT_STACK_SIZE),
            timing: Timing::Exact,
            spurious_wakeups: false,
            spurious_parks: false,
            lazy_start: false,
            name: None,
            faults: crate::Faults::None,
            ipc_latency: std::time::Duration::ZERO,
            jobs: 1,
            shard: None,
            progress: None,
            preemption_bound: None,
            deepening: false,
            reduction: true,
            thread_panics_fail: true,
            watchdog: rt::watchdog::env_limit(),
            step_limit_fails: true,
            interrupt: None,
        }
    }

    /// Whether an execution that reaches [`Builder::max_steps`] fails
    /// (default: yes, a `StepLimit` failure). Off, it just ends there and
    /// counts as a pass (shuttle's `MaxSteps::ContinueAfter`): for programs
    /// that loop for ever by design, explored up to a depth.
    ///
    /// ```
    /// let report = sim::Builder::new()
    ///     .max_steps(50)
    ///     .step_limit_fails(false)
    ///     .executions(5)
    ///     .explore(|| loop {
    ///         sim::thread::yield_now();
    ///     });
    /// assert!(report.failures.is_empty());
    /// ```
    pub fn step_limit_fails(mut self, on: bool) -> Self {
        self.step_limit_fails = on;
        self
    }

    /// Whether a panic in a spawned thread fails the execution (default:
    /// yes, as in loom and shuttle). Off, the panic is only what `join`
    /// returns (`Err` with the panic's payload), as a real program sees it:
    /// for code that tests poisoning and recovery. A panic of the main
    /// thread always fails.
    ///
    /// ```
    /// use sim::sync::{Arc, Mutex};
    /// let report = sim::Builder::new().thread_panics_fail(false).explore(|| {
    ///     let m = Arc::new(Mutex::new(0));
    ///     let m2 = m.clone();
    ///     let t = sim::thread::spawn(move || {
    ///         let _g = m2.lock().unwrap();
    ///         panic!("while holding the lock");
    ///     });
    ///     assert!(t.join().is_err());
    ///     assert!(m.lock().is_err(), "poisoned");
    /// });
    /// assert!(report.failures.is_empty());
    /// ```
    pub fn thread_panics_fail(mut self, on: bool) -> Self {
        self.thread_panics_fail = on;
        self
    }

    /// The exploration strategy.
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// How many executions to run at most.
    pub fn executions(mut self, n: u64) -> Self {
        self.executions = n;
        self
    }

    /// The run's seed; execution `i` gets its own seed derived from it.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Steps after which an execution is a `StepLimit` failure.
    pub fn max_steps(mut self, n: u64) -> Self {
        self.max_steps = n;
        self
    }

    /// Whether to report data races on `Shared` values (default on).
    pub fn race_detection(mut self, on: bool) -> Self {
        self.race_detection = on;
        self
    }

    /// Whether to stop at the first failing execution (default on). When
    /// off, exploration goes on and collects every distinct failure.
    pub fn stop_on_first_failure(mut self, on: bool) -> Self {
        self.stop_on_first_failure = on;
        self
    }

    /// Size in bytes of each green thread's stack (default 2 MiB, as std's threads). Besides
    /// the scenario's own frames it holds the runtime's step code when a step
    /// runs inline (computing the enabled set, performing the operation,
    /// formatting a failure): a few KiB. `SIM_STACK_SIZE` (bytes, or `256K`,
    /// `2M`) is a floor: the larger of the two is used, so that a test's
    /// stack can be raised without editing it. A green thread that
    /// overflows its stack is reported on stderr (which thread, the
    /// execution's token, the size) and the process aborts.
    ///
    /// ```
    /// let report = sim::Builder::new().stack_size(64 * 1024).executions(10).explore(|| {
    ///     sim::thread::spawn(|| sim::thread::yield_now()).join().unwrap();
    /// });
    /// assert!(report.failures.is_empty());
    /// ```
    #[track_caller]
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = bytes.max(env_stack_size().unwrap_or(0));
        self
    }

    /// The wall-clock watchdog: when a green thread runs this long without
    /// reaching a sim scheduling point (it blocks on a std primitive or on
    /// I/O, or loops with no sim operation), sim prints which thread, where
    /// its last sim operation was, the execution's token and the likely
    /// causes on stderr, and exits with status 101 instead of hanging.
    /// `None` turns it off. The default is 10 s, or `SIM_WATCHDOG_SECS`
    /// (seconds; 0 = off). It only observes: schedules do not depend on it.
    ///
    /// ```
    /// use std::time::Duration;
    /// let report = sim::Builder::new()
    ///     .watchdog(Some(Duration::from_secs(60)))
    ///     .executions(10)
    ///     .explore(|| sim::thread::spawn(|| {}).join().unwrap());
    /// assert!(report.failures.is_empty());
    /// ```
    pub fn watchdog(mut self, limit: Option<std::time::Duration>) -> Self {
        self.watchdog = limit.filter(|d| !d.is_zero());
        self
    }

    /// A flag that interrupts the exploration: once it is true, no new
    /// execution starts, and `explore` returns the report of the executions
    /// finished so far (their failures and outputs), not `complete`, with
    /// `incomplete_reason` "interrupted after N executions". The `sim`
    /// command sets it on Ctrl-C. Each execution checks it once, when it
    /// ends.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    /// let stop = Arc::new(AtomicBool::new(false));
    /// let flag = Arc::clone(&stop);
    /// let report = sim::Builder::new()
    ///     .executions(1_000_000)
    ///     .interrupt_on(Arc::clone(&stop))
    ///     .on_progress(move |p: sim::Progress| {
    ///         if p.executions >= 512 {
    ///             flag.store(true, Ordering::Relaxed);
    ///         }
    ///     })
    ///     .explore(|| {});
    /// assert_eq!(report.executions, 512);
    /// assert!(!report.complete);
    /// assert_eq!(report.incomplete_reason.as_deref(), Some("interrupted after 512 executions"));
    /// ```
    pub fn interrupt_on(mut self, flag: Arc<std::sync::atomic::AtomicBool>) -> Self {
        self.interrupt = Some(flag);
        self
    }

    /// Whether the flag of [`Builder::interrupt_on`] is set.
    pub(crate) fn interrupted(&self) -> bool {
        self.interrupt
            .as_ref()
            .is_some_and(|f| f.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// For [`Strategy::Exhaustive`]: explore only the schedules with at
    /// most `k` preemptions (CHESS-style: switching away from a thread that
    /// could go on; switches at a blocking operation or a thread's exit are
    /// free). `None` (the default) is unbounded. A bounded search is reduced
    /// by bounded DPOR (BPOR's conservative backtracking, not optimal: it
    /// runs a subset of the bounded depth-first search's executions and
    /// finds every outcome that search finds) on the programs of the DPOR
    /// fragment, and is the plain bounded depth-first search outside it or
    /// with [`Builder::reduction`] off; [`Report::complete`] is false when
    /// the bound cut anything (when it is true, every trace was covered).
    ///
    /// [`Report::complete`]: crate::Report::complete
    ///
    /// ```
    /// use sim::{Builder, Strategy};
    /// use sim::threading::Lock;
    /// let lock_order = || {
    ///     let (a, b) = (Lock::new(), Lock::new());
    ///     let t = sim::thread::spawn(move || { let _a = a.lock(); let _b = b.lock(); });
    ///     { let _b = b.lock(); let _a = a.lock(); }
    ///     t.join().unwrap();
    /// };
    /// let b = Builder::new().strategy(Strategy::Exhaustive);
    /// let r0 = b.clone().preemption_bound(Some(0)).explore(lock_order);
    /// assert!(r0.failures.is_empty() && !r0.complete);
    /// let r1 = b.preemption_bound(Some(1)).explore(lock_order);
    /// assert!(!r1.failures.is_empty());
    /// ```
    pub fn preemption_bound(mut self, k: Option<usize>) -> Self {
        self.preemption_bound = k;
        self
    }

    /// With a [`Builder::preemption_bound`] of `k`: explore with bound 0,
    /// then 1, ... up to `k` (iterative deepening), so that the failures
    /// needing the fewest preemptions are found first. Executions of every
    /// round count towards [`Builder::executions`].
    ///
    /// ```
    /// use sim::{Builder, Strategy};
    /// let report = Builder::new().strategy(Strategy::Exhaustive)
    ///     .preemption_bound(Some(2)).iterative_deepening(true)
    ///     .explore(|| { sim::thread::spawn(|| {}).join().unwrap(); });
    /// assert!(report.complete);
    /// ```
    pub fn iterative_deepening(mut self, on: bool) -> Self {
        self.deepening = on;
        self
    }

    /// For [`Strategy::Exhaustive`]: whether to use the partial-order
    /// reduction (default on). Off, the search is the plain depth-first
    /// search over every schedule of the scheduling points, as shuttle's
    /// `check_dfs` and `DfsScheduler` are (they set it off). The reduction
    /// trusts that threads share state only through sim's primitives; a
    /// program that also shares state sim cannot see (a std atomic, a std
    /// `Mutex`, what a thread-local destructor writes) needs the plain
    /// search to see every order of it. [`Report::unreduced`] says so.
    ///
    /// [`Report::unreduced`]: crate::Report::unreduced
    ///
    /// ```
    /// use sim::{Builder, Strategy};
    /// use sim::sync::{Arc, Mutex};
    /// let two_by_two = || {
    ///     let m = Arc::new(Mutex::new(0));
    ///     let m2 = m.clone();
    ///     let t = sim::thread::spawn(move || { *m2.lock().unwrap() += 1; *m2.lock().unwrap() += 1; });
    ///     *m.lock().unwrap() += 1;
    ///     *m.lock().unwrap() += 1;
    ///     t.join().unwrap();
    /// };
    /// let b = Builder::new().strategy(Strategy::Exhaustive);
    /// let reduced = b.clone().explore(two_by_two);
    /// let plain = b.reduction(false).explore(two_by_two);
    /// assert!(reduced.complete && plain.complete);
    /// assert!(plain.executions >= reduced.executions);
    /// assert!(reduced.unreduced.is_none() && plain.unreduced.is_some());
    /// ```
    pub fn reduction(mut self, on: bool) -> Self {
        self.reduction = on;
        self
    }

    /// Faults the explorer may inject as scheduling choices (default
    /// none). With [`Faults::Kill`](crate::Faults::Kill) it may kill
    /// processes (never threads) at any scheduling point.
    ///
    /// ```
    /// use sim::{Builder, Faults, FailureKind};
    /// use sim::multiprocessing::Lock;
    /// // A child killed while it holds a process::Lock never releases it.
    /// let body = || {
    ///     let lock = Lock::new();
    ///     let p = sim::multiprocessing::spawn(move || {
    ///         let _g = lock.lock();
    ///         sim::println!("child working");
    ///     });
    ///     p.join();
    ///     let _g = lock.lock();
    /// };
    /// let report = Builder::new().faults(Faults::Kill { max: 1 }).executions(200).explore(body);
    /// assert_eq!(report.failures[0].kind, FailureKind::Deadlock);
    /// assert!(Builder::new().executions(200).explore(body).failures.is_empty());
    /// ```
    pub fn faults(mut self, faults: crate::Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Virtual time each IPC send (`process::Queue::put`,
    /// `Connection::send`) costs its sender (default zero).
    ///
    /// ```
    /// use std::time::Duration;
    /// let report = sim::Builder::new().ipc_latency(Duration::from_millis(5)).executions(1).explore(|| {
    ///     let q = sim::multiprocessing::Queue::new(0);
    ///     q.put(1);
    ///     assert_eq!(sim::time::now(), Duration::from_millis(5));
    /// });
    /// assert!(report.failures.is_empty());
    /// ```
    pub fn ipc_latency(mut self, latency: std::time::Duration) -> Self {
        self.ipc_latency = latency;
        self
    }

    /// The scenario's name, recorded in traces (default: the test's name).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// How many OS threads run executions (default 1). Each has its own
    /// runtime and stack pool; the report is the one `jobs(1)` gives for the
    /// same seed (same failures, tokens, execution counts and outputs),
    /// whatever the number of jobs. `0` means one per available core.
    ///
    /// Random, PCT and POS split their execution indices. Exhaustive
    /// exploration splits its unreduced depth-first search (used for
    /// programs outside the DPOR fragment: timeouts, try-locks, sleeps under
    /// adversarial timing, processes, kills, mpsc; and with the reduction
    /// off) into independent subtrees, merged in depth-first order; the
    /// reduced searches (optimal DPOR, and bounded DPOR under a preemption
    /// bound) run on one thread, because their subtrees are not independent
    /// (see the module docs of `sim/src/explore/exhaustive/mod.rs`).
    ///
    /// ```
    /// use sim::{Builder, Strategy};
    /// let body = || { sim::thread::spawn(|| sim::println!("a")); sim::println!("b"); };
    /// let one = Builder::new().executions(2000).explore(body);
    /// let two = Builder::new().executions(2000).jobs(2).explore(body);
    /// assert_eq!(one, two);
    ///
    /// // An Event is outside the DPOR fragment: a split depth-first search.
    /// let event = || {
    ///     let ev = sim::threading::Event::new();
    ///     let t = sim::thread::spawn(move || { ev.wait(); sim::println!("woken"); });
    ///     sim::println!("set");
    ///     ev.set();
    ///     t.join().unwrap();
    /// };
    /// let exhaustive = Builder::new().strategy(Strategy::Exhaustive);
    /// assert_eq!(exhaustive.clone().jobs(2).explore(event), exhaustive.explore(event));
    /// ```
    pub fn jobs(mut self, n: usize) -> Self {
        self.jobs = if n == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            n
        };
        self
    }

    /// Runs only one shard of the exploration, for spreading one
    /// exploration over machines; [`Report::merge`] combines the shards'
    /// reports. For Random, PCT and POS a shard is a disjoint,
    /// deterministic slice of the execution indices (see [`Shard::range`]),
    /// and failures keep their run-wide execution numbers and tokens.
    ///
    /// For [`Strategy::Exhaustive`], a shard is a block of the subtrees of
    /// the unreduced depth-first search (a list every shard computes alike
    /// from the program, the settings and the shard count); its failures
    /// keep their tokens but are numbered from the shard's first execution
    /// ([`Report::merge`] renumbers them), and [`Builder::executions`] is a
    /// budget for the shard's block. What is not split (optimal DPOR, and
    /// iterative deepening) runs in shard 0 only; the other shards report
    /// no executions.
    ///
    /// [`Report::merge`]: crate::Report::merge
    ///
    /// ```
    /// use sim::{Builder, Report, Shard, Strategy};
    /// let report = Builder::new().executions(10).shard(Shard { index: 2, count: 3 }).explore(|| {});
    /// assert_eq!(report.executions, 4); // indices 6..10
    /// assert_eq!(report.shard, Some(Shard { index: 2, count: 3 }));
    ///
    /// // Exhaustive, outside the DPOR fragment (a Semaphore): shards of the DFS.
    /// let body = || {
    ///     let sem = sim::threading::Semaphore::new(1);
    ///     let t = sim::thread::spawn(move || { sem.acquire(); sim::println!("t"); sem.release(); });
    ///     sem.acquire();
    ///     sim::println!("main");
    ///     sem.release();
    ///     t.join().unwrap();
    /// };
    /// let b = Builder::new().strategy(Strategy::Exhaustive).stop_on_first_failure(false);
    /// let parts: Vec<Report> =
    ///     (0..2).map(|i| b.clone().shard(Shard { index: i, count: 2 }).explore(body)).collect();
    /// assert_eq!(Report::merge(parts).unwrap(), b.explore(body));
    /// ```
    pub fn shard(mut self, shard: Shard) -> Self {
        self.shard = Some(shard);
        self
    }

    /// Calls `hook` every [`PROGRESS_EVERY`] executions and once at the end,
    /// from whichever thread ran them (see [`Progress`]). The CLI draws its
    /// progress bar with it.
    ///
    /// [`PROGRESS_EVERY`]: crate::PROGRESS_EVERY
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// use std::sync::Arc;
    /// let last = Arc::new(AtomicU64::new(0));
    /// let seen = Arc::clone(&last);
    /// sim::Builder::new()
    ///     .executions(300)
    ///     .on_progress(move |p| seen.store(p.executions, Ordering::Relaxed))
    ///     .explore(|| {});
    /// assert_eq!(last.load(Ordering::Relaxed), 300);
    /// ```
    pub fn on_progress(mut self, hook: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(progress::ProgressHook(Arc::new(hook)));
        self
    }

    pub(crate) fn exec_config(&self) -> ExecConfig {
        ExecConfig {
            max_steps: self.max_steps,
            step_limit_fails: self.step_limit_fails,
            race_detection: self.race_detection,
            stack_size: self.stack_size,
            record_clocks: false,
            record_events: true,
            adversarial: self.timing == Timing::Adversarial,
            spurious_wakeups: self.spurious_wakeups,
            spurious_parks: self.spurious_parks || self.spurious_wakeups,
            lazy_start: self.lazy_start,
            kill_max: self.faults.kill_max(),
            ipc_latency: crate::time::to_nanos(self.ipc_latency),
            thread_panics_fail: self.thread_panics_fail,
            yield_fairness: self.strategy == Strategy::Exhaustive,
            watchdog_ms: self.watchdog.map_or(0, |d| {
                u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
            }),
        }
    }

    pub(super) fn tracing_config(&self) -> ExecConfig {
        ExecConfig {
            record_clocks: true,
            ..self.exec_config()
        }
    }

    pub(crate) fn scenario_name(&self) -> String {
        self.name
            .clone()
            .or_else(|| std::thread::current().name().map(str::to_string))
            .unwrap_or_else(|| "scenario".to_string())
    }
}

/// The stack size of `SIM_STACK_SIZE` (bytes, or with a `K`/`KiB`/`M`/`MiB`
/// suffix), if set. A bad value is a clear panic.
#[track_caller]
pub(crate) fn env_stack_size() -> Option<usize> {
    let text = std::env::var("SIM_STACK_SIZE").ok()?;
    let t = text.trim().to_ascii_lowercase();
    let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t.as_str(), ""),
    };
    let unit = match unit.trim() {
        "" | "b" => Some(1),
        "k" | "kb" | "kib" => Some(1024),
        "m" | "mb" | "mib" => Some(1024 * 1024),
        _ => None,
    };
    let bytes = unit
        .zip(digits.parse::<usize>().ok())
        .and_then(|(u, n)| n.checked_mul(u))
        .filter(|&b| (4096..=1 << 40).contains(&b));
    Some(bytes.unwrap_or_else(|| {
        panic!(
            "sim: SIM_STACK_SIZE={text:?} is not a stack size (bytes from 4096, or with a K or M \
             suffix: 262144, 256K, 2M)"
        )
    }))
}
