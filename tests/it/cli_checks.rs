//! The `sim` binary's checks of what it is given (issue 17): tokens that
//! do not fit the scenario, trace files, report files, flags.

use std::path::Path;

use crate::cli::{scratch, sim, stderr, stdout};

/// A token of the right form that does not fit the scenario is an error
/// (non-zero exit, a message saying so) for every command that runs one.
#[test]
fn replay_dot_and_timeline_reject_a_token_that_does_not_fit() {
    let cases: [&[&str]; 3] = [
        // Too many choices for lock_order.
        &["lock_order", "s1:AAAAAAAAAAAAAQEBAAA"],
        // Choices out of range (127, 127, 127).
        &["condition", "s1:fwfwfw", "--timing", "adversarial"],
        // Too few choices: a token of another program (the library's tests'
        // lock_order has one scheduling point fewer).
        &["lock_order", "s1:AAE"],
    ];
    for command in ["replay", "dot", "timeline"] {
        for case in cases {
            let args: Vec<&str> = [command].iter().chain(case).copied().collect();
            let o = sim(&args);
            assert_eq!(
                o.status.code(),
                Some(2),
                "{args:?}: {}{}",
                stdout(&o),
                stderr(&o)
            );
            assert!(
                stderr(&o).contains("does not fit this program"),
                "{args:?}: {}",
                stderr(&o)
            );
        }
    }
    // Not a token at all: an error too.
    let o = sim(&[
        "replay",
        "condition",
        "s1:zzzzzzzzzzzzzzzz",
        "--timing",
        "adversarial",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("malformed replay token"),
        "{}",
        stderr(&o)
    );
    // The token that does fit still replays.
    let o = sim(&["replay", "lock_order", "s1:AAAB"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("Deadlock"), "{}", stdout(&o));
}

#[test]
fn an_unwritable_report_path_is_an_error_before_exploring() {
    // A run long enough to print progress lines while it explores.
    let o = sim(&[
        "explore",
        "lock",
        "--strategy",
        "random",
        "--executions",
        "40000",
        "--report",
        "/nonexistent-sim-dir/r.json",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot write the report"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        stderr(&o).lines().count(),
        1,
        "nothing explored: {}",
        stderr(&o)
    );
    assert_eq!(stdout(&o), "", "nothing explored");
}

/// `sim explore lock --strategy random` shard `shard` with `executions`,
/// its report written to `path`.
fn shard_report(path: &Path, shard: &str, executions: &str) {
    let o = sim(&[
        "explore",
        "lock",
        "--strategy",
        "random",
        "--executions",
        executions,
        "--shard",
        shard,
        "--report",
        path.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn merge_rejects_shards_of_different_budgets_and_hand_edited_ones() {
    let dir = scratch("merge-checks");
    let (a, b, c) = (dir.join("a.json"), dir.join("b.json"), dir.join("c.json"));
    shard_report(&a, "0/2", "100");
    shard_report(&b, "1/2", "200");
    let o = sim(&["merge", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("ran 100 executions"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the same\n") || stderr(&o).contains("--executions"),
        "{}",
        stderr(&o)
    );
    // The same budget merges.
    shard_report(&c, "1/2", "100");
    let o = sim(&["merge", a.to_str().unwrap(), c.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    // A hand-edited shard index, and a count that would overflow.
    let text = std::fs::read_to_string(&c).unwrap();
    let edited = dir.join("edited.json");
    std::fs::write(&edited, text.replace("\"index\":1", "\"index\":5")).unwrap();
    let o = sim(&["merge", a.to_str().unwrap(), edited.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
    let executions = format!("\"executions\":{}", u64::MAX);
    let huge = text.replacen("\"executions\":50", &executions, 1);
    assert_ne!(huge, text);
    std::fs::write(&edited, huge).unwrap();
    let o = sim(&["merge", a.to_str().unwrap(), edited.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("2^64 - 1"), "{}", stderr(&o));
}

#[test]
fn zero_executions_is_an_error() {
    for cmd in ["explore", "outputs"] {
        let o = sim(&[cmd, "lock", "--executions", "0"]);
        assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
        assert!(stderr(&o).contains("--executions"), "{}", stderr(&o));
    }
}

#[test]
fn a_pct_depth_past_1000_is_an_error_not_a_hang() {
    let o = sim(&[
        "explore",
        "lock",
        "--strategy",
        "pct",
        "--depth",
        "100000000",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("--depth"), "{}", stderr(&o));
    let o = sim(&["replay", "lock_order", "pct4294967295:14:1"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("depth 1 to 1000"), "{}", stderr(&o));
}

#[test]
fn long_exhaustive_runs_print_progress_lines() {
    let o = sim(&[
        "explore",
        "barrier",
        "--strategy",
        "exhaustive",
        "--executions",
        "50000",
        "--jobs",
        "1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("sim: barrier: "))
        .collect();
    // At 20,000 executions and at 40,000 (each doubling).
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].contains("executions so far (exhaustive"), "{err}");
}

#[test]
fn seeds_may_be_hexadecimal() {
    let hex = sim(&["run", "lock", "--seed", "0x10"]);
    let dec = sim(&["run", "lock", "--seed", "16"]);
    assert!(hex.status.success(), "{}", stderr(&hex));
    assert_eq!(stdout(&hex), stdout(&dec));
    let bad = sim(&["run", "lock", "--seed", "0xZZ"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("hexadecimal with 0x"),
        "{}",
        stderr(&bad)
    );
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[test]
fn explore_all_saves_and_saved_names_have_no_colon() {
    let dir = scratch("save-all");
    let o = sim(&["explore", "--all", "--save", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let saved = files(&dir);
    let lock_order = dir.join("lock_order").join("s1_AAAB.json");
    assert!(saved.contains(&lock_order), "{saved:?}");
    assert!(
        saved.contains(&lock_order.with_extension("dot")),
        "{saved:?}"
    );
    for path in &saved {
        let name = path.file_name().unwrap().to_str().unwrap();
        assert!(!name.contains(':'), "{name}");
    }
    // The same failure under both timing models: two files.
    assert!(
        saved
            .iter()
            .any(|p| p.to_str().unwrap().ends_with("_adversarial.json")),
        "{saved:?}"
    );
}

#[test]
fn not_complete_says_why() {
    let o = sim(&[
        "explore",
        "lock",
        "--strategy",
        "random",
        "--executions",
        "10",
    ]);
    assert!(
        stdout(&o).contains("not complete (random samples executions"),
        "{}",
        stdout(&o)
    );
    let o = sim(&[
        "explore",
        "barrier",
        "--strategy",
        "exhaustive",
        "--executions",
        "10",
    ]);
    assert!(
        stdout(&o).contains("not complete (the execution budget (10 executions) ran out)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn replay_dot_and_timeline_take_a_trace_file_without_a_scenario() {
    let dir = scratch("trace-file");
    let o = sim(&["explore", "lock_order", "--save", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let file = dir.join("lock_order").join("s1_AAAB.json");
    let file = file.to_str().unwrap();
    // A scenario's trace: re-run and checked against the file.
    let o = sim(&["replay", "--trace", file]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("the same events as recorded"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("Deadlock"), "{}", stdout(&o));
    let by_token = sim(&["dot", "lock_order", "s1:AAAB"]);
    let o = sim(&["dot", "--trace", file]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), stdout(&by_token));
    let o = sim(&["timeline", "--trace", file]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("traceEvents"), "{}", stdout(&o));
    // Given another scenario: the replay diverges, a clear error.
    let o = sim(&["replay", "condition", "--trace", file]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("diverged") || stderr(&o).contains("does not fit"),
        "{}",
        stderr(&o)
    );
    // A test's trace (not a scenario): shown as recorded.
    let test_trace = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "traces/sim/tests/it/exhaustive/exhaustive__model_finds_the_lock_order_deadlock/s1_AAE.json",
    );
    let o = sim(&["replay", "--trace", test_trace.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("as recorded"), "{}", stdout(&o));
    assert!(stdout(&o).contains("Deadlock"), "{}", stdout(&o));
    // Neither a token nor a trace: a usage error.
    let o = sim(&["replay", "lock_order"]);
    assert_eq!(o.status.code(), Some(2));
}
