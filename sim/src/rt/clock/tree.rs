//! The clock of a program of more than [`INLINE`] threads: a persistent
//! trie of fan-out [`FAN`] whose nodes are shared (`Rc`) between clocks.
//!
//! Why: the clocks of N threads that synchronise with each other have up to
//! N non-zero entries each, and the runtime keeps one per thread, per lock,
//! per queue item, ... A dense copy each is N² entries (20,000 threads
//! taking one lock in turn: 1.2 GB). But these clocks are copies of each
//! other with a few entries changed: a spawn copies the parent's clock and
//! sets the child's entry, a release copies the thread's clock into the
//! lock, an acquire joins a clock that mostly dominates (or is dominated
//! by) the thread's own. In the trie a copy is one `Rc` clone, a set copies
//! only the path to its entry (`Rc::make_mut`, in place when the path is
//! not shared), and a join shares every subtree that one side dominates
//! (found in O(1) when the two are the same node), so each of those
//! operations adds O(depth) nodes and the memory of N threads is
//! O(N log N) entries. One random execution of
//! `sim/examples/threads_memory.rs` (N threads each take one Mutex, spawned
//! all then joined all) peaks at 24.6 MB for 20,000 threads and 123 MB for
//! 100,000 (dense clocks: 1.17 GB for 20,000).
//!
//! Shape: a leaf holds [`FAN`] entries; a branch at level `l` (leaves are
//! level 0) holds [`FAN`] subtrees of level `l - 1`; `None` is a subtree of
//! zeros. A tree of height `h` (its root at level `h >= 1`) covers entries
//! `0..FAN^(h+1)`; it grows upward when a larger thread id is set, the old
//! root becoming the first subtree of the new one.

use std::rc::Rc;

use super::INLINE;

const BITS: u32 = 4;
/// Entries per leaf and subtrees per branch.
pub(super) const FAN: usize = 1 << BITS;
const MASK: usize = FAN - 1;
const _: () = assert!(FAN == INLINE, "a leaf is an inline clock");

/// [`FAN`] entries.
pub(super) type Leaf = [u32; FAN];

/// A branch: its subtrees.
#[derive(Clone)]
enum Node {
    /// Level 1: leaves.
    Leaves([Option<Rc<Leaf>>; FAN]),
    /// Level 2 and up: branches of the level below.
    Branches([Option<Rc<Node>>; FAN]),
}

impl Node {
    /// A branch of zeros at `level`.
    fn empty(level: u32) -> Node {
        if level == 1 {
            Node::Leaves(Default::default())
        } else {
            Node::Branches(Default::default())
        }
    }
}

/// A clock as a trie (see the module doc).
#[derive(Clone)]
pub(crate) struct Tree {
    /// The root's level (at least 1).
    height: u32,
    root: Rc<Node>,
}

/// Whether `a >= b` and whether `b >= a`, pointwise.
fn leaf_order(a: &Leaf, b: &Leaf) -> (bool, bool) {
    let (mut ge, mut le) = (true, true);
    for (x, y) in a.iter().zip(b) {
        ge &= x >= y;
        le &= x <= y;
    }
    (ge, le)
}

/// The join of two subtrees `a` and `b`: equal to both, `a` (it dominates
/// `b`), `b` (it dominates `a`), or `New`, made of parts of both.
enum Joined<N> {
    Equal,
    A,
    B,
    New(N),
}

fn join_leaf(a: &Rc<Leaf>, b: &Rc<Leaf>) -> Joined<Rc<Leaf>> {
    if Rc::ptr_eq(a, b) {
        return Joined::Equal;
    }
    match leaf_order(a, b) {
        (true, true) => Joined::Equal,
        (true, false) => Joined::A,
        (false, true) => Joined::B,
        (false, false) => {
            let mut m = **a;
            for (x, y) in m.iter_mut().zip(b.iter()) {
                *x = (*x).max(*y);
            }
            Joined::New(Rc::new(m))
        }
    }
}

/// The subtrees of the join of two branches, each pair joined by `join`
/// (`None` is zeros).
fn join_kids<T>(
    a: &[Option<Rc<T>>; FAN],
    b: &[Option<Rc<T>>; FAN],
    join: impl Fn(&Rc<T>, &Rc<T>) -> Joined<Rc<T>>,
) -> Joined<[Option<Rc<T>>; FAN]> {
    let joined: [Joined<Rc<T>>; FAN] = std::array::from_fn(|i| match (&a[i], &b[i]) {
        (None, None) => Joined::Equal,
        (Some(_), None) => Joined::A,
        (None, Some(_)) => Joined::B,
        (Some(x), Some(y)) => join(x, y),
    });
    let is_a = joined
        .iter()
        .all(|j| matches!(j, Joined::Equal | Joined::A));
    let is_b = joined
        .iter()
        .all(|j| matches!(j, Joined::Equal | Joined::B));
    match (is_a, is_b) {
        (true, true) => Joined::Equal,
        (true, false) => Joined::A,
        (false, true) => Joined::B,
        (false, false) => {
            let mut i = 0;
            Joined::New(joined.map(|j| {
                let kid = match j {
                    Joined::Equal | Joined::A => a[i].clone(),
                    Joined::B => b[i].clone(),
                    Joined::New(n) => Some(n),
                };
                i += 1;
                kid
            }))
        }
    }
}

/// The join of two nodes of the same level: each pair of leaves compared
/// once, every subtree that one side dominates shared.
fn join_node(a: &Rc<Node>, b: &Rc<Node>) -> Joined<Rc<Node>> {
    if Rc::ptr_eq(a, b) {
        return Joined::Equal;
    }
    match (&**a, &**b) {
        (Node::Leaves(x), Node::Leaves(y)) => join_kids(x, y, join_leaf).map(Node::Leaves),
        (Node::Branches(x), Node::Branches(y)) => join_kids(x, y, join_node).map(Node::Branches),
        _ => unreachable!("nodes of different levels"),
    }
}

impl<K> Joined<K> {
    /// The join of two branches, from the join of their subtrees.
    fn map(self, node: fn(K) -> Node) -> Joined<Rc<Node>> {
        match self {
            Joined::Equal => Joined::Equal,
            Joined::A => Joined::A,
            Joined::B => Joined::B,
            Joined::New(k) => Joined::New(Rc::new(node(k))),
        }
    }
}

/// `b` under `up` new branches, as their first subtree.
fn lift(b: &Rc<Node>, up: u32) -> Rc<Node> {
    let mut n = b.clone();
    for _ in 0..up {
        let mut kids: [Option<Rc<Node>>; FAN] = Default::default();
        kids[0] = Some(n);
        n = Rc::new(Node::Branches(kids));
    }
    n
}

/// The join of `a` and a tree `b` whose root is `down` levels below `a`'s
/// (it covers the part of `a` along its first subtrees); `None`: `a`.
fn join_below(a: &Rc<Node>, down: u32, b: &Rc<Node>) -> Option<Rc<Node>> {
    if down == 0 {
        return match join_node(a, b) {
            Joined::Equal | Joined::A => None,
            Joined::B => Some(b.clone()),
            Joined::New(n) => Some(n),
        };
    }
    let Node::Branches(k) = &**a else {
        unreachable!("a leaves node above another node")
    };
    let first = match &k[0] {
        None => lift(b, down - 1),
        Some(c) => join_below(c, down - 1, b)?,
    };
    let mut kids = k.clone();
    kids[0] = Some(first);
    Some(Rc::new(Node::Branches(kids)))
}

impl Tree {
    /// A tree holding `low` as entries `0..FAN`.
    pub(super) fn from_low(low: &Leaf) -> Tree {
        let mut kids: [Option<Rc<Leaf>>; FAN] = Default::default();
        kids[0] = Some(Rc::new(*low));
        Tree {
            height: 1,
            root: Rc::new(Node::Leaves(kids)),
        }
    }

    /// The entries the tree covers.
    fn capacity(height: u32) -> usize {
        1usize
            .checked_shl(BITS * (height + 1))
            .unwrap_or(usize::MAX)
    }

    /// Raises the root to `height`.
    fn grow_to(&mut self, height: u32) {
        if self.height < height {
            self.root = lift(&self.root, height - self.height);
            self.height = height;
        }
    }

    /// Entry `t`.
    pub(super) fn get(&self, t: usize) -> u32 {
        if t >= Tree::capacity(self.height) {
            return 0;
        }
        let mut node = &*self.root;
        let mut level = self.height;
        loop {
            let i = (t >> (BITS * level)) & MASK;
            match node {
                Node::Branches(k) => match &k[i] {
                    Some(n) => node = &**n,
                    None => return 0,
                },
                Node::Leaves(k) => return k[i].as_ref().map_or(0, |l| l[t & MASK]),
            }
            level -= 1;
        }
    }

    /// Sets entry `t`, copying the nodes on its path that other clocks
    /// share.
    pub(super) fn set(&mut self, t: usize, v: u32) {
        let mut height = self.height;
        while t >= Tree::capacity(height) {
            height += 1;
        }
        self.grow_to(height);
        let mut node = Rc::make_mut(&mut self.root);
        let mut level = self.height;
        loop {
            let i = (t >> (BITS * level)) & MASK;
            match node {
                Node::Branches(k) => {
                    let child = k[i].get_or_insert_with(|| Rc::new(Node::empty(level - 1)));
                    node = Rc::make_mut(child);
                }
                Node::Leaves(k) => {
                    let leaf = k[i].get_or_insert_with(|| Rc::new([0; FAN]));
                    Rc::make_mut(leaf)[t & MASK] = v;
                    return;
                }
            }
            level -= 1;
        }
    }

    /// Pointwise maximum with `other`.
    pub(super) fn join(&mut self, other: &Tree) {
        self.grow_to(other.height);
        if let Some(root) = join_below(&self.root, self.height - other.height, &other.root) {
            self.root = root;
        }
    }

    /// Pointwise maximum with `low` as entries `0..FAN` (an inline clock);
    /// nothing is copied when the tree already dominates it.
    pub(super) fn join_low(&mut self, low: &Leaf) {
        let mut node = &*self.root;
        let covered = loop {
            match node {
                Node::Branches(k) => match &k[0] {
                    Some(n) => node = &**n,
                    None => break low.iter().all(|&x| x == 0),
                },
                Node::Leaves(k) => {
                    break match &k[0] {
                        Some(l) => leaf_order(l, low).0,
                        None => low.iter().all(|&x| x == 0),
                    }
                }
            }
        };
        if covered {
            return;
        }
        let mut node = Rc::make_mut(&mut self.root);
        let mut level = self.height;
        loop {
            match node {
                Node::Branches(k) => {
                    let child = k[0].get_or_insert_with(|| Rc::new(Node::empty(level - 1)));
                    node = Rc::make_mut(child);
                }
                Node::Leaves(k) => {
                    let leaf = k[0].get_or_insert_with(|| Rc::new([0; FAN]));
                    for (x, y) in Rc::make_mut(leaf).iter_mut().zip(low) {
                        *x = (*x).max(*y);
                    }
                    return;
                }
            }
            level -= 1;
        }
    }

    /// The entries, up to the last non-zero one.
    pub(super) fn entries(&self) -> Vec<u32> {
        fn walk(node: &Node, base: usize, level: u32, out: &mut Vec<u32>) {
            let span = 1usize << (BITS * level);
            match node {
                Node::Branches(k) => {
                    for (i, c) in k.iter().enumerate() {
                        if let Some(c) = c {
                            walk(c, base + i * span, level - 1, out);
                        }
                    }
                }
                Node::Leaves(k) => {
                    for (i, l) in k.iter().enumerate() {
                        let Some(l) = l else { continue };
                        for (j, &x) in l.iter().enumerate() {
                            if x != 0 {
                                let t = base + i * span + j;
                                out.resize(t, 0);
                                out.push(x);
                            }
                        }
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.root, 0, self.height, &mut out);
        out
    }

    /// The number of entries up to the last non-zero one.
    pub(super) fn len(&self) -> usize {
        fn last(node: &Node, base: usize, level: u32) -> Option<usize> {
            let span = 1usize << (BITS * level);
            match node {
                Node::Branches(k) => k.iter().enumerate().rev().find_map(|(i, c)| {
                    c.as_ref().and_then(|c| last(c, base + i * span, level - 1))
                }),
                Node::Leaves(k) => k.iter().enumerate().rev().find_map(|(i, l)| {
                    let l = l.as_ref()?;
                    let j = l.iter().rposition(|&x| x != 0)?;
                    Some(base + i * span + j)
                }),
            }
        }
        last(&self.root, 0, self.height).map_or(0, |t| t + 1)
    }

    /// The heap bytes of the nodes not yet in `seen` (their addresses),
    /// which it adds: the memory of a set of clocks, shared nodes once.
    #[cfg(test)]
    pub(super) fn heap_bytes(&self, seen: &mut std::collections::HashSet<usize>) -> usize {
        // An Rc allocation: the two counts, then the value.
        fn rc_bytes<T>() -> usize {
            2 * std::mem::size_of::<usize>() + std::mem::size_of::<T>()
        }
        fn walk(node: &Rc<Node>, seen: &mut std::collections::HashSet<usize>) -> usize {
            if !seen.insert(Rc::as_ptr(node) as usize) {
                return 0;
            }
            let kids = match &**node {
                Node::Branches(k) => k.iter().flatten().map(|c| walk(c, seen)).sum(),
                Node::Leaves(k) => {
                    (k.iter().flatten())
                        .filter(|l| seen.insert(Rc::as_ptr(l) as usize))
                        .count()
                        * rc_bytes::<Leaf>()
                }
            };
            rc_bytes::<Node>() + kids
        }
        walk(&self.root, seen)
    }
}
