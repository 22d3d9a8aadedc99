//! Green threads: stackful coroutines (corosensei) on pooled stacks.
//!
//! This is the only module of the crate that uses `unsafe`. It owns three
//! things: the coroutine type, the per-OS-thread pool of stacks that are
//! reused across executions, and the pointer to the running coroutine's
//! yielder that lets code deep inside a green thread suspend it.
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

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};

use super::op::OpResult;

/// Default size of one green-thread stack: 256 KiB. Only the pages a thread
/// touches become resident; the rest is address space. Change it with
/// [`crate::Builder::stack_size`].
pub const DEFAULT_STACK_SIZE: usize = 256 * 1024;

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
    fn take(&mut self, size: usize, pooled: bool) -> DefaultStack {
        if !pooled {
            return new_stack(size);
        }
        if self.size != size {
            self.stacks.clear();
            self.size = size;
        }
        match self.stacks.pop() {
            Some(stack) => stack,
            None => new_stack(size),
        }
    }
}

fn new_stack(size: usize) -> DefaultStack {
    DefaultStack::new(size).unwrap_or_else(|e| {
        panic!("sim: cannot allocate a green-thread stack of {size} bytes: {e}")
    })
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
}

impl GreenThread {
    /// Creates a green thread running `body` on a stack of `stack_size`
    /// bytes, both stack and box taken from the pool (the stack only if
    /// `pooled`: a thread's own stack size, from `thread::Builder`, gets a
    /// fresh stack, and leaves the pool for the execution's size alone). The body does not
    /// start until the first [`resume`](Self::resume).
    pub(crate) fn new(stack_size: usize, pooled: bool, body: impl FnOnce() + 'static) -> Box<Self> {
        let (stack, boxed) = POOL.with(|p| {
            let mut p = p.borrow_mut();
            (p.take(stack_size, pooled), p.boxes.pop())
        });
        let co = Coroutine::with_stack(stack, move |yielder: &Yield, _first: OpResult| {
            RUNNING.with(|r| r.set(yielder as *const Yield));
            body();
            RUNNING.with(|r| r.set(std::ptr::null()));
        });
        // Built in each arm, in place: building it once and moving it into
        // the box costs a copy per spawn (8x1: +0.35% instructions).
        match boxed {
            Some(mut boxed) => {
                *boxed = GreenThread {
                    co: Some(co),
                    stack_size,
                };
                boxed
            }
            None => Box::new(GreenThread {
                co: Some(co),
                stack_size,
            }),
        }
    }

    /// Runs the thread until it suspends or finishes; its pending
    /// [`suspend`] returns `input`.
    pub(crate) fn resume(&mut self, input: OpResult) -> Resumed {
        let co = self
            .co
            .as_mut()
            .expect("sim: internal error: a recycled green thread was resumed");
        let resumed = co.resume(input);
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
        co.force_unwind();
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
