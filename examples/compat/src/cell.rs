//! `UnsafeCell` with loom's API (`with`, `with_mut`): loom's own (sim's,
//! race-checked) under `cfg(test)`, a zero-cost shim over
//! `std::cell::UnsafeCell` otherwise (the shim loom's documentation
//! suggests).
//!
//! ```
//! let c = compat::cell::UnsafeCell::new(1);
//! c.with_mut(|p| unsafe { *p += 1 });
//! assert_eq!(c.with(|p| unsafe { *p }), 2);
//! ```

#[cfg(test)]
pub use loom::cell::UnsafeCell;

/// `std::cell::UnsafeCell` with loom's closure-based accessors.
#[cfg(not(test))]
#[derive(Debug, Default)]
pub struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(test))]
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
