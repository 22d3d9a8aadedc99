//! Graphviz DOT export of the happens-before graph.

use std::fmt::Write;

use petgraph::visit::EdgeRef;

use super::{EdgeKind, Trace};
use crate::failure::FailureKind;

/// Escapes `s` for a double-quoted DOT string.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// `file:line:col` with the file shortened to its last component.
fn short_location(location: &str) -> &str {
    let cut = location.rfind(['/', '\\']).map_or(0, |i| i + 1);
    &location[cut..]
}

fn edge_style(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::ProgramOrder => "color=\"gray40\"",
        EdgeKind::Spawn | EdgeKind::Join => "color=\"darkgreen\", fontcolor=\"darkgreen\"",
        EdgeKind::Race => {
            "color=\"red\", fontcolor=\"red\", style=\"dashed\", penwidth=2, constraint=false, dir=\"both\""
        }
        _ => "color=\"blue\", fontcolor=\"blue\"",
    }
}

impl Trace {
    /// The happens-before graph in Graphviz DOT: one `subgraph cluster_<thread>`
    /// per thread with its events top to bottom in program order,
    /// synchronisation edges between clusters labelled by their object (or
    /// `spawn`/`join`), a data race as a red dashed edge, the failing event
    /// (or, for a deadlock, the operations the threads are blocked in)
    /// highlighted in red. Synchronisation edges implied by others are left
    /// out ([`Trace::happens_before_reduced`]); [`Trace::to_dot_full`] draws
    /// them all. Render with `dot -Tsvg trace.dot -o trace.svg`.
    ///
    /// ```
    /// use sim::threading::Lock;
    /// let report = sim::Builder::new().explore(|| {
    ///     let (a, b) = (Lock::new(), Lock::new());
    ///     let t = sim::thread::spawn(move || { let _a = a.lock(); let _b = b.lock(); });
    ///     { let _b = b.lock(); let _a = a.lock(); }
    ///     t.join().unwrap();
    /// });
    /// let dot = report.failures[0].trace.to_dot();
    /// assert!(dot.starts_with("digraph"));
    /// assert!(dot.contains("subgraph cluster_0") && dot.contains("subgraph cluster_1"));
    /// assert!(dot.contains("blocked"));
    /// ```
    pub fn to_dot(&self) -> String {
        self.dot_of(true)
    }

    /// Like [`Trace::to_dot`], with every synchronisation edge (no
    /// transitive reduction).
    ///
    /// ```
    /// let trace = sim::Builder::new().trace(|| sim::println!("hi"), "1").unwrap();
    /// assert!(trace.to_dot_full().contains("print"));
    /// ```
    pub fn to_dot_full(&self) -> String {
        self.dot_of(false)
    }

    fn dot_of(&self, reduced: bool) -> String {
        let graph = if reduced {
            self.happens_before_reduced()
        } else {
            self.happens_before()
        };
        let failure = self.failure.as_ref();
        // The failing event: for a failure attributed to a thread, that
        // thread's last event at or before the failure's step.
        let failing: Option<usize> = failure.and_then(|f| {
            let t = f.thread?;
            self.events
                .iter()
                .rposition(|e| e.thread == t && e.step <= f.step)
        });
        let blocked_is_failure = failure
            .is_some_and(|f| matches!(f.kind, FailureKind::Deadlock | FailureKind::StepLimit));

        let mut out = String::new();
        let mut title = format!(
            "{} (token {}, {} timing)",
            self.scenario, self.token, self.timing
        );
        if let Some(f) = failure {
            let _ = write!(title, ": {}", f.kind);
        }
        let _ = writeln!(out, "digraph \"happens_before\" {{");
        let _ = writeln!(
            out,
            "  graph [label=\"{}\", labelloc=\"t\", fontname=\"Helvetica\", rankdir=\"TB\", newrank=true];",
            esc(&title)
        );
        let _ = writeln!(
            out,
            "  node [shape=\"box\", style=\"rounded,filled\", fillcolor=\"white\", fontname=\"Helvetica\", fontsize=10];"
        );
        let _ = writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=9];");

        for (tid, name) in self.threads.iter().enumerate() {
            let events: Vec<usize> = (0..self.events.len())
                .filter(|&i| self.events[i].thread == tid)
                .collect();
            let pending: Vec<usize> = (0..self.pending.len())
                .filter(|&i| self.pending[i].thread == tid)
                .collect();
            let panicked =
                failure.is_some_and(|f| f.kind == FailureKind::Panic && f.thread == Some(tid));
            if events.is_empty() && pending.is_empty() && !panicked {
                continue;
            }
            let _ = writeln!(out, "  subgraph cluster_{tid} {{");
            let _ = writeln!(
                out,
                "    label=\"{}\"; style=\"rounded\"; color=\"gray60\";",
                esc(name)
            );
            for &i in &events {
                let ev = &self.events[i];
                let mut label = format!("{}: {}", ev.step, ev.op);
                if let Some(o) = &ev.object {
                    let _ = write!(label, " {o}");
                }
                if let Some(r) = &ev.result {
                    let _ = write!(label, " -> {r}");
                }
                let _ = write!(label, "\n{}", short_location(&ev.location));
                let extra = if Some(i) == failing {
                    ", fillcolor=\"#ff9999\", color=\"red\", penwidth=2"
                } else {
                    ""
                };
                let _ = writeln!(out, "    s{} [label=\"{}\"{extra}];", ev.step, esc(&label));
            }
            for &p in &pending {
                let pend = &self.pending[p];
                let mut label = format!("blocked: {}", pend.op);
                if let Some(o) = &pend.object {
                    let _ = write!(label, " {o}");
                }
                match (pend.held_by, &pend.object) {
                    (Some(h), Some(_)) => {
                        let _ = write!(label, "\nheld by {}", self.threads[h]);
                    }
                    (Some(h), None) => {
                        let _ = write!(label, " {}", self.threads[h]);
                    }
                    _ => {}
                }
                let _ = write!(label, "\n{}", short_location(&pend.location));
                let style = if blocked_is_failure {
                    "style=\"rounded,dashed,filled\", fillcolor=\"#ffdddd\", color=\"red\", penwidth=2"
                } else {
                    "style=\"rounded,dashed\""
                };
                let _ = writeln!(out, "    p{p} [label=\"{}\", {style}];", esc(&label));
            }
            if panicked {
                let f = failure.expect("panicked implies a failure");
                let first = f.message.lines().next().unwrap_or("");
                let _ = writeln!(
                    out,
                    "    panic{tid} [label=\"{}\", shape=\"octagon\", fillcolor=\"#ff9999\", color=\"red\"];",
                    esc(first)
                );
            }
            // Program order inside the cluster (and to the blocked operation).
            let mut chain: Vec<String> = events
                .iter()
                .map(|&i| format!("s{}", self.events[i].step))
                .collect();
            chain.extend(pending.iter().map(|p| format!("p{p}")));
            if panicked {
                chain.push(format!("panic{tid}"));
            }
            for pair in chain.windows(2) {
                let dashed = if pair[1].starts_with('s') {
                    ""
                } else {
                    ", style=\"dashed\""
                };
                let _ = writeln!(
                    out,
                    "    {} -> {} [{}{dashed}];",
                    pair[0],
                    pair[1],
                    edge_style(EdgeKind::ProgramOrder)
                );
            }
            let _ = writeln!(out, "  }}");
        }

        // What each blocked thread waits for: the event by which the
        // holder took the object (a deadlock's cycle shows as a loop).
        for (p, pend) in self.pending.iter().enumerate() {
            let (Some(h), Some(obj)) = (pend.held_by, &pend.object) else {
                continue;
            };
            let taken = self
                .events
                .iter()
                .rev()
                .find(|e| e.thread == h && e.object.as_ref() == Some(obj) && e.op == "acquire");
            if let Some(ev) = taken {
                let _ = writeln!(
                    out,
                    "  p{p} -> s{} [label=\"waits for {}\", color=\"red\", fontcolor=\"red\", style=\"dotted\", constraint=false];",
                    ev.step,
                    esc(obj)
                );
            }
        }

        // Edges between threads, in the order they were recorded.
        let mut cross: Vec<(u64, u64, EdgeKind)> = graph
            .edge_references()
            .filter(|e| *e.weight() != EdgeKind::ProgramOrder)
            .map(|e| (graph[e.source()], graph[e.target()], *e.weight()))
            .collect();
        cross.sort_unstable();
        cross.dedup();
        for (from, to, kind) in cross {
            let object = self
                .edges
                .iter()
                .find(|e| e.from == from && e.to == to && e.kind == kind)
                .and_then(|e| e.object.clone());
            let label = match (kind, object) {
                (EdgeKind::Race, Some(o)) => format!("race on {o}"),
                (EdgeKind::Race, None) => "race".to_string(),
                (k, Some(o)) if k != EdgeKind::Spawn && k != EdgeKind::Join => o,
                (k, _) => k.name().to_string(),
            };
            let _ = writeln!(
                out,
                "  s{from} -> s{to} [label=\"{}\", {}];",
                esc(&label),
                edge_style(kind)
            );
        }
        out.push_str("}\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_dot_strings_closed() {
        assert_eq!(esc("a \"b\" \\c\nd"), "a \\\"b\\\" \\\\c\\nd");
        assert_eq!(short_location("src/x/y.rs:1:2"), "y.rs:1:2");
        assert_eq!(short_location("C:\\p\\y.rs:1:2"), "y.rs:1:2");
    }
}
