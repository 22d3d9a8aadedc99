//! PCT and POS: find the lock-order deadlock with a fixed seed, replay by
//! token, same seed gives the same report.

use sim::{Builder, FailureKind, Strategy};

use crate::programs::lock_order;

fn check_strategy(strategy: Strategy, prefix: &str) {
    let builder = Builder::new().strategy(strategy).seed(7).executions(200);
    let report = builder.explore(lock_order);
    let failure = report.failure().unwrap_or_else(|| panic!("{report}"));
    assert_eq!(failure.kind, FailureKind::Deadlock);
    assert!(failure.token.starts_with(prefix), "{}", failure.token);
    assert_eq!(report.strategy, strategy);
    // Replay by token reproduces the same failure and trace.
    let replayed = Builder::new().replay(lock_order, &failure.token).unwrap();
    assert_eq!(replayed.failures[0].kind, FailureKind::Deadlock);
    assert_eq!(replayed.failures[0].trace, failure.trace);
    // The same seed gives the same report.
    assert_eq!(builder.explore(lock_order), report);
}

#[test]
fn pct_finds_lock_order_deadlock_and_replays() {
    check_strategy(Strategy::Pct { depth: 2 }, "pct2:");
    let report = Builder::new()
        .strategy(Strategy::Pct { depth: 3 })
        .executions(3)
        .explore(lock_order);
    let k = report.pct_steps.unwrap();
    assert!(k >= 5, "{k}");
    assert!(report.to_string().contains(&format!("k = {k}")), "{report}");
}

#[test]
fn pos_finds_lock_order_deadlock_and_replays() {
    check_strategy(Strategy::Pos, "pos:");
}

#[test]
fn check_pct_panics_with_a_pct_token() {
    std::env::set_var("SIM_PERSIST", "off");
    let err = std::panic::catch_unwind(|| sim::check_pct(lock_order, 500, 2)).unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("SIM_REPLAY=pct2:"), "{msg}");
}

/// A spin loop that waits for 4 other threads or tasks, under PCT with
/// depth 1 (no change points): when the spinner has the highest priority,
/// only lowering it at each yield lets the others run before the step
/// limit.
fn pct_spin_loop(tasks: bool) -> sim::Report {
    use sim::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    Builder::new()
        .strategy(Strategy::Pct { depth: 1 })
        .seed(3)
        .executions(100)
        .max_steps(200)
        .explore(move || {
            let count = Arc::new(AtomicUsize::new(0));
            for _ in 0..4 {
                let count = Arc::clone(&count);
                if tasks {
                    drop(sim::future::spawn(async move {
                        count.fetch_add(1, Ordering::SeqCst);
                    }));
                } else {
                    sim::thread::spawn(move || {
                        count.fetch_add(1, Ordering::SeqCst);
                    });
                }
            }
            if tasks {
                sim::future::block_on(async {
                    while count.load(Ordering::SeqCst) < 4 {
                        sim::future::yield_now().await;
                    }
                });
            } else {
                while count.load(Ordering::SeqCst) < 4 {
                    sim::thread::yield_now();
                }
            }
        })
}

#[test]
fn pct_lowers_a_thread_that_yields() {
    let report = pct_spin_loop(false);
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(report.executions, 100);
}

#[test]
fn pct_lowers_a_task_that_yields() {
    let report = pct_spin_loop(true);
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(report.executions, 100);
}
