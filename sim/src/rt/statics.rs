//! The per-execution state of statics and once-cells, and the record of
//! `Arc` allocations for the leak check: what the std-shaped surface
//! (`sync/`) keeps per execution.
//!
//! A `static` is built once per process, but every execution must see it
//! fresh, so its state lives here, found from the value's address. A
//! once-cell that is not a static can also move (`Box::new(*once)`), and
//! std's keeps its state through the move: so a cell carries a key of its
//! own (a process-wide number in an `AtomicU64` of the cell, written on its
//! first use in an execution), and a lookup that finds no state at the
//! cell's address, or another cell's, follows the key. Keys come from a
//! process-wide counter, so that executions running on other OS threads
//! (tests of one binary run in parallel) never mistake each other's keys;
//! a static's key written by another OS thread's execution is not known to
//! this one, and its address decides. Neither map is iterated: addresses
//! and keys never order anything.

use std::any::Any;
use std::collections::BTreeMap;
use std::panic::Location;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use super::api::with_current;
use super::EXEC;

/// The next key handed to a cell (0: a cell not used yet).
static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

/// What the std-shaped surface keeps per execution.
pub(crate) struct StdState {
    /// The key of the state at each address.
    by_addr: BTreeMap<usize, u64>,
    /// Each static's or cell's state, by key.
    by_key: BTreeMap<u64, Rc<dyn Any>>,
    /// Every `Arc` allocation of the execution: where it was made, whether
    /// it is still alive, whether a static's initialiser made it (a static
    /// lives for ever: not a leak).
    pub(super) arcs: Vec<ArcRecord>,
    /// Nesting depth of static initialisers running now.
    static_init: u32,
    /// The object of each std-shaped handle linked in this execution after
    /// another one, by address (`binding.rs`).
    pub(super) bound: BTreeMap<usize, super::op::ObjId>,
}

/// One `Arc` allocation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ArcRecord {
    pub(super) created_at: &'static Location<'static>,
    pub(super) alive: bool,
    pub(super) in_static: bool,
}

impl std::fmt::Debug for StdState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StdState")
            .field("statics", &self.by_key.len())
            .field("arcs", &self.arcs)
            .finish()
    }
}

impl StdState {
    pub(super) const fn new() -> Self {
        StdState {
            by_addr: BTreeMap::new(),
            by_key: BTreeMap::new(),
            arcs: Vec::new(),
            static_init: 0,
            bound: BTreeMap::new(),
        }
    }

    pub(super) fn clear(&mut self) {
        // Most programs use no static: skip building the maps' iterators.
        if !self.by_key.is_empty() {
            self.by_addr.clear();
            self.by_key.clear();
        }
        self.arcs.clear();
        self.static_init = 0;
        if !self.bound.is_empty() {
            self.bound.clear();
        }
    }

    /// The state of the cell at `addr` whose key is `key` (0: a cell not
    /// used yet in any execution), if this execution has one.
    fn find(&mut self, addr: usize, key: u64) -> Option<Rc<dyn Any>> {
        if key == 0 {
            // Whatever is at `addr` belongs to a cell that has moved away.
            return None;
        }
        let at_addr = self.by_addr.get(&addr).copied();
        if at_addr != Some(key) && self.by_key.contains_key(&key) {
            // Moved here: the address follows the cell.
            self.by_addr.insert(addr, key);
            return self.by_key.get(&key).cloned();
        }
        // Either this cell's own state, or (a key this execution never
        // handed out) a static whose key an execution on another OS thread
        // wrote: its address decides.
        at_addr.and_then(|k| self.by_key.get(&k).cloned())
    }
}

/// The per-execution state of the static or cell at `addr`, made by `init`
/// on its first use in the execution (`init` may register objects). `key`
/// is the cell's own key, so that its state follows it when it moves.
pub(crate) fn static_state<S: 'static>(
    addr: usize,
    key: &AtomicU64,
    init: impl FnOnce() -> S,
) -> Rc<S> {
    let k = key.load(Relaxed);
    let state = match with_current(|e| e.std.find(addr, k)) {
        Some(state) => state,
        None => {
            let state: Rc<dyn Any> = Rc::new(init());
            let k = NEXT_KEY.fetch_add(1, Relaxed);
            key.store(k, Relaxed);
            with_current(|e| {
                e.std.by_addr.insert(addr, k);
                e.std.by_key.insert(k, Rc::clone(&state));
            });
            state
        }
    };
    state
        .downcast::<S>()
        .unwrap_or_else(|_| panic!("sim: internal error: a static's state has another type"))
}

/// Forgets the per-execution state of the (non-static) cell at `addr`,
/// which is being dropped, so that a new one there starts fresh.
pub(crate) fn forget_static(addr: usize, key: &AtomicU64) {
    EXEC.with(|e| {
        if let Ok(mut e) = e.try_borrow_mut() {
            if e.active {
                let k = key.load(Relaxed);
                if e.std.by_addr.get(&addr) == Some(&k) {
                    e.std.by_addr.remove(&addr);
                }
                e.std.by_key.remove(&k);
            }
        }
    })
}

/// Marks a static's initialiser running (its `Arc`s live for ever).
pub(crate) struct StaticInit;

impl StaticInit {
    pub(crate) fn enter() -> Self {
        with_current(|e| e.std.static_init += 1);
        StaticInit
    }
}

impl Drop for StaticInit {
    fn drop(&mut self) {
        EXEC.with(|e| {
            let mut e = e.borrow_mut();
            e.std.static_init = e.std.static_init.saturating_sub(1);
        });
    }
}

/// Records a new `Arc` allocation made at `location`, if inside an
/// execution: its index and the execution's serial.
pub(crate) fn arc_created(location: &'static Location<'static>) -> Option<(u32, u64)> {
    EXEC.with(|e| {
        let mut e = e.borrow_mut();
        if !e.active {
            return None;
        }
        let in_static = e.std.static_init > 0;
        e.std.arcs.push(ArcRecord {
            created_at: location,
            alive: true,
            in_static,
        });
        Some((e.std.arcs.len() as u32 - 1, e.serial))
    })
}

/// The `Arc` allocation `index` of execution `serial` was freed.
pub(crate) fn arc_freed(index: u32, serial: u64) {
    EXEC.with(|e| {
        // `try_borrow_mut`: an `Arc` may be freed while the execution's
        // state is being reset (a static's value dropped).
        if let Ok(mut e) = e.try_borrow_mut() {
            if e.active && e.serial == serial {
                if let Some(a) = e.std.arcs.get_mut(index as usize) {
                    a.alive = false;
                }
            }
        }
    })
}
