//! A blocking bounded queue: one `Mutex` and two `Condvar`s.
//!
//! ```
//! use std::time::Duration;
//! use compat::queue::BoundedQueue;
//! let q = BoundedQueue::new(1);
//! q.push("a").unwrap();
//! assert_eq!(q.pop_timeout(Duration::from_millis(1)), Some("a"));
//! assert_eq!(q.pop_timeout(Duration::from_millis(1)), None); // timed out
//! q.close();
//! assert_eq!(q.push("b"), Err("b"));
//! assert_eq!(q.pop(), None);
//! ```

use std::collections::VecDeque;
use std::time::Duration;

use crate::sync::{Condvar, Mutex};

#[derive(Debug)]
struct State<T> {
    items: VecDeque<T>,
    closed: bool,
}

/// A FIFO queue of at most `capacity` items: `push` blocks while it is
/// full, `pop` while it is empty; after [`close`](Self::close), `push`
/// fails and `pop` drains what is left, then returns `None`.
#[derive(Debug)]
pub struct BoundedQueue<T> {
    state: Mutex<State<T>>,
    not_empty: Condvar,
    not_full: Condvar,
    capacity: usize,
}

impl<T> BoundedQueue<T> {
    /// An empty queue holding at most `capacity` (at least 1) items.
    pub fn new(capacity: usize) -> BoundedQueue<T> {
        assert!(capacity >= 1, "a BoundedQueue holds at least one item");
        BoundedQueue {
            state: Mutex::new(State {
                items: VecDeque::with_capacity(capacity),
                closed: false,
            }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            capacity,
        }
    }

    /// Appends `item`, waiting while the queue is full; `Err(item)` if the
    /// queue is closed.
    pub fn push(&self, item: T) -> Result<(), T> {
        let guard = self.state.lock().unwrap();
        let mut state = self
            .not_full
            .wait_while(guard, |s| s.items.len() == self.capacity && !s.closed)
            .unwrap();
        if state.closed {
            return Err(item);
        }
        state.items.push_back(item);
        drop(state);
        self.not_empty.notify_one();
        Ok(())
    }

    /// Removes the oldest item, waiting while the queue is empty; `None`
    /// once the queue is closed and empty.
    pub fn pop(&self) -> Option<T> {
        let guard = self.state.lock().unwrap();
        let state = self
            .not_empty
            .wait_while(guard, |s| s.items.is_empty() && !s.closed)
            .unwrap();
        self.take(state)
    }

    /// [`pop`](Self::pop), waiting at most `timeout`: `None` if nothing
    /// came in time (or the queue is closed and empty).
    pub fn pop_timeout(&self, timeout: Duration) -> Option<T> {
        let guard = self.state.lock().unwrap();
        let (state, _timed_out) = self
            .not_empty
            .wait_timeout_while(guard, timeout, |s| s.items.is_empty() && !s.closed)
            .unwrap();
        self.take(state)
    }

    fn take(&self, mut state: crate::sync::MutexGuard<'_, State<T>>) -> Option<T> {
        let item = state.items.pop_front();
        drop(state);
        if item.is_some() {
            self.not_full.notify_one();
        }
        item
    }

    /// Closes the queue and wakes every waiter.
    pub fn close(&self) {
        self.state.lock().unwrap().closed = true;
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }
}
