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
}

/// Announces `op` at `location` for the current thread, suspends until the
/// scheduler has performed it, and returns its result. When nothing is to be
/// chosen the step runs at once, without suspending ([`Exec::step_inline`]).
///
/// During teardown, or while the thread unwinds from a panic, operations are
/// not scheduled: they return [`OpResult::Unit`] at once.
pub(crate) fn op(op: Op, location: &'static Location<'static>) -> OpResult {
    let announced = EXEC.with(|e| {
        let mut e = e.borrow_mut();
        assert!(
            e.active,
            "sim: this operation was called outside a simulation; run the code under sim::model, \
             sim::check_random or sim::Builder::explore"
        );
        if e.tearing_down || std::thread::panicking() {
            return Announced::Done(OpResult::Unit);
        }
        assert!(
            ATOMIC_DEPTH.with(|d| d.get()) == 0,
            "sim: a scheduling operation ({}) was called inside a Shared::with/with_mut closure; \
             those closures must not block, lock, print or touch other Shared values",
            op.name()
        );
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
    }
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
        op(Op::Print, location);
    } else {
        print!("{text}");
    }
}

/// Registers a new object in the current execution; returns its id and the
/// execution's serial (for stale-handle checks).
pub(crate) fn new_object(state: ObjState, created_at: &'static Location<'static>) -> (ObjId, u64) {
    EXEC.with(|e| {
        let mut e = e.borrow_mut();
        assert!(
            e.active,
            "sim: a {} was created outside a simulation; create primitives inside the closure \
             given to sim::model, sim::check_random or sim::Builder::explore",
            state.kind()
        );
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
pub(crate) fn check_serial(serial: u64, kind: &str) {
    EXEC.with(|e| {
        let e = e.borrow();
        assert!(
            e.active && e.serial == serial,
            "sim: a {kind} created in one execution was used outside it (in another execution or outside \
             any); create primitives inside the closure given to sim"
        );
    })
}

/// Takes the next `Thread-N` number, as Python's `Thread.__init__` does for
/// a `Timer` when it is created (not when it starts).
pub(crate) fn reserve_thread_number() -> u32 {
    with_current(|e| {
        e.unnamed_threads += 1;
        e.unnamed_threads
    })
}

/// Runs `f` with the current execution's state (inside `rt` only: the
/// handles use the named operations below).
pub(super) fn with_current<R>(f: impl FnOnce(&mut Exec) -> R) -> R {
    EXEC.with(|e| {
        let mut e = e.borrow_mut();
        assert!(e.active, "sim: called outside a simulation");
        f(&mut e)
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
pub(crate) fn now() -> Nanos {
    with_current(|e| e.now)
}

/// Sets the Unix time (seconds) that virtual time zero stands for.
pub(crate) fn set_epoch(unix_secs: u64) {
    with_current(|e| e.epoch = unix_secs);
}

/// The epoch set by [`set_epoch`] and the virtual time now.
pub(crate) fn epoch_and_now() -> (u64, Nanos) {
    with_current(|e| (e.epoch, e.now))
}

/// Virtual time an IPC send costs its sender (`Builder::ipc_latency`).
pub(crate) fn ipc_latency() -> Nanos {
    with_current(|e| e.cfg.ipc_latency)
}

/// Names thread `tid` (just spawned).
pub(crate) fn set_thread_name(tid: Tid, name: String) {
    with_current(|e| e.threads[tid].name = ThreadName::Custom(name));
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

/// The name thread `tid` was given (`Builder::name`, a Python thread's
/// name, a named process), if it was given one: `None` for `MainThread`
/// and the unnamed `Thread-N`.
pub(crate) fn thread_given_name(tid: Tid) -> Option<String> {
    with_current(|e| match &e.threads[tid].name {
        ThreadName::Custom(name) => Some(name.clone()),
        ThreadName::Main | ThreadName::Numbered(_) => None,
    })
}

/// The current thread's id and the execution's serial.
pub(crate) fn current_tid_and_serial() -> (Tid, u64) {
    EXEC.with(|e| {
        let e = e.borrow();
        assert!(
            e.active,
            "sim: a sim::thread function (current, park, spawn...) was called outside a \
             simulation; call it inside the closure given to sim::model, sim::check_random or \
             sim::Builder::explore"
        );
        (e.current, e.serial)
    })
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
