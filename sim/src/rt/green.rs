//! Green threads: stackful coroutines (corosensei) on pooled stacks.
//!
//! This is the only module of the crate that uses `unsafe`. It owns three
//! things: the coroutine type, the per-OS-thread pool of stacks that are
//! reused across executions, and the table of yielder pointers that lets code
//! deep inside a green thread suspend it.
//!
//! A green thread is created with [`GreenThread::new`], driven with
//! [`GreenThread::resume`] by the scheduler (which runs on the OS thread's own
//! stack), and suspends itself with [`suspend`]. When it has finished, or
//! when the execution is torn down, [`GreenThread::recycle`] unwinds what is
//! left of its stack and returns the stack to the pool.

use std::cell::RefCell;

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};

/// Default size of one green-thread stack: 256 KiB. Only the pages a thread
/// touches become resident; the rest is address space. Change it with
/// [`crate::Builder::stack_size`].
pub const DEFAULT_STACK_SIZE: usize = 256 * 1024;

type Co = Coroutine<(), (), (), DefaultStack>;
type Yield = Yielder<(), ()>;

thread_local! {
    /// Stacks of finished green threads, ready for reuse (one pool per OS thread).
    static POOL: RefCell<StackPool> = const { RefCell::new(StackPool { size: 0, stacks: Vec::new() }) };
    /// For each thread id of the running execution, the yielder of its coroutine.
    static YIELDERS: RefCell<Vec<*const Yield>> = const { RefCell::new(Vec::new()) };
}

struct StackPool {
    size: usize,
    stacks: Vec<DefaultStack>,
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

/// One green thread: a coroutine on a pooled stack.
pub(crate) struct GreenThread {
    co: Co,
    stack_size: usize,
}

impl GreenThread {
    /// Creates green thread `tid` running `body` on a stack of `stack_size`
    /// bytes taken from the pool. The body does not start until the first
    /// [`resume`](Self::resume).
    pub(crate) fn new(tid: usize, stack_size: usize, body: impl FnOnce() + 'static) -> Self {
        let stack = POOL.with(|p| p.borrow_mut().take(stack_size));
        let co = Coroutine::with_stack(stack, move |yielder: &Yield, ()| {
            YIELDERS.with(|y| {
                let mut y = y.borrow_mut();
                if y.len() <= tid {
                    y.resize(tid + 1, std::ptr::null());
                }
                y[tid] = yielder as *const Yield;
            });
            body();
            YIELDERS.with(|y| y.borrow_mut()[tid] = std::ptr::null());
        });
        GreenThread { co, stack_size }
    }

    /// Runs the thread until it suspends or finishes.
    pub(crate) fn resume(&mut self) -> Resumed {
        match self.co.resume(()) {
            CoroutineResult::Yield(()) => Resumed::Suspended,
            CoroutineResult::Return(()) => Resumed::Finished,
        }
    }

    /// Unwinds whatever is left on the thread's stack (running its
    /// destructors) and returns the stack to the pool.
    pub(crate) fn recycle(mut self) {
        self.co.force_unwind();
        let stack = self.co.into_stack();
        POOL.with(|p| {
            let mut p = p.borrow_mut();
            if p.size == self.stack_size {
                p.stacks.push(stack);
            }
        });
    }
}

/// Suspends the running green thread `tid`, returning to the scheduler.
/// Returns when the scheduler resumes it.
///
/// Must be called from inside green thread `tid`.
pub(crate) fn suspend(tid: usize) {
    let ptr = YIELDERS.with(|y| y.borrow().get(tid).copied().unwrap_or(std::ptr::null()));
    assert!(
        !ptr.is_null(),
        "sim: internal error: thread {tid} suspended from outside its green thread"
    );
    // SAFETY: the pointer was stored by the body of green thread `tid` from
    // the `&Yielder` corosensei passed it, and is cleared before that body
    // returns; the yielder lives in the coroutine's stack frame for the whole
    // body. We are called from inside that body (the runtime only calls
    // `suspend` for its current thread, which is the one running), so the
    // yielder is alive and belongs to the coroutine executing this code.
    unsafe { (*ptr).suspend(()) }
}
