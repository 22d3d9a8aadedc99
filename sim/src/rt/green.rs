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
    fn take(&mut self, size: usize) -> DefaultStack {
        if self.size != size {
            self.stacks.clear();
            self.size = size;
        }
        match self.stacks.pop() {
            Some(stack) => stack,
            None => DefaultStack::new(size).unwrap_or_else(|e| {
                panic!("sim: cannot allocate a green-thread stack of {size} bytes: {e}")
            }),
        }
    }
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
    /// bytes, both stack and box taken from the pool. The body does not
    /// start until the first [`resume`](Self::resume).
    pub(crate) fn new(stack_size: usize, body: impl FnOnce() + 'static) -> Box<Self> {
        let (stack, boxed) = POOL.with(|p| {
            let mut p = p.borrow_mut();
            (p.take(stack_size), p.boxes.pop())
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
