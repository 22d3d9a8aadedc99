//! In [7]: `bar` polls an Event with `wait(1)` until `foo` sets it.

use std::time::Duration;

use sim::threading::Event;

/// In [7]: `bt.start(); sleep(3); ft.start()`; `foo` prints `Foo`
/// (no newline) and sets the event; `bar` prints `Waiting ...` and waits
/// one second until it is set, then `Bar`.
pub fn event() {
    let print_event = Event::new();
    let thread = |name: &str| sim::thread::Builder::new().name(name.into());
    thread("bar")
        .spawn(move || {
            while !print_event.is_set() {
                sim::println!("Waiting ...");
                print_event.wait_timeout(Duration::from_secs(1));
            }
            sim::println!("Bar");
        })
        .unwrap();
    sim::time::sleep(Duration::from_secs(3));
    thread("foo")
        .spawn(move || {
            sim::print!("Foo");
            print_event.set();
        })
        .unwrap();
}

/// What In [7] printed.
pub const NOTEBOOK_7: &str = "Waiting ...\nWaiting ...\nWaiting ...\nFooBar\n";
