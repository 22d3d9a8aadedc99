//! loom's `Notify` (`loom::sync::Notify`): a single permit for one waiter.

use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::rt;
use crate::rt::object::ObjState;
use crate::rt::op::{ObjId, Op};

/// loom's `Notify`: `notify` stores a permit (waking the waiter, if one
/// waits); `wait` consumes the permit, blocking until there is one. Two
/// `notify` calls before a `wait` leave one permit. The `notify` happens
/// before the `wait` that consumes its permit. Only one thread may wait at
/// a time (a second one panics, as in loom).
///
/// With `Builder::spurious_wakeups(true)`, each `Notify` may wake its
/// waiter once without a permit, as loom's does: use it in a loop that
/// checks a condition.
///
/// ```
/// use std::sync::Arc;
/// use sim::sync::Notify;
/// sim::model(|| {
///     let notify = Arc::new(Notify::new());
///     let n = Arc::clone(&notify);
///     let t = sim::thread::spawn(move || n.notify());
///     notify.wait(); // returns once notified, whatever the order
///     t.join().unwrap();
/// });
/// ```
#[derive(Debug)]
pub struct Notify {
    id: ObjId,
    serial: u64,
    /// Whether a thread is inside `wait` (handle-side, as loom's check).
    waiting: AtomicBool,
}

impl Notify {
    /// A new `Notify`, without a permit.
    #[track_caller]
    #[must_use]
    pub fn new() -> Notify {
        let (id, serial) = rt::new_object(ObjState::new_notify(), Location::caller());
        Notify {
            id,
            serial,
            waiting: AtomicBool::new(false),
        }
    }

    /// Stores the permit (wakes the waiter).
    #[track_caller]
    pub fn notify(&self) {
        rt::check_serial(self.serial, "Notify");
        rt::op(Op::NotifyNotify { notify: self.id }, Location::caller());
    }

    /// Consumes the permit, blocking until there is one (or, with spurious
    /// wake-ups on, possibly returning once without one).
    ///
    /// # Panics
    ///
    /// If another thread is waiting on this `Notify` already.
    #[track_caller]
    pub fn wait(&self) {
        rt::check_serial(self.serial, "Notify");
        // Uncontended: one green thread runs at a time.
        assert!(
            !self.waiting.swap(true, Ordering::Relaxed),
            "only a single thread may wait on `Notify`"
        );
        rt::op(Op::NotifyWait { notify: self.id }, Location::caller());
        self.waiting.store(false, Ordering::Relaxed);
    }
}

impl Default for Notify {
    #[track_caller]
    fn default() -> Self {
        Notify::new()
    }
}
