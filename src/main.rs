//! The `sim` command-line tool: the notebook's programs as scenarios, run,
//! explored, replayed and drawn.
//!
//! ```text
//! sim list
//! sim run <scenario> [--seed S] [--timing exact|adversarial]
//! sim explore <scenario>|--all [--strategy random|pct|pos|exhaustive] [--depth D]
//!             [--preemptions K] [--executions N] [--seed S] [--timing exact|adversarial]
//!             [--kill K] [--jobs N] [--shard I/N] [--report FILE] [--save DIR] [--kill K]
//! sim merge <report.json>...
//! sim replay <scenario> <token> [--kill K]
//! sim outputs <scenario> [--strategy ..] [--executions N] [--jobs N]
//! sim dot <scenario> <token> [--full]
//! sim timeline <scenario> <token>
//! ```

mod commands;
mod progress;

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
    /// The timing model (default exact; `explore --all` without it checks
    /// both).
    #[arg(long, value_enum)]
    timing: Option<TimingArg>,
    /// Let the explorer kill up to K processes per execution, at any
    /// scheduling point (default: the scenario's own number, see `sim list`).
    #[arg(long, value_name = "K")]
    kill: Option<u32>,
}

impl RunOpts {
    /// The timing model asked for, exact by default.
    fn timing(&self) -> TimingArg {
        self.timing.unwrap_or(TimingArg::Exact)
    }
}

/// Options of the commands that explore many executions.
#[derive(Debug, Clone, clap::Args)]
struct ExploreOpts {
    /// The strategy (default: the one that proves the scenario's verdict,
    /// exhaustive where its space is small, see `sim list`).
    #[arg(long, value_enum)]
    strategy: Option<StrategyArg>,
    /// PCT's bug depth d (with `--strategy pct`).
    #[arg(long, default_value_t = 3, value_name = "D")]
    depth: u32,
    /// Exhaustive only: explore the schedules with at most K preemptions
    /// (a bounded search; the summary says "not complete" if it cut any).
    #[arg(long, value_name = "K")]
    preemptions: Option<usize>,
    /// Executions (default: the scenario's own number; for exhaustive
    /// exploration, a budget of 1,000,000).
    #[arg(long)]
    executions: Option<u64>,
    /// Worker threads; 0 (the default) is one per core. The results are
    /// the same for any number.
    #[arg(long, default_value_t = 0)]
    jobs: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum StrategyArg {
    /// Uniformly random among the runnable threads, seeded.
    Random,
    /// Probabilistic concurrency testing (random priorities, d-1 change
    /// points), seeded.
    Pct,
    /// Partial-order sampling (priorities re-drawn on conflicts), seeded.
    Pos,
    /// Every execution, one per Mazurkiewicz trace where the program allows
    /// partial-order reduction.
    Exhaustive,
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
        /// .dot beside it (an existing file is kept), e.g. `--save traces`.
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
            _ if all => commands::explore_all(&explore, shard, &opts),
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
        Command::Merge { reports } => commands::merge(&reports),
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
