//! Ends that abort the process: a green thread's stack overflow
//! (`rt/green.rs`) is reported on fd 2 with the thread, the execution's
//! token and the stack size; a panic in a destructor during unwinding
//! (`rt/panics.rs`) with both panics, the thread and the token. Each case runs in a child process (this test
//! binary again, running `crash_child`), whose stderr and exit status are
//! checked.

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

/// Recurses `n` frames of about 1 KiB each.
fn deep(n: usize) -> u64 {
    let buf = std::hint::black_box([n as u8; 1024]);
    if n == 0 {
        return 0;
    }
    deep(n - 1) + u64::from(buf[n % 1024])
}

fn crash_program(case: &str) {
    match case {
        // A spawned green thread overflows, under a seed token.
        "spawned" => sim::check_random(
            || {
                let t = sim::thread::spawn(|| deep(1 << 20));
                sim::thread::yield_now();
                let _ = t.join();
            },
            5,
        ),
        // The main green thread overflows under the exhaustive search,
        // whose token is known only at the end.
        "main" => sim::model(|| {
            sim::thread::yield_now();
            deep(1 << 20);
        }),
        // 2,500 KiB of frames: more than the default 2 MiB stack, within
        // the 4 MiB that SIM_STACK_SIZE gives.
        "fits" => sim::check_random(
            || {
                let t = sim::thread::spawn(|| deep(2500));
                t.join().unwrap();
            },
            3,
        ),
        // An overflow of a std thread, outside any simulation, still gets
        // std's own message (sim's handler passes the fault on).
        "std" => {
            let t = std::thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn(|| {
                    // Run one execution on this thread first, so sim's
                    // handler is installed.
                    sim::check_random(|| {}, 1);
                    deep(1 << 20)
                })
                .unwrap();
            let _ = t.join();
        }
        other => panic!("unknown case {other}"),
    }
}

#[test]
fn crash_child() {
    // Only does something when the parent test runs it.
    if let Ok(case) = std::env::var("SIM_CRASH_CHILD") {
        crash_program(&case);
    }
}

/// Runs `crash_child` for `case` with `SIM_STACK_SIZE=stack`; returns its
/// exit status and stderr.
fn run_child(case: &str, stack: &str) -> (std::process::ExitStatus, String) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash::crash_child", "--test-threads", "1"])
        .env("SIM_CRASH_CHILD", case)
        .env("SIM_STACK_SIZE", stack)
        .env("SIM_PERSIST", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_green_threads_stack_overflow_names_the_thread_the_token_and_the_size() {
    let (status, err) = run_child("spawned", "64K");
    assert_eq!(status.signal(), Some(SIGABRT), "{status:?}: {err}");
    assert!(
        err.contains("sim: green thread 1 of execution "),
        "{status:?}: {err}"
    );
    assert!(
        err.contains(" overflowed its 64 KiB stack; raise Builder::stack_size / SIM_STACK_SIZE"),
        "{err}"
    );
    // The token is the seed that the replay line names.
    let token = err
        .split("of execution ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .unwrap();
    assert!(token.parse::<u64>().is_ok(), "{err}");
    assert!(
        err.contains(&format!("sim: replay it with SIM_REPLAY={token}\n")),
        "{err}"
    );
}

#[test]
fn the_main_threads_overflow_under_exhaustive_search_says_the_token_is_not_known_yet() {
    let (status, err) = run_child("main", "128K");
    assert_eq!(status.signal(), Some(SIGABRT), "{status:?}: {err}");
    assert!(
        err.contains("sim: green thread 0 (the main thread) of execution number "),
        "{err}"
    );
    assert!(err.contains(" overflowed its 128 KiB stack"), "{err}");
    assert!(err.contains("SIM_STRATEGY=random"), "{err}");
}

#[test]
fn sim_stack_size_raises_the_stack() {
    let (status, err) = run_child("fits", "4M");
    assert!(status.success(), "{status:?}: {err}");
}

#[test]
fn a_std_threads_overflow_still_gets_stds_message() {
    let (status, err) = run_child("std", "64K");
    assert_eq!(status.signal(), Some(SIGABRT), "{status:?}: {err}");
    assert!(err.contains("has overflowed its stack"), "{err}");
    assert!(!err.contains("sim: green thread"), "{err}");
}

/// SIGABRT's number (6 on Linux and macOS).
const SIGABRT: i32 = 6;

/// Panics in its destructor when dropped during unwinding.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        if std::thread::panicking() {
            panic!("the bomb went off in drop");
        }
    }
}

fn drop_program(case: &str) {
    match case {
        "drop" => sim::check_random(
            || {
                let t = sim::thread::Builder::new()
                    .name("bomber".into())
                    .spawn(|| {
                        let _bomb = Bomb;
                        panic!("the first panic: boom");
                    })
                    .unwrap();
                let _ = t.join();
            },
            5,
        ),
        other => panic!("unknown case {other}"),
    }
}

#[test]
fn drop_child() {
    if let Ok(case) = std::env::var("SIM_DROP_CHILD") {
        drop_program(&case);
    }
}

#[test]
fn a_panic_in_drop_during_unwinding_prints_both_panics_the_thread_and_the_token() {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash::drop_child", "--test-threads", "1"])
        .env("SIM_DROP_CHILD", "drop")
        .env("SIM_PERSIST", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.signal(),
        Some(SIGABRT),
        "{:?}: {err}",
        out.status
    );
    assert!(
        err.contains("sim: thread 'bomber' (green thread 1) of execution "),
        "{err}"
    );
    assert!(
        err.contains("  the first panic: the first panic: boom (at "),
        "{err}"
    );
    assert!(
        err.contains(
            "  the panic during unwinding: the bomb went off in drop (at sim/tests/it/crash.rs:"
        ),
        "{err}"
    );
    assert!(err.contains("sim: replay it with SIM_REPLAY="), "{err}");
    // Before the abort.
    let ours = err.find("sim: thread 'bomber'").unwrap();
    let rusts = err.find("aborting").unwrap();
    assert!(ours < rusts, "{err}");
}
