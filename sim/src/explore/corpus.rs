//! The `traces/` regression corpus, like proptest's regression files.
//!
//! When a test's `check_random` (or `model`, `check_pct`, ...) finds a
//! failure, the failing trace is saved under the test's key (below) as
//! `<token>.json` with its DOT graph beside it (unless `SIM_PERSIST=off`);
//! before exploring, every trace saved under the key is replayed first:
//!
//! - if it still fails (any failure but a misfit), the test fails at once,
//!   naming the file;
//! - if it no longer reproduces — the program passes it now, or its token no
//!   longer fits the program (the program changed) — a note "no longer
//!   reproduces (fixed?)" is printed on stderr (shown by `cargo test --
//!   --nocapture`, and in the test's message if it fails later) and the
//!   exploration goes on. The file is **kept**, as proptest keeps its
//!   regression cases: a trace the program passes stays a regression test
//!   (it fails again if the bug comes back). A run never deletes a file of
//!   the corpus; delete one by hand once it is of no use.
//!
//! **Keys.** A test's key is the source file that called the entry point
//! (`#[track_caller]`: the test's own file, relative to the workspace, so it
//! names the crate too, e.g. `sim/tests/it/exhaustive.rs`), without its
//! extension, then the test's name (the test thread's name, the test's
//! module path in its crate): `traces/sim/tests/it/exhaustive/
//! exhaustive__model_finds_the_lock_order_deadlock/s1_AAE.json`. Two tests
//! of the same name in different files or crates never share traces. A
//! thread with no test name — unnamed, or `main`: a doctest, a binary —
//! has no key and the corpus is not used (nothing replayed, nothing saved):
//! every doctest would share `main` otherwise.
//!
//! **File names.** A token's file name is the token with `:` made `_`
//! (`s1_AAE.json`); a token longer than [`MAX_NAME`] characters is
//! shortened to its first characters and a hash of the whole token, so
//! that saving never fails on a file name too long for the file system.
//!
//! The directory is `SIM_TRACES_DIR` when set; otherwise the nearest
//! ancestor of `CARGO_MANIFEST_DIR` (else of the working directory) that
//! holds both a `Cargo.toml` and a `traces/` directory; otherwise `traces/`
//! is created beside the outermost `Cargo.toml` that declares a
//! `[workspace]` (else the nearest `Cargo.toml`).

use std::path::{Component, Path, PathBuf};

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

/// The longest token kept whole in a file name (longer ones are shortened
/// and hashed).
pub(crate) const MAX_NAME: usize = 64;

/// A test's key in the corpus (see the module docs): the directory, under
/// the corpus, of its traces. `name` is an explicit scenario name (kept as
/// one directory, as the `sim` tool's `traces/<scenario>/`), `thread` the
/// test thread's name and `file` the calling source file. `None` for a
/// thread with no test name.
pub(crate) fn key(name: Option<&str>, thread: Option<&str>, file: &str) -> Option<PathBuf> {
    if let Some(name) = name {
        return Some(PathBuf::from(dir_name(name)));
    }
    let test = thread.filter(|t| !t.is_empty() && *t != "main")?;
    let path = Path::new(file);
    // An absolute path (a crate outside the workspace): relative to the
    // corpus's parent where it is under it, else its last components.
    let root = traces_dir().and_then(|d| d.parent().map(Path::to_path_buf));
    let path = root
        .as_deref()
        .and_then(|r| path.strip_prefix(r).ok())
        .unwrap_or(path)
        .with_extension("");
    let mut key: PathBuf = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(dir_name(&s.to_string_lossy())),
            _ => None,
        })
        .collect();
    key.push(dir_name(test));
    Some(key)
}

/// The file name (without extension) of a trace of `token`: the token as a
/// safe name (`s1:AAE` -> `s1_AAE`), or, past [`MAX_NAME`] characters, its
/// first 32 and a hash of the whole (`s1_AAAA..._h0123456789abcdef`).
pub(crate) fn file_stem(token: &str) -> String {
    let name = dir_name(token);
    if name.len() <= MAX_NAME {
        return name;
    }
    // FNV-1a: stable across platforms and Rust releases.
    let hash = token.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{}_h{hash:016x}", &name[..32])
}

/// The traces saved under `key`, sorted by file name. A corrupt file is an
/// error naming it.
pub(crate) fn saved(dir: &Path, key: &Path) -> Result<Vec<(PathBuf, Trace)>, TraceError> {
    let dir = dir.join(key);
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

/// Saves `trace` as `<dir>/<key>/<token>.json` with `<token>.dot` beside
/// it (the name from [`file_stem`]). An existing file is never overwritten.
/// Returns the JSON's path.
pub(crate) fn save(dir: &Path, key: &Path, trace: &Trace) -> Result<PathBuf, TraceError> {
    let base = dir.join(key).join(file_stem(&trace.token));
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
    fn keys_name_the_file_and_the_test() {
        let key = key(
            None,
            Some("exhaustive::finds_it"),
            "sim/tests/it/exhaustive.rs",
        )
        .unwrap();
        assert_eq!(
            key,
            Path::new("sim/tests/it/exhaustive/exhaustive__finds_it"),
            "{}",
            key.display()
        );
        let other = self::key(None, Some("exhaustive::finds_it"), "tests/it/exhaustive.rs");
        assert_ne!(other.as_deref(), Some(key.as_path()), "another crate");
        assert_eq!(key_of_dots(), Path::new("a/t"));
        assert_eq!(
            self::key(None, Some("main"), "src/lib.rs"),
            None,
            "doctests"
        );
        assert_eq!(self::key(None, None, "src/lib.rs"), None);
        assert_eq!(
            self::key(Some("lock_order"), Some("t"), "x.rs"),
            Some(PathBuf::from("lock_order"))
        );
    }

    fn key_of_dots() -> PathBuf {
        key(None, Some("t"), "../a.rs").unwrap()
    }

    #[test]
    fn long_tokens_get_short_hashed_file_names() {
        assert_eq!(file_stem("s1:AAE"), "s1_AAE");
        let long = format!("s1:{}", "A".repeat(5000));
        let stem = file_stem(&long);
        assert!(stem.len() < 60, "{stem}");
        assert!(stem.starts_with("s1_AAAA"), "{stem}");
        assert_ne!(
            stem,
            file_stem(&format!("{long}B")),
            "the hash tells them apart"
        );
        assert_eq!(stem, file_stem(&long), "stable");
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
