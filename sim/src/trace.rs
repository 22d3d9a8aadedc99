//! The record of one execution: its events, its output, its failure.
//!
//! A [`Trace`] is built for every failing execution (and for any execution
//! replayed by token). It is plain data (serde), so it can be saved as JSON
//! and compared byte for byte between runs.

use serde::{Deserialize, Serialize};

use crate::failure::FailureKind;

/// Version of the trace format written by this crate.
pub const TRACE_FORMAT_VERSION: u32 = 1;

/// One execution, event by event.
///
/// ```
/// use sim::Builder;
/// use sim::sync::Lock;
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
    /// Every performed operation, in order.
    pub events: Vec<TraceEvent>,
    /// Everything the execution printed with `sim::print!`.
    pub output: Vec<TraceOutput>,
    /// The failure, if the execution failed.
    pub failure: Option<TraceFailure>,
}

/// One performed operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceEvent {
    /// 1-based step number.
    pub step: u64,
    /// Thread id (index into [`Trace::threads`]).
    pub thread: usize,
    /// The operation (`acquire`, `release`, `read`, `write`, `spawn`, ...).
    pub op: String,
    /// The object it touched, as `Kind#id`, if any.
    pub object: Option<String>,
    /// What it returned, when that matters (`true`/`false`, a thread id).
    pub result: Option<String>,
    /// Virtual time, in nanoseconds.
    pub time_ns: u64,
    /// Source location of the call (`file:line:column`).
    pub location: String,
}

/// Text printed by one thread.
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
    /// The trace as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a Trace always serialises")
    }

    /// Parses a trace from JSON, rejecting other format versions.
    pub fn from_json(json: &str) -> Result<Trace, String> {
        let trace: Trace =
            serde_json::from_str(json).map_err(|e| format!("not a valid sim trace: {e}"))?;
        if trace.format_version != TRACE_FORMAT_VERSION {
            return Err(format!(
                "trace format version {} is not supported (this sim reads version {TRACE_FORMAT_VERSION})",
                trace.format_version
            ));
        }
        Ok(trace)
    }

    /// The printed text, concatenated.
    pub fn output_text(&self) -> String {
        self.output.iter().map(|o| o.text.as_str()).collect()
    }
}
