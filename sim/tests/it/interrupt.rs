//! `Builder::interrupt_on`: a flag set during an exploration stops it at
//! the next execution's end, and the report holds what was explored, not
//! complete, with the reason (the `sim` command sets the flag on Ctrl-C).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use sim::{Builder, FailureKind, Strategy};

use crate::programs::{lock_increments, racy_counter};

/// A builder whose flag is set once `at` executions have been reported.
fn interrupted_at(b: Builder, at: u64) -> Builder {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    b.interrupt_on(stop).on_progress(move |p: sim::Progress| {
        if p.executions >= at {
            flag.store(true, Ordering::Relaxed);
        }
    })
}

#[test]
fn an_interrupted_random_exploration_reports_what_it_explored() {
    let report =
        interrupted_at(Builder::new().executions(1_000_000), 512).explore(lock_increments::<2, 3>);
    assert_eq!(report.executions, 512);
    assert!(!report.complete);
    assert_eq!(
        report.incomplete_reason.as_deref(),
        Some("interrupted after 512 executions")
    );
    assert!(!report.outputs.is_empty());
}

#[test]
fn an_interrupted_parallel_exploration_stops_too() {
    let report = interrupted_at(Builder::new().executions(10_000_000).jobs(2), 1024)
        .explore(lock_increments::<2, 3>);
    assert!(report.executions >= 1024, "{report}");
    assert!(report.executions < 10_000_000, "{report}");
    assert!(report
        .incomplete_reason
        .unwrap()
        .starts_with("interrupted after "));
}

#[test]
fn an_interrupted_exhaustive_exploration_is_not_complete() {
    // 3 threads x 3 increments: far more than 256 interleavings.
    for jobs in [1, 2] {
        let report = interrupted_at(
            Builder::new()
                .strategy(Strategy::Exhaustive)
                .executions(u64::MAX)
                .jobs(jobs),
            256,
        )
        .explore(lock_increments::<3, 3>);
        assert!(!report.complete, "{report}");
        assert!(report.executions >= 256, "{report}");
        assert!(
            report
                .incomplete_reason
                .as_deref()
                .unwrap()
                .starts_with("interrupted after "),
            "{report}"
        );
    }
}

#[test]
fn failures_found_before_the_interrupt_are_kept() {
    let report = interrupted_at(
        Builder::new()
            .executions(1_000_000)
            .stop_on_first_failure(false),
        300,
    )
    .explore(racy_counter);
    assert_eq!(report.executions, 512);
    assert_eq!(report.failures[0].kind, FailureKind::DataRace);
}
