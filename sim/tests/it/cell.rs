//! `sim::cell`: `UnsafeCell` accesses (with, with_mut, get, get_mut) and
//! `Cell` methods are race-checked but are not scheduling points.

use std::rc::Rc;
use std::sync::Arc;

use sim::cell::{Cell, UnsafeCell};
use sim::sync::atomic::{
    AtomicUsize,
    Ordering::{Acquire, Relaxed, Release},
};
use sim::threading::Lock;
use sim::{Builder, EdgeKind, FailureKind, Report, Strategy};

fn exhaustive() -> Builder {
    Builder::new()
        .strategy(Strategy::Exhaustive)
        .executions(1_000_000)
}

fn race(report: &Report) -> &sim::Failure {
    let f = report
        .failure()
        .unwrap_or_else(|| panic!("no failure: {report}"));
    assert_eq!(f.kind, FailureKind::DataRace, "{report}");
    f
}

/// loom's `Data`: a shared counter in an `UnsafeCell`.
#[derive(Clone)]
struct Data(Rc<UnsafeCell<usize>>);

impl Data {
    fn new(v: usize) -> Self {
        Data(Rc::new(UnsafeCell::new(v)))
    }

    fn get(&self) -> usize {
        self.0.with(|v| unsafe { *v })
    }

    fn inc(&self) -> usize {
        self.0.with_mut(|v| unsafe {
            *v += 1;
            *v
        })
    }
}

#[test]
fn unordered_writes_and_reads_race_and_the_message_names_both() {
    let write_line = line!() + 6;
    let read_line = line!() + 4;
    let report = exhaustive().explore(move || {
        let x = Rc::new(UnsafeCell::new(1));
        let (y, z) = (x.clone(), x.clone());
        let t = sim::thread::spawn(move || y.with_mut(|p| unsafe { *p += 1 }));
        let v = z.with(|p| unsafe { *p });
        t.join().unwrap();
        let _ = v;
    });
    let f = race(&report);
    for line in [write_line, read_line] {
        assert!(
            f.message.contains(&format!("cell.rs:{line}:")),
            "{line}: {}",
            f.message
        );
    }
    assert!(f.message.contains("UnsafeCell#0"), "{}", f.message);
    // The same race whatever the order: one distinct failure.
    let all = exhaustive().stop_on_first_failure(false).explore(|| {
        let x = Data::new(1);
        let y = x.clone();
        let t = sim::thread::spawn(move || y.inc());
        x.inc();
        t.join().unwrap();
    });
    assert!(all.complete, "{all}");
    assert_eq!(all.failures.len(), 1, "{all}");
    // loom's mut/immut variants with three threads race too.
    for variant in 0..3 {
        let report = exhaustive().explore(move || {
            let x = Data::new(1);
            let (y, z) = (x.clone(), x.clone());
            let th1 = sim::thread::spawn(move || if variant == 1 { x.get() } else { x.inc() });
            let th2 = sim::thread::spawn(move || if variant == 2 { y.get() } else { y.inc() });
            th1.join().unwrap();
            th2.join().unwrap();
            z.inc();
        });
        race(&report);
    }
}

#[test]
fn accesses_ordered_by_spawn_join_lock_or_atomics_do_not_race() {
    // loom's unsafe_cell_ok_1..3 shapes.
    sim::model(|| {
        let x = Data::new(1);
        assert_eq!(x.inc(), 2);
        let th = sim::thread::spawn(move || {
            assert_eq!(x.inc(), 3);
            x
        });
        let x = th.join().unwrap();
        assert_eq!(x.inc(), 4);
    });
    sim::model(|| {
        let x = Data::new(1);
        let y = x.clone();
        let th1 = sim::thread::spawn(move || {
            assert_eq!(x.get(), 1);
            let z = x.clone();
            let th2 = sim::thread::spawn(move || assert_eq!(z.get(), 1));
            assert_eq!(x.get(), 1);
            th2.join().unwrap();
        });
        assert_eq!(y.get(), 1);
        th1.join().unwrap();
        assert_eq!(y.inc(), 2);
    });
    // Under a lock.
    sim::model(|| {
        let lock = Lock::new();
        let x = Data::new(0);
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let x = x.clone();
                sim::thread::spawn(move || {
                    let _g = lock.lock();
                    x.inc();
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(x.get(), 2);
    });
}

#[test]
fn an_access_after_the_release_is_not_published() {
    // loom's `unsafe_cell_access_after_sync`.
    let report = exhaustive().explore(|| {
        let s1 = Rc::new((AtomicUsize::new(0), UnsafeCell::new(0)));
        let s2 = s1.clone();
        sim::thread::spawn(move || {
            s1.0.store(1, Release);
            s1.1.with_mut(|p| unsafe { *p = 1 });
        });
        if s2.0.load(Acquire) == 1 {
            s2.1.with_mut(|p| unsafe { *p = 2 });
        }
    });
    let f = race(&report);
    // Both threads had events before their accesses: the trace draws the
    // race between them. (The cell is object 0: the atomic gets its object
    // on its first use, a `const fn new` as std's.)
    assert!(
        f.trace
            .edges
            .iter()
            .any(|e| e.kind == EdgeKind::Race && e.object.as_deref() == Some("UnsafeCell#0")),
        "{:?}",
        f.trace.edges
    );
    assert!(f.message.contains("after step"), "{}", f.message);
}

#[test]
fn get_and_get_mut_guards_record_their_access_when_made() {
    let report = exhaustive().explore(|| {
        let x = Rc::new(UnsafeCell::new(5));
        let y = x.clone();
        let t = sim::thread::spawn(move || {
            let p = y.get_mut();
            unsafe { *p.deref() += 1 };
            p.with(|raw| unsafe { *raw += 1 });
        });
        let r = x.get();
        let v = unsafe { *r.deref() } + r.with(|raw| unsafe { *raw });
        t.join().unwrap();
        let _ = v;
    });
    let f = race(&report);
    assert!(f.message.contains("write by Thread-1"), "{}", f.message);
    // Ordered, they work on the value.
    sim::model(|| {
        let x = Rc::new(UnsafeCell::new(5));
        let y = x.clone();
        sim::thread::spawn(move || {
            let p = y.get_mut();
            unsafe { *p.deref() *= 2 };
        })
        .join()
        .unwrap();
        assert_eq!(unsafe { *x.get().deref() }, 10);
        let x = Rc::try_unwrap(x).unwrap();
        assert_eq!(format!("{x:?}"), "UnsafeCell#0 { .. }");
        assert_eq!(x.into_inner(), 10);
        assert_eq!(UnsafeCell::<u8>::default().with(|p| unsafe { *p }), 0);
        assert_eq!(UnsafeCell::from(3).with(|p| unsafe { *p }), 3);
    });
}

#[test]
fn cell_accesses_are_not_scheduling_points() {
    // Only the spawn and the join are scheduling points: one execution,
    // however many accesses (a Shared access would be one each).
    let report = exhaustive().explore(|| {
        let x = Data::new(0);
        let y = x.clone();
        let t = sim::thread::spawn(move || {
            for _ in 0..5 {
                y.inc();
            }
        });
        t.join().unwrap();
        for _ in 0..5 {
            x.inc();
        }
        assert_eq!(x.get(), 10);
    });
    assert!(report.complete && report.failures.is_empty(), "{report}");
    assert_eq!(report.executions, 1, "{report}");
    let trace = Builder::new()
        .trace(
            || {
                let x = Data::new(0);
                x.inc();
                x.get();
            },
            "1",
        )
        .unwrap();
    assert!(trace.events.is_empty(), "{:?}", trace.events);
}

#[test]
fn race_detection_off_turns_the_check_off() {
    let report = exhaustive().race_detection(false).explore(|| {
        let x = Data::new(0);
        let y = x.clone();
        let t = sim::thread::spawn(move || y.inc());
        x.inc();
        t.join().unwrap();
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn a_relaxed_counter_does_not_order_cell_accesses() {
    // Each thread writes its own slot then bumps a Relaxed counter; the
    // one that sees 1 reads the other's slot: a race (it would not be with
    // AcqRel).
    let report = exhaustive().explore(|| {
        let slots = Rc::new([UnsafeCell::new(0), UnsafeCell::new(0)]);
        let n = Arc::new(AtomicUsize::new(0));
        let hs: Vec<_> = (0..2)
            .map(|i| {
                let (slots, n) = (slots.clone(), n.clone());
                sim::thread::spawn(move || {
                    slots[i].with_mut(|p| unsafe { *p = 1 });
                    if n.fetch_add(1, Relaxed) == 1 {
                        slots[1 - i].with(|p| unsafe { *p });
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
    });
    race(&report);
}

#[test]
fn cell_has_std_methods_and_is_race_checked() {
    sim::model(|| {
        let c = Cell::new(1);
        c.set(2);
        assert_eq!(c.get(), 2);
        assert_eq!(c.replace(3), 3 - 1);
        assert_eq!(c.update(|v| v * 10), 30);
        let d = Cell::new(7);
        c.swap(&d);
        c.swap(&c);
        assert_eq!((c.get(), d.get()), (7, 30));
        assert_eq!(c.take(), 7);
        assert_eq!(c.get(), 0);
        let e = d.clone();
        assert!(e == d && e <= d && e.cmp(&d) == std::cmp::Ordering::Equal);
        assert_eq!(format!("{e:?}"), "Cell { value: 30 }");
        let mut f = Cell::<u8>::default();
        *f.get_mut() = 4;
        assert_eq!(unsafe { *f.as_ptr() }, 4);
        assert_eq!(f.into_inner(), 4);
        assert_eq!(Cell::from(9).get(), 9);
    });
    let line = line!() + 5;
    let report = exhaustive().explore(|| {
        let c = Rc::new(Cell::new(0));
        let c2 = c.clone();
        let t = sim::thread::spawn(move || c2.set(1));
        c.set(2);
        t.join().unwrap();
    });
    let f = race(&report);
    assert!(f.message.contains("Cell#0"), "{}", f.message);
    assert!(
        f.message.contains(&format!("cell.rs:{line}:")),
        "{}",
        f.message
    );
}

#[test]
fn a_cell_used_outside_a_simulation_panics_with_a_clear_message() {
    let err = std::panic::catch_unwind(|| UnsafeCell::new(0)).unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.contains("UnsafeCell") && msg.contains("outside a simulation"),
        "{msg}"
    );
}
