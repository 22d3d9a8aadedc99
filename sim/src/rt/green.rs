//! Green threads: stackful coroutines (corosensei) on pooled stacks.
//!
//! This is the only module of the crate that uses `unsafe`. It owns four
//! things: the coroutine type, the per-OS-thread pool of stacks that are
//! reused across executions, the pointer to the running coroutine's
//! yielder that lets code deep inside a green thread suspend it, and the
//! signal handler that reports a green thread's stack overflow (module
//! `overflow`, at the end).
//!
//! A green thread is created with [`GreenThread::new`], driven with
//! [`GreenThread::resume`] by the scheduler (which runs on the OS thread's own
//! stack), and suspends itself with [`suspend`]. The value given to `resume`
//! is what the thread's pending `suspend` returns: the result of the
//! operation the scheduler just performed for it. When the thread has
//! finished, or when the execution is torn down, [`GreenThread::recycle`]
//! unwinds what is left of its stack and returns the stack to the pool.
//!
//! # Scoped threads: the one lifetime erasure
//!
//! `thread::scope` runs closures that borrow from the spawner's stack for
//! `'scope` as green threads, whose bodies must be `'static`:
//! [`erase_scoped_lifetime`] turns the `Box<dyn FnOnce() + 'scope>` into a
//! `'static` one (only `rt::install_green_scoped` calls it, only from
//! `thread::Scope::spawn`). That is sound if nothing the body borrows is
//! touched after the borrowed data is gone: the body runs, or is dropped
//! unstarted, or is unwound, while the data still lives. The data lives in
//! the frame of `thread::scope` on the spawner's stack, or further up that
//! stack, or (nested scopes) on the stack of an ancestor in the scope tree.
//! Every way that frame can end:
//!
//! 1. `scope` returns, or resumes the unwinding of a panic of its closure:
//!    it does so only after joining every thread spawned in the scope (each
//!    a `Join` operation, enabled once the thread has finished: its body has
//!    returned or unwound, its captures are dropped, its green thread is
//!    recycled). A panic out of the joining itself (a sim internal error)
//!    is not allowed to unwind past live children: a guard aborts the
//!    process instead.
//! 2. The execution ends while the spawner is suspended (a deadlock, a
//!    terminal failure, the step limit, the end of the program with daemon
//!    threads left, a killed process, a panic of the runtime itself): the
//!    teardown (`rt/run.rs`) unwinds the green threads left in reverse
//!    order of thread id. Ids are given in spawn order, so a scoped thread
//!    has a greater id than its spawner and every ancestor in the scope
//!    tree: its stack is unwound (running its destructors, which may read
//!    the borrowed data) or its unstarted body dropped before the frames
//!    holding the data are. Threads that a teardown finds finished have no
//!    green thread left.
//! 3. The spawner's stack is unwound by a panic: a panic of the closure
//!    passed to `scope` is caught there (case 1); a panic cannot otherwise
//!    leave a green thread's body (it is caught at the body's root), and the
//!    teardown's forced unwind is case 2.
//! 4. A spawn while the spawner is already unwinding (a `scope` called from
//!    a destructor during a panic or the teardown) is refused by the
//!    runtime (no thread is created; `Scope::spawn` panics, which aborts),
//!    so no child outlives such a frame.
//!
//! The green thread never outlives the execution (`Parked` in `rt/run.rs`
//! tears down on every exit path), and runs only on this OS thread, while
//! the spawner is suspended. No other code holds the erased box: it is
//! moved into the coroutine, which drops it exactly once (run or unwound).

use std::cell::{Cell, RefCell};

use corosensei::stack::{DefaultStack, Stack};
use corosensei::{Coroutine, CoroutineResult, Yielder};

use super::op::OpResult;

/// Default size of one green-thread stack: 2 MiB, as std's threads (and
/// so `#[test]` bodies) have. The stacks are mapped lazily and pooled: only
/// the pages a thread touches become resident, the rest is address space,
/// so the size costs neither memory nor speed (measured against 256 KiB:
/// the same resident set and executions per second). Change it with
/// [`crate::Builder::stack_size`] or `SIM_STACK_SIZE`.
pub const DEFAULT_STACK_SIZE: usize = 2 * 1024 * 1024;

type Co = Coroutine<OpResult, (), (), DefaultStack>;
type Yield = Yielder<OpResult, ()>;

thread_local! {
    /// Stacks of finished green threads, ready for reuse (one pool per OS thread).
    static POOL: RefCell<StackPool> = const { RefCell::new(StackPool { size: 0, stacks: Vec::new(), boxes: Vec::new() }) };
    /// The yielder of the green thread running right now; null while the
    /// scheduler runs. Set by the thread itself (on entry, and again each
    /// time `suspend` returns into it) and cleared by `resume` when control
    /// comes back: so it is never stale while non-null.
    static RUNNING: Cell<*const Yield> = const { Cell::new(std::ptr::null()) };
    /// The stack of the green thread running right now (`OnStack::NONE`
    /// while the scheduler runs), for the stack-overflow handler.
    static ON_STACK: Cell<OnStack> = const { Cell::new(OnStack::NONE) };
    /// The execution running on this OS thread: its serial number and its
    /// token as `rt/watchdog.rs` encodes it (`[kind, numbers...]`, kind 0:
    /// not known before the execution ends), for the stack-overflow handler.
    static EXECUTION: Cell<(u64, [u64; 4])> = const { Cell::new((0, [0; 4])) };
}

/// The running green thread's stack, as the stack-overflow handler needs it.
#[derive(Debug, Clone, Copy)]
struct OnStack {
    /// Lowest address of the stack's guard page (0: no green thread runs).
    guard: usize,
    tid: usize,
    /// The stack's size in bytes.
    size: usize,
}

impl OnStack {
    const NONE: OnStack = OnStack {
        guard: 0,
        tid: 0,
        size: 0,
    };
}

/// Tells the stack-overflow handler which execution runs on this OS
/// thread: its serial number and its token (`[kind, numbers...]` with a
/// `watchdog::TOKEN_*` kind; 0: not known).
pub(crate) fn set_execution(serial: u64, token: [u64; 4]) {
    EXECUTION.with(|e| e.set((serial, token)));
}

/// The execution running on this OS thread, as [`set_execution`] gave it.
pub(crate) fn execution() -> (u64, [u64; 4]) {
    EXECUTION.with(|e| e.get())
}

/// The id of the green thread running on this OS thread right now.
pub(crate) fn running_tid() -> Option<usize> {
    let on = ON_STACK.with(|r| r.get());
    (on.guard != 0).then_some(on.tid)
}

struct StackPool {
    size: usize,
    stacks: Vec<DefaultStack>,
    /// Boxes of finished green threads (their coroutine taken out), so that
    /// creating a thread does not call the allocator. (The boxes, not
    /// their contents, are what is reused: hence a `Vec` of `Box`es.)
    #[allow(clippy::vec_box)]
    boxes: Vec<Box<GreenThread>>,
}

impl StackPool {
    fn take(&mut self, size: usize, pooled: bool) -> std::io::Result<DefaultStack> {
        if !pooled {
            return new_stack(size);
        }
        if self.size != size {
            self.stacks.clear();
            self.size = size;
        }
        self.stacks.pop().map_or_else(|| new_stack(size), Ok)
    }
}

/// A fresh stack: a mapping and its guard page (`rt/run.rs` explains a
/// failure to the user: `stack_error`).
fn new_stack(size: usize) -> std::io::Result<DefaultStack> {
    #[cfg(unix)]
    overflow::prepare();
    DefaultStack::new(size)
}

/// The body of a scoped thread, with its `'scope` lifetime erased (see
/// the module doc, "Scoped threads", for why this is sound). Only
/// `rt::install_green_scoped` calls it.
pub(crate) fn erase_scoped_lifetime<'scope>(
    body: Box<dyn FnOnce() + 'scope>,
) -> Box<dyn FnOnce() + 'static> {
    // SAFETY: the two types differ only in the trait object's lifetime
    // bound, so they have the same layout (a fat pointer). The box is moved
    // into a green thread that, by the argument of the module doc, runs or
    // drops it while every borrow it holds is still valid: `thread::scope`
    // joins the thread before its frame ends, and the teardown unwinds the
    // thread before its spawner.
    unsafe { std::mem::transmute::<Box<dyn FnOnce() + 'scope>, Box<dyn FnOnce() + 'static>>(body) }
}

/// What a green thread did when it was resumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resumed {
    /// It announced its next operation and suspended.
    Suspended,
    /// Its body returned (normally or after a caught panic).
    Finished,
}

/// One green thread: a coroutine on a pooled stack, in a pooled box.
pub(crate) struct GreenThread {
    /// `None` only while the box waits in the pool.
    co: Option<Co>,
    stack_size: usize,
    /// What the stack-overflow handler needs while this thread runs.
    on_stack: OnStack,
}

impl GreenThread {
    /// Creates a green thread running `body` on a stack of `stack_size`
    /// bytes, both stack and box taken from the pool (the stack only if
    /// `pooled`: a thread's own stack size, from `thread::Builder`, gets a
    /// fresh stack, and leaves the pool for the execution's size alone). The body does not
    /// start until the first [`resume`](Self::resume). Fails if no stack
    /// can be mapped (the OS's limits).
    pub(crate) fn new(
        tid: usize,
        stack_size: usize,
        pooled: bool,
        body: impl FnOnce() + 'static,
    ) -> std::io::Result<Box<Self>> {
        let (stack, boxed) = POOL.with(|p| {
            let mut p = p.borrow_mut();
            let stack = p.take(stack_size, pooled)?;
            Ok::<_, std::io::Error>((stack, p.boxes.pop()))
        })?;
        // corosensei's stack: a guard page at its lowest address, `limit`.
        let on_stack = OnStack {
            guard: stack.limit().get(),
            tid,
            size: stack_size,
        };
        let co = Coroutine::with_stack(stack, move |yielder: &Yield, _first: OpResult| {
            RUNNING.with(|r| r.set(yielder as *const Yield));
            body();
            RUNNING.with(|r| r.set(std::ptr::null()));
        });
        // Built in each arm, in place: building it once and moving it into
        // the box costs a copy per spawn (8x1: +0.35% instructions).
        Ok(match boxed {
            Some(mut boxed) => {
                *boxed = GreenThread {
                    co: Some(co),
                    stack_size,
                    on_stack,
                };
                boxed
            }
            None => Box::new(GreenThread {
                co: Some(co),
                stack_size,
                on_stack,
            }),
        })
    }

    /// Runs the thread until it suspends or finishes; its pending
    /// [`suspend`] returns `input`.
    // Inlined into the run loop (its one caller on the hot path): out of
    // line it cost 1.7% of `profile_2x3`.
    #[inline(always)]
    pub(crate) fn resume(&mut self, input: OpResult) -> Resumed {
        let co = self
            .co
            .as_mut()
            .expect("sim: internal error: a recycled green thread was resumed");
        ON_STACK.with(|r| r.set(self.on_stack));
        let resumed = co.resume(input);
        ON_STACK.with(|r| r.set(OnStack::NONE));
        RUNNING.with(|r| r.set(std::ptr::null()));
        match resumed {
            CoroutineResult::Yield(()) => Resumed::Suspended,
            CoroutineResult::Return(()) => Resumed::Finished,
        }
    }

    /// Unwinds whatever is left on the thread's stack (running its
    /// destructors) and returns the stack and the box to the pool.
    pub(crate) fn recycle(mut self: Box<Self>) {
        let Some(mut co) = self.co.take() else { return };
        ON_STACK.with(|r| r.set(self.on_stack));
        co.force_unwind();
        ON_STACK.with(|r| r.set(OnStack::NONE));
        RUNNING.with(|r| r.set(std::ptr::null()));
        let stack = co.into_stack();
        POOL.with(|p| {
            let mut p = p.borrow_mut();
            if p.size == self.stack_size {
                p.stacks.push(stack);
            }
            p.boxes.push(self);
        });
    }
}

/// Suspends the running green thread, returning to the scheduler. Returns
/// the value the scheduler resumes it with.
///
/// Must be called from inside a green thread.
pub(crate) fn suspend() -> OpResult {
    let ptr = RUNNING.with(|r| r.get());
    assert!(
        !ptr.is_null(),
        "sim: internal error: a green thread suspended from outside any green thread"
    );
    // SAFETY: a non-null `RUNNING` was stored by the body of the green thread
    // that runs now, from the `&Yielder` corosensei passed it (on entry, or
    // below when it was last resumed), and is reset to null whenever control
    // leaves that thread for the scheduler (`resume` and `recycle` return).
    // So the yielder belongs to the coroutine executing this code and lives
    // in its stack frame, which outlives this call.
    let input = unsafe { (*ptr).suspend(()) };
    // Back in this thread: it is the running one again.
    RUNNING.with(|r| r.set(ptr));
    input
}

/// What the watchdog (`rt/watchdog.rs`) sees of the executions one OS
/// thread runs: a counter bumped at every step and context switch, and the
/// green thread that runs with the location of its last operation. Written
/// only by that OS thread with relaxed stores (a few instructions a step),
/// read by the watchdog's thread, which only observes: nothing here feeds
/// back into scheduling. It lives in this module because reading the
/// location back is the one `unsafe` dereference (of a pointer that always
/// comes from a `&'static Location`).
#[derive(Debug, Default)]
pub(crate) struct Heartbeat {
    /// The execution's step count at its last step or context switch.
    pub(crate) beats: std::sync::atomic::AtomicU64,
    /// Whether an execution is running on this OS thread.
    pub(crate) active: std::sync::atomic::AtomicBool,
    /// The watchdog's limit for this OS thread's current exploration, in
    /// milliseconds (0: off).
    pub(crate) limit_ms: std::sync::atomic::AtomicU64,
    /// The serial number of the execution.
    pub(crate) serial: std::sync::atomic::AtomicU64,
    /// The replay token of the execution, when it is known when the
    /// execution starts (random strategies): kind and numbers, formatted by
    /// the watchdog (see `rt/watchdog.rs`).
    pub(crate) token: [std::sync::atomic::AtomicU64; 4],
    tid: std::sync::atomic::AtomicUsize,
    location: std::sync::atomic::AtomicPtr<std::panic::Location<'static>>,
}

impl Heartbeat {
    /// A context switch: green thread `tid` runs on at step `steps`, after
    /// its operation at `location`.
    #[inline(always)]
    pub(crate) fn switch(
        &self,
        steps: u64,
        tid: usize,
        location: &'static std::panic::Location<'static>,
    ) {
        self.tid.store(tid, std::sync::atomic::Ordering::Relaxed);
        self.step(steps, location);
    }

    /// The running green thread took step `steps` (its operation at
    /// `location`) and runs on.
    #[inline(always)]
    pub(crate) fn step(&self, steps: u64, location: &'static std::panic::Location<'static>) {
        use std::sync::atomic::Ordering::Relaxed;
        self.beats.store(steps, Relaxed);
        self.location.store(
            location as *const std::panic::Location<'static> as *mut _,
            Relaxed,
        );
    }

    /// The green thread last reported running, and where its last
    /// operation was.
    pub(crate) fn running(&self) -> (usize, Option<&'static std::panic::Location<'static>>) {
        use std::sync::atomic::Ordering::Relaxed;
        let ptr = self.location.load(Relaxed);
        // SAFETY: `location` is null or was stored by `beat` from a
        // `&'static Location`, which is valid for the rest of the program
        // and never mutated.
        let location = (!ptr.is_null()).then(|| unsafe { &*ptr });
        (self.tid.load(Relaxed), location)
    }
}

/// Stack overflow in a green thread: a fault on its guard page is reported
/// instead of killing the process with a bare SIGSEGV.
///
/// std catches overflows of its own threads' stacks with a SIGSEGV/SIGBUS
/// handler that runs on an alternate signal stack; a green thread's stack is
/// not one std knows, so its handler would just re-raise the fault. sim's
/// handler, installed once per process in front of std's (or whatever was
/// there), checks whether the faulting address is the guard page of the
/// green thread running on this OS thread (`ON_STACK`, two stores per
/// context switch). If so it writes which thread, which execution (its
/// replay token when it is known) and the stack's size to file descriptor 2,
/// formatted on the signal stack without allocating, and aborts; otherwise
/// it hands the fault to the previous handler. Every OS thread that runs
/// green threads gets an alternate signal stack if it has none (std gives
/// one to the threads it creates).
#[cfg(unix)]
mod overflow {
    use std::cell::{Cell, RefCell};
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    use std::sync::{Once, OnceLock};

    use super::{EXECUTION, ON_STACK};

    /// The handlers that were installed before sim's: SIGSEGV's, SIGBUS's.
    static PREVIOUS: OnceLock<[libc::sigaction; 2]> = OnceLock::new();
    static PAGE: AtomicUsize = AtomicUsize::new(0);
    /// Size of the alternate signal stacks sim allocates.
    const ALT_STACK: usize = 64 * 1024;

    thread_local! {
        static PREPARED: Cell<bool> = const { Cell::new(false) };
        /// The alternate signal stack sim gave this OS thread, if it had none.
        static ALT: RefCell<Option<AltStack>> = const { RefCell::new(None) };
    }

    /// An alternate signal stack sim mapped: disabled and unmapped when its
    /// OS thread ends.
    struct AltStack {
        map: *mut libc::c_void,
        len: usize,
    }

    impl Drop for AltStack {
        fn drop(&mut self) {
            let off = libc::stack_t {
                ss_sp: std::ptr::null_mut(),
                ss_flags: libc::SS_DISABLE,
                ss_size: ALT_STACK,
            };
            // SAFETY: disabling this thread's alternate stack, then unmapping
            // the mapping `prepare` made for it, which nothing else uses.
            unsafe {
                libc::sigaltstack(&off, std::ptr::null_mut());
                libc::munmap(self.map, self.len);
            }
        }
    }

    /// Installs the handler (once per process) and an alternate signal
    /// stack on this OS thread if it has none (once per thread).
    pub(super) fn prepare() {
        if PREPARED.with(|p| p.replace(true)) {
            return;
        }
        static INSTALL: Once = Once::new();
        INSTALL.call_once(install);
        // SAFETY: `sigaltstack` with a null new stack only reads the current
        // one into `current`, a valid `stack_t`.
        let mut current: libc::stack_t = unsafe { std::mem::zeroed() };
        if unsafe { libc::sigaltstack(std::ptr::null(), &mut current) } != 0
            || current.ss_flags & libc::SS_DISABLE == 0
        {
            return;
        }
        let page = PAGE.load(Relaxed);
        let len = ALT_STACK + page;
        // SAFETY: a fresh anonymous mapping; its lowest page is left
        // inaccessible as a guard, the rest becomes this thread's signal
        // stack, registered until `AltStack::drop` unregisters and unmaps it
        // at the thread's end.
        unsafe {
            let map = libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            if map == libc::MAP_FAILED {
                return;
            }
            libc::mprotect(map, page, libc::PROT_NONE);
            let stack = libc::stack_t {
                ss_sp: map.cast::<u8>().add(page).cast(),
                ss_flags: 0,
                ss_size: ALT_STACK,
            };
            if libc::sigaltstack(&stack, std::ptr::null_mut()) != 0 {
                libc::munmap(map, len);
                return;
            }
            ALT.with(|a| *a.borrow_mut() = Some(AltStack { map, len }));
        }
    }

    fn install() {
        // SAFETY: `sysconf` has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        PAGE.store(usize::try_from(page).unwrap_or(4096), Relaxed);
        // SAFETY: plain `sigaction` calls on valid, zero-initialised
        // structs (all-zero is a valid `sigaction`). The previous handlers
        // are stored before sim's is installed, so the handler always finds
        // them.
        unsafe {
            let mut previous: [libc::sigaction; 2] = std::mem::zeroed();
            for (sig, old) in [libc::SIGSEGV, libc::SIGBUS].into_iter().zip(&mut previous) {
                libc::sigaction(sig, std::ptr::null(), old);
            }
            if PREVIOUS.set(previous).is_err() {
                return;
            }
            let mut action: libc::sigaction = std::mem::zeroed();
            let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) = handler;
            action.sa_sigaction = f as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut action.sa_mask);
            for sig in [libc::SIGSEGV, libc::SIGBUS] {
                libc::sigaction(sig, &action, std::ptr::null_mut());
            }
        }
    }

    /// A fixed buffer to format into without allocating.
    struct Buf {
        bytes: [u8; 640],
        len: usize,
    }

    impl std::fmt::Write for Buf {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            let room = self.bytes.len() - self.len;
            let n = s.len().min(room);
            self.bytes[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
            self.len += n;
            Ok(())
        }
    }

    extern "C" fn handler(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
        // SAFETY: the kernel passes a valid `siginfo_t` to an SA_SIGINFO
        // handler; for SIGSEGV and SIGBUS `si_addr` is the faulting address.
        let addr = unsafe { (*info).si_addr() } as usize;
        // Const-initialised thread-locals without destructors: reading them
        // is a plain load, safe in a signal handler.
        let on = ON_STACK.with(|r| r.get());
        let page = PAGE.load(Relaxed);
        if on.guard != 0 && addr >= on.guard && addr < on.guard + page {
            report(on.tid, on.size);
            // SAFETY: `abort` is async-signal-safe and never returns.
            unsafe { libc::abort() }
        }
        let Some(previous) = PREVIOUS.get() else {
            return;
        };
        let old = &previous[usize::from(sig != libc::SIGSEGV)];
        let action = old.sa_sigaction;
        if action == libc::SIG_DFL || action == libc::SIG_IGN {
            // SAFETY: restoring the previous disposition; returning re-runs
            // the faulting instruction, which now faults as it would have
            // without sim.
            unsafe { libc::sigaction(sig, old, std::ptr::null_mut()) };
        } else if old.sa_flags & libc::SA_SIGINFO != 0 {
            // SAFETY: the previous handler was installed as an SA_SIGINFO
            // handler with this signature; it gets the arguments the kernel
            // gave sim's.
            let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                unsafe { std::mem::transmute(action) };
            f(sig, info, ctx);
        } else {
            // SAFETY: a previous plain handler takes only the signal number.
            let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(action) };
            f(sig);
        }
    }

    /// Writes the overflow message to fd 2.
    fn report(tid: usize, size: usize) {
        use std::fmt::Write;
        let (serial, token) = EXECUTION.with(|e| e.get());
        let mut buf = Buf {
            bytes: [0; 640],
            len: 0,
        };
        let _ = write!(buf, "\nsim: green thread {tid}");
        if tid == 0 {
            let _ = write!(buf, " (the main thread)");
        }
        let _ = write!(buf, " of execution ");
        let mut tok = Buf {
            bytes: [0; 640],
            len: 0,
        };
        let known = super::super::watchdog::write_token(&mut tok, token) == Ok(true);
        let tok = std::str::from_utf8(&tok.bytes[..tok.len]).unwrap_or("?");
        if known {
            let _ = write!(buf, "{tok}");
        } else {
            let _ = write!(buf, "number {serial}");
        }
        let _ = writeln!(
            buf,
            " overflowed its {} KiB stack; raise Builder::stack_size / SIM_STACK_SIZE",
            size / 1024
        );
        if known {
            let _ = writeln!(buf, "sim: replay it with SIM_REPLAY={tok}");
        } else {
            let _ = writeln!(
                buf,
                "sim: its token is known only when it ends (an exhaustive search or a URW/SURW \
                 walk: run the test with SIM_STRATEGY=random to get a seed token)"
            );
        }
        let _ = writeln!(buf, "sim: aborting.");
        // SAFETY: `write` is async-signal-safe; `buf` holds `len` bytes.
        unsafe { libc::write(2, buf.bytes.as_ptr().cast(), buf.len) };
    }
}
