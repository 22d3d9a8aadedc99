//! The notebook's multiprocessing half: "separate memory space", "IPC ...
//! with more overhead", "child processes are interruptible/killable".

use sim::multiprocessing::{self, Lock, Queue};
use sim::Shared;

/// The range the pool sums.
pub const POOL_RANGE: u64 = 1_000_000;

/// A CPU-bound pool: four processes each sum a quarter of `0..1_000_000`
/// and send the partial sum over a `multiprocessing.Queue`; the parent adds
/// them up (in whatever order they arrive) and joins the workers.
///
/// ```python
/// def worker(lo, hi, q):
///     q.put(sum(range(lo, hi)))
///
/// q = Queue()
/// procs = [Process(target=worker, args=(i * N // 4, (i + 1) * N // 4, q)) for i in range(4)]
/// for p in procs: p.start()
/// total = sum(q.get() for _ in procs)
/// for p in procs: p.join()
/// print("total =", total)
/// ```
pub fn process_pool_sum() {
    let q = Queue::new(0);
    let workers: Vec<_> = (0..4)
        .map(|i| {
            let q = q.clone();
            let (lo, hi) = (i * POOL_RANGE / 4, (i + 1) * POOL_RANGE / 4);
            multiprocessing::spawn(move || q.put((lo..hi).sum::<u64>()))
        })
        .collect();
    let total: u64 = (0..workers.len()).map(|_| q.get()).sum();
    for p in &workers {
        p.join();
    }
    sim::println!("total = {total}");
}

/// The classic multiprocessing surprise: three children increment a global
/// counter, each in its own copy of the parent's memory; the parent still
/// sees 0.
///
/// ```python
/// counter = 0
/// def inc():
///     global counter
///     counter += 1
///     print(current_process().name, "counter =", counter)
///
/// procs = [Process(target=inc) for _ in range(3)]
/// for p in procs: p.start()
/// for p in procs: p.join()
/// print("parent: counter =", counter)
/// ```
pub fn process_global_counter() {
    let counter = Shared::new(0);
    let children: Vec<_> = (0..3)
        .map(|_| {
            let counter = counter.clone();
            multiprocessing::spawn(move || {
                counter.set(counter.get() + 1);
                sim::println!(
                    "{} counter = {}",
                    multiprocessing::current().name(),
                    counter.get()
                );
            })
        })
        .collect();
    for p in &children {
        p.join();
    }
    sim::println!("parent: counter = {}", counter.get());
}

/// A child takes a `multiprocessing.Lock` to do some work, then releases
/// it; the parent joins the child and takes the lock. If the child is
/// killed while it holds the lock (explored with `Faults::Kill`), the lock
/// is never released and the parent blocks forever.
///
/// ```python
/// def work(lock):
///     with lock:
///         print("child: working")
///
/// lock = Lock()
/// p = Process(target=work, args=(lock,))
/// p.start()
/// p.join()
/// with lock:
///     print("parent: exit code", p.exitcode)
/// ```
pub fn process_kill_lock() {
    let lock = Lock::new();
    let p = multiprocessing::spawn(move || {
        let _g = lock.lock();
        sim::println!("child: working");
    });
    p.join();
    let _g = lock.lock();
    sim::println!("parent: exit code {:?}", p.exitcode());
}

/// Ping-pong over a duplex `multiprocessing.Pipe()`: the parent sends
/// "ping" three times, the child answers each with "pong".
///
/// ```python
/// def child(conn):
///     for _ in range(3):
///         print("child got", conn.recv())
///         conn.send("pong")
///
/// parent_conn, child_conn = Pipe()
/// p = Process(target=child, args=(child_conn,))
/// p.start()
/// for _ in range(3):
///     parent_conn.send("ping")
///     print("parent got", parent_conn.recv())
/// p.join()
/// ```
pub fn pipe_ping_pong() {
    let (parent_conn, child_conn) = multiprocessing::pipe();
    let p = multiprocessing::spawn(move || {
        for _ in 0..3 {
            sim::println!("child got {}", child_conn.recv());
            child_conn.send("pong");
        }
    });
    for _ in 0..3 {
        parent_conn.send("ping");
        sim::println!("parent got {}", parent_conn.recv());
    }
    p.join();
}
