//! std's `Once`, `OnceLock` and `LazyLock`, fresh in every execution.
//!
//! A `static` is built once per process, but every execution must see it
//! uninitialised, as a fresh run of the program would. So these types keep
//! nothing of an execution in themselves: their per-execution state (a
//! lock object of the execution and the value) lives in the execution,
//! found by the value's address and by a key the value carries, so that it
//! follows a value that moves (`rt::static_state`); a non-static one
//! removes its entry when dropped.
//!
//! A value initialised in an execution is leaked (`Box::leak`), so that
//! `get` can hand out a reference for as long as the cell lives without
//! `unsafe`: like std's statics, it is never dropped. An `Arc` built by
//! such an initialiser is not reported as a leak.
//!
//! Initialisation is serialised by a lock of the execution: a second thread
//! that forces the cell while the first one runs its initialiser blocks,
//! as in std. Whether the cell is set is shared state: a thread's reads
//! of it are scheduling points (reads of the lock, for the dependence
//! relation) until it has seen it set; from then on they are free.

use std::cell::Cell;
use std::fmt;
use std::ops::Deref;
use std::panic::Location;
use std::sync::atomic::AtomicU64;

use crate::rt;
use crate::rt::object::ObjState;
use crate::rt::op::{ObjId, Op};

/// The state of one once-cell in one execution.
struct Slot<V: 'static> {
    lock: ObjId,
    value: Cell<Option<&'static V>>,
    poisoned: Cell<bool>,
    /// The threads that have seen the value set (by [`Slot::observe`] or
    /// by setting it): for them, reading it again is no scheduling point.
    seen: std::cell::RefCell<std::collections::BTreeSet<rt::op::Tid>>,
}

fn slot<V: 'static>(
    addr: usize,
    key: &AtomicU64,
    location: &'static Location<'static>,
) -> std::rc::Rc<Slot<V>> {
    rt::static_state(addr, key, || {
        let (lock, _) = rt::new_object(ObjState::new_mutex(), location);
        Slot {
            lock,
            value: Cell::new(None),
            poisoned: Cell::new(false),
            seen: Default::default(),
        }
    })
}

impl<V: 'static> Slot<V> {
    /// The value, if set. Whether it is set is shared state: until this
    /// thread has seen it set, reading it is a scheduling point and a read
    /// of the cell's lock for the dependence relation (so that the
    /// exhaustive search orders the read against the initialiser's lock
    /// acquire, and explores both orders). Once seen set, it stays set, and
    /// later reads of this thread follow in program order: no operation.
    fn observe(&self, location: &'static Location<'static>) -> Option<&'static V> {
        let (tid, _) = rt::current_tid_and_serial();
        if let Some(v) = self.value.get() {
            if self.seen.borrow().contains(&tid) {
                return Some(v);
            }
        }
        rt::op(Op::LockLocked { lock: self.lock }, location);
        let v = self.value.get();
        if v.is_some() {
            // Seen set: the initialiser's release happens before this.
            rt::lock_observed_free(self.lock);
            self.seen.borrow_mut().insert(tid);
        }
        v
    }

    /// The value, initialised by `init` if no thread has yet (blocking while
    /// another thread runs its initialiser). `init` gets whether an earlier
    /// initialiser panicked; `None` from it leaves the cell empty.
    #[track_caller]
    fn get_or_init(
        &self,
        init: impl FnOnce(bool) -> Option<V>,
        location: &'static Location<'static>,
    ) -> Option<&'static V> {
        if let Some(v) = self.observe(location) {
            return Some(v);
        }
        rt::op(
            Op::LockAcquire {
                lock: self.lock,
                deadline: None,
            },
            location,
        );
        let release = Release {
            lock: self.lock,
            location,
        };
        let mut fresh = None;
        if self.value.get().is_none() {
            let poisoned = self.poisoned.get();
            self.poisoned.set(true);
            let value = {
                let _static = rt::StaticInit::enter();
                init(poisoned)
            };
            self.poisoned.set(false);
            fresh = value.map(|value| &*Box::leak(Box::new(value)));
        }
        drop(release);
        // Published in the release's step (this thread runs on to its next
        // operation before any other steps): the value is set exactly when
        // the lock is free again, so that whether it is set is a function
        // of the lock's operations, which the dependence relation sees. Set
        // earlier, a thread reading it between the initialiser's last
        // operation and the release would see a state that no operation
        // wrote, and the exhaustive search would miss schedules.
        if fresh.is_some() {
            self.value.set(fresh);
        }
        let v = self.value.get();
        if v.is_some() {
            let (tid, _) = rt::current_tid_and_serial();
            self.seen.borrow_mut().insert(tid);
        }
        v
    }
}

/// Releases a once-cell's lock, also when its initialiser panics.
struct Release {
    lock: ObjId,
    location: &'static Location<'static>,
}

impl Drop for Release {
    fn drop(&mut self) {
        rt::op(Op::LockRelease { lock: self.lock }, self.location);
    }
}

fn forget(addr: usize, key: &AtomicU64) {
    rt::forget_static(addr, key);
}

/// std's `Once`: runs an initialiser once per execution.
///
/// ```
/// use sim::sync::Once;
/// static INIT: Once = Once::new();
/// sim::model(|| {
///     let t = sim::thread::spawn(|| INIT.call_once(|| sim::println!("init")));
///     INIT.call_once(|| sim::println!("init"));
///     t.join().unwrap();
///     assert!(INIT.is_completed());
/// });
/// ```
pub struct Once {
    // Not zero-sized, so distinct statics have distinct addresses; and the
    // key that finds this value's state after a move.
    key: AtomicU64,
}

/// What [`Once::call_once_force`] tells its closure.
#[derive(Debug)]
pub struct OnceState {
    poisoned: bool,
}

impl OnceState {
    /// Whether an earlier initialiser panicked.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }
}

impl Once {
    /// A new `Once` (`const`: for statics).
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Once {
        Once {
            key: AtomicU64::new(0),
        }
    }

    fn addr(&self) -> usize {
        self as *const Once as usize
    }

    /// Runs `f` if no call has completed in this execution; blocks while
    /// another thread runs its `f`. Panics if an earlier `f` panicked.
    #[track_caller]
    pub fn call_once<F: FnOnce()>(&self, f: F) {
        let location = Location::caller();
        slot::<()>(self.addr(), &self.key, location).get_or_init(
            |poisoned| {
                assert!(!poisoned, "Once instance has previously been poisoned");
                f();
                Some(())
            },
            location,
        );
    }

    /// Like [`call_once`](Once::call_once), also after a panicked call:
    /// `f` is told whether one did.
    #[track_caller]
    pub fn call_once_force<F: FnOnce(&OnceState)>(&self, f: F) {
        let location = Location::caller();
        slot::<()>(self.addr(), &self.key, location).get_or_init(
            |poisoned| {
                f(&OnceState { poisoned });
                Some(())
            },
            location,
        );
    }

    /// Whether a call has completed in this execution (a scheduling point
    /// until this thread has seen it completed).
    #[track_caller]
    pub fn is_completed(&self) -> bool {
        let location = Location::caller();
        slot::<()>(self.addr(), &self.key, location)
            .observe(location)
            .is_some()
    }
}

impl Drop for Once {
    fn drop(&mut self) {
        forget(self.addr(), &self.key);
    }
}

impl fmt::Debug for Once {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Once").finish_non_exhaustive()
    }
}

/// std's `OnceLock<T>`: a cell written once per execution.
///
/// `T: 'static`: the value is leaked so that references to it stay valid
/// (see the module docs).
///
/// ```
/// use sim::sync::OnceLock;
/// static CONFIG: OnceLock<u32> = OnceLock::new();
/// sim::model(|| {
///     assert_eq!(CONFIG.get(), None);
///     let t = sim::thread::spawn(|| *CONFIG.get_or_init(|| 1));
///     let mine = *CONFIG.get_or_init(|| 2);
///     assert_eq!(t.join().unwrap(), mine);
/// });
/// ```
pub struct OnceLock<T> {
    key: AtomicU64,
    _value: std::marker::PhantomData<T>,
}

impl<T: 'static> OnceLock<T> {
    /// An empty cell (`const`: for statics).
    pub const fn new() -> OnceLock<T> {
        OnceLock {
            key: AtomicU64::new(0),
            _value: std::marker::PhantomData,
        }
    }

    fn addr(&self) -> usize {
        self as *const Self as usize
    }

    #[track_caller]
    fn slot(&self) -> std::rc::Rc<Slot<T>> {
        slot::<T>(self.addr(), &self.key, Location::caller())
    }

    /// The value, if set in this execution (a scheduling point until this
    /// thread has seen it set).
    #[track_caller]
    pub fn get(&self) -> Option<&T> {
        self.slot().observe(Location::caller())
    }

    /// The value, set by `f` if it is not set yet (blocking while another
    /// thread runs its `f`).
    #[track_caller]
    pub fn get_or_init<F: FnOnce() -> T>(&self, f: F) -> &T {
        self.slot()
            .get_or_init(|_| Some(f()), Location::caller())
            .expect("initialised")
    }

    /// Sets the value if it is not set; gives `value` back otherwise.
    #[track_caller]
    pub fn set(&self, value: T) -> Result<(), T> {
        let mut value = Some(value);
        let slot = self.slot();
        let stored = slot.get_or_init(|_| value.take(), Location::caller());
        match value {
            None => Ok(()),
            Some(v) => {
                debug_assert!(stored.is_some());
                Err(v)
            }
        }
    }
}

impl<T> Drop for OnceLock<T> {
    fn drop(&mut self) {
        forget(self as *const Self as usize, &self.key);
    }
}

impl<T: 'static> Default for OnceLock<T> {
    fn default() -> Self {
        OnceLock::new()
    }
}

impl<T: fmt::Debug + 'static> fmt::Debug for OnceLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceLock").finish_non_exhaustive()
    }
}

/// std's `LazyLock<T, F>`: a value built on first use, once per execution.
///
/// `F` is called once per execution, so it is `Fn` (a function or a
/// closure that captures nothing: what statics use).
///
/// ```
/// use sim::sync::LazyLock;
/// static TABLE: LazyLock<Vec<u32>> = LazyLock::new(|| vec![1, 2, 3]);
/// sim::model(|| {
///     let t = sim::thread::spawn(|| TABLE.len());
///     assert_eq!(TABLE[2], 3);
///     assert_eq!(t.join().unwrap(), 3);
/// });
/// ```
pub struct LazyLock<T, F = fn() -> T> {
    init: F,
    key: AtomicU64,
    _value: std::marker::PhantomData<T>,
}

impl<T: 'static, F: Fn() -> T> LazyLock<T, F> {
    /// A lazily built value (`const`: for statics).
    pub const fn new(f: F) -> LazyLock<T, F> {
        LazyLock {
            init: f,
            key: AtomicU64::new(0),
            _value: std::marker::PhantomData,
        }
    }

    /// The value, built now if this is its first use in the execution.
    #[track_caller]
    pub fn force(this: &LazyLock<T, F>) -> &T {
        let location = Location::caller();
        slot::<T>(this as *const Self as usize, &this.key, location)
            .get_or_init(|_| Some((this.init)()), location)
            .expect("initialised")
    }
}

impl<T: 'static, F: Fn() -> T> Deref for LazyLock<T, F> {
    type Target = T;
    #[track_caller]
    fn deref(&self) -> &T {
        LazyLock::force(self)
    }
}

impl<T, F> Drop for LazyLock<T, F> {
    fn drop(&mut self) {
        forget(self as *const Self as usize, &self.key);
    }
}

impl<T, F> fmt::Debug for LazyLock<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LazyLock").finish_non_exhaustive()
    }
}

/// `lazy_static!`'s runtime side (see [`crate::lazy_static!`]).
#[doc(hidden)]
pub struct Lazy<T: 'static> {
    cell: LazyLock<T>,
}

impl<T: 'static> Lazy<T> {
    #[doc(hidden)]
    pub const fn new(f: fn() -> T) -> Self {
        Lazy {
            cell: LazyLock::new(f),
        }
    }

    #[doc(hidden)]
    #[track_caller]
    pub fn get(&'static self) -> &'static T {
        // As in loom: statics go with the main thread; a thread left running
        // that touches one afterwards is a bug (it is not joined).
        assert!(
            !crate::rt::main_finished(),
            "sim: a lazy_static was used after the main thread finished, by a thread \
             that was never joined (join it before main returns)"
        );
        LazyLock::force(&self.cell)
    }
}

impl<T: 'static> fmt::Debug for Lazy<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lazy").finish_non_exhaustive()
    }
}
