//! `sim merge`: the reports of the shards of one exploration, checked to be
//! of the same exploration, merged into one summary.

use std::path::PathBuf;

use sim::Report;

use crate::commands::{scenario, summarize, CmdResult, ReportFile};
use crate::options::{ModelOpts, TimingArg};

/// `sim merge`.
pub fn merge(paths: &[PathBuf]) -> CmdResult {
    let mut files = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let file: ReportFile = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{} is not a report written by `sim explore --report`: {e}",
                path.display()
            )
        })?;
        files.push(file);
    }
    let (name, timing_name) = (files[0].scenario.clone(), files[0].timing.clone());
    let (kill, planned, preemptions) = (files[0].kill, files[0].planned, files[0].preemptions);
    if let Some(other) = files
        .iter()
        .find(|f| f.scenario != name || f.timing != timing_name || f.kill != kill)
    {
        return Err(format!(
            "the reports are of different explorations: {name} ({timing_name} timing) and {} ({} timing)",
            other.scenario, other.timing
        ));
    }
    let show = |n: Option<u64>| n.map_or("unknown".to_string(), |n| n.to_string());
    if let Some((path, other)) = paths
        .iter()
        .zip(&files)
        .find(|(_, f)| f.planned != planned || f.preemptions != preemptions)
    {
        return Err(format!(
            "the reports are of different explorations: {} ran {} executions (preemption \
             bound {:?}), {} ran {} (preemption bound {:?}); run every shard with the same \
             --executions and --preemptions",
            paths[0].display(),
            show(planned),
            preemptions,
            path.display(),
            show(other.planned),
            other.preemptions
        ));
    }
    let s = scenario(&name)?;
    let t = match timing_name.as_str() {
        "adversarial" => TimingArg::Adversarial,
        _ => TimingArg::Exact,
    };
    let report = Report::merge(files.into_iter().map(|f| f.report)).map_err(|e| e.to_string())?;
    println!("merged {} report(s)", paths.len());
    let model = ModelOpts {
        timing: Some(t),
        kill,
    };
    summarize(s, &report, model, None)
}
