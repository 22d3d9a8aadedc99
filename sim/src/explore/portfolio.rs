//! `Strategy::Portfolio`: several index-seeded strategies in one run.
//!
//! Execution `k` belongs to member `MEMBERS[k % MEMBERS.len()]` and is that
//! member's execution of seed `execution_seed(run seed, k)`; its token is
//! the member's own (`surw1:`, `pct3:`, `pct2:`, `pos:` or a plain seed for
//! Random), so a failure replays alone, and the run, a pure function of
//! (run seed, `k`) like the others', gives the same report for any `jobs`
//! and shards. PCT's `k` and SURW's estimates come from one set of probe
//! executions (`probe.rs`), the same ones `Strategy::Pct` and
//! `Strategy::Surw` run.
//!
//! SURW has three slots in seven: on the programs where it is the only
//! member that finds the bug (SCTBench's `reorder_N`), the portfolio then
//! needs about 2.3 times its executions, not 5; every other member keeps a
//! slot, so the portfolio is within 7 times of its best member on any
//! program, and within 4 times on every SCTBench row measured (README,
//! Performance).

use std::sync::Arc;

use super::probe::Probed;
use super::random::ExecutionSeeds;
use super::token::Token;

/// A member of the portfolio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Member {
    Random,
    Pct(u32),
    Pos,
    Surw,
}

/// The members' order: execution `k` is `MEMBERS[k % 7]`'s.
const MEMBERS: [Member; 7] = [
    Member::Surw,
    Member::Pct(3),
    Member::Surw,
    Member::Pos,
    Member::Surw,
    Member::Pct(2),
    Member::Random,
];

/// The token of execution `index` of a portfolio run.
pub(super) fn token(seeds: &ExecutionSeeds, probed: &Probed, index: u64) -> Token {
    let seed = seeds.get(index);
    match MEMBERS[(index % MEMBERS.len() as u64) as usize] {
        Member::Random => Token::Seed(seed),
        Member::Pct(depth) => Token::Pct {
            depth,
            steps: probed.steps,
            seed,
        },
        Member::Pos => Token::Pos { seed },
        Member::Surw => Token::Surw {
            seed,
            est: Arc::clone(&probed.surw),
        },
    }
}
