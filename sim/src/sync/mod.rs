//! std's synchronisation API (`std::sync`), simulated: the same paths and
//! signatures, so that code written for std, loom or shuttle runs under sim.
//!
//! [`atomic`]: std's atomics, every operation a scheduling point, with
//! C11 happens-before.

pub mod atomic;
