//! `sim::sync::mpsc`: std's channels, their blocking, disconnection,
//! timeouts, happens-before and deadlock reports.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sim::sync::mpsc::{
    channel, sync_channel, RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError,
};
use sim::{Builder, FailureKind, Report, Shared, Strategy, Timing};

fn exhaustive() -> Builder {
    Builder::new()
        .strategy(Strategy::Exhaustive)
        .executions(1_000_000)
}

fn assert_clean(report: &Report) {
    assert!(report.complete, "{report}");
    assert!(report.failures.is_empty(), "{report}");
}

/// Two producers send 1..=3 each through `sync_channel(bound)` (or an
/// unbounded channel); the consumer gets all six, each producer's in order.
fn producers_consumer(bound: Option<usize>) {
    let (tx, rx) = match bound {
        Some(n) => {
            let (tx, rx) = sync_channel(n);
            (Sends::Sync(tx), rx)
        }
        None => {
            let (tx, rx) = channel();
            (Sends::Async(tx), rx)
        }
    };
    let producers: Vec<_> = (0..2u32)
        .map(|p| {
            let tx = tx.clone();
            sim::thread::spawn(move || {
                for i in 1..=3 {
                    tx.send(p * 10 + i);
                }
            })
        })
        .collect();
    drop(tx);
    let got: Vec<u32> = rx.iter().collect();
    assert_eq!(got.len(), 6);
    for p in 0..2 {
        let mine: Vec<u32> = got.iter().copied().filter(|v| v / 10 == p).collect();
        assert_eq!(mine, [p * 10 + 1, p * 10 + 2, p * 10 + 3]);
    }
    for h in producers {
        h.join().unwrap();
    }
}

#[derive(Clone)]
enum Sends {
    Sync(sim::sync::mpsc::SyncSender<u32>),
    Async(sim::sync::mpsc::Sender<u32>),
}

impl Sends {
    fn send(&self, v: u32) {
        match self {
            Sends::Sync(tx) => tx.send(v).unwrap(),
            Sends::Async(tx) => tx.send(v).unwrap(),
        }
    }
}

#[test]
fn producers_and_a_consumer_pass_every_value_in_order() {
    for bound in [None, Some(0), Some(1), Some(2)] {
        let report = Builder::new()
            .executions(300)
            .explore(move || producers_consumer(bound));
        assert!(report.failures.is_empty(), "bound {bound:?}: {report}");
    }
    // Small enough for every execution.
    let report = exhaustive().explore(|| {
        let (tx, rx) = sync_channel(1);
        let tx2 = tx.clone();
        let a = sim::thread::spawn(move || tx.send(1).unwrap());
        let b = sim::thread::spawn(move || tx2.send(2).unwrap());
        let sum: i32 = rx.iter().sum();
        assert_eq!(sum, 3);
        a.join().unwrap();
        b.join().unwrap();
    });
    assert_clean(&report);
}

/// The receiver raises `ready` just before its `recv`; the sender asserts
/// it right after its `send` returned.
fn send_returns_after_the_recv(bound: usize) {
    let (tx, rx) = sync_channel(bound);
    let ready = Arc::new(AtomicBool::new(false));
    let r = Arc::clone(&ready);
    let t = sim::thread::spawn(move || {
        // A new thread runs at once up to its first scheduling point.
        sim::thread::yield_now();
        r.store(true, Ordering::Relaxed);
        rx.recv().unwrap()
    });
    tx.send(7).unwrap();
    assert!(
        ready.load(Ordering::Relaxed),
        "send returned before the receiver took the value"
    );
    assert_eq!(t.join().unwrap(), 7);
}

#[test]
fn a_rendezvous_send_returns_only_once_the_receiver_took_the_value() {
    let report = exhaustive().explore(|| send_returns_after_the_recv(0));
    assert_clean(&report);
    // With room for the value, send returns at once: some execution shows it.
    let report = exhaustive().explore(|| send_returns_after_the_recv(1));
    assert_eq!(report.failures.len(), 1, "{report}");
    assert_eq!(report.failures[0].kind, FailureKind::Panic);
    assert!(report.failures[0].message.contains("send returned before"));
}

#[test]
fn a_rendezvous_recv_happens_before_the_send_returns() {
    // Written by the receiver before its recv, read by the sender after its
    // send returned: ordered by the rendezvous (and not through a buffer).
    let report = exhaustive().explore(|| {
        let (tx, rx) = sync_channel(0);
        let data = Shared::new(0);
        let d = data.clone();
        let t = sim::thread::spawn(move || {
            d.set(1);
            rx.recv().unwrap();
        });
        tx.send(()).unwrap();
        assert_eq!(data.get(), 1);
        t.join().unwrap();
    });
    assert_clean(&report);
    let report = exhaustive().explore(|| {
        let (tx, rx) = sync_channel(1);
        let data = Shared::new(0);
        let d = data.clone();
        let t = sim::thread::spawn(move || {
            d.set(1);
            rx.recv().unwrap();
        });
        tx.send(()).unwrap();
        let _ = data.get();
        t.join().unwrap();
    });
    assert_eq!(report.failures[0].kind, FailureKind::DataRace, "{report}");
}

#[test]
fn try_send_on_a_rendezvous_succeeds_only_while_the_receiver_waits() {
    let report = exhaustive().explore(|| {
        let (tx, rx) = sync_channel::<i32>(0);
        assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
        let t = sim::thread::spawn(move || rx.recv());
        let sent = tx.try_send(2);
        sim::println!("{sent:?}");
        drop(tx);
        let got = t.join().unwrap();
        // A value try_send handed over is received; else the receiver
        // sees the disconnection.
        match sent {
            Ok(()) => assert_eq!(got, Ok(2)),
            Err(e) => {
                assert_eq!(e, TrySendError::Full(2));
                assert_eq!(got, Err(RecvError));
            }
        }
    });
    assert_clean(&report);
    let outputs: Vec<&str> = report.outputs.keys().map(String::as_str).collect();
    assert_eq!(outputs, ["Err(TrySendError::Full(..))\n", "Ok(())\n"]);
}

#[test]
fn try_recv_on_a_rendezvous_takes_a_value_only_from_a_waiting_sender() {
    let report = exhaustive().explore(|| {
        let (tx, rx) = sync_channel::<i32>(0);
        let t = sim::thread::spawn(move || tx.send(5));
        let got = rx.try_recv();
        sim::println!("{got:?}");
        drop(rx);
        let sent = t.join().unwrap();
        assert_eq!(sent.is_ok(), got.is_ok());
    });
    assert_clean(&report);
    let outputs: Vec<&str> = report.outputs.keys().map(String::as_str).collect();
    assert_eq!(outputs, ["Err(Empty)\n", "Ok(5)\n"]);
}

#[test]
fn disconnection_fails_sends_and_recvs_and_gives_values_back() {
    let report = exhaustive().explore(|| {
        // Receiver gone: every send fails with its value.
        let (tx, rx) = channel();
        drop(rx);
        assert_eq!(tx.send(1), Err(SendError(1)));
        let (tx, rx) = sync_channel(1);
        drop(rx);
        assert_eq!(tx.try_send(2), Err(TrySendError::Disconnected(2)));
        assert_eq!(tx.send(3), Err(SendError(3)));
        // Senders gone: recv drains, then fails.
        let (tx, rx) = channel();
        let tx2 = tx.clone();
        tx.send('a').unwrap();
        drop(tx);
        assert_eq!(rx.try_recv(), Ok('a'));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        drop(tx2);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        assert_eq!(rx.recv(), Err(RecvError));
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(1)),
            Err(RecvTimeoutError::Disconnected)
        );
        assert_eq!(sim::time::now(), Duration::ZERO);
    });
    assert_clean(&report);
}

#[test]
fn blocked_operations_fail_when_the_other_side_goes() {
    let report = exhaustive().explore(|| {
        // A sender blocked on a full channel, and one blocked in a
        // rendezvous, get their values back when the receiver is dropped.
        let (tx, rx) = sync_channel(1);
        tx.send(1).unwrap();
        let t = sim::thread::spawn(move || tx.send(2));
        let (rtx, rrx) = sync_channel(0);
        let r = sim::thread::spawn(move || rtx.send(3));
        drop(rx);
        drop(rrx);
        assert_eq!(t.join().unwrap(), Err(SendError(2)));
        assert_eq!(r.join().unwrap(), Err(SendError(3)));
        // A blocked recv fails when the last sender, in another thread, goes.
        let (tx, rx) = channel::<u8>();
        let t = sim::thread::spawn(move || rx.recv());
        drop(tx);
        assert_eq!(t.join().unwrap(), Err(RecvError));
    });
    assert_clean(&report);
}

#[test]
fn a_failing_recv_is_ordered_after_the_sender_drops() {
    let report = exhaustive().explore(|| {
        let (tx, rx) = channel::<()>();
        let data = Shared::new(0);
        let d = data.clone();
        let t = sim::thread::spawn(move || {
            d.set(1);
            drop(tx);
        });
        assert_eq!(rx.recv(), Err(RecvError));
        assert_eq!(data.get(), 1);
        t.join().unwrap();
    });
    assert_clean(&report);
}

#[test]
fn recv_timeout_under_exact_timing_times_out_exactly_at_the_deadline() {
    let report = exhaustive().explore(|| {
        let (tx, rx) = channel();
        let timeout = rx.recv_timeout(Duration::from_secs(2));
        assert_eq!(timeout, Err(RecvTimeoutError::Timeout));
        assert_eq!(sim::time::now(), Duration::from_secs(2));
        let t = sim::thread::spawn(move || {
            sim::time::sleep(Duration::from_secs(1));
            tx.send(1).unwrap();
            sim::time::sleep(Duration::from_secs(5));
            tx.send(2).unwrap();
        });
        assert_eq!(rx.recv_timeout(Duration::from_secs(2)), Ok(1));
        assert_eq!(sim::time::now(), Duration::from_secs(3));
        let timeout = rx.recv_timeout(Duration::from_secs(2));
        assert_eq!(timeout, Err(RecvTimeoutError::Timeout));
        assert_eq!(sim::time::now(), Duration::from_secs(5));
        assert_eq!(rx.recv(), Ok(2));
        assert_eq!(sim::time::now(), Duration::from_secs(8));
        t.join().unwrap();
    });
    assert_clean(&report);
}

/// A send at t=0 and a `recv_timeout(1s)`; prints what the recv gave.
fn send_at_zero(rendezvous: bool) {
    let (tx, rx) = sync_channel(if rendezvous { 0 } else { 1 });
    let t = sim::thread::spawn(move || {
        let _ = tx.send(1);
    });
    match rx.recv_timeout(Duration::from_secs(1)) {
        Ok(v) => sim::println!("got {v}"),
        Err(e) => {
            assert_eq!(e, RecvTimeoutError::Timeout);
            sim::println!("timed out");
        }
    }
    drop(rx);
    t.join().unwrap();
}

#[test]
fn recv_timeout_under_adversarial_timing_may_time_out_despite_a_send_at_zero() {
    for rendezvous in [false, true] {
        let exact = exhaustive().explore(move || send_at_zero(rendezvous));
        assert_clean(&exact);
        let outputs: Vec<&str> = exact.outputs.keys().map(String::as_str).collect();
        assert_eq!(outputs, ["got 1\n"], "rendezvous {rendezvous}");
        let adversarial = exhaustive()
            .timing(Timing::Adversarial)
            .explore(move || send_at_zero(rendezvous));
        assert_clean(&adversarial);
        let outputs: Vec<&str> = adversarial.outputs.keys().map(String::as_str).collect();
        assert_eq!(
            outputs,
            ["got 1\n", "timed out\n"],
            "rendezvous {rendezvous}"
        );
    }
}

#[test]
fn a_value_try_send_handed_over_is_never_lost_to_a_timeout() {
    let report = exhaustive().timing(Timing::Adversarial).explore(|| {
        let (tx, rx) = sync_channel(0);
        let t = sim::thread::spawn(move || rx.recv_timeout(Duration::from_secs(1)));
        let sent = tx.try_send(9);
        let got = t.join().unwrap();
        if sent.is_ok() {
            assert_eq!(got, Ok(9));
        }
        sim::println!("{}", sent.is_ok());
    });
    assert_clean(&report);
    assert_eq!(report.outputs.len(), 2, "{report}");
}

#[test]
fn a_recv_waiting_for_blocked_senders_is_a_deadlock_naming_the_channel() {
    let report = exhaustive().explore(|| {
        // Each thread receives before it sends: neither ever sends.
        let (tx1, rx1) = channel::<u8>();
        let (tx2, rx2) = channel::<u8>();
        let t = sim::thread::spawn(move || {
            rx2.recv().unwrap();
            tx1.send(1).unwrap();
        });
        rx1.recv().unwrap();
        tx2.send(2).unwrap();
        t.join().unwrap();
    });
    assert_eq!(report.failures.len(), 1, "{report}");
    let failure = &report.failures[0];
    assert_eq!(failure.kind, FailureKind::Deadlock);
    let msg = &failure.message;
    assert!(msg.contains("deadlock"), "{msg}");
    assert!(
        msg.contains("MainThread waits in Receiver::recv on Channel#0"),
        "{msg}"
    );
    assert!(
        msg.contains("Thread-1 waits in Receiver::recv on Channel#1"),
        "{msg}"
    );
    assert!(
        msg.contains("it is empty and 1 Sender is still alive, but no thread left could send"),
        "{msg}"
    );
    // A rendezvous send nobody receives, and a full channel.
    for bound in [0, 1] {
        let report = exhaustive().explore(move || {
            let (tx, _rx) = sync_channel(bound);
            for i in 0..2 {
                tx.send(i).unwrap();
            }
        });
        let msg = &report.failures[0].message;
        assert_eq!(report.failures[0].kind, FailureKind::Deadlock, "{msg}");
        let expected = if bound == 0 {
            "MainThread waits in SyncSender::send on Channel#0 (created at"
        } else {
            "it is full (1 of 1 values) and its Receiver is alive"
        };
        assert!(msg.contains(expected), "{msg}");
    }
}

#[test]
fn a_recv_is_ordered_after_the_send_of_its_own_value_only() {
    // Written before the send, read after the recv: race-free.
    let report = exhaustive().explore(|| {
        let (tx, rx) = channel();
        let data = Shared::new(0);
        let d = data.clone();
        let t = sim::thread::spawn(move || {
            d.set(42);
            tx.send(()).unwrap();
        });
        rx.recv().unwrap();
        assert_eq!(data.get(), 42);
        t.join().unwrap();
    });
    assert_clean(&report);
    // Written after the first send, read after receiving the first value
    // only: a race, although a second send follows the write.
    let report = exhaustive().explore(|| {
        let (tx, rx) = channel();
        let data = Shared::new(0);
        let d = data.clone();
        let t = sim::thread::spawn(move || {
            tx.send(1).unwrap();
            d.set(42);
            tx.send(2).unwrap();
        });
        assert_eq!(rx.recv(), Ok(1));
        let _ = data.get();
        assert_eq!(rx.recv(), Ok(2));
        t.join().unwrap();
    });
    assert_eq!(report.failures.len(), 1, "{report}");
    assert_eq!(report.failures[0].kind, FailureKind::DataRace, "{report}");
}

#[test]
fn channel_programs_are_explored_without_reduction_as_the_dfs_does() {
    // Channel operations are outside the optimal DPOR's fragment: the
    // exploration falls back to the plain DFS, whose count a preemption
    // bound larger than any schedule reproduces.
    let program = || {
        let (tx, rx) = sync_channel(1);
        let tx2 = tx.clone();
        let a = sim::thread::spawn(move || tx.send(1).unwrap());
        let b = sim::thread::spawn(move || tx2.send(2).unwrap());
        let sum: i32 = rx.iter().sum();
        assert_eq!(sum, 3);
        a.join().unwrap();
        b.join().unwrap();
    };
    let model = exhaustive().explore(program);
    let dfs = exhaustive().reduction(false).explore(program);
    assert_clean(&model);
    assert_clean(&dfs);
    assert_eq!(model.executions, dfs.executions);
    assert!(model.executions > 1);
}

#[test]
fn a_thread_that_panics_holding_the_last_sender_disconnects() {
    // The panic is the run's failure; the receiver is still released (no
    // deadlock is reported instead).
    let report = exhaustive().explore(|| {
        let (tx, rx) = channel::<u8>();
        let t = sim::thread::spawn(move || {
            let _tx = tx;
            panic!("boom");
        });
        assert_eq!(rx.recv(), Err(RecvError));
        assert!(t.join().is_err());
    });
    assert!(!report.failures.is_empty(), "{report}");
    assert!(report
        .failures
        .iter()
        .all(|f| f.kind == FailureKind::Panic && f.message.contains("boom")));
}

#[test]
fn errors_have_std_texts_and_handles_are_send_and_sync_as_std() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<sim::sync::mpsc::Sender<u8>>();
    send_sync::<sim::sync::mpsc::SyncSender<u8>>();
    send::<sim::sync::mpsc::Receiver<u8>>();
    assert_eq!(SendError(1).to_string(), "sending on a closed channel");
    assert_eq!(format!("{:?}", SendError(1)), "SendError { .. }");
    assert_eq!(RecvError.to_string(), "receiving on a closed channel");
    assert_eq!(
        TryRecvError::Empty.to_string(),
        "receiving on an empty channel"
    );
    assert_eq!(
        RecvTimeoutError::Timeout.to_string(),
        "timed out waiting on channel"
    );
    assert_eq!(
        RecvTimeoutError::Disconnected.to_string(),
        "channel is empty and sending half is closed"
    );
    assert_eq!(
        TrySendError::Full(1).to_string(),
        "sending on a full channel"
    );
    assert_eq!(
        format!("{:?}", TrySendError::Disconnected(1)),
        "TrySendError::Disconnected(..)"
    );
    let e: Box<dyn std::error::Error> = Box::new(TrySendError::Full(1));
    assert_eq!(e.to_string(), "sending on a full channel");
}
