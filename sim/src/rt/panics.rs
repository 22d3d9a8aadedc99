//! The panic hook of executions, and the report of a panic that aborts.
//!
//! While a green thread runs, its panics are captured (`LAST_PANIC`): the
//! explorer reports them as failures, and printing each one would flood a
//! test's output. A panic in a destructor while the thread unwinds from an
//! earlier panic cannot be caught: Rust aborts the process, printing only
//! "thread caused non-unwinding panic. aborting.", and the captured
//! messages would be lost with it. So the hook remembers the last two
//! panics of each running green thread (forgotten once its body's root
//! catches them), and when core reports the panic that cannot unwind it
//! writes both, the thread and the execution's replay token to file
//! descriptor 2 (where `cargo test`'s capture cannot swallow them) before
//! the abort goes on.

use std::cell::RefCell;
use std::io::Write;
use std::panic::{self, PanicHookInfo};
use std::sync::Once;

use super::{CAPTURE_PANICS, EXEC, LAST_PANIC};

thread_local! {
    /// The last panics of the green threads of this OS thread's execution
    /// that their root has not caught yet: (thread id, message), at most
    /// two a thread.
    static RECENT: RefCell<Vec<(usize, String)>> = const { RefCell::new(Vec::new()) };
}

/// core's messages for a panic that cannot unwind (Rust aborts after the
/// hook): a destructor that panicked during unwinding, or a panic out of a
/// function that must not unwind.
const NOUNWIND: [&str; 2] = [
    "panic in a destructor during cleanup",
    "panic in a function that cannot unwind",
];

/// Installs the hook once per process; panics outside green threads go to
/// the hook that was there before.
pub(super) fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let (msg, text) = panic_text(info);
            if let Some(tid) = super::green::running_tid() {
                if NOUNWIND.iter().any(|m| msg.starts_with(m)) {
                    report_abort(tid, &msg);
                } else {
                    remember(tid, text.clone());
                }
            }
            if CAPTURE_PANICS.with(|c| c.get()) {
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(text));
            } else {
                previous(info);
            }
        }));
    });
}

/// Thread `tid`'s body has returned to its root, its panic (if any) caught.
pub(super) fn caught(tid: usize) {
    RECENT.with(|r| {
        let mut r = r.borrow_mut();
        if !r.is_empty() {
            r.retain(|(t, _)| *t != tid);
        }
    });
}

/// The panic's message, and the message with its location.
fn panic_text(info: &PanicHookInfo<'_>) -> (String, String) {
    let payload = info.payload();
    let msg = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "Box<dyn Any>".to_string());
    let text = match info.location() {
        Some(l) => format!("{msg} (at {l})"),
        None => msg.clone(),
    };
    (msg, text)
}

fn remember(tid: usize, text: String) {
    RECENT.with(|r| {
        let mut r = r.borrow_mut();
        if r.iter().filter(|(t, _)| *t == tid).count() >= 2 {
            let oldest = r.iter().position(|(t, _)| *t == tid);
            if let Some(i) = oldest {
                r.remove(i);
            }
        }
        r.push((tid, text));
    });
}

/// Writes what is known of the panics of thread `tid` that end in an
/// abort to fd 2.
fn report_abort(tid: usize, core_msg: &str) {
    let panics: Vec<String> = RECENT.with(|r| {
        r.borrow()
            .iter()
            .filter(|(t, _)| *t == tid)
            .map(|(_, m)| m.clone())
            .collect()
    });
    let name = EXEC
        .try_with(|e| e.try_borrow().ok().map(|e| e.thread_name(tid)))
        .ok()
        .flatten();
    let thread = match name {
        Some(name) => format!("thread '{name}' (green thread {tid})"),
        None => format!("green thread {tid}"),
    };
    let (serial, token) = super::green::execution();
    let mut tok = String::new();
    let known = super::watchdog::write_token(&mut tok, token) == Ok(true);
    let execution = if known {
        format!("execution {tok}")
    } else {
        format!("execution number {serial}")
    };
    let mut msg = format!(
        "\nsim: {thread} of {execution} panicked while it was unwinding ({core_msg}); \
         Rust aborts the process.\n"
    );
    match panics.as_slice() {
        [first, second] => {
            msg += &format!("  the first panic: {first}\n  the panic during unwinding: {second}\n");
        }
        [only] => {
            msg += &format!(
            "  the panic during unwinding: {only}\n  (it was unwinding from a panic sim did not \
             see, or from the teardown at the end of the execution)\n"
        )
        }
        _ => {}
    }
    if known {
        msg += &format!("sim: replay it with SIM_REPLAY={tok}\n");
    } else {
        msg += "sim: its token is known only when it ends (an exhaustive search or a URW/SURW \
                walk: run the test with SIM_STRATEGY=random to get a seed token)\n";
    }
    msg += "sim: a destructor that may run during a panic must not panic (check \
            std::thread::panicking()).\n";
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(msg.as_bytes());
    let _ = err.flush();
}
