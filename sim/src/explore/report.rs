//! [`Report`]: the outcome of an exploration, and how it prints.
//!
//! Reports of the parts of one exploration (shards, chunks, subtrees) are
//! combined in `shard.rs` ([`Report::merge`]).

use std::collections::BTreeMap;
use std::fmt;

use super::{Shard, Strategy};
use crate::failure::Failure;

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
    /// For the strategies that probe the program first (PCT, URW, SURW and
    /// the portfolio): the most steps of one probe execution taken while the
    /// program had more than one thread (from its first spawn on). `Some(0)`:
    /// the program exercised no concurrency, so every schedule is the same
    /// one (shuttle's
    /// `check_pct` fails such a test, and so does [`check_pct`]).
    ///
    /// [`check_pct`]: crate::check_pct
    ///
    /// ```
    /// use sim::{Builder, Strategy};
    /// let report = Builder::new().strategy(Strategy::Pct { depth: 2 }).executions(5)
    ///     .explore(|| sim::println!("alone"));
    /// assert_eq!(report.concurrent_steps, Some(0));
    /// let report = Builder::new().strategy(Strategy::Pct { depth: 2 }).executions(5)
    ///     .explore(|| { sim::thread::spawn(|| sim::println!("hi")).join().unwrap(); });
    /// assert!(report.concurrent_steps.unwrap() > 0);
    /// ```
    #[serde(default)]
    pub concurrent_steps: Option<u64>,
    /// For [`Strategy::Exhaustive`]: why the exploration ran without
    /// partial-order reduction (one execution per interleaving instead of
    /// one per trace), when it did: the first operation outside the reduced
    /// fragment, or a setting the reduction does not model. `None` when
    /// reduced, or not exhaustive.
    ///
    /// ```
    /// use sim::{Builder, Strategy, Timing};
    /// let report = Builder::new().strategy(Strategy::Exhaustive).timing(Timing::Adversarial).explore(|| {
    ///     let t = sim::thread::spawn(|| sim::time::sleep(std::time::Duration::from_millis(1)));
    ///     t.join().unwrap();
    /// });
    /// assert!(report.complete);
    /// assert!(report.unreduced.unwrap().contains("does not reduce"));
    /// ```
    #[serde(default)]
    pub unreduced: Option<String>,
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
        if let Some(why) = &self.unreduced {
            writeln!(f, "not reduced: {why}")?;
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
