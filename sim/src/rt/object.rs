//! The execution's object table: one [`Object`] per synchronisation object
//! or shared variable.
//!
//! Primitives in `threading/`, `queue`, `multiprocessing/` and `shared` are
//! handles (an [`ObjId`] and the serial of the execution that created
//! them; std's `const`-built ones in `sync/` link to an object on first use,
//! `binding.rs`); their state lives in this table, typed by primitive
//! ([`ObjState`], one file each in `prims/`), so that the scheduler can
//! decide whether an operation is enabled without calling back into
//! primitive code.

use std::fmt;
use std::panic::Location;

use super::op::ObjId;
pub(crate) use super::prims::ObjState;

/// One entry of the object table.
#[derive(Debug)]
pub(crate) struct Object {
    pub(crate) id: ObjId,
    pub(crate) state: ObjState,
    pub(crate) created_at: &'static Location<'static>,
    /// Step of the last release-like event whose clock the object holds (a
    /// Lock's or RLock's last full release), 0 if none: the source of the
    /// happens-before edge to the next acquire. Primitives whose
    /// synchronisation has one source per object use it the same way.
    pub(crate) released_at: u64,
    /// The process whose memory holds the object ([`CROSS_PROCESS`] for
    /// the `process::` primitives, which every process may use).
    pub(crate) process: u32,
}

/// [`Object::process`] of an object shared between processes.
pub(crate) const CROSS_PROCESS: u32 = u32::MAX;

impl fmt::Display for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}#{} (created at {})",
            self.state.kind(),
            self.id.0,
            self.created_at
        )
    }
}
