//! `Shared<T>`: a shared variable whose every access is a scheduling point
//! and is checked for data races.

use std::cell::RefCell;
use std::fmt;
use std::panic::Location;
use std::rc::{Rc, Weak};

use crate::rt::object::ObjState;
use crate::rt::op::{ObjId, Op};
use crate::rt::process::{current_process, give_to_process, misuse, tearing_down};
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
///
/// Processes do not share memory: a process spawned with
/// [`process::spawn`](crate::multiprocessing::spawn) gets its own copy of every
/// `Shared` value of its parent as it was at the spawn (fork semantics,
/// which is why `new` needs `T: Clone`); writes in one process are
/// invisible to the other. Using a `Shared` in a process that has no copy
/// of it (one created after the fork, received through a queue) is
/// `Misuse`.
pub struct Shared<T> {
    inner: Rc<Inner<T>>,
}

struct Inner<T> {
    id: ObjId,
    serial: u64,
    value: RefCell<T>,
    /// The process that created it (`value` is its copy).
    process: u32,
    created_at: &'static Location<'static>,
    /// The copies of processes forked since (each its own object, so race
    /// detection is per copy).
    forks: RefCell<Vec<ForkCopy<T>>>,
}

struct ForkCopy<T> {
    process: u32,
    id: ObjId,
    value: RefCell<T>,
}

/// A `Shared` value a process spawn copies.
trait Fork {
    fn fork(&self, from: u32, to: u32);
}

impl<T: Clone + 'static> Fork for Inner<T> {
    fn fork(&self, from: u32, to: u32) {
        let value = if from == self.process {
            Some(self.value.borrow().clone())
        } else {
            let forks = self.forks.borrow();
            forks
                .iter()
                .find(|c| c.process == from)
                .map(|c| c.value.borrow().clone())
        };
        // A value the parent has no copy of is not copied either.
        let Some(value) = value else { return };
        let (id, _) = rt::new_object(ObjState::new_shared(), self.created_at);
        give_to_process(id, to);
        self.forks.borrow_mut().push(ForkCopy {
            process: to,
            id,
            value: RefCell::new(value),
        });
    }
}

thread_local! {
    /// Every `Shared` of the running execution (by serial), for forks.
    static MEMORY: RefCell<(u64, Vec<Weak<dyn Fork>>)> = const { RefCell::new((0, Vec::new())) };
}

/// Copies every live `Shared` value of process `from` into process `to`
/// (a process spawn).
pub(crate) fn fork(serial: u64, from: u32, to: u32) {
    let live: Vec<Rc<dyn Fork>> = MEMORY.with(|m| {
        let m = m.borrow();
        if m.0 != serial {
            return Vec::new();
        }
        m.1.iter().filter_map(Weak::upgrade).collect()
    });
    for shared in live {
        shared.fork(from, to);
    }
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

impl<T: Clone + 'static> Shared<T> {
    /// A new shared variable holding `value`. Creating it is not a
    /// scheduling point (no other thread can see it yet).
    #[track_caller]
    pub fn new(value: T) -> Self {
        let created_at = Location::caller();
        let (id, serial) = rt::new_object(ObjState::new_shared(), created_at);
        let inner = Rc::new(Inner {
            id,
            serial,
            value: RefCell::new(value),
            process: current_process(),
            created_at,
            forks: RefCell::new(Vec::new()),
        });
        let weak: Weak<dyn Fork> = Rc::downgrade(&inner) as Weak<dyn Fork>;
        MEMORY.with(|m| {
            let mut m = m.borrow_mut();
            if m.0 != serial {
                m.0 = serial;
                m.1.clear();
            }
            m.1.push(weak);
        });
        Shared { inner }
    }
}

impl<T> Shared<T> {
    /// Runs `f` on the running process's copy of the value.
    fn on_copy<R>(&self, slot: Option<usize>, f: impl FnOnce(&RefCell<T>) -> R) -> R {
        match slot {
            None => f(&self.inner.value),
            Some(i) => f(&self.inner.forks.borrow()[i].value),
        }
    }

    /// Announces the access; returns the running process's copy.
    #[inline(always)]
    #[track_caller]
    fn access(&self, write: bool, location: &'static Location<'static>) -> Option<usize> {
        rt::check_serial(self.inner.serial, "Shared");
        let pid = current_process();
        let (var, slot) = if pid == self.inner.process {
            (self.inner.id, None)
        } else {
            self.fork_copy(pid, location)
        };
        rt::op(
            if write {
                Op::Write { var }
            } else {
                Op::Read { var }
            },
            location,
        );
        slot
    }

    /// The copy of process `pid` (not the creator): its object id and slot.
    #[cold]
    #[inline(never)]
    fn fork_copy(&self, pid: u32, location: &'static Location<'static>) -> (ObjId, Option<usize>) {
        let forks = self.inner.forks.borrow();
        if let Some(i) = forks.iter().position(|c| c.process == pid) {
            return (forks[i].id, Some(i));
        }
        drop(forks);
        if tearing_down() {
            // Destructors run at teardown, when nothing is checked.
            return (self.inner.id, None);
        }
        misuse(
            format!(
                "Shared#{} (created at {}) was used at {location} in a process that has no \
                 copy of it (it was created after the fork, or in another process): processes \
                 do not share memory; use a Queue, Pipe, Value or Manager \
                 (sim::multiprocessing::Queue, Pipe, Value, Lock)",
                self.inner.id.0, self.inner.created_at
            ),
            location,
        )
    }

    /// Reads the value (a read access).
    #[track_caller]
    pub fn get(&self) -> T
    where
        T: Clone,
    {
        let slot = self.access(false, Location::caller());
        self.on_copy(slot, |v| v.borrow().clone())
    }

    /// Replaces the value (a write access).
    #[track_caller]
    pub fn set(&self, value: T) {
        let slot = self.access(true, Location::caller());
        self.on_copy(slot, |v| *v.borrow_mut() = value);
    }

    /// Runs `f` on the value (one read access). `f` must not perform
    /// scheduling operations (lock, print, touch other `Shared`s).
    #[track_caller]
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        let slot = self.access(false, Location::caller());
        let _atomic = AtomicSection::enter();
        self.on_copy(slot, |v| f(&v.borrow()))
    }

    /// Runs `f` on the value mutably (one write access, atomic: a
    /// read-modify-write that cannot be interleaved). `f` must not perform
    /// scheduling operations.
    #[track_caller]
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let slot = self.access(true, Location::caller());
        let _atomic = AtomicSection::enter();
        self.on_copy(slot, |v| f(&mut v.borrow_mut()))
    }
}
