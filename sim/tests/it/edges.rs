//! The happens-before edges every primitive records for traces and graphs
//! (DESIGN.md's list), checked against the vector clocks.

use std::time::Duration;

use sim::queue::Queue;
use sim::threading::{Barrier, Event, Semaphore};
use sim::{Builder, EdgeKind};

fn every_primitive() {
    let sem = Semaphore::new(0);
    let ev = Event::new();
    let q = Queue::new(0);
    let b = Barrier::new(2);
    let (q2, b2) = (q.clone(), b.clone());
    let t = sim::thread::spawn(move || {
        sem.acquire();
        ev.wait();
        let _: u8 = q2.get();
        q2.task_done();
        b2.wait().unwrap();
    });
    sim::time::sleep(Duration::from_secs(1));
    sem.release();
    ev.set();
    q.put(1);
    q.join();
    b.wait().unwrap();
    assert!(t.join_timeout(Duration::from_secs(1)));
}

#[test]
fn each_primitive_records_its_edge_and_edges_agree_with_clocks() {
    let trace = Builder::new().trace(every_primitive, "5").unwrap();
    assert!(trace.failure.is_none(), "{:?}", trace.failure);
    let kinds: Vec<EdgeKind> = trace.edges.iter().map(|e| e.kind).collect();
    for kind in [
        EdgeKind::Semaphore,
        EdgeKind::Event,
        EdgeKind::Queue,
        EdgeKind::Barrier,
        EdgeKind::Join,
    ] {
        assert!(kinds.contains(&kind), "no {kind} edge in {kinds:?}");
    }
    for e in &trace.edges {
        let from = &trace.events[trace.event_index(e.from).unwrap()];
        let to = &trace.events[trace.event_index(e.to).unwrap()];
        assert!(e.from < e.to);
        let ops = (from.op.as_str(), to.op.as_str());
        match e.kind {
            EdgeKind::Semaphore => assert_eq!(ops, ("release", "acquire")),
            EdgeKind::Event => assert_eq!(ops, ("set", "wait")),
            EdgeKind::Queue => assert!(ops == ("put", "get") || ops == ("task_done", "join")),
            EdgeKind::Barrier => assert!(from.op == "wait" || from.op == "release"),
            _ => {}
        }
        for (t, &v) in from.clock.iter().enumerate() {
            assert!(v <= to.clock.get(t).copied().unwrap_or(0), "{e:?}");
        }
    }
}
