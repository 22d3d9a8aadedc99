//! The options the subcommands share, each declared once here and
//! flattened (`#[command(flatten)]`) into the subcommands that take it:
//!
//! - [`ModelOpts`] (`--timing`, `--kill`): what an execution runs under, for
//!   every command that runs one;
//! - [`RunOpts`] (`--seed` and the model): `run`, `explore`, `outputs`;
//! - [`ExploreOpts`] (`--strategy`, `--depth`, `--preemptions`,
//!   `--executions`, `--jobs`): `explore`, `outputs`;
//! - [`TokenArgs`] (`<scenario> <token>`, or `--trace FILE`, and the
//!   model): `replay`, `dot`, `timeline`.

use clap::{Args, ValueEnum};

/// The model an execution runs under: the timing model and the kills.
#[derive(Debug, Clone, Copy, Args)]
pub struct ModelOpts {
    /// The timing model, exact by default. A token replays under the model
    /// it was found under; `explore --all` without it checks both.
    #[arg(long, value_enum)]
    pub timing: Option<TimingArg>,
    /// Let the explorer kill up to K processes per execution, at any
    /// scheduling point (default: the scenario's own number, see `sim
    /// list`). A token replays under the `--kill K` it was found with.
    #[arg(long, value_name = "K")]
    pub kill: Option<u32>,
}

impl ModelOpts {
    /// The timing model asked for, exact by default.
    pub fn timing(&self) -> TimingArg {
        self.timing.unwrap_or(TimingArg::Exact)
    }
}

/// Options of the commands that run executions from a seed.
#[derive(Debug, Clone, Args)]
pub struct RunOpts {
    /// The run's seed (a decimal u64, or hexadecimal with 0x); each
    /// execution derives its own.
    #[arg(long, value_parser = parse_seed)]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub model: ModelOpts,
}

/// Options of the commands that explore many executions.
#[derive(Debug, Clone, Args)]
pub struct ExploreOpts {
    /// The strategy (default: the one that proves the scenario's verdict,
    /// exhaustive where its space is small, see `sim list`).
    #[arg(long, value_enum)]
    pub strategy: Option<StrategyArg>,
    /// PCT's bug depth d (with `--strategy pct`), 1 to 1000.
    #[arg(long, default_value_t = 3, value_name = "D",
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub depth: u32,
    /// Exhaustive only: explore the schedules with at most K preemptions
    /// (a bounded search; the summary says "not complete" if it cut any).
    #[arg(long, value_name = "K")]
    pub preemptions: Option<usize>,
    /// Executions, at least 1 (default: the scenario's own number; for
    /// exhaustive exploration, a budget of 1,000,000).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub executions: Option<u64>,
    /// Worker threads; 0 (the default) is one per core. The results are
    /// the same for any number.
    #[arg(long, default_value_t = 0)]
    pub jobs: usize,
}

/// The arguments of the commands that re-run one execution from a token,
/// or show one from a saved trace file.
#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// Scenario name (see `sim list`); optional with --trace.
    #[arg(required_unless_present = "trace")]
    pub scenario: Option<String>,
    /// A replay token printed by `sim explore`: `s1:...` or `s2:...`
    /// (exhaustive), `pct3:...` (PCT), `pos:...` (POS), `urw1:...` (URW),
    /// `surw1:...` (SURW), or a seed (random).
    #[arg(required_unless_present = "trace", conflicts_with = "trace")]
    pub token: Option<String>,
    /// A saved trace (JSON, from `--save` or a test's `traces/`) instead of
    /// a token: re-run and checked against the file when its scenario is
    /// given or built in, else shown as recorded.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub model: ModelOpts,
}

/// `--seed`: a decimal u64, or hexadecimal with `0x` (as `SIM_SEED` and
/// tokens accept).
fn parse_seed(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => t.parse::<u64>().ok(),
    };
    parsed.ok_or_else(|| {
        "expected a seed: a decimal u64 such as 42, or hexadecimal with 0x such as 0x2a".to_string()
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrategyArg {
    /// Uniformly random among the runnable threads, seeded.
    Random,
    /// Probabilistic concurrency testing (random priorities, d-1 change
    /// points), seeded.
    Pct,
    /// Partial-order sampling (priorities re-drawn on conflicts), seeded.
    Pos,
    /// Uniform random walk: threads weighted by their estimated remaining
    /// events, seeded.
    Urw,
    /// Selectively uniform random walk: uniform over the operations on
    /// objects several threads share, seeded.
    Surw,
    /// SURW, PCT (depths 3 and 2), POS and random in turn, seeded.
    Portfolio,
    /// Every execution, one per Mazurkiewicz trace where the program allows
    /// partial-order reduction.
    Exhaustive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimingArg {
    /// Sleeps and timeouts fire exactly on the virtual clock.
    Exact,
    /// Time orders nothing: sleeps are yields, timed waits may time out at
    /// any point.
    Adversarial,
}
