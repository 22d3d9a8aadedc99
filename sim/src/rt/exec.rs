//! The data model of one execution: [`Exec`] and the records it keeps of
//! threads, events, happens-before edges, output and failures, in one
//! thread-local per OS thread ([`EXEC`]). [`Exec::reset`] makes it ready for
//! the next execution, keeping its vectors' capacity.
//!
//! Happens-before: `Exec::events` is the event log (small `Copy` records)
//! and `Exec::edges` the edges other than program order, as
//! [`SyncEdge`]s between steps. The one hook is [`Exec::sync_edge`], called
//! where an operation joins a clock that an earlier event stored: keep the
//! step of the publishing event next to the clock it stores (in the object,
//! per queue item, per barrier arrival) and call `sync_edge` where it is
//! joined. Events and edges are kept only with `ExecConfig::record_events`
//! (not on the random strategies' hot path, where only `Exec::path_hash`
//! follows the path), clocks per event only with `record_clocks`; the
//! recorded clock is the one the operation saw (after its joins, before its
//! own tick), so every edge `e -> f` has `clock(e) <= clock(f)`.

use std::cell::{Cell, RefCell};
use std::panic::Location;

use super::clock::VectorClock;
use super::green::{self, GreenThread};
use super::object::Object;
use super::op::{Nanos, ObjId, Op, OpResult, Tid};
use super::statics::{ArcRecord, StdState};
use super::{process, Candidate, EdgeKind, ExecConfig, LIVE_BITS};
use crate::failure::FailureKind;

/// A thread's name, formatted only when needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ThreadName {
    Main,
    Numbered(u32),
    Custom(String),
    /// A `sim::future` task's thread: `task-N`.
    Task(u32),
}

impl std::fmt::Display for ThreadName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ThreadName::Main => f.write_str("MainThread"),
            ThreadName::Numbered(n) => write!(f, "Thread-{n}"),
            ThreadName::Custom(s) => f.write_str(s),
            ThreadName::Task(n) => write!(f, "task-{n}"),
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
    /// Its fence state, once it used a fence or a Relaxed atomic load (see
    /// `prims/atomic.rs`).
    pub(crate) fences: Option<Box<super::prims::atomic::FenceState>>,
    /// The thread's park token (`thread::park`/`unpark`), created by the
    /// first `unpark` of the thread (see `prims/thread.rs`).
    pub(crate) park: Option<Box<super::prims::thread::ParkToken>>,
    /// The payload of the panic that ended the thread, until a `join`
    /// takes it (dropped at teardown, outside the `EXEC` borrow).
    pub(crate) payload: Option<Box<dyn std::any::Any + Send>>,
    /// The async task whose future the thread is polling (a spawned task's
    /// thread, or a thread inside `block_on`): see `prims/task.rs`.
    pub(crate) task: Option<ObjId>,
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
/// racing accesses). Edges are recorded in `Log::edges` as operations
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
/// What an execution records as it runs: the event log, the
/// happens-before edges, the clocks, the path hash and the output.
#[derive(Debug)]
pub(crate) struct Log {
    pub(super) events: Vec<Event>,
    /// Happens-before edges between events (spawn, join, release-acquire,
    /// ...) and the race, if one was found. See [`Exec::sync_edge`].
    pub(super) edges: Vec<SyncEdge>,
    /// Per event (same index as `events`), the thread's vector clock as the
    /// operation saw it: after its joins, before its own tick. Only filled
    /// when `cfg.record_clocks`, and empty past `step::CLOCK_BUDGET`.
    pub(super) clocks: Vec<VectorClock>,
    /// The entries of `clocks` so far.
    pub(super) clock_entries: usize,
    /// A hash of the sequence of threads that took the steps, kept whether
    /// or not events are recorded: a replay that took another path has
    /// (almost surely) another hash.
    pub(super) path_hash: u64,
    pub(super) output: Vec<OutputChunk>,
}

impl Log {
    const fn new() -> Self {
        Log {
            events: Vec::new(),
            edges: Vec::new(),
            clocks: Vec::new(),
            clock_entries: 0,
            path_hash: 0,
            output: Vec::new(),
        }
    }

    fn clear(&mut self) {
        self.events.clear();
        self.edges.clear();
        self.clocks.clear();
        self.clock_entries = 0;
        self.path_hash = 0;
        self.output.clear();
    }
}

/// What the step loop keeps between steps: threads to start, the live
/// mask, the last enabled set and the shortcuts that reuse it.
#[derive(Debug)]
pub(crate) struct StepCache {
    /// Threads to run up to their first operation before the next choice
    /// (the main thread, a process's, a task's, and every spawned thread
    /// unless `Builder::lazy_start`).
    pub(super) unstarted: Vec<Tid>,
    /// The threads below [`LIVE_BITS`] that have not returned (or
    /// panicked) yet, one bit each: what [`Exec::compute_plain`] scans.
    /// Threads ended by their process's exit or kill keep their bit (only
    /// the general computation runs when there are processes).
    pub(super) live_mask: u64,
    pub(super) enabled: Vec<Candidate>,
    /// The thread whose step was local (see [`Exec::refresh_local`]), if
    /// the last step was one.
    pub(super) local_step: Option<Tid>,
    /// Whether a step may run inline, on the green thread that announced
    /// it (see [`Exec::step_inline`]): the scheduler is asked only when
    /// there is a choice.
    pub(super) inline_steps: bool,
    /// What [`Exec::compute_enabled`] returned when a thread computed it
    /// before suspending, for the scheduler loop to use instead of computing
    /// it again.
    pub(super) computed: Option<bool>,
}

impl StepCache {
    const fn new() -> Self {
        StepCache {
            unstarted: Vec::new(),
            live_mask: 0,
            enabled: Vec::new(),
            local_step: None,
            inline_steps: false,
            computed: None,
        }
    }

    fn clear(&mut self) {
        self.unstarted.clear();
        self.live_mask = 0;
        self.enabled.clear();
        self.local_step = None;
        self.inline_steps = false;
        self.computed = None;
    }
}

pub(crate) struct Exec {
    pub(super) active: bool,
    pub(super) serial: u64,
    pub(super) cfg: ExecConfig,
    pub(super) threads: Vec<ThreadState>,
    pub(super) objects: Vec<Object>,
    pub(super) now: Nanos,
    /// Unix time (seconds) that virtual time zero stands for, for `time::ctime`.
    pub(super) epoch: u64,
    pub(super) steps: u64,
    pub(super) current: Tid,
    /// The event log, edges, clocks, path hash and output.
    pub(super) log: Log,
    /// What the step loop keeps between steps.
    pub(super) cache: StepCache,
    pub(super) failure: Option<ExecFailure>,
    /// Set when the failure ends the execution at once.
    pub(super) terminal: bool,
    pub(super) tearing_down: bool,
    pub(super) unnamed_threads: u32,
    /// Async tasks spawned so far (`task-N` names).
    pub(super) spawned_tasks: u32,
    /// Processes, by pid (0: the main process). See `rt/process.rs`.
    pub(super) procs: Vec<process::ProcState>,
    /// Kills performed as faults in this execution.
    pub(super) kills: u32,
    /// The green thread of each thread id; `None` once finished, and while
    /// it runs (the scheduler holds it then).
    pub(super) greens: Vec<Option<Box<GreenThread>>>,
    /// Statics and `Arc`s of the std-shaped surface.
    pub(super) std: StdState,
    /// What the watchdog sees of this OS thread (`rt/watchdog.rs`),
    /// registered by the first execution; kept across executions.
    pub(super) heart: Option<std::sync::Arc<super::watchdog::Heartbeat>>,
    /// The fairness rule's state (`rt/fairness.rs`).
    pub(super) fair: super::fairness::Fairness,
    /// Values drawn from `sim::rand` in this execution.
    pub(super) rng_draws: u64,
    /// The scheduler's seed for `sim::rand` ([`super::Scheduler::rng_seed`]).
    pub(super) rng_seed: u64,
}

thread_local! {
    pub(super) static EXEC: RefCell<Exec> = const { RefCell::new(Exec::new()) };
    /// True while a green thread runs: its panics are captured, not printed.
    pub(super) static CAPTURE_PANICS: Cell<bool> = const { Cell::new(false) };
    /// Message and location of the last captured panic.
    pub(super) static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Depth of `Shared::with` closures on the running thread.
    pub(super) static ATOMIC_DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// The serial of the last execution started in the process: process-wide,
/// so that a handle linked by an execution on another OS thread (tests run
/// in parallel) never looks like one of this execution's
/// (`binding.rs`).
pub(super) static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Exec {
    const fn new() -> Self {
        Exec {
            active: false,
            serial: 0,
            cfg: ExecConfig {
                max_steps: 0,
                step_limit_fails: true,
                race_detection: true,
                stack_size: green::DEFAULT_STACK_SIZE,
                record_clocks: false,
                record_events: true,
                adversarial: false,
                spurious_wakeups: false,
                spurious_parks: false,
                lazy_start: false,
                kill_max: 0,
                ipc_latency: 0,
                thread_panics_fail: true,
                yield_fairness: false,
                watchdog_ms: 0,
            },
            threads: Vec::new(),
            objects: Vec::new(),
            now: 0,
            epoch: 0,
            steps: 0,
            current: 0,
            log: Log::new(),
            cache: StepCache::new(),
            failure: None,
            terminal: false,
            tearing_down: false,
            unnamed_threads: 0,
            spawned_tasks: 0,
            procs: Vec::new(),
            kills: 0,
            greens: Vec::new(),
            std: StdState::new(),
            fair: super::fairness::Fairness::new(),
            heart: None,
            rng_draws: 0,
            rng_seed: 0,
        }
    }

    pub(super) fn reset(&mut self, cfg: &ExecConfig, serial: u64) {
        self.active = true;
        self.serial = serial;
        self.cfg = cfg.clone();
        self.threads.clear();
        self.objects.clear();
        self.now = 0;
        self.epoch = 0;
        self.steps = 0;
        self.current = 0;
        self.log.clear();
        self.cache.clear();
        self.failure = None;
        self.terminal = false;
        self.tearing_down = false;
        self.unnamed_threads = 0;
        self.spawned_tasks = 0;
        self.procs.clear();
        self.procs.push(process::ProcState::main());
        self.kills = 0;
        self.std.clear();
        self.fair.clear();
        self.rng_draws = 0;
    }

    /// The checks of a finished execution (every thread done, no failure):
    /// an `Arc` still alive that no static holds is a leak, as in loom.
    pub(super) fn end_checks(&mut self) {
        if self.failure.is_some() || self.threads.iter().any(|t| t.life != Life::Finished) {
            return;
        }
        let leaked: Vec<ArcRecord> = (self.std.arcs.iter())
            .filter(|a| a.alive && !a.in_static)
            .copied()
            .collect();
        if let Some(first) = leaked.first() {
            let msg = format!(
                "leak: {} Arc allocation(s) still alive when the execution ended \
                 (a reference cycle, a forgotten Arc, or a thread that never dropped its clone); \
                 the first was created at {}",
                leaked.len(),
                first.created_at
            );
            self.fail(FailureKind::Leak, msg, None, true);
        }
    }

    /// Thread `tid`'s body has returned (or panicked): it has finished.
    pub(super) fn thread_returned(&mut self, tid: Tid) {
        self.threads[tid].life = Life::Finished;
        if tid < LIVE_BITS {
            self.cache.live_mask &= !(1 << tid);
        }
        self.thread_exited(tid);
    }

    pub(super) fn add_thread(
        &mut self,
        name: ThreadName,
        daemon: bool,
        clock: VectorClock,
        spawned_at: u64,
        eager: bool,
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
            fences: None,
            park: None,
            task: None,
            payload: None,
        });
        if eager {
            self.cache.unstarted.push(tid);
        }
        if tid < LIVE_BITS {
            self.cache.live_mask |= 1 << tid;
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

    pub(super) fn fail(
        &mut self,
        kind: FailureKind,
        message: String,
        tid: Option<Tid>,
        terminal: bool,
    ) {
        let key = message.clone();
        self.fail_keyed(kind, message, key, tid, terminal);
    }

    pub(super) fn fail_keyed(
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

    /// Records that the event being performed (step `self.steps`)
    /// synchronises with the earlier event `from` (`0` means "none": nothing
    /// is recorded). This is the one hook every primitive uses for its
    /// happens-before edges: call it where the operation joins a clock that
    /// an earlier event stored (a lock's, an event's, a queue item's...).
    pub(crate) fn sync_edge(&mut self, from: u64, kind: EdgeKind, object: Option<ObjId>) {
        if from != 0 && self.cfg.record_events {
            self.log.edges.push(SyncEdge {
                from,
                to: self.steps,
                kind,
                object,
            });
        }
    }
}

/// The read side of an execution, for the explorer and trace building
/// (through [`super::with_exec`], once the execution has finished): the
/// fields stay private to `rt`.
impl Exec {
    /// Steps taken.
    /// The virtual time now.
    pub(crate) fn now(&self) -> Nanos {
        self.now
    }

    pub(crate) fn steps(&self) -> u64 {
        self.steps
    }

    /// The event log (when `ExecConfig::record_events`).
    pub(crate) fn events(&self) -> &[Event] {
        &self.log.events
    }

    /// The happens-before edges other than program order.
    pub(crate) fn edges(&self) -> &[SyncEdge] {
        &self.log.edges
    }

    /// Each event's clock (when `ExecConfig::record_clocks`).
    pub(crate) fn clocks(&self) -> &[VectorClock] {
        &self.log.clocks
    }

    /// The hash of the order of threads that took the steps.
    pub(crate) fn path_hash(&self) -> u64 {
        self.log.path_hash
    }

    /// The captured output.
    pub(crate) fn output(&self) -> &[OutputChunk] {
        &self.log.output
    }

    /// The execution's failure, if it had one.
    pub(crate) fn failure(&self) -> Option<&ExecFailure> {
        self.failure.as_ref()
    }

    /// Every thread's record, by id.
    pub(crate) fn threads(&self) -> &[ThreadState] {
        &self.threads
    }

    /// Every object, by id.
    pub(crate) fn objects(&self) -> &[Object] {
        &self.objects
    }
}

/// Mutable references to two distinct threads.
pub(crate) fn two(
    threads: &mut [ThreadState],
    a: Tid,
    b: Tid,
) -> (&mut ThreadState, &mut ThreadState) {
    assert_ne!(a, b, "a thread cannot join itself");
    if a < b {
        let (x, y) = threads.split_at_mut(b);
        (&mut x[a], &mut y[0])
    } else {
        let (x, y) = threads.split_at_mut(a);
        (&mut y[0], &mut x[b])
    }
}
