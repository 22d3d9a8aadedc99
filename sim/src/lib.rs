//! # sim: a deterministic concurrency simulator
//!
//! `sim` runs concurrent code on green threads under a scheduler it
//! controls, on a virtual clock, and explores the interleavings the code can
//! have. It finds deadlocks, data races, misuse of primitives and panics,
//! and every failure comes with a token that replays it exactly.
//!
//! The primitives are Python's (`Lock`, `RLock`, ...), with Python's
//! semantics, so that the programs of a Python threading notebook can be
//! ported line by line.
//!
//! ```
//! use sim::threading::Lock;
//! use sim::{Builder, FailureKind, Shared};
//!
//! // Two threads increment a shared counter under a lock: no failure.
//! sim::check_random(|| {
//!     let lock = Lock::new();
//!     let count = Shared::new(0);
//!     let handles: Vec<_> = (0..2)
//!         .map(|_| {
//!             let count = count.clone();
//!             sim::thread::spawn(move || {
//!                 let _g = lock.lock();
//!                 count.set(count.get() + 1);
//!             })
//!         })
//!         .collect();
//!     for h in handles {
//!         h.join().unwrap();
//!     }
//!     assert_eq!(count.get(), 2);
//! }, 1000);
//! ```
//!
//! Python's names for Python's primitives: [`threading`] (`Lock`, `RLock`,
//! `Condition`, `Semaphore`, `Event`, `Timer`, `Barrier`, `Thread`),
//! [`queue`] (`Queue`) and [`multiprocessing`] (processes and their IPC).
//! [`thread`] spawns and joins green threads the Rust way, [`time`] is the
//! virtual clock and [`Shared`] a race-checked shared variable.
//!
//! Start reading at [`Builder`] (how to run), [`threading`] and [`Shared`]
//! (what scenarios use), and `ARCHITECTURE.md` for the inside.

// Written invariants as compiler checks: `unsafe` only in `rt::green`
// (the coroutines and their stacks), which allows it explicitly; every
// public item documented and `Debug`.
#![deny(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]

pub mod cell;
pub mod current;
mod explore;
mod failure;
pub mod future;
pub mod hint;
pub mod lazy_static;
pub mod model;
pub mod multiprocessing;
mod output;
pub mod queue;
pub mod rand;
pub(crate) mod rt;
mod runner;
pub mod scheduler;
mod shared;
pub mod sync;
pub mod thread;
pub mod threading;
pub mod time;
mod trace;

// The README's Rust blocks, as doctests (compiled only by `cargo test
// --doc`, so the rendered docs do not show them twice).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
mod readme {}

pub use explore::{
    check, check_dfs, check_pct, check_random, check_random_with_seed, model, replay, Builder,
    Progress, Report, Shard, ShardError, Strategy, Timing, TokenError, DEFAULT_MAX_STEPS,
    DEFAULT_SEED, PROGRESS_EVERY,
};
pub use failure::{Failure, FailureKind};
pub use multiprocessing::Faults;
pub use rt::green::DEFAULT_STACK_SIZE;
pub use runner::{Config, FailurePersistence, MaxSteps, PortfolioRunner, Runner};
pub use shared::Shared;
pub use trace::{
    EdgeKind, HbGraph, Trace, TraceEdge, TraceError, TraceEvent, TraceFailure, TraceObject,
    TraceOutput, TraceParseError, TracePending, TRACE_FORMAT_VERSION,
};

#[doc(hidden)]
pub use output::print_fmt as __print_fmt;
