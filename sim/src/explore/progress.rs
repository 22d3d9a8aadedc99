//! Progress reports for long explorations: a hook the caller installs with
//! [`Builder::on_progress`](super::Builder::on_progress), called from the
//! exploration loop every [`PROGRESS_EVERY`] executions and once at the end.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// How often (in executions) the progress hook is called.
pub const PROGRESS_EVERY: u64 = 256;

/// How far an exploration has got.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let log = Arc::clone(&seen);
/// sim::Builder::new()
///     .executions(600)
///     .on_progress(move |p: sim::Progress| log.lock().unwrap().push(p.executions))
///     .explore(|| {});
/// let seen = seen.lock().unwrap();
/// assert_eq!(*seen, vec![256, 512, 600]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Executions finished so far.
    pub executions: u64,
    /// Executions planned, when known (not for exhaustive exploration).
    pub total: Option<u64>,
    /// Executions that failed so far (not necessarily distinct failures).
    pub failed: u64,
    /// Whether this is the last call of the exploration.
    pub done: bool,
}

/// The installed hook; `Debug` so that `Builder` stays `Debug`.
#[derive(Clone)]
pub(crate) struct ProgressHook(pub(crate) Arc<dyn Fn(Progress) + Send + Sync>);

impl fmt::Debug for ProgressHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressHook")
    }
}

/// Counts executions, possibly from several worker threads, and calls the
/// hook every [`PROGRESS_EVERY`] of them. Costs one relaxed atomic add per
/// execution when a hook is installed, nothing when none is.
pub(crate) struct ProgressCounter<'a> {
    hook: Option<&'a ProgressHook>,
    total: Option<u64>,
    done: AtomicU64,
    failed: AtomicU64,
}

impl<'a> ProgressCounter<'a> {
    pub(crate) fn new(hook: Option<&'a ProgressHook>, total: Option<u64>) -> Self {
        ProgressCounter {
            hook,
            total,
            done: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        }
    }

    /// One more execution finished (`failed` if it failed).
    pub(crate) fn tick(&self, failed: bool) {
        let Some(hook) = self.hook else { return };
        if failed {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        let n = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if n.is_multiple_of(PROGRESS_EVERY) {
            (hook.0)(Progress {
                executions: n,
                total: self.total,
                failed: self.failed.load(Ordering::Relaxed),
                done: false,
            });
        }
    }

    /// The exploration is over after `executions` executions.
    pub(crate) fn finish(&self, executions: u64) {
        if let Some(hook) = self.hook {
            (hook.0)(Progress {
                executions,
                total: self.total,
                failed: self.failed.load(Ordering::Relaxed),
                done: true,
            });
        }
    }
}
