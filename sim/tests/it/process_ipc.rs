//! Processes talking: `multiprocessing::Queue` (feeders, close, bounds),
//! pipes and polls, `Value`, the cross-process `Lock`, IPC latency.

use std::time::Duration;

use sim::multiprocessing::{self, Lock, Queue, Value};
use sim::{Builder, FailureKind, Faults};

use crate::process::explore;

#[test]
fn queue_carries_results_and_orders_put_before_get() {
    let report = explore(300, || {
        let q = Queue::new(0);
        let raw = Value::new_raw(0u64);
        let workers: Vec<_> = (0..3u64)
            .map(|i| {
                let q = q.clone();
                let raw = raw.clone();
                multiprocessing::spawn(move || {
                    if i == 0 {
                        raw.set(7);
                    }
                    q.put((i, (i * 10..i * 10 + 10).sum::<u64>()));
                })
            })
            .collect();
        let mut total = 0;
        let mut got = Vec::new();
        for _ in 0..3 {
            let (i, s) = q.get();
            got.push(i);
            total += s;
        }
        // Worker 0's write happens before its put, hence before our get.
        assert_eq!(raw.get(), 7);
        for p in &workers {
            p.join();
        }
        assert_eq!(total, (0..30).sum::<u64>());
        got.sort();
        assert_eq!(got, [0, 1, 2]);
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn queue_timeouts_and_close() {
    let report = explore(20, || {
        let q: Queue<u8> = Queue::new(1);
        assert!(q.get_timeout(Duration::from_secs(2)).is_err());
        assert_eq!(sim::time::now(), Duration::from_secs(2));
        q.put(1);
        assert!(q.put_timeout(2, Duration::from_secs(1)).is_err());
        assert_eq!(q.qsize(), 1);
        assert_eq!(q.try_get(), Ok(1));
        assert!(q.empty());
        q.close();
        q.put(3);
    });
    let f = &report.failures[0];
    assert_eq!(f.kind, FailureKind::Misuse);
    assert!(
        f.message.contains("ValueError: Queue is closed"),
        "{}",
        f.message
    );
}

#[test]
fn close_is_per_process() {
    let report = explore(50, || {
        let q = Queue::new(0);
        q.close();
        let q2 = q.clone();
        let p = multiprocessing::spawn(move || q2.put(1));
        p.join();
        assert_eq!(q.get(), 1);
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn pipe_ping_pong_poll_and_timeouts() {
    let report = explore(200, || {
        let (a, b) = multiprocessing::pipe();
        let p = multiprocessing::spawn(move || {
            for _ in 0..3 {
                let n: u32 = b.recv();
                b.send(n + 1);
            }
        });
        let mut n = 0;
        for _ in 0..3 {
            a.send(n);
            n = a.recv();
        }
        assert_eq!(n, 3);
        assert!(!a.poll());
        assert!(!a.poll_timeout(Duration::from_secs(1)));
        assert_eq!(sim::time::now(), Duration::from_secs(1));
        assert!(a.recv_timeout(Duration::from_secs(1)).is_err());
        p.join();
        assert_eq!(p.exitcode(), Some(0));
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn poll_with_timeout_wakes_on_a_send() {
    let report = explore(100, || {
        let (a, b) = multiprocessing::pipe();
        let p = multiprocessing::spawn(move || {
            sim::time::sleep(Duration::from_secs(1));
            b.send("hi");
        });
        assert!(a.poll_timeout(Duration::from_secs(5)));
        assert_eq!(sim::time::now(), Duration::from_secs(1));
        assert_eq!(a.recv(), "hi");
        p.join();
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn value_get_then_set_loses_updates_with_lock_does_not() {
    let lossy = explore(500, || {
        let v = Value::new(0);
        let ps: Vec<_> = (0..2)
            .map(|_| {
                let v = v.clone();
                multiprocessing::spawn(move || v.set(v.get() + 1))
            })
            .collect();
        for p in &ps {
            p.join();
        }
        sim::println!("{}", v.get());
    });
    assert!(lossy.failures.is_empty(), "{lossy}");
    assert!(lossy.outputs.contains_key("1\n"), "{lossy:?}");
    assert!(lossy.outputs.contains_key("2\n"), "{lossy:?}");

    let locked = explore(500, || {
        let v = Value::new(0);
        let ps: Vec<_> = (0..2)
            .map(|_| {
                let v = v.clone();
                multiprocessing::spawn(move || v.with_lock(|x| *x += 1))
            })
            .collect();
        for p in &ps {
            p.join();
        }
        sim::println!("{}", v.get());
    });
    assert!(locked.failures.is_empty(), "{locked}");
    assert_eq!(locked.outputs.keys().collect::<Vec<_>>(), ["2\n"]);
}

#[test]
fn raw_value_races_across_processes() {
    let report = explore(200, || {
        let v = Value::new_raw(0);
        let v2 = v.clone();
        let p = multiprocessing::spawn(move || v2.set(1));
        v.set(2);
        p.join();
    });
    assert_eq!(report.failures[0].kind, FailureKind::DataRace);
}

#[test]
fn process_lock_excludes_across_processes() {
    let report = explore(300, || {
        let lock = Lock::new();
        let v = Value::new_raw(0);
        let ps: Vec<_> = (0..2)
            .map(|_| {
                let v = v.clone();
                multiprocessing::spawn(move || {
                    let _g = lock.lock();
                    v.set(v.get() + 1);
                })
            })
            .collect();
        for p in &ps {
            p.join();
        }
        assert_eq!(v.get(), 2);
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn ipc_latency_costs_the_sender_virtual_time() {
    let report = Builder::new()
        .ipc_latency(Duration::from_millis(10))
        .executions(20)
        .explore(|| {
            let (a, b) = multiprocessing::pipe();
            let p = multiprocessing::spawn(move || b.send(1));
            assert_eq!(a.recv(), 1);
            assert_eq!(sim::time::now(), Duration::from_millis(10));
            p.join();
        });
    assert!(report.failures.is_empty(), "{report}");
}

fn put_then_wait() {
    let q = Queue::new(0);
    let q2 = q.clone();
    let p = multiprocessing::spawn(move || {
        q2.put(42);
        sim::println!("child: sent");
    });
    let got = q.get_timeout(Duration::from_secs(1));
    sim::println!("parent: {got:?}");
    p.join();
}

#[test]
fn a_put_not_yet_flushed_by_the_feeder_is_lost_when_the_child_is_killed() {
    let off = explore(1000, put_then_wait);
    assert!(off.failures.is_empty(), "{off}");
    for out in off.outputs.keys() {
        assert!(out.contains("parent: Ok(42)"), "{out}");
    }
    let on = Builder::new()
        .faults(Faults::Kill { max: 1 })
        .executions(2000)
        .explore(put_then_wait);
    assert!(on.failures.is_empty(), "{on}");
    // put returned, the child said so, and the item never arrived.
    assert!(
        on.outputs.contains_key("child: sent\nparent: Err(Empty)\n"),
        "{:?}",
        on.outputs
    );
    assert!(on.outputs.contains_key("parent: Err(Empty)\n"));
    assert!(on.outputs.contains_key("child: sent\nparent: Ok(42)\n"));
}

#[test]
fn a_process_that_exits_flushes_its_feeder_first() {
    let report = explore(500, || {
        let q = Queue::new(0);
        let q2 = q.clone();
        let p = multiprocessing::spawn(move || {
            for i in 0..3 {
                q2.put(i);
            }
        });
        p.join();
        // Joined: everything it put has been sent.
        assert_eq!(q.qsize(), 3);
        assert_eq!((q.get(), q.get(), q.get()), (0, 1, 2));
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn a_bounded_queue_blocks_the_putter() {
    let report = explore(300, || {
        let q = Queue::new(1);
        let q2 = q.clone();
        let p = multiprocessing::spawn(move || {
            q2.put(1);
            sim::println!("put 1");
            q2.put(2);
            sim::println!("put 2 at {:?}", sim::time::now());
        });
        sim::time::sleep(Duration::from_secs(1));
        sim::println!("get {}", q.get());
        sim::println!("get {}", q.get());
        p.join();
    });
    assert!(report.failures.is_empty(), "{report}");
    for out in report.outputs.keys() {
        // The second put waits for the first get, at 1 s.
        assert!(out.contains("put 2 at 1s"), "{out}");
    }
}
