//! The link of a std-shaped primitive (`sync::Mutex`, `RwLock`,
//! `Condvar`, the atomics) to its object in the running execution.
//!
//! std's constructors of these types are `const fn`, so a `static` mutex or
//! atomic is built before any execution runs and lives through all of
//! them, and a handle built in one execution may be kept (leaked, or held
//! by a std static) and used in the next. So a handle does not get its
//! object when it is built: it gets one on its first use in each
//! execution, fresh (unlocked, no waiter, no history), as statics start
//! fresh in every execution (`statics.rs`). The value the handle guards (a
//! mutex's data, an atomic's value) belongs to the user and is kept.
//!
//! The link is cached in the handle as one `AtomicU64`: the execution's
//! serial (process-wide unique: executions of parallel tests on other OS
//! threads never share one) and the object's id, so the common use is one
//! load and one compare. A handle whose cache names another execution is
//! looked up by its address first, and recorded there: a static used by two
//! executions at once (tests of one binary run in parallel) keeps its
//! object in each of them. A handle never linked before (its cache is 0)
//! always gets a new object, even at an address an earlier, dropped handle
//! of this execution used, and is not recorded (it was built in this
//! execution, which no other shares). The map is never iterated: addresses
//! order nothing.

use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use super::api::outside;
use super::exec::EXEC;
use super::object::{ObjState, Object};
use super::op::ObjId;

/// Bits of the cached link that hold the object id.
const ID_BITS: u32 = 24;

/// The link of one handle (see the module docs).
pub(crate) struct Binding {
    /// `serial << ID_BITS | id` of the execution that linked it last; 0
    /// when never linked.
    link: AtomicU64,
    /// Where the handle was built (the object's creation site in reports).
    created_at: &'static Location<'static>,
}

impl Binding {
    /// The link of a handle built at `created_at`, not linked yet.
    pub(crate) const fn new(created_at: &'static Location<'static>) -> Binding {
        Binding {
            link: AtomicU64::new(0),
            created_at,
        }
    }

    /// The handle's object in the running execution, made now by `state`
    /// on its first use in it. Panics outside an execution, naming `kind`.
    #[inline]
    #[track_caller]
    pub(crate) fn id(&self, kind: &str, state: impl FnOnce() -> ObjState) -> ObjId {
        self.id_or_link(kind, state, || {})
    }

    /// [`Binding::id`], calling `fresh` when it makes the object (a lock
    /// clears the poison an earlier execution left: poisoning is per
    /// execution, as the lock state is).
    #[inline]
    #[track_caller]
    pub(crate) fn id_or_link(
        &self,
        kind: &str,
        state: impl FnOnce() -> ObjState,
        fresh: impl FnOnce(),
    ) -> ObjId {
        let link = self.link.load(Relaxed);
        let cached = EXEC.with(|e| {
            let e = e.borrow();
            (e.active && link >> ID_BITS == e.serial).then_some(ObjId((link & mask()) as u32))
        });
        match cached {
            Some(id) => id,
            None => self.link_now(link, kind, state, fresh),
        }
    }

    /// [`Binding::id`] when the cache does not name this execution.
    #[cold]
    #[track_caller]
    fn link_now(
        &self,
        link: u64,
        kind: &str,
        state: impl FnOnce() -> ObjState,
        fresh: impl FnOnce(),
    ) -> ObjId {
        if !EXEC.with(|e| e.borrow().active) {
            outside(&format!("a {kind} was used"));
        }
        let addr = self as *const Binding as usize;
        let mut made = false;
        let id = EXEC.with(|e| {
            let mut e = e.borrow_mut();
            let known = (link != 0).then(|| e.std.bound.get(&addr).copied());
            let id = match known.flatten() {
                Some(id) => id,
                None => {
                    let id = ObjId(e.objects.len() as u32);
                    let process = e.threads[e.current].process;
                    e.objects.push(Object {
                        id,
                        state: state(),
                        created_at: self.created_at,
                        released_at: 0,
                        process,
                    });
                    if link != 0 {
                        // Known to an earlier execution (a static, a kept
                        // handle): findable by address if another
                        // execution overwrites the cache. A handle new in
                        // this one is not shared with another.
                        e.std.bound.insert(addr, id);
                    }
                    made = true;
                    id
                }
            };
            let fits = e.serial < 1 << (64 - ID_BITS) && u64::from(id.0) <= mask();
            if fits {
                self.link
                    .store(e.serial << ID_BITS | u64::from(id.0), Relaxed);
            }
            id
        });
        if made {
            fresh();
        }
        id
    }
}

/// The id bits of a link.
const fn mask() -> u64 {
    (1 << ID_BITS) - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::Builder;

    /// One handle, built outside any execution: each execution links it to
    /// a fresh object of its own; within one execution every use finds the
    /// same object.
    #[test]
    fn a_handle_gets_one_fresh_object_per_execution() {
        static B: Binding = Binding::new(Location::caller());
        let seen = std::sync::Mutex::new(Vec::new());
        let seen = std::sync::Arc::new(seen);
        let s = std::sync::Arc::clone(&seen);
        Builder::new().executions(3).explore(move || {
            let objects_before = EXEC.with(|e| e.borrow().objects.len());
            let a = B.id("Mutex", ObjState::new_mutex);
            let b = B.id("Mutex", ObjState::new_mutex);
            assert_eq!(a, b);
            let objects_after = EXEC.with(|e| e.borrow().objects.len());
            s.lock().unwrap().push(objects_after - objects_before);
        });
        assert_eq!(*seen.lock().unwrap(), [1, 1, 1]);
    }
}
