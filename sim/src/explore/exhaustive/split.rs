//! The plain depth-first search of `Strategy::Exhaustive` split into
//! independent subtrees, for `jobs(n)` and shards.
//!
//! The DFS tree (`dfs.rs`) is fixed by the program (a node's alternatives
//! are its candidates, the running thread first, cut by the preemption
//! bound): the executions under two distinct prefixes share nothing. So:
//!
//! 1. [`Dfs::frontier`] expands the tree level by level (a level: the next
//!    node with more than one alternative on each subtree's leftmost path),
//!    serially and deterministically, running one unrecorded execution per
//!    new subtree to learn its leftmost path, until there are at least
//!    [`target`] subtrees (or every subtree is a single execution; one that
//!    ends above the split depth is a subtree of its own). Each subtree's
//!    first execution runs again when the subtree is explored, and is
//!    counted there, once. A [`Subtree`] is the path of nodes from the root,
//!    choices fixed; the cuts of the preemption bound on that path count as
//!    its own.
//! 2. A shard takes a contiguous block of that list ([`Shard::range`] of
//!    its length); the list depends on the program, the configuration and
//!    the shard count only, never on `jobs`, so every machine agrees on it.
//! 3. The block's subtrees are handed out in order to `jobs` worker threads
//!    (each with its own runtime); each is explored by a DFS that never
//!    backtracks above its root, as a run numbering its failures from its
//!    own first execution.
//! 4. The subtrees' reports are concatenated in depth-first order
//!    (`shard::concat`): execution numbers follow on, the earliest failure
//!    of each key is kept, so the result is the serial DFS's report:
//!    same executions, failures (numbers, tokens, traces) and outputs, and
//!    incomplete reasons. A token is the choices from the root of the whole
//!    tree, so a subtree's tokens are the serial DFS's.
//!
//! Stopping at the first failure: workers stop taking subtrees after the
//! earliest one known to fail, and the concatenation ends with the first
//! failing subtree. The execution budget `B`: each subtree is explored with
//! budget `B`; in the concatenation, the subtree that crosses the budget is
//! explored again with what is left of it (so it stops at the same
//! execution as the serial DFS), and the subtrees after it are dropped
//! (workers stop taking subtrees once the finished ones, all earlier than
//! any not yet taken, add up to `B`). A shard applies the budget to its own
//! block (it cannot know how much the earlier shards used).
//!
//! Merging shards: `Report::merge` of exhaustive shards sorts them by index
//! and concatenates them the same way, so the merge of shards `0..n` is the
//! unsharded report (with stop-at-first-failure off); with it on, the
//! shards before the first failing one ran everything, so the first failure
//! keeps its number and token.

use std::sync::Arc;

use super::budget_reason;
use super::dfs::{Dfs, Subtree};
use crate::explore::progress::ProgressCounter;
use crate::explore::shard::concat;
use crate::explore::{parallel, Builder, Report, Run};
use crate::rt::ExecConfig;

/// The fewest subtrees the tree is cut into.
const MIN_SUBTREES: usize = 64;
/// Subtrees per worker thread (or per shard): enough that the workers
/// finish together although subtrees differ in size.
const SUBTREES_PER_PART: usize = 16;

/// How many subtrees to cut the tree into: for a shard, a number all
/// shards agree on (it depends on the shard count, not on `jobs`).
fn target(builder: &Builder) -> usize {
    let parts = match builder.shard {
        Some(shard) => usize::try_from(shard.count).unwrap_or(usize::MAX),
        None => builder.jobs,
    };
    MIN_SUBTREES.max(parts.saturating_mul(SUBTREES_PER_PART))
}

/// Explores the DFS tree (up to the preemption `bound`), at most `budget`
/// executions, split into subtrees: only the builder's shard's block of
/// them if it is sharded, on `builder.jobs` threads. Progress is counted
/// on `progress`.
pub(super) fn explore(
    builder: &Builder,
    main: &Arc<dyn Fn() + Send + Sync>,
    cfg: &ExecConfig,
    bound: Option<u32>,
    budget: u64,
    progress: &ProgressCounter<'_>,
) -> Report {
    let subtrees = Dfs::frontier(main, cfg, bound, target(builder));
    let block = match builder.shard {
        Some(shard) => {
            let r = shard.range(subtrees.len() as u64);
            r.start as usize..r.end as usize
        }
        None => 0..subtrees.len(),
    };
    let subtrees = &subtrees[block];
    // Worker threads have their own names: fix the scenario's name (by
    // default the calling test's thread name) before leaving this thread.
    let builder = &Builder {
        name: Some(builder.scenario_name()),
        ..builder.clone()
    };
    let explore_one = |subtree: &Subtree, budget: u64| {
        let mut run = Run::new(builder).with_progress(progress);
        let main = parallel::own_arc(main);
        let ended = Dfs::explore_from(builder, &main, cfg, &mut run, bound, budget, Some(subtree));
        let mut report = run.finish(ended.complete);
        report.incomplete_reason = ended.reason;
        report
    };
    let mut results: Vec<Option<Report>> = if builder.jobs > 1 && subtrees.len() > 1 {
        parallel::in_order(builder, subtrees.len(), budget, &|i| {
            explore_one(&subtrees[i], budget)
        })
    } else {
        // Explored below, in order, each with what is left of the budget.
        (0..subtrees.len()).map(|_| None).collect()
    };
    // In depth-first order, up to the budget or the first failing subtree.
    let mut parts = Vec::new();
    let mut left = budget;
    let mut budget_ran_out = false;
    for (i, subtree) in subtrees.iter().enumerate() {
        if builder.interrupted() {
            break;
        }
        if left == 0 {
            // Every subtree holds at least one execution.
            budget_ran_out = true;
            break;
        }
        let report = match results[i].take() {
            Some(report) if report.executions <= left => report,
            // It crosses the budget (or was not run): again, with what is left.
            _ => explore_one(subtree, left),
        };
        left -= report.executions;
        let stop = !report.failures.is_empty() && builder.stop_on_first_failure;
        parts.push(report);
        if stop {
            break;
        }
    }
    let mut report = concat(parts, builder.strategy, builder.seed);
    if budget_ran_out {
        report.complete = false;
        let mut reasons: Vec<String> = report
            .incomplete_reason
            .iter()
            .flat_map(|r| r.split("; ").map(str::to_string))
            .collect();
        reasons.push(budget_reason(builder));
        reasons.sort();
        reasons.dedup();
        report.incomplete_reason = Some(reasons.join("; "));
    }
    report
}

/// Whether an exploration with this builder is split (several jobs, or a
/// shard).
pub(super) fn splits(builder: &Builder) -> bool {
    builder.jobs > 1 || builder.shard.is_some()
}

/// The report of a shard that has no part in an exploration that is not
/// split (ODPOR, iterative deepening): empty and complete, so that merging
/// the shards gives shard 0's report.
pub(super) fn empty_part(builder: &Builder) -> Report {
    Run::new(builder).finish(true)
}
