//! The running task and the running execution, as shuttle's `current`
//! module: task ids, names, labels, tags, the vector clock and the count of
//! scheduling points.
//!
//! **Tasks are threads.** A task is whatever sim schedules: a green thread,
//! and so also a `sim::future` task, which is a green thread polling its
//! future (`block_on` polls on the calling thread, whose id it keeps). So
//! [`TaskId`] is the thread id: `usize::from(me())` equals
//! `usize::from(sim::thread::current().id())`, 0 for the main thread, the
//! same in every execution.
//!
//! **Labels** ([`Labels`]) are typed values attached to a task, one per
//! type, for code and tools that want to tag tasks (a role, a weight). A
//! spawned thread or task starts with a copy of its parent's labels; a
//! [`ChildLabelFn`] label edits the copy before the child runs. They belong
//! to the execution and start empty in each one. Nothing here is a
//! scheduling point or enters the dependence relation: reading or setting
//! a label orders nothing (as a plain variable under sim would, labels are
//! not race-checked either: they are debugging state).
//!
//! **Names** are sim's thread names: [`TaskName`] is read and set through
//! [`get_name_for_task`]/[`set_name_for_task`] (or as a label of type
//! `TaskName`), and is what [`crate::thread::Thread::name`] and the reports
//! show. Names are not inherited (an unnamed child is `Thread-N` in
//! reports), unless a `ChildLabelFn` inserts one.
//!
//! **Clock** ([`clock`]): entry `t` counts the synchronisation epochs of
//! thread `t` that the task has seen (sim's happens-before, C11's for
//! atomics), so entry `t` is non-zero exactly when some event of `t`
//! happens before the task's next one. A task's own entry is 0 until its
//! first event, as in shuttle.
//!
//! ```
//! use sim::current::{get_label_for_task, me, set_label_for_task};
//! #[derive(Clone, Debug, PartialEq)]
//! struct Role(&'static str);
//! sim::check_random(|| {
//!     set_label_for_task(me(), Role("server"));
//!     let h = sim::thread::spawn(|| {
//!         // Inherited from the parent, then changed for this thread only.
//!         assert_eq!(get_label_for_task(me()), Some(Role("server")));
//!         set_label_for_task(me(), Role("client"));
//!         usize::from(me())
//!     });
//!     assert_eq!(h.join().unwrap(), 1);
//!     assert_eq!(get_label_for_task(me()), Some(Role("server")));
//! }, 10);
//! ```

mod labels;

use std::any::{Any, TypeId};
use std::fmt::{self, Debug};
use std::sync::Arc;

use crate::rt;
use crate::rt::op::Tid;

pub(crate) use labels::clear;
pub use labels::{ChildLabelFn, Labels, TaskName};

/// What the message outside an execution names.
const WHAT: &str = "a sim::current function was called";

/// A task's id: its thread's id (0 for the main thread), the same in every
/// execution.
///
/// ```
/// sim::check_random(|| {
///     let h = sim::thread::spawn(sim::current::me);
///     assert_eq!(usize::from(h.join().unwrap()), 1);
///     assert_eq!(format!("{:?}", sim::current::me()), "TaskId(0)");
///     assert_eq!(sim::current::me(), sim::current::TaskId::from(0));
/// }, 1);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(usize);

impl Debug for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskId({})", self.0)
    }
}

impl From<TaskId> for usize {
    fn from(id: TaskId) -> usize {
        id.0
    }
}

/// The task with that number (a task of the running execution, or the
/// functions taking it panic).
impl From<usize> for TaskId {
    fn from(id: usize) -> TaskId {
        TaskId(id)
    }
}

impl From<crate::thread::ThreadId> for TaskId {
    fn from(id: crate::thread::ThreadId) -> TaskId {
        TaskId(usize::from(id))
    }
}

impl TaskId {
    /// The runtime's thread id, after checking it names a thread of the
    /// running execution.
    #[track_caller]
    fn tid(self) -> Tid {
        assert!(
            rt::thread_exists(self.0, WHAT),
            "sim: {self:?} is not a task of this execution"
        );
        self.0
    }
}

/// The running task's id. Panics outside an execution.
///
/// ```
/// sim::check_random(|| assert_eq!(usize::from(sim::current::me()), 0), 1);
/// ```
#[track_caller]
pub fn me() -> TaskId {
    TaskId(rt::current_tid_and_serial().0)
}

/// The running task's id, or `None` outside an execution.
///
/// ```
/// assert_eq!(sim::current::get_current_task(), None);
/// sim::check_random(|| assert!(sim::current::get_current_task().is_some()), 1);
/// ```
pub fn get_current_task() -> Option<TaskId> {
    rt::current_tid().map(TaskId)
}

/// How many scheduling points the execution has passed, counting its
/// start: 1 when the main thread begins, then one more per operation
/// performed (by any thread). Within one execution it only grows, so it
/// orders events as a global timestamp. Panics outside an execution.
///
/// ```
/// sim::check_random(|| {
///     assert_eq!(sim::current::context_switches(), 1);
///     let m = sim::sync::Mutex::new(());
///     drop(m.lock().unwrap());
///     assert!(sim::current::context_switches() > 1);
/// }, 1);
/// ```
#[track_caller]
pub fn context_switches() -> usize {
    rt::steps(WHAT) as usize + 1
}

/// Restarts the count the step limit (`max_steps`) compares with: the
/// execution may run its whole budget again from here. For long tests that
/// know they progress; a program calling it in a loop can run for ever.
///
/// ```
/// let report = sim::Builder::new().max_steps(10).executions(1).explore(|| {
///     for _ in 0..3 {
///         for _ in 0..5 {
///             sim::thread::yield_now();
///         }
///         sim::current::reset_step_count();
///     }
/// });
/// assert!(report.failures.is_empty());
/// ```
#[track_caller]
pub fn reset_step_count() {
    let serial = rt::current_tid_and_serial().1;
    labels::with_step_budget(serial, |budget| rt::restart_step_budget(budget, WHAT));
}

/// A vector clock, one entry per thread (see the module's docs).
///
/// ```
/// sim::check_random(|| {
///     let c = sim::current::clock();
///     assert_eq!(c.get(0), 0); // the main thread has done nothing yet
///     assert_eq!(c.get(7), 0); // no such thread: 0
///     assert_eq!(c.len(), 1);
/// }, 1);
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct VectorClock(Vec<u32>);

impl VectorClock {
    /// Entry `t` (0 past the end).
    ///
    /// ```
    /// sim::check_random(|| assert_eq!(sim::current::clock().get(3), 0), 1);
    /// ```
    pub fn get(&self, t: usize) -> u32 {
        self.0.get(t).copied().unwrap_or(0)
    }

    /// The entries, by thread id.
    ///
    /// ```
    /// sim::check_random(|| assert_eq!(sim::current::clock().iter().count(), 1), 1);
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, u32> {
        self.0.iter()
    }

    /// How many entries (threads of the execution when it was read).
    ///
    /// ```
    /// sim::check_random(|| assert!(!sim::current::clock().is_empty()), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it has no entry (never, inside an execution).
    ///
    /// ```
    /// sim::check_random(|| assert!(!sim::current::clock().is_empty()), 1);
    /// ```
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Debug for VectorClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.0).finish()
    }
}

/// The running task's vector clock.
///
/// ```
/// sim::check_random(|| {
///     let h = sim::thread::spawn(|| ());
///     h.join().unwrap();
///     // The join orders the child's events before the main thread's next.
///     assert!(sim::current::clock().get(1) > 0);
/// }, 10);
/// ```
#[track_caller]
pub fn clock() -> VectorClock {
    clock_for(me())
}

/// Task `task`'s vector clock.
///
/// ```
/// sim::check_random(|| {
///     let h = sim::thread::spawn(|| ());
///     let id = sim::current::TaskId::from(h.thread().id());
///     h.join().unwrap();
///     assert!(sim::current::clock_for(id).get(0) > 0); // spawned by thread 0
/// }, 10);
/// ```
#[track_caller]
pub fn clock_for(task: TaskId) -> VectorClock {
    VectorClock(rt::thread_clock(task.tid(), WHAT))
}

/// Runs `f` on task `task`'s labels (which it may change). Inside `f`, the
/// task's labels read as empty through the other functions of this module.
///
/// ```
/// use sim::current::{me, with_labels_for_task};
/// sim::check_random(|| {
///     with_labels_for_task(me(), |labels| labels.insert(1u8));
///     assert_eq!(with_labels_for_task(me(), |labels| labels.len()), 1);
/// }, 1);
/// ```
#[track_caller]
pub fn with_labels_for_task<T>(task: TaskId, f: impl FnOnce(&mut Labels) -> T) -> T {
    let tid = task.tid();
    let serial = rt::current_tid_and_serial().1;
    let mut labels = labels::take(serial, tid);
    let r = f(&mut labels);
    labels::put(serial, tid, labels);
    r
}

/// `value` as a `U`, if `T` is `U`.
fn cast<T: 'static, U: 'static>(value: T) -> Option<U> {
    (Box::new(value) as Box<dyn Any>)
        .downcast()
        .ok()
        .map(|b| *b)
}

/// Task `task`'s label of type `T`, if any (a [`TaskName`]: its name).
///
/// ```
/// use sim::current::{get_label_for_task, me, set_label_for_task};
/// sim::check_random(|| {
///     assert_eq!(get_label_for_task::<u32>(me()), None);
///     set_label_for_task(me(), 5u32);
///     assert_eq!(get_label_for_task::<u32>(me()), Some(5));
/// }, 1);
/// ```
#[track_caller]
pub fn get_label_for_task<T: Clone + Debug + 'static>(task: TaskId) -> Option<T> {
    if TypeId::of::<T>() == TypeId::of::<TaskName>() {
        return get_name_for_task(task).and_then(cast);
    }
    with_labels_for_task(task, |labels| labels.get::<T>().cloned())
}

/// Sets task `task`'s label of type `T` (a [`TaskName`]: its name); the one
/// it replaces.
///
/// ```
/// use sim::current::{me, set_label_for_task};
/// sim::check_random(|| {
///     assert_eq!(set_label_for_task(me(), "a"), None);
///     assert_eq!(set_label_for_task(me(), "b"), Some("a"));
/// }, 1);
/// ```
#[track_caller]
pub fn set_label_for_task<T: Clone + Debug + 'static>(task: TaskId, value: T) -> Option<T> {
    if TypeId::of::<T>() == TypeId::of::<TaskName>() {
        let name: TaskName = cast(value).expect("T is TaskName");
        return set_name_for_task(task, name).and_then(cast);
    }
    with_labels_for_task(task, |labels| labels.insert(value))
}

/// Removes task `task`'s label of type `T`; it, if there was one. A
/// [`TaskName`] cannot be removed (it is the thread's name): this gives it.
///
/// ```
/// use sim::current::{me, remove_label_for_task, set_label_for_task};
/// sim::check_random(|| {
///     set_label_for_task(me(), 'x');
///     assert_eq!(remove_label_for_task::<char>(me()), Some('x'));
///     assert_eq!(remove_label_for_task::<char>(me()), None);
/// }, 1);
/// ```
#[track_caller]
pub fn remove_label_for_task<T: Clone + Debug + 'static>(task: TaskId) -> Option<T> {
    if TypeId::of::<T>() == TypeId::of::<TaskName>() {
        return get_label_for_task(task);
    }
    with_labels_for_task(task, |labels| labels.remove::<T>())
}

/// Task `task`'s name, if it has one (a named thread, a `sim::future` task
/// (`task-N`), a name set here); `None` for the main thread and unnamed
/// threads.
///
/// ```
/// use sim::current::{get_name_for_task, me, TaskName};
/// sim::check_random(|| {
///     let h = sim::thread::Builder::new()
///         .name("producer".to_string())
///         .spawn(|| get_name_for_task(me()))
///         .unwrap();
///     assert_eq!(h.join().unwrap(), Some(TaskName::from("producer")));
///     assert_eq!(get_name_for_task(me()), None);
/// }, 1);
/// ```
#[track_caller]
pub fn get_name_for_task(task: TaskId) -> Option<TaskName> {
    rt::thread_given_name(task.tid()).map(TaskName::from)
}

/// Names task `task` (in `sim::thread::current().name()` and the reports);
/// its previous name, if it had one.
///
/// ```
/// use sim::current::{me, set_name_for_task};
/// sim::check_random(|| {
///     assert_eq!(set_name_for_task(me(), "boss"), None);
///     assert_eq!(sim::thread::current().name(), Some("boss"));
/// }, 1);
/// ```
#[track_caller]
pub fn set_name_for_task(task: TaskId, name: impl Into<TaskName>) -> Option<TaskName> {
    let old = get_name_for_task(task);
    rt::set_thread_name(task.tid(), String::from(name.into()));
    old
}

/// Called by a spawn in the parent, once the child `child` exists and
/// before it runs: the child's labels are a copy of the parent's, edited by
/// the parent's [`ChildLabelFn`], if any.
pub(crate) fn inherit(child: Tid) {
    if labels::unused() {
        return;
    }
    let Some(serial) = rt::current_serial() else {
        return;
    };
    let parent = rt::current_tid_and_serial().0;
    if labels::none(serial) {
        return;
    }
    let mut copy = with_labels_for_task(TaskId(parent), |labels| labels.clone());
    if let Some(ChildLabelFn(f)) = copy.get::<ChildLabelFn>().cloned() {
        f(TaskId(child), &mut copy);
    }
    if let Some(name) = copy.remove::<TaskName>() {
        rt::set_thread_name(child, String::from(name));
    }
    labels::put(serial, child, copy);
}

/// A value that can be a task's tag (shuttle's `Taggable`, for its
/// deprecated tags): implement it for the tag's type.
///
/// ```
/// #[derive(Debug)]
/// struct Phase(u8);
/// impl sim::current::Taggable for Phase {}
/// ```
pub trait Taggable: Debug {}

/// A task's tag as stored ([`Taggable`] values are tags): downcast it
/// with `as_any`.
///
/// ```
/// use std::sync::Arc;
/// #[derive(Debug, PartialEq)]
/// struct Phase(u8);
/// impl sim::current::Taggable for Phase {}
/// let tag: Arc<dyn sim::current::Tag> = Arc::new(Phase(2));
/// assert_eq!(tag.as_any().downcast_ref::<Phase>(), Some(&Phase(2)));
/// ```
pub trait Tag: Taggable {
    /// The tag as `Any`, to downcast it.
    fn as_any(&self) -> &dyn Any;
}

impl<T: Taggable + 'static> Tag for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The label a tag is kept as.
#[derive(Clone, Debug)]
struct TagLabel(Arc<dyn Tag>);

/// Task `task`'s tag, if it has one (inherited as labels are).
///
/// ```
/// use std::sync::Arc;
/// use sim::current::{get_tag_for_task, me, set_tag_for_task, Taggable};
/// #[derive(Debug)]
/// struct Phase(u8);
/// impl Taggable for Phase {}
/// sim::check_random(|| {
///     set_tag_for_task(me(), Arc::new(Phase(1)));
///     let tag = get_tag_for_task(me()).unwrap();
///     assert_eq!(tag.as_any().downcast_ref::<Phase>().unwrap().0, 1);
/// }, 1);
/// ```
#[track_caller]
pub fn get_tag_for_task(task: TaskId) -> Option<Arc<dyn Tag>> {
    get_label_for_task::<TagLabel>(task).map(|t| t.0)
}

/// Sets task `task`'s tag; the one it replaces.
///
/// ```
/// use std::sync::Arc;
/// use sim::current::{me, set_tag_for_task, Taggable};
/// #[derive(Debug)]
/// struct Phase(u8);
/// impl Taggable for Phase {}
/// sim::check_random(|| {
///     assert!(set_tag_for_task(me(), Arc::new(Phase(1))).is_none());
///     assert!(set_tag_for_task(me(), Arc::new(Phase(2))).is_some());
/// }, 1);
/// ```
#[track_caller]
pub fn set_tag_for_task(task: TaskId, tag: Arc<dyn Tag>) -> Option<Arc<dyn Tag>> {
    set_label_for_task(task, TagLabel(tag)).map(|t| t.0)
}

/// The running task's tag: [`get_tag_for_task`]`(me())`.
///
/// ```
/// sim::check_random(|| assert!(sim::current::get_tag_for_current_task().is_none()), 1);
/// ```
#[track_caller]
pub fn get_tag_for_current_task() -> Option<Arc<dyn Tag>> {
    get_tag_for_task(me())
}

/// Sets the running task's tag: [`set_tag_for_task`]`(me(), tag)`.
///
/// ```
/// use std::sync::Arc;
/// #[derive(Debug)]
/// struct Phase(u8);
/// impl sim::current::Taggable for Phase {}
/// sim::check_random(|| {
///     sim::current::set_tag_for_current_task(Arc::new(Phase(0)));
///     assert!(sim::current::get_tag_for_current_task().is_some());
/// }, 1);
/// ```
#[track_caller]
pub fn set_tag_for_current_task(tag: Arc<dyn Tag>) -> Option<Arc<dyn Tag>> {
    set_tag_for_task(me(), tag)
}
