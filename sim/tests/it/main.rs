//! The `sim` crate's integration tests, in one binary (shuttle's layout):
//! a module per area, and [`programs`], the test programs that several
//! modules share, each written once.
//!
//! Three tests run in their own process instead, as their own binaries:
//! `tests/env.rs` and `tests/corpus.rs` set process-wide environment
//! variables that `check_random`, `model` and `check_pct` read (here they
//! would change the other tests' runs), and `tests/memory.rs` measures the
//! process's resident memory (here the other tests would move it).

mod programs;

mod atomic;
mod atomic_api;
mod atomic_counts;
mod barrier;
mod cell;
mod condition;
mod core;
#[cfg(unix)]
mod crash;
mod current;
mod dpor_proptest;
mod edges;
mod entry_points;
mod event;
mod exhaustive;
mod exhaustive_split;
mod fairness;
mod future;
mod future_counts;
mod future_sync;
mod fuzz;
mod interrupt;
mod lazy_start;
mod many_threads;
mod merge;
mod misuse;
mod mpsc;
mod notify;
mod parallel;
mod park;
mod process;
mod process_ipc;
mod process_kills;
mod queue;
// Verbatim from the README, formatted as it is there.
#[rustfmt::skip]
mod readme;
mod const_new;
mod scope;
mod semaphore;
mod stack_limit;
mod strategies;
mod surw;
mod sync;
mod sync_barrier;
mod sync_statics;
mod thread;
mod thread_local;
mod timer;
mod timing;
mod trace;
mod watchdog;
