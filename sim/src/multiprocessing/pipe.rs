//! `multiprocessing::pipe`: Python's `multiprocessing.Pipe()`, two duplex ends.

use std::fmt;
use std::panic::Location;
use std::time::Duration;

use crate::queue::Empty;
use crate::rt;
use crate::rt::op::Op;
use crate::rt::process::mark_cross_process;
use crate::time::deadline_after;

/// Python's `multiprocessing.Pipe()` (duplex): two connected ends. What one
/// end sends, the other receives, in order; a send happens before the
/// receive that gets it. Sends never block (the buffer is unbounded).
///
/// ```
/// sim::check_random(|| {
///     let (parent, child) = sim::multiprocessing::pipe();
///     let p = sim::multiprocessing::spawn(move || {
///         let n: i32 = child.recv();
///         child.send(n + 1);
///     });
///     parent.send(41);
///     assert_eq!(parent.recv(), 42);
///     p.join();
/// }, 100);
/// ```
#[track_caller]
pub fn pipe<T>() -> (Connection<T>, Connection<T>) {
    let a_to_b = crate::queue::Queue::new(0);
    let b_to_a = crate::queue::Queue::new(0);
    mark_cross_process(a_to_b.id());
    mark_cross_process(b_to_a.id());
    (
        Connection {
            tx: a_to_b.clone(),
            rx: b_to_a.clone(),
        },
        Connection {
            tx: b_to_a,
            rx: a_to_b,
        },
    )
}

/// One end of a [`pipe`]: Python's `multiprocessing.connection.Connection`.
///
/// ```
/// sim::check_random(|| {
///     let (a, b) = sim::multiprocessing::pipe::<&str>();
///     a.send("ping");
///     assert_eq!(b.recv(), "ping");
/// }, 1);
/// ```
pub struct Connection<T> {
    tx: crate::queue::Queue<T>,
    rx: crate::queue::Queue<T>,
}

impl<T> fmt::Debug for Connection<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("tx", &self.tx)
            .field("rx", &self.rx)
            .finish()
    }
}

impl<T> Connection<T> {
    /// Sends `item` to the other end (never blocks; costs the sender the
    /// configured IPC latency).
    #[track_caller]
    pub fn send(&self, item: T) {
        super::ipc_delay();
        self.tx.put(item)
    }

    /// Receives the next item, blocking until there is one.
    #[track_caller]
    pub fn recv(&self) -> T {
        self.rx.get()
    }

    /// Receives the next item, blocking at most `timeout` of virtual time.
    ///
    /// ```
    /// use std::time::Duration;
    /// sim::check_random(|| {
    ///     let (a, _b) = sim::multiprocessing::pipe::<u8>();
    ///     assert!(a.recv_timeout(Duration::from_secs(3)).is_err());
    ///     assert_eq!(sim::time::now(), Duration::from_secs(3));
    /// }, 1);
    /// ```
    #[track_caller]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, Empty> {
        self.rx.get_timeout(timeout)
    }

    /// Whether an item is waiting to be received, now (Python's `poll()`).
    ///
    /// ```
    /// sim::check_random(|| {
    ///     let (a, b) = sim::multiprocessing::pipe();
    ///     assert!(!b.poll());
    ///     a.send(1);
    ///     assert!(b.poll());
    /// }, 1);
    /// ```
    #[track_caller]
    pub fn poll(&self) -> bool {
        self.poll_op(Some(deadline_after(Duration::ZERO)), Location::caller())
    }

    /// Waits at most `timeout` of virtual time for an item to receive;
    /// returns whether one is there (Python's `poll(timeout)`).
    #[track_caller]
    pub fn poll_timeout(&self, timeout: Duration) -> bool {
        self.poll_op(Some(deadline_after(timeout)), Location::caller())
    }

    #[track_caller]
    fn poll_op(&self, deadline: Option<u64>, location: &'static Location<'static>) -> bool {
        let op = Op::QueuePoll {
            queue: self.rx.id(),
            deadline,
        };
        rt::op(op, location).as_bool()
    }
}
