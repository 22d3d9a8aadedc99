//! Deadlock reports: every blocked thread, what it waits for, who holds it,
//! and the wait-for cycle when there is one.

use std::fmt::Write;

use super::op::{Op, Tid};
use super::{Exec, Life};

/// What blocked thread `tid` waits for, and the thread it waits on (if one).
fn waits_for(exec: &Exec, tid: Tid) -> (String, Option<Tid>) {
    let op = exec.threads[tid].pending;
    match op {
        Op::Join { target } => {
            let t = &exec.threads[target];
            (format!("join of {}", t.name), Some(target))
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

/// Builds the report for a deadlock in `exec`.
pub(super) fn report(exec: &Exec) -> String {
    let blocked: Vec<Tid> = (0..exec.threads.len())
        .filter(|&t| exec.threads[t].life != Life::Finished)
        .collect();
    let mut msg = String::from("deadlock: no thread can run and no timeout is pending\n");
    let mut edges: Vec<Option<Tid>> = vec![None; exec.threads.len()];
    for &tid in &blocked {
        let t = &exec.threads[tid];
        let (what, holder) = waits_for(exec, tid);
        edges[tid] = holder;
        let _ = write!(msg, "  {} is blocked in {} at {}", t.name, what, t.location);
        match holder {
            Some(h) if exec.threads[h].life == Life::Finished => {
                let _ = write!(
                    msg,
                    "; held by {} (which has finished)",
                    exec.threads[h].name
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
