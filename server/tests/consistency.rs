//! Many clients hammering the same keys and tags over TCP (PUT with varying
//! tag sets, INCR with tags, ADD, DEL, INV_TAG, INV_TAGS_ANY/ALL, INV_KEYS,
//! KEYS_BY_TAG), then a check that the tag index and the entries agree.
//! This is where the real server's races showed: stale index entries after
//! racing PUTs or INV_TAG, and a lock-order deadlock between INCR-with-tags
//! and INV_TAG (a deadlock here fails the test by its time limit).

mod common;

use common::{keys, Conn, Server};
use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpListener};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;
use tagcache_server::{serve_store, Config, Store};

const KEYS: usize = 8;
const TAGS: usize = 5;
const CLIENTS: usize = 8;
const BATCHES: usize = 150;
const BATCH: usize = 16;

/// xorshift64*: a small deterministic generator, one per client.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }

    /// A random subset of the tags, as a sorted list.
    fn tags(&mut self) -> Vec<String> {
        let mask = self.below(1 << TAGS);
        (0..TAGS)
            .filter(|t| mask & (1 << t) != 0)
            .map(|t| format!("t{t}"))
            .collect()
    }
}

/// The value a PUT/ADD writes names its tags, so the final state can be
/// checked against the index: `tags=t0,t3`.
fn tagged_value(tags: &[String]) -> String {
    format!("tags={}", tags.join(","))
}

fn field(tags: &[String]) -> String {
    if tags.is_empty() {
        "-".to_owned()
    } else {
        tags.join(",")
    }
}

fn random_request(rng: &mut Rng) -> String {
    let key = format!("k{}", rng.below(KEYS));
    let tag = format!("t{}", rng.below(TAGS));
    match rng.below(12) {
        0..=3 => {
            let tags = rng.tags();
            format!("PUT\t{key}\t-\t{}\t{}", field(&tags), tagged_value(&tags))
        }
        4 => {
            let tags = rng.tags();
            format!("ADD\t{key}\t-\t{}\t{}", field(&tags), tagged_value(&tags))
        }
        5 => format!("INCR\tc{}\t1\t-\t{}", rng.below(KEYS), field(&rng.tags())),
        6 => format!("INV_TAG\t{tag}"),
        7 => format!("INV_TAGS_ANY\t{tag},t{}", rng.below(TAGS)),
        8 => format!("INV_TAGS_ALL\t{tag},t{}", rng.below(TAGS)),
        9 => format!("INV_KEYS\t{key},c{}", rng.below(KEYS)),
        10 => format!("DEL\t{key}"),
        _ => format!("KEYS_BY_TAG\t{tag}"),
    }
}

fn hammer(addr: SocketAddr) {
    let (done_tx, done_rx) = mpsc::channel();
    for client in 0..CLIENTS {
        let done = done_tx.clone();
        thread::spawn(move || {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ ((client as u64 + 1) * 0x1234_5678_9ABC));
            let mut conn = Conn::connect(addr);
            for _ in 0..BATCHES {
                let batch: Vec<String> = (0..BATCH).map(|_| random_request(&mut rng)).collect();
                for (req, reply) in batch.iter().zip(conn.pipeline(&batch)) {
                    assert!(!reply.starts_with("ERR"), "{req:?} -> {reply:?}");
                }
            }
            let _ = done.send(());
        });
    }
    drop(done_tx);
    for _ in 0..CLIENTS {
        done_rx
            .recv_timeout(Duration::from_secs(40))
            .expect("a client died or the server deadlocked");
    }
}

/// Every key listed under a tag exists and carries it; every key whose
/// value names its tags is listed under exactly those.
fn check_index(conn: &mut Conn) {
    let all_keys: Vec<String> = (0..KEYS)
        .flat_map(|i| [format!("k{i}"), format!("c{i}")])
        .collect();
    let tags: Vec<String> = (0..TAGS).map(|t| format!("t{t}")).collect();
    let listed: Vec<BTreeSet<String>> = tags
        .iter()
        .map(|t| {
            keys(&conn.request(&format!("KEYS_BY_TAG\t{t}")))
                .into_iter()
                .collect()
        })
        .collect();
    for key in &all_keys {
        let reply = conn.request(&format!("GET\t{key}"));
        let under: Vec<&String> = tags
            .iter()
            .zip(&listed)
            .filter(|(_, l)| l.contains(key))
            .map(|(t, _)| t)
            .collect();
        match reply.strip_prefix("VALUE\t") {
            None => assert!(under.is_empty(), "missing {key} listed under {under:?}"),
            Some(value) => {
                if let Some(named) = value.strip_prefix("tags=") {
                    let named: Vec<&str> = named.split(',').filter(|t| !t.is_empty()).collect();
                    assert_eq!(under, named, "index of {key} (value {value:?})");
                }
            }
        }
    }
}

fn hammer_and_check(addr: SocketAddr) {
    hammer(addr);
    let mut conn = Conn::connect(addr);
    check_index(&mut conn);

    // A known last PUT of every key decides its tags exactly.
    let mut rng = Rng(42);
    let puts: Vec<String> = (0..KEYS)
        .flat_map(|i| {
            let (a, b) = (rng.tags(), rng.tags());
            [
                format!("PUT\tk{i}\t-\t{}\t{}", field(&a), tagged_value(&a)),
                format!("PUT\tc{i}\t-\t{}\t{}", field(&b), tagged_value(&b)),
            ]
        })
        .collect();
    assert!(conn.pipeline(&puts).iter().all(|r| r == "OK"));
    check_index(&mut conn);
    for t in 0..TAGS {
        conn.request(&format!("INV_TAG\tt{t}"));
    }
    for t in 0..TAGS {
        assert_eq!(conn.request(&format!("KEYS_BY_TAG\tt{t}")), "KEYS\t");
    }
}

#[test]
fn hammer_the_binary() {
    let server = Server::start(&[]);
    hammer_and_check(server.addr);
}

/// The same against an in-process server, whose store can then be checked
/// directly, including that no empty tag set is left behind.
#[test]
fn hammer_in_process_and_check_store() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    let store = Arc::new(Store::new());
    let served = Arc::clone(&store);
    thread::spawn(move || serve_store(listener, Config::default(), served));
    hammer(addr);
    store
        .check_consistency()
        .expect("consistent after the hammer");
    hammer_and_check(addr);
    store.check_consistency().expect("consistent at the end");
    let mut conn = Conn::connect(addr);
    conn.request("FLUSH");
    assert_eq!(store.tag_count(), 0);
}

/// Expired entries are removed by the background sweep even if no command
/// touches them, index links included.
#[test]
fn sweep_removes_untouched_expired_entries() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    let store = Arc::new(Store::new());
    let served = Arc::clone(&store);
    let config = Config {
        sweep_interval: Duration::from_millis(50),
        ..Config::default()
    };
    thread::spawn(move || serve_store(listener, config, served));
    let mut conn = Conn::connect(addr);
    assert_eq!(conn.request("PUT\ta\t100\tt\tv"), "OK");
    assert_eq!(conn.request("PUT\tb\t-\tu\tv"), "OK");
    assert_eq!(store.len(), 2);
    thread::sleep(Duration::from_millis(400));
    assert_eq!(store.len(), 1);
    assert_eq!(store.tag_count(), 1);
    store
        .check_consistency()
        .expect("consistent after the sweep");
}
