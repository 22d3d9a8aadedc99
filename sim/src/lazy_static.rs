//! `lazy_static!`'s runtime side: [`initialize`] and [`LazyStatic`].
//!
//! A static declared with [`crate::lazy_static!`] is built on its first
//! use in each execution (fresh in every execution, like a fresh run of the
//! program); a second thread that uses it while the first builds it blocks.
//!
//! ```
//! sim::lazy_static! {
//!     static ref NAMES: Vec<&'static str> = vec!["a", "b"];
//! }
//! sim::model(|| {
//!     sim::lazy_static::initialize(&NAMES);
//!     assert_eq!(NAMES.len(), 2);
//! });
//! ```

/// Implemented by every static that [`crate::lazy_static!`] declares.
pub trait LazyStatic {
    #[doc(hidden)]
    fn initialize(lazy: &Self);
}

/// Builds `lazy` now if it is not built yet in this execution.
#[track_caller]
pub fn initialize<T: LazyStatic>(lazy: &T) {
    LazyStatic::initialize(lazy);
}

/// Declares statics built on first use, once per execution: the
/// `lazy_static` crate's syntax.
///
/// ```
/// use sim::sync::Mutex;
/// sim::lazy_static! {
///     /// Counts calls.
///     pub static ref CALLS: Mutex<u32> = Mutex::new(0);
/// }
/// sim::model(|| {
///     let t = sim::thread::spawn(|| *CALLS.lock().unwrap() += 1);
///     *CALLS.lock().unwrap() += 1;
///     t.join().unwrap();
///     // Fresh in every execution: never more than this execution's 2.
///     assert_eq!(*CALLS.lock().unwrap(), 2);
/// });
/// ```
#[macro_export]
macro_rules! lazy_static {
    ($(#[$attr:meta])* $vis:vis static ref $name:ident : $ty:ty = $init:expr; $($rest:tt)*) => {
        $(#[$attr])*
        #[allow(non_camel_case_types)]
        $vis struct $name {
            __private: (),
        }

        $(#[$attr])*
        $vis static $name: $name = $name { __private: () };

        impl ::core::ops::Deref for $name {
            type Target = $ty;
            #[track_caller]
            fn deref(&self) -> &$ty {
                static LAZY: $crate::sync::Lazy<$ty> = $crate::sync::Lazy::new(|| $init);
                LAZY.get()
            }
        }

        impl $crate::lazy_static::LazyStatic for $name {
            fn initialize(lazy: &Self) {
                let _ = &**lazy;
            }
        }

        $crate::lazy_static!($($rest)*);
    };
    () => {};
}
