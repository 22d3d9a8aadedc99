//! Ctrl-C during `sim explore`: the summary of what was explored so far,
//! the `--report` file, and exit status 130. The test starts the command
//! on a budget it cannot finish, waits for its first progress line on
//! stderr (the handler is installed before exploring starts), and sends
//! SIGINT with kill(1).

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

#[test]
fn ctrl_c_during_explore_prints_the_summary_writes_the_report_and_exits_130() {
    let dir = std::env::temp_dir().join(format!("sim-interrupt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join("report.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sim"))
        .args([
            "explore",
            "gil_counter_locked",
            "--strategy",
            "random",
            "--executions",
            "18446744073709551615",
            "--report",
        ])
        .arg(&report)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    assert!(
        first.contains("executions so far (of 18446744073709551615)"),
        "{first}"
    );
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // A guard: if the interrupt is not handled the command would run for
    // ever and the reads below never end; kill it after a minute, so the
    // test fails (exit status not 130) instead of hanging.
    let pid = child.id().to_string();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(60));
        let _ = Command::new("kill").args(["-KILL", &pid]).status();
    });
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{out}\n{first}{rest}");
    assert!(
        rest.contains("sim: interrupted: finishing the executions"),
        "{rest}"
    );
    assert!(out.contains("not complete (interrupted after "), "{out}");
    assert!(
        out.contains("verdict: interrupted (Ctrl-C) after "),
        "{out}"
    );
    assert!(out.contains("no failure so far"), "{out}");
    // The report is written, and says it was interrupted.
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(
        text.contains("\"incomplete_reason\":\"interrupted after "),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
