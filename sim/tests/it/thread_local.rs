//! `sim::thread_local!` and `LocalKey`: a fresh value per green thread and
//! per execution, destructors at thread exit (on the thread, so they may
//! use sim operations), `AccessError` during destruction.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicUsize, Ordering};

use sim::thread::{AccessError, LocalKey};
use sim::threading::Lock;
use sim::{Builder, Strategy};

fn exhaustive() -> Builder {
    Builder::new()
        .strategy(Strategy::Exhaustive)
        .executions(1_000_000)
}

sim::thread_local! {
    static COUNTER: Cell<u32> = const { Cell::new(0) };
    /// With an attribute and a visibility.
    #[allow(dead_code)]
    pub(crate) static LOG: RefCell<Vec<&'static str>> = RefCell::new(Vec::new());
}

fn bump() -> u32 {
    COUNTER.with(|c| {
        c.set(c.get() + 1);
        c.get()
    })
}

#[test]
fn values_are_fresh_in_every_thread_and_every_execution() {
    let report = Builder::new().executions(50).explore(|| {
        let hs: Vec<_> = (0..2)
            .map(|_| {
                sim::thread::spawn(|| {
                    let first = bump();
                    sim::thread::yield_now();
                    (first, bump())
                })
            })
            .collect();
        assert_eq!(bump(), 1);
        for h in hs {
            assert_eq!(h.join().unwrap(), (1, 2));
        }
        assert_eq!(bump(), 2);
    });
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(report.executions, 50);
}

#[test]
fn cell_and_refcell_helpers_follow_std() {
    sim::thread_local!(static LAZY: Cell<u32> = panic!("set must not run the initialiser"));
    let report = Builder::new().executions(5).explore(|| {
        LAZY.set(4);
        assert_eq!(LAZY.replace(5), 4);
        assert_eq!(LAZY.take(), 5);
        assert_eq!(LAZY.get(), 0);
        LOG.with_borrow_mut(|l| l.push("a"));
        LOG.set(vec!["b", "c"]);
        assert_eq!(LOG.with_borrow(|l| l.len()), 2);
        assert_eq!(LOG.replace(vec!["d"]), ["b", "c"]);
        assert_eq!(LOG.take(), ["d"]);
    });
    assert!(report.failures.is_empty(), "{report}");
}

/// Prints, takes a sim lock and counts when dropped.
struct Noisy(&'static str, &'static AtomicUsize);

impl Drop for Noisy {
    fn drop(&mut self) {
        let lock = Lock::new();
        let _g = lock.lock();
        sim::println!("drop {}", self.0);
        self.1.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn destructors_run_at_thread_exit_on_the_thread_and_may_use_sim_operations() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    sim::thread_local!(static NOISY: RefCell<Option<Noisy>> = const { RefCell::new(None) });
    let report = exhaustive().explore(|| {
        DROPS.store(0, Ordering::SeqCst);
        let h = sim::thread::spawn(|| {
            NOISY.set(Some(Noisy("child", &DROPS)));
        });
        h.join().unwrap();
        // The join returned after the child's destructor ran.
        assert_eq!(DROPS.load(Ordering::SeqCst), 1);
        sim::println!("joined");
        NOISY.set(Some(Noisy("main", &DROPS)));
    });
    assert!(report.failures.is_empty(), "{report}");
    // The main thread's value is dropped at the end of the scenario.
    assert_eq!(
        report.outputs.keys().collect::<Vec<_>>(),
        ["drop child\njoined\ndrop main\n"]
    );
    assert_eq!(DROPS.load(Ordering::SeqCst), 2);
}

/// On drop: reads its own key (which must fail) and another key (which
/// is initialised anew, and dropped in turn).
struct Probe;

sim::thread_local! {
    static PROBE: Probe = Probe;
    static OTHER: Noisy = Noisy("other", &OTHER_DROPS);
}
static OTHER_DROPS: AtomicUsize = AtomicUsize::new(0);

impl Drop for Probe {
    fn drop(&mut self) {
        let own: &'static LocalKey<Probe> = &PROBE;
        let own = own.try_with(|_| ());
        let err: Option<AccessError> = own.err();
        sim::println!(
            "own: {:?} {}",
            own,
            err.map(|e| e.to_string()).unwrap_or_default()
        );
        OTHER.with(|_| ());
    }
}

#[test]
fn during_destruction_a_key_gives_access_error_and_others_can_be_initialised() {
    let report = Builder::new().executions(3).explore(|| {
        sim::thread::spawn(|| PROBE.with(|_| ())).join().unwrap();
    });
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(
        report.outputs.keys().collect::<Vec<_>>(),
        ["own: Err(AccessError) already destroyed\ndrop other\n"]
    );
}

#[test]
fn values_of_threads_cut_off_by_the_end_of_an_execution_are_dropped() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    sim::thread_local!(static NOISY: RefCell<Option<Noisy>> = const { RefCell::new(None) });
    let report = Builder::new()
        .executions(10)
        .stop_on_first_failure(false)
        .explore(|| {
            let lock = Lock::new();
            let _held = lock.lock();
            let h = sim::thread::spawn(move || {
                NOISY.set(Some(Noisy("stuck", &DROPS)));
                let _g = lock.lock();
            });
            h.join().unwrap();
        });
    assert!(report.failure().is_some(), "a deadlock");
    // Each execution's stuck value is dropped by the teardown (and the
    // failing one once more, when its trace is built).
    assert!(DROPS.load(Ordering::SeqCst) >= 10);
}
