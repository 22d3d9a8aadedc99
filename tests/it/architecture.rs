//! `ARCHITECTURE.md` names only what exists: every path it quotes in
//! backticks is a file or directory of the workspace, and every identifier
//! (or `::` path of identifiers) it quotes ends in a word that occurs in
//! the workspace's Rust sources.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The folders whose `.rs` files may define the names the map quotes.
const SOURCES: &[&str] = &[
    "sim/src",
    "src",
    "scenarios/src",
    "sim/tests",
    "tests",
    "benches",
];

/// The file names a backticked token may end in to be read as a path.
const PATH_ENDINGS: &[&str] = &[".rs", ".md", ".toml", ".json"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The text between each pair of backticks, outside fenced code blocks.
fn backticked(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Odd pieces of a split on '`' are the quoted ones.
        tokens.extend(line.split('`').skip(1).step_by(2).map(str::to_string));
    }
    tokens
}

enum Name<'a> {
    Path(&'a str),
    /// The last segment of an identifier or `::` path.
    Ident(&'a str),
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// What a token names, or `None` for what the map may quote freely
/// (commands, code, tokens of fewer than 3 characters).
fn classify(token: &str) -> Option<Name<'_>> {
    if token.len() < 3 {
        return None;
    }
    let path_like = token.contains('/') || PATH_ENDINGS.iter().any(|e| token.ends_with(e));
    if path_like {
        let plain = token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./".contains(c));
        return plain.then_some(Name::Path(token));
    }
    let segments: Vec<&str> = token.split("::").collect();
    if segments.iter().all(|s| is_ident(s)) {
        return Some(Name::Ident(segments[segments.len() - 1]));
    }
    None
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every identifier-like word of the workspace's Rust sources, this file
/// left out (its own text would vouch for any name).
fn source_words() -> BTreeSet<String> {
    let this = root().join(file!());
    let mut files = Vec::new();
    for dir in SOURCES {
        rust_files(&root().join(dir), &mut files);
    }
    assert!(files.len() > 50, "found only {} .rs files", files.len());
    let mut words = BTreeSet::new();
    for file in files.iter().filter(|f| **f != this) {
        let text = fs::read_to_string(file).unwrap();
        words.extend(
            text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .map(str::to_string),
        );
    }
    words
}

/// The tokens of `text` that name nothing in the workspace.
fn missing(text: &str, words: &BTreeSet<String>) -> Vec<String> {
    backticked(text)
        .into_iter()
        .filter(|token| match classify(token) {
            Some(Name::Path(p)) => !root().join(p).exists(),
            Some(Name::Ident(word)) => !words.contains(word),
            None => false,
        })
        .collect()
}

#[test]
fn every_name_in_architecture_md_exists() {
    let text = fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let checked = backticked(&text)
        .iter()
        .filter(|t| classify(t).is_some())
        .count();
    assert!(checked > 100, "only {checked} names checked");
    let missing = missing(&text, &source_words());
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md quotes names that exist nowhere in the workspace: {missing:?}"
    );
}

#[test]
fn a_made_up_name_is_caught() {
    let words = source_words();
    let text =
        "`Exec`, `rt::with_exec`, `sim/src/rt/mod.rs`, `sim explore --all`, `jobs(n)`, `s1`\n\
                `Exec::no_such_accessor`, `sim/src/rt/nowhere.rs`";
    assert_eq!(
        missing(text, &words),
        ["Exec::no_such_accessor", "sim/src/rt/nowhere.rs"]
    );
}
