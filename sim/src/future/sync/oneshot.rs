//! tokio's `oneshot`.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use super::point::Point;

struct State<T> {
    value: Option<T>,
    tx_gone: bool,
    rx_gone: bool,
    rx_waker: Option<Waker>,
}

struct Chan<T> {
    point: Point,
    state: Mutex<State<T>>,
}

impl<T> Chan<T> {
    fn state(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A channel for one value (tokio's `oneshot::channel`): the receiver is a
/// future of the value, or of `RecvError` if the sender is dropped first.
///
/// ```
/// sim::model(|| {
///     let (tx, rx) = sim::future::sync::oneshot::channel();
///     sim::future::spawn(async move { tx.send(7).unwrap() });
///     assert_eq!(sim::future::block_on(rx).unwrap(), 7);
/// });
/// ```
#[track_caller]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let chan = Arc::new(Chan {
        point: Point::new("async oneshot channel", Location::caller()),
        state: Mutex::new(State {
            value: None,
            tx_gone: false,
            rx_gone: false,
            rx_waker: None,
        }),
    });
    (
        Sender {
            chan: Some(Arc::clone(&chan)),
        },
        Receiver { chan },
    )
}

/// The sending half.
pub struct Sender<T> {
    chan: Option<Arc<Chan<T>>>,
}

impl<T> Sender<T> {
    /// Sends `value`; gives it back if the receiver is gone.
    #[track_caller]
    pub fn send(mut self, value: T) -> Result<(), T> {
        let chan = self.chan.take().expect("not sent yet");
        chan.point.at(Location::caller());
        let waker = {
            let mut s = chan.state();
            s.tx_gone = true;
            if s.rx_gone {
                return Err(value);
            }
            s.value = Some(value);
            s.rx_waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// Whether the receiver is gone (not a scheduling point).
    pub fn is_closed(&self) -> bool {
        self.chan.as_ref().is_none_or(|c| c.state().rx_gone)
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let Some(chan) = self.chan.take() else { return };
        chan.point.at(Location::caller());
        let waker = {
            let mut s = chan.state();
            s.tx_gone = true;
            s.rx_waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// The receiving half: a future of the value.
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
}

impl<T> Receiver<T> {
    /// The value if it was sent, now.
    #[track_caller]
    pub fn try_recv(&mut self) -> Result<T, error::TryRecvError> {
        self.chan.point.at(Location::caller());
        let mut s = self.chan.state();
        match s.value.take() {
            Some(v) => Ok(v),
            None if s.tx_gone => Err(error::TryRecvError::Closed),
            None => Err(error::TryRecvError::Empty),
        }
    }

    /// Closes the channel: a later `send` fails.
    #[track_caller]
    pub fn close(&mut self) {
        self.chan.point.at(Location::caller());
        self.chan.state().rx_gone = true;
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, error::RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.chan.point.at(Location::caller());
        let mut s = self.chan.state();
        if let Some(v) = s.value.take() {
            return Poll::Ready(Ok(v));
        }
        if s.tx_gone {
            return Poll::Ready(Err(error::RecvError(())));
        }
        s.rx_waker = Some(cx.waker().clone());
        drop(s);
        self.chan.point.awaits();
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.state().rx_gone = true;
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

/// The channel's errors (tokio's `oneshot::error`).
pub mod error {
    use std::fmt;

    /// The sender was dropped without sending.
    ///
    /// ```
    /// sim::model(|| {
    ///     let (tx, rx) = sim::future::sync::oneshot::channel::<u8>();
    ///     drop(tx);
    ///     assert!(sim::future::block_on(rx).is_err());
    /// });
    /// ```
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl std::error::Error for RecvError {}

    /// Why `try_recv` gave nothing.
    ///
    /// ```
    /// use sim::future::sync::oneshot::error::TryRecvError;
    /// assert_ne!(TryRecvError::Empty, TryRecvError::Closed);
    /// ```
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum TryRecvError {
        /// Not sent yet.
        Empty,
        /// The sender was dropped without sending.
        Closed,
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}
