//! The `sim` binary, run as a user would: every subcommand and the error cases.

use std::process::{Command, Output};

pub(crate) fn sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(args)
        .output()
        .expect("run sim")
}

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts that `o` is a usage error (exit status 2) whose message says
/// `text`.
fn assert_usage_error(o: &Output, text: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    assert!(stderr(o).contains(text), "{}", stderr(o));
}

#[test]
fn list_shows_every_scenario_with_its_verdicts() {
    let o = sim(&["list"]);
    assert!(o.status.success());
    let out = stdout(&o);
    for s in scenarios::all() {
        assert!(out.contains(s.name), "{} missing from\n{out}", s.name);
    }
    assert!(
        out.lines()
            .any(|l| l.starts_with("lock_order") && l.contains("Deadlock")),
        "{out}"
    );
}

#[test]
fn explore_all_matches_every_verdict_and_exits_zero() {
    let o = sim(&["explore", "--all"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    // One row per scenario and timing model, each matching.
    for s in scenarios::all() {
        for timing in ["exact", "adversarial"] {
            assert!(
                out.lines().any(|l| {
                    let cols: Vec<&str> = l.split_whitespace().collect();
                    cols.first() == Some(&s.name)
                        && cols.get(1) == Some(&timing)
                        && cols.last() == Some(&"ok")
                }),
                "no ok row for {} under {timing}:\n{out}",
                s.name
            );
        }
    }
    assert_eq!(
        out.matches(" ok\n").count(),
        2 * scenarios::all().len(),
        "{out}"
    );
    assert!(!out.contains("MISMATCH"));
    // The condition's lost wake-up is found under adversarial timing.
    assert!(
        out.lines().any(|l| l.starts_with("condition")
            && l.contains("adversarial")
            && l.contains("Deadlock")),
        "{out}"
    );
    // With --timing, only that model.
    let o = sim(&["explore", "--all", "--timing", "exact"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o).matches(" ok\n").count(), scenarios::all().len());
}

#[test]
fn explore_prints_a_replay_command_that_reproduces_the_failure() {
    let o = sim(&["explore", "lock_order"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("replay: sim replay lock_order "))
        .expect("replay line");
    let args: Vec<&str> = line.trim_start_matches("replay: sim ").split(' ').collect();
    let r = sim(&args);
    let replayed = stdout(&r);
    assert!(replayed.contains("failure at step"), "{replayed}");
    assert!(replayed.contains("Deadlock"), "{replayed}");
    assert!(replayed.contains("wait-for cycle"), "{replayed}");
    // A replay exits non-zero because the execution fails.
    assert_eq!(r.status.code(), Some(1));
}

#[test]
fn run_prints_output_with_time_and_thread() {
    let o = sim(&["run", "my_thread", "--seed", "3"]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(
        out.contains("[   0.000s] MainThread   | Exiting Main Thread"),
        "{out}"
    );
    assert!(
        out.contains("[   5.000s] Thread-1     | Exiting Thread-1"),
        "{out}"
    );
    assert!(out.contains("Thread-2: Tue Sep  4 16:44:58 2018"), "{out}");
}

#[test]
fn outputs_lists_distinct_outputs_with_counts() {
    let o = sim(&[
        "outputs",
        "gil_counter_locked",
        "--strategy",
        "random",
        "--executions",
        "50",
    ]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(
        out.contains("1 distinct output(s) over 50 executions (sampled, not complete)"),
        "{out}"
    );
    assert!(
        out.contains("--- output 1 (50 executions) ---\ncount = 3"),
        "{out}"
    );
    // By default, every output of a small program: exhaustive, complete.
    let o = sim(&["outputs", "print_time"]);
    let out = stdout(&o);
    assert!(
        out.contains("print_time: 4 distinct output(s) over 4 executions (complete)"),
        "{out}"
    );
}

#[test]
fn explore_takes_a_strategy_and_a_preemption_bound() {
    // lock_order's deadlock needs one preemption.
    let o = sim(&[
        "explore",
        "lock_order",
        "--strategy",
        "exhaustive",
        "--preemptions",
        "0",
    ]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("not complete"), "{out}");
    assert!(
        out.contains("verdict: no failure (expected Deadlock): UNEXPECTED"),
        "{out}"
    );
    let o = sim(&[
        "explore",
        "lock_order",
        "--strategy",
        "exhaustive",
        "--preemptions",
        "1",
    ]);
    assert!(o.status.success(), "{}", stdout(&o));
    for (strategy, token) in [("pct", "pct3:"), ("pos", "pos:"), ("exhaustive", "s1:")] {
        let o = sim(&["explore", "lock_order", "--strategy", strategy]);
        let out = stdout(&o);
        assert!(o.status.success(), "{strategy}: {out}");
        assert!(out.contains(&format!("({strategy}")), "{out}");
        // The printed replay command names a token of the strategy, and
        // pasted as is, it reproduces the deadlock.
        let line = out
            .lines()
            .find(|l| l.starts_with("replay: sim replay lock_order "))
            .unwrap_or_else(|| panic!("{out}"));
        assert!(line.contains(token), "{line}");
        let args: Vec<&str> = line["replay: sim ".len()..].split_whitespace().collect();
        let replayed = sim(&args);
        assert!(
            stdout(&replayed).contains("Deadlock"),
            "{}",
            stdout(&replayed)
        );
    }
    let o = sim(&["explore", "lock_order", "--strategy", "dfs"]);
    assert_usage_error(&o, "invalid value 'dfs'");
}

#[test]
fn unknown_scenario_is_a_one_line_error() {
    let o = sim(&["explore", "no_such"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.starts_with("sim: unknown scenario 'no_such'"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn bad_token_is_a_one_line_error() {
    let o = sim(&["replay", "lock_order", "zz-top"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("malformed replay token \"zz-top\""), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn bad_flag_is_an_error_not_a_panic() {
    let o = sim(&["explore", "lock", "--executions", "many"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("invalid value 'many'"), "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn dot_and_timeline_print_one_execution() {
    let o = sim(&["dot", "lock_order", "14306537291838674799"]);
    let dot = stdout(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    // The committed corpus trace of this token draws the same graph.
    let saved = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("traces/lock_order/14306537291838674799.dot"),
    )
    .unwrap();
    assert_eq!(dot, saved);
    let o = sim(&["timeline", "lock_order", "14306537291838674799"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("\"traceEvents\""), "{out}");
    assert!(out.contains("blocked forever: acquire Lock#1"), "{out}");
}

#[test]
fn the_condition_deadlocks_replay_command_pasted_as_is_reproduces_it() {
    let o = sim(&["explore", "condition", "--timing", "adversarial"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("lost wake-up"), "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("replay: sim replay condition "))
        .expect("replay line");
    let args: Vec<&str> = line.trim_start_matches("replay: sim ").split(' ').collect();
    assert!(args.ends_with(&["--timing", "adversarial"]), "{line}");
    let r = sim(&args);
    let replayed = stdout(&r);
    assert_eq!(r.status.code(), Some(1), "{replayed}");
    assert!(replayed.contains("Deadlock"), "{replayed}");
    assert!(replayed.contains("lost wake-up: consumer"), "{replayed}");
}

/// A temporary directory of this test process, emptied first.
pub(crate) fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sim-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

#[test]
fn shards_written_as_reports_merge_into_the_unsharded_exploration() {
    let dir = scratch("shards");
    let whole = sim(&[
        "explore",
        "print_time",
        "--strategy",
        "random",
        "--executions",
        "900",
        "--jobs",
        "1",
    ]);
    assert!(whole.status.success(), "{}", stderr(&whole));
    let mut files = Vec::new();
    for i in 0..3 {
        let file = dir.join(format!("shard{i}.json"));
        let shard = format!("{i}/3");
        let o = sim(&[
            "explore",
            "print_time",
            "--strategy",
            "random",
            "--executions",
            "900",
            "--jobs",
            "2",
            "--shard",
            &shard,
            "--report",
            file.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
        assert!(stdout(&o).contains(&format!("300 executions (random, shard {shard})")));
        files.push(file.to_str().unwrap().to_string());
    }
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    let merged = sim(&args);
    assert!(merged.status.success(), "{}", stderr(&merged));
    // The merged summary is the unsharded one, line for line.
    let summary = |o: &Output| {
        stdout(o)
            .lines()
            .filter(|l| l.starts_with("print_time:") || l.starts_with("verdict"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(summary(&merged), summary(&whole));
    assert!(
        summary(&whole)[0].contains("900 executions"),
        "{:?}",
        summary(&whole)
    );

    // Two of three shards: a gap, a one-line error.
    let o = sim(&["merge", &files[0], &files[2]]);
    assert_usage_error(&o, "do not cover");
    // A file that is not a report.
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"scenario\": 3").unwrap();
    let o = sim(&["merge", bad.to_str().unwrap()]);
    assert_usage_error(
        &o,
        "bad.json is not a report written by `sim explore --report`",
    );
    // A shard out of range is a flag error.
    let o = sim(&["explore", "lock", "--shard", "3/3"]);
    assert_usage_error(&o, "i must be below n");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn jobs_do_not_change_what_explore_prints() {
    let run = |jobs: &str| {
        let o = sim(&[
            "explore",
            "gil_counter",
            "--executions",
            "5000",
            "--jobs",
            jobs,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    assert_eq!(run("1"), run("2"));
}

#[test]
fn long_runs_print_plain_progress_lines_when_not_on_a_terminal() {
    let o = sim(&[
        "explore",
        "lock",
        "--strategy",
        "random",
        "--executions",
        "40000",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("sim: lock: "))
        .collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(lines[0].starts_with("sim: lock: 25% ("), "{err}");
    assert!(lines[2].contains("/40000 executions, 0 failed)"), "{err}");
    // Short runs stay quiet.
    let o = sim(&[
        "explore",
        "lock",
        "--strategy",
        "random",
        "--executions",
        "100",
    ]);
    assert_eq!(stderr(&o), "");
}

#[test]
fn kill_is_rejected_when_not_a_number() {
    let o = sim(&["explore", "process_kill_lock", "--kill", "many"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--kill"), "{}", stderr(&o));
}

#[test]
fn exhaustive_explorations_split_over_jobs_and_shards() {
    // Semaphores under adversarial timing: the unreduced DFS (280
    // executions, clean), split over jobs and over shards; the condition
    // program under adversarial timing deadlocks at execution 73.
    let dir = scratch("exhaustive-shards");
    let explore = |name: &str, extra: &[&str]| {
        let mut args = vec![
            "explore",
            name,
            "--strategy",
            "exhaustive",
            "--timing",
            "adversarial",
        ];
        args.extend_from_slice(extra);
        let o = sim(&args);
        assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
        stdout(&o)
    };
    for name in ["semaphore", "condition"] {
        let whole = explore(name, &["--jobs", "1"]);
        assert_eq!(whole, explore(name, &["--jobs", "2"]), "{name}");
        let mut args = vec!["merge".to_string()];
        let mut failing_shards = Vec::new();
        for i in 0..3 {
            let file = dir.join(format!("{name}{i}.json"));
            let shard = format!("{i}/3");
            let file = file.to_str().unwrap().to_string();
            let out = explore(name, &["--shard", &shard, "--report", &file]);
            // A shard's exhaustive execution numbers are its own: said so.
            if let Some(line) = out.lines().find(|l| l.starts_with("Deadlock in execution")) {
                assert!(line.ends_with(&format!(" of shard {shard}")), "{out}");
                failing_shards.push(i);
            }
            args.push(file);
        }
        assert_eq!(failing_shards.is_empty(), name == "semaphore", "{name}");
        let merged = sim(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(merged.status.success(), "{}", stderr(&merged));
        let merged = stdout(&merged);
        let lines = |text: &str, prefix: &str| {
            text.lines()
                .filter(|l| l.starts_with(prefix))
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        if name == "semaphore" {
            // Every execution: the same summary and verdict.
            assert!(whole.contains("280 executions"), "{whole}");
            for prefix in ["semaphore:", "verdict"] {
                assert_eq!(lines(&merged, prefix), lines(&whole, prefix), "{merged}");
            }
        } else {
            // The same first failure (execution and replay command).
            assert!(whole.contains("Deadlock in execution 73"), "{whole}");
            for prefix in ["Deadlock in execution", "replay:"] {
                assert_eq!(
                    lines(&merged, prefix).first(),
                    lines(&whole, prefix).first(),
                    "{merged}"
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_closed_stdout_ends_quietly_with_the_sigpipe_status() {
    // The reading end is closed before `sim` starts, so its first write
    // fails with a broken pipe (as in `sim list | head -0`), whatever the
    // size of the output.
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let o = Command::new(env!("CARGO_BIN_EXE_sim"))
        .arg("list")
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("run sim");
    assert_eq!(o.status.code(), Some(141), "stderr: {}", stderr(&o));
    assert!(
        !stderr(&o).contains("panicked"),
        "a backtrace instead of a quiet exit: {}",
        stderr(&o)
    );
}

/// The long flags (`--name`) in `text`, in order, repeats kept.
fn long_flags(text: &str) -> Vec<String> {
    text.match_indices("--")
        .map(|(i, _)| {
            let name: String = text[i + 2..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            format!("--{name}")
        })
        .filter(|flag| flag.len() > 2)
        .collect()
}

/// The entry of `sub` in the synopsis of `sim --help`: its line and the
/// indented lines continuing it.
fn synopsis_entry(help: &str, sub: &str) -> String {
    let mut lines = help.lines().skip_while(|l| {
        let l = l.trim_start();
        l != format!("sim {sub}") && !l.starts_with(&format!("sim {sub} "))
    });
    let first = lines
        .next()
        .unwrap_or_else(|| panic!("no `sim {sub}` in the synopsis of `sim --help`:\n{help}"));
    let rest = lines.take_while(|l| l.starts_with("   ") && !l.trim_start().starts_with("sim "));
    std::iter::once(first)
        .chain(rest)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_synopsis_in_help_lists_each_subcommands_flags_once() {
    let o = sim(&["--help"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let help = stdout(&o);
    // The header once listed explore's `[--kill K]` twice.
    let explore = synopsis_entry(&help, "explore");
    assert_eq!(explore.matches("--kill").count(), 1, "{explore}");
    for sub in [
        "list", "run", "explore", "merge", "replay", "outputs", "dot", "timeline",
    ] {
        let mut listed = long_flags(&synopsis_entry(&help, sub));
        // The flags the subcommand takes: the first of each option line of
        // its `-h`.
        let o = sim(&[sub, "-h"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let mut taken: Vec<String> = stdout(&o)
            .lines()
            .filter(|l| l.trim_start().starts_with('-'))
            .filter_map(|l| long_flags(l).into_iter().next())
            .filter(|flag| flag != "--help")
            .collect();
        listed.sort();
        taken.sort();
        assert_eq!(listed, taken, "the synopsis of `sim {sub}`");
    }
}

#[test]
fn the_token_commands_help_says_replay_token_not_seed() {
    for sub in ["replay", "dot", "timeline"] {
        let o = sim(&[sub, "--help"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let help = stdout(&o);
        assert!(!help.contains("(a seed)"), "sim {sub} --help:\n{help}");
        let token = help
            .lines()
            .skip_while(|l| l.trim() != "<TOKEN>" && l.trim() != "[TOKEN]")
            .nth(1)
            .unwrap_or_else(|| panic!("no <TOKEN> in sim {sub} --help:\n{help}"));
        assert!(token.contains("A replay token"), "{token}");
        for kind in ["`s1:", "`pct3:", "`pos:", "or a seed"] {
            assert!(token.contains(kind), "{kind} missing from {token}");
        }
        // The flags are those they always were, --timing still exact by
        // default.
        assert!(help.contains("--timing <TIMING>"), "{help}");
        assert!(help.contains("exact by default"), "{help}");
        assert_eq!(help.matches("--kill <K>").count(), 1, "{help}");
    }
}
