//! `compat`'s data structures, compiled again in a crate that tests them
//! the way a shuttle user does: the same source files (included with
//! `#[path]`), with this crate's switch, which picks `shuttle::sync` and
//! `shuttle::thread` under `cfg(test)` and `std`'s otherwise. `shuttle` is
//! a dev-dependency renamed to sim.
//!
//! A crate of one's own has one switch and the modules inline; the
//! `#[path]` sharing is only because Cargo does not let one crate depend on
//! sim under both names (see `examples/compat/README.md`).

#![warn(missing_docs)]

#[cfg(test)]
pub(crate) use shuttle::{sync, thread};
#[cfg(not(test))]
pub(crate) use std::{sync, thread};

/// loom's `UnsafeCell` API over `std::cell::UnsafeCell` (shuttle has no
/// `cell` module, so a shuttle user keeps std's cell: not race-checked).
pub mod cell {
    /// `std::cell::UnsafeCell` with closure-based accessors.
    #[derive(Debug, Default)]
    pub struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        /// A cell holding `data`.
        pub const fn new(data: T) -> UnsafeCell<T> {
            UnsafeCell(std::cell::UnsafeCell::new(data))
        }

        /// Calls `f` with a shared pointer to the contents.
        pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        /// Calls `f` with a mutable pointer to the contents.
        pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

#[path = "../../compat/src/counter.rs"]
pub mod counter;
#[path = "../../compat/src/lazy.rs"]
pub mod lazy;
#[path = "../../compat/src/queue.rs"]
pub mod queue;
#[path = "../../compat/src/ring.rs"]
pub mod ring;
#[path = "../../compat/src/sum.rs"]
pub mod sum;

#[cfg(test)]
mod shuttle_tests;
