//! Sharding one exploration across machines, and merging the shards'
//! reports back into one.
//!
//! Shard `i` of `n` runs a disjoint, deterministic slice of the run's
//! execution indices (execution `k` has the same seed in every shard and in
//! the unsharded run), so a CI matrix or `cargo nextest --partition` can
//! spread one exploration over many machines and [`Report::merge`] can
//! combine what they found.

use std::collections::BTreeSet;
use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{Report, Strategy};
use crate::failure::{Failure, FailureKind};

/// One part of a sharded exploration: `index` of `count` (0-based).
///
/// ```
/// let shard: sim::Shard = "1/4".parse().unwrap();
/// assert_eq!((shard.index, shard.count), (1, 4));
/// assert_eq!(shard.to_string(), "1/4");
/// assert!("4/4".parse::<sim::Shard>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which part this is, `0..count`.
    pub index: u64,
    /// How many parts the exploration is cut into.
    pub count: u64,
}

impl Shard {
    /// The execution indices of a run of `executions` that this shard runs:
    /// contiguous blocks, so shard `i` of `n` runs indices
    /// `executions * i / n .. executions * (i + 1) / n`.
    ///
    /// ```
    /// let shard = sim::Shard { index: 1, count: 3 };
    /// assert_eq!(shard.range(10), 3..6);
    /// ```
    pub fn range(self, executions: u64) -> Range<u64> {
        let at = |i: u64| (u128::from(executions) * u128::from(i) / u128::from(self.count)) as u64;
        at(self.index)..at(self.index + 1)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// A shard that could not be parsed, or a set of reports that do not make
/// up one exploration.
///
/// ```
/// use sim::{Report, ShardError};
/// let err = "3".parse::<sim::Shard>().unwrap_err();
/// assert!(matches!(err, ShardError::Parse { .. }));
/// assert!(err.to_string().contains("expected i/n"));
///
/// let err = Report::merge(Vec::new()).unwrap_err();
/// assert_eq!(err, ShardError::Merge("no reports to merge".to_string()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShardError {
    /// A shard text that is not `i/n` with `0 <= i < n` ([`Shard`]'s
    /// `FromStr`).
    Parse {
        /// The text given.
        text: String,
        /// What is wrong with it.
        problem: String,
    },
    /// Reports that do not make up one exploration ([`Report::merge`]): none,
    /// of different strategies or seeds, or shards that overlap or leave a
    /// gap; with what is wrong.
    Merge(String),
}

impl fmt::Display for ShardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShardError::Parse { text, problem } => write!(
                f,
                "bad shard {text:?}: {problem}; expected i/n with 0 <= i < n, such as 0/4"
            ),
            ShardError::Merge(what) => f.write_str(what),
        }
    }
}

impl std::error::Error for ShardError {}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Shard, ShardError> {
        let bad = |why: &str| ShardError::Parse {
            text: text.to_string(),
            problem: why.to_string(),
        };
        let (i, n) = text.trim().split_once('/').ok_or_else(|| bad("no '/'"))?;
        let index = i
            .trim()
            .parse::<u64>()
            .map_err(|_| bad("i is not a number"))?;
        let count = n
            .trim()
            .parse::<u64>()
            .map_err(|_| bad("n is not a number"))?;
        if count == 0 || index >= count {
            return Err(bad("i must be below n"));
        }
        Ok(Shard { index, count })
    }
}

impl Report {
    /// Combines the reports of the shards of one exploration (or of any
    /// reports of the same run, such as the chunks of a parallel one):
    /// executions and outputs are added up, and failures are put in
    /// execution order with one per distinct bug (the earliest).
    ///
    /// With `stop_on_first_failure(false)` the merge of shards `0..n` is the
    /// unsharded report; with it on, each shard stopped at its own first
    /// failure, and the merged report's first failure is the unsharded
    /// run's first failure (same execution, same token).
    ///
    /// Shards of an exhaustive exploration number their failures from
    /// their own first execution: the merge puts them in shard order and
    /// renumbers each shard's failures after the executions of the shards
    /// before it (shard `i` explored the subtrees that follow those of
    /// shards `0..i` in depth-first order), so the numbers are the
    /// unsharded run's. Incomplete reasons are the union of the shards'.
    ///
    /// Reports of different strategies or seeds, or shards that overlap or
    /// leave a gap, are an error.
    ///
    /// ```
    /// use sim::{Builder, Report, Shard};
    /// let body = || { sim::thread::spawn(|| sim::println!("a")); sim::println!("b"); };
    /// let whole = Builder::new().executions(100).explore(body);
    /// let parts: Vec<Report> = (0..3)
    ///     .map(|i| Builder::new().executions(100).shard(Shard { index: i, count: 3 }).explore(body))
    ///     .collect();
    /// let merged = Report::merge(parts).unwrap();
    /// assert_eq!(merged.outputs, whole.outputs);
    /// assert_eq!(merged.executions, 100);
    /// ```
    pub fn merge(reports: impl IntoIterator<Item = Report>) -> Result<Report, ShardError> {
        let reports: Vec<Report> = reports.into_iter().collect();
        let Some(first) = reports.first() else {
            return Err(ShardError::Merge("no reports to merge".to_string()));
        };
        let (strategy, seed) = (first.strategy, first.seed);
        if let Some(other) = reports
            .iter()
            .find(|r| r.strategy != strategy || r.seed != seed)
        {
            return Err(ShardError::Merge(format!(
                "the reports are not of one exploration: strategy {strategy} seed {seed} \
                 vs strategy {} seed {}",
                other.strategy, other.seed
            )));
        }
        let shards: Vec<Shard> = reports.iter().filter_map(|r| r.shard).collect();
        if !shards.is_empty() {
            check_cover(&shards, reports.len())?;
        }
        let local_numbers = strategy == Strategy::Exhaustive && !shards.is_empty();
        check_counts(&reports, local_numbers)?;
        if local_numbers {
            // Shard i explored a block of subtrees that follows those of
            // shards 0..i in depth-first order, numbering its failures
            // from its own first execution: in shard order, they follow on.
            let mut reports = reports;
            reports.sort_by_key(|r| r.shard.map(|s| s.index));
            return Ok(concat(reports, strategy, seed));
        }
        Ok(combine(reports, strategy, seed, false))
    }
}

/// Adds the reasons `reason` lists (joined by `"; "`) to `reasons`.
fn add_reasons(reasons: &mut BTreeSet<String>, reason: Option<&str>) {
    if let Some(reason) = reason {
        reasons.extend(reason.split("; ").map(str::to_string));
    }
}

/// The reasons, sorted and joined by `"; "` (as the explorers join them).
fn join_reasons(reasons: BTreeSet<String>) -> Option<String> {
    (!reasons.is_empty()).then(|| reasons.into_iter().collect::<Vec<_>>().join("; "))
}

/// The reports of consecutive parts of one run, each numbering its
/// failures from its own first execution, as one report: part `i`'s
/// executions follow those of parts `0..i`, so its failures are renumbered
/// after them, and of the failures with one key the earliest is kept.
/// Complete when every part is; the reasons are those of all parts.
pub(super) fn concat(parts: Vec<Report>, strategy: Strategy, seed: u64) -> Report {
    combine(parts, strategy, seed, true)
}

/// The parts' reports as one: executions and outputs added up, failures in
/// execution order with the earliest of each key kept (after moving part
/// `i`'s failures after the executions of parts `0..i` if `renumber`),
/// complete when every part is, the reasons of all parts.
fn combine(parts: Vec<Report>, strategy: Strategy, seed: u64, renumber_parts: bool) -> Report {
    let mut merged = Report {
        executions: 0,
        complete: parts.iter().all(|r| r.complete),
        failures: Vec::new(),
        outputs: Default::default(),
        strategy,
        seed,
        shard: None,
        incomplete_reason: None,
        pct_steps: None,
        concurrent_steps: None,
        // Parts of one run: the first part's reason (they share it).
        unreduced: parts.iter().find_map(|r| r.unreduced.clone()),
    };
    let mut reasons = BTreeSet::new();
    let mut failures = Vec::new();
    for r in parts {
        add_reasons(&mut reasons, r.incomplete_reason.as_deref());
        merged.pct_steps = merged.pct_steps.or(r.pct_steps);
        merged.concurrent_steps = merged.concurrent_steps.or(r.concurrent_steps);
        for mut f in r.failures {
            if renumber_parts {
                renumber(&mut f, merged.executions);
            }
            failures.push(f);
        }
        merged.executions += r.executions;
        for (text, n) in r.outputs {
            *merged.outputs.entry(text).or_insert(0) += n;
        }
    }
    merged.incomplete_reason = join_reasons(reasons);
    // A stable sort: renumbered parts are in order already.
    failures.sort_by_key(|f| f.execution);
    let mut seen = BTreeSet::new();
    merged.failures = failures
        .into_iter()
        .filter(|f| seen.insert((f.kind, f.key.clone())))
        .collect();
    merged
}

/// Moves failure `f` `by` executions later, in its number and in the
/// message of a nondeterminism failure, which names it.
fn renumber(f: &mut Failure, by: u64) {
    if by == 0 {
        return;
    }
    let old = format!("nondeterminism: execution {} failed", f.execution);
    f.execution += by;
    if f.kind == FailureKind::Nondeterminism && f.message.starts_with(&old) {
        let new = format!("nondeterminism: execution {} failed", f.execution);
        f.message = f.message.replacen(&old, &new, 1);
        if let Some(tf) = &mut f.trace.failure {
            tf.message = tf.message.replacen(&old, &new, 1);
        }
    }
}

/// The reports' numbers add up without overflow (a hand-edited or corrupt
/// report must not wrap around), and, where failures are numbered from
/// their part's own first execution (`local_numbers`: exhaustive shards,
/// renumbered when merged), each failure is one of its report's executions.
fn check_counts(reports: &[Report], local_numbers: bool) -> Result<(), ShardError> {
    let overflow = || {
        ShardError::Merge(
            "the reports' execution counts add up to more than 2^64 - 1: not the reports \
             of one exploration (hand-edited?)"
                .to_string(),
        )
    };
    let mut total: u64 = 0;
    let mut outputs: std::collections::BTreeMap<&str, u64> = Default::default();
    for r in reports {
        total = total.checked_add(r.executions).ok_or_else(overflow)?;
        for (text, &n) in &r.outputs {
            let sum = outputs.entry(text).or_insert(0);
            *sum = sum.checked_add(n).ok_or_else(overflow)?;
        }
        let past = |f: &&Failure| local_numbers && f.execution > r.executions;
        if let Some(f) = r.failures.iter().find(past) {
            return Err(ShardError::Merge(format!(
                "a report of {} executions has a failure in execution {}: not a report \
                 of sim (hand-edited?)",
                r.executions, f.execution
            )));
        }
    }
    Ok(())
}

/// Shards `0..n` of one `n`, each exactly once.
fn check_cover(shards: &[Shard], reports: usize) -> Result<(), ShardError> {
    if let Some(bad) = shards.iter().find(|s| s.count == 0 || s.index >= s.count) {
        return Err(ShardError::Merge(format!(
            "a report is of shard {bad}, which does not exist: a shard i/n has 0 <= i < n \
             (hand-edited?)"
        )));
    }
    let count = shards[0].count;
    let indices: BTreeSet<u64> = shards.iter().map(|s| s.index).collect();
    if shards.len() != reports
        || shards.iter().any(|s| s.count != count)
        || indices.len() != shards.len()
        || indices.len() as u64 != count
    {
        let have: Vec<String> = shards.iter().map(Shard::to_string).collect();
        return Err(ShardError::Merge(format!(
            "the shards do not cover the exploration once each: have [{}] of {reports} \
             report(s), need 0/{count} .. {}/{count}",
            have.join(", "),
            count - 1
        )));
    }
    Ok(())
}
