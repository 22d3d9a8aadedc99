//! shuttle's schedulers, as values to hand to a [`Runner`](crate::Runner):
//! each names one of sim's strategies and a budget, so that shuttle tests
//! written as `Runner::new(PctScheduler::new(2, 100), Config::new()).run(f)`
//! run under sim unchanged.
//!
//! sim's explorers are not pluggable objects: a scheduler here is a
//! description ([`Scheduler::plan`]) of the [`Strategy`], execution budget
//! and seed to explore with, and [`Scheduler`] is sealed — shuttle's custom
//! scheduler implementations (its `Scheduler` trait's `next_task`) do not
//! port; use [`Builder`](crate::Builder) and a [`Strategy`] instead.
//!
//! ```
//! use sim::scheduler::PctScheduler;
//! use sim::{Config, Runner};
//!
//! let runner = Runner::new(PctScheduler::new(2, 20), Config::new());
//! let executions = runner.run(|| {
//!     sim::thread::spawn(|| {}).join().unwrap();
//! });
//! assert_eq!(executions, 20);
//! ```

use crate::Strategy;

/// What a [`Runner`](crate::Runner) explores with: a strategy, a budget of
/// executions (`u64::MAX`: until complete) and a seed (`None`: `SIM_SEED`,
/// else [`DEFAULT_SEED`](crate::DEFAULT_SEED)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// The exploration strategy.
    pub strategy: Strategy,
    /// How many executions at most.
    pub executions: u64,
    /// The run seed, if the scheduler fixes one.
    pub seed: Option<u64>,
    /// For [`Strategy::Exhaustive`]: whether the search is reduced
    /// ([`Builder::reduction`](crate::Builder::reduction)); `false` for
    /// [`DfsScheduler`], shuttle's plain depth-first search.
    pub reduction: bool,
}

mod sealed {
    pub trait Sealed {}
}

/// A scheduler a [`Runner`](crate::Runner) accepts: one of this module's
/// types. Sealed: see the module docs.
///
/// ```
/// use sim::scheduler::{RandomScheduler, Scheduler};
/// assert_eq!(RandomScheduler::new(10).plan().executions, 10);
/// ```
pub trait Scheduler: sealed::Sealed {
    /// The strategy, budget and seed this scheduler stands for.
    fn plan(&self) -> Plan;
}

macro_rules! scheduler {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name {
            plan: Plan,
        }
        impl sealed::Sealed for $name {}
        impl Scheduler for $name {
            fn plan(&self) -> Plan {
                self.plan
            }
        }
    };
}

fn plan(strategy: Strategy, executions: usize, seed: Option<u64>) -> Plan {
    Plan {
        strategy,
        executions: executions as u64,
        seed,
        reduction: true,
    }
}

scheduler!(
    /// shuttle's `RandomScheduler`: [`Strategy::Random`], `max_iterations`
    /// executions.
    ///
    /// ```
    /// use sim::scheduler::{RandomScheduler, Scheduler};
    /// let s = RandomScheduler::new_from_seed(7, 100);
    /// assert_eq!((s.plan().seed, s.plan().executions), (Some(7), 100));
    /// ```
    RandomScheduler
);

impl RandomScheduler {
    /// `max_iterations` random executions, seeded by `SIM_SEED` or the
    /// default seed (shuttle seeds from the OS; sim stays reproducible).
    pub fn new(max_iterations: usize) -> Self {
        RandomScheduler {
            plan: plan(Strategy::Random, max_iterations, None),
        }
    }

    /// `max_iterations` random executions from run seed `seed`.
    pub fn new_from_seed(seed: u64, max_iterations: usize) -> Self {
        RandomScheduler {
            plan: plan(Strategy::Random, max_iterations, Some(seed)),
        }
    }
}

scheduler!(
    /// shuttle's `UrwRandomScheduler`: [`Strategy::Urw`] (uniform over
    /// interleavings by the threads' remaining events).
    ///
    /// ```
    /// use sim::scheduler::{Scheduler, UrwRandomScheduler};
    /// assert_eq!(UrwRandomScheduler::new(5).plan().strategy, sim::Strategy::Urw);
    /// ```
    UrwRandomScheduler
);

impl UrwRandomScheduler {
    /// `max_iterations` executions.
    pub fn new(max_iterations: usize) -> Self {
        UrwRandomScheduler {
            plan: plan(Strategy::Urw, max_iterations, None),
        }
    }

    /// `max_iterations` executions from run seed `seed`.
    pub fn new_from_seed(seed: u64, max_iterations: usize) -> Self {
        UrwRandomScheduler {
            plan: plan(Strategy::Urw, max_iterations, Some(seed)),
        }
    }
}

scheduler!(
    /// shuttle's `PctScheduler`: [`Strategy::Pct`] at bug depth `max_depth`.
    ///
    /// ```
    /// use sim::scheduler::{PctScheduler, Scheduler};
    /// let s = PctScheduler::new(3, 50);
    /// assert_eq!(s.plan().strategy, sim::Strategy::Pct { depth: 3 });
    /// ```
    PctScheduler
);

impl PctScheduler {
    /// `max_iterations` PCT executions at depth `max_depth` (at least 1).
    pub fn new(max_depth: usize, max_iterations: usize) -> Self {
        PctScheduler {
            plan: plan(pct(max_depth), max_iterations, None),
        }
    }

    /// The same, from run seed `seed`.
    pub fn new_from_seed(seed: u64, max_depth: usize, max_iterations: usize) -> Self {
        PctScheduler {
            plan: plan(pct(max_depth), max_iterations, Some(seed)),
        }
    }
}

fn pct(depth: usize) -> Strategy {
    Strategy::Pct {
        depth: u32::try_from(depth.max(1)).unwrap_or(u32::MAX),
    }
}

scheduler!(
    /// shuttle's `DfsScheduler`: [`Strategy::Exhaustive`] without the
    /// reduction (shuttle's plain depth-first search over every schedule,
    /// as [`check_dfs`](crate::check_dfs)), at most `max_iterations`
    /// executions. `allow_random_data` is accepted and ignored: the search
    /// covers schedules, and [`sim::rand`](crate::rand) draws are a
    /// deterministic function of the execution (see that module).
    ///
    /// ```
    /// use sim::scheduler::{DfsScheduler, Scheduler};
    /// assert_eq!(DfsScheduler::new(None, false).plan().executions, u64::MAX);
    /// ```
    DfsScheduler
);

impl DfsScheduler {
    /// Every execution, or at most `max_iterations`.
    pub fn new(max_iterations: Option<usize>, allow_random_data: bool) -> Self {
        let _ = allow_random_data;
        DfsScheduler {
            plan: Plan {
                strategy: Strategy::Exhaustive,
                executions: max_iterations.map_or(u64::MAX, |n| n as u64),
                seed: None,
                reduction: false,
            },
        }
    }
}
