//! What the virtual clock buys: an async retry-with-backoff loop, explored
//! exhaustively in milliseconds although every execution spans minutes.
//!
//! A client calls a server with a timeout that doubles on every attempt
//! (1 s, 2 s, 4 s, ... capped at 60 s). The server needs 100 s to boot and
//! never answers a request that reaches it before then (it accepts the
//! connection and forgets it). Does the client, which gives up after
//! `attempts` attempts, get its answer?
//!
//! Under `Timing::Exact` the clock decides it: attempts start at 0, 1, 3,
//! 7, 15, 31 and 63 s, all before the boot, so 7 attempts give up at 123 s
//! and 8 succeed at 123.2 s. Real time would need two minutes per run;
//! sim jumps the clock whenever every task waits for a deadline. Under
//! `Timing::Adversarial` time orders nothing: the server's boot may take
//! longer than any number of the client's timeouts, and 2 attempts can give
//! up; the fairness rule (a thread that waited for time is not scheduled
//! again until another thread has made progress) bounds the space, so the
//! client's timeouts cannot all fire before the server's few steps and 8
//! attempts always get their answer.
//!
//! Run: `cargo run --release -p sim --example async_backoff`.

use std::time::{Duration, Instant};

use std::sync::Arc;

use sim::future::{block_on, sleep, spawn, timeout};
use sim::sync::atomic::{AtomicBool, Ordering};
use sim::{Builder, Report, Strategy, Timing};

/// How long the server takes to boot.
const BOOT: Duration = Duration::from_secs(100);
/// How long it takes to answer a request once it is up.
const WORK: Duration = Duration::from_millis(200);

/// The client's timeout for attempt `i` (from 0): 1 s, 2 s, 4 s, ... 60 s.
fn attempt_timeout(i: u32) -> Duration {
    Duration::from_secs(2u64.saturating_pow(i).min(60))
}

/// The server's answer to one request: 42 after `WORK` once it is up; a
/// request that reaches it while it boots is accepted and never answered.
async fn call(up: &AtomicBool) -> u32 {
    if up.load(Ordering::SeqCst) {
        sleep(WORK).await;
        42
    } else {
        std::future::pending().await
    }
}

/// One execution: a server task that boots and a client retrying with
/// backoff. Returns the virtual time at which the client got its answer,
/// or panics when it gives up.
fn program(attempts: u32) -> Duration {
    let up = Arc::new(AtomicBool::new(false));
    let server = spawn({
        let up = Arc::clone(&up);
        async move {
            sleep(BOOT).await;
            up.store(true, Ordering::SeqCst);
        }
    });
    let answered_at = block_on(async move {
        for i in 0..attempts {
            if let Ok(v) = timeout(attempt_timeout(i), call(&up)).await {
                assert_eq!(v, 42);
                return sim::time::now();
            }
        }
        panic!(
            "gave up after {attempts} attempts at {:?}",
            sim::time::now()
        );
    });
    drop(server); // detach it: the client does not wait for the server
    answered_at
}

fn explore(attempts: u32, timing: Timing) -> Report {
    Builder::new()
        .strategy(Strategy::Exhaustive)
        .timing(timing)
        .explore(move || {
            let t = program(attempts);
            sim::println!("answered at {t:?}");
        })
}

fn main() {
    println!("retry with backoff (timeouts 1 s, 2 s, 4 s, ... 60 s), server boots in 100 s");
    for (attempts, timing) in [
        (7, Timing::Exact),
        (8, Timing::Exact),
        (2, Timing::Adversarial),
        (8, Timing::Adversarial),
    ] {
        let start = Instant::now();
        let report = explore(attempts, timing);
        let wall = start.elapsed();
        let verdict = match report.failure() {
            Some(f) => format!("fails: {}", f.message.lines().next().unwrap_or("")),
            None => {
                let answers: Vec<_> = report.outputs.keys().map(|o| o.trim_end()).collect();
                format!("passes: {}", answers.join(", "))
            }
        };
        println!(
            "{attempts} attempts, {timing:?}: {} execution(s){}, {verdict}; {:.2} ms of real time",
            report.executions,
            if report.complete { " (complete)" } else { "" },
            wall.as_secs_f64() * 1e3,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_exact_timing_seven_attempts_give_up_before_the_boot() {
        let report = explore(7, Timing::Exact);
        let failure = report.failure().expect("gives up");
        assert!(
            failure.message.contains("gave up after 7 attempts at 123s"),
            "{report}"
        );
    }

    #[test]
    fn under_exact_timing_eight_attempts_are_answered_at_123_2_s_in_every_execution() {
        let report = explore(8, Timing::Exact);
        assert!(report.failures.is_empty() && report.complete, "{report}");
        let answers: Vec<_> = report.outputs.iter().collect();
        assert_eq!(
            answers,
            [(&"answered at 123.2s\n".to_string(), &report.executions)]
        );
    }

    #[test]
    fn under_adversarial_timing_two_attempts_can_give_up_and_eight_cannot() {
        let report = explore(2, Timing::Adversarial);
        let failure = report.failure().expect("gives up");
        assert!(
            failure.message.contains("gave up after 2 attempts"),
            "{report}"
        );
        let report = explore(8, Timing::Adversarial);
        assert!(report.failures.is_empty() && report.complete, "{report}");
    }
}
