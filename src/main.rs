//! The `sim` command-line tool: the notebook's programs as scenarios, run,
//! explored, replayed and drawn.
//!
//! ```text
//! sim list
//! sim run <scenario> [--seed S] [--timing exact|adversarial]
//! sim explore <scenario>|--all [--executions N] [--seed S] [--timing exact|adversarial] [--kill K]
//! sim replay <scenario> <token> [--kill K]
//! sim outputs <scenario> [--executions N]
//! sim dot <scenario> <token> [--full]
//! sim timeline <scenario> <token>
//! ```

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Deterministic concurrency simulator: explore what the notebook's
/// threading programs can really do.
#[derive(Debug, Parser)]
#[command(name = "sim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Options shared by the commands that run executions.
#[derive(Debug, Clone, clap::Args)]
struct RunOpts {
    /// The run's seed (decimal u64); each execution derives its own.
    #[arg(long)]
    seed: Option<u64>,
    /// The timing model.
    #[arg(long, value_enum, default_value_t = TimingArg::Exact)]
    timing: TimingArg,
    /// Let the explorer kill up to K processes per execution, at any
    /// scheduling point (default: the scenario's own number, see `sim list`).
    #[arg(long, value_name = "K")]
    kill: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TimingArg {
    /// Sleeps and timeouts fire exactly on the virtual clock.
    Exact,
    /// Time orders nothing: sleeps are yields, timed waits may time out at
    /// any point.
    Adversarial,
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
        /// Executions per scenario (default: the scenario's own number).
        #[arg(long)]
        executions: Option<u64>,
        /// Save each failing trace as DIR/<scenario>/<token>.json with its
        /// .dot beside it (an existing file is kept), e.g. `--save traces`.
        #[arg(long, value_name = "DIR")]
        save: Option<std::path::PathBuf>,
        #[command(flatten)]
        opts: RunOpts,
    },
    /// Re-run one execution from a token and print its events and failure.
    Replay {
        /// Scenario name.
        scenario: String,
        /// A token printed by `sim explore` (a seed).
        token: String,
        /// The timing model the token was found under.
        #[arg(long, value_enum, default_value_t = TimingArg::Exact)]
        timing: TimingArg,
        /// The `--kill K` the token was found with.
        #[arg(long, value_name = "K")]
        kill: Option<u32>,
    },
    /// Print the happens-before graph of one execution in Graphviz DOT
    /// (render with `dot -Tsvg`).
    Dot {
        /// Scenario name.
        scenario: String,
        /// A token printed by `sim explore` (a seed).
        token: String,
        /// Draw every synchronisation edge (no transitive reduction).
        #[arg(long)]
        full: bool,
        /// The timing model the token was found under.
        #[arg(long, value_enum, default_value_t = TimingArg::Exact)]
        timing: TimingArg,
        /// The `--kill K` the token was found with.
        #[arg(long, value_name = "K")]
        kill: Option<u32>,
    },
    /// Print one execution as a Chrome trace-event timeline (open it in
    /// Perfetto or chrome://tracing).
    Timeline {
        /// Scenario name.
        scenario: String,
        /// A token printed by `sim explore` (a seed).
        token: String,
        /// The timing model the token was found under.
        #[arg(long, value_enum, default_value_t = TimingArg::Exact)]
        timing: TimingArg,
        /// The `--kill K` the token was found with.
        #[arg(long, value_name = "K")]
        kill: Option<u32>,
    },
    /// Every distinct output a scenario printed, with how many executions printed it.
    Outputs {
        /// Scenario name.
        scenario: String,
        /// Executions to run (default: the scenario's own number).
        #[arg(long)]
        executions: Option<u64>,
        #[command(flatten)]
        opts: RunOpts,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::List => commands::list(),
        Command::Run { scenario, opts } => commands::run(&scenario, &opts),
        Command::Explore {
            scenario,
            all,
            executions,
            save,
            opts,
        } => commands::explore(scenario.as_deref(), all, executions, save.as_deref(), &opts),
        Command::Dot {
            scenario,
            token,
            full,
            timing,
            kill,
        } => commands::dot(&scenario, &token, full, (timing, kill)),
        Command::Timeline {
            scenario,
            token,
            timing,
            kill,
        } => commands::timeline(&scenario, &token, (timing, kill)),
        Command::Replay {
            scenario,
            token,
            timing,
            kill,
        } => commands::replay(&scenario, &token, (timing, kill)),
        Command::Outputs {
            scenario,
            executions,
            opts,
        } => commands::outputs(&scenario, executions, &opts),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("sim: {message}");
            ExitCode::from(2)
        }
    }
}
