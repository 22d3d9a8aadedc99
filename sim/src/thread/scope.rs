//! Scoped threads: std's `thread::scope`, `Scope`, `ScopedJoinHandle`.
//!
//! A scoped thread's closure borrows from the caller's stack, so it is not
//! `'static`: its lifetime is erased once, in `rt/green.rs`, whose module
//! doc argues why that is sound (`scope` joins every thread before its
//! frame ends, and the teardown of an execution unwinds children before
//! their spawners).

use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe, Location};
use std::sync::{Arc, Mutex};

use super::{lock, Builder, Result, Slot, Thread};
use crate::rt;
use crate::rt::op::Tid;

/// A scope to spawn scoped threads in (see [`scope`]).
pub struct Scope<'scope, 'env: 'scope> {
    /// Every thread spawned in the scope, in spawn order.
    threads: Mutex<Vec<Tid>>,
    scope: PhantomData<&'scope mut &'scope ()>,
    env: PhantomData<&'env mut &'env ()>,
}

impl std::fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope")
            .field("threads", &lock(&self.threads).len())
            .finish_non_exhaustive()
    }
}

/// An owned permission to join a scoped thread (see [`Scope::spawn`]).
pub struct ScopedJoinHandle<'scope, T> {
    thread: Thread,
    slot: Slot<T>,
    scope: PhantomData<&'scope ()>,
}

impl<T> std::fmt::Debug for ScopedJoinHandle<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopedJoinHandle")
            .field("thread", &self.thread)
            .finish_non_exhaustive()
    }
}

/// Creates a scope, runs `f` in it, and joins every thread spawned in it
/// before returning, as std's `thread::scope`. If `f` panics, the panic goes
/// on once every thread is joined; if a thread panicked and was not joined
/// by its handle, `scope` panics ("a scoped thread panicked") after
/// joining all.
///
/// ```
/// sim::model(|| {
///     let data = vec![1, 2, 3, 4];
///     let (left, right) = data.split_at(2);
///     let total = sim::thread::scope(|s| {
///         let a = s.spawn(|| left.iter().sum::<i32>());
///         let b = s.spawn(|| right.iter().sum::<i32>());
///         a.join().unwrap() + b.join().unwrap()
///     });
///     assert_eq!(total, 10);
/// });
/// ```
#[track_caller]
pub fn scope<'env, F, T>(f: F) -> T
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
{
    let location = Location::caller();
    let scope = Scope {
        threads: Mutex::new(Vec::new()),
        scope: PhantomData,
        env: PhantomData,
    };
    let result = panic::catch_unwind(AssertUnwindSafe(|| f(&scope)));
    let result = match result {
        // The teardown unwinds this thread after every thread it spawned
        // (see `rt/green.rs`): its unwind goes on at once.
        Err(payload) if rt::tearing_down() => panic::resume_unwind(payload),
        result => result,
    };
    // Until every thread of the scope has finished, this frame must not
    // end: an unwind out of the joins (other than the teardown's) aborts.
    let guard = AbortUnlessTearingDown;
    let mut joined = 0;
    loop {
        let Some(tid) = lock(&scope.threads).get(joined).copied() else {
            break;
        };
        crate::rt::op(crate::rt::op::Op::Join { target: tid }, location);
        joined += 1;
    }
    std::mem::forget(guard);
    let unhandled = lock(&scope.threads)
        .iter()
        .any(|&tid| rt::thread_payload_pending(tid));
    match result {
        Err(payload) => panic::resume_unwind(payload),
        Ok(_) if unhandled => panic!("a scoped thread panicked"),
        Ok(value) => value,
    }
}

/// Aborts the process if dropped by an unwind outside the teardown: the
/// joins of [`scope`] must not leave threads running that borrow from its
/// frame.
struct AbortUnlessTearingDown;

impl Drop for AbortUnlessTearingDown {
    fn drop(&mut self) {
        if !rt::tearing_down() {
            eprintln!("sim: a panic while joining a thread::scope's threads; aborting");
            std::process::abort();
        }
    }
}

impl<'scope> Scope<'scope, '_> {
    /// Spawns a thread in the scope (a scheduling point): it may borrow
    /// anything that outlives the scope. Unlike std, no `Send` bound.
    ///
    /// ```
    /// sim::check_random(|| {
    ///     let mut counts = [0; 2];
    ///     sim::thread::scope(|s| {
    ///         for (i, c) in counts.iter_mut().enumerate() {
    ///             s.spawn(move || *c = i + 1);
    ///         }
    ///     });
    ///     assert_eq!(counts, [1, 2]);
    /// }, 10);
    /// ```
    #[track_caller]
    pub fn spawn<F, T>(&'scope self, f: F) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + 'scope,
        T: 'scope,
    {
        self.spawn_with(Builder::new(), Location::caller(), f)
    }

    /// `spawn` with a builder's configuration, recorded at `location`.
    #[track_caller]
    pub(super) fn spawn_with<F, T>(
        &'scope self,
        builder: Builder,
        location: &'static Location<'static>,
        f: F,
    ) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + 'scope,
        T: 'scope,
    {
        let builder = Builder {
            daemon: false,
            ..builder
        };
        let tid = builder.create(location);
        // Registered before the thread can run: `scope` joins it.
        lock(&self.threads).push(tid);
        let slot: Slot<T> = Arc::new(Mutex::new(None));
        let out = Arc::clone(&slot);
        let body: Box<dyn FnOnce() + 'scope> = Box::new(move || {
            let value = f();
            *lock(&out) = Some(value);
        });
        rt::install_green_scoped(tid, builder.stack_size, body);
        ScopedJoinHandle {
            thread: Thread::new(tid, builder.name),
            slot,
            scope: PhantomData,
        }
    }
}

impl<T> ScopedJoinHandle<'_, T> {
    /// Waits for the thread to finish and returns its result, or the
    /// payload of its panic (which `scope` then does not report again).
    ///
    /// ```
    /// let report = sim::Builder::new().executions(1).explore(|| {
    ///     sim::thread::scope(|s| {
    ///         let h = s.spawn(|| panic!("child"));
    ///         assert!(h.join().is_err());
    ///     });
    ///     sim::println!("scope returned");
    /// });
    /// assert!(report.outputs.contains_key("scope returned\n"));
    /// ```
    #[track_caller]
    pub fn join(self) -> Result<T> {
        self.thread.join_at(Location::caller());
        self.thread.result(Some(&self.slot), || None)
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

#[cfg(test)]
mod tests {
    #[test]
    fn scope_is_sync_and_handles_are_send() {
        fn sync<T: Sync>() {}
        fn send<T: Send>() {}
        sync::<super::Scope<'static, 'static>>();
        send::<super::ScopedJoinHandle<'static, i32>>();
        send::<super::super::JoinHandle<i32>>();
        send::<super::super::Thread>();
    }
}
