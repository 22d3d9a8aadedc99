//! `Event`: Python's documented behaviour, the notebook's program, and the
//! lost wake-up of a set that was cleared before the waiter looked (also
//! as found by random exploration, which keeps no event log, and reported
//! from the failing execution's recorded replay).

use std::time::Duration;

use sim::threading::Event;
use sim::{Builder, EdgeKind, FailureKind, Shared};

#[test]
fn wait_timeout_returns_false_exactly_at_the_virtual_deadline() {
    let report = Builder::new().executions(20).explore(|| {
        let ev = Event::new();
        assert!(!ev.wait_timeout(Duration::from_millis(2500)));
        assert_eq!(sim::time::now(), Duration::from_millis(2500));
        assert!(!ev.is_set());
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn set_releases_every_waiter_and_later_waits_return_at_once() {
    let report = Builder::new().executions(300).explore(|| {
        let ev = Event::new();
        let hs: Vec<_> = (0..3)
            .map(|_| {
                sim::thread::spawn(move || {
                    ev.wait();
                    sim::time::now()
                })
            })
            .collect();
        sim::time::sleep(Duration::from_secs(2));
        ev.set();
        for h in hs {
            assert_eq!(h.join().unwrap(), Duration::from_secs(2));
        }
        assert!(ev.wait_timeout(Duration::from_secs(9)));
        ev.wait();
        assert_eq!(sim::time::now(), Duration::from_secs(2));
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn clear_resets_the_flag() {
    let report = Builder::new().executions(1).explore(|| {
        let ev = Event::new();
        assert!(!ev.is_set());
        ev.set();
        ev.set();
        assert!(ev.is_set());
        ev.clear();
        assert!(!ev.is_set());
        assert!(!ev.wait_timeout(Duration::from_secs(1)));
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn set_happens_before_the_wait_it_released() {
    let report = Builder::new().executions(300).explore(|| {
        let ev = Event::new();
        let data = Shared::new(String::new());
        let d = data.clone();
        let t = sim::thread::spawn(move || {
            ev.wait();
            d.get()
        });
        data.set("ready".to_string());
        ev.set();
        assert_eq!(t.join().unwrap(), "ready");
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn a_timed_out_wait_does_not_order_anything() {
    let report = Builder::new().executions(300).explore(|| {
        let ev = Event::new();
        let data = Shared::new(0);
        let d = data.clone();
        let t = sim::thread::spawn(move || {
            ev.wait_timeout(Duration::from_secs(1));
            d.get()
        });
        sim::time::sleep(Duration::from_secs(2));
        data.set(1);
        ev.set();
        t.join().unwrap();
    });
    let f = report.failure().expect("the read races with the write");
    assert_eq!(f.kind, FailureKind::DataRace);
}

/// A waiter that sleeps past the set and the clear of its Event: a lost
/// wake-up, reported with the steps and places of the set and the clear.
fn set_and_cleared_before_the_wait() {
    let ev = Event::new();
    let t = sim::thread::Builder::new()
        .name("waiter".into())
        .spawn(move || {
            sim::time::sleep(Duration::from_secs(1));
            ev.wait();
        })
        .unwrap();
    ev.set();
    ev.clear();
    t.join().unwrap();
}

#[test]
fn a_set_cleared_before_the_waiter_looked_is_a_lost_wakeup() {
    let report = Builder::new()
        .executions(200)
        .explore(set_and_cleared_before_the_wait);
    let f = report.failure().unwrap();
    assert_eq!(f.kind, FailureKind::Deadlock);
    assert!(
        f.message.contains("waiter is blocked in wait of Event#"),
        "{}",
        f.message
    );
    assert!(
        f.message.contains("lost wake-up: waiter waits on Event#")
            && f.message.contains("it was set earlier (step ")
            && f.message.contains("and cleared (step "),
        "{}",
        f.message
    );
}

#[test]
fn a_random_failure_is_reported_from_its_recorded_replay() {
    // Random executions keep no event log; the failing one is replayed with
    // it, so the report still says where the earlier events happened and
    // the trace holds every event and edge.
    let report = Builder::new()
        .executions(50)
        .explore(set_and_cleared_before_the_wait);
    let f = report
        .failure()
        .expect("the wake-up is lost in every execution");
    assert_eq!(f.kind, FailureKind::Deadlock);
    let here = file!();
    assert!(
        f.message.contains("it was set earlier (step ")
            && f.message.contains(&format!("by MainThread at {here}:")),
        "{}",
        f.message
    );
    let last = f.trace.events.last().expect("the trace has the events");
    assert_eq!(last.step as usize, f.trace.events.len());
    assert!(
        f.trace.edges.iter().any(|e| e.kind == EdgeKind::Spawn),
        "{:?}",
        f.trace.edges
    );
    // The token replays it to the same report.
    let replayed = Builder::new()
        .replay(set_and_cleared_before_the_wait, &f.token)
        .expect("a valid token");
    assert_eq!(replayed.failure().map(|r| &r.message), Some(&f.message));
}
