//! Virtual time.
//!
//! The clock starts at zero in every execution and moves only when no thread
//! can run at the current instant: it then jumps to the earliest pending
//! deadline. Real wall-clock time never enters.

use std::panic::Location;
use std::time::Duration;

use crate::rt;
use crate::rt::op::{Nanos, Op};

/// Sleeps for `d` of virtual time: a scheduling point that is enabled again
/// once the clock reaches now + `d`.
///
/// ```
/// use std::time::Duration;
/// sim::check_random(|| {
///     for _ in 0..5 {
///         sim::time::sleep(Duration::from_secs(2));
///     }
///     assert_eq!(sim::time::now(), Duration::from_secs(10));
/// }, 1);
/// ```
#[track_caller]
pub fn sleep(d: Duration) {
    let until = rt::with_current(|e| e.now).saturating_add(to_nanos(d));
    rt::op(Op::Sleep { until }, Location::caller());
}

/// The virtual time since the execution started. Not a scheduling point.
///
/// ```
/// sim::check_random(|| assert_eq!(sim::time::now(), std::time::Duration::ZERO), 1);
/// ```
pub fn now() -> Duration {
    Duration::from_nanos(rt::with_current(|e| e.now))
}

pub(crate) fn to_nanos(d: Duration) -> Nanos {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// `12.5s`, `3ms`, ... for reports.
pub(crate) fn format_nanos(n: Nanos) -> String {
    format!("{:?}", Duration::from_nanos(n))
}
