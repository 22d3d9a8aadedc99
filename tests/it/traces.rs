//! The committed regression corpus in `traces/`: every saved trace of a
//! registered scenario replays to the same failure kind and the identical
//! event sequence; every `.dot` beside a trace is up to date and accepted by
//! Graphviz. A trace whose program changed is reported (which file, which
//! step diverged) instead of crashing the test.

use std::path::{Path, PathBuf};
use std::process::Command;

use sim::{Builder, FailureKind, Trace};

use crate::programs::lock_order_fixed;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("traces")
}

/// Every `.json` under `traces/` (a scenario's `traces/<name>/`, a test's
/// `traces/<file>/<test name>/`), sorted.
fn saved_traces() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|x| x == "json") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&corpus(), &mut out);
    out.sort();
    out
}

/// Replays the trace at `path` with `body`; `Err` says what does not match.
fn check_trace(path: &Path, body: fn()) -> Result<(), String> {
    let recorded = Trace::load(path).map_err(|e| e.to_string())?;
    let recorded_kind = recorded
        .failure
        .as_ref()
        .map(|f| f.kind)
        .ok_or_else(|| format!("{}: the trace records no failure", path.display()))?;
    let report = Builder::new()
        .replay_trace(body, &recorded)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    match report.failure() {
        Some(f) if f.kind == FailureKind::Nondeterminism => Err(format!(
            "{}: the program changed since this trace was recorded (re-record or delete it): {}",
            path.display(),
            f.message
        )),
        Some(f) if f.kind == recorded_kind => {
            if f.trace != recorded {
                return Err(format!("{}: same events, different trace", path.display()));
            }
            Ok(())
        }
        Some(f) => Err(format!(
            "{}: recorded {recorded_kind}, replay failed with {}",
            path.display(),
            f.kind
        )),
        None => Err(format!(
            "{}: recorded {recorded_kind}, the replay did not fail",
            path.display()
        )),
    }
}

#[test]
fn every_committed_trace_replays_to_the_same_failure_and_events() {
    let traces = saved_traces();
    assert!(
        traces
            .iter()
            .any(|p| p.starts_with(corpus().join("lock_order"))),
        "the lock-order deadlock trace is committed under traces/lock_order/"
    );
    let mut problems = Vec::new();
    let mut replayed = 0;
    for path in &traces {
        // A scenario's traces are in traces/<scenario>/, one level down.
        let dir = path.parent().unwrap();
        let scenario = dir.file_name().unwrap().to_str().unwrap();
        let found = (dir.parent() == Some(corpus().as_path()))
            .then(|| scenarios::find(scenario))
            .flatten();
        let Some(s) = found else {
            // Saved by a test's check_random: that test replays it first.
            eprintln!(
                "note: {} is not a registered scenario; its own test replays it",
                path.display()
            );
            continue;
        };
        match check_trace(path, s.body) {
            Ok(()) => replayed += 1,
            Err(problem) => problems.push(problem),
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} committed traces do not replay:\n{}",
        problems.len(),
        traces.len(),
        problems.join("\n")
    );
    assert!(replayed >= 1);
}

#[test]
fn a_trace_whose_program_changed_is_reported_not_crashed_on() {
    let path = saved_traces()
        .into_iter()
        .find(|p| p.starts_with(corpus().join("lock_order")))
        .unwrap();
    // The "fixed" program: both threads take the locks in the same order.
    let problem = check_trace(&path, lock_order_fixed).unwrap_err();
    assert!(problem.contains("the program changed"), "{problem}");
    assert!(problem.contains(&path.display().to_string()), "{problem}");
    assert!(problem.contains("expected step"), "{problem}");
}

#[test]
fn every_committed_dot_is_current_and_renders_with_graphviz() {
    let traces = saved_traces();
    let mut rendered = 0;
    for path in &traces {
        let dot_path = path.with_extension("dot");
        let dot = std::fs::read_to_string(&dot_path)
            .unwrap_or_else(|e| panic!("{}: {e}", dot_path.display()));
        let trace = Trace::load(path).unwrap();
        assert_eq!(
            dot,
            trace.to_dot(),
            "{} is not the DOT of its trace",
            dot_path.display()
        );
        match Command::new("dot").arg("-Tsvg").arg(&dot_path).output() {
            Ok(out) => {
                assert!(
                    out.status.success() && out.stderr.is_empty(),
                    "dot rejected {}:\n{}",
                    dot_path.display(),
                    String::from_utf8_lossy(&out.stderr)
                );
                assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
                rendered += 1;
            }
            Err(e) if std::env::var_os("CI").is_some() => {
                panic!("Graphviz `dot` must be installed on CI (.ci/run installs it): {e}")
            }
            Err(_) => {
                eprintln!("note: Graphviz `dot` is not installed here; DOT files not rendered");
                return;
            }
        }
    }
    assert_eq!(rendered, traces.len());
}
