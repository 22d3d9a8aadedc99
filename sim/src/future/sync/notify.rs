//! tokio's async `Notify`.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use super::point::Point;

#[derive(Debug, Default)]
struct State {
    /// `notify_one`'s stored permit (no one was waiting).
    permit: bool,
    /// Bumped by every `notify_waiters`.
    generation: u64,
    /// Registered waiters: id, waker, notified.
    waiters: Vec<(u64, Option<Waker>, bool)>,
    next_id: u64,
}

/// tokio's `Notify`: `notify_one` wakes one waiting `notified()` (or stores
/// one permit for the next), `notify_waiters` wakes every `notified()`
/// created before it. Each operation is a scheduling point; a notify
/// happens before the wake-up it causes.
///
/// ```
/// use std::sync::Arc;
/// use sim::future::sync::Notify;
/// sim::model(|| {
///     let n = Arc::new(Notify::new());
///     let n2 = n.clone();
///     sim::thread::spawn(move || n2.notify_one());
///     sim::future::block_on(n.notified());
/// });
/// ```
pub struct Notify {
    point: Point,
    state: Mutex<State>,
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notify").finish_non_exhaustive()
    }
}

impl Default for Notify {
    #[track_caller]
    fn default() -> Self {
        Notify::new()
    }
}

impl Notify {
    /// A new `Notify`, without a permit.
    #[track_caller]
    pub fn new() -> Notify {
        Notify {
            point: Point::new("async Notify", Location::caller()),
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes the first waiter, or stores a permit if none waits.
    #[track_caller]
    pub fn notify_one(&self) {
        self.point.at(Location::caller());
        let waker = {
            let mut s = self.state();
            match s.waiters.iter_mut().find(|w| !w.2) {
                Some(w) => {
                    w.2 = true;
                    w.1.take()
                }
                None => {
                    s.permit = true;
                    None
                }
            }
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Wakes every `notified()` created before this call (stores no permit).
    #[track_caller]
    pub fn notify_waiters(&self) {
        self.point.at(Location::caller());
        let wakers: Vec<Waker> = {
            let mut s = self.state();
            s.generation += 1;
            s.waiters
                .iter_mut()
                .filter(|w| !w.2)
                .filter_map(|w| {
                    w.2 = true;
                    w.1.take()
                })
                .collect()
        };
        for w in wakers {
            w.wake();
        }
    }

    /// A future that is ready once notified.
    #[track_caller]
    pub fn notified(&self) -> Notified<'_> {
        let generation = self.state().generation;
        Notified {
            notify: self,
            generation,
            id: None,
            done: false,
            at: Location::caller(),
        }
    }
}

/// The future of [`Notify::notified`].
///
/// ```
/// sim::model(|| {
///     let n = sim::future::sync::Notify::new();
///     n.notify_one(); // the permit is stored
///     sim::future::block_on(n.notified());
/// });
/// ```
pub struct Notified<'a> {
    notify: &'a Notify,
    generation: u64,
    id: Option<u64>,
    done: bool,
    at: &'static Location<'static>,
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified").finish_non_exhaustive()
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(());
        }
        this.notify.point.at(this.at);
        let mut s = this.notify.state();
        let ready = match this.id {
            Some(id) => {
                let i = s
                    .waiters
                    .iter()
                    .position(|w| w.0 == id)
                    .expect("registered");
                if s.waiters[i].2 {
                    s.waiters.remove(i);
                    true
                } else {
                    s.waiters[i].1 = Some(cx.waker().clone());
                    false
                }
            }
            None if s.generation != this.generation => true,
            None if s.permit => {
                s.permit = false;
                true
            }
            None => {
                let id = s.next_id;
                s.next_id += 1;
                s.waiters.push((id, Some(cx.waker().clone()), false));
                this.id = Some(id);
                false
            }
        };
        drop(s);
        if ready {
            this.done = true;
            this.id = None;
            return Poll::Ready(());
        }
        this.notify.point.awaits();
        Poll::Pending
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        let Some(id) = self.id else { return };
        // Dropped while registered: a `notify_one` it received passes on.
        let mut s = self.notify.state();
        let Some(i) = s.waiters.iter().position(|w| w.0 == id) else {
            return;
        };
        let (_, _, notified) = s.waiters.remove(i);
        drop(s);
        if notified {
            self.notify.notify_one();
        }
    }
}
