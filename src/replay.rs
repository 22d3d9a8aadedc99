//! The subcommands that show one execution: `sim replay`, `sim dot` and
//! `sim timeline`, from a scenario and a token or from a saved trace file
//! (`--trace FILE`).

use std::process::ExitCode;

use sim::{Builder, Trace};

use crate::commands::{format_time, kills, print_outcome, scenario, timing, CmdResult};
use crate::options::{TimingArg, TokenArgs};

/// `sim replay`.
pub fn replay(execution: &TokenArgs) -> CmdResult {
    let (trace, header) = traced(execution)?;
    println!("{header}");
    for e in &trace.events {
        let obj = e.object.as_deref().unwrap_or("");
        let result = e
            .result
            .as_deref()
            .map(|r| format!(" -> {r}"))
            .unwrap_or_default();
        println!(
            "{:>5} [{}] {:<12} {:<8} {:<10}{} at {}",
            e.step,
            format_time(e.time_ns),
            trace.threads[e.thread],
            e.op,
            obj,
            result,
            e.location
        );
    }
    println!("\noutput:");
    Ok(print_outcome(&trace))
}

/// The trace the arguments name, and a line saying what it is: the
/// execution a token names, re-run under the timing model and `--kill`
/// given with it; or a saved trace, re-run and checked against the file
/// when its scenario is given or built in, else as the file recorded it.
fn traced(execution: &TokenArgs) -> Result<(Trace, String), String> {
    if let Some(path) = &execution.trace {
        let recorded = Trace::load(path).map_err(|e| e.to_string())?;
        let name = execution
            .scenario
            .clone()
            .or_else(|| scenarios::find(&recorded.scenario).map(|s| s.name.to_string()));
        let Some(name) = name else {
            let header = format!(
                "{}: trace {} of token {}, as recorded (not a scenario of `sim list`, so not \
                 re-run)",
                recorded.scenario,
                path.display(),
                recorded.token
            );
            return Ok((recorded, header));
        };
        let s = scenario(&name)?;
        // Under the timing model the trace was recorded with, unless given.
        let t = execution
            .model
            .timing
            .unwrap_or(match recorded.timing.as_str() {
                "adversarial" => TimingArg::Adversarial,
                _ => TimingArg::Exact,
            });
        let trace = Builder::new()
            .name(s.name)
            .timing(timing(t))
            .faults(scenarios::faults(kills(s, execution.model.kill)))
            .trace(s.body, &recorded.token)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if let Some(divergence) = recorded.first_divergence(&trace) {
            return Err(format!(
                "the replay of {} diverged from the file {divergence}: a trace of another \
                 program, timing model or --kill, or of {} before it changed",
                path.display(),
                s.name
            ));
        }
        let header = format!(
            "{}: replay of trace {} (token {}), the same events as recorded",
            s.name,
            path.display(),
            recorded.token
        );
        return Ok((trace, header));
    }
    let (Some(name), Some(token)) = (&execution.scenario, &execution.token) else {
        return Err("give a scenario and a token, or --trace FILE".to_string());
    };
    let s = scenario(name)?;
    let trace = Builder::new()
        .name(s.name)
        .timing(timing(execution.model.timing()))
        .faults(scenarios::faults(kills(s, execution.model.kill)))
        .trace(s.body, token)
        .map_err(|e| e.to_string())?;
    Ok((trace, format!("{}: replay of token {token}", s.name)))
}

/// `sim dot`.
pub fn dot(execution: &TokenArgs, full: bool) -> CmdResult {
    let (trace, _) = traced(execution)?;
    print!(
        "{}",
        if full {
            trace.to_dot_full()
        } else {
            trace.to_dot()
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// `sim timeline`.
pub fn timeline(execution: &TokenArgs) -> CmdResult {
    println!("{}", traced(execution)?.0.to_chrome_trace());
    Ok(ExitCode::SUCCESS)
}
