//! `Strategy::RoundRobin`: one deterministic schedule, shuttle's
//! round-robin (what its `check` runs): at every scheduling point the next
//! thread after the one that ran last, by thread id, wrapping around. A
//! candidate that is a timeout (a timed wait giving up) is taken only when
//! no thread can do anything else. Every execution is the same, so one is
//! enough; its token is `rr`.

use crate::rt::op::Tid;
use crate::rt::{Candidate, Scheduler};

/// The round-robin scheduler of one execution.
#[derive(Debug, Default)]
pub(crate) struct RoundRobinScheduler {
    last: Option<Tid>,
}

impl Scheduler for RoundRobinScheduler {
    fn choose(&mut self, enabled: &[Candidate]) -> usize {
        // Candidates come in thread order.
        let after = |c: &&Candidate| self.last.is_none_or(|last| c.tid > last);
        let real = |c: &&Candidate| !c.timeout;
        let index = (enabled.iter().position(|c| real(&c) && after(&c)))
            .or_else(|| enabled.iter().position(|c| real(&c)))
            .or_else(|| enabled.iter().position(|c| after(&c)))
            .unwrap_or(0);
        self.last = Some(enabled[index].tid);
        index
    }

    fn observes_every_step(&self) -> bool {
        true
    }
}
