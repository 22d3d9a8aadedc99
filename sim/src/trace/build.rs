//! Building a [`Trace`] from a finished execution: the runtime's event log,
//! edges, pending operations, output and failure, turned into plain data
//! with names (`Lock#0`, `Thread-1`) in place of ids.

use super::{
    Trace, TraceEdge, TraceEvent, TraceFailure, TraceObject, TraceOutput, TracePending,
    TRACE_FORMAT_VERSION,
};
use crate::rt::{self, Exec, ExecFailure};

impl Trace {
    /// The trace of the finished execution `e`: its events (with their
    /// vector clocks, if it recorded them), happens-before edges, the
    /// operations left pending, its output and its failure, named by
    /// object and thread names. `scenario`, `strategy`, `token` and
    /// `timing` are recorded as given.
    pub(crate) fn from_exec(
        e: &Exec,
        scenario: &str,
        strategy: &str,
        token: &str,
        timing: &str,
    ) -> Trace {
        let object_name = |o: rt::op::ObjId| {
            let obj = &e.objects()[o.index()];
            format!("{}#{}", obj.state.kind(), o.0)
        };
        let events = e
            .events()
            .iter()
            .enumerate()
            .map(|(i, ev)| TraceEvent {
                step: ev.step,
                thread: ev.tid,
                thread_name: e.thread_name(ev.tid),
                op: ev.op.name().to_string(),
                object: ev.op.object().map(object_name),
                result: match ev.result {
                    rt::op::OpResult::Unit => None,
                    rt::op::OpResult::Bool(b) => Some(b.to_string()),
                    rt::op::OpResult::Spawned(t) => Some(e.thread_name(t as usize)),
                    rt::op::OpResult::Value(v) => Some(v.to_string()),
                },
                time_ns: ev.time,
                location: ev.location.to_string(),
                clock: e.clocks().get(i).map(|c| c.entries()).unwrap_or_default(),
            })
            .collect();
        Trace {
            format_version: TRACE_FORMAT_VERSION,
            scenario: scenario.to_string(),
            strategy: strategy.to_string(),
            token: token.to_string(),
            timing: timing.to_string(),
            threads: (0..e.threads().len()).map(|t| e.thread_name(t)).collect(),
            objects: e
                .objects()
                .iter()
                .map(|o| TraceObject {
                    name: object_name(o.id),
                    kind: o.state.kind().to_string(),
                    created_at: o.created_at.to_string(),
                })
                .collect(),
            events,
            edges: e
                .edges()
                .iter()
                .map(|s| TraceEdge {
                    kind: s.kind,
                    from: s.from,
                    to: s.to,
                    object: s.object.map(object_name),
                })
                .collect(),
            pending: e
                .threads()
                .iter()
                .enumerate()
                .filter(|(_, t)| !matches!(t.life, rt::Life::Finished | rt::Life::NotStarted))
                .map(|(tid, t)| TracePending {
                    thread: tid,
                    op: t.pending.name().to_string(),
                    object: t.pending.object().map(object_name),
                    held_by: e.waits_on(tid),
                    location: t.location.to_string(),
                })
                .collect(),
            output: e
                .output()
                .iter()
                .map(|o| TraceOutput {
                    time_ns: o.time,
                    thread: o.tid,
                    text: o.text.clone(),
                })
                .collect(),
            failure: e.failure().map(|f: &ExecFailure| TraceFailure {
                kind: f.kind,
                message: f.message.clone(),
                step: f.step,
                thread: f.tid,
            }),
        }
    }
}
