//! loom's `loom::model::Builder`: exhaustive exploration with loom's knobs
//! as public fields, so that a loom test's configuration compiles as is.
//!
//! [`crate::model`] (the function) is the common entry point; this module
//! is for tests that set a preemption bound or a budget.

use std::path::PathBuf;
use std::time::Duration;

use crate::{Strategy, DEFAULT_MAX_STEPS};

/// loom's model builder: set its fields, then [`check`](Builder::check).
///
/// `new()` reads loom's environment variables (`LOOM_MAX_PREEMPTIONS`,
/// `LOOM_MAX_BRANCHES`, `LOOM_MAX_PERMUTATIONS`) and sim's (`SIM_*`, which
/// win). Which fields sim uses:
///
/// | field | sim |
/// |---|---|
/// | `preemption_bound` | the exploration's preemption bound |
/// | `max_branches` | the step limit of one execution: exceeding it is a `StepLimit` failure |
/// | `max_permutations` | the execution budget (the report says "not complete" if it is reached) |
/// | `max_threads` | not a limit: sim runs any number of threads |
/// | `max_duration`, `checkpoint_*`, `location`, `log`, `expect_explicit_explore` | accepted and ignored (a wall-clock budget would make the result depend on the machine) |
///
/// ```
/// use sim::sync::{Arc, Mutex};
/// let mut builder = sim::model::Builder::new();
/// builder.preemption_bound = Some(2);
/// builder.check(|| {
///     let m = Arc::new(Mutex::new(0));
///     let m2 = m.clone();
///     let t = sim::thread::spawn(move || *m2.lock().unwrap() += 1);
///     *m.lock().unwrap() += 1;
///     t.join().unwrap();
/// });
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Builder {
    /// Accepted for loom compatibility; sim has no thread limit.
    pub max_threads: usize,
    /// Maximum scheduling steps of one execution.
    pub max_branches: usize,
    /// Maximum number of executions (`None`: until the space is covered).
    pub max_permutations: Option<usize>,
    /// Accepted and ignored (no wall-clock budgets: see the type's docs).
    pub max_duration: Option<Duration>,
    /// Maximum preemptions per execution (`None`: unbounded).
    pub preemption_bound: Option<usize>,
    /// Accepted and ignored.
    pub checkpoint_file: Option<PathBuf>,
    /// Accepted and ignored.
    pub checkpoint_interval: usize,
    /// Accepted and ignored (sim's reports always name locations).
    pub location: bool,
    /// Accepted and ignored.
    pub log: bool,
    /// Accepted and ignored.
    pub expect_explicit_explore: bool,
}

fn env_usize(name: &str) -> Option<usize> {
    let text = std::env::var(name).ok()?;
    Some(text.trim().parse().unwrap_or_else(|_| {
        panic!("sim: {name}={text:?} is not a count: expected a decimal number such as 3")
    }))
}

impl Builder {
    /// The defaults, with loom's environment variables applied.
    pub fn new() -> Builder {
        Builder {
            max_threads: usize::MAX,
            max_branches: env_usize("LOOM_MAX_BRANCHES").unwrap_or(DEFAULT_MAX_STEPS as usize),
            max_permutations: env_usize("LOOM_MAX_PERMUTATIONS"),
            max_duration: None,
            preemption_bound: env_usize("LOOM_MAX_PREEMPTIONS"),
            checkpoint_file: None,
            checkpoint_interval: 20_000,
            location: false,
            log: false,
            expect_explicit_explore: false,
        }
    }

    /// Sets `checkpoint_file` (accepted and ignored).
    pub fn checkpoint_file(&mut self, file: &str) -> &mut Self {
        self.checkpoint_file = Some(file.into());
        self
    }

    /// Explores every execution of `f` (as [`crate::model`]) within the
    /// builder's bounds; panics with a report on the first failure.
    #[track_caller]
    pub fn check<F>(&self, f: F)
    where
        F: Fn() + Send + Sync + 'static,
    {
        let builder = crate::explore::test_builder()
            .strategy(Strategy::Exhaustive)
            .executions(self.max_permutations.map_or(u64::MAX, |n| n as u64))
            .max_steps(self.max_branches as u64)
            .preemption_bound(self.preemption_bound);
        crate::explore::model_with(builder, f);
    }
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}
