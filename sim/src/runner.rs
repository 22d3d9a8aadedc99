//! shuttle's runner API: [`Runner`], [`PortfolioRunner`], [`Config`],
//! [`MaxSteps`] and [`FailurePersistence`], over sim's explorers, so that
//! shuttle tests that build their own runner port unchanged:
//!
//! ```
//! use sim::scheduler::RandomScheduler;
//! use sim::{Config, MaxSteps, Runner};
//!
//! let mut config = Config::new();
//! config.max_steps = MaxSteps::FailAfter(10_000);
//! let executions = Runner::new(RandomScheduler::new(50), config).run(|| {
//!     let t = sim::thread::spawn(|| 1);
//!     assert_eq!(t.join().unwrap(), 1);
//! });
//! assert_eq!(executions, 50);
//! ```
//!
//! A run is what [`check_random`](crate::check_random) and friends do with
//! the same strategy: the test entry points' defaults (adversarial timing),
//! the environment variables (`SIM_REPLAY`, `SIM_SEED`, ...), the
//! regression corpus, and a panic with the report and its replay line on
//! the first failure.

use std::path::PathBuf;
use std::time::Duration;

use crate::explore::{check_with_corpus_persisting, env_overrides, env_seed, shuttle_builder};
use crate::scheduler::Scheduler;

/// How long an execution may run (shuttle's `MaxSteps`).
///
/// ```
/// let steps = sim::MaxSteps::ContinueAfter(100);
/// assert_ne!(steps, sim::MaxSteps::None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxSteps {
    /// No limit.
    None,
    /// After this many steps the execution is a `StepLimit` failure.
    FailAfter(usize),
    /// After this many steps the execution ends there, as a pass.
    ContinueAfter(usize),
}

/// What to do with a failing schedule (shuttle's `FailurePersistence`).
///
/// ```
/// let mut config = sim::Config::new();
/// config.failure_persistence = sim::FailurePersistence::None;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailurePersistence {
    /// Neither print a replay line's file nor save the trace: the report
    /// (with its token) is still the panic message.
    None,
    /// The default: the panic message has the report and its replay line,
    /// and the trace is saved in the regression corpus (unless
    /// `SIM_PERSIST=off`).
    Print,
    /// As `Print`: the trace is saved in the regression corpus (its
    /// place is the workspace's `traces/`, or `SIM_TRACES_DIR`; the
    /// directory given here is not used).
    File(Option<PathBuf>),
}

/// A runner's settings (shuttle's `Config`): public fields, as shuttle's.
///
/// ```
/// let mut config = sim::Config::new();
/// config.stack_size = 1 << 20;
/// assert_eq!(config.max_steps, sim::MaxSteps::FailAfter(sim::DEFAULT_MAX_STEPS as usize));
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    /// Each green thread's stack, in bytes.
    pub stack_size: usize,
    /// What to do with a failing schedule.
    pub failure_persistence: FailurePersistence,
    /// How long one execution may run.
    pub max_steps: MaxSteps,
    /// Accepted for shuttle's sake and not used: sim's budgets are
    /// execution counts (the scheduler's), which keep a run reproducible.
    pub max_time: Option<Duration>,
    /// Accepted for shuttle's sake; sim prints no warnings here.
    pub silence_warnings: bool,
    /// Accepted for shuttle's sake; sim's traces record every step anyway.
    pub record_steps_in_span: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config::new()
    }
}

impl Config {
    /// sim's defaults: [`DEFAULT_STACK_SIZE`](crate::DEFAULT_STACK_SIZE)
    /// stacks, [`DEFAULT_MAX_STEPS`](crate::DEFAULT_MAX_STEPS) steps (a
    /// failure past them), traces saved.
    pub fn new() -> Self {
        Config {
            stack_size: crate::DEFAULT_STACK_SIZE,
            failure_persistence: FailurePersistence::Print,
            max_steps: MaxSteps::FailAfter(crate::DEFAULT_MAX_STEPS as usize),
            max_time: None,
            silence_warnings: false,
            record_steps_in_span: false,
        }
    }
}

/// Runs a test under one scheduler (shuttle's `Runner`).
///
/// ```
/// use sim::scheduler::DfsScheduler;
/// let n = sim::Runner::new(DfsScheduler::new(None, false), sim::Config::new()).run(|| {
///     sim::thread::spawn(|| {}).join().unwrap();
/// });
/// assert_eq!(n, 1);
/// ```
#[derive(Debug)]
pub struct Runner<S: Scheduler> {
    scheduler: S,
    config: Config,
}

impl<S: Scheduler> Runner<S> {
    /// A runner of `scheduler` with `config`.
    pub fn new(scheduler: S, config: Config) -> Self {
        Runner { scheduler, config }
    }

    /// Explores `f`; panics with the report on the first failure; returns
    /// the number of executions run.
    #[track_caller]
    pub fn run<F>(self, f: F) -> usize
    where
        F: Fn() + Send + Sync + 'static,
    {
        run_plan(self.scheduler.plan(), &self.config, f)
    }
}

#[track_caller]
fn run_plan<F>(plan: crate::scheduler::Plan, config: &Config, f: F) -> usize
where
    F: Fn() + Send + Sync + 'static,
{
    let mut builder = shuttle_builder()
        .strategy(plan.strategy)
        .executions(plan.executions)
        .seed(plan.seed.unwrap_or_else(env_seed))
        .reduction(plan.reduction)
        .stack_size(config.stack_size);
    builder = match config.max_steps {
        MaxSteps::None => builder.max_steps(u64::MAX),
        MaxSteps::FailAfter(n) => builder.max_steps(n as u64),
        MaxSteps::ContinueAfter(n) => builder.max_steps(n as u64).step_limit_fails(false),
    };
    let builder = env_overrides(builder);
    let persist = match &config.failure_persistence {
        FailurePersistence::None => false,
        FailurePersistence::Print | FailurePersistence::File(_) => {
            crate::explore::persist_enabled()
        }
    };
    let report = check_with_corpus_persisting(&builder, f, persist);
    usize::try_from(report.executions).unwrap_or(usize::MAX)
}

/// Runs a test under several schedulers in turn (shuttle's
/// `PortfolioRunner`; shuttle runs them on parallel OS threads, sim one
/// after the other, which keeps the run reproducible).
///
/// ```
/// use sim::scheduler::{PctScheduler, RandomScheduler};
/// let mut runner = sim::PortfolioRunner::new(true, sim::Config::new());
/// runner.add(RandomScheduler::new(10));
/// runner.add(PctScheduler::new(2, 10));
/// runner.run(|| sim::thread::spawn(|| {}).join().unwrap());
/// ```
#[derive(Debug)]
pub struct PortfolioRunner {
    plans: Vec<crate::scheduler::Plan>,
    config: Config,
}

impl PortfolioRunner {
    /// An empty portfolio. `stop_on_first_failure` is accepted for
    /// shuttle's sake: the run always stops (panics) at the first failure.
    pub fn new(stop_on_first_failure: bool, config: Config) -> Self {
        let _ = stop_on_first_failure;
        PortfolioRunner {
            plans: Vec::new(),
            config,
        }
    }

    /// Adds a scheduler to the portfolio.
    pub fn add(&mut self, scheduler: impl Scheduler) {
        self.plans.push(scheduler.plan());
    }

    /// Runs `f` under every scheduler in turn; panics at the first failure.
    #[track_caller]
    pub fn run<F>(self, f: F)
    where
        F: Fn() + Send + Sync + 'static,
    {
        let f = std::sync::Arc::new(f);
        for plan in self.plans {
            let f = std::sync::Arc::clone(&f);
            run_plan(plan, &self.config, move || f());
        }
    }
}
