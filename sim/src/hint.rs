//! std's `hint`, for spin loops under sim.

use std::panic::Location;

use crate::rt;
use crate::rt::op::Op;

/// A spin-loop hint: under sim a yield (a scheduling point), so that a
/// thread spinning on a flag lets the thread that sets it run.
///
/// ```
/// use sim::threading::Event;
/// sim::check_random(|| {
///     let flag = Event::new();
///     sim::thread::spawn(move || flag.set());
///     while !flag.is_set() {
///         sim::hint::spin_loop();
///     }
/// }, 20);
/// ```
#[track_caller]
pub fn spin_loop() {
    rt::op(Op::Yield, Location::caller());
}
