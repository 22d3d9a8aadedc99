//! The options the subcommands share, each declared once here and
//! flattened (`#[command(flatten)]`) into the subcommands that take it:
//!
//! - [`ModelOpts`] (`--timing`, `--kill`): what an execution runs under, for
//!   every command that runs one;
//! - [`RunOpts`] (`--seed` and the model): `run`, `explore`, `outputs`;
//! - [`ExploreOpts`] (`--strategy`, `--depth`, `--preemptions`,
//!   `--executions`, `--jobs`): `explore`, `outputs`;
//! - [`TokenArgs`] (`<scenario> <token>` and the model): `replay`, `dot`,
//!   `timeline`.

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
    /// The run's seed (decimal u64); each execution derives its own.
    #[arg(long)]
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
    /// PCT's bug depth d (with `--strategy pct`).
    #[arg(long, default_value_t = 3, value_name = "D")]
    pub depth: u32,
    /// Exhaustive only: explore the schedules with at most K preemptions
    /// (a bounded search; the summary says "not complete" if it cut any).
    #[arg(long, value_name = "K")]
    pub preemptions: Option<usize>,
    /// Executions (default: the scenario's own number; for exhaustive
    /// exploration, a budget of 1,000,000).
    #[arg(long)]
    pub executions: Option<u64>,
    /// Worker threads; 0 (the default) is one per core. The results are
    /// the same for any number.
    #[arg(long, default_value_t = 0)]
    pub jobs: usize,
}

/// The arguments of the commands that re-run one execution from a token.
#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// Scenario name (see `sim list`).
    pub scenario: String,
    /// A replay token printed by `sim explore`: `s1:...` (exhaustive),
    /// `pct3:...` (PCT), `pos:...` (POS), `urw1:...` (URW), `surw1:...`
    /// (SURW), or a seed (random).
    pub token: String,
    #[command(flatten)]
    pub model: ModelOpts,
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
