//! Green-thread-local storage, behind `sim::thread_local!`
//! (`sim::thread::LocalKey`).
//!
//! Every green thread of an execution has its own values, created on first
//! access by the key's initialiser and dropped when the thread exits (by
//! the green thread itself, after its body, so a destructor may use sim
//! operations: `run.rs` calls [`destroy`]). A key is the address of its
//! `static`; a thread's values are kept in insertion order (a `Vec`, no
//! hash order), and destroyed last-initialised first, again and again until
//! none is left (a destructor may initialise another key, as std allows).
//!
//! The values live here, in their own thread-local, never inside `EXEC`:
//! user code (an initialiser, a `with` closure, a destructor) calls sim
//! operations, which borrow `EXEC`. Accesses clone the value's `Rc` out of
//! the table and release the borrow before any user code runs. Whatever a
//! thread did not destroy (an execution that ended while it was suspended,
//! a killed process) is dropped by the teardown ([`clear`]), while the
//! runtime says it is tearing down (sim operations then return at once and
//! keys cannot be accessed).

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use super::op::Tid;

/// One key's value in one thread.
enum Slot {
    Alive(Rc<dyn Any>),
    /// Its destructor is running, or has run: accesses fail.
    Destroyed,
}

/// Every thread's values, by thread id, of the running execution.
struct Locals {
    serial: u64,
    threads: Vec<Vec<(usize, Slot)>>,
}

thread_local! {
    static LOCALS: RefCell<Locals> = const { RefCell::new(Locals { serial: 0, threads: Vec::new() }) };
}

/// Why a key cannot be accessed: its value in this thread is being, or has
/// been, destroyed (or the execution is being torn down).
pub(crate) struct Destroyed;

/// The value of key `key` in thread `tid` of execution `serial`, created
/// with `init` if the thread has none (with no borrow held while `init`
/// runs).
pub(crate) fn get(
    serial: u64,
    tid: Tid,
    key: usize,
    init: impl FnOnce() -> Rc<dyn Any>,
) -> Result<Rc<dyn Any>, Destroyed> {
    if let Some(found) = lookup(serial, tid, key) {
        return found;
    }
    let value = init();
    // The initialiser may itself have initialised the key (a recursive
    // access): the first value stays, the other is dropped outside the
    // borrow.
    let (result, unused) = LOCALS.with(|l| {
        let mut l = l.borrow_mut();
        let slots = thread_slots(&mut l, serial, tid);
        match slots.iter().find(|(k, _)| *k == key) {
            Some((_, Slot::Alive(v))) => (Ok(Rc::clone(v)), Some(value)),
            Some((_, Slot::Destroyed)) => (Err(Destroyed), Some(value)),
            None => {
                slots.push((key, Slot::Alive(Rc::clone(&value))));
                (Ok(value), None)
            }
        }
    });
    drop(unused);
    result
}

/// Whether thread `tid` has a value for `key` (alive or destroyed).
fn lookup(serial: u64, tid: Tid, key: usize) -> Option<Result<Rc<dyn Any>, Destroyed>> {
    LOCALS.with(|l| {
        let mut l = l.borrow_mut();
        let slots = thread_slots(&mut l, serial, tid);
        slots.iter().find(|(k, _)| *k == key).map(|(_, s)| match s {
            Slot::Alive(v) => Ok(Rc::clone(v)),
            Slot::Destroyed => Err(Destroyed),
        })
    })
}

/// Thread `tid`'s slots, the table reset first if it belongs to an earlier
/// execution (whose values the teardown has dropped already).
fn thread_slots(l: &mut Locals, serial: u64, tid: Tid) -> &mut Vec<(usize, Slot)> {
    if l.serial != serial {
        debug_assert!(l.threads.iter().all(|t| t.is_empty()));
        l.threads.clear();
        l.serial = serial;
    }
    if l.threads.len() <= tid {
        l.threads.resize_with(tid + 1, Vec::new);
    }
    &mut l.threads[tid]
}

/// Whether thread `tid` has values of the current execution (alive or
/// destroyed): the cheap test before [`destroy`].
pub(crate) fn has_values(tid: Tid) -> bool {
    LOCALS.with(|l| l.borrow().threads.get(tid).is_some_and(|t| !t.is_empty()))
}

/// Runs the destructors of thread `tid`'s values, on that thread, last
/// initialised first, until none is left. Each value is dropped outside the
/// table's borrow; its slot stays `Destroyed`, so that later accesses fail.
pub(crate) fn destroy(tid: Tid) {
    loop {
        let value = LOCALS.with(|l| {
            let mut l = l.borrow_mut();
            let slots = l.threads.get_mut(tid)?;
            let slot = slots
                .iter_mut()
                .rev()
                .find(|(_, s)| matches!(s, Slot::Alive(_)))?;
            match std::mem::replace(&mut slot.1, Slot::Destroyed) {
                Slot::Alive(v) => Some(v),
                Slot::Destroyed => unreachable!("found alive above"),
            }
        });
        match value {
            Some(v) => drop(v),
            None => return,
        }
    }
}

/// Drops every value left (at teardown), each outside the table's borrow.
pub(crate) fn clear() {
    loop {
        let values: Vec<(usize, Slot)> = LOCALS.with(|l| {
            let mut l = l.borrow_mut();
            if l.threads.iter().all(Vec::is_empty) {
                return Vec::new();
            }
            l.threads
                .iter_mut()
                .rev()
                .flat_map(std::mem::take)
                .collect()
        });
        if values.is_empty() {
            return;
        }
        drop(values);
    }
}
