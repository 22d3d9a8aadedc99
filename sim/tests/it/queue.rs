//! `Queue`: Python's documented behaviour (`queue.Queue`).

use std::time::Duration;

use sim::queue::{Empty, Full, Queue};
use sim::{Builder, FailureKind, Shared, Timing};

#[test]
fn items_come_out_in_fifo_order_across_threads() {
    for timing in [Timing::Exact, Timing::Adversarial] {
        let report = Builder::new().timing(timing).executions(500).explore(|| {
            let q = Queue::new(2);
            let q2 = q.clone();
            let producer = sim::thread::spawn(move || {
                for i in 0..6 {
                    q2.put(i);
                }
            });
            let got: Vec<i32> = (0..6).map(|_| q.get()).collect();
            assert_eq!(got, [0, 1, 2, 3, 4, 5]);
            producer.join().unwrap();
        });
        assert!(report.failures.is_empty(), "{report}");
    }
}

#[test]
fn put_blocks_while_full_and_get_while_empty() {
    let report = Builder::new().executions(300).explore(|| {
        let q = Queue::new(1);
        q.put("a");
        assert!(q.full());
        let q2 = q.clone();
        let t = sim::thread::spawn(move || {
            q2.put("b"); // blocks until the get at 2s
            sim::time::now()
        });
        sim::time::sleep(Duration::from_secs(2));
        assert_eq!(q.qsize(), 1);
        assert_eq!(q.get(), "a");
        assert_eq!(t.join().unwrap(), Duration::from_secs(2));
        assert_eq!(q.get(), "b");
        assert!(q.empty());
        let q3 = q.clone();
        let t = sim::thread::spawn(move || (q3.get(), sim::time::now()));
        sim::time::sleep(Duration::from_secs(1));
        q.put("c");
        assert_eq!(t.join().unwrap(), ("c", Duration::from_secs(3)));
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn timeouts_fail_exactly_at_the_virtual_deadline_with_full_and_empty() {
    let report = Builder::new().executions(1).explore(|| {
        let q = Queue::new(1);
        assert_eq!(q.get_timeout(Duration::from_secs(1)), Err(Empty));
        assert_eq!(sim::time::now(), Duration::from_secs(1));
        q.put(1);
        assert_eq!(q.put_timeout(2, Duration::from_millis(500)), Err(Full(2)));
        assert_eq!(sim::time::now(), Duration::from_millis(1500));
        assert_eq!(q.get_timeout(Duration::from_secs(1)), Ok(1));
        assert_eq!(sim::time::now(), Duration::from_millis(1500));
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn try_put_and_try_get_never_block() {
    let report = Builder::new().executions(1).explore(|| {
        let q = Queue::new(2);
        assert_eq!(q.try_get(), Err(Empty));
        assert_eq!(q.try_put('x'), Ok(()));
        assert_eq!(q.try_put('y'), Ok(()));
        assert_eq!(q.try_put('z'), Err(Full('z')));
        assert!(q.full());
        assert_eq!(q.try_get(), Ok('x'));
        assert_eq!(q.qsize(), 1);
        assert_eq!(sim::time::now(), Duration::ZERO);
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn maxsize_zero_is_unbounded() {
    let report = Builder::new().executions(1).explore(|| {
        let q = Queue::new(0);
        assert_eq!(q.maxsize(), 0);
        for i in 0..1000 {
            q.try_put(i).unwrap();
        }
        assert!(!q.full());
        assert_eq!(q.qsize(), 1000);
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn join_waits_for_task_done_of_every_item_and_is_ordered_after_them() {
    let report = Builder::new().executions(500).explore(|| {
        let q = Queue::new(0);
        let done = Shared::new(0);
        let lock = sim::threading::Lock::new();
        for _ in 0..2 {
            let (q, done) = (q.clone(), done.clone());
            // Daemons: they loop forever, the program ends without them.
            sim::thread::Builder::new()
                .daemon(true)
                .spawn(move || loop {
                    let item: u32 = q.get();
                    {
                        let _g = lock.lock();
                        done.with_mut(|d| *d += item);
                    }
                    q.task_done();
                })
                .unwrap();
        }
        for i in 1..=4 {
            q.put(i);
        }
        q.join();
        // Read without the lock: race-free only because every task_done
        // happens before join returns; complete only if join waited.
        assert_eq!(done.get(), 10);
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn put_happens_before_the_get_of_that_item() {
    let report = Builder::new().executions(300).explore(|| {
        let q = Queue::new(0);
        let data = Shared::new(0);
        let (q2, d2) = (q.clone(), data.clone());
        let consumer = sim::thread::spawn(move || {
            q2.get();
            d2.get()
        });
        data.set(5);
        q.put(());
        assert_eq!(consumer.join().unwrap(), 5);
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn get_is_not_ordered_after_the_put_of_a_later_item() {
    // The consumer takes item 1; the write before item 2's put is not
    // ordered before the consumer's read: a race.
    let report = Builder::new().executions(300).explore(|| {
        let q = Queue::new(0);
        let data = Shared::new(0);
        let (q2, d2) = (q.clone(), data.clone());
        q.put(1);
        let consumer = sim::thread::spawn(move || {
            q2.get();
            d2.get()
        });
        data.set(5);
        q.put(2);
        consumer.join().unwrap();
    });
    assert_eq!(report.failure().expect("race").kind, FailureKind::DataRace);
}

#[test]
fn task_done_too_often_is_misuse_with_pythons_message() {
    let report = Builder::new().executions(1).explore(|| {
        let q = Queue::new(0);
        q.put(1);
        q.get();
        q.task_done();
        q.task_done();
    });
    let f = report.failure().unwrap();
    assert_eq!(f.kind, FailureKind::Misuse);
    assert!(
        f.message
            .starts_with("ValueError: task_done() called too many times"),
        "{}",
        f.message
    );
}

#[test]
fn a_get_on_a_queue_nobody_fills_deadlocks_naming_it() {
    let report = Builder::new().executions(1).explore(|| {
        let q: Queue<u8> = Queue::new(0);
        q.get();
    });
    let f = report.failure().unwrap();
    assert_eq!(f.kind, FailureKind::Deadlock);
    assert!(
        f.message
            .contains("MainThread is blocked in get of Queue#0"),
        "{}",
        f.message
    );
}
