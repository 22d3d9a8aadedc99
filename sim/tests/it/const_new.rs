//! std's `const fn new` of `Mutex`, `RwLock`, `Condvar` and the atomics: a
//! `static` primitive, or one built outside any execution, gets a fresh
//! runtime object in every execution; the data it guards is the program's
//! and is kept.

use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering::SeqCst};

use sim::cell::UnsafeCell;
use sim::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use sim::sync::{Arc, Condvar, Mutex, RwLock};
use sim::FailureKind;

use crate::sync::exhaustive;

/// Two threads each increment a counter twice under a mutex: `static` or
/// `Arc`, the search sees the same executions (the 6 orders of the four
/// critical sections) and no failure.
#[test]
fn a_static_mutex_is_explored_as_a_local_one() {
    static COUNTER: Mutex<u32> = Mutex::new(0);
    let statics = exhaustive().explore(|| {
        *COUNTER.lock().unwrap() = 0;
        let t = sim::thread::spawn(|| {
            for _ in 0..2 {
                *COUNTER.lock().unwrap() += 1;
            }
        });
        for _ in 0..2 {
            *COUNTER.lock().unwrap() += 1;
        }
        t.join().unwrap();
        assert_eq!(*COUNTER.lock().unwrap(), 4);
    });
    let locals = exhaustive().explore(|| {
        let counter = Arc::new(Mutex::new(0u32));
        let c = Arc::clone(&counter);
        let t = sim::thread::spawn(move || {
            for _ in 0..2 {
                *c.lock().unwrap() += 1;
            }
        });
        for _ in 0..2 {
            *counter.lock().unwrap() += 1;
        }
        t.join().unwrap();
        assert_eq!(*counter.lock().unwrap(), 4);
    });
    assert!(statics.failures.is_empty(), "{statics}");
    assert!(statics.complete && locals.complete);
    assert_eq!(statics.executions, locals.executions);
    assert_eq!(statics.executions, 6, "{statics}");
}

/// A static mutex whose holder was torn down with its execution (here the
/// execution failed while a thread held it) is unlocked in the next: the
/// lock state is per execution. A guard that was forgotten instead keeps
/// the data locked, as in std: a clear failure, not a hang.
#[test]
fn a_static_mutex_starts_unlocked_in_every_execution() {
    static HELD: Mutex<()> = Mutex::new(());
    let failed = sim::Builder::new().executions(1).explore(|| {
        let _guard = HELD.lock().unwrap();
        panic!("fails while holding the static mutex");
    });
    assert_eq!(failed.failure().map(|f| f.kind), Some(FailureKind::Panic));
    let report = sim::Builder::new().executions(5).explore(|| {
        drop(
            HELD.try_lock()
                .expect("unlocked at the start of each execution"),
        );
        let t = sim::thread::spawn(|| drop(HELD.lock().unwrap()));
        t.join().unwrap();
    });
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(report.executions, 5);

    static FORGOTTEN: Mutex<()> = Mutex::new(());
    let report = sim::Builder::new()
        .executions(2)
        .explore(|| std::mem::forget(FORGOTTEN.lock()));
    let failure = report
        .failure()
        .expect("the second execution cannot lock it");
    assert!(failure.message.contains("never dropped"), "{report}");
}

/// A mutex built outside the simulation and leaked (shuttle's
/// `regression_86` does this) works in every execution.
#[test]
fn a_mutex_built_outside_the_simulation_works_in_every_execution() {
    let mu: &'static Mutex<usize> = Box::leak(Box::new(Mutex::new(0)));
    sim::check_random(
        move || {
            let t = sim::thread::spawn(move || *mu.lock().unwrap() += 1);
            *mu.lock().unwrap() += 1;
            t.join().unwrap();
        },
        20,
    );
    let total = sim::Builder::new()
        .executions(1)
        .explore(move || assert_eq!(*mu.lock().unwrap(), 40));
    assert!(total.failures.is_empty(), "{total}");
}

/// std's `Condvar::new` and `RwLock::new` are `const` too.
#[test]
fn a_static_condvar_and_rwlock_work_and_a_lost_wakeup_is_found() {
    static READY: Mutex<bool> = Mutex::new(false);
    static CHANGED: Condvar = Condvar::new();
    static CONFIG: RwLock<u32> = RwLock::new(7);
    // A `wait` without a predicate loses the wake-up when the notify comes
    // first: a deadlock in some execution, as with local primitives.
    let report = exhaustive().explore(|| {
        *READY.lock().unwrap() = false;
        let t = sim::thread::spawn(|| {
            assert_eq!(*CONFIG.read().unwrap(), 7);
            *READY.lock().unwrap() = true;
            CHANGED.notify_one();
        });
        let ready = READY.lock().unwrap();
        let ready = CHANGED.wait(ready).unwrap();
        assert!(*ready);
        drop(ready);
        t.join().unwrap();
    });
    let failure = report.failure().expect("the lost wake-up is found");
    assert_eq!(failure.kind, FailureKind::Deadlock, "{report}");
}

/// A static atomic keeps its value (the program's) between executions, and
/// its happens-before history starts fresh: a Relaxed flag publishing data
/// is a data race, an Acquire/Release one is not.
#[test]
fn a_static_atomic_keeps_its_value_and_orders_as_a_local_one() {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    static OUTSIDE: StdAtomicUsize = StdAtomicUsize::new(0);
    let report = sim::Builder::new().executions(10).explore(|| {
        CALLS.fetch_add(1, Ordering::SeqCst);
        OUTSIDE.fetch_add(1, SeqCst);
    });
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(OUTSIDE.load(SeqCst), 10);
    let calls = sim::Builder::new()
        .executions(1)
        .explore(|| assert_eq!(CALLS.load(Ordering::SeqCst), 10));
    assert!(calls.failures.is_empty(), "{calls}");

    fn publish(store: Ordering, load: Ordering) -> sim::Report {
        static FLAG: AtomicBool = AtomicBool::new(false);
        exhaustive().explore(move || {
            FLAG.store(false, Ordering::SeqCst);
            let data = Arc::new(UnsafeCell::new(0));
            let d = Arc::clone(&data);
            let t = sim::thread::spawn(move || {
                d.with_mut(|p| unsafe { *p = 42 });
                FLAG.store(true, store);
            });
            if FLAG.load(load) {
                assert_eq!(data.with(|p| unsafe { *p }), 42);
            }
            t.join().unwrap();
        })
    }
    let ordered = publish(Ordering::Release, Ordering::Acquire);
    assert!(ordered.failures.is_empty(), "{ordered}");
    let racy = publish(Ordering::Relaxed, Ordering::Relaxed);
    assert_eq!(
        racy.failure().map(|f| f.kind),
        Some(FailureKind::DataRace),
        "{racy}"
    );
}

/// Using a primitive outside any simulation is still a clear error.
#[test]
fn a_static_mutex_locked_outside_a_simulation_is_a_clear_error() {
    static M: Mutex<u8> = Mutex::new(0);
    let err = std::panic::catch_unwind(|| drop(M.lock())).unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.contains("Mutex") && msg.contains("outside a simulation"),
        "{msg}"
    );
}
