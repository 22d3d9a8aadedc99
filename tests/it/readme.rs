//! The README's command-line examples, run: each ```` ```console ```` block
//! of README.md is a trycmd case (`$ sim ...` lines, their expected output,
//! `...` for lines left out, `[..]` for wall-clock figures, `? failed` for
//! a non-zero exit), run against the `sim` binary from the repository root,
//! so that the README cannot drift from what the tool prints. Its Rust
//! blocks are doctests of the `sim` crate (`sim/src/lib.rs`, module
//! `readme`, compiled only under `cfg(doctest)`); the two that are tests
//! (`#[test] fn`, which a doctest only compiles) are also verbatim copies,
//! run as tests and checked against the README's text: the first example in
//! `sim/tests/it/readme.rs`, the loom example (`ignore` for the doctests:
//! no `loom` there) in `examples/compat/src/loom_readme.rs`.
//! `TRYCMD=overwrite cargo test --release -p sim-cli --test it readme`
//! rewrites the console blocks from the tool's output after a change.

#[test]
fn readme_console_examples_print_what_the_readme_shows() {
    trycmd::TestCases::new()
        .register_bin("sim", std::path::Path::new(env!("CARGO_BIN_EXE_sim")))
        .env("SIM_PERSIST", "off")
        .case(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
}

/// The commands of the README's command-line tool section (a `sh` block of
/// `sim ...  # comment` lines, without outputs): each is run as shown, in a
/// scratch directory that holds the one trace file the block names, with
/// `<token>` replaced by the token `sim explore lock_order` printed, `> FILE`
/// writing stdout to FILE, and shards 1/4 to 3/4 run before the `merge` of
/// four. Each must run to a verdict (status 0, or 1 where its comment says
/// the exploration misses the bug or the line replays a failure), never a
/// usage error.
#[test]
fn readme_tool_commands_run_as_shown() {
    use crate::cli::{scratch, stderr, stdout};
    use std::process::Command;

    let readme = include_str!("../../README.md");
    let start = readme
        .find("The `sim` tool runs, explores and replays them:\n\n```sh\n")
        .expect("the tool section");
    let block = &readme[start..];
    let block = &block[block.find("```sh\n").unwrap() + 6..];
    let block = &block[..block.find("```").unwrap()];
    let dir = scratch("readme-commands");
    let trace = "traces/lock_order/14306537291838674799.json";
    std::fs::create_dir_all(dir.join("traces/lock_order")).unwrap();
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/traces/lock_order/14306537291838674799.json"
        ),
        dir.join(trace),
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_sim"))
            .args(args)
            .current_dir(&dir)
            .env("SIM_PERSIST", "off")
            .output()
            .expect("run sim")
    };
    let explored = stdout(&run(&["explore", "lock_order"]));
    let token = explored
        .lines()
        .find_map(|l| l.strip_prefix("replay: sim replay lock_order "))
        .expect("a replay line")
        .to_string();
    let mut ran = 0;
    for line in block.lines() {
        let (command, comment) = line.split_once(" #").unwrap_or((line, ""));
        let command = command.replace("<token>", &token);
        let (command, into) = match command.split_once(" > ") {
            Some((c, file)) => (c.to_string(), Some(file.trim().to_string())),
            None => (command, None),
        };
        let words: Vec<&str> = command.split_whitespace().collect();
        assert_eq!(words[0], "sim", "{line}");
        if words[1] == "merge" {
            for i in 1..4 {
                let shard = format!("{i}/4");
                let report = format!("s{i}.json");
                let o = run(&[
                    "explore",
                    "condition",
                    "--shard",
                    &shard,
                    "--report",
                    &report,
                ]);
                assert!(o.status.success(), "{}", stdout(&o));
            }
        }
        let o = run(&words[1..]);
        let (out, err) = (stdout(&o), stderr(&o));
        let may_fail = comment.contains("misses it") || words[1] == "replay";
        match o.status.code() {
            Some(0) => {}
            Some(1) if may_fail => {}
            status => panic!("{line}: status {status:?}\n{out}{err}"),
        }
        if comment.contains("not complete") {
            assert!(out.contains("not complete"), "{line}\n{out}");
        }
        if comment.contains("as expected") || words.get(1..3) == Some(&["explore", "--all"]) {
            assert!(
                out.contains("as expected") || out.contains("match their expected"),
                "{line}\n{out}"
            );
        }
        if let Some(file) = into {
            assert!(!out.is_empty(), "{line}");
            std::fs::write(dir.join(file), out).unwrap();
        }
        ran += 1;
    }
    assert_eq!(ran, block.lines().count());
    assert!(ran >= 15, "{ran} commands in\n{block}");
    let _ = std::fs::remove_dir_all(&dir);
}
