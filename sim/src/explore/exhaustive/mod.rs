//! [`Strategy::Exhaustive`](crate::Strategy::Exhaustive): every execution,
//! depth-first.
//!
//! Two explorers:
//!
//! - `odpor.rs`: optimal dynamic partial-order reduction with wake-up trees,
//!   one execution per Mazurkiewicz trace, for the programs of its fragment.
//! - `bounded.rs`: preemption-bounded DPOR for the same fragment.
//! - `dfs.rs`: a plain depth-first search over every choice at every
//!   scheduling point, optionally preemption-bounded; `split.rs` cuts it
//!   into independent subtrees for `jobs(n)` and shards.
//!
//! Both implement `Scheduler` with `observes_every_step() == true` (the one
//! addition to the runtime's interface: `choose` is then called at every
//! step, even with one candidate, so the explorer's `i`-th call is step
//! `i`), and both read the finished execution's event log (`Exec::events`,
//! through `rt::with_exec`) to learn what each step did. Their token is the
//! list of choice indices at the points with more than one candidate
//! (`Token::Schedule`, printed `s1:` + base64url of LEB128 varints),
//! replayed by `token::ScheduleReplay`, which records a misfit (index out of
//! range, too few or too many choices) that `Builder::replay` turns into a
//! `Nondeterminism` failure.
//!
//! **The reduced fragment and the fallback.** ODPOR reduces programs made of
//! `Lock`/`RLock`/`Mutex`/`RwLock`/`Semaphore` blocking acquires, releases and
//! `locked()` (so `Once`, `OnceLock` and `LazyLock`, built on them),
//! `Condition`/`Condvar` waits without a timeout and notifies, `Event` set,
//! clear, wait and `is_set`, `Barrier` (Python's and std's) waits without a
//! timeout, `n_waiting`, `broken`, `abort` and `reset`, `Queue` blocking
//! puts and gets, `task_done`, `join` and sizes, `park` without a timeout
//! and `unpark`, loom's `Notify` (`notify` and `wait`), atomics,
//! `UnsafeCell`, `Shared`, `print`, `yield_now`, non-daemon `spawn` and
//! `join`, and sleeps under `Timing::Exact`, without spurious wake-ups
//! (blocking events and time: `odpor.rs` and `guards.rs`); a program of
//! that fragment without sleeps runs the same under both timings. Any
//! other operation (sleeps under adversarial timing, timed waits, timed or
//! non-blocking acquires, `join_timeout`, daemon threads, processes and
//! their IPC), a kill-fault candidate, a timeout candidate or a thread
//! offered twice (Adversarial timing, spurious wake-ups) makes it give up,
//! and the exploration restarts as the plain DFS (when that happened in
//! ODPOR's first execution, a serial DFS adopts it as its own first
//! execution instead of running the program again, so the program runs
//! once per execution reported; the split DFS starts afresh): sound for
//! everything the runtime can do (time, jumps of the clock, timeouts and
//! spurious wake-ups are just candidates), but without reduction. Why not
//! reduce those too: time jumps, timeout candidates and the sticky `waited`
//! flag make enabledness depend on history and on the clock, and a failed
//! try-lock broke the wake-up-tree covering argument in this implementation
//! (the proptest found a missed trace: a try-lock's outcome changes what its
//! thread does next while the covering check treats it as the same event);
//! rather than ship an unsound reduction, they go to the DFS. Extending the
//! fragment further (the clock as an object written by a jump, timeouts as
//! choices competing with the events they wait for, channels, processes) is future work, each step checked by the proptest oracle.
//!
//! **Preemption bounding** (`Builder::preemption_bound`) uses bounded DPOR
//! (`bounded.rs`: DPOR with backtrack sets and BPOR's conservative
//! backtrack points, no sleep sets) on the fragment, the bounded DFS
//! outside it or with the reduction off. ODPOR and a bound do not combine
//! soundly (a reduced tree may only reach a trace through a schedule with
//! more preemptions). `iterative_deepening` runs bounds `0..=k` in turn,
//! until a round is complete, fails (when stopping at the first failure)
//! or uses up the budget.
//!
//! **Completeness.** `Report::complete` is true only when the explorer
//! emptied its stack; `Report::incomplete_reason` names what cut it: the
//! execution budget, the preemption bound, an execution stopped by the step
//! limit, or stopping at the first failure.
//!
//! **Jobs and shards.** The DFS is split (`split.rs`). ODPOR (and bounded DPOR) is not: it runs
//! on one thread, and sharded, all in shard 0, the other shards reporting
//! nothing. Its subtrees are not independent: a race found in one execution
//! inserts a wake-up sequence at the node of the racing event, which may be
//! any ancestor above a split depth, so a subtree's exploration adds work to
//! its ancestors' other children; and a node's sleep set holds the siblings
//! explored before it, so a subtree explored without its left siblings would
//! explore traces they already covered (or, given their sleep sets, need
//! their results first). An exact split would have to replay the serial
//! exploration's order of discoveries. Every shard runs ODPOR (to learn
//! whether the program stays in the fragment) and keeps its result only in
//! shard 0; a program that leaves the fragment restarts as the split DFS.
//! The reduced spaces are the small ones; the unreduced DFS is where the
//! millions of executions are. Iterative deepening, sharded, runs wholly in
//! shard 0 too (whether round `b + 1` runs depends on whether all of round
//! `b` was complete); each of its rounds is split over the jobs.
//!
//! **Checked by** `sim/tests/it/dpor_proptest.rs`: proptest programs of 2-4
//! threads over up to 3 Locks, 2 RwLocks, 2 Semaphores, 3 conditions (over
//! a Lock, over an RLock, a std `Condvar`), 2 Events and 3 Shared
//! variables (reads, writes, blocking lock blocks, try-lock blocks, read and
//! write blocks, semaphore blocks, condition blocks with waits and
//! notifies, event sets, clears, waits and `is_set`s, waits at 2 barriers
//! of 2 and 3 parties, `n_waiting`, aborts and resets, puts, gets and
//! sizes of a bounded (1) and an unbounded queue, parks and unparks of
//! earlier threads, notifies and waits of 2 `Notify`s), an oracle with its
//! own interpreter that enumerates every interleaving and canonicalises each to its
//! lexicographic normal form; DPOR's outcome set must equal the oracle's and
//! its execution count the number of normal forms (programs with a
//! try-lock: equal outcomes, executions >= traces). `sim/tests/it/exhaustive.rs`
//! asserts the counts (20, 90, 3, 720), `sim/tests/it/exhaustive_split.rs`
//! that split and sharded explorations report what the serial one does.

mod bounded;
mod dfs;
mod events;
mod guards;
mod odpor;
mod races;
mod split;

use std::sync::Arc;

use super::progress::ProgressCounter;
use super::shard::concat;
use super::{Builder, Report, Run};
use crate::rt::ExecConfig;
use bounded::Bounded;
use dfs::Dfs;
use odpor::Odpor;

/// How an exhaustive exploration ended.
struct Ended {
    complete: bool,
    reason: Option<String>,
}

/// The reason an exploration stopped at its execution budget.
fn budget_reason(builder: &Builder) -> String {
    format!(
        "the execution budget ({} executions) ran out",
        builder.executions
    )
}

impl Builder {
    /// `Strategy::Exhaustive`: optimal DPOR, or a (bounded) depth-first
    /// search when a preemption bound is set, the reduction is off or the
    /// program leaves DPOR's fragment (see the module docs). The depth-first
    /// search is split into subtrees over jobs and shards (`split.rs`); ODPOR and the rounds of
    /// iterative deepening as a whole run in shard 0 (the other shards'
    /// parts are empty, so merging stays exact), and ODPOR on one thread.
    pub(super) fn explore_exhaustive(
        &self,
        main: &Arc<dyn Fn() + Send + Sync>,
        cfg: &ExecConfig,
    ) -> Report {
        let not_shard_zero = self.shard.is_some_and(|s| s.index != 0);
        if let Some(k) = self.preemption_bound {
            let k = u32::try_from(k).unwrap_or(u32::MAX);
            if !self.deepening || k == 0 {
                let counter = ProgressCounter::new(self.progress.as_ref(), None);
                let report = self.bounded_round(main, cfg, k, self.executions, &counter);
                counter.finish(report.executions);
                return report;
            }
            // Iterative deepening: whether round b + 1 runs depends on
            // whether round b was complete, which no shard alone knows.
            if not_shard_zero {
                return split::empty_part(self);
            }
            let whole = Builder {
                shard: None,
                ..self.clone()
            };
            let counter = ProgressCounter::new(self.progress.as_ref(), None);
            let mut rounds = Vec::new();
            let mut used = 0;
            let mut last = (true, None);
            for bound in 0..=k {
                let left = self.executions.saturating_sub(used);
                let round = whole.bounded_round(main, cfg, bound, left, &counter);
                used += round.executions;
                let stop = round.complete
                    || !round.failures.is_empty() && self.stop_on_first_failure
                    || used >= self.executions
                    || self.interrupted();
                last = (round.complete, round.incomplete_reason.clone());
                rounds.push(round);
                if stop {
                    break;
                }
            }
            // The rounds one after the other; complete if the last one is.
            let mut report = concat(rounds, self.strategy, self.seed);
            (report.complete, report.incomplete_reason) = last;
            counter.finish(report.executions);
            return report;
        }
        if !self.reduction {
            let mut report = self.explore_dfs(main, cfg, None);
            report.unreduced = Some(
                "the reduction is off (`Builder::reduction(false)`, as under shuttle's \
                 `check_dfs` and `DfsScheduler`): a plain depth-first search"
                    .to_string(),
            );
            return report;
        }
        let counter = ProgressCounter::new(self.progress.as_ref(), None);
        let mut run = Run::new(self).with_progress(&counter);
        let fallback = match Odpor::explore(self, main, cfg, &mut run) {
            Ok(ended) => {
                let mut report = run.finish(ended.complete);
                report.incomplete_reason = ended.reason;
                if not_shard_zero {
                    report = split::empty_part(self);
                }
                counter.finish(report.executions);
                return report;
            }
            Err(fallback) => fallback,
        };
        // Outside the reduced fragment: the plain DFS, which says so. When
        // ODPOR gave up in its first execution, a serial DFS adopts that
        // execution as its own first (the program runs once per execution
        // reported); otherwise it starts again.
        if let (Some((path, choices)), false) = (fallback.first, split::splits(self)) {
            let ended = Dfs::explore_adopting(
                self,
                main,
                cfg,
                &mut run,
                (None, self.executions),
                path,
                choices,
            );
            let mut report = run.finish(ended.complete);
            report.incomplete_reason = ended.reason;
            report.unreduced = Some(fallback.why);
            counter.finish(report.executions);
            return report;
        }
        let mut report = self.explore_dfs(main, cfg, None);
        report.unreduced = Some(fallback.why);
        report
    }

    /// One preemption-bounded exploration (up to `bound`, at most `budget`
    /// executions): bounded DPOR (`bounded.rs`, on one thread, its result
    /// kept in shard 0 only), or, with the reduction off or outside its
    /// fragment, the bounded DFS (split over jobs or shards), which says
    /// so in `unreduced`.
    fn bounded_round(
        &self,
        main: &Arc<dyn Fn() + Send + Sync>,
        cfg: &ExecConfig,
        bound: u32,
        budget: u64,
        counter: &ProgressCounter<'_>,
    ) -> Report {
        if !self.reduction {
            let mut report = self.dfs_round(main, cfg, Some(bound), budget, counter);
            report.unreduced = Some(
                "the reduction is off (`Builder::reduction(false)`): a plain bounded \
                 depth-first search"
                    .to_string(),
            );
            return report;
        }
        let mut run = Run::new(self).with_progress(counter);
        let fallback = match Bounded::explore(self, main, cfg, &mut run, bound, budget) {
            Ok(ended) => {
                if self.shard.is_some_and(|s| s.index != 0) {
                    return split::empty_part(self);
                }
                let mut report = run.finish(ended.complete);
                report.incomplete_reason = ended.reason;
                return report;
            }
            Err(fallback) => fallback,
        };
        let why = Some(format!(
            "{}; the bounded search is a plain depth-first search",
            fallback.why
        ));
        if let (Some((path, choices)), false) = (fallback.first, split::splits(self)) {
            let limits = (Some(bound), budget);
            let ended = Dfs::explore_adopting(self, main, cfg, &mut run, limits, path, choices);
            let mut report = run.finish(ended.complete);
            report.incomplete_reason = ended.reason;
            report.unreduced = why;
            return report;
        }
        let mut report = self.dfs_round(main, cfg, Some(bound), budget, counter);
        report.unreduced = why;
        report
    }

    /// The depth-first search (up to the preemption `bound`), counting
    /// its progress.
    fn explore_dfs(
        &self,
        main: &Arc<dyn Fn() + Send + Sync>,
        cfg: &ExecConfig,
        bound: Option<u32>,
    ) -> Report {
        let counter = ProgressCounter::new(self.progress.as_ref(), None);
        let report = self.dfs_round(main, cfg, bound, self.executions, &counter);
        counter.finish(report.executions);
        report
    }

    /// One depth-first search (up to `bound`, at most `budget`
    /// executions): split over jobs or shards (`split.rs`), or serial.
    fn dfs_round(
        &self,
        main: &Arc<dyn Fn() + Send + Sync>,
        cfg: &ExecConfig,
        bound: Option<u32>,
        budget: u64,
        counter: &ProgressCounter<'_>,
    ) -> Report {
        if split::splits(self) {
            return split::explore(self, main, cfg, bound, budget, counter);
        }
        let mut run = Run::new(self).with_progress(counter);
        let ended = Dfs::explore_from(self, main, cfg, &mut run, bound, budget, None);
        let mut report = run.finish(ended.complete);
        report.incomplete_reason = ended.reason;
        report
    }
}
