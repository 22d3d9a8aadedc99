//! Prints the README's table of the scenarios' exhaustive explorations:
//! for each scenario and timing model, the executions of the exhaustive
//! search with partial-order reduction (optimal DPOR where the program is
//! in its fragment, else the plain depth-first search) and without it,
//! every schedule explored (`stop_on_first_failure(false)`), within a
//! budget of 1,000,000 executions each.
//!
//! Run: `cargo run --release -p scenarios --example proof_table`.

use sim::{Strategy, Timing};

/// The budget of each exploration.
const BUDGET: u64 = 1_000_000;

fn count(report: &sim::Report) -> String {
    if report.complete {
        report.executions.to_string()
    } else {
        format!("> {}", report.executions)
    }
}

fn main() {
    println!("| scenario | timing | with reduction | without | reduced by |");
    println!("|---|---|---:|---:|---|");
    for s in scenarios::all() {
        for timing in [Timing::Exact, Timing::Adversarial] {
            let base = s
                .builder(timing)
                .strategy(Strategy::Exhaustive)
                .executions(BUDGET)
                .stop_on_first_failure(false)
                .jobs(2);
            let reduced = base.clone().explore(s.body);
            let plain = base.reduction(false).explore(s.body);
            let by = if reduced.unreduced.is_none() {
                "optimal DPOR (one per trace)".to_string()
            } else {
                let why = reduced.unreduced.as_deref().unwrap_or_default();
                let op = why.split('`').nth(1).unwrap_or(why);
                format!("none (`{op}`)")
            };
            let timing = match timing {
                Timing::Exact => "exact",
                _ => "adversarial",
            };
            println!(
                "| {} | {timing} | {} | {} | {by} |",
                s.name,
                count(&reduced),
                count(&plain)
            );
        }
    }
}
