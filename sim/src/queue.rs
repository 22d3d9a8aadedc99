//! `Queue<T>`: Python's `queue.Queue`, a FIFO for passing items between
//! threads.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::panic::Location;
use std::rc::Rc;
use std::time::Duration;

use crate::rt;
use crate::rt::object::ObjState;
use crate::rt::op::{ObjId, Op};

use crate::time::deadline_after;

/// Python's `queue.Queue(maxsize)`: first in, first out; `maxsize == 0`
/// means unbounded. `put` blocks while the queue is full, `get` while it
/// is empty; the timed and non-blocking forms give [`Full`] or [`Empty`].
/// `task_done` and `join` count unfinished items as Python does; calling
/// `task_done` more often than `put` is a `Misuse` failure (`ValueError:
/// task_done() called too many times`).
///
/// The `put` of an item happens before the `get` that takes it; every
/// `task_done` happens before the `join` that returns. Clones are handles
/// to the same queue; the items live in the handle, the runtime tracks
/// their count.
///
/// ```
/// use sim::queue::Queue;
/// sim::check_random(|| {
///     let q = Queue::new(2);
///     let q2 = q.clone();
///     let consumer = sim::thread::spawn(move || {
///         let mut got = Vec::new();
///         for _ in 0..3 {
///             got.push(q2.get());
///             q2.task_done();
///         }
///         got
///     });
///     for i in 1..=3 {
///         q.put(i);
///     }
///     q.join();
///     assert!(q.empty());
///     assert_eq!(consumer.join().unwrap(), [1, 2, 3]);
/// }, 100);
/// ```
pub struct Queue<T> {
    inner: Rc<Inner<T>>,
}

struct Inner<T> {
    id: ObjId,
    serial: u64,
    maxsize: usize,
    items: RefCell<VecDeque<T>>,
}

impl<T> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Queue {
            inner: Rc::clone(&self.inner),
        }
    }
}

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("id", &self.inner.id)
            .field("maxsize", &self.inner.maxsize)
            .field("len", &self.inner.items.borrow().len())
            .finish()
    }
}

/// The error of a timed or non-blocking put on a full queue (Python's
/// `queue.Full`); it gives the item back.
///
/// ```
/// use sim::queue::{Full, Queue};
/// sim::check_random(|| {
///     let q = Queue::new(1);
///     q.put('a');
///     assert_eq!(q.try_put('b'), Err(Full('b')));
/// }, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full<T>(pub T);

impl<T> fmt::Display for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("queue.Full")
    }
}

impl<T: fmt::Debug> std::error::Error for Full<T> {}

/// The error of a timed or non-blocking get on an empty queue (Python's
/// `queue.Empty`).
///
/// ```
/// use sim::queue::{Empty, Queue};
/// sim::check_random(|| {
///     let q: Queue<u8> = Queue::new(0);
///     assert_eq!(q.try_get(), Err(Empty));
/// }, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Empty;

impl fmt::Display for Empty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("queue.Empty")
    }
}

impl std::error::Error for Empty {}

impl<T> Queue<T> {
    /// A queue holding at most `maxsize` items (0: unbounded).
    #[track_caller]
    pub fn new(maxsize: usize) -> Queue<T> {
        let (id, serial) = rt::new_object(
            ObjState::new_queue(u32::try_from(maxsize).unwrap_or(u32::MAX)),
            Location::caller(),
        );
        Queue {
            inner: Rc::new(Inner {
                id,
                serial,
                maxsize,
                items: RefCell::new(VecDeque::new()),
            }),
        }
    }

    /// The queue's object id.
    pub(crate) fn id(&self) -> ObjId {
        self.inner.id
    }

    #[track_caller]
    fn put_op(
        &self,
        item: T,
        deadline: Option<u64>,
        location: &'static Location<'static>,
    ) -> Result<(), Full<T>> {
        rt::check_serial(self.inner.serial, "Queue");
        let op = Op::QueuePut {
            queue: self.inner.id,
            deadline,
        };
        if rt::op(op, location).as_bool() {
            // Atomic with the put: no other thread runs before the next
            // scheduling point.
            self.inner.items.borrow_mut().push_back(item);
            Ok(())
        } else {
            Err(Full(item))
        }
    }

    #[track_caller]
    fn get_op(
        &self,
        deadline: Option<u64>,
        location: &'static Location<'static>,
    ) -> Result<T, Empty> {
        rt::check_serial(self.inner.serial, "Queue");
        let op = Op::QueueGet {
            queue: self.inner.id,
            deadline,
        };
        if rt::op(op, location).as_bool() {
            self.inner.items.borrow_mut().pop_front().ok_or(Empty)
        } else {
            Err(Empty)
        }
    }

    /// Puts `item` at the back, blocking while the queue is full.
    #[track_caller]
    pub fn put(&self, item: T) {
        let _ = self.put_op(item, None, Location::caller());
    }

    /// Puts `item`, blocking at most `timeout` of virtual time.
    #[track_caller]
    pub fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), Full<T>> {
        self.put_op(item, Some(deadline_after(timeout)), Location::caller())
    }

    /// Puts `item` if there is room now (Python's `put_nowait`).
    #[track_caller]
    pub fn try_put(&self, item: T) -> Result<(), Full<T>> {
        self.put_op(
            item,
            Some(deadline_after(Duration::ZERO)),
            Location::caller(),
        )
    }

    /// Takes the item at the front, blocking while the queue is empty.
    #[track_caller]
    pub fn get(&self) -> T {
        self.get_op(None, Location::caller())
            .expect("sim: get during teardown")
    }

    /// Takes the front item, blocking at most `timeout` of virtual time.
    ///
    /// ```
    /// use std::time::Duration;
    /// sim::check_random(|| {
    ///     let q: sim::queue::Queue<i32> = sim::queue::Queue::new(0);
    ///     assert!(q.get_timeout(Duration::from_secs(2)).is_err());
    ///     assert_eq!(sim::time::now(), Duration::from_secs(2));
    /// }, 1);
    /// ```
    #[track_caller]
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, Empty> {
        self.get_op(Some(deadline_after(timeout)), Location::caller())
    }

    /// Takes the front item if there is one now (Python's `get_nowait`).
    #[track_caller]
    pub fn try_get(&self) -> Result<T, Empty> {
        self.get_op(Some(deadline_after(Duration::ZERO)), Location::caller())
    }

    /// Marks one item taken by `get` as processed.
    #[track_caller]
    pub fn task_done(&self) {
        rt::check_serial(self.inner.serial, "Queue");
        let op = Op::QueueTaskDone {
            queue: self.inner.id,
        };
        rt::op(op, Location::caller());
    }

    /// Blocks until every item ever put has been marked with `task_done`.
    #[track_caller]
    pub fn join(&self) {
        rt::check_serial(self.inner.serial, "Queue");
        let op = Op::QueueJoin {
            queue: self.inner.id,
        };
        rt::op(op, Location::caller());
    }

    #[track_caller]
    fn size(&self, location: &'static Location<'static>) -> usize {
        rt::check_serial(self.inner.serial, "Queue");
        let op = Op::QueueSize {
            queue: self.inner.id,
        };
        rt::op(op, location).as_value().unwrap_or(0) as usize
    }

    /// The number of items in the queue (a scheduling point).
    #[track_caller]
    pub fn qsize(&self) -> usize {
        self.size(Location::caller())
    }

    /// Whether the queue is empty (a scheduling point).
    #[track_caller]
    pub fn empty(&self) -> bool {
        self.size(Location::caller()) == 0
    }

    /// Whether the queue is full (a scheduling point; never for maxsize 0).
    #[track_caller]
    pub fn full(&self) -> bool {
        let n = self.size(Location::caller());
        self.inner.maxsize > 0 && n >= self.inner.maxsize
    }

    /// The maximum size given at creation (0: unbounded).
    pub fn maxsize(&self) -> usize {
        self.inner.maxsize
    }
}
