//! Hostile and careless clients: bytes that are not UTF-8, overlong lines,
//! empty lines, and thousands of connections dropped at any point.

mod common;

use common::{Conn, Server};
use std::fs;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

#[test]
fn invalid_utf8_is_refused_and_connection_stays_usable() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    c.write(b"PUT\tk\t-\t-\t\xff\xfe binary\n");
    assert_eq!(c.read_reply().as_deref(), Some("ERR invalid_utf8"));
    c.write(b"GET\t\xc3\x28\n");
    assert_eq!(c.read_reply().as_deref(), Some("ERR invalid_utf8"));
    assert_eq!(c.request("GET\tk"), "NF", "the invalid PUT stored nothing");
    assert_eq!(c.request("PUT\tk\t-\t-\tgr\u{fc}\u{df}e"), "OK");
    assert_eq!(c.request("GET\tk"), "VALUE\tgr\u{fc}\u{df}e");
    assert_eq!(c.request("STATS"), "STATS\t1\t1\t1\t0\t0.500000");
}

#[test]
fn empty_lines_get_no_reply() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    c.write(b"\n\r\n\r\r\nPUT\tk\t-\t-\tv\n\nGET\tk\n");
    assert_eq!(c.read_reply().as_deref(), Some("OK"));
    assert_eq!(c.read_reply().as_deref(), Some("VALUE\tv"));
}

#[test]
fn overlong_line_gets_error_then_close() {
    let server = Server::start(&["--max-line-bytes", "1024"]);

    // A line of exactly the limit is fine.
    let mut c = server.connect();
    let value = "v".repeat(1024 - "PUT\tk\t-\t-\t".len());
    assert_eq!(c.request(&format!("PUT\tk\t-\t-\t{value}")), "OK");
    assert_eq!(c.request("GET\tk"), format!("VALUE\t{value}"));

    // One byte more: earlier requests are answered, then the error, then EOF.
    let mut c = server.connect();
    c.write(format!("GET\tk\nPUT\tk\t-\t-\t{value}x\nGET\tk\n").as_bytes());
    assert_eq!(c.read_reply(), Some(format!("VALUE\t{value}")));
    assert_eq!(c.read_reply().as_deref(), Some("ERR line_too_long"));
    c.expect_closed();

    // A line that never ends: the server stops reading it, so a client
    // writing 64 MiB without a newline fails long before it is done.
    let mut c = server.connect();
    let mut writer = c.stream.try_clone().expect("clone socket");
    let flood = thread::spawn(move || {
        let chunk = vec![b'x'; 64 * 1024];
        for sent in 0..1024 {
            if writer.write_all(&chunk).is_err() {
                return sent;
            }
        }
        1024
    });
    assert_eq!(c.read_reply().as_deref(), Some("ERR line_too_long"));
    let sent_chunks = flood.join().expect("writer thread");
    assert!(
        sent_chunks < 1024,
        "the server kept reading the endless line"
    );

    let mut c = server.connect();
    assert_eq!(
        c.request("GET\tk"),
        format!("VALUE\t{value}"),
        "server still up"
    );
}

fn count_dir(path: &str) -> usize {
    fs::read_dir(path).map(|d| d.count()).unwrap_or(usize::MAX)
}

fn rss_kib(pid: u32) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Thousands of connections opened and dropped, many in the middle of a
/// line or of a batch, leave no thread, file descriptor or memory behind.
#[test]
fn dropped_connections_leak_nothing() {
    let server = Server::start(&[]);
    let pid = server.pid();
    let fd_dir = format!("/proc/{pid}/fd");
    let task_dir = format!("/proc/{pid}/task");
    {
        let mut c = server.connect();
        assert_eq!(c.request("PUT\tk\t-\tt\tv"), "OK");
    }
    // Let the first connection's thread finish before taking the baseline.
    let settle = |fds: usize, tasks: usize| {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let now = (count_dir(&fd_dir), count_dir(&task_dir));
            if (now.0 <= fds && now.1 <= tasks) || Instant::now() > deadline {
                return now;
            }
            thread::sleep(Duration::from_millis(20));
        }
    };
    let (base_fds, base_tasks) = settle(usize::MAX, 3);
    let base_rss = rss_kib(pid);
    let mut peak_tasks = 0;

    for round in 0..10 {
        let mut open = Vec::new();
        for i in 0..200 {
            let mut s = TcpStream::connect(server.addr).expect("connect");
            // Errors are expected: the server may already have closed.
            let _ = match (round + i) % 6 {
                0 => Ok(()),
                1 => s.write_all(b"PUT\tk\t-\t-\thalf a li"),
                2 => s.write_all(b"GET\tk\nGET\tk\nKEYS\tt\n"),
                3 => s
                    .write_all(b"GET\tk\nPUT\tk2\t-\t-\tunfinished")
                    .and_then(|_| s.shutdown(Shutdown::Write)),
                4 => s.write_all(&vec![b'y'; 100_000]),
                _ => s.write_all(b"GET\tk\n").and_then(|_| {
                    let mut b = [0u8; 3];
                    s.read_exact(&mut b)
                }),
            };
            open.push(s);
        }
        peak_tasks = peak_tasks.max(count_dir(&task_dir));
        drop(open);
    }
    assert!(
        peak_tasks > base_tasks + 10,
        "connections never got threads?"
    );

    let (fds, tasks) = settle(base_fds, base_tasks);
    assert!(fds <= base_fds, "fds: {fds} now, {base_fds} before");
    assert!(
        tasks <= base_tasks,
        "threads: {tasks} now, {base_tasks} before"
    );
    let rss = rss_kib(pid);
    assert!(
        rss < base_rss + 64 * 1024,
        "RSS grew from {base_rss} KiB to {rss} KiB"
    );

    let mut c = Conn::connect(server.addr);
    assert_eq!(c.request("GET\tk"), "VALUE\tv");
    assert_eq!(c.request("GET\tk2"), "NF", "half lines are never run");
}
