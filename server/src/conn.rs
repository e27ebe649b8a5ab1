//! One client connection: read requests, answer them in order, in batches.
//!
//! Requests are read into a buffer; every complete line already buffered is
//! answered into one output buffer, which is written with one `write_all`
//! once no complete line is left (so a pipelined batch costs one write, not
//! one per reply). A line longer than the limit is never buffered past the
//! limit: it is answered with `ERR line_too_long` and the connection closed.

use crate::protocol::respond;
use crate::store::Store;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

/// Initial size of the read and write buffers.
const INITIAL_BUF: usize = 16 * 1024;
/// Buffers grown past this (by a big value) are shrunk back once idle.
const KEEP_BUF: usize = 1024 * 1024;
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

/// Serves one client until it closes, a line is too long, or I/O fails.
pub(crate) fn handle(stream: TcpStream, store: &Store, max_line: usize) {
    // Small writes must not wait for Nagle; dead peers are found by
    // keepalive so their thread does not wait forever. Both best effort.
    let _ = stream.set_nodelay(true);
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10));
    let _ = socket2::SockRef::from(&stream).set_tcp_keepalive(&keepalive);

    if let Ok(End::LineTooLong) = run(&mut &stream, store, max_line) {
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
    loop {
        while let Some(i) = memchr::memchr(b'\n', &buf[scanned..filled]) {
            let end = scanned + i;
            if end - start > max_line {
                return too_long(stream, out);
            }
            respond(store, &buf[start..end], &mut out);
            start = end + 1;
            scanned = start;
            if out.len() >= FLUSH_AT {
                stream.write_all(&out)?;
                out.clear();
            }
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

    #[test]
    fn invalid_utf8_keeps_connection() {
        let mut mock = Mock::new(b"GET\t\xc3\x28\nPUT\tk\t-\t-\t\xff\nGET\tk\n", 5);
        run(&mut mock, &Store::new(), 1 << 20).unwrap();
        assert_eq!(mock.output(), "ERR invalid_utf8\nERR invalid_utf8\nNF\n");
    }
}
