//! The peers bench's programs on sim's Python-named primitives (`ours`)
//! and their loom and shuttle counterparts (one source for both peers).

pub(crate) mod ours {
    use std::cell::Cell;
    use std::rc::Rc;

    use sim::threading::Lock;
    use sim::Shared;

    /// Where a program keeps the value its threads share: a `Shared`,
    /// whose every read and write is a scheduling point and is
    /// race-checked, or a plain `Cell`, whose accesses are neither, as
    /// shuttle's `Mutex` keeps its data (so that a locked increment is two
    /// steps, acquire and release, as in shuttle, instead of four).
    pub trait Slot<T>: Clone + 'static {
        fn new(value: T) -> Self;
        fn get(&self) -> T;
        fn set(&self, value: T);
    }

    impl<T: Clone + 'static> Slot<T> for Shared<T> {
        fn new(value: T) -> Self {
            Shared::new(value)
        }
        fn get(&self) -> T {
            Shared::get(self)
        }
        fn set(&self, value: T) {
            Shared::set(self, value)
        }
    }

    impl<T: Copy + 'static> Slot<T> for Rc<Cell<T>> {
        fn new(value: T) -> Self {
            Rc::new(Cell::new(value))
        }
        fn get(&self) -> T {
            Cell::get(self)
        }
        fn set(&self, value: T) {
            Cell::set(self, value)
        }
    }

    /// The counter in a `Shared`.
    pub type SharedSlot = Shared<usize>;
    /// The counter in a plain `Cell`.
    pub type CellSlot = Rc<Cell<usize>>;

    /// `threads` threads each take a Lock `times` times and increment a
    /// counter kept in `S`.
    pub fn lock_incr<S: Slot<usize>>(
        threads: usize,
        times: usize,
    ) -> impl Fn() + Send + Sync + 'static {
        move || {
            let lock = Lock::new();
            let x = S::new(0);
            let hs: Vec<_> = (0..threads)
                .map(|_| {
                    let x = x.clone();
                    sim::thread::spawn(move || {
                        for _ in 0..times {
                            let _g = lock.lock();
                            x.set(x.get() + 1);
                        }
                    })
                })
                .collect();
            for h in hs {
                h.join().unwrap();
            }
            assert_eq!(x.get(), threads * times);
        }
    }

    /// Two threads do `x = x + 1` (read, then write) with no lock.
    pub fn racy_counter() {
        let x = Shared::new(0usize);
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let x = x.clone();
                sim::thread::spawn(move || {
                    let v = x.get();
                    x.set(v + 1);
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(x.get(), 2, "lost update");
    }

    /// A producer sets a flag (kept in `S`) under a Condition's lock and
    /// notifies all; two consumers wait for it (correct: the wait re-checks
    /// the flag).
    pub fn condvar_producer<S: Slot<bool>>() {
        let cv = sim::threading::Condition::new();
        let ready = S::new(false);
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let ready = ready.clone();
                sim::thread::spawn(move || {
                    let _g = cv.lock();
                    while !ready.get() {
                        cv.wait();
                    }
                })
            })
            .collect();
        {
            let _g = cv.lock();
            ready.set(true);
            cv.notify_all();
        }
        for h in hs {
            h.join().unwrap();
        }
    }

    /// Three philosophers, each takes the left fork then the right one.
    pub fn philosophers() {
        let forks: Vec<Lock> = (0..3).map(|_| Lock::new()).collect();
        let hs: Vec<_> = (0..3)
            .map(|i| {
                let (l, r) = (forks[i], forks[(i + 1) % 3]);
                sim::thread::spawn(move || {
                    let _a = l.lock();
                    let _b = r.lock();
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
    }
}

/// The peers' side of each scenario, written once for both peers: loom
/// and shuttle have the same `sync` and `thread` APIs, so the one text
/// expands in `loom_side` with loom's types and in `shuttle_side` with
/// shuttle's. Each program counts its executions with [`crate::count`].
macro_rules! peer_programs {
    ($peer:ident) => {
        use $peer::sync::atomic::{AtomicUsize, Ordering};
        use $peer::sync::{Arc, Condvar, Mutex};

        pub fn lock_incr(threads: usize, times: usize) {
            crate::count();
            let x = Arc::new(Mutex::new(0usize));
            let hs: Vec<_> = (0..threads)
                .map(|_| {
                    let x = x.clone();
                    $peer::thread::spawn(move || {
                        for _ in 0..times {
                            *x.lock().unwrap() += 1;
                        }
                    })
                })
                .collect();
            for h in hs {
                h.join().unwrap();
            }
            assert_eq!(*x.lock().unwrap(), threads * times);
        }

        pub fn racy_counter() {
            crate::count();
            let x = Arc::new(AtomicUsize::new(0));
            let hs: Vec<_> = (0..2)
                .map(|_| {
                    let x = x.clone();
                    $peer::thread::spawn(move || {
                        let v = x.load(Ordering::SeqCst);
                        x.store(v + 1, Ordering::SeqCst);
                    })
                })
                .collect();
            for h in hs {
                h.join().unwrap();
            }
            assert_eq!(x.load(Ordering::SeqCst), 2, "lost update");
        }

        pub fn condvar_producer() {
            crate::count();
            let pair = Arc::new((Mutex::new(false), Condvar::new()));
            let hs: Vec<_> = (0..2)
                .map(|_| {
                    let pair = pair.clone();
                    $peer::thread::spawn(move || {
                        let (m, cv) = &*pair;
                        let mut ready = m.lock().unwrap();
                        while !*ready {
                            ready = cv.wait(ready).unwrap();
                        }
                    })
                })
                .collect();
            {
                let (m, cv) = &*pair;
                *m.lock().unwrap() = true;
                cv.notify_all();
            }
            for h in hs {
                h.join().unwrap();
            }
        }

        pub fn philosophers() {
            crate::count();
            let forks: Vec<Arc<Mutex<()>>> = (0..3).map(|_| Arc::new(Mutex::new(()))).collect();
            let hs: Vec<_> = (0..3)
                .map(|i| {
                    let (l, r) = (forks[i].clone(), forks[(i + 1) % 3].clone());
                    $peer::thread::spawn(move || {
                        let _a = l.lock().unwrap();
                        let _b = r.lock().unwrap();
                    })
                })
                .collect();
            for h in hs {
                h.join().unwrap();
            }
        }
    };
}

pub(crate) mod loom_side {
    peer_programs!(loom);
}

pub(crate) mod shuttle_side {
    peer_programs!(shuttle);
}
