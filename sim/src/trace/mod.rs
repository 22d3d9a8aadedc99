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
//!
//! `build.rs` builds the trace of a finished execution from the runtime's
//! state; `file.rs` reads and writes traces (JSON, files, [`TraceError`]).

mod build;
mod dot;
mod file;
mod graph;
mod timeline;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::failure::FailureKind;

pub(crate) use file::write_file;
pub use file::{TraceError, TraceParseError};
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
    /// Empty once the execution's recorded clocks hold 4,194,304 entries
    /// (a program of thousands of threads), so that a trace stays linear in
    /// its events.
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
    /// A Release atomic store, RMW or fence to the Acquire load, RMW or
    /// fence that synchronises with it (`sim::sync::atomic`).
    Atomic,
    /// Two conflicting accesses to a `Shared` that nothing orders: a data race.
    Race,
    /// A `Thread::unpark` to the `park` whose token it set.
    Unpark,
    /// An async task's `Waker::wake` to the poll it caused (`sim::future`).
    Wake,
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
            EdgeKind::Unpark => "unpark",
            EdgeKind::Semaphore => "semaphore",
            EdgeKind::Barrier => "barrier",
            EdgeKind::Queue => "queue",
            EdgeKind::Timer => "timer",
            EdgeKind::Atomic => "atomic",
            EdgeKind::Race => "race",
            EdgeKind::Wake => "wake",
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

impl Trace {
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
