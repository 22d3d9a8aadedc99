//! `Once`, `OnceLock`, `LazyLock` and `lazy_static!` (fresh in every
//! execution) and `Arc`'s leak check.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use sim::sync::{Arc, LazyLock, Mutex, Once, OnceLock};
use sim::{Builder, FailureKind};

use crate::sync::exhaustive;

static RUNS: AtomicUsize = AtomicUsize::new(0);
static INIT: Once = Once::new();

#[test]
fn a_static_once_runs_once_in_every_execution() {
    let before = RUNS.load(SeqCst);
    let report = exhaustive().explore(|| {
        let t = sim::thread::spawn(|| {
            INIT.call_once(|| {
                RUNS.fetch_add(1, SeqCst);
            })
        });
        INIT.call_once(|| {
            RUNS.fetch_add(1, SeqCst);
        });
        assert!(INIT.is_completed());
        t.join().unwrap();
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.executions >= 2, "{report}");
    // Exactly one initialisation per execution: fresh every time.
    assert_eq!(RUNS.load(SeqCst) - before, report.executions as usize);
}

static CELL: OnceLock<usize> = OnceLock::new();
static LAZY: LazyLock<Mutex<Vec<u32>>> = LazyLock::new(|| Mutex::new(Vec::new()));

#[test]
fn static_oncelock_and_lazylock_are_fresh_in_every_execution() {
    let report = exhaustive().explore(|| {
        assert_eq!(CELL.get(), None, "left over from an earlier execution");
        let t = sim::thread::spawn(|| {
            LAZY.lock().unwrap().push(1);
            *CELL.get_or_init(|| 1)
        });
        LAZY.lock().unwrap().push(2);
        let mine = *CELL.get_or_init(|| 2);
        assert_eq!(t.join().unwrap(), mine);
        assert_eq!(CELL.set(3), Err(3));
        assert_eq!(
            LAZY.lock().unwrap().len(),
            2,
            "left over from an earlier execution"
        );
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.executions > 2, "{report}");
}

sim::lazy_static! {
    static ref SHARED_ARC: Arc<Mutex<u32>> = Arc::new(Mutex::new(0));
}

#[test]
fn lazy_static_is_fresh_per_execution_and_its_arc_is_not_a_leak() {
    let report = exhaustive().explore(|| {
        let t = sim::thread::spawn(|| *SHARED_ARC.lock().unwrap() += 1);
        *SHARED_ARC.lock().unwrap() += 1;
        t.join().unwrap();
        assert_eq!(*SHARED_ARC.lock().unwrap(), 2);
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.executions > 1);
}

#[test]
fn an_arc_cycle_is_a_leak_naming_where_it_was_made() {
    let report = Builder::new().executions(1).explore(|| {
        struct Node(Mutex<Option<Arc<Node>>>);
        let a = Arc::new(Node(Mutex::new(None)));
        *a.0.lock().unwrap() = Some(a.clone());
    });
    let f = &report.failures[0];
    assert_eq!(f.kind, FailureKind::Leak);
    assert!(
        f.message.contains("tests/it/sync_statics.rs"),
        "{}",
        f.message
    );
}

#[test]
fn arcs_dropped_by_every_thread_are_not_a_leak() {
    let report = exhaustive().explore(|| {
        let a = Arc::new(1);
        let w = Arc::downgrade(&a);
        let b = a.clone();
        let t = sim::thread::spawn(move || *b);
        assert_eq!(t.join().unwrap(), 1);
        assert_eq!(Arc::strong_count(&a), 1);
        assert_eq!(Arc::try_unwrap(a), Ok(1));
        assert!(w.upgrade().is_none());
    });
    assert!(report.failures.is_empty(), "{report}");
}

sim::lazy_static! {
    static ref LATE: Mutex<u32> = Mutex::new(0);
}

#[test]
fn a_lazy_static_used_after_main_finished_is_a_failure() {
    let report = exhaustive().explore(|| {
        sim::thread::spawn(|| drop(LATE.lock().unwrap()));
    });
    let f = &report.failures[0];
    assert_eq!(f.kind, FailureKind::Panic);
    assert!(
        f.message.contains("after the main thread finished"),
        "{}",
        f.message
    );
}

static FIRST: Once = Once::new();
static SECOND: Once = Once::new();

/// Which thread ran each of two `Once`s: exhaustive exploration must see
/// all four combinations (main or the child wins each), reduced or not.
/// Before the fix it saw three: the cell's "set" state changed between two
/// operations (no operation wrote it), and a thread reading it there was
/// invisible to the dependence relation.
fn two_onces_winners(builder: Builder) -> std::collections::BTreeSet<usize> {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
    let out = seen.clone();
    let report = builder.explore(move || {
        let counter = Arc::new(sim::sync::atomic::AtomicUsize::new(0));
        let c = counter.clone();
        let t = sim::thread::spawn(move || {
            FIRST.call_once(|| {
                c.fetch_add(1, SeqCst);
            });
            SECOND.call_once(|| {
                c.fetch_add(4, SeqCst);
            });
        });
        FIRST.call_once(|| {
            counter.fetch_add(2, SeqCst);
        });
        SECOND.call_once(|| {
            counter.fetch_add(8, SeqCst);
        });
        t.join().unwrap();
        out.lock().unwrap().insert(counter.load(SeqCst));
    });
    assert!(report.failures.is_empty() && report.complete, "{report}");
    let set = seen.lock().unwrap().clone();
    set
}

#[test]
fn exhaustive_search_sees_every_winner_of_two_onces() {
    let reduced = two_onces_winners(exhaustive());
    assert_eq!(reduced, [5, 6, 9, 10].into_iter().collect());
    // The plain depth-first search agrees.
    let plain = two_onces_winners(exhaustive().reduction(false));
    assert_eq!(plain, reduced);
}

#[test]
fn a_runner_with_continue_after_ends_long_executions_as_passes() {
    let mut config = sim::Config::new();
    config.max_steps = sim::MaxSteps::ContinueAfter(40);
    let runs = sim::Runner::new(sim::scheduler::RandomScheduler::new(7), config).run(|| {
        let t = sim::thread::spawn(|| loop {
            sim::thread::yield_now();
        });
        drop(t);
        loop {
            sim::thread::yield_now();
        }
    });
    assert_eq!(runs, 7);
    // The same program with FailAfter is a StepLimit failure.
    let failed = std::panic::catch_unwind(|| {
        let mut config = sim::Config::new();
        config.max_steps = sim::MaxSteps::FailAfter(40);
        config.failure_persistence = sim::FailurePersistence::None;
        sim::Runner::new(sim::scheduler::PctScheduler::new(2, 3), config).run(|| loop {
            sim::thread::yield_now();
        });
    });
    let message = failed.expect_err("a StepLimit failure panics");
    let text = message
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(text.contains("StepLimit"), "{text}");
}

/// A thread whose `call_once` (or `OnceLock::get`) finds the cell already
/// initialised by another thread acquires what the initialiser wrote, as
/// in std: data written in the initialiser and read after is race-free.
#[test]
fn a_once_seen_completed_orders_the_initialisers_writes_before_the_caller() {
    let report = exhaustive().explore(|| {
        let once = Arc::new(Once::new());
        let cell = Arc::new(OnceLock::new());
        let data = sim::Shared::new(0);
        let hs: Vec<_> = (1..=2)
            .map(|i| {
                let (once, cell, data) = (Arc::clone(&once), Arc::clone(&cell), data.clone());
                sim::thread::spawn(move || {
                    once.call_once(|| data.set(i));
                    assert_ne!(data.get(), 0);
                    cell.get_or_init(|| i);
                    while cell.get().is_none() {}
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.executions >= 2, "{report}");
}

#[test]
fn once_cells_keep_their_state_when_moved_and_new_ones_start_fresh() {
    let report = Builder::new().executions(20).explore(|| {
        let once = Box::new(Once::new());
        once.call_once(|| {});
        let cell = Box::new(OnceLock::new());
        cell.set(7u32).unwrap();
        let lazy = Box::new(LazyLock::new(|| sim::thread::current().id()));
        let first = **lazy;
        // Moved out of their boxes (freed: a new box may reuse the address).
        let (once, cell, lazy) = (*once, *cell, *lazy);
        let (once, cell, lazy) = (Box::new(once), Box::new(cell), Box::new(lazy));
        assert!(once.is_completed());
        assert_eq!(cell.get(), Some(&7));
        assert_eq!(**lazy, first);
        // Fresh cells, possibly at the addresses the moved ones left.
        let fresh = (0..4).map(|_| Box::new(Once::new())).collect::<Vec<_>>();
        assert!(fresh.iter().all(|o| !o.is_completed()));
        let fresh_cell: Box<OnceLock<u32>> = Box::new(OnceLock::new());
        assert_eq!(fresh_cell.get(), None);
    });
    assert!(report.failures.is_empty(), "{report}");
}
