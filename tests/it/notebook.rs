//! The notebook's programs with primitives beyond Lock, as the scenario
//! catalogue ports them: their outputs and verdicts under both timings.

use scenarios::Scenario;
use sim::{Builder, FailureKind, Report, Timing};

fn explore(name: &str, timing: Timing, executions: u64) -> Report {
    let s: &Scenario = scenarios::find(name).unwrap();
    Builder::new()
        .name(name)
        .timing(timing)
        .executions(executions)
        .explore(s.body)
}

#[test]
fn condition_is_bug_free_under_exact_timing_and_prints_the_notebook_output() {
    let report = explore("condition", Timing::Exact, 2000);
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(report.executions, 2000);
    let notebook = scenarios::find("condition")
        .unwrap()
        .notebook_output
        .unwrap();
    assert_eq!(report.outputs.keys().collect::<Vec<_>>(), [notebook]);
}

#[test]
fn condition_deadlocks_under_adversarial_timing_with_the_lost_wakeup_named() {
    let report = explore("condition", Timing::Adversarial, 2000);
    let failure = report.failure().expect("a lost wake-up deadlock");
    assert_eq!(failure.kind, FailureKind::Deadlock, "{failure}");
    let m = &failure.message;
    assert!(m.contains("lost wake-up: consumer"), "{m}");
    assert!(m.contains("is blocked in wait of Condition#"), "{m}");
    assert!(
        m.contains("notified earlier (step ") && m.contains("by producer at "),
        "{m}"
    );
    assert!(m.contains("scenarios/src/condition.rs:"), "{m}");
    // The named step is the producer's notify_all in the trace.
    let step: u64 = m
        .split("notified earlier (step ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a step number");
    let event = &failure.trace.events[step as usize - 1];
    assert_eq!(event.op, "notify_all");
    assert_eq!(failure.trace.threads[event.thread], "producer");
    assert_eq!(failure.trace.timing, "adversarial");
}

#[test]
fn semaphore_is_bug_free_under_both_timings() {
    let exact = explore("semaphore", Timing::Exact, 2000);
    assert!(exact.failures.is_empty(), "{exact}");
    let notebook = scenarios::find("semaphore")
        .unwrap()
        .notebook_output
        .unwrap();
    assert_eq!(exact.outputs.keys().collect::<Vec<_>>(), [notebook]);
    let adversarial = explore("semaphore", Timing::Adversarial, 2000);
    assert!(adversarial.failures.is_empty(), "{adversarial}");
    // Without the sleep's ordering the reader may start first: more
    // outputs, all correct.
    assert!(adversarial.outputs.len() > 1, "{adversarial}");
    for out in adversarial.outputs.keys() {
        assert!(
            out.contains("Reader read Hello\n") && out.contains("Reader read world\n"),
            "{out}"
        );
    }
}

#[test]
fn event_prints_three_or_four_waiting_lines_then_foobar() {
    for timing in [Timing::Exact, Timing::Adversarial] {
        let report = explore("event", timing, 1000);
        assert!(report.failures.is_empty(), "{report}");
        for output in report.outputs.keys() {
            assert!(
                output.ends_with("Bar\n") && output.contains("Foo"),
                "{output:?}"
            );
        }
        if timing == Timing::Exact {
            // At 3 s bar's timeout and foo's start are simultaneous: either
            // may come first, so a fourth "Waiting" is possible, not more.
            let waits: Vec<usize> = report
                .outputs
                .keys()
                .map(|o| o.matches("Waiting").count())
                .collect();
            assert!(waits.contains(&3) && waits.contains(&4), "{waits:?}");
            assert!(waits.iter().all(|&w| w == 3 || w == 4), "{waits:?}");
        }
    }
}

#[test]
fn barrier_counts_up_then_runs_all_seven() {
    let report = explore("barrier", Timing::Exact, 1000);
    assert!(report.failures.is_empty(), "{report}");
    let notebook = scenarios::find("barrier").unwrap().notebook_output.unwrap();
    assert!(report.outputs.contains_key(notebook), "{report:?}");
    for output in report.outputs.keys() {
        assert_eq!(output.matches("Run\n").count(), 7, "{output}");
        assert_eq!(output.matches("Ready: ").count(), 10, "{output}");
    }
}

#[test]
fn barrier_short_deadlocks_naming_the_barrier_and_its_six_waiters() {
    let report = explore("barrier_short", Timing::Exact, 10);
    let f = report.failure().expect("deadlock");
    assert_eq!(f.kind, FailureKind::Deadlock);
    assert_eq!(
        f.message.matches("is blocked in wait of Barrier#0").count(),
        6,
        "{}",
        f.message
    );
    assert!(
        f.message.contains("has 6 of 7 parties waiting"),
        "{}",
        f.message
    );
}

#[test]
fn timer_fires_at_5s_and_a_cancel_at_5s_may_win_or_lose() {
    let report = explore("timer", Timing::Exact, 50);
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(
        report.outputs.keys().collect::<Vec<_>>(),
        ["hello, world\n"]
    );
    let report = explore("timer_cancel", Timing::Exact, 500);
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(
        report.outputs.keys().collect::<Vec<_>>(),
        ["", "hello, world\n"]
    );
}
