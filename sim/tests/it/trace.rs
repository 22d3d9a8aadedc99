//! Traces: JSON round trip, bad files, nondeterminism on replay, the
//! happens-before graph, DOT (rendered by Graphviz when installed) and the
//! Chrome timeline.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use petgraph::algo::has_path_connecting;
use petgraph::visit::EdgeRef;
use sim::threading::Lock;
use sim::{Builder, EdgeKind, FailureKind, Trace};

use crate::programs::{lock_increments, lock_order, racy_counter};

/// A fresh directory under the system's temp dir (never `traces/`).
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sim-trace-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn deadlock_trace() -> Trace {
    let report = Builder::new().executions(1000).explore(lock_order);
    let failure = report.failure().expect("the inversion deadlocks");
    assert_eq!(failure.kind, FailureKind::Deadlock);
    failure.trace.clone()
}

#[test]
fn round_trip_save_load_replay_is_byte_identical() {
    let dir = temp_dir("roundtrip");
    for trace in [
        deadlock_trace(),
        Builder::new().trace(racy_counter, "11").unwrap(),
    ] {
        let path = dir.join(format!("{}.json", trace.token));
        trace.save(&path).unwrap();
        let on_disk = std::fs::read_to_string(&path).unwrap();
        assert_eq!(on_disk, trace.to_json() + "\n");
        let loaded = Trace::load(&path).unwrap();
        assert_eq!(loaded, trace);
        // Every event carries its vector clock when traced.
        assert!(loaded.events.iter().all(|e| !e.clock.is_empty()));
    }
    // Replay: the saved deadlock, replayed from its file, gives the same JSON.
    let trace = deadlock_trace();
    let path = dir.join("deadlock.json");
    trace.save(&path).unwrap();
    let loaded = Trace::load(&path).unwrap();
    let report = Builder::new().replay_trace(lock_order, &loaded).unwrap();
    let again = &report.failure().unwrap().trace;
    assert_eq!(report.failure().unwrap().kind, FailureKind::Deadlock);
    assert_eq!(
        again.to_json(),
        std::fs::read_to_string(&path).unwrap().trim_end()
    );
    // And through Builder::trace with the same name and token.
    let traced = Builder::new()
        .name(&trace.scenario)
        .trace(lock_order, &trace.token)
        .unwrap();
    assert_eq!(traced.to_json(), trace.to_json());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn corrupt_truncated_and_future_version_files_are_clear_errors_and_untouched() {
    let dir = temp_dir("bad-files");
    let good = deadlock_trace().to_json();
    let future = good.replacen("\"format_version\": 1", "\"format_version\": 7", 1);
    let cases: [(&str, String, &str); 6] = [
        (
            "truncated.json",
            good[..good.len() / 2].to_string(),
            "truncated",
        ),
        (
            "corrupt.json",
            "{ this is not json".to_string(),
            "not valid JSON",
        ),
        ("future.json", future, "newer sim (trace format version 7"),
        ("empty.json", String::new(), "truncated"),
        (
            "other.json",
            "{\"hello\": 1}".to_string(),
            "no format_version",
        ),
        (
            "wrong-fields.json",
            good.replacen("\"events\"", "\"evnts\"", 1),
            "does not match trace format version 1",
        ),
    ];
    for (name, text, expected) in &cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let err = Trace::load(&path).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains(expected), "{name}: {msg}");
        assert_eq!(err.path(), path);
        assert_eq!(
            &std::fs::read_to_string(&path).unwrap(),
            text,
            "{name} was modified"
        );
    }
    let missing = Trace::load(dir.join("missing.json")).unwrap_err();
    assert!(missing.to_string().contains("missing.json"), "{missing}");
    assert!(missing.problem().starts_with("cannot read it"), "{missing}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// True with probability 1/2, from the real clock.
fn real_clock_coin() -> bool {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        & 64
        == 0
}

/// True with probability 1/2, from std's unseeded hasher keys.
fn unseeded_coin() -> bool {
    RandomState::new().hash_one(0u8) & 1 == 0
}

/// Records a trace of `scenario`, then replays it until a replay takes the
/// other branch (each replay does with probability 1/2; 64 tries).
fn caught_on_replay(scenario: fn()) -> String {
    let recorded = Builder::new().trace(scenario, "99").unwrap();
    for _ in 0..64 {
        let report = Builder::new().replay_trace(scenario, &recorded).unwrap();
        if let Some(f) = report.failure() {
            assert_eq!(f.kind, FailureKind::Nondeterminism, "{f}");
            return f.message.clone();
        }
    }
    panic!("64 replays took the recorded branch every time");
}

fn reads_the_real_clock() {
    if real_clock_coin() {
        let lock = Lock::new();
        drop(lock.lock());
    } else {
        sim::println!("the clock said tails");
    }
}

fn uses_unseeded_randomness() {
    let t = sim::thread::spawn(|| sim::println!("child"));
    if unseeded_coin() {
        sim::thread::yield_now();
    }
    t.join().unwrap();
}

#[test]
fn a_scenario_reading_the_real_clock_is_nondeterminism_on_replay() {
    let msg = caught_on_replay(reads_the_real_clock);
    assert!(
        msg.contains("diverged from the recorded trace at step 1"),
        "{msg}"
    );
    // Both operations are named: one run locked, the other printed.
    assert!(msg.contains("expected step 1: MainThread"), "{msg}");
    assert!(msg.contains("got step 1: MainThread"), "{msg}");
    assert!(
        msg.contains("acquire Lock#0") && msg.contains("print"),
        "{msg}"
    );
}

#[test]
fn a_scenario_using_unseeded_randomness_is_nondeterminism_on_replay() {
    let msg = caught_on_replay(uses_unseeded_randomness);
    assert!(
        msg.contains("diverged from the recorded trace at step"),
        "{msg}"
    );
    assert!(msg.contains("expected") && msg.contains("got"), "{msg}");
}

#[test]
fn a_failure_whose_own_replay_diverges_is_reported_as_nondeterminism() {
    // Always a misuse, after a number of yields the real clock decides:
    // the explorer's replay (to record clocks) almost surely diverges.
    fn scenario() {
        let n = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
            / 64
            % 16;
        for _ in 0..n {
            sim::thread::yield_now();
        }
        Lock::new().release();
    }
    for _ in 0..32 {
        let report = Builder::new().executions(1).explore(scenario);
        let f = report.failure().expect("always fails");
        if f.kind == FailureKind::Nondeterminism {
            assert!(f.message.contains("replaying its token"), "{}", f.message);
            // The run kept no event log: its replay is compared by length.
            assert!(
                f.message
                    .contains("diverged from it in its length: the execution took"),
                "{}",
                f.message
            );
            assert!(f.message.contains("Misuse: RuntimeError"), "{}", f.message);
            return;
        }
        assert_eq!(f.kind, FailureKind::Misuse);
    }
    panic!("32 explorations replayed identically");
}

#[test]
fn happens_before_graph_has_step_ordered_nodes_and_typed_edges() {
    let trace = Builder::new().trace(lock_increments::<2, 1>, "3").unwrap();
    assert!(trace.failure.is_none());
    let g = trace.happens_before();
    let steps: Vec<u64> = g.node_indices().map(|n| g[n]).collect();
    let expected: Vec<u64> = trace.events.iter().map(|e| e.step).collect();
    assert_eq!(steps, expected);
    let kinds: Vec<EdgeKind> = g.edge_weights().copied().collect();
    for kind in [
        EdgeKind::ProgramOrder,
        EdgeKind::Spawn,
        EdgeKind::Join,
        EdgeKind::Lock,
    ] {
        assert!(kinds.contains(&kind), "no {kind} edge in {kinds:?}");
    }
    // A lock edge goes from a release to an acquire of the same lock.
    for e in &trace.edges {
        let (from, to) = (
            &trace.events[trace.event_index(e.from).unwrap()],
            &trace.events[trace.event_index(e.to).unwrap()],
        );
        assert!(e.from < e.to);
        match e.kind {
            EdgeKind::Lock => {
                assert_eq!((from.op.as_str(), to.op.as_str()), ("release", "acquire"));
                assert_eq!(from.object, to.object);
                assert_eq!(e.object, to.object);
                assert_ne!(from.thread, to.thread);
            }
            EdgeKind::Spawn => assert_eq!(from.op, "spawn"),
            EdgeKind::Join => assert_eq!(to.op, "join"),
            other => panic!("unexpected {other}"),
        }
    }
    // Vector clocks agree with the graph: every edge e -> f has clock(e) <= clock(f).
    for edge in g.edge_references() {
        let a = &trace.events[edge.source().index()].clock;
        let b = &trace.events[edge.target().index()].clock;
        for (t, &v) in a.iter().enumerate() {
            assert!(v <= b.get(t).copied().unwrap_or(0), "{a:?} !<= {b:?}");
        }
    }
}

#[test]
fn transitive_reduction_keeps_reachability_and_drops_implied_edges() {
    // Ten threads through one lock: the chain of critical sections implies
    // many of the join edges.
    let trace = Builder::new().trace(lock_increments::<10, 1>, "8").unwrap();
    assert_eq!(trace.threads.len(), 11);
    let full = trace.happens_before();
    let reduced = trace.happens_before_reduced();
    assert_eq!(full.node_count(), reduced.node_count());
    assert!(reduced.edge_count() < full.edge_count());
    let order_only = |g: &sim::HbGraph| {
        let mut g = g.clone();
        g.retain_edges(|g, e| g[e] != EdgeKind::Race);
        g
    };
    let (full, reduced) = (order_only(&full), order_only(&reduced));
    for a in full.node_indices() {
        for b in full.node_indices() {
            assert_eq!(
                has_path_connecting(&full, a, b, None),
                has_path_connecting(&reduced, a, b, None),
                "reachability of {} -> {} changed",
                full[a],
                full[b]
            );
        }
    }
    // The DOT draws the reduced graph; the full one stays available.
    assert!(trace.to_dot().len() < trace.to_dot_full().len());
}

#[test]
fn a_race_is_its_own_edge_kind_drawn_red_and_dashed() {
    let report = Builder::new().executions(100).explore(racy_counter);
    let trace = &report.failure().unwrap().trace;
    let race: Vec<_> = trace
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Race)
        .collect();
    assert_eq!(race.len(), 1);
    assert_eq!(race[0].to, trace.failure.as_ref().unwrap().step);
    let dot = trace.to_dot();
    let line = dot
        .lines()
        .find(|l| l.contains("race on Shared#0"))
        .expect("a race edge");
    assert!(
        line.contains("color=\"red\"") && line.contains("style=\"dashed\""),
        "{line}"
    );
    // The racing access is the highlighted event.
    let failing = format!("s{} [", race[0].to);
    let node = dot
        .lines()
        .find(|l| l.trim_start().starts_with(&failing))
        .unwrap();
    assert!(node.contains("fillcolor=\"#ff9999\""), "{node}");
    render_with_graphviz(&dot, "race");
}

#[test]
fn deadlock_dot_has_a_cluster_per_thread_and_the_blocked_operations() {
    let trace = deadlock_trace();
    let dot = trace.to_dot();
    for t in 0..trace.threads.len() {
        assert!(dot.contains(&format!("subgraph cluster_{t} {{")), "{dot}");
    }
    assert_eq!(dot.matches("blocked: acquire").count(), 2, "{dot}");
    assert_eq!(dot.matches("waits for Lock#").count(), 2, "{dot}");
    render_with_graphviz(&dot, "deadlock");
}

/// Runs Graphviz's `dot -Tsvg` on `dot` when it is installed (CI installs
/// it in `.ci/run`); prints a note and returns otherwise.
pub fn render_with_graphviz(dot: &str, name: &str) {
    let dir = temp_dir(&format!("dot-{name}"));
    let path = dir.join(format!("{name}.dot"));
    std::fs::write(&path, dot).unwrap();
    check_dot_file(&path);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn check_dot_file(path: &Path) {
    let output = match Command::new("dot").arg("-Tsvg").arg(path).output() {
        Ok(o) => o,
        Err(_) if std::env::var_os("CI").is_none() => {
            eprintln!("note: Graphviz `dot` is not installed; DOT not rendered (CI renders it)");
            return;
        }
        Err(e) => panic!("Graphviz `dot` must be installed on CI: {e}"),
    };
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "dot rejected {}:\n{}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("<svg"));
}

#[test]
fn chrome_timeline_has_a_track_per_thread_and_blocked_slices_in_virtual_time() {
    let trace = Builder::new()
        .trace(
            || {
                let lock = Lock::new();
                let t = sim::thread::spawn(move || {
                    let _g = lock.lock();
                    sim::time::sleep(Duration::from_secs(1));
                });
                sim::time::sleep(Duration::from_millis(1));
                drop(lock.lock()); // waits until Thread-1 wakes at 1 s
                t.join().unwrap();
            },
            "1",
        )
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&trace.to_chrome_trace()).unwrap();
    let events = json["traceEvents"].as_array().unwrap();
    let names: Vec<&str> = events
        .iter()
        .filter(|e| e["name"] == "thread_name")
        .map(|e| e["args"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["MainThread", "Thread-1"]);
    let instants = events.iter().filter(|e| e["ph"] == "i").count();
    assert_eq!(instants, trace.events.len());
    let slices: Vec<(&str, f64, f64)> = events
        .iter()
        .filter(|e| e["ph"] == "X")
        .map(|e| {
            (
                e["name"].as_str().unwrap(),
                e["ts"].as_f64().unwrap(),
                e["dur"].as_f64().unwrap(),
            )
        })
        .collect();
    // Thread-1 sleeps 0 -> 1 s; main sleeps 0 -> 1 ms then waits for the
    // lock until 1 s; main's join completes at 1 s too.
    assert!(slices.contains(&("blocked: sleep", 0.0, 1e6)), "{slices:?}");
    assert!(slices.contains(&("blocked: sleep", 0.0, 1e3)), "{slices:?}");
    assert!(
        slices.contains(&("blocked: acquire Lock#0", 1e3, 1e6 - 1e3)),
        "{slices:?}"
    );
    // Deterministic: the same trace, the same bytes.
    assert_eq!(trace.to_chrome_trace(), trace.clone().to_chrome_trace());
}

#[test]
fn a_panic_is_drawn_at_the_end_of_its_thread_and_same_thread_lock_edges_are_reduced() {
    let report = Builder::new().executions(1).explore(|| {
        let lock = Lock::new();
        drop(lock.lock());
        drop(lock.lock()); // release -> acquire within MainThread
        let t = sim::thread::spawn(|| panic!("boom"));
        let _ = t.join();
    });
    let failure = report.failure().unwrap();
    assert_eq!(failure.kind, FailureKind::Panic);
    let trace = &failure.trace;
    assert!(trace.edges.iter().any(|e| e.kind == EdgeKind::Lock));
    assert!(!trace
        .happens_before_reduced()
        .edge_weights()
        .any(|k| *k == EdgeKind::Lock));
    let dot = trace.to_dot();
    let panic_node = dot
        .lines()
        .find(|l| l.contains("panic1 ["))
        .expect("panic node");
    assert!(
        panic_node.contains("boom") && panic_node.contains("octagon"),
        "{panic_node}"
    );
    render_with_graphviz(&dot, "panic");
}
