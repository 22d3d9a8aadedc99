//! Captured output: `sim::print!` and `sim::println!`.
//!
//! Inside an execution, printed text is a scheduling point and is recorded
//! with the virtual time and the thread; outside one, it goes to stdout.

use std::panic::Location;

#[doc(hidden)]
#[track_caller]
pub fn print_fmt(args: std::fmt::Arguments<'_>) {
    crate::rt::print(std::fmt::format(args), Location::caller());
}

/// Prints to the execution's captured output (a scheduling point).
///
/// ```
/// let report = sim::Builder::new().executions(1).explore(|| sim::print!("Foo"));
/// assert!(report.outputs.contains_key("Foo"));
/// ```
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::__print_fmt(::std::format_args!($($arg)*))
    };
}

/// Prints a line to the execution's captured output (a scheduling point).
///
/// ```
/// let report = sim::Builder::new().executions(1).explore(|| sim::println!("Starting {}", "Thread-1"));
/// assert!(report.outputs.contains_key("Starting Thread-1\n"));
/// ```
#[macro_export]
macro_rules! println {
    () => {
        $crate::__print_fmt(::std::format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::__print_fmt(::std::format_args!("{}\n", ::std::format_args!($($arg)*)))
    };
}
