//! `std::sync::mpsc` channels (`sim::sync::mpsc`): the runtime keeps the
//! counts, clocks and who waits; the values live in the handle, in the same
//! order as [`ChanState`]'s items.
//!
//! A channel is unbounded (`channel`), bounded (`sync_channel(n)`, `n > 0`)
//! or a rendezvous (`sync_channel(0)`). Each queued value carries the clock
//! of its `send`: a `recv` joins the clock of the value it takes only, with
//! a `Queue` edge from that send. On a rendezvous channel a blocking send
//! is two steps: `ChanSend` offers the value (it never blocks), then
//! `ChanSendWait` waits until a `recv` took it; that `recv` stores its clock
//! for the sender, so the send returns ordered after the receive, as std's
//! does. A blocking or timed `recv` on a rendezvous channel is two steps
//! too, as std's: `ChanRecvEnter` takes an offered value if there is one,
//! else enters the wait (`ChanState::receiver_waiting`), and `ChanRecv`
//! waits. A `try_send` on a rendezvous channel succeeds only while the
//! receiver is in that wait and no offer is queued: it hands the value
//! over, and that `recv` can no longer time out (in std the value is in the
//! receiver's hands).
//!
//! Disconnection: the drop of the last sender enables every blocked `recv`
//! (which fails once the channel is empty); the drop of the receiver
//! enables every blocked send (which fails, giving the value back). A
//! failing operation joins the clock of the drops that made it fail, as in
//! std (where the drop and the failure meet in an atomic). Dropping a
//! `Sender` that is not the last, cloning one, and drops while a thread
//! unwinds are applied without a scheduling point ([`Exec::chan_release`],
//! [`Exec::chan_add_sender`]): they change no thread's enabledness.

use std::collections::VecDeque;
use std::fmt::Write;

use super::super::clock::VectorClock;
use super::super::dependence::Footprint;
use super::super::op::{ObjId, Op, OpResult, Tid};
use super::super::{EdgeKind, Exec};
use super::ObjState;

/// How many values a channel holds before senders block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Capacity {
    /// `channel()`: never blocks a sender.
    Unbounded,
    /// `sync_channel(n)`, `n > 0`.
    Bounded(u32),
    /// `sync_channel(0)`: a send waits for a receiver to take the value.
    Rendezvous,
}

/// One queued value, as the runtime sees it.
#[derive(Debug)]
struct Item {
    /// Step and clock of its send.
    step: u64,
    clock: VectorClock,
    /// On a rendezvous channel: the sender blocked until the value is
    /// taken (`None` for a value handed over by `try_send`).
    sender: Option<Tid>,
}

/// The state of an mpsc channel.
#[derive(Debug)]
pub(crate) struct ChanState {
    capacity: Capacity,
    /// Queued values (on a rendezvous channel: offers), oldest first.
    items: VecDeque<Item>,
    /// Rendezvous offers a `recv` took: the sender, and the step and clock
    /// of that `recv`, for the sender's `ChanSendWait` to join.
    taken: Vec<(Tid, u64, VectorClock)>,
    /// Live `Sender`/`SyncSender` handles.
    senders: u32,
    /// Whether the `Receiver` is alive.
    receiver: bool,
    /// Rendezvous: whether the receiver is inside `recv`, waiting (between
    /// `ChanRecvEnter` and the end of its `ChanRecv`).
    receiver_waiting: bool,
    /// Joined by every sender drop; joined by a `recv` that fails.
    senders_gone: VectorClock,
    senders_gone_at: u64,
    /// Joined by the receiver's drop; joined by a send that fails.
    receiver_gone: VectorClock,
    receiver_gone_at: u64,
}

impl ChanState {
    /// Whether a `recv` of this channel can complete now.
    fn recv_can_complete(&self) -> bool {
        !self.items.is_empty() || self.senders == 0
    }
}

impl ObjState {
    /// A fresh channel with one sender and its receiver.
    pub(crate) fn new_channel(capacity: Capacity) -> Self {
        ObjState::Channel(Box::new(ChanState {
            capacity,
            items: VecDeque::new(),
            taken: Vec::new(),
            senders: 1,
            receiver: true,
            receiver_waiting: false,
            senders_gone: VectorClock::new(),
            senders_gone_at: 0,
            receiver_gone: VectorClock::new(),
            receiver_gone_at: 0,
        }))
    }
}

/// What a channel operation's result means ([`OpResult::Value`]); a
/// timeout (or a full channel, for `try_send`) is `Bool(false)`.
pub(crate) const CHAN_OK: u32 = 0;
/// The other side is gone.
pub(crate) const CHAN_DISCONNECTED: u32 = 1;
/// `ChanRecvEnter` found no value: the receiver now waits in `ChanRecv`.
pub(crate) const CHAN_WAIT: u32 = 2;

impl Exec {
    pub(super) fn chan_can_complete(&self, tid: Tid, op: Op) -> bool {
        match op {
            Op::ChanSend { chan, deadline } => {
                let c = self.objects[chan.index()].state.channel();
                !c.receiver
                    || match c.capacity {
                        Capacity::Unbounded => true,
                        Capacity::Bounded(n) => c.items.len() < n as usize,
                        Capacity::Rendezvous => {
                            deadline.is_none() || c.items.is_empty() && c.receiver_waiting
                        }
                    }
            }
            Op::ChanSendWait { chan } => {
                let c = self.objects[chan.index()].state.channel();
                !c.receiver || c.taken.iter().any(|t| t.0 == tid)
            }
            Op::ChanRecv { chan, .. } => self.objects[chan.index()]
                .state
                .channel()
                .recv_can_complete(),
            _ => true,
        }
    }

    /// A `recv` that a `try_send` handed a value to cannot time out.
    pub(super) fn chan_can_time_out(&self, chan: ObjId) -> bool {
        let c = self.objects[chan.index()].state.channel();
        c.capacity != Capacity::Rendezvous || c.items.front().is_none_or(|i| i.sender.is_some())
    }

    /// A timed `recv` that times out leaves the wait.
    pub(super) fn chan_time_out(&mut self, chan: ObjId) {
        self.objects[chan.index()]
            .state
            .channel_mut()
            .receiver_waiting = false;
    }

    pub(super) fn chan_complete(&mut self, tid: Tid, op: Op) -> OpResult {
        let step = self.steps;
        let thread = &mut self.threads[tid];
        match op {
            Op::ChanSend { chan, deadline } => {
                let c = self.objects[chan.index()].state.channel_mut();
                if !c.receiver {
                    thread.clock.join(&c.receiver_gone);
                    let from = c.receiver_gone_at;
                    self.sync_edge(from, EdgeKind::Queue, Some(chan));
                    return OpResult::Value(CHAN_DISCONNECTED);
                }
                let waits = c.capacity == Capacity::Rendezvous && deadline.is_none();
                c.items.push_back(Item {
                    step,
                    clock: thread.clock.clone(),
                    sender: waits.then_some(tid),
                });
                thread.clock.tick(tid);
                OpResult::Value(CHAN_OK)
            }
            Op::ChanSendWait { chan } => {
                let c = self.objects[chan.index()].state.channel_mut();
                if let Some(pos) = c.taken.iter().position(|t| t.0 == tid) {
                    let (_, from, clock) = c.taken.swap_remove(pos);
                    thread.clock.join(&clock);
                    self.sync_edge(from, EdgeKind::Queue, Some(chan));
                    OpResult::Value(CHAN_OK)
                } else {
                    // The receiver is gone: the value goes back to its sender.
                    c.items.retain(|i| i.sender != Some(tid));
                    thread.clock.join(&c.receiver_gone);
                    let from = c.receiver_gone_at;
                    self.sync_edge(from, EdgeKind::Queue, Some(chan));
                    OpResult::Value(CHAN_DISCONNECTED)
                }
            }
            Op::ChanRecvEnter { chan } => {
                let c = self.objects[chan.index()].state.channel_mut();
                if !c.recv_can_complete() {
                    c.receiver_waiting = true;
                    return OpResult::Value(CHAN_WAIT);
                }
                self.chan_take(tid, chan)
            }
            Op::ChanRecv { chan, .. } => self.chan_take(tid, chan),
            Op::ChanDropSender { chan } => {
                self.chan_release(tid, chan, false, step);
                OpResult::Unit
            }
            Op::ChanDropReceiver { chan } => {
                self.chan_release(tid, chan, true, step);
                OpResult::Unit
            }
            _ => unreachable!("not a channel operation: {op:?}"),
        }
    }

    /// A `recv` that can complete: takes the oldest value, or fails once
    /// every sender is gone.
    fn chan_take(&mut self, tid: Tid, chan: ObjId) -> OpResult {
        let step = self.steps;
        let thread = &mut self.threads[tid];
        let c = self.objects[chan.index()].state.channel_mut();
        c.receiver_waiting = false;
        if let Some(item) = c.items.pop_front() {
            thread.clock.join(&item.clock);
            if let Some(sender) = item.sender {
                // The rendezvous: the sender returns after this.
                c.taken.push((sender, step, thread.clock.clone()));
                thread.clock.tick(tid);
            }
            self.sync_edge(item.step, EdgeKind::Queue, Some(chan));
            OpResult::Value(CHAN_OK)
        } else {
            thread.clock.join(&c.senders_gone);
            let from = c.senders_gone_at;
            self.sync_edge(from, EdgeKind::Queue, Some(chan));
            OpResult::Value(CHAN_DISCONNECTED)
        }
    }

    /// The drop of a sender (or, `receiver`, of the receiver) of `chan` by
    /// `tid`, at `step` (the drop's event, or the last event when it is
    /// applied without a scheduling point).
    pub(in crate::rt) fn chan_release(&mut self, tid: Tid, chan: ObjId, receiver: bool, step: u64) {
        let thread = &mut self.threads[tid];
        let c = self.objects[chan.index()].state.channel_mut();
        if receiver {
            c.receiver = false;
            // std drops the buffered values with the receiver; offers of
            // blocked rendezvous senders go back to them.
            c.items.retain(|i| i.sender.is_some());
            c.receiver_gone.join(&thread.clock);
            c.receiver_gone_at = step;
        } else {
            c.senders = c
                .senders
                .checked_sub(1)
                .expect("sim: internal error: a channel lost more senders than it had");
            c.senders_gone.join(&thread.clock);
            c.senders_gone_at = step;
        }
        thread.clock.tick(tid);
    }

    /// Whether dropping a sender of `chan` now leaves it with none: that
    /// drop is a scheduling point, the others are not.
    pub(in crate::rt) fn chan_last_sender(&self, chan: ObjId) -> bool {
        self.objects[chan.index()].state.channel().senders == 1
    }

    /// Whether `chan` has no sender left (dropping its receiver then
    /// changes nothing any thread could wait for).
    pub(in crate::rt) fn chan_no_sender(&self, chan: ObjId) -> bool {
        self.objects[chan.index()].state.channel().senders == 0
    }

    /// A clone of a sender of `chan` (not a scheduling point: with one
    /// sender alive already, no thread's enabledness changes).
    pub(in crate::rt) fn chan_add_sender(&mut self, chan: ObjId) {
        self.objects[chan.index()].state.channel_mut().senders += 1;
    }

    /// The deadlock report's lines for the channels that blocked threads
    /// wait on: what each waits for and why it never comes.
    pub(in crate::rt) fn chan_summaries(&self, blocked: &[Tid], msg: &mut String) {
        for object in &self.objects {
            let ObjState::Channel(c) = &object.state else {
                continue;
            };
            let waiting = |f: fn(Op) -> bool| -> Vec<String> {
                blocked
                    .iter()
                    .filter(|&&t| object_of(self.threads[t].pending) == Some(object.id))
                    .filter(|&&t| f(self.threads[t].pending))
                    .map(|&t| self.thread_name(t))
                    .collect()
            };
            let receivers = waiting(|op| matches!(op, Op::ChanRecv { .. }));
            if !receivers.is_empty() {
                let _ = writeln!(
                    msg,
                    "  {} waits in Receiver::recv on {object}: it is empty and {} still alive, \
                     but no thread left could send",
                    receivers.join(", "),
                    match c.senders {
                        1 => "1 Sender is".to_string(),
                        n => format!("{n} Senders are"),
                    }
                );
            }
            let senders = waiting(|op| matches!(op, Op::ChanSend { .. }));
            if !senders.is_empty() {
                let Capacity::Bounded(n) = c.capacity else {
                    continue;
                };
                let _ = writeln!(
                    msg,
                    "  {} waits in SyncSender::send on {object}: it is full ({n} of {n} values) \
                     and its Receiver is alive, but no thread left could receive",
                    senders.join(", ")
                );
            }
            let offers = waiting(|op| matches!(op, Op::ChanSendWait { .. }));
            if !offers.is_empty() {
                let _ = writeln!(
                    msg,
                    "  {} waits in SyncSender::send on {object} (a rendezvous channel, \
                     sync_channel(0)) for a receiver to take the value: its Receiver is alive, \
                     but no thread left could receive",
                    offers.join(", ")
                );
            }
        }
    }
}

fn object_of(op: Op) -> Option<ObjId> {
    match op {
        Op::ChanSend { chan, .. } | Op::ChanSendWait { chan } | Op::ChanRecv { chan, .. } => {
            Some(chan)
        }
        _ => None,
    }
}

/// Every channel operation writes the channel. Not reduced by the optimal
/// DPOR: its fragment handles one kind of blocking operation, the lock
/// acquire, whose races it recognises from the lock's state rebuilt from
/// the log (`explore/exhaustive/odpor.rs`); a `recv` enabled by a `send`,
/// a send enabled by a `recv` or a drop, and a rendezvous `try_send` whose
/// outcome depends on whether another thread waits in `recv`, are not that
/// shape (the same reason `Queue`'s put and get are not reduced), so
/// programs with channels are explored by the unreduced DFS.
pub(crate) fn footprint(op: Op) -> Footprint {
    match op {
        Op::ChanSend { chan, .. }
        | Op::ChanSendWait { chan }
        | Op::ChanRecv { chan, .. }
        | Op::ChanDropSender { chan }
        | Op::ChanDropReceiver { chan } => Footprint::writes(chan),
        _ => Footprint::NOTHING,
    }
}
