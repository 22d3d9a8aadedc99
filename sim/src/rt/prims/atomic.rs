//! The atomics of `sim::sync::atomic` and their fences: what each
//! operation does to happens-before.
//!
//! **Values.** An atomic's value lives in its handle (a std atomic, used
//! uncontended). Each operation is one scheduling point, an [`Op::Atomic`]
//! naming the object, the [`AtomicKind`] (load, store, read-modify-write,
//! compare-exchange) and the ordering; the handle reads or changes its value
//! right after the operation returns, before any other green thread runs.
//! The behaviour is therefore sequentially consistent whatever the orderings:
//! every load reads the latest store.
//!
//! **Happens-before follows C11** (C++20's release sequences), so that the
//! race detection of `Shared` and `UnsafeCell` data is exact:
//!
//! - the object keeps the *release clock* of its current value: the join of
//!   the clocks published by the release sequence that value belongs to,
//!   with the steps that published them ([`Source`]s, for the trace's
//!   `Atomic` edges);
//! - a Release (or AcqRel, SeqCst) store starts a new release sequence: the
//!   release clock becomes the thread's clock, and the thread ticks;
//! - a Relaxed store ends the sequence (C++20: only read-modify-writes
//!   continue one): the release clock becomes empty, or, if the thread ran a
//!   `fence(Release)` before, the clock of that fence (the fence-to-store
//!   rule);
//! - a read-modify-write continues the sequence it reads from: the clock is
//!   kept, and joined with the thread's if the RMW is Release itself (or
//!   with the thread's last release fence, if it is Relaxed);
//! - an Acquire (AcqRel, SeqCst) load or RMW joins the release clock into
//!   the thread's, with an `Atomic` edge from each source; a Relaxed one
//!   remembers it in the thread's [`FenceState`], and a later
//!   `fence(Acquire)` joins what the thread's Relaxed loads read;
//! - a failed compare-exchange is a load with the failure ordering.
//!   Whether it fails is known only once the handle has compared its value,
//!   after the operation returned: the handle then reports the outcome
//!   ([`Exec::atomic_cas_done`], not a scheduling point, and nothing ran in
//!   between), and only then are the clocks updated (the event's recorded
//!   clock and result are patched to match);
//! - SeqCst counts as AcqRel: the single total order of SeqCst operations
//!   adds no synchronises-with edge of its own (none in C11 either, for
//!   operations); a SeqCst fence is treated as an AcqRel fence (C11 gives SC
//!   fences more: they order the SC total order, which only matters for
//!   weak-memory outcomes, not produced here).
//!
//! `unsync_load` (loom's non-atomic read of an atomic) is checked for races
//! against the atomic's writes, and the writes against it: the object keeps
//! each thread's last write and last `unsync_load` that no later access of
//! the same kind is ordered after (an antichain, so at most one per thread).
//!
//! **Fence state** ([`FenceState`]) is allocated per thread on its first
//! fence or its first Relaxed load of a value that has a release clock: a
//! thread that does neither pays nothing.
//!
//! **Towards weak memory (the next step).** To let a load read an older
//! store, the object's single release clock becomes a *store history*: the
//! modification order as a vector of stores, each with its value bits
//! (handles would pass them as `u64`: every atomic fits), its release clock
//! and sources (what [`AtomicState`] keeps today for the latest store only),
//! and the step and clock of the store itself. Each thread gets a view per
//! atomic (the index of the latest store it must see: coherence), and a load
//! becomes a choice among the stores not older than its view (a new kind of
//! candidate for the explorers); an RMW always reads the latest store.
//! [`AtomicState::release`] is the part of that history that exists now.

use std::panic::Location;
use std::sync::atomic::Ordering;

use smallvec::SmallVec;

use super::super::clock::VectorClock;
use super::super::dependence::Footprint;
use super::super::op::{ObjId, Op, OpResult, Tid};
use super::super::race::{Access, Race};
use super::super::{EdgeKind, Exec};
use super::ObjState;
use crate::failure::FailureKind;

/// What an atomic operation does to its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AtomicKind {
    /// `load`.
    Load,
    /// `store`.
    Store,
    /// A read-modify-write that always writes: `swap`, `fetch_*`.
    Rmw,
    /// One compare-exchange attempt (`compare_exchange(_weak)`,
    /// `compare_and_swap`, a step of `fetch_update`): a read-modify-write
    /// with the op's ordering if it succeeds, a load with `failure` if not.
    Cas { failure: Ordering },
}

impl AtomicKind {
    /// The operation's name in traces.
    pub(crate) fn name(self) -> &'static str {
        match self {
            AtomicKind::Load => "load",
            AtomicKind::Store => "store",
            AtomicKind::Rmw => "rmw",
            AtomicKind::Cas { .. } => "compare_exchange",
        }
    }
}

/// Whether `ord` has an acquire part (SeqCst counts as AcqRel).
fn acquires(ord: Ordering) -> bool {
    matches!(ord, Ordering::Acquire | Ordering::AcqRel | Ordering::SeqCst)
}

/// Whether `ord` has a release part (SeqCst counts as AcqRel).
fn releases(ord: Ordering) -> bool {
    matches!(ord, Ordering::Release | Ordering::AcqRel | Ordering::SeqCst)
}

/// An event that published a clock: a release store or RMW, or a release
/// fence. `epoch` is its thread's own entry when it published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Source {
    step: u64,
    tid: Tid,
    epoch: u32,
}

impl Source {
    /// Whether the event happens before a thread whose clock is `clock`.
    fn known_to(self, clock: &VectorClock) -> bool {
        self.epoch <= clock.get(self.tid)
    }
}

/// Adds `s` to an antichain of sources: drops those `s` has seen (`seen`
/// is the clock `s` published), then pushes it.
fn add_source(sources: &mut SmallVec<[Source; 2]>, s: Source, seen: &VectorClock) {
    sources.retain(|o| !o.known_to(seen));
    sources.push(s);
}

/// The clock a value carries and who published it: today the latest
/// store's, later one per store of the history (see the module doc).
#[derive(Debug, Default)]
pub(crate) struct Release {
    /// The join of the clocks the release sequence published (meaningless
    /// when `sources` is empty).
    clock: VectorClock,
    /// The events whose clocks `clock` joins, pairwise unordered.
    sources: SmallVec<[Source; 2]>,
}

impl Release {
    /// Whether an acquire of this value gets anything.
    fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// A new sequence headed by `s`, publishing `clock`.
    fn start(&mut self, clock: &VectorClock, s: Source) {
        self.clock.copy_from(clock);
        self.sources.clear();
        self.sources.push(s);
    }

    /// The sequence continues, joined with `clock` published by `s`.
    fn extend(&mut self, clock: &VectorClock, s: Source) {
        if self.is_empty() {
            self.clock.copy_from(clock);
        } else {
            self.clock.join(clock);
        }
        add_source(&mut self.sources, s, clock);
    }
}

/// The state of one atomic.
#[derive(Debug)]
pub(crate) struct AtomicState {
    /// The type's name (`AtomicUsize`, ...), for reports.
    name: &'static str,
    /// What an acquire of the current value synchronises with.
    release: Release,
    /// Per thread, its last write not ordered before another thread's later
    /// write (for `unsync_load`'s race check). Kept with race detection on.
    writes: SmallVec<[Access; 2]>,
    /// Likewise the `unsync_load`s, which later writes must be ordered after.
    unsync_reads: SmallVec<[Access; 1]>,
}

/// A thread's fence state, allocated on first use (see the module doc).
#[derive(Debug, Default)]
pub(crate) struct FenceState {
    /// The thread's clock at its last release fence, and that fence.
    release: Option<(VectorClock, Source)>,
    /// What the thread's Relaxed loads read since its last acquire fence:
    /// the join of their release clocks, and their sources (at most one per
    /// thread: the later of two sources of one thread has seen the earlier).
    acquire: VectorClock,
    pending: SmallVec<[(Source, ObjId); 2]>,
}

impl ObjState {
    /// A fresh atomic of type `name` (`AtomicUsize`, ...).
    pub(crate) fn new_atomic(name: &'static str) -> Self {
        ObjState::Atomic(Box::new(AtomicState {
            name,
            release: Release::default(),
            writes: SmallVec::new(),
            unsync_reads: SmallVec::new(),
        }))
    }
}

impl AtomicState {
    /// The type's name.
    pub(crate) fn kind(&self) -> &'static str {
        self.name
    }
}

impl Exec {
    /// Performs an [`Op::Atomic`] or an [`Op::Fence`].
    pub(super) fn atomic_complete(
        &mut self,
        tid: Tid,
        op: Op,
        location: &'static Location<'static>,
    ) -> OpResult {
        match op {
            Op::Atomic { atomic, kind, ord } => match kind {
                AtomicKind::Load => self.atomic_read(tid, atomic, ord),
                AtomicKind::Store => self.atomic_write(tid, atomic, ord, false, location),
                AtomicKind::Rmw => {
                    self.atomic_read(tid, atomic, ord);
                    self.atomic_write(tid, atomic, ord, true, location);
                }
                // Its outcome comes from the handle: `atomic_cas_done`.
                AtomicKind::Cas { .. } => {}
            },
            Op::Fence { ord } => self.fence(tid, ord),
            _ => unreachable!("not an atomic operation: {op:?}"),
        }
        OpResult::Unit
    }

    /// The read part of an operation on `atomic` with ordering `ord`.
    fn atomic_read(&mut self, tid: Tid, atomic: ObjId, ord: Ordering) {
        let release = &self.objects[atomic.index()].state.atomic().release;
        if release.is_empty() {
            return;
        }
        let thread = &mut self.threads[tid];
        if acquires(ord) {
            let sources: SmallVec<[Source; 2]> = release
                .sources
                .iter()
                .filter(|s| s.tid != tid && !s.known_to(&thread.clock))
                .copied()
                .collect();
            thread.clock.join(&release.clock);
            for s in sources {
                self.sync_edge(s.step, EdgeKind::Atomic, Some(atomic));
            }
        } else {
            // Remembered for a later acquire fence.
            let fences = thread.fences.get_or_insert_with(Box::default);
            let mut any = false;
            for &s in &release.sources {
                if s.tid == tid || s.known_to(&thread.clock) {
                    continue;
                }
                any = true;
                match fences.pending.iter_mut().find(|(p, _)| p.tid == s.tid) {
                    Some(p) if p.0.epoch >= s.epoch => {}
                    Some(p) => *p = (s, atomic),
                    None => fences.pending.push((s, atomic)),
                }
            }
            if any {
                fences.acquire.join(&release.clock);
            }
        }
    }

    /// The write part of an operation on `atomic` with ordering `ord`: a
    /// store (`rmw == false`) or the write of a read-modify-write.
    fn atomic_write(
        &mut self,
        tid: Tid,
        atomic: ObjId,
        ord: Ordering,
        rmw: bool,
        location: &'static Location<'static>,
    ) {
        let step = self.steps;
        let thread = &mut self.threads[tid];
        let state = self.objects[atomic.index()].state.atomic_mut();
        if self.cfg.race_detection {
            let access = Access {
                tid,
                epoch: thread.clock.get(tid),
                step,
                write: true,
                location,
            };
            let clock = &thread.clock;
            let race = state
                .unsync_reads
                .iter()
                .find(|r| r.tid != tid && r.epoch > clock.get(r.tid))
                .copied();
            state
                .writes
                .retain(|w| w.tid != tid && w.epoch > clock.get(w.tid));
            state.writes.push(access);
            if let Some(earlier) = race {
                self.atomic_race(
                    tid,
                    atomic,
                    Race {
                        earlier,
                        later: access,
                    },
                );
                return;
            }
        }
        let state = self.objects[atomic.index()].state.atomic_mut();
        let thread = &mut self.threads[tid];
        if releases(ord) {
            let s = Source {
                step,
                tid,
                epoch: thread.clock.get(tid),
            };
            if rmw {
                state.release.extend(&thread.clock, s);
            } else {
                state.release.start(&thread.clock, s);
            }
            thread.clock.tick(tid);
        } else {
            match thread.fences.as_deref().and_then(|f| f.release.as_ref()) {
                Some((clock, s)) if rmw => state.release.extend(clock, *s),
                Some((clock, s)) => state.release.start(clock, *s),
                // A Relaxed RMW continues the sequence, as it is.
                None if rmw => {}
                // A Relaxed store ends it.
                None => state.release.sources.clear(),
            }
        }
    }

    /// A fence of thread `tid`: an acquire fence joins what the thread's
    /// Relaxed loads read, a release fence keeps the thread's clock for its
    /// later Relaxed stores. `std` refuses a Relaxed fence (the handle
    /// panics before announcing one).
    fn fence(&mut self, tid: Tid, ord: Ordering) {
        let step = self.steps;
        let thread = &mut self.threads[tid];
        let fences = thread.fences.get_or_insert_with(Box::default);
        if acquires(ord) && !fences.pending.is_empty() {
            let sources: SmallVec<[(Source, ObjId); 2]> = fences
                .pending
                .drain(..)
                .filter(|(s, _)| !s.known_to(&thread.clock))
                .collect();
            thread.clock.join(&fences.acquire);
            fences.acquire = VectorClock::new();
            for (s, atomic) in sources {
                self.sync_edge(s.step, EdgeKind::Atomic, Some(atomic));
            }
        }
        if releases(ord) {
            let thread = &mut self.threads[tid];
            let s = Source {
                step,
                tid,
                epoch: thread.clock.get(tid),
            };
            let clock = thread.clock.clone();
            thread.fences.get_or_insert_with(Box::default).release = Some((clock, s));
            thread.clock.tick(tid);
        }
    }

    /// The outcome of the compare-exchange thread `tid` just performed on
    /// `atomic` (its last event): a read-modify-write with `success` if
    /// `ok`, else a load with `failure`. Patches the event's recorded
    /// clock and result.
    pub(in crate::rt) fn atomic_cas_done(
        &mut self,
        tid: Tid,
        atomic: ObjId,
        ok: bool,
        success: Ordering,
        failure: Ordering,
    ) {
        let location = self.threads[tid].location;
        if ok {
            self.atomic_read(tid, atomic, success);
            self.atomic_write(tid, atomic, success, true, location);
        } else {
            self.atomic_read(tid, atomic, failure);
        }
        if self.cfg.record_clocks && self.log.clocks_recorded() {
            if let Some(recorded) = self.log.clocks.last_mut() {
                let own = recorded.get(tid);
                recorded.copy_from(&self.threads[tid].clock);
                recorded.set(tid, own);
            }
        }
        if self.cfg.record_events {
            if let Some(event) = self.log.events.last_mut() {
                debug_assert!(event.tid == tid && matches!(event.op, Op::Atomic { .. }));
                event.result = OpResult::Bool(ok);
            }
        }
    }

    /// loom's `unsync_load` of `atomic` by `tid` (a non-atomic read, not a
    /// scheduling point): a race with any write of the atomic not ordered
    /// before it.
    pub(in crate::rt) fn atomic_unsync_load(
        &mut self,
        tid: Tid,
        atomic: ObjId,
        location: &'static Location<'static>,
    ) {
        if !self.cfg.race_detection {
            return;
        }
        let thread = &self.threads[tid];
        let clock = &thread.clock;
        let access = Access {
            tid,
            epoch: clock.get(tid),
            step: thread.last_step,
            write: false,
            location,
        };
        let state = self.objects[atomic.index()].state.atomic_mut();
        let race = state
            .writes
            .iter()
            .find(|w| w.tid != tid && w.epoch > clock.get(w.tid))
            .copied();
        state
            .unsync_reads
            .retain(|r| r.tid != tid && r.epoch > clock.get(r.tid));
        state.unsync_reads.push(access);
        if let Some(earlier) = race {
            self.atomic_race(
                tid,
                atomic,
                Race {
                    earlier,
                    later: access,
                },
            );
        }
    }

    #[cold]
    #[inline(never)]
    fn atomic_race(&mut self, tid: Tid, atomic: ObjId, race: Race) {
        self.race_edge(race, atomic);
        let describe = |a: Access| {
            let (what, when) = if a.write {
                ("atomic write", format!("step {}", a.step))
            } else {
                ("unsync_load (a non-atomic read)", self.access_when(a))
            };
            format!(
                "{what} by {} at {} ({when})",
                self.threads[a.tid].name, a.location
            )
        };
        let msg = format!(
            "data race on {}:\n  {}\n  {}\n  are not ordered by happens-before (an unsync_load must be \
             ordered with every write of the atomic: by a join, a lock or an Acquire/Release pair)",
            self.objects[atomic.index()],
            describe(race.earlier),
            describe(race.later)
        );
        let key = format!(
            "{} {}:{} {}:{}",
            self.objects[atomic.index()].created_at,
            race.earlier.write,
            race.earlier.location,
            race.later.write,
            race.later.location
        );
        self.fail_keyed(FailureKind::DataRace, msg, key, Some(tid), true);
    }
}

/// A load reads its atomic; a store, RMW or compare-exchange writes it (a
/// compare-exchange that fails only reads, but the footprint is known
/// before the outcome: conservatively a write). A fence touches nothing
/// (it changes only its own thread's clocks). All are reduced by the
/// optimal DPOR: they never block, so they have the shape of `Shared`
/// reads and writes.
pub(crate) fn footprint(op: Op) -> Footprint {
    match op {
        Op::Atomic {
            atomic,
            kind: AtomicKind::Load,
            ..
        } => Footprint::reads(atomic).reducible(),
        Op::Atomic { atomic, .. } => Footprint::writes(atomic).reducible(),
        Op::Fence { .. } => Footprint::NOTHING.reducible(),
        _ => Footprint::NOTHING,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rt::dependence::dependent;

    #[test]
    fn loads_read_writes_write_fences_touch_nothing_and_all_are_reduced() {
        let a = ObjId(3);
        let op = |kind| Op::Atomic {
            atomic: a,
            kind,
            ord: Ordering::SeqCst,
        };
        let load = footprint(op(AtomicKind::Load));
        assert_eq!(load, Footprint::reads(a).reducible());
        for kind in [
            AtomicKind::Store,
            AtomicKind::Rmw,
            AtomicKind::Cas {
                failure: Ordering::Relaxed,
            },
        ] {
            let f = footprint(op(kind));
            assert_eq!(f, Footprint::writes(a).reducible());
            assert!(dependent(&f, &load));
        }
        assert!(!dependent(&load, &load));
        let fence = footprint(Op::Fence {
            ord: Ordering::SeqCst,
        });
        assert_eq!(fence, Footprint::NOTHING.reducible());
        assert!(!dependent(&fence, &load));
        assert!(
            op(AtomicKind::Load).is_local()
                && Op::Fence {
                    ord: Ordering::Acquire
                }
                .is_local()
        );
        assert!(std::mem::size_of::<Op>() <= 24);
    }
}
