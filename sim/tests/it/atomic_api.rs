//! `sim::sync::atomic`: trace edges, std's ordering checks, and every
//! type's methods against std's.

use std::sync::Arc;

use sim::sync::atomic::{
    fence, AtomicBool, AtomicI128, AtomicI16, AtomicI32, AtomicI64, AtomicI8, AtomicIsize,
    AtomicPtr, AtomicU128, AtomicU16, AtomicU32, AtomicU64, AtomicU8, AtomicUsize,
    Ordering::{AcqRel, Acquire, Relaxed, Release, SeqCst},
};
use sim::{Builder, EdgeKind, FailureKind};

#[test]
fn the_trace_has_atomic_edges_consistent_with_the_clocks() {
    // A Release store read by an Acquire load, a fence pair and a CAS.
    let program = || {
        let (x, y) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (x2, y2) = (x.clone(), y.clone());
        let t = sim::thread::spawn(move || {
            x2.store(1, Release);
            fence(Release);
            y2.store(1, Relaxed);
        });
        while x.load(Acquire) == 0 {
            sim::thread::yield_now();
        }
        while y.compare_exchange(1, 2, Relaxed, Relaxed).is_err() {
            sim::thread::yield_now();
        }
        fence(Acquire);
        t.join().unwrap();
    };
    let report = Builder::new().executions(20).explore(program);
    assert!(report.failures.is_empty(), "{report}");
    let trace = Builder::new().trace(program, "1").unwrap();
    let atomic_edges: Vec<_> = trace
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Atomic)
        .collect();
    assert_eq!(atomic_edges.len(), 2, "{:?}", trace.edges);
    let event = |step: u64| &trace.events[trace.event_index(step).unwrap()];
    let ops: Vec<(&str, &str)> = atomic_edges
        .iter()
        .map(|e| (event(e.from).op.as_str(), event(e.to).op.as_str()))
        .collect();
    assert_eq!(ops, [("store", "load"), ("fence", "fence")]);
    // The successful CAS says so in the trace.
    assert!(trace
        .events
        .iter()
        .any(|e| e.op == "compare_exchange" && e.result.as_deref() == Some("true")));
    // Every edge e -> f has clock(e) <= clock(f).
    let g = trace.happens_before();
    for edge in petgraph_edges(&g) {
        let (a, b) = (&trace.events[edge.0].clock, &trace.events[edge.1].clock);
        for (t, &v) in a.iter().enumerate() {
            assert!(v <= b.get(t).copied().unwrap_or(0), "{a:?} !<= {b:?}");
        }
    }
}

fn petgraph_edges(g: &sim::HbGraph) -> Vec<(usize, usize)> {
    g.raw_edges()
        .iter()
        .map(|e| (e.source().index(), e.target().index()))
        .collect()
}

#[test]
fn orderings_std_refuses_panic_with_stds_messages() {
    let cases: Vec<(&str, fn())> = vec![
        ("there is no such thing as a release load", || {
            AtomicUsize::new(0).load(Release);
        }),
        ("there is no such thing as an acquire-release load", || {
            AtomicBool::new(false).load(AcqRel);
        }),
        ("there is no such thing as an acquire store", || {
            AtomicI8::new(0).store(1, Acquire)
        }),
        ("there is no such thing as an acquire-release store", || {
            AtomicPtr::<u8>::default().store(std::ptr::null_mut(), AcqRel)
        }),
        (
            "there is no such thing as a release failure ordering",
            || {
                let _ = AtomicU64::new(0).compare_exchange(0, 1, SeqCst, Release);
            },
        ),
        ("there is no such thing as a relaxed fence", || {
            fence(Relaxed)
        }),
    ];
    for (message, case) in cases {
        let report = Builder::new().executions(1).explore(case);
        let f = report.failure().expect("a panic");
        assert_eq!(f.kind, FailureKind::Panic, "{report}");
        assert!(f.message.contains(message), "{}", f.message);
    }
}

/// Runs the same sequence of operations on a sim atomic and a std one and
/// compares every result.
macro_rules! same_as_std {
    ($sim:ident, $std:ident, $t:ty, $a:expr, $b:expr) => {{
        use std::sync::atomic::$std as Std;
        let (a, b): ($t, $t) = ($a, $b);
        let s = $sim::new(a);
        let r = Std::new(a);
        assert_eq!(s.load(SeqCst), r.load(SeqCst));
        assert_eq!(s.fetch_add(b, SeqCst), r.fetch_add(b, SeqCst));
        assert_eq!(s.fetch_sub(a, AcqRel), r.fetch_sub(a, AcqRel));
        assert_eq!(s.fetch_and(b, Release), r.fetch_and(b, Release));
        assert_eq!(s.fetch_nand(a, Relaxed), r.fetch_nand(a, Relaxed));
        assert_eq!(s.fetch_or(b, Acquire), r.fetch_or(b, Acquire));
        assert_eq!(s.fetch_xor(a, SeqCst), r.fetch_xor(a, SeqCst));
        assert_eq!(s.fetch_max(b, SeqCst), r.fetch_max(b, SeqCst));
        assert_eq!(s.fetch_min(a, SeqCst), r.fetch_min(a, SeqCst));
        assert_eq!(s.swap(b, SeqCst), r.swap(b, SeqCst));
        assert_eq!(
            s.compare_exchange(a, b, SeqCst, Relaxed),
            r.compare_exchange(a, b, SeqCst, Relaxed)
        );
        let cur = r.load(SeqCst);
        assert_eq!(
            s.compare_exchange_weak(cur, a, AcqRel, Acquire),
            r.compare_exchange(cur, a, AcqRel, Acquire)
        );
        assert_eq!(
            s.fetch_update(SeqCst, SeqCst, |v| Some(v.wrapping_mul(3))),
            r.fetch_update(SeqCst, SeqCst, |v| Some(v.wrapping_mul(3)))
        );
        assert_eq!(
            s.fetch_update(SeqCst, SeqCst, |_| None),
            r.fetch_update(SeqCst, SeqCst, |_| None)
        );
        s.store(b, Release);
        r.store(b, Release);
        #[allow(deprecated)]
        let std_cas = r.compare_and_swap(b, a, SeqCst);
        assert_eq!(s.compare_and_swap(b, a, SeqCst), std_cas);
        assert_eq!(s.update(SeqCst, SeqCst, |v| v ^ b), r.fetch_xor(b, SeqCst));
        assert_eq!(format!("{s:?}"), format!("{r:?}"));
        let mut s = s;
        *s.get_mut() = b;
        s.with_mut(|v| *v = v.wrapping_add(a));
        assert_eq!(unsafe { s.unsync_load() }, b.wrapping_add(a));
        assert_eq!(s.into_inner(), b.wrapping_add(a));
        assert_eq!($sim::default().load(SeqCst), 0);
        assert_eq!($sim::from(b).load(SeqCst), b);
    }};
}

#[test]
fn every_integer_width_behaves_as_std() {
    sim::model(|| {
        same_as_std!(AtomicU8, AtomicU8, u8, 0xa3, 0x5d);
        same_as_std!(AtomicU16, AtomicU16, u16, 0xa3c1, 0x5d07);
        same_as_std!(AtomicU32, AtomicU32, u32, 0xa3c1_0042, 0x5d07_fff1);
        same_as_std!(
            AtomicU64,
            AtomicU64,
            u64,
            11641914933775430211,
            13209405719799650717
        );
        same_as_std!(AtomicUsize, AtomicUsize, usize, 7, usize::MAX - 3);
        same_as_std!(AtomicI8, AtomicI8, i8, -93, 93);
        same_as_std!(AtomicI16, AtomicI16, i16, -23_000, 17);
        same_as_std!(AtomicI32, AtomicI32, i32, i32::MIN + 5, -1);
        same_as_std!(
            AtomicI64,
            AtomicI64,
            i64,
            -11641914933775430,
            1320940571979965071
        );
        same_as_std!(AtomicIsize, AtomicIsize, isize, -7, isize::MAX);
    });
    // 128 bits (shuttle's), against plain arithmetic.
    sim::model(|| {
        let a = AtomicU128::new(u128::MAX - 1);
        assert_eq!(a.fetch_add(3, SeqCst), u128::MAX - 1);
        assert_eq!(a.load(SeqCst), 1);
        assert_eq!(a.compare_exchange(1, 9, SeqCst, SeqCst), Ok(1));
        assert_eq!(a.fetch_max(4, SeqCst), 9);
        let b = AtomicI128::new(-5);
        assert_eq!(b.fetch_min(-9, SeqCst), -5);
        assert_eq!(b.swap(2, SeqCst), -9);
        assert_eq!(b.into_inner(), 2);
    });
}

#[test]
fn bool_and_ptr_behave_as_std() {
    sim::model(|| {
        use std::sync::atomic::AtomicBool as StdBool;
        for (a, b) in [(false, false), (false, true), (true, false), (true, true)] {
            let (s, r) = (AtomicBool::new(a), StdBool::new(a));
            assert_eq!(s.fetch_and(b, SeqCst), r.fetch_and(b, SeqCst));
            assert_eq!(s.fetch_nand(b, SeqCst), r.fetch_nand(b, SeqCst));
            assert_eq!(s.fetch_or(b, SeqCst), r.fetch_or(b, SeqCst));
            assert_eq!(s.fetch_xor(b, SeqCst), r.fetch_xor(b, SeqCst));
            assert_eq!(s.fetch_not(SeqCst), r.fetch_xor(true, SeqCst));
            assert_eq!(s.swap(a, SeqCst), r.swap(a, SeqCst));
            assert_eq!(
                s.compare_exchange(b, !b, SeqCst, SeqCst),
                r.compare_exchange(b, !b, SeqCst, SeqCst)
            );
            assert_eq!(s.load(SeqCst), r.load(SeqCst));
        }
        let mut xs = [1u32, 2, 3, 4];
        let base = xs.as_mut_ptr();
        let p = AtomicPtr::new(base);
        assert_eq!(p.fetch_ptr_add(2, SeqCst), base);
        assert_eq!(unsafe { *p.load(SeqCst) }, 3);
        assert_eq!(p.fetch_ptr_sub(1, SeqCst), base.wrapping_add(2));
        assert_eq!(p.fetch_byte_add(4, SeqCst), base.wrapping_add(1));
        assert_eq!(p.fetch_byte_sub(8, SeqCst), base.wrapping_add(2));
        assert_eq!(p.fetch_or(1, SeqCst), base);
        assert_eq!(p.load(SeqCst) as usize, base as usize | 1);
        assert_eq!(p.fetch_and(!1, SeqCst) as usize, base as usize | 1);
        assert_eq!(p.fetch_xor(0, SeqCst), base);
        assert_eq!(unsafe { *p.load(SeqCst) }, 1);
        let other = base.wrapping_add(3);
        assert_eq!(p.compare_exchange(base, other, SeqCst, SeqCst), Ok(base));
        assert_eq!(p.compare_and_swap(base, base, SeqCst), other);
        assert_eq!(
            p.fetch_update(SeqCst, SeqCst, |q| Some(q.wrapping_sub(3))),
            Ok(other)
        );
        let mut p = p;
        assert_eq!(*p.get_mut(), base);
        assert_eq!(unsafe { p.unsync_load() }, base);
        assert_eq!(p.into_inner(), base);
        assert!(AtomicPtr::<u8>::default().load(SeqCst).is_null());
    });
}

#[test]
fn atomics_are_send_and_sync_for_statics_and_arcs() {
    fn assert_sync<T: Send + Sync>() {}
    assert_sync::<AtomicUsize>();
    assert_sync::<AtomicBool>();
    assert_sync::<AtomicPtr<String>>();
    assert_sync::<AtomicU128>();
    assert_sync::<AtomicI16>();
    assert_sync::<AtomicU16>();
}

#[test]
fn an_atomic_used_outside_a_simulation_panics_with_a_clear_message() {
    // Built anywhere (a `const fn`, as std's); used only in a simulation.
    let atomic = AtomicUsize::new(0);
    let err = std::panic::catch_unwind(|| atomic.load(SeqCst)).unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.contains("AtomicUsize") && msg.contains("outside a simulation"),
        "{msg}"
    );
}
