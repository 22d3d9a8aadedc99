//! A green thread whose stack cannot be mapped (the OS's limits: Linux's
//! `vm.max_map_count`, about 32,000 live green threads by default, or
//! memory) makes its spawn panic with a message that names the limit and
//! what to do, never a crash (issue 17 item 11). The child process (this
//! test binary again) exhausts the address space with 1 TiB stacks, so the
//! parent's other tests keep theirs.

use std::process::{Command, Stdio};

use sim::sync::{Arc, Mutex};
use sim::{Builder, FailureKind};

/// 1 TiB stacks (`thread::Builder::stack_size` counts words, as loom's),
/// for threads that stay alive: at most 127 fit in a 47-bit address space.
fn huge_stacks() {
    let lock = Arc::new(Mutex::new(()));
    let held = lock.lock().unwrap();
    let handles: Vec<_> = (0..1000)
        .map(|_| {
            let lock = Arc::clone(&lock);
            sim::thread::Builder::new()
                .stack_size((1 << 40) / std::mem::size_of::<usize>())
                .spawn(move || drop(lock.lock().unwrap()))
                .unwrap()
        })
        .collect();
    drop(held);
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn stack_limit_child() {
    // Only does something when the parent test runs it.
    if std::env::var("SIM_STACK_LIMIT_CHILD").is_err() {
        return;
    }
    let report = Builder::new().executions(1).explore(huge_stacks);
    let f = report.failure().expect("the spawn fails");
    assert_eq!(f.kind, FailureKind::Panic, "{report}");
    println!("{}", f.message);
}

#[test]
fn an_unmappable_stack_is_a_clear_panic_of_the_spawn_not_a_crash() {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "stack_limit::stack_limit_child",
            "--test-threads",
            "1",
        ])
        .args(["--nocapture"])
        .env("SIM_STACK_LIMIT_CHILD", "1")
        .env("SIM_PERSIST", "off")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for needle in [
        "sim: cannot create green thread Thread-",
        "KiB stack could not be mapped (",
        "threads are alive in this execution.",
        "Run fewer threads at once",
        "SIM_STACK_SIZE",
        "vm.max_map_count",
        // At the spawn call of the program, not inside sim.
        "stack_limit.rs",
    ] {
        assert!(
            stdout.contains(needle),
            "{needle:?} not in\n{stdout}\n{stderr}"
        );
    }
}
