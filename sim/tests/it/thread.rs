//! Threads: std's shapes (names, ids, payloads, stack size, many threads) and
//! sim's extras: `join_timeout`, `is_alive`, daemon threads.

use std::time::Duration;

use sim::{Builder, FailureKind, Shared};

#[test]
fn join_timeout_returns_false_exactly_at_the_deadline_then_true_when_done() {
    let report = Builder::new().executions(100).explore(|| {
        let h = sim::thread::spawn(|| {
            sim::time::sleep(Duration::from_secs(3));
            7
        });
        assert!(!h.join_timeout(Duration::from_secs(1)));
        assert_eq!(sim::time::now(), Duration::from_secs(1));
        assert!(h.thread().is_alive());
        assert!(h.join_timeout(Duration::from_secs(10)));
        assert_eq!(sim::time::now(), Duration::from_secs(3));
        assert!(!h.thread().is_alive());
        assert!(h.is_finished());
        assert_eq!(h.join().unwrap(), 7);
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn a_successful_join_timeout_orders_the_threads_end_before_the_caller() {
    let report = Builder::new().executions(200).explore(|| {
        let x = Shared::new(0);
        let x2 = x.clone();
        let h = sim::thread::spawn(move || x2.set(1));
        if h.join_timeout(Duration::from_secs(1)) {
            assert_eq!(x.get(), 1);
        }
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn a_failed_join_timeout_orders_nothing() {
    let report = Builder::new().executions(200).explore(|| {
        let x = Shared::new(0);
        let x2 = x.clone();
        let h = sim::thread::spawn(move || {
            sim::time::sleep(Duration::from_secs(2));
            x2.set(1);
        });
        assert!(!h.join_timeout(Duration::from_secs(1)));
        sim::time::sleep(Duration::from_secs(5));
        x.get();
    });
    assert_eq!(report.failure().unwrap().kind, FailureKind::DataRace);
}

#[test]
fn daemon_threads_blocked_forever_do_not_keep_the_program_alive() {
    let report = Builder::new().executions(20).explore(|| {
        let ev = sim::threading::Event::new();
        let d = sim::thread::Builder::new()
            .daemon(true)
            .spawn(move || ev.wait())
            .unwrap();
        sim::time::sleep(Duration::from_secs(1));
        assert!(d.thread().is_alive());
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn names_follow_std_and_python_names_stay_in_reports() {
    let report = Builder::new().executions(5).explore(|| {
        assert_eq!(sim::thread::current().name(), None);
        let unnamed = sim::thread::spawn(|| sim::thread::current().name().map(str::to_string));
        assert_eq!(unnamed.thread().name(), None);
        assert_eq!(unnamed.join().unwrap(), None);
        let named = sim::thread::Builder::new()
            .name("foobar".to_string())
            .spawn(|| sim::thread::current().name().map(str::to_string))
            .unwrap();
        assert_eq!(named.thread().name(), Some("foobar"));
        assert_eq!(named.join().unwrap().as_deref(), Some("foobar"));
        let python = sim::thread::spawn(|| sim::threading::current_thread().name());
        sim::println!(
            "{} {}",
            sim::threading::current_thread().name(),
            python.join().unwrap()
        );
    });
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(
        report.outputs.keys().collect::<Vec<_>>(),
        ["MainThread Thread-2\n"]
    );
}

#[test]
fn thread_ids_are_unique_and_the_same_in_every_execution() {
    use std::collections::BTreeSet;
    use std::sync::Mutex;
    static SEEN: Mutex<BTreeSet<Vec<sim::thread::ThreadId>>> = Mutex::new(BTreeSet::new());
    let report = Builder::new().executions(30).explore(|| {
        let hs: Vec<_> = (0..3)
            .map(|_| {
                sim::thread::spawn(|| {
                    sim::thread::yield_now();
                    sim::thread::current().id()
                })
            })
            .collect();
        let mut ids = vec![sim::thread::current().id()];
        for h in hs {
            let from_handle = h.thread().id();
            let id = h.join().unwrap();
            assert_eq!(id, from_handle);
            ids.push(id);
        }
        let unique: BTreeSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
        SEEN.lock().unwrap().insert(ids);
    });
    assert!(report.failures.is_empty(), "{report}");
    let seen = SEEN.lock().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let ids = seen.iter().next().unwrap();
    assert_eq!(format!("{:?}", ids[0]), "ThreadId(0)");
    assert_eq!(usize::from(ids[3]), 3);
}

#[test]
fn a_joined_panic_is_its_payload_as_with_std() {
    let report = Builder::new().executions(1).explore(|| {
        let literal = sim::thread::spawn(|| panic!("boom")).join().unwrap_err();
        assert_eq!(literal.downcast_ref::<&str>(), Some(&"boom"));
        let n = std::hint::black_box(42);
        let formatted = sim::thread::spawn(move || panic!("boom {n}"))
            .join()
            .unwrap_err();
        assert_eq!(
            formatted.downcast_ref::<String>().map(String::as_str),
            Some("boom 42")
        );
        let custom = sim::thread::spawn(|| std::panic::panic_any(7u8))
            .join()
            .unwrap_err();
        assert_eq!(custom.downcast_ref::<u8>(), Some(&7));
        sim::println!("checked");
    });
    assert!(report.outputs.contains_key("checked\n"), "{report}");
    assert_eq!(report.failure().unwrap().kind, FailureKind::Panic);
}

#[test]
fn builder_stack_size_gives_a_thread_a_bigger_stack() {
    // 3 MiB on the stack: more than the default 2 MiB (without
    // `stack_size` the thread overflows its stack and the process dies).
    let report = Builder::new().executions(3).explore(|| {
        let h = sim::thread::Builder::new()
            .stack_size(4 << 20)
            .spawn(|| {
                let big = std::hint::black_box([7u8; 3 << 20]);
                big.iter().map(|&b| b as usize).sum::<usize>()
            })
            .unwrap();
        assert_eq!(h.join().unwrap(), 21 << 20);
        // A smaller request than the default gets the default.
        let small = sim::thread::Builder::new()
            .stack_size(1)
            .spawn(|| 1)
            .unwrap();
        assert_eq!(small.join().unwrap(), 1);
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn a_thousand_threads_are_spawned_and_joined() {
    let report = Builder::new().executions(3).explore(|| {
        let total = Shared::new(0u64);
        let lock = sim::threading::Lock::new();
        let hs: Vec<_> = (0..1000u64)
            .map(|i| {
                let total = total.clone();
                sim::thread::spawn(move || {
                    let _g = lock.lock();
                    total.set(total.get() + i);
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(total.get(), 999 * 1000 / 2);
    });
    assert!(report.failures.is_empty(), "{report}");
    assert_eq!(report.executions, 3);
}

#[test]
fn spin_loop_and_sleep_are_scheduling_points() {
    // The flag is a plain `Shared` (a race, not what this tests).
    let report = Builder::new()
        .executions(50)
        .race_detection(false)
        .explore(|| {
            let flag = Shared::new(false);
            let f = flag.clone();
            sim::thread::spawn(move || f.set(true));
            while !flag.get() {
                sim::hint::spin_loop();
            }
            sim::thread::sleep(Duration::from_secs(1));
            assert_eq!(sim::time::now(), Duration::from_secs(1));
            assert!(!sim::thread::panicking());
        });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn loom_and_shuttle_call_shapes_compile() {
    // The shapes their tests use: `name(String)` and `name("..".into())`,
    // `spawn -> io::Result`, `thread()` by reference, `unpark`, `Result`.
    let report = Builder::new().executions(1).explore(|| {
        let b: sim::thread::Builder = sim::thread::Builder::new().name("producer".into());
        let h: sim::thread::JoinHandle<()> = b.spawn(sim::thread::yield_now).unwrap();
        let t: &sim::thread::Thread = h.thread();
        assert_eq!(t.name().unwrap(), "producer");
        t.unpark();
        let r: sim::thread::Result<()> = h.join();
        r.unwrap();
        let f: fn() = sim::thread::park;
        sim::thread::current().unpark();
        f();
    });
    assert!(report.failures.is_empty(), "{report}");
}
