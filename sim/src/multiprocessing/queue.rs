//! `multiprocessing::Queue<T>`: Python's `multiprocessing.Queue`, feeder threads
//! included.

use std::cell::RefCell;
use std::fmt;
use std::panic::Location;
use std::rc::Rc;
use std::time::Duration;

use crate::queue::{Empty, Full};
use crate::rt;
use crate::rt::op::Op;
use crate::rt::process::{current_process, mark_cross_process, misuse, tearing_down};
use crate::threading;

/// Python's `multiprocessing.Queue(maxsize)`: a FIFO every process may
/// use (`maxsize == 0`: unbounded).
///
/// As in CPython, `put` does not write to the shared pipe itself: it
/// appends the item to a buffer of the putting process, and a feeder
/// thread of that process (`QueueFeederThread`, started by the first put)
/// moves it across. A process that exits normally waits for its feeders
/// to flush; a process that is killed or terminated first loses what its
/// feeder had not sent yet, although its `put` returned. A bounded queue
/// counts items with a semaphore, as CPython's does: `put` blocks while
/// `maxsize` items are buffered or queued, `get` frees a slot.
///
/// The `put` of an item happens before the `get` that takes it. With
/// [`Builder::ipc_latency`](crate::Builder::ipc_latency) each `put` costs
/// its sender that much virtual time. After [`close`](Queue::close) a
/// process may not put any more (`Misuse`: `ValueError: Queue is closed`).
/// Clones are handles to the same queue.
///
/// ```
/// use sim::multiprocessing::Queue;
/// sim::check_random(|| {
///     let q = Queue::new(0);
///     let q2 = q.clone();
///     let p = sim::multiprocessing::spawn(move || q2.put(6 * 7));
///     assert_eq!(q.get(), 42);
///     p.join();
/// }, 100);
/// ```
pub struct Queue<T> {
    inner: Rc<Inner<T>>,
}

struct Inner<T> {
    /// The pipe: what the feeders have sent.
    pipe: crate::queue::Queue<T>,
    /// Free slots of a bounded queue (CPython's `_sem`).
    slots: Option<threading::Semaphore>,
    maxsize: usize,
    /// Processes that closed their end.
    closed: RefCell<Vec<u32>>,
    /// Per process: its buffer, drained by its feeder thread.
    buffers: RefCell<Vec<(u32, crate::queue::Queue<T>)>>,
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
        f.debug_struct("multiprocessing::Queue")
            .field("pipe", &self.inner.pipe)
            .field("maxsize", &self.inner.maxsize)
            .finish()
    }
}

impl<T> Queue<T> {
    /// A queue holding at most `maxsize` items (0: unbounded).
    #[track_caller]
    pub fn new(maxsize: usize) -> Queue<T> {
        let pipe = crate::queue::Queue::new(0);
        mark_cross_process(pipe.id());
        let slots = (maxsize > 0).then(|| {
            let s = threading::Semaphore::new(u32::try_from(maxsize).unwrap_or(u32::MAX));
            mark_cross_process(s.id());
            s
        });
        Queue {
            inner: Rc::new(Inner {
                pipe,
                slots,
                maxsize,
                closed: RefCell::new(Vec::new()),
                buffers: RefCell::new(Vec::new()),
            }),
        }
    }

    /// Takes the front item, blocking while the queue is empty.
    #[track_caller]
    pub fn get(&self) -> T {
        let item = self.inner.pipe.get();
        self.free_slot();
        item
    }

    /// Takes the front item, blocking at most `timeout` of virtual time.
    ///
    /// ```
    /// use std::time::Duration;
    /// sim::check_random(|| {
    ///     let q: sim::multiprocessing::Queue<u8> = sim::multiprocessing::Queue::new(0);
    ///     assert!(q.get_timeout(Duration::from_secs(1)).is_err());
    /// }, 1);
    /// ```
    #[track_caller]
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, Empty> {
        let item = self.inner.pipe.get_timeout(timeout)?;
        self.free_slot();
        Ok(item)
    }

    /// Takes the front item if there is one now (`get_nowait`).
    #[track_caller]
    pub fn try_get(&self) -> Result<T, Empty> {
        let item = self.inner.pipe.try_get()?;
        self.free_slot();
        Ok(item)
    }

    #[track_caller]
    fn free_slot(&self) {
        if let Some(slots) = &self.inner.slots {
            slots.release();
        }
    }

    /// The number of items sent and not yet taken (a scheduling point;
    /// items still in a feeder's buffer are not counted).
    #[track_caller]
    pub fn qsize(&self) -> usize {
        self.inner.pipe.qsize()
    }

    /// Whether no item is waiting to be taken (a scheduling point).
    #[track_caller]
    pub fn empty(&self) -> bool {
        self.inner.pipe.empty()
    }

    /// The maximum size given at creation (0: unbounded).
    pub fn maxsize(&self) -> usize {
        self.inner.maxsize
    }

    /// Says that the running process will put no more items; a later `put`
    /// from it is `Misuse`. Not a scheduling point.
    ///
    /// ```
    /// let report = sim::Builder::new().executions(1).explore(|| {
    ///     let q = sim::multiprocessing::Queue::new(0);
    ///     q.close();
    ///     q.put(1);
    /// });
    /// assert!(report.failures[0].message.contains("Queue is closed"));
    /// ```
    pub fn close(&self) {
        let pid = current_process();
        let mut closed = self.inner.closed.borrow_mut();
        if !closed.contains(&pid) {
            closed.push(pid);
        }
    }
}

impl<T: 'static> Queue<T> {
    #[track_caller]
    fn before_put(&self) {
        let pid = current_process();
        if self.inner.closed.borrow().contains(&pid) && !tearing_down() {
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

    /// The running process's buffer, its feeder thread started on first use.
    #[track_caller]
    fn buffer(&self) -> crate::queue::Queue<T> {
        let pid = current_process();
        if let Some((_, b)) = self.inner.buffers.borrow().iter().find(|(p, _)| *p == pid) {
            return b.clone();
        }
        let location = Location::caller();
        let buffer: crate::queue::Queue<T> = crate::queue::Queue::new(0);
        self.inner.buffers.borrow_mut().push((pid, buffer.clone()));
        let (feed, pipe) = (buffer.clone(), self.inner.pipe.clone());
        let _feeder = crate::thread::Builder::new()
            .name("QueueFeederThread".to_string())
            .spawn_at(location, move || loop {
                let op = Op::FeederWait { buffer: feed.id() };
                if !rt::op(op, location).as_bool() {
                    break;
                }
                match feed.try_get() {
                    Ok(item) => pipe.put(item),
                    Err(Empty) => break,
                }
            });
        buffer
    }

    /// Puts `item` at the back (through this process's feeder thread),
    /// blocking while a bounded queue is full.
    #[track_caller]
    pub fn put(&self, item: T) {
        self.before_put();
        if let Some(slots) = &self.inner.slots {
            slots.acquire();
        }
        self.buffer().put(item)
    }

    /// Puts `item`, blocking at most `timeout` of virtual time while a
    /// bounded queue is full.
    ///
    /// ```
    /// use std::time::Duration;
    /// sim::check_random(|| {
    ///     let q = sim::multiprocessing::Queue::new(1);
    ///     q.put('a');
    ///     assert_eq!(q.put_timeout('b', Duration::from_secs(1)), Err(sim::queue::Full('b')));
    ///     assert_eq!(q.get(), 'a');
    /// }, 10);
    /// ```
    #[track_caller]
    pub fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), Full<T>> {
        self.before_put();
        if let Some(slots) = &self.inner.slots {
            if !slots.acquire_timeout(timeout) {
                return Err(Full(item));
            }
        }
        self.buffer().put(item);
        Ok(())
    }
}
