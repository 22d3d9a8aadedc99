//! Vector clocks for happens-before.
//!
//! Entry `t` of a thread's clock counts the synchronisation epochs of thread
//! `t` that the owner has seen. Missing entries are zero. A thread's own entry
//! starts at 1 and is incremented after each release-like operation, so that
//! an access made by `t` in epoch `c` happens before thread `u` exactly when
//! `c <= clock_u[t]` (the FastTrack epoch test).
//!
//! A clock of a program with at most [`INLINE`] threads is a fixed array of
//! that many entries: joining, copying and cloning are straight-line code
//! over the whole array (the compiler vectorises the join), with no length
//! to compare or grow. Only a thread id of [`INLINE`] or more moves the clock
//! to the heap, as a persistent trie whose nodes clocks share
//! ([`tree`]): dense copies would make the memory of N threads that
//! synchronise grow as N².

mod tree;

use tree::Tree;

/// Entries kept inline, without a heap allocation.
const INLINE: usize = 16;

/// A vector clock, indexed by thread id.
#[derive(Clone)]
pub(crate) enum VectorClock {
    /// Entries `0..INLINE`, the missing ones zero.
    Inline([u32; INLINE]),
    /// A clock that has had an entry of `INLINE` or more set (or joined).
    Heap(Tree),
}

impl Default for VectorClock {
    fn default() -> Self {
        VectorClock::new()
    }
}

impl VectorClock {
    /// The clock of a thread that has seen nothing.
    pub(crate) const fn new() -> Self {
        VectorClock::Inline([0; INLINE])
    }

    /// The clock as a tree (moving it to the heap).
    #[cold]
    fn spill(&mut self) -> &mut Tree {
        if let VectorClock::Inline(a) = self {
            *self = VectorClock::Heap(Tree::from_low(a));
        }
        let VectorClock::Heap(t) = self else {
            unreachable!("spilled above")
        };
        t
    }

    /// Entry `t`.
    #[inline]
    pub(crate) fn get(&self, t: usize) -> u32 {
        match self {
            VectorClock::Inline(a) => a.get(t).copied().unwrap_or(0),
            VectorClock::Heap(tree) => tree.get(t),
        }
    }

    /// Sets entry `t`.
    #[inline]
    pub(crate) fn set(&mut self, t: usize, v: u32) {
        match self {
            VectorClock::Inline(a) if t < INLINE => a[t] = v,
            VectorClock::Heap(tree) => tree.set(t, v),
            VectorClock::Inline(_) => self.spill().set(t, v),
        }
    }

    /// Increments entry `t`.
    #[inline]
    pub(crate) fn tick(&mut self, t: usize) {
        let v = self.get(t) + 1;
        self.set(t, v);
    }

    /// Pointwise maximum with `other`.
    #[inline]
    pub(crate) fn join(&mut self, other: &VectorClock) {
        match (&mut *self, other) {
            (VectorClock::Inline(a), VectorClock::Inline(b)) => {
                for (a, b) in a.iter_mut().zip(b) {
                    *a = (*a).max(*b);
                }
            }
            _ => self.join_heap(other),
        }
    }

    /// `join` where one side is on the heap.
    #[cold]
    #[inline(never)]
    fn join_heap(&mut self, other: &VectorClock) {
        match (&mut *self, other) {
            (VectorClock::Heap(a), VectorClock::Heap(b)) => a.join(b),
            (VectorClock::Heap(a), VectorClock::Inline(b)) => a.join_low(b),
            (VectorClock::Inline(a), VectorClock::Heap(b)) => {
                let low = *a;
                let mut tree = b.clone();
                tree.join_low(&low);
                *self = VectorClock::Heap(tree);
            }
            (VectorClock::Inline(_), VectorClock::Inline(_)) => unreachable!("inline join"),
        }
    }

    /// Overwrites `self` with `other` (on the heap, sharing its nodes).
    #[inline]
    pub(crate) fn copy_from(&mut self, other: &VectorClock) {
        match (&mut *self, other) {
            (VectorClock::Inline(a), VectorClock::Inline(b)) => *a = *b,
            _ => *self = other.clone(),
        }
    }

    /// The entries, up to the last non-zero one.
    pub(crate) fn entries(&self) -> Vec<u32> {
        match self {
            VectorClock::Inline(a) => a[..self.len()].to_vec(),
            VectorClock::Heap(t) => t.entries(),
        }
    }

    /// The number of entries up to the last non-zero one.
    pub(crate) fn len(&self) -> usize {
        match self {
            VectorClock::Inline(a) => a.iter().rposition(|&e| e != 0).map_or(0, |i| i + 1),
            VectorClock::Heap(t) => t.len(),
        }
    }

    /// The heap bytes of the clock's nodes not yet in `seen` (see
    /// `Tree::heap_bytes`).
    #[cfg(test)]
    pub(crate) fn heap_bytes(&self, seen: &mut std::collections::HashSet<usize>) -> usize {
        match self {
            VectorClock::Inline(_) => 0,
            VectorClock::Heap(t) => t.heap_bytes(seen),
        }
    }
}

impl PartialEq for VectorClock {
    fn eq(&self, other: &Self) -> bool {
        self.entries() == other.entries()
    }
}

impl Eq for VectorClock {}

impl std::fmt::Debug for VectorClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.entries()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_is_pointwise_max() {
        let mut a = VectorClock::new();
        a.set(0, 3);
        a.set(2, 1);
        let mut b = VectorClock::new();
        b.set(1, 5);
        b.set(2, 4);
        a.join(&b);
        assert_eq!(a.entries(), [3, 5, 4]);
        assert_eq!(a.get(7), 0);
    }

    #[test]
    fn tick_and_copy() {
        let mut a = VectorClock::new();
        a.tick(1);
        a.tick(1);
        assert_eq!(a.get(1), 2);
        let mut b = VectorClock::new();
        b.set(4, 9);
        b.copy_from(&a);
        assert_eq!(b, a);
        assert_eq!(b.entries(), [0, 2]);
    }

    #[test]
    fn clocks_past_the_inline_entries_move_to_the_heap_and_mix_with_inline_ones() {
        let mut big = VectorClock::new();
        big.set(2, 7);
        big.tick(INLINE + 3);
        assert!(matches!(big, VectorClock::Heap(_)));
        assert_eq!(big.get(INLINE + 3), 1);
        assert_eq!(big.get(2), 7);
        assert_eq!(big.get(INLINE + 40), 0);

        // inline.join(heap) spills; heap.join(inline) keeps its entries.
        let mut small = VectorClock::new();
        small.set(0, 4);
        small.set(2, 9);
        let mut joined = small.clone();
        joined.join(&big);
        assert_eq!(joined.entries()[..3], [4, 0, 9]);
        assert_eq!(joined.get(INLINE + 3), 1);
        let mut other_way = big.clone();
        other_way.join(&small);
        assert_eq!(other_way, joined);

        // copy_from in every combination equals its source.
        let mut c = VectorClock::new();
        c.copy_from(&big);
        assert_eq!(c, big);
        c.copy_from(&small);
        assert_eq!(c, small);
        assert_eq!(c.get(INLINE + 3), 0);
        let mut d = small.clone();
        d.copy_from(&small);
        assert_eq!(d, small);
    }
}

#[cfg(test)]
mod proptests;
