//! The happens-before graph of a trace, as a `petgraph` graph.

use petgraph::algo::tred::{dag_to_toposorted_adjacency_list, dag_transitive_reduction_closure};
use petgraph::graph::{DiGraph, NodeIndex};

use super::{EdgeKind, Trace};

/// A happens-before graph: node `i` is [`Trace::events`]`[i]` (its weight
/// is the event's step), so node order is step order; edge weights say why
/// one event happens before the other. [`EdgeKind::Race`] edges join racing
/// accesses, which nothing orders.
///
/// ```
/// let trace = sim::Builder::new()
///     .trace(|| sim::thread::spawn(|| sim::println!("child")).join().unwrap(), "1")
///     .unwrap();
/// let g: sim::HbGraph = trace.happens_before();
/// assert_eq!(g.node_count(), trace.events.len());
/// ```
pub type HbGraph = DiGraph<u64, EdgeKind>;

/// Above this many events the transitive reduction (quadratic memory in
/// the worst case) is skipped and the full graph is drawn.
pub(crate) const MAX_REDUCED_EVENTS: usize = 20_000;

impl Trace {
    /// The full happens-before graph: program order between consecutive
    /// events of each thread, then every recorded edge of
    /// [`Trace::edges`] (spawn, join, lock, ..., race).
    ///
    /// ```
    /// use sim::EdgeKind;
    /// let trace = sim::Builder::new()
    ///     .trace(|| sim::thread::spawn(|| sim::println!("child")).join().unwrap(), "1")
    ///     .unwrap();
    /// let g = trace.happens_before();
    /// let kinds: Vec<EdgeKind> = g.edge_weights().copied().collect();
    /// assert!(kinds.contains(&EdgeKind::ProgramOrder));
    /// assert!(kinds.contains(&EdgeKind::Spawn) && kinds.contains(&EdgeKind::Join));
    /// ```
    pub fn happens_before(&self) -> HbGraph {
        let mut g = HbGraph::with_capacity(self.events.len(), self.events.len() + self.edges.len());
        for ev in &self.events {
            g.add_node(ev.step);
        }
        let mut last: Vec<Option<usize>> = vec![None; self.threads.len()];
        for (i, ev) in self.events.iter().enumerate() {
            if let Some(p) = last[ev.thread] {
                g.add_edge(NodeIndex::new(p), NodeIndex::new(i), EdgeKind::ProgramOrder);
            }
            last[ev.thread] = Some(i);
        }
        for edge in &self.edges {
            if let (Some(a), Some(b)) = (self.event_index(edge.from), self.event_index(edge.to)) {
                g.add_edge(NodeIndex::new(a), NodeIndex::new(b), edge.kind);
            }
        }
        g
    }

    /// The happens-before graph with the synchronisation edges that other
    /// paths imply removed (`petgraph`'s transitive reduction), which keeps
    /// a many-thread trace readable. Program-order edges are all kept (they
    /// draw each thread as a chain) and so are race edges; a synchronisation
    /// edge within one thread (a lock released and re-taken by the same
    /// thread) is implied by program order and dropped; reachability is
    /// that of [`Trace::happens_before`]. Traces of more than 20,000 events
    /// are returned unreduced.
    ///
    /// ```
    /// use sim::threading::Lock;
    /// // Three critical sections on one lock: the release of the first
    /// // orders the third through the second, so no edge skips one.
    /// let trace = sim::Builder::new().trace(|| {
    ///     let lock = Lock::new();
    ///     let t = sim::thread::spawn(move || drop(lock.lock()));
    ///     drop(lock.lock());
    ///     drop(lock.lock());
    ///     t.join().unwrap();
    /// }, "5").unwrap();
    /// let full = trace.happens_before();
    /// let reduced = trace.happens_before_reduced();
    /// assert!(reduced.edge_count() <= full.edge_count());
    /// assert_eq!(reduced.node_count(), full.node_count());
    /// ```
    pub fn happens_before_reduced(&self) -> HbGraph {
        let full = self.happens_before();
        if self.events.len() > MAX_REDUCED_EVENTS {
            return full;
        }
        // The order relation alone (no race edges); every edge goes forward
        // in step order, so node order is a topological order.
        let mut order = DiGraph::<(), ()>::with_capacity(full.node_count(), full.edge_count());
        for _ in full.node_indices() {
            order.add_node(());
        }
        for e in full.edge_indices() {
            let (a, b) = full.edge_endpoints(e).expect("edge exists");
            if full[e] != EdgeKind::Race && a < b {
                order.update_edge(a, b, ());
            }
        }
        let topo: Vec<NodeIndex> = order.node_indices().collect();
        let (list, revmap) = dag_to_toposorted_adjacency_list::<_, u32>(&order, &topo);
        let (tred, _closure) = dag_transitive_reduction_closure(&list);
        let mut g = HbGraph::with_capacity(full.node_count(), tred.edge_count());
        for n in full.node_indices() {
            g.add_node(full[n]);
        }
        for e in full.edge_indices() {
            let (a, b) = full.edge_endpoints(e).expect("edge exists");
            let kind = full[e];
            let keep = match kind {
                EdgeKind::ProgramOrder | EdgeKind::Race => true,
                _ => {
                    // An edge within one thread is implied by program order.
                    let same_thread =
                        self.events[a.index()].thread == self.events[b.index()].thread;
                    let (ra, rb) = (revmap[a.index()], revmap[b.index()]);
                    !same_thread && a < b && tred.find_edge(ra, rb).is_some()
                }
            };
            if keep {
                g.add_edge(a, b, kind);
            }
        }
        g
    }
}
