//! `AtomicBool`, on the common machinery of the parent module.

use super::*;

/// std's `AtomicBool`, simulated: each operation is a scheduling point with
/// C11 happens-before (see the [module docs](self)).
///
/// ```
/// use std::sync::Arc;
/// use sim::sync::atomic::{AtomicBool, Ordering::{Acquire, Release}};
///
/// sim::model(|| {
///     let ready = Arc::new(AtomicBool::new(false));
///     let r = ready.clone();
///     let t = sim::thread::spawn(move || r.store(true, Release));
///     let seen = ready.load(Acquire);
///     t.join().unwrap();
///     assert!(ready.load(Acquire));
///     let _ = seen;
/// });
/// ```
pub struct AtomicBool {
    obj: Obj,
    v: std::sync::atomic::AtomicBool,
}

impl AtomicBool {
    /// A new atomic holding `v` (a `const fn`, as std's: a `static` atomic
    /// works; not a scheduling point).
    ///
    /// ```
    /// use sim::sync::atomic::{AtomicBool, Ordering::SeqCst};
    /// static STOP: AtomicBool = AtomicBool::new(false);
    /// sim::model(|| {
    ///     STOP.store(false, SeqCst); // the value is kept between executions
    ///     let t = sim::thread::spawn(|| STOP.store(true, SeqCst));
    ///     t.join().unwrap();
    ///     assert!(STOP.load(SeqCst));
    /// });
    /// ```
    #[track_caller]
    pub const fn new(v: bool) -> Self {
        AtomicBool {
            obj: Obj::new(Location::caller()),
            v: std::sync::atomic::AtomicBool::new(v),
        }
    }

    /// Logical and with `val`, returning the previous value.
    #[track_caller]
    pub fn fetch_and(&self, val: bool, order: Ordering) -> bool {
        self.rmw(order, Location::caller(), |v| v & val)
    }

    /// Logical nand with `val`, returning the previous value.
    #[track_caller]
    pub fn fetch_nand(&self, val: bool, order: Ordering) -> bool {
        self.rmw(order, Location::caller(), |v| !(v & val))
    }

    /// Logical or with `val`, returning the previous value.
    #[track_caller]
    pub fn fetch_or(&self, val: bool, order: Ordering) -> bool {
        self.rmw(order, Location::caller(), |v| v | val)
    }

    /// Logical xor with `val`, returning the previous value.
    #[track_caller]
    pub fn fetch_xor(&self, val: bool, order: Ordering) -> bool {
        self.rmw(order, Location::caller(), |v| v ^ val)
    }

    /// Logical not, returning the previous value.
    #[track_caller]
    pub fn fetch_not(&self, order: Ordering) -> bool {
        self.rmw(order, Location::caller(), |v| !v)
    }
}

impl Default for AtomicBool {
    /// An atomic holding `false`.
    #[track_caller]
    fn default() -> Self {
        Self::new(false)
    }
}

atomic_common!(AtomicBool, bool);

as_ptr!(AtomicBool: bool);
