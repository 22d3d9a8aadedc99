//! The second half of an optimal DPOR round (`odpor.rs`): race detection
//! on a finished execution. Vector clocks over the log (happens-before =
//! program order + dependence + spawn/join + the virtual clock), then every
//! reversible race `e ⋖ e'` with the sequence `notdep(e).e'` that reverses
//! it, handed to the caller (which inserts it into the wake-up tree before
//! `e` unless a sleeping process is a weak initial of it). The argument
//! for which pairs are races is in `odpor.rs`'s module docs.
//!
//! This runs once per execution, so its buffers live in [`Races`] and are
//! reused: clocks are one flat array (`threads` entries per event), the
//! direct predecessors one flat list with offsets, and objects are dense
//! indices (an object keeps its index across executions, as object ids
//! are the same in every execution of a deterministic program).

use std::collections::BTreeMap;

use super::events::{obj_conflict, Access, Ev};
use super::guards::{Log, Logged};
use crate::rt::dependence::Key;

/// No event (an index sentinel).
const NONE: u32 = u32::MAX;

/// Per object, while the log is read: its events, its last write (of no
/// class) and the reads and the writes of a class since (with their
/// class): an event's direct predecessors on the object are among them.
#[derive(Default)]
struct KeyState {
    events: Vec<u32>,
    last_write: Option<u32>,
    reads_since: Vec<u32>,
    classed_since: Vec<(u32, u64)>,
}

/// Race detection's state, reused from one execution to the next.
#[derive(Default)]
pub(super) struct Races {
    /// Dense index of every object seen so far.
    index: BTreeMap<Key, u32>,
    keys: Vec<KeyState>,
    /// The indices whose state this execution filled (cleared at the next).
    used: Vec<u32>,
    /// Per event: the dense index of each of its touches.
    ev_keys: Vec<[u32; 2]>,
    /// Per event: its position in its thread.
    pos: Vec<u32>,
    /// Per event: its thread's previous event.
    po_prev: Vec<u32>,
    /// Per thread: events so far, last event, the spawn that created it.
    count: Vec<u32>,
    last_of: Vec<u32>,
    spawn_of: Vec<u32>,
    /// `vc[i * threads + t]`: how many events of thread `t` happen before
    /// or are event `i`.
    vc: Vec<u32>,
    /// Event `i`'s direct predecessors: `preds[pred_at[i]..pred_at[i + 1]]`.
    preds: Vec<u32>,
    pred_at: Vec<u32>,
    base: Vec<u32>,
    all: Vec<u32>,
    cands: Vec<u32>,
    v: Vec<Ev>,
}

/// Happens-before on the log, from the clocks.
struct Hb<'a> {
    log: &'a [Logged],
    vc: &'a [u32],
    pos: &'a [u32],
    threads: usize,
}

impl Hb<'_> {
    /// Whether event `j` happens before event `k` (or is it).
    fn before(&self, j: usize, k: usize) -> bool {
        self.vc[k * self.threads + self.log[j].ev.tid] > self.pos[j]
    }
}

impl Races {
    /// Finds the reversible races of the execution `log` and calls
    /// `on_race(j, v)` for each, `j` the index of `e` and `v` the sequence
    /// `notdep(e).e'`.
    ///
    /// `pending` are the blocking events that threads were blocked in when
    /// the execution ended (a deadlock): they race too, as events after
    /// the last one. `last` is every object's state at the end.
    pub(super) fn find(
        &mut self,
        log: &[Logged],
        pending: &[Ev],
        last: &Log,
        mut on_race: impl FnMut(usize, &[Ev]),
    ) {
        let n = log.len();
        let threads = log
            .iter()
            .map(|l| l.ev.tid + 1)
            .chain(pending.iter().map(|e| e.tid + 1))
            .max()
            .unwrap_or(0);
        self.reset(n, threads);
        let Races {
            index,
            keys,
            used,
            ev_keys,
            pos,
            po_prev,
            count,
            last_of,
            spawn_of,
            vc,
            preds,
            pred_at,
            base,
            all,
            cands,
            v,
        } = self;
        // Under exact timing every event happens after every event of an
        // earlier virtual time: `base` is the join of the clocks of all
        // events before the current time, `all` of all events so far.
        let mut time = log.first().map_or(0, |l| l.ev.time);
        for (i, l) in log.iter().enumerate() {
            let ev = l.ev;
            let t = ev.tid;
            if ev.time != time {
                time = ev.time;
                base.copy_from_slice(all);
            }
            pos.push(count[t]);
            count[t] += 1;
            po_prev.push(last_of[t]);
            let start = preds.len();
            if last_of[t] != NONE {
                preds.push(last_of[t]);
            } else if spawn_of[t] != NONE {
                preds.push(spawn_of[t]);
            }
            // The direct predecessors through dependence: on each object
            // it touches, the last write and (for a write) the reads
            // since; for a join, the target's last event (earlier
            // conflicting events are ordered before these).
            let mut ks = [NONE; 2];
            for (slot, touch) in ks.iter_mut().zip(ev.touches()) {
                let k = *index.entry(touch.key).or_insert_with(|| {
                    keys.push(KeyState::default());
                    keys.len() as u32 - 1
                });
                *slot = k;
                let st = &mut keys[k as usize];
                if st.events.is_empty() {
                    used.push(k);
                }
                if let Some(w) = st.last_write {
                    preds.push(w);
                }
                if !touch.write {
                    preds.extend(st.classed_since.iter().map(|&(j, _)| j));
                    st.reads_since.push(i as u32);
                } else if touch.class == 0 {
                    preds.extend_from_slice(&st.reads_since);
                    preds.extend(st.classed_since.iter().map(|&(j, _)| j));
                    st.last_write = Some(i as u32);
                    st.reads_since.clear();
                    st.classed_since.clear();
                } else {
                    // Writes of one class commute (`Touch::class`).
                    preds.extend_from_slice(&st.reads_since);
                    let other = st.classed_since.iter().filter(|&&(_, c)| c != touch.class);
                    preds.extend(other.map(|&(j, _)| j));
                    st.classed_since.push((i as u32, touch.class));
                }
                st.events.push(i as u32);
            }
            ev_keys.push(ks);
            if let Access::Join { target } = ev.access {
                if let Some(&j) = last_of.get(target).filter(|&&j| j != NONE) {
                    preds.push(j);
                }
            }
            let mine = &mut preds[start..];
            mine.sort_unstable();
            let mut kept = start;
            for r in start..preds.len() {
                if r == start || preds[r] != preds[kept - 1] {
                    preds[kept] = preds[r];
                    kept += 1;
                }
            }
            preds.truncate(kept);
            pred_at.push(preds.len() as u32);
            vc.extend_from_slice(base);
            let (done, clock) = vc.split_at_mut(i * threads);
            for &j in &preds[start..] {
                let pj = &done[j as usize * threads..(j as usize + 1) * threads];
                for (c, &x) in clock.iter_mut().zip(pj) {
                    *c = (*c).max(x);
                }
            }
            clock[t] = pos[i] + 1;
            for (a, &c) in all.iter_mut().zip(clock.iter()) {
                *a = (*a).max(c);
            }
            last_of[t] = i as u32;
            if let Some(child) = ev.spawned {
                if child < threads {
                    spawn_of[child] = i as u32;
                }
            }
        }
        let hb = Hb {
            log,
            vc,
            pos,
            threads,
        };
        let events_of = |k: u32| -> &[u32] { keys.get(k as usize).map_or(&[], |st| &st.events) };
        let key_of = |key: Key| index.get(&key).copied().unwrap_or(NONE);
        for i in 0..n + pending.len() {
            let ev = if i < n { log[i].ev } else { pending[i - n] };
            let po_before = if i < n { po_prev[i] } else { last_of[ev.tid] };
            let lim = i.min(n) as u32;
            cands.clear();
            if ev.wait.is_none() {
                // A non-blocking e' races only with its direct
                // predecessors: an earlier event on one of its objects
                // that conflicts with it and is not one conflicts with the
                // object's last write, or a read or classed write since
                // (its predecessors), so happens before one of them.
                cands.extend_from_slice(&preds[pred_at[i] as usize..pred_at[i + 1] as usize]);
            } else {
                for (slot, touch) in ev.touches().enumerate() {
                    let k = if i < n {
                        ev_keys[i][slot]
                    } else {
                        key_of(touch.key)
                    };
                    cands.extend(events_of(k).iter().take_while(|&&j| j < lim));
                }
                cands.sort_unstable();
                cands.dedup();
            }
            for &j in cands.iter() {
                let j = j as usize;
                let e = log[j].ev;
                if e.tid == ev.tid || !obj_conflict(&e, &ev) {
                    continue;
                }
                // Under exact timing a non-blocking event runs at the time
                // its thread reached it: one of a later time than `e`
                // could not run before `e`, which stays enabled and holds
                // the clock back. A blocking event may have waited since
                // `e`'s time: whether its thread reached it by then is the
                // program-order test below (the time order is in `vc`).
                if ev.wait.is_none() && e.time != ev.time {
                    continue;
                }
                let race = if let Some((_, guard)) = ev.wait {
                    // Only the program-order (or spawn) path counts: the
                    // events that enabled e' did not feed it data. The
                    // race is reversible only where e' could be taken
                    // after notdep(e): see `guard_allows`.
                    let before = if po_before != NONE {
                        po_before
                    } else {
                        spawn_of[ev.tid]
                    };
                    let ordered = before != NONE && hb.before(j, before as usize);
                    !ordered && guard_allows(&hb, events_of(key_of(guard)), last, &ev, guard, j, i)
                } else {
                    let (from, to) = (pred_at[i] as usize, pred_at[i + 1] as usize);
                    !preds[from..to]
                        .iter()
                        .any(|&p| p as usize != j && hb.before(j, p as usize))
                };
                if !race {
                    continue;
                }
                v.clear();
                v.extend(
                    ((j + 1)..lim as usize)
                        .filter(|&k| !hb.before(j, k))
                        .map(|k| log[k].ev),
                );
                // Taken right after `notdep(e)`, `e'` runs at `e`'s time.
                v.push(Ev { time: e.time, ..ev });
                on_race(j, v);
            }
        }
    }

    /// Empties the per-execution buffers (keeping their memory) for an
    /// execution of `n` events over `threads` threads.
    fn reset(&mut self, n: usize, threads: usize) {
        for k in self.used.drain(..) {
            let st = &mut self.keys[k as usize];
            st.events.clear();
            st.reads_since.clear();
            st.classed_since.clear();
            st.last_write = None;
        }
        for buf in [&mut self.pos, &mut self.po_prev, &mut self.preds] {
            buf.clear();
            buf.reserve(n);
        }
        self.ev_keys.clear();
        self.pred_at.clear();
        self.pred_at.push(0);
        self.vc.clear();
        self.vc.reserve(n * threads);
        for (buf, fill) in [
            (&mut self.count, 0),
            (&mut self.last_of, NONE),
            (&mut self.spawn_of, NONE),
            (&mut self.base, 0),
            (&mut self.all, 0),
        ] {
            buf.clear();
            buf.resize(threads, fill);
        }
    }
}

/// Whether the blocking event `ev` (the `i`-th, or pending when `i` is past
/// the log), whose guard object is `key` (whose events are `on_guard`),
/// could be taken right after `notdep(e_j)` — the events between `j` and
/// `i` that do not happen after `e_j`. The events that change the guard
/// object are totally ordered by dependence, and those after `e_j` that
/// happen after it are a suffix of them; so the guard object's state there
/// is its state before the first of its events in `[j, i)` that is `e_j`
/// or happens after it, or its state before `e'` if there is none.
fn guard_allows(
    hb: &Hb,
    on_guard: &[u32],
    last: &Log,
    ev: &Ev,
    key: Key,
    j: usize,
    i: usize,
) -> bool {
    let log = hb.log;
    let n = log.len();
    let state = on_guard
        .iter()
        .map(|&k| k as usize)
        .filter(|&k| k >= j && k < i.min(n))
        .find(|&k| k == j || hb.before(j, k))
        .map(|k| log[k].before_of(key))
        .unwrap_or_else(|| {
            if i < n {
                log[i].before_of(key)
            } else {
                last.last_of(key)
            }
        });
    state.allows(ev)
}
