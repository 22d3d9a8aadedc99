//! `Builder::lazy_start` (on under the test entry points): a spawned
//! thread starts at a scheduling point of its own, so what it does before
//! its first operation (state sim does not see, the clock) may come after
//! the spawner's next steps. The start is no event for the reduction, URW
//! or a preemption bound.

use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use sim::{Builder, Strategy, Timing};

use crate::atomic::{exhaustive, unreduced};

use crate::atomic_counts::store_buffering;

/// shuttle's `mutex_unfair`: two threads record (in a std `Mutex`, which
/// sim does not see) the order in which they reach a sim `Mutex` that main
/// holds, then take it; main lets go once both have arrived. Both arrival
/// orders and both acquisition orders are possible.
fn arrival_and_acquisition_orders() {
    let lock = sim::sync::Arc::new(sim::sync::Mutex::new(Vec::new()));
    let guard = lock.lock().unwrap();
    let order = Arc::new(StdMutex::new(Vec::new()));
    let threads: Vec<_> = (0..2)
        .map(|tid| {
            let (lock, order) = (lock.clone(), order.clone());
            sim::thread::spawn(move || {
                order.lock().unwrap().push(tid);
                lock.lock().unwrap().push(tid);
            })
        })
        .collect();
    while order.lock().unwrap().len() < 2 {
        sim::thread::yield_now();
    }
    drop(guard);
    for t in threads {
        t.join().unwrap();
    }
    let arrived = order.lock().unwrap().clone();
    sim::println!("{arrived:?} {:?}", lock.lock().unwrap());
}

#[test]
fn threads_reach_their_first_operation_in_either_order() {
    let all = [
        "[0, 1] [0, 1]\n",
        "[0, 1] [1, 0]\n",
        "[1, 0] [0, 1]\n",
        "[1, 0] [1, 0]\n",
    ];
    // The plain DFS (the optimal DPOR sees no dependence through state it
    // does not see, such as the std `Mutex`, as for any such state).
    let lazy = unreduced()
        .lazy_start(true)
        .explore(arrival_and_acquisition_orders);
    assert!(lazy.failures.is_empty() && lazy.complete, "{lazy}");
    assert_eq!(lazy.outputs.keys().collect::<Vec<_>>(), all, "{lazy}");
    let random = Builder::new()
        .lazy_start(true)
        .executions(200)
        .explore(arrival_and_acquisition_orders);
    assert_eq!(random.outputs.keys().collect::<Vec<_>>(), all, "{random}");
    // Started with their spawns, the threads arrive in spawn order.
    let eager = unreduced().explore(arrival_and_acquisition_orders);
    assert_eq!(
        eager.outputs.keys().collect::<Vec<_>>(),
        &all[..2],
        "{eager}"
    );
}

#[test]
fn a_thread_started_late_reads_a_later_clock() {
    let program = || {
        let t = sim::thread::spawn(|| {
            let before = sim::time::now();
            sim::time::sleep(Duration::from_secs(1));
            before
        });
        sim::time::sleep(Duration::from_secs(5));
        sim::println!("{:?}", t.join().unwrap());
    };
    let lazy = Builder::new()
        .timing(Timing::Adversarial)
        .lazy_start(true)
        .executions(300)
        .explore(program);
    assert_eq!(lazy.outputs.keys().collect::<Vec<_>>(), ["0ns\n", "5s\n"]);
    let eager = Builder::new()
        .timing(Timing::Adversarial)
        .executions(300)
        .explore(program);
    assert_eq!(eager.outputs.keys().collect::<Vec<_>>(), ["0ns\n"]);
}

#[test]
fn a_start_is_no_event_for_the_reduction_but_an_interleaving_point_for_the_dfs() {
    let reduced = exhaustive().lazy_start(true).explore(store_buffering);
    assert!(reduced.complete, "{reduced}");
    assert_eq!(reduced.executions, 3, "{reduced}");
    // The plain DFS: the child's start, store and load against main's
    // store and load: 5 choose 2 = 10 interleavings (6 when it starts with
    // its spawn).
    let dfs = unreduced().lazy_start(true).explore(store_buffering);
    assert_eq!(dfs.executions, 10, "{dfs}");
    assert_eq!(
        dfs.outputs.keys().collect::<Vec<_>>(),
        reduced.outputs.keys().collect::<Vec<_>>()
    );
    assert_eq!(unreduced().explore(store_buffering).executions, 6);
}

#[test]
fn a_start_costs_no_preemption() {
    // Each bound explores the same schedules whether threads start lazily
    // or not (a start is transparent: it costs nothing and leaves the
    // running thread as it was): the lock-order inversion's deadlock needs
    // one preemption, and two cover every schedule.
    for k in 0..3 {
        let bounded = |lazy| {
            let report = Builder::new()
                .strategy(Strategy::Exhaustive)
                .preemption_bound(Some(k))
                .stop_on_first_failure(false)
                .lazy_start(lazy)
                .explore(crate::programs::lock_order_printing);
            let outputs = report.outputs.keys().cloned().collect::<Vec<_>>();
            (outputs, report.failures.len(), report.complete)
        };
        let (lazy, eager) = (bounded(true), bounded(false));
        assert_eq!(lazy, eager, "bound {k}");
        assert_eq!(eager.1 > 0, k > 0, "bound {k}");
        assert_eq!(eager.2, k == 2, "bound {k}");
    }
}
