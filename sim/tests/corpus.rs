//! The regression corpus as `check_random` uses it: failing traces saved
//! under `traces/<test name>/`, replayed first on the next run; a bad file
//! is a clear error and is left as it was.
//!
//! Every test here points `SIM_TRACES_DIR` at one temporary directory (the
//! same value for all, set before any exploration), so that failing on
//! purpose never writes to the workspace's `traces/`. A binary of its own,
//! not a module of `it`: the variable is process-wide, and would move the
//! other tests' corpus too.

use std::path::PathBuf;
use std::sync::OnceLock;

use sim::threading::Lock;
use sim::Trace;

// Shares the one definition of its programs with the `it` test binary.
#[allow(dead_code)]
#[path = "it/programs.rs"]
mod programs;

use programs::lock_order;

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

fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let err = std::panic::catch_unwind(f).unwrap_err();
    err.downcast_ref::<String>().cloned().unwrap_or_default()
}

#[test]
fn a_failure_is_saved_with_its_dot_and_replayed_first_next_time() {
    let dir = corpus_dir().join("a_failure_is_saved_with_its_dot_and_replayed_first_next_time");
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
    let dir = corpus_dir().join("a_bad_file_in_the_corpus_is_a_clear_error_and_is_not_overwritten");
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
