//! `sim::thread_local!` and [`LocalKey`]: std's thread-local storage, per
//! green thread and per execution (the storage is `rt/locals.rs`).

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

use crate::rt;

/// Declares green-thread-local statics, as std's `thread_local!`: each
/// green thread of each execution has its own value, created on first
/// access, dropped when the thread exits (on the thread: a destructor may
/// use sim operations; the scenario's main thread's at the end of its
/// closure). Accepts attributes, visibility, several items and
/// `const { ... }` initialisers.
///
/// ```
/// use std::cell::{Cell, RefCell};
/// sim::thread_local! {
///     static COUNT: Cell<u32> = const { Cell::new(0) };
///     /// Documented, and public.
///     pub static NAMES: RefCell<Vec<String>> = RefCell::new(Vec::new());
/// }
/// sim::check_random(|| {
///     COUNT.set(COUNT.get() + 1);
///     let h = sim::thread::spawn(|| COUNT.get());
///     assert_eq!(h.join().unwrap(), 0); // a fresh value in the new thread
///     assert_eq!(COUNT.get(), 1); // and in every execution
///     NAMES.with_borrow_mut(|n| n.push("x".into()));
/// }, 10);
/// ```
#[macro_export]
macro_rules! thread_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const $init:block; $($rest:tt)*) => {
        $crate::thread_local!($(#[$attr])* $vis static $name: $t = $init; $($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const $init:block) => {
        $crate::thread_local!($(#[$attr])* $vis static $name: $t = $init);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr; $($rest:tt)*) => {
        $crate::thread_local!($(#[$attr])* $vis static $name: $t = $init);
        $crate::thread_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr) => {
        $(#[$attr])* $vis static $name: $crate::thread::LocalKey<$t> =
            $crate::thread::LocalKey::new(|| $init);
    };
}

/// A green-thread-local value, declared with
/// [`thread_local!`](crate::thread_local); std's `LocalKey`.
pub struct LocalKey<T: 'static> {
    init: fn() -> T,
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalKey").finish_non_exhaustive()
    }
}

/// The error of [`LocalKey::try_with`] on a value being, or already,
/// destroyed (during its thread's exit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccessError;

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("already destroyed")
    }
}

impl std::error::Error for AccessError {}

impl<T: 'static> LocalKey<T> {
    /// The key of a value made by `init`. Use
    /// [`thread_local!`](crate::thread_local) instead.
    #[doc(hidden)]
    pub const fn new(init: fn() -> T) -> LocalKey<T> {
        LocalKey { init }
    }

    /// The current thread's value, made with `init` on first access.
    fn value(&'static self, init: impl FnOnce() -> T) -> Result<Rc<dyn Any>, AccessError> {
        let key = self as *const LocalKey<T> as usize;
        rt::local(key, || Rc::new(init()) as Rc<dyn Any>).map_err(|_| AccessError)
    }

    /// Runs `f` with the current thread's value (not a scheduling point).
    /// Panics during or after the value's destruction.
    ///
    /// ```
    /// use std::cell::RefCell;
    /// sim::thread_local!(static LOG: RefCell<Vec<u32>> = RefCell::new(vec![1]));
    /// sim::check_random(|| {
    ///     LOG.with(|l| l.borrow_mut().push(2));
    ///     assert_eq!(LOG.with(|l| l.borrow().clone()), [1, 2]);
    /// }, 5);
    /// ```
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        self.try_with(f).expect(
            "cannot access a Thread Local Storage value during or after destruction: AccessError",
        )
    }

    /// Runs `f` with the current thread's value, or gives [`AccessError`]
    /// during or after its destruction.
    ///
    /// ```
    /// sim::thread_local!(static X: u8 = 7);
    /// sim::check_random(|| assert_eq!(X.try_with(|x| *x), Ok(7)), 1);
    /// ```
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        let value = self.value(self.init)?;
        let value = value
            .downcast_ref::<T>()
            .expect("sim: internal error: a thread-local of another type");
        Ok(f(value))
    }

    /// The current thread's value, initialised with `given` instead of the
    /// initialiser if it has none; `given` is handed back if it was not
    /// used.
    fn value_or_init_with(&'static self, given: T) -> (Rc<dyn Any>, Option<T>) {
        let mut given = Some(given);
        let value = self
            .value(|| given.take().expect("sim: internal error: initialised twice"))
            .expect(
                "cannot access a Thread Local Storage value during or after destruction: AccessError",
            );
        (value, given)
    }
}

impl<T: 'static> LocalKey<Cell<T>> {
    /// Sets the value (initialising it with `value`, without running the
    /// initialiser, if the thread has none yet).
    ///
    /// ```
    /// use std::cell::Cell;
    /// sim::thread_local!(static X: Cell<u32> = panic!("not run"));
    /// sim::check_random(|| { X.set(3); assert_eq!(X.get(), 3); }, 1);
    /// ```
    pub fn set(&'static self, value: T) {
        let (cell, unused) = self.value_or_init_with(Cell::new(value));
        if let Some(value) = unused {
            cell.downcast_ref::<Cell<T>>()
                .expect("sim: internal error: a thread-local of another type")
                .set(value.into_inner());
        }
    }

    /// A copy of the value.
    pub fn get(&'static self) -> T
    where
        T: Copy,
    {
        self.with(Cell::get)
    }

    /// Takes the value, leaving `Default::default()`.
    pub fn take(&'static self) -> T
    where
        T: Default,
    {
        self.with(Cell::take)
    }

    /// Replaces the value, returning the old one.
    pub fn replace(&'static self, value: T) -> T {
        self.with(|cell| cell.replace(value))
    }
}

impl<T: 'static> LocalKey<RefCell<T>> {
    /// Runs `f` with a shared borrow of the value.
    ///
    /// ```
    /// use std::cell::RefCell;
    /// sim::thread_local!(static V: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) });
    /// sim::check_random(|| {
    ///     V.with_borrow_mut(|v| v.push(1));
    ///     V.set(vec![4, 5]);
    ///     assert_eq!(V.with_borrow(|v| v.len()), 2);
    ///     assert_eq!(V.take(), [4, 5]);
    ///     assert_eq!(V.replace(vec![9]), Vec::<u8>::new());
    /// }, 1);
    /// ```
    pub fn with_borrow<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        self.with(|cell| f(&cell.borrow()))
    }

    /// Runs `f` with a mutable borrow of the value.
    pub fn with_borrow_mut<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&mut T) -> R,
    {
        self.with(|cell| f(&mut cell.borrow_mut()))
    }

    /// Sets the value (initialising it with `value`, without running the
    /// initialiser, if the thread has none yet).
    pub fn set(&'static self, value: T) {
        let (cell, unused) = self.value_or_init_with(RefCell::new(value));
        if let Some(value) = unused {
            *cell
                .downcast_ref::<RefCell<T>>()
                .expect("sim: internal error: a thread-local of another type")
                .borrow_mut() = value.into_inner();
        }
    }

    /// Takes the value, leaving `Default::default()`.
    pub fn take(&'static self) -> T
    where
        T: Default,
    {
        self.with(RefCell::take)
    }

    /// Replaces the value, returning the old one.
    pub fn replace(&'static self, value: T) -> T {
        self.with(|cell| cell.replace(value))
    }
}
