//! The notebook's programs as `sim` scenarios.
//!
//! Each scenario is a faithful Rust port of one program of
//! `shared/notebook/threading-and-multiprocessing.md`: same threads, names,
//! delays and prints (via `sim::println!`), with the notebook cell it comes
//! from and its expected verdict under each timing model.
//!
//! ```
//! let s = scenarios::find("lock_order").unwrap();
//! assert_eq!(s.exact, scenarios::Expected::Failure(sim::FailureKind::Deadlock));
//! let report = sim::Builder::new().executions(s.executions).explore(s.body);
//! assert!(s.exact.matches(&report));
//! ```

mod barrier;
mod condition;
mod event;
mod gil;
mod lock;
mod lock_order;
mod print_time;
mod processes;
mod registry;
mod rlock;
mod semaphore;
mod timer;
mod verdict;

pub use processes::POOL_RANGE;
pub use registry::{all, faults, find, strip_ctime, Proof, Scenario, EXHAUSTIVE_BUDGET};
pub use verdict::{Expected, KillVerdict};

/// The Unix time (UTC) the notebook's first thread program ran at, used as
/// the virtual clock's epoch so that ported prints read like the notebook's.
pub const NOTEBOOK_EPOCH: u64 = 1_536_079_488; // Tue Sep  4 16:44:48 2018
