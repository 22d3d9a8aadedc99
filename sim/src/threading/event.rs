//! `Event`: Python's one-flag signal.

use std::panic::Location;
use std::time::Duration;

use crate::rt;
use crate::rt::object::ObjState;
use crate::rt::op::{ObjId, Op};

use crate::time::deadline_after;

/// Python's `threading.Event`: a flag that `set` raises, `clear` lowers
/// and `wait` waits for. A `set` happens before every wait it releases.
///
/// If a thread waits forever on an event that was set earlier and cleared
/// before it looked, the deadlock report names that set as a lost wake-up.
///
/// ```
/// use std::time::Duration;
/// use sim::threading::Event;
/// sim::check_random(|| {
///     let ev = Event::new();
///     let t = sim::thread::spawn(move || ev.wait());
///     assert!(!ev.wait_timeout(Duration::from_secs(1)));
///     ev.set();
///     assert!(ev.is_set());
///     t.join().unwrap();
///     ev.clear();
///     assert!(!ev.is_set());
/// }, 50);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    id: ObjId,
    serial: u64,
}

impl Event {
    /// A new event, not set.
    #[track_caller]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Event {
        let (id, serial) = rt::new_object(ObjState::new_event(), Location::caller());
        Event { id, serial }
    }

    #[track_caller]
    fn simple(&self, op: Op, location: &'static Location<'static>) -> bool {
        rt::check_serial(self.serial, "Event");
        rt::op(op, location).as_bool()
    }

    /// Sets the flag, waking every waiter.
    #[track_caller]
    pub fn set(&self) {
        self.simple(Op::EventSet { event: self.id }, Location::caller());
    }

    /// Clears the flag.
    #[track_caller]
    pub fn clear(&self) {
        self.simple(Op::EventClear { event: self.id }, Location::caller());
    }

    /// Whether the flag is set (a scheduling point: it observes state).
    #[track_caller]
    pub fn is_set(&self) -> bool {
        self.simple(Op::EventIsSet { event: self.id }, Location::caller())
    }

    /// Blocks until the flag is set.
    #[track_caller]
    pub fn wait(&self) {
        let op = Op::EventWait {
            event: self.id,
            deadline: None,
        };
        self.simple(op, Location::caller());
    }

    /// Blocks at most `timeout` of virtual time; returns whether the flag
    /// was set (false: timed out).
    #[track_caller]
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let op = Op::EventWait {
            event: self.id,
            deadline: Some(deadline_after(timeout)),
        };
        self.simple(op, Location::caller())
    }
}
