//! The runtime side of Condition, Semaphore, Event, Barrier, Queue and
//! `join_timeout`: when their operations can complete, what completing or
//! timing out does to object state and vector clocks, and their misuse
//! checks. Decided from `ObjState` alone: the runtime never calls back into
//! the handles in `sync/`.
//!
//! Happens-before, per DESIGN.md: a notify, set, semaphore release, barrier
//! arrival, queue put or `task_done` joins the thread's clock into the
//! object's (and ticks the thread, as a lock release does); the wake-up,
//! wait, acquire, departure, get or `join` it enables joins the object's
//! clock into the thread's. A queue keeps one clock per item, so a `get`
//! is ordered after the `put` of that item only.

use std::panic::Location;

use super::object::{BarrierPhase, CondWaiter, ObjState};
use super::op::{ObjId, Op, OpResult, Tid};
use super::{EdgeKind, Exec, Life};
use crate::failure::FailureKind;

impl Exec {
    /// `can_complete` for the operations of this module (true for others).
    #[inline(never)]
    pub(super) fn prim_can_complete(&self, tid: Tid, op: Op) -> bool {
        match op {
            Op::JoinTimeout { target, .. } => self.threads[target].life == Life::Finished,
            Op::CondBlock { cond, .. } => match &self.objects[cond.index()].state {
                ObjState::Condition { waiters, .. } => {
                    waiters.iter().any(|w| w.tid == tid && w.notified_at != 0)
                }
                _ => unreachable!("CondBlock on a non-Condition"),
            },
            Op::CondReacquire { lock, .. } => match self.objects[lock.index()].state {
                ObjState::Lock { locked, .. } => !locked,
                ObjState::RLock { owner, .. } => owner.is_none() || owner == Some(tid),
                _ => unreachable!("CondReacquire of a non-lock"),
            },
            Op::SemAcquire { sem, .. } => match self.objects[sem.index()].state {
                ObjState::Semaphore { value, .. } => value > 0,
                _ => unreachable!("SemAcquire on a non-Semaphore"),
            },
            Op::EventWait { event, .. } => match self.objects[event.index()].state {
                ObjState::Event { flag, .. } => flag,
                _ => unreachable!("EventWait on a non-Event"),
            },
            Op::BarrierArrive { barrier } => !matches!(
                self.barrier_phase(barrier),
                BarrierPhase::Action | BarrierPhase::Draining | BarrierPhase::Resetting
            ),
            Op::BarrierBlock { barrier, .. } => !matches!(
                self.barrier_phase(barrier),
                BarrierPhase::Filling | BarrierPhase::Action
            ),
            Op::BarrierAbort { barrier } | Op::BarrierReset { barrier } => {
                self.barrier_phase(barrier) != BarrierPhase::Action
            }
            Op::QueuePut { queue, .. } => match &self.objects[queue.index()].state {
                ObjState::Queue { maxsize, items, .. } => {
                    *maxsize == 0 || items.len() < *maxsize as usize
                }
                _ => unreachable!("QueuePut on a non-Queue"),
            },
            Op::QueueGet { queue, .. } => match &self.objects[queue.index()].state {
                ObjState::Queue { items, .. } => !items.is_empty(),
                _ => unreachable!("QueueGet on a non-Queue"),
            },
            Op::QueueJoin { queue } => match &self.objects[queue.index()].state {
                ObjState::Queue { unfinished, .. } => *unfinished == 0,
                _ => unreachable!("QueueJoin on a non-Queue"),
            },
            _ => true,
        }
    }

    /// Whether a timed operation may time out now (besides its deadline):
    /// a barrier waiter cannot while the action runs (it holds the
    /// barrier's lock) nor once the barrier has released it.
    pub(super) fn can_time_out(&self, op: Op) -> bool {
        match op {
            Op::BarrierBlock { barrier, .. } => {
                self.barrier_phase(barrier) == BarrierPhase::Filling
            }
            _ => true,
        }
    }

    fn barrier_phase(&self, barrier: ObjId) -> BarrierPhase {
        match self.objects[barrier.index()].state {
            ObjState::Barrier { phase, .. } => phase,
            _ => unreachable!("barrier operation on a non-Barrier"),
        }
    }

    /// Performs the timeout of `op` (or, for a condition wait with
    /// spurious wake-ups on, possibly a spurious wake-up).
    pub(super) fn time_out(&mut self, op: Op) -> OpResult {
        let deadline = op.deadline();
        if let Op::CondBlock { deadline, .. } = op {
            let timed_out = deadline.is_some_and(|d| self.cfg.adversarial || self.now >= d);
            if !timed_out {
                // A spurious wake-up: the waiter stays in the queue (not
                // notified) until its re-acquire drops it.
                return OpResult::Bool(true);
            }
        }
        // Under adversarial timing the timeout may come early: the clock is
        // a lower bound, so it moves up to the deadline.
        if let Some(d) = deadline {
            self.now = self.now.max(d);
        }
        if let Op::BarrierBlock { barrier, .. } = op {
            // Python's `_break`: the barrier is broken for everyone.
            if let ObjState::Barrier { phase, count, .. } = &mut self.objects[barrier.index()].state
            {
                *phase = BarrierPhase::Broken;
                *count -= 1;
            }
        }
        OpResult::Bool(false)
    }

    /// Completes an operation of this module (kept out of line: the core's
    /// `complete` stays small on the hot path).
    #[inline(never)]
    pub(super) fn prim_complete(
        &mut self,
        tid: Tid,
        op: Op,
        location: &'static Location<'static>,
    ) -> OpResult {
        let step = self.steps;
        match op {
            Op::JoinTimeout { target, .. } => {
                let child = self.threads[target].clock.clone();
                self.threads[tid].clock.join(&child);
                let from = self.threads[target].last_step;
                self.sync_edge(from, EdgeKind::Join, None);
                OpResult::Bool(true)
            }
            Op::CondWait { cond, .. } => self.cond_wait(tid, cond, location),
            Op::CondBlock { cond, .. } => {
                let thread = &mut self.threads[tid];
                let notified_at = match &self.objects[cond.index()].state {
                    ObjState::Condition { clock, waiters, .. } => {
                        thread.clock.join(clock);
                        waiters
                            .iter()
                            .find(|w| w.tid == tid)
                            .map_or(0, |w| w.notified_at)
                    }
                    _ => unreachable!(),
                };
                self.sync_edge(notified_at, EdgeKind::Notify, Some(cond));
                OpResult::Bool(true)
            }
            Op::CondReacquire { lock, cond } => {
                let levels = match &mut self.objects[cond.index()].state {
                    ObjState::Condition { waiters, .. } => {
                        match waiters.iter().position(|w| w.tid == tid) {
                            Some(i) => waiters.remove(i).levels,
                            None => 1,
                        }
                    }
                    _ => unreachable!(),
                };
                let thread = &mut self.threads[tid];
                match &mut self.objects[lock.index()].state {
                    ObjState::Lock {
                        locked,
                        holder,
                        clock,
                    } => {
                        *locked = true;
                        *holder = Some(tid);
                        thread.clock.join(clock);
                    }
                    ObjState::RLock {
                        owner,
                        count,
                        clock,
                    } => {
                        *owner = Some(tid);
                        *count += levels;
                        thread.clock.join(clock);
                    }
                    _ => unreachable!(),
                }
                let from = self.objects[lock.index()].released_at;
                self.sync_edge(from, EdgeKind::Lock, Some(lock));
                OpResult::Unit
            }
            Op::CondNotify { cond, n } => {
                let lock = self.cond_lock(cond);
                if !self.owns(tid, lock) {
                    let msg = format!(
                        "RuntimeError: cannot notify on un-acquired lock\n  {} called {} on {} at {}, \
                         without holding its lock {}",
                        self.threads[tid].name,
                        op.name(),
                        self.objects[cond.index()],
                        location,
                        self.objects[lock.index()]
                    );
                    self.fail(FailureKind::Misuse, msg, Some(tid), true);
                    return OpResult::Unit;
                }
                let thread = &mut self.threads[tid];
                match &mut self.objects[cond.index()].state {
                    ObjState::Condition {
                        waiters,
                        clock,
                        last_notify,
                        ..
                    } => {
                        for w in waiters
                            .iter_mut()
                            .filter(|w| w.notified_at == 0)
                            .take(n as usize)
                        {
                            w.notified_at = step;
                        }
                        *last_notify = Some((step, tid));
                        clock.join(&thread.clock);
                        thread.clock.tick(tid);
                    }
                    _ => unreachable!(),
                }
                OpResult::Unit
            }
            Op::SemAcquire { sem, .. } => {
                let thread = &mut self.threads[tid];
                match &mut self.objects[sem.index()].state {
                    ObjState::Semaphore { value, clock, .. } => {
                        *value -= 1;
                        thread.clock.join(clock);
                    }
                    _ => unreachable!(),
                }
                let from = self.objects[sem.index()].released_at;
                self.sync_edge(from, EdgeKind::Semaphore, Some(sem));
                OpResult::Bool(true)
            }
            Op::SemRelease { sem, n } => self.sem_release(tid, sem, n, location),
            Op::EventSet { event } => {
                let thread = &mut self.threads[tid];
                if let ObjState::Event {
                    flag,
                    clock,
                    last_set,
                    ..
                } = &mut self.objects[event.index()].state
                {
                    *flag = true;
                    *last_set = Some((step, tid));
                    clock.join(&thread.clock);
                    thread.clock.tick(tid);
                }
                self.objects[event.index()].released_at = step;
                OpResult::Unit
            }
            Op::EventClear { event } => {
                if let ObjState::Event {
                    flag, last_clear, ..
                } = &mut self.objects[event.index()].state
                {
                    *flag = false;
                    *last_clear = Some((step, tid));
                }
                OpResult::Unit
            }
            Op::EventIsSet { event } | Op::EventWait { event, .. } => {
                let thread = &mut self.threads[tid];
                let flag = match &self.objects[event.index()].state {
                    ObjState::Event { flag, clock, .. } => {
                        if *flag {
                            thread.clock.join(clock);
                        }
                        *flag
                    }
                    _ => unreachable!(),
                };
                if flag {
                    let from = self.objects[event.index()].released_at;
                    self.sync_edge(from, EdgeKind::Event, Some(event));
                }
                OpResult::Bool(flag)
            }
            Op::BarrierArrive { barrier } => {
                let thread = &mut self.threads[tid];
                let mut last = false;
                let result = match &mut self.objects[barrier.index()].state {
                    ObjState::Barrier {
                        parties,
                        count,
                        phase,
                        clock,
                        arrivals,
                    } => {
                        if *phase == BarrierPhase::Broken {
                            return OpResult::Bool(false);
                        }
                        let index = *count;
                        if index == 0 {
                            arrivals.clear();
                        }
                        arrivals.push(step);
                        *count += 1;
                        clock.join(&thread.clock);
                        if index + 1 == *parties {
                            // The last arrival runs the action after every
                            // other arrival.
                            thread.clock.join(clock);
                            *phase = BarrierPhase::Action;
                            last = true;
                        }
                        thread.clock.tick(tid);
                        OpResult::Value(index)
                    }
                    _ => unreachable!(),
                };
                if last {
                    let n = match &self.objects[barrier.index()].state {
                        ObjState::Barrier { arrivals, .. } => arrivals.len() - 1,
                        _ => 0,
                    };
                    for i in 0..n {
                        let from = match &self.objects[barrier.index()].state {
                            ObjState::Barrier { arrivals, .. } => arrivals[i],
                            _ => 0,
                        };
                        self.sync_edge(from, EdgeKind::Barrier, Some(barrier));
                    }
                }
                result
            }
            Op::BarrierBlock { barrier, .. } | Op::BarrierRelease { barrier, .. } => {
                let thread = &mut self.threads[tid];
                let mut released = false;
                let object = &mut self.objects[barrier.index()];
                let from = object.released_at;
                let result = match &mut object.state {
                    ObjState::Barrier {
                        count,
                        phase,
                        clock,
                        ..
                    } => {
                        if let Op::BarrierRelease { ok, .. } = op {
                            *phase = if ok {
                                BarrierPhase::Draining
                            } else {
                                BarrierPhase::Broken
                            };
                            // The action ran before every departure.
                            clock.join(&thread.clock);
                            thread.clock.tick(tid);
                        }
                        let passed = *phase == BarrierPhase::Draining;
                        if passed {
                            thread.clock.join(clock);
                        }
                        if matches!(op, Op::BarrierRelease { .. }) {
                            released = true;
                        }
                        // Python's `_exit`.
                        *count -= 1;
                        if *count == 0
                            && matches!(*phase, BarrierPhase::Draining | BarrierPhase::Resetting)
                        {
                            *phase = BarrierPhase::Filling;
                        }
                        passed
                    }
                    _ => unreachable!(),
                };
                if released {
                    object.released_at = step;
                } else if result {
                    self.sync_edge(from, EdgeKind::Barrier, Some(barrier));
                }
                OpResult::Bool(result)
            }
            Op::BarrierAbort { barrier } | Op::BarrierReset { barrier } => {
                if let ObjState::Barrier { count, phase, .. } =
                    &mut self.objects[barrier.index()].state
                {
                    *phase = match op {
                        Op::BarrierAbort { .. } => BarrierPhase::Broken,
                        _ if *count == 0 => BarrierPhase::Filling,
                        _ => match *phase {
                            BarrierPhase::Filling | BarrierPhase::Broken => BarrierPhase::Resetting,
                            other => other,
                        },
                    };
                }
                OpResult::Unit
            }
            Op::BarrierRead { barrier } => match self.objects[barrier.index()].state {
                ObjState::Barrier { count, phase, .. } => {
                    let waiting = match phase {
                        BarrierPhase::Filling | BarrierPhase::Action => count,
                        _ => 0,
                    };
                    let broken = u32::from(phase == BarrierPhase::Broken);
                    OpResult::Value(waiting << 1 | broken)
                }
                _ => unreachable!(),
            },
            Op::QueuePut { queue, .. } => {
                let thread = &mut self.threads[tid];
                match &mut self.objects[queue.index()].state {
                    ObjState::Queue {
                        items, unfinished, ..
                    } => {
                        items.push_back((step, thread.clock.clone()));
                        *unfinished += 1;
                        thread.clock.tick(tid);
                    }
                    _ => unreachable!(),
                }
                OpResult::Bool(true)
            }
            Op::QueueGet { queue, .. } => {
                let thread = &mut self.threads[tid];
                let put_at = match &mut self.objects[queue.index()].state {
                    ObjState::Queue { items, .. } => {
                        let (put_at, put) = items.pop_front().expect("get of an empty queue");
                        thread.clock.join(&put);
                        put_at
                    }
                    _ => unreachable!(),
                };
                self.sync_edge(put_at, EdgeKind::Queue, Some(queue));
                OpResult::Bool(true)
            }
            Op::QueueTaskDone { queue } => {
                let thread = &mut self.threads[tid];
                let too_many = match &mut self.objects[queue.index()].state {
                    ObjState::Queue {
                        unfinished,
                        done_clock,
                        ..
                    } => {
                        if *unfinished == 0 {
                            true
                        } else {
                            *unfinished -= 1;
                            done_clock.join(&thread.clock);
                            thread.clock.tick(tid);
                            false
                        }
                    }
                    _ => unreachable!(),
                };
                if !too_many {
                    self.objects[queue.index()].released_at = step;
                }
                if too_many {
                    let msg = format!(
                        "ValueError: task_done() called too many times\n  {} called task_done on {} at {}, \
                         but every item put was already marked done",
                        self.threads[tid].name,
                        self.objects[queue.index()],
                        location
                    );
                    self.fail(FailureKind::Misuse, msg, Some(tid), true);
                }
                OpResult::Unit
            }
            Op::QueueJoin { queue } => {
                let thread = &mut self.threads[tid];
                if let ObjState::Queue { done_clock, .. } = &self.objects[queue.index()].state {
                    thread.clock.join(done_clock);
                }
                let from = self.objects[queue.index()].released_at;
                self.sync_edge(from, EdgeKind::Queue, Some(queue));
                OpResult::Unit
            }
            Op::QueueSize { queue } => match &self.objects[queue.index()].state {
                ObjState::Queue { items, .. } => {
                    OpResult::Value(u32::try_from(items.len()).unwrap_or(u32::MAX))
                }
                _ => unreachable!(),
            },
            _ => unreachable!("not a primitive operation: {op:?}"),
        }
    }

    fn cond_lock(&self, cond: ObjId) -> ObjId {
        match self.objects[cond.index()].state {
            ObjState::Condition { lock, .. } => lock,
            _ => unreachable!("condition operation on a non-Condition"),
        }
    }

    /// Python's `Condition._is_owned`: an RLock is owned by its owner; a
    /// Lock (no owner) counts as owned by anyone while it is locked.
    fn owns(&self, tid: Tid, lock: ObjId) -> bool {
        match self.objects[lock.index()].state {
            ObjState::Lock { locked, .. } => locked,
            ObjState::RLock { owner, .. } => owner == Some(tid),
            _ => unreachable!(),
        }
    }

    fn cond_wait(
        &mut self,
        tid: Tid,
        cond: ObjId,
        location: &'static Location<'static>,
    ) -> OpResult {
        let lock = self.cond_lock(cond);
        if !self.owns(tid, lock) {
            let msg = format!(
                "RuntimeError: cannot wait on un-acquired lock\n  {} called wait on {} at {}, \
                 without holding its lock {}",
                self.threads[tid].name,
                self.objects[cond.index()],
                location,
                self.objects[lock.index()]
            );
            self.fail(FailureKind::Misuse, msg, Some(tid), true);
            return OpResult::Unit;
        }
        // Release the lock fully (Python's `_release_save`).
        let thread = &mut self.threads[tid];
        let levels = match &mut self.objects[lock.index()].state {
            ObjState::Lock {
                locked,
                holder,
                clock,
            } => {
                *locked = false;
                *holder = None;
                clock.copy_from(&thread.clock);
                1
            }
            ObjState::RLock {
                owner,
                count,
                clock,
            } => {
                let levels = *count;
                *owner = None;
                *count = 0;
                clock.copy_from(&thread.clock);
                levels
            }
            _ => unreachable!(),
        };
        thread.clock.tick(tid);
        self.objects[lock.index()].released_at = self.steps;
        match &mut self.objects[cond.index()].state {
            ObjState::Condition {
                waiters,
                last_notify,
                ..
            } => waiters.push(CondWaiter {
                tid,
                missed: *last_notify,
                notified_at: 0,
                levels,
            }),
            _ => unreachable!(),
        }
        OpResult::Unit
    }

    fn sem_release(
        &mut self,
        tid: Tid,
        sem: ObjId,
        n: u32,
        location: &'static Location<'static>,
    ) -> OpResult {
        let thread = &mut self.threads[tid];
        let error = match &mut self.objects[sem.index()].state {
            ObjState::Semaphore {
                value,
                bound,
                clock,
            } => {
                if n == 0 {
                    Some("ValueError: n must be one or more".to_string())
                } else if bound.is_some_and(|b| u64::from(*value) + u64::from(n) > u64::from(b)) {
                    Some(format!(
                        "ValueError: Semaphore released too many times\n  value {} + {n} would exceed \
                         the initial value {}",
                        value,
                        bound.unwrap_or_default()
                    ))
                } else {
                    *value = value.saturating_add(n);
                    clock.join(&thread.clock);
                    thread.clock.tick(tid);
                    self.objects[sem.index()].released_at = self.steps;
                    None
                }
            }
            _ => unreachable!(),
        };
        if let Some(error) = error {
            let msg = format!(
                "{error}\n  {} released {} at {}",
                self.threads[tid].name,
                self.objects[sem.index()],
                location
            );
            self.fail(FailureKind::Misuse, msg, Some(tid), true);
        }
        OpResult::Unit
    }
}
