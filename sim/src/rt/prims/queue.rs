//! `queue.Queue`: the runtime keeps the counts and clocks, the items live
//! in the handle. Each item carries the clock of its `put`: a `get` joins
//! the clock of the item it takes only, with a `Queue` edge from that put.
//! Every `task_done` joins the queue's done clock; `join` joins it.
//! `process::Queue`'s polls and feeders read the same state (`rt/process.rs`).

use std::collections::VecDeque;
use std::panic::Location;

use super::super::clock::VectorClock;
use super::super::dependence::Footprint;
use super::super::op::{Op, OpResult, Tid};
use super::super::{EdgeKind, Exec};
use super::ObjState;
use crate::failure::FailureKind;

/// The state of a `Queue`.
#[derive(Debug)]
pub(crate) struct QueueState {
    /// 0: unbounded.
    maxsize: u32,
    /// The step and clock of each item's `put`, oldest first.
    items: VecDeque<(u64, VectorClock)>,
    unfinished: u32,
    /// Joined by every `task_done`; joined by `join`.
    done_clock: VectorClock,
}

impl QueueState {
    /// How many items it holds.
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Its bound (0: unbounded).
    pub(crate) fn maxsize(&self) -> u32 {
        self.maxsize
    }
}

impl ObjState {
    /// A fresh queue of at most `maxsize` items (0: unbounded).
    pub(crate) fn new_queue(maxsize: u32) -> Self {
        ObjState::Queue(QueueState {
            maxsize,
            items: VecDeque::new(),
            unfinished: 0,
            done_clock: VectorClock::new(),
        })
    }
}

impl Exec {
    pub(super) fn queue_can_complete(&self, op: Op) -> bool {
        match op {
            Op::QueuePut { queue, .. } => {
                let q = self.objects[queue.index()].state.queue();
                q.maxsize == 0 || q.items.len() < q.maxsize as usize
            }
            Op::QueueGet { queue, .. } => {
                !self.objects[queue.index()].state.queue().items.is_empty()
            }
            Op::QueueJoin { queue } => self.objects[queue.index()].state.queue().unfinished == 0,
            _ => true,
        }
    }

    pub(super) fn queue_complete(
        &mut self,
        tid: Tid,
        op: Op,
        location: &'static Location<'static>,
    ) -> OpResult {
        let step = self.steps;
        match op {
            Op::QueuePut { queue, .. } => {
                let thread = &mut self.threads[tid];
                let q = self.objects[queue.index()].state.queue_mut();
                q.items.push_back((step, thread.clock.clone()));
                q.unfinished += 1;
                thread.clock.tick(tid);
                OpResult::Bool(true)
            }
            Op::QueueGet { queue, .. } => {
                let thread = &mut self.threads[tid];
                let q = self.objects[queue.index()].state.queue_mut();
                let (put_at, put) = q.items.pop_front().expect("get of an empty queue");
                thread.clock.join(&put);
                self.sync_edge(put_at, EdgeKind::Queue, Some(queue));
                OpResult::Bool(true)
            }
            Op::QueueTaskDone { queue } => {
                let thread = &mut self.threads[tid];
                let q = self.objects[queue.index()].state.queue_mut();
                if q.unfinished == 0 {
                    let msg = format!(
                        "ValueError: task_done() called too many times\n  {} called task_done on {} at {}, \
                         but every item put was already marked done",
                        self.threads[tid].name,
                        self.objects[queue.index()],
                        location
                    );
                    self.fail(FailureKind::Misuse, msg, Some(tid), true);
                } else {
                    q.unfinished -= 1;
                    q.done_clock.join(&thread.clock);
                    thread.clock.tick(tid);
                    self.objects[queue.index()].released_at = step;
                }
                OpResult::Unit
            }
            Op::QueueJoin { queue } => {
                let thread = &mut self.threads[tid];
                thread
                    .clock
                    .join(&self.objects[queue.index()].state.queue().done_clock);
                let from = self.objects[queue.index()].released_at;
                self.sync_edge(from, EdgeKind::Queue, Some(queue));
                OpResult::Unit
            }
            Op::QueueSize { queue } => {
                let len = self.objects[queue.index()].state.queue().items.len();
                OpResult::Value(u32::try_from(len).unwrap_or(u32::MAX))
            }
            _ => unreachable!("not a Queue operation: {op:?}"),
        }
    }
}

/// `qsize`/`empty`/`full` read the queue; every other operation writes it.
/// Reduced by the optimal DPOR except a put or get with a timeout (a
/// blocking put waits for room, a get for an item, a `join` for every item
/// done: see `explore/exhaustive/guards.rs`).
pub(crate) fn footprint(op: Op) -> Footprint {
    match op {
        Op::QueueSize { queue } => Footprint::reads(queue).reducible(),
        Op::QueuePut {
            queue,
            deadline: Some(_),
        }
        | Op::QueueGet {
            queue,
            deadline: Some(_),
        } => Footprint::writes(queue),
        Op::QueuePut { queue, .. }
        | Op::QueueGet { queue, .. }
        | Op::QueueTaskDone { queue }
        | Op::QueueJoin { queue } => Footprint::writes(queue).reducible(),
        _ => Footprint::NOTHING,
    }
}
