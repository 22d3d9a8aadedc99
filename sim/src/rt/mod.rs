//! The runtime: one execution of a scenario on green threads and a virtual
//! clock.
//!
//! The runtime knows nothing of exploration strategies. It asks a
//! [`Scheduler`] one question, "which of these enabled threads next?", and
//! otherwise runs the execution: it keeps every thread's pending operation,
//! decides which are enabled, advances the virtual clock when none is,
//! performs the chosen operation (updating object state and vector clocks,
//! checking for races and misuse), and resumes the chosen thread until it
//! announces its next operation.
//!
//! Primitives talk to the runtime through one narrow interface:
//! [`new_object`] to register their state, [`op`] to announce a visible
//! operation and get its result, and [`with_object`] for read-only peeks.

pub(crate) mod clock;
mod deadlock;
#[allow(unsafe_code)]
pub(crate) mod green;
pub(crate) mod object;
pub(crate) mod op;
mod prims;
pub(crate) mod process;
pub(crate) mod race;

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe, Location};
use std::sync::{Arc, Once};

use clock::VectorClock;
use green::{GreenThread, Resumed};
use object::{ObjState, Object};
use op::{Nanos, ObjId, Op, OpResult, Tid};
use race::{Access, Race};

use crate::failure::FailureKind;
pub(crate) use crate::trace::EdgeKind;

/// The question a strategy answers.
pub(crate) trait Scheduler {
    /// Picks one of `enabled` (never empty) to run next; returns its index.
    fn choose(&mut self, enabled: &[Candidate]) -> usize;

    /// Whether [`Scheduler::choose`] is also called when only one thread
    /// is enabled (a strategy that follows every event, such as exhaustive
    /// exploration, which then sees step `i` as its `i`-th call).
    fn observes_every_step(&self) -> bool {
        false
    }
}

/// An enabled thread and the operation it would perform.
///
/// A thread may appear twice in one choice: once to complete its operation
/// and once to time out (a timed wait under adversarial timing). Under
/// `Timing::Exact` a timed operation is one candidate: it times out only when
/// its deadline has passed and it cannot complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub(crate) tid: Tid,
    pub(crate) op: Op,
    /// Whether performing this candidate makes the operation time out.
    pub(crate) timeout: bool,
}

/// Threads [`Exec::compute_plain`] can handle: one bit each in
/// [`Exec::live_mask`]. Programs with more use the general computation.
const LIVE_BITS: usize = 64;

/// Settings of one execution.
#[derive(Debug, Clone)]
pub(crate) struct ExecConfig {
    pub(crate) max_steps: u64,
    pub(crate) race_detection: bool,
    pub(crate) stack_size: usize,
    /// Record each event's vector clock in [`Exec::clocks`]. Off on the
    /// exploration hot path (it allocates per step); on when a trace is built.
    pub(crate) record_clocks: bool,
    /// Keep the event log ([`Exec::events`]) and the happens-before edges
    /// ([`Exec::edges`]): traces and the exhaustive searches need them. The
    /// random strategies run without (only [`Exec::path_hash`] follows the
    /// path) and replay a failing execution with them to build its trace.
    pub(crate) record_events: bool,
    /// `Timing::Adversarial`: a sleep is a yield plus a lower bound on the
    /// clock, a timed wait may time out at any scheduling point.
    pub(crate) adversarial: bool,
    /// Whether a condition wait may wake up without a notify.
    pub(crate) spurious_wakeups: bool,
    /// `Faults::Kill { max }`: how many processes the explorer may kill.
    pub(crate) kill_max: u32,
    /// Virtual time an IPC send costs its sender (`Builder::ipc_latency`).
    pub(crate) ipc_latency: Nanos,
}

/// A thread's name, formatted only when needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ThreadName {
    Main,
    Numbered(u32),
    Custom(String),
}

impl std::fmt::Display for ThreadName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ThreadName::Main => f.write_str("MainThread"),
            ThreadName::Numbered(n) => write!(f, "Thread-{n}"),
            ThreadName::Custom(s) => f.write_str(s),
        }
    }
}

/// Where a thread is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Life {
    /// Created by `spawn`, not yet run to its first operation.
    NotStarted,
    /// Suspended at a scheduling point, `pending` is its next operation.
    Waiting,
    /// Running right now.
    Running,
    /// Its body has returned or panicked.
    Finished,
}

/// The runtime's record of one green thread.
#[derive(Debug)]
pub(crate) struct ThreadState {
    pub(crate) name: ThreadName,
    pub(crate) daemon: bool,
    pub(crate) life: Life,
    pub(crate) pending: Op,
    pub(crate) location: &'static Location<'static>,
    pub(crate) clock: VectorClock,
    /// The panic message, if the thread panicked.
    pub(crate) panic: Option<String>,
    /// Text of a pending `print`.
    pub(crate) text: String,
    /// Whether the pending operation has been blocked at some scheduling
    /// point since it was announced: only then may a timed wait time out
    /// early under adversarial timing.
    pub(crate) waited: bool,
    /// Step of the `spawn` that created the thread (0 for `MainThread`).
    pub(crate) spawned_at: u64,
    /// Step of the thread's last event (0 before its first).
    pub(crate) last_step: u64,
    /// The process the thread belongs to (0: the main process).
    pub(crate) process: u32,
}

/// One performed operation, as recorded in the event log.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Event {
    pub(crate) step: u64,
    pub(crate) tid: Tid,
    pub(crate) op: Op,
    pub(crate) result: OpResult,
    pub(crate) time: Nanos,
    pub(crate) location: &'static Location<'static>,
}

/// A happens-before edge other than program order: event `from`
/// synchronises with event `to` (or, for [`EdgeKind::Race`], the two are
/// racing accesses). Edges are recorded in [`Exec::edges`] as operations
/// complete: a cheap push of plain data, no formatting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SyncEdge {
    pub(crate) from: u64,
    pub(crate) to: u64,
    pub(crate) kind: EdgeKind,
    pub(crate) object: Option<ObjId>,
}

/// Text printed by a thread with `sim::print!`.
#[derive(Debug, Clone)]
pub(crate) struct OutputChunk {
    pub(crate) time: Nanos,
    pub(crate) tid: Tid,
    pub(crate) text: String,
}

/// What went wrong in an execution, as the runtime saw it.
#[derive(Debug, Clone)]
pub(crate) struct ExecFailure {
    pub(crate) kind: FailureKind,
    pub(crate) message: String,
    /// What makes two failures the same, for collecting distinct ones (the
    /// message, or for races the pair of source locations).
    pub(crate) key: String,
    pub(crate) tid: Option<Tid>,
    pub(crate) step: u64,
}

/// The whole state of the running (or last) execution on this OS thread.
pub(crate) struct Exec {
    pub(crate) active: bool,
    pub(crate) serial: u64,
    pub(crate) cfg: ExecConfig,
    pub(crate) threads: Vec<ThreadState>,
    pub(crate) objects: Vec<Object>,
    pub(crate) now: Nanos,
    /// Unix time (seconds) that virtual time zero stands for, for `time::ctime`.
    pub(crate) epoch: u64,
    pub(crate) steps: u64,
    pub(crate) current: Tid,
    pub(crate) events: Vec<Event>,
    /// Happens-before edges between events (spawn, join, release-acquire,
    /// ...) and the race, if one was found. See [`Exec::sync_edge`].
    pub(crate) edges: Vec<SyncEdge>,
    /// Per event (same index as `events`), the thread's vector clock as the
    /// operation saw it: after its joins, before its own tick. Only filled
    /// when `cfg.record_clocks`.
    pub(crate) clocks: Vec<VectorClock>,
    /// A hash of the sequence of threads that took the steps, kept whether
    /// or not events are recorded: a replay that took another path has
    /// (almost surely) another hash.
    pub(crate) path_hash: u64,
    pub(crate) output: Vec<OutputChunk>,
    pub(crate) failure: Option<ExecFailure>,
    /// Set when the failure ends the execution at once.
    terminal: bool,
    tearing_down: bool,
    unnamed_threads: u32,
    unstarted: Vec<Tid>,
    /// The threads below [`LIVE_BITS`] that have not returned (or
    /// panicked) yet, one bit each: what [`Exec::compute_plain`] scans.
    /// Threads ended by their process's exit or kill keep their bit (only
    /// the general computation runs when there are processes).
    live_mask: u64,
    enabled: Vec<Candidate>,
    /// The thread whose step was local (see [`Exec::refresh_local`]), if
    /// the last step was one.
    local_step: Option<Tid>,
    /// Whether a step may run inline, on the green thread that announced
    /// it (see [`Exec::step_inline`]): the scheduler is asked only when
    /// there is a choice.
    inline_steps: bool,
    /// What [`Exec::compute_enabled`] returned when a thread computed it
    /// before suspending, for the scheduler loop to use instead of computing
    /// it again.
    computed: Option<bool>,
    /// Processes, by pid (0: the main process). See `rt/process.rs`.
    pub(crate) procs: Vec<process::ProcState>,
    /// Kills performed as faults in this execution.
    pub(crate) kills: u32,
    /// The green thread of each thread id; `None` once finished, and while
    /// it runs (the scheduler holds it then).
    greens: Vec<Option<Box<GreenThread>>>,
}

thread_local! {
    static EXEC: RefCell<Exec> = const { RefCell::new(Exec::new()) };
    /// True while a green thread runs: its panics are captured, not printed.
    static CAPTURE_PANICS: Cell<bool> = const { Cell::new(false) };
    /// Message and location of the last captured panic.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Depth of `Shared::with` closures on the running thread.
    static ATOMIC_DEPTH: Cell<u32> = const { Cell::new(0) };
    static SERIAL: Cell<u64> = const { Cell::new(0) };
}

impl Exec {
    const fn new() -> Self {
        Exec {
            active: false,
            serial: 0,
            cfg: ExecConfig {
                max_steps: 0,
                race_detection: true,
                stack_size: green::DEFAULT_STACK_SIZE,
                record_clocks: false,
                record_events: true,
                adversarial: false,
                spurious_wakeups: false,
                kill_max: 0,
                ipc_latency: 0,
            },
            threads: Vec::new(),
            objects: Vec::new(),
            now: 0,
            epoch: 0,
            steps: 0,
            current: 0,
            events: Vec::new(),
            edges: Vec::new(),
            clocks: Vec::new(),
            path_hash: 0,
            output: Vec::new(),
            failure: None,
            terminal: false,
            tearing_down: false,
            unnamed_threads: 0,
            unstarted: Vec::new(),
            live_mask: 0,
            enabled: Vec::new(),
            local_step: None,
            inline_steps: false,
            computed: None,
            procs: Vec::new(),
            kills: 0,
            greens: Vec::new(),
        }
    }

    fn reset(&mut self, cfg: &ExecConfig, serial: u64) {
        self.active = true;
        self.serial = serial;
        self.cfg = cfg.clone();
        self.threads.clear();
        self.objects.clear();
        self.now = 0;
        self.epoch = 0;
        self.steps = 0;
        self.current = 0;
        self.events.clear();
        self.edges.clear();
        self.clocks.clear();
        self.path_hash = 0;
        self.output.clear();
        self.failure = None;
        self.terminal = false;
        self.tearing_down = false;
        self.unnamed_threads = 0;
        self.unstarted.clear();
        self.live_mask = 0;
        self.enabled.clear();
        self.local_step = None;
        self.inline_steps = false;
        self.computed = None;
        self.procs.clear();
        self.procs.push(process::ProcState::main());
        self.kills = 0;
    }

    /// Thread `tid`'s body has returned (or panicked): it has finished.
    fn thread_returned(&mut self, tid: Tid) {
        self.threads[tid].life = Life::Finished;
        if tid < LIVE_BITS {
            self.live_mask &= !(1 << tid);
        }
        self.thread_exited(tid);
    }

    fn add_thread(
        &mut self,
        name: ThreadName,
        daemon: bool,
        clock: VectorClock,
        spawned_at: u64,
    ) -> Tid {
        let tid = self.threads.len();
        let mut clock = clock;
        clock.tick(tid);
        self.threads.push(ThreadState {
            name,
            daemon,
            life: Life::NotStarted,
            pending: Op::Start,
            location: Location::caller(),
            clock,
            panic: None,
            text: String::new(),
            waited: false,
            spawned_at,
            last_step: 0,
            process: 0,
        });
        self.unstarted.push(tid);
        if tid < LIVE_BITS {
            self.live_mask |= 1 << tid;
        }
        tid
    }

    /// The thread that blocked thread `tid` waits for: the holder of the
    /// lock it acquires, the thread it joins.
    pub(crate) fn waits_on(&self, tid: Tid) -> Option<Tid> {
        match self.threads[tid].pending {
            Op::Join { target } => Some(target),
            op => op
                .object()
                .and_then(|o| self.objects[o.index()].state.holder()),
        }
    }

    /// The name of thread `tid`, for reports.
    pub(crate) fn thread_name(&self, tid: Tid) -> String {
        self.threads[tid].name.to_string()
    }

    fn fail(&mut self, kind: FailureKind, message: String, tid: Option<Tid>, terminal: bool) {
        let key = message.clone();
        self.fail_keyed(kind, message, key, tid, terminal);
    }

    fn fail_keyed(
        &mut self,
        kind: FailureKind,
        message: String,
        key: String,
        tid: Option<Tid>,
        terminal: bool,
    ) {
        if self.failure.is_none() {
            self.failure = Some(ExecFailure {
                kind,
                message,
                key,
                tid,
                step: self.steps,
            });
        }
        self.terminal |= terminal;
    }

    /// Whether `op` of thread `tid` can complete now (ignoring deadlines).
    #[inline(always)]
    fn can_complete(&self, tid: Tid, op: &Op) -> bool {
        match *op {
            Op::Sleep { until } => self.cfg.adversarial || self.now >= until,
            Op::Join { target } => self.threads[target].life == Life::Finished,
            Op::LockAcquire { lock, .. } => match self.objects[lock.index()].state {
                ObjState::Lock { locked, .. } => !locked,
                _ => unreachable!("LockAcquire on a non-Lock"),
            },
            Op::RLockAcquire { lock, .. } => match self.objects[lock.index()].state {
                ObjState::RLock { owner, .. } => owner.is_none() || owner == Some(tid),
                _ => unreachable!("RLockAcquire on a non-RLock"),
            },
            Op::Start
            | Op::Yield
            | Op::Spawn { .. }
            | Op::LockRelease { .. }
            | Op::LockLocked { .. }
            | Op::RLockRelease { .. }
            | Op::Read { .. }
            | Op::Write { .. }
            | Op::Print => true,
            Op::ProcJoin { .. } | Op::QueuePoll { .. } | Op::FeederWait { .. } => {
                self.proc_can_complete(tid, *op)
            }
            op => self.prim_can_complete(tid, op),
        }
    }

    /// Pushes the candidates of thread `tid` (none if it is blocked).
    ///
    /// Under `Timing::Exact` a timed operation times out only once its
    /// deadline has passed and it cannot complete. Under
    /// `Timing::Adversarial` it may time out before its deadline while it
    /// waits, and, once it has waited, even when it could now complete (the
    /// release came too late): both candidates are pushed. An operation that
    /// never had to wait (a timed acquire of a free lock) just completes, as
    /// in Python. With spurious wake-ups on, a condition waiter may always
    /// wake.
    fn push_candidates(&mut self, tid: Tid) {
        let op = self.threads[tid].pending;
        let can = self.can_complete(tid, &op);
        if can {
            self.enabled.push(Candidate {
                tid,
                op,
                timeout: false,
            });
            // The hot path: only an adversarial wait that has waited may
            // also time out.
            if !(self.cfg.adversarial && self.threads[tid].waited) {
                return;
            }
        } else {
            self.threads[tid].waited = true;
        }
        let waited = self.threads[tid].waited;
        let times_out = match op.deadline() {
            Some(_) if matches!(op, Op::Sleep { .. }) => false,
            Some(d) if self.cfg.adversarial => {
                (!can || (waited && d > self.now)) && self.can_time_out(op)
            }
            Some(d) => !can && self.now >= d && self.can_time_out(op),
            None => false,
        };
        let spurious = self.cfg.spurious_wakeups && !can && matches!(op, Op::CondBlock { .. });
        if times_out || spurious {
            self.enabled.push(Candidate {
                tid,
                op,
                timeout: true,
            });
        }
    }

    /// Fills `self.enabled`, advancing the clock if nothing can run now.
    /// Returns false when the execution is over (finished or failed).
    #[inline]
    fn compute_enabled(&mut self) -> bool {
        if let Some(tid) = self.local_step.take() {
            if self.refresh_local(tid) {
                #[cfg(debug_assertions)]
                {
                    let fast = self.enabled.clone();
                    self.compute_all();
                    debug_assert_eq!(fast, self.enabled, "the local-step shortcut diverged");
                }
                return self.within_step_limit();
            }
        }
        self.compute_all()
    }

    /// After a local step by `tid` (one that changes nothing another
    /// thread's operation depends on: see [`Op::is_local`]), the enabled set
    /// is the last one with `tid`'s entry replaced by its new operation.
    /// Does that when the new operation can simply complete, under exact
    /// timing without kill faults; returns false (nothing changed) when the
    /// full computation is needed.
    #[inline]
    fn refresh_local(&mut self, tid: Tid) -> bool {
        if self.cfg.adversarial || self.cfg.spurious_wakeups || self.cfg.kill_max > 0 {
            return false;
        }
        if self.threads[tid].life != Life::Waiting {
            return false;
        }
        let Some(pos) = self.enabled.iter().position(|c| c.tid == tid) else {
            return false;
        };
        if self.enabled.get(pos + 1).is_some_and(|c| c.tid == tid) {
            return false;
        }
        let op = self.threads[tid].pending;
        if !self.can_complete(tid, &op) {
            return false;
        }
        self.enabled[pos] = Candidate {
            tid,
            op,
            timeout: false,
        };
        true
    }

    /// Checks the step limit before a step; false (and a `StepLimit`
    /// failure) when it is reached.
    #[inline]
    fn within_step_limit(&mut self) -> bool {
        if self.steps >= self.cfg.max_steps {
            let msg = self.step_limit_message();
            self.fail(FailureKind::StepLimit, msg, None, true);
            return false;
        }
        true
    }

    /// [`Exec::compute_enabled`] from scratch: every thread's candidates.
    fn compute_all(&mut self) -> bool {
        let plain = !self.cfg.adversarial
            && !self.cfg.spurious_wakeups
            && self.cfg.kill_max == 0
            && self.procs.len() == 1;
        if plain {
            if let Some(go) = self.compute_plain() {
                #[cfg(debug_assertions)]
                {
                    let fast = self.enabled.clone();
                    let general = self.compute_general();
                    debug_assert_eq!(
                        (go, &fast),
                        (general, &self.enabled),
                        "the plain computation diverged"
                    );
                }
                return go;
            }
        }
        self.compute_general()
    }

    /// [`Exec::compute_all`] in the common case, in one tight pass: Exact
    /// timing, no spurious wake-ups, no kill faults, one process, at most
    /// [`LIVE_BITS`] threads, and no blocked thread with a deadline. Then a
    /// thread has at most one candidate, its operation, if it can complete
    /// (and its `waited` flag, read only under Adversarial timing, is not
    /// kept). `None` when the
    /// general computation is needed: a blocked thread has a deadline, no
    /// thread can run (the clock moves, or it is a deadlock), or every
    /// non-daemon thread has finished.
    #[inline]
    fn compute_plain(&mut self) -> Option<bool> {
        if self.threads.len() > LIVE_BITS {
            return None;
        }
        self.enabled.clear();
        let mut live = false;
        debug_assert!((0..self.threads.len())
            .all(|t| (self.live_mask >> t & 1 == 1) == (self.threads[t].life != Life::Finished)));
        let mut bits = self.live_mask;
        while bits != 0 {
            let tid = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let t = &self.threads[tid];
            live |= !t.daemon;
            // By reference: most threads scanned are blocked, and their
            // operation need not be copied.
            if self.can_complete(tid, &t.pending) {
                let op = t.pending;
                self.enabled.push(Candidate {
                    tid,
                    op,
                    timeout: false,
                });
            } else if t.pending.deadline().is_some() {
                return None;
            }
        }
        if !live || self.enabled.is_empty() {
            return None;
        }
        Some(self.within_step_limit())
    }

    /// [`Exec::compute_all`] for any configuration.
    fn compute_general(&mut self) -> bool {
        loop {
            self.enabled.clear();
            let mut live = false;
            let mut next_deadline: Option<Nanos> = None;
            for tid in 0..self.threads.len() {
                let t = &self.threads[tid];
                if t.life == Life::Finished {
                    continue;
                }
                if !live {
                    live = !t.daemon && (t.process == 0 || !self.procs[t.process as usize].daemon);
                }
                let before = self.enabled.len();
                self.push_candidates(tid);
                if self.enabled.len() == before {
                    if let Some(d) = self.threads[tid]
                        .pending
                        .deadline()
                        .filter(|&d| d > self.now)
                    {
                        next_deadline = Some(next_deadline.map_or(d, |n: Nanos| n.min(d)));
                    }
                }
            }
            if !live {
                return false;
            }
            if !self.enabled.is_empty() && self.kills < self.cfg.kill_max {
                self.push_kill_candidates();
            }
            if !self.enabled.is_empty() {
                return self.within_step_limit();
            }
            match next_deadline {
                Some(d) => self.now = d,
                None => {
                    let (msg, key) = deadlock::report(self);
                    self.fail_keyed(FailureKind::Deadlock, msg, key, None, true);
                    return false;
                }
            }
        }
    }

    /// Runs the step after `tid` announced its operation without leaving
    /// `tid`'s green thread, when nothing is to be chosen: no new thread
    /// waits to start, and `tid`'s operation is the only enabled candidate.
    /// Returns the operation's result for `tid` to go on with, or `None`
    /// when `tid` must suspend: the scheduler loop then takes the step, using
    /// the enabled set computed here (`self.computed`).
    ///
    /// This performs the same steps, in the same order, as the scheduler
    /// loop would (see [`run_execution`]), so schedules, tokens and traces
    /// are unchanged; it saves the two context switches and the loop's
    /// bookkeeping of most steps (in random 2x3 lock increments, three steps
    /// in four have a single candidate, that of the thread which just ran).
    #[inline]
    fn step_inline(&mut self, tid: Tid) -> Option<OpResult> {
        if !self.unstarted.is_empty() || self.terminal {
            return None;
        }
        let go = self.compute_enabled();
        if !go || self.enabled.len() != 1 || self.enabled[0].tid != tid {
            self.computed = Some(go);
            return None;
        }
        let (_, result) = self.perform(0);
        if self.terminal || self.threads[tid].life == Life::Finished {
            // The loop ends the execution, or never runs `tid` again.
            return None;
        }
        self.threads[tid].life = Life::Running;
        Some(result)
    }

    /// Makes `tid` the running thread and hands out its green thread, to
    /// be resumed.
    fn run(&mut self, tid: Tid) -> Box<GreenThread> {
        self.current = tid;
        self.threads[tid].life = Life::Running;
        self.greens[tid]
            .take()
            .expect("sim: internal error: thread has no stack")
    }

    fn step_limit_message(&self) -> String {
        let mut msg = format!(
            "step limit: the execution ran {} steps without finishing (possible livelock); \
             raise it with Builder::max_steps if the program is just long.\n  still running:",
            self.steps
        );
        for c in &self.enabled {
            let t = &self.threads[c.tid];
            msg.push_str(&format!(
                "\n    {} about to {} at {}",
                t.name, c.op, t.location
            ));
        }
        msg
    }

    /// Performs the chosen candidate: the pending operation of its thread,
    /// or that operation's timeout.
    #[inline]
    fn perform(&mut self, choice: usize) -> (Candidate, OpResult) {
        let c = self.enabled[choice];
        let Candidate { tid, op, timeout } = c;
        let location = self.threads[tid].location;
        self.steps += 1;
        self.local_step = (!timeout && op.is_local()).then_some(tid);
        // Only tracing records the clock the operation saw.
        let own_before = self
            .cfg
            .record_clocks
            .then(|| self.threads[tid].clock.get(tid));
        let thread = &mut self.threads[tid];
        if thread.last_step == 0 && thread.spawned_at != 0 {
            // The thread's first event: the spawn happens before it.
            let from = thread.spawned_at;
            self.sync_edge(from, EdgeKind::Spawn, None);
        }
        self.threads[tid].last_step = self.steps;
        let result = if timeout {
            self.time_out(op)
        } else {
            self.complete(tid, op, location)
        };
        if let Some(own_before) = own_before {
            // The clock the operation saw: its joins included, its own tick
            // (release, spawn) not, so that an edge e -> f has clock(e) <= clock(f).
            let mut clock = self.threads[tid].clock.clone();
            clock.set(tid, own_before);
            self.clocks.push(clock);
        }
        // FNV-1a's multiplier: one xor and one multiply per step.
        self.path_hash = (self.path_hash ^ tid as u64).wrapping_mul(0x100_0000_01b3);
        if self.cfg.record_events {
            self.events.push(Event {
                step: self.steps,
                tid,
                // Read again from the enabled set, not from the copy `op`:
                // that copy is stored in pieces, and reading it back whole
                // stalled the CPU (a failed store-to-load forwarding: a fifth
                // of `perform`'s perf samples).
                op: self.enabled[choice].op,
                result,
                time: self.now,
                location,
            });
        }
        (self.enabled[choice], result)
    }

    /// Records that the event being performed (step `self.steps`)
    /// synchronises with the earlier event `from` (`0` means "none": nothing
    /// is recorded). This is the one hook every primitive uses for its
    /// happens-before edges: call it where the operation joins a clock that
    /// an earlier event stored (a lock's, an event's, a queue item's...).
    pub(crate) fn sync_edge(&mut self, from: u64, kind: EdgeKind, object: Option<ObjId>) {
        if from != 0 && self.cfg.record_events {
            self.edges.push(SyncEdge {
                from,
                to: self.steps,
                kind,
                object,
            });
        }
    }

    /// Completes `op` of thread `tid`: updates object state and clocks.
    #[inline(always)]
    fn complete(&mut self, tid: Tid, op: Op, location: &'static Location<'static>) -> OpResult {
        match op {
            Op::Start | Op::Yield => OpResult::Unit,
            Op::Sleep { until } => {
                // Under adversarial timing a sleep may run early: the clock
                // only moves up to its deadline, as a lower bound.
                self.now = self.now.max(until);
                OpResult::Unit
            }
            Op::Spawn { daemon, named } => {
                let name = if named {
                    ThreadName::Custom(String::new())
                } else {
                    self.unnamed_threads += 1;
                    ThreadName::Numbered(self.unnamed_threads)
                };
                let parent_clock = self.threads[tid].clock.clone();
                let child = self.add_thread(name, daemon, parent_clock, self.steps);
                self.threads[child].process = self.threads[tid].process;
                self.threads[tid].clock.tick(tid);
                OpResult::Spawned(child as u32)
            }
            Op::Join { target } => {
                let (a, b) = two(&mut self.threads, tid, target);
                a.clock.join(&b.clock);
                let from = b.last_step;
                self.sync_edge(from, EdgeKind::Join, None);
                OpResult::Unit
            }
            Op::LockAcquire { lock, .. } => {
                let thread = &mut self.threads[tid];
                let object = &mut self.objects[lock.index()];
                let acquired = match &mut object.state {
                    ObjState::Lock {
                        locked,
                        holder,
                        clock,
                    } => {
                        if *locked {
                            false
                        } else {
                            *locked = true;
                            *holder = Some(tid);
                            thread.clock.join(clock);
                            true
                        }
                    }
                    _ => unreachable!(),
                };
                if acquired {
                    let from = object.released_at;
                    self.sync_edge(from, EdgeKind::Lock, Some(lock));
                }
                OpResult::Bool(acquired)
            }
            Op::LockRelease { lock } => {
                let thread = &mut self.threads[tid];
                let object = &mut self.objects[lock.index()];
                let was_locked = match &mut object.state {
                    ObjState::Lock {
                        locked,
                        holder,
                        clock,
                    } => {
                        let was = *locked;
                        if was {
                            *locked = false;
                            *holder = None;
                            clock.copy_from(&thread.clock);
                            thread.clock.tick(tid);
                        }
                        was
                    }
                    _ => unreachable!(),
                };
                if was_locked {
                    object.released_at = self.steps;
                } else {
                    self.bad_release(tid, lock, location, None);
                }
                OpResult::Unit
            }
            Op::LockLocked { lock } => match self.objects[lock.index()].state {
                ObjState::Lock { locked, .. } => OpResult::Bool(locked),
                _ => unreachable!(),
            },
            Op::RLockAcquire { lock, .. } => {
                let thread = &mut self.threads[tid];
                let object = &mut self.objects[lock.index()];
                let result = match &mut object.state {
                    ObjState::RLock {
                        owner,
                        count,
                        clock,
                    } => match *owner {
                        Some(o) if o == tid => {
                            *count += 1;
                            return OpResult::Bool(true);
                        }
                        Some(_) => false,
                        None => {
                            *owner = Some(tid);
                            *count = 1;
                            thread.clock.join(clock);
                            true
                        }
                    },
                    _ => unreachable!(),
                };
                if result {
                    let from = object.released_at;
                    self.sync_edge(from, EdgeKind::Lock, Some(lock));
                }
                OpResult::Bool(result)
            }
            Op::RLockRelease { lock } => {
                let thread = &mut self.threads[tid];
                let object = &mut self.objects[lock.index()];
                let wrong_owner = match &mut object.state {
                    ObjState::RLock {
                        owner,
                        count,
                        clock,
                    } => {
                        if *owner == Some(tid) {
                            *count -= 1;
                            if *count == 0 {
                                *owner = None;
                                clock.copy_from(&thread.clock);
                                thread.clock.tick(tid);
                                object.released_at = self.steps;
                            }
                            None
                        } else {
                            Some(*owner)
                        }
                    }
                    _ => unreachable!(),
                };
                if let Some(owner) = wrong_owner {
                    self.bad_release(tid, lock, location, Some(owner));
                }
                OpResult::Unit
            }
            Op::Read { var } | Op::Write { var } => {
                if self.cfg.race_detection {
                    let thread = &self.threads[tid];
                    let access = Access {
                        tid,
                        epoch: thread.clock.get(tid),
                        step: self.steps,
                        write: matches!(op, Op::Write { .. }),
                        location,
                    };
                    let race = match &mut self.objects[var.index()].state {
                        ObjState::Shared { history } => history.record(access, &thread.clock),
                        _ => unreachable!(),
                    };
                    if let Some(race) = race {
                        self.data_race(tid, var, race);
                    }
                }
                OpResult::Unit
            }
            Op::Print => {
                let text = std::mem::take(&mut self.threads[tid].text);
                self.output.push(OutputChunk {
                    time: self.now,
                    tid,
                    text,
                });
                OpResult::Unit
            }
            Op::ProcSpawn { .. }
            | Op::ProcJoin { .. }
            | Op::ProcSignal { .. }
            | Op::Kill { .. }
            | Op::QueuePoll { .. }
            | Op::FeederWait { .. } => self.proc_complete(tid, op),
            op => self.prim_complete(tid, op, location),
        }
    }

    // The failures `complete` reports, kept out of its hot path.

    /// A release that Python refuses with a `RuntimeError`: of a Lock that
    /// is not locked (`rlock_owner` is `None`), or of an RLock that `tid`
    /// does not hold (`rlock_owner` is `Some` of its owner).
    #[cold]
    #[inline(never)]
    fn bad_release(
        &mut self,
        tid: Tid,
        lock: ObjId,
        location: &'static Location<'static>,
        rlock_owner: Option<Option<Tid>>,
    ) {
        let (what, but) = match rlock_owner {
            None => ("release unlocked lock", "it was not locked".to_string()),
            Some(owner) => (
                "cannot release un-acquired lock",
                match owner {
                    Some(o) => format!("it is held by {}", self.threads[o].name),
                    None => "it is not held by anyone".to_string(),
                },
            ),
        };
        let msg = format!(
            "RuntimeError: {what}\n  {} released {} at {}, but {but}",
            self.threads[tid].name,
            self.objects[lock.index()],
            location
        );
        self.fail(FailureKind::Misuse, msg, Some(tid), true);
    }

    #[cold]
    #[inline(never)]
    fn data_race(&mut self, tid: Tid, var: ObjId, race: Race) {
        self.sync_edge(race.earlier.step, EdgeKind::Race, Some(var));
        let msg = self.race_message(var, race);
        let key = format!(
            "{} {}:{} {}:{}",
            self.objects[var.index()].created_at,
            race.earlier.write,
            race.earlier.location,
            race.later.write,
            race.later.location
        );
        self.fail_keyed(FailureKind::DataRace, msg, key, Some(tid), true);
    }

    fn race_message(&self, var: ObjId, race: Race) -> String {
        let describe = |a: Access| {
            format!(
                "{} by {} at {} (step {})",
                if a.write { "write" } else { "read" },
                self.threads[a.tid].name,
                a.location,
                a.step
            )
        };
        format!(
            "data race on {}:\n  {}\n  {}\n  are not ordered by happens-before (no lock, join or spawn orders them)",
            self.objects[var.index()],
            describe(race.earlier),
            describe(race.later)
        )
    }
}

/// Mutable references to two distinct threads.
fn two(threads: &mut [ThreadState], a: Tid, b: Tid) -> (&mut ThreadState, &mut ThreadState) {
    assert_ne!(a, b, "a thread cannot join itself");
    if a < b {
        let (x, y) = threads.split_at_mut(b);
        (&mut x[a], &mut y[0])
    } else {
        let (x, y) = threads.split_at_mut(a);
        (&mut y[0], &mut x[b])
    }
}

/// The last execution's state, for the explorer to read after
/// [`run_execution`] returns.
pub(crate) fn with_exec<R>(f: impl FnOnce(&Exec) -> R) -> R {
    EXEC.with(|e| f(&e.borrow()))
}

fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CAPTURE_PANICS.with(|c| c.get()) {
                let payload = info.payload();
                let msg = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "Box<dyn Any>".to_string());
                let text = match info.location() {
                    Some(l) => format!("{msg} (at {l})"),
                    None => msg,
                };
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(text));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs one execution of `main` as `MainThread`, asking `sched` at each
/// scheduling point. The execution's state stays readable through
/// [`with_exec`] until the next one starts.
pub(crate) fn run_execution(
    main: &Arc<dyn Fn() + Send + Sync>,
    cfg: &ExecConfig,
    sched: &mut dyn Scheduler,
) {
    install_panic_hook();
    let every_step = sched.observes_every_step();
    let serial = SERIAL.with(|s| {
        s.set(s.get() + 1);
        s.get()
    });
    EXEC.with(|e| {
        let mut e = e.borrow_mut();
        assert!(
            !e.active,
            "sim: an exploration was started from inside a running execution; nested explorations are not supported"
        );
        e.reset(cfg, serial);
        let main_tid = e.add_thread(ThreadName::Main, false, VectorClock::new(), 0);
        debug_assert_eq!(main_tid, 0);
        e.inline_steps = !every_step;
    });
    let main = Arc::clone(main);
    install_green(0, move || main());

    let mut parked = Parked(None);
    loop {
        // One borrow of the execution per step: park the last thread, then
        // start a thread created by the last step, or compute the enabled
        // set, choose and perform.
        let next = EXEC.with(|e| {
            let mut e = e.borrow_mut();
            if let Some((tid, green)) = parked.0.take() {
                e.greens[tid] = Some(green);
            }
            if let Some(tid) = e.unstarted.pop() {
                // Run a new thread up to its first operation (unless its
                // process was killed before it started).
                if e.threads[tid].life == Life::Finished {
                    return Some(None);
                }
                return Some(Some((tid, e.run(tid), OpResult::Unit)));
            }
            if e.terminal {
                return None;
            }
            let go = match e.computed.take() {
                Some(go) => go,
                None => e.compute_enabled(),
            };
            if !go {
                return None;
            }
            let choice = if e.enabled.len() == 1 && !every_step {
                0
            } else {
                sched.choose(&e.enabled)
            };
            let (candidate, result) = e.perform(choice);
            let tid = candidate.tid;
            if e.terminal {
                return None;
            }
            // A killed thread (its process was killed) never runs again.
            if matches!(candidate.op, Op::Kill { .. } | Op::ProcSignal { .. })
                && e.threads[tid].life == Life::Finished
            {
                return Some(None);
            }
            Some(Some((tid, e.run(tid), result)))
        });
        let Some(next) = next else { break };
        if let Some((tid, mut green, result)) = next {
            CAPTURE_PANICS.with(|c| c.set(true));
            let resumed = green.resume(result);
            CAPTURE_PANICS.with(|c| c.set(false));
            match resumed {
                Resumed::Suspended => parked.0 = Some((tid, green)),
                Resumed::Finished => green.recycle(),
            }
        }
    }
    drop(parked);
}

/// The green thread that ran last, handed back to `Exec` at the next step.
/// When the execution ends, normally or because the runtime itself panicked,
/// dropping it hands it back and tears every green thread down, so that no
/// suspended thread outlives its execution (one dropped later, with the
/// thread-local runtime gone, would abort the process).
struct Parked(Option<(Tid, Box<GreenThread>)>);

impl Drop for Parked {
    fn drop(&mut self) {
        if let Some((tid, green)) = self.0.take() {
            EXEC.with(|e| e.borrow_mut().greens[tid] = Some(green));
        }
        teardown();
    }
}

fn teardown() {
    EXEC.with(|e| e.borrow_mut().tearing_down = true);
    let greens: Vec<Box<GreenThread>> =
        EXEC.with(|e| e.borrow_mut().greens.drain(..).flatten().collect());
    for green in greens {
        green.recycle();
    }
    EXEC.with(|e| {
        let mut e = e.borrow_mut();
        e.active = false;
        e.tearing_down = false;
    });
}

/// Creates the green thread of `tid`, running `body`.
pub(crate) fn install_green(tid: Tid, body: impl FnOnce() + 'static) {
    let stack_size = EXEC.with(|e| e.borrow().cfg.stack_size);
    let green = GreenThread::new(stack_size, move || {
        let outcome = panic::catch_unwind(AssertUnwindSafe(body));
        thread_finished(tid, outcome);
    });
    EXEC.with(|e| {
        let mut e = e.borrow_mut();
        if e.greens.len() <= tid {
            e.greens.resize_with(tid + 1, || None);
        }
        e.greens[tid] = Some(green);
    });
}

fn thread_finished(tid: Tid, outcome: std::thread::Result<()>) {
    let tearing_down = EXEC.with(|e| e.borrow().tearing_down);
    match outcome {
        Err(payload) if tearing_down => panic::resume_unwind(payload),
        Err(_) => {
            let msg = LAST_PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_else(|| "panic with a non-string payload".to_string());
            EXEC.with(|e| {
                let mut e = e.borrow_mut();
                let name = e.thread_name(tid);
                e.threads[tid].panic = Some(msg.clone());
                e.fail(
                    FailureKind::Panic,
                    format!("thread '{name}' panicked: {msg}"),
                    Some(tid),
                    false,
                );
                e.thread_returned(tid);
            });
        }
        Ok(()) => EXEC.with(|e| e.borrow_mut().thread_returned(tid)),
    }
}

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
        if e.inline_steps {
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

/// The current thread's id.
pub(crate) fn current_tid() -> Tid {
    EXEC.with(|e| {
        let e = e.borrow();
        assert!(
            e.active,
            "sim: thread::current() was called outside a simulation"
        );
        e.current
    })
}

/// Runs `f` with the current execution's state.
pub(crate) fn with_current<R>(f: impl FnOnce(&mut Exec) -> R) -> R {
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
