//! `Shared<T>` variables: each read and write is a scheduling point, checked
//! for data races against the variable's access history (FastTrack-style,
//! `rt/race.rs`). The value itself lives in the handle.

use std::panic::Location;

use super::super::dependence::Footprint;
use super::super::op::{ObjId, Op, Tid};
use super::super::race::{Access, AccessHistory, Race};
use super::super::{EdgeKind, Exec};
use super::ObjState;
use crate::failure::FailureKind;

/// The state of a `Shared` variable: its access history.
#[derive(Debug, Default)]
pub(crate) struct SharedState {
    history: AccessHistory,
}

impl ObjState {
    /// A fresh `Shared` variable.
    pub(crate) fn new_shared() -> Self {
        ObjState::Shared(SharedState::default())
    }
}

impl Exec {
    /// Records a read or write of `var` by `tid`; a race with an earlier
    /// access not ordered before it is a `DataRace` failure.
    #[inline(always)]
    pub(in crate::rt) fn shared_access(
        &mut self,
        tid: Tid,
        var: ObjId,
        write: bool,
        location: &'static Location<'static>,
    ) {
        let thread = &self.threads[tid];
        let access = Access {
            tid,
            epoch: thread.clock.get(tid),
            step: self.steps,
            write,
            location,
        };
        let race = self.objects[var.index()]
            .state
            .shared_mut()
            .history
            .record(access, &thread.clock);
        if let Some(race) = race {
            self.data_race(tid, var, race);
        }
    }

    #[cold]
    #[inline(never)]
    fn data_race(&mut self, tid: Tid, var: ObjId, race: Race) {
        self.sync_edge(race.earlier.step, EdgeKind::Race, Some(var));
        let msg = self.race_message(var, race);
        let key = format!(
            "{} {}:{} {}:{}",
            self.objects[var.index()].created_at,
            race.earlier.write,
            race.earlier.location,
            race.later.write,
            race.later.location
        );
        self.fail_keyed(FailureKind::DataRace, msg, key, Some(tid), true);
    }

    fn race_message(&self, var: ObjId, race: Race) -> String {
        let describe = |a: Access| {
            format!(
                "{} by {} at {} (step {})",
                if a.write { "write" } else { "read" },
                self.threads[a.tid].name,
                a.location,
                a.step
            )
        };
        format!(
            "data race on {}:\n  {}\n  {}\n  are not ordered by happens-before (no lock, join or spawn orders them)",
            self.objects[var.index()],
            describe(race.earlier),
            describe(race.later)
        )
    }
}

/// A read reads the variable, a write writes it; both are reduced.
pub(crate) fn footprint(op: Op) -> Footprint {
    match op {
        Op::Read { var } => Footprint::reads(var).reducible(),
        Op::Write { var } => Footprint::writes(var).reducible(),
        _ => Footprint::NOTHING,
    }
}
