//! fork() from a process whose other threads are using a shared persistent
//! pool (pcntl_fork() under ZTS PHP): the child's pool starts clean and no
//! lock of the pool or of the registry is inherited held, and no half-done
//! push or pop of the lock-free idle queue. The child never touches its
//! parent's pool state or registry: each is per process generation
//! (pool.rs `Gen`, registry.rs), made afresh in the child. Without that, a
//! child hung in its first call on a lock held by a thread that does not
//! exist in it (1 fork in 12 in the threaded PHP stress run), or spun on
//! the queue (1 fork in 2,000 with 16 threads on a pool of 1).
//!
//! Run: `cargo build --release -p tagcache-server && cargo test --test fork_threads`.

mod common;

use common::Server;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use tagcache::client::config::{Options, Persistent};
use tagcache::client::protocol::{Command, Reply};
use tagcache::client::Client;

fn opts(port: u16) -> Options {
    Options {
        port,
        // Few connections, many threads: the state lock is always busy.
        pool_size: 1,
        persistent: Persistent::Id("fork-threads".into()),
        ..Default::default()
    }
}

fn get(c: &Client, key: &str) -> Option<Vec<u8>> {
    match c.command(&Command::Get(key.into())) {
        Ok(Reply::Value(v)) => v,
        other => panic!("GET {key}: {other:?}"),
    }
}

/// In the child: what went wrong, as an exit code (0: nothing).
fn child_checks(port: u16, parents: &Client) -> i32 {
    // A fresh handle on the same persistent pool, and the parent's handle.
    let fresh = Client::new(opts(port));
    let s = fresh.pool_stats();
    if s.open != 0 || s.idle != 0 || s.busy != 0 {
        return 3;
    }
    let put = Command::Put {
        key: "fork-threads:child".into(),
        value: b"child".to_vec(),
        tags: vec![],
        ttl: None,
    };
    if !matches!(parents.command(&put), Ok(Reply::Stored)) {
        return 4;
    }
    if get(&fresh, "fork-threads:child").as_deref() != Some(&b"child"[..]) {
        return 5;
    }
    let s = fresh.pool_stats();
    if s.busy != 0 || s.open != s.idle || s.open == 0 || s.open > s.size {
        return 6;
    }
    0
}

/// Workers that take the pool's state lock and the registry lock all the
/// time, and never touch the idle queue.
fn lock_worker(c: Client, port: u16, stop: Arc<AtomicBool>) -> u64 {
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let s = c.pool_stats();
        assert!(s.open <= s.size, "{s:?}");
        // Another handle on the same persistent pool: the registry lock.
        drop(Client::new(opts(port)));
        n += 1;
    }
    n
}

/// Workers that make calls: every lock and the idle queue.
fn call_worker(c: Client, t: usize, stop: Arc<AtomicBool>) -> u64 {
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let k = format!("fork-threads:w{t}:{}", n % 50);
        let put = Command::Put {
            key: k.clone(),
            value: n.to_string().into_bytes(),
            tags: vec![],
            ttl: None,
        };
        assert!(matches!(c.command(&put), Ok(Reply::Stored)));
        assert_eq!(get(&c, &k), Some(n.to_string().into_bytes()));
        if n.is_multiple_of(97) {
            c.close();
        }
        n += 1;
    }
    n
}

#[test]
fn fork_while_threads_hold_the_pool_locks() {
    fork_under_load(100, |c, port, _t, stop| lock_worker(c, port, stop));
}

#[test]
fn fork_while_threads_make_calls() {
    fork_under_load(400, |c, _port, t, stop| call_worker(c, t, stop));
}

fn fork_under_load(forks: u64, work: fn(Client, u16, usize, Arc<AtomicBool>) -> u64) {
    let srv = Server::start();
    let port = srv.port;
    let client = Client::new(opts(port));
    assert_eq!(get(&client, "fork-threads:none"), None);
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..16)
        .map(|t| {
            let (c, stop) = (client.clone(), stop.clone());
            thread::spawn(move || work(c, port, t, stop))
        })
        .collect();

    let mut hung = 0;
    let mut failed = Vec::new();
    for i in 0..forks {
        thread::sleep(Duration::from_micros(300 + (i * 137) % 2000));
        // SAFETY: the child only runs our client code and leaves with _exit.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            let code = child_checks(port, &client);
            // SAFETY: _exit is the way out of a forked child of a threaded
            // process.
            unsafe { libc::_exit(code) };
        }
        let end = Instant::now() + Duration::from_secs(3);
        let mut status = 0;
        loop {
            // SAFETY: waits for the child just made, without blocking.
            let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
            if r == pid {
                break;
            }
            if Instant::now() > end {
                // SAFETY: kills and reaps our own hung child.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                    libc::waitpid(pid, &mut status, 0);
                }
                hung += 1;
                status = -1;
                break;
            }
            thread::sleep(Duration::from_millis(2));
        }
        if status != -1 && !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
            failed.push((i, status));
        }
    }
    stop.store(true, Ordering::Relaxed);
    let ops: u64 = workers.into_iter().map(|w| w.join().unwrap()).sum();
    assert!(ops > 0);
    assert_eq!(
        hung, 0,
        "{hung} of {forks} forked children hung (a lock inherited held)"
    );
    assert!(
        failed.is_empty(),
        "children failed (fork, status): {failed:?}"
    );
    // The parent's pool is unharmed and at rest.
    let s = client.pool_stats();
    assert_eq!(s.busy, 0, "{s:?}");
    assert_eq!(s.open as u64, s.created - s.discarded, "{s:?}");
    client.close();
}
