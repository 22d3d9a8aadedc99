//! The probe executions of a run: random executions, run before the
//! counted ones and not counted, from which PCT estimates its step count
//! `k` and URW and SURW their event counts (`urw.rs`).
//!
//! Probe `i` of a run seeded `s` is the `Strategy::Random` execution of
//! seed `execution_seed(s ^ PROBE_SALT, i)`, so the probes, and what they
//! estimate, depend only on the run seed: every job and every shard
//! computes the same estimates.

use std::sync::Arc;

use rand::RngExt;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::random::execution_seed;
use super::urw::{selectable, Estimates, Held};
use crate::rt::dependence::{self, Key};
use crate::rt::op::{Op, Tid};
use crate::rt::{self, Candidate, ExecConfig, Scheduler};

/// Probe executions per run.
pub(super) const PROBES: u64 = 8;

/// Mixed into the run seed to seed the probes.
const PROBE_SALT: u64 = 0x9c7_9b0b;

/// What the probes of a run found.
pub(super) struct Probed {
    /// The longest probe, in steps (PCT's `k`).
    pub(super) steps: u64,
    /// The most steps of one probe taken while the program had more than
    /// one thread (`Report::concurrent_steps`).
    pub(super) concurrent_steps: u64,
    /// URW's estimates: every event.
    pub(super) urw: Arc<Estimates>,
    /// SURW's estimates: the selectable events (`urw::selectable`) on the
    /// objects more than one thread touched.
    pub(super) surw: Arc<Estimates>,
}

/// Runs the probes of a run seeded `run_seed`.
pub(super) fn probe(main: &Arc<dyn Fn() + Send + Sync>, cfg: &ExecConfig, run_seed: u64) -> Probed {
    let mut steps = 1;
    let mut concurrent_steps = 0;
    let mut runs = Vec::new();
    for i in 0..PROBES {
        let mut sched = Recorder::new(execution_seed(run_seed ^ PROBE_SALT, i));
        rt::run_execution(main, cfg, &mut sched);
        steps = steps.max(rt::with_exec(|e| e.steps()));
        concurrent_steps = concurrent_steps.max(sched.concurrent_steps);
        runs.push(sched);
    }
    // The interesting objects: those two threads touched in one probe.
    let mut shared: Vec<bool> = Vec::new();
    for run in &runs {
        let mut first: Vec<Option<Tid>> = Vec::new();
        for &(tid, op, _) in &run.events {
            for obj in objects(op) {
                if first.len() <= obj {
                    first.resize(obj + 1, None);
                }
                if shared.len() <= obj {
                    shared.resize(obj + 1, false);
                }
                match first[obj] {
                    None => first[obj] = Some(tid),
                    Some(t) if t != tid => shared[obj] = true,
                    Some(_) => {}
                }
            }
        }
    }
    let interesting: Vec<u32> = (0..shared.len())
        .filter(|&o| shared[o])
        .map(|o| o as u32)
        .collect();
    let all = average(runs.iter().map(|r| r.subtree_counts(|_, _| true)));
    let selected = average(runs.iter().map(|r| {
        r.subtree_counts(|op, holding| selectable(op, holding) && objects(op).any(|o| shared[o]))
    }));
    Probed {
        steps,
        concurrent_steps,
        urw: Arc::new(Estimates::new(all, None)),
        surw: Arc::new(Estimates::new(selected, Some(interesting))),
    }
}

/// The objects `op` touches.
fn objects(op: Op) -> impl Iterator<Item = usize> {
    let touches = dependence::footprint(op).touches;
    touches.into_iter().flatten().filter_map(|t| match t.key {
        Key::Object(o) => Some(o.index()),
        _ => None,
    })
}

/// Per thread, the mean over the probes that saw it, rounded up.
fn average(counts: impl Iterator<Item = Vec<u32>>) -> Vec<u32> {
    let mut sum: Vec<(u64, u64)> = Vec::new();
    for c in counts {
        if sum.len() < c.len() {
            sum.resize(c.len(), (0, 0));
        }
        for (tid, &n) in c.iter().enumerate() {
            sum[tid].0 += u64::from(n);
            sum[tid].1 += 1;
        }
    }
    sum.iter()
        .map(|&(total, seen)| total.div_ceil(seen.max(1)) as u32)
        .collect()
}

/// `Strategy::Random`'s scheduler (the same draws, so the same
/// executions) that also records every step.
struct Recorder {
    rng: ChaCha8Rng,
    seed: u64,
    /// Every step: the thread, its operation, and whether it held a lock.
    events: Vec<(Tid, Op, bool)>,
    held: Held,
    /// The thread that spawned each thread (index = tid).
    parent: Vec<Option<Tid>>,
    /// Steps taken while the program had more than one thread.
    concurrent_steps: u64,
}

impl Recorder {
    fn new(seed: u64) -> Self {
        Recorder {
            rng: ChaCha8Rng::seed_from_u64(seed),
            seed,
            events: Vec::new(),
            held: Held::default(),
            parent: vec![None],
            concurrent_steps: 0,
        }
    }

    /// Per thread, its events that `count` selects plus those of the
    /// threads it spawned, transitively.
    fn subtree_counts(&self, count: impl Fn(Op, bool) -> bool) -> Vec<u32> {
        let mut n = vec![0u32; self.parent.len()];
        for &(tid, op, holding) in &self.events {
            if count(op, holding) {
                n[tid] += 1;
            }
        }
        // Children have larger indices than their parents.
        for tid in (1..n.len()).rev() {
            if let Some(p) = self.parent[tid] {
                n[p] += n[tid];
            }
        }
        n
    }
}

impl Scheduler for Recorder {
    fn rng_seed(&self) -> u64 {
        self.seed
    }

    fn choose(&mut self, enabled: &[Candidate]) -> usize {
        // Random's draw, only where Random is asked.
        let pick = if enabled.len() > 1 {
            self.rng.random_range(0..enabled.len())
        } else {
            0
        };
        let c = enabled[pick];
        for e in enabled {
            if self.parent.len() <= e.tid {
                // Created otherwise than by a spawn seen here.
                self.parent.resize(e.tid + 1, None);
            }
        }
        // A thread's start is no event of the program (it only runs the
        // thread up to its first operation): not counted.
        if !matches!(c.op, Op::Start) {
            self.events.push((c.tid, c.op, self.held.holds(c.tid)));
        }
        if self.parent.len() > 1 {
            // Another thread exists (running, blocked or finished).
            self.concurrent_steps += 1;
        }
        self.held.step(&c);
        if !c.timeout && matches!(c.op, Op::Spawn { .. } | Op::ProcSpawn { .. }) {
            self.parent.push(Some(c.tid));
        }
        pick
    }

    fn observes_every_step(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::random::RandomScheduler;
    use crate::explore::Builder;

    /// Three threads share a `Shared` and a Lock; one of them spawns a
    /// grandchild that touches only its own variable.
    fn program() {
        let x = crate::Shared::new(0);
        let lock = crate::threading::Lock::new();
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let x = x.clone();
                crate::thread::spawn(move || {
                    let _g = lock.lock();
                    x.set(x.get() + 1);
                })
            })
            .collect();
        let own = crate::Shared::new(0);
        crate::thread::spawn(move || {
            crate::thread::spawn(move || own.set(1)).join().unwrap();
        })
        .join()
        .unwrap();
        for h in hs {
            h.join().unwrap();
        }
        let _g = lock.lock();
    }

    #[test]
    fn the_probes_are_the_random_executions_pct_estimated_from() {
        let main: Arc<dyn Fn() + Send + Sync> = Arc::new(program);
        let cfg = Builder::new().exec_config();
        let probed = probe(&main, &cfg, 42);
        // `Strategy::Pct`'s estimate before the probes recorded anything:
        // the longest of the same seeds' random executions.
        let mut steps = 1;
        for i in 0..PROBES {
            let seed = execution_seed(42 ^ PROBE_SALT, i);
            rt::run_execution(&main, &cfg, &mut RandomScheduler::new(seed));
            steps = steps.max(rt::with_exec(|e| e.steps()));
        }
        assert_eq!(probed.steps, steps);
        // URW: every event, the descendants' included: the main thread's
        // count is the whole execution's (no probe blocks differently here:
        // every probe has the same number of steps).
        assert_eq!(probed.urw.weights[0] as u64, steps);
        // Thread 3 spawned thread 4: its count includes its child's.
        assert!(probed.urw.weights[3] > probed.urw.weights[4]);
        // SURW: the shared objects are `x` and the lock; the grandchild's
        // variable is its own, so thread 4 has no interesting event, and
        // the increments inside the lock are not counted: each worker's
        // one interesting event is its acquire.
        let interesting = probed.surw.interesting.as_ref().unwrap();
        assert_eq!(interesting.len(), 2, "{interesting:?}");
        assert_eq!(probed.surw.weights[1..], [1, 1, 0, 0]);
        assert_eq!(probed.surw.weights[0], 1 + 1 + 1);
    }
}
