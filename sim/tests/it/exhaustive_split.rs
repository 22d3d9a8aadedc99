//! Exhaustive exploration's depth-first search split into subtrees:
//! `jobs(n)` gives the `jobs(1)` report, and the shards of an exhaustive
//! exploration merge into the unsharded report, on programs that go
//! through the plain DFS (outside ODPOR's fragment, or with a preemption
//! bound).

use std::time::Duration;

use sim::threading::{Condition, Event, Semaphore};
use sim::{Builder, FailureKind, Faults, Report, Shard, Strategy, Timing};

use crate::programs::{kill_while_holding, lock_order_printing, semaphore_workers};

fn exhaustive() -> Builder {
    Builder::new()
        .strategy(Strategy::Exhaustive)
        .executions(1_000_000)
}

/// A producer/consumer over a Condition whose consumer does not re-check
/// its predicate after a wait: with two consumers and one item, one of them
/// pops an empty buffer (a panic) in some schedules.
fn condition_buggy() {
    let cv = Condition::new();
    let items = sim::Shared::new(0u32);
    let consumers: Vec<_> = (0..2)
        .map(|i| {
            let items = items.clone();
            sim::thread::spawn(move || {
                let _g = cv.lock();
                if items.get() == 0 {
                    cv.wait();
                }
                assert!(items.get() > 0, "consumer {i} found the buffer empty");
                items.set(items.get() - 1);
                sim::println!("consumer {i} took one");
            })
        })
        .collect();
    {
        let _g = cv.lock();
        items.set(items.get() + 1);
        cv.notify_all();
    }
    {
        let _g = cv.lock();
        items.set(items.get() + 1);
        cv.notify(1);
    }
    for c in consumers {
        let _ = c.join();
    }
}

/// Ends early in some schedules (main returns as soon as it sees the event
/// unset) and runs long in the others: executions end before the split
/// depth.
fn early_and_late() {
    let ev = Event::new();
    let setter = sim::thread::spawn(move || ev.set());
    if !ev.is_set() {
        sim::println!("early");
        setter.join().unwrap();
        return;
    }
    let handles: Vec<_> = (0..3)
        .map(|i| {
            sim::thread::spawn(move || {
                sim::println!("{i}a");
                sim::println!("{i}b");
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    setter.join().unwrap();
}

/// A single execution: no scheduling choice at all (a try-lock keeps it
/// outside the optimal DPOR's fragment: the split DFS explores it).
fn tiny() {
    let lock = sim::threading::Lock::new();
    assert!(lock.try_acquire());
    sim::println!("done");
}

/// Adversarial timing: the sleep orders nothing; a timed wait may time out.
fn adversarial() {
    let ev = Event::new();
    let t = sim::thread::spawn(move || {
        let ok = ev.wait_timeout(Duration::from_secs(1));
        sim::println!("child {ok}");
        assert!(ok, "timed out");
    });
    sim::time::sleep(Duration::from_secs(2));
    sim::println!("main");
    ev.set();
    let _ = t.join();
}

/// A thread spins on a Semaphore's `try_acquire` until main releases it:
/// the schedules where main never gets to run again hit the step limit.
fn spinner() {
    let sem = Semaphore::new(0);
    let t = sim::thread::spawn(move || {
        // A busy loop without `yield_now` (the exhaustive searches'
        // fairness rule would postpone a yielding spinner): unbounded.
        while !sem.try_acquire() {}
        sim::println!("got it");
    });
    sim::println!("releasing");
    sem.release();
    t.join().unwrap();
}

/// Checks `jobs(2)` and `jobs(3)` against `jobs(1)`, failure for failure
/// (kinds, keys through the messages, tokens, traces, execution numbers).
fn same_report_with_jobs(builder: &Builder, body: fn()) -> Report {
    let one = builder.clone().jobs(1).explore(body);
    for jobs in [2, 3] {
        let many = builder.clone().jobs(jobs).explore(body);
        assert_eq!(
            one, many,
            "jobs({jobs}) differs from jobs(1):\n{many}\nvs\n{one}"
        );
    }
    one
}

/// Checks that shards `0..n` merge into the unsharded report (stop at the
/// first failure off), or into its first failure (on).
fn shards_merge(builder: &Builder, body: fn(), whole: &Report, stop: bool) {
    for n in [2, 3, 5] {
        let parts: Vec<Report> = (0..n)
            .map(|i| {
                builder
                    .clone()
                    .shard(Shard { index: i, count: n })
                    .jobs(1 + (i as usize % 2))
                    .explore(body)
            })
            .collect();
        let merged = Report::merge(parts.clone()).unwrap();
        // Given in any order, the shards merge into the same report.
        let mut reversed = parts;
        reversed.reverse();
        assert_eq!(Report::merge(reversed).unwrap(), merged);
        if stop {
            let (a, b) = (merged.failure(), whole.failure());
            assert_eq!(
                a.map(|f| (f.execution, &f.token, &f.trace)),
                b.map(|f| (f.execution, &f.token, &f.trace)),
                "{n} shards: first failure"
            );
            if b.is_none() {
                assert_eq!(&merged, whole, "{n} shards, no failure");
            }
        } else {
            assert_eq!(
                &merged, whole,
                "merge of {n} shards:\n{merged}\nvs\n{whole}"
            );
        }
    }
}

/// Both checks, with stop at the first failure on and off.
fn check(builder: Builder, body: fn()) -> (Report, Report) {
    let mut out = Vec::new();
    for stop in [false, true] {
        let b = builder.clone().stop_on_first_failure(stop);
        let whole = same_report_with_jobs(&b, body);
        shards_merge(&b, body, &whole, stop);
        out.push(whole);
    }
    let stopping = out.pop().unwrap();
    (out.pop().unwrap(), stopping)
}

#[test]
fn condition_program_splits_exactly() {
    let (all, first) = check(exhaustive(), condition_buggy);
    assert!(all.complete, "{all}");
    assert!(all.executions > 64, "{all}");
    assert_eq!(all.failures[0].kind, FailureKind::Panic, "{all}");
    assert!(first.failure().unwrap().execution > 1, "{first}");
    assert_eq!(first.executions, first.failure().unwrap().execution);
}

#[test]
fn semaphore_program_splits_exactly() {
    let (all, _) = check(exhaustive(), semaphore_workers::<1>);
    assert!(all.complete && all.failures.is_empty(), "{all}");
    assert!(all.outputs.len() > 1, "{all}");
}

#[test]
fn preemption_bounded_lock_order_splits_exactly() {
    for k in [0, 1] {
        let (all, _) = check(exhaustive().preemption_bound(Some(k)), lock_order_printing);
        assert_eq!(all.failures.is_empty(), k == 0, "bound {k}: {all}");
        assert!(!all.complete, "bound {k}: {all}");
        assert!(
            all.incomplete_reason
                .as_deref()
                .unwrap()
                .contains("preemption bound"),
            "{all}"
        );
    }
    let (all, _) = check(exhaustive().preemption_bound(Some(2)), lock_order_printing);
    assert!(all.complete && !all.failures.is_empty(), "{all}");
    // Iterative deepening, each round split over the jobs (shards: all in
    // shard 0).
    check(
        exhaustive()
            .preemption_bound(Some(3))
            .iterative_deepening(true),
        lock_order_printing,
    );
}

#[test]
fn executions_ending_before_the_split_depth_split_exactly() {
    let (all, _) = check(exhaustive(), early_and_late);
    assert!(all.complete, "{all}");
    assert!(all.outputs.contains_key("early\n"), "{all}");
    assert!(all.outputs.len() > 2, "{all}");
}

#[test]
fn a_program_with_fewer_subtrees_than_shards_splits_exactly() {
    let (all, _) = check(exhaustive(), tiny);
    assert_eq!(all.executions, 1);
    let parts: Vec<Report> = (0..5)
        .map(|i| {
            exhaustive()
                .shard(Shard { index: i, count: 5 })
                .explore(tiny)
        })
        .collect();
    // The one execution is in one shard (the last: `Shard::range` of one
    // subtree); the other shards are empty and complete.
    assert_eq!(parts[4].executions, 1);
    assert!(parts[..4]
        .iter()
        .all(|p| p.executions == 0 && p.complete && p.failures.is_empty()));
}

#[test]
fn kill_faults_and_adversarial_timing_split_exactly() {
    let (all, _) = check(
        exhaustive().faults(Faults::Kill { max: 1 }),
        kill_while_holding,
    );
    assert!(
        all.failures.iter().any(|f| f.kind == FailureKind::Deadlock),
        "{all}"
    );
    let (all, _) = check(exhaustive().timing(Timing::Adversarial), adversarial);
    assert!(all.complete, "{all}");
    assert_eq!(all.failures[0].kind, FailureKind::Panic, "{all}");
}

#[test]
fn the_execution_budget_cuts_split_explorations_where_the_serial_one_stops() {
    let total = exhaustive()
        .stop_on_first_failure(false)
        .explore(semaphore_workers::<1>)
        .executions;
    for budget in [1, 2, 7, 50, total - 1, total, total + 1] {
        let b = exhaustive().executions(budget).stop_on_first_failure(false);
        let r = same_report_with_jobs(&b, semaphore_workers::<1>);
        assert_eq!(r.executions, budget.min(total), "budget {budget}");
        assert_eq!(r.complete, budget >= total, "budget {budget}: {r}");
        if budget < total {
            assert!(r.incomplete_reason.unwrap().contains("budget"));
        }
    }
    // With failures too.
    for budget in [3, 40] {
        for stop in [false, true] {
            let b = exhaustive().executions(budget).stop_on_first_failure(stop);
            same_report_with_jobs(&b, condition_buggy);
        }
    }
}

#[test]
fn step_limits_and_preemption_bounds_give_the_same_reasons() {
    let (all, _) = check(exhaustive().max_steps(30), spinner);
    assert!(!all.complete, "{all}");
    assert_eq!(all.failures[0].kind, FailureKind::StepLimit, "{all}");
    assert!(all.incomplete_reason.unwrap().contains("step limit"));
    // Both reasons at once.
    let (all, _) = check(
        exhaustive().max_steps(30).preemption_bound(Some(2)),
        spinner,
    );
    let reason = all.incomplete_reason.unwrap();
    assert!(
        reason.contains("step limit") && reason.contains("preemption bound"),
        "{reason}"
    );
}

#[test]
fn iterative_deepening_with_a_budget_splits_exactly() {
    for budget in [2, 5, 9, 30] {
        for stop in [false, true] {
            let b = exhaustive()
                .preemption_bound(Some(2))
                .iterative_deepening(true)
                .executions(budget)
                .stop_on_first_failure(stop);
            same_report_with_jobs(&b, lock_order_printing);
        }
    }
}

#[test]
fn a_sharded_budget_applies_to_each_shard() {
    let b = exhaustive().executions(10).stop_on_first_failure(false);
    let parts: Vec<Report> = (0..3)
        .map(|i| {
            b.clone()
                .shard(Shard { index: i, count: 3 })
                .explore(semaphore_workers::<1>)
        })
        .collect();
    assert!(parts.iter().all(|p| p.executions <= 10));
    let merged = Report::merge(parts).unwrap();
    assert!(!merged.complete);
    assert!(merged.incomplete_reason.unwrap().contains("budget"));
}

#[test]
fn progress_counts_every_execution_of_a_split_exploration() {
    use std::sync::{Arc, Mutex};
    let calls = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&calls);
    let report = exhaustive()
        .jobs(2)
        .on_progress(move |p| log.lock().unwrap().push(p))
        .explore(semaphore_workers::<1>);
    let calls = calls.lock().unwrap();
    let last = calls.last().unwrap();
    assert!(last.done);
    assert_eq!(last.executions, report.executions);
}
