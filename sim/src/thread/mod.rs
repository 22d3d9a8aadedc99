//! Green threads in the shapes of `std::thread` (and of loom's and
//! shuttle's `thread` modules), with sim's extensions.
//!
//! Threads are stackful coroutines on the OS thread that runs the
//! execution, so [`spawn`] needs no `Send` bound (a closure may move an
//! `Rc` into a thread, as in loom's tests). Every spawn, join, park, unpark
//! and yield is a scheduling point; [`sleep`] and [`park_timeout`] wait on
//! the virtual clock. Scoped threads ([`scope`]) borrow from the caller's
//! stack; [`thread_local!`](crate::thread_local) values ([`LocalKey`]) are
//! per green thread and per execution.
//!
//! Names: [`Thread::name`] is `None` for a thread that was not given a name
//! (as in std), and for the scenario's main thread too (as in loom; std
//! says `"main"`). Reports and traces keep Python's names (`MainThread`,
//! `Thread-1`, ...): [`crate::threading::current_thread`] gives the running
//! thread with that name. sim's extensions: [`Builder::daemon`],
//! [`JoinHandle::join_timeout`], [`Thread::is_alive`].

mod local;
mod scope;

use std::any::{Any, TypeId};
use std::fmt;
use std::panic::Location;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::rt;
use crate::rt::op::{Op, OpResult, Tid};

pub use local::{AccessError, LocalKey};
pub use scope::{scope, Scope, ScopedJoinHandle};
pub use std::thread::{panicking, Result};

/// Spawns a green thread running `f`, as `std::thread::spawn` (no `Send`
/// bound). Unnamed: `Thread-N` in reports, [`Thread::name`] `None`.
///
/// ```
/// sim::check_random(|| {
///     let h = sim::thread::spawn(|| 6 * 7);
///     assert_eq!(h.join().unwrap(), 42);
/// }, 10);
/// ```
#[track_caller]
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + 'static,
    T: 'static,
{
    Builder::new().spawn_at(Location::caller(), f)
}

/// Configures a thread before spawning it: name, stack size, and sim's
/// daemon flag.
///
/// ```
/// sim::check_random(|| {
///     let h = sim::thread::Builder::new()
///         .name("consumer1".to_string())
///         .spawn(|| sim::thread::current().name().map(str::to_string))
///         .unwrap();
///     assert_eq!(h.thread().name(), Some("consumer1"));
///     assert_eq!(h.join().unwrap().as_deref(), Some("consumer1"));
/// }, 1);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Builder {
    name: Option<String>,
    stack_size: Option<usize>,
    daemon: bool,
}

impl Builder {
    /// A builder for an unnamed, non-daemon thread on the default stack.
    pub fn new() -> Self {
        Builder::default()
    }

    /// The thread's name (default: none, `Thread-N` in reports).
    pub fn name(mut self, name: String) -> Self {
        self.name = Some(name);
        self
    }

    /// The size of the thread's green stack. A size below the execution's
    /// ([`crate::Builder::stack_size`], by default
    /// [`crate::DEFAULT_STACK_SIZE`]) gets that size: it is a minimum, as
    /// std's is a request. It is taken in machine words, as loom takes it
    /// (`size` words, that is `size * size_of::<usize>()` bytes): loom's
    /// tests size their stacks that way, and more stack than asked for is
    /// never wrong.
    ///
    /// ```
    /// sim::check_random(|| {
    ///     let h = sim::thread::Builder::new()
    ///         .stack_size(4 << 20)
    ///         .spawn(|| std::hint::black_box([1u8; 512 * 1024]).len())
    ///         .unwrap();
    ///     assert_eq!(h.join().unwrap(), 512 * 1024);
    /// }, 1);
    /// ```
    pub fn stack_size(mut self, size: usize) -> Self {
        self.stack_size = Some(size.saturating_mul(std::mem::size_of::<usize>()));
        self
    }

    /// Whether the thread is a daemon: the program ends when only daemon
    /// threads are left, as in Python (a sim extension).
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = daemon;
        self
    }

    /// Spawns the thread (a scheduling point). Never fails: the `Result`
    /// is std's shape.
    #[track_caller]
    pub fn spawn<F, T>(self, f: F) -> std::io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        Ok(self.spawn_at(Location::caller(), f))
    }

    /// Spawns a scoped thread in `scope` with this configuration, as
    /// std's `Builder::spawn_scoped`.
    ///
    /// ```
    /// sim::check_random(|| {
    ///     let v = vec![1, 2, 3];
    ///     sim::thread::scope(|s| {
    ///         let h = sim::thread::Builder::new()
    ///             .name("summer".to_string())
    ///             .spawn_scoped(s, || v.iter().sum::<i32>())
    ///             .unwrap();
    ///         assert_eq!(h.join().unwrap(), 6);
    ///     });
    /// }, 10);
    /// ```
    #[track_caller]
    pub fn spawn_scoped<'scope, 'env, F, T>(
        self,
        scope: &'scope Scope<'scope, 'env>,
        f: F,
    ) -> std::io::Result<ScopedJoinHandle<'scope, T>>
    where
        F: FnOnce() -> T + 'scope,
        T: 'scope,
    {
        Ok(scope.spawn_with(self, Location::caller(), f))
    }

    /// Announces the spawn and names the new thread; its id.
    #[track_caller]
    fn create(&self, location: &'static Location<'static>) -> Tid {
        let tid = announce_spawn(self.daemon, self.name.is_some(), false, location);
        if let Some(name) = &self.name {
            rt::set_thread_name(tid, name.clone());
        }
        tid
    }

    /// `spawn`, recorded at `location`.
    #[track_caller]
    pub(crate) fn spawn_at<F, T>(self, location: &'static Location<'static>, f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        let tid = self.create(location);
        // A thread that returns `()` needs no slot for its result (most do:
        // this saves an allocation per spawn).
        let slot: Option<Slot<T>> =
            (TypeId::of::<T>() != TypeId::of::<()>()).then(|| Arc::new(Mutex::new(None)));
        let out = slot.clone();
        rt::install_green_sized(tid, self.stack_size, move || {
            let value = f();
            if let Some(out) = out {
                *lock(&out) = Some(value);
            }
        });
        JoinHandle {
            thread: Thread::new(tid, self.name),
            slot,
        }
    }
}

/// Announces a spawn (a scheduling point) and gives the new thread its
/// parent's labels; its id.
#[inline]
#[track_caller]
fn announce_spawn(
    daemon: bool,
    named: bool,
    task: bool,
    location: &'static Location<'static>,
) -> Tid {
    let op = Op::Spawn {
        daemon,
        named,
        task,
    };
    let OpResult::Spawned(tid) = rt::op(op, location) else {
        panic!("sim: a thread cannot be spawned during teardown or while panicking")
    };
    let tid = tid as usize;
    crate::current::inherit(tid);
    tid
}

/// Spawns the green thread of `sim::future` task number `number` (named
/// `task-N`, formatted only when asked) running `body`; its id. It is the
/// spawn `Builder::new().name(format!("task-{number}")).spawn_at(..)`
/// performs, without the name's and the unused `JoinHandle`'s allocations
/// (the task's own handle joins it).
#[track_caller]
pub(crate) fn spawn_task_at(
    location: &'static Location<'static>,
    number: u32,
    body: impl FnOnce() + 'static,
) -> Tid {
    let tid = announce_spawn(false, true, true, location);
    // After `inherit`, as a `Builder` name: it replaces an inherited
    // `TaskName`.
    rt::set_task_name(tid, number);
    rt::install_green_sized(tid, None, body);
    tid
}

/// Where a thread leaves its result for its join handle.
type Slot<T> = Arc<Mutex<Option<T>>>;

/// Locks a slot (never contended: one green thread runs at a time).
fn lock<T>(slot: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A thread's identifier: the same in every execution (ids are given in
/// spawn order; the main thread's is 0).
///
/// ```
/// use std::collections::BTreeSet;
/// use std::sync::Mutex;
/// static IDS: Mutex<BTreeSet<sim::thread::ThreadId>> = Mutex::new(BTreeSet::new());
/// sim::check_random(|| {
///     let h = sim::thread::spawn(|| sim::thread::current().id());
///     let id = h.join().unwrap();
///     assert_ne!(id, sim::thread::current().id());
///     IDS.lock().unwrap().insert(id);
/// }, 20);
/// assert_eq!(IDS.lock().unwrap().len(), 1);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ThreadId(u64);

impl ThreadId {
    /// The id as a number (0 for the main thread).
    pub fn as_u64(&self) -> u64 {
        self.0
    }
}

impl fmt::Debug for ThreadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ThreadId({})", self.0)
    }
}

impl From<ThreadId> for usize {
    fn from(id: ThreadId) -> usize {
        id.0 as usize
    }
}

/// A handle to a green thread, as std's `Thread`.
///
/// ```
/// sim::check_random(|| {
///     let main = sim::thread::current();
///     assert_eq!(main.name(), None);
///     let h = sim::thread::spawn(move || {
///         sim::thread::park();
///         main.unpark();
///     });
///     h.thread().unpark();
///     sim::thread::park();
///     h.join().unwrap();
/// }, 100);
/// ```
#[derive(Clone)]
pub struct Thread {
    tid: Tid,
    serial: u64,
    name: Option<Arc<str>>,
}

impl fmt::Debug for Thread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Thread")
            .field("id", &self.id())
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}

impl Thread {
    #[track_caller]
    fn new(tid: Tid, name: Option<String>) -> Thread {
        let (_, serial) = rt::current_tid_and_serial();
        Thread {
            tid,
            serial,
            name: name.map(Arc::from),
        }
    }

    /// The name the thread was given (`Builder::name`, a Python thread's
    /// name), or `None`: unnamed threads and the main thread have none.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The thread's id.
    pub fn id(&self) -> ThreadId {
        ThreadId(self.tid as u64)
    }

    /// Makes the thread's park token available (a scheduling point): its
    /// next (or current) [`park`] returns. Tokens do not accumulate.
    ///
    /// ```
    /// sim::check_random(|| {
    ///     sim::thread::current().unpark();
    ///     sim::thread::park(); // returns at once
    /// }, 1);
    /// ```
    #[track_caller]
    pub fn unpark(&self) {
        rt::check_serial(self.serial, "Thread");
        rt::op(Op::Unpark { target: self.tid }, Location::caller());
    }

    /// Whether the thread has not finished yet. Not a scheduling point (a
    /// sim extension, Python's `is_alive`).
    #[track_caller]
    pub fn is_alive(&self) -> bool {
        rt::check_serial(self.serial, "Thread");
        rt::thread_is_alive(self.tid)
    }

    /// The thread's runtime id.
    pub(crate) fn tid(&self) -> Tid {
        self.tid
    }

    /// Waits for the thread to finish (a join that leaves its result).
    #[track_caller]
    pub(crate) fn join_at(&self, location: &'static Location<'static>) {
        rt::check_serial(self.serial, "Thread");
        rt::op(Op::Join { target: self.tid }, location);
    }

    /// Waits at most `timeout` for the thread to finish; whether it has.
    #[track_caller]
    pub(crate) fn join_timeout_at(
        &self,
        timeout: Duration,
        location: &'static Location<'static>,
    ) -> bool {
        rt::check_serial(self.serial, "Thread");
        let op = Op::JoinTimeout {
            target: self.tid,
            deadline: crate::time::deadline_after(timeout),
        };
        rt::op(op, location).as_bool()
    }

    /// After a join: the thread's result, taken from `slot`, or the payload
    /// of its panic.
    fn result<T>(&self, slot: Option<&Slot<T>>, unit: impl FnOnce() -> Option<T>) -> Result<T> {
        if let Some(payload) = rt::take_thread_payload(self.tid) {
            return Err(payload);
        }
        let value = match slot {
            Some(slot) => lock(slot).take(),
            None => unit(),
        };
        value.ok_or_else(|| {
            Box::new("sim: the thread ended without returning (its process was killed)".to_string())
                as Box<dyn Any + Send>
        })
    }
}

/// The thread running this code.
///
/// ```
/// sim::check_random(|| {
///     let h = sim::thread::Builder::new()
///         .name("worker".to_string())
///         .spawn(|| sim::thread::current().name().map(str::to_string))
///         .unwrap();
///     assert_eq!(h.join().unwrap().as_deref(), Some("worker"));
/// }, 1);
/// ```
#[track_caller]
pub fn current() -> Thread {
    let (tid, serial) = rt::current_tid_and_serial();
    Thread {
        tid,
        serial,
        name: rt::thread_given_name(tid).map(Arc::from),
    }
}

/// Lets other threads run: a scheduling point that does nothing.
///
/// ```
/// sim::check_random(|| sim::thread::yield_now(), 1);
/// ```
#[track_caller]
pub fn yield_now() {
    rt::op(Op::Yield, Location::caller());
}

/// Sleeps for `d` of virtual time: [`crate::time::sleep`].
///
/// ```
/// use std::time::Duration;
/// sim::check_random(|| {
///     sim::thread::sleep(Duration::from_secs(2));
///     assert_eq!(sim::time::now(), Duration::from_secs(2));
/// }, 1);
/// ```
#[track_caller]
pub fn sleep(d: Duration) {
    crate::time::sleep(d);
}

/// Blocks until the current thread's park token is available, and
/// consumes it (std's `thread::park`). A scheduling point; with
/// [`crate::Builder::spurious_wakeups`] it may also return without the
/// token, and the explorer tries that. A thread parked for ever, with no
/// unpark to come, is a deadlock.
///
/// ```
/// use sim::threading::Event;
/// sim::model(|| {
///     let flag = Event::new();
///     let main = sim::thread::current();
///     let h = sim::thread::spawn(move || {
///         flag.set();
///         main.unpark();
///     });
///     while !flag.is_set() {
///         sim::thread::park();
///     }
///     h.join().unwrap();
/// });
/// ```
#[track_caller]
pub fn park() {
    park_until(None, Location::caller());
}

/// [`park`], waiting at most `dur` of virtual time. Under
/// `Timing::Adversarial` it may time out whenever it waits.
///
/// ```
/// use std::time::Duration;
/// sim::check_random(|| {
///     sim::thread::park_timeout(Duration::from_millis(5));
///     assert_eq!(sim::time::now(), Duration::from_millis(5));
/// }, 1);
/// ```
#[track_caller]
pub fn park_timeout(dur: Duration) {
    park_until(Some(crate::time::deadline_after(dur)), Location::caller());
}

#[track_caller]
fn park_until(deadline: Option<rt::op::Nanos>, location: &'static Location<'static>) {
    let (tid, _) = rt::current_tid_and_serial();
    let op = Op::Park {
        me: tid as u32,
        deadline,
    };
    rt::op(op, location);
}

/// An owned permission to join a thread and get its result.
///
/// ```
/// let report = sim::Builder::new().executions(1).explore(|| {
///     let h = sim::thread::spawn(|| panic!("boom"));
///     let err = h.join().unwrap_err();
///     assert_eq!(err.downcast_ref::<&str>(), Some(&"boom"));
///     sim::println!("joined");
/// });
/// // The thread's panic is the execution's failure; the main thread went on.
/// assert_eq!(report.failures[0].kind, sim::FailureKind::Panic);
/// assert!(report.outputs.contains_key("joined\n"));
/// ```
#[derive(Debug)]
pub struct JoinHandle<T> {
    thread: Thread,
    /// Where the thread leaves its result; `None` when `T` is `()`.
    slot: Option<Slot<T>>,
}

impl<T: 'static> JoinHandle<T> {
    /// Waits for the thread to finish (a scheduling point that blocks) and
    /// returns its result, or the payload of the panic that ended it.
    #[track_caller]
    pub fn join(self) -> Result<T> {
        self.join_at(Location::caller())
    }

    /// `join`, recorded at `location`.
    pub(crate) fn join_at(self, location: &'static Location<'static>) -> Result<T> {
        self.thread.join_at(location);
        // `T` is `()` when there is no slot: the unit value, as a `T`.
        self.thread.result(self.slot.as_ref(), || {
            (Box::new(()) as Box<dyn Any>)
                .downcast::<T>()
                .ok()
                .map(|b| *b)
        })
    }

    /// Waits at most `timeout` of virtual time for the thread to finish;
    /// returns whether it has (Python's `join(timeout)` followed by
    /// `not is_alive()`; a sim extension). Then [`join`](JoinHandle::join)
    /// gets the result without blocking.
    ///
    /// ```
    /// use std::time::Duration;
    /// // Virtual time orders these waits: exact timing (the test entry points
    /// // default to adversarial timing, where a sleep orders nothing).
    /// let report = sim::Builder::new().timing(sim::Timing::Exact).executions(10).explore(|| {
    ///     let h = sim::thread::spawn(|| sim::time::sleep(Duration::from_secs(3)));
    ///     assert!(!h.join_timeout(Duration::from_secs(1)));
    ///     assert_eq!(sim::time::now(), Duration::from_secs(1));
    ///     assert!(h.thread().is_alive());
    ///     assert!(h.join_timeout(Duration::from_secs(5)));
    ///     assert_eq!(sim::time::now(), Duration::from_secs(3));
    ///     h.join().unwrap();
    /// });
    /// assert!(report.failures.is_empty(), "{report}");
    /// ```
    #[track_caller]
    pub fn join_timeout(&self, timeout: Duration) -> bool {
        self.thread.join_timeout_at(timeout, Location::caller())
    }

    /// The thread this handle joins.
    pub fn thread(&self) -> &Thread {
        &self.thread
    }

    /// Whether the thread has finished. Not a scheduling point.
    pub fn is_finished(&self) -> bool {
        !self.thread.is_alive()
    }
}
