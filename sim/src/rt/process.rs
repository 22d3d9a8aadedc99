//! The runtime side of processes (`sim::multiprocessing`).
//!
//! A process is a group of green threads of the one execution, with its own
//! memory id: every thread and every object records the process it belongs
//! to (`ThreadState::process`, `Object::process`). Process 0 is the main
//! process. What the runtime does for processes:
//!
//! - `ProcSpawn` registers a process and its main thread (the spawner's
//!   clock is copied, as for a thread spawn). The `Shared` values are
//!   copied by the handle side (`process::spawn` calls `shared::fork`).
//! - A process exits when its last non-daemon thread has finished: its
//!   daemon threads are stopped, its exit code is 1 if its main thread
//!   panicked, else 0. `terminate`/`kill` (and the `Kill` fault) stop every
//!   thread of the process where it stands: the threads are marked
//!   finished and never resumed, so whatever they hold stays held.
//! - `ProcJoin` is enabled once the process has exited; it joins the clocks
//!   of all its threads.
//! - Memory isolation: an operation on an object that belongs to another
//!   process's memory is `Misuse` (checked when it is announced, in
//!   [`super::op`]); the `process::` primitives are [`CROSS_PROCESS`].
//! - Faults: with `kill_max > 0`, while fewer kills happened, every
//!   scheduling point that has an enabled thread also offers one `Kill`
//!   candidate per live non-main process (on its first live thread).
//! - IPC: `multiprocessing::Queue` is CPython's: `put` appends to a buffer
//!   of the putting process and a feeder green thread of that process
//!   (spawned by the first put) moves items to the shared queue; the feeder
//!   blocks in `FeederWait`, enabled while its buffer has an item or once
//!   every other thread of its process is finished or a waiting feeder (the
//!   process is exiting: it flushes, then ends). A kill stops the feeder
//!   with the rest of the process, so an item whose `put` returned can
//!   still be lost.
//!
//! For a dependence relation that covers processes (the optimal DPOR
//! leaves them out today: an exhaustive exploration that meets one falls
//! back to the unreduced DFS): a `Kill { pid }` candidate is not an
//! operation of the thread it is listed on; it is dependent with every
//! operation of every thread of `pid` (it disables them), with every
//! `ProcJoin { pid }` (it enables it), with the operations on the objects
//! those threads hold (a lock it holds is never released), and with other
//! kills (they share the budget). `ProcSignal` has the same dependences
//! plus program order. `ProcJoin` is like `Join`. `FeederWait` reads its
//! buffer and is enabled by the other threads of its process finishing.
//! A kill is enabled at every scheduling point while the budget lasts, so a
//! sleep set must key "kill P" by pid, not by the victim thread's tid.
//! `QueuePoll` is a read of its queue. The memory-isolation check needs no
//! dependence: it fails when the operation is announced.
//!
//! Memory isolation is deliberately conservative: Python would give a
//! child its own copy of an inherited `threading.Lock`, but in Rust the
//! handle has to be moved into the child's closure on purpose, which is
//! almost always an attempt to synchronise with the parent.

use std::panic::Location;

use super::dependence::Footprint;
use super::object::CROSS_PROCESS;
use super::op::{Op, OpResult, Tid};
use super::{Candidate, EdgeKind, Exec, Life, ThreadName};
use crate::failure::FailureKind;

/// The signal number of `Process::terminate`.
pub(crate) const SIGTERM: u8 = 15;
/// The signal number of `Process::kill` and of the `Kill` fault.
pub(crate) const SIGKILL: u8 = 9;

/// The runtime's record of one process.
#[derive(Debug, Clone)]
pub(crate) struct ProcState {
    /// A name given with `process::Builder::name` (else `Process-<pid>`).
    pub(crate) name: Option<String>,
    pub(crate) daemon: bool,
    /// The process's main thread.
    pub(crate) main: Tid,
    /// `None` while the process runs; Python's `exitcode` after.
    pub(crate) exitcode: Option<i32>,
    /// When and how it was killed or terminated.
    pub(crate) signalled: Option<Stopped>,
}

/// How a process was stopped by a signal: for deadlock reports.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stopped {
    /// The step of the kill (1-based, as in traces).
    pub(crate) step: u64,
    /// The virtual time of the kill.
    pub(crate) time: super::op::Nanos,
    /// `SIGKILL` or `SIGTERM`.
    pub(crate) sig: u8,
    /// Killed by the explorer (a `Faults::Kill` fault), not by the program.
    pub(crate) fault: bool,
}

impl ProcState {
    /// The main process (pid 0), whose main thread is `MainThread`.
    pub(crate) fn main() -> Self {
        ProcState {
            name: None,
            daemon: false,
            main: 0,
            exitcode: None,
            signalled: None,
        }
    }
}

impl Exec {
    /// The name of process `pid`: `MainProcess`, `Process-<pid>` or the
    /// name it was given.
    pub(crate) fn process_name(&self, pid: u32) -> String {
        match (&self.procs[pid as usize].name, pid) {
            (Some(name), _) => name.clone(),
            (None, 0) => "MainProcess".to_string(),
            (None, pid) => format!("Process-{pid}"),
        }
    }

    /// `can_complete` for `ProcJoin`, `QueuePoll` and `FeederWait`.
    pub(super) fn proc_can_complete(&self, tid: Tid, op: Op) -> bool {
        match op {
            Op::FeederWait { buffer } => self.buffer_len(buffer) > 0 || self.only_feeders_left(tid),
            Op::ProcJoin { pid, .. } => self.procs[pid as usize].exitcode.is_some(),
            Op::QueuePoll { queue, .. } => self.objects[queue.index()].state.queue().len() > 0,
            _ => true,
        }
    }

    /// Completes a process operation or a kill fault.
    #[inline(never)]
    pub(super) fn proc_complete(&mut self, tid: Tid, op: Op) -> OpResult {
        match op {
            Op::ProcSpawn { daemon } => {
                let pid = self.procs.len() as u32;
                let parent_clock = self.threads[tid].clock.clone();
                let name = ThreadName::Custom(format!("Process-{pid}"));
                let child = self.add_thread(name, false, parent_clock, self.steps, true);
                self.threads[child].process = pid;
                self.threads[tid].clock.tick(tid);
                self.procs.push(ProcState {
                    name: None,
                    daemon,
                    main: child,
                    exitcode: None,
                    signalled: None,
                });
                OpResult::Spawned(child as u32)
            }
            Op::ProcJoin { pid, .. } => {
                let mut last = 0;
                for t in 0..self.threads.len() {
                    if self.threads[t].process == pid && t != tid {
                        let (a, b) = super::two(&mut self.threads, tid, t);
                        a.clock.join(&b.clock);
                        last = last.max(b.last_step);
                    }
                }
                self.sync_edge(last, EdgeKind::Join, None);
                OpResult::Bool(true)
            }
            Op::ProcSignal { pid, sig } => {
                self.stop_process(pid, sig, false);
                OpResult::Unit
            }
            Op::Kill { pid } => {
                self.kills += 1;
                self.stop_process(pid, SIGKILL, true);
                OpResult::Unit
            }
            Op::QueuePoll { .. } => OpResult::Bool(true),
            Op::FeederWait { buffer } => OpResult::Bool(self.buffer_len(buffer) > 0),
            _ => unreachable!("not a process operation"),
        }
    }

    fn buffer_len(&self, buffer: super::op::ObjId) -> usize {
        self.objects[buffer.index()].state.queue().len()
    }

    /// Whether every thread of `tid`'s process other than `tid` is a
    /// daemon, has finished, or is a feeder waiting too: the process is
    /// exiting, its feeders flush and end (Python's queue finalizers).
    fn only_feeders_left(&self, tid: Tid) -> bool {
        let pid = self.threads[tid].process;
        self.threads.iter().enumerate().all(|(t, th)| {
            t == tid
                || th.process != pid
                || th.daemon
                || th.life == Life::Finished
                || (th.life == Life::Waiting && matches!(th.pending, Op::FeederWait { .. }))
        })
    }

    /// Stops every thread of process `pid` where it stands (they never run
    /// again); its exit code becomes `-sig`. A no-op once it has exited.
    /// `fault`: the explorer's kill, not the program's.
    fn stop_process(&mut self, pid: u32, sig: u8, fault: bool) {
        let p = &mut self.procs[pid as usize];
        if p.exitcode.is_some() {
            return;
        }
        p.exitcode = Some(-i32::from(sig));
        p.signalled = Some(Stopped {
            step: self.steps,
            time: self.now,
            sig,
            fault,
        });
        for t in &mut self.threads {
            if t.process == pid && t.life != Life::Finished {
                t.life = Life::Finished;
            }
        }
    }

    /// Called when thread `tid` has finished: its process exits when no
    /// non-daemon thread of it is left (its daemon threads are stopped).
    pub(super) fn thread_exited(&mut self, tid: Tid) {
        let pid = self.threads[tid].process;
        if pid == 0 || self.procs[pid as usize].exitcode.is_some() {
            return;
        }
        let running = self
            .threads
            .iter()
            .any(|t| t.process == pid && !t.daemon && t.life != Life::Finished);
        if running {
            return;
        }
        let main = self.procs[pid as usize].main;
        let code = if self.threads[main].panic.is_some() {
            1
        } else {
            0
        };
        self.procs[pid as usize].exitcode = Some(code);
        for t in &mut self.threads {
            if t.process == pid {
                t.life = Life::Finished;
            }
        }
    }

    /// Adds one `Kill` candidate per live non-main process.
    pub(super) fn push_kill_candidates(&mut self) {
        for pid in 1..self.procs.len() {
            if self.procs[pid].exitcode.is_some() {
                continue;
            }
            let victim = self
                .threads
                .iter()
                .position(|t| t.process == pid as u32 && t.life != Life::Finished);
            if let Some(tid) = victim {
                self.cache.enabled.push(Candidate {
                    tid,
                    op: Op::Kill { pid: pid as u32 },
                    timeout: false,
                });
            }
        }
    }

    /// Memory isolation: `op` of thread `tid` must not touch an object of
    /// another process's memory. Called when the operation is announced.
    pub(super) fn check_process_memory(
        &mut self,
        tid: Tid,
        op: Op,
        location: &'static Location<'static>,
    ) {
        let user = self.threads[tid].process;
        if let Op::Join { target } | Op::JoinTimeout { target, .. } = op {
            let owner = self.threads[target].process;
            if owner != user {
                let msg = format!(
                    "{} of {} joins {} of {} at {}: a process has only its own threads (a fork \
                     copies the calling thread alone); processes do not share memory; use a \
                     Queue, Pipe, Value or Manager (sim::multiprocessing::Queue, Pipe, Value, Lock), or \
                     join the Process",
                    self.threads[tid].name,
                    self.process_name(user),
                    self.threads[target].name,
                    self.process_name(owner),
                    location
                );
                self.fail(FailureKind::Misuse, msg, Some(tid), true);
            }
            return;
        }
        let Some(obj) = op.object() else { return };
        let owner = self.objects[obj.index()].process;
        if owner == CROSS_PROCESS || owner == user {
            return;
        }
        let msg = format!(
            "{} belongs to the memory of {}, but {} of {} used it ({}) at {}: processes do not \
             share memory; use a Queue, Pipe, Value or Manager (sim::multiprocessing::Queue, Pipe, \
             Value, Lock)",
            self.objects[obj.index()],
            self.process_name(owner),
            self.threads[tid].name,
            self.process_name(user),
            op.name(),
            location
        );
        self.fail(FailureKind::Misuse, msg, Some(tid), true);
    }

    /// For a deadlock report: how thread `tid`, which holds something, ended.
    pub(super) fn end_note(&self, tid: Tid) -> String {
        let pid = self.threads[tid].process;
        match self.procs[pid as usize].signalled {
            Some(stop) => format!(
                "which is dead: its process {} was {} at step {}",
                self.process_name(pid),
                match (stop.sig, stop.fault) {
                    (_, true) => "killed (SIGKILL) by the explorer (a --kill fault)",
                    (SIGKILL, false) => "killed (SIGKILL)",
                    _ => "terminated (SIGTERM)",
                },
                stop.step
            ),
            None => "which has finished".to_string(),
        }
    }

    /// For a deadlock report: one line per process the explorer killed
    /// (`Faults::Kill`), in kill order, with the step and virtual time of
    /// the kill when `when` (the report; the key leaves them out, so that
    /// one deadlock reached by kills at different steps is one failure).
    pub(super) fn kill_notes(&self, when: bool) -> Vec<String> {
        let mut killed: Vec<(u32, Stopped)> = (0..self.procs.len() as u32)
            .filter_map(|pid| {
                let stop = self.procs[pid as usize].signalled?;
                stop.fault.then_some((pid, stop))
            })
            .collect();
        killed.sort_by_key(|&(pid, stop)| (stop.step, pid));
        killed
            .into_iter()
            .map(|(pid, stop)| {
                let at = if when {
                    format!(
                        " at step {}, virtual time {}",
                        stop.step,
                        crate::time::format_nanos(stop.time)
                    )
                } else {
                    String::new()
                };
                format!(
                    "  {} was killed by the explorer (a --kill fault, Faults::Kill){at}: its \
                     threads never ran again, what it held stays held",
                    self.process_name(pid)
                )
            })
            .collect()
    }
}

/// Process operations touch no object (they are ordered by the threads
/// they create, join and stop); a poll reads its queue, a feeder writes
/// its buffer. Not reduced by the optimal DPOR.
pub(crate) fn footprint(op: Op) -> Footprint {
    match op {
        Op::QueuePoll { queue, .. } => Footprint::reads(queue),
        Op::FeederWait { buffer } => Footprint::writes(buffer),
        _ => Footprint::NOTHING,
    }
}

/// The process of the running thread (0 outside processes).
#[inline]
pub(crate) fn current_process() -> u32 {
    super::EXEC.with(|e| {
        let e = e.borrow();
        e.threads.get(e.current).map_or(0, |t| t.process)
    })
}

/// Whether the execution is being torn down (operations are no-ops; the
/// running-thread bookkeeping is stale): handles must not report misuse.
pub(crate) fn tearing_down() -> bool {
    super::EXEC.with(|e| e.borrow().tearing_down) || std::thread::panicking()
}

/// Marks object `id` as shared between processes (a `process::` primitive).
pub(crate) fn mark_cross_process(id: super::op::ObjId) {
    super::with_current(|e| e.objects[id.index()].process = CROSS_PROCESS);
}

/// Gives object `id` to process `pid`'s memory (a copy made at a fork).
pub(crate) fn give_to_process(id: super::op::ObjId, pid: u32) {
    super::with_current(|e| e.objects[id.index()].process = pid);
}

/// Reports `Misuse` found by a handle (not by the runtime) for the running
/// thread, and stops the execution: the thread suspends and never resumes.
pub(crate) fn misuse(message: String, location: &'static Location<'static>) -> ! {
    super::with_current(|e| {
        let tid = e.current;
        e.fail(FailureKind::Misuse, message.clone(), Some(tid), true);
    });
    super::op(Op::Yield, location);
    // Only reached during teardown, where operations do not suspend.
    panic!("sim: {message}")
}
