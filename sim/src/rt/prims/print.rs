//! `sim::print!`: the text waits in the thread's buffer until the print
//! step runs, then joins the execution's output, stamped with the virtual
//! time.

use super::super::dependence::{Footprint, Key};
use super::super::op::{OpResult, Tid};
use super::super::{Exec, OutputChunk};

impl Exec {
    #[inline(always)]
    pub(super) fn print_complete(&mut self, tid: Tid) -> OpResult {
        let text = std::mem::take(&mut self.threads[tid].text);
        self.log.output.push(OutputChunk {
            time: self.now,
            tid,
            text,
        });
        OpResult::Unit
    }
}

/// Prints write the output: they are ordered among themselves.
pub(crate) fn footprint() -> Footprint {
    Footprint::one(Key::Output, true).reducible()
}
