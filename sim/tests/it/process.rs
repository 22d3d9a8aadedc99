//! Processes: memory isolation, terminate/kill, kill faults (IPC is in
//! `process_ipc`).

use std::time::Duration;

use sim::multiprocessing::{self, Lock, Queue};
use sim::{Builder, FailureKind, Faults, Shared};

use crate::programs::kill_while_holding;

pub(crate) fn explore(n: u64, f: impl Fn() + Send + Sync + 'static) -> sim::Report {
    Builder::new()
        .executions(n)
        .stop_on_first_failure(false)
        .explore(f)
}

#[test]
fn children_write_their_own_copy_of_a_global() {
    let report = explore(200, || {
        let counter = Shared::new(0);
        let children: Vec<_> = (0..3)
            .map(|_| {
                let c = counter.clone();
                multiprocessing::spawn(move || {
                    c.set(c.get() + 1);
                    sim::println!("child sees {}", c.get());
                })
            })
            .collect();
        for p in &children {
            p.join();
        }
        sim::println!("parent sees {}", counter.get());
    });
    assert!(report.failures.is_empty(), "{report}");
    // Every child sees 1 (its own copy); the parent still sees 0.
    assert_eq!(report.outputs.len(), 1, "{report:?}");
    let out = report.outputs.keys().next().unwrap();
    assert_eq!(
        out,
        "child sees 1\nchild sees 1\nchild sees 1\nparent sees 0\n"
    );
}

#[test]
fn the_child_copy_is_taken_at_the_spawn() {
    // Whatever the interleaving, the child sees the value as of the fork,
    // not the parent's later write, and neither sees the other's write.
    let report = explore(300, || {
        let x = Shared::new(1);
        let x2 = x.clone();
        let p = multiprocessing::spawn(move || {
            sim::println!("child {}", x2.get());
            x2.set(10);
        });
        x.set(2);
        p.join();
        sim::println!("parent {}", x.get());
    });
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(
        report.outputs.keys().cloned().collect::<Vec<_>>(),
        vec!["child 1\nparent 2\n".to_string()]
    );
}

#[test]
fn a_grandchild_copies_its_parents_copy() {
    let report = explore(50, || {
        let x = Shared::new(0);
        let x2 = x.clone();
        let p = multiprocessing::spawn(move || {
            x2.set(5);
            let x3 = x2.clone();
            let g = multiprocessing::spawn(move || sim::println!("grandchild {}", x3.get()));
            g.join();
        });
        p.join();
        sim::println!("parent {}", x.get());
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.outputs.contains_key("grandchild 5\nparent 0\n"));
}

#[test]
fn threads_inside_a_process_share_its_memory_and_race() {
    let report = explore(300, || {
        let x = Shared::new(0);
        let x2 = x.clone();
        let p = multiprocessing::spawn(move || {
            let x3 = x2.clone();
            let t = sim::thread::spawn(move || x3.set(1));
            x2.set(2);
            t.join().unwrap();
        });
        p.join();
    });
    assert_eq!(report.failures[0].kind, FailureKind::DataRace);
}

#[test]
fn a_thread_lock_cannot_synchronise_processes() {
    let report = explore(10, || {
        let lock = sim::threading::Lock::new();
        let p = multiprocessing::spawn(move || {
            let _g = lock.lock();
        });
        p.join();
    });
    let f = &report.failures[0];
    assert_eq!(f.kind, FailureKind::Misuse);
    assert!(
        f.message
            .contains("processes do not share memory; use a Queue, Pipe, Value or Manager"),
        "{}",
        f.message
    );
    assert!(f.message.contains("Process-1"), "{}", f.message);
}

#[test]
fn a_shared_created_after_the_fork_is_not_in_the_child() {
    let report = explore(10, || {
        let q: Queue<Shared<i32>> = Queue::new(0);
        let q2 = q.clone();
        let p = multiprocessing::spawn(move || {
            let s = q2.get();
            s.set(1);
        });
        q.put(Shared::new(0));
        p.join();
    });
    let f = &report.failures[0];
    assert_eq!(f.kind, FailureKind::Misuse);
    assert!(
        f.message.contains("processes do not share memory"),
        "{}",
        f.message
    );
}

#[test]
fn exit_codes_follow_python() {
    let report = explore(100, || {
        let ok = multiprocessing::spawn(|| {});
        let panics = multiprocessing::spawn(|| panic!("boom"));
        let sleeper = multiprocessing::spawn(|| sim::time::sleep(Duration::from_secs(100)));
        let spinner = multiprocessing::spawn(|| loop {
            sim::thread::yield_now()
        });
        assert_eq!(sleeper.exitcode(), None);
        assert!(sleeper.is_alive());
        sleeper.terminate();
        spinner.kill();
        for p in [&ok, &panics, &sleeper, &spinner] {
            p.join();
        }
        assert_eq!(ok.exitcode(), Some(0));
        assert_eq!(panics.exitcode(), Some(1));
        assert_eq!(sleeper.exitcode(), Some(-15));
        assert_eq!(spinner.exitcode(), Some(-9));
        assert!(!sleeper.is_alive());
        // terminate after exit is a no-op.
        ok.terminate();
        assert_eq!(ok.exitcode(), Some(0));
        assert_eq!(sim::time::now(), Duration::ZERO);
    });
    // The child's panic is reported (as a thread's is); nothing else fails.
    assert_eq!(report.failures.len(), 1, "{report}");
    assert_eq!(report.failures[0].kind, FailureKind::Panic);
}

#[test]
fn terminate_stops_every_thread_of_the_process() {
    let report = explore(200, || {
        let q = Queue::new(0);
        let q2 = q.clone();
        let p = multiprocessing::spawn(move || {
            let q3 = q2.clone();
            let _t = sim::thread::spawn(move || loop {
                sim::time::sleep(Duration::from_secs(1));
                q3.put("tick");
            });
            loop {
                sim::time::sleep(Duration::from_secs(1));
            }
        });
        assert_eq!(q.get(), "tick");
        p.terminate();
        p.join();
        assert_eq!(p.exitcode(), Some(-15));
        // No thread of the process runs again.
        let n = q.qsize();
        sim::time::sleep(Duration::from_secs(10));
        assert_eq!(q.qsize(), n);
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn a_process_ends_when_its_non_daemon_threads_end() {
    let report = explore(100, || {
        let p = multiprocessing::spawn(|| {
            let _daemon = sim::thread::Builder::new()
                .daemon(true)
                .spawn(|| loop {
                    sim::time::sleep(Duration::from_secs(1))
                })
                .unwrap();
            let _worker = sim::thread::spawn(|| sim::time::sleep(Duration::from_secs(3)));
        });
        p.join();
        assert_eq!(sim::time::now(), Duration::from_secs(3));
        assert_eq!(p.exitcode(), Some(0));
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn the_program_does_not_wait_for_a_daemon_process() {
    let report = explore(10, || {
        multiprocessing::Builder::new()
            .daemon(true)
            .name("logger")
            .spawn(|| loop {
                sim::time::sleep(Duration::from_secs(1));
            });
        sim::println!("done");
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.outputs.contains_key("done\n"));
}

#[test]
fn a_parent_waits_for_a_non_daemon_process() {
    let report = explore(10, || {
        multiprocessing::spawn(|| {
            sim::time::sleep(Duration::from_secs(2));
            sim::println!("child done at {:?}", sim::time::now());
        });
    });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.outputs.contains_key("child done at 2s\n"));
}

#[test]
fn killed_holder_is_a_deadlock_naming_the_dead_holder() {
    let report = Builder::new().executions(1).explore(|| {
        let lock = Lock::new();
        let held = multiprocessing::Queue::new(0);
        let h2 = held.clone();
        let p = multiprocessing::spawn(move || {
            lock.acquire();
            h2.put(());
            loop {
                sim::thread::yield_now()
            }
        });
        held.get();
        p.terminate();
        p.join();
        lock.acquire();
    });
    let f = &report.failures[0];
    assert_eq!(f.kind, FailureKind::Deadlock);
    assert!(
        f.message
            .contains("MainThread is blocked in acquire of Lock"),
        "{}",
        f.message
    );
    assert!(
        f.message.contains(
            "held by Process-1 (which is dead: its process Process-1 was terminated (SIGTERM)"
        ),
        "{}",
        f.message
    );
}

#[test]
fn kill_faults_find_the_deadlock_faults_off_miss_it() {
    let off = Builder::new()
        .executions(2000)
        .seed(3)
        .explore(kill_while_holding);
    assert!(off.failures.is_empty(), "{off}");
    assert_eq!(off.executions, 2000);

    let on = Builder::new()
        .faults(Faults::Kill { max: 1 })
        .executions(2000)
        .seed(3)
        .explore(kill_while_holding);
    let f = &on.failures[0];
    assert_eq!(f.kind, FailureKind::Deadlock, "{on}");
    assert!(f.message.contains("killed (SIGKILL)"), "{}", f.message);
    // The kill is in the trace as an event of the victim.
    assert!(
        f.trace
            .events
            .iter()
            .any(|e| e.op == "killed (fault)" && e.thread_name == "Process-1"),
        "{:?}",
        f.trace.events
    );
    // And the token replays it exactly.
    let again = Builder::new()
        .faults(Faults::Kill { max: 1 })
        .replay(kill_while_holding, &f.token)
        .unwrap();
    assert_eq!(again.failures[0].kind, FailureKind::Deadlock);
    assert_eq!(again.failures[0].trace, f.trace);
}

#[test]
fn kill_faults_also_find_lost_results() {
    // A parent waiting for a result from a killed child waits forever.
    let on = Builder::new()
        .faults(Faults::Kill { max: 1 })
        .executions(500)
        .explore(|| {
            let q = Queue::new(0);
            let q2 = q.clone();
            let p = multiprocessing::spawn(move || q2.put(42));
            assert_eq!(q.get(), 42);
            p.join();
        });
    let f = &on.failures[0];
    assert_eq!(f.kind, FailureKind::Deadlock, "{on}");
    assert!(
        f.message.contains("MainThread is blocked in get"),
        "{}",
        f.message
    );
}

#[test]
fn threads_are_never_killed() {
    let report = Builder::new()
        .faults(Faults::Kill { max: 3 })
        .executions(200)
        .explore(|| {
            let t = sim::thread::spawn(|| sim::println!("thread"));
            t.join().unwrap();
            sim::println!("main");
        });
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(
        report.outputs.keys().collect::<Vec<_>>(),
        ["thread\nmain\n"]
    );
}

#[test]
fn at_most_max_kills_per_execution() {
    let report = Builder::new()
        .faults(Faults::Kill { max: 1 })
        .executions(500)
        .explore(|| {
            let ps: Vec<_> = (0..3)
                .map(|_| multiprocessing::spawn(|| sim::thread::yield_now()))
                .collect();
            let killed = ps
                .iter()
                .map(|p| {
                    p.join();
                    p.exitcode()
                })
                .filter(|c| *c == Some(-9))
                .count();
            sim::println!("{killed}");
        });
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.outputs.contains_key("0\n"));
    assert!(report.outputs.contains_key("1\n"));
    assert!(!report.outputs.contains_key("2\n"));
}

#[test]
fn readme_example() {
    let report = Builder::new().executions(1000).explore(|| {
        let counter = Shared::new(0); // a "global"
        let results = Queue::new(0); // multiprocessing.Queue
        let workers: Vec<_> = (0..2)
            .map(|i| {
                let (counter, results) = (counter.clone(), results.clone());
                multiprocessing::spawn(move || {
                    counter.set(counter.get() + 1); // the child's own copy
                    results.put(i * 10);
                })
            })
            .collect();
        let sum: i32 = (0..2).map(|_| results.get()).sum();
        for p in &workers {
            p.join();
            assert_eq!(p.exitcode(), Some(0));
        }
        sim::println!("sum {sum}, counter {}", counter.get()); // counter is still 0
    });
    assert_eq!(
        report.outputs.keys().collect::<Vec<_>>(),
        ["sum 10, counter 0\n"]
    );
}

#[test]
fn a_child_cannot_join_its_parents_thread() {
    let report = explore(10, || {
        let t = sim::thread::spawn(|| {});
        let p = multiprocessing::spawn(move || {
            let _ = t.join();
        });
        p.join();
    });
    let f = &report.failures[0];
    assert_eq!(f.kind, FailureKind::Misuse);
    assert!(
        f.message
            .contains("Process-1 of Process-1 joins Thread-1 of MainProcess"),
        "{}",
        f.message
    );
}

#[test]
fn a_condition_cannot_synchronise_processes() {
    let report = explore(10, || {
        let cv = sim::threading::Condition::new();
        let p = multiprocessing::spawn(move || {
            let _g = cv.lock();
            cv.notify_all();
        });
        p.join();
    });
    let f = &report.failures[0];
    assert_eq!(f.kind, FailureKind::Misuse);
    assert!(
        f.message.contains("processes do not share memory"),
        "{}",
        f.message
    );
}

#[test]
fn a_process_may_terminate_itself() {
    let report = explore(50, || {
        let p = multiprocessing::spawn(|| {
            sim::println!("before");
            multiprocessing::current().terminate();
            sim::println!("never printed");
        });
        p.join();
        assert_eq!(p.exitcode(), Some(-15));
    });
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(report.outputs.keys().collect::<Vec<_>>(), ["before\n"]);
}

#[test]
fn a_join_timeout_on_a_process_moves_the_clock() {
    let report = explore(20, || {
        let p = multiprocessing::spawn(|| sim::time::sleep(Duration::from_secs(5)));
        assert!(!p.join_timeout(Duration::from_secs(2)));
        assert_eq!(sim::time::now(), Duration::from_secs(2));
        assert!(p.is_alive());
        assert!(p.join_timeout(Duration::from_secs(10)));
        assert_eq!(sim::time::now(), Duration::from_secs(5));
    });
    assert!(report.failures.is_empty(), "{report}");
}

/// Reads a `Shared` when dropped.
struct ReadsOnDrop(Shared<u32>);

impl Drop for ReadsOnDrop {
    fn drop(&mut self) {
        let _ = self.0.get();
    }
}

#[test]
fn destructors_of_killed_processes_run_quietly_at_teardown() {
    let report = Builder::new()
        .faults(Faults::Kill { max: 1 })
        .executions(300)
        .stop_on_first_failure(false)
        .explore(|| {
            let x = Shared::new(0);
            let q: Queue<u8> = Queue::new(0);
            let (x2, q2) = (x.clone(), q.clone());
            let p = multiprocessing::spawn(move || {
                // Its own Shared: at teardown the running thread is not its.
                let _guard = ReadsOnDrop(Shared::new(7));
                let _guard2 = ReadsOnDrop(x2.clone());
                q2.close();
                x2.set(1);
                loop {
                    sim::thread::yield_now()
                }
            });
            sim::thread::yield_now();
            p.terminate();
            p.join();
            drop(ReadsOnDrop(x));
        });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn kill_faults_give_the_same_report_on_any_number_of_jobs() {
    let base = || {
        Builder::new()
            .faults(Faults::Kill { max: 1 })
            .executions(600)
            .seed(11)
            .stop_on_first_failure(false)
    };
    let one = base().jobs(1).explore(kill_while_holding);
    let two = base().jobs(2).explore(kill_while_holding);
    assert!(!one.failures.is_empty());
    assert_eq!(one, two);
}

/// A child puts a result and says so; the parent waits a second for it.
#[test]
fn exhaustive_exploration_finds_the_kill_while_holding_deadlock() {
    let exhaustive = || {
        Builder::new()
            .strategy(sim::Strategy::Exhaustive)
            .executions(100_000)
    };
    // Without faults every execution is covered and none fails.
    let off = exhaustive().explore(kill_while_holding);
    assert!(off.complete, "{off}");
    assert!(off.failures.is_empty(), "{off}");
    // With one kill allowed, the kill of the holder is among the choices.
    let on = exhaustive()
        .faults(Faults::Kill { max: 1 })
        .explore(kill_while_holding);
    let f = &on.failures[0];
    assert_eq!(f.kind, FailureKind::Deadlock, "{on}");
    assert!(f.message.contains("killed (SIGKILL)"), "{}", f.message);
    // And covering the whole space with kills, it finds every outcome.
    let all = exhaustive()
        .faults(Faults::Kill { max: 1 })
        .stop_on_first_failure(false)
        .explore(kill_while_holding);
    assert!(all.complete, "{all}");
    assert!(all
        .outputs
        .contains_key("child has the lock\nparent has the lock\n"));
    assert!(all.outputs.contains_key("parent has the lock\n"));
}
