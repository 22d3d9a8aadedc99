//! What went wrong in an execution.
//!
//! Where each kind is found (the first failure of an execution is its
//! failure; later ones are ignored):
//!
//! | kind | found in | ends the execution? |
//! |---|---|---|
//! | Deadlock | the enabled set (`rt/enabled.rs`): nothing enabled, no deadline pending, a non-daemon thread alive; `rt/deadlock.rs` writes the report, with lost wake-ups and barrier summaries | yes |
//! | DataRace | a `Shared` access (`rt/prims/shared.rs`, FastTrack in `rt/race.rs`) | yes |
//! | Misuse | the primitive's file in `rt/prims/` (Python's `RuntimeError`/`ValueError` cases), memory isolation in `rt/process.rs`, handle-side checks (`rt::process::misuse`) | yes |
//! | Panic | the green thread's body wrapper (`rt/run.rs`), captured silently by a panic hook | no: the thread ends, `join` returns `Err` |
//! | StepLimit | the enabled set: `steps >= max_steps` | yes |
//! | Leak | the end of a finished execution (`Exec::end_checks`): a `sync::Arc` still alive | yes |
//! | Nondeterminism | the explorer: a failure's recording replay differs from its run, or a replay from its saved trace | found after the execution |
//!
//! A broken `Barrier` is not a failure: `wait` returns `BrokenBarrierError`,
//! as Python raises it to the program.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::trace::Trace;

/// The kind of a failure. Non-exhaustive: new kinds may be added, so a
/// `match` on it outside this crate needs a `_` arm.
///
/// ```
/// use sim::FailureKind;
/// assert_eq!(FailureKind::Deadlock.to_string(), "Deadlock");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum FailureKind {
    /// No thread can run, no timeout is pending, and some thread has not finished.
    Deadlock,
    /// Two accesses to one `Shared`, at least one a write, not ordered by happens-before.
    DataRace,
    /// A green thread panicked (an assertion in the scenario failed, say).
    Panic,
    /// A primitive was used in a way Python raises an error for.
    Misuse,
    /// The execution ran past `max_steps`: a possible livelock.
    StepLimit,
    /// A replay diverged from the recorded trace.
    Nondeterminism,
    /// A resource outlived its execution: an `Arc` still alive when every
    /// thread has finished (loom's leak check).
    Leak,
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// One failing execution: what failed, how to replay it, and its trace.
///
/// ```
/// use sim::{Builder, FailureKind};
/// use sim::threading::Lock;
///
/// let report = Builder::new().executions(10).explore(|| {
///     let lock = Lock::new();
///     lock.release(); // RuntimeError: release unlocked lock
/// });
/// let failure = &report.failures[0];
/// assert_eq!(failure.kind, FailureKind::Misuse);
/// assert!(failure.message.contains("release unlocked lock"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// What kind of failure this is.
    pub kind: FailureKind,
    /// A human-readable account: threads, objects, source locations.
    pub message: String,
    /// The token that replays this execution (`sim::replay`, `SIM_REPLAY`).
    pub token: String,
    /// 1-based index of the execution within its exploration (in a shard
    /// of an exhaustive exploration, within the shard; see
    /// [`Builder::shard`](crate::Builder::shard)).
    pub execution: u64,
    /// The execution's events, output and failure.
    pub trace: Trace,
    /// What makes two failures the same bug (the runtime's failure key,
    /// without step numbers): [`Report::merge`](crate::Report::merge)
    /// keeps one failure per key.
    pub(crate) key: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} in execution {} (token {})\n{}",
            self.kind, self.execution, self.token, self.message
        )
    }
}
