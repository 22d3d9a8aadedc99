//! `sim explore --strategy urw|surw|portfolio`: the strategies of issue 19
//! from the command line, their tokens replayed as printed.

use crate::cli::{sim, stdout};

#[test]
fn explore_with_urw_surw_and_the_portfolio_prints_tokens_that_replay() {
    for (strategy, token) in [("urw", "urw1:"), ("surw", "surw1:"), ("portfolio", "")] {
        let o = sim(&["explore", "lock_order", "--strategy", strategy]);
        let out = stdout(&o);
        assert!(o.status.success(), "{strategy}: {out}");
        assert!(out.contains(&format!("({strategy}")), "{out}");
        let line = out
            .lines()
            .find(|l| l.starts_with("replay: sim replay lock_order "))
            .unwrap_or_else(|| panic!("{out}"));
        // A portfolio's token is its member's (any prefix).
        assert!(line.contains(token), "{line}");
        let args: Vec<&str> = line["replay: sim ".len()..].split_whitespace().collect();
        let replayed = sim(&args);
        assert!(
            stdout(&replayed).contains("Deadlock"),
            "{strategy}: {}",
            stdout(&replayed)
        );
    }
}
