//! Four threads share one client (and so one pool of two connections)
//! against the reference server: single calls, fan-out batches split over
//! both connections, and close() of the idle connections while the others
//! run. Every value read back is checked exactly, and the pool's counts add
//! up afterwards.
//!
//! It is also the run that scripts/valgrind-threads.sh puts under helgrind
//! and DRD, in a build whose pool uses pthread primitives those tools
//! follow (`--cfg tagcache_valgrind`, docs/concurrency.md): the threads
//! share the client by reference (scoped threads, joined explicitly), so
//! no reference count is touched from several threads. `POOL_THREADS_ROUNDS` sets the rounds
//! per thread (default 300).

mod common;

use common::Server;
use tagcache::client::batch::Batch;
use tagcache::client::config::Options;
use tagcache::client::protocol::{Command, Reply};
use tagcache::client::Client;

const THREADS: usize = 4;
const KEYS: usize = 8;

fn rounds() -> usize {
    std::env::var("POOL_THREADS_ROUNDS")
        .ok()
        .map(|v| v.parse().expect("POOL_THREADS_ROUNDS: a number"))
        .unwrap_or(300)
}

fn key(t: usize, k: usize) -> String {
    format!("pool_threads:{t}:{k}")
}

/// The value thread `t` writes to its key `k` in round `i`; its checksum
/// makes a torn or misdelivered value fail.
fn value(t: usize, k: usize, i: usize) -> String {
    let body = format!("{t}:{k}:{i}:{}", "x".repeat((t * 7 + k * 13 + i) % 200));
    let sum = body
        .bytes()
        .fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(b.into()));
    format!("{body}#{sum}")
}

fn work(c: &Client, t: usize, rounds: usize) {
    // What this thread last stored under each of its keys.
    let mut last: Vec<Option<String>> = vec![None; KEYS];
    for i in 0..rounds {
        let k = i % KEYS;
        let v = value(t, k, i);
        let put = Command::Put {
            key: key(t, k),
            value: v.clone().into_bytes(),
            tags: vec![format!("pool_threads:{t}")],
            ttl: None,
        };
        assert_eq!(c.command(&put).expect("PUT"), Reply::Stored);
        last[k] = Some(v);
        let got = c.command(&Command::Get(key(t, k))).expect("GET");
        assert_eq!(got, Reply::Value(last[k].clone().map(String::into_bytes)));

        // A batch of all this thread's keys: with fanout_min 4 it is split
        // over both connections of the pool (try_checkout).
        let mut b = Batch::new();
        for k in 0..KEYS {
            b.push_cmd(&Command::Get(key(t, k))).expect("batch");
        }
        let replies = c.batch(&b).expect("batch");
        assert_eq!(replies.len(), KEYS);
        for (k, r) in replies.into_iter().enumerate() {
            let want = Reply::Value(last[k].clone().map(String::into_bytes));
            assert_eq!(r.expect("GET in batch"), want, "key {}", key(t, k));
        }

        if t == 0 && i % 25 == 24 {
            // Closes the idle connections under the other threads' feet.
            c.close();
        }
    }
}

#[test]
fn four_threads_share_one_pool() {
    let srv = Server::start();
    let c = Client::new(Options {
        port: srv.port,
        pool_size: 2,
        fanout_min: 4,
        ..Default::default()
    });
    let rounds = rounds();
    std::thread::scope(|s| {
        let hs: Vec<_> = (0..THREADS)
            .map(|t| {
                let c = &c;
                s.spawn(move || work(c, t, rounds))
            })
            .collect();
        // Joined one by one (pthread_join, which helgrind and DRD see),
        // not left to the end of the scope.
        for h in hs {
            h.join().expect("worker thread");
        }
    });
    let s = c.pool_stats();
    assert!(s.open <= 2, "{s:?}");
    assert_eq!(s.busy, 0, "{s:?}");
    assert_eq!(s.open, s.idle, "{s:?}");
    assert_eq!(s.open as u64, s.created - s.discarded, "{s:?}");
    assert_eq!(s.timeouts, 0, "{s:?}");
}
