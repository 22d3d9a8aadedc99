//! The plain depth-first search of `Strategy::Exhaustive`: every choice at
//! every scheduling point, optionally with a CHESS-style preemption bound.
//! It runs when a preemption bound is set, and as the fallback when an
//! execution leaves the fragment that ODPOR reduces (see the parent module).
//!
//! **The tree.** One [`DfsNode`] per scheduling point of the current path:
//! its alternatives are the candidates there, the running thread (the one
//! that ran the previous step, if it can run here too) first, then the
//! others in candidate order. An execution ([`DfsSched`]) follows the path's
//! choices, then takes the first alternative at every new point;
//! backtracking moves the deepest node with alternatives left to its next
//! one. The tree is fixed by the program, so the executions under two
//! distinct prefixes are independent: [`Dfs::frontier`] cuts the tree into
//! [`Subtree`]s, which `split.rs` explores on several threads or shards.
//!
//! **Preemption bounding** (`Builder::preemption_bound(Some(k))`). A
//! preemption is a switch away from the thread that ran the previous step
//! while it is still enabled; a switch at a blocking operation or a
//! thread's exit is free. Where the path already has `k` preemptions only
//! the running thread is tried: the others are cut, and the exploration is
//! not complete.
//!
//! **Completeness.** The search is complete only when it emptied its stack
//! (down to its subtree's root). Otherwise [`dfs_ended`] names every reason
//! that applies (the execution budget, the preemption bound, an execution
//! stopped by the step limit, stopping at the first failure), sorted and
//! joined by `"; "`, the way `Report::merge` joins the reasons of parts, so
//! that merged parts name what the whole names.

use std::sync::Arc;

use super::{budget_reason, Ended};
use crate::explore::token::Token;
use crate::explore::{Builder, Run};
use crate::failure::FailureKind;
use crate::rt::op::{Op, Tid};
use crate::rt::{self, Candidate, ExecConfig, Scheduler};

/// Plain depth-first search over every choice, optionally bounded in
/// preemptions.
///
/// Its tree is fixed by the program (each node's alternatives are the
/// candidates at that point, in order), so the subtrees under distinct
/// prefixes are independent: [`Dfs::frontier`] cuts the tree into
/// [`Subtree`]s and [`Dfs::explore_from`] explores one of them without ever
/// backtracking above its root (`split.rs` runs them on several threads or
/// shards).
pub(super) struct Dfs;

#[derive(Debug, Clone)]
struct DfsNode {
    /// Candidate indices to explore here, in order.
    order: Vec<usize>,
    /// Position in `order` explored now.
    k: usize,
    /// Thread of each candidate.
    tids: Vec<Tid>,
    /// Which candidates (of the first 64) are a thread's start.
    starts: u64,
    /// Preemptions on the path before this point.
    preemptions: u32,
    /// The thread that ran the previous step, when it can run here too.
    running: Option<Tid>,
    /// Whether the preemption bound cut alternatives here.
    cut: bool,
}

/// The root of one subtree of the depth-first search: the path of nodes
/// from the root of the tree, each with its choice fixed. The subtree is
/// every execution that starts with this path.
#[derive(Debug, Clone)]
pub(super) struct Subtree {
    nodes: Vec<DfsNode>,
}

struct DfsSched<'a> {
    nodes: &'a mut Vec<DfsNode>,
    depth: usize,
    bound: Option<u32>,
    cut: bool,
    choices: Vec<u32>,
}

impl<'a> DfsSched<'a> {
    /// A scheduler that follows `nodes` from the root, then takes the first
    /// alternative at every new point (pushing its node).
    fn new(nodes: &'a mut Vec<DfsNode>, bound: Option<u32>) -> Self {
        DfsSched {
            nodes,
            depth: 0,
            bound,
            cut: false,
            choices: Vec::new(),
        }
    }
}

impl Scheduler for DfsSched<'_> {
    fn choose(&mut self, enabled: &[Candidate]) -> usize {
        let d = self.depth;
        self.depth += 1;
        if d >= self.nodes.len() {
            // The thread that ran the previous step, and the preemptions
            // so far (a switch away from a thread that could go on).
            let (last, preemptions) = match d.checked_sub(1).map(|p| &self.nodes[p]) {
                Some(p) => after(p.running, p.preemptions, &p.tids, p.starts, p.order[p.k]),
                None => (None, 0),
            };
            let tids: Vec<Tid> = enabled.iter().map(|c| c.tid).collect();
            let running = last.filter(|t| tids.contains(t));
            let (mut order, others) = running_first(&tids, running);
            let mut cut = false;
            match (running, self.bound) {
                (Some(_), Some(b)) if preemptions >= b => cut = !others.is_empty(),
                _ => order.extend(others),
            }
            self.cut |= cut;
            self.nodes.push(DfsNode {
                order,
                k: 0,
                tids,
                starts: start_mask(enabled),
                preemptions,
                running,
                cut,
            });
        }
        let node = &self.nodes[d];
        let index = node
            .order
            .get(node.k)
            .copied()
            .unwrap_or(0)
            .min(enabled.len() - 1);
        if enabled.len() > 1 {
            self.choices.push(index as u32);
        }
        index
    }

    fn observes_every_step(&self) -> bool {
        true
    }
}

/// Which of the first 64 candidates are a thread's start.
pub(super) fn start_mask(enabled: &[Candidate]) -> u64 {
    enabled
        .iter()
        .take(64)
        .enumerate()
        .filter(|(_, c)| matches!(c.op, Op::Start))
        .fold(0, |m, (i, _)| m | 1 << i)
}

/// The running thread and the preemptions after taking candidate `taken`
/// at a point where `running` ran the previous step and could go on. A
/// thread's start is transparent: it costs no preemption and leaves the
/// running thread as it was (it only runs the new thread up to its first
/// operation), so that bounds count as if the thread had started with its
/// spawn.
pub(super) fn after(
    running: Option<Tid>,
    preemptions: u32,
    tids: &[Tid],
    starts: u64,
    taken: usize,
) -> (Option<Tid>, u32) {
    if taken < 64 && starts >> taken & 1 == 1 {
        return (running, preemptions);
    }
    let t = tids[taken];
    let switched = running.is_some_and(|r| r != t);
    (Some(t), preemptions + u32::from(switched))
}

/// A point's candidate indices in the search's order, split in two: the
/// running thread's (no preemption), then the others, each in candidate
/// order.
fn running_first(tids: &[Tid], running: Option<Tid>) -> (Vec<usize>, Vec<usize>) {
    (0..tids.len()).partition(|&i| Some(tids[i]) == running)
}

/// Why a depth-first exploration is not complete: every reason that
/// applies, in the order (and with the separator) [`Report::merge`]
/// uses, so that merged parts give the whole exploration's reason.
///
/// [`Report::merge`]: crate::Report::merge
pub(super) fn dfs_ended(
    builder: &Builder,
    bound: Option<u32>,
    budget_ran_out: bool,
    stopped: bool,
    cut: bool,
    step_limited: bool,
) -> Ended {
    let mut reasons = std::collections::BTreeSet::new();
    if budget_ran_out {
        reasons.insert(budget_reason(builder));
    }
    if stopped {
        reasons.insert("stopped at the first failure".to_string());
    }
    if cut {
        reasons.insert(format!(
            "the preemption bound ({}) cut schedules",
            bound.unwrap_or(0)
        ));
    }
    if step_limited {
        reasons.insert("the step limit cut executions short (Builder::max_steps)".to_string());
    }
    Ended {
        complete: reasons.is_empty(),
        reason: (!reasons.is_empty()).then(|| reasons.into_iter().collect::<Vec<_>>().join("; ")),
    }
}

impl Dfs {
    /// Explores every execution of `subtree` (the whole tree if `None`),
    /// in depth-first order, at most `budget` of them, never backtracking
    /// above the subtree's root.
    pub(super) fn explore_from(
        builder: &Builder,
        main: &Arc<dyn Fn() + Send + Sync>,
        cfg: &ExecConfig,
        run: &mut Run,
        bound: Option<u32>,
        budget: u64,
        subtree: Option<&Subtree>,
    ) -> Ended {
        let nodes: Vec<DfsNode> = subtree.map(|s| s.nodes.clone()).unwrap_or_default();
        Dfs::search(builder, main, cfg, run, bound, budget, nodes, None)
    }

    /// Explores the whole tree (up to `bound`, serially, at most `budget`
    /// executions), starting from an execution that was already run, the
    /// runtime's last one: `path` holds each of its steps' candidate
    /// threads and the index taken, `choices` its token's choices. It is
    /// recorded as this search's first execution; each of its points
    /// explores the index taken first, then the others in the usual order
    /// (any order covers the tree). Under a bound, the execution must be
    /// one the bounded search would run first: where the bound is reached,
    /// the index taken is the running thread's.
    pub(super) fn explore_adopting(
        builder: &Builder,
        main: &Arc<dyn Fn() + Send + Sync>,
        cfg: &ExecConfig,
        run: &mut Run,
        (bound, budget): (Option<u32>, u64),
        path: super::odpor::Path,
        choices: Vec<u32>,
    ) -> Ended {
        let mut nodes: Vec<DfsNode> = Vec::with_capacity(path.len());
        let mut last: Option<(Tid, u32)> = None;
        for (tids, starts, taken) in path {
            let running = last.map(|(t, _)| t).filter(|t| tids.contains(t));
            let preemptions = last.map_or(0, |(_, p)| p);
            let (first, others) = running_first(&tids, running);
            let mut order = vec![taken];
            let at_bound = running.is_some() && bound.is_some_and(|b| preemptions >= b);
            let cut = at_bound && !others.is_empty();
            if !at_bound {
                order.extend(first.into_iter().chain(others).filter(|&i| i != taken));
            }
            let (next, p) = after(running, preemptions, &tids, starts, taken);
            last = next.map(|t| (t, p));
            nodes.push(DfsNode {
                order,
                k: 0,
                tids,
                starts,
                preemptions,
                running,
                cut,
            });
        }
        Dfs::search(builder, main, cfg, run, bound, budget, nodes, Some(choices))
    }

    /// The search loop: from `nodes` (a subtree's root path, or with
    /// `adopted` the whole path of an execution already run, whose token's
    /// choices `adopted` holds), never backtracking above the root path.
    #[allow(clippy::too_many_arguments)]
    fn search(
        builder: &Builder,
        main: &Arc<dyn Fn() + Send + Sync>,
        cfg: &ExecConfig,
        run: &mut Run,
        bound: Option<u32>,
        budget: u64,
        mut nodes: Vec<DfsNode>,
        mut adopted: Option<Vec<u32>>,
    ) -> Ended {
        let floor = if adopted.is_some() { 0 } else { nodes.len() };
        // The cuts on the path to the subtree count as the subtree's own.
        let mut cut = nodes.iter().any(|n| n.cut);
        let mut step_limited = false;
        loop {
            if run.executions >= budget || builder.interrupted() {
                return dfs_ended(builder, bound, true, false, cut, step_limited);
            }
            let choices = match adopted.take() {
                Some(choices) => choices,
                None => {
                    let mut sched = DfsSched::new(&mut nodes, bound);
                    rt::run_execution(main, cfg, &mut sched);
                    let depth = sched.depth;
                    cut |= sched.cut;
                    let choices = std::mem::take(&mut sched.choices);
                    nodes.truncate(depth);
                    choices
                }
            };
            step_limited |= rt::with_exec(|e| {
                e.failure()
                    .as_ref()
                    .is_some_and(|f| f.kind == FailureKind::StepLimit)
            });
            let failed = run.record(main, cfg, Token::Schedule(choices));
            if failed && builder.stop_on_first_failure {
                return dfs_ended(builder, bound, false, true, cut, step_limited);
            }
            loop {
                if nodes.len() <= floor {
                    return dfs_ended(builder, bound, false, false, cut, step_limited);
                }
                let top = nodes.last_mut().expect("below the floor");
                top.k += 1;
                if top.k < top.order.len() {
                    break;
                }
                nodes.pop();
            }
        }
    }

    /// Runs one execution that follows `nodes` (their choices), then the
    /// first alternative at every new point; returns its whole path. Not
    /// recorded: it only shows the tree's shape.
    fn discover(
        main: &Arc<dyn Fn() + Send + Sync>,
        cfg: &ExecConfig,
        bound: Option<u32>,
        mut nodes: Vec<DfsNode>,
    ) -> Vec<DfsNode> {
        let mut sched = DfsSched::new(&mut nodes, bound);
        rt::run_execution(main, cfg, &mut sched);
        let depth = sched.depth;
        nodes.truncate(depth);
        nodes
    }

    /// Cuts the tree (up to the preemption `bound`) into subtrees, in
    /// depth-first order, that together hold every execution once: the
    /// tree is expanded level by level (a level is the next point with more
    /// than one alternative on each subtree's leftmost path) until there
    /// are at least `target` subtrees or every subtree is a single
    /// execution. Deterministic: the list depends only on the program, the
    /// configuration, `bound` and `target`. Costs about one (unrecorded)
    /// execution per subtree.
    pub(super) fn frontier(
        main: &Arc<dyn Fn() + Send + Sync>,
        cfg: &ExecConfig,
        bound: Option<u32>,
        target: usize,
    ) -> Vec<Subtree> {
        // (a whole path whose first `floor` nodes are the subtree's root,
        // and whose rest is the subtree's leftmost execution; floor)
        let mut items = vec![(Dfs::discover(main, cfg, bound, Vec::new()), 0)];
        while items.len() < target {
            let mut next = Vec::with_capacity(items.len() * 2);
            let mut grew = false;
            for (path, floor) in items {
                let branch = (floor..path.len()).find(|&i| path[i].order.len() > 1);
                let Some(i) = branch else {
                    // A single execution: its subtree is its whole path.
                    let len = path.len();
                    next.push((path, len));
                    continue;
                };
                grew = true;
                let alternatives = path[i].order.len();
                let mut children = Vec::with_capacity(alternatives - 1);
                for k in 1..alternatives {
                    let mut prefix = path[..=i].to_vec();
                    prefix[i].k = k;
                    children.push((Dfs::discover(main, cfg, bound, prefix), i + 1));
                }
                next.push((path, i + 1));
                next.extend(children);
            }
            items = next;
            if !grew {
                break;
            }
        }
        items
            .into_iter()
            .map(|(mut path, floor)| {
                path.truncate(floor);
                Subtree { nodes: path }
            })
            .collect()
    }
}
