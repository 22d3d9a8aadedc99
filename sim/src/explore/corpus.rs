//! The `traces/` regression corpus, like proptest's regression files.
//!
//! When `check_random` finds a failure, the failing trace is saved as
//! `traces/<name>/<token>.json` with its DOT graph beside it (unless
//! `SIM_PERSIST=off`); before exploring, `check_random` replays every trace
//! saved under its name and fails fast if one still fails.
//!
//! The directory is `SIM_TRACES_DIR` when set; otherwise the nearest
//! ancestor of `CARGO_MANIFEST_DIR` (else of the working directory) that
//! holds both a `Cargo.toml` and a `traces/` directory; otherwise `traces/`
//! is created beside the outermost `Cargo.toml` that declares a
//! `[workspace]` (else the nearest `Cargo.toml`).

use std::path::{Path, PathBuf};

use crate::trace::{Trace, TraceError};

/// Whether failing traces are saved (`SIM_PERSIST` is not `off`/`0`/`false`).
pub(crate) fn persist_enabled() -> bool {
    !matches!(
        std::env::var("SIM_PERSIST").as_deref().map(str::trim),
        Ok("off" | "0" | "false" | "no")
    )
}

/// The corpus directory, or `None` if none can be located.
pub(crate) fn traces_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("SIM_TRACES_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())?;
    locate(&start)
}

/// Finds the corpus directory for a crate at `start` (see the module docs).
pub(crate) fn locate(start: &Path) -> Option<PathBuf> {
    let ancestors: Vec<&Path> = start.ancestors().collect();
    if let Some(dir) = ancestors
        .iter()
        .find(|d| d.join("Cargo.toml").is_file() && d.join("traces").is_dir())
    {
        return Some(dir.join("traces"));
    }
    let workspace = ancestors.iter().rev().find(|d| {
        std::fs::read_to_string(d.join("Cargo.toml"))
            .is_ok_and(|t| t.lines().any(|l| l.trim() == "[workspace]"))
    });
    let root = workspace.or_else(|| ancestors.iter().find(|d| d.join("Cargo.toml").is_file()))?;
    Some(root.join("traces"))
}

/// A test or scenario name as a directory name: `a::b c` -> `a__b_c`.
pub(crate) fn dir_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    match cleaned.trim_matches('.') {
        "" => "scenario".to_string(),
        s => s.to_string(),
    }
}

/// The saved traces of `name`, sorted by file name. A corrupt file is an
/// error naming it.
pub(crate) fn saved(dir: &Path, name: &str) -> Result<Vec<(PathBuf, Trace)>, TraceError> {
    let dir = dir.join(dir_name(name));
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| Trace::load(&p).map(|t| (p, t)))
        .collect()
}

/// Saves `trace` as `<dir>/<name>/<token>.json` with `<token>.dot` beside
/// it. An existing file is never overwritten. Returns the JSON's path.
pub(crate) fn save(dir: &Path, name: &str, trace: &Trace) -> Result<PathBuf, TraceError> {
    let base = dir.join(dir_name(name)).join(dir_name(&trace.token));
    let json = base.with_extension("json");
    if !json.exists() {
        trace.save(&json)?;
    }
    let dot = base.with_extension("dot");
    if !dot.exists() {
        crate::trace::write_file(&dot, &trace.to_dot())?;
    }
    Ok(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_safe_directory_names() {
        assert_eq!(dir_name("tests::lock_order"), "tests__lock_order");
        assert_eq!(dir_name("a b/c"), "a_b_c");
        assert_eq!(dir_name(".."), "scenario");
        assert_eq!(dir_name("12345"), "12345");
    }

    #[test]
    fn the_workspace_corpus_is_found_from_a_member_crate() {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        let found = locate(here).expect("a corpus directory");
        assert!(found.ends_with("traces"), "{}", found.display());
        assert!(found.parent().unwrap().join("Cargo.toml").is_file());
        assert_ne!(
            found.parent().unwrap(),
            here,
            "the workspace's, not the crate's"
        );
    }
}
