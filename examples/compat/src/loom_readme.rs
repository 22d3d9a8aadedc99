//! The README's loom example ("A worked example, a loom test as it is
//! written for loom"), verbatim: compiled against `loom` (sim, renamed) and
//! run here, and checked to be the README's text, which marks the block
//! `ignore` for the `sim` crate's doctests (no `loom` there).

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::{Arc, Mutex};
use loom::thread;

#[test]
fn counter_and_flag() {
    loom::model(|| {
        let n = Arc::new(Mutex::new(0));
        let done = Arc::new(AtomicUsize::new(0));
        let (n2, d2) = (n.clone(), done.clone());
        let t = thread::spawn(move || {
            *n2.lock().unwrap() += 1;
            d2.fetch_add(1, Ordering::Release);
        });
        *n.lock().unwrap() += 1;
        t.join().unwrap();
        assert_eq!(done.load(Ordering::Acquire), 1);
        assert_eq!(*n.lock().unwrap(), 2);
    });
}

#[test]
fn the_readme_shows_this_test_verbatim() {
    let readme = include_str!("../../../README.md");
    let this = include_str!("loom_readme.rs");
    let code =
        &this[this.find("use loom::").unwrap()..this.find("\n#[test]\nfn the_readme").unwrap()];
    assert!(
        readme.contains(code),
        "README.md's loom example differs from examples/compat/src/loom_readme.rs"
    );
}
