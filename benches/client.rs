//! Criterion benchmarks of the client core against the reference server,
//! run in-process (the `tagcache_server` library on a thread, 127.0.0.1,
//! a free port).
//!
//! ```text
//! cargo bench --bench client
//! cargo bench --bench client -- pipeline
//! ```
//!
//! Groups:
//! - `single`: one GET / one PUT round trip through `Client::run`;
//! - `pipeline`: 10 / 100 / 1000 GETs in one batch on one connection
//!   (`Client::run` with reused `Replies`, as the extension runs it);
//! - `fanout`: 10,000 GETs in one batch split over 1 / 2 / 4 / 8 connections;
//! - `fanout_min`: 250 to 4000 GETs over 1 / 2 / 4 connections, to place the
//!   default `fanout_min` where splitting starts to pay;
//! - `pool`: `Pool::checkout` + drop, uncontended and with 2 and 8 threads
//!   (pool of 8, so nobody waits: this is the cost of the queue, the lock and
//!   the checks a checkout makes).
//!
//! Every bench checks its replies once before it is timed (the values hold
//! their key), so a fast wrong answer cannot pass for a fast right one.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::net::TcpListener;
use std::sync::{Arc, Barrier, OnceLock};
use std::thread;
use std::time::{Duration, Instant};
use tagcache::client::batch::Batch;
use tagcache::client::config::Options;
use tagcache::client::conn::ConnOpts;
use tagcache::client::pool::Pool;
use tagcache::client::protocol::{Key, Meta, Reply, Request};
use tagcache::client::replies::Replies;
use tagcache::client::Client;

/// Keys written once before any bench reads them.
const KEYS: usize = 10_000;
const TIMEOUT: Duration = Duration::from_secs(5);

fn key(i: usize) -> String {
    format!("bench:k{i}")
}

fn value(i: usize) -> String {
    format!("v:bench:k{i}:{i}")
}

/// The port of the in-process server, started (and filled) on first use.
fn server_port() -> u16 {
    static PORT: OnceLock<u16> = OnceLock::new();
    *PORT.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        thread::Builder::new()
            .name("bench-server".into())
            .spawn(move || tagcache_server::serve(listener, tagcache_server::Config::default()))
            .expect("start server thread");
        fill(port);
        port
    })
}

fn options(port: u16, pool_size: usize, fanout_min: usize) -> Options {
    Options {
        port,
        pool_size,
        fanout_min,
        ..Options::default()
    }
}

/// Writes every bench key with its value, in batches of 1000.
fn fill(port: u16) {
    let client = Client::new(options(port, 1, usize::MAX));
    for chunk in (0..KEYS).collect::<Vec<_>>().chunks(1000) {
        let mut b = Batch::new();
        let meta = Meta::none();
        for &i in chunk {
            let (k, v) = (key(i), value(i));
            b.push_with(Request::Put(Key::text(&k).unwrap(), &meta), |buf| {
                buf.extend_from_slice(v.as_bytes());
                Ok::<(), ()>(())
            })
            .unwrap();
        }
        for r in client.batch(&b).expect("fill batch") {
            assert_eq!(r.expect("fill reply"), Reply::Stored);
        }
    }
}

/// A batch of GETs of keys `0..n`, cycling over the bench keys.
fn get_batch(n: usize) -> Batch {
    let mut b = Batch::with_capacity(n, n * 20);
    for i in 0..n {
        let k = key(i % KEYS);
        b.push(Request::Get(Key::text(&k).unwrap()));
    }
    b
}

/// Panics unless the replies are the values of keys `0..n`, in order.
fn check_gets(replies: &[tagcache::client::Result<Reply>], n: usize) {
    assert_eq!(replies.len(), n, "one reply per request");
    for (i, r) in replies.iter().enumerate() {
        match r {
            Ok(Reply::Value(Some(v))) if v.as_slice() == value(i % KEYS).as_bytes() => {}
            other => panic!("GET {}: wrong reply {other:?}", key(i % KEYS)),
        }
    }
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(15)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

fn bench_single(c: &mut Criterion) {
    let port = server_port();
    let client = Client::new(options(port, 8, 2000));
    let k = key(1);
    let want = value(1).into_bytes();
    // As the extension runs a call: one request queued, sent with `run`
    // into reused replies.
    let call = |b: &Batch| {
        let mut out = Replies::new();
        client.run(b, &mut out)?;
        out.result(0)
    };
    let mut gb = Batch::new();
    gb.push(Request::Get(Key::text(&k).unwrap()));
    let get = || call(&gb);
    assert_eq!(get().expect("GET"), Reply::Value(Some(want.clone())));

    let mut g = c.benchmark_group("single");
    g.throughput(Throughput::Elements(1));
    g.bench_function("get", |b| b.iter(|| black_box(get().expect("GET"))));

    let pk = "bench:put";
    let pv = b"v:bench:put:0";
    let meta = Meta::none();
    let mut pb = Batch::new();
    pb.push_with(Request::Put(Key::text(pk).unwrap(), &meta), |b| {
        b.extend_from_slice(pv);
        Ok::<(), ()>(())
    })
    .unwrap();
    let put = || call(&pb);
    assert_eq!(put().expect("PUT"), Reply::Stored);
    g.bench_function("put", |b| b.iter(|| black_box(put().expect("PUT"))));
    g.finish();
}

fn bench_pipeline(c: &mut Criterion) {
    let port = server_port();
    // fanout_min out of reach: one connection, the pipeline alone.
    let client = Client::new(options(port, 8, usize::MAX));
    let mut g = c.benchmark_group("pipeline");
    let mut out = Replies::new();
    for n in [10usize, 100, 1000] {
        let batch = get_batch(n);
        check_gets(&client.batch(&batch).expect("batch"), n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("get", n), &batch, |b, batch| {
            b.iter(|| run_batch(&client, batch, &mut out))
        });
    }
    g.finish();
}

/// One timed batch the way the extension runs it: replies left in a
/// reused `Replies` (values in its arena), not copied out one `Vec` each as
/// `Client::batch` does for callers that want owned replies.
fn run_batch(client: &Client, batch: &Batch, out: &mut Replies) {
    client.run(batch, out).expect("batch");
    black_box(out.len());
}

fn bench_fanout(c: &mut Criterion) {
    const N: usize = 10_000;
    let port = server_port();
    let batch = get_batch(N);
    let mut g = c.benchmark_group("fanout");
    g.throughput(Throughput::Elements(N as u64));
    let mut out = Replies::new();
    for lanes in [1usize, 2, 4, 8] {
        // fanout_min = ceil(N / lanes): the batch splits into exactly `lanes`.
        let client = Client::new(options(port, lanes, N.div_ceil(lanes)));
        check_gets(&client.batch(&batch).expect("batch"), N);
        let open = client.pool_stats().open;
        assert_eq!(
            open, lanes,
            "fan-out over {lanes} lanes opened {open} connections"
        );
        g.bench_with_input(
            BenchmarkId::new("get10000_conns", lanes),
            &batch,
            |b, batch| b.iter(|| run_batch(&client, batch, &mut out)),
        );
    }
    g.finish();
}

/// Where splitting starts to pay: batches of 250..16000 GETs on 1, 2 and 4
/// connections.
fn bench_fanout_min(c: &mut Criterion) {
    let port = server_port();
    let mut g = c.benchmark_group("fanout_min");
    let mut out = Replies::new();
    for n in [250usize, 500, 1000, 2000, 4000, 8000, 16000] {
        let batch = get_batch(n);
        g.throughput(Throughput::Elements(n as u64));
        for lanes in [1usize, 2, 4] {
            let client = Client::new(options(port, lanes, n.div_ceil(lanes)));
            check_gets(&client.batch(&batch).expect("batch"), n);
            g.bench_with_input(
                BenchmarkId::new(format!("get{n}_conns"), lanes),
                &batch,
                |b, batch| b.iter(|| run_batch(&client, batch, &mut out)),
            );
        }
    }
    g.finish();
}

fn bench_pool(c: &mut Criterion) {
    let port = server_port();
    let addr = format!("127.0.0.1:{port}");
    let pool = Arc::new(Pool::new(
        ConnOpts {
            host: "127.0.0.1".into(),
            port,
            addr: addr.as_str().into(),
            connect_timeout: Duration::from_secs(1),
            keepalive: true,
            max_line: 1 << 20,
        },
        8,
    ));
    let mut g = c.benchmark_group("pool");
    g.throughput(Throughput::Elements(1));
    g.bench_function("checkout_drop/1_thread", |b| {
        b.iter(|| drop(black_box(pool.checkout(TIMEOUT).expect("checkout"))))
    });
    for threads in [2usize, 8] {
        // One iteration = one checkout+drop by each thread; the time is the
        // wall time of all of them, so elements/s is the pool's aggregate rate.
        g.throughput(Throughput::Elements(threads as u64));
        g.bench_function(format!("checkout_drop/{threads}_threads"), |b| {
            b.iter_custom(|iters| contended(&pool, threads, iters))
        });
    }
    g.finish();
    let s = pool.stats();
    assert_eq!(s.timeouts, 0, "no checkout may time out: {s:?}");
    assert!(s.open <= 8, "pool of 8 opened {}", s.open);
}

/// `threads` threads each check out and drop `iters` times, started together.
fn contended(pool: &Arc<Pool>, threads: usize, iters: u64) -> Duration {
    let start = Arc::new(Barrier::new(threads + 1));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let pool = Arc::clone(pool);
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                for _ in 0..iters {
                    drop(black_box(pool.checkout(TIMEOUT).expect("checkout")));
                }
            })
        })
        .collect();
    start.wait();
    let t0 = Instant::now();
    for w in workers {
        w.join().expect("worker");
    }
    t0.elapsed()
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_single, bench_pipeline, bench_fanout, bench_fanout_min, bench_pool
}
criterion_main!(benches);
