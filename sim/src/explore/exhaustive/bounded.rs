//! Preemption-bounded DPOR (`Builder::preemption_bound(Some(k))`) for the
//! programs of the fragment ODPOR reduces: bounded partial-order reduction
//! in the manner of Coons, Musuvathi and McKinley (OOPSLA 2013, "BPOR").
//!
//! **Why not ODPOR with a bound.** A reduced search reaches each trace
//! through one schedule of its choosing; under a bound that schedule may
//! need more preemptions than another schedule of the same trace, so
//! pruning ODPOR's tree by the bound misses traces the bounded search
//! reaches (the bound makes independent events dependent). Sleep sets have
//! the same flaw: a thread asleep at a node is covered by a sibling's
//! subtree only if that subtree may preempt as often.
//!
//! **The search.** A depth-first search over the tree of `dfs.rs` (each
//! node's candidates; the running thread first; a switch away from a
//! thread that could go on is a preemption; where the path has `k`
//! preemptions only the running thread may be taken), but a node explores
//! only the candidates a race put in its backtrack set, as in the DPOR of
//! Flanagan and Godefroid (POPL 2005), without sleep sets. An execution
//! replays the stack's choices, then takes the running thread wherever it
//! can run (no preemption), else the first candidate. Afterwards its races
//! (`races.rs`, the same as ODPOR's: for every reversible race `e < e'`,
//! the node `j` of `e` and a sequence starting with an event that can run
//! there) put the sequence's first thread `q` into the backtrack set of
//! node `j` (every candidate there if `q` is not one), and, the bounded
//! search's addition, into that of the *latest context switch before
//! `j`*: the node where the thread running before `j` began to run (a
//! thread's start is transparent). Taking `q` there costs no more
//! preemptions than the switch the path made there (free if the previous
//! thread could not go on, one otherwise, either way as many as before),
//! so a reversal that the bound forbids at `j` is still reached within
//! the bound, with `q`'s events moved before the whole block: these
//! conservative points are what make the bounded reduction sound (BPOR's
//! theorem for this backtracking rule). Candidates the bound forbids are
//! not added, and make the exploration incomplete.
//!
//! **What it guarantees.** Every execution it runs is one the bounded DFS
//! runs (a node offers a subset of the DFS's alternatives, and new points
//! take the DFS's first one), so it never runs more executions than the
//! bounded DFS, and every outcome it finds is one the bounded DFS finds;
//! conversely it finds every outcome of the bounded DFS (checked by
//! `sim/tests/it/dpor_bounded.rs` against the plain bounded DFS on the
//! programs of the DPOR proptest, bounds 0 to 2). When the bound forbade
//! nothing, the search is an unbounded DPOR (with extra backtrack points)
//! and covers every trace: the report is complete.
//!
//! **Outside the fragment** it gives up like ODPOR (the same check), and
//! the plain bounded DFS runs instead, adopting the first execution when
//! that is where it gave up (the first executions of the two coincide).

use std::sync::Arc;

use super::dfs::{after, dfs_ended, start_mask};
use super::guards::read_log;
use super::odpor::{outside_fragment, Fallback, Path};
use super::races::Races;
use super::Ended;
use crate::explore::token::Token;
use crate::explore::{Builder, Run};
use crate::failure::FailureKind;
use crate::rt::op::Tid;
use crate::rt::{self, Candidate, ExecConfig, Scheduler};

/// A candidate's state at a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alt {
    /// Not in the backtrack set.
    Skip,
    /// In the backtrack set, not explored yet.
    Pending,
    /// Explored, or being explored.
    Done,
}

/// One scheduling point of the current execution.
#[derive(Debug)]
struct Node {
    /// Thread of each candidate.
    tids: Vec<Tid>,
    /// Which candidates (of the first 64) are a thread's start.
    starts: u64,
    /// The thread that ran the previous step, when it can run here too.
    running: Option<Tid>,
    /// Preemptions on the path before this point.
    preemptions: u32,
    /// Each candidate's state.
    alts: Vec<Alt>,
    /// The candidate explored now.
    cur: usize,
}

impl Node {
    /// Puts thread `q` into the backtrack set (every candidate when `q` is
    /// not one), except what the bound forbids, which sets `cut`.
    fn backtrack(&mut self, q: Tid, bound: u32, cut: &mut bool) {
        match self.tids.iter().position(|&t| t == q) {
            Some(i) => self.offer(i, bound, cut),
            None => (0..self.tids.len()).for_each(|i| self.offer(i, bound, cut)),
        }
    }

    /// Puts candidate `i` into the backtrack set unless the bound forbids
    /// it (exactly where the bounded DFS cuts: where the path has `bound`
    /// preemptions, only the running thread).
    fn offer(&mut self, i: usize, bound: u32, cut: &mut bool) {
        if self.alts[i] != Alt::Skip {
            return;
        }
        match self.running {
            Some(r) if self.preemptions >= bound && self.tids[i] != r => *cut = true,
            _ => self.alts[i] = Alt::Pending,
        }
    }

    /// Whether the step taken here is a thread's start.
    fn is_start(&self) -> bool {
        self.cur < 64 && self.starts >> self.cur & 1 == 1
    }

    /// Whether the step taken here switched threads (or is the first).
    fn switches(&self) -> bool {
        self.running != Some(self.tids[self.cur])
    }
}

/// The latest context switch before node `j`: the node where the thread
/// running before `j` began to run (starts are transparent), or the root.
fn block_start(nodes: &[Node], j: usize) -> Option<usize> {
    (0..j)
        .rev()
        .find(|&i| !nodes[i].is_start() && nodes[i].switches())
        .or((j > 0).then_some(0))
}

/// What one execution told the explorer.
#[derive(Default)]
struct Outcome {
    unsupported: Option<String>,
    choices: Vec<u32>,
    /// Every step's candidates and the index taken (first execution only).
    path: Option<Path>,
}

/// The scheduler of one execution: replays the stack's choices, then the
/// running thread where it can run, else the first candidate.
struct BoundedSched<'a> {
    nodes: &'a mut Vec<Node>,
    spurious_parks: bool,
    adversarial: bool,
    depth: usize,
    out: Outcome,
}

impl Scheduler for BoundedSched<'_> {
    fn choose(&mut self, enabled: &[Candidate]) -> usize {
        let d = self.depth;
        self.depth += 1;
        if self.out.unsupported.is_none() {
            self.out.unsupported = outside_fragment(enabled, self.spurious_parks, self.adversarial);
        }
        let index = if let Some(node) = self.nodes.get(d) {
            if !node.tids.iter().eq(enabled.iter().map(|c| &c.tid)) {
                self.out.unsupported.get_or_insert_with(|| {
                    "the program did not repeat a recorded prefix (nondeterminism?)".to_string()
                });
            }
            node.cur.min(enabled.len() - 1)
        } else {
            let (last, preemptions) = match d.checked_sub(1).map(|p| &self.nodes[p]) {
                Some(p) => after(p.running, p.preemptions, &p.tids, p.starts, p.cur),
                None => (None, 0),
            };
            let found = last.and_then(|r| enabled.iter().position(|c| c.tid == r));
            let running = found.map(|i| enabled[i].tid);
            let cur = found.unwrap_or(0);
            let mut alts = vec![Alt::Skip; enabled.len()];
            alts[cur] = Alt::Done;
            self.nodes.push(Node {
                tids: enabled.iter().map(|c| c.tid).collect(),
                starts: start_mask(enabled),
                running,
                preemptions,
                alts,
                cur,
            });
            cur
        };
        if enabled.len() > 1 {
            self.out.choices.push(index as u32);
        }
        if let Some(path) = &mut self.out.path {
            let tids = enabled.iter().map(|c| c.tid).collect();
            path.push((tids, start_mask(enabled), index));
        }
        index
    }

    fn observes_every_step(&self) -> bool {
        true
    }
}

/// Preemption-bounded DPOR over the reduced fragment.
pub(super) struct Bounded;

impl Bounded {
    /// Explores up to `bound` preemptions, at most `budget` executions.
    /// Returns why not when an execution left the reduced fragment (the
    /// caller then runs the plain bounded DFS).
    pub(super) fn explore(
        builder: &Builder,
        main: &Arc<dyn Fn() + Send + Sync>,
        cfg: &ExecConfig,
        run: &mut Run,
        bound: u32,
        budget: u64,
    ) -> Result<Ended, Fallback> {
        if cfg.spurious_wakeups {
            return Err(Fallback {
                why: "spurious wake-ups are on, and the reduction does not model them".to_string(),
                first: None,
            });
        }
        let mut nodes: Vec<Node> = Vec::new();
        let mut races = Races::default();
        let (mut cut, mut step_limited, mut first) = (false, false, true);
        let ended = |budget_ran_out, stopped, cut, step_limited| {
            dfs_ended(
                builder,
                Some(bound),
                budget_ran_out,
                stopped,
                cut,
                step_limited,
            )
        };
        loop {
            if run.executions >= budget || builder.interrupted() {
                return Ok(ended(true, false, cut, step_limited));
            }
            let mut sched = BoundedSched {
                nodes: &mut nodes,
                spurious_parks: cfg.spurious_parks,
                adversarial: cfg.adversarial,
                depth: 0,
                out: Outcome {
                    path: first.then(Vec::new),
                    ..Outcome::default()
                },
            };
            first = false;
            rt::run_execution(main, cfg, &mut sched);
            let depth = sched.depth;
            let out = std::mem::take(&mut sched.out);
            if let Some(why) = out.unsupported {
                let first = out.path.map(|path| (path, out.choices));
                return Err(Fallback { why, first });
            }
            let read = read_log();
            let Some(log) = read.events.as_deref() else {
                return Err(Fallback {
                    why: "an operation outside the reduced fragment was performed".to_string(),
                    first: None,
                });
            };
            if log.len() != depth || depth != nodes.len() {
                return Err(Fallback {
                    why: "the execution did not follow its schedule (nondeterminism?)".to_string(),
                    first: None,
                });
            }
            step_limited |= read.failure == Some(FailureKind::StepLimit);
            let failed = run.record(main, cfg, Token::Schedule(out.choices));
            if failed && builder.stop_on_first_failure {
                return Ok(ended(false, true, cut, step_limited));
            }
            races.find(log, &read.pending, &read, |j, v| {
                let q = v[0].tid;
                nodes[j].backtrack(q, bound, &mut cut);
                if let Some(b) = block_start(&nodes, j) {
                    nodes[b].backtrack(q, bound, &mut cut);
                }
            });
            // Backtrack to the deepest node with a candidate left.
            loop {
                let Some(top) = nodes.last_mut() else {
                    return Ok(ended(false, false, cut, step_limited));
                };
                if let Some(i) = top.alts.iter().position(|&a| a == Alt::Pending) {
                    top.alts[i] = Alt::Done;
                    top.cur = i;
                    break;
                }
                nodes.pop();
            }
        }
    }
}
