//! Vector clocks for happens-before.
//!
//! Entry `t` of a thread's clock counts the synchronisation epochs of thread
//! `t` that the owner has seen. Missing entries are zero. A thread's own entry
//! starts at 1 and is incremented after each release-like operation, so that
//! an access made by `t` in epoch `c` happens before thread `u` exactly when
//! `c <= clock_u[t]` (the FastTrack epoch test).

use smallvec::SmallVec;

/// Entries kept inline, without a heap allocation: programs with up to this
/// many threads copy and join clocks without calling the allocator.
const INLINE: usize = 16;

/// A vector clock, indexed by thread id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct VectorClock(SmallVec<[u32; INLINE]>);

impl VectorClock {
    /// The clock of a thread that has seen nothing.
    pub(crate) const fn new() -> Self {
        VectorClock(SmallVec::new_const())
    }

    /// Entry `t`.
    pub(crate) fn get(&self, t: usize) -> u32 {
        self.0.get(t).copied().unwrap_or(0)
    }

    /// Sets entry `t`.
    pub(crate) fn set(&mut self, t: usize, v: u32) {
        if self.0.len() <= t {
            self.0.resize(t + 1, 0);
        }
        self.0[t] = v;
    }

    /// Increments entry `t`.
    pub(crate) fn tick(&mut self, t: usize) {
        let v = self.get(t) + 1;
        self.set(t, v);
    }

    /// Pointwise maximum with `other`.
    pub(crate) fn join(&mut self, other: &VectorClock) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a = (*a).max(*b);
        }
    }

    /// Overwrites `self` with `other`, reusing the allocation.
    pub(crate) fn copy_from(&mut self, other: &VectorClock) {
        if self.0.len() != other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        self.0.copy_from_slice(&other.0);
    }

    /// The entries.
    pub(crate) fn entries(&self) -> &[u32] {
        &self.0
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
        assert_eq!(a.entries(), &[3, 5, 4]);
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
    }
}
