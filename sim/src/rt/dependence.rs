//! The dependence relation: which operations do not commute.
//!
//! Every primitive states, in its file under `prims/`, the [`Footprint`] of
//! each of its operations: the objects it reads or writes (at most two: a
//! condition wait releases the condition's lock, a re-acquire leaves the
//! condition's waiter queue), the thread it joins, and whether the optimal
//! DPOR of `explore/exhaustive` reduces it. Two pseudo-objects make the
//! thread-creating and printing operations dependent among themselves:
//! [`Key::Spawns`] (spawns number the threads they create, so their order is
//! visible) and [`Key::Output`] (prints are ordered in the output).
//!
//! Two operations of different threads are *dependent* ([`dependent`]) when
//! they touch a common key and one of them writes it. Lock acquires and
//! releases write their lock; `locked()`, `is_set()`, a barrier or queue
//! size read and a `Shared` read only read. Exploration adds the relations
//! that need more than the operations: two events of one thread are
//! dependent, a join depends on every event of the thread it joins and a
//! spawn on every event of the thread it creates (see
//! `explore/exhaustive/odpor.rs`). POS (`explore/pos.rs`) uses
//! [`dependent`] as it is.

use super::op::{ObjId, Op, Tid};

/// A key the dependence relation compares: an object, or a pseudo-object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Key {
    /// A synchronisation object or `Shared` variable.
    Object(ObjId),
    /// The captured output (prints are ordered).
    Output,
    /// Every `spawn` (they number the threads).
    Spawns,
    /// A thread's park token (`park` and `unpark` of that thread).
    Parker(Tid),
}

/// One access of a [`Footprint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Touch {
    pub(crate) key: Key,
    pub(crate) write: bool,
    /// A write's commutativity class, 0 for none: writes of one key with
    /// the same non-zero class commute (prints of the same text).
    pub(crate) class: u64,
}

impl Touch {
    /// Whether the two accesses do not commute: one key, one of them
    /// writes it, and they are not writes of one class.
    pub(crate) fn conflicts(&self, other: &Touch) -> bool {
        self.key == other.key
            && (self.write || other.write)
            && (self.class == 0 || self.class != other.class)
    }
}

/// What an operation touches, for the dependence relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Footprint {
    /// The keys read or written, at most two.
    pub(crate) touches: [Option<Touch>; 2],
    /// The thread the operation joins (its every event comes first).
    pub(crate) joins: Option<Tid>,
    /// Whether the optimal DPOR reduces this operation (it is in the
    /// fragment whose enabling and disabling it handles); outside it,
    /// exhaustive exploration falls back to the unreduced DFS.
    pub(crate) reducible: bool,
}

impl Footprint {
    /// Touches nothing (commutes with everything).
    pub(crate) const NOTHING: Footprint = Footprint {
        touches: [None, None],
        joins: None,
        reducible: false,
    };

    /// Writes `obj`.
    pub(crate) fn writes(obj: ObjId) -> Footprint {
        Footprint::one(Key::Object(obj), true)
    }

    /// Reads `obj`.
    pub(crate) fn reads(obj: ObjId) -> Footprint {
        Footprint::one(Key::Object(obj), false)
    }

    /// Writes both `a` and `b`.
    pub(crate) fn writes_both(a: ObjId, b: ObjId) -> Footprint {
        Footprint {
            touches: [
                Some(Touch {
                    key: Key::Object(a),
                    write: true,
                    class: 0,
                }),
                Some(Touch {
                    key: Key::Object(b),
                    write: true,
                    class: 0,
                }),
            ],
            ..Footprint::NOTHING
        }
    }

    /// Accesses `key`.
    pub(crate) fn one(key: Key, write: bool) -> Footprint {
        Footprint {
            touches: [
                Some(Touch {
                    key,
                    write,
                    class: 0,
                }),
                None,
            ],
            ..Footprint::NOTHING
        }
    }

    /// The same footprint, marked as reduced by the optimal DPOR.
    pub(crate) fn reducible(self) -> Footprint {
        Footprint {
            reducible: true,
            ..self
        }
    }

    /// The keys it touches.
    pub(crate) fn touched(&self) -> impl Iterator<Item = Touch> + '_ {
        self.touches.iter().flatten().copied()
    }
}

/// The footprint of `op`, from its primitive's table.
pub(crate) fn footprint(op: Op) -> Footprint {
    super::prims::footprint(op)
}

/// Whether two operations of different threads do not commute: they touch
/// a common key and one of them writes it (writes of one class commute:
/// [`Touch::class`]).
pub(crate) fn dependent(a: &Footprint, b: &Footprint) -> bool {
    a.touched().any(|x| b.touched().any(|y| x.conflicts(&y)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rt::op::text_digest;

    #[test]
    fn reads_commute_and_writes_do_not() {
        let (a, b) = (ObjId(1), ObjId(2));
        assert!(!dependent(&Footprint::reads(a), &Footprint::reads(a)));
        assert!(dependent(&Footprint::reads(a), &Footprint::writes(a)));
        assert!(dependent(&Footprint::writes(a), &Footprint::writes(a)));
        assert!(!dependent(&Footprint::writes(a), &Footprint::writes(b)));
        assert!(dependent(
            &Footprint::writes_both(a, b),
            &Footprint::reads(b)
        ));
        assert!(!dependent(&Footprint::NOTHING, &Footprint::writes(a)));
    }

    #[test]
    fn every_operation_has_the_footprint_its_primitive_states() {
        let (l, c) = (ObjId(0), ObjId(1));
        let acquire = footprint(Op::LockAcquire {
            lock: l,
            deadline: None,
        });
        assert_eq!(acquire, Footprint::writes(l).reducible());
        // A timed acquire touches the lock too, but is not reduced.
        let timed = footprint(Op::LockAcquire {
            lock: l,
            deadline: Some(5),
        });
        assert_eq!(timed, Footprint::writes(l));
        assert_eq!(
            footprint(Op::LockLocked { lock: l }),
            Footprint::reads(l).reducible()
        );
        // A condition wait releases the lock: it touches both.
        assert!(dependent(
            &footprint(Op::CondWait { cond: c, lock: l }),
            &footprint(Op::LockRelease { lock: l })
        ));
        assert!(dependent(
            &footprint(Op::CondReacquire { lock: l, cond: c }),
            &footprint(Op::CondNotify { cond: c, n: 1 })
        ));
        let spawn = footprint(Op::Spawn {
            daemon: false,
            named: false,
            task: false,
        });
        assert!(spawn.reducible && dependent(&spawn, &spawn));
        let print = |text: &str| {
            footprint(Op::Print {
                text: text_digest(text),
            })
        };
        assert!(dependent(&print("a"), &print("b")));
        assert!(!dependent(&print("a"), &print("a")), "same text: commute");
        assert!(!dependent(&footprint(Op::Yield), &print("a")));
        assert_eq!(footprint(Op::Join { target: 3 }).joins, Some(3));
    }
}
