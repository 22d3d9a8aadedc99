//! Fuzzing the inputs a user (or a corrupt file) hands to sim: replay
//! tokens, saved traces (`Trace::from_json`, `Trace::load`) and report JSON
//! for `Report::merge`. On arbitrary bytes, and on valid inputs with bytes
//! or numbers changed, none may panic, and every rejection is a clear error
//! (issue 17).
//!
//! proptest's `PROPTEST_CASES` sets the number of cases of each property
//! (default 256); the longer run is
//! `PROPTEST_CASES=100000 cargo test --release -p sim --test it fuzz::`.

use std::sync::OnceLock;

use proptest::prelude::*;
use sim::threading::Lock;
use sim::{Builder, Report, Shard, Strategy as SimStrategy, Trace};

use crate::programs::lock_order;

/// A small program with a few scheduling points, to run parsed tokens on.
fn two_threads() {
    let lock = Lock::new();
    let t = sim::thread::spawn(move || drop(lock.lock()));
    drop(lock.lock());
    t.join().unwrap();
}

/// Text that often looks like a token: a known prefix and token
/// characters, or anything.
fn token_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        (
            prop::sample::select(vec!["s1:", "s2:", "pct", "pos:", "0x", ""]),
            "[A-Za-z0-9_:-]{0,40}"
        )
            .prop_map(|(p, body)| format!("{p}{body}")),
        "pct[0-9]{0,12}:[0-9]{0,22}:[0-9x]{0,22}",
    ]
}

/// The JSON of a failing trace (the lock-order deadlock).
fn trace_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        let report = Builder::new().executions(1000).explore(lock_order);
        report.failures[0].trace.to_json()
    })
}

/// The JSON of two exhaustive shards' reports, one with a failure.
fn shard_jsons() -> &'static [String] {
    static JSON: OnceLock<Vec<String>> = OnceLock::new();
    JSON.get_or_init(|| {
        (0..2)
            .map(|index| {
                let report = Builder::new()
                    .strategy(SimStrategy::Exhaustive)
                    .preemption_bound(Some(2))
                    .shard(Shard { index, count: 2 })
                    .explore(lock_order);
                serde_json::to_string(&report).unwrap()
            })
            .collect()
    })
}

/// `json` with one change: truncated, a byte replaced, or its `n`-th number
/// replaced by `number`.
fn mutate(json: &str, kind: u8, at: usize, byte: u8, number: &str) -> String {
    let mut bytes = json.as_bytes().to_vec();
    match kind % 3 {
        0 => bytes.truncate(at % (bytes.len() + 1)),
        1 => {
            let i = at % bytes.len();
            bytes[i] = byte;
        }
        _ => {
            let numbers: Vec<(usize, usize)> = number_spans(json);
            if let Some(&(start, end)) = numbers.get(at % numbers.len().max(1)) {
                bytes.splice(start..end, number.bytes());
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Where the digits runs of `json` are.
fn number_spans(json: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, b) in json.bytes().enumerate() {
        match (b.is_ascii_digit(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    spans
}

fn a_number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        Just(u64::MAX.to_string()),
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("1e999".to_string()),
        Just("18446744073709551616".to_string()),
    ]
}

/// A trace that parsed must be safe to use: every export and comparison.
fn use_trace(trace: &Trace) {
    let _ = trace.to_dot();
    let _ = trace.to_dot_full();
    let _ = trace.to_chrome_trace();
    let _ = trace.output_text();
    let _ = trace.file_stem();
    let _ = trace.first_divergence(trace);
    assert_eq!(Trace::from_json(&trace.to_json()).as_ref(), Ok(trace));
}

/// Reports that parsed must merge or be refused with a reason; a merge
/// adds up exactly (no wrapping) and only of shards that exist.
fn merge_or_refuse(reports: Vec<Report>) {
    let total: u128 = reports.iter().map(|r| u128::from(r.executions)).sum();
    let shards_exist = reports
        .iter()
        .filter_map(|r| r.shard)
        .all(|s| s.index < s.count);
    match Report::merge(reports) {
        Ok(merged) => {
            let _ = merged.to_string();
            assert_eq!(u128::from(merged.executions), total, "executions add up");
            assert!(shards_exist, "merged shards that do not exist");
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

proptest! {
    #[test]
    fn any_text_is_a_token_or_a_clear_error(text in token_text()) {
        match Builder::new().trace(two_threads, &text) {
            Ok(trace) => use_trace(&trace),
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(
                    msg.starts_with("malformed replay token") || (e.is_misfit() && msg.contains("does not fit")),
                    "{msg}"
                );
            }
        }
        // The same through replay, which reports a misfit as a failure.
        if let Ok(report) = Builder::new().replay(two_threads, &text) {
            let _ = report.to_string();
        }
    }

    #[test]
    fn any_bytes_are_a_trace_or_a_clear_error(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        match Trace::from_json(&text) {
            Ok(trace) => use_trace(&trace),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
        // Trace::load reads the raw bytes (maybe not UTF-8).
        let path = std::env::temp_dir().join(format!(
            "sim-fuzz-{}-{:?}.json",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::write(&path, &bytes).unwrap();
        match Trace::load(&path) {
            Ok(trace) => use_trace(&trace),
            Err(e) => prop_assert!(e.to_string().contains(&path.display().to_string())),
        }
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn a_changed_trace_file_is_a_trace_or_a_clear_error(
        kind in any::<u8>(),
        at in any::<usize>(),
        byte in any::<u8>(),
        number in a_number(),
    ) {
        let json = mutate(trace_json(), kind, at, byte, &number);
        match Trace::from_json(&json) {
            Ok(trace) => {
                use_trace(&trace);
                // And a parsed trace replays (or is refused) without a panic.
                let _ = Builder::new().replay_trace(lock_order, &trace);
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn changed_report_json_merges_or_is_refused(
        which in 0usize..2,
        kind in any::<u8>(),
        at in any::<usize>(),
        byte in any::<u8>(),
        number in a_number(),
    ) {
        let mut jsons = shard_jsons().to_vec();
        jsons[which] = mutate(&jsons[which], kind, at, byte, &number);
        let parsed: Result<Vec<Report>, _> =
            jsons.iter().map(|j| serde_json::from_str::<Report>(j)).collect();
        if let Ok(reports) = parsed {
            merge_or_refuse(reports.clone());
            merge_or_refuse(vec![reports[which].clone()]);
            merge_or_refuse(vec![reports[which].clone(), reports[which].clone()]);
        }
    }
}

#[test]
fn the_fuzzed_inputs_are_valid_before_they_are_changed() {
    // The unchanged inputs parse and merge: the properties above start from
    // valid files.
    use_trace(&Trace::from_json(trace_json()).unwrap());
    let reports: Vec<Report> = shard_jsons()
        .iter()
        .map(|j| serde_json::from_str(j).unwrap())
        .collect();
    assert!(reports.iter().any(|r| !r.failures.is_empty()));
    Report::merge(reports).unwrap();
}
