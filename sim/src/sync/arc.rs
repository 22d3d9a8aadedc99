//! std's `Arc` and `Weak`, with loom's leak check.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::panic::Location;

use crate::rt;

/// The allocation's record in its execution; freeing the allocation (the
/// last strong reference dropped) marks it freed.
struct Tag(Option<(u32, u64)>);

impl Drop for Tag {
    fn drop(&mut self) {
        if let Some((index, serial)) = self.0 {
            rt::arc_freed(index, serial);
        }
    }
}

struct Inner<T: ?Sized> {
    tag: Tag,
    value: T,
}

/// std's `Arc<T>`: a shared, reference-counted pointer. An allocation
/// still alive when every thread of the execution has finished is a
/// [`FailureKind::Leak`](crate::FailureKind::Leak) (a reference cycle, a
/// `mem::forget`), as in loom; one made while a static was initialised
/// lives for ever and is not a leak.
///
/// Cloning and dropping are not scheduling points (the count is private to
/// the pointer; a data race on the value is still found by the
/// race-checked types it holds). Unsizing (`Arc<dyn Trait>` from
/// `Arc<T>`) is not supported: it needs an unstable trait.
///
/// ```
/// use sim::sync::Arc;
/// sim::model(|| {
///     let a = Arc::new(5);
///     let b = Arc::clone(&a);
///     let t = sim::thread::spawn(move || *b + 1);
///     assert_eq!(t.join().unwrap(), 6);
///     assert_eq!(Arc::strong_count(&a), 1);
/// });
/// ```
///
/// A cycle leaks:
///
/// ```
/// use std::cell::RefCell;
/// use sim::sync::Arc;
/// let report = sim::Builder::new().executions(1).explore(|| {
///     struct Node(RefCell<Option<Arc<Node>>>);
///     let a = Arc::new(Node(RefCell::new(None)));
///     *a.0.borrow_mut() = Some(a.clone());
/// });
/// assert_eq!(report.failures[0].kind, sim::FailureKind::Leak);
/// ```
pub struct Arc<T: ?Sized> {
    inner: std::sync::Arc<Inner<T>>,
}

/// std's `Weak<T>`: a non-owning pointer to an [`Arc`]'s value.
///
/// ```
/// use sim::sync::Arc;
/// sim::model(|| {
///     let a = Arc::new(1);
///     let w = Arc::downgrade(&a);
///     assert_eq!(*w.upgrade().unwrap(), 1);
///     drop(a);
///     assert!(w.upgrade().is_none());
/// });
/// ```
pub struct Weak<T: ?Sized> {
    inner: std::sync::Weak<Inner<T>>,
}

impl<T> Arc<T> {
    /// A new allocation holding `value`.
    #[track_caller]
    pub fn new(value: T) -> Arc<T> {
        Arc {
            inner: std::sync::Arc::new(Inner {
                tag: Tag(rt::arc_created(Location::caller())),
                value,
            }),
        }
    }

    /// The value, if this is the only strong reference; `this` otherwise.
    pub fn try_unwrap(this: Arc<T>) -> Result<T, Arc<T>> {
        match std::sync::Arc::try_unwrap(this.inner) {
            Ok(Inner { tag, value }) => {
                drop(tag);
                Ok(value)
            }
            Err(inner) => Err(Arc { inner }),
        }
    }

    /// The value, if this is the only strong reference (else it is dropped).
    pub fn into_inner(this: Arc<T>) -> Option<T> {
        std::sync::Arc::into_inner(this.inner).map(|Inner { tag, value }| {
            drop(tag);
            value
        })
    }

    /// The value, cloned out unless this is the only strong reference.
    pub fn unwrap_or_clone(this: Arc<T>) -> T
    where
        T: Clone,
    {
        Arc::try_unwrap(this).unwrap_or_else(|arc| (*arc).clone())
    }
}

impl<T: ?Sized> Arc<T> {
    /// The number of strong references.
    pub fn strong_count(this: &Arc<T>) -> usize {
        std::sync::Arc::strong_count(&this.inner)
    }

    /// The number of weak references.
    pub fn weak_count(this: &Arc<T>) -> usize {
        std::sync::Arc::weak_count(&this.inner)
    }

    /// Whether both point to the same allocation.
    pub fn ptr_eq(this: &Arc<T>, other: &Arc<T>) -> bool {
        std::sync::Arc::ptr_eq(&this.inner, &other.inner)
    }

    /// A weak pointer to the allocation.
    pub fn downgrade(this: &Arc<T>) -> Weak<T> {
        Weak {
            inner: std::sync::Arc::downgrade(&this.inner),
        }
    }

    /// The value by `&mut`, if no other strong or weak reference exists.
    pub fn get_mut(this: &mut Arc<T>) -> Option<&mut T> {
        std::sync::Arc::get_mut(&mut this.inner).map(|inner| &mut inner.value)
    }

    /// A pointer to the value.
    pub fn as_ptr(this: &Arc<T>) -> *const T {
        &this.inner.value as *const T
    }
}

impl<T: Clone> Arc<T> {
    /// The value by `&mut`, cloning it into a new allocation first unless
    /// this is the only reference.
    #[track_caller]
    pub fn make_mut(this: &mut Arc<T>) -> &mut T {
        if std::sync::Arc::get_mut(&mut this.inner).is_none() {
            *this = Arc::new(this.inner.value.clone());
        }
        Arc::get_mut(this).expect("unique after the clone")
    }
}

impl<T: ?Sized> Weak<T> {
    /// The value, if an `Arc` still holds it.
    pub fn upgrade(&self) -> Option<Arc<T>> {
        self.inner.upgrade().map(|inner| Arc { inner })
    }

    /// The number of strong references.
    pub fn strong_count(&self) -> usize {
        self.inner.strong_count()
    }

    /// The number of weak references (0 if no strong one is left).
    pub fn weak_count(&self) -> usize {
        self.inner.weak_count()
    }

    /// Whether both point to the same allocation.
    pub fn ptr_eq(&self, other: &Weak<T>) -> bool {
        self.inner.ptr_eq(&other.inner)
    }
}

impl<T> Weak<T> {
    /// A weak pointer to nothing.
    pub const fn new() -> Weak<T> {
        Weak {
            inner: std::sync::Weak::new(),
        }
    }
}

impl<T> Default for Weak<T> {
    fn default() -> Self {
        Weak::new()
    }
}

impl<T: ?Sized> Clone for Arc<T> {
    fn clone(&self) -> Self {
        Arc {
            inner: std::sync::Arc::clone(&self.inner),
        }
    }
}

impl<T: ?Sized> Clone for Weak<T> {
    fn clone(&self) -> Self {
        Weak {
            inner: self.inner.clone(),
        }
    }
}

impl<T: ?Sized> Deref for Arc<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner.value
    }
}

impl<T: ?Sized> AsRef<T> for Arc<T> {
    fn as_ref(&self) -> &T {
        self
    }
}

impl<T: ?Sized> Borrow<T> for Arc<T> {
    fn borrow(&self) -> &T {
        self
    }
}

impl<T: Default> Default for Arc<T> {
    #[track_caller]
    fn default() -> Self {
        Arc::new(T::default())
    }
}

impl<T> From<T> for Arc<T> {
    #[track_caller]
    fn from(value: T) -> Self {
        Arc::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Arc<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for Arc<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized> fmt::Debug for Weak<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(Weak)")
    }
}

impl<T: ?Sized + PartialEq> PartialEq for Arc<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: ?Sized + Eq> Eq for Arc<T> {}

impl<T: ?Sized + PartialOrd> PartialOrd for Arc<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        (**self).partial_cmp(&**other)
    }
}

impl<T: ?Sized + Ord> Ord for Arc<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        (**self).cmp(&**other)
    }
}

impl<T: ?Sized + Hash> Hash for Arc<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state)
    }
}
