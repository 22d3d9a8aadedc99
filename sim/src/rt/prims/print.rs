//! `sim::print!`: the text waits in the thread's buffer until the print
//! step runs, then joins the execution's output, stamped with the virtual
//! time.

use super::super::dependence::{Footprint, Key, Touch};
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

/// Prints write the output: they are ordered among themselves, except
/// prints of the same text (digest `text`), which commute: either order
/// gives the same output.
pub(crate) fn footprint(text: u64) -> Footprint {
    Footprint {
        touches: [
            Some(Touch {
                key: Key::Output,
                write: true,
                class: text,
            }),
            None,
        ],
        ..Footprint::NOTHING
    }
    .reducible()
}
