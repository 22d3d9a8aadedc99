//! The wall-clock watchdog: a green thread that runs for too long without
//! reaching a scheduling point is reported instead of hanging the test.
//!
//! sim can only schedule at its own operations. Code that blocks on a real
//! OS primitive (a `std::sync::Mutex` held across a sim operation, a
//! `std::sync::mpsc` receive, `std::thread::sleep`, blocking I/O) or loops
//! without a sim operation never gives control back, and the simulation
//! would hang with no message. Each OS thread that runs executions has a
//! [`Heartbeat`] (the step count and the running thread's last location,
//! stored at every context switch and inline step: two or three relaxed
//! stores); one watchdog OS thread, started by the first exploration,
//! looks at every heartbeat a few times a second. When an active one has
//! not moved for its limit (`Builder::watchdog`, `SIM_WATCHDOG_SECS`,
//! default 10 s), it writes to file descriptor 2 (stderr: `cargo test`'s
//! output capture does not see it, and it must survive the exit) which
//! green thread is stuck, where its last sim operation was, the execution's
//! replay token when it is known, and the likely causes with their sim
//! replacements; then it ends the process with exit status 101, as a
//! failed test does. The stuck thread cannot be unwound from outside, so
//! the process cannot go on.
//!
//! Determinism: the watchdog only reads. Nothing it sees or does feeds
//! back into scheduling, tokens or traces, and with the watchdog off (a
//! limit of 0) the executions are the same.

use std::io::Write;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub(crate) use super::green::Heartbeat;

/// The default limit: 10 seconds.
pub const DEFAULT_WATCHDOG: Duration = Duration::from_secs(10);

/// Token kinds in `Heartbeat::token[0]` (0: unknown).
pub(crate) const TOKEN_SEED: u64 = 1;
pub(crate) const TOKEN_PCT: u64 = 2;
pub(crate) const TOKEN_POS: u64 = 3;
pub(crate) const TOKEN_RR: u64 = 4;

thread_local! {
    /// The token of the next execution on this OS thread, as the explorer
    /// knows it before it starts (see [`set_next_token`]).
    static NEXT_TOKEN: std::cell::Cell<[u64; 4]> = const { std::cell::Cell::new([0; 4]) };
}

/// Tells the watchdog the replay token of the next execution on this OS
/// thread: `[kind, numbers...]` with a `TOKEN_*` kind (0: not known).
pub(crate) fn set_next_token(token: [u64; 4]) {
    NEXT_TOKEN.with(|t| t.set(token));
}

/// Starts watching an execution on this OS thread: registers its
/// heartbeat on first use, and sets its limit, serial and token.
pub(crate) fn start(heart: &mut Option<Arc<Heartbeat>>, limit_ms: u64, serial: u64) {
    let token = NEXT_TOKEN.with(|t| t.replace([0; 4]));
    super::green::set_execution(serial, token);
    if limit_ms == 0 && heart.is_none() {
        return;
    }
    let heart = heart.get_or_insert_with(register);
    heart.limit_ms.store(limit_ms, Relaxed);
    heart.serial.store(serial, Relaxed);
    for (slot, v) in heart.token.iter().zip(token) {
        slot.store(v, Relaxed);
    }
    heart.active.store(true, Relaxed);
}

/// Every heartbeat registered, in registration order.
fn registry() -> &'static Mutex<Vec<Arc<Heartbeat>>> {
    static REGISTRY: OnceLock<Mutex<Vec<Arc<Heartbeat>>>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        std::thread::Builder::new()
            .name("sim-watchdog".into())
            .spawn(watch)
            .expect("sim: cannot start the watchdog thread");
        Mutex::new(Vec::new())
    })
}

/// A new heartbeat for the calling OS thread, watched from now on.
pub(crate) fn register() -> Arc<Heartbeat> {
    let heart = Arc::new(Heartbeat::default());
    registry()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Arc::clone(&heart));
    heart
}

/// The watchdog thread: checks each heartbeat every 100 ms.
fn watch() {
    // For each heartbeat (by index): the beat count last seen and when it
    // was first seen.
    let mut seen: Vec<((u64, u64), Instant)> = Vec::new();
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let hearts: Vec<Arc<Heartbeat>> =
            registry().lock().unwrap_or_else(|e| e.into_inner()).clone();
        let now = Instant::now();
        seen.resize(hearts.len(), ((u64::MAX, 0), now));
        for (heart, (beats, since)) in hearts.iter().zip(seen.iter_mut()) {
            let b = (heart.serial.load(Relaxed), heart.beats.load(Relaxed));
            let limit = heart.limit_ms.load(Relaxed);
            if b != *beats || !heart.active.load(Relaxed) || limit == 0 {
                *beats = b;
                *since = now;
                continue;
            }
            if now.duration_since(*since) >= Duration::from_millis(limit) {
                fire(heart, limit);
            }
        }
    }
}

/// Writes the replay token that `[kind, numbers...]` (a `TOKEN_*` kind)
/// stands for; `Ok(false)` when the kind is 0 (not known). It does not
/// allocate: the stack-overflow handler (`rt/green.rs`) calls it.
pub(crate) fn write_token(
    w: &mut impl std::fmt::Write,
    token: [u64; 4],
) -> Result<bool, std::fmt::Error> {
    match token {
        [TOKEN_SEED, seed, _, _] => write!(w, "{seed}")?,
        [TOKEN_PCT, depth, steps, seed] => write!(w, "pct{depth}:{steps}:{seed}")?,
        [TOKEN_POS, seed, _, _] => write!(w, "pos:{seed}")?,
        [TOKEN_RR, _, _, _] => w.write_str("rr")?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// Reports the stuck green thread on fd 2 and ends the process.
fn fire(heart: &Heartbeat, limit_ms: u64) -> ! {
    let (tid, location) = heart.running();
    let thread = if tid == 0 {
        "the main thread (id 0)".to_string()
    } else {
        format!("green thread id {tid}")
    };
    let at = location.map_or("(no sim operation yet)".to_string(), |l| l.to_string());
    let mut text = String::new();
    let token = (write_token(&mut text, heart.token.each_ref().map(|t| t.load(Relaxed)))
        == Ok(true))
    .then_some(text);
    let replay = match token {
        Some(t) => format!("its replay token is {t} (SIM_REPLAY={t} cargo test <name>)"),
        None => "its token is known only when it ends (an exhaustive search or a URW/SURW walk: \
                 run the test with SIM_STRATEGY=random to get a seed token)"
            .to_string(),
    };
    let secs = limit_ms as f64 / 1000.0;
    let msg = format!(
        "\nsim: watchdog: {thread} of execution {serial} has run for {secs} s of real time without \
         reaching a sim scheduling point; its last sim operation was at {at}; {replay}.\n\
         Likely causes:\n  \
         - a std blocking primitive, which sim cannot see: std::sync::Mutex/RwLock/Condvar, \
         std::sync::mpsc, std::thread::sleep, std::thread::park, std::thread::JoinHandle::join \
         (use sim::sync::{{Mutex, RwLock, Condvar, mpsc}}, sim::thread::{{sleep, park, spawn}})\n  \
         - blocking I/O (a socket, a pipe, stdin)\n  \
         - a loop with no sim operation, such as a spin on a std atomic (use \
         sim::sync::atomic, or call sim::hint::spin_loop() or sim::thread::yield_now() in the loop)\n\
         Raise or disable the limit with Builder::watchdog or SIM_WATCHDOG_SECS (0 = off).\n\
         sim: exiting with status 101.\n",
        serial = heart.serial.load(Relaxed),
    );
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(msg.as_bytes());
    let _ = err.flush();
    std::process::exit(101)
}

/// The limit of `SIM_WATCHDOG_SECS` (seconds, fractions allowed; 0 = off),
/// else [`DEFAULT_WATCHDOG`]. A bad value is a clear panic.
#[track_caller]
pub(crate) fn env_limit() -> Option<Duration> {
    match std::env::var("SIM_WATCHDOG_SECS") {
        Ok(text) => {
            let secs: f64 = text
                .trim()
                .parse()
                .ok()
                .filter(|s: &f64| s.is_finite() && *s >= 0.0)
                .unwrap_or_else(|| {
                    panic!("sim: SIM_WATCHDOG_SECS={text:?} is not a number of seconds (0 = off)")
                });
            (secs > 0.0).then(|| Duration::from_secs_f64(secs))
        }
        Err(_) => Some(DEFAULT_WATCHDOG),
    }
}
