//! Reading and writing traces: JSON ([`Trace::to_json`],
//! [`Trace::from_json`]), files ([`Trace::save`], [`Trace::load`]) and the
//! error a bad file is ([`TraceError`]).

use std::fmt;
use std::path::{Path, PathBuf};

use super::{Trace, TRACE_FORMAT_VERSION};

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
