//! The wall-clock watchdog (`rt/watchdog.rs`): a green thread that blocks
//! on a std primitive or loops without a sim operation is reported, and
//! the process exits with status 101, instead of hanging. Each case runs
//! in a child process (this test binary again, running `watchdog_child`).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The program a child runs: each one hangs without the watchdog.
fn stuck_program(case: &str) {
    match case {
        "mutex" => {
            // A std Mutex held across a sim scheduling point: the other
            // green thread blocks the one OS thread for ever.
            let m = std::sync::Arc::new(std::sync::Mutex::new(0));
            let m2 = m.clone();
            let _g = m.lock().unwrap();
            let t = sim::thread::spawn(move || {
                *m2.lock().unwrap() += 1;
            });
            sim::thread::yield_now();
            drop(_g);
            t.join().unwrap();
        }
        "recv" => {
            // std's mpsc: the sender is a green thread that cannot run.
            let (tx, rx) = std::sync::mpsc::channel::<u32>();
            let t = sim::thread::spawn(move || tx.send(1).unwrap());
            assert_eq!(rx.recv().unwrap(), 1);
            t.join().unwrap();
        }
        "busy" => {
            // A spin on a std atomic, with no sim operation in the loop.
            let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let f2 = flag.clone();
            let t = sim::thread::spawn(move || f2.store(true, std::sync::atomic::Ordering::SeqCst));
            while !flag.load(std::sync::atomic::Ordering::SeqCst) {}
            t.join().unwrap();
        }
        other => panic!("unknown case {other}"),
    }
}

#[test]
fn watchdog_child() {
    // Only does something when the parent test runs it.
    if let Ok(case) = std::env::var("SIM_WATCHDOG_CHILD") {
        sim::check_random(move || stuck_program(&case), 10);
    }
}

/// Runs `watchdog_child` for `case` with a 0.5 s watchdog; returns its exit
/// code and stderr. A child still running after two minutes is killed and
/// the test fails (the watchdog did not fire).
fn run_child(case: &str) -> (Option<i32>, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "watchdog::watchdog_child", "--test-threads", "1"])
        .env("SIM_WATCHDOG_CHILD", case)
        .env("SIM_WATCHDOG_SECS", "0.5")
        .env("SIM_PERSIST", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("{case}: the watchdog did not end the hung child");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_reported(case: &str, at_line: &str) {
    let (code, err) = run_child(case);
    assert_eq!(code, Some(101), "{case}: {err}");
    assert!(err.contains("sim: watchdog:"), "{case}: {err}");
    assert!(
        err.contains("without reaching a sim scheduling point"),
        "{case}: {err}"
    );
    assert!(err.contains(at_line), "{case}: {err}");
    assert!(err.contains("its replay token is "), "{case}: {err}");
    assert!(
        err.contains("use sim::sync::{Mutex, RwLock, Condvar, mpsc}"),
        "{case}: {err}"
    );
    assert!(err.contains("sim::hint::spin_loop()"), "{case}: {err}");
}

#[test]
fn the_watchdog_reports_a_std_mutex_held_across_a_yield() {
    // The stuck thread is the spawned one, blocked in std's lock, whose
    // last sim operation was its start (at the spawn).
    assert_reported("mutex", "tests/it/watchdog.rs:");
}

#[test]
fn the_watchdog_reports_a_std_mpsc_recv() {
    assert_reported("recv", "the main thread (id 0)");
}

#[test]
fn the_watchdog_reports_a_busy_loop_without_a_sim_operation() {
    assert_reported("busy", "the main thread (id 0)");
}

#[test]
fn the_watchdog_stays_quiet_and_changes_nothing_when_off() {
    // The same exploration with the watchdog off and with a long limit.
    let program = || {
        let t = sim::thread::spawn(|| sim::thread::yield_now());
        sim::thread::yield_now();
        t.join().unwrap();
    };
    let on = sim::Builder::new()
        .watchdog(Some(Duration::from_secs(600)))
        .executions(50)
        .explore(program);
    let off = sim::Builder::new()
        .watchdog(None)
        .executions(50)
        .explore(program);
    assert_eq!(format!("{on}"), format!("{off}"));
    assert_eq!(on.outputs, off.outputs);
}
