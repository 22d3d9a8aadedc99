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
    let until = rt::now().saturating_add(to_nanos(d));
    rt::op(Op::Sleep { until }, Location::caller());
}

/// The virtual time since the execution started. Not a scheduling point.
///
/// ```
/// sim::check_random(|| assert_eq!(sim::time::now(), std::time::Duration::ZERO), 1);
/// ```
#[track_caller]
pub fn now() -> Duration {
    Duration::from_nanos(rt::now())
}

/// The deadline `timeout` from now, on the virtual clock.
#[track_caller]
pub(crate) fn deadline_after(timeout: Duration) -> Nanos {
    rt::now().saturating_add(to_nanos(timeout))
}

pub(crate) fn to_nanos(d: Duration) -> Nanos {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// `12.5s`, `3ms`, ... for reports.
pub(crate) fn format_nanos(n: Nanos) -> String {
    format!("{:?}", Duration::from_nanos(n))
}

/// Sets the wall-clock instant (Unix seconds, UTC) that virtual time zero
/// stands for in this execution, for [`ctime`]. The default is 0 (1970).
///
/// ```
/// sim::check_random(|| {
///     sim::time::set_epoch(1_536_079_488); // 2018-09-04 16:44:48 UTC
///     assert_eq!(sim::time::ctime(), "Tue Sep  4 16:44:48 2018");
/// }, 1);
/// ```
#[track_caller]
pub fn set_epoch(unix_secs: u64) {
    rt::set_epoch(unix_secs);
}

/// Python's `time.ctime(time.time())` for the virtual clock: the epoch set
/// by [`set_epoch`] plus the virtual time elapsed, formatted like
/// `Tue Sep  4 16:44:50 2018` (UTC). Not a scheduling point.
///
/// ```
/// use std::time::Duration;
/// sim::check_random(|| {
///     sim::time::sleep(Duration::from_secs(61));
///     assert_eq!(sim::time::ctime(), "Thu Jan  1 00:01:01 1970");
/// }, 1);
/// ```
#[track_caller]
pub fn ctime() -> String {
    let (epoch, now) = rt::epoch_and_now();
    format_ctime(epoch + now / 1_000_000_000)
}

/// Formats Unix seconds (UTC) as C's `ctime` without the newline.
pub(crate) fn format_ctime(unix_secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix_secs / 86_400;
    let secs = unix_secs % 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{} {} {:>2} {:02}:{:02}:{:02} {}",
        DAYS[(days % 7) as usize],
        MONTHS[(m - 1) as usize],
        d,
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        y
    )
}

/// Year, month (1-12), day (1-31) of the day `z` days after 1970-01-01, by
/// Howard Hinnant's `civil_from_days` algorithm (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::format_ctime;

    #[test]
    fn ctime_matches_python() {
        // Values from Python: time.ctime(x) with TZ=UTC.
        assert_eq!(format_ctime(0), "Thu Jan  1 00:00:00 1970");
        assert_eq!(format_ctime(951_782_400), "Tue Feb 29 00:00:00 2000");
        assert_eq!(format_ctime(1_536_079_490), "Tue Sep  4 16:44:50 2018");
        assert_eq!(format_ctime(4_102_444_799), "Thu Dec 31 23:59:59 2099");
    }
}

/// std's `Instant`, on the virtual clock: for code whose logic reads time
/// (timeouts, deadlines, backoff). Reading it is not a scheduling point.
///
/// ```
/// use std::time::Duration;
/// use sim::time::Instant;
/// sim::check_random(|| {
///     let start = Instant::now();
///     sim::thread::sleep(Duration::from_secs(2));
///     assert_eq!(start.elapsed(), Duration::from_secs(2));
///     assert_eq!(Instant::now() - start, Duration::from_secs(2));
/// }, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(Duration);

impl Instant {
    /// The virtual time now.
    #[track_caller]
    pub fn now() -> Instant {
        Instant(now())
    }

    /// Virtual time since `self` (zero if `self` is later).
    #[track_caller]
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(*self)
    }

    /// `self - earlier`; zero if `earlier` is later (std's behaviour since 1.60).
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }

    /// `self - earlier`, or `None` if `earlier` is later.
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        self.0.checked_sub(earlier.0)
    }

    /// `self - earlier`, or zero if `earlier` is later.
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.0.saturating_sub(earlier.0)
    }

    /// `self + d`, if representable.
    pub fn checked_add(&self, d: Duration) -> Option<Instant> {
        self.0.checked_add(d).map(Instant)
    }

    /// `self - d`, if not before the start of the execution.
    pub fn checked_sub(&self, d: Duration) -> Option<Instant> {
        self.0.checked_sub(d).map(Instant)
    }

    /// The instant as virtual nanoseconds since the start.
    pub(crate) fn nanos(&self) -> Nanos {
        to_nanos(self.0)
    }
}

impl std::ops::Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        self.checked_add(d)
            .expect("overflow when adding duration to instant")
    }
}

impl std::ops::AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        *self = *self + d;
    }
}

impl std::ops::Sub<Duration> for Instant {
    type Output = Instant;
    fn sub(self, d: Duration) -> Instant {
        self.checked_sub(d)
            .expect("overflow when subtracting duration from instant")
    }
}

impl std::ops::SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, d: Duration) {
        *self = *self - d;
    }
}

impl std::ops::Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }
}

/// std's `SystemTime`, on the virtual clock: [`UNIX_EPOCH`] plus the epoch
/// set by [`set_epoch`] (0 by default) plus the virtual time now.
///
/// ```
/// use std::time::Duration;
/// use sim::time::{SystemTime, UNIX_EPOCH};
/// sim::check_random(|| {
///     sim::time::set_epoch(1_000);
///     sim::thread::sleep(Duration::from_secs(5));
///     let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
///     assert_eq!(since, Duration::from_secs(1_005));
/// }, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SystemTime(Duration);

/// The Unix epoch as a [`SystemTime`].
pub const UNIX_EPOCH: SystemTime = SystemTime(Duration::ZERO);

impl SystemTime {
    /// The Unix epoch (std's associated constant).
    pub const UNIX_EPOCH: SystemTime = UNIX_EPOCH;

    /// The simulated wall-clock time now.
    #[track_caller]
    pub fn now() -> SystemTime {
        let (epoch, now) = rt::epoch_and_now();
        SystemTime(Duration::from_secs(epoch) + Duration::from_nanos(now))
    }

    /// `self - earlier`, or an error saying how much later `earlier` is.
    pub fn duration_since(&self, earlier: SystemTime) -> Result<Duration, SystemTimeError> {
        self.0
            .checked_sub(earlier.0)
            .ok_or_else(|| SystemTimeError(earlier.0 - self.0))
    }

    /// Virtual time since `self`.
    #[track_caller]
    pub fn elapsed(&self) -> Result<Duration, SystemTimeError> {
        SystemTime::now().duration_since(*self)
    }

    /// `self + d`, if representable.
    pub fn checked_add(&self, d: Duration) -> Option<SystemTime> {
        self.0.checked_add(d).map(SystemTime)
    }

    /// `self - d`, if not before the epoch.
    pub fn checked_sub(&self, d: Duration) -> Option<SystemTime> {
        self.0.checked_sub(d).map(SystemTime)
    }
}

impl std::ops::Add<Duration> for SystemTime {
    type Output = SystemTime;
    fn add(self, d: Duration) -> SystemTime {
        self.checked_add(d)
            .expect("overflow when adding duration to system time")
    }
}

impl std::ops::Sub<Duration> for SystemTime {
    type Output = SystemTime;
    fn sub(self, d: Duration) -> SystemTime {
        self.checked_sub(d)
            .expect("overflow when subtracting duration from system time")
    }
}

/// std's `SystemTimeError`: `earlier` was later, by [`duration`](SystemTimeError::duration).
///
/// ```
/// use std::time::Duration;
/// use sim::time::{SystemTime, UNIX_EPOCH};
/// let late = UNIX_EPOCH + Duration::from_secs(3);
/// assert_eq!(UNIX_EPOCH.duration_since(late).unwrap_err().duration(), Duration::from_secs(3));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SystemTimeError(Duration);

impl SystemTimeError {
    /// How much later the other time was.
    pub fn duration(&self) -> Duration {
        self.0
    }
}

impl std::fmt::Display for SystemTimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("second time provided was later than self")
    }
}

impl std::error::Error for SystemTimeError {}
