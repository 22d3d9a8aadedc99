//! `std::sync::mpsc` on sim's runtime: multi-producer, single-consumer
//! channels with std's signatures and semantics, every send, receive and
//! disconnection a scheduling point.
//!
//! - [`channel`]: unbounded, `send` never blocks;
//! - [`sync_channel(n)`](sync_channel): `send` blocks while `n` values are
//!   queued; `sync_channel(0)` is a rendezvous: `send` returns only once a
//!   receiver has taken the value, and `try_send` succeeds only when the
//!   receiver is waiting in `recv`.
//!
//! Happens-before: the `send` of a value happens before the `recv` that
//! takes it (and only that one); on a rendezvous channel that `recv` also
//! happens before the `send` returns. Once every sender is dropped, `recv`
//! drains what is queued, then fails with [`RecvError`]; once the receiver
//! is dropped, every send fails, giving its value back ([`SendError`]). A
//! failing operation is ordered after the drops that made it fail.
//! `recv_timeout` runs on the virtual clock (under `Timing::Adversarial` it
//! may time out whenever it still waits).
//!
//! Cloning a sender and dropping one that is not the last are not
//! scheduling points (no other thread can notice them); the drop of the
//! last sender and of the receiver are. The values live in the handles (in
//! a `std::sync::Mutex`, used uncontended), so `Sender`, `SyncSender` and
//! `Receiver` are `Send` and `Sync` where std's are.
//!
//! ```
//! use sim::sync::mpsc::channel;
//! sim::model(|| {
//!     let (tx, rx) = channel();
//!     for id in 0..2 {
//!         let tx = tx.clone();
//!         sim::thread::spawn(move || tx.send(id).unwrap());
//!     }
//!     drop(tx);
//!     let mut got: Vec<i32> = rx.iter().collect();
//!     got.sort();
//!     assert_eq!(got, [0, 1]);
//! });
//! ```

use std::cell::Cell;
use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::panic::Location;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::rt;
use crate::rt::object::ObjState;
use crate::rt::op::{ObjId, Op, OpResult};
use crate::rt::prims::channel::{Capacity, CHAN_DISCONNECTED, CHAN_OK, CHAN_WAIT};
use crate::time::deadline_after;

mod error;
pub use error::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};

/// The shared part of a channel: its runtime object and the values.
struct Chan<T> {
    id: ObjId,
    serial: u64,
    rendezvous: bool,
    buf: Mutex<Buf<T>>,
}

/// The queued values, tagged so that a rendezvous sender whose receiver
/// left can take its own value back.
struct Buf<T> {
    items: VecDeque<(u64, T)>,
    next: u64,
}

impl<T> Chan<T> {
    fn buf(&self) -> MutexGuard<'_, Buf<T>> {
        // Uncontended: one green thread runs at a time.
        self.buf.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn new(capacity: Capacity, location: &'static Location<'static>) -> Arc<Chan<T>> {
        let (id, serial) = rt::new_object(ObjState::new_channel(capacity), location);
        Arc::new(Chan {
            id,
            serial,
            rendezvous: capacity == Capacity::Rendezvous,
            buf: Mutex::new(Buf {
                items: VecDeque::new(),
                next: 0,
            }),
        })
    }

    /// A send of `t`: blocking (`deadline: None`) or not (`Some(now)`).
    #[track_caller]
    fn send(
        &self,
        t: T,
        deadline: Option<u64>,
        location: &'static Location<'static>,
    ) -> Result<(), TrySendError<T>> {
        rt::check_serial(self.serial, "Sender");
        let op = Op::ChanSend {
            chan: self.id,
            deadline,
        };
        match rt::op(op, location) {
            OpResult::Value(CHAN_OK) => {}
            OpResult::Bool(false) => return Err(TrySendError::Full(t)),
            // Disconnected, or not scheduled: the thread unwinds.
            r => {
                debug_assert!(matches!(
                    r,
                    OpResult::Value(CHAN_DISCONNECTED) | OpResult::Unit
                ));
                return Err(TrySendError::Disconnected(t));
            }
        }
        // Atomic with the send: no other thread runs before the next
        // scheduling point.
        let seq = {
            let mut buf = self.buf();
            let seq = buf.next;
            buf.next += 1;
            buf.items.push_back((seq, t));
            seq
        };
        if !self.rendezvous || deadline.is_some() {
            return Ok(());
        }
        let result = rt::op(Op::ChanSendWait { chan: self.id }, location);
        if result == OpResult::Value(CHAN_OK) {
            return Ok(());
        }
        // The receiver left before taking the value: take it back.
        let mut buf = self.buf();
        match buf.items.iter().position(|(s, _)| *s == seq) {
            Some(pos) => {
                let (_, t) = buf.items.remove(pos).expect("position is in range");
                Err(TrySendError::Disconnected(t))
            }
            None => Ok(()),
        }
    }

    /// A receive: blocking, timed or not (`Some(now)`).
    #[track_caller]
    fn recv(
        &self,
        deadline: Option<u64>,
        location: &'static Location<'static>,
    ) -> Result<T, RecvTimeoutError> {
        rt::check_serial(self.serial, "Receiver");
        let now = deadline.is_some_and(|d| d <= rt::now());
        let entered = if self.rendezvous && !now {
            // std's rendezvous receiver enters the wait first: a `try_send`
            // may then hand it a value.
            rt::op(Op::ChanRecvEnter { chan: self.id }, location)
        } else {
            OpResult::Value(CHAN_WAIT)
        };
        let result = match entered {
            OpResult::Value(CHAN_WAIT) => {
                let op = Op::ChanRecv {
                    chan: self.id,
                    deadline,
                };
                rt::op(op, location)
            }
            taken => taken,
        };
        match result {
            OpResult::Value(CHAN_OK) => {
                let (_, t) = self
                    .buf()
                    .items
                    .pop_front()
                    .expect("sim: internal error: a channel's values and its state disagree");
                Ok(t)
            }
            OpResult::Bool(false) => Err(RecvTimeoutError::Timeout),
            r => {
                debug_assert!(matches!(
                    r,
                    OpResult::Value(CHAN_DISCONNECTED) | OpResult::Unit
                ));
                Err(RecvTimeoutError::Disconnected)
            }
        }
    }

    /// The drop of a sender (or, `receiver`, of the receiver).
    #[track_caller]
    fn drop_side(&self, receiver: bool, location: &'static Location<'static>) {
        if !rt::chan_drop_quietly(self.id, self.serial, receiver) {
            let op = if receiver {
                Op::ChanDropReceiver { chan: self.id }
            } else {
                Op::ChanDropSender { chan: self.id }
            };
            rt::op(op, location);
        }
        if receiver && !self.rendezvous {
            // std drops the queued values with the receiver.
            let items = std::mem::take(&mut self.buf().items);
            drop(items);
        }
    }
}

/// Creates an unbounded channel: `send` never blocks.
///
/// ```
/// use sim::sync::mpsc::channel;
/// sim::model(|| {
///     let (tx, rx) = channel();
///     let t = sim::thread::spawn(move || tx.send("hi").unwrap());
///     assert_eq!(rx.recv(), Ok("hi"));
///     t.join().unwrap();
/// });
/// ```
#[track_caller]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let location = Location::caller();
    let chan = Chan::new(Capacity::Unbounded, location);
    (
        Sender {
            chan: Arc::clone(&chan),
            location,
        },
        Receiver::new(chan, location),
    )
}

/// Creates a bounded channel: `send` blocks while `bound` values are
/// queued. `sync_channel(0)` is a rendezvous: `send` returns only once the
/// receiver has taken the value.
///
/// ```
/// use sim::sync::mpsc::sync_channel;
/// use sim::Shared;
/// sim::model(|| {
///     let (tx, rx) = sync_channel(0);
///     let received = Shared::new(false);
///     let r = received.clone();
///     let t = sim::thread::spawn(move || {
///         rx.recv().unwrap();
///         r.set(true);
///     });
///     tx.send(1).unwrap(); // returns after the recv
///     t.join().unwrap();
///     assert!(received.get());
/// });
/// ```
#[track_caller]
pub fn sync_channel<T>(bound: usize) -> (SyncSender<T>, Receiver<T>) {
    let location = Location::caller();
    let capacity = match bound {
        0 => Capacity::Rendezvous,
        n => Capacity::Bounded(u32::try_from(n).unwrap_or(u32::MAX)),
    };
    let chan = Chan::new(capacity, location);
    (
        SyncSender {
            chan: Arc::clone(&chan),
            location,
        },
        Receiver::new(chan, location),
    )
}

/// The sending half of a [`channel`]: `Clone`, and `send` never blocks.
///
/// ```
/// use sim::sync::mpsc::{channel, SendError};
/// sim::model(|| {
///     let (tx, rx) = channel();
///     drop(rx);
///     assert_eq!(tx.send(7), Err(SendError(7)));
/// });
/// ```
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
    /// Where the handle was made: its drop is recorded there.
    location: &'static Location<'static>,
}

impl<T> Sender<T> {
    /// Sends `t`; fails, giving it back, once the receiver is dropped.
    #[track_caller]
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        self.chan
            .send(t, None, Location::caller())
            .map_err(|e| SendError(e.into_inner()))
    }
}

impl<T> Clone for Sender<T> {
    #[track_caller]
    fn clone(&self) -> Self {
        rt::chan_clone_sender(self.chan.id, self.chan.serial);
        Sender {
            chan: Arc::clone(&self.chan),
            location: Location::caller(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_side(false, self.location);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

/// The sending half of a [`sync_channel`]: `Clone`; `send` blocks while
/// the channel is full (on a rendezvous channel, until the receiver takes
/// the value).
///
/// ```
/// use sim::sync::mpsc::{sync_channel, TrySendError};
/// sim::model(|| {
///     let (tx, rx) = sync_channel(1);
///     tx.send(1).unwrap();
///     assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
///     assert_eq!(rx.recv(), Ok(1));
///     drop(rx);
///     assert_eq!(tx.try_send(3), Err(TrySendError::Disconnected(3)));
/// });
/// ```
pub struct SyncSender<T> {
    chan: Arc<Chan<T>>,
    location: &'static Location<'static>,
}

impl<T> SyncSender<T> {
    /// Sends `t`, blocking while the channel is full; fails, giving it
    /// back, once the receiver is dropped (also while blocked).
    #[track_caller]
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        self.chan
            .send(t, None, Location::caller())
            .map_err(|e| SendError(e.into_inner()))
    }

    /// Sends `t` if there is room now (on a rendezvous channel: if the
    /// receiver waits in `recv` now); [`TrySendError::Full`] otherwise.
    #[track_caller]
    pub fn try_send(&self, t: T) -> Result<(), TrySendError<T>> {
        let now = Some(deadline_after(Duration::ZERO));
        self.chan.send(t, now, Location::caller())
    }
}

impl<T> Clone for SyncSender<T> {
    #[track_caller]
    fn clone(&self) -> Self {
        rt::chan_clone_sender(self.chan.id, self.chan.serial);
        SyncSender {
            chan: Arc::clone(&self.chan),
            location: Location::caller(),
        }
    }
}

impl<T> Drop for SyncSender<T> {
    fn drop(&mut self) {
        self.chan.drop_side(false, self.location);
    }
}

impl<T> fmt::Debug for SyncSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncSender").finish_non_exhaustive()
    }
}

/// The receiving half of a channel: `Send` but not `Sync`, as std's.
///
/// ```
/// use std::time::Duration;
/// use sim::sync::mpsc::{channel, RecvTimeoutError, TryRecvError};
/// sim::model(|| {
///     let (tx, rx) = channel::<u8>();
///     assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
///     let timeout = rx.recv_timeout(Duration::from_secs(1));
///     assert_eq!(timeout, Err(RecvTimeoutError::Timeout));
///     drop(tx);
///     assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
/// });
/// ```
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
    location: &'static Location<'static>,
    /// Not `Sync`, as std's.
    _not_sync: PhantomData<Cell<()>>,
}

impl<T> Receiver<T> {
    fn new(chan: Arc<Chan<T>>, location: &'static Location<'static>) -> Self {
        Receiver {
            chan,
            location,
            _not_sync: PhantomData,
        }
    }

    /// Takes the oldest value, blocking while the channel is empty; fails
    /// once it is empty and every sender is dropped.
    #[track_caller]
    pub fn recv(&self) -> Result<T, RecvError> {
        self.chan
            .recv(None, Location::caller())
            .map_err(|_| RecvError)
    }

    /// Takes the oldest value if there is one now (on a rendezvous
    /// channel: if a sender waits in `send`).
    #[track_caller]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        let now = Some(deadline_after(Duration::ZERO));
        self.chan
            .recv(now, Location::caller())
            .map_err(|e| match e {
                RecvTimeoutError::Timeout => TryRecvError::Empty,
                RecvTimeoutError::Disconnected => TryRecvError::Disconnected,
            })
    }

    /// Like [`Receiver::recv`], waiting at most `timeout` of virtual time.
    #[track_caller]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.chan
            .recv(Some(deadline_after(timeout)), Location::caller())
    }

    /// An iterator that blocks for each value and ends once every sender
    /// is dropped and the channel is empty.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { rx: self }
    }

    /// An iterator over the values there are now, without blocking.
    ///
    /// ```
    /// use sim::sync::mpsc::channel;
    /// sim::model(|| {
    ///     let (tx, rx) = channel();
    ///     tx.send(1).unwrap();
    ///     tx.send(2).unwrap();
    ///     assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
    /// });
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { rx: self }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.drop_side(true, self.location);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

/// The blocking iterator of [`Receiver::iter`].
#[derive(Debug)]
pub struct Iter<'a, T: 'a> {
    rx: &'a Receiver<T>,
}

/// The non-blocking iterator of [`Receiver::try_iter`].
#[derive(Debug)]
pub struct TryIter<'a, T: 'a> {
    rx: &'a Receiver<T>,
}

/// The owning blocking iterator of `Receiver::into_iter`.
///
/// ```
/// use sim::sync::mpsc::channel;
/// sim::model(|| {
///     let (tx, rx) = channel();
///     tx.send('a').unwrap();
///     drop(tx);
///     assert_eq!(rx.into_iter().collect::<String>(), "a");
/// });
/// ```
#[derive(Debug)]
pub struct IntoIter<T> {
    rx: Receiver<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;

    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.rx.try_recv().ok()
    }
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;

    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    fn into_iter(self) -> IntoIter<T> {
        IntoIter { rx: self }
    }
}
