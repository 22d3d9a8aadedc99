//! `Builder::jobs(n)` gives the report `jobs(1)` gives; the shards of an
//! exploration merge into the unsharded report; progress is reported.

use std::sync::{Arc, Mutex};

use sim::{Builder, FailureKind, Report, Shard, Timing};

use crate::programs::racy_counter_printing;

/// Four threads print their number; the program panics when they print in
/// exactly reverse order, which a random schedule rarely does: its first
/// failure comes hundreds of executions into the run (553 with seed 3),
/// past the first chunks of a parallel one.
fn rare_order() {
    let order = sim::Shared::new(String::new());
    let lock = sim::threading::Lock::new();
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let order = order.clone();
            sim::thread::spawn(move || {
                let _g = lock.lock();
                sim::println!("{i}");
                order.with_mut(|o| o.push_str(&i.to_string()));
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_ne!(order.get(), "3210", "the threads ran in reverse order");
}

fn same_report(builder: Builder, body: fn()) -> Report {
    let one = builder.clone().jobs(1).explore(body);
    for jobs in [2, 3, 8] {
        let many = builder.clone().jobs(jobs).explore(body);
        assert_eq!(one, many, "jobs({jobs}) differs from jobs(1)");
    }
    one
}

#[test]
fn jobs_give_the_sequential_report_when_the_first_failure_is_late() {
    let report = same_report(Builder::new().executions(4_000).seed(3), rare_order);
    let failure = report.failure().expect("reverse order found");
    assert_eq!(failure.kind, FailureKind::Panic);
    // jobs(2) cuts 4,000 executions into 32 chunks of 125.
    assert!(
        failure.execution > 125,
        "the failure should come after the first chunk, came at {}",
        failure.execution
    );
    assert_eq!(report.executions, failure.execution);
}

#[test]
fn jobs_give_the_sequential_report_when_exploring_everything() {
    let report = same_report(
        Builder::new()
            .executions(5_000)
            .seed(11)
            .stop_on_first_failure(false),
        rare_order,
    );
    assert_eq!(report.executions, 5_000);
    // Every order of the four prints.
    assert_eq!(report.outputs.len(), 24);
    assert_eq!(report.failures.len(), 1);
}

#[test]
fn jobs_give_the_sequential_report_without_failures_and_under_adversarial_timing() {
    let report = same_report(
        Builder::new()
            .executions(3_000)
            .race_detection(false)
            .timing(Timing::Adversarial),
        racy_counter_printing,
    );
    assert!(report.failures.is_empty());
    let outputs: Vec<&str> = report.outputs.keys().map(String::as_str).collect();
    assert_eq!(outputs, ["1\n", "2\n"]);
}

#[test]
fn shards_merge_into_the_unsharded_report() {
    let builder = Builder::new()
        .executions(4_000)
        .seed(5)
        .stop_on_first_failure(false);
    let whole = builder.clone().explore(rare_order);
    for n in [1, 2, 3, 7] {
        let parts: Vec<Report> = (0..n)
            .map(|i| {
                builder
                    .clone()
                    .shard(Shard { index: i, count: n })
                    .explore(rare_order)
            })
            .collect();
        let sizes: u64 = parts.iter().map(|p| p.executions).sum();
        assert_eq!(sizes, 4_000);
        let merged = Report::merge(parts).unwrap();
        assert_eq!(merged, whole, "merge of {n} shards");
    }
}

#[test]
fn merged_shards_stopping_at_failures_find_the_unsharded_first_failure() {
    let builder = Builder::new().executions(4_000).seed(3);
    let whole = builder.clone().explore(rare_order);
    let first = whole.failure().expect("found unsharded");
    let parts: Vec<Report> = (0..4)
        .map(|i| {
            builder
                .clone()
                .shard(Shard { index: i, count: 4 })
                .jobs(2)
                .explore(rare_order)
        })
        .collect();
    let merged = Report::merge(parts).unwrap();
    let found = merged.failure().expect("found sharded");
    assert_eq!(
        (found.execution, &found.token, &found.trace),
        (first.execution, &first.token, &first.trace)
    );
}

#[test]
fn merging_reports_that_are_not_one_exploration_is_an_error() {
    let part = |seed, index, count| {
        Builder::new()
            .executions(100)
            .seed(seed)
            .shard(Shard { index, count })
            .explore(racy_counter_printing)
    };
    let gap = Report::merge([part(1, 0, 3), part(1, 2, 3)]).unwrap_err();
    assert!(gap.to_string().contains("do not cover"), "{gap}");
    let twice = Report::merge([part(1, 0, 2), part(1, 0, 2)]).unwrap_err();
    assert!(twice.to_string().contains("do not cover"), "{twice}");
    let seeds = Report::merge([part(1, 0, 2), part(2, 1, 2)]).unwrap_err();
    assert!(
        seeds.to_string().contains("not of one exploration"),
        "{seeds}"
    );
    assert!(Report::merge(Vec::new()).is_err());
    for bad in ["", "1", "2/2", "a/3", "1/0", "-1/3"] {
        assert!(bad.parse::<Shard>().is_err(), "{bad:?} parsed");
    }
}

#[test]
fn progress_counts_every_execution_across_jobs() {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&calls);
    let report = Builder::new()
        .executions(1_000)
        .jobs(2)
        .on_progress(move |p| log.lock().unwrap().push(p))
        .explore(|| {});
    assert_eq!(report.executions, 1_000);
    let calls = calls.lock().unwrap();
    let last = calls.last().unwrap();
    assert!(last.done);
    assert_eq!((last.executions, last.total), (1_000, Some(1_000)));
    // One call per 256 executions, whichever thread ran them, then the end.
    assert_eq!(calls.len(), 1_000 / sim::PROGRESS_EVERY as usize + 1);
    assert!(calls[..calls.len() - 1].iter().all(|p| !p.done));
}

#[test]
fn jobs_give_the_sequential_report_under_pct_and_pos() {
    for strategy in [sim::Strategy::Pct { depth: 2 }, sim::Strategy::Pos] {
        let report = same_report(
            Builder::new()
                .strategy(strategy)
                .executions(3_000)
                .seed(9)
                .stop_on_first_failure(false),
            rare_order,
        );
        assert_eq!(report.executions, 3_000, "{strategy}");
        assert!(report.outputs.len() > 1, "{strategy}");
    }
}

/// `rare_order` is in the DPOR fragment (locks, `Shared`, spawn, join):
/// the reduced search is not split, so it is all in shard 0. (The unreduced
/// DFS is split: `exhaustive_split.rs`.)
#[test]
fn a_dpor_exploration_is_all_in_shard_zero() {
    let builder = Builder::new()
        .strategy(sim::Strategy::Exhaustive)
        .stop_on_first_failure(false);
    let whole = builder.clone().explore(rare_order);
    assert!(whole.complete);
    let parts: Vec<Report> = (0..3)
        .map(|i| {
            builder
                .clone()
                .shard(Shard { index: i, count: 3 })
                .explore(rare_order)
        })
        .collect();
    assert_eq!(parts[0].executions, whole.executions);
    assert_eq!(parts[1].executions + parts[2].executions, 0);
    assert_eq!(Report::merge(parts).unwrap(), whole);
}
