//! std's synchronisation API (`std::sync`) on sim's runtime, for code
//! written against std and tested as under loom or shuttle: [`mpsc`]
//! channels, [`Barrier`], and loom's [`Notify`].

mod barrier;
pub mod mpsc;
mod notify;

pub use barrier::{Barrier, BarrierWaitResult};
pub use notify::Notify;
