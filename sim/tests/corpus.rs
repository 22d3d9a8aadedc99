//! The regression corpus as `check_random` and `model` use it: failing
//! traces saved under `traces/<calling file>/<test name>/`, replayed first
//! on the next run; a saved trace that no longer reproduces is a note, not a
//! failure; a bad file is a clear error and is left as it was.
//!
//! Every test here points `SIM_TRACES_DIR` at one temporary directory (the
//! same value for all, set before any exploration), so that failing on
//! purpose never writes to the workspace's `traces/`. A binary of its own,
//! not a module of `it`: the variable is process-wide, and would move the
//! other tests' corpus too.

use std::path::PathBuf;
use std::sync::OnceLock;

use sim::threading::Lock;
use sim::{Shared, Trace};

// Shares the one definition of its programs with the `it` test binary.
#[allow(dead_code)]
#[path = "it/programs.rs"]
mod programs;

use programs::lock_order;

// A second source file calling the entry points, for the tests of keys.
#[path = "corpus_files/other.rs"]
mod other;

fn corpus_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("sim-corpus-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::env::set_var("SIM_TRACES_DIR", &dir);
        std::env::remove_var("SIM_PERSIST");
        dir
    })
}

/// The corpus directory of the test `name` of this file.
fn key_dir(name: &str) -> PathBuf {
    corpus_dir().join("sim/tests/corpus").join(name)
}

fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let err = std::panic::catch_unwind(f).unwrap_err();
    err.downcast_ref::<String>().cloned().unwrap_or_default()
}

#[test]
fn a_failure_is_saved_with_its_dot_and_replayed_first_next_time() {
    let dir = key_dir("a_failure_is_saved_with_its_dot_and_replayed_first_next_time");
    let msg = panic_message(|| sim::check_random(lock_order, 1000));
    assert!(msg.contains("sim found a failure: Deadlock"), "{msg}");
    assert!(msg.contains("saved to"), "{msg}");
    let jsons: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    assert_eq!(jsons.len(), 1, "{jsons:?}");
    let trace = Trace::load(&jsons[0]).unwrap();
    assert_eq!(
        jsons[0].file_name().unwrap().to_str().unwrap(),
        format!("{}.json", trace.token)
    );
    let dot = std::fs::read_to_string(jsons[0].with_extension("dot")).unwrap();
    assert_eq!(dot, trace.to_dot());
    // The last line still tells how to replay.
    assert!(msg
        .lines()
        .last()
        .unwrap()
        .starts_with("replay: SIM_REPLAY="));

    // Next run: the saved trace is replayed before any exploration (zero
    // executions would find nothing) and fails fast, naming the file.
    let msg = panic_message(|| sim::check_random(lock_order, 0));
    assert!(msg.contains("still fails"), "{msg}");
    assert!(msg.contains(&jsons[0].display().to_string()), "{msg}");
    // The program fixed: the saved trace replays clean and exploration goes on.
    sim::check_random(
        || {
            let a = Lock::new();
            let t = sim::thread::spawn(move || drop(a.lock()));
            t.join().unwrap();
        },
        10,
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
}

#[test]
fn a_bad_file_in_the_corpus_is_a_clear_error_and_is_not_overwritten() {
    let dir = key_dir("a_bad_file_in_the_corpus_is_a_clear_error_and_is_not_overwritten");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("123.json");
    std::fs::write(&path, "{\"format_version\": 1, \"scenario\": ").unwrap();
    let msg = panic_message(|| sim::check_random(lock_order, 1000));
    assert!(
        msg.contains("the regression corpus has a bad file"),
        "{msg}"
    );
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("truncated"), "{msg}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "{\"format_version\": 1, \"scenario\": "
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "nothing else written"
    );
}

/// A bank transfer between two accounts, each with its lock: `Thread-1`
/// moves 10 from `a` to `b` while `MainThread` moves 5 from `b` to `a`.
/// Unfixed, each takes its source's lock first (opposite orders: a
/// deadlock); fixed, both take `a`'s lock first.
fn bank_transfer(fixed: bool) {
    let accounts = [
        (Lock::new(), Shared::new(100)),
        (Lock::new(), Shared::new(100)),
    ];
    let held = accounts.clone();
    let transfer = move |from: usize, to: usize, amount: i64| {
        let accounts = &held;
        let (first, second) = if fixed { (0, 1) } else { (from, to) };
        let _g1 = accounts[first].0.lock();
        let _g2 = accounts[second].0.lock();
        accounts[from].1.set(accounts[from].1.get() - amount);
        accounts[to].1.set(accounts[to].1.get() + amount);
    };
    let t = {
        let transfer = transfer.clone();
        sim::thread::spawn(move || transfer(0, 1, 10))
    };
    transfer(1, 0, 5);
    t.join().unwrap();
    assert_eq!(accounts[0].1.get() + accounts[1].1.get(), 200);
}

#[test]
fn a_fixed_bug_s_saved_trace_no_longer_fails_its_test() {
    let dir = key_dir("a_fixed_bug_s_saved_trace_no_longer_fails_its_test");
    let msg = panic_message(|| sim::model(|| bank_transfer(false)));
    assert!(msg.contains("Deadlock"), "{msg}");
    assert!(msg.contains("saved to"), "{msg}");
    let saved = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(saved, 2, "the trace and its .dot");
    // Still unfixed: the saved trace fails first.
    let msg = panic_message(|| sim::model(|| bank_transfer(false)));
    assert!(msg.contains("still fails"), "{msg}");
    // Fixed: the saved trace no longer reproduces; the test passes, and the
    // trace is kept as a regression test.
    sim::model(|| bank_transfer(true));
    sim::model(|| bank_transfer(true));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), saved);
}

#[test]
fn the_no_longer_reproduces_note_is_printed_once_per_saved_trace() {
    if std::env::var_os("SIM_CORPUS_CHILD").is_some() {
        return; // not recursively
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_fixed_bug_s_saved_trace_no_longer_fails_its_test",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SIM_CORPUS_CHILD", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let notes: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("no longer reproduces (fixed?)"))
        .collect();
    // Once for each of the two fixed runs, naming the file.
    assert_eq!(notes.len(), 2, "{stderr}");
    assert!(
        notes[0].contains("a_fixed_bug_s_saved_trace_no_longer_fails_its_test"),
        "{stderr}"
    );
    assert!(notes[0].contains("kept as a regression test"), "{stderr}");
}

#[test]
fn a_test_of_the_same_name_in_another_file_has_its_own_traces() {
    let name = "a_test_of_the_same_name_in_another_file_has_its_own_traces";
    let msg = panic_message(|| sim::check_random(lock_order, 1000));
    assert!(msg.contains("saved to"), "{msg}");
    assert!(key_dir(name).is_dir());
    // The same test name, called from another file, with a program that
    // fails under any schedule: its own failure, not this file's trace.
    let msg = panic_message(other::check_always_failing);
    assert!(!msg.contains("still fails"), "{msg}");
    assert!(msg.contains("sim found a failure: Panic"), "{msg}");
    let other_dir = corpus_dir().join("sim/tests/corpus_files/other").join(name);
    assert!(msg.contains(&other_dir.display().to_string()), "{msg}");
    // A correct program of another file passes though this file's trace fails.
    other::model_correct();
}

/// Runs this test binary's test `name` alone in a child process, with
/// `SIM_CORPUS_CHILD` set and `env`; returns its exit code and output.
fn run_child(name: &str, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env("SIM_CORPUS_CHILD", "1")
        .env_remove("SIM_REPLAY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

/// In a child process only: a failing `check_random`, its corpus in the
/// child's own temporary directory.
#[test]
fn child_a_failing_check_random() {
    if std::env::var_os("SIM_CORPUS_CHILD").is_none() {
        return;
    }
    corpus_dir();
    sim::check_random(lock_order, 1000);
}

#[test]
fn a_long_token_s_replay_line_names_its_saved_trace_which_replays() {
    if std::env::var_os("SIM_CORPUS_CHILD").is_some() {
        return;
    }
    let child = "child_a_failing_check_random";
    // Every token is "long" past 8 characters.
    let (code, out) = run_child(child, &[("SIM_REPLAY_INLINE_MAX", "8")]);
    assert_eq!(code, Some(101), "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("replay: SIM_REPLAY="))
        .unwrap_or_else(|| panic!("no replay line in\n{out}"));
    let value = line
        .strip_prefix("replay: SIM_REPLAY=")
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    let file = value.strip_prefix('@').unwrap_or_else(|| panic!("{line}"));
    assert!(
        file.ends_with(".json") && PathBuf::from(file).is_file(),
        "{line}"
    );
    assert!(line.ends_with(&format!("cargo test {child}")), "{line}");

    // The line pasted as it is replays the saved trace: the same failure.
    let (code, again) = run_child(
        child,
        &[("SIM_REPLAY", value), ("SIM_REPLAY_INLINE_MAX", "8")],
    );
    assert_eq!(code, Some(101), "{again}");
    assert!(again.contains("sim found a failure: Deadlock"), "{again}");
    assert!(again.contains(line), "the same replay line:\n{again}");
    assert!(!again.contains("saved to"), "{again}");

    // A file that is not there is a clear error.
    let (code, missing) = run_child(child, &[("SIM_REPLAY", "@/nonexistent/x.json")]);
    assert_eq!(code, Some(101), "{missing}");
    assert!(
        missing.contains("SIM_REPLAY=@/nonexistent/x.json is not usable"),
        "{missing}"
    );
}
