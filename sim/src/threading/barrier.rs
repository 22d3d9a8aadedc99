//! `Barrier`: Python's reusable rendezvous for a fixed number of threads.

use std::fmt;
use std::panic::{self, AssertUnwindSafe, Location};
use std::rc::Rc;
use std::time::Duration;

use crate::rt;
use crate::rt::object::ObjState;
use crate::rt::op::{ObjId, Op, OpResult};

use crate::time::deadline_after;

/// Python's `threading.Barrier(parties, action, timeout)`.
///
/// Each of `parties` threads calls [`wait`](Barrier::wait); all block until
/// the last one arrives, which runs the action (if any) and releases them
/// together. `wait` returns the arrival index, `0..parties`. The barrier is
/// reusable. A wait that times out, a panicking action, [`abort`](Barrier::abort)
/// or [`reset`](Barrier::reset) make the waiting threads' `wait` return
/// [`BrokenBarrierError`]; after a timeout, an action panic or `abort` the
/// barrier stays broken until `reset`. Every arrival happens before every
/// departure of the same round.
///
/// ```
/// use sim::threading::Barrier;
/// use sim::Shared;
/// sim::check_random(|| {
///     let hits = Shared::new(0);
///     let h = hits.clone();
///     let b = Barrier::new(3).action(move || h.with_mut(|n| *n += 1));
///     let threads: Vec<_> = (0..2)
///         .map(|_| {
///             let b = b.clone();
///             sim::thread::spawn(move || b.wait().unwrap())
///         })
///         .collect();
///     let mut indices = vec![b.wait().unwrap()];
///     for t in threads {
///         indices.push(t.join().unwrap());
///     }
///     indices.sort();
///     assert_eq!(indices, [0, 1, 2]);
///     assert_eq!(hits.get(), 1);
/// }, 100);
/// ```
#[derive(Clone)]
pub struct Barrier {
    id: ObjId,
    serial: u64,
    parties: u32,
    timeout: Option<Duration>,
    action: Option<Rc<dyn Fn()>>,
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("id", &self.id)
            .field("parties", &self.parties)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// What `Barrier::wait` returns when the barrier is broken or reset
/// (Python's `threading.BrokenBarrierError`).
///
/// ```
/// use sim::threading::{Barrier, BrokenBarrierError};
/// sim::check_random(|| {
///     let b = Barrier::new(2);
///     b.abort();
///     assert_eq!(b.wait(), Err(BrokenBarrierError));
/// }, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrokenBarrierError;

impl fmt::Display for BrokenBarrierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BrokenBarrierError")
    }
}

impl std::error::Error for BrokenBarrierError {}

impl Barrier {
    /// A barrier for `parties` threads (at least 1), with no action and no
    /// default timeout.
    #[track_caller]
    pub fn new(parties: u32) -> Barrier {
        assert!(parties > 0, "ValueError: parties must be > 0");
        let (id, serial) = rt::new_object(ObjState::new_barrier(parties), Location::caller());
        Barrier {
            id,
            serial,
            parties,
            timeout: None,
            action: None,
        }
    }

    /// Sets the action the last arriving thread runs before the others are
    /// released (Python's `action`). If it panics, the barrier breaks.
    pub fn action(mut self, action: impl Fn() + 'static) -> Barrier {
        self.action = Some(Rc::new(action));
        self
    }

    /// Sets the default timeout of [`wait`](Barrier::wait) (Python's
    /// `timeout`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use sim::threading::Barrier;
    /// sim::check_random(|| {
    ///     let b = Barrier::new(2).timeout(Duration::from_secs(1));
    ///     assert!(b.wait().is_err());
    ///     assert!(b.broken());
    ///     assert_eq!(sim::time::now(), Duration::from_secs(1));
    /// }, 1);
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Barrier {
        self.timeout = Some(timeout);
        self
    }

    #[track_caller]
    fn wait_op(
        &self,
        timeout: Option<Duration>,
        location: &'static Location<'static>,
    ) -> Result<usize, BrokenBarrierError> {
        rt::check_serial(self.serial, "Barrier");
        let barrier = self.id;
        let Some(index) = rt::op(Op::BarrierArrive { barrier }, location).as_value() else {
            return Err(BrokenBarrierError);
        };
        let passed = if index + 1 == u64::from(self.parties) {
            let outcome = match &self.action {
                Some(action) => panic::catch_unwind(AssertUnwindSafe(|| action())),
                None => Ok(()),
            };
            let ok = outcome.is_ok();
            let passed = rt::op(Op::BarrierRelease { barrier, ok }, location).as_bool();
            if let Err(payload) = outcome {
                panic::resume_unwind(payload);
            }
            passed
        } else {
            let deadline = timeout.map(deadline_after);
            rt::op(Op::BarrierBlock { barrier, deadline }, location).as_bool()
        };
        if passed {
            Ok(index as usize)
        } else {
            Err(BrokenBarrierError)
        }
    }

    /// Waits until all parties have arrived; returns this thread's arrival
    /// index, or the error if the barrier is or becomes broken (uses the
    /// default timeout, if one was set).
    #[track_caller]
    pub fn wait(&self) -> Result<usize, BrokenBarrierError> {
        self.wait_op(self.timeout, Location::caller())
    }

    /// Like [`wait`](Barrier::wait) with a timeout: if it expires, the
    /// barrier breaks.
    #[track_caller]
    pub fn wait_timeout(&self, timeout: Duration) -> Result<usize, BrokenBarrierError> {
        self.wait_op(Some(timeout), Location::caller())
    }

    #[track_caller]
    fn read(&self, location: &'static Location<'static>) -> u64 {
        rt::check_serial(self.serial, "Barrier");
        match rt::op(Op::BarrierRead { barrier: self.id }, location) {
            OpResult::Value(v) => u64::from(v),
            _ => 0,
        }
    }

    /// How many threads are waiting at the barrier now (a scheduling point).
    ///
    /// ```
    /// use sim::threading::Barrier;
    /// sim::check_random(|| {
    ///     let b = Barrier::new(2);
    ///     let b2 = b.clone();
    ///     let t = sim::thread::spawn(move || b2.wait().unwrap());
    ///     while b.n_waiting() == 0 {
    ///         sim::thread::yield_now();
    ///     }
    ///     assert_eq!(b.wait(), Ok(1));
    ///     assert_eq!(t.join().unwrap(), 0);
    ///     assert_eq!(b.n_waiting(), 0);
    /// }, 50);
    /// ```
    #[track_caller]
    pub fn n_waiting(&self) -> usize {
        (self.read(Location::caller()) >> 1) as usize
    }

    /// Whether the barrier is broken (a scheduling point).
    #[track_caller]
    pub fn broken(&self) -> bool {
        self.read(Location::caller()) & 1 != 0
    }

    /// The number of threads needed to pass the barrier.
    pub fn parties(&self) -> usize {
        self.parties as usize
    }

    /// Breaks the barrier: waiting and future `wait`s fail until `reset`.
    #[track_caller]
    pub fn abort(&self) {
        rt::check_serial(self.serial, "Barrier");
        rt::op(Op::BarrierAbort { barrier: self.id }, Location::caller());
    }

    /// Returns the barrier to its empty state; threads waiting on it now
    /// get [`BrokenBarrierError`].
    ///
    /// ```
    /// use sim::threading::Barrier;
    /// sim::check_random(|| {
    ///     let b = Barrier::new(1);
    ///     b.abort();
    ///     assert!(b.broken());
    ///     b.reset();
    ///     assert!(!b.broken());
    ///     assert_eq!(b.wait(), Ok(0));
    /// }, 1);
    /// ```
    #[track_caller]
    pub fn reset(&self) {
        rt::check_serial(self.serial, "Barrier");
        rt::op(Op::BarrierReset { barrier: self.id }, Location::caller());
    }
}
