//! Small concurrent data structures written against `std`, as a crate that
//! tests them with loom would write them:
//!
//! - [`queue::BoundedQueue`]: a blocking bounded queue (`Mutex` + two `Condvar`s),
//! - [`counter::Counter`]: a lock-free counter (a `compare_exchange_weak` loop),
//! - [`ring`]: a single-producer single-consumer ring buffer (atomics, and
//!   `UnsafeCell` slots accessed through loom's `with`/`with_mut`),
//! - [`lazy::Lazy`]: a double-checked lazy initialisation (an Acquire/Release
//!   flag on the fast path, a `Mutex` on the slow one),
//! - [`sum::parallel_sum`]: a parallel sum over scoped threads.
//!
//! The modules import their primitives from this crate's root, never from
//! `std` directly: `crate::sync`, `crate::thread` and `crate::cell` are
//! `std`'s in a normal build and `loom`'s when the crate is compiled for its
//! own tests (`cfg(test)`). `loom` is a dev-dependency renamed to sim
//! (`loom = { package = "sim", ... }` in `Cargo.toml`), so the tests in
//! `loom_tests.rs` are plain loom tests that sim runs. See `README.md`.
//!
//! ```
//! let q = compat::queue::BoundedQueue::new(2);
//! q.push(1).unwrap();
//! assert_eq!(q.pop(), Some(1));
//! assert_eq!(compat::sum::parallel_sum(&[1, 2, 3, 4], 2), 10);
//! ```

#![warn(missing_docs)]

// The switch (loom's own recommendation, with `cfg(test)` instead of
// `cfg(loom)` so that a plain `cargo test` runs the models, no RUSTFLAGS).
#[cfg(test)]
pub(crate) use loom::{sync, thread};
#[cfg(not(test))]
pub(crate) use std::{sync, thread};

pub mod cell;
pub mod counter;
pub mod lazy;
pub mod queue;
pub mod ring;
pub mod sum;

#[cfg(test)]
mod loom_readme;
#[cfg(test)]
mod loom_tests;
