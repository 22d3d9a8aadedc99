//! Resident memory stays flat across many executions: stacks are pooled,
//! per-execution buffers are reused, nothing leaks. A binary of its own,
//! not a module of `it`: the resident set is the process's, and tests
//! running beside this one would move it.

use sim::Builder;

// Shares the one definition of its programs with the `it` test binary.
#[allow(dead_code)]
#[path = "it/programs.rs"]
mod programs;

use programs::lock_increments;

/// Resident set size in KiB, from /proc/self/statm (Linux).
fn rss_kib() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4)
}

#[test]
fn rss_is_flat_across_a_million_executions() {
    // 1,000,000 in release (the CI command); 100,000 in debug builds.
    let total: u64 = if cfg!(debug_assertions) {
        100_000
    } else {
        1_000_000
    };
    let batch = total / 10;
    let Some(_) = rss_kib() else {
        eprintln!("no /proc/self/statm: memory test skipped on this platform");
        return;
    };
    // Warm up: the first batch fills the stack pool and buffers.
    let builder = Builder::new().executions(batch);
    assert!(builder
        .clone()
        .seed(0)
        .explore(lock_increments::<2, 3>)
        .failures
        .is_empty());
    let after_warmup = rss_kib().unwrap();
    let mut peak = after_warmup;
    for i in 1..10 {
        let report = builder.clone().seed(i).explore(lock_increments::<2, 3>);
        assert!(report.failures.is_empty());
        assert_eq!(report.executions, batch);
        peak = peak.max(rss_kib().unwrap());
    }
    eprintln!("rss after warm-up {after_warmup} KiB, peak over {total} executions {peak} KiB");
    // A leak of even 8 bytes per execution would add ~7 MiB over 900,000.
    assert!(
        peak <= after_warmup + 2048,
        "resident memory grew from {after_warmup} KiB to {peak} KiB over {total} executions"
    );
}
