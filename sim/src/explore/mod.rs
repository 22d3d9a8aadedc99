//! Exploration: running a scenario many times under a strategy, and the
//! report that comes out.
//!
//! A strategy is a [`Scheduler`](crate::rt::Scheduler) built per execution;
//! this module owns the loop over executions, derives per-execution seeds,
//! collects distinct outputs and failures, and builds traces for failures.
//!
//! By concern:
//!
//! - `builder.rs`: [`Builder`] (the configuration), [`Strategy`], [`Timing`].
//! - this file: [`Builder::explore`], the dispatch to a strategy.
//! - `run.rs`: running and tallying executions (`Run`), the replay check
//!   that turns a failure that does not replay into `Nondeterminism`, and
//!   the replay entry points ([`Builder::replay`], [`Builder::replay_trace`],
//!   [`Builder::trace`]).
//! - `report.rs`: [`Report`]; `shard.rs`: [`Shard`] and [`Report::merge`].
//! - `random.rs`, `pct.rs`, `pos.rs`: the index-seeded strategies'
//!   schedulers; `token.rs`: replay tokens; `parallel.rs`: index-seeded
//!   executions on `jobs(n)` threads.
//! - `exhaustive/`: [`Strategy::Exhaustive`]: optimal DPOR, the plain or
//!   preemption-bounded DFS and its split over jobs and shards.
//! - `check.rs`: the panicking entry points for tests; `corpus.rs`: the
//!   `traces/` regression corpus; `progress.rs`: [`Progress`].

mod builder;
mod check;
mod corpus;
mod exhaustive;
mod parallel;
mod pct;
mod pos;
mod progress;
pub(crate) mod random;
mod report;
mod run;
mod shard;
mod token;

use std::sync::Arc;

pub use builder::{Builder, Strategy, Timing, DEFAULT_MAX_STEPS, DEFAULT_SEED};
pub(crate) use check::model_with;
pub use check::{check, check_dfs, check_pct, check_random, check_random_with_seed, model, replay};
pub(crate) use corpus::file_stem;
pub use progress::{Progress, PROGRESS_EVERY};
pub use report::Report;
pub use shard::{Shard, ShardError};
pub use token::TokenError;

use crate::rt::{self, ExecConfig};
use random::{execution_seed, ExecutionSeeds, RandomScheduler};
use run::Run;
use token::Token;

/// Random executions run (not counted) to estimate PCT's step count `k`.
const PCT_PROBES: u64 = 8;

impl Builder {
    /// Explores `f` under the builder's strategy, until the execution
    /// budget is spent, the whole space is covered (exhaustive) or, by
    /// default, the first failure. Never panics because `f` fails: failures
    /// are in the report.
    ///
    /// ```
    /// use sim::{Builder, FailureKind, Shared};
    /// // Two unsynchronised increments: a data race.
    /// let report = Builder::new().executions(100).explore(|| {
    ///     let x = Shared::new(0);
    ///     let y = x.clone();
    ///     let t = sim::thread::spawn(move || y.set(y.get() + 1));
    ///     x.set(x.get() + 1);
    ///     t.join().unwrap();
    /// });
    /// assert_eq!(report.failures[0].kind, FailureKind::DataRace);
    /// ```
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
                    steps = steps.max(rt::with_exec(|e| e.steps()));
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
}
