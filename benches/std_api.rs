//! The peers bench's std-API programs (see `peers.rs`): one source,
//! expanded for sim, shuttle and loom.

/// The std-API programs: one source, written against `std::sync` and
/// `std::thread`'s API, expanded once per crate (`sim`, `shuttle`, `loom`)
/// with that crate's `sync` and `thread` modules in place of std's. Each
/// program counts its executions with [`crate::count`].
macro_rules! std_programs {
    ($krate:ident) => {
        use std::collections::VecDeque;

        use $krate::sync::{Arc, Condvar, Mutex};
        use $krate::thread;

        /// `threads` threads each do `*counter.lock().unwrap() += 1`
        /// `times` times (the data in the `Mutex`).
        pub fn mutex_incr(threads: usize, times: usize) {
            crate::count();
            let counter = Arc::new(Mutex::new(0usize));
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    let counter = Arc::clone(&counter);
                    thread::spawn(move || {
                        for _ in 0..times {
                            *counter.lock().unwrap() += 1;
                        }
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
            assert_eq!(*counter.lock().unwrap(), threads * times);
        }

        /// A bounded buffer of capacity 1: a `Mutex<VecDeque>` and two
        /// `Condvar`s.
        struct Buffer {
            queue: Mutex<VecDeque<usize>>,
            not_empty: Condvar,
            not_full: Condvar,
        }

        /// A producer puts 2 items, one at a time, into a [`Buffer`]; 2
        /// consumers take one each (`wait_while` on both sides).
        pub fn bounded_buffer() {
            crate::count();
            const CAPACITY: usize = 1;
            let buffer = Arc::new(Buffer {
                queue: Mutex::new(VecDeque::new()),
                not_empty: Condvar::new(),
                not_full: Condvar::new(),
            });
            let consumers: Vec<_> = (0..2)
                .map(|_| {
                    let buffer = Arc::clone(&buffer);
                    thread::spawn(move || {
                        let queue = buffer.queue.lock().unwrap();
                        let mut queue = buffer
                            .not_empty
                            .wait_while(queue, |q| q.is_empty())
                            .unwrap();
                        let item = queue.pop_front().unwrap();
                        buffer.not_full.notify_one();
                        item
                    })
                })
                .collect();
            for item in 0..2 {
                let queue = buffer.queue.lock().unwrap();
                let mut queue = buffer
                    .not_full
                    .wait_while(queue, |q| q.len() == CAPACITY)
                    .unwrap();
                queue.push_back(item);
                buffer.not_empty.notify_one();
            }
            let mut items: Vec<usize> = consumers.into_iter().map(|h| h.join().unwrap()).collect();
            items.sort_unstable();
            assert_eq!(items, [0, 1]);
        }
    };
}

/// The async program: one source against `std::sync` and shuttle's
/// `future` API (`spawn`, `block_on`, `yield_now`, `JoinHandle` as a
/// future), expanded for `sim` and `shuttle` (loom has no task spawn).
macro_rules! async_programs {
    ($krate:ident) => {
        use $krate::future;
        use $krate::sync::{Arc, Mutex};

        /// `tasks` async tasks each do `*counter.lock().unwrap() += 1`
        /// `times` times, yielding after each; `block_on` awaits them all.
        pub fn mutex_incr(tasks: usize, times: usize) {
            crate::count();
            let counter = Arc::new(Mutex::new(0usize));
            let handles: Vec<_> = (0..tasks)
                .map(|_| {
                    let counter = Arc::clone(&counter);
                    future::spawn(async move {
                        for _ in 0..times {
                            *counter.lock().unwrap() += 1;
                            future::yield_now().await;
                        }
                    })
                })
                .collect();
            future::block_on(async move {
                for h in handles {
                    h.await.unwrap();
                }
            });
            assert_eq!(*counter.lock().unwrap(), tasks * times);
        }
    };
}

pub(crate) mod sim_async {
    async_programs!(sim);
}

pub(crate) mod shuttle_async {
    async_programs!(shuttle);
}

pub(crate) mod sim_std {
    std_programs!(sim);
}

pub(crate) mod shuttle_std {
    std_programs!(shuttle);
}

pub(crate) mod loom_std {
    use loom::sync::{LockResult, MutexGuard};

    /// std's `Condvar::wait_while`, which loom 0.7's `Condvar` lacks, with
    /// std's body (a `wait` loop), so that the std-API source compiles
    /// against loom unchanged.
    trait WaitWhile {
        fn wait_while<'a, T, F>(
            &self,
            guard: MutexGuard<'a, T>,
            condition: F,
        ) -> LockResult<MutexGuard<'a, T>>
        where
            F: FnMut(&mut T) -> bool;
    }

    impl WaitWhile for loom::sync::Condvar {
        fn wait_while<'a, T, F>(
            &self,
            mut guard: MutexGuard<'a, T>,
            mut condition: F,
        ) -> LockResult<MutexGuard<'a, T>>
        where
            F: FnMut(&mut T) -> bool,
        {
            while condition(&mut *guard) {
                guard = self.wait(guard)?;
            }
            Ok(guard)
        }
    }

    std_programs!(loom);
}
