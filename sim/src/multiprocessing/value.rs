//! `multiprocessing::Value<T>`: Python's `multiprocessing.Value` (shared memory).

use std::cell::RefCell;
use std::fmt;
use std::panic::Location;
use std::rc::Rc;

use crate::rt::object::ObjState;
use crate::rt::op::{ObjId, Op};
use crate::rt::process::mark_cross_process;
use crate::rt::{self, AtomicSection};
use crate::threading::RLock;

/// Python's `multiprocessing.Value`: a value in shared memory that every
/// process sees. [`new`](Value::new) makes a synchronized one (each `get`
/// and `set` takes its internal RLock, as Python's does), so accesses never
/// race, but `v.set(v.get() + 1)` can still lose updates: use
/// [`with_lock`](Value::with_lock) (Python's `with v.get_lock(): v.value +=
/// 1`). [`new_raw`](Value::new_raw) has no lock (`RawValue`): its accesses
/// are race-checked like a [`Shared`](crate::Shared)'s.
///
/// ```
/// use sim::multiprocessing::Value;
/// sim::check_random(|| {
///     let v = Value::new(0);
///     let children: Vec<_> = (0..2)
///         .map(|_| {
///             let v = v.clone();
///             sim::multiprocessing::spawn(move || v.with_lock(|x| *x += 1))
///         })
///         .collect();
///     for p in children {
///         p.join();
///     }
///     assert_eq!(v.get(), 2);
/// }, 100);
/// ```
pub struct Value<T> {
    inner: Rc<Inner<T>>,
}

struct Inner<T> {
    var: ObjId,
    serial: u64,
    lock: Option<RLock>,
    value: RefCell<T>,
}

impl<T> Clone for Value<T> {
    fn clone(&self) -> Self {
        Value {
            inner: Rc::clone(&self.inner),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Value<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Value({:?})", self.inner.value.borrow())
    }
}

impl<T> Value<T> {
    /// A synchronized shared value (Python's `Value(typecode, v)`).
    #[track_caller]
    pub fn new(value: T) -> Value<T> {
        let lock = RLock::new();
        mark_cross_process(lock.id());
        Self::make(value, Some(lock))
    }

    /// A shared value without a lock (Python's `RawValue`).
    ///
    /// ```
    /// let report = sim::Builder::new().executions(100).explore(|| {
    ///     let v = sim::multiprocessing::Value::new_raw(0);
    ///     let v2 = v.clone();
    ///     let p = sim::multiprocessing::spawn(move || v2.set(1));
    ///     v.set(2);
    ///     p.join();
    /// });
    /// assert_eq!(report.failures[0].kind, sim::FailureKind::DataRace);
    /// ```
    #[track_caller]
    pub fn new_raw(value: T) -> Value<T> {
        Self::make(value, None)
    }

    #[track_caller]
    fn make(value: T, lock: Option<RLock>) -> Value<T> {
        let (var, serial) = rt::new_object(ObjState::new_shared(), Location::caller());
        mark_cross_process(var);
        Value {
            inner: Rc::new(Inner {
                var,
                serial,
                lock,
                value: RefCell::new(value),
            }),
        }
    }

    /// One access, under the lock when there is one.
    #[track_caller]
    fn access<R>(&self, write: bool, f: impl FnOnce(&RefCell<T>) -> R) -> R {
        rt::check_serial(self.inner.serial, "Value");
        if let Some(lock) = &self.inner.lock {
            lock.acquire();
        }
        let var = self.inner.var;
        let op = if write {
            Op::Write { var }
        } else {
            Op::Read { var }
        };
        rt::op(op, Location::caller());
        let result = {
            let _atomic = AtomicSection::enter();
            f(&self.inner.value)
        };
        if let Some(lock) = &self.inner.lock {
            lock.release();
        }
        result
    }

    /// Reads the value (Python's `v.value`).
    ///
    /// ```
    /// sim::check_random(|| {
    ///     let v = sim::multiprocessing::Value::new(1.5);
    ///     v.set(v.get() * 2.0);
    ///     assert_eq!(v.get(), 3.0);
    /// }, 1);
    /// ```
    #[track_caller]
    pub fn get(&self) -> T
    where
        T: Clone,
    {
        self.access(false, |v| v.borrow().clone())
    }

    /// Replaces the value (Python's `v.value = x`).
    #[track_caller]
    pub fn set(&self, value: T) {
        self.access(true, |v| *v.borrow_mut() = value)
    }

    /// Runs `f` on the value holding the lock for the whole
    /// read-modify-write (Python's `with v.get_lock(): v.value += 1`). For a
    /// raw value it is one write access. `f` must not perform scheduling
    /// operations.
    ///
    /// ```
    /// sim::check_random(|| {
    ///     let v = sim::multiprocessing::Value::new(vec![1]);
    ///     let len = v.with_lock(|xs| {
    ///         xs.push(2);
    ///         xs.len()
    ///     });
    ///     assert_eq!(len, 2);
    /// }, 1);
    /// ```
    #[track_caller]
    pub fn with_lock<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        self.access(true, |v| f(&mut v.borrow_mut()))
    }
}
