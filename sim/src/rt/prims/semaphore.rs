//! `Semaphore` and `BoundedSemaphore`: a counter that `acquire` decrements
//! (blocking while it is zero) and `release` increments. Every release
//! joins the releaser's clock into the semaphore's; every acquire joins
//! it, with a `Semaphore` edge from the last release (one clock for all
//! releases: CPython's internal lock orders them all anyway).

use std::panic::Location;

use super::super::clock::VectorClock;
use super::super::dependence::Footprint;
use super::super::op::{ObjId, Op, OpResult, Tid};
use super::super::{EdgeKind, Exec};
use super::ObjState;
use crate::failure::FailureKind;

/// The state of a `Semaphore` (`bound: None`) or `BoundedSemaphore`.
#[derive(Debug)]
pub(crate) struct SemState {
    value: u32,
    /// The counter it was created with (the exhaustive search rebuilds the
    /// counter along the event log from it).
    initial: u32,
    bound: Option<u32>,
    /// Joined by every release; joined by every acquire.
    clock: VectorClock,
}

impl SemState {
    /// The counter it was created with.
    pub(crate) fn initial(&self) -> u32 {
        self.initial
    }

    pub(crate) fn kind(&self) -> &'static str {
        if self.bound.is_none() {
            "Semaphore"
        } else {
            "BoundedSemaphore"
        }
    }
}

impl ObjState {
    /// A semaphore with `value` permits; `bound`: a `BoundedSemaphore`.
    pub(crate) fn new_semaphore(value: u32, bound: Option<u32>) -> Self {
        ObjState::Semaphore(SemState {
            value,
            initial: value,
            bound,
            clock: VectorClock::new(),
        })
    }
}

impl Exec {
    pub(super) fn sem_can_complete(&self, op: Op) -> bool {
        match op {
            Op::SemAcquire { sem, .. } => self.objects[sem.index()].state.semaphore().value > 0,
            _ => true,
        }
    }

    pub(super) fn sem_complete(
        &mut self,
        tid: Tid,
        op: Op,
        location: &'static Location<'static>,
    ) -> OpResult {
        match op {
            Op::SemAcquire { sem, .. } => {
                let thread = &mut self.threads[tid];
                let state = self.objects[sem.index()].state.semaphore_mut();
                state.value -= 1;
                thread.clock.join(&state.clock);
                let from = self.objects[sem.index()].released_at;
                self.sync_edge(from, EdgeKind::Semaphore, Some(sem));
                OpResult::Bool(true)
            }
            Op::SemRelease { sem, n } => {
                self.sem_release(tid, sem, n, location);
                OpResult::Unit
            }
            _ => unreachable!("not a Semaphore operation: {op:?}"),
        }
    }

    fn sem_release(&mut self, tid: Tid, sem: ObjId, n: u32, location: &'static Location<'static>) {
        let thread = &mut self.threads[tid];
        let state = self.objects[sem.index()].state.semaphore_mut();
        let error = if n == 0 {
            Some("ValueError: n must be one or more".to_string())
        } else if state
            .bound
            .is_some_and(|b| u64::from(state.value) + u64::from(n) > u64::from(b))
        {
            Some(format!(
                "ValueError: Semaphore released too many times\n  value {} + {n} would exceed \
                 the initial value {}",
                state.value,
                state.bound.unwrap_or_default()
            ))
        } else {
            state.value = state.value.saturating_add(n);
            state.clock.join(&thread.clock);
            thread.clock.tick(tid);
            self.objects[sem.index()].released_at = self.steps;
            None
        };
        if let Some(error) = error {
            let msg = format!(
                "{error}\n  {} released {} at {}",
                self.threads[tid].name,
                self.objects[sem.index()],
                location
            );
            self.fail(FailureKind::Misuse, msg, Some(tid), true);
        }
    }
}

/// Acquires and releases write the semaphore. Not reduced by the optimal
/// DPOR.
pub(crate) fn footprint(op: Op) -> Footprint {
    match op {
        // A blocking acquire is reduced by the optimal DPOR as a lock's is
        // (it waits for the counter to be positive: see
        // `explore/exhaustive/odpor.rs`); a try or timed acquire is not.
        Op::SemAcquire {
            sem,
            deadline: None,
        } => Footprint::writes(sem).reducible(),
        Op::SemAcquire { sem, .. } => Footprint::writes(sem),
        Op::SemRelease { sem, .. } => Footprint::writes(sem).reducible(),
        _ => Footprint::NOTHING,
    }
}
