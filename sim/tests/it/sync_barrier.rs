//! `sim::sync::Barrier`: std's barrier (one leader per generation, reuse,
//! `new(0)` and `new(1)`), its happens-before and its deadlock.

use std::sync::Arc;

use sim::sync::Barrier;
use sim::{Builder, FailureKind, Shared, Strategy};

fn exhaustive() -> Builder {
    Builder::new()
        .strategy(Strategy::Exhaustive)
        .executions(1_000_000)
}

#[test]
fn exactly_one_leader_per_generation_over_every_execution_and_reuse() {
    // Three threads through two generations; each prints who led which.
    let report = exhaustive().explore(|| {
        let barrier = Arc::new(Barrier::new(3));
        let leads = Shared::new([0u32; 2]);
        let hs: Vec<_> = (0..3)
            .map(|i| {
                let barrier = Arc::clone(&barrier);
                let leads = leads.clone();
                sim::thread::spawn(move || {
                    let mut led = Vec::new();
                    for generation in 0..2 {
                        if barrier.wait().is_leader() {
                            leads.with_mut(|l| l[generation] += 1);
                            led.push(generation);
                        }
                    }
                    (i, led)
                })
            })
            .collect();
        let mut leaders = [None; 2];
        for h in hs {
            let (i, led) = h.join().unwrap();
            for generation in led {
                leaders[generation] = Some(i);
            }
        }
        assert_eq!(leads.get(), [1, 1], "one leader per generation");
        sim::println!("{leaders:?}");
    });
    assert!(report.complete, "{report}");
    assert!(report.failures.is_empty(), "{report}");
    // Any thread can lead either generation: 3 x 3 combinations.
    assert_eq!(report.outputs.len(), 9, "{report}");
}

#[test]
fn barriers_of_zero_and_one_never_block() {
    let report = exhaustive().explore(|| {
        for n in [0, 1] {
            let barrier = Barrier::new(n);
            assert_eq!(format!("{barrier:?}"), "Barrier { .. }");
            for _ in 0..3 {
                assert!(barrier.wait().is_leader());
            }
        }
        let barrier = Barrier::new(1);
        let t = sim::thread::spawn(move || barrier.wait().is_leader());
        assert!(t.join().unwrap());
    });
    assert!(report.complete && report.failures.is_empty(), "{report}");
}

#[test]
fn every_arrival_happens_before_every_departure() {
    let report = exhaustive().explore(|| {
        let barrier = Arc::new(Barrier::new(2));
        let a = Shared::new(0);
        let b = Shared::new(0);
        let (b2, a2, bb) = (Arc::clone(&barrier), a.clone(), b.clone());
        let t = sim::thread::spawn(move || {
            a2.set(1);
            b2.wait();
            assert_eq!(bb.get(), 1);
        });
        b.set(1);
        barrier.wait();
        assert_eq!(a.get(), 1);
        t.join().unwrap();
    });
    assert!(report.complete && report.failures.is_empty(), "{report}");
}

#[test]
fn too_few_threads_at_a_barrier_is_a_deadlock() {
    let report = exhaustive().explore(|| {
        let barrier = Arc::new(Barrier::new(3));
        let b = Arc::clone(&barrier);
        let t = sim::thread::spawn(move || b.wait().is_leader());
        barrier.wait();
        t.join().unwrap();
    });
    let failure = &report.failures[0];
    assert_eq!(failure.kind, FailureKind::Deadlock, "{report}");
    assert!(
        failure.message.contains("has 2 of 3 parties waiting"),
        "{}",
        failure.message
    );
}
