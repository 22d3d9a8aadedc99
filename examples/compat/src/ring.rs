//! A single-producer single-consumer ring buffer: two atomic indices and
//! `UnsafeCell` slots.
//!
//! The producer writes a slot, then publishes it with a Release store of
//! `tail`; the consumer's Acquire load of `tail` makes the write visible
//! before it reads the slot. Symmetrically, `head` hands a slot back.
//!
//! ```
//! let (mut tx, mut rx) = compat::ring::channel(2);
//! tx.push(1).unwrap();
//! tx.push(2).unwrap();
//! assert_eq!(tx.push(3), Err(3)); // full
//! assert_eq!(rx.pop(), Some(1));
//! ```

use std::mem::MaybeUninit;

use crate::cell::UnsafeCell;
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::Arc;

struct Ring<T> {
    slots: Box<[UnsafeCell<MaybeUninit<T>>]>,
    /// The next index the consumer reads (it only grows).
    head: AtomicUsize,
    /// The next index the producer writes (it only grows).
    tail: AtomicUsize,
}

// SAFETY: a slot is accessed by one side at a time: the producer owns the
// slots in `tail..head + capacity`, the consumer those in `head..tail`, and
// the Release/Acquire index updates hand a slot from one to the other.
unsafe impl<T: Send> Sync for Ring<T> {}
// SAFETY: the ring owns its items; sending it sends them.
unsafe impl<T: Send> Send for Ring<T> {}

/// The writing end of a ring made by [`channel`].
pub struct Producer<T> {
    ring: Arc<Ring<T>>,
}

/// The reading end of a ring made by [`channel`].
pub struct Consumer<T> {
    ring: Arc<Ring<T>>,
}

impl<T> std::fmt::Debug for Producer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Producer")
    }
}

impl<T> std::fmt::Debug for Consumer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Consumer")
    }
}

/// A ring of `capacity` (at least 1) slots and its two ends.
pub fn channel<T>(capacity: usize) -> (Producer<T>, Consumer<T>) {
    assert!(capacity >= 1, "a ring has at least one slot");
    let ring = Arc::new(Ring {
        slots: (0..capacity)
            .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
            .collect(),
        head: AtomicUsize::new(0),
        tail: AtomicUsize::new(0),
    });
    (Producer { ring: ring.clone() }, Consumer { ring })
}

impl<T> Producer<T> {
    /// Appends `item`, or gives it back if the ring is full.
    pub fn push(&mut self, item: T) -> Result<(), T> {
        let ring = &*self.ring;
        let tail = ring.tail.load(Ordering::Relaxed); // only we write it
        let head = ring.head.load(Ordering::Acquire);
        if tail - head == ring.slots.len() {
            return Err(item);
        }
        let slot = &ring.slots[tail % ring.slots.len()];
        // SAFETY: the slot is the producer's (see `Ring`'s Sync impl).
        slot.with_mut(|p| unsafe { (*p).write(item) });
        ring.tail.store(tail + 1, Ordering::Release);
        Ok(())
    }
}

impl<T> Consumer<T> {
    /// Removes the oldest item, if any.
    pub fn pop(&mut self) -> Option<T> {
        let ring = &*self.ring;
        let head = ring.head.load(Ordering::Relaxed); // only we write it
        let tail = ring.tail.load(Ordering::Acquire);
        if head == tail {
            return None;
        }
        let slot = &ring.slots[head % ring.slots.len()];
        // SAFETY: the slot is the consumer's and was initialised by the push
        // that the Acquire load of `tail` synchronised with.
        let item = slot.with(|p| unsafe { (*p).assume_init_read() });
        ring.head.store(head + 1, Ordering::Release);
        Some(item)
    }
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Relaxed);
        for i in head..tail {
            let slot = &self.slots[i % self.slots.len()];
            // SAFETY: `head..tail` are the initialised slots, and `&mut self`
            // means no end is left.
            slot.with_mut(|p| unsafe { (*p).assume_init_drop() });
        }
    }
}
