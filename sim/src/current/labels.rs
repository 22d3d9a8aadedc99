//! Labels: typed values attached to a task, one per type, and where the
//! running execution keeps them.
//!
//! The store is its own thread-local, never inside the runtime's `EXEC`:
//! a label's `Clone`, a [`ChildLabelFn`] and a `with_labels_for_task`
//! closure are user code, which may call sim functions (which borrow
//! `EXEC`). A task's labels are taken out of the store while user code
//! works on them and put back afterwards. The store belongs to one
//! execution (its serial): a new execution finds it empty, and the
//! teardown drops what is left ([`clear`]).

use std::any::{Any, TypeId};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use super::TaskId;
use crate::rt::op::Tid;

/// A label's value, behind the map's type erasure: cloneable, and named for
/// `Debug`.
trait LabelValue: Any {
    fn clone_box(&self) -> Box<dyn LabelValue>;
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
    fn type_name(&self) -> &'static str;
}

impl<T: Clone + 'static> LabelValue for T {
    fn clone_box(&self) -> Box<dyn LabelValue> {
        Box::new(self.clone())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
    fn type_name(&self) -> &'static str {
        std::any::type_name::<T>()
    }
}

/// A set of typed values, at most one of each type (shuttle's `Labels`):
/// what [`super::set_label_for_task`] attaches to a task. A spawned task
/// starts with a copy of its parent's labels.
///
/// ```
/// use sim::current::Labels;
/// #[derive(Clone, Debug, PartialEq)]
/// struct Weight(u32);
/// let mut labels = Labels::new();
/// assert_eq!(labels.insert(Weight(1)), None);
/// assert_eq!(labels.insert(Weight(2)), Some(Weight(1)));
/// labels.get_mut::<Weight>().unwrap().0 += 1;
/// assert_eq!(labels.get::<Weight>(), Some(&Weight(3)));
/// assert_eq!(labels.remove::<Weight>(), Some(Weight(3)));
/// assert!(labels.is_empty());
/// ```
#[derive(Default)]
pub struct Labels {
    // By `TypeId`: looked up, iterated only by `Debug` and `extend`
    // (`TypeId`'s order is fixed within one build).
    map: BTreeMap<TypeId, Box<dyn LabelValue>>,
}

impl Clone for Labels {
    fn clone(&self) -> Self {
        let map = (self.map.iter())
            .map(|(k, v)| (*k, (**v).clone_box()))
            .collect();
        Labels { map }
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.map.values().map(|v| (**v).type_name()))
            .finish()
    }
}

impl Labels {
    /// An empty set.
    ///
    /// ```
    /// assert!(sim::current::Labels::new().is_empty());
    /// ```
    pub fn new() -> Labels {
        Labels::default()
    }

    /// Sets the label of type `T`; the one it replaces.
    ///
    /// ```
    /// let mut labels = sim::current::Labels::new();
    /// assert_eq!(labels.insert(7u8), None);
    /// assert_eq!(labels.insert(8u8), Some(7));
    /// ```
    pub fn insert<T: Clone + 'static>(&mut self, value: T) -> Option<T> {
        let old = self.map.insert(TypeId::of::<T>(), Box::new(value))?;
        old.into_any().downcast().ok().map(|b| *b)
    }

    /// The label of type `T`, if any.
    ///
    /// ```
    /// let mut labels = sim::current::Labels::new();
    /// labels.insert("x");
    /// assert_eq!(labels.get::<&str>(), Some(&"x"));
    /// assert_eq!(labels.get::<u8>(), None);
    /// ```
    pub fn get<T: 'static>(&self) -> Option<&T> {
        (**self.map.get(&TypeId::of::<T>())?)
            .as_any()
            .downcast_ref()
    }

    /// The label of type `T`, mutably.
    ///
    /// ```
    /// let mut labels = sim::current::Labels::new();
    /// labels.insert(1u32);
    /// *labels.get_mut::<u32>().unwrap() = 2;
    /// assert_eq!(labels.get::<u32>(), Some(&2));
    /// ```
    pub fn get_mut<T: 'static>(&mut self) -> Option<&mut T> {
        (**self.map.get_mut(&TypeId::of::<T>())?)
            .as_any_mut()
            .downcast_mut()
    }

    /// The label of type `T`, set to `f()` first if there is none.
    ///
    /// ```
    /// let mut labels = sim::current::Labels::new();
    /// *labels.get_or_insert_with(|| 0u64) += 5;
    /// assert_eq!(*labels.get_or_insert_with(|| 100u64), 5);
    /// ```
    pub fn get_or_insert_with<T: Clone + 'static>(&mut self, f: impl FnOnce() -> T) -> &mut T {
        if !self.contains::<T>() {
            self.insert(f());
        }
        self.get_mut().expect("inserted above")
    }

    /// The label of type `T`, set to `value` first if there is none.
    ///
    /// ```
    /// let mut labels = sim::current::Labels::new();
    /// assert_eq!(*labels.get_or_insert(3i8), 3);
    /// assert_eq!(*labels.get_or_insert(4i8), 3);
    /// ```
    pub fn get_or_insert<T: Clone + 'static>(&mut self, value: T) -> &mut T {
        self.get_or_insert_with(|| value)
    }

    /// The label of type `T`, set to `T::default()` first if there is none.
    ///
    /// ```
    /// let mut labels = sim::current::Labels::new();
    /// labels.get_or_insert_default::<Vec<u8>>().push(1);
    /// assert_eq!(labels.get::<Vec<u8>>(), Some(&vec![1]));
    /// ```
    pub fn get_or_insert_default<T: Default + Clone + 'static>(&mut self) -> &mut T {
        self.get_or_insert_with(T::default)
    }

    /// Removes the label of type `T`; it, if there was one.
    ///
    /// ```
    /// let mut labels = sim::current::Labels::new();
    /// labels.insert('c');
    /// assert_eq!(labels.remove::<char>(), Some('c'));
    /// assert_eq!(labels.remove::<char>(), None);
    /// ```
    pub fn remove<T: 'static>(&mut self) -> Option<T> {
        let old = self.map.remove(&TypeId::of::<T>())?;
        old.into_any().downcast().ok().map(|b| *b)
    }

    /// Whether there is a label of type `T`.
    ///
    /// ```
    /// let mut labels = sim::current::Labels::new();
    /// labels.insert(1u16);
    /// assert!(labels.contains::<u16>() && !labels.contains::<u32>());
    /// ```
    pub fn contains<T: 'static>(&self) -> bool {
        self.map.contains_key(&TypeId::of::<T>())
    }

    /// Removes every label.
    ///
    /// ```
    /// let mut labels = sim::current::Labels::new();
    /// labels.insert(1u8);
    /// labels.clear();
    /// assert!(labels.is_empty());
    /// ```
    pub fn clear(&mut self) {
        self.map.clear();
    }

    /// Whether there is no label.
    ///
    /// ```
    /// assert!(sim::current::Labels::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// How many labels (types) there are.
    ///
    /// ```
    /// let mut labels = sim::current::Labels::new();
    /// labels.insert(1u8);
    /// labels.insert(1u16);
    /// assert_eq!(labels.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Adds `other`'s labels, replacing those of the same types.
    ///
    /// ```
    /// let (mut a, mut b) = (sim::current::Labels::new(), sim::current::Labels::new());
    /// a.insert(1u8);
    /// b.insert(2u8);
    /// b.insert('b');
    /// a.extend(b);
    /// assert_eq!((a.get::<u8>(), a.get::<char>()), (Some(&2), Some(&'b')));
    /// ```
    pub fn extend(&mut self, other: Labels) {
        self.map.extend(other.map);
    }
}

/// A task's name, as shuttle's `TaskName`: [`super::get_name_for_task`]
/// and [`super::set_name_for_task`] read and set it; it is the name
/// [`crate::thread::current`]`().name()` and sim's reports give the thread.
///
/// ```
/// use sim::current::TaskName;
/// let name = TaskName::from("worker");
/// assert_eq!(format!("{name:?}"), "worker");
/// assert_eq!(String::from(name), "worker");
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskName(String);

impl From<String> for TaskName {
    fn from(name: String) -> Self {
        TaskName(name)
    }
}

impl From<&str> for TaskName {
    fn from(name: &str) -> Self {
        TaskName(name.to_string())
    }
}

impl From<TaskName> for String {
    fn from(name: TaskName) -> String {
        name.0
    }
}

impl AsRef<str> for TaskName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TaskName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for TaskName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A label that edits the labels of each task its holder spawns (as
/// shuttle's `ChildLabelFn`): when a task with this label spawns a thread or
/// a task, the child's labels (a copy of the parent's) are passed to the
/// function, with the child's id, before the child runs. A [`TaskName`] it
/// inserts becomes the child's name.
///
/// ```
/// use std::sync::Arc;
/// use sim::current::{get_name_for_task, me, set_label_for_task, ChildLabelFn, TaskName};
/// sim::check_random(|| {
///     set_label_for_task(me(), ChildLabelFn(Arc::new(|_id, labels| {
///         labels.insert(TaskName::from("child"));
///     })));
///     let h = sim::thread::spawn(|| get_name_for_task(me()));
///     assert_eq!(h.join().unwrap(), Some(TaskName::from("child")));
/// }, 10);
/// ```
#[derive(Clone)]
#[allow(clippy::type_complexity)]
pub struct ChildLabelFn(pub Arc<dyn Fn(TaskId, &mut Labels) + 'static>);

impl fmt::Debug for ChildLabelFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChildLabelFn")
    }
}

/// Every task's labels in one execution, and the step budget
/// `reset_step_count` restarts.
struct Store {
    serial: u64,
    tasks: Vec<Option<Labels>>,
    step_budget: Option<u64>,
}

thread_local! {
    static STORE: RefCell<Store> = const {
        RefCell::new(Store { serial: 0, tasks: Vec::new(), step_budget: None })
    };
    /// Whether the store may hold labels (set by [`put`], reset by
    /// [`clear`]): while it is false a spawn and the teardown skip the
    /// store (a `Cell` without destructor: the cheapest thread-local), so
    /// programs that use no labels pay nothing for them.
    static IN_USE: Cell<bool> = const { Cell::new(false) };
}

/// Whether no labels were stored since the last [`clear`].
pub(super) fn unused() -> bool {
    !IN_USE.with(Cell::get)
}

/// Runs `f` on the store of execution `serial` (emptied first if it holds
/// an earlier execution's). No user code may run inside `f`.
fn with_store<R>(serial: u64, f: impl FnOnce(&mut Store) -> R) -> R {
    let (r, stale) = STORE.with(|s| {
        let mut s = s.borrow_mut();
        let stale = (s.serial != serial).then(|| {
            s.serial = serial;
            s.step_budget = None;
            std::mem::take(&mut s.tasks)
        });
        (f(&mut s), stale)
    });
    drop(stale);
    r
}

/// Takes task `tid`'s labels out of the store (empty if it has none).
pub(super) fn take(serial: u64, tid: Tid) -> Labels {
    with_store(serial, |s| s.tasks.get_mut(tid).and_then(Option::take)).unwrap_or_default()
}

/// Puts task `tid`'s labels (back) into the store.
pub(super) fn put(serial: u64, tid: Tid, labels: Labels) {
    if labels.is_empty() && with_store(serial, |s| s.tasks.len() <= tid) {
        return;
    }
    IN_USE.with(|u| u.set(true));
    let old = with_store(serial, |s| {
        if s.tasks.len() <= tid {
            s.tasks.resize_with(tid + 1, || None);
        }
        s.tasks[tid].replace(labels)
    });
    drop(old);
}

/// Whether no task of execution `serial` has labels (the common case: a
/// spawn then has nothing to copy).
pub(super) fn none(serial: u64) -> bool {
    with_store(serial, |s| s.tasks.iter().all(Option::is_none))
}

/// Runs `f` on the step budget kept for execution `serial`.
pub(super) fn with_step_budget<R>(serial: u64, f: impl FnOnce(&mut Option<u64>) -> R) -> R {
    let mut budget = with_store(serial, |s| s.step_budget);
    let r = f(&mut budget);
    with_store(serial, |s| s.step_budget = budget);
    r
}

/// Drops every label left (the teardown calls this, outside any borrow).
pub(crate) fn clear() {
    if !IN_USE.with(|u| u.replace(false)) {
        return;
    }
    let tasks = STORE.with(|s| std::mem::take(&mut s.borrow_mut().tasks));
    drop(tasks);
}
