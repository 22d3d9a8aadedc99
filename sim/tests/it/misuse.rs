//! Misuse panics point at the user's line (`#[track_caller]` through the
//! API) and say what was called and what to do: a call outside any
//! simulation (in a child process: this test binary again, running
//! `misuse_child`, whose stderr has the default hook's "panicked at"
//! line), and a handle used in another execution (inside one: the
//! failure's message has the location).

use std::process::{Command, Stdio};

fn outside(case: &str) {
    match case {
        "now" => drop(sim::time::now()),
        "sleep" => sim::time::sleep(std::time::Duration::from_secs(1)),
        "instant" => drop(sim::time::Instant::now()),
        "yield" => sim::thread::yield_now(),
        "spawn" => drop(sim::thread::spawn(|| {})),
        "current" => drop(sim::thread::current()),
        "lock" => drop(sim::threading::Lock::new()),
        other => panic!("unknown case {other}"),
    }
}

#[test]
fn misuse_child() {
    // Only does something when the parent test runs it.
    if let Ok(case) = std::env::var("SIM_MISUSE_CHILD") {
        outside(&case);
    }
}

/// The stderr of `misuse_child` running `case`.
fn child_stderr(case: &str) -> String {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "misuse::misuse_child",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env("SIM_MISUSE_CHILD", case)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(!out.status.success(), "{case}: the child did not panic");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn calls_outside_a_simulation_panic_at_the_callers_line_naming_what_was_called() {
    for (case, named) in [
        ("now", "sim::time::now"),
        ("sleep", "sim::time::now, sleep"),
        ("instant", "Instant::now"),
        ("yield", "a sim operation (yield)"),
        ("spawn", "a sim operation (spawn)"),
        (
            "current",
            "a sim::thread or sim::threading function (current",
        ),
        ("lock", "a Lock was created outside a simulation;"),
    ] {
        let err = child_stderr(case);
        assert!(
            err.contains("panicked at sim/tests/it/misuse.rs:"),
            "{case}: {err}"
        );
        assert!(err.contains(named), "{case}: {err}");
        assert!(err.contains(" outside a simulation;"), "{case}: {err}");
        assert!(
            err.contains("call it from the closure given to sim::model, sim::check_random"),
            "{case}: {err}"
        );
    }
}

thread_local! {
    /// A lock made by one execution, used by the next.
    static KEPT: std::cell::RefCell<Option<sim::threading::Lock>> =
        const { std::cell::RefCell::new(None) };
}

#[test]
fn a_handle_of_another_execution_and_a_yield_inside_shared_with_point_at_the_users_line() {
    let report =
        sim::Builder::new()
            .executions(2)
            .explore(|| match KEPT.with(|k| k.borrow_mut().take()) {
                None => KEPT.with(|k| *k.borrow_mut() = Some(sim::threading::Lock::new())),
                Some(stale) => stale.acquire(),
            });
    let msg = &report
        .failure()
        .expect("the stale lock is a failure")
        .message;
    assert!(
        msg.contains("a Lock created in one execution was used outside it"),
        "{msg}"
    );
    assert!(msg.contains("(at sim/tests/it/misuse.rs:"), "{msg}");

    let report = sim::Builder::new().executions(1).explore(|| {
        sim::Shared::new(0).with(|_| sim::thread::yield_now());
    });
    let msg = &report.failure().unwrap().message;
    assert!(
        msg.contains("inside a Shared::with/with_mut closure"),
        "{msg}"
    );
    assert!(msg.contains("(at sim/tests/it/misuse.rs:"), "{msg}");
}
