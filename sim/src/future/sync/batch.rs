//! The FIFO batch semaphore under the async `Semaphore`, `Mutex`, `RwLock`
//! and bounded `mpsc` (as in tokio): waiters queue for a number of permits
//! and are granted them in order.

use std::collections::VecDeque;
use std::panic::Location;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use super::point::Point;

#[derive(Debug)]
struct Waiter {
    id: u64,
    n: usize,
    waker: Option<Waker>,
}

#[derive(Debug)]
struct State {
    permits: usize,
    closed: bool,
    waiters: VecDeque<Waiter>,
    /// Waiters granted their permits, not yet polled to see it.
    granted: Vec<u64>,
    next_id: u64,
}

/// The semaphore.
#[derive(Debug)]
pub(crate) struct Batch {
    pub(crate) point: Point,
    state: Mutex<State>,
}

/// Why an acquire failed: the semaphore was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Closed;

impl Batch {
    pub(crate) fn new(
        permits: usize,
        kind: &'static str,
        created_at: &'static Location<'static>,
    ) -> Batch {
        Batch {
            point: Point::new(kind, created_at),
            state: Mutex::new(State {
                permits,
                closed: false,
                waiters: VecDeque::new(),
                granted: Vec::new(),
                next_id: 0,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Uncontended: one green thread runs at a time.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes `n` permits if they are there and nobody queues (a scheduling
    /// point): `Ok(true)` taken, `Ok(false)` not.
    pub(crate) fn try_acquire(
        &self,
        n: usize,
        at: &'static Location<'static>,
    ) -> Result<bool, Closed> {
        self.point.at(at);
        let mut s = self.state();
        if s.closed {
            return Err(Closed);
        }
        if s.waiters.is_empty() && s.permits >= n {
            s.permits -= n;
            return Ok(true);
        }
        Ok(false)
    }

    /// The permits available now (not a scheduling point).
    pub(crate) fn available(&self) -> usize {
        self.state().permits
    }

    /// Returns `n` permits and grants the waiters they satisfy, in order
    /// (a scheduling point, then one wake per granted waiter).
    pub(crate) fn release(&self, n: usize, at: &'static Location<'static>) {
        self.point.at(at);
        let wakers = self.add(n);
        for w in wakers {
            w.wake();
        }
    }

    /// Adds `n` permits and grants waiters; the wakers to wake.
    fn add(&self, n: usize) -> Vec<Waker> {
        let mut s = self.state();
        s.permits = s.permits.saturating_add(n);
        let mut wakers = Vec::new();
        while let Some(front) = s.waiters.front() {
            if front.n > s.permits {
                break;
            }
            let w = s.waiters.pop_front().expect("front exists");
            s.permits -= w.n;
            s.granted.push(w.id);
            wakers.extend(w.waker);
        }
        wakers
    }

    /// Closes it: queued and future acquires fail.
    pub(crate) fn close(&self, at: &'static Location<'static>) {
        self.point.at(at);
        let wakers: Vec<Waker> = {
            let mut s = self.state();
            s.closed = true;
            s.waiters.drain(..).filter_map(|w| w.waker).collect()
        };
        for w in wakers {
            w.wake();
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.state().closed
    }

    /// An acquire of `n` permits.
    pub(crate) fn acquire(&self, n: usize, at: &'static Location<'static>) -> Acquire<'_> {
        Acquire {
            batch: self,
            n,
            at,
            queued: None,
            done: false,
        }
    }
}

/// The future of [`Batch::acquire`].
#[derive(Debug)]
pub(crate) struct Acquire<'a> {
    batch: &'a Batch,
    n: usize,
    at: &'static Location<'static>,
    /// Its id in the queue, once queued.
    queued: Option<u64>,
    done: bool,
}

impl std::future::Future for Acquire<'_> {
    type Output = Result<(), Closed>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.batch.point.at(this.at);
        let mut s = this.batch.state();
        match this.queued {
            None => {
                if s.closed {
                    this.done = true;
                    return Poll::Ready(Err(Closed));
                }
                if s.waiters.is_empty() && s.permits >= this.n {
                    s.permits -= this.n;
                    this.done = true;
                    return Poll::Ready(Ok(()));
                }
                let id = s.next_id;
                s.next_id += 1;
                s.waiters.push_back(Waiter {
                    id,
                    n: this.n,
                    waker: Some(cx.waker().clone()),
                });
                this.queued = Some(id);
            }
            Some(id) => {
                if let Some(i) = s.granted.iter().position(|&g| g == id) {
                    s.granted.swap_remove(i);
                    this.done = true;
                    return Poll::Ready(Ok(()));
                }
                if s.closed {
                    this.done = true;
                    return Poll::Ready(Err(Closed));
                }
                if let Some(w) = s.waiters.iter_mut().find(|w| w.id == id) {
                    w.waker = Some(cx.waker().clone());
                }
            }
        }
        drop(s);
        this.batch.point.awaits();
        Poll::Pending
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(id) = self.queued.filter(|_| !self.done) else {
            return;
        };
        // Cancelled while queued: leave the queue; permits granted but not
        // taken go back (and may satisfy the next waiters).
        self.batch.point.at(self.at);
        let wakers = {
            let mut s = self.batch.state();
            if let Some(i) = s.granted.iter().position(|&g| g == id) {
                s.granted.swap_remove(i);
                drop(s);
                self.batch.add(self.n)
            } else {
                s.waiters.retain(|w| w.id != id);
                // The queue's head may have changed.
                drop(s);
                self.batch.add(0)
            }
        };
        for w in wakers {
            w.wake();
        }
    }
}
