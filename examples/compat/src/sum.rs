//! A parallel sum over scoped threads: each thread sums one chunk of a
//! borrowed slice.
//!
//! ```
//! let data: Vec<u64> = (1..=100).collect();
//! assert_eq!(compat::sum::parallel_sum(&data, 4), 5050);
//! ```

use crate::thread;

/// The sum of `data`, computed by `threads` (at least 1) scoped threads.
pub fn parallel_sum(data: &[u64], threads: usize) -> u64 {
    let chunk = data.len().div_ceil(threads.max(1)).max(1);
    thread::scope(|s| {
        let handles: Vec<_> = data
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().sum::<u64>()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}
