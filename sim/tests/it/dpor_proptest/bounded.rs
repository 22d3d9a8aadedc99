//! Preemption-bounded DPOR against the plain bounded DFS, on the programs
//! of the DPOR proptest: for bounds 0, 1 and 2, the reduced bounded search
//! finds exactly the outcomes the bounded DFS finds (which runs every
//! schedule within the bound), in no more executions; it is complete
//! whenever the DFS is, and when complete it finds every outcome of the
//! program (the oracle's).
//!
//! `SIM_PROPTEST_CASES` sets the number of cases (default 2,000, as the
//! unbounded proptest's); the longer run is `SIM_PROPTEST_CASES=20000
//! cargo test --release -p sim --test it dpor_bounded`.

use super::*;

fn check_bounded(program: Vec<Vec<Stmt>>) -> Result<(), TestCaseError> {
    let program = earlier_unparks(program);
    let flat: Vec<Vec<Instr>> = program.iter().map(|t| flatten(t)).collect();
    let expected = oracle(&flat);
    for k in 0..=2 {
        let reduced = explore_program(&program, exhaustive().preemption_bound(Some(k)));
        let plain = explore_program(
            &program,
            exhaustive().preemption_bound(Some(k)).reduction(false),
        );
        let (found, all) = (found_outcomes(&reduced)?, found_outcomes(&plain)?);
        prop_assert_eq!(&found, &all, "bound {}: {} against {}", k, reduced, plain);
        prop_assert!(
            reduced.executions <= plain.executions,
            "bound {}: {} against {}",
            k,
            reduced,
            plain
        );
        prop_assert!(
            !plain.complete || reduced.complete,
            "bound {}: {}",
            k,
            reduced
        );
        if reduced.complete {
            prop_assert_eq!(&found, &expected.outcomes, "bound {}: {}", k, reduced);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        max_global_rejects: 1_000_000,
        max_local_rejects: 100_000_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn dpor_bounded_matches_the_bounded_dfs(program in program()) {
        check_bounded(program)?;
    }
}
