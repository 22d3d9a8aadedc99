//! Every scenario's expected verdict, and the notebook's outputs among the
//! outputs the simulator says are possible.

use scenarios::{strip_ctime, Expected};
use sim::{Builder, FailureKind};

#[test]
fn every_scenario_has_its_expected_verdict_under_exact_timing() {
    for s in scenarios::all() {
        let report = Builder::new()
            .name(s.name)
            .faults(s.faults())
            .executions(s.executions)
            .explore(s.body);
        assert!(
            s.exact.matches(&report),
            "{}: expected {}, found {}",
            s.name,
            s.exact,
            report
        );
        if s.exact == Expected::NoFailure {
            // A clean verdict is only as strong as the executions behind it.
            assert_eq!(report.executions, s.executions, "{}", s.name);
        }
    }
}

#[test]
fn notebook_outputs_are_possible_outputs() {
    let mut checked = 0;
    for s in scenarios::all() {
        let Some(expected) = s.notebook_output else {
            continue;
        };
        let report = Builder::new()
            .name(s.name)
            .executions(s.executions)
            .stop_on_first_failure(false)
            .explore(s.body);
        let outputs: Vec<String> = report.outputs.keys().map(|o| strip_ctime(o)).collect();
        assert!(
            outputs.iter().any(|o| o == expected),
            "{}: the notebook's output\n{expected}\nis not among the {} outputs found, e.g.\n{}",
            s.name,
            outputs.len(),
            outputs[0]
        );
        checked += 1;
    }
    assert!(
        checked >= 4,
        "only {checked} scenarios carry notebook output"
    );
}

#[test]
fn print_time_outputs_differ_only_in_tie_order() {
    let s = scenarios::find("print_time").unwrap();
    let report = Builder::new().executions(s.executions).explore(s.body);
    assert!(
        report.outputs.len() > 1,
        "ties at 4 s, 8 s, ... must give several orders"
    );
    let mut sorted_lines: Vec<Vec<String>> = report
        .outputs
        .keys()
        .map(|o| {
            let mut lines: Vec<String> = o.lines().map(str::to_string).collect();
            lines.sort();
            lines
        })
        .collect();
    sorted_lines.dedup();
    assert_eq!(sorted_lines.len(), 1, "outputs differ in more than order");
    assert_eq!(sorted_lines[0].len(), 10);
}

#[test]
fn lock_scenarios_never_interleave_the_two_threads_prints() {
    for name in ["lock", "lock_with"] {
        let s = scenarios::find(name).unwrap();
        let report = Builder::new().executions(s.executions).explore(s.body);
        for out in report.outputs.keys() {
            let timed: Vec<&str> = out
                .lines()
                .filter(|l| l.contains(": "))
                .map(|l| &l[..8])
                .collect();
            assert_eq!(timed.len(), 6, "{out}");
            assert!(
                timed[..3].iter().all(|t| *t == timed[0])
                    && timed[3..].iter().all(|t| *t == timed[3]),
                "{name}: prints interleave:\n{out}"
            );
        }
    }
}

#[test]
fn gil_counter_loses_updates_when_races_are_not_stopped() {
    let s = scenarios::find("gil_counter").unwrap();
    let report = Builder::new()
        .executions(2000)
        .race_detection(false)
        .explore(s.body);
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.outputs.contains_key("count = 3\n"));
    assert!(
        report.outputs.contains_key("count = 2\n") || report.outputs.contains_key("count = 1\n"),
        "no lost update seen: {:?}",
        report.outputs
    );
    let locked = scenarios::find("gil_counter_locked").unwrap();
    let report = Builder::new().executions(2000).explore(locked.body);
    assert_eq!(report.outputs.keys().collect::<Vec<_>>(), ["count = 3\n"]);
}

#[test]
fn lock_reentry_deadlocks_on_itself() {
    let s = scenarios::find("lock_reentry").unwrap();
    let report = Builder::new().executions(1).explore(s.body);
    let f = report.failure().unwrap();
    assert_eq!(f.kind, FailureKind::Deadlock);
    assert!(
        f.message.contains("held by Thread-1 itself"),
        "{}",
        f.message
    );
}

#[test]
fn every_scenario_has_its_expected_verdict_under_adversarial_timing() {
    for s in scenarios::all() {
        let want = s.adversarial.unwrap_or(s.exact);
        let report = Builder::new()
            .name(s.name)
            .timing(sim::Timing::Adversarial)
            .faults(s.faults())
            .executions(s.executions)
            .explore(s.body);
        assert!(
            want.matches(&report),
            "{}: expected {} under adversarial timing, found {}",
            s.name,
            want,
            report
        );
    }
}

#[test]
fn process_pool_sum_is_always_correct() {
    let s = scenarios::find("process_pool_sum").unwrap();
    let report = Builder::new().executions(s.executions).explore(s.body);
    assert!(report.failures.is_empty(), "{report}");
    let want = format!("total = {}\n", (0..scenarios::POOL_RANGE).sum::<u64>());
    assert_eq!(report.outputs.keys().collect::<Vec<_>>(), [&want]);
}

#[test]
fn process_global_counter_parent_still_sees_zero() {
    let s = scenarios::find("process_global_counter").unwrap();
    let report = Builder::new().executions(s.executions).explore(s.body);
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.outputs.len() > 1, "children print in several orders");
    for out in report.outputs.keys() {
        assert!(out.ends_with("parent: counter = 0\n"), "{out}");
        assert_eq!(out.matches("counter = 1\n").count(), 3, "{out}");
    }
}

#[test]
fn process_kill_lock_deadlocks_only_when_kills_are_explored() {
    let s = scenarios::find("process_kill_lock").unwrap();
    assert_eq!(s.kills, 1);
    let off = Builder::new().executions(s.executions).explore(s.body);
    assert!(off.failures.is_empty(), "{off}");
    assert_eq!(
        off.outputs.keys().collect::<Vec<_>>(),
        ["child: working\nparent: exit code Some(0)\n"]
    );
    let on = Builder::new()
        .faults(s.faults())
        .executions(s.executions)
        .stop_on_first_failure(false)
        .explore(s.body);
    let f = on.failure().unwrap();
    assert_eq!(f.kind, FailureKind::Deadlock);
    assert!(
        f.message.contains(
            "held by Process-1 (which is dead: its process Process-1 was killed (SIGKILL)"
        ),
        "{}",
        f.message
    );
    // Killed before it took the lock, the child leaves the parent free.
    assert!(
        on.outputs.contains_key("parent: exit code Some(-9)\n"),
        "{:?}",
        on.outputs
    );
}

#[test]
fn pipe_ping_pong_alternates() {
    let s = scenarios::find("pipe_ping_pong").unwrap();
    let report = Builder::new().executions(s.executions).explore(s.body);
    assert!(report.failures.is_empty(), "{report}");
    let want = "child got ping\nparent got pong\n".repeat(3);
    assert_eq!(report.outputs.keys().collect::<Vec<_>>(), [&want]);
}
