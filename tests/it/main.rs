//! The `sim-cli` package's integration tests, in one binary (shuttle's
//! layout): a module per area, and [`programs`], the test programs they
//! run that are not the scenario catalogue's.

mod programs;

mod architecture;
mod cli;
mod cli_checks;
mod cli_interrupt;
mod cli_kills;
mod cli_strategies;
mod notebook;
mod readme;
mod scenarios;
mod traces;
