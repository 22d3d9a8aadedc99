//! `Strategy::Urw` and `Strategy::Surw`: the uniform random walk and its
//! selective variant (Zhao, Wolff, Mathur, Roychoudhury, "Selectively
//! Uniform Concurrency Testing", ASPLOS 2025, doi 10.1145/3669940.3707214).
//!
//! **URW.** Choosing uniformly among the enabled threads (`Strategy::Random`)
//! is far from uniform over interleavings: a thread with one event left and
//! one with a hundred are picked alike, so the short thread almost always
//! runs early. If thread `t` has `n_t` events left, the number of ways to
//! finish the execution is the multinomial `(Σ n)! / Π n_t!`, and the share
//! of them that start with an event of `t` is `n_t / Σ n`. So picking `t`
//! with probability proportional to its remaining events samples every
//! interleaving with the same probability, when no thread blocks and the
//! counts are right. The counts are estimates (see `probe.rs`): each
//! thread's events in earlier (probe) executions of the same run, its
//! descendants' included, since a thread's future is also that of the
//! threads it has yet to spawn. When a thread spawns, the child's estimate
//! moves from the parent to the child.
//!
//! **SURW.** Uniformity over every event spreads the samples over orders of
//! events no bug depends on (a thread's private work, the main thread's
//! spawns). SURW keeps it for a chosen set of *interesting* events only and
//! lets the others run as the plain random walk does. Here, as in the
//! paper's default, the interesting events are the operations on objects
//! that more than one thread touched in the probes, with two exceptions
//! ([`selectable`]): releases, and memory accesses (`Shared`, atomics,
//! cells) made while the thread holds a lock. The acquire that opened a
//! critical section already orders what is inside it; counting the inside
//! too would make a thread's later critical sections rarer than uniform.
//! On SCTBench's `twostage_100` (`benches/sctbench.rs`), counting every
//! operation on a shared object found the bug in 19 of 20 seeds with a
//! median of 896 executions; counting the memory accesses only (as Fray
//! does), 16 of 20 and 2,696; this rule, 20 of 20 and 8. At each step:
//!
//! 1. if no thread is *intended* yet, one is drawn among the enabled
//!    threads with probability proportional to its remaining interesting
//!    events (descendants' included);
//! 2. the step is drawn uniformly among the candidates that may run now:
//!    every uninteresting candidate, and the intended thread's interesting
//!    one; an interesting event of another thread waits. If there is no
//!    such candidate (the intended thread is blocked), the intended thread
//!    is drawn again;
//! 3. once the intended thread performs its interesting event, its count
//!    drops by one and the next interesting event is drawn afresh. When the
//!    intended thread spawns, the intention passes to the child with
//!    probability child / parent (their shares of the parent's remaining
//!    interesting events).
//!
//! Every schedule stays possible (the paper's Γ-completeness): each enabled
//! thread is drawn with positive probability (a thread about to perform an
//! interesting event counts at least one).
//!
//! URW is the same walk with every event interesting, so one scheduler
//! implements both. Where this differs from the paper and its
//! implementations (shuttle's `UrwRandomScheduler`, Fray's
//! `SURWScheduler`): the estimates come from the random probe runs PCT
//! already makes (8 by default, averaged, not counted as executions) instead
//! of the first execution, so that execution `k` depends only on the run
//! seed and `k` (jobs and shards); they travel in the token, so a failure
//! replays alone; a thread is known by its index (threads are numbered in
//! spawn order) and an object by its index (in creation order), where Fray
//! and shuttle use stack-trace signatures; the interesting set is of
//! objects, not of program locations, and holds the acquires of shared
//! locks but not the accesses inside their critical sections (above).

use std::sync::Arc;

use rand::RngExt;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::token::{decode_varints, encode_varints};
use crate::rt::dependence::{self, Key};
use crate::rt::op::{Op, Tid};
use crate::rt::{Candidate, Scheduler};

/// What URW and SURW know of a program before an execution: learned from
/// the probe executions (`probe.rs`), carried by the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Estimates {
    /// Estimated events of each thread (by index), its descendants'
    /// included: every event for URW, the interesting ones for SURW.
    pub(crate) weights: Vec<u32>,
    /// SURW: the interesting objects' indices, sorted; `None` for URW
    /// (every event is interesting).
    pub(crate) interesting: Option<Vec<u32>>,
    /// `interesting` as a mask by object index.
    mask: Vec<bool>,
}

impl Estimates {
    pub(crate) fn new(weights: Vec<u32>, interesting: Option<Vec<u32>>) -> Estimates {
        let mut mask = Vec::new();
        if let Some(objs) = &interesting {
            for &o in objs {
                if mask.len() <= o as usize {
                    mask.resize(o as usize + 1, false);
                }
                mask[o as usize] = true;
            }
        }
        Estimates {
            weights,
            interesting,
            mask,
        }
    }

    /// Whether performing `op` is an interesting event (`holding`: its
    /// thread holds a lock).
    fn is_interesting(&self, op: Op, holding: bool) -> bool {
        if matches!(op, Op::Start) {
            // A thread's start is no event: it may run whenever.
            return false;
        }
        if self.interesting.is_none() {
            return true;
        }
        if !selectable(op, holding) {
            return false;
        }
        dependence::footprint(op).touched().any(|t| match t.key {
            Key::Object(o) => self.mask.get(o.index()).copied().unwrap_or(false),
            _ => false,
        })
    }

    /// The estimate of thread `tid`; for a thread the probes never saw,
    /// the smallest estimate of a spawned thread (at least 1).
    fn weight(&self, tid: Tid) -> u32 {
        match self.weights.get(tid) {
            Some(&w) => w,
            None => self
                .weights
                .iter()
                .skip(1)
                .copied()
                .min()
                .unwrap_or(1)
                .max(1),
        }
    }

    /// The token body: base64url varints, for SURW the count of
    /// interesting objects, their indices, then the weights; for URW the
    /// weights.
    pub(crate) fn encode(&self) -> String {
        let mut words = Vec::new();
        if let Some(objs) = &self.interesting {
            words.push(objs.len() as u32);
            words.extend_from_slice(objs);
        }
        words.extend_from_slice(&self.weights);
        encode_varints(words.iter().copied())
    }

    /// Parses [`Estimates::encode`]'s body (`selective`: a SURW token's).
    pub(crate) fn decode(body: &str, selective: bool) -> Result<Estimates, String> {
        let words = decode_varints(body)?;
        if !selective {
            return Ok(Estimates::new(words, None));
        }
        let n = *words
            .first()
            .ok_or("the estimates are empty: no count of interesting objects")?
            as usize;
        if words.len() < 1 + n {
            return Err(format!(
                "the estimates name {n} interesting objects but hold {} words",
                words.len() - 1
            ));
        }
        let objs = words[1..1 + n].to_vec();
        Ok(Estimates::new(words[1 + n..].to_vec(), Some(objs)))
    }
}

/// Whether SURW may count `op` as interesting, by a thread that holds a
/// lock (`holding`) or not, when it touches an interesting object: not a
/// release, nor a memory access inside a critical section (the acquire
/// that opened the section orders it). So on a program whose shared
/// variables are all under locks, the interesting events are the
/// acquires: SURW is uniform over the orders of the critical sections.
pub(crate) fn selectable(op: Op, holding: bool) -> bool {
    match op {
        Op::LockRelease { .. }
        | Op::RLockRelease { .. }
        | Op::RwRelease { .. }
        | Op::CondWait { .. } => false,
        Op::Read { .. } | Op::Write { .. } | Op::Atomic { .. } => !holding,
        _ => true,
    }
}

/// How many locks (Lock, RLock levels, RwLock) each thread holds, as far as
/// the steps performed tell.
#[derive(Debug, Default)]
pub(crate) struct Held(Vec<u32>);

impl Held {
    /// Whether `tid` holds a lock.
    pub(crate) fn holds(&self, tid: Tid) -> bool {
        self.0.get(tid).is_some_and(|&n| n > 0)
    }

    /// Books the step `c`, just performed.
    pub(crate) fn step(&mut self, c: &Candidate) {
        if c.timeout {
            return;
        }
        let delta: i32 = match c.op {
            Op::LockAcquire { .. }
            | Op::RLockAcquire { .. }
            | Op::RwAcquire { .. }
            | Op::CondReacquire { .. } => 1,
            Op::LockRelease { .. }
            | Op::RLockRelease { .. }
            | Op::RwRelease { .. }
            | Op::CondWait { .. } => -1,
            _ => return,
        };
        if self.0.len() <= c.tid {
            self.0.resize(c.tid + 1, 0);
        }
        let n = &mut self.0[c.tid];
        *n = n.saturating_add_signed(delta);
    }
}

/// The URW/SURW scheduler of one execution.
pub(crate) struct UrwScheduler {
    rng: ChaCha8Rng,
    seed: u64,
    est: Arc<Estimates>,
    /// Remaining (interesting) events of each thread, its unspawned
    /// descendants' included.
    weight: Vec<u32>,
    /// The index the next spawned thread gets.
    next_tid: Tid,
    /// The thread whose interesting event is to come next (SURW; URW
    /// draws it at every step).
    intended: Option<Tid>,
    held: Held,
    /// Whether each candidate of the current step is interesting (kept to
    /// allocate nothing per step).
    flags: Vec<bool>,
}

impl UrwScheduler {
    pub(crate) fn new(seed: u64, est: &Arc<Estimates>) -> Self {
        UrwScheduler {
            rng: ChaCha8Rng::seed_from_u64(seed),
            seed,
            est: Arc::clone(est),
            weight: vec![est.weight(0)],
            next_tid: 1,
            intended: None,
            held: Held::default(),
            flags: Vec::new(),
        }
    }

    fn weight_mut(&mut self, tid: Tid) -> &mut u32 {
        while self.weight.len() <= tid {
            // A thread created otherwise than by a spawn seen here.
            let w = self.est.weight(self.weight.len());
            self.weight.push(w);
        }
        self.next_tid = self.next_tid.max(tid + 1);
        &mut self.weight[tid]
    }

    /// Draws the intended thread among those of `enabled`, by weight.
    fn draw_intended(&mut self, enabled: &[Candidate], interesting: &[bool]) {
        for (i, c) in enabled.iter().enumerate() {
            let w = self.weight_mut(c.tid);
            if interesting[i] && *w == 0 {
                // About to perform an interesting event: at least one left.
                *w = 1;
            }
        }
        let total: u64 = (0..enabled.len())
            .filter(|&i| first_of_thread(enabled, i))
            .map(|i| u64::from(self.weight[enabled[i].tid]))
            .sum();
        if total == 0 {
            self.intended = None;
            return;
        }
        let mut r = self.rng.random_range(0..total);
        for (i, c) in enabled.iter().enumerate() {
            if !first_of_thread(enabled, i) {
                continue;
            }
            let w = u64::from(self.weight[c.tid]);
            if r < w {
                self.intended = Some(c.tid);
                return;
            }
            r -= w;
        }
        unreachable!("the draw is below the total weight");
    }

    /// Books the spawn `parent` just performed: the child gets its
    /// estimate, taken from the parent's, and perhaps the intention.
    fn spawned(&mut self, parent: Tid) {
        let child = self.next_tid;
        let child_w = self.est.weight(child);
        *self.weight_mut(child) = child_w;
        let parent_w = self.weight[parent];
        if self.intended == Some(parent)
            && self.rng.random_range(0..u64::from(parent_w.max(1))) < u64::from(child_w)
        {
            self.intended = Some(child);
        }
        self.weight[parent] = parent_w.saturating_sub(child_w);
    }
}

/// Whether `enabled[i]` is its thread's first candidate (a thread's
/// candidates are adjacent: complete, then time out).
fn first_of_thread(enabled: &[Candidate], i: usize) -> bool {
    i == 0 || enabled[i - 1].tid != enabled[i].tid
}

impl Scheduler for UrwScheduler {
    fn rng_seed(&self) -> u64 {
        self.seed
    }

    fn choose(&mut self, enabled: &[Candidate]) -> usize {
        let mut flags = std::mem::take(&mut self.flags);
        flags.clear();
        flags.extend(
            enabled
                .iter()
                .map(|c| self.est.is_interesting(c.op, self.held.holds(c.tid))),
        );
        if self.intended.is_none() && flags.iter().any(|&f| f) {
            self.draw_intended(enabled, &flags);
        }
        let runnable = |intended: Option<Tid>, i: usize| -> bool {
            !flags[i] || Some(enabled[i].tid) == intended
        };
        let mut n = (0..enabled.len())
            .filter(|&i| runnable(self.intended, i))
            .count();
        if n == 0 {
            // The intended thread cannot run its event now: draw again
            // among the enabled ones (each of them can run).
            self.draw_intended(enabled, &flags);
            n = (0..enabled.len())
                .filter(|&i| runnable(self.intended, i))
                .count();
        }
        let k = if n > 1 {
            self.rng.random_range(0..n)
        } else {
            0
        };
        let pick = (0..enabled.len())
            .filter(|&i| runnable(self.intended, i))
            .nth(k)
            .expect("some candidate can run");
        let c = enabled[pick];
        if flags[pick] {
            let w = self.weight_mut(c.tid);
            *w = w.saturating_sub(1);
            self.intended = None;
        }
        if !c.timeout && matches!(c.op, Op::Spawn { .. } | Op::ProcSpawn { .. }) {
            self.spawned(c.tid);
        }
        self.held.step(&c);
        self.flags = flags;
        pick
    }

    fn observes_every_step(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_round_trip_through_their_token_body() {
        for est in [
            Estimates::new(vec![7, 3, 0, 300], None),
            Estimates::new(vec![5, 2, 2], Some(vec![0, 4, 70000])),
            Estimates::new(vec![], Some(vec![])),
        ] {
            let selective = est.interesting.is_some();
            assert_eq!(Estimates::decode(&est.encode(), selective), Ok(est));
        }
        assert!(Estimates::decode("", true).is_err());
        assert!(Estimates::decode("Aw", true).is_err());
    }

    #[test]
    fn unknown_threads_get_the_smallest_spawned_estimate() {
        let est = Estimates::new(vec![40, 6, 2, 9], None);
        assert_eq!(est.weight(2), 2);
        assert_eq!(est.weight(10), 2);
        assert_eq!(Estimates::new(vec![3], None).weight(1), 1);
    }
}
