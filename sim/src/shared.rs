//! `Shared<T>`: a shared variable whose every access is a scheduling point
//! and is checked for data races.

use std::cell::RefCell;
use std::fmt;
use std::panic::Location;
use std::rc::Rc;

use crate::rt::object::ObjState;
use crate::rt::op::{ObjId, Op};
use crate::rt::{self, AtomicSection};

/// A variable shared between green threads, like a Python global or object
/// attribute. Clones are handles to the same variable.
///
/// Each `get`, `set`, `with` or `with_mut` is one atomic access and a
/// scheduling point. Two accesses from different threads, at least one a
/// write, that no lock, join or spawn orders are a `DataRace` failure naming
/// both source locations.
///
/// ```
/// use sim::{Builder, FailureKind, Shared};
///
/// // count += 1 in two threads, unsynchronised: a data race.
/// let report = Builder::new().executions(1).explore(|| {
///     let x = Shared::new(0);
///     let x2 = x.clone();
///     let t = sim::thread::spawn(move || { let v = x2.get(); x2.set(v + 1); });
///     let v = x.get();
///     x.set(v + 1);
///     t.join().unwrap();
/// });
/// assert_eq!(report.failures[0].kind, FailureKind::DataRace);
/// ```
pub struct Shared<T> {
    inner: Rc<Inner<T>>,
}

struct Inner<T> {
    id: ObjId,
    serial: u64,
    value: RefCell<T>,
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared {
            inner: Rc::clone(&self.inner),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Shared#{}({:?})",
            self.inner.id.0,
            self.inner.value.borrow()
        )
    }
}

impl<T> Shared<T> {
    /// A new shared variable holding `value`. Creating it is not a
    /// scheduling point (no other thread can see it yet).
    #[track_caller]
    pub fn new(value: T) -> Self {
        let (id, serial) = rt::new_object(ObjState::shared(), Location::caller());
        Shared {
            inner: Rc::new(Inner {
                id,
                serial,
                value: RefCell::new(value),
            }),
        }
    }

    fn access(&self, write: bool, location: &'static Location<'static>) {
        rt::check_serial(self.inner.serial, "Shared");
        let var = self.inner.id;
        rt::op(
            if write {
                Op::Write { var }
            } else {
                Op::Read { var }
            },
            location,
        );
    }

    /// Reads the value (a read access).
    #[track_caller]
    pub fn get(&self) -> T
    where
        T: Clone,
    {
        self.access(false, Location::caller());
        self.inner.value.borrow().clone()
    }

    /// Replaces the value (a write access).
    #[track_caller]
    pub fn set(&self, value: T) {
        self.access(true, Location::caller());
        *self.inner.value.borrow_mut() = value;
    }

    /// Runs `f` on the value (one read access). `f` must not perform
    /// scheduling operations (lock, print, touch other `Shared`s).
    #[track_caller]
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        self.access(false, Location::caller());
        let _atomic = AtomicSection::enter();
        f(&self.inner.value.borrow())
    }

    /// Runs `f` on the value mutably (one write access, atomic: a
    /// read-modify-write that cannot be interleaved). `f` must not perform
    /// scheduling operations.
    #[track_caller]
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        self.access(true, Location::caller());
        let _atomic = AtomicSection::enter();
        f(&mut self.inner.value.borrow_mut())
    }
}
