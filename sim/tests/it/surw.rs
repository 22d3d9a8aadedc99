//! URW, SURW and the portfolio: they find the lock-order deadlock and the
//! racy counter's lost update, their tokens replay a failure alone, `jobs`
//! and shards give the sequential report, URW samples the interleavings of
//! a program without blocking uniformly, and SURW finds the bug that needs
//! one short thread to run late among many.

use sim::{Builder, FailureKind, Report, Shard, Shared, Strategy};

use crate::programs::{lock_order, racy_counter, racy_counter_printing};

/// Finds the lock-order deadlock with `strategy` and replays its token
/// alone (a plain builder, no strategy given), trace for trace.
fn finds_deadlock_and_replays(strategy: Strategy) -> String {
    let builder = Builder::new().strategy(strategy).seed(7).executions(200);
    let report = builder.explore(lock_order);
    let failure = report.failure().unwrap_or_else(|| panic!("{report}"));
    assert_eq!(failure.kind, FailureKind::Deadlock);
    assert_eq!(report.strategy, strategy);
    let replayed = Builder::new().replay(lock_order, &failure.token).unwrap();
    assert_eq!(replayed.failures[0].kind, FailureKind::Deadlock);
    assert_eq!(replayed.failures[0].trace, failure.trace);
    assert_eq!(
        builder.explore(lock_order),
        report,
        "same seed, same report"
    );
    failure.token.clone()
}

#[test]
fn urw_and_surw_find_the_lock_order_deadlock_and_replay_it() {
    assert!(finds_deadlock_and_replays(Strategy::Urw).starts_with("urw1:"));
    assert!(finds_deadlock_and_replays(Strategy::Surw).starts_with("surw1:"));
}

#[test]
fn the_portfolio_finds_the_lock_order_deadlock_and_its_token_replays_alone() {
    let token = finds_deadlock_and_replays(Strategy::Portfolio);
    // The token is its member's own.
    assert!(
        ["surw1:", "pct3:", "pct2:", "pos:"]
            .iter()
            .any(|p| token.starts_with(p))
            || token.bytes().all(|b| b.is_ascii_digit()),
        "{token}"
    );
}

#[test]
fn surw_and_the_portfolio_find_the_racy_counter() {
    for strategy in [Strategy::Surw, Strategy::Portfolio, Strategy::Urw] {
        let report = Builder::new().strategy(strategy).explore(racy_counter);
        assert_eq!(report.failures[0].kind, FailureKind::DataRace, "{strategy}");
        // Without race detection, the lost update shows in the output: both
        // threads read 0 before either writes.
        let report = Builder::new()
            .strategy(strategy)
            .race_detection(false)
            .executions(200)
            .seed(3)
            .explore(racy_counter_printing);
        assert!(report.outputs.contains_key("1\n"), "{strategy}: {report}");
        assert!(report.outputs.contains_key("2\n"), "{strategy}: {report}");
    }
}

#[test]
fn surw_and_portfolio_reports_do_not_depend_on_jobs_or_shards() {
    for strategy in [Strategy::Surw, Strategy::Portfolio, Strategy::Urw] {
        let builder = Builder::new()
            .strategy(strategy)
            .seed(11)
            .executions(600)
            .race_detection(false)
            .stop_on_first_failure(false);
        let one = builder.clone().jobs(1).explore(reorder_9);
        assert!(!one.failures.is_empty(), "{strategy}: {one}");
        assert_eq!(
            builder.clone().jobs(2).explore(reorder_9),
            one,
            "{strategy}"
        );
        let shards: Vec<Report> = (0..3)
            .map(|i| {
                builder
                    .clone()
                    .shard(Shard { index: i, count: 3 })
                    .explore(reorder_9)
            })
            .collect();
        assert_eq!(Report::merge(shards).unwrap(), one, "{strategy}");
    }
}

/// SCTBench's `reorder_10` (the bench's port, `benches/sctbench.rs`): 9
/// threads write `a = 1` then `b = -1`; one checks that it sees both
/// writes or neither, which fails only if it reads `a` after some first
/// write and `b` before every second one.
fn reorder_9() {
    let (a, b) = (Shared::new(0i32), Shared::new(0i32));
    let mut threads = Vec::new();
    for _ in 0..9 {
        let (a, b) = (a.clone(), b.clone());
        threads.push(sim::thread::spawn(move || {
            a.set(1);
            b.set(-1);
        }));
    }
    threads.push(sim::thread::spawn(move || {
        let consistent = (a.get() == 0 && b.get() == 0) || (a.get() == 1 && b.get() == -1);
        assert!(consistent, "Bug found!");
    }));
    for t in threads {
        let _ = t.join();
    }
}

#[test]
fn surw_finds_the_late_checker_that_random_misses() {
    let run = |strategy| {
        Builder::new()
            .strategy(strategy)
            .seed(1)
            .executions(300)
            .race_detection(false)
            .explore(reorder_9)
    };
    let surw = run(Strategy::Surw);
    let failure = surw.failure().unwrap_or_else(|| panic!("{surw}"));
    assert_eq!(failure.kind, FailureKind::Panic);
    assert!(
        failure.message.contains("Bug found!"),
        "{}",
        failure.message
    );
    let replayed = Builder::new()
        .race_detection(false)
        .replay(reorder_9, &failure.token)
        .unwrap();
    assert_eq!(replayed.failures[0].trace, failure.trace);
    // The uniform choice among threads runs the checker early.
    assert!(run(Strategy::Random).failures.is_empty());
}

/// `MainThread` spawns `Thread-1` (not joined: the execution goes on until
/// it ends); each prints its letter three times. No thread ever blocks.
fn two_by_three() {
    let _t = sim::thread::spawn(|| {
        for _ in 0..3 {
            sim::println!("t");
        }
    });
    for _ in 0..3 {
        sim::println!("m");
    }
}

/// Pearson's chi-square statistic of the 20 interleavings' counts in
/// `report` against the uniform distribution.
fn chi_square(report: &Report) -> f64 {
    assert_eq!(
        report.outputs.len(),
        20,
        "every interleaving appears once at least"
    );
    let total: u64 = report.outputs.values().sum();
    let expected = total as f64 / 20.0;
    report
        .outputs
        .values()
        .map(|&n| (n as f64 - expected).powi(2) / expected)
        .sum()
}

#[test]
fn urw_samples_the_interleavings_of_two_threads_uniformly() {
    let explore = |strategy| {
        Builder::new()
            .strategy(strategy)
            .seed(5)
            .executions(4_000)
            .explore(two_by_three)
    };
    // 19 degrees of freedom: 43.8 is the 0.1% critical value.
    let urw = chi_square(&explore(Strategy::Urw));
    assert!(urw < 43.8, "URW is not uniform: chi-square {urw:.1}");
    // The uniform choice among threads is far from it (`mmmttt` and
    // `tttmmm` come 1 in 8 each, against 1 in 20).
    let random = chi_square(&explore(Strategy::Random));
    assert!(random > 1_000.0, "chi-square {random:.1}");
    eprintln!("chi-square over 20 interleavings: URW {urw:.1}, Random {random:.1}");
}
