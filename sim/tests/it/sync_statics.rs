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
