//! The runtime: one execution of a scenario on green threads and a virtual
//! clock.
//!
//! The runtime knows nothing of exploration strategies. It asks a
//! [`Scheduler`] one question, "which of these enabled threads next?", and
//! otherwise runs the execution: it keeps every thread's pending operation,
//! decides which are enabled, advances the virtual clock when none is,
//! performs the chosen operation (updating object state and vector clocks,
//! checking for races and misuse), and resumes the chosen thread until it
//! announces its next operation.
//!
//! The runtime by concern:
//!
//! - `exec.rs`: the data model, [`Exec`] and its records, in a thread-local;
//! - `enabled.rs`: the enabled set as specified; `fast.rs`: its fast
//!   paths, checked against it in debug builds;
//! - `fairness.rs`: the exhaustive searches' fairness rule, a filter on
//!   the enabled set;
//! - `step.rs`: performing one step; `run.rs`: the run loop and teardown;
//! - `watchdog.rs`: the wall-clock watchdog, which only observes;
//!   `panics.rs`: the panic hook, and the report of a panic in a
//!   destructor during unwinding (an abort);
//! - `prims/`: one file a primitive (state, enabledness, effects, edges,
//!   timeouts, misuse, deadlock text, dependence footprint), and
//!   `process.rs` for processes; `dependence.rs`: the one dependence
//!   relation, from the footprints; `deadlock.rs`: deadlock reports;
//! - `binding.rs`: the link of a std-shaped handle (built by a `const fn`,
//!   perhaps in a `static`) to a fresh object in each execution;
//! - `api.rs`: the narrow interface everything outside `rt` uses
//!   ([`op`] to announce an operation, [`new_object`] to register a
//!   primitive's state, and named queries; `api_task.rs` for
//!   `sim::future`, `api_current.rs` for `sim::current`);
//! - `green.rs`: the coroutines, the stack-overflow handler and the watchdog's `Heartbeat`, the
//!   runtime's only `unsafe` (and the soundness argument of scoped threads); `locals.rs`: green-thread-local
//!   storage; `clock/` (dense inline clocks, shared tries past 16
//!   threads), `race.rs`: vector clocks and access histories; `op.rs`: the
//!   operations.

mod api;
mod api_current;
mod api_task;
pub(crate) mod binding;
pub(crate) mod clock;
mod deadlock;
pub(crate) mod dependence;
mod enabled;
mod exec;
mod fairness;
mod fast;
#[allow(unsafe_code)]
pub(crate) mod green;
pub(crate) mod locals;
pub(crate) mod object;
pub(crate) mod op;
mod panics;
pub(crate) mod prims;
pub(crate) mod process;
pub(crate) mod race;
mod run;
mod statics;
mod step;
#[cfg(test)]
mod tests;
pub(crate) mod watchdog;

use op::{Nanos, Op, Tid};

pub(crate) use crate::trace::EdgeKind;
pub(crate) use api::*;
pub(crate) use api_current::*;
pub(crate) use api_task::*;
pub(crate) use exec::*;
pub(crate) use run::{
    install_green, install_green_scoped, install_green_sized, run_execution, with_exec,
};
pub(crate) use statics::{arc_created, arc_freed, forget_static, static_state, StaticInit};

/// The question a strategy answers.
pub(crate) trait Scheduler {
    /// Picks one of `enabled` (never empty) to run next; returns its index.
    fn choose(&mut self, enabled: &[Candidate]) -> usize;

    /// Whether [`Scheduler::choose`] is also called when only one thread
    /// is enabled (a strategy that follows every event, such as exhaustive
    /// exploration, which then sees step `i` as its `i`-th call).
    fn observes_every_step(&self) -> bool {
        false
    }

    /// The virtual time at which the candidates of the next
    /// [`Scheduler::choose`] would run; called before it, and only for a
    /// scheduler that [observes every step](Scheduler::observes_every_step).
    fn observe_now(&mut self, _now: Nanos) {}

    /// The seed of `sim::rand`'s values in this execution (the random
    /// strategies' execution seed, so that its token replays them; 0 for
    /// the searches, whose values follow the schedule alone).
    fn rng_seed(&self) -> u64 {
        0
    }
}

/// An enabled thread and the operation it would perform.
///
/// A thread may appear twice in one choice: once to complete its operation
/// and once to time out (a timed wait under adversarial timing). Under
/// `Timing::Exact` a timed operation is one candidate: it times out only when
/// its deadline has passed and it cannot complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub(crate) tid: Tid,
    pub(crate) op: Op,
    /// Whether performing this candidate makes the operation time out.
    pub(crate) timeout: bool,
}

/// Threads [`Exec::compute_plain`] can handle: one bit each in
/// `StepCache::live_mask`. Programs with more use the general computation.
const LIVE_BITS: usize = 64;

/// Settings of one execution.
#[derive(Debug, Clone)]
pub(crate) struct ExecConfig {
    pub(crate) max_steps: u64,
    /// Whether reaching `max_steps` is a `StepLimit` failure; else the
    /// execution just ends there, as a pass (`Builder::step_limit_fails`).
    pub(crate) step_limit_fails: bool,
    pub(crate) race_detection: bool,
    pub(crate) stack_size: usize,
    /// Record each event's vector clock in `Log::clocks`. Off on the
    /// exploration hot path (it allocates per step); on when a trace is built.
    pub(crate) record_clocks: bool,
    /// Keep the event log (`Log::events`) and the happens-before edges
    /// (`Log::edges`): traces and the exhaustive searches need them. The
    /// random strategies run without (only `Log::path_hash` follows the
    /// path) and replay a failing execution with them to build its trace.
    pub(crate) record_events: bool,
    /// `Timing::Adversarial`: a sleep is a yield plus a lower bound on the
    /// clock, a timed wait may time out at any scheduling point.
    pub(crate) adversarial: bool,
    /// Whether a condition wait may wake up without a notify.
    pub(crate) spurious_wakeups: bool,
    /// Whether a `park` may return without an unpark (implied by
    /// `spurious_wakeups`).
    pub(crate) spurious_parks: bool,
    /// Whether a spawned thread starts at a scheduling point of its own
    /// (`Builder::lazy_start`) rather than at once, with its spawn.
    pub(crate) lazy_start: bool,
    /// `Faults::Kill { max }`: how many processes the explorer may kill.
    pub(crate) kill_max: u32,
    /// Virtual time an IPC send costs its sender (`Builder::ipc_latency`).
    pub(crate) ipc_latency: Nanos,
    /// Whether a spawned thread's panic fails the execution (else `join`
    /// returns it as `Err` and the program goes on: `Builder::thread_panics_fail`).
    pub(crate) thread_panics_fail: bool,
    /// The fairness rule of the exhaustive searches (see `rt/fairness.rs`):
    /// a thread that yielded is not scheduled again while a thread that
    /// could run when it yielded can still run and has not stepped since.
    pub(crate) yield_fairness: bool,
    /// The watchdog's limit in milliseconds (0: off): see `rt/watchdog.rs`.
    pub(crate) watchdog_ms: u64,
}
