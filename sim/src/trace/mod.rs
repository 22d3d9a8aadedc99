//! The record of one execution: its events, its happens-before edges, its
//! output, its failure; saved as JSON, drawn as DOT and as a timeline.
//!
//! A [`Trace`] is built for every failing execution (and for any execution
//! traced by token with [`Builder::trace`](crate::Builder::trace)). It is
//! plain data (serde), so it can be saved as JSON, loaded back, replayed and
//! compared byte for byte between runs.
//!
//! - [`Trace::happens_before`] gives the happens-before graph as a
//!   `petgraph` graph (node `i` is event `i`, in step order).
//! - [`Trace::to_dot`] draws it for Graphviz, [`Trace::to_chrome_trace`] as
//!   a Perfetto / `chrome://tracing` timeline.
//! - [`Trace::save`] and [`Trace::load`] read and write files; a bad file is
//!   a [`TraceError`] naming the path and what is wrong with it.

mod build;
mod dot;
mod graph;
mod timeline;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::failure::FailureKind;

pub use graph::HbGraph;

/// Version of the trace format written by this crate.
///
/// ```
/// assert_eq!(sim::TRACE_FORMAT_VERSION, 1);
/// ```
pub const TRACE_FORMAT_VERSION: u32 = 1;

/// One execution, event by event.
///
/// ```
/// use sim::Builder;
/// use sim::threading::Lock;
///
/// let report = Builder::new().executions(1).explore(|| {
///     Lock::new().release();
/// });
/// let trace = &report.failures[0].trace;
/// assert_eq!(trace.events.last().unwrap().op, "release");
/// let json = trace.to_json();
/// assert_eq!(sim::Trace::from_json(&json).unwrap(), *trace);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    /// Format version ([`TRACE_FORMAT_VERSION`]).
    pub format_version: u32,
    /// Name of the scenario or test that ran.
    pub scenario: String,
    /// The exploration strategy (`random`, ...).
    pub strategy: String,
    /// The token that replays this execution.
    pub token: String,
    /// The timing model (`exact`).
    pub timing: String,
    /// Thread names, indexed by thread id.
    pub threads: Vec<String>,
    /// The objects (locks, shared variables, ...), indexed by object id.
    pub objects: Vec<TraceObject>,
    /// Every performed operation, in step order.
    pub events: Vec<TraceEvent>,
    /// Happens-before edges between events other than program order
    /// (spawn, join, lock release to acquire, ...), and the data race if
    /// one was found, in the order they were recorded.
    pub edges: Vec<TraceEdge>,
    /// Operations that threads had announced but not performed when the
    /// execution ended (what each thread of a deadlock is blocked in).
    pub pending: Vec<TracePending>,
    /// Everything the execution printed with `sim::print!`.
    pub output: Vec<TraceOutput>,
    /// The failure, if the execution failed.
    pub failure: Option<TraceFailure>,
}

/// One performed operation.
///
/// ```
/// let trace = sim::Builder::new().trace(|| sim::println!("hi"), "1").unwrap();
/// let ev = &trace.events[0];
/// assert_eq!((ev.step, ev.thread, ev.thread_name.as_str(), ev.op.as_str()), (1, 0, "MainThread", "print"));
/// assert_eq!(ev.clock, vec![1]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceEvent {
    /// 1-based step number.
    pub step: u64,
    /// Thread id (index into [`Trace::threads`]).
    pub thread: usize,
    /// The thread's name.
    pub thread_name: String,
    /// The operation (`acquire`, `release`, `read`, `write`, `spawn`, ...).
    pub op: String,
    /// The object it touched, as `Kind#id` (see [`Trace::objects`]), if any.
    pub object: Option<String>,
    /// What it returned, when that matters (`true`/`false`, a thread name).
    pub result: Option<String>,
    /// Virtual time, in nanoseconds.
    pub time_ns: u64,
    /// Source location of the call (`file:line:column`).
    pub location: String,
    /// The thread's vector clock as the operation saw it (after the clocks
    /// it joined, before its own increment), indexed by thread id; an edge
    /// `e -> f` of the happens-before graph has `clock(e) <= clock(f)`.
    pub clock: Vec<u32>,
}

/// One object of the execution.
///
/// ```
/// let trace = sim::Builder::new().trace(|| { sim::threading::Lock::new(); }, "1").unwrap();
/// assert_eq!(trace.objects[0].name, "Lock#0");
/// assert_eq!(trace.objects[0].kind, "Lock");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceObject {
    /// Its name in events, `Kind#id`.
    pub name: String,
    /// Its kind (`Lock`, `RLock`, `Shared`, ...).
    pub kind: String,
    /// Where it was created (`file:line:column`).
    pub created_at: String,
}

/// Why one event happens before another (or, for `Race`, why two events
/// are drawn together though nothing orders them).
///
/// ```
/// assert_eq!(serde_json::to_string(&sim::EdgeKind::ProgramOrder).unwrap(), "\"program_order\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EdgeKind {
    /// Consecutive events of one thread.
    ProgramOrder,
    /// A `spawn` to the spawned thread's first event.
    Spawn,
    /// A thread's last event to the `join` that waited for it.
    Join,
    /// A Lock or RLock release to the next acquire of that lock.
    Lock,
    /// A Condition `notify` to the wake-up it caused.
    Notify,
    /// An Event `set` to the `wait` it released.
    Event,
    /// A Semaphore release to the acquire it enabled.
    Semaphore,
    /// A Barrier arrival to a departure.
    Barrier,
    /// A Queue `put` to the `get` of that item.
    Queue,
    /// A Timer's start to its action.
    Timer,
    /// Two conflicting accesses to a `Shared` that nothing orders: a data race.
    Race,
}

impl EdgeKind {
    /// The name used in DOT labels and JSON (`program_order`, `lock`, ...).
    ///
    /// ```
    /// assert_eq!(sim::EdgeKind::Lock.name(), "lock");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            EdgeKind::ProgramOrder => "program_order",
            EdgeKind::Spawn => "spawn",
            EdgeKind::Join => "join",
            EdgeKind::Lock => "lock",
            EdgeKind::Notify => "notify",
            EdgeKind::Event => "event",
            EdgeKind::Semaphore => "semaphore",
            EdgeKind::Barrier => "barrier",
            EdgeKind::Queue => "queue",
            EdgeKind::Timer => "timer",
            EdgeKind::Race => "race",
        }
    }
}

impl fmt::Display for EdgeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A happens-before edge between two events (by step), other than program order.
///
/// ```
/// let trace = sim::Builder::new()
///     .trace(|| sim::thread::spawn(|| sim::println!("child")).join().unwrap(), "1")
///     .unwrap();
/// let kinds: Vec<_> = trace.edges.iter().map(|e| e.kind).collect();
/// assert_eq!(kinds, vec![sim::EdgeKind::Spawn, sim::EdgeKind::Join]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceEdge {
    /// Why `from` happens before `to`.
    pub kind: EdgeKind,
    /// Step of the earlier event.
    pub from: u64,
    /// Step of the later event.
    pub to: u64,
    /// The object that carried the synchronisation (`Lock#0`), if one did.
    pub object: Option<String>,
}

/// An operation a thread had announced but not performed when the execution
/// ended: for a deadlock, what each thread is blocked in.
///
/// ```
/// let report = sim::Builder::new().explore(|| {
///     let lock = sim::threading::Lock::new();
///     lock.acquire();
///     lock.acquire(); // blocks forever
/// });
/// let pending = &report.failures[0].trace.pending[0];
/// assert_eq!((pending.op.as_str(), pending.object.as_deref()), ("acquire", Some("Lock#0")));
/// assert_eq!(pending.held_by, Some(0));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TracePending {
    /// Thread id.
    pub thread: usize,
    /// The operation.
    pub op: String,
    /// The object it waits on, as `Kind#id`, if any.
    pub object: Option<String>,
    /// The thread it waits for (the lock's holder, the joined thread), if one.
    pub held_by: Option<usize>,
    /// Source location of the call.
    pub location: String,
}

/// Text printed by one thread.
///
/// ```
/// let trace = sim::Builder::new().trace(|| sim::println!("hi"), "1").unwrap();
/// assert_eq!(trace.output[0].text, "hi\n");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceOutput {
    /// Virtual time, in nanoseconds.
    pub time_ns: u64,
    /// Thread id.
    pub thread: usize,
    /// The text, with its newline if it had one.
    pub text: String,
}

/// The failure of a traced execution.
///
/// ```
/// let report = sim::Builder::new().explore(|| sim::threading::Lock::new().release());
/// let failure = report.failures[0].trace.failure.as_ref().unwrap();
/// assert_eq!((failure.kind, failure.step, failure.thread), (sim::FailureKind::Misuse, 1, Some(0)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceFailure {
    /// The kind of failure.
    pub kind: FailureKind,
    /// The report.
    pub message: String,
    /// The step at which it was detected.
    pub step: u64,
    /// The thread that failed (panicked, misused, made the racing access), if one did.
    pub thread: Option<usize>,
}

/// A trace file that could not be read or written: the path and what was
/// wrong with it.
///
/// ```
/// let err = sim::Trace::load("no/such/trace.json").unwrap_err();
/// assert!(err.to_string().contains("no/such/trace.json"));
/// assert_eq!(err.path(), std::path::Path::new("no/such/trace.json"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceError {
    path: PathBuf,
    action: &'static str,
    problem: String,
}

impl TraceError {
    /// The file concerned.
    ///
    /// ```
    /// let err = sim::Trace::load("missing.json").unwrap_err();
    /// assert_eq!(err.path().to_str(), Some("missing.json"));
    /// ```
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What is wrong with it, without the path.
    ///
    /// ```
    /// let err = sim::Trace::load("missing.json").unwrap_err();
    /// assert!(err.problem().starts_with("cannot read it"));
    /// ```
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot {} trace {}: {}",
            self.action,
            self.path.display(),
            self.problem
        )
    }
}

impl std::error::Error for TraceError {}

impl Trace {
    /// The trace as pretty-printed JSON (deterministic: same trace, same bytes).
    ///
    /// ```
    /// let trace = sim::Builder::new().trace(|| {}, "1").unwrap();
    /// assert!(trace.to_json().starts_with("{\n  \"format_version\": 1,"));
    /// ```
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a Trace always serialises")
    }

    /// Parses a trace from JSON, rejecting other format versions and
    /// inconsistent traces (steps out of order, unknown threads).
    ///
    /// ```
    /// assert!(sim::Trace::from_json("{").unwrap_err().contains("truncated"));
    /// ```
    pub fn from_json(json: &str) -> Result<Trace, String> {
        let value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
            if e.is_eof() {
                format!("the JSON is truncated (it ends early: {e})")
            } else {
                format!("it is not valid JSON ({e})")
            }
        })?;
        let version = match value.get("format_version") {
            Some(v) => v.as_u64().ok_or_else(|| {
                format!("its format_version is {v}, not a number: not a sim trace")
            })?,
            None => {
                return Err(
                    "it has no format_version field: not a sim trace (or a damaged one)"
                        .to_string(),
                )
            }
        };
        if version > u64::from(TRACE_FORMAT_VERSION) {
            return Err(format!(
                "it was written by a newer sim (trace format version {version}; this sim reads \
                 version {TRACE_FORMAT_VERSION}): upgrade sim to read it"
            ));
        }
        if version != u64::from(TRACE_FORMAT_VERSION) {
            return Err(format!(
                "trace format version {version} is not supported (this sim reads version \
                 {TRACE_FORMAT_VERSION}): re-record the trace"
            ));
        }
        let trace: Trace = serde_json::from_value(value).map_err(|e| {
            format!("it does not match trace format version {TRACE_FORMAT_VERSION}: {e}")
        })?;
        trace.validate()?;
        Ok(trace)
    }

    /// Checks the invariants that graph and timeline exports rely on.
    fn validate(&self) -> Result<(), String> {
        let mut last = 0;
        for ev in &self.events {
            if ev.step <= last {
                return Err(format!(
                    "inconsistent: event steps are not increasing (step {} after step {last})",
                    ev.step
                ));
            }
            last = ev.step;
            if ev.thread >= self.threads.len() {
                return Err(format!(
                    "inconsistent: step {} names thread {}, but the trace has {} threads",
                    ev.step,
                    ev.thread,
                    self.threads.len()
                ));
            }
        }
        for edge in &self.edges {
            if self.event_index(edge.from).is_none() || self.event_index(edge.to).is_none() {
                return Err(format!(
                    "inconsistent: a {} edge joins steps {} and {}, which are not both events",
                    edge.kind, edge.from, edge.to
                ));
            }
        }
        for p in &self.pending {
            if p.thread >= self.threads.len() || p.held_by.is_some_and(|h| h >= self.threads.len())
            {
                return Err(format!(
                    "inconsistent: a pending {} names a thread the trace does not have",
                    p.op
                ));
            }
        }
        for o in &self.output {
            if o.thread >= self.threads.len() {
                return Err("inconsistent: output from an unknown thread".to_string());
            }
        }
        Ok(())
    }

    /// Index in [`Trace::events`] of the event of `step`.
    ///
    /// ```
    /// let trace = sim::Builder::new().trace(|| sim::println!("x"), "1").unwrap();
    /// assert_eq!(trace.event_index(1), Some(0));
    /// assert_eq!(trace.event_index(2), None);
    /// ```
    pub fn event_index(&self, step: u64) -> Option<usize> {
        self.events.binary_search_by_key(&step, |e| e.step).ok()
    }

    /// Writes the trace to `path` as JSON (creating its directory). The file
    /// is written beside and renamed into place, so a reader never sees half
    /// a trace.
    ///
    /// ```
    /// let trace = sim::Builder::new().trace(|| sim::println!("hi"), "3").unwrap();
    /// let path = std::env::temp_dir().join(format!("sim-doc-save-{}.json", std::process::id()));
    /// trace.save(&path).unwrap();
    /// assert_eq!(sim::Trace::load(&path).unwrap(), trace);
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), TraceError> {
        write_file(path.as_ref(), &(self.to_json() + "\n"))
    }

    /// Reads a trace saved by [`Trace::save`]. A missing, corrupt,
    /// truncated or future-version file is an error naming the path and
    /// what was wrong; the file is never modified.
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("sim-doc-load-{}.json", std::process::id()));
    /// std::fs::write(&path, "{\"format_version\": 99}").unwrap();
    /// let err = sim::Trace::load(&path).unwrap_err();
    /// assert!(err.to_string().contains("newer sim"), "{err}");
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<Trace, TraceError> {
        let path = path.as_ref();
        let error = |problem: String| TraceError {
            path: path.to_path_buf(),
            action: "load",
            problem,
        };
        let text =
            std::fs::read_to_string(path).map_err(|e| error(format!("cannot read it: {e}")))?;
        Trace::from_json(&text).map_err(error)
    }

    /// The printed text, concatenated.
    ///
    /// ```
    /// let trace = sim::Builder::new().trace(|| { sim::print!("a"); sim::println!("b"); }, "1").unwrap();
    /// assert_eq!(trace.output_text(), "ab\n");
    /// ```
    pub fn output_text(&self) -> String {
        self.output.iter().map(|o| o.text.as_str()).collect()
    }

    /// A one-line description of the event of `index` in [`Trace::events`]:
    /// `step 4: Thread-1 acquire Lock#0 at src/x.rs:10:5`.
    ///
    /// ```
    /// let trace = sim::Builder::new().trace(|| sim::println!("x"), "1").unwrap();
    /// assert!(trace.describe_event(0).starts_with("step 1: MainThread print at "));
    /// ```
    pub fn describe_event(&self, index: usize) -> String {
        let ev = &self.events[index];
        let mut s = format!("step {}: {} {}", ev.step, ev.thread_name, ev.op);
        if let Some(o) = &ev.object {
            s.push(' ');
            s.push_str(o);
        }
        if let Some(r) = &ev.result {
            s.push_str(" -> ");
            s.push_str(r);
        }
        s.push_str(" at ");
        s.push_str(&ev.location);
        s
    }

    /// The first difference between the events of `self` (recorded) and
    /// `other` (replayed), ignoring nothing but the token's provenance:
    /// `None` when the two executions are the same. The text names the step
    /// and both operations.
    ///
    /// ```
    /// let f = || sim::println!("x");
    /// let a = sim::Builder::new().trace(f, "1").unwrap();
    /// let mut b = a.clone();
    /// assert_eq!(a.first_divergence(&b), None);
    /// b.events[0].op = "yield".into();
    /// assert!(a.first_divergence(&b).unwrap().contains("step 1"));
    /// ```
    pub fn first_divergence(&self, other: &Trace) -> Option<String> {
        let n = self.events.len().min(other.events.len());
        for i in 0..n {
            if self.events[i] != other.events[i] {
                return Some(format!(
                    "at step {}: expected {}, got {}",
                    self.events[i].step,
                    self.describe_event(i),
                    other.describe_event(i)
                ));
            }
        }
        if self.events.len() > n {
            return Some(format!(
                "at step {}: expected {}, but the replay had no more events",
                self.events[n].step,
                self.describe_event(n)
            ));
        }
        if other.events.len() > n {
            return Some(format!(
                "at step {}: expected the end of the execution, got {}",
                other.events[n].step,
                other.describe_event(n)
            ));
        }
        if self.pending != other.pending {
            return Some(format!(
                "after step {n}: the threads left blocked differ (expected {:?}, got {:?})",
                self.pending, other.pending
            ));
        }
        if self.edges != other.edges || self.output != other.output {
            return Some(format!(
                "after step {n}: same operations, but different synchronisation or output"
            ));
        }
        let kind = |t: &Trace| t.failure.as_ref().map(|f| f.kind);
        if kind(self) != kind(other) {
            return Some(format!(
                "after step {n}: expected failure {:?}, got {:?}",
                kind(self),
                kind(other)
            ));
        }
        None
    }
}

/// Writes `text` to `path` through a temporary file and a rename.
pub(crate) fn write_file(path: &Path, text: &str) -> Result<(), TraceError> {
    let error = |problem: String| TraceError {
        path: path.to_path_buf(),
        action: "save",
        problem,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| error(format!("cannot create its directory: {e}")))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text).map_err(|e| error(format!("cannot write it: {e}")))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        error(format!("cannot move it into place: {e}"))
    })
}
