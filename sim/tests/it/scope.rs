//! `thread::scope`: scoped threads borrow from the caller's stack, are all
//! joined at the end of the scope, a panic of an unjoined one makes the
//! scope panic, and an execution that ends inside a scope tears the
//! children down before the frame they borrow from.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use sim::threading::Lock;
use sim::{Builder, FailureKind, Strategy};

fn exhaustive() -> Builder {
    Builder::new()
        .strategy(Strategy::Exhaustive)
        .executions(1_000_000)
}

#[test]
fn scoped_threads_sum_a_borrowed_vec_in_every_interleaving() {
    let report = exhaustive().explore(|| {
        let data: Vec<u64> = (1..=10).collect();
        let mut halves = [0u64; 2];
        let (left, right) = data.split_at(5);
        let (a, b) = halves.split_at_mut(1);
        sim::thread::scope(|s| {
            s.spawn(|| a[0] = left.iter().sum());
            s.spawn(|| b[0] = right.iter().sum());
        });
        // Both joined by the end of the scope.
        assert_eq!(halves[0] + halves[1], 55);
        sim::println!("{halves:?}");
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.complete, "{report}");
    assert_eq!(report.outputs.keys().collect::<Vec<_>>(), ["[15, 40]\n"]);
}

#[test]
fn a_scoped_thread_can_spawn_into_its_scope_and_every_one_is_joined() {
    let report = exhaustive().explore(|| {
        let counter = Lock::new();
        let mut hits = Vec::new();
        let cell = std::cell::RefCell::new(&mut hits);
        sim::thread::scope(|s| {
            s.spawn(|| {
                s.spawn(|| {
                    let _g = counter.lock();
                    cell.borrow_mut().push(2);
                });
                let _g = counter.lock();
                cell.borrow_mut().push(1);
            });
        });
        hits.sort();
        assert_eq!(hits, [1, 2]);
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn a_panicking_child_makes_the_scope_panic_after_joining_all() {
    let report = Builder::new().executions(50).explore(|| {
        sim::thread::scope(|s| {
            s.spawn(|| panic!("child failed"));
            s.spawn(|| {
                sim::thread::yield_now();
                sim::println!("sibling done");
            });
        });
        sim::println!("after the scope");
    });
    let failure = report.failure().expect("a panic");
    assert_eq!(failure.kind, FailureKind::Panic);
    // The child's panic is the failure, and the scope panicked in turn:
    // the main thread never went past it, but only once the sibling was
    // joined.
    assert!(
        failure.message.contains("child failed"),
        "{}",
        failure.message
    );
    assert_eq!(
        report.outputs.keys().collect::<Vec<_>>(),
        ["sibling done\n"],
        "{report}"
    );
}

#[test]
fn the_scope_panics_with_std_message_and_a_joined_panic_is_handled() {
    // The scope's own panic, seen by catching it in the main thread.
    let report = Builder::new().executions(10).explore(|| {
        let caught = std::panic::catch_unwind(|| {
            sim::thread::scope(|s| {
                s.spawn(|| panic!("unjoined"));
            })
        });
        let payload = caught.expect_err("the scope panics");
        sim::println!("{}", payload.downcast_ref::<&str>().unwrap());
        // Joined by its handle: the scope returns.
        let value = sim::thread::scope(|s| {
            let h = s.spawn(|| panic!("joined"));
            assert_eq!(
                h.join().unwrap_err().downcast_ref::<&str>(),
                Some(&"joined")
            );
            7
        });
        sim::println!("{value}");
    });
    assert_eq!(
        report.outputs.keys().collect::<Vec<_>>(),
        ["a scoped thread panicked\n7\n"],
        "{report}"
    );
}

#[test]
fn a_panic_of_the_scope_closure_goes_on_after_the_children_are_joined() {
    let report = Builder::new().executions(20).explore(|| {
        let done = std::cell::Cell::new(false);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            sim::thread::scope(|s| {
                s.spawn(|| {
                    sim::thread::yield_now();
                    done.set(true);
                });
                panic!("closure failed");
            })
        }));
        assert!(caught.is_err());
        assert!(
            done.get(),
            "the child ran to the end before the panic went on"
        );
        sim::println!("ok");
    });
    assert_eq!(
        report.outputs.keys().collect::<Vec<_>>(),
        ["ok\n"],
        "{report}"
    );
}

/// Data borrowed by a scoped thread, and whether it has been dropped.
struct Tracked(Vec<u32>, &'static AtomicBool);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.1.store(true, Ordering::SeqCst);
    }
}

/// Held by the scoped thread: its destructor reads the borrowed data, and
/// counts a violation if the data was dropped first.
struct Reader<'a>(&'a Tracked, &'static AtomicUsize, &'static AtomicUsize);

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if self.0 .1.load(Ordering::SeqCst) {
            self.2.fetch_add(1, Ordering::SeqCst);
        } else {
            assert_eq!(self.0 .0.iter().sum::<u32>(), 6);
            self.1.fetch_add(1, Ordering::SeqCst);
        }
    }
}

#[test]
fn a_deadlock_inside_a_scope_tears_the_children_down_before_the_borrowed_data() {
    static DROPPED: AtomicBool = AtomicBool::new(false);
    static READS: AtomicUsize = AtomicUsize::new(0);
    static VIOLATIONS: AtomicUsize = AtomicUsize::new(0);
    let report = Builder::new()
        .executions(30)
        .stop_on_first_failure(false)
        .explore(|| {
            DROPPED.store(false, Ordering::SeqCst);
            let lock = Lock::new();
            let data = Tracked(vec![1, 2, 3], &DROPPED);
            let _held = lock.lock();
            sim::thread::scope(|s| {
                // Two levels: a scoped thread whose own scoped thread borrows
                // the same data, both blocked for ever on the lock.
                s.spawn(|| {
                    let _r = Reader(&data, &READS, &VIOLATIONS);
                    sim::thread::scope(|s2| {
                        s2.spawn(|| {
                            let _r = Reader(&data, &READS, &VIOLATIONS);
                            let _g = lock.lock();
                        });
                    });
                });
            });
        });
    let failure = report.failure().expect("a deadlock");
    assert_eq!(failure.kind, FailureKind::Deadlock, "{report}");
    assert_eq!(VIOLATIONS.load(Ordering::SeqCst), 0);
    // Every execution deadlocks; each tears down both readers. (A failing
    // execution is replayed once more to build its trace.)
    let reads = READS.load(Ordering::SeqCst);
    assert!(reads >= 2 * 30 && reads.is_multiple_of(2), "{reads} reads");
}
