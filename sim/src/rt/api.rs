//! The interface between the runtime and everything outside it: the
//! handles in `threading/`, `queue`, `multiprocessing/`, `thread`, `time`
//! and `shared` announce operations ([`op`], [`print`]), register objects
//! ([`new_object`]), check their handles ([`check_serial`]) and ask named
//! questions of the running execution; nothing outside `rt` holds an
//! `&mut Exec`.

use std::panic::Location;

use super::object::{ObjState, Object};
use super::op::{Nanos, ObjId, Op, OpResult, Tid};
use super::{green, Exec, Life, ThreadName, ATOMIC_DEPTH, EXEC};

/// What [`op`] does once the operation is announced.
enum Announced {
    /// Suspend: the scheduler loop takes the step.
    Suspend,
    /// Go on with this result: the step ran inline, or was not scheduled.
    Done(OpResult),
    /// No execution runs: a panic at the caller's line (out of the
    /// closure, which `#[track_caller]` does not reach into).
    Outside,
    /// Inside a `Shared::with` closure: a panic at the caller's line.
    InAtomic,
}

/// Announces `op` at `location` for the current thread, suspends until the
/// scheduler has performed it, and returns its result. When nothing is to be
/// chosen the step runs at once, without suspending ([`Exec::step_inline`]).
///
/// During teardown operations are not scheduled: they return
/// [`OpResult::Unit`] at once. A live thread that unwinds from a panic
/// performs them for real, so that its guards release what they hold (as
/// Python's `with` on an exception and Rust's guards on unwind do).
// `inline(always)`: with `#[track_caller]` the hint alone no longer
// inlines it (callgrind profile_2x3: +2% instructions).
#[inline(always)]
#[track_caller]
pub(crate) fn op(op: Op, location: &'static Location<'static>) -> OpResult {
    let announced = EXEC.with(|e| {
        let mut e = e.borrow_mut();
        if !e.active {
            return Announced::Outside;
        }
        if e.tearing_down {
            return Announced::Done(OpResult::Unit);
        }
        if ATOMIC_DEPTH.with(|d| d.get()) != 0 {
            return Announced::InAtomic;
        }
        let tid = e.current;
        if e.procs.len() > 1 {
            e.check_process_memory(tid, op, location);
        }
        let t = &mut e.threads[tid];
        t.pending = op;
        t.waited = false;
        t.location = location;
        t.life = Life::Waiting;
        if e.cache.inline_steps {
            if let Some(result) = e.step_inline(tid) {
                return Announced::Done(result);
            }
        }
        Announced::Suspend
    });
    match announced {
        Announced::Suspend => green::suspend(),
        Announced::Done(result) => result,
        Announced::Outside => op_outside(op.name()),
        Announced::InAtomic => op_in_atomic(op.name()),
    }
}

/// Panics because `what` was called outside a running execution: at the
/// user's line, since every public function on the way here is
/// `#[track_caller]`.
#[cold]
#[inline(never)]
#[track_caller]
pub(super) fn outside(what: &str) -> ! {
    panic!(
        "sim: {what} outside a simulation; sim's functions and primitives work only \
         inside a running execution: call it from the closure given to sim::model, \
         sim::check_random, sim::check_pct or sim::Builder::explore (or from code that closure \
         calls)"
    )
}

/// [`op`]'s panic outside a simulation (out of line: `op` is inlined
/// everywhere).
#[cold]
#[inline(never)]
#[track_caller]
fn op_outside(name: &str) -> ! {
    outside(&format!("a sim operation ({name}) was called"))
}

/// [`op`]'s panic inside a `Shared::with` closure.
#[cold]
#[inline(never)]
#[track_caller]
fn op_in_atomic(name: &str) -> ! {
    panic!(
        "sim: a scheduling operation ({name}) was called inside a Shared::with/with_mut closure; \
         those closures must not block, lock, print or touch other Shared values"
    )
}

/// Like [`op`] for a `print`: `text` is emitted when the operation runs.
pub(crate) fn print(text: String, location: &'static Location<'static>) {
    let active = EXEC.with(|e| {
        let mut e = e.borrow_mut();
        if !e.active {
            return false;
        }
        let tid = e.current;
        e.threads[tid].text = text.clone();
        true
    });
    if active {
        let digest = super::op::text_digest(&text);
        op(Op::Print { text: digest }, location);
    } else {
        print!("{text}");
    }
}

/// Registers a new object in the current execution; returns its id and the
/// execution's serial (for stale-handle checks).
#[track_caller]
pub(crate) fn new_object(state: ObjState, created_at: &'static Location<'static>) -> (ObjId, u64) {
    // Checked out here, not in the closure: `#[track_caller]` does not
    // reach into closures, and the panic must point at the user's line.
    if !EXEC.with(|e| e.borrow().active) {
        outside(&format!("a {} was created", state.kind()));
    }
    EXEC.with(|e| {
        let mut e = e.borrow_mut();
        let id = ObjId(e.objects.len() as u32);
        let process = e.threads[e.current].process;
        e.objects.push(Object {
            id,
            state,
            created_at,
            released_at: 0,
            process,
        });
        (id, e.serial)
    })
}

/// Checks that a handle made in execution `serial` is used in that execution.
#[inline]
#[track_caller]
pub(crate) fn check_serial(serial: u64, kind: &str) {
    let ok = EXEC.with(|e| {
        let e = e.borrow();
        e.active && e.serial == serial
    });
    // Out of the closure, which `#[track_caller]` does not reach into.
    assert!(
        ok,
        "sim: a {kind} created in one execution was used outside it (in another execution or \
         outside any): a primitive lives for one execution; create it inside the closure given to \
         sim::model, sim::check_random or sim::Builder::explore, each time it runs (not in a \
         static or a thread_local! of std)"
    );
}

/// Takes the next `Thread-N` number, as Python's `Thread.__init__` does for
/// a `Timer` when it is created (not when it starts).
#[track_caller]
pub(crate) fn reserve_thread_number() -> u32 {
    with_current_for("a threading::Timer or Thread was created", |e| {
        e.unnamed_threads += 1;
        e.unnamed_threads
    })
}

/// Runs `f` with the current execution's state (inside `rt` only: the
/// handles use the named operations below).
#[track_caller]
pub(super) fn with_current<R>(f: impl FnOnce(&mut Exec) -> R) -> R {
    with_current_for("a sim function was called", f)
}

/// [`with_current`], naming `what` the user called if no execution runs.
#[track_caller]
pub(super) fn with_current_for<R>(what: &str, f: impl FnOnce(&mut Exec) -> R) -> R {
    let done = EXEC.with(|e| {
        let mut e = e.borrow_mut();
        e.active.then(|| f(&mut e))
    });
    // Not in the closure: `#[track_caller]` does not reach into closures.
    match done {
        Some(done) => done,
        None => outside(what),
    }
}

/// What reads sim's virtual clock, for the message outside a simulation.
const CLOCK: &str = "sim's virtual clock was read (sim::time::now, sleep, Instant::now, \
                     SystemTime::now, ctime or a timeout)";

/// Whether the current thread holds the (non-reentrant) lock `lock`: a
/// std `Mutex` or `RwLock` re-acquired by its holder is a failure, not a
/// silent self-deadlock.
pub(crate) fn lock_held_by_current(lock: ObjId) -> bool {
    with_current(|e| match &e.objects[lock.index()].state {
        ObjState::RwLock(_) => super::prims::rwlock::held_by(e, lock, e.current),
        state => state.holder() == Some(e.current),
    })
}

/// Marks the start and end of a `Shared::with` closure, inside which
/// scheduling operations are forbidden.
pub(crate) struct AtomicSection;

impl AtomicSection {
    pub(crate) fn enter() -> Self {
        ATOMIC_DEPTH.with(|d| d.set(d.get() + 1));
        AtomicSection
    }
}

impl Drop for AtomicSection {
    fn drop(&mut self) {
        ATOMIC_DEPTH.with(|d| d.set(d.get() - 1));
    }
}

// Named queries and updates of the running execution, for the handles.

/// The virtual time now.
#[track_caller]
pub(crate) fn now() -> Nanos {
    with_current_for(CLOCK, |e| e.now)
}

/// Sets the Unix time (seconds) that virtual time zero stands for.
#[track_caller]
pub(crate) fn set_epoch(unix_secs: u64) {
    with_current_for("sim::time::set_epoch was called", |e| e.epoch = unix_secs);
}

/// The epoch set by [`set_epoch`] and the virtual time now.
#[track_caller]
pub(crate) fn epoch_and_now() -> (u64, Nanos) {
    with_current_for(CLOCK, |e| (e.epoch, e.now))
}

/// Virtual time an IPC send costs its sender (`Builder::ipc_latency`).
pub(crate) fn ipc_latency() -> Nanos {
    with_current(|e| e.cfg.ipc_latency)
}

/// Names thread `tid` (just spawned).
pub(crate) fn set_thread_name(tid: Tid, name: String) {
    with_current(|e| e.threads[tid].name = ThreadName::Custom(name));
}

/// Names thread `tid` `task-{number}` (a `sim::future` task's thread).
pub(crate) fn set_task_name(tid: Tid, number: u32) {
    with_current(|e| e.threads[tid].name = ThreadName::Task(number));
}

/// The name of thread `tid`.
pub(crate) fn thread_name(tid: Tid) -> String {
    with_current(|e| e.thread_name(tid))
}

/// Whether thread `tid` has not finished.
pub(crate) fn thread_is_alive(tid: Tid) -> bool {
    with_current(|e| e.threads[tid].life != Life::Finished)
}

/// The process of the running thread and the execution's serial.
pub(crate) fn current_process_and_serial() -> (u32, u64) {
    with_current(|e| (e.threads[e.current].process, e.serial))
}

/// After a `ProcSpawn` created `main` as the main thread of a new process:
/// names the process (and its main thread) if `name` is given, and returns
/// (the new pid, the spawner's pid, the execution's serial).
pub(crate) fn new_process(main: Tid, name: Option<String>) -> (u32, u32, u64) {
    with_current(|e| {
        let pid = e.threads[main].process;
        if let Some(name) = name {
            e.threads[main].name = ThreadName::Custom(name.clone());
            e.procs[pid as usize].name = Some(name);
        }
        (pid, e.threads[e.current].process, e.serial)
    })
}

/// The name of process `pid`.
pub(crate) fn process_name(pid: u32) -> String {
    with_current(|e| e.process_name(pid))
}

/// Process `pid`'s exit code, once it has exited.
pub(crate) fn process_exitcode(pid: u32) -> Option<i32> {
    with_current(|e| e.procs[pid as usize].exitcode)
}

/// A clone of a `Sender`/`SyncSender` of channel `chan` (made in execution
/// `serial`): counted at once, without a scheduling point (it changes no
/// thread's enabledness).
pub(crate) fn chan_clone_sender(chan: ObjId, serial: u64) {
    check_serial(serial, "Sender");
    with_current(|e| e.chan_add_sender(chan));
}

/// The drop of a sender (or, `receiver`, of the receiver) of channel
/// `chan`, made in execution `serial`. Applies it at once and returns
/// true when it needs no scheduling point: outside its execution or during
/// teardown (nothing to do), while the thread unwinds from a panic (as
/// std's, the drop still disconnects), or when no other thread can notice
/// (a sender that is not the last; the receiver of a channel without
/// senders). Returns false when the caller must announce the drop as an
/// operation.
pub(crate) fn chan_drop_quietly(chan: ObjId, serial: u64, receiver: bool) -> bool {
    EXEC.with(|e| {
        let mut e = e.borrow_mut();
        if !e.active || e.serial != serial || e.tearing_down {
            return true;
        }
        let quiet = std::thread::panicking()
            || if receiver {
                e.chan_no_sender(chan)
            } else {
                !e.chan_last_sender(chan)
            };
        if quiet {
            let tid = e.current;
            let step = e.threads[tid].last_step;
            e.chan_release(tid, chan, receiver, step);
            // Other threads' enabledness may have changed (a drop while
            // unwinding): the next enabled set is computed in full.
            e.cache.local_step = None;
        }
        quiet
    })
}

// Accesses that are not scheduling points: they are checked or recorded
// at the running thread's last event (see `prims/cell.rs`, `prims/atomic.rs`).

/// Runs `f` with the execution and the running thread for a non-scheduling
/// access to an object of `kind` made in execution `serial` (`None`: an
/// object the caller has just linked in this one, `binding.rs`); skipped,
/// as [`op`] is, during teardown and while the thread unwinds.
fn with_running(kind: &str, serial: Option<u64>, f: impl FnOnce(&mut Exec, Tid)) {
    EXEC.with(|e| {
        let mut e = e.borrow_mut();
        assert!(
            e.active,
            "sim: a {kind} was used outside a simulation; create and use it inside the closure \
             given to sim::model, sim::check_random or sim::Builder::explore (std types cannot be \
             simulated, sim's cannot run outside)"
        );
        assert!(
            serial.is_none_or(|s| s == e.serial),
            "sim: a {kind} created in one execution was used in another; create primitives \
             inside the closure given to sim"
        );
        if e.tearing_down || std::thread::panicking() {
            return;
        }
        let tid = e.current;
        f(&mut e, tid)
    })
}

/// A read (`write == false`) or write of the cell `cell` by the running
/// thread, race-checked against the cell's history; not a scheduling point.
pub(crate) fn cell_access(
    kind: &str,
    cell: ObjId,
    serial: u64,
    write: bool,
    location: &'static Location<'static>,
) {
    with_running(kind, Some(serial), |e, tid| {
        e.cell_access(tid, cell, write, location)
    });
}

/// loom's `unsync_load` of `atomic` by the running thread: a non-atomic
/// read, race-checked against the atomic's writes; not a scheduling point.
pub(crate) fn atomic_unsync_load(kind: &str, atomic: ObjId, location: &'static Location<'static>) {
    with_running(kind, None, |e, tid| {
        e.atomic_unsync_load(tid, atomic, location)
    });
}

/// The outcome of the compare-exchange the running thread just performed
/// on `atomic` (an [`Op::Atomic`] of kind `Cas`, whose operation has
/// returned): its happens-before effects, with `success` or `failure`.
pub(crate) fn atomic_cas_done(
    kind: &str,
    atomic: ObjId,
    ok: bool,
    success: std::sync::atomic::Ordering,
    failure: std::sync::atomic::Ordering,
) {
    with_running(kind, None, |e, tid| {
        e.atomic_cas_done(tid, atomic, ok, success, failure)
    });
}

/// The name thread `tid` was given (`Builder::name`, a Python thread's
/// name, a named process), if it was given one: `None` for `MainThread`
/// and the unnamed `Thread-N`.
pub(crate) fn thread_given_name(tid: Tid) -> Option<String> {
    with_current(|e| match &e.threads[tid].name {
        ThreadName::Custom(name) => Some(name.clone()),
        ThreadName::Task(_) => Some(e.threads[tid].name.to_string()),
        ThreadName::Main | ThreadName::Numbered(_) => None,
    })
}

/// The current thread's id and the execution's serial.
#[track_caller]
pub(crate) fn current_tid_and_serial() -> (Tid, u64) {
    let current = EXEC.with(|e| {
        let e = e.borrow();
        e.active.then_some((e.current, e.serial))
    });
    match current {
        Some(current) => current,
        None => outside(
            "a sim::thread or sim::threading function (current, park, current_thread...) was \
                 called",
        ),
    }
}

/// Whether the execution is being torn down (operations return at once).
pub(crate) fn tearing_down() -> bool {
    EXEC.with(|e| e.borrow().tearing_down)
}

/// Takes the payload of the panic that ended thread `tid`, if it panicked
/// and no one took it yet.
pub(crate) fn take_thread_payload(tid: Tid) -> Option<Box<dyn std::any::Any + Send>> {
    with_current(|e| e.threads[tid].payload.take())
}

/// Whether thread `tid` panicked and no join took its payload.
pub(crate) fn thread_payload_pending(tid: Tid) -> bool {
    with_current(|e| e.threads[tid].payload.is_some())
}

/// The current thread's value of the thread-local `key` (the address of
/// its `static`), created with `init` on first access; `Err` while or after
/// the value is destroyed, and during the teardown. See `rt/locals.rs`.
pub(crate) fn local(
    key: usize,
    init: impl FnOnce() -> std::rc::Rc<dyn std::any::Any>,
) -> Result<std::rc::Rc<dyn std::any::Any>, super::locals::Destroyed> {
    let (tid, serial) = EXEC
        .with(|e| {
            let e = e.borrow();
            assert!(
            e.active,
            "sim: a sim::thread_local! value was accessed outside a simulation; access it inside \
             the closure given to sim::model, sim::check_random or sim::Builder::explore"
        );
            (!e.tearing_down).then_some((e.current, e.serial))
        })
        .ok_or(super::locals::Destroyed)?;
    super::locals::get(serial, tid, key, init)
}

/// Whether thread `tid` is a daemon.
pub(crate) fn thread_is_daemon(tid: Tid) -> bool {
    with_current(|e| e.threads[tid].daemon)
}

/// Whether the execution's main thread has finished (other threads may
/// still run).
pub(crate) fn main_finished() -> bool {
    with_current(|e| e.threads[0].life == Life::Finished)
}

/// The next value of `sim::rand`'s generator: a function of the
/// scheduler's seed, the schedule so far (the path hash), the thread and
/// the draws before it, so that it
/// is deterministic and a token that replays the schedule replays it.
#[track_caller]
pub(crate) fn rng_next() -> u64 {
    with_current_for("sim::rand was called", |e| {
        e.rng_draws += 1;
        // splitmix64 of the mix.
        let mut z = e.log.path_hash
            ^ e.rng_seed
            ^ e.rng_draws.wrapping_mul(0x9e37_79b9_7f4a_7c15)
            ^ (e.current as u64).rotate_left(32);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    })
}
