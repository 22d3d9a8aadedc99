//! `AtomicPtr`, on the common machinery of the parent module.

use super::*;

/// std's `AtomicPtr<T>`, simulated: each operation is a scheduling point
/// with C11 happens-before (see the [module docs](self)). Only the pointer
/// is atomic: what it points to is the program's business (put it in an
/// [`UnsafeCell`](crate::cell::UnsafeCell) to have its accesses checked).
///
/// ```
/// use sim::sync::atomic::{AtomicPtr, Ordering::SeqCst};
///
/// sim::check_random(|| {
///     let mut x = 5;
///     let p = AtomicPtr::new(std::ptr::null_mut());
///     assert!(p.swap(&mut x, SeqCst).is_null());
///     assert_eq!(p.load(SeqCst), &mut x as *mut i32);
/// }, 1);
/// ```
pub struct AtomicPtr<T> {
    obj: Obj,
    v: std::sync::atomic::AtomicPtr<T>,
}

impl<T> AtomicPtr<T> {
    /// A new atomic holding `p` (a `const fn`, as std's; not a scheduling
    /// point).
    #[track_caller]
    pub const fn new(p: *mut T) -> Self {
        AtomicPtr {
            obj: Obj::new(Location::caller()),
            v: std::sync::atomic::AtomicPtr::new(p),
        }
    }

    #[inline]
    fn op(&self, kind: AtomicKind, ord: Ordering, location: &'static Location<'static>) {
        self.obj.op("AtomicPtr", kind, ord, location);
    }

    /// Loads the pointer (one scheduling point). Panics on `Release` and
    /// `AcqRel`, as std does.
    #[track_caller]
    pub fn load(&self, order: Ordering) -> *mut T {
        check_load(order);
        self.op(AtomicKind::Load, order, Location::caller());
        self.v.load(Relaxed)
    }

    /// Stores `p` (one scheduling point). Panics on `Acquire` and `AcqRel`,
    /// as std does.
    #[track_caller]
    pub fn store(&self, p: *mut T, order: Ordering) {
        check_store(order);
        self.op(AtomicKind::Store, order, Location::caller());
        self.v.store(p, Relaxed);
    }

    /// Stores `p`, returning the previous pointer (one read-modify-write).
    #[track_caller]
    pub fn swap(&self, p: *mut T, order: Ordering) -> *mut T {
        self.op(AtomicKind::Rmw, order, Location::caller());
        self.v.swap(p, Relaxed)
    }

    /// Stores `new` if the pointer is `current` (see
    /// [`AtomicUsize::compare_exchange`]).
    #[track_caller]
    pub fn compare_exchange(
        &self,
        current: *mut T,
        new: *mut T,
        success: Ordering,
        failure: Ordering,
    ) -> Result<*mut T, *mut T> {
        self.obj
            .cas("AtomicPtr", success, failure, Location::caller(), || {
                self.v.compare_exchange(current, new, Relaxed, Relaxed)
            })
    }

    /// [`compare_exchange`](Self::compare_exchange): never fails
    /// spuriously under sim (see [`AtomicUsize::compare_exchange_weak`]).
    #[track_caller]
    pub fn compare_exchange_weak(
        &self,
        current: *mut T,
        new: *mut T,
        success: Ordering,
        failure: Ordering,
    ) -> Result<*mut T, *mut T> {
        self.compare_exchange(current, new, success, failure)
    }

    /// std's deprecated `compare_and_swap` (see
    /// [`AtomicUsize::compare_and_swap`]).
    #[track_caller]
    pub fn compare_and_swap(&self, current: *mut T, new: *mut T, order: Ordering) -> *mut T {
        match self.compare_exchange(current, new, order, failure_for(order)) {
            Ok(v) | Err(v) => v,
        }
    }

    /// std's `fetch_update` loop (see [`AtomicUsize::fetch_update`]).
    #[track_caller]
    pub fn fetch_update<F>(
        &self,
        set_order: Ordering,
        fetch_order: Ordering,
        mut f: F,
    ) -> Result<*mut T, *mut T>
    where
        F: FnMut(*mut T) -> Option<*mut T>,
    {
        let mut prev = self.load(fetch_order);
        while let Some(next) = f(prev) {
            match self.compare_exchange_weak(prev, next, set_order, fetch_order) {
                x @ Ok(_) => return x,
                Err(actual) => prev = actual,
            }
        }
        Err(prev)
    }

    /// std's `try_update`: [`fetch_update`](Self::fetch_update).
    #[track_caller]
    pub fn try_update(
        &self,
        set_order: Ordering,
        fetch_order: Ordering,
        f: impl FnMut(*mut T) -> Option<*mut T>,
    ) -> Result<*mut T, *mut T> {
        self.fetch_update(set_order, fetch_order, f)
    }

    /// std's `update`: returns the previous pointer.
    #[track_caller]
    pub fn update(
        &self,
        set_order: Ordering,
        fetch_order: Ordering,
        mut f: impl FnMut(*mut T) -> *mut T,
    ) -> *mut T {
        match self.fetch_update(set_order, fetch_order, |v| Some(f(v))) {
            Ok(v) | Err(v) => v,
        }
    }

    /// A read-modify-write of the pointer (one scheduling point).
    fn rmw(
        &self,
        order: Ordering,
        location: &'static Location<'static>,
        f: impl Fn(*mut T) -> *mut T,
    ) -> *mut T {
        self.op(AtomicKind::Rmw, order, location);
        match self.v.fetch_update(Relaxed, Relaxed, |v| Some(f(v))) {
            Ok(v) | Err(v) => v,
        }
    }

    /// Offsets the pointer by `val` elements (wrapping), returning the
    /// previous one.
    #[track_caller]
    pub fn fetch_ptr_add(&self, val: usize, order: Ordering) -> *mut T {
        self.rmw(order, Location::caller(), |p| p.wrapping_add(val))
    }

    /// Offsets the pointer back by `val` elements (wrapping), returning the
    /// previous one.
    #[track_caller]
    pub fn fetch_ptr_sub(&self, val: usize, order: Ordering) -> *mut T {
        self.rmw(order, Location::caller(), |p| p.wrapping_sub(val))
    }

    /// Offsets the pointer by `val` bytes (wrapping), returning the
    /// previous one.
    #[track_caller]
    pub fn fetch_byte_add(&self, val: usize, order: Ordering) -> *mut T {
        self.rmw(order, Location::caller(), |p| p.wrapping_byte_add(val))
    }

    /// Offsets the pointer back by `val` bytes (wrapping), returning the
    /// previous one.
    #[track_caller]
    pub fn fetch_byte_sub(&self, val: usize, order: Ordering) -> *mut T {
        self.rmw(order, Location::caller(), |p| p.wrapping_byte_sub(val))
    }

    /// Bitwise or of the address with `val` (keeping provenance),
    /// returning the previous pointer.
    #[track_caller]
    pub fn fetch_or(&self, val: usize, order: Ordering) -> *mut T {
        self.rmw(order, Location::caller(), |p| map_addr(p, |a| a | val))
    }

    /// Bitwise and of the address with `val` (keeping provenance),
    /// returning the previous pointer.
    #[track_caller]
    pub fn fetch_and(&self, val: usize, order: Ordering) -> *mut T {
        self.rmw(order, Location::caller(), |p| map_addr(p, |a| a & val))
    }

    /// Bitwise xor of the address with `val` (keeping provenance),
    /// returning the previous pointer.
    #[track_caller]
    pub fn fetch_xor(&self, val: usize, order: Ordering) -> *mut T {
        self.rmw(order, Location::caller(), |p| map_addr(p, |a| a ^ val))
    }

    /// The pointer, through the exclusive borrow (not a scheduling point).
    pub fn get_mut(&mut self) -> &mut *mut T {
        self.v.get_mut()
    }

    /// loom's `with_mut`: runs `f` on the pointer through the exclusive
    /// borrow (not a scheduling point).
    pub fn with_mut<R>(&mut self, f: impl FnOnce(&mut *mut T) -> R) -> R {
        f(self.v.get_mut())
    }

    /// The pointer, consuming the atomic.
    pub fn into_inner(self) -> *mut T {
        self.v.into_inner()
    }

    /// A raw pointer to the atomic pointer (std's `as_ptr`). Accesses
    /// through it are neither scheduled nor race-checked.
    pub fn as_ptr(&self) -> *mut *mut T {
        self.v.as_ptr()
    }

    /// loom's `unsync_load` (see [`AtomicUsize::unsync_load`]).
    ///
    /// # Safety
    ///
    /// As in loom. Under sim the read itself does nothing unsafe (the
    /// `unsafe` is loom's signature).
    #[allow(unsafe_code)]
    #[track_caller]
    pub unsafe fn unsync_load(&self) -> *mut T {
        // Nothing unsafe happens here: a plain read of the std atomic,
        // after the race check.
        self.obj.unsync_load("AtomicPtr", Location::caller());
        self.v.load(Relaxed)
    }
}

/// `p` with its address changed by `f`, keeping its provenance.
fn map_addr<T>(p: *mut T, f: impl FnOnce(usize) -> usize) -> *mut T {
    let addr = p as usize;
    p.wrapping_byte_add(f(addr).wrapping_sub(addr))
}

impl<T> Default for AtomicPtr<T> {
    /// An atomic holding a null pointer.
    #[track_caller]
    fn default() -> Self {
        Self::new(std::ptr::null_mut())
    }
}

impl<T> From<*mut T> for AtomicPtr<T> {
    #[track_caller]
    fn from(p: *mut T) -> Self {
        Self::new(p)
    }
}

impl<T> fmt::Debug for AtomicPtr<T> {
    /// The pointer, read without a scheduling point or a race check.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.v.load(Relaxed), f)
    }
}
