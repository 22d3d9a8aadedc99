//! Chrome trace-event JSON export (Perfetto, `chrome://tracing`).

use serde_json::{json, Value};

use super::Trace;

/// Virtual nanoseconds as trace-event microseconds.
fn us(ns: u64) -> f64 {
    ns as f64 / 1000.0
}

impl Trace {
    /// The execution as a Chrome trace-event timeline (open it in Perfetto
    /// or `chrome://tracing`): one track per thread, named after it; an
    /// instant for every operation (with its step, object, result and source
    /// location); a slice for every interval a thread spent blocked (from
    /// announcing an operation to performing it, when virtual time moved in
    /// between: sleeps, waits for a lock held across a sleep); the
    /// operations left blocked at the end and the failure as instants.
    /// Timestamps are virtual time. Operations at one virtual instant share
    /// a timestamp; their order is the `step` argument.
    ///
    /// ```
    /// let trace = sim::Builder::new().trace(|| {
    ///     sim::time::sleep(std::time::Duration::from_millis(2));
    ///     sim::println!("done");
    /// }, "1").unwrap();
    /// let timeline: serde_json::Value = serde_json::from_str(&trace.to_chrome_trace()).unwrap();
    /// let events = timeline["traceEvents"].as_array().unwrap();
    /// let slice = events.iter().find(|e| e["ph"] == "X").unwrap();
    /// assert_eq!((slice["ts"].as_f64(), slice["dur"].as_f64()), (Some(0.0), Some(2000.0)));
    /// ```
    pub fn to_chrome_trace(&self) -> String {
        let mut events: Vec<Value> = Vec::new();
        events.push(json!({
            "name": "process_name", "ph": "M", "pid": 1, "tid": 0,
            "args": { "name": format!("{} (token {})", self.scenario, self.token) },
        }));
        for (tid, name) in self.threads.iter().enumerate() {
            events.push(json!({
                "name": "thread_name", "ph": "M", "pid": 1, "tid": tid,
                "args": { "name": name },
            }));
            events.push(json!({
                "name": "thread_sort_index", "ph": "M", "pid": 1, "tid": tid,
                "args": { "sort_index": tid },
            }));
        }
        // When each thread announced its next operation: the time of its
        // previous event, or of the spawn that created it (thread k was
        // created by the k-th spawn: ids are given in creation order).
        let mut announced: Vec<Option<u64>> = vec![None; self.threads.len()];
        announced[0] = Some(0);
        for (k, ev) in self.events.iter().filter(|e| e.op == "spawn").enumerate() {
            if let Some(slot) = announced.get_mut(k + 1) {
                *slot = Some(ev.time_ns);
            }
        }
        let mut outputs = self.output.iter();
        let end = self.events.last().map_or(0, |e| e.time_ns);
        for ev in &self.events {
            let since = announced[ev.thread];
            let mut name = ev.op.clone();
            if let Some(o) = &ev.object {
                name.push(' ');
                name.push_str(o);
            }
            if let Some(start) = since.filter(|&s| s < ev.time_ns) {
                events.push(json!({
                    "name": format!("blocked: {name}"), "cat": "blocked", "ph": "X",
                    "ts": us(start), "dur": us(ev.time_ns - start), "pid": 1, "tid": ev.thread,
                    "args": { "until_step": ev.step },
                }));
            }
            let mut args = json!({ "step": ev.step, "location": ev.location });
            if let Some(r) = &ev.result {
                args["result"] = json!(r);
            }
            if ev.op == "print" {
                if let Some(o) = outputs.next() {
                    args["text"] = json!(o.text);
                }
            }
            events.push(json!({
                "name": name, "cat": "op", "ph": "i", "s": "t",
                "ts": us(ev.time_ns), "pid": 1, "tid": ev.thread, "args": args,
            }));
            announced[ev.thread] = Some(ev.time_ns);
        }
        for p in &self.pending {
            let mut name = format!("blocked forever: {}", p.op);
            if let Some(o) = &p.object {
                name.push(' ');
                name.push_str(o);
            }
            let start = announced[p.thread].unwrap_or(0);
            let mut args = json!({ "location": p.location });
            if let Some(h) = p.held_by {
                args["held_by"] = json!(self.threads[h]);
            }
            if start < end {
                events.push(json!({
                    "name": name.clone(), "cat": "blocked", "ph": "X", "ts": us(start),
                    "dur": us(end - start), "pid": 1, "tid": p.thread, "args": args.clone(),
                }));
            }
            events.push(json!({
                "name": name, "cat": "blocked", "ph": "i", "s": "t", "ts": us(end),
                "pid": 1, "tid": p.thread, "args": args,
            }));
        }
        if let Some(f) = &self.failure {
            events.push(json!({
                "name": f.kind.to_string(), "cat": "failure", "ph": "i", "s": "g",
                "ts": us(end), "pid": 1, "tid": f.thread.unwrap_or(0),
                "args": { "step": f.step, "message": f.message },
            }));
        }
        let timeline = json!({
            "traceEvents": events,
            "displayTimeUnit": "ms",
            "otherData": {
                "scenario": self.scenario, "token": self.token, "strategy": self.strategy,
                "timing": self.timing, "clock": "virtual",
            },
        });
        serde_json::to_string_pretty(&timeline).expect("a timeline always serialises")
    }
}
