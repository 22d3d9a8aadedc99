//! Processes, with Python's `multiprocessing` semantics: separate memory,
//! IPC, and `terminate`/`kill`.
//!
//! A process is a group of green threads in the same execution with its own
//! memory: at [`spawn`] it gets a copy of every [`Shared`](crate::Shared)
//! value of its parent (fork semantics); writes in one process are
//! invisible to the others. Using a `threading` primitive of another process's
//! memory is `Misuse` ("processes do not share memory"). Processes talk
//! through [`Queue`], [`pipe`] connections, [`Value`] and [`Lock`], which
//! every process may use; a send happens before the receive that gets it.
//!
//! Unlike threads, processes can be stopped from outside: [`Process::terminate`]
//! and [`Process::kill`] stop every thread of the process where it stands,
//! and [`Builder::faults`](crate::Builder::faults) with [`Faults::Kill`]
//! lets the explorer kill processes at any scheduling point.
//!
//! ```
//! use sim::Shared;
//! sim::check_random(|| {
//!     let counter = Shared::new(0);
//!     let c = counter.clone();
//!     let p = sim::multiprocessing::spawn(move || c.set(c.get() + 1));
//!     p.join();
//!     assert_eq!(p.exitcode(), Some(0));
//!     // The child incremented its own copy.
//!     assert_eq!(counter.get(), 0);
//! }, 10);
//! ```

mod lock;
mod pipe;
mod queue;
mod value;

use std::panic::Location;
use std::time::Duration;

pub use lock::Lock;
pub use pipe::{pipe, Connection};
pub use queue::Queue;
pub use value::Value;

use crate::rt;
use crate::rt::op::{Op, OpResult};
use crate::rt::process::{SIGKILL, SIGTERM};

/// Faults the explorer may inject, as scheduling choices.
///
/// ```
/// use sim::{Builder, Faults};
/// // With one kill allowed, some executions kill the child before it prints.
/// let report = Builder::new().faults(Faults::Kill { max: 1 }).executions(100).explore(|| {
///     let p = sim::multiprocessing::spawn(|| sim::println!("child"));
///     p.join();
///     sim::println!("exit code {:?}", p.exitcode());
/// });
/// assert!(report.outputs.contains_key("child\nexit code Some(0)\n"));
/// assert!(report.outputs.contains_key("exit code Some(-9)\n"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Faults {
    /// No faults (the default).
    #[default]
    None,
    /// At every scheduling point, while fewer than `max` kills happened in
    /// the execution, the explorer may kill (SIGKILL) any live process
    /// other than the main one. Threads are never killed.
    Kill {
        /// Kills per execution, at most.
        max: u32,
    },
}

impl Faults {
    /// How many kills an execution may have.
    pub(crate) fn kill_max(self) -> u32 {
        match self {
            Faults::None => 0,
            Faults::Kill { max } => max,
        }
    }
}

/// Spawns a process running `f` (Python's `Process(target=f).start()`),
/// named `Process-N`. The process gets a copy of its parent's `Shared`
/// values.
///
/// ```
/// sim::check_random(|| {
///     let p = sim::multiprocessing::spawn(|| sim::println!("hello from {}", sim::multiprocessing::current().name()));
///     p.join();
///     assert!(!p.is_alive());
/// }, 1);
/// ```
#[track_caller]
pub fn spawn<F>(f: F) -> Process
where
    F: FnOnce() + 'static,
{
    Builder::new().spawn(f)
}

/// Configures a process before spawning it: name and daemon flag.
///
/// ```
/// sim::check_random(|| {
///     let p = sim::multiprocessing::Builder::new().name("worker").spawn(|| {});
///     assert_eq!(p.name(), "worker");
///     p.join();
/// }, 1);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Builder {
    name: Option<String>,
    daemon: bool,
}

impl Builder {
    /// A builder for an unnamed, non-daemon process.
    pub fn new() -> Self {
        Builder::default()
    }

    /// The process's name (default `Process-N`); its main thread has it
    /// too, in traces.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Whether the process is a daemon: the program does not wait for it
    /// and it is stopped when the program ends, as in Python.
    ///
    /// ```
    /// let report = sim::Builder::new().executions(1).explore(|| {
    ///     sim::multiprocessing::Builder::new().daemon(true).spawn(|| loop {
    ///         sim::time::sleep(std::time::Duration::from_secs(1));
    ///     });
    /// });
    /// assert!(report.failures.is_empty());
    /// ```
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = daemon;
        self
    }

    /// Spawns the process. Spawning is a scheduling point.
    #[track_caller]
    pub fn spawn<F>(self, f: F) -> Process
    where
        F: FnOnce() + 'static,
    {
        let op = Op::ProcSpawn {
            daemon: self.daemon,
        };
        let OpResult::Spawned(tid) = rt::op(op, Location::caller()) else {
            panic!("sim: process spawn during teardown")
        };
        let tid = tid as usize;
        let (pid, parent, serial) = rt::new_process(tid, self.name);
        crate::shared::fork(serial, parent, pid);
        rt::install_green(tid, f);
        Process { pid, serial }
    }
}

/// A handle to a process: Python's `multiprocessing.Process` once started.
///
/// ```
/// use std::time::Duration;
/// // Virtual time orders these waits: exact timing (the test entry points
/// // default to adversarial timing, where a sleep orders nothing).
/// let report = sim::Builder::new().timing(sim::Timing::Exact).executions(10).explore(|| {
///     let p = sim::multiprocessing::spawn(|| sim::time::sleep(Duration::from_secs(10)));
///     assert!(!p.join_timeout(Duration::from_secs(1)));
///     p.terminate();
///     p.join();
///     assert_eq!(p.exitcode(), Some(-15));
/// });
/// assert!(report.failures.is_empty(), "{report}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Process {
    pid: u32,
    serial: u64,
}

impl Process {
    #[track_caller]
    fn check(&self) {
        rt::check_serial(self.serial, "Process");
    }

    /// The process's id within its execution (0 is the main process).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The process's name (`MainProcess`, `Process-N` or the name given).
    pub fn name(&self) -> String {
        self.check();
        rt::process_name(self.pid)
    }

    /// Waits until the process has exited (a scheduling point that blocks).
    ///
    /// ```
    /// use std::time::Duration;
    /// sim::check_random(|| {
    ///     let p = sim::multiprocessing::spawn(|| sim::time::sleep(Duration::from_secs(2)));
    ///     assert!(p.is_alive());
    ///     p.join();
    ///     assert!(!p.is_alive());
    ///     assert_eq!(sim::time::now(), Duration::from_secs(2));
    /// }, 1);
    /// ```
    #[track_caller]
    pub fn join(&self) {
        self.check();
        let op = Op::ProcJoin {
            pid: self.pid,
            deadline: None,
        };
        rt::op(op, Location::caller());
    }

    /// Waits at most `timeout` of virtual time; returns whether the process
    /// has exited.
    ///
    /// ```
    /// use std::time::Duration;
    /// // Virtual time orders these waits: exact timing (the test entry points
    /// // default to adversarial timing, where a sleep orders nothing).
    /// let report = sim::Builder::new().timing(sim::Timing::Exact).executions(10).explore(|| {
    ///     let p = sim::multiprocessing::spawn(|| sim::time::sleep(Duration::from_secs(2)));
    ///     assert!(!p.join_timeout(Duration::from_secs(1)));
    ///     assert!(p.join_timeout(Duration::from_secs(5)));
    /// });
    /// assert!(report.failures.is_empty(), "{report}");
    /// ```
    #[track_caller]
    pub fn join_timeout(&self, timeout: Duration) -> bool {
        self.check();
        let op = Op::ProcJoin {
            pid: self.pid,
            deadline: Some(crate::time::deadline_after(timeout)),
        };
        rt::op(op, Location::caller()).as_bool()
    }

    /// Whether the process has not exited yet. Not a scheduling point.
    pub fn is_alive(&self) -> bool {
        self.exitcode().is_none()
    }

    /// `None` while the process runs; then 0 (it returned), 1 (its main
    /// thread panicked), `-15` (terminated) or `-9` (killed): Python's
    /// `exitcode`. Not a scheduling point.
    ///
    /// ```
    /// let report = sim::Builder::new().executions(1).explore(|| {
    ///     let p = sim::multiprocessing::spawn(|| panic!("boom"));
    ///     p.join();
    ///     sim::println!("exit code {:?}", p.exitcode());
    /// });
    /// // The child's panic is reported; the parent went on.
    /// assert_eq!(report.failures[0].kind, sim::FailureKind::Panic);
    /// assert!(report.outputs.contains_key("exit code Some(1)\n"));
    /// ```
    pub fn exitcode(&self) -> Option<i32> {
        self.check();
        rt::process_exitcode(self.pid)
    }

    /// Sends SIGTERM: every thread of the process stops where it stands and
    /// never runs again (no destructor, no `finally`); a [`Lock`] it holds
    /// stays held. Its exit code becomes `-15`. A no-op once it has exited.
    #[track_caller]
    pub fn terminate(&self) {
        self.signal(SIGTERM, Location::caller());
    }

    /// Sends SIGKILL: like [`terminate`](Process::terminate), exit code `-9`.
    ///
    /// ```
    /// sim::check_random(|| {
    ///     let p = sim::multiprocessing::spawn(|| loop { sim::thread::yield_now() });
    ///     p.kill();
    ///     p.join();
    ///     assert_eq!(p.exitcode(), Some(-9));
    /// }, 10);
    /// ```
    #[track_caller]
    pub fn kill(&self) {
        self.signal(SIGKILL, Location::caller());
    }

    #[track_caller]
    fn signal(&self, sig: u8, location: &'static Location<'static>) {
        self.check();
        rt::op(Op::ProcSignal { pid: self.pid, sig }, location);
    }
}

/// The process running this code (Python's `current_process()`).
///
/// ```
/// sim::check_random(|| {
///     assert_eq!(sim::multiprocessing::current().name(), "MainProcess");
/// }, 1);
/// ```
pub fn current() -> Process {
    let (pid, serial) = rt::current_process_and_serial();
    Process { pid, serial }
}

/// Sleeps for the configured IPC latency (`Builder::ipc_latency`), if any:
/// what a send costs its sender.
#[track_caller]
pub(crate) fn ipc_delay() {
    let latency = rt::ipc_latency();
    if latency > 0 {
        crate::time::sleep(Duration::from_nanos(latency));
    }
}
