//! `--kill K`: verdicts stated per kill count, and deadlock reports that
//! name the processes the explorer killed (issue 17 item 5).

use crate::cli::{sim, stdout};

#[test]
fn explore_kill_finds_the_dead_holder_and_its_replay_reproduces_it() {
    // process_pool_sum states its verdict with kills too: with --kill 1
    // the parent waits forever for the sum of a killed worker, as expected.
    let o = sim(&["explore", "process_pool_sum", "--kill", "1"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("Deadlock in execution"), "{out}");
    assert!(
        out.contains("verdict: Deadlock (expected Deadlock with --kill 1): as expected"),
        "{out}"
    );
    // The deadlock names the killed process, the step and the virtual time.
    let killed = out
        .lines()
        .find(|l| l.contains("was killed by the explorer"))
        .unwrap_or_else(|| panic!("no kill named in\n{out}"));
    assert!(killed.starts_with("  Process-"), "{killed}");
    assert!(killed.contains(" at step "), "{killed}");
    assert!(killed.contains(", virtual time "), "{killed}");
    let line = out
        .lines()
        .find(|l| l.starts_with("replay: sim replay process_pool_sum "))
        .expect("replay line");
    assert!(line.ends_with(" --kill 1"), "{line}");
    let args: Vec<&str> = line.trim_start_matches("replay: sim ").split(' ').collect();
    let r = sim(&args);
    let replayed = stdout(&r);
    assert!(replayed.contains("killed (fault)"), "{replayed}");
    assert!(replayed.contains(killed), "{replayed}");

    // The kill scenario finds its deadlock with its own --kill 1, and
    // none with --kill 0, as stated for it.
    let o = sim(&["explore", "process_kill_lock"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("killed (SIGKILL) by the explorer (a --kill fault)"),
        "{out}"
    );
    assert!(
        out.contains("verdict: Deadlock (expected Deadlock): as expected"),
        "{out}"
    );
    let o = sim(&["explore", "process_kill_lock", "--kill", "0"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("verdict: no failure (expected no failure with --kill 0): as expected"),
        "{out}"
    );
}

#[test]
fn explore_all_matches_every_verdict_with_and_without_kills() {
    for kill in ["0", "1", "2"] {
        let o = sim(&["explore", "--all", "--kill", kill]);
        let out = stdout(&o);
        assert!(o.status.success(), "--kill {kill}:\n{out}");
        assert!(!out.contains("MISMATCH"), "--kill {kill}:\n{out}");
        let n = scenarios::all().len();
        let all = format!(
            "all {n} scenarios match their expected verdicts ({} explorations)",
            2 * n
        );
        assert!(out.contains(&all), "--kill {kill}:\n{out}");
    }
}

#[test]
fn list_shows_the_verdicts_stated_with_kills() {
    let out = stdout(&sim(&["list"]));
    let row = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} missing from\n{out}"))
            .to_string()
    };
    assert!(
        row("process_pool_sum ").contains("(with --kill 1: Deadlock, adversarial Deadlock)"),
        "{out}"
    );
    assert!(
        row("process_kill_lock ").contains("(with --kill 0: no failure, adversarial no failure)"),
        "{out}"
    );
}
