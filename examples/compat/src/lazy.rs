//! Double-checked lazy initialisation: an Acquire load of a flag on the
//! fast path, a `Mutex` around the initialisation on the slow one, and a
//! Release store of the flag after the value is written.
//!
//! ```
//! let lazy = compat::lazy::Lazy::new();
//! assert_eq!(lazy.get(), None);
//! assert_eq!(*lazy.get_or_init(|| 7), 7);
//! assert_eq!(*lazy.get_or_init(|| 8), 7);
//! ```

use crate::cell::UnsafeCell;
use crate::sync::atomic::{AtomicBool, Ordering};
use crate::sync::Mutex;

/// A value built once, by the first caller of
/// [`get_or_init`](Self::get_or_init); later callers only read it.
#[derive(Debug)]
pub struct Lazy<T> {
    ready: AtomicBool,
    init: Mutex<()>,
    value: UnsafeCell<Option<T>>,
}

// SAFETY: `value` is written once, under `init` and before the Release
// store of `ready`; it is read only after an Acquire load of `ready` saw
// true (or under `init` after that store), so no read overlaps the write.
unsafe impl<T: Send + Sync> Sync for Lazy<T> {}
// SAFETY: `Lazy` owns its value.
unsafe impl<T: Send> Send for Lazy<T> {}

impl<T> Lazy<T> {
    /// An uninitialised value.
    pub fn new() -> Lazy<T> {
        Lazy {
            ready: AtomicBool::new(false),
            init: Mutex::new(()),
            value: UnsafeCell::new(None),
        }
    }

    /// The value, if it is built.
    pub fn get(&self) -> Option<&T> {
        if self.ready.load(Ordering::Acquire) {
            Some(self.read())
        } else {
            None
        }
    }

    /// The value, built by `f` if nobody has built it yet (`f` runs at most
    /// once per `Lazy`).
    pub fn get_or_init(&self, f: impl FnOnce() -> T) -> &T {
        if !self.ready.load(Ordering::Acquire) {
            let _guard = self.init.lock().unwrap();
            // Under the lock: whoever set `ready` did so under it too.
            if !self.ready.load(Ordering::Relaxed) {
                let value = f();
                // SAFETY: no reader yet (`ready` is false) and we hold `init`.
                self.value.with_mut(|p| unsafe { *p = Some(value) });
                self.ready.store(true, Ordering::Release);
            }
        }
        self.read()
    }

    fn read(&self) -> &T {
        // SAFETY: `ready` was seen true with Acquire (or under the lock), so
        // the write happened before and no write comes after.
        self.value
            .with(|p| unsafe { (*p).as_ref() })
            .expect("read only once ready")
    }
}

impl<T> Default for Lazy<T> {
    fn default() -> Self {
        Lazy::new()
    }
}
