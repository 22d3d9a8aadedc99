//! The README's first example (`counter_under_a_lock`), verbatim: run here
//! as the test it is (as a doctest of the `sim` crate its `#[test]`
//! function is only compiled), and checked to be the README's text.

use sim::threading::Lock;
use sim::Shared;

#[test]
fn counter_under_a_lock() {
    sim::check_random(|| {
        let lock = Lock::new();
        let count = Shared::new(0);
        let t = {
            let count = count.clone();
            sim::thread::spawn(move || {
                let _g = lock.lock();          // Python's `with lock:`
                count.set(count.get() + 1);    // each access is a scheduling point, race-checked
            })
        };
        {
            let _g = lock.lock();
            count.set(count.get() + 1);
        }
        t.join().unwrap();
        assert_eq!(count.get(), 2);
    }, 10_000);
}

#[test]
fn the_readme_shows_this_test_verbatim() {
    let readme = include_str!("../../../README.md");
    let this = include_str!("readme.rs");
    let from = this.find("use sim::threading::Lock;").unwrap();
    let code = &this[from..this.find("\n#[test]\nfn the_readme").unwrap()];
    assert!(
        readme.contains(code),
        "README.md's first example differs from sim/tests/it/readme.rs"
    );
}
