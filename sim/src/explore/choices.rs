//! The two choices an exploration is made of besides its numbers: the
//! [`Strategy`] that picks the next thread and the [`Timing`] model of
//! virtual time.

use std::fmt;

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
    /// [`Report::pct_steps`]: crate::Report::pct_steps
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
    /// Uniform random walk (Zhao et al., ASPLOS 2025): each enabled thread
    /// is picked with probability proportional to its estimated remaining
    /// events (its descendants' included), so that every interleaving is
    /// equally likely when no thread blocks. The estimates come from the 8
    /// random probe executions PCT also runs (not counted) and travel in
    /// the token (`urw1:`). The design is in `sim/src/explore/urw.rs`.
    Urw,
    /// Selectively uniform random walk (Zhao et al., ASPLOS 2025): uniform
    /// over the interleavings of the *interesting* events only (the
    /// operations on objects two threads touched in the probes, but for
    /// releases and accesses inside critical sections); the others run as
    /// under [`Strategy::Random`]. Finds the bugs that need a short thread
    /// to run late among many (SCTBench's `reorder_N`, `twostage_N`).
    ///
    /// ```
    /// use sim::{Builder, FailureKind, Strategy, threading::Lock};
    /// let report = Builder::new().strategy(Strategy::Surw).executions(200).explore(|| {
    ///     let (a, b) = (Lock::new(), Lock::new());
    ///     let t = sim::thread::spawn(move || { let _ga = a.lock(); let _gb = b.lock(); });
    ///     { let _gb = b.lock(); let _ga = a.lock(); }
    ///     t.join().unwrap();
    /// });
    /// assert_eq!(report.failures[0].kind, FailureKind::Deadlock);
    /// assert!(report.failures[0].token.starts_with("surw1:"));
    /// ```
    Surw,
    /// A portfolio: the executions cycle through [`Strategy::Surw`] (three
    /// in seven), PCT at depths 3 and 2, [`Strategy::Pos`] and
    /// [`Strategy::Random`] (execution `k`'s member depends on `k` alone,
    /// its seed on the run seed and `k`); the run stops at the first
    /// failure of any, whose token is its member's and replays it alone.
    Portfolio,
    /// One deterministic schedule, round-robin: at every scheduling point
    /// the next thread after the one that ran last (shuttle's
    /// `RoundRobinScheduler`, what [`check`](crate::check) runs). Every
    /// execution is the same; its token is `rr`.
    ///
    /// ```
    /// use sim::{Builder, FailureKind, Strategy, threading::Lock};
    /// let report = Builder::new().strategy(Strategy::RoundRobin).executions(1).explore(|| {
    ///     let (a, b) = (Lock::new(), Lock::new());
    ///     let t = sim::thread::spawn(move || { let _ga = a.lock(); let _gb = b.lock(); });
    ///     { let _gb = b.lock(); let _ga = a.lock(); }
    ///     t.join().unwrap();
    /// });
    /// assert_eq!(report.failures[0].kind, FailureKind::Deadlock);
    /// assert_eq!(report.failures[0].token, "rr");
    /// ```
    RoundRobin,
    /// Every execution, depth-first, with optimal dynamic partial-order
    /// reduction: one execution per Mazurkiewicz trace (the design is in the
    /// module docs of `sim/src/explore/exhaustive/`). [`Report::complete`]
    /// says whether the whole space was covered.
    ///
    /// [`Report::complete`]: crate::Report::complete
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
            Strategy::Urw => f.write_str("urw"),
            Strategy::Surw => f.write_str("surw"),
            Strategy::Portfolio => f.write_str("portfolio"),
            Strategy::RoundRobin => f.write_str("round-robin"),
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
