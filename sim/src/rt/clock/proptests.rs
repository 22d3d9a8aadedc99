//! The clocks against a dense model: random sets, ticks, joins, copies and
//! clones over a few clocks that share nodes, with thread ids inline, in
//! the first leaves and in trees three levels high.

use proptest::prelude::*;

use super::VectorClock;

#[derive(Debug, Clone)]
enum ClockOp {
    Set(usize, usize, u32),
    Tick(usize, usize),
    Join(usize, usize),
    Copy(usize, usize),
    Clone(usize, usize),
}

const CLOCKS: usize = 4;

fn tid() -> impl Strategy<Value = usize> {
    prop_oneof![0..16usize, 16..64usize, 0..5000usize]
}

fn op() -> impl Strategy<Value = ClockOp> {
    let c = 0..CLOCKS;
    prop_oneof![
        (c.clone(), tid(), 0..20u32).prop_map(|(i, t, v)| ClockOp::Set(i, t, v)),
        (c.clone(), tid()).prop_map(|(i, t)| ClockOp::Tick(i, t)),
        (c.clone(), c.clone()).prop_map(|(i, j)| ClockOp::Join(i, j)),
        (c.clone(), c.clone()).prop_map(|(i, j)| ClockOp::Copy(i, j)),
        (c.clone(), c).prop_map(|(i, j)| ClockOp::Clone(i, j)),
    ]
}

/// The dense model: entry `t` at index `t`.
fn get(m: &[u32], t: usize) -> u32 {
    m.get(t).copied().unwrap_or(0)
}

fn set(m: &mut Vec<u32>, t: usize, v: u32) {
    if m.len() <= t {
        m.resize(t + 1, 0);
    }
    m[t] = v;
}

fn trimmed(m: &[u32]) -> Vec<u32> {
    let len = m.iter().rposition(|&e| e != 0).map_or(0, |i| i + 1);
    m[..len].to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn clocks_agree_with_dense_vectors(ops in prop::collection::vec(op(), 1..60)) {
        let mut clocks: Vec<VectorClock> = vec![VectorClock::new(); CLOCKS];
        let mut model: Vec<Vec<u32>> = vec![Vec::new(); CLOCKS];
        let mut probes = vec![0, 15, 16, 255, 256, 4095, 4096, 4999, 1 << 20];
        for op in ops {
            match op {
                ClockOp::Set(i, t, v) => {
                    clocks[i].set(t, v);
                    set(&mut model[i], t, v);
                    probes.push(t);
                }
                ClockOp::Tick(i, t) => {
                    clocks[i].tick(t);
                    let v = get(&model[i], t) + 1;
                    set(&mut model[i], t, v);
                    probes.push(t);
                }
                ClockOp::Join(i, j) => {
                    let other = clocks[j].clone();
                    clocks[i].join(&other);
                    let other = model[j].clone();
                    for (t, &v) in other.iter().enumerate() {
                        let v = v.max(get(&model[i], t));
                        set(&mut model[i], t, v);
                    }
                }
                ClockOp::Copy(i, j) => {
                    let other = clocks[j].clone();
                    clocks[i].copy_from(&other);
                    model[i] = model[j].clone();
                }
                ClockOp::Clone(i, j) => {
                    clocks[i] = clocks[j].clone();
                    model[i] = model[j].clone();
                }
            }
            for (c, m) in clocks.iter().zip(&model) {
                for &t in &probes {
                    prop_assert_eq!(c.get(t), get(m, t), "entry {}", t);
                }
                prop_assert_eq!(c.entries(), trimmed(m));
                prop_assert_eq!(c.len(), trimmed(m).len());
            }
        }
    }
}
