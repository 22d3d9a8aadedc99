//! Timers on the virtual clock, in tokio's shapes: `sleep`, `sleep_until`,
//! `timeout`, `interval`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::rt;
use crate::time::Instant;

/// A future that is ready once the virtual clock reaches `now + d`
/// (tokio's `sleep`). Under `Timing::Exact` it fires exactly then; under
/// `Timing::Adversarial` whenever its task is scheduled to (the clock moves
/// up to the deadline: time orders nothing).
///
/// ```
/// use std::time::Duration;
/// sim::check_random(|| {
///     sim::future::block_on(sim::future::sleep(Duration::from_secs(3)));
///     assert_eq!(sim::time::now(), Duration::from_secs(3));
/// }, 1);
/// ```
pub fn sleep(d: Duration) -> Sleep {
    sleep_until(Instant::now() + d)
}

/// A future that is ready once the virtual clock reaches `deadline`
/// (tokio's `sleep_until`).
///
/// ```
/// use std::time::Duration;
/// use sim::time::Instant;
/// sim::check_random(|| {
///     let at = Instant::now() + Duration::from_millis(10);
///     sim::future::block_on(sim::future::sleep_until(at));
///     assert_eq!(Instant::now(), at);
/// }, 1);
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep { deadline }
}

/// The future of [`sleep`] and [`sleep_until`].
///
/// ```
/// use std::time::Duration;
/// sim::check_random(|| {
///     let s = sim::future::sleep(Duration::from_secs(1));
///     assert_eq!(s.deadline(), sim::time::Instant::now() + Duration::from_secs(1));
/// }, 1);
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Sleep {
    deadline: Instant,
}

impl Sleep {
    /// When it fires.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether its deadline has passed.
    pub fn is_elapsed(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Moves its deadline (tokio's `reset`).
    pub fn reset(&mut self, deadline: Instant) {
        self.deadline = deadline;
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        poll_deadline(self.deadline)
    }
}

/// Ready once the clock is at `deadline`; else registers it as a timer of
/// the task being polled.
fn poll_deadline(deadline: Instant) -> Poll<()> {
    let d = deadline.nanos();
    if rt::now() >= d {
        return Poll::Ready(());
    }
    assert!(
        rt::task_timer(d),
        "sim: a sim::future timer was polled outside sim::future::block_on and spawn"
    );
    Poll::Pending
}

/// Runs `fut` with a time limit (tokio's `timeout`): `Ok` with its output
/// if it is ready before `d` of virtual time has passed, else
/// `Err(Elapsed)`. The future is polled first, so a ready future wins even
/// at a zero limit.
///
/// ```
/// use std::time::Duration;
/// use sim::future::{sleep, timeout};
/// sim::check_random(|| {
///     sim::future::block_on(async {
///         assert!(timeout(Duration::from_secs(1), sleep(Duration::from_secs(5))).await.is_err());
///         assert_eq!(timeout(Duration::from_secs(1), async { 3 }).await.unwrap(), 3);
///     });
/// }, 1);
/// ```
pub fn timeout<F: Future>(d: Duration, fut: F) -> Timeout<F> {
    Timeout {
        fut: Box::pin(fut),
        deadline: Instant::now() + d,
    }
}

/// The future of [`timeout`].
///
/// ```
/// use std::time::Duration;
/// sim::check_random(|| {
///     let t = sim::future::timeout(Duration::from_secs(1), async {});
///     assert_eq!(t.deadline(), sim::time::Instant::now() + Duration::from_secs(1));
/// }, 1);
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Timeout<F> {
    fut: Pin<Box<F>>,
    deadline: Instant,
}

impl<F> Timeout<F> {
    /// When it gives up.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }
}

impl<F> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("deadline", &self.deadline)
            .finish()
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Poll::Ready(v) = self.fut.as_mut().poll(cx) {
            return Poll::Ready(Ok(v));
        }
        poll_deadline(self.deadline).map(|()| Err(Elapsed(())))
    }
}

/// The error of a [`timeout`] whose limit passed first.
///
/// ```
/// use std::time::Duration;
/// sim::check_random(|| {
///     let r = sim::future::block_on(sim::future::timeout(
///         Duration::ZERO,
///         std::future::pending::<()>(),
///     ));
///     assert_eq!(r.unwrap_err().to_string(), "deadline has elapsed");
/// }, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

/// Ticks every `period` of virtual time, the first tick at once (tokio's
/// `interval`; a late tick is followed by the next one `period` after it,
/// tokio's `MissedTickBehavior::Delay`).
///
/// # Panics
///
/// If `period` is zero.
///
/// ```
/// use std::time::Duration;
/// sim::check_random(|| {
///     sim::future::block_on(async {
///         let mut iv = sim::future::interval(Duration::from_secs(2));
///         for _ in 0..3 {
///             iv.tick().await;
///         }
///     });
///     assert_eq!(sim::time::now(), Duration::from_secs(4));
/// }, 1);
/// ```
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// [`interval`] whose first tick is at `start`.
///
/// ```
/// use std::time::Duration;
/// use sim::time::Instant;
/// sim::check_random(|| {
///     let start = Instant::now() + Duration::from_secs(1);
///     let mut iv = sim::future::interval_at(start, Duration::from_secs(1));
///     assert_eq!(sim::future::block_on(iv.tick()), start);
/// }, 1);
/// ```
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(!period.is_zero(), "`period` must be non-zero.");
    Interval {
        next: start,
        period,
    }
}

/// The ticker of [`interval`].
///
/// ```
/// use std::time::Duration;
/// sim::check_random(|| {
///     let iv = sim::future::interval(Duration::from_secs(5));
///     assert_eq!(iv.period(), Duration::from_secs(5));
/// }, 1);
/// ```
#[derive(Debug)]
pub struct Interval {
    next: Instant,
    period: Duration,
}

impl Interval {
    /// Waits for the next tick; gives its scheduled instant.
    pub async fn tick(&mut self) -> Instant {
        let at = self.next;
        sleep_until(at).await;
        let now = Instant::now();
        self.next = if now > at { now } else { at } + self.period;
        at
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The next tick is `period` from now.
    pub fn reset(&mut self) {
        self.next = Instant::now() + self.period;
    }
}
