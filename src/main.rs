//! The `sim` command-line tool: the notebook's programs as scenarios, run,
//! explored, replayed and drawn. `sim --help` ends with the synopsis,
//! [`SYNOPSIS`]; the options the subcommands share are declared once, in
//! [`options`].

mod commands;
mod interrupt;
mod merge;
mod options;
mod progress;
mod replay;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use options::{ExploreOpts, RunOpts, TokenArgs};

/// Every subcommand with its arguments and flags, each flag once (a test
/// checks it against the subcommands' own `--help`).
const SYNOPSIS: &str = "\
Synopsis:
  sim list
  sim run <scenario> [--seed S] [--timing exact|adversarial] [--kill K]
  sim explore <scenario>|--all [--strategy random|pct|pos|exhaustive] [--depth D]
              [--preemptions K] [--executions N] [--jobs N] [--seed S]
              [--timing exact|adversarial] [--kill K]
              [--shard I/N] [--report FILE] [--save DIR]
  sim merge <report.json>...
  sim replay <scenario> <token> | [<scenario>] --trace FILE [--timing ..] [--kill K]
  sim outputs <scenario> [--strategy ..] [--depth D] [--preemptions K]
              [--executions N] [--jobs N] [--seed S] [--timing ..] [--kill K]
  sim dot <scenario> <token> | [<scenario>] --trace FILE [--full] [--timing ..] [--kill K]
  sim timeline <scenario> <token> | [<scenario>] --trace FILE [--timing ..] [--kill K]

A <token> is a replay token printed by `sim explore`: s1:... or s2:...
(exhaustive), pct3:... (PCT), pos:... (POS), urw1:... (URW), surw1:...
(SURW), or a seed (random). --trace FILE takes a saved trace instead (from
--save, or a test's traces/).";

/// Deterministic concurrency simulator: explore what the notebook's
/// threading programs can really do.
#[derive(Debug, Parser)]
#[command(name = "sim", version, about, after_help = SYNOPSIS)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the scenarios with their descriptions and expected verdicts.
    List,
    /// Run one execution of a scenario and print its output with virtual
    /// time and thread names.
    Run {
        /// Scenario name (see `sim list`).
        scenario: String,
        #[command(flatten)]
        opts: RunOpts,
    },
    /// Explore a scenario (or all of them) and compare with the expected verdict.
    Explore {
        /// Scenario name (see `sim list`); omit with --all.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        scenario: Option<String>,
        /// Explore every scenario and print one row each.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        explore: ExploreOpts,
        /// Run only shard I of N of the executions (0-based, e.g. 0/4), to
        /// spread one exploration over machines; `sim merge` combines the
        /// shards' `--report` files.
        #[arg(long, value_name = "I/N")]
        shard: Option<sim::Shard>,
        /// Write the report as JSON to FILE, for `sim merge`.
        #[arg(long, value_name = "FILE", conflicts_with = "all")]
        report: Option<std::path::PathBuf>,
        /// Save each failing trace as DIR/<scenario>/<token>.json with its
        /// .dot beside it (the token's `:` as `_`; `_adversarial` added
        /// under that timing; an existing file is kept), e.g. `--save
        /// traces`; with --all too.
        #[arg(long, value_name = "DIR")]
        save: Option<std::path::PathBuf>,
        #[command(flatten)]
        opts: RunOpts,
    },
    /// Combine the `--report` files of the shards of one exploration and
    /// compare with the expected verdict.
    Merge {
        /// The shards' report files (JSON written by `sim explore --report`).
        #[arg(required = true)]
        reports: Vec<std::path::PathBuf>,
    },
    /// Re-run one execution from a replay token and print its events and
    /// failure.
    Replay {
        #[command(flatten)]
        execution: TokenArgs,
    },
    /// Print the happens-before graph of one execution in Graphviz DOT
    /// (render with `dot -Tsvg`).
    Dot {
        /// Draw every synchronisation edge (no transitive reduction).
        #[arg(long)]
        full: bool,
        #[command(flatten)]
        execution: TokenArgs,
    },
    /// Print one execution as a Chrome trace-event timeline (open it in
    /// Perfetto or chrome://tracing).
    Timeline {
        #[command(flatten)]
        execution: TokenArgs,
    },
    /// Every distinct output a scenario printed, with how many executions printed it.
    Outputs {
        /// Scenario name (see `sim list`).
        scenario: String,
        #[command(flatten)]
        explore: ExploreOpts,
        #[command(flatten)]
        opts: RunOpts,
    },
}

/// Ends the process quietly when stdout is closed under it (`sim list |
/// head`), as a command-line tool should, instead of a panic backtrace.
fn quiet_on_closed_pipe() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let text = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if text.starts_with("failed printing to stdout") && text.contains("Broken pipe") {
            std::process::exit(141); // 128 + SIGPIPE, what a shell reports
        }
        previous(info);
    }));
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::List => commands::list(),
        Command::Run { scenario, opts } => commands::run(&scenario, &opts),
        Command::Explore {
            scenario,
            all,
            explore,
            shard,
            report,
            save,
            opts,
        } => match scenario {
            _ if all => commands::explore_all(&explore, shard, save.as_deref(), &opts),
            Some(name) => commands::explore(
                &name,
                &explore,
                shard,
                report.as_deref(),
                save.as_deref(),
                &opts,
            ),
            None => Err("give a scenario name or --all".to_string()),
        },
        Command::Merge { reports } => merge::merge(&reports),
        Command::Dot { full, execution } => replay::dot(&execution, full),
        Command::Timeline { execution } => replay::timeline(&execution),
        Command::Replay { execution } => replay::replay(&execution),
        Command::Outputs {
            scenario,
            explore,
            opts,
        } => commands::outputs(&scenario, &explore, &opts),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("sim: {message}");
            ExitCode::from(2)
        }
    }
}
