//! `process::Queue<T>`: Python's `multiprocessing.Queue`.

use std::cell::RefCell;
use std::fmt;
use std::panic::Location;
use std::rc::Rc;
use std::time::Duration;

use crate::rt::process::{current_process, mark_cross_process, misuse, tearing_down};
use crate::sync::{self, Empty, Full};

/// Python's `multiprocessing.Queue(maxsize)`: a FIFO every process may
/// use. `put` of an item happens before the `get` that takes it; with
/// [`Builder::ipc_latency`](crate::Builder::ipc_latency) each `put` costs
/// its sender that much virtual time. After [`close`](Queue::close) a
/// process may not put any more (`Misuse`: `ValueError: Queue is closed`).
/// Clones are handles to the same queue.
///
/// ```
/// use sim::process::Queue;
/// sim::check_random(|| {
///     let q = Queue::new(0);
///     let q2 = q.clone();
///     let p = sim::process::spawn(move || q2.put(6 * 7));
///     assert_eq!(q.get(), 42);
///     p.join();
/// }, 100);
/// ```
pub struct Queue<T> {
    queue: sync::Queue<T>,
    /// Processes that closed their end.
    closed: Rc<RefCell<Vec<u32>>>,
}

impl<T> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Queue {
            queue: self.queue.clone(),
            closed: Rc::clone(&self.closed),
        }
    }
}

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("process::Queue")
            .field("queue", &self.queue)
            .finish()
    }
}

impl<T> Queue<T> {
    /// A queue holding at most `maxsize` items (0: unbounded).
    #[track_caller]
    pub fn new(maxsize: usize) -> Queue<T> {
        let queue = sync::Queue::new(maxsize);
        mark_cross_process(queue.id());
        Queue {
            queue,
            closed: Rc::new(RefCell::new(Vec::new())),
        }
    }

    #[track_caller]
    fn before_put(&self) {
        let pid = current_process();
        if self.closed.borrow().contains(&pid) && !tearing_down() {
            misuse(
                format!(
                    "ValueError: Queue is closed: put at {} after this process closed the queue",
                    Location::caller()
                ),
                Location::caller(),
            );
        }
        super::ipc_delay();
    }

    /// Puts `item` at the back, blocking while the queue is full.
    #[track_caller]
    pub fn put(&self, item: T) {
        self.before_put();
        self.queue.put(item)
    }

    /// Puts `item`, blocking at most `timeout` of virtual time.
    #[track_caller]
    pub fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), Full<T>> {
        self.before_put();
        self.queue.put_timeout(item, timeout)
    }

    /// Takes the front item, blocking while the queue is empty.
    #[track_caller]
    pub fn get(&self) -> T {
        self.queue.get()
    }

    /// Takes the front item, blocking at most `timeout` of virtual time.
    ///
    /// ```
    /// use std::time::Duration;
    /// sim::check_random(|| {
    ///     let q: sim::process::Queue<u8> = sim::process::Queue::new(0);
    ///     assert!(q.get_timeout(Duration::from_secs(1)).is_err());
    /// }, 1);
    /// ```
    #[track_caller]
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, Empty> {
        self.queue.get_timeout(timeout)
    }

    /// Takes the front item if there is one now (`get_nowait`).
    #[track_caller]
    pub fn try_get(&self) -> Result<T, Empty> {
        self.queue.try_get()
    }

    /// The number of items in the queue (a scheduling point).
    #[track_caller]
    pub fn qsize(&self) -> usize {
        self.queue.qsize()
    }

    /// Whether the queue is empty (a scheduling point).
    #[track_caller]
    pub fn empty(&self) -> bool {
        self.queue.empty()
    }

    /// Says that the running process will put no more items; a later `put`
    /// from it is `Misuse`. Not a scheduling point.
    ///
    /// ```
    /// let report = sim::Builder::new().executions(1).explore(|| {
    ///     let q = sim::process::Queue::new(0);
    ///     q.close();
    ///     q.put(1);
    /// });
    /// assert!(report.failures[0].message.contains("Queue is closed"));
    /// ```
    pub fn close(&self) {
        let pid = current_process();
        let mut closed = self.closed.borrow_mut();
        if !closed.contains(&pid) {
            closed.push(pid);
        }
    }
}
