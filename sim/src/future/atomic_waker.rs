//! `AtomicWaker` (loom's and `futures`' shape).

use std::panic::Location;
use std::task::Waker;

use super::sync::point::Point;

/// A slot for one waker, shared between a future that registers its
/// task's waker and the code that wakes it (futures' and loom's
/// `AtomicWaker`). `register` and `take` are scheduling points ordered by
/// happens-before; a `wake` after a `register` wakes the registered task.
///
/// ```
/// use std::sync::Arc;
/// use std::task::Poll;
/// use sim::future::AtomicWaker;
/// use sim::sync::atomic::{AtomicBool, Ordering};
/// sim::model(|| {
///     let w = Arc::new((AtomicWaker::new(), AtomicBool::new(false)));
///     let w2 = w.clone();
///     sim::thread::spawn(move || {
///         w2.1.store(true, Ordering::Release);
///         w2.0.wake();
///     });
///     sim::future::block_on(std::future::poll_fn(|cx| {
///         w.0.register_by_ref(cx.waker());
///         if w.1.load(Ordering::Acquire) { Poll::Ready(()) } else { Poll::Pending }
///     }));
/// });
/// ```
#[derive(Debug)]
pub struct AtomicWaker {
    point: Point,
    waker: std::sync::Mutex<Option<Waker>>,
}

impl AtomicWaker {
    /// An empty slot.
    #[track_caller]
    pub fn new() -> AtomicWaker {
        AtomicWaker {
            point: Point::new("AtomicWaker", Location::caller()),
            waker: std::sync::Mutex::new(None),
        }
    }

    /// Registers `waker` (replacing the one registered).
    #[track_caller]
    pub fn register(&self, waker: Waker) {
        self.point.at(Location::caller());
        *self.slot() = Some(waker);
    }

    /// Registers a clone of `waker`, unless the one registered would wake
    /// the same task.
    #[track_caller]
    pub fn register_by_ref(&self, waker: &Waker) {
        self.point.at(Location::caller());
        let mut slot = self.slot();
        if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *slot = Some(waker.clone());
        }
    }

    /// Wakes the registered task, if one is registered (and empties the
    /// slot).
    #[track_caller]
    pub fn wake(&self) {
        if let Some(w) = self.take() {
            w.wake();
        }
    }

    /// Takes the registered waker out.
    #[track_caller]
    pub fn take(&self) -> Option<Waker> {
        self.point.at(Location::caller());
        self.slot().take()
    }

    /// [`AtomicWaker::take`] (loom's name).
    #[track_caller]
    pub fn take_waker(&self) -> Option<Waker> {
        self.take()
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Waker>> {
        self.waker
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Default for AtomicWaker {
    #[track_caller]
    fn default() -> Self {
        AtomicWaker::new()
    }
}
