//! std's atomics (`std::sync::atomic`), simulated: every operation is a
//! scheduling point, and happens-before follows C11.
//!
//! The types have std's names and methods (and loom's extras, `with_mut`
//! and `unsync_load`), so that code written against `std::sync::atomic`
//! (or loom's, or shuttle's) runs under sim by changing its `use` lines or
//! renaming the crate.
//!
//! **Behaviour is sequentially consistent**, whatever the orderings: every
//! load reads the latest store, in the order the scheduler interleaves the
//! operations. Weak-memory outcomes (a Relaxed load reading an older store,
//! store buffering with Relaxed atomics) are not produced yet.
//!
//! **Happens-before follows C11**, so that race detection on
//! [`UnsafeCell`](crate::cell::UnsafeCell) and [`Shared`](crate::Shared)
//! data is exact: a Release (or stronger) store read by an Acquire (or
//! stronger) load synchronises; a read-modify-write continues the release
//! sequence it reads from; a Relaxed store ends it (C++20); `fence(Release)`
//! followed by a Relaxed store publishes the clock of the fence, and a
//! Relaxed load followed by `fence(Acquire)` acquires. `SeqCst` counts as
//! `AcqRel`: the total order of SeqCst operations adds no synchronisation of
//! its own, and a SeqCst fence is an AcqRel fence. So data published through
//! a Relaxed flag is a `DataRace` naming both accesses, and through an
//! Acquire/Release flag it is race-free:
//!
//! ```
//! use std::sync::Arc;
//! use sim::cell::UnsafeCell;
//! use sim::sync::atomic::{AtomicBool, Ordering};
//!
//! fn message_passing(flag_store: Ordering, flag_load: Ordering) -> sim::Report {
//!     sim::Builder::new().strategy(sim::Strategy::Exhaustive).explore(move || {
//!         let data = Arc::new(UnsafeCell::new(0));
//!         let flag = Arc::new(AtomicBool::new(false));
//!         let (d, f) = (data.clone(), flag.clone());
//!         let t = sim::thread::spawn(move || {
//!             d.with_mut(|p| unsafe { *p = 42 });
//!             f.store(true, flag_store);
//!         });
//!         if flag.load(flag_load) {
//!             assert_eq!(data.with(|p| unsafe { *p }), 42);
//!         }
//!         t.join().unwrap();
//!     })
//! }
//! assert!(message_passing(Ordering::Release, Ordering::Acquire).failures.is_empty());
//! let racy = message_passing(Ordering::Relaxed, Ordering::Relaxed);
//! assert_eq!(racy.failures[0].kind, sim::FailureKind::DataRace);
//! ```
//!
//! `new` is a `const fn`, as std's: an atomic gets its object in the running
//! execution on its first use in it (`rt/binding.rs`), so a `static` atomic
//! works; its value is kept between executions (it is the program's), its
//! history starts fresh in each. Using one outside a simulation panics.
//!
//! The operations enter the optimal DPOR's dependence relation: a load
//! reads its atomic, a store, RMW or compare-exchange writes it (a
//! compare-exchange that fails only reads, but that is known only after it
//! ran: it counts as a write), a fence touches nothing.

use std::fmt;
use std::panic::Location;
pub use std::sync::atomic::Ordering;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};

use crate::rt;
use crate::rt::op::{AtomicKind, Op};

mod obj;
use obj::{Obj, Slot};

fn check_load(order: Ordering) {
    match order {
        Release => panic!("there is no such thing as a release load"),
        AcqRel => panic!("there is no such thing as an acquire-release load"),
        _ => {}
    }
}

fn check_store(order: Ordering) {
    match order {
        Acquire => panic!("there is no such thing as an acquire store"),
        AcqRel => panic!("there is no such thing as an acquire-release store"),
        _ => {}
    }
}

fn check_failure(order: Ordering) {
    match order {
        Release => panic!("there is no such thing as a release failure ordering"),
        AcqRel => panic!("there is no such thing as an acquire-release failure ordering"),
        _ => {}
    }
}

/// The failure ordering `compare_and_swap` uses for `order` (std's rule).
fn failure_for(order: Ordering) -> Ordering {
    match order {
        Release => Relaxed,
        AcqRel => Acquire,
        other => other,
    }
}

/// An atomic memory fence: `Acquire` makes the stores read by this
/// thread's earlier Relaxed loads happen before what follows; `Release`
/// makes what precedes it happen before the loads that read this thread's
/// later Relaxed stores; `AcqRel` and `SeqCst` do both (SeqCst is treated
/// as AcqRel). A scheduling point. Panics on `Relaxed`, as std does.
///
/// ```
/// use std::sync::Arc;
/// use sim::sync::atomic::{fence, AtomicBool, Ordering::{Acquire, Relaxed, Release}};
///
/// sim::model(|| {
///     let data = Arc::new(sim::cell::UnsafeCell::new(0));
///     let flag = Arc::new(AtomicBool::new(false));
///     let (d, f) = (data.clone(), flag.clone());
///     let t = sim::thread::spawn(move || {
///         d.with_mut(|p| unsafe { *p = 1 });
///         fence(Release);
///         f.store(true, Relaxed);
///     });
///     if flag.load(Relaxed) {
///         fence(Acquire);
///         assert_eq!(data.with(|p| unsafe { *p }), 1);
///     }
///     t.join().unwrap();
/// });
/// ```
#[track_caller]
pub fn fence(order: Ordering) {
    if order == Relaxed {
        panic!("there is no such thing as a relaxed fence");
    }
    rt::op(Op::Fence { ord: order }, Location::caller());
}

/// A compiler fence: nothing to do under sim (green threads never run in
/// parallel, and the compiler's reordering is not modelled), and not a
/// scheduling point. Panics on `Relaxed`, as std does.
///
/// ```
/// sim::sync::atomic::compiler_fence(sim::sync::atomic::Ordering::SeqCst);
/// ```
pub fn compiler_fence(order: Ordering) {
    if order == Relaxed {
        panic!("there is no such thing as a relaxed fence");
    }
}

/// A spin-loop hint (std's deprecated `spin_loop_hint`, kept by loom): a
/// [`yield_now`](crate::thread::yield_now).
///
/// ```
/// sim::check_random(|| sim::sync::atomic::spin_loop_hint(), 1);
/// ```
#[track_caller]
pub fn spin_loop_hint() {
    crate::thread::yield_now();
}

/// The methods every atomic type has, over its value type `$t` (the
/// storage, field `v`, is a std atomic or a [`Slot`]).
macro_rules! atomic_common {
    ($name:ident, $t:ty) => {
        impl $name {
            /// Announces one operation of `kind` (a scheduling point).
            #[inline]
            fn op(&self, kind: AtomicKind, ord: Ordering, location: &'static Location<'static>) {
                self.obj.op(stringify!($name), kind, ord, location);
            }

            #[doc = concat!("Loads the value (one scheduling point). Panics on `Release` \
                and `AcqRel`, as std does.\n\n```\nsim::check_random(|| {\n    let a = \
                sim::sync::atomic::", stringify!($name), "::default();\n    let v = a.load(\
                sim::sync::atomic::Ordering::Acquire);\n    assert_eq!(a.into_inner(), v);\n}, 1);\n```")]
            #[track_caller]
            pub fn load(&self, order: Ordering) -> $t {
                check_load(order);
                self.op(AtomicKind::Load, order, Location::caller());
                self.v.load(Relaxed)
            }

            /// Stores `val` (one scheduling point). Panics on `Acquire` and
            /// `AcqRel`, as std does.
            #[track_caller]
            pub fn store(&self, val: $t, order: Ordering) {
                check_store(order);
                self.op(AtomicKind::Store, order, Location::caller());
                self.v.store(val, Relaxed);
            }

            /// Stores `val` and returns the previous value (one
            /// read-modify-write).
            #[track_caller]
            pub fn swap(&self, val: $t, order: Ordering) -> $t {
                self.op(AtomicKind::Rmw, order, Location::caller());
                self.v.swap(val, Relaxed)
            }

            /// Stores `new` if the value is `current`: `Ok(previous)` if it
            /// was, `Err(actual)` if not. A success is a read-modify-write
            /// with `success`, a failure a load with `failure` (which may
            /// not be `Release` or `AcqRel`). One scheduling point.
            #[track_caller]
            pub fn compare_exchange(
                &self,
                current: $t,
                new: $t,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$t, $t> {
                self.obj.cas(stringify!($name), success, failure, Location::caller(), || {
                    self.v.compare_exchange(current, new, Relaxed, Relaxed)
                })
            }

            /// [`compare_exchange`](Self::compare_exchange), which std
            /// allows to fail spuriously. Under sim it **never fails
            /// spuriously** (as in loom and shuttle): a failure means the
            /// value differed. Code whose correctness depends on handling
            /// spurious failures is therefore not tested on that path.
            #[track_caller]
            pub fn compare_exchange_weak(
                &self,
                current: $t,
                new: $t,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$t, $t> {
                self.compare_exchange(current, new, success, failure)
            }

            /// std's deprecated `compare_and_swap`: a `compare_exchange`
            /// with `order` (and the failure ordering std derives from it)
            /// returning the previous value. Not marked `#[deprecated]`
            /// here, as in loom: loom's tests call it under
            /// `#![deny(warnings)]`.
            #[track_caller]
            pub fn compare_and_swap(&self, current: $t, new: $t, order: Ordering) -> $t {
                match self.compare_exchange(current, new, order, failure_for(order)) {
                    Ok(v) | Err(v) => v,
                }
            }

            /// Applies `f` to the value until it returns `None` or the
            /// compare-exchange of its result succeeds (std's loop: one
            /// load, then one compare-exchange per attempt). `Ok(previous)`
            /// or `Err(previous)` if `f` returned `None`.
            #[track_caller]
            pub fn fetch_update<F>(
                &self,
                set_order: Ordering,
                fetch_order: Ordering,
                mut f: F,
            ) -> Result<$t, $t>
            where
                F: FnMut($t) -> Option<$t>,
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
                f: impl FnMut($t) -> Option<$t>,
            ) -> Result<$t, $t> {
                self.fetch_update(set_order, fetch_order, f)
            }

            /// std's `update`: applies `f` until the compare-exchange of
            /// its result succeeds; returns the previous value.
            #[track_caller]
            pub fn update(
                &self,
                set_order: Ordering,
                fetch_order: Ordering,
                mut f: impl FnMut($t) -> $t,
            ) -> $t {
                match self.fetch_update(set_order, fetch_order, |v| Some(f(v))) {
                    Ok(v) | Err(v) => v,
                }
            }

            /// A read-modify-write computing the new value from the old
            /// (one scheduling point); returns the old.
            #[inline]
            fn rmw(
                &self,
                order: Ordering,
                location: &'static Location<'static>,
                f: impl Fn($t) -> $t,
            ) -> $t {
                self.op(AtomicKind::Rmw, order, location);
                match self.v.fetch_update(Relaxed, Relaxed, |v| Some(f(v))) {
                    Ok(v) | Err(v) => v,
                }
            }

            /// The value, through the exclusive borrow (no other thread can
            /// access it: not a scheduling point).
            pub fn get_mut(&mut self) -> &mut $t {
                self.v.get_mut()
            }

            /// loom's `with_mut`: runs `f` on the value through the
            /// exclusive borrow (not a scheduling point).
            pub fn with_mut<R>(&mut self, f: impl FnOnce(&mut $t) -> R) -> R {
                f(self.v.get_mut())
            }

            /// The value, consuming the atomic.
            pub fn into_inner(self) -> $t {
                self.v.into_inner()
            }

            /// loom's `unsync_load`: a non-atomic read of the value. Not a
            /// scheduling point, but checked for races: a write of the
            /// atomic (by another thread) that does not happen before it is
            /// a `DataRace`, and so is a later write it does not happen
            /// before.
            ///
            /// # Safety
            ///
            /// As in loom, where a non-atomic read of an atomic is undefined
            /// behaviour unless no other thread can access it. Under sim
            /// the read itself does nothing unsafe (the `unsafe` is loom's
            /// signature, which callers' `unsafe { }` blocks expect).
            #[allow(unsafe_code)]
            #[track_caller]
            pub unsafe fn unsync_load(&self) -> $t {
                // Nothing unsafe happens here: a plain read of the std
                // atomic, after the race check.
                self.obj.unsync_load(stringify!($name), Location::caller());
                self.v.load(Relaxed)
            }
        }

        impl fmt::Debug for $name {
            /// The value, read without a scheduling point or a race check.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.v.load(Relaxed), f)
            }
        }

        impl From<$t> for $name {
            #[track_caller]
            fn from(v: $t) -> Self {
                Self::new(v)
            }
        }
    };
}

/// An integer atomic type: the common methods and the arithmetic ones.
macro_rules! atomic_int {
    ($name:ident, $t:ty, $inner:ty) => {
        #[doc = concat!("std's `", stringify!($name), "`, simulated: each operation is a \
            scheduling point with C11 happens-before (see the [module docs](self)).\n\n\
            ```\nuse std::sync::Arc;\nuse sim::sync::atomic::{", stringify!($name),
                            ", Ordering::SeqCst};\n\nsim::model(|| {\n    let n = Arc::new(",
                            stringify!($name), "::new(0));\n    let n2 = n.clone();\n    \
            let t = sim::thread::spawn(move || n2.fetch_add(1, SeqCst));\n    \
            let mine = n.fetch_add(1, SeqCst);\n    let theirs = t.join().unwrap();\n    \
            assert_ne!(mine, theirs);\n    assert_eq!(n.load(SeqCst), 2);\n});\n```")]
        pub struct $name {
            obj: Obj,
            v: $inner,
        }

        impl $name {
            /// A new atomic holding `v` (a `const fn`, as std's: a
            /// `static` atomic works; not a scheduling point).
            #[track_caller]
            pub const fn new(v: $t) -> Self {
                $name {
                    obj: Obj::new(Location::caller()),
                    v: <$inner>::new(v),
                }
            }

            /// Adds `val` (wrapping), returning the previous value.
            #[track_caller]
            pub fn fetch_add(&self, val: $t, order: Ordering) -> $t {
                self.rmw(order, Location::caller(), |v| v.wrapping_add(val))
            }

            /// Subtracts `val` (wrapping), returning the previous value.
            #[track_caller]
            pub fn fetch_sub(&self, val: $t, order: Ordering) -> $t {
                self.rmw(order, Location::caller(), |v| v.wrapping_sub(val))
            }

            /// Bitwise and with `val`, returning the previous value.
            #[track_caller]
            pub fn fetch_and(&self, val: $t, order: Ordering) -> $t {
                self.rmw(order, Location::caller(), |v| v & val)
            }

            /// Bitwise nand with `val`, returning the previous value.
            #[track_caller]
            pub fn fetch_nand(&self, val: $t, order: Ordering) -> $t {
                self.rmw(order, Location::caller(), |v| !(v & val))
            }

            /// Bitwise or with `val`, returning the previous value.
            #[track_caller]
            pub fn fetch_or(&self, val: $t, order: Ordering) -> $t {
                self.rmw(order, Location::caller(), |v| v | val)
            }

            /// Bitwise xor with `val`, returning the previous value.
            #[track_caller]
            pub fn fetch_xor(&self, val: $t, order: Ordering) -> $t {
                self.rmw(order, Location::caller(), |v| v ^ val)
            }

            /// Maximum with `val`, returning the previous value.
            #[track_caller]
            pub fn fetch_max(&self, val: $t, order: Ordering) -> $t {
                self.rmw(order, Location::caller(), |v| v.max(val))
            }

            /// Minimum with `val`, returning the previous value.
            #[track_caller]
            pub fn fetch_min(&self, val: $t, order: Ordering) -> $t {
                self.rmw(order, Location::caller(), |v| v.min(val))
            }
        }

        impl Default for $name {
            /// An atomic holding zero.
            #[track_caller]
            fn default() -> Self {
                Self::new(0)
            }
        }

        atomic_common!($name, $t);
    };
}

/// `as_ptr` for the types stored in a std atomic.
macro_rules! as_ptr {
    ($($name:ident: $t:ty),*) => {
        $(
            impl $name {
                /// A raw pointer to the value (std's `as_ptr`). Accesses
                /// through it are neither scheduled nor race-checked.
                pub fn as_ptr(&self) -> *mut $t {
                    self.v.as_ptr()
                }
            }
        )*
    };
}

atomic_int!(AtomicI8, i8, std::sync::atomic::AtomicI8);
atomic_int!(AtomicI16, i16, std::sync::atomic::AtomicI16);
atomic_int!(AtomicI32, i32, std::sync::atomic::AtomicI32);
atomic_int!(AtomicI64, i64, std::sync::atomic::AtomicI64);
atomic_int!(AtomicIsize, isize, std::sync::atomic::AtomicIsize);
atomic_int!(AtomicU8, u8, std::sync::atomic::AtomicU8);
atomic_int!(AtomicU16, u16, std::sync::atomic::AtomicU16);
atomic_int!(AtomicU32, u32, std::sync::atomic::AtomicU32);
atomic_int!(AtomicU64, u64, std::sync::atomic::AtomicU64);
atomic_int!(AtomicUsize, usize, std::sync::atomic::AtomicUsize);
// Not in stable std, but in shuttle (its tests use them).
atomic_int!(AtomicI128, i128, Slot<i128>);
atomic_int!(AtomicU128, u128, Slot<u128>);

as_ptr!(
    AtomicI8: i8, AtomicI16: i16, AtomicI32: i32, AtomicI64: i64, AtomicIsize: isize,
    AtomicU8: u8, AtomicU16: u16, AtomicU32: u32, AtomicU64: u64, AtomicUsize: usize
);

mod bool;
mod ptr;

pub use bool::AtomicBool;
pub use ptr::AtomicPtr;
