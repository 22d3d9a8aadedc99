//! The link of an atomic handle to its runtime object, and the stand-in
//! for the 128-bit atomics std lacks.

use std::panic::Location;
use std::sync::atomic::Ordering;

use super::check_failure;
use crate::rt;
use crate::rt::binding::Binding;
use crate::rt::object::ObjState;
use crate::rt::op::{AtomicKind, ObjId, Op};

/// The link of a handle to its object in the running execution, made on
/// its first use in each (`rt/binding.rs`): std's `new` is a `const fn`,
/// and a `static` atomic keeps its value across executions (it is the
/// program's) while its history starts fresh in each.
pub(super) struct Obj {
    binding: Binding,
}

impl Obj {
    pub(super) const fn new(location: &'static Location<'static>) -> Obj {
        Obj {
            binding: Binding::new(location),
        }
    }

    /// The atomic's object in the running execution.
    #[inline]
    #[track_caller]
    fn id(&self, name: &'static str) -> ObjId {
        self.binding.id(name, || ObjState::new_atomic(name))
    }

    /// Announces one operation (the scheduling point); the object's id.
    #[track_caller]
    pub(super) fn op(
        &self,
        name: &'static str,
        kind: AtomicKind,
        ord: Ordering,
        location: &'static Location<'static>,
    ) -> ObjId {
        let atomic = self.id(name);
        let op = Op::Atomic { atomic, kind, ord };
        rt::op(op, location);
        atomic
    }

    /// A compare-exchange attempt: announces it, runs `attempt` on the
    /// value (nothing else runs in between) and reports the outcome.
    pub(super) fn cas<T>(
        &self,
        name: &'static str,
        success: Ordering,
        failure: Ordering,
        location: &'static Location<'static>,
        attempt: impl FnOnce() -> Result<T, T>,
    ) -> Result<T, T> {
        check_failure(failure);
        let atomic = self.op(name, AtomicKind::Cas { failure }, success, location);
        let result = attempt();
        rt::atomic_cas_done(name, atomic, result.is_ok(), success, failure);
        result
    }

    #[track_caller]
    pub(super) fn unsync_load(&self, name: &'static str, location: &'static Location<'static>) {
        rt::atomic_unsync_load(name, self.id(name), location);
    }
}

/// A stand-in for a std atomic where std has none (128 bits): a std mutex,
/// used uncontended (green threads never run in parallel).
pub(super) struct Slot<T>(std::sync::Mutex<T>);

impl<T: Copy + PartialEq> Slot<T> {
    pub(super) const fn new(v: T) -> Self {
        Slot(std::sync::Mutex::new(v))
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn load(&self, _: Ordering) -> T {
        *self.lock()
    }

    pub(super) fn store(&self, v: T, _: Ordering) {
        *self.lock() = v;
    }

    pub(super) fn swap(&self, v: T, _: Ordering) -> T {
        std::mem::replace(&mut *self.lock(), v)
    }

    pub(super) fn compare_exchange(
        &self,
        current: T,
        new: T,
        _: Ordering,
        _: Ordering,
    ) -> Result<T, T> {
        let mut v = self.lock();
        if *v == current {
            *v = new;
            Ok(current)
        } else {
            Err(*v)
        }
    }

    pub(super) fn fetch_update(
        &self,
        _: Ordering,
        _: Ordering,
        mut f: impl FnMut(T) -> Option<T>,
    ) -> Result<T, T> {
        let mut v = self.lock();
        let old = *v;
        match f(old) {
            Some(new) => {
                *v = new;
                Ok(old)
            }
            None => Err(old),
        }
    }

    pub(super) fn get_mut(&mut self) -> &mut T {
        self.0.get_mut().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn into_inner(self) -> T {
        self.0.into_inner().unwrap_or_else(|p| p.into_inner())
    }
}
