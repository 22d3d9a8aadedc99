//! The run loop of one execution ([`run_execution`]): start new threads,
//! compute the enabled set, ask the scheduler when there is a choice,
//! perform, resume the chosen green thread; and the teardown that drops
//! every green thread when the execution ends, however it ends.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use super::clock::VectorClock;
use super::green::{GreenThread, Resumed};
use super::op::{Op, OpResult, Tid};
use super::{
    Exec, ExecConfig, Life, Scheduler, ThreadName, CAPTURE_PANICS, EXEC, LAST_PANIC, SERIAL,
};
use crate::failure::FailureKind;

/// The last execution's state, for the explorer to read after
/// [`run_execution`] returns.
pub(crate) fn with_exec<R>(f: impl FnOnce(&Exec) -> R) -> R {
    EXEC.with(|e| f(&e.borrow()))
}

/// Runs one execution of `main` as `MainThread`, asking `sched` at each
/// scheduling point. The execution's state stays readable through
/// [`with_exec`] until the next one starts.
pub(crate) fn run_execution(
    main: &Arc<dyn Fn() + Send + Sync>,
    cfg: &ExecConfig,
    sched: &mut dyn Scheduler,
) {
    super::panics::install_hook();
    let every_step = sched.observes_every_step();
    let serial = SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
    EXEC.with(|e| {
        let mut e = e.borrow_mut();
        assert!(
            !e.active,
            "sim: an exploration was started from inside a running execution; nested explorations are not supported"
        );
        e.reset(cfg, serial);
        e.rng_seed = sched.rng_seed();
        super::watchdog::start(&mut e.heart, cfg.watchdog_ms, serial);
        let main_tid = e.add_thread(ThreadName::Main, false, VectorClock::new(), 0, true);
        debug_assert_eq!(main_tid, 0);
        e.cache.inline_steps = !every_step;
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
            if let Some(tid) = e.cache.unstarted.pop() {
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
            let go = match e.cache.computed.take() {
                Some(go) => go,
                None => e.compute_enabled(),
            };
            if !go {
                return None;
            }
            let choice = if e.cache.enabled.len() == 1 && !every_step {
                0
            } else {
                if every_step {
                    sched.observe_now(e.now);
                }
                sched.choose(&e.cache.enabled)
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
    EXEC.with(|e| e.borrow_mut().end_checks());
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

/// Drops every green thread left, children before parents: in reverse
/// order of thread id (a thread's id is greater than its spawner's). A
/// scoped thread (`thread::scope`) borrows from its spawner's stack; its
/// stack is unwound (or its unstarted body dropped) before the spawner's
/// frames are, so no destructor it runs sees borrowed data already dropped
/// (the argument is in `rt/green.rs`). Then the thread-local values and
/// panic payloads left, outside the `EXEC` borrow, while operations still
/// return at once.
fn teardown() {
    EXEC.with(|e| e.borrow_mut().tearing_down = true);
    // One at a time, with no borrow held while a thread unwinds (its
    // destructors call operations) and no allocation per execution.
    while let Some(slot) = EXEC.with(|e| e.borrow_mut().greens.pop()) {
        if let Some(green) = slot {
            green.recycle();
        }
    }
    super::locals::clear();
    crate::current::clear();
    loop {
        let payload = EXEC.with(|e| {
            let mut e = e.borrow_mut();
            e.threads.iter_mut().find_map(|t| t.payload.take())
        });
        match payload {
            Some(payload) => drop(payload),
            None => break,
        }
    }
    EXEC.with(|e| {
        let mut e = e.borrow_mut();
        e.active = false;
        if let Some(heart) = &e.heart {
            heart
                .active
                .store(false, std::sync::atomic::Ordering::Relaxed);
        }
        e.tearing_down = false;
    });
}

/// Creates the green thread of `tid`, running `body`.
#[track_caller]
pub(crate) fn install_green(tid: Tid, body: impl FnOnce() + 'static) {
    install_green_sized(tid, None, body);
}

/// Creates the green thread of `tid`, running `body` on a stack of at
/// least `stack_size` bytes (never less than `Builder::stack_size`).
#[track_caller]
pub(crate) fn install_green_sized(
    tid: Tid,
    stack_size: Option<usize>,
    body: impl FnOnce() + 'static,
) {
    let default = EXEC.with(|e| e.borrow().cfg.stack_size);
    let size = stack_size.map_or(default, |s| s.max(default));
    let green = GreenThread::new(tid, size, size == default, move || {
        let outcome = panic::catch_unwind(AssertUnwindSafe(body));
        super::panics::caught(tid);
        let outcome = thread_exit(tid, outcome);
        thread_finished(tid, outcome);
    });
    let green = match green {
        Ok(green) => green,
        Err(error) => {
            // The thread never runs: the spawn panics in the spawner, as
            // std's `thread::spawn` does when the OS refuses a thread.
            let msg = EXEC.with(|e| {
                let mut e = e.borrow_mut();
                e.cache.unstarted.retain(|&t| t != tid);
                e.thread_returned(tid);
                stack_error(&e, tid, size, &error)
            });
            panic!("{msg}");
        }
    };
    EXEC.with(|e| {
        let mut e = e.borrow_mut();
        if e.greens.len() <= tid {
            e.greens.resize_with(tid + 1, || None);
        }
        e.greens[tid] = Some(green);
    });
}

/// Why green thread `tid` got no stack, and what to do: its stack is a
/// mapping plus a guard page, so Linux's `vm.max_map_count` (65,530 by
/// default) caps the live green threads of a process near half of it;
/// memory limits (`ulimit -v`, strict overcommit) cap them by size.
fn stack_error(e: &Exec, tid: Tid, size: usize, error: &std::io::Error) -> String {
    let live = e
        .threads
        .iter()
        .filter(|t| t.life != Life::Finished)
        .count();
    let limit = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map_or(String::new(), |n| {
            format!(
                " Linux allows a process vm.max_map_count = {n} memory mappings, each green \
                 thread's stack takes two (the stack and its guard page): about {} live green \
                 threads.",
                n / 2
            )
        });
    format!(
        "sim: cannot create green thread {} (id {tid}): its {} KiB stack could not be mapped \
         ({error}); {live} threads are alive in this execution.{limit} Run fewer threads at \
         once, give them smaller stacks (Builder::stack_size, or SIM_STACK_SIZE=256K: less \
         memory, the same number of mappings), or raise the limit (sudo sysctl -w \
         vm.max_map_count=262144).",
        e.threads[tid].name,
        size / 1024
    )
}

/// Creates the green thread of scoped thread `tid`, whose `body` borrows
/// from its spawner's stack for `'scope`. Only `thread::Scope::spawn` calls
/// this: `thread::scope` does not return (nor unwind, except in the
/// teardown, which drops this thread first) before thread `tid` has
/// finished; see `rt/green.rs` for the whole argument.
#[track_caller]
pub(crate) fn install_green_scoped<'scope>(
    tid: Tid,
    stack_size: Option<usize>,
    body: Box<dyn FnOnce() + 'scope>,
) {
    let body = super::green::erase_scoped_lifetime(body);
    install_green_sized(tid, stack_size, body);
}

/// After the body of thread `tid`: runs its thread-locals' destructors on
/// the green thread (they may use sim operations), unless the execution is
/// being torn down. A panic of the body comes first; a destructor's panic
/// is the thread's panic if the body did not panic.
fn thread_exit(tid: Tid, outcome: std::thread::Result<()>) -> std::thread::Result<()> {
    if !super::locals::has_values(tid) || EXEC.with(|e| e.borrow().tearing_down) {
        return outcome;
    }
    let body_panic = outcome
        .is_err()
        .then(|| LAST_PANIC.with(|p| p.borrow_mut().take()));
    let destructors = panic::catch_unwind(|| super::locals::destroy(tid));
    let destructors = match destructors {
        // Torn down while a destructor waited: the teardown's own unwind
        // goes on.
        Err(payload) if EXEC.with(|e| e.borrow().tearing_down) => panic::resume_unwind(payload),
        destructors => destructors,
    };
    match (outcome, destructors) {
        (Err(body), _) => {
            LAST_PANIC.with(|p| *p.borrow_mut() = body_panic.flatten());
            Err(body)
        }
        (Ok(()), destructors) => destructors,
    }
}

fn thread_finished(tid: Tid, outcome: std::thread::Result<()>) {
    let tearing_down = EXEC.with(|e| e.borrow().tearing_down);
    match outcome {
        Err(payload) if tearing_down => panic::resume_unwind(payload),
        Err(payload) => {
            let msg = LAST_PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_else(|| "panic with a non-string payload".to_string());
            EXEC.with(|e| {
                let mut e = e.borrow_mut();
                let name = e.thread_name(tid);
                e.threads[tid].panic = Some(msg.clone());
                e.threads[tid].payload = Some(payload);
                if tid != 0 && !e.cfg.thread_panics_fail {
                    e.thread_returned(tid);
                    return;
                }
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
