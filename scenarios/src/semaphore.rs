//! In [6]: a writer and a reader hand words over a shared list, one
//! semaphore for each direction.

use std::time::Duration;

use sim::threading::Semaphore;
use sim::Shared;

/// Python's `writer(ws, rs)`.
fn writer(ws: Semaphore, rs: Semaphore, shared_list: Shared<Vec<&'static str>>) {
    sim::println!("Writer thread started ...");
    for word in "Hello world".split(' ') {
        ws.acquire();
        sim::println!("Writer thread prints {word}");
        shared_list.with_mut(|l| l.push(word));
        rs.release();
    }
    rs.release();
}

/// Python's `reader(ws, rs)`: reads until it finds the list empty.
fn reader(ws: Semaphore, rs: Semaphore, shared_list: Shared<Vec<&'static str>>) {
    sim::println!("Reader thread started ...");
    loop {
        rs.acquire();
        let Some(word) = shared_list.with_mut(|l| l.pop()) else {
            break;
        };
        sim::println!("Reader read {word}");
        ws.release();
    }
}

/// In [6]: `write_sem = Semaphore(1)`, `read_sem = Semaphore(0)`,
/// `wr.start(); sleep(2); rd.start()`.
pub fn semaphore() {
    let shared_list: Shared<Vec<&'static str>> = Shared::new(Vec::new());
    let write_sem = Semaphore::new(1);
    let read_sem = Semaphore::new(0);
    let thread = |name: &str| sim::thread::Builder::new().name(name.into());
    let list = shared_list.clone();
    thread("writer")
        .spawn(move || writer(write_sem, read_sem, list))
        .unwrap();
    sim::time::sleep(Duration::from_secs(2));
    thread("reader")
        .spawn(move || reader(write_sem, read_sem, shared_list))
        .unwrap();
}

/// What In [6] printed.
pub const NOTEBOOK_6: &str = "\
Writer thread started ...
Writer thread prints Hello
Reader thread started ...
Reader read Hello
Writer thread prints world
Reader read world
";
