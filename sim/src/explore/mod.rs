//! Exploration: running a scenario many times under a strategy, and the
//! report that comes out.
//!
//! A strategy is a [`Scheduler`](crate::rt::Scheduler) built per execution;
//! this module owns the loop over executions, derives per-execution seeds,
//! collects distinct outputs and failures, and builds traces for failures.

mod check;
mod corpus;
mod dpor;
mod parallel;
mod pct;
mod pos;
mod progress;
mod random;
mod shard;
mod split;
mod token;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

pub use check::{check_pct, check_random, model, replay};
pub use progress::{Progress, PROGRESS_EVERY};
pub use shard::{Shard, ShardError};
pub use token::TokenError;

use crate::failure::{Failure, FailureKind};
use crate::rt::{self, Exec, ExecConfig, ExecFailure};
use crate::trace::{
    Trace, TraceEdge, TraceEvent, TraceFailure, TraceObject, TraceOutput, TracePending,
    TRACE_FORMAT_VERSION,
};
use random::{execution_seed, ExecutionSeeds, RandomScheduler};
use token::Token;

/// How the explorer picks the next thread at each scheduling point.
///
/// ```
/// use sim::{Builder, Strategy};
/// let report = Builder::new().strategy(Strategy::Random).executions(5).explore(|| {});
/// assert_eq!(report.executions, 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Strategy {
    /// Uniformly at random among the enabled threads, ChaCha8-seeded; each
    /// execution has its own seed, printed on failure.
    #[default]
    Random,
    /// Probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010):
    /// random thread priorities and `depth - 1` priority change points
    /// drawn over the estimated step count `k` (the longest of 8 random
    /// probe executions, not counted; stated in [`Report::pct_steps`]). Finds a bug of depth
    /// `d` with probability at least `1/(n k^(d-1))` per execution.
    ///
    /// ```
    /// use sim::{Builder, Strategy};
    /// let report = Builder::new().strategy(Strategy::Pct { depth: 2 }).executions(10)
    ///     .explore(|| { sim::thread::spawn(|| {}).join().unwrap(); });
    /// assert_eq!(report.executions, 10);
    /// assert!(report.pct_steps.is_some());
    /// ```
    Pct {
        /// The bug depth `d` (at least 1): `d - 1` change points.
        depth: u32,
    },
    /// Partial-order sampling (Yuan et al., CAV 2018): random priorities
    /// per pending operation, re-drawn for the operations that conflict with
    /// the one just executed.
    ///
    /// ```
    /// use sim::{Builder, Strategy};
    /// let report = Builder::new().strategy(Strategy::Pos).executions(10).explore(|| {});
    /// assert_eq!(report.executions, 10);
    /// ```
    Pos,
    /// Every execution, depth-first, with optimal dynamic partial-order
    /// reduction: one execution per Mazurkiewicz trace (see
    /// ARCHITECTURE.md, "Exhaustive exploration"). [`Report::complete`] says
    /// whether the whole space was covered.
    ///
    /// ```
    /// use sim::{Builder, Strategy};
    /// use sim::threading::Lock;
    /// let report = Builder::new().strategy(Strategy::Exhaustive).explore(|| {
    ///     let lock = Lock::new();
    ///     let t = sim::thread::spawn(move || drop(lock.lock()));
    ///     drop(lock.lock());
    ///     t.join().unwrap();
    /// });
    /// assert!(report.complete);
    /// assert_eq!(report.executions, 2); // who takes the lock first
    /// ```
    Exhaustive,
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Strategy::Random => f.write_str("random"),
            Strategy::Pct { depth } => write!(f, "pct (depth {depth})"),
            Strategy::Pos => f.write_str("pos"),
            Strategy::Exhaustive => f.write_str("exhaustive"),
        }
    }
}

/// How virtual time orders events.
///
/// ```
/// use sim::{Builder, Timing};
/// let report = Builder::new().timing(Timing::Exact).executions(1).explore(|| {
///     sim::time::sleep(std::time::Duration::from_secs(2));
///     assert_eq!(sim::time::now().as_secs(), 2);
/// });
/// assert!(report.failures.is_empty());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Timing {
    /// Sleeps and timeouts fire exactly on time; everything due at the same
    /// instant is a scheduling choice.
    #[default]
    Exact,
    /// Time gives no ordering: a sleep is only a yield plus a lower bound on
    /// the clock, and a timed wait may time out at any scheduling point
    /// while it waits. Finds the bugs that sleeps hide.
    ///
    /// ```
    /// use sim::{Builder, Timing};
    /// // Under Exact timing the sleep orders the two prints; here it does not.
    /// let report = Builder::new().timing(Timing::Adversarial).executions(200).explore(|| {
    ///     let t = sim::thread::spawn(|| sim::println!("child"));
    ///     sim::time::sleep(std::time::Duration::from_secs(1));
    ///     sim::println!("main");
    ///     t.join().unwrap();
    /// });
    /// assert_eq!(report.outputs.len(), 2);
    /// ```
    Adversarial,
}

impl fmt::Display for Timing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timing::Exact => f.write_str("exact"),
            Timing::Adversarial => f.write_str("adversarial"),
        }
    }
}

/// The default run seed when neither [`Builder::seed`] nor `SIM_SEED` gives one.
pub const DEFAULT_SEED: u64 = 0x5eed_cafe_f00d_0001;

/// Random executions run (not counted) to estimate PCT's step count `k`.
const PCT_PROBES: u64 = 8;

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
    strategy: Strategy,
    executions: u64,
    seed: u64,
    max_steps: u64,
    race_detection: bool,
    stop_on_first_failure: bool,
    stack_size: usize,
    timing: Timing,
    spurious_wakeups: bool,
    name: Option<String>,
    faults: crate::Faults,
    ipc_latency: std::time::Duration,
    jobs: usize,
    shard: Option<Shard>,
    progress: Option<progress::ProgressHook>,
    preemption_bound: Option<usize>,
    deepening: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// The defaults: Random, 1,000 executions, seed [`DEFAULT_SEED`],
    /// [`DEFAULT_MAX_STEPS`] steps, race detection on, stop at the first
    /// failure, Exact timing, 256 KiB stacks.
    pub fn new() -> Self {
        Builder {
            strategy: Strategy::Random,
            executions: 1000,
            seed: DEFAULT_SEED,
            max_steps: DEFAULT_MAX_STEPS,
            race_detection: true,
            stop_on_first_failure: true,
            stack_size: rt::green::DEFAULT_STACK_SIZE,
            timing: Timing::Exact,
            spurious_wakeups: false,
            name: None,
            faults: crate::Faults::None,
            ipc_latency: std::time::Duration::ZERO,
            jobs: 1,
            shard: None,
            progress: None,
            preemption_bound: None,
            deepening: false,
        }
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

    /// Size in bytes of each green thread's stack (default 256 KiB). Besides
    /// the scenario's own frames it holds the runtime's step code when a step
    /// runs inline (computing the enabled set, performing the operation,
    /// formatting a failure): a few KiB.
    ///
    /// ```
    /// let report = sim::Builder::new().stack_size(64 * 1024).executions(10).explore(|| {
    ///     sim::thread::spawn(|| sim::thread::yield_now()).join().unwrap();
    /// });
    /// assert!(report.failures.is_empty());
    /// ```
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = bytes;
        self
    }

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

    /// For [`Strategy::Exhaustive`]: explore only the schedules with at
    /// most `k` preemptions (CHESS-style: switching away from a thread that
    /// could go on; switches at a blocking operation or a thread's exit are
    /// free). `None` (the default) is unbounded. A bounded search is a plain
    /// depth-first search without partial-order reduction (the two do not
    /// combine soundly); [`Report::complete`] is false when the bound cut
    /// anything.
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
    /// exploration splits its unreduced depth-first search (used with a
    /// preemption bound, and for programs outside the DPOR fragment:
    /// Condition, Semaphore, Event, Barrier, Queue, sleeps, processes,
    /// kills, adversarial timing) into independent subtrees, merged in
    /// depth-first order; the reduced search (optimal DPOR, for programs of
    /// locks, `Shared`, spawn and join) runs on one thread, because its
    /// subtrees are not independent (see ARCHITECTURE.md, "Exhaustive
    /// exploration").
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

    fn exec_config(&self) -> ExecConfig {
        ExecConfig {
            max_steps: self.max_steps,
            race_detection: self.race_detection,
            stack_size: self.stack_size,
            record_clocks: false,
            record_events: true,
            adversarial: self.timing == Timing::Adversarial,
            spurious_wakeups: self.spurious_wakeups,
            kill_max: self.faults.kill_max(),
            ipc_latency: crate::time::to_nanos(self.ipc_latency),
        }
    }

    fn tracing_config(&self) -> ExecConfig {
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

    /// Explores `f`; never panics because `f` fails: failures are in the report.
    pub fn explore<F>(&self, f: F) -> Report
    where
        F: Fn() + Send + Sync + 'static,
    {
        let main: Arc<dyn Fn() + Send + Sync> = Arc::new(f);
        let cfg = self.exec_config();
        if self.strategy == Strategy::Exhaustive {
            let mut report = self.explore_exhaustive(&main, &cfg);
            report.shard = self.shard;
            return report;
        }
        // The random strategies keep no event log: a failing execution is
        // replayed with one to build its trace (`Run::record`).
        let cfg = ExecConfig {
            record_events: false,
            ..cfg
        };
        let range = match self.shard {
            Some(shard) => shard.range(self.executions),
            None => 0..self.executions,
        };
        let seeds = ExecutionSeeds::new(self.seed);
        let mut pct_steps = None;
        // Execution `index` of an index-seeded strategy is named by its token.
        let token_of: Box<dyn Fn(u64) -> Token + Sync> = match self.strategy {
            Strategy::Random => Box::new(move |index| Token::Seed(seeds.get(index))),
            Strategy::Pct { depth } => {
                // Probe executions (random, not counted) estimate the step
                // count k: the longest of them.
                let mut steps = 1;
                for probe in 0..PCT_PROBES {
                    let seed = execution_seed(self.seed ^ 0x9c7_9b0b, probe);
                    rt::run_execution(&main, &cfg, &mut RandomScheduler::new(seed));
                    steps = steps.max(rt::with_exec(|e| e.steps));
                }
                pct_steps = Some(steps);
                Box::new(move |index| Token::Pct {
                    depth: depth.max(1),
                    steps,
                    seed: seeds.get(index),
                })
            }
            Strategy::Pos => Box::new(move |index| Token::Pos {
                seed: seeds.get(index),
            }),
            Strategy::Exhaustive => unreachable!("explored above"),
        };
        let mut report = parallel::run_indexed(self, &main, &cfg, range, token_of);
        report.shard = self.shard;
        report.pct_steps = pct_steps;
        report
    }

    /// `Strategy::Exhaustive`: optimal DPOR, or a (bounded) depth-first
    /// search when a preemption bound is set or the program leaves DPOR's
    /// fragment (see `dpor.rs`). The depth-first search is split into
    /// subtrees over jobs and shards (`split.rs`); ODPOR and the rounds of
    /// iterative deepening as a whole run in shard 0 (the other shards'
    /// parts are empty, so merging stays exact), and ODPOR on one thread.
    fn explore_exhaustive(&self, main: &Arc<dyn Fn() + Send + Sync>, cfg: &ExecConfig) -> Report {
        let not_shard_zero = self.shard.is_some_and(|s| s.index != 0);
        if let Some(k) = self.preemption_bound {
            let k = u32::try_from(k).unwrap_or(u32::MAX);
            if !self.deepening || k == 0 {
                return self.explore_dfs(main, cfg, Some(k));
            }
            // Iterative deepening: whether round b + 1 runs depends on
            // whether round b was complete, which no shard alone knows.
            if not_shard_zero {
                return split::empty_part(self);
            }
            let whole = Builder {
                shard: None,
                ..self.clone()
            };
            let counter = progress::ProgressCounter::new(self.progress.as_ref(), None);
            let mut rounds = Vec::new();
            let mut used = 0;
            let mut last = (true, None);
            for bound in 0..=k {
                let left = self.executions.saturating_sub(used);
                let round = whole.dfs_round(main, cfg, Some(bound), left, &counter);
                used += round.executions;
                let stop = round.complete
                    || !round.failures.is_empty() && self.stop_on_first_failure
                    || used >= self.executions;
                last = (round.complete, round.incomplete_reason.clone());
                rounds.push(round);
                if stop {
                    break;
                }
            }
            // The rounds one after the other; complete if the last one is.
            let mut report = shard::concat(rounds, self.strategy, self.seed);
            (report.complete, report.incomplete_reason) = last;
            counter.finish(report.executions);
            return report;
        }
        let counter = progress::ProgressCounter::new(self.progress.as_ref(), None);
        let mut run = Run::new(self).with_progress(&counter);
        if let Some(ended) = dpor::Odpor::explore(self, main, cfg, &mut run) {
            let mut report = run.finish(ended.complete);
            report.incomplete_reason = ended.reason;
            if not_shard_zero {
                report = split::empty_part(self);
            }
            counter.finish(report.executions);
            return report;
        }
        // Outside the reduced fragment: start again without reduction.
        self.explore_dfs(main, cfg, None)
    }

    /// The depth-first search (up to the preemption `bound`), counting
    /// its progress.
    fn explore_dfs(
        &self,
        main: &Arc<dyn Fn() + Send + Sync>,
        cfg: &ExecConfig,
        bound: Option<u32>,
    ) -> Report {
        let counter = progress::ProgressCounter::new(self.progress.as_ref(), None);
        let report = self.dfs_round(main, cfg, bound, self.executions, &counter);
        counter.finish(report.executions);
        report
    }

    /// One depth-first search (up to `bound`, at most `budget`
    /// executions): split over jobs or shards (`split.rs`), or serial.
    fn dfs_round(
        &self,
        main: &Arc<dyn Fn() + Send + Sync>,
        cfg: &ExecConfig,
        bound: Option<u32>,
        budget: u64,
        counter: &progress::ProgressCounter<'_>,
    ) -> Report {
        if split::splits(self) {
            return split::explore(self, main, cfg, bound, budget, counter);
        }
        let mut run = Run::new(self).with_progress(counter);
        let ended = dpor::Dfs::explore_from(self, main, cfg, &mut run, bound, budget, None);
        let mut report = run.finish(ended.complete);
        report.incomplete_reason = ended.reason;
        report
    }

    /// Re-runs the one execution that `token` names.
    pub fn replay<F>(&self, f: F, token: &str) -> Result<Report, TokenError>
    where
        F: Fn() + Send + Sync + 'static,
    {
        let token = Token::parse(token)?;
        let main: Arc<dyn Fn() + Send + Sync> = Arc::new(f);
        let mut run = Run::new(self);
        let cfg = self.exec_config();
        token.run(&main, &cfg);
        if let Some(misfit) = token::take_misfit() {
            // A schedule token that does not fit this program.
            let message = format!(
                "nondeterminism: the schedule token {token} does not fit this program: {misfit}.\n  \
                 Was it printed for another program, or did the program change since?"
            );
            let mut trace =
                rt::with_exec(|e| build_trace(self, e, &token.to_string(), &self.scenario_name()));
            trace.failure = Some(TraceFailure {
                kind: FailureKind::Nondeterminism,
                message: message.clone(),
                step: trace.events.last().map_or(0, |e| e.step),
                thread: None,
            });
            run.executions = 1;
            run.failures.push(Failure {
                kind: FailureKind::Nondeterminism,
                message,
                token: token.to_string(),
                execution: 1,
                trace,
                key: "nondeterminism: misfit".to_string(),
            });
            return Ok(run.finish(false));
        }
        run.record(&main, &cfg, token);
        Ok(run.finish(false))
    }

    /// Replays the execution that `recorded` (a saved trace) names and
    /// checks that it happens again event for event. A replay that
    /// diverges is a [`FailureKind::Nondeterminism`] failure naming the
    /// first differing step (the operation expected and the one performed):
    /// the scenario depends on something sim does not control (the real
    /// clock, real threads, unseeded randomness, I/O). Otherwise the report
    /// is the replay's own, with its trace.
    ///
    /// ```
    /// use sim::{Builder, FailureKind};
    /// use sim::threading::Lock;
    ///
    /// let scenario = || Lock::new().release();
    /// let recorded = Builder::new().explore(scenario).failures[0].trace.clone();
    /// let report = Builder::new().replay_trace(scenario, &recorded).unwrap();
    /// assert_eq!(report.failures[0].kind, FailureKind::Misuse);
    /// assert_eq!(report.failures[0].trace, recorded);
    ///
    /// // The same token with a program that does something else diverges.
    /// let report = Builder::new().replay_trace(|| sim::println!("changed"), &recorded).unwrap();
    /// assert_eq!(report.failures[0].kind, FailureKind::Nondeterminism);
    /// assert!(report.failures[0].message.contains("at step 1: expected step 1: MainThread release"));
    /// ```
    pub fn replay_trace<F>(&self, f: F, recorded: &Trace) -> Result<Report, TokenError>
    where
        F: Fn() + Send + Sync + 'static,
    {
        let token = Token::parse(&recorded.token)?;
        let main: Arc<dyn Fn() + Send + Sync> = Arc::new(f);
        // Replay under the timing model the trace was recorded with.
        let mut builder = self.clone();
        match recorded.timing.as_str() {
            "exact" => builder.timing = Timing::Exact,
            "adversarial" => builder.timing = Timing::Adversarial,
            _ => {}
        }
        let this = &builder;
        token.run(&main, &this.tracing_config());
        let (mut trace, key) = rt::with_exec(|e| {
            let key = e.failure.as_ref().map(|f| f.key.clone());
            (
                build_trace(this, e, &recorded.token, &recorded.scenario),
                key,
            )
        });
        let mut failures = Vec::new();
        if let Some(divergence) = recorded.first_divergence(&trace) {
            let message = format!(
                "nondeterminism: the replay of token {} diverged from the recorded trace {divergence}.\n  \
                 The scenario depends on something sim does not control (the real clock, real \
                 threads, unseeded randomness, I/O, state kept between executions), or its \
                 program changed since the trace was recorded.",
                recorded.token
            );
            trace.failure = Some(TraceFailure {
                kind: FailureKind::Nondeterminism,
                message: message.clone(),
                step: trace.events.last().map_or(0, |e| e.step),
                thread: None,
            });
            failures.push(Failure {
                kind: FailureKind::Nondeterminism,
                message,
                token: recorded.token.clone(),
                execution: 1,
                trace: trace.clone(),
                key: "nondeterminism".to_string(),
            });
        } else if let Some(f) = &trace.failure {
            failures.push(Failure {
                kind: f.kind,
                message: f.message.clone(),
                token: recorded.token.clone(),
                execution: 1,
                trace: trace.clone(),
                key: key.unwrap_or_default(),
            });
        }
        Ok(Report {
            executions: 1,
            complete: false,
            failures,
            outputs: BTreeMap::from([(trace.output_text(), 1)]),
            strategy: self.strategy,
            seed: self.seed,
            shard: None,
            incomplete_reason: None,
            pct_steps: None,
        })
    }

    /// The trace of the one execution that `token` names, failing or not.
    ///
    /// ```
    /// let trace = sim::Builder::new().trace(|| sim::println!("hi"), "7").unwrap();
    /// assert_eq!(trace.output_text(), "hi\n");
    /// assert!(trace.failure.is_none());
    /// ```
    pub fn trace<F>(&self, f: F, token: &str) -> Result<Trace, TokenError>
    where
        F: Fn() + Send + Sync + 'static,
    {
        let token = Token::parse(token)?;
        let main: Arc<dyn Fn() + Send + Sync> = Arc::new(f);
        token.run(&main, &self.tracing_config());
        Ok(rt::with_exec(|e| {
            build_trace(self, e, &token.to_string(), &self.scenario_name())
        }))
    }
}

/// The outcome of an exploration.
///
/// ```
/// let report = sim::Builder::new().executions(3).explore(|| sim::println!("same"));
/// assert_eq!(report.executions, 3);
/// assert_eq!(report.outputs.get("same\n"), Some(&3));
/// assert!(report.failures.is_empty());
/// ```
/// Reports serialise with serde (the CLI's `explore --report` writes one as
/// JSON for `sim merge`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Report {
    /// Executions run (with the default stop-at-first-failure, the 1-based
    /// index of the failing one).
    pub executions: u64,
    /// True only when the whole space of executions was covered (never for
    /// random strategies).
    pub complete: bool,
    /// Distinct failures, in the order found.
    pub failures: Vec<Failure>,
    /// Every distinct output (all printed text of an execution,
    /// concatenated) with how many executions printed it.
    pub outputs: BTreeMap<String, u64>,
    /// The strategy used.
    pub strategy: Strategy,
    /// The run's seed.
    pub seed: u64,
    /// The shard this report covers, if the exploration was sharded.
    pub shard: Option<Shard>,
    /// Why an exhaustive exploration is not complete (the execution budget
    /// ran out, the preemption bound or the step limit cut schedules, or it
    /// stopped at the first failure); `None` when complete or not
    /// exhaustive.
    ///
    /// ```
    /// use sim::{Builder, Strategy};
    /// let report = Builder::new().strategy(Strategy::Exhaustive).executions(1).explore(|| {
    ///     let t = sim::thread::spawn(|| sim::println!("a"));
    ///     sim::println!("b");
    ///     t.join().unwrap();
    /// });
    /// assert!(!report.complete);
    /// assert!(report.incomplete_reason.unwrap().contains("budget"));
    /// ```
    pub incomplete_reason: Option<String>,
    /// For [`Strategy::Pct`]: the estimated step count `k` the change points
    /// were drawn over (also part of each execution's token).
    ///
    /// ```
    /// use sim::{Builder, Strategy};
    /// let report = Builder::new().strategy(Strategy::Pct { depth: 3 }).executions(5)
    ///     .explore(|| { sim::thread::spawn(|| sim::println!("hi")).join().unwrap(); });
    /// assert_eq!(report.pct_steps, Some(3)); // spawn, print, join
    /// ```
    pub pct_steps: Option<u64>,
}

impl Report {
    /// The first failure, if any.
    pub fn failure(&self) -> Option<&Failure> {
        self.failures.first()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} executions ({}, seed {}{}), {}, {} distinct output(s), {} failure(s)",
            self.executions,
            self.strategy,
            self.seed,
            self.shard
                .map(|s| format!(", shard {s}"))
                .unwrap_or_default(),
            if self.complete {
                "complete"
            } else {
                "not complete"
            },
            self.outputs.len(),
            self.failures.len()
        )?;
        if let Some(reason) = &self.incomplete_reason {
            writeln!(f, "not complete: {reason}")?;
        }
        if let Some(k) = self.pct_steps {
            writeln!(f, "pct: change points drawn over k = {k} estimated steps")?;
        }
        for failure in &self.failures {
            writeln!(f, "{failure}")?;
        }
        Ok(())
    }
}

/// The state of one exploration (or one chunk of one) in progress.
struct Run<'a> {
    builder: &'a Builder,
    /// Executions before this run's first one (a chunk or shard starts
    /// partway through the run): failures are numbered run-wide.
    base: u64,
    executions: u64,
    failures: Vec<Failure>,
    failure_keys: BTreeSet<(FailureKind, String)>,
    outputs: BTreeMap<String, u64>,
    output_buf: String,
    /// Where an exhaustive run counts its executions (the chunks of
    /// index-seeded runs are counted by `parallel`).
    progress: Option<&'a progress::ProgressCounter<'a>>,
}

impl<'a> Run<'a> {
    /// A run that counts its executions on `counter` (the caller calls
    /// its `finish`).
    fn with_progress(mut self, counter: &'a progress::ProgressCounter<'a>) -> Self {
        self.progress = Some(counter);
        self
    }

    fn new(builder: &'a Builder) -> Self {
        Run::starting_at(builder, 0)
    }

    fn starting_at(builder: &'a Builder, base: u64) -> Self {
        Run {
            builder,
            base,
            executions: 0,
            failures: Vec::new(),
            failure_keys: BTreeSet::new(),
            outputs: BTreeMap::new(),
            output_buf: String::new(),
            progress: None,
        }
    }

    /// Runs one execution; returns whether it failed. A new distinct
    /// failure is replayed once with vector clocks on to build its trace
    /// (the hot path records none); if that replay diverges, the failure is
    /// reported as `Nondeterminism`.
    fn execute(
        &mut self,
        main: &Arc<dyn Fn() + Send + Sync>,
        cfg: &ExecConfig,
        token: Token,
    ) -> bool {
        token.run(main, cfg);
        self.record(main, cfg, token)
    }

    /// Records the execution just run (by the scheduler `token` names).
    fn record(
        &mut self,
        main: &Arc<dyn Fn() + Send + Sync>,
        cfg: &ExecConfig,
        token: Token,
    ) -> bool {
        let failed = self.record_untallied(main, cfg, token);
        if let Some(progress) = &self.progress {
            progress.tick(failed);
        }
        failed
    }

    fn record_untallied(
        &mut self,
        main: &Arc<dyn Fn() + Send + Sync>,
        cfg: &ExecConfig,
        token: Token,
    ) -> bool {
        self.executions += 1;
        let new_failure = rt::with_exec(|e| {
            self.output_buf.clear();
            for chunk in &e.output {
                self.output_buf.push_str(&chunk.text);
            }
            match self.outputs.get_mut(self.output_buf.as_str()) {
                Some(n) => *n += 1,
                None => {
                    self.outputs.insert(self.output_buf.clone(), 1);
                }
            }
            let failure = e.failure.as_ref()?;
            if self
                .failure_keys
                .insert((failure.kind, failure.key.clone()))
            {
                // What the replay below is checked against: the trace, if
                // this run recorded its events, else its path.
                let first = if cfg.record_events {
                    FirstRun::Trace(build_trace(
                        self.builder,
                        e,
                        &token.to_string(),
                        &self.builder.scenario_name(),
                    ))
                } else {
                    FirstRun::Path(PathSummary::of(e))
                };
                Some(Some((first, failure.key.clone())))
            } else {
                Some(None)
            }
        });
        let Some(new_failure) = new_failure else {
            return false;
        };
        if let Some((first, key)) = new_failure {
            let name = self.builder.scenario_name();
            let traced = ExecConfig {
                record_clocks: true,
                record_events: true,
                ..cfg.clone()
            };
            token.run(main, &traced);
            let (mut trace, replayed) = rt::with_exec(|e| {
                (
                    build_trace(self.builder, e, &token.to_string(), &name),
                    PathSummary::of(e),
                )
            });
            let (divergence, original) = match first {
                FirstRun::Trace(untimed) => {
                    let mut without_clocks = trace.clone();
                    for ev in &mut without_clocks.events {
                        ev.clock.clear();
                    }
                    let divergence = untimed.first_divergence(&without_clocks);
                    if divergence.is_some() {
                        // Report the run that failed, not its replay.
                        trace = untimed;
                    }
                    let original = trace.failure.clone().expect("a failing execution");
                    (divergence, original)
                }
                FirstRun::Path(path) => {
                    let divergence = path.divergence(&replayed);
                    let (original, _) = path.failure.expect("a failing execution");
                    (divergence, original)
                }
            };
            let (kind, message) = match divergence {
                // The replay's report: the same failure, with the source
                // locations of the events it recorded.
                None => {
                    let f = trace
                        .failure
                        .as_ref()
                        .expect("the replay failed as the run did");
                    (f.kind, f.message.clone())
                }
                Some(divergence) => {
                    let message = format!(
                        "nondeterminism: execution {} failed, but replaying its token {token} diverged \
                         from it {divergence}.\n  The scenario depends on something sim does not \
                         control (the real clock, real threads, unseeded randomness, I/O, state kept \
                         between executions), so its failures cannot be replayed. The failure was:\n{}: {}",
                        self.base + self.executions, original.kind, original.message
                    );
                    trace.failure = Some(TraceFailure {
                        kind: FailureKind::Nondeterminism,
                        message: message.clone(),
                        ..original
                    });
                    (FailureKind::Nondeterminism, message)
                }
            };
            self.failures.push(Failure {
                kind,
                message,
                execution: self.base + self.executions,
                trace,
                token: token.to_string(),
                key,
            });
        }
        true
    }

    fn finish(self, complete: bool) -> Report {
        Report {
            executions: self.executions,
            complete,
            failures: self.failures,
            outputs: self.outputs,
            strategy: self.builder.strategy,
            seed: self.builder.seed,
            shard: None,
            incomplete_reason: None,
            pct_steps: None,
        }
    }
}

/// The strategy a trace names: the one its token belongs to (a schedule
/// token is exhaustive exploration's, a `pct`/`pos` token names its
/// strategy), else the builder's.
fn token_strategy(token: &str, strategy: Strategy) -> String {
    match Token::parse(token) {
        Ok(Token::Schedule(_)) => Strategy::Exhaustive.to_string(),
        Ok(Token::Pct { depth, .. }) => Strategy::Pct { depth }.to_string(),
        Ok(Token::Pos { .. }) => Strategy::Pos.to_string(),
        _ => strategy.to_string(),
    }
}

/// What a failing execution left to check its replay against
/// (`Run::record`).
enum FirstRun {
    /// Its trace, when it recorded its events.
    Trace(Trace),
    /// Its path, when it did not.
    Path(PathSummary),
}

/// An execution's path as far as it is known without an event log: the
/// number of steps, the hash of the threads that took them, the output
/// and the failure (with its key), if it failed.
struct PathSummary {
    steps: u64,
    hash: u64,
    output: String,
    failure: Option<(TraceFailure, String)>,
}

impl PathSummary {
    fn of(e: &Exec) -> PathSummary {
        PathSummary {
            steps: e.steps,
            hash: e.path_hash,
            output: e.output.iter().map(|c| c.text.as_str()).collect(),
            failure: e.failure.as_ref().map(|f| {
                let failure = TraceFailure {
                    kind: f.kind,
                    message: f.message.clone(),
                    step: f.step,
                    thread: f.tid,
                };
                (failure, f.key.clone())
            }),
        }
    }

    /// How the replay `other` differs from this execution, if it does.
    fn divergence(&self, other: &PathSummary) -> Option<String> {
        if self.steps != other.steps {
            return Some(format!(
                "in its length: the execution took {} steps, the replay {}",
                self.steps, other.steps
            ));
        }
        if self.hash != other.hash {
            return Some(format!(
                "in its path: both took {} steps, but not by the same threads in the same order",
                self.steps
            ));
        }
        let ends = |p: &PathSummary| p.failure.as_ref().map(|(f, key)| (f.kind, key.clone()));
        if ends(self) != ends(other) {
            let end = |p: &PathSummary| match &p.failure {
                Some((f, _)) => format!("failed with {}: {}", f.kind, f.message),
                None => "did not fail".to_string(),
            };
            return Some(format!(
                "at its end: the execution {}; the replay {}",
                end(self),
                end(other)
            ));
        }
        if self.output != other.output {
            return Some("in its output: same steps, different printed text".to_string());
        }
        None
    }
}

fn build_trace(builder: &Builder, e: &Exec, token: &str, scenario: &str) -> Trace {
    let object_name = |o: rt::op::ObjId| {
        let obj = &e.objects[o.index()];
        format!("{}#{}", obj.state.kind(), o.0)
    };
    let events = e
        .events
        .iter()
        .enumerate()
        .map(|(i, ev)| TraceEvent {
            step: ev.step,
            thread: ev.tid,
            thread_name: e.thread_name(ev.tid),
            op: ev.op.name().to_string(),
            object: ev.op.object().map(object_name),
            result: match ev.result {
                rt::op::OpResult::Unit => None,
                rt::op::OpResult::Bool(b) => Some(b.to_string()),
                rt::op::OpResult::Spawned(t) => Some(e.thread_name(t as usize)),
                rt::op::OpResult::Value(v) => Some(v.to_string()),
            },
            time_ns: ev.time,
            location: ev.location.to_string(),
            clock: e
                .clocks
                .get(i)
                .map(|c| c.entries().to_vec())
                .unwrap_or_default(),
        })
        .collect();
    Trace {
        format_version: TRACE_FORMAT_VERSION,
        scenario: scenario.to_string(),
        strategy: token_strategy(token, builder.strategy),
        token: token.to_string(),
        timing: builder.timing.to_string(),
        threads: (0..e.threads.len()).map(|t| e.thread_name(t)).collect(),
        objects: e
            .objects
            .iter()
            .map(|o| TraceObject {
                name: object_name(o.id),
                kind: o.state.kind().to_string(),
                created_at: o.created_at.to_string(),
            })
            .collect(),
        events,
        edges: e
            .edges
            .iter()
            .map(|s| TraceEdge {
                kind: s.kind,
                from: s.from,
                to: s.to,
                object: s.object.map(object_name),
            })
            .collect(),
        pending: e
            .threads
            .iter()
            .enumerate()
            .filter(|(_, t)| !matches!(t.life, rt::Life::Finished | rt::Life::NotStarted))
            .map(|(tid, t)| TracePending {
                thread: tid,
                op: t.pending.name().to_string(),
                object: t.pending.object().map(object_name),
                held_by: e.waits_on(tid),
                location: t.location.to_string(),
            })
            .collect(),
        output: e
            .output
            .iter()
            .map(|o| TraceOutput {
                time_ns: o.time,
                thread: o.tid,
                text: o.text.clone(),
            })
            .collect(),
        failure: e.failure.as_ref().map(|f: &ExecFailure| TraceFailure {
            kind: f.kind,
            message: f.message.clone(),
            step: f.step,
            thread: f.tid,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(steps: u64, hash: u64, output: &str, failed: bool) -> PathSummary {
        let failure = TraceFailure {
            kind: FailureKind::Panic,
            message: "boom".to_string(),
            step: steps,
            thread: Some(1),
        };
        PathSummary {
            steps,
            hash,
            output: output.to_string(),
            failure: failed.then(|| (failure, "boom".to_string())),
        }
    }

    #[test]
    fn a_replay_without_an_event_log_is_compared_by_its_path() {
        let run = path(10, 7, "x\n", true);
        assert_eq!(run.divergence(&path(10, 7, "x\n", true)), None);
        let longer = run.divergence(&path(11, 7, "x\n", true)).unwrap();
        assert!(longer.contains("took 10 steps, the replay 11"), "{longer}");
        let reordered = run.divergence(&path(10, 8, "x\n", true)).unwrap();
        assert!(reordered.contains("not by the same threads"), "{reordered}");
        let passed = run.divergence(&path(10, 7, "x\n", false)).unwrap();
        assert!(passed.contains("the replay did not fail"), "{passed}");
        let printed = run.divergence(&path(10, 7, "y\n", true)).unwrap();
        assert!(printed.contains("different printed text"), "{printed}");
    }
}
