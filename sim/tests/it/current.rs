//! `sim::current` (shuttle's `current` module): task ids, labels and their
//! inheritance, `ChildLabelFn`, names, tags, the vector clock, the count
//! of scheduling points and `reset_step_count`.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex as StdMutex};

use sim::current::{
    clock, context_switches, get_label_for_task, get_name_for_task, me, reset_step_count,
    set_label_for_task, set_name_for_task, set_tag_for_current_task, ChildLabelFn, Taggable,
    TaskId, TaskName,
};
use sim::{Builder, FailureKind};

#[derive(Clone, Debug, PartialEq)]
struct Ident(usize);

#[test]
fn task_ids_are_thread_ids_and_tasks_have_their_threads_ids() {
    let seen = Arc::new(StdMutex::new(BTreeSet::new()));
    let seen2 = Arc::clone(&seen);
    sim::check_random(
        move || {
            assert_eq!(me(), TaskId::from(sim::thread::current().id()));
            let h = sim::thread::spawn(|| usize::from(me()));
            let t = sim::future::spawn(async { usize::from(me()) });
            let task = sim::future::block_on(t).unwrap();
            seen2.lock().unwrap().insert((h.join().unwrap(), task));
        },
        50,
    );
    assert_eq!(*seen.lock().unwrap(), BTreeSet::from([(1, 2)]));
}

#[test]
fn children_start_with_a_copy_of_the_parents_labels_and_changes_stay_local() {
    let report = Builder::new().executions(200).explore(|| {
        set_label_for_task(me(), Ident(1));
        let hs: Vec<_> = (0..2)
            .map(|i| {
                sim::thread::spawn(move || {
                    assert_eq!(get_label_for_task::<Ident>(me()), Some(Ident(1)));
                    set_label_for_task(me(), Ident(10 + i));
                    let grandchild = sim::thread::spawn(|| get_label_for_task::<Ident>(me()));
                    (
                        grandchild.join().unwrap(),
                        get_label_for_task::<Ident>(me()),
                    )
                })
            })
            .collect();
        for (i, h) in hs.into_iter().enumerate() {
            let (g, c) = h.join().unwrap();
            assert_eq!((g, c), (Some(Ident(10 + i)), Some(Ident(10 + i))));
        }
        assert_eq!(get_label_for_task::<Ident>(me()), Some(Ident(1)));
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn labels_start_empty_in_every_execution() {
    let report = Builder::new().executions(20).explore(|| {
        assert_eq!(get_label_for_task::<Ident>(me()), None);
        set_label_for_task(me(), Ident(3));
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn a_child_label_fn_edits_each_childs_labels_before_it_runs() {
    let report = Builder::new().executions(50).explore(|| {
        set_label_for_task(
            me(),
            ChildLabelFn(Arc::new(|id, labels| {
                labels.insert(Ident(usize::from(id) * 100));
                labels.insert(TaskName::from(format!("child-{}", usize::from(id))));
            })),
        );
        let h = sim::thread::spawn(|| {
            (
                get_label_for_task::<Ident>(me()),
                sim::thread::current().name().map(str::to_string),
            )
        });
        let (ident, name) = h.join().unwrap();
        assert_eq!(ident, Some(Ident(100)));
        assert_eq!(name.as_deref(), Some("child-1"));
        // The parent's own labels are not edited.
        assert_eq!(get_label_for_task::<Ident>(me()), None);
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn names_are_the_threads_names_and_a_task_name_label_is_the_name() {
    let report = Builder::new().executions(10).explore(|| {
        let h = sim::thread::Builder::new()
            .name("producer".to_string())
            .spawn(|| get_name_for_task(me()).map(String::from))
            .unwrap();
        assert_eq!(h.join().unwrap().as_deref(), Some("producer"));
        assert_eq!(set_name_for_task(me(), "boss"), None);
        assert_eq!(sim::thread::current().name(), Some("boss"));
        assert_eq!(
            get_label_for_task::<TaskName>(me()),
            Some(TaskName::from("boss"))
        );
        set_label_for_task(me(), TaskName::from("chief"));
        assert_eq!(sim::thread::current().name(), Some("chief"));
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn a_renamed_thread_is_named_so_in_the_failure_report() {
    let report = Builder::new().executions(1).explore(|| {
        let h = sim::thread::spawn(|| {
            set_name_for_task(me(), "renamed");
            panic!("boom");
        });
        let _ = h.join();
    });
    let failure = report.failure().expect("the thread panics");
    assert!(failure.message.contains("renamed"), "{}", failure.message);
}

#[derive(Debug, PartialEq)]
struct Phase(u8);
impl Taggable for Phase {}

#[test]
fn tags_are_inherited_like_labels() {
    let report = Builder::new().executions(20).explore(|| {
        set_tag_for_current_task(Arc::new(Phase(4)));
        let h = sim::thread::spawn(|| {
            let tag = sim::current::get_tag_for_current_task().unwrap();
            tag.as_any().downcast_ref::<Phase>().map(|p| p.0)
        });
        assert_eq!(h.join().unwrap(), Some(4));
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn the_clock_shows_exactly_the_threads_that_happen_before() {
    let report = Builder::new().executions(300).explore(|| {
        let m = Arc::new(sim::sync::Mutex::new(Vec::new()));
        // Nothing yet, not even the thread's own event.
        assert!(clock().iter().all(|&c| c == 0));
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let m = Arc::clone(&m);
                sim::thread::spawn(move || {
                    let c = clock();
                    // The spawner's events only; its own entry 0 until its first event.
                    assert!(c.iter().enumerate().all(|(i, &c)| (c > 0) == (i == 0)));
                    let mut v = m.lock().unwrap();
                    v.push(usize::from(me()));
                    let c = clock();
                    for (i, &c) in c.iter().enumerate() {
                        assert_eq!(c > 0, i == 0 || v.contains(&i), "{c:?} at {i}");
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert!(clock().get(1) > 0 && clock().get(2) > 0);
    });
    assert!(report.failures.is_empty(), "{report}");
}

#[test]
fn context_switches_count_the_operations_from_one() {
    let report = Builder::new().executions(1).explore(|| {
        let a = sim::sync::Mutex::new(0);
        assert_eq!(context_switches(), 1);
        let g = a.lock().unwrap();
        assert_eq!(context_switches(), 2);
        drop(g);
        assert_eq!(context_switches(), 3);
    });
    assert!(report.failures.is_empty(), "{report}");
}

fn yields_with_reset(reset: bool) -> Option<FailureKind> {
    let report = Builder::new().max_steps(12).executions(5).explore(move || {
        for _ in 0..4 {
            for _ in 0..8 {
                sim::thread::yield_now();
            }
            if reset {
                reset_step_count();
            }
        }
    });
    report.failure().map(|f| f.kind)
}

#[test]
fn reset_step_count_restarts_the_step_limit() {
    assert_eq!(yields_with_reset(false), Some(FailureKind::StepLimit));
    assert_eq!(yields_with_reset(true), None);
}

#[test]
#[should_panic(expected = "outside a simulation")]
fn me_outside_an_execution_panics() {
    me();
}

#[test]
fn get_current_task_is_none_outside_an_execution() {
    assert_eq!(sim::current::get_current_task(), None);
}
