//! Shareable mutable containers whose accesses are checked for data races:
//! loom's [`UnsafeCell`] (with its [`ConstPtr`] and [`MutPtr`]) and a
//! [`Cell`] built on it.
//!
//! Every access is race-checked against the cell's access history, as a
//! [`Shared`](crate::Shared) access is: two accesses of different threads,
//! at least one a write, that no lock, join, spawn or Acquire/Release atomic
//! orders, are a `DataRace` failure naming both source locations. Unlike a
//! `Shared` access, a cell access is **not a scheduling point** (as in
//! loom): a race is a fact of happens-before, which the synchronisation
//! operations decide and every interleaving of them shows, so interleaving
//! points at data accesses would multiply executions without finding more.
//!
//! An access is recorded when it starts (`with`, `with_mut`, or creating a
//! `ConstPtr`/`MutPtr`), at the thread's last scheduling point; loom also
//! tracks how long a `ConstPtr`/`MutPtr` lives, sim does not (an overlap
//! of a thread's own accesses is never a race).
//!
//! [`Cell`] is race-checked too (loom's choice; shuttle has no `cell`
//! module). Its accesses cost one race check each; a cell that one thread
//! uses never fails.
//!
//! ```
//! use std::rc::Rc;
//! use sim::cell::UnsafeCell;
//!
//! // Two unsynchronised writes: a data race.
//! let report = sim::Builder::new().explore(|| {
//!     let x = Rc::new(UnsafeCell::new(0));
//!     let y = x.clone();
//!     let t = sim::thread::spawn(move || y.with_mut(|p| unsafe { *p += 1 }));
//!     x.with_mut(|p| unsafe { *p += 1 });
//!     t.join().unwrap();
//! });
//! assert_eq!(report.failures[0].kind, sim::FailureKind::DataRace);
//! ```

// The one other file allowed `unsafe` (besides `rt/green.rs`): the
// dereferences of `ConstPtr::deref`, `MutPtr::deref` and `Cell`'s methods,
// each with its SAFETY comment.
#![allow(unsafe_code)]

use std::fmt;
use std::panic::Location;

use crate::rt;
use crate::rt::object::ObjState;
use crate::rt::op::ObjId;

/// The link of a cell to its object in the running execution.
#[derive(Clone, Copy)]
struct Obj {
    id: ObjId,
    serial: u64,
    name: &'static str,
}

impl Obj {
    fn new(name: &'static str, location: &'static Location<'static>) -> Obj {
        let (id, serial) = rt::new_object(ObjState::new_cell(name), location);
        Obj { id, serial, name }
    }

    fn access(self, write: bool, location: &'static Location<'static>) {
        rt::cell_access(self.name, self.id, self.serial, write, location);
    }
}

/// loom's checked `UnsafeCell`: instead of `get() -> *mut T`, accesses go
/// through [`with`](Self::with) and [`with_mut`](Self::with_mut) (or the
/// guards of [`get`](Self::get) and [`get_mut`](Self::get_mut)), each
/// checked for data races (see the [module docs](self)).
///
/// ```
/// use std::sync::Arc;
/// use sim::cell::UnsafeCell;
/// use sim::sync::atomic::{AtomicBool, Ordering::{Acquire, Release}};
///
/// sim::model(|| {
///     let data = Arc::new(UnsafeCell::new(0));
///     let ready = Arc::new(AtomicBool::new(false));
///     let (d, r) = (data.clone(), ready.clone());
///     let t = sim::thread::spawn(move || {
///         d.with_mut(|p| unsafe { *p = 7 });
///         r.store(true, Release);
///     });
///     if ready.load(Acquire) {
///         assert_eq!(data.with(|p| unsafe { *p }), 7);
///     }
///     t.join().unwrap();
/// });
/// ```
pub struct UnsafeCell<T: ?Sized> {
    obj: Obj,
    data: std::cell::UnsafeCell<T>,
}

impl<T> UnsafeCell<T> {
    /// A new cell holding `data`, registered in the running execution (not
    /// a scheduling point). Panics outside one.
    #[track_caller]
    pub fn new(data: T) -> UnsafeCell<T> {
        UnsafeCell::named("UnsafeCell", data, Location::caller())
    }

    fn named(name: &'static str, data: T, location: &'static Location<'static>) -> Self {
        UnsafeCell {
            obj: Obj::new(name, location),
            data: std::cell::UnsafeCell::new(data),
        }
    }

    /// The value, consuming the cell.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> UnsafeCell<T> {
    /// Runs `f` with a pointer to the value, for reading: a read access,
    /// race-checked (not a scheduling point).
    #[track_caller]
    pub fn with<F, R>(&self, f: F) -> R
    where
        F: FnOnce(*const T) -> R,
    {
        self.obj.access(false, Location::caller());
        f(self.data.get() as *const T)
    }

    /// Runs `f` with a pointer to the value, for writing: a write access,
    /// race-checked (not a scheduling point).
    #[track_caller]
    pub fn with_mut<F, R>(&self, f: F) -> R
    where
        F: FnOnce(*mut T) -> R,
    {
        self.obj.access(true, Location::caller());
        f(self.data.get())
    }

    /// A read access (recorded now) and a pointer to the value, for reading.
    #[track_caller]
    pub fn get(&self) -> ConstPtr<T> {
        self.obj.access(false, Location::caller());
        ConstPtr {
            ptr: self.data.get() as *const T,
        }
    }

    /// A write access (recorded now) and a pointer to the value, for
    /// writing. (loom's signature: `&self`, unlike std's `get_mut`.)
    #[track_caller]
    pub fn get_mut(&self) -> MutPtr<T> {
        self.obj.access(true, Location::caller());
        MutPtr {
            ptr: self.data.get(),
        }
    }
}

impl<T: Default> Default for UnsafeCell<T> {
    /// A cell holding `T::default()`.
    #[track_caller]
    fn default() -> Self {
        UnsafeCell::named("UnsafeCell", T::default(), Location::caller())
    }
}

impl<T> From<T> for UnsafeCell<T> {
    #[track_caller]
    fn from(data: T) -> Self {
        UnsafeCell::named("UnsafeCell", data, Location::caller())
    }
}

impl<T: ?Sized> fmt::Debug for UnsafeCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UnsafeCell#{} {{ .. }}", self.obj.id.0)
    }
}

/// A pointer to an [`UnsafeCell`]'s value for reading (loom's
/// `ConstPtr`), from [`UnsafeCell::get`]: the read access was recorded
/// when it was made.
pub struct ConstPtr<T: ?Sized> {
    ptr: *const T,
}

impl<T: ?Sized> ConstPtr<T> {
    /// The value, by reference.
    ///
    /// # Safety
    ///
    /// As dereferencing a `*const T`: the cell must still be alive, and no
    /// `&mut` to the value may exist while the reference does.
    ///
    /// ```
    /// sim::check_random(|| {
    ///     let c = sim::cell::UnsafeCell::new(3);
    ///     let p = c.get();
    ///     assert_eq!(unsafe { *p.deref() }, 3);
    /// }, 1);
    /// ```
    pub unsafe fn deref(&self) -> &T {
        // SAFETY: the pointer comes from a live `std::cell::UnsafeCell`
        // (never null); the caller guarantees it is still alive and not
        // mutably aliased, as this function's contract says.
        unsafe { &*self.ptr }
    }

    /// Runs `f` with the raw pointer (which must not escape `f`).
    pub fn with<F, R>(&self, f: F) -> R
    where
        F: FnOnce(*const T) -> R,
    {
        f(self.ptr)
    }
}

impl<T: ?Sized> fmt::Debug for ConstPtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConstPtr({:p})", self.ptr)
    }
}

/// A pointer to an [`UnsafeCell`]'s value for writing (loom's `MutPtr`),
/// from [`UnsafeCell::get_mut`]: the write access was recorded when it was
/// made.
pub struct MutPtr<T: ?Sized> {
    ptr: *mut T,
}

impl<T: ?Sized> MutPtr<T> {
    /// The value, by mutable reference.
    ///
    /// # Safety
    ///
    /// As dereferencing a `*mut T`: the cell must still be alive, and no
    /// other reference to the value may exist while this one does.
    ///
    /// ```
    /// sim::check_random(|| {
    ///     let c = sim::cell::UnsafeCell::new(3);
    ///     let p = c.get_mut();
    ///     unsafe { *p.deref() += 1 };
    ///     assert_eq!(c.into_inner(), 4);
    /// }, 1);
    /// ```
    #[allow(clippy::mut_from_ref)] // it stands for a raw pointer
    pub unsafe fn deref(&self) -> &mut T {
        // SAFETY: the pointer comes from a live `std::cell::UnsafeCell`
        // (never null); the caller guarantees it is still alive and not
        // aliased, as this function's contract says.
        unsafe { &mut *self.ptr }
    }

    /// Runs `f` with the raw pointer (which must not escape `f`).
    pub fn with<F, R>(&self, f: F) -> R
    where
        F: FnOnce(*mut T) -> R,
    {
        f(self.ptr)
    }
}

impl<T: ?Sized> fmt::Debug for MutPtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MutPtr({:p})", self.ptr)
    }
}

/// std's `Cell`, race-checked: each `get`, `set`, `replace`, ... is one
/// access of an [`UnsafeCell`] (a read for `get`, a write for the others),
/// not a scheduling point (see the [module docs](self)).
///
/// ```
/// use std::rc::Rc;
/// use sim::cell::Cell;
///
/// sim::model(|| {
///     let c = Rc::new(Cell::new(1));
///     let c2 = c.clone();
///     // The join orders the child's write before the read.
///     sim::thread::spawn(move || c2.set(2)).join().unwrap();
///     assert_eq!(c.get(), 2);
///     assert_eq!(c.replace(3), 2);
///     assert_eq!(c.take(), 3);
/// });
/// ```
pub struct Cell<T: ?Sized> {
    cell: UnsafeCell<T>,
}

impl<T> Cell<T> {
    /// A new cell holding `value` (registered in the running execution).
    #[track_caller]
    pub fn new(value: T) -> Cell<T> {
        Cell {
            cell: UnsafeCell::named("Cell", value, Location::caller()),
        }
    }

    /// Replaces the value (a write).
    #[track_caller]
    pub fn set(&self, value: T) {
        drop(self.replace(value));
    }

    /// Swaps the values of two cells (a write of each).
    #[track_caller]
    pub fn swap(&self, other: &Cell<T>) {
        if std::ptr::eq(self, other) {
            return;
        }
        self.cell.with_mut(|a| {
            other.cell.with_mut(|b| {
                // SAFETY: both pointers come from live cells borrowed for
                // this call, distinct (checked above); `Cell` never hands out
                // references to its value, so nothing else aliases them.
                unsafe { std::ptr::swap(a, b) }
            })
        })
    }

    /// Replaces the value, returning the old one (a write).
    #[track_caller]
    pub fn replace(&self, value: T) -> T {
        self.cell.with_mut(|p| {
            // SAFETY: the pointer comes from the live cell `self` borrows;
            // `Cell` never hands out references to its value, and the code
            // between two scheduling points runs alone, so nothing aliases
            // it during the replace.
            unsafe { std::mem::replace(&mut *p, value) }
        })
    }

    /// The value, consuming the cell.
    pub fn into_inner(self) -> T {
        self.cell.into_inner()
    }
}

impl<T: Copy> Cell<T> {
    /// A copy of the value (a read).
    #[track_caller]
    pub fn get(&self) -> T {
        self.cell.with(|p| {
            // SAFETY: the pointer comes from the live cell `self` borrows,
            // and `Cell` never hands out references to its value: a plain
            // read of a `Copy` value.
            unsafe { *p }
        })
    }

    /// Replaces the value by `f` of it, returning the new one (one write).
    #[track_caller]
    pub fn update(&self, f: impl FnOnce(T) -> T) -> T {
        self.cell.with_mut(|p| {
            // SAFETY: as in `replace`; `f` gets and returns values, never a
            // reference into the cell.
            unsafe {
                let new = f(*p);
                *p = new;
                new
            }
        })
    }
}

impl<T: Default> Cell<T> {
    /// Takes the value, leaving `T::default()` (a write).
    #[track_caller]
    pub fn take(&self) -> T {
        self.replace(T::default())
    }
}

impl<T: ?Sized> Cell<T> {
    /// The value, through the exclusive borrow (no access to check).
    pub fn get_mut(&mut self) -> &mut T {
        self.cell.data.get_mut()
    }

    /// A raw pointer to the value (std's `as_ptr`); accesses through it are
    /// not checked.
    pub fn as_ptr(&self) -> *mut T {
        self.cell.data.get()
    }
}

impl<T: Default> Default for Cell<T> {
    /// A cell holding `T::default()`.
    #[track_caller]
    fn default() -> Self {
        Cell {
            cell: UnsafeCell::named("Cell", T::default(), Location::caller()),
        }
    }
}

impl<T: Copy> Clone for Cell<T> {
    /// A new cell holding a copy of the value (a read of this one).
    #[track_caller]
    fn clone(&self) -> Self {
        Cell {
            cell: UnsafeCell::named("Cell", self.get(), Location::caller()),
        }
    }
}

impl<T> From<T> for Cell<T> {
    #[track_caller]
    fn from(value: T) -> Self {
        Cell {
            cell: UnsafeCell::named("Cell", value, Location::caller()),
        }
    }
}

impl<T: PartialEq + Copy> PartialEq for Cell<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq + Copy> Eq for Cell<T> {}

impl<T: PartialOrd + Copy> PartialOrd for Cell<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        self.get().partial_cmp(&other.get())
    }
}

impl<T: Ord + Copy> Ord for Cell<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.get().cmp(&other.get())
    }
}

impl<T: Copy + fmt::Debug> fmt::Debug for Cell<T> {
    /// std's format, `Cell { value: .. }` (a read).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cell").field("value", &self.get()).finish()
    }
}
