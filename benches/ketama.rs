//! The ketama ring (src/client/ketama.rs): building it for a server list,
//! and placing one key (MD5 of the key plus a binary search).
//!
//!     cargo bench --bench ketama
//!
//! Every row is measured twice: `wall/...` in wall time (criterion's
//! default), `cpu/...` in CPU time of the benchmark thread, which other
//! processes on a shared machine do not inflate. The baseline row
//! `lookup/md5_only` hashes the keys without searching the ring, so the
//! search's own cost is the difference to `lookup/3` etc. The rows
//! `lookup/md5_x4_only` and `lookup_batch/N` hash keys LANES at a time
//! (`key_hashes`, `Ring::servers_for`, as a batch's keys are placed), per
//! key; `lookup_batch` counts a Vec of the batch's 100 keys too.

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::time::Duration;
use tagcache::client::ketama::{key_hash, key_hashes, Ring, LANES};

/// CPU time consumed by the calling thread.
struct ThreadCpu(WallTime);

fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write; the clock always exists
    // on Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

impl Measurement for ThreadCpu {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        thread_cpu()
    }
    fn end(&self, start: Duration) -> Duration {
        thread_cpu().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    /// Nanoseconds, shown as wall time is.
    fn formatter(&self) -> &dyn ValueFormatter {
        self.0.formatter()
    }
}

fn servers(n: usize) -> Vec<(String, u16, u32)> {
    (0..n)
        .map(|i| {
            (
                "127.0.0.1".to_owned(),
                20_000 + i as u16,
                1 + (i % 3) as u32,
            )
        })
        .collect()
}

fn ring(list: &[(String, u16, u32)]) -> Ring {
    let list: Vec<(&str, u16, u32)> = list.iter().map(|(h, p, w)| (h.as_str(), *p, *w)).collect();
    Ring::new(&list)
}

/// Keys shaped like an application's: "user:123456:profile" (19 bytes).
fn keys() -> Vec<String> {
    (0..1024)
        .map(|i| format!("user:{}:profile", 100_000 + i * 7919))
        .collect()
}

fn run<M: Measurement>(c: &mut Criterion<M>, clock: &str) {
    let mut group = c.benchmark_group(format!("{clock}/build"));
    for n in [3, 10, 100] {
        let list = servers(n);
        group.bench_with_input(BenchmarkId::from_parameter(n), &list, |b, list| {
            b.iter(|| ring(list))
        });
    }
    group.finish();

    // One key per iteration, cycling over 1024 keys: the time is the
    // time of one lookup.
    let keys = keys();
    let mut group = c.benchmark_group(format!("{clock}/lookup"));
    group.throughput(Throughput::Elements(1));
    let mut i = 0;
    group.bench_function("md5_only", |b| {
        b.iter(|| {
            i = (i + 1) % keys.len();
            key_hash(black_box(keys[i].as_bytes()))
        })
    });
    for n in [3, 10, 100] {
        let r = ring(&servers(n));
        group.bench_with_input(BenchmarkId::from_parameter(n), &r, |b, r| {
            b.iter(|| {
                i = (i + 1) % keys.len();
                r.server_for(black_box(keys[i].as_bytes()))
            })
        });
    }
    group.finish();

    // Keys placed in groups (Ring::place, as Client::run does): LANES keys
    // hashed at once per iteration for md5_xN_only, a batch of 100 keys
    // per iteration for lookup_batch. Times are per key.
    let mut group = c.benchmark_group(format!("{clock}/lookup"));
    group.throughput(Throughput::Elements(LANES as u64));
    group.bench_function(format!("md5_x{LANES}_only"), |b| {
        b.iter(|| {
            i = (i + LANES) % (keys.len() - LANES);
            key_hashes(black_box(std::array::from_fn(|l| keys[i + l].as_bytes())))
        })
    });
    group.finish();
    let batch = 100;
    let mut group = c.benchmark_group(format!("{clock}/lookup_batch"));
    group.throughput(Throughput::Elements(batch as u64));
    let mut out = vec![0usize; batch];
    for n in [3, 10, 100] {
        let r = ring(&servers(n));
        group.bench_with_input(BenchmarkId::from_parameter(n), &r, |b, r| {
            b.iter(|| {
                i = (i + batch) % (keys.len() - batch);
                let group: Vec<&[u8]> = keys[i..i + batch].iter().map(|k| k.as_bytes()).collect();
                r.servers_for(black_box(&group), &mut out);
                black_box(&out);
            })
        });
    }
    group.finish();
}

fn wall(c: &mut Criterion) {
    run(c, "wall");
}

fn cpu(c: &mut Criterion<ThreadCpu>) {
    run(c, "cpu");
}

fn config<M: Measurement>(c: Criterion<M>) -> Criterion<M> {
    c.warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20)
}

criterion_group! {
    name = wall_time;
    config = config(Criterion::default());
    targets = wall
}
criterion_group! {
    name = cpu_time;
    config = config(Criterion::default().with_measurement(ThreadCpu(WallTime)));
    targets = cpu
}
criterion_main!(wall_time, cpu_time);
