//! Deadlock reports name the processes the explorer killed, with the step
//! and the virtual time of each kill (issue 17 item 5).

use std::time::Duration;

use sim::multiprocessing::{self, Queue};
use sim::{Builder, FailureKind, Faults, Strategy};

/// A child that works for a second of virtual time, then sends its result:
/// killed before the send, it leaves the parent waiting forever.
fn late_result() {
    let q = Queue::new(0);
    let q2 = q.clone();
    let p = multiprocessing::spawn(move || {
        sim::thread::sleep(Duration::from_secs(1));
        q2.put(42);
    });
    assert_eq!(q.get(), 42);
    p.join();
}

#[test]
fn a_deadlock_names_the_killed_process_the_step_and_the_virtual_time() {
    let report = Builder::new()
        .strategy(Strategy::Exhaustive)
        .executions(10_000)
        .faults(Faults::Kill { max: 1 })
        .stop_on_first_failure(false)
        .explore(late_result);
    assert!(report.complete, "{report}");
    // Kills at different steps are one deadlock (the key leaves the step
    // out), reported for the first kill that reached it.
    assert_eq!(report.failures.len(), 1, "{report}");
    let f = &report.failures[0];
    assert_eq!(f.kind, FailureKind::Deadlock, "{report}");
    let kill = f
        .trace
        .events
        .iter()
        .find(|e| e.op == "killed (fault)")
        .expect("the kill is in the trace");
    let line = format!(
        "  Process-1 was killed by the explorer (a --kill fault, Faults::Kill) at step {}, \
         virtual time {:?}: its threads never ran again, what it held stays held\n",
        kill.step,
        Duration::from_nanos(kill.time_ns)
    );
    assert!(f.message.contains(&line), "{line}\nnot in\n{}", f.message);

    // A kill after the child's second of work says so.
    let late = Builder::new()
        .strategy(Strategy::Exhaustive)
        .executions(10_000)
        .faults(Faults::Kill { max: 1 })
        .stop_on_first_failure(false)
        .explore(|| {
            let q = Queue::new(0);
            let q2 = q.clone();
            let p = multiprocessing::spawn(move || {
                sim::thread::sleep(Duration::from_secs(1));
                sim::thread::yield_now();
                q2.put(42);
            });
            sim::thread::sleep(Duration::from_secs(2));
            assert_eq!(q.get(), 42);
            p.join();
        });
    assert!(
        late.failures
            .iter()
            .any(|f| f.message.contains("at step") && f.message.contains("virtual time 1s:")),
        "{late}"
    );
}

#[test]
fn a_kill_by_the_program_is_not_named_as_the_explorers() {
    let report = Builder::new().executions(1).explore(|| {
        let q = Queue::new(0);
        let q2 = q.clone();
        let p = multiprocessing::spawn(move || {
            sim::thread::sleep(Duration::from_secs(1));
            q2.put(42);
        });
        p.kill();
        p.join();
        q.get();
    });
    let f = &report.failures[0];
    assert_eq!(f.kind, FailureKind::Deadlock, "{report}");
    assert!(!f.message.contains("explorer"), "{}", f.message);
}
