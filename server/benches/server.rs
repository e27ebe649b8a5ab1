//! Round trips and pipelined throughput of the reference server over
//! loopback. The server runs in-process (`tagcache_server::serve`) on a free
//! port; each benchmark talks to it over one TCP connection.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;
use tagcache_server::{serve, Config};

const KEYS: usize = 1000;
const VALUE: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn start_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    thread::spawn(move || serve(listener, Config::default()));
    addr
}

struct Client {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
    line: Vec<u8>,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let writer = TcpStream::connect(addr).expect("connect");
        writer.set_nodelay(true).expect("nodelay");
        let reader = BufReader::new(writer.try_clone().expect("clone socket"));
        Client {
            writer,
            reader,
            line: Vec::new(),
        }
    }

    /// Sends `requests` (holding `n` lines) in one write, reads `n` replies.
    fn send(&mut self, requests: &[u8], n: usize) {
        self.writer.write_all(requests).expect("write");
        for _ in 0..n {
            self.line.clear();
            let read = self.reader.read_until(b'\n', &mut self.line).expect("read");
            assert!(read > 0, "server closed the connection");
        }
    }
}

fn get_lines(n: usize) -> Vec<u8> {
    (0..n)
        .flat_map(|i| format!("GET\tk{}\n", i % KEYS).into_bytes())
        .collect()
}

fn put_lines(n: usize) -> Vec<u8> {
    (0..n)
        .flat_map(|i| format!("PUT\tk{}\t-\tt{}\t{VALUE}\n", i % KEYS, i % 10).into_bytes())
        .collect()
}

/// One PUT of key "tagged" carrying `n` distinct tags ("tag0,tag1,...").
fn tagged_put_line(n: usize) -> Vec<u8> {
    let tags: Vec<String> = (0..n).map(|i| format!("tag{i}")).collect();
    format!("PUT\ttagged\t-\t{}\t{VALUE}\n", tags.join(",")).into_bytes()
}

fn benches(c: &mut Criterion) {
    let addr = start_server();
    let mut client = Client::connect(addr);
    client.send(&put_lines(KEYS), KEYS);

    let mut group = c.benchmark_group("roundtrip");
    group.throughput(Throughput::Elements(1));
    let get = get_lines(1);
    group.bench_function("GET", |b| b.iter(|| client.send(&get, 1)));
    let put = put_lines(1);
    group.bench_function("PUT", |b| b.iter(|| client.send(&put, 1)));
    group.finish();

    let mut group = c.benchmark_group("pipelined");
    for n in [100, 1000] {
        group.throughput(Throughput::Elements(n as u64));
        let gets = get_lines(n);
        group.bench_with_input(BenchmarkId::new("GET", n), &gets, |b, gets| {
            b.iter(|| client.send(gets, n))
        });
        let puts = put_lines(n);
        group.bench_with_input(BenchmarkId::new("PUT", n), &puts, |b, puts| {
            b.iter(|| client.send(puts, n))
        });
    }
    group.finish();

    // A PUT with many tags (issue 16: their de-duplication was quadratic).
    // The same key each time, so after the first PUT every one replaces an
    // entry carrying the same tags, as a cache refresh does.
    let mut group = c.benchmark_group("tags");
    group.sample_size(10);
    group.throughput(Throughput::Elements(1));
    for n in [1000, 100_000] {
        let put = tagged_put_line(n);
        group.bench_with_input(BenchmarkId::new("PUT", n), &put, |b, put| {
            b.iter(|| client.send(put, 1))
        });
    }
    group.finish();
}

criterion_group! {
    name = server;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    targets = benches
}
criterion_main!(server);
