//! Ctrl-C (SIGINT) during an exploration: the first one sets the flag that
//! the exploration checks after each execution (`Builder::interrupt_on`),
//! so the command prints the summary of what was explored so far, with
//! any failure's replay line, writes `--report` if asked, and exits with
//! status 130 (128 + SIGINT, as shells report a process ended by Ctrl-C);
//! a second Ctrl-C exits at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// The exit status of an interrupted command.
pub const EXIT_STATUS: u8 = 130;

static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// The flag, with the Ctrl-C handler installed on first use.
pub fn flag() -> Arc<AtomicBool> {
    Arc::clone(FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let seen = Arc::clone(&flag);
        let installed = ctrlc::set_handler(move || {
            if seen.swap(true, Ordering::SeqCst) {
                eprintln!("sim: interrupted again: exiting at once");
                std::process::exit(i32::from(EXIT_STATUS));
            }
            eprintln!(
                "\nsim: interrupted: finishing the executions running now, then the summary \
                 (Ctrl-C again to exit at once)"
            );
        });
        if let Err(e) = installed {
            eprintln!(
                "sim: cannot catch Ctrl-C ({e}); it will end the exploration without a summary"
            );
        }
        flag
    }))
}

/// Whether Ctrl-C was pressed during an exploration.
pub fn interrupted() -> bool {
    FLAG.get().is_some_and(|f| f.load(Ordering::SeqCst))
}
