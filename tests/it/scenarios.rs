//! Every scenario's expected verdict, and the notebook's outputs among the
//! outputs the simulator says are possible.

use scenarios::{strip_ctime, Expected, Scenario};
use sim::{Builder, FailureKind, Report, Strategy, Timing};

/// Explores `s` under `timing` with the strategy that proves its verdict,
/// and checks the verdict and the proof's strength: an exhaustive clean
/// verdict covered the whole space; a random one ran all its executions.
fn check_verdict(s: &Scenario, timing: Timing) -> Report {
    check_verdict_with(s, timing, s.kills)
}

/// [`check_verdict`] with `kills` kill faults.
fn check_verdict_with(s: &Scenario, timing: Timing, kills: u32) -> Report {
    let want = s
        .expected_with(timing, kills)
        .unwrap_or_else(|| panic!("{}: no verdict stated for --kill {kills}", s.name));
    let report = s
        .builder(timing)
        .faults(scenarios::faults(kills))
        .explore(s.body);
    assert!(
        want.matches(&report),
        "{} under {timing} timing with {kills} kill(s): expected {want}, found {report}",
        s.name
    );
    if want == Expected::NoFailure {
        match s.strategy(timing) {
            Strategy::Exhaustive => assert!(
                report.complete,
                "{} under {timing}: an exhaustive clean verdict must cover the whole space: {report}",
                s.name
            ),
            _ => assert_eq!(report.executions, s.executions, "{}", s.name),
        }
    }
    report
}

#[test]
fn every_scenario_has_its_expected_verdict_under_exact_timing() {
    let mut exhaustive = 0;
    for s in scenarios::all() {
        check_verdict(s, Timing::Exact);
        exhaustive += usize::from(s.strategy(Timing::Exact) == Strategy::Exhaustive);
    }
    // All but the three too big for it (7 barrier runners; 3 and 4
    // processes with their queue feeders, explored without reduction) are
    // proved exhaustively.
    assert_eq!(exhaustive, scenarios::all().len() - 3);
}

#[test]
fn every_scenario_has_its_expected_verdict_under_adversarial_timing() {
    for s in scenarios::all() {
        check_verdict(s, Timing::Adversarial);
    }
}

#[test]
fn every_scenario_has_its_expected_verdicts_with_and_without_kills() {
    // The verdicts stated per kill count (issue 17 item 5): a process
    // scenario without kills of its own deadlocks once a worker may be
    // killed, and the kill scenario is clean without its kill.
    for s in scenarios::all() {
        for kills in 0..=2 {
            for timing in [Timing::Exact, Timing::Adversarial] {
                check_verdict_with(s, timing, kills);
            }
        }
    }
    let dead = Some(Expected::Failure(FailureKind::Deadlock));
    let pool = scenarios::find("process_pool_sum").unwrap();
    assert_eq!(pool.expected_with(Timing::Exact, 1), dead);
    let kill_lock = scenarios::find("process_kill_lock").unwrap();
    assert_eq!(
        kill_lock.expected_with(Timing::Adversarial, 0),
        Some(Expected::NoFailure)
    );
}

#[test]
fn exhaustive_outputs_contain_every_sampled_output() {
    // On every scenario whose whole space is explored (proved clean
    // exhaustively under exact timing), the exhaustive set of outputs
    // contains every output that random sampling saw.
    for s in scenarios::all() {
        if s.strategy(Timing::Exact) != Strategy::Exhaustive || s.exact != Expected::NoFailure {
            continue;
        }
        let all = s
            .builder(Timing::Exact)
            .stop_on_first_failure(false)
            .explore(s.body);
        let sampled = Builder::new()
            .name(s.name)
            .faults(s.faults())
            .executions(500)
            .stop_on_first_failure(false)
            .explore(s.body);
        for out in sampled.outputs.keys() {
            assert!(
                all.outputs.contains_key(out),
                "{}: random found an output exhaustive exploration did not:\n{out}",
                s.name
            );
        }
        assert!(all.complete && sampled.failures.is_empty(), "{}", s.name);
    }
}

#[test]
fn notebook_outputs_are_possible_outputs() {
    let mut checked = 0;
    for s in scenarios::all() {
        let Some(expected) = s.notebook_output else {
            continue;
        };
        // Every possible output where the space is small (exhaustive),
        // else the sampled ones.
        let report = s
            .builder(Timing::Exact)
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

#[test]
fn exhaustive_verdicts_hold_with_jobs_and_shards() {
    // Scenarios outside ODPOR's fragment (conditions, semaphores, events,
    // timers, barriers, processes, kills; and adversarial timing) are
    // explored by the plain depth-first search, which jobs and shards split
    // into subtrees: the verdicts and the proofs' counts are the same.
    let names = [
        "condition",
        "semaphore",
        "event",
        "timer",
        "timer_cancel",
        "barrier_short",
        "process_kill_lock",
        "pipe_ping_pong",
    ];
    for name in names {
        let s = scenarios::find(name).unwrap();
        for timing in [Timing::Exact, Timing::Adversarial] {
            if s.strategy(timing) != Strategy::Exhaustive {
                continue;
            }
            let one = check_verdict(s, timing);
            let two = s.builder(timing).jobs(2).explore(s.body);
            assert_eq!(
                one, two,
                "{name} under {timing}: jobs(2) differs from jobs(1)"
            );
            // Three shards, merged: the same report when the space is
            // clean (every execution explored), else the same first failure.
            let parts: Vec<Report> = (0..3)
                .map(|i| {
                    s.builder(timing)
                        .shard(sim::Shard { index: i, count: 3 })
                        .explore(s.body)
                })
                .collect();
            let merged = Report::merge(parts).unwrap();
            match one.failure() {
                None => assert_eq!(merged, one, "{name} under {timing}: merged shards"),
                Some(first) => {
                    let found = merged.failure().expect("found sharded");
                    assert_eq!(
                        (found.execution, &found.token),
                        (first.execution, &first.token),
                        "{name} under {timing}: merged shards' first failure"
                    );
                }
            }
        }
    }
}
