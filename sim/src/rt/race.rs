//! Data-race detection on `Shared` variables, FastTrack style.
//!
//! Each variable remembers its last write as an *epoch* (thread, clock) and
//! its reads since that write: a single epoch in the common case, one epoch
//! per reading thread once reads are concurrent. Checking an access is O(1)
//! except for a write after concurrent reads, which is O(readers).

use std::panic::Location;

use smallvec::SmallVec;

use super::clock::VectorClock;
use super::op::Tid;

/// One remembered access.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Access {
    pub(crate) tid: Tid,
    pub(crate) epoch: u32,
    pub(crate) step: u64,
    pub(crate) write: bool,
    pub(crate) location: &'static Location<'static>,
}

impl Access {
    fn happens_before(&self, clock: &VectorClock) -> bool {
        self.epoch <= clock.get(self.tid)
    }
}

/// Access history of one variable.
#[derive(Debug, Default)]
pub(crate) struct AccessHistory {
    write: Option<Access>,
    /// Reads since the last write: inline up to two reading threads, so
    /// that a new variable's first read does not call the allocator.
    reads: SmallVec<[Access; 2]>,
}

/// Two conflicting accesses not ordered by happens-before.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Race {
    pub(crate) earlier: Access,
    pub(crate) later: Access,
}

impl AccessHistory {
    /// Records `access`, made by a thread whose clock is `clock`; returns the
    /// race it forms with an earlier access, if any.
    pub(crate) fn record(&mut self, access: Access, clock: &VectorClock) -> Option<Race> {
        if let Some(w) = self.write {
            if w.tid != access.tid && !w.happens_before(clock) {
                return Some(Race {
                    earlier: w,
                    later: access,
                });
            }
        }
        if access.write {
            if let Some(r) = self
                .reads
                .iter()
                .find(|r| r.tid != access.tid && !r.happens_before(clock))
            {
                return Some(Race {
                    earlier: *r,
                    later: access,
                });
            }
            self.reads.clear();
            self.write = Some(access);
        } else if self.reads.len() == 1 && self.reads[0].happens_before(clock) {
            // Epoch fast path: the previous read is ordered before this one.
            self.reads[0] = access;
        } else if let Some(r) = self.reads.iter_mut().find(|r| r.tid == access.tid) {
            *r = access;
        } else {
            self.reads.push(access);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acc(tid: Tid, epoch: u32, write: bool) -> Access {
        Access {
            tid,
            epoch,
            step: 0,
            write,
            location: Location::caller(),
        }
    }

    fn clock(entries: &[u32]) -> VectorClock {
        let mut c = VectorClock::new();
        for (i, &e) in entries.iter().enumerate() {
            c.set(i, e);
        }
        c
    }

    #[test]
    fn unordered_writes_race() {
        let mut h = AccessHistory::default();
        assert!(h.record(acc(0, 1, true), &clock(&[1, 0])).is_none());
        let race = h.record(acc(1, 1, true), &clock(&[0, 1])).expect("race");
        assert_eq!(race.earlier.tid, 0);
        assert_eq!(race.later.tid, 1);
    }

    #[test]
    fn ordered_writes_do_not_race() {
        let mut h = AccessHistory::default();
        assert!(h.record(acc(0, 1, true), &clock(&[1, 0])).is_none());
        assert!(h.record(acc(1, 1, true), &clock(&[1, 1])).is_none());
    }

    #[test]
    fn concurrent_reads_are_fine_but_a_later_write_races_with_them() {
        let mut h = AccessHistory::default();
        assert!(h.record(acc(0, 1, false), &clock(&[1, 0, 0])).is_none());
        assert!(h.record(acc(1, 1, false), &clock(&[0, 1, 0])).is_none());
        // Thread 2 has seen thread 0 but not thread 1.
        let race = h.record(acc(2, 1, true), &clock(&[1, 0, 1])).expect("race");
        assert_eq!(race.earlier.tid, 1);
    }
}
