//! tokio's `mpsc`: bounded (`channel`) and unbounded (`unbounded_channel`).

use std::collections::VecDeque;
use std::fmt;
use std::future::poll_fn;
use std::panic::Location;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Poll, Waker};

use super::batch::Batch;
use super::point::Point;

struct State<T> {
    queue: VecDeque<T>,
    senders: usize,
    rx_closed: bool,
    rx_waker: Option<Waker>,
}

struct Chan<T> {
    point: Point,
    /// The free slots of a bounded channel.
    slots: Option<Batch>,
    state: Mutex<State<T>>,
}

impl<T> Chan<T> {
    fn new(cap: Option<usize>, at: &'static Location<'static>) -> Arc<Chan<T>> {
        Arc::new(Chan {
            point: Point::new("async mpsc channel", at),
            slots: cap.map(|c| Batch::new(c, "async mpsc channel (slots)", at)),
            state: Mutex::new(State {
                queue: VecDeque::new(),
                senders: 1,
                rx_closed: false,
                rx_waker: None,
            }),
        })
    }

    fn state(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Pushes `value` (its slot, if bounded, is taken); wakes the receiver.
    fn push(&self, value: T, at: &'static Location<'static>) -> Result<(), T> {
        self.point.at(at);
        let waker = {
            let mut s = self.state();
            if s.rx_closed {
                return Err(value);
            }
            s.queue.push_back(value);
            s.rx_waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    fn close_rx(&self, at: &'static Location<'static>) {
        self.point.at(at);
        self.state().rx_closed = true;
        if let Some(slots) = &self.slots {
            slots.close(at);
        }
    }

    fn try_recv(&self, at: &'static Location<'static>) -> Result<T, TryRecvError> {
        self.point.at(at);
        let got = {
            let mut s = self.state();
            match s.queue.pop_front() {
                Some(v) => Ok(v),
                None if s.senders == 0 => Err(TryRecvError::Disconnected),
                None => Err(TryRecvError::Empty),
            }
        };
        if got.is_ok() {
            if let Some(slots) = &self.slots {
                slots.release(1, at);
            }
        }
        got
    }

    async fn recv(&self, at: &'static Location<'static>) -> Option<T> {
        poll_fn(|cx| match self.try_recv(at) {
            Ok(v) => Poll::Ready(Some(v)),
            Err(TryRecvError::Disconnected) => Poll::Ready(None),
            Err(TryRecvError::Empty) => {
                self.state().rx_waker = Some(cx.waker().clone());
                self.point.awaits();
                Poll::Pending
            }
        })
        .await
    }

    fn drop_sender(&self) {
        let last = {
            let mut s = self.state();
            s.senders -= 1;
            s.senders == 0
        };
        if last {
            self.point.at(Location::caller());
            let waker = self.state().rx_waker.take();
            if let Some(w) = waker {
                w.wake();
            }
        }
    }
}

/// A bounded channel of `buffer` slots (tokio's `mpsc::channel`): `send`
/// waits while it is full, `recv` while it is empty.
///
/// # Panics
///
/// If `buffer` is zero (as tokio).
///
/// ```
/// sim::model(|| {
///     let (tx, mut rx) = sim::future::sync::mpsc::channel(1);
///     sim::future::spawn(async move {
///         tx.send(1).await.unwrap();
///         tx.send(2).await.unwrap();
///     });
///     sim::future::block_on(async {
///         assert_eq!(rx.recv().await, Some(1));
///         assert_eq!(rx.recv().await, Some(2));
///         assert_eq!(rx.recv().await, None);
///     });
/// });
/// ```
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    assert!(buffer > 0, "mpsc bounded channel requires buffer > 0");
    let chan = Chan::new(Some(buffer), Location::caller());
    (
        Sender {
            chan: Arc::clone(&chan),
        },
        Receiver { chan },
    )
}

/// An unbounded channel (tokio's `mpsc::unbounded_channel`): `send` never
/// waits.
///
/// ```
/// sim::model(|| {
///     let (tx, mut rx) = sim::future::sync::mpsc::unbounded_channel();
///     tx.send(5).unwrap();
///     assert_eq!(sim::future::block_on(rx.recv()), Some(5));
/// });
/// ```
#[track_caller]
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let chan = Chan::new(None, Location::caller());
    (
        UnboundedSender {
            chan: Arc::clone(&chan),
        },
        UnboundedReceiver { chan },
    )
}

/// The sending half of a bounded channel.
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

/// The receiving half of a bounded channel.
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
}

/// The sending half of an unbounded channel.
pub struct UnboundedSender<T> {
    chan: Arc<Chan<T>>,
}

/// The receiving half of an unbounded channel.
pub struct UnboundedReceiver<T> {
    chan: Arc<Chan<T>>,
}

impl<T> Sender<T> {
    /// Waits for a free slot and sends `value`; `Err` once the receiver is
    /// gone.
    #[track_caller]
    pub fn send(
        &self,
        value: T,
    ) -> impl std::future::Future<Output = Result<(), error::SendError<T>>> + '_ {
        let at = Location::caller();
        async move {
            let slots = self.chan.slots.as_ref().expect("bounded");
            if slots.acquire(1, at).await.is_err() {
                return Err(error::SendError(value));
            }
            self.chan.push(value, at).map_err(error::SendError)
        }
    }

    /// Sends `value` if there is a free slot now.
    #[track_caller]
    pub fn try_send(&self, value: T) -> Result<(), error::TrySendError<T>> {
        let at = Location::caller();
        let slots = self.chan.slots.as_ref().expect("bounded");
        match slots.try_acquire(1, at) {
            Ok(true) => self
                .chan
                .push(value, at)
                .map_err(error::TrySendError::Closed),
            Ok(false) => Err(error::TrySendError::Full(value)),
            Err(_) => Err(error::TrySendError::Closed(value)),
        }
    }

    /// Whether the receiver is gone (not a scheduling point).
    pub fn is_closed(&self) -> bool {
        self.chan.state().rx_closed
    }

    /// The free slots now (not a scheduling point).
    pub fn capacity(&self) -> usize {
        self.chan.slots.as_ref().map_or(0, Batch::available)
    }
}

impl<T> UnboundedSender<T> {
    /// Sends `value`; `Err` once the receiver is gone.
    #[track_caller]
    pub fn send(&self, value: T) -> Result<(), error::SendError<T>> {
        self.chan
            .push(value, Location::caller())
            .map_err(error::SendError)
    }

    /// Whether the receiver is gone (not a scheduling point).
    pub fn is_closed(&self) -> bool {
        self.chan.state().rx_closed
    }
}

macro_rules! receiver {
    ($name:ident, $sender:ident) => {
        impl<T> $name<T> {
            /// Waits for a value; `None` once every sender is gone and the
            /// channel is empty.
            #[track_caller]
            pub fn recv(&mut self) -> impl std::future::Future<Output = Option<T>> + '_ {
                self.chan.recv(Location::caller())
            }

            /// A value if there is one now.
            #[track_caller]
            pub fn try_recv(&mut self) -> Result<T, error::TryRecvError> {
                self.chan.try_recv(Location::caller())
            }

            /// Closes the channel: sends fail, values sent stay receivable.
            #[track_caller]
            pub fn close(&mut self) {
                self.chan.close_rx(Location::caller());
            }
        }

        impl<T> Drop for $name<T> {
            fn drop(&mut self) {
                if !self.chan.state().rx_closed {
                    self.chan.close_rx(Location::caller());
                }
            }
        }

        impl<T> Clone for $sender<T> {
            fn clone(&self) -> Self {
                self.chan.state().senders += 1;
                $sender {
                    chan: Arc::clone(&self.chan),
                }
            }
        }

        impl<T> Drop for $sender<T> {
            fn drop(&mut self) {
                self.chan.drop_sender();
            }
        }

        impl<T> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }

        impl<T> fmt::Debug for $sender<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($sender)).finish_non_exhaustive()
            }
        }
    };
}

receiver!(Receiver, Sender);
receiver!(UnboundedReceiver, UnboundedSender);

use error::TryRecvError;

/// The channels' errors (tokio's `mpsc::error`).
pub mod error {
    use std::fmt;

    /// The receiver is gone; the value comes back.
    ///
    /// ```
    /// let e = sim::future::sync::mpsc::error::SendError(3);
    /// assert_eq!(e.0, 3);
    /// ```
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub struct SendError<T>(pub T);

    impl<T> fmt::Debug for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("SendError { .. }")
        }
    }

    impl<T> fmt::Display for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl<T> std::error::Error for SendError<T> {}

    /// Why `try_send` failed; the value comes back.
    ///
    /// ```
    /// use sim::future::sync::mpsc::error::TrySendError;
    /// assert!(matches!(TrySendError::Full(1), TrySendError::Full(_)));
    /// ```
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub enum TrySendError<T> {
        /// No free slot now.
        Full(T),
        /// The receiver is gone.
        Closed(T),
    }

    impl<T> fmt::Debug for TrySendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TrySendError::Full(_) => f.write_str("Full(..)"),
                TrySendError::Closed(_) => f.write_str("Closed(..)"),
            }
        }
    }

    impl<T> fmt::Display for TrySendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TrySendError::Full(_) => f.write_str("no available capacity"),
                TrySendError::Closed(_) => f.write_str("channel closed"),
            }
        }
    }

    impl<T> std::error::Error for TrySendError<T> {}

    /// Why `try_recv` gave nothing.
    ///
    /// ```
    /// use sim::future::sync::mpsc::error::TryRecvError;
    /// assert_ne!(TryRecvError::Empty, TryRecvError::Disconnected);
    /// ```
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub enum TryRecvError {
        /// Nothing now.
        Empty,
        /// Nothing, and every sender is gone.
        Disconnected,
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("receiving on an empty channel"),
                TryRecvError::Disconnected => f.write_str("receiving on a closed channel"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}
