//! `Report::merge` on reports that are not the parts of one exploration
//! (hand-edited or corrupt shard reports): a clear error, never a wrong sum.

use sim::{Builder, Report, Shard};

fn shards(count: u64) -> Vec<Report> {
    (0..count)
        .map(|index| {
            Builder::new()
                .executions(20)
                .shard(Shard { index, count })
                .explore(|| sim::println!("x"))
        })
        .collect()
}

#[test]
fn a_shard_index_past_its_count_is_an_error() {
    let mut parts = shards(4);
    parts[3].shard = Some(Shard { index: 5, count: 4 });
    let err = Report::merge(parts).unwrap_err().to_string();
    assert!(err.contains("shard 5/4, which does not exist"), "{err}");
    let mut parts = shards(1);
    parts[0].shard = Some(Shard { index: 0, count: 0 });
    let err = Report::merge(parts).unwrap_err().to_string();
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn execution_counts_that_overflow_are_an_error() {
    let mut parts = shards(2);
    parts[0].executions = u64::MAX;
    let err = Report::merge(parts).unwrap_err().to_string();
    assert!(err.contains("more than 2^64 - 1"), "{err}");
    let mut parts = shards(2);
    *parts[1].outputs.get_mut("x\n").unwrap() = u64::MAX;
    let err = Report::merge(parts).unwrap_err().to_string();
    assert!(err.contains("more than 2^64 - 1"), "{err}");
}

#[test]
fn a_failure_past_its_report_s_executions_is_an_error() {
    // Exhaustive shards number their failures from their own first
    // execution (the merge renumbers them).
    let failing = || {
        let t = sim::thread::spawn(|| sim::println!("a"));
        sim::println!("b");
        t.join().unwrap();
        sim::threading::Lock::new().release();
    };
    let mut parts: Vec<Report> = (0..2)
        .map(|index| {
            Builder::new()
                .strategy(sim::Strategy::Exhaustive)
                .preemption_bound(Some(2))
                .executions(100)
                .shard(Shard { index, count: 2 })
                .explore(failing)
        })
        .collect();
    parts[0].failures[0].execution = u64::MAX;
    let err = Report::merge(parts).unwrap_err().to_string();
    assert!(err.contains("has a failure in execution"), "{err}");
}
