//! In [23]: a Timer runs `hello` after 5 seconds; and a variant that
//! cancels it exactly when it is due.

use std::time::Duration;

use sim::threading::Timer;

/// In [23]: `t = Timer(5, hello); t.start()`.
pub fn timer() {
    let t = Timer::new(Duration::from_secs(5), || sim::println!("hello, world"));
    t.start();
}

/// What In [23] printed.
pub const NOTEBOOK_23: &str = "hello, world\n";

/// The same, but the main thread sleeps 5 s and then calls `t.cancel()`:
/// the cancel and the timer's expiry are simultaneous, so either may win
/// and both outcomes (printed, not printed) are possible.
pub fn timer_cancel() {
    let t = Timer::new(Duration::from_secs(5), || sim::println!("hello, world"));
    t.start();
    sim::time::sleep(Duration::from_secs(5));
    t.cancel();
}
