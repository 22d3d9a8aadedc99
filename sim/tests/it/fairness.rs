//! The exhaustive searches' fairness rule: spin loops with `yield_now` and
//! wait loops with spurious wake-ups terminate.

use sim::sync::{Arc, Condvar, Mutex};

use crate::sync::exhaustive;

#[test]
fn a_spin_loop_with_yield_terminates_under_exhaustive_search() {
    // loom's `yield_completes`: without the yield fairness rule the search
    // schedules the spinning main thread for ever (a StepLimit failure).
    let report = exhaustive().explore(|| {
        let flag = Arc::new(sim::sync::atomic::AtomicUsize::new(0));
        let f2 = flag.clone();
        let t = sim::thread::spawn(move || f2.store(1, std::sync::atomic::Ordering::Relaxed));
        while flag.load(std::sync::atomic::Ordering::Relaxed) == 0 {
            sim::thread::yield_now();
        }
        t.join().unwrap();
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
}

#[test]
fn two_spinners_and_a_worker_terminate_under_exhaustive_search() {
    let report = exhaustive().explore(|| {
        let flag = Arc::new(sim::sync::atomic::AtomicUsize::new(0));
        let spinners: Vec<_> = (0..2)
            .map(|_| {
                let f = flag.clone();
                sim::thread::spawn(move || {
                    while f.load(std::sync::atomic::Ordering::Acquire) == 0 {
                        sim::hint::spin_loop();
                    }
                })
            })
            .collect();
        flag.store(1, std::sync::atomic::Ordering::Release);
        for s in spinners {
            s.join().unwrap();
        }
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
}

#[test]
fn a_park_loop_with_spurious_wakeups_terminates_under_exhaustive_search() {
    let report = exhaustive().spurious_wakeups(true).explore(|| {
        let flag = Arc::new(sim::sync::atomic::AtomicBool::new(false));
        let f2 = flag.clone();
        let main = sim::thread::current();
        let t = sim::thread::spawn(move || {
            f2.store(true, std::sync::atomic::Ordering::Release);
            main.unpark();
        });
        while !flag.load(std::sync::atomic::Ordering::Acquire) {
            sim::thread::park();
        }
        t.join().unwrap();
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
}

#[test]
fn a_condvar_loop_with_spurious_wakeups_terminates_under_exhaustive_search() {
    let report = exhaustive().spurious_wakeups(true).explore(|| {
        let state = Arc::new((Mutex::new(false), Condvar::new()));
        let s2 = state.clone();
        let t = sim::thread::spawn(move || {
            *s2.0.lock().unwrap() = true;
            s2.1.notify_one();
        });
        let (m, cv) = &*state;
        drop(cv.wait_while(m.lock().unwrap(), |ready| !*ready).unwrap());
        t.join().unwrap();
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
}
