//! The runtime's interface for `sim::current` (shuttle's `current`
//! module): what it reads of the running execution; and the acquire of a
//! once-cell seen initialised. Nothing here is a scheduling point.

use super::op::{ObjId, Op, Tid};
use super::{with_current, with_current_for, EXEC};

/// The running thread, or `None` outside an execution (or during its
/// teardown).
pub(crate) fn current_tid() -> Option<Tid> {
    EXEC.with(|e| {
        let e = e.borrow();
        (e.active && !e.tearing_down).then_some(e.current)
    })
}

/// The execution's serial, or `None` outside an execution.
pub(crate) fn current_serial() -> Option<u64> {
    EXEC.with(|e| {
        let e = e.borrow();
        e.active.then_some(e.serial)
    })
}

/// Operations performed so far in the execution.
#[track_caller]
pub(crate) fn steps(what: &str) -> u64 {
    with_current_for(what, |e| e.steps)
}

/// Whether `tid` is a thread of the running execution.
#[track_caller]
pub(crate) fn thread_exists(tid: Tid, what: &str) -> bool {
    with_current_for(what, |e| tid < e.threads.len())
}

/// Thread `tid`'s vector clock as shuttle reports it: entry `t` counts the
/// epochs of `t` that `tid` has seen, `tid`'s own entry 0 until its first
/// event (sim's own entry starts at 1; see `clock/mod.rs`).
#[track_caller]
pub(crate) fn thread_clock(tid: Tid, what: &str) -> Vec<u32> {
    with_current_for(what, |e| {
        let n = e.threads.len();
        let thread = &e.threads[tid];
        let mut entries: Vec<u32> = (0..n).map(|t| thread.clock.get(t)).collect();
        // Until its first operation: a spawned thread runs its start step's
        // code (its pending operation is still `Start`).
        if thread.last_step == 0 || matches!(thread.pending, Op::Start) {
            entries[tid] = 0;
        }
        entries
    })
}

/// Makes the step limit count from now: the execution may perform its
/// whole `max_steps` budget again (`original`: the budget, kept by the
/// caller across calls in one execution).
#[track_caller]
pub(crate) fn restart_step_budget(original: &mut Option<u64>, what: &str) {
    with_current_for(what, |e| {
        let budget = *original.get_or_insert(e.cfg.max_steps);
        e.cfg.max_steps = e.steps.saturating_add(budget);
    })
}

/// The running thread, right after its `LockLocked` of `lock` (a
/// once-cell's lock) found it free with the cell set, acquires what the
/// initialiser released: a completed `Once` happens before every call that
/// sees it completed, as in std. Part of that event (no step of its own):
/// for the dependence relation it is the read of the lock it already is.
pub(crate) fn lock_observed_free(lock: ObjId) {
    with_current(|e| {
        let tid = e.current;
        e.lock_join_released(tid, lock);
    })
}
