//! Integration tests of the client core's connection pool, retry and batch
//! engine against the real reference server over TCP (no mocks). Faults are
//! injected by a TCP proxy (tests/common) between the client and the server.
//!
//! Run: `cargo build --release -p tagcache-server && cargo test --test pool`.

mod common;

use common::{fd_count, free_port, raw_request, wait_no_proxy_conns, Proxy, Server};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread;
use std::time::{Duration, Instant};
use tagcache::client::batch::Batch;
use tagcache::client::config::{Options, Persistent};
use tagcache::client::conn::ConnOpts;
use tagcache::client::pool::Pool;
use tagcache::client::protocol::{Command, Key, Reply, Request};
use tagcache::client::{Client, Error, ErrorKind};

// The fd-leak test counts this process's descriptors: it runs alone, every
// other test shares this lock.
static FD_LOCK: RwLock<()> = RwLock::new(());

fn shared() -> RwLockReadGuard<'static, ()> {
    FD_LOCK.read().unwrap_or_else(|e| e.into_inner())
}

fn exclusive() -> RwLockWriteGuard<'static, ()> {
    FD_LOCK.write().unwrap_or_else(|e| e.into_inner())
}

fn opts(port: u16, pool_size: usize) -> Options {
    Options {
        port,
        pool_size,
        ..Default::default()
    }
}

fn put_cmd(key: &str, value: &str, tags: &[&str]) -> Command {
    Command::Put {
        key: key.to_string(),
        value: value.as_bytes().to_vec(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ttl: None,
    }
}

fn put(c: &Client, key: &str, value: &str) -> Result<Reply, Error> {
    c.command(&put_cmd(key, value, &[]))
}

/// GET through `Client::call` and the raw encoder.
fn get(c: &Client, key: &str) -> Result<Option<String>, Error> {
    match c.command(&Command::Get(key.into()))? {
        Reply::Value(v) => Ok(v.map(|v| String::from_utf8(v).expect("utf-8 value"))),
        other => panic!("GET {key}: reply {other:?}"),
    }
}

fn incr(c: &Client, key: &str) -> Result<i64, Error> {
    match c.command(&Command::Incr {
        key: key.into(),
        by: 1,
        tags: vec![],
        ttl: None,
    })? {
        Reply::Int(n) => Ok(n),
        other => panic!("INCR {key}: reply {other:?}"),
    }
}

/// Pool accounting of a client with no call in progress.
fn assert_idle_accounting(c: &Client) {
    let s = c.pool_stats();
    assert!(s.open <= s.size, "open > size: {s:?}");
    assert_eq!(s.busy, 0, "busy connections with no call running: {s:?}");
    assert_eq!(s.idle, s.open, "idle != open with no call running: {s:?}");
}

/// Tiny deterministic PRNG (xorshift64*).
struct Rng(u64);
impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

// ---------------------------------------------------------------------------
// 1. Many threads, one client: every read is a value written to that key.

const THREADS: usize = 64;
const OPS: u64 = 2000;
const OWN_KEYS: usize = 4;
const SHARED_KEYS: usize = 8;

/// Checks a value read from a shared key: "key|writer|seq".
fn check_shared(key: &str, v: &str) {
    let mut it = v.split('|');
    let (k, w, s) = (it.next(), it.next(), it.next());
    assert_eq!(
        k,
        Some(key),
        "value {v:?} read from {key} was written to another key"
    );
    let w: usize = w
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("bad value {v:?}"));
    let s: u64 = s
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad value {v:?}"));
    assert!(
        w < THREADS && s < OPS && it.next().is_none(),
        "bad value {v:?}"
    );
}

fn hammer(c: &Client, size: usize, t: usize) {
    let mut rng = Rng::new((size * 1000 + t) as u64 + 1);
    let own_tag = format!("own-{size}-{t}");
    let shared_tag = format!("shared-{size}");
    let own: Vec<String> = (0..OWN_KEYS).map(|j| format!("o:{size}:{t}:{j}")).collect();
    let shk: Vec<String> = (0..SHARED_KEYS).map(|j| format!("s:{size}:{j}")).collect();
    let mut expect: Vec<Option<String>> = vec![None; OWN_KEYS];
    for seq in 0..OPS {
        let r = rng.below(100);
        let j = rng.below(OWN_KEYS as u64) as usize;
        let sj = rng.below(SHARED_KEYS as u64) as usize;
        match r {
            0..=34 => {
                let v = format!("{}|{t}|{seq}", own[j]);
                let reply = c.command(&put_cmd(&own[j], &v, &[&own_tag])).unwrap();
                assert_eq!(reply, Reply::Stored);
                expect[j] = Some(v);
            }
            35..=64 => {
                let got = get(c, &own[j]).unwrap();
                assert_eq!(
                    got, expect[j],
                    "thread {t}: own key {} read back wrong",
                    own[j]
                );
            }
            65..=69 => {
                let reply = c.command(&Command::Del(own[j].clone())).unwrap();
                assert_eq!(reply, Reply::Deleted(expect[j].is_some()), "DEL {}", own[j]);
                expect[j] = None;
            }
            70..=72 => {
                let n = expect.iter().filter(|e| e.is_some()).count() as u64;
                let reply = c.command(&Command::InvTag(own_tag.clone())).unwrap();
                assert_eq!(reply, Reply::Count(n), "INV_TAG {own_tag}");
                expect.iter_mut().for_each(|e| *e = None);
            }
            73..=74 => {
                let reply = c.command(&Command::Keys(own_tag.clone())).unwrap();
                let Reply::Keys(mut keys) = reply else {
                    panic!("KEYS: {reply:?}")
                };
                keys.sort();
                let mut want: Vec<String> = (0..OWN_KEYS)
                    .filter(|&i| expect[i].is_some())
                    .map(|i| own[i].clone())
                    .collect();
                want.sort();
                assert_eq!(keys, want, "KEYS_BY_TAG {own_tag}");
            }
            75..=86 => {
                let v = format!("{}|{t}|{seq}", shk[sj]);
                let reply = c.command(&put_cmd(&shk[sj], &v, &[&shared_tag])).unwrap();
                assert_eq!(reply, Reply::Stored);
            }
            87..=97 => {
                if let Some(v) = get(c, &shk[sj]).unwrap() {
                    check_shared(&shk[sj], &v);
                }
            }
            98 => {
                let reply = c.command(&Command::Del(shk[sj].clone())).unwrap();
                assert!(matches!(reply, Reply::Deleted(_)), "DEL: {reply:?}");
            }
            _ => {
                let reply = c.command(&Command::InvTag(shared_tag.clone())).unwrap();
                assert!(matches!(reply, Reply::Count(n) if n <= SHARED_KEYS as u64));
            }
        }
    }
    // Final read-back of every own key.
    for j in 0..OWN_KEYS {
        assert_eq!(
            get(c, &own[j]).unwrap(),
            expect[j],
            "final read of {}",
            own[j]
        );
    }
}

#[test]
fn many_threads_share_one_client() {
    let _g = shared();
    let srv = Server::start();
    for size in [1usize, 4, 16] {
        let client = Client::new(opts(srv.port, size));
        let start = Instant::now();
        let hs: Vec<_> = (0..THREADS)
            .map(|t| {
                let c = client.clone();
                thread::spawn(move || hammer(&c, size, t))
            })
            .collect();
        for h in hs {
            h.join().expect("worker thread failed");
        }
        let s = client.pool_stats();
        eprintln!("pool_size {size}: {:?} in {:?}", s, start.elapsed());
        assert_idle_accounting(&client);
        assert!(
            s.created as usize <= size,
            "made more connections than the pool size: {s:?}"
        );
        assert_eq!(
            s.discarded, 0,
            "no call failed, none should be discarded: {s:?}"
        );
        if size == 1 {
            assert!(
                s.waits > 0,
                "64 threads on one connection never waited: {s:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// 2. Faults between client and server.

#[test]
fn timed_out_reply_is_never_handed_to_the_next_caller() {
    let _g = shared();
    let srv = Server::start();
    let px = Proxy::start(srv.port);
    let c = Client::new(Options {
        timeout_ms: 150,
        ..opts(px.port, 1)
    });
    assert_eq!(put(&c, "k1", "v1").unwrap(), Reply::Stored);
    assert_eq!(put(&c, "k2", "v2").unwrap(), Reply::Stored);
    let mut timeouts = 0;
    for round in 0..4 {
        // Whole reply late, then a reply cut in the middle.
        let split = round % 2 == 1;
        px.faults.set_delay(600, split);
        let t0 = Instant::now();
        let e = get(&c, "k1").expect_err("GET through a 600 ms delay with timeout_ms=150");
        let took = t0.elapsed();
        assert!(
            matches!(e, Error::Timeout { .. }),
            "want Timeout, got {e:?}"
        );
        assert_eq!(e.kind(), ErrorKind::Connection);
        assert!(took < Duration::from_millis(500), "timeout took {took:?}");
        timeouts += 1;
        px.faults.set_delay(0, false);
        for _ in 0..30 {
            assert_eq!(
                get(&c, "k2").unwrap().as_deref(),
                Some("v2"),
                "late reply leaked"
            );
            assert_eq!(get(&c, "k1").unwrap().as_deref(), Some("v1"));
        }
    }
    // A batch whose replies are late: the whole batch times out, the next
    // batch on the same pool reads only its own replies.
    let mut b = Batch::new();
    for i in 0..10 {
        let k = if i % 2 == 0 { "k1" } else { "k2" };
        b.push(Request::Get(Key::text(k).unwrap()));
    }
    px.faults.set_delay(600, false);
    let e = c.batch(&b).expect_err("late batch");
    assert!(
        matches!(e, Error::Timeout { .. }),
        "want Timeout, got {e:?}"
    );
    px.faults.set_delay(0, false);
    for _ in 0..10 {
        let r = c.batch(&b).unwrap();
        for (i, x) in r.into_iter().enumerate() {
            let want = if i % 2 == 0 { "v1" } else { "v2" };
            assert_eq!(x.unwrap(), Reply::Value(Some(want.as_bytes().to_vec())));
        }
    }
    // Let the late replies arrive at the closed sockets, then check again.
    thread::sleep(Duration::from_millis(700));
    for _ in 0..20 {
        assert_eq!(get(&c, "k2").unwrap().as_deref(), Some("v2"));
    }
    let s = c.pool_stats();
    assert!(
        s.discarded >= timeouts,
        "timed-out connections must be closed: {s:?}"
    );
    assert_idle_accounting(&c);
}

#[test]
fn timeouts_under_concurrency_never_mix_replies() {
    let _g = shared();
    let srv = Server::start();
    let px = Proxy::start(srv.port);
    let c = Client::new(Options {
        timeout_ms: 80,
        ..opts(px.port, 2)
    });
    const N: usize = 6;
    for t in 0..N {
        put(&c, &format!("mix{t}"), &format!("value-of-{t}")).unwrap();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let oks = Arc::new(AtomicU64::new(0));
    let errs = Arc::new(AtomicU64::new(0));
    let hs: Vec<_> = (0..N)
        .map(|t| {
            let (c, stop, oks, errs) = (c.clone(), stop.clone(), oks.clone(), errs.clone());
            thread::spawn(move || {
                let key = format!("mix{t}");
                let want = format!("value-of-{t}");
                while !stop.load(Ordering::Relaxed) {
                    match get(&c, &key) {
                        Ok(v) => {
                            assert_eq!(
                                v.as_deref(),
                                Some(want.as_str()),
                                "thread {t} got another reply"
                            );
                            oks.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => {
                            assert_eq!(e.kind(), ErrorKind::Connection, "{e:?}");
                            errs.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    let end = Instant::now() + Duration::from_millis(1800);
    let mut i = 0u64;
    while Instant::now() < end {
        let on = i.is_multiple_of(2);
        px.faults
            .set_delay(if on { 60 + 40 * (i % 3) } else { 0 }, i.is_multiple_of(4));
        thread::sleep(Duration::from_millis(120));
        i += 1;
    }
    px.faults.set_delay(0, false);
    stop.store(true, Ordering::Relaxed);
    for h in hs {
        h.join().expect("reader thread failed");
    }
    eprintln!(
        "ok {} err {} {:?}",
        oks.load(Ordering::Relaxed),
        errs.load(Ordering::Relaxed),
        c.pool_stats()
    );
    assert!(
        errs.load(Ordering::Relaxed) > 0,
        "no call timed out: the test tested nothing"
    );
    assert!(oks.load(Ordering::Relaxed) > 100);
    assert_idle_accounting(&c);
}

#[test]
fn garbage_reply_fails_that_call_only() {
    let _g = shared();
    let srv = Server::start();
    let px = Proxy::start(srv.port);
    let c = Client::new(opts(px.port, 1));
    put(&c, "g1", "one").unwrap();
    for i in 0..20 {
        px.faults.garble_next(b"XYZZY this is not a reply");
        let e = get(&c, "g1").expect_err("garbage must not parse as a GET reply");
        assert!(
            matches!(e, Error::Protocol { .. }),
            "want Protocol, got {e:?}"
        );
        assert_eq!(e.kind(), ErrorKind::Server);
        assert_eq!(get(&c, "g1").unwrap().as_deref(), Some("one"), "round {i}");

        // An ERR line is a well-formed reply: that call fails, the
        // connection stays in step.
        px.faults.garble_next(b"ERR injected failure");
        let e = get(&c, "g1").expect_err("ERR reply");
        assert!(
            matches!(&e, Error::Server(m) if m.contains("injected")),
            "{e:?}"
        );
        assert_eq!(get(&c, "g1").unwrap().as_deref(), Some("one"));

        // A garbled PUT reply: the PUT itself reached the server.
        px.faults.garble_next(b"NOPE");
        let v = format!("two-{i}");
        assert!(matches!(put(&c, "g2", &v), Err(Error::Protocol { .. })));
        assert_eq!(get(&c, "g2").unwrap(), Some(v));
    }
    // In a batch: the garbled reply fails the batch; the next batch is
    // read in step.
    let mut b = Batch::new();
    for _ in 0..10 {
        b.push(Request::Get(Key::text("g1").unwrap()));
    }
    px.faults.garble_next(b"XYZZY");
    let e = c.batch(&b).expect_err("garbled batch");
    assert!(matches!(e, Error::Protocol { .. }), "{e:?}");
    for x in c.batch(&b).unwrap() {
        assert_eq!(x.unwrap(), Reply::Value(Some(b"one".to_vec())));
    }
    assert_eq!(px.faults.garbled.load(Ordering::SeqCst), 61);
    let s = c.pool_stats();
    assert!(
        s.discarded >= 40,
        "a connection that sent garbage must be closed: {s:?}"
    );
    assert_idle_accounting(&c);
}

#[test]
fn dropped_connection_retries_idempotent_never_incr() {
    let _g = shared();
    let srv = Server::start();
    let px = Proxy::start(srv.port);
    let c = Client::new(Options {
        retry: 1,
        timeout_ms: 2000,
        ..opts(px.port, 1)
    });
    // Each proxied connection serves 4 replies and is cut at the 5th: with
    // the cycle PUT, GET, INCR the cut falls alternately on a GET (must be
    // resent and succeed) and on an INCR (must not be resent).
    px.faults.drop_every_conn.store(4, Ordering::SeqCst);
    let mut incr_calls = 0i64;
    let mut incr_failed = 0;
    for i in 0..150 {
        let key = format!("d{i}");
        let v = format!("val{i}");
        assert_eq!(
            put(&c, &key, &v).expect("idempotent PUT must be retried"),
            Reply::Stored
        );
        assert_eq!(
            get(&c, &key).expect("idempotent GET must be retried"),
            Some(v)
        );
        incr_calls += 1;
        match incr(&c, "counter") {
            Ok(n) => assert_eq!(n, incr_calls, "INCR was sent more than once"),
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Connection, "{e:?}");
                incr_failed += 1;
            }
        }
    }
    let drops = px.faults.drops.load(Ordering::SeqCst);
    eprintln!(
        "drops {drops}, INCR failed {incr_failed}, {:?}",
        c.pool_stats()
    );
    assert!(incr_failed > 10 && drops > 20, "the faults did not fire");
    // Each INCR call reached the server exactly once: not lost, not resent.
    assert_eq!(
        px.faults.incr_lines.load(Ordering::SeqCst),
        incr_calls as u64
    );
    assert_eq!(
        raw_request(srv.port, "GET\tcounter"),
        format!("VALUE\t{incr_calls}")
    );
    assert_idle_accounting(&c);

    // Batches: cut before any reply byte -> resent; cut after some replies
    // were read -> not resent (the whole batch fails).
    px.faults.drop_every_conn.store(0, Ordering::SeqCst);
    let mut b = Batch::new();
    for i in 0..50 {
        b.push(Request::Get(Key::text(&format!("d{i}")).unwrap()));
    }
    px.faults.drop_after.store(0, Ordering::SeqCst);
    let r = c
        .batch(&b)
        .expect("idempotent batch cut before any reply must be resent");
    for (i, x) in r.into_iter().enumerate() {
        assert_eq!(
            x.unwrap(),
            Reply::Value(Some(format!("val{i}").into_bytes()))
        );
    }
    px.faults.drop_after.store(10, Ordering::SeqCst);
    let e = c.batch(&b).expect_err("batch cut after 10 replies");
    assert_eq!(e.kind(), ErrorKind::Connection, "{e:?}");
    assert!(c.batch(&b).is_ok());
    assert_idle_accounting(&c);
}

/// The connection is cut after the server carried out the request and
/// before any byte of its reply came back. A request whose second reply
/// would differ (DEL, INV_*, FLUSH) or that would act twice (ADD, INCR,
/// DECR) is not resent: the call fails saying the outcome is unknown, and
/// the server got it exactly once. GET, PUT, KEYS_BY_TAG and STATS are
/// resent and succeed. A batch is resent only when all of it may be.
#[test]
fn only_requests_with_the_same_reply_when_repeated_are_resent() {
    let _g = shared();
    let srv = Server::start();
    let px = Proxy::start(srv.port);
    let c = Client::new(Options {
        retry: 3,
        timeout_ms: 2000,
        ..opts(px.port, 2)
    });
    let tags = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let seed = |line: &str| {
        let r = raw_request(srv.port, line);
        assert!(!r.starts_with("ERR"), "{line}: {r}");
    };
    let lines = || px.faults.request_lines.load(Ordering::SeqCst);
    // (the request, the state it acts on, and what the server must hold
    // afterwards: it did act, once)
    type Check = (&'static str, &'static str);
    let cases: Vec<(Command, &str, Vec<&str>, Check)> = vec![
        (
            Command::Del("victim".into()),
            "DEL",
            vec!["PUT\tvictim\t-\t-\tv"],
            ("GET\tvictim", "NF"),
        ),
        (
            Command::InvTag("vt".into()),
            "INV_TAG",
            vec!["PUT\ti1\t-\tvt\tv"],
            ("GET\ti1", "NF"),
        ),
        (
            Command::InvTagsAny(tags(&["va", "vb"])),
            "INV_TAGS_ANY",
            vec!["PUT\ti2\t-\tva\tv"],
            ("GET\ti2", "NF"),
        ),
        (
            Command::InvTagsAll(tags(&["va", "vb"])),
            "INV_TAGS_ALL",
            vec!["PUT\ti3\t-\tva,vb\tv"],
            ("GET\ti3", "NF"),
        ),
        (
            Command::Add {
                key: "added".into(),
                value: b"first".to_vec(),
                tags: vec![],
                ttl: None,
            },
            "ADD",
            vec![],
            ("GET\tadded", "VALUE\tfirst"),
        ),
        (
            Command::Incr {
                key: "n".into(),
                by: 5,
                tags: vec![],
                ttl: None,
            },
            "INCR",
            vec!["PUT\tn\t-\t-\t10"],
            ("GET\tn", "VALUE\t15"),
        ),
        (
            Command::Decr {
                key: "n".into(),
                by: 2,
                tags: vec![],
                ttl: None,
            },
            "DECR",
            vec![],
            ("GET\tn", "VALUE\t13"),
        ),
        (
            Command::Flush,
            "FLUSH",
            vec!["PUT\tf\t-\t-\tv"],
            ("GET\tf", "NF"),
        ),
    ];
    for (cmd, verb, setup, (probe, want)) in cases {
        for line in setup {
            seed(line);
        }
        px.faults.drop_after.store(0, Ordering::SeqCst);
        let before = lines();
        let e = c.command(&cmd).expect_err(verb);
        assert_eq!(lines() - before, 1, "{verb} was resent");
        assert_eq!(e.kind(), ErrorKind::Connection, "{verb}: {e:?}");
        assert!(
            matches!(e, Error::OutcomeUnknown { verb: v, .. } if v == verb),
            "{e:?}"
        );
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("the outcome of {verb} is unknown"))
                && msg.contains(&format!("127.0.0.1:{}", px.port)),
            "{msg}"
        );
        assert_eq!(
            raw_request(srv.port, probe),
            want,
            "{verb} did not act once"
        );
    }

    // Resent, and right.
    seed("PUT\tk\t-\tkt\tv");
    for (cmd, want) in [
        (Command::Get("k".into()), Reply::Value(Some(b"v".to_vec()))),
        (put_cmd("k2", "w", &[]), Reply::Stored),
        (Command::Keys("kt".into()), Reply::Keys(vec!["k".into()])),
    ] {
        px.faults.drop_after.store(0, Ordering::SeqCst);
        let before = lines();
        assert_eq!(c.command(&cmd).expect("resent"), want);
        assert_eq!(lines() - before, 2, "{cmd:?} sent twice");
    }
    px.faults.drop_after.store(0, Ordering::SeqCst);
    assert!(matches!(c.command(&Command::Stats), Ok(Reply::Stats(_))));

    // A batch is resent whole or not at all.
    let mut b = Batch::new();
    b.push_cmd(&Command::Get("k".into())).unwrap();
    b.push_cmd(&Command::Del("k2".into())).unwrap();
    px.faults.drop_after.store(0, Ordering::SeqCst);
    let before = lines();
    let e = c.batch(&b).expect_err("a batch holding a DEL");
    assert_eq!(lines() - before, 2, "the batch was resent");
    assert!(
        matches!(e, Error::OutcomeUnknown { verb: "DEL", .. }),
        "{e:?}"
    );
    assert_eq!(raw_request(srv.port, "GET\tk2"), "NF");
    let mut b = Batch::new();
    b.push_cmd(&Command::Get("k".into())).unwrap();
    b.push_cmd(&put_cmd("k3", "x", &[])).unwrap();
    px.faults.drop_after.store(0, Ordering::SeqCst);
    let r = c.batch(&b).expect("a batch of GET and PUT is resent");
    assert_eq!(r[1].as_ref().unwrap(), &Reply::Stored);

    // A failure before anything was sent is not "unknown": nothing was.
    drop(px);
    let c2 = Client::new(Options {
        connect_timeout_ms: 300,
        ..opts(free_port(), 1)
    });
    let e = c2.command(&Command::Del("x".into())).unwrap_err();
    assert!(matches!(e, Error::Connect { .. }), "{e:?}");
    assert_idle_accounting(&c);
}

/// A connection's read buffer grows to hold a large reply; when the
/// connection goes back to the pool the memory is given back, while the
/// buffer of small replies is kept (no reallocation per call).
#[test]
fn read_buffer_is_given_back_after_a_large_reply() {
    use tagcache::client::engine::{self, Job, Waits};
    use tagcache::client::replies::Replies;
    let _g = shared();
    let srv = Server::start();
    let pool = Pool::new(
        ConnOpts {
            max_line: 64 << 20,
            ..conn_opts(srv.port)
        },
        1,
    );
    let big = "v".repeat(20 << 20);
    assert_eq!(
        raw_request(srv.port, &format!("PUT\tbig\t-\t-\t{big}")),
        "OK"
    );
    assert_eq!(raw_request(srv.port, "PUT\tsmall\t-\t-\ts"), "OK");
    let waits = Waits {
        timeout: Duration::from_secs(10),
        spin: Duration::ZERO,
        retry_interval: Duration::ZERO,
    };
    let get = |key: &str| {
        let mut b = Batch::new();
        b.push(Request::Get(Key::text(key).unwrap()));
        let mut out = Replies::new();
        out.reset(1);
        let job = Job {
            pool: &pool,
            reqs: None,
            slots: None,
            lanes: 1,
            verify: false,
        };
        let r = engine::run(&[job], &b, waits, &mut out);
        assert!(matches!(r[..], [Ok(())]), "GET failed");
        match out.result(0).unwrap() {
            Reply::Value(Some(v)) => v.len(),
            other => panic!("{other:?}"),
        }
    };
    let buffer = || {
        pool.checkout(Duration::from_secs(1))
            .unwrap()
            .read_buffer_len()
    };
    assert_eq!(get("small"), 1);
    let small_buffer = buffer();
    assert!(
        small_buffer > 0 && small_buffer <= 1 << 20,
        "{small_buffer}"
    );
    assert_eq!(get("small"), 1);
    assert_eq!(buffer(), small_buffer, "a small reply's buffer is kept");
    for _ in 0..3 {
        assert_eq!(get("big"), 20 << 20);
        let after = buffer();
        assert!(after <= 1 << 20, "read buffer kept at {after} bytes");
        assert_eq!(get("small"), 1);
    }
    assert_eq!(pool.stats().created, 1, "one connection did all of it");
}

// ---------------------------------------------------------------------------
// 3. Pool exhaustion.

fn conn_opts(port: u16) -> ConnOpts {
    ConnOpts {
        host: "127.0.0.1".into(),
        port,
        addr: format!("127.0.0.1:{port}").into(),
        connect_timeout: Duration::from_secs(1),
        keepalive: true,
        max_line: 1 << 20,
    }
}

#[test]
fn pool_exhaustion_waits_then_fails_clearly() {
    let _g = shared();
    let srv = Server::start();
    let pool = Pool::new(conn_opts(srv.port), 1);
    let g = pool
        .checkout(Duration::from_secs(1))
        .expect("first checkout");
    assert!(pool.try_checkout(false).expect("try_checkout").is_none());

    let t0 = Instant::now();
    let e = match pool.checkout(Duration::from_millis(300)) {
        Ok(_) => panic!("second checkout of a pool of 1 succeeded"),
        Err(e) => e,
    };
    let took = t0.elapsed();
    assert!(matches!(e, Error::PoolExhausted { busy: 1, .. }), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Connection);
    let msg = e.to_string();
    assert!(msg.contains("pool exhausted: 1 connections busy"), "{msg}");
    assert!(msg.contains("300 ms"), "{msg}");
    assert!(
        took >= Duration::from_millis(290) && took < Duration::from_millis(1000),
        "{took:?}"
    );
    let s = pool.stats();
    assert_eq!(
        (s.waits, s.timeouts, s.open, s.busy, s.idle),
        (1, 1, 1, 1, 0),
        "{s:?}"
    );

    // A waiter gets the connection when the holder gives it back.
    thread::scope(|sc| {
        let waiter = sc.spawn(|| {
            let t0 = Instant::now();
            let g2 = pool
                .checkout(Duration::from_secs(3))
                .expect("waiter checkout");
            let took = t0.elapsed();
            drop(g2);
            took
        });
        thread::sleep(Duration::from_millis(100));
        drop(g);
        let took = waiter.join().unwrap();
        assert!(
            took >= Duration::from_millis(80) && took < Duration::from_millis(1000),
            "{took:?}"
        );
    });
    let s = pool.stats();
    assert_eq!(
        (s.open, s.idle, s.busy, s.created, s.reused, s.waits, s.timeouts),
        (1, 1, 0, 1, 1, 2, 1),
        "{s:?}"
    );

    // Many waiters, one connection, handed around: all succeed in turn.
    let pool = Pool::new(conn_opts(srv.port), 1);
    thread::scope(|sc| {
        for _ in 0..8 {
            sc.spawn(|| {
                for _ in 0..50 {
                    let g = pool.checkout(Duration::from_secs(5)).expect("checkout");
                    thread::sleep(Duration::from_micros(200));
                    drop(g);
                }
            });
        }
    });
    let s = pool.stats();
    assert_eq!(
        (s.open, s.busy, s.created, s.timeouts),
        (1, 0, 1, 0),
        "{s:?}"
    );
}

#[test]
fn client_call_fails_with_pool_exhausted_while_connection_is_held() {
    let _g = shared();
    let srv = Server::start();
    let px = Proxy::start(srv.port);
    // Two handles on one persistent pool of 1 (timeout_ms is not part of the
    // pool key): a slow call through A holds the only connection.
    let id = Persistent::Id(format!("exhaust-{}", px.port));
    let a = Client::new(Options {
        timeout_ms: 3000,
        persistent: id.clone(),
        ..opts(px.port, 1)
    });
    let b = Client::new(Options {
        timeout_ms: 300,
        persistent: id,
        ..opts(px.port, 1)
    });
    put(&a, "held", "x").unwrap();
    px.faults.set_delay(1200, false);
    thread::scope(|sc| {
        let slow = sc.spawn(|| get(&a, "held"));
        thread::sleep(Duration::from_millis(100));
        let t0 = Instant::now();
        let e = get(&b, "held").expect_err("the only connection is busy");
        assert!(matches!(e, Error::PoolExhausted { busy: 1, .. }), "{e:?}");
        assert!(
            e.to_string().contains("pool exhausted: 1 connections busy"),
            "{e}"
        );
        assert!(t0.elapsed() >= Duration::from_millis(290));
        assert_eq!(slow.join().unwrap().unwrap().as_deref(), Some("x"));
    });
    px.faults.set_delay(0, false);
    assert_eq!(get(&b, "held").unwrap().as_deref(), Some("x"));
    let s = b.pool_stats();
    assert!(s.waits >= 1 && s.timeouts >= 1, "{s:?}");
    assert_idle_accounting(&b);
    // The persistent pool outlives the handles: close it for the fd test.
    b.close();
    assert_eq!(a.pool_stats().open, 0);
}

// ---------------------------------------------------------------------------
// 4. Server killed and restarted on the same port.

fn wait_listening(port: u16) {
    let end = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < end,
            "server did not come back on port {port}"
        );
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn server_restart_stale_connections_are_replaced() {
    let _g = shared();
    let port = free_port();
    let mut srv = Server::start_on(port);
    const N: usize = 4;
    let c = Client::new(Options {
        timeout_ms: 1000,
        connect_timeout_ms: 500,
        fanout_min: 1,
        ..opts(port, N)
    });
    // A fanned-out batch over many keys takes all N connections at once
    // (keys are spread over the lanes by hash: 256 keys fill all 4).
    let mut warm = Batch::new();
    for i in 0..256 {
        warm.push(Request::Get(Key::text(&format!("w{i}")).unwrap()));
    }

    for round in 0..3 {
        // Warm: N connections idle.
        c.batch(&warm).expect("warm-up batch");
        let s = c.pool_stats();
        assert_eq!(
            (s.open, s.idle),
            (N, N),
            "round {round}: pool not warm: {s:?}"
        );

        srv.kill();
        srv = Server::start_on(port);
        wait_listening(port);

        // Every idle connection is stale now; not one call may fail.
        let run = |t: usize, n: usize| {
            for i in 0..n {
                let key = format!("r{round}-{t}-{i}");
                put(&c, &key, "v")
                    .unwrap_or_else(|e| panic!("round {round}: PUT after restart: {e}"));
                assert_eq!(get(&c, &key).unwrap().as_deref(), Some("v"));
            }
        };
        if round == 0 {
            run(0, N); // 2N calls, one after the other
        } else {
            thread::scope(|sc| {
                for t in 0..N {
                    sc.spawn(move || run(t, 1)); // 2N calls at once
                }
            });
        }
        let s = c.pool_stats();
        assert!(
            s.discarded as usize >= N * (round + 1),
            "stale connections not discarded: {s:?}"
        );
        assert_idle_accounting(&c);
    }

    // Under load: 4 threads loop while the server goes down and comes back.
    let stop = AtomicBool::new(false);
    let back_at: Mutex<Option<Instant>> = Mutex::new(None);
    type Outcome = (Instant, Result<(), String>, bool);
    let results: Mutex<Vec<Outcome>> = Mutex::new(Vec::new());
    thread::scope(|sc| {
        for t in 0..4 {
            let (c, stop, results) = (&c, &stop, &results);
            sc.spawn(move || {
                let mut local = Vec::new();
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let key = format!("load{t}");
                    let v = format!("{t}-{i}");
                    let start = Instant::now();
                    let r = put(c, &key, &v).and_then(|_| get(c, &key));
                    let (res, conn_err) = match r {
                        // A restart between PUT and GET loses the value.
                        Ok(Some(got)) => {
                            assert_eq!(got, v, "wrong value");
                            (Ok(()), false)
                        }
                        Ok(None) => (Ok(()), false),
                        Err(e) => {
                            let ce = e.kind() == ErrorKind::Connection;
                            if !ce {
                                panic!("non-connection error during restart: {e:?}");
                            }
                            thread::sleep(Duration::from_millis(2));
                            (Err(e.to_string()), true)
                        }
                    };
                    local.push((start, res, conn_err));
                    i += 1;
                }
                results.lock().unwrap().extend(local);
            });
        }
        thread::sleep(Duration::from_millis(300));
        srv.kill();
        thread::sleep(Duration::from_millis(200));
        srv = Server::start_on(port);
        *back_at.lock().unwrap() = Some(Instant::now());
        thread::sleep(Duration::from_millis(500));
        stop.store(true, Ordering::Relaxed);
    });
    let back = back_at.lock().unwrap().unwrap();
    let results = results.into_inner().unwrap();
    let outage_errors = results
        .iter()
        .filter(|r| r.0 < back && r.1.is_err())
        .count();
    let after: Vec<_> = results.iter().filter(|r| r.0 >= back).collect();
    let after_errors: Vec<_> = after.iter().filter_map(|r| r.1.clone().err()).collect();
    eprintln!(
        "restart under load: {} calls, {outage_errors} failed in the outage, {} after, {:?}",
        results.len(),
        after.len(),
        c.pool_stats()
    );
    assert!(outage_errors > 0, "the outage was not noticed");
    assert!(after.len() > 10);
    assert!(
        after_errors.is_empty(),
        "calls failed after the server was back: {:?}",
        &after_errors[..after_errors.len().min(5)]
    );
    assert_idle_accounting(&c);
    drop(srv);
}

// ---------------------------------------------------------------------------
// 5. No file descriptor leak.

/// Connections used a moment ago skip the stale poll, but a request that
/// cannot be resent (INCR, ADD, anything with retry 0) still checks first:
/// right after a restart, with every idle connection dead and recently
/// used, none of them may fail.
#[test]
fn requests_that_cannot_be_resent_survive_a_restart_on_warm_connections() {
    let _g = shared();
    let port = free_port();
    let mut srv = Server::start_on(port);
    const N: usize = 3;
    for retry in [1u32, 0] {
        let c = Client::new(Options {
            timeout_ms: 1000,
            connect_timeout_ms: 500,
            retry,
            ..opts(port, N)
        });
        // N connections, all given back just now.
        let start = Barrier::new(N);
        thread::scope(|sc| {
            let start = &start;
            let c = &c;
            for t in 0..N {
                sc.spawn(move || {
                    start.wait();
                    for i in 0..50 {
                        put(c, &format!("warm{t}-{i}"), "v").expect("warm-up PUT");
                    }
                });
            }
        });
        let open = c.pool_stats().open;
        assert!(
            open >= 2,
            "retry {retry}: warm-up opened {open} connections"
        );

        srv.kill();
        srv = Server::start_on(port);
        wait_listening(port);

        let key = format!("ctr-after-restart-{retry}");
        assert_eq!(incr(&c, &key).expect("INCR right after a restart"), 1);
        let added = c
            .command(&Command::Add {
                key: format!("add-after-restart-{retry}"),
                value: b"x".to_vec(),
                tags: vec![],
                ttl: None,
            })
            .expect("ADD right after a restart");
        assert_eq!(added, Reply::Added(true));
        if retry == 0 {
            put(&c, "put-after-restart", "v").expect("PUT with retry 0 after a restart");
        }
        assert_eq!(incr(&c, &key).unwrap(), 2);
        assert_idle_accounting(&c);
    }
}

#[test]
fn no_fd_leak_over_many_checkouts_and_discards() {
    let _g = exclusive();
    // Proxied connections of earlier tests may still be closing.
    assert!(
        wait_no_proxy_conns(Duration::from_secs(10)),
        "earlier proxies never closed"
    );
    let srv = Server::start();
    let px = Proxy::start(srv.port);
    let baseline = fd_count();
    {
        let c = Client::new(opts(srv.port, 4));
        put(&c, "fd", "x").unwrap();
        thread::scope(|sc| {
            for _ in 0..4 {
                let c = c.clone();
                sc.spawn(move || {
                    for _ in 0..25_000 {
                        assert_eq!(get(&c, "fd").unwrap().as_deref(), Some("x"));
                    }
                });
            }
        });
        let s = c.pool_stats();
        assert!(s.created <= 4 && s.reused + s.created >= 100_000, "{s:?}");
        assert!(
            fd_count() <= baseline + 4,
            "more than pool_size sockets open"
        );

        // Calls that fail so their connection is discarded.
        let f = Client::new(Options {
            retry: 0,
            ..opts(px.port, 4)
        });
        for i in 0..2000 {
            if i % 2 == 0 {
                px.faults.garble_next(b"GARBAGE");
            } else {
                px.faults.drop_after.store(0, Ordering::SeqCst);
            }
            let e = get(&f, "fd").expect_err("faulty call");
            assert!(
                matches!(
                    e,
                    Error::Protocol { .. } | Error::Closed { .. } | Error::Io { .. }
                ),
                "{e:?}"
            );
        }
        let s = f.pool_stats();
        assert_eq!(s.discarded, 2000, "{s:?}");
        assert_idle_accounting(&f);
        assert_eq!(s.open, 0, "{s:?}");
        assert_idle_accounting(&c);
    }
    assert!(
        px.wait_idle(Duration::from_secs(10)),
        "proxy connections still open"
    );
    // The proxy's threads close their sockets just before they count down.
    thread::sleep(Duration::from_millis(50));
    let after = fd_count();
    assert_eq!(after, baseline, "fd leak: {baseline} before, {after} after");
}

// ---------------------------------------------------------------------------
// 6. The batch engine.

#[test]
fn batch_of_a_million_gets_on_one_connection() {
    let _g = shared();
    let srv = Server::start();
    let c = Client::new(Options {
        fanout_min: usize::MAX,
        ..opts(srv.port, 2)
    });
    const HIT: usize = 1000;
    let mut puts = Batch::new();
    for j in 0..HIT {
        puts.push_cmd(&put_cmd(&format!("m{j}"), &format!("mv{j}"), &[]))
            .unwrap();
    }
    for r in c.batch(&puts).unwrap() {
        assert_eq!(r.unwrap(), Reply::Stored);
    }
    const N: usize = 1_000_000;
    let mut b = Batch::with_capacity(N, N * 12);
    for i in 0..N {
        b.push(Request::Get(
            Key::text(&format!("m{}", i % (2 * HIT))).unwrap(),
        ));
    }
    let t0 = Instant::now();
    let r = c.batch(&b).expect("a million GETs");
    eprintln!("1M GETs in {:?}", t0.elapsed());
    assert_eq!(r.len(), N);
    for (i, x) in r.into_iter().enumerate() {
        let j = i % (2 * HIT);
        let want = if j < HIT {
            Some(format!("mv{j}").into_bytes())
        } else {
            None
        };
        assert_eq!(x.unwrap(), Reply::Value(want), "reply {i}");
    }
    let s = c.pool_stats();
    assert_eq!(s.created, 1, "one connection only: {s:?}");
    assert_idle_accounting(&c);
}

#[test]
fn fanout_batches_return_results_in_request_order() {
    let _g = shared();
    let srv = Server::start();
    let c = Client::new(Options {
        fanout_min: 1000,
        ..opts(srv.port, 4)
    });
    const N: usize = 10_000;
    let mut puts = Batch::new();
    for i in 0..N {
        puts.push_cmd(&put_cmd(&format!("f{i}"), &format!("fv{i}"), &["fan"]))
            .unwrap();
    }
    let r = c.batch(&puts).unwrap();
    assert_eq!(r.len(), N);
    assert!(r.into_iter().all(|x| x.unwrap() == Reply::Stored));
    let mut gets = Batch::new();
    for i in (0..N).rev() {
        gets.push(Request::Get(Key::text(&format!("f{i}")).unwrap()));
    }
    let r = c.batch(&gets).unwrap();
    assert_eq!(r.len(), N);
    for (n, x) in r.into_iter().enumerate() {
        let i = N - 1 - n;
        assert_eq!(
            x.unwrap(),
            Reply::Value(Some(format!("fv{i}").into_bytes())),
            "result {n}"
        );
    }
    let s = c.pool_stats();
    assert!(s.created > 1, "the batch was not fanned out: {s:?}");
    assert!(s.created <= 4, "{s:?}");
    assert_idle_accounting(&c);

    // Concurrent fan-outs from several threads share the pool without
    // deadlock (extra lanes only come from try_checkout).
    thread::scope(|sc| {
        for _ in 0..4 {
            sc.spawn(|| {
                for _ in 0..3 {
                    let r = c.batch(&gets).expect("concurrent fan-out");
                    assert_eq!(r.len(), N);
                    assert_eq!(
                        r[0].as_ref().unwrap(),
                        &Reply::Value(Some(format!("fv{}", N - 1).into_bytes()))
                    );
                    assert_eq!(
                        r[N - 1].as_ref().unwrap(),
                        &Reply::Value(Some(b"fv0".to_vec()))
                    );
                }
            });
        }
    });
    assert_idle_accounting(&c);
}

/// A pipeline is one ordered batch: a GET queued after a PUT of the same key
/// must see it, and of two PUTs of one key the later must win, even when the
/// batch is big enough to be fanned out.
#[test]
fn fanout_batch_keeps_pipeline_order_of_dependent_commands() {
    let _g = shared();
    let srv = Server::start();
    let c = Client::new(Options {
        fanout_min: 1000,
        ..opts(srv.port, 4)
    });
    const N: usize = 10_000;
    let mut b = Batch::new();
    for i in 0..N {
        b.push_cmd(&put_cmd(&format!("p{i}"), &format!("pv{i}"), &[]))
            .unwrap();
    }
    for i in 0..N {
        b.push(Request::Get(Key::text(&format!("p{i}")).unwrap()));
    }
    let r = c.batch(&b).unwrap();
    let wrong: Vec<usize> = (0..N)
        .filter(|&i| {
            r[N + i].as_ref().ok() != Some(&Reply::Value(Some(format!("pv{i}").into_bytes())))
        })
        .collect();

    // Deterministic: through a proxy that holds the requests of the first
    // connection of each fresh client (the batch's first lane) for 150 ms,
    // so a split by position runs the later requests first.
    let px = Proxy::start(srv.port);
    let run_slow_first = |b: &Batch| {
        let c = Client::new(Options {
            fanout_min: 1,
            ..opts(px.port, 4)
        });
        let f = &px.faults;
        f.delay_requests_ms.store(150, Ordering::SeqCst);
        f.delay_requests_conn
            .store(f.accepted.load(Ordering::SeqCst) + 1, Ordering::SeqCst);
        let r = c.batch(b).unwrap();
        f.delay_requests_conn.store(0, Ordering::SeqCst);
        assert_idle_accounting(&c);
        r
    };
    let mut b2 = Batch::new();
    b2.push_cmd(&put_cmd("dep", "written", &[])).unwrap();
    b2.push(Request::Get(Key::text("dep").unwrap()));
    let dep = run_slow_first(&b2)[1].as_ref().ok().cloned();
    let mut b3 = Batch::new();
    b3.push_cmd(&put_cmd("last", "first", &[])).unwrap();
    b3.push_cmd(&put_cmd("last", "second", &[])).unwrap();
    run_slow_first(&b3);
    let last = get(&c, "last").unwrap();

    assert!(
        wrong.is_empty(),
        "{} of {N} GETs queued after their PUT in one batch did not see it (first: p{})",
        wrong.len(),
        wrong.first().copied().unwrap_or(0)
    );
    assert_eq!(
        dep,
        Some(Reply::Value(Some(b"written".to_vec()))),
        "a GET ran before the PUT queued ahead of it"
    );
    assert_eq!(
        last.as_deref(),
        Some("second"),
        "an earlier PUT in the batch won"
    );
    assert_idle_accounting(&c);
}

#[test]
fn batch_and_single_calls_mixed_keep_accounting() {
    let _g = shared();
    let srv = Server::start();
    let c = Client::new(Options {
        fanout_min: 500,
        ..opts(srv.port, 3)
    });
    let seen = Mutex::new(HashSet::new());
    let barrier = Barrier::new(6);
    thread::scope(|sc| {
        for t in 0..6 {
            let (c, seen, barrier) = (&c, &seen, &barrier);
            sc.spawn(move || {
                barrier.wait();
                for round in 0..20 {
                    if (t + round) % 2 == 0 {
                        let mut b = Batch::new();
                        for i in 0..1500 {
                            b.push_cmd(&put_cmd(&format!("x{t}-{i}"), &format!("{round}"), &[]))
                                .unwrap();
                        }
                        assert_eq!(c.batch(&b).unwrap().len(), 1500);
                    } else {
                        let k = format!("x{t}-{round}");
                        put(c, &k, "single").unwrap();
                        assert_eq!(get(c, &k).unwrap().as_deref(), Some("single"));
                    }
                    let s = c.pool_stats();
                    assert!(s.open <= s.size, "{s:?}");
                }
                seen.lock().unwrap().insert(t);
            });
        }
    });
    assert_eq!(seen.into_inner().unwrap().len(), 6);
    let s = c.pool_stats();
    assert!(s.created <= 3 && s.discarded == 0, "{s:?}");
    assert_idle_accounting(&c);
}

/// A batch with many replies to come sleeps until the bytes they must take
/// at the least have arrived (SO_RCVLOWAT). Replies that trickle in one by
/// one still complete the batch as soon as the last arrives; a connection
/// closed in the middle of a batch fails it at once, not at the timeout;
/// and the connection goes back to the pool woken by any byte, so a single
/// call on it after the batch does not wait.
#[test]
fn batches_waiting_for_many_replies_wake_when_they_are_in() {
    let _g = shared();
    let srv = Server::start();
    let px = Proxy::start(srv.port);
    let c = Client::new(Options {
        timeout_ms: 3000,
        busy_poll_us: 0,
        ..opts(px.port, 1)
    });
    const N: usize = 200;
    let mut puts = Batch::new();
    for i in 0..N {
        puts.push_cmd(&put_cmd(&format!("lw{i}"), &format!("v{i}"), &[]))
            .unwrap();
    }
    assert!(c
        .batch(&puts)
        .unwrap()
        .iter()
        .all(|r| r.as_ref().unwrap() == &Reply::Stored));
    let mut gets = Batch::new();
    for i in 0..N {
        gets.push(Request::Get(Key::text(&format!("lw{i}")).unwrap()));
    }
    // One reply line every millisecond: about 200 ms in all.
    px.faults.set_delay(1, false);
    let t0 = Instant::now();
    let r = c.batch(&gets).unwrap();
    let took = t0.elapsed();
    for (i, x) in r.into_iter().enumerate() {
        assert_eq!(x.unwrap(), Reply::Value(Some(format!("v{i}").into_bytes())));
    }
    assert!(took >= Duration::from_millis(150), "{took:?}");
    assert!(
        took < Duration::from_millis(2000),
        "waited for the timeout: {took:?}"
    );
    px.faults.set_delay(0, false);

    // The same connection, for one GET: answered at once.
    let t0 = Instant::now();
    assert_eq!(get(&c, "lw7").unwrap().as_deref(), Some("v7"));
    assert!(
        t0.elapsed() < Duration::from_millis(1000),
        "{:?}",
        t0.elapsed()
    );
    assert_eq!(c.pool_stats().created, 1, "one connection throughout");

    // The connection closes after 50 replies of a batch of 200.
    px.faults.drop_after.store(50, Ordering::SeqCst);
    let t0 = Instant::now();
    let e = c.batch(&gets).expect_err("the connection closed mid-batch");
    assert!(
        t0.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t0.elapsed()
    );
    assert_eq!(e.kind(), ErrorKind::Connection, "{e:?}");
    assert_eq!(get(&c, "lw8").unwrap().as_deref(), Some("v8"));
    assert_idle_accounting(&c);
}
