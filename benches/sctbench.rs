//! Bug-finding power on SCTBench's `reorder_N` and `twostage_N`
//! (Thomson, Donaldson, Betts, "Concurrency testing using controlled
//! schedulers: an empirical study", TOPC 2016; the C sources are in
//! `mc-imperial/sctbench`, `benchmarks/concurrent-software-benchmarks/`).
//! The programs below are ports written against sim's API, not copies.
//!
//! For each strategy and program: in how many of 20 run seeds the
//! benchmark's own assertion fails within 10,000 executions, and the median
//! number of executions to the first such failure (over the seeds that
//! found it). Race detection is off (the programs race on purpose) and any
//! other failure would count as not found. PCT, URW, SURW and the portfolio
//! also run 8 probe executions per run (not counted, see
//! `sim/src/explore/probe.rs`).
//!
//! Run: `cargo bench --bench sctbench` (release profile; about 4 minutes
//! on one core). `cargo bench --bench sctbench -- reorder_10 [surw]` runs
//! the rows whose program name contains the first argument (and the
//! columns whose strategy name contains the second).

use sim::threading::Lock;
use sim::{Builder, FailureKind, Shared, Strategy};

/// Executions per run seed.
const BUDGET: u64 = 10_000;
/// Run seeds per row.
const SEEDS: u64 = 20;
/// The assertion message of the ported programs.
const BUG: &str = "Bug found!";

/// `reorder_N_bad`: `SET` threads each write `a = 1` then `b = -1`; `CHECK`
/// threads each check that they see both writes or neither. C's
/// short-circuit `(a == 0 && b == 0) || (a == 1 && b == -1)` reads the
/// variables afresh at each mention. The check fails when a checker reads
/// `a` after some setter's first write and `b` before every setter's
/// second. SCTBench's instances: `reorder_3` (2 setters, 1 checker),
/// `reorder_10` (9, 1), `reorder_20` (10, 10).
fn reorder<const SET: usize, const CHECK: usize>() {
    let (a, b) = (Shared::new(0i32), Shared::new(0i32));
    let mut threads = Vec::new();
    for _ in 0..SET {
        let (a, b) = (a.clone(), b.clone());
        threads.push(sim::thread::spawn(move || {
            a.set(1);
            b.set(-1);
        }));
    }
    for _ in 0..CHECK {
        let (a, b) = (a.clone(), b.clone());
        threads.push(sim::thread::spawn(move || {
            let consistent = (a.get() == 0 && b.get() == 0) || (a.get() == 1 && b.get() == -1);
            assert!(consistent, "{BUG}");
        }));
    }
    for t in threads {
        let _ = t.join();
    }
}

/// `twostage_N_bad`: `T` threads each set `data1 = 1` under one lock, then
/// `data2 = data1 + 1` under a second; `R` readers read `data1` under the
/// first lock (returning if it is 0) and `data2` under the second, and
/// check `data2 == data1 + 1`. It fails when a reader runs between some
/// writer's two stages and before every writer's second. `twostage` is
/// (1, 1), `twostage_100` is (99, 1).
fn twostage<const T: usize, const R: usize>() {
    let (lock1, lock2) = (Lock::new(), Lock::new());
    let (data1, data2) = (Shared::new(0i32), Shared::new(0i32));
    let mut threads = Vec::new();
    for _ in 0..T {
        let (d1, d2) = (data1.clone(), data2.clone());
        threads.push(sim::thread::spawn(move || {
            {
                let _g = lock1.lock();
                d1.set(1);
            }
            let _g = lock2.lock();
            d2.set(d1.get() + 1);
        }));
    }
    for _ in 0..R {
        let (d1, d2) = (data1.clone(), data2.clone());
        threads.push(sim::thread::spawn(move || {
            let t1 = {
                let _g = lock1.lock();
                if d1.get() == 0 {
                    return;
                }
                d1.get()
            };
            let t2 = {
                let _g = lock2.lock();
                d2.get()
            };
            assert!(t2 == t1 + 1, "{BUG}");
        }));
    }
    for t in threads {
        let _ = t.join();
    }
}

/// The executions to the first failure of the benchmark's assertion, if
/// any within the budget.
fn executions_to_bug(strategy: Strategy, seed: u64, program: fn()) -> Option<u64> {
    let report = Builder::new()
        .strategy(strategy)
        .seed(seed)
        .executions(BUDGET)
        .race_detection(false)
        .explore(program);
    let f = report.failure()?;
    (f.kind == FailureKind::Panic && f.message.contains(BUG)).then_some(f.execution)
}

fn median(mut v: Vec<u64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
    })
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let filter = args.first().cloned().unwrap_or_default();
    let only = args.get(1).cloned().unwrap_or_default();
    let programs: [(&str, fn()); 5] = [
        ("reorder_3", reorder::<2, 1>),
        ("reorder_10", reorder::<9, 1>),
        ("reorder_20", reorder::<10, 10>),
        ("twostage", twostage::<1, 1>),
        ("twostage_100", twostage::<99, 1>),
    ];
    let strategies = [
        Strategy::Random,
        Strategy::Pct { depth: 2 },
        Strategy::Pct { depth: 3 },
        Strategy::Pos,
        Strategy::Urw,
        Strategy::Surw,
        Strategy::Portfolio,
    ];
    let strategies: Vec<Strategy> = strategies
        .into_iter()
        .filter(|s| s.to_string().contains(&only))
        .collect();
    println!(
        "{BUDGET} executions per seed, {SEEDS} seeds (1..={SEEDS}), race detection off: \
         found in k/{SEEDS}, median executions to the assertion"
    );
    print!("{:<14}", "program");
    for s in &strategies {
        // "pct (depth 3)" as "pct(3)".
        print!("{:>16}", s.to_string().replace(" (depth ", "("));
    }
    println!();
    for (name, program) in programs {
        if !name.contains(&filter) {
            continue;
        }
        print!("{name:<14}");
        for &strategy in &strategies {
            let found: Vec<u64> = (1..=SEEDS)
                .filter_map(|seed| executions_to_bug(strategy, seed, program))
                .collect();
            let k = found.len();
            let cell = match median(found) {
                Some(m) => format!("{k}/{SEEDS} {m:>6}"),
                None => format!("{k}/{SEEDS}      -"),
            };
            print!("{cell:>16}");
            use std::io::Write;
            std::io::stdout().flush().ok();
        }
        println!();
    }
}
