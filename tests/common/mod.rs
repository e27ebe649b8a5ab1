//! Test helpers: the reference server as a child process (killed on drop)
//! and a fault-injecting TCP proxy that sits between the client and it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The server binary: `TAGCACHE_SERVER_BIN`, else `target/{release,debug}`
/// under the crate and under `CARGO_TARGET_DIR`.
pub fn server_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("TAGCACHE_SERVER_BIN") {
        let p = PathBuf::from(p);
        assert!(
            p.is_file(),
            "TAGCACHE_SERVER_BIN={} does not exist",
            p.display()
        );
        return p;
    }
    let mut roots = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("target")];
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        roots.insert(0, PathBuf::from(t));
    }
    let mut tried = Vec::new();
    for root in &roots {
        for profile in ["release", "debug"] {
            let p = root.join(profile).join("tagcache-server");
            if p.is_file() {
                return p;
            }
            tried.push(p.display().to_string());
        }
    }
    panic!(
        "tagcache-server binary not found (tried {}); build it first with \
         `cargo build --release -p tagcache-server` (same CARGO_TARGET_DIR) \
         or set TAGCACHE_SERVER_BIN",
        tried.join(", ")
    );
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().unwrap().port()
}

/// A running `tagcache-server`; killed and reaped on drop.
pub struct Server {
    child: Option<Child>,
    /// Held so the server never writes to a closed pipe.
    _stdout: Option<BufReader<ChildStdout>>,
    pub port: u16,
}

impl Server {
    /// On a free port chosen by the server.
    pub fn start() -> Server {
        Server::spawn(0)
    }

    /// On this port (the restart test).
    pub fn start_on(port: u16) -> Server {
        Server::spawn(port)
    }

    fn spawn(port: u16) -> Server {
        let bin = server_bin();
        let mut child = Command::new(&bin)
            .args(["--port", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let mut out = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        let n = out.read_line(&mut line).unwrap_or(0);
        let port = line
            .trim()
            .strip_prefix("tagcache-server listening on ")
            .and_then(|a| a.rsplit(':').next())
            .and_then(|p| p.parse::<u16>().ok());
        let Some(port) = port.filter(|_| n > 0) else {
            let _ = child.kill();
            let status = child.wait();
            panic!("tagcache-server did not start: first line {line:?}, status {status:?}");
        };
        Server {
            child: Some(child),
            _stdout: Some(out),
            port,
        }
    }

    /// Kills the server now (SIGKILL) and waits for it: its sockets are
    /// closed when this returns.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        self._stdout = None;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What the proxy does to the replies going back to the client. All
/// switches can be flipped while connections are open.
#[derive(Debug)]
pub struct Faults {
    /// Hold each reply line this long before forwarding it.
    pub delay_ms: AtomicU64,
    /// With a delay: send the first half of the line at once and only the
    /// rest after the delay (the client times out in the middle of a reply).
    pub split: AtomicBool,
    /// One-shot: the next reply line (on any connection) is replaced by this.
    pub garbage: Mutex<Option<Vec<u8>>>,
    /// One-shot: forward this many more reply lines (all connections), then
    /// close the connection whose reply would be next instead of forwarding
    /// it. -1: off.
    pub drop_after: AtomicI64,
    /// Every connection closes instead of forwarding its reply number
    /// N + 1 (so it serves N replies). 0: off.
    pub drop_every_conn: AtomicU64,
    /// Requests of the connection accepted as number N (1-based; 0: off)
    /// are held `delay_requests_ms` before they go to the server.
    pub delay_requests_conn: AtomicU64,
    pub delay_requests_ms: AtomicU64,
    // Counters.
    pub accepted: AtomicU64,
    pub active: AtomicUsize,
    pub request_lines: AtomicU64,
    pub incr_lines: AtomicU64,
    pub replies: AtomicU64,
    pub drops: AtomicU64,
    pub garbled: AtomicU64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            delay_ms: AtomicU64::new(0),
            split: AtomicBool::new(false),
            garbage: Mutex::new(None),
            drop_after: AtomicI64::new(-1),
            drop_every_conn: AtomicU64::new(0),
            delay_requests_conn: AtomicU64::new(0),
            delay_requests_ms: AtomicU64::new(0),
            accepted: AtomicU64::new(0),
            active: AtomicUsize::new(0),
            request_lines: AtomicU64::new(0),
            incr_lines: AtomicU64::new(0),
            replies: AtomicU64::new(0),
            drops: AtomicU64::new(0),
            garbled: AtomicU64::new(0),
        }
    }
}

impl Faults {
    pub fn set_delay(&self, ms: u64, split: bool) {
        self.split.store(split, Ordering::SeqCst);
        self.delay_ms.store(ms, Ordering::SeqCst);
    }

    pub fn garble_next(&self, line: &[u8]) {
        *self.garbage.lock().unwrap() = Some(line.to_vec());
    }

    /// True when the one-shot countdown says: drop this one.
    fn take_drop_after(&self) -> bool {
        let mut cur = self.drop_after.load(Ordering::SeqCst);
        loop {
            if cur < 0 {
                return false;
            }
            let next = if cur == 0 { -1 } else { cur - 1 };
            match self
                .drop_after
                .compare_exchange(cur, next, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return cur == 0,
                Err(now) => cur = now,
            }
        }
    }
}

/// Proxied connections alive in this process, over all proxies (their
/// threads outlive the `Proxy` until the sockets close).
pub static LIVE_PROXY_CONNS: AtomicUsize = AtomicUsize::new(0);

/// Waits until no proxied connection of any proxy is left.
pub fn wait_no_proxy_conns(within: Duration) -> bool {
    let end = Instant::now() + within;
    while LIVE_PROXY_CONNS.load(Ordering::SeqCst) != 0 {
        if Instant::now() >= end {
            return false;
        }
        thread::sleep(Duration::from_millis(5));
    }
    true
}

/// A TCP proxy on 127.0.0.1:0 that forwards to the server, two threads per
/// connection, and misbehaves as `faults` says.
pub struct Proxy {
    pub port: u16,
    pub faults: Arc<Faults>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Proxy {
    pub fn start(upstream_port: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy bind");
        let port = listener.local_addr().unwrap().port();
        let faults = Arc::new(Faults::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (f, s) = (faults.clone(), stop.clone());
        let accept = thread::spawn(move || {
            for client in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let ordinal = f.accepted.fetch_add(1, Ordering::SeqCst) + 1;
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream_port)) else {
                    // Server down: the client sees the connection closed.
                    drop(client);
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                f.active.fetch_add(1, Ordering::SeqCst);
                LIVE_PROXY_CONNS.fetch_add(1, Ordering::SeqCst);
                spawn_conn(client, server, f.clone(), ordinal);
            }
        });
        Proxy {
            port,
            faults,
            stop,
            accept: Some(accept),
        }
    }

    /// Waits until every proxied connection has been closed.
    pub fn wait_idle(&self, within: Duration) -> bool {
        let end = Instant::now() + within;
        while Instant::now() < end {
            if self.faults.active.load(Ordering::SeqCst) == 0 {
                return true;
            }
            thread::sleep(Duration::from_millis(5));
        }
        self.faults.active.load(Ordering::SeqCst) == 0
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn close_both(a: &TcpStream, b: &TcpStream) {
    let _ = a.shutdown(Shutdown::Both);
    let _ = b.shutdown(Shutdown::Both);
}

fn spawn_conn(client: TcpStream, server: TcpStream, f: Arc<Faults>, ordinal: u64) {
    let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
        f.active.fetch_sub(1, Ordering::SeqCst);
        LIVE_PROXY_CONNS.fetch_sub(1, Ordering::SeqCst);
        return;
    };
    // Client -> server: forward bytes, counting request lines.
    let fc = f.clone();
    let up = thread::spawn(move || {
        let (mut from, mut to) = (c2, s2);
        let mut buf = vec![0u8; 64 * 1024];
        // The first bytes of the current request line (for the verb).
        let mut head: Vec<u8> = Vec::with_capacity(8);
        let mut at_start = true;
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            for &b in &buf[..n] {
                if b == b'\n' {
                    fc.request_lines.fetch_add(1, Ordering::SeqCst);
                    if head.eq_ignore_ascii_case(b"INCR\t") {
                        fc.incr_lines.fetch_add(1, Ordering::SeqCst);
                    }
                    head.clear();
                    at_start = true;
                } else if at_start {
                    head.push(b);
                    if head.len() == 5 {
                        at_start = false;
                    }
                }
            }
            if fc.delay_requests_conn.load(Ordering::SeqCst) == ordinal {
                thread::sleep(Duration::from_millis(
                    fc.delay_requests_ms.load(Ordering::SeqCst),
                ));
            }
            if to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        close_both(&from, &to);
    });
    // Server -> client: line by line, with the faults.
    thread::spawn(move || {
        let mut to = client;
        let mut from = BufReader::with_capacity(64 * 1024, server);
        let mut served: u64 = 0;
        let mut line = Vec::new();
        loop {
            line.clear();
            match from.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let every = f.drop_every_conn.load(Ordering::SeqCst);
            if (every > 0 && served >= every) || f.take_drop_after() {
                f.drops.fetch_add(1, Ordering::SeqCst);
                break;
            }
            served += 1;
            if let Some(g) = f.garbage.lock().unwrap().take() {
                f.garbled.fetch_add(1, Ordering::SeqCst);
                line.clear();
                line.extend_from_slice(&g);
                line.push(b'\n');
            }
            let delay = f.delay_ms.load(Ordering::SeqCst);
            let res = if delay > 0 && f.split.load(Ordering::SeqCst) && line.len() > 1 {
                let half = line.len() / 2;
                to.write_all(&line[..half])
                    .and_then(|_| to.flush())
                    .and_then(|_| {
                        thread::sleep(Duration::from_millis(delay));
                        to.write_all(&line[half..])
                    })
            } else {
                if delay > 0 {
                    thread::sleep(Duration::from_millis(delay));
                }
                to.write_all(&line)
            };
            if res.is_err() {
                break;
            }
            f.replies.fetch_add(1, Ordering::SeqCst);
        }
        close_both(&to, from.get_ref());
        let _ = up.join();
        // Both threads are done; drop the sockets before counting down.
        drop(to);
        drop(from);
        f.active.fetch_sub(1, Ordering::SeqCst);
        LIVE_PROXY_CONNS.fetch_sub(1, Ordering::SeqCst);
    });
}

/// Number of open file descriptors of this process.
pub fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("read /proc/self/fd")
        .count()
}

/// A raw one-shot request to the server, bypassing the client under test.
pub fn raw_request(port: u16, line: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("raw connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(line.as_bytes()).unwrap();
    s.write_all(b"\n").unwrap();
    let mut out = String::new();
    BufReader::new(s).read_line(&mut out).expect("raw reply");
    out.trim_end_matches('\n').to_string()
}
