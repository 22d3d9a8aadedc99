//! Reading and writing traces: JSON ([`Trace::to_json`],
//! [`Trace::from_json`], whose errors are [`TraceParseError`]s), files
//! ([`Trace::save`], [`Trace::load`]) and the error a bad file is
//! ([`TraceError`]).

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
    /// Why the file's text is not a trace, when that is the problem.
    parse: Option<TraceParseError>,
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

    /// Why the file's text is not a trace, when the file could be read but
    /// its text is not a trace this sim reads; `None` when the file could
    /// not be read or written at all.
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("sim-doc-parse-{}.json", std::process::id()));
    /// std::fs::write(&path, "{\"format_version\": 99}").unwrap();
    /// let err = sim::Trace::load(&path).unwrap_err();
    /// assert_eq!(err.parse_error(), Some(&sim::TraceParseError::NewerVersion(99)));
    /// std::fs::remove_file(&path).unwrap();
    /// assert_eq!(sim::Trace::load("missing.json").unwrap_err().parse_error(), None);
    /// ```
    pub fn parse_error(&self) -> Option<&TraceParseError> {
        self.parse.as_ref()
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

/// Why a text is not a trace this sim reads ([`Trace::from_json`]). Its
/// message says what is wrong, without naming a file.
///
/// ```
/// use sim::{Trace, TraceParseError};
/// let err = Trace::from_json("{").unwrap_err();
/// assert!(matches!(err, TraceParseError::Truncated(_)));
/// assert!(err.to_string().starts_with("the JSON is truncated"));
/// assert_eq!(Trace::from_json("{}").unwrap_err(), TraceParseError::NoFormatVersion);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TraceParseError {
    /// The JSON ends early (a file cut short); with serde_json's message.
    Truncated(String),
    /// The text is not JSON; with serde_json's message.
    InvalidJson(String),
    /// The JSON has no `format_version` field: not a sim trace.
    NoFormatVersion,
    /// The `format_version` field (its JSON text) is not a number.
    FormatVersionNotANumber(String),
    /// The trace was written by a newer sim, in this format version.
    NewerVersion(u64),
    /// The trace is in this older format version, which this sim no longer
    /// reads.
    UnsupportedVersion(u64),
    /// The JSON does not have the shape of this sim's format version; with
    /// serde_json's message.
    Mismatch(String),
    /// The trace's parts do not agree with each other (event steps out of
    /// order, an unknown thread, an edge between steps that are not
    /// events); with what is wrong.
    Inconsistent(String),
}

impl fmt::Display for TraceParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceParseError::Truncated(e) => {
                write!(f, "the JSON is truncated (it ends early: {e})")
            }
            TraceParseError::InvalidJson(e) => write!(f, "it is not valid JSON ({e})"),
            TraceParseError::NoFormatVersion => {
                f.write_str("it has no format_version field: not a sim trace (or a damaged one)")
            }
            TraceParseError::FormatVersionNotANumber(v) => {
                write!(
                    f,
                    "its format_version is {v}, not a number: not a sim trace"
                )
            }
            TraceParseError::NewerVersion(version) => write!(
                f,
                "it was written by a newer sim (trace format version {version}; this sim reads \
                 version {TRACE_FORMAT_VERSION}): upgrade sim to read it"
            ),
            TraceParseError::UnsupportedVersion(version) => write!(
                f,
                "trace format version {version} is not supported (this sim reads version \
                 {TRACE_FORMAT_VERSION}): re-record the trace"
            ),
            TraceParseError::Mismatch(e) => write!(
                f,
                "it does not match trace format version {TRACE_FORMAT_VERSION}: {e}"
            ),
            TraceParseError::Inconsistent(what) => write!(f, "inconsistent: {what}"),
        }
    }
}

impl std::error::Error for TraceParseError {}

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
    /// let err = sim::Trace::from_json("{").unwrap_err();
    /// assert!(err.to_string().contains("truncated"));
    /// ```
    pub fn from_json(json: &str) -> Result<Trace, TraceParseError> {
        let value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
            if e.is_eof() {
                TraceParseError::Truncated(e.to_string())
            } else {
                TraceParseError::InvalidJson(e.to_string())
            }
        })?;
        let version = match value.get("format_version") {
            Some(v) => v
                .as_u64()
                .ok_or_else(|| TraceParseError::FormatVersionNotANumber(v.to_string()))?,
            None => return Err(TraceParseError::NoFormatVersion),
        };
        if version > u64::from(TRACE_FORMAT_VERSION) {
            return Err(TraceParseError::NewerVersion(version));
        }
        if version != u64::from(TRACE_FORMAT_VERSION) {
            return Err(TraceParseError::UnsupportedVersion(version));
        }
        let trace: Trace =
            serde_json::from_value(value).map_err(|e| TraceParseError::Mismatch(e.to_string()))?;
        trace.validate().map_err(TraceParseError::Inconsistent)?;
        Ok(trace)
    }

    /// Checks the invariants that graph and timeline exports rely on: what
    /// is inconsistent, if something is.
    fn validate(&self) -> Result<(), String> {
        let mut last = 0;
        for ev in &self.events {
            if ev.step <= last {
                return Err(format!(
                    "event steps are not increasing (step {} after step {last})",
                    ev.step
                ));
            }
            last = ev.step;
            if ev.thread >= self.threads.len() {
                return Err(format!(
                    "step {} names thread {}, but the trace has {} threads",
                    ev.step,
                    ev.thread,
                    self.threads.len()
                ));
            }
        }
        for edge in &self.edges {
            if self.event_index(edge.from).is_none() || self.event_index(edge.to).is_none() {
                return Err(format!(
                    "a {} edge joins steps {} and {}, which are not both events",
                    edge.kind, edge.from, edge.to
                ));
            }
        }
        for p in &self.pending {
            if p.thread >= self.threads.len() || p.held_by.is_some_and(|h| h >= self.threads.len())
            {
                return Err(format!(
                    "a pending {} names a thread the trace does not have",
                    p.op
                ));
            }
        }
        for o in &self.output {
            if o.thread >= self.threads.len() {
                return Err("output from an unknown thread".to_string());
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

    /// The file name, without extension, under which the regression corpus
    /// and `sim explore --save` save this trace: its token with `:` made
    /// `_` (a colon is not allowed in file names on Windows), shortened with
    /// a hash of the whole token when it is long.
    ///
    /// ```
    /// let trace = sim::Builder::new().trace(|| {}, "pos:7").unwrap();
    /// assert_eq!(trace.file_stem(), "pos_7");
    /// ```
    pub fn file_stem(&self) -> String {
        crate::explore::file_stem(&self.token)
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
        let error = |problem: String, parse: Option<TraceParseError>| TraceError {
            path: path.to_path_buf(),
            action: "load",
            problem,
            parse,
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| error(format!("cannot read it: {e}"), None))?;
        Trace::from_json(&text).map_err(|e| error(e.to_string(), Some(e)))
    }
}

/// Writes `text` to `path` through a temporary file and a rename.
pub(crate) fn write_file(path: &Path, text: &str) -> Result<(), TraceError> {
    let error = |problem: String| TraceError {
        path: path.to_path_buf(),
        action: "save",
        problem,
        parse: None,
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
