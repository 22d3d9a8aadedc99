//! Expected verdicts: what exploring a scenario should find, per timing
//! model and kill count.
//!
//! A scenario states its verdict under exact timing and, when it differs,
//! under adversarial timing, for its own kill count
//! ([`crate::Scenario::kills`]); [`KillVerdict`]s state the verdicts under
//! other kill counts. A kill count is an upper bound on what the explorer
//! may do, so a failure stated for K kills is found with any larger count;
//! a "no failure" is a claim the registry's test checks (`--kill` 0 to 2).

use sim::{FailureKind, Report};

/// What exploring a scenario should find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// No execution fails.
    NoFailure,
    /// Some execution fails with this kind.
    Failure(FailureKind),
}

impl Expected {
    /// Whether `report` agrees with this verdict.
    ///
    /// ```
    /// use scenarios::Expected;
    /// let report = sim::Builder::new().executions(3).explore(|| {});
    /// assert!(Expected::NoFailure.matches(&report));
    /// assert!(!Expected::Failure(sim::FailureKind::Deadlock).matches(&report));
    /// ```
    pub fn matches(&self, report: &Report) -> bool {
        match self {
            Expected::NoFailure => report.failures.is_empty(),
            Expected::Failure(kind) => report.failures.iter().any(|f| f.kind == *kind),
        }
    }
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expected::NoFailure => f.write_str("no failure"),
            Expected::Failure(kind) => write!(f, "{kind}"),
        }
    }
}

/// The expected verdicts of a scenario explored with `--kill kills`
/// (`Faults::Kill { max: kills }`, none for 0), for every kill count from
/// `kills` up to the next one stated.
///
/// ```
/// use scenarios::{Expected, KillVerdict};
/// use sim::FailureKind;
/// const DEAD: KillVerdict = KillVerdict {
///     kills: 1,
///     exact: Expected::Failure(FailureKind::Deadlock),
///     adversarial: Expected::Failure(FailureKind::Deadlock),
/// };
/// assert_eq!(scenarios::find("process_pool_sum").unwrap().other_kills, &[DEAD]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KillVerdict {
    /// The kill count it is stated from.
    pub kills: u32,
    /// Under `Timing::Exact`.
    pub exact: Expected,
    /// Under `Timing::Adversarial`.
    pub adversarial: Expected,
}
