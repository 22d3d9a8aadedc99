//! The `sim` command-line tool.
//!
//! For now it runs the built-in demonstration: a lock-order inversion,
//! explored with random schedules until the deadlock shows, then replayed
//! from its token. The scenario catalogue and the full command set
//! (`list`, `run`, `explore`, `replay`, `dot`, `timeline`, `outputs`) come
//! with the scenarios crate.

use std::process::ExitCode;

use sim::sync::Lock;
use sim::Builder;

fn lock_order_inversion() {
    let a = Lock::new();
    let b = Lock::new();
    let t = sim::thread::spawn(move || {
        let _ga = a.lock();
        sim::println!("Thread-1 holds a, wants b");
        let _gb = b.lock();
    });
    {
        let _gb = b.lock();
        sim::println!("MainThread holds b, wants a");
        let _ga = a.lock();
    }
    t.join().unwrap();
}

fn demo(seed: u64) -> ExitCode {
    println!("exploring lock_order (two threads take two Locks in opposite orders), seed {seed}");
    let builder = Builder::new()
        .name("lock_order")
        .executions(10_000)
        .seed(seed);
    let report = builder.explore(lock_order_inversion);
    print!("{report}");
    let Some(failure) = report.failure() else {
        println!("no failure found");
        return ExitCode::FAILURE;
    };
    println!("\nreplaying token {} ...", failure.token);
    let replayed = builder
        .replay(lock_order_inversion, &failure.token)
        .expect("token printed by sim");
    let again = replayed.failure().map(|f| f.kind);
    println!(
        "replayed: {:?}, events identical: {}",
        again,
        replayed.failure().map(|f| &f.trace.events) == Some(&failure.trace.events)
    );
    println!(
        "replay it in a test with: SIM_REPLAY={} cargo test <test name>",
        failure.token
    );
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] | ["demo"] => demo(sim::DEFAULT_SEED),
        ["demo", "--seed", s] => match s.parse() {
            Ok(seed) => demo(seed),
            Err(_) => {
                eprintln!("sim: --seed expects a decimal u64, got {s:?}");
                ExitCode::from(2)
            }
        },
        _ => {
            eprintln!("usage: sim [demo [--seed N]]");
            ExitCode::from(2)
        }
    }
}
