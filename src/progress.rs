//! Progress of a long exploration on the terminal: an indicatif bar when
//! stderr is a terminal, a few plain lines when it is not (CI logs: at each
//! quarter of a planned run, at 20,000 executions and each doubling of an
//! exhaustive one or before a planned run's first quarter), nothing for
//! short runs.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressStyle};
use sim::{Builder, Progress};

/// Runs shorter than this print no plain progress lines.
const PLAIN_MIN: u64 = 20_000;

/// Installs a progress display for the exploration of `label` on `builder`;
/// `finish` the returned handle once the exploration is over.
pub fn attach(builder: Builder, label: &str, planned: Option<u64>) -> (Builder, Display) {
    if std::io::stderr().is_terminal() {
        let bar = match planned {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template(
                    "{prefix:>20} [{bar:30}] {pos}/{len} executions, {msg} ({per_sec}, eta {eta})",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template(
                    "{prefix:>20} {spinner} {pos} executions, {msg} ({per_sec})",
                )
                .expect("a valid template"),
            ),
        };
        bar.set_prefix(label.to_string());
        bar.set_message("0 failed");
        let shown = bar.clone();
        let builder = builder.on_progress(move |p: Progress| {
            shown.set_position(p.executions);
            shown.set_message(format!("{} failed", p.failed));
        });
        (builder, Display::Bar(bar))
    } else if planned.is_none() {
        // An exhaustive exploration: the total is unknown; a line at
        // PLAIN_MIN executions, then at every doubling.
        let label = label.to_string();
        let next = Arc::new(Mutex::new(PLAIN_MIN));
        let builder = builder.on_progress(move |p: Progress| {
            let mut next = next.lock().unwrap_or_else(|e| e.into_inner());
            if !p.done && p.executions >= *next {
                *next = next.saturating_mul(2).max(p.executions);
                eprintln!(
                    "sim: {label}: {} executions so far (exhaustive, the total is unknown until \
                     the space is covered), {} failed",
                    p.executions, p.failed
                );
            }
        });
        (builder, Display::Plain)
    } else if planned.is_some_and(|n| n >= PLAIN_MIN) {
        let label = label.to_string();
        let quarter = Arc::new(AtomicU64::new(0));
        let next = Arc::new(Mutex::new(PLAIN_MIN));
        let builder = builder.on_progress(move |p: Progress| {
            let Some(total) = p.total.filter(|&t| t > 0) else {
                return;
            };
            // Before the first quarter (a huge budget may never reach
            // it): a line at PLAIN_MIN executions and at every doubling.
            let mut next = next.lock().unwrap_or_else(|e| e.into_inner());
            if !p.done && p.executions >= *next && p.executions < total / 4 {
                *next = next.saturating_mul(2).max(p.executions);
                eprintln!(
                    "sim: {label}: {} executions so far (of {total}), {} failed",
                    p.executions, p.failed
                );
            }
            let q = (u128::from(p.executions) * 4 / u128::from(total)) as u64;
            if !p.done && q > quarter.fetch_max(q, Ordering::Relaxed) && q < 4 {
                eprintln!(
                    "sim: {label}: {}% ({}/{total} executions, {} failed)",
                    q * 25,
                    p.executions,
                    p.failed
                );
            }
        });
        (builder, Display::Plain)
    } else {
        (builder, Display::Plain)
    }
}

/// The display to finish when the exploration is over.
pub enum Display {
    Bar(ProgressBar),
    Plain,
}

impl Display {
    /// Clears the bar (the summary follows it).
    pub fn finish(self) {
        if let Display::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
