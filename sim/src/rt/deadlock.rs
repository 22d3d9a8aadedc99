//! Deadlock reports: every blocked thread, what it waits for, who holds it,
//! and the wait-for cycle when there is one.

use std::fmt::Write;

use super::op::{Op, Tid};
use super::{Exec, Life};

/// What blocked thread `tid` waits for, and the thread it waits on (if one).
fn waits_for(exec: &Exec, tid: Tid) -> (String, Option<Tid>) {
    let op = exec.threads[tid].pending;
    match op {
        Op::Join { target } | Op::JoinTimeout { target, .. } => {
            let t = &exec.threads[target];
            (format!("join of {}", t.name), Some(target))
        }
        Op::ProcJoin { pid, .. } => {
            let main = exec.procs[pid as usize].main;
            (
                format!("join of process {}", exec.process_name(pid)),
                Some(main),
            )
        }
        _ => match op.object() {
            Some(obj) => {
                let object = &exec.objects[obj.index()];
                (
                    format!("{} of {}", op.name(), object),
                    object.state.holder(),
                )
            }
            None => (op.to_string(), None),
        },
    }
}

/// The report for a deadlock in `exec`, and its key: the same text
/// without the source locations of earlier events (what identifies the
/// deadlock whether or not the execution recorded its events).
pub(super) fn report(exec: &Exec) -> (String, String) {
    (build(exec, true), build(exec, false))
}

/// The report; `event_locations`: say where earlier events happened (when
/// the execution recorded them).
fn build(exec: &Exec, event_locations: bool) -> String {
    let blocked: Vec<Tid> = (0..exec.threads.len())
        .filter(|&t| exec.threads[t].life != Life::Finished)
        .collect();
    let mut msg = String::from("deadlock: no thread can run and no timeout is pending\n");
    let mut edges: Vec<Option<Tid>> = vec![None; exec.threads.len()];
    for &tid in &blocked {
        let t = &exec.threads[tid];
        if let Op::TaskWait { task, .. } = t.pending {
            let _ = writeln!(msg, "  {}", exec.task_deadlock_line(tid, task));
            continue;
        }
        let (what, holder) = waits_for(exec, tid);
        edges[tid] = holder;
        let _ = write!(msg, "  {} is blocked in {} at {}", t.name, what, t.location);
        if let Op::Park { .. } = t.pending {
            msg.push_str(" (no unpark pending)");
        }
        match holder {
            Some(h) if exec.threads[h].life == Life::Finished => {
                let _ = write!(
                    msg,
                    "; held by {} ({})",
                    exec.threads[h].name,
                    exec.end_note(h)
                );
            }
            Some(h) if h == tid => {
                let _ = write!(msg, "; held by {} itself", t.name);
            }
            Some(h) => {
                let _ = write!(msg, "; held by {}", exec.threads[h].name);
            }
            None => {}
        }
        msg.push('\n');
    }
    for &tid in &blocked {
        if let Some(line) = lost_wakeup(exec, tid, event_locations) {
            msg.push_str(&line);
            msg.push('\n');
        }
    }
    for line in exec.kill_notes(event_locations) {
        msg.push_str(&line);
        msg.push('\n');
    }
    exec.barrier_summaries(&blocked, &mut msg);
    exec.chan_summaries(&blocked, &mut msg);
    if let Some(cycle) = find_cycle(&edges, &blocked) {
        let names: Vec<String> = cycle.iter().map(|&t| exec.thread_name(t)).collect();
        let _ = write!(
            msg,
            "  wait-for cycle: {} -> {}",
            names.join(" -> "),
            names[0]
        );
    } else {
        msg.push_str(
            "  no wait-for cycle: the threads wait for something no running thread will do",
        );
    }
    msg
}

/// `"step <step> by <thread> at <location>"` of event `step` (1-based);
/// without the location unless `location` and the event was recorded.
fn event_at(exec: &Exec, step: u64, tid: Tid, location: bool) -> String {
    let at = exec
        .log
        .events
        .get((step as usize).wrapping_sub(1))
        .filter(|_| location)
        .map(|e| format!(" at {}", e.location))
        .unwrap_or_default();
    format!("step {step} by {}{at}", exec.threads[tid].name)
}

/// The lost wake-up diagnosis for blocked thread `tid`: it waits on a
/// Condition that was notified while nobody waited, or on an Event that was
/// set and cleared again before it looked.
fn lost_wakeup(exec: &Exec, tid: Tid, locations: bool) -> Option<String> {
    let event_at = |step, by| event_at(exec, step, by, locations);
    match exec.threads[tid].pending {
        Op::CondBlock { cond, .. } => exec.cond_lost_wakeup(tid, cond, event_at),
        Op::EventWait { event, .. } => exec.event_lost_wakeup(tid, event, event_at),
        _ => None,
    }
}

/// Follows the wait-for edges (each thread waits on at most one other) from
/// every blocked thread; returns the first cycle found, in order.
fn find_cycle(edges: &[Option<Tid>], blocked: &[Tid]) -> Option<Vec<Tid>> {
    for &start in blocked {
        let mut path = vec![start];
        let mut cur = start;
        while let Some(next) = edges[cur] {
            if let Some(pos) = path.iter().position(|&t| t == next) {
                return Some(path[pos..].to_vec());
            }
            path.push(next);
            cur = next;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::find_cycle;

    #[test]
    fn finds_two_cycle() {
        let edges = vec![None, Some(2), Some(1)];
        assert_eq!(find_cycle(&edges, &[1, 2]), Some(vec![1, 2]));
    }

    #[test]
    fn finds_self_loop_and_no_cycle() {
        assert_eq!(find_cycle(&[Some(0)], &[0]), Some(vec![0]));
        assert_eq!(find_cycle(&[None, Some(0)], &[1]), None);
    }
}
