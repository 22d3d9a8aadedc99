//! `sim::cell::UnsafeCell` (and `sim::cell::Cell`, built on it): data
//! whose every access is checked for races against the cell's access
//! history (FastTrack, `rt/race.rs`, as for `Shared`), but is **not** a
//! scheduling point.
//!
//! Why not: a data race is a fact of happens-before, which the
//! synchronisation operations alone decide, and every interleaving of
//! those shows it; interleaving points at data accesses would multiply the
//! executions without finding another race. (The values read can differ
//! between interleavings only when accesses race, and then the race is the
//! failure.) This is loom's choice too. The value lives in the handle.

use std::panic::Location;

use super::super::op::{ObjId, Tid};
use super::super::race::{Access, AccessHistory, Race};
use super::super::{EdgeKind, Exec};
use super::ObjState;
use crate::failure::FailureKind;

/// The state of a cell: its name (`UnsafeCell`, `Cell`) and access history.
#[derive(Debug)]
pub(crate) struct CellState {
    name: &'static str,
    history: AccessHistory,
}

impl ObjState {
    /// A fresh cell of type `name`.
    pub(crate) fn new_cell(name: &'static str) -> Self {
        ObjState::Cell(CellState {
            name,
            history: AccessHistory::default(),
        })
    }
}

impl CellState {
    /// The type's name.
    pub(crate) fn kind(&self) -> &'static str {
        self.name
    }
}

impl Exec {
    /// When an access that is not a scheduling point was made: after the
    /// last event of its thread (its `step`), or before its first.
    pub(in crate::rt) fn access_when(&self, a: Access) -> String {
        match a.step {
            0 => "before its first operation".to_string(),
            step => format!("after step {step}"),
        }
    }

    /// The trace's `Race` edge between the events the two accesses follow
    /// (none when one of them came before its thread's first event: the
    /// message still names both).
    pub(in crate::rt) fn race_edge(&mut self, race: Race, object: ObjId) {
        if race.earlier.step != 0 && race.later.step != 0 {
            // The running thread's last event is the execution's last.
            debug_assert_eq!(race.later.step, self.steps);
            self.sync_edge(race.earlier.step, EdgeKind::Race, Some(object));
        }
    }

    /// Records a read or write of `cell` by the running thread `tid` (at
    /// its last event); a race with an earlier access not ordered before
    /// it is a `DataRace` failure.
    pub(in crate::rt) fn cell_access(
        &mut self,
        tid: Tid,
        cell: ObjId,
        write: bool,
        location: &'static Location<'static>,
    ) {
        if !self.cfg.race_detection {
            return;
        }
        let thread = &self.threads[tid];
        let access = Access {
            tid,
            epoch: thread.clock.get(tid),
            step: thread.last_step,
            write,
            location,
        };
        let race = self.objects[cell.index()]
            .state
            .cell_mut()
            .history
            .record(access, &thread.clock);
        if let Some(race) = race {
            self.cell_race(tid, cell, race);
        }
    }

    #[cold]
    #[inline(never)]
    fn cell_race(&mut self, tid: Tid, cell: ObjId, race: Race) {
        self.race_edge(race, cell);
        let describe = |a: Access| {
            format!(
                "{} by {} at {} ({})",
                if a.write { "write" } else { "read" },
                self.threads[a.tid].name,
                a.location,
                self.access_when(a)
            )
        };
        let msg = format!(
            "data race on {}:\n  {}\n  {}\n  are not ordered by happens-before (no lock, join, spawn \
             or Acquire/Release atomic orders them)",
            self.objects[cell.index()],
            describe(race.earlier),
            describe(race.later)
        );
        let key = format!(
            "{} {}:{} {}:{}",
            self.objects[cell.index()].created_at,
            race.earlier.write,
            race.earlier.location,
            race.later.write,
            race.later.location
        );
        self.fail_keyed(FailureKind::DataRace, msg, key, Some(tid), true);
    }
}
