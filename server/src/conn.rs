//! One client connection: read requests, answer them in order, in batches.
//!
//! Requests are read into a buffer; every complete line already buffered is
//! answered into one output buffer, which is written with one `write_all`
//! once no complete line is left (so a pipelined batch costs one write, not
//! one per reply). A line longer than the limit is never buffered past the
//! limit: it is answered with `ERR line_too_long` and the connection closed.

use crate::protocol::{respond, respond_all};
use crate::store::Store;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Initial size of the read and write buffers.
const INITIAL_BUF: usize = 16 * 1024;
/// Buffers grown past this (by a big value) are shrunk back once idle.
const KEEP_BUF: usize = 1024 * 1024;
/// Requests answered together at most (see `respond_all`).
const GROUP: usize = 128;
/// Replies are written early once this much is pending within one batch.
const FLUSH_AT: usize = 1024 * 1024;
/// After `ERR line_too_long`, how long and how much to read (and discard)
/// before closing, so the error reaches the client instead of a reset.
const LINGER_TIME: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 4 * 1024 * 1024;

/// How a connection loop ended without an I/O error.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// The client closed its side (a half-written line is discarded).
    Eof,
    /// A line exceeded the limit; `ERR line_too_long` was written.
    LineTooLong,
}

/// Connection threads busy-polling their socket right now.
static SPINNERS: AtomicUsize = AtomicUsize::new(0);
/// After a spin that saw nothing, this many reads block at once.
const SPIN_BACKOFF: u32 = 16;

/// A socket read that first busy-polls for a short while. On a machine
/// where waking a sleeping thread costs tens of microseconds (a VM's idle
/// vCPU), a client that sends its next request within a few microseconds
/// of its last reply gets it answered without that wake-up. The spin is
/// bounded in time, in how many threads may spin at once (fewer than the
/// cores, so spinners never starve the threads doing work), and it backs
/// off on a connection where it found nothing (an idle pooled client)
/// until a request comes within the window again.
struct Spinning<'a> {
    stream: &'a TcpStream,
    spin: Duration,
    max_spinners: usize,
    /// Reads left that skip the spin after one that found nothing.
    backoff: u32,
    /// When the last reply was written (while backing off).
    wrote: Option<SystemTime>,
}

impl Spinning<'_> {
    /// One non-blocking read; `None` when nothing is there yet.
    fn try_read(&self, buf: &mut [u8]) -> Option<io::Result<usize>> {
        // SAFETY: `buf` is a valid, writable region of `buf.len()` bytes for
        // the whole call, and the descriptor is owned by `self.stream`.
        let n = unsafe {
            libc::recv(
                self.stream.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_DONTWAIT,
            )
        };
        if n >= 0 {
            return Some(Ok(n as usize));
        }
        let e = io::Error::last_os_error();
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => None,
            _ => Some(Err(e)),
        }
    }

    /// Asks the kernel to stamp received data with its arrival time
    /// (SO_TIMESTAMPNS), for `read_stamped`. Best effort. While any such
    /// socket is open the kernel stamps every packet it receives, a clock
    /// read each; only a spinning server asks.
    fn enable_stamps(&self) {
        let on: libc::c_int = 1;
        // SAFETY: the descriptor is owned by `self.stream`; the option value
        // is a live c_int whose size is given.
        unsafe {
            libc::setsockopt(
                self.stream.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_TIMESTAMPNS,
                std::ptr::addr_of!(on).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    }

    /// A blocking read that also says when the bytes it returns arrived
    /// (the kernel's receive time of the last of them), when the kernel
    /// stamped them.
    fn read_stamped(&self, buf: &mut [u8]) -> io::Result<(usize, Option<SystemTime>)> {
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        // Room for one SCM_TIMESTAMPNS message, aligned for cmsghdr.
        let mut control = [0u64; 8];
        // SAFETY: msghdr is plain data; all-zero is a valid empty header.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = std::mem::size_of_val(&control) as _;
        // SAFETY: `msg` points at `iov` (a writable region of `buf.len()`
        // bytes) and at `control`, both live for the whole call.
        let n = unsafe { libc::recvmsg(self.stream.as_raw_fd(), &mut msg, 0) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut arrived = None;
        // SAFETY: the kernel filled `msg_control`/`msg_controllen`; the
        // CMSG_* macros walk only within them, and a timestamp message
        // carries one timespec (read unaligned).
        unsafe {
            let mut c = libc::CMSG_FIRSTHDR(&msg);
            while !c.is_null() {
                if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_TIMESTAMPNS {
                    let ts: libc::timespec = std::ptr::read_unaligned(libc::CMSG_DATA(c).cast());
                    if let (Ok(s), Ok(ns)) = (u64::try_from(ts.tv_sec), u32::try_from(ts.tv_nsec)) {
                        arrived = Some(UNIX_EPOCH + Duration::new(s, ns));
                    }
                }
                c = libc::CMSG_NXTHDR(&msg, c);
            }
        }
        Ok((n as usize, arrived))
    }
}

impl Read for Spinning<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.spin.is_zero() || buf.is_empty() {
            return (&mut &*self.stream).read(buf);
        }
        if self.backoff > 0 {
            self.backoff -= 1;
            let (n, arrived) = self.read_stamped(buf)?;
            // A request that arrived within the window of the last reply
            // ends the backoff: the client is sending back to back again
            // (it went back to spinning itself), and a spinning server is
            // what lets it keep that pace. Without this the two sides'
            // backoffs held each other asleep: a client that spun found a
            // sleeping server, missed, and slept in turn. The kernel's
            // receive time is what counts: when this thread woke up adds
            // its own wake-up (tens of microseconds on a VM) to every gap.
            if let (Some(wrote), Some(arrived)) = (self.wrote.take(), arrived) {
                if arrived.duration_since(wrote).unwrap_or_default() < self.spin {
                    self.backoff = 0;
                }
            }
            return Ok(n);
        } else if SPINNERS.fetch_add(1, Ordering::AcqRel) < self.max_spinners {
            let start = Instant::now();
            let got = loop {
                if let Some(r) = self.try_read(buf) {
                    break Some(r);
                }
                if start.elapsed() >= self.spin {
                    break None;
                }
                // Let any other runnable thread have this core first.
                std::thread::yield_now();
            };
            SPINNERS.fetch_sub(1, Ordering::AcqRel);
            match got {
                Some(r) => return r,
                None => self.backoff = SPIN_BACKOFF,
            }
        } else {
            SPINNERS.fetch_sub(1, Ordering::AcqRel);
        }
        (&mut &*self.stream).read(buf)
    }
}

impl Write for Spinning<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = (&mut &*self.stream).write(buf)?;
        if self.backoff > 0 {
            self.wrote = Some(SystemTime::now());
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// How many connection threads may spin at once: one fewer than the
/// cores (at least one), so a spinning thread always leaves a core free.
/// Read once: `available_parallelism` reads the cgroup files each time,
/// and every connection asks.
pub(crate) fn max_spinners() -> usize {
    static MAX: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *MAX.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get().saturating_sub(1))
            .max(1)
    })
}

/// Serves one client until it closes, a line is too long, or I/O fails.
/// `spin`: how long to busy-poll for the next request (zero: never).
pub(crate) fn handle(stream: TcpStream, store: &Store, max_line: usize, spin: Duration) {
    // Small writes must not wait for Nagle; dead peers are found by
    // keepalive so their thread does not wait forever. Both best effort.
    let _ = stream.set_nodelay(true);
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10));
    let _ = socket2::SockRef::from(&stream).set_tcp_keepalive(&keepalive);

    let mut io = Spinning {
        stream: &stream,
        spin,
        max_spinners: max_spinners(),
        backoff: 0,
        wrote: None,
    };
    if !spin.is_zero() {
        io.enable_stamps();
    }
    if let Ok(End::LineTooLong) = run(&mut io, store, max_line) {
        linger(&stream);
    }
}

/// Closes our side, then reads and discards for a bounded time so that the
/// client sees the error reply rather than a reset of unread data.
fn linger(stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    if stream.set_read_timeout(Some(LINGER_TIME)).is_err() {
        return;
    }
    let deadline = Instant::now() + LINGER_TIME;
    let mut scratch = [0u8; 8192];
    let mut drained = 0;
    let mut reader = stream;
    while drained < LINGER_BYTES && Instant::now() < deadline {
        match reader.read(&mut scratch) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

/// The connection loop, over any byte stream (a `&TcpStream` in the server,
/// an in-memory stream in tests).
pub(crate) fn run<S: Read + Write>(
    stream: &mut S,
    store: &Store,
    max_line: usize,
) -> io::Result<End> {
    // buf[start..filled] is unconsumed input; buf[start..scanned] holds no '\n'.
    // The longest input we ever hold: a line one byte over the limit.
    let cap = max_line.saturating_add(1);
    let mut buf = vec![0u8; INITIAL_BUF.min(cap)];
    let (mut start, mut scanned, mut filled) = (0, 0, 0);
    let mut out: Vec<u8> = Vec::with_capacity(INITIAL_BUF);
    // The complete lines found in one pass, answered together (up to GROUP
    // at a time, so one connection never holds the store for long).
    let mut lines: Vec<(usize, usize)> = Vec::with_capacity(GROUP);
    loop {
        let mut too_long_line = false;
        loop {
            let found = memchr::memchr(b'\n', &buf[scanned..filled]);
            if let Some(i) = found {
                let end = scanned + i;
                if end - start > max_line {
                    too_long_line = true;
                } else {
                    lines.push((start, end));
                    start = end + 1;
                    scanned = start;
                }
            }
            if !lines.is_empty() && (found.is_none() || too_long_line || lines.len() == GROUP) {
                if let [(a, b)] = lines[..] {
                    respond(store, &buf[a..b], &mut out);
                } else {
                    let group: Vec<&[u8]> = lines.iter().map(|&(a, b)| &buf[a..b]).collect();
                    respond_all(store, &group, &mut out);
                }
                lines.clear();
                if out.len() >= FLUSH_AT {
                    stream.write_all(&out)?;
                    out.clear();
                }
            }
            if found.is_none() || too_long_line {
                break;
            }
        }
        if too_long_line {
            return too_long(stream, out);
        }
        scanned = filled;
        if filled - start > max_line {
            return too_long(stream, out);
        }
        if !out.is_empty() {
            stream.write_all(&out)?;
            out.clear();
            if out.capacity() > KEEP_BUF {
                out = Vec::with_capacity(INITIAL_BUF);
            }
        }

        // Make room: move the partial line to the front, grow a full
        // buffer (never past `cap`), shrink one a big value left behind.
        if start > 0 {
            buf.copy_within(start..filled, 0);
            filled -= start;
            scanned -= start;
            start = 0;
        }
        if filled == buf.len() {
            let len = buf.len().saturating_mul(2).min(cap).max(filled + 1);
            buf.resize(len, 0);
        } else if buf.len() > KEEP_BUF && filled <= INITIAL_BUF {
            let mut small = vec![0u8; INITIAL_BUF];
            small[..filled].copy_from_slice(&buf[..filled]);
            buf = small;
        }

        match stream.read(&mut buf[filled..]) {
            Ok(0) => return Ok(End::Eof),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

fn too_long<S: Write>(stream: &mut S, mut out: Vec<u8>) -> io::Result<End> {
    out.extend_from_slice(b"ERR line_too_long\n");
    stream.write_all(&out)?;
    Ok(End::LineTooLong)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An in-memory stream: hands out `input` in reads of `chunk` bytes and
    /// records every write call.
    struct Mock {
        input: Vec<u8>,
        pos: usize,
        chunk: usize,
        writes: Vec<Vec<u8>>,
    }

    impl Mock {
        fn new(input: &[u8], chunk: usize) -> Mock {
            Mock {
                input: input.to_vec(),
                pos: 0,
                chunk,
                writes: Vec::new(),
            }
        }
        fn output(&self) -> String {
            String::from_utf8(self.writes.concat()).unwrap()
        }
    }

    impl Read for Mock {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.chunk).min(self.input.len() - self.pos);
            buf[..n].copy_from_slice(&self.input[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    impl Write for Mock {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.writes.push(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Real-server defect: each reply took two writes. Here a pipelined
    /// batch that arrives in one read is answered with a single write.
    #[test]
    fn pipelined_batch_is_one_write() {
        let mut input = Vec::new();
        for i in 0..100 {
            input.extend_from_slice(format!("PUT\tk{i}\t-\t-\tv{i}\nGET\tk{i}\n").as_bytes());
        }
        let mut mock = Mock::new(&input, usize::MAX);
        let store = Store::new();
        assert_eq!(run(&mut mock, &store, 1 << 20).unwrap(), End::Eof);
        assert_eq!(mock.writes.len(), 1);
        let out = mock.output();
        assert_eq!(out.lines().count(), 200);
        assert!(out.ends_with("OK\nVALUE\tv99\n"));
    }

    /// Runs of GETs longer than a group, split by writes, in any chunking:
    /// every reply in request order.
    #[test]
    fn long_get_runs_answer_in_order() {
        let mut input = String::new();
        let mut want = String::new();
        for i in 0..300 {
            input += &format!("PUT\tk{i}\t-\t-\tv{i}\n");
            want += "OK\n";
        }
        let (mut hits, mut misses) = (1, 1); // the two GETs after the DEL
        for i in 0..300 {
            let k = (i * 7) % 310;
            input += &format!("GET\tk{k}\n");
            if k < 300 {
                want += &format!("VALUE\tv{k}\n");
                hits += 1;
            } else {
                want += "NF\n";
                misses += 1;
            }
        }
        input += "DEL\tk5\nGET\tk5\nGET\tk6\n";
        want += "DEL ok\nNF\nVALUE\tv6\n";
        for chunk in [usize::MAX, 4096, 7] {
            let mut mock = Mock::new(input.as_bytes(), chunk);
            let store = Store::new();
            run(&mut mock, &store, 1 << 20).unwrap();
            assert_eq!(mock.output(), want, "chunk {chunk}");
            let s = store.stats();
            assert_eq!((s.hits, s.misses), (hits, misses), "chunk {chunk}");
        }
    }

    #[test]
    fn lines_split_across_reads() {
        let input = b"PUT\tk\t-\t-\thello world\nGET\tk\n\nGET\tk\r\n";
        for chunk in 1..8 {
            let mut mock = Mock::new(input, chunk);
            let store = Store::new();
            run(&mut mock, &store, 1 << 20).unwrap();
            assert_eq!(
                mock.output(),
                "OK\nVALUE\thello world\nVALUE\thello world\n"
            );
        }
    }

    #[test]
    fn half_line_at_eof_is_dropped() {
        let mut mock = Mock::new(b"GET\tk\nPUT\tk\t-\t-\tv", 3);
        let store = Store::new();
        assert_eq!(run(&mut mock, &store, 1 << 20).unwrap(), End::Eof);
        assert_eq!(mock.output(), "NF\n");
        assert!(store.is_empty());
    }

    #[test]
    fn line_limit_is_exact() {
        let max = 20;
        let ok = format!("PUT\tk\t-\t-\t{}\n", "x".repeat(max - 10));
        assert_eq!(ok.len(), max + 1);
        let mut mock = Mock::new(ok.as_bytes(), 7);
        run(&mut mock, &Store::new(), max).unwrap();
        assert_eq!(mock.output(), "OK\n");

        // One byte more, complete or not: answered, then the loop ends
        // without reading the rest.
        let long = format!("GET\tk\nPUT\tk\t-\t-\t{}\nGET\tk\n", "x".repeat(max - 9));
        for chunk in [1, 7, usize::MAX] {
            let mut mock = Mock::new(long.as_bytes(), chunk);
            let end = run(&mut mock, &Store::new(), max).unwrap();
            assert_eq!(end, End::LineTooLong);
            assert_eq!(mock.output(), "NF\nERR line_too_long\n");
        }
    }

    #[test]
    fn unbounded_line_is_not_buffered() {
        let max = 1000;
        let input = vec![b'x'; 1 << 20];
        let mut mock = Mock::new(&input, 100);
        assert_eq!(
            run(&mut mock, &Store::new(), max).unwrap(),
            End::LineTooLong
        );
        assert!(mock.pos <= max + 1, "read {} bytes", mock.pos);
    }

    /// A connected pair of loopback sockets (client, server side).
    fn socket_pair() -> (TcpStream, TcpStream) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        (client, server)
    }

    /// Sends lines until the server side reads one with its arrival time:
    /// the kernel turns receive timestamps on a moment after the first
    /// socket asks (a deferred static key), so the first reads may lack
    /// them. Their absence only keeps a backoff going. The time window of
    /// the stamped read is returned with it.
    fn first_stamped(
        io: &Spinning<'_>,
        client: &mut TcpStream,
    ) -> (SystemTime, SystemTime, SystemTime) {
        let mut buf = [0u8; 64];
        for _ in 0..200 {
            let before = SystemTime::now();
            client.write_all(b"GET\tk\n").unwrap();
            let (n, arrived) = io.read_stamped(&mut buf).unwrap();
            let after = SystemTime::now();
            assert_eq!(&buf[..n], b"GET\tk\n");
            if let Some(at) = arrived {
                return (before, at, after);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("no receive timestamp in 2 s: SO_TIMESTAMPNS not honoured");
    }

    #[test]
    fn stamped_read_says_when_bytes_arrived() {
        let (mut client, server) = socket_pair();
        let io = Spinning {
            stream: &server,
            spin: Duration::from_secs(1),
            max_spinners: 1,
            backoff: 0,
            wrote: None,
        };
        io.enable_stamps();
        let (before, arrived, after) = first_stamped(&io, &mut client);
        assert!(before <= arrived && arrived <= after);
    }

    /// While backing off, a request that arrives within the spin window of
    /// the last reply ends the backoff; one that arrives later only counts
    /// it down.
    #[test]
    fn prompt_request_ends_backoff() {
        let (mut client, server) = socket_pair();
        let mut io = Spinning {
            stream: &server,
            spin: Duration::from_secs(30),
            max_spinners: 1,
            backoff: 5,
            wrote: None,
        };
        io.enable_stamps();
        first_stamped(&io, &mut client);
        let mut buf = [0u8; 64];

        // A reply written an hour before the request came: no.
        io.wrote = Some(SystemTime::now() - Duration::from_secs(3600));
        client.write_all(b"GET\ta\n").unwrap();
        assert_eq!(io.read(&mut buf).unwrap(), 6);
        assert_eq!(io.backoff, 4);

        // Written just now (well within 30 s of the request): yes.
        io.write_all(b"NF\n").unwrap();
        assert!(io.wrote.is_some());
        client.write_all(b"GET\tb\n").unwrap();
        assert_eq!(io.read(&mut buf).unwrap(), 6);
        assert_eq!(io.backoff, 0);
        let mut reply = [0u8; 3];
        client.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, b"NF\n");
    }

    #[test]
    fn invalid_utf8_keeps_connection() {
        let mut mock = Mock::new(b"GET\t\xc3\x28\nPUT\tk\t-\t-\t\xff\nGET\tk\n", 5);
        run(&mut mock, &Store::new(), 1 << 20).unwrap();
        assert_eq!(mock.output(), "ERR invalid_utf8\nERR invalid_utf8\nNF\n");
    }
}
