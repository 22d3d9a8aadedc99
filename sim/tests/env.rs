//! `SIM_STRATEGY`, `SIM_EXECUTIONS`, `SIM_PREEMPTIONS` override the
//! builders of `check_random`, `model` and `check_pct`. One test, in a
//! binary of its own (not a module of `it`): the environment is
//! process-wide.

// Shares the one definition of its programs with the `it` test binary.
#[allow(dead_code)]
#[path = "it/programs.rs"]
mod programs;

use programs::lock_order;

fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> Option<String> {
    std::panic::catch_unwind(f)
        .err()
        .map(|e| e.downcast_ref::<String>().cloned().unwrap_or_default())
}

#[test]
fn environment_overrides() {
    std::env::set_var("SIM_PERSIST", "off");
    // check_random explores exhaustively: the token is a schedule.
    std::env::set_var("SIM_STRATEGY", "exhaustive");
    let msg = panic_message(|| sim::check_random(lock_order, 100)).unwrap();
    assert!(msg.contains("SIM_REPLAY=s1:"), "{msg}");
    // model with no preemption misses the deadlock.
    std::env::set_var("SIM_PREEMPTIONS", "0");
    assert_eq!(panic_message(|| sim::model(lock_order)), None);
    std::env::set_var("SIM_PREEMPTIONS", "none");
    // model under POS, PCT.
    std::env::set_var("SIM_STRATEGY", "pos");
    let msg = panic_message(|| sim::model(lock_order)).unwrap();
    assert!(msg.contains("SIM_REPLAY=pos:"), "{msg}");
    std::env::set_var("SIM_STRATEGY", "pct:2");
    let msg = panic_message(|| sim::model(lock_order)).unwrap();
    assert!(msg.contains("SIM_REPLAY=pct2:"), "{msg}");
    // SIM_EXECUTIONS: one random execution of a program whose bug needs
    // a rare schedule finds nothing.
    std::env::set_var("SIM_STRATEGY", "exhaustive");
    std::env::set_var("SIM_EXECUTIONS", "1");
    assert_eq!(panic_message(|| sim::model(lock_order)), None);
    std::env::remove_var("SIM_EXECUTIONS");
    // Bad values are clear panics.
    std::env::set_var("SIM_STRATEGY", "banana");
    let msg = panic_message(|| sim::model(lock_order)).unwrap();
    assert!(msg.contains("SIM_STRATEGY"), "{msg}");
    std::env::remove_var("SIM_STRATEGY");
    std::env::set_var("SIM_PREEMPTIONS", "x");
    let msg = panic_message(|| sim::model(lock_order)).unwrap();
    assert!(msg.contains("SIM_PREEMPTIONS"), "{msg}");
    std::env::remove_var("SIM_PREEMPTIONS");
}
