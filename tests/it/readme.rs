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
