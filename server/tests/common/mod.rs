//! Helpers shared by the integration tests: start the `tagcache-server`
//! binary on a free port, talk to it line by line.
#![allow(dead_code)] // each test file uses a different subset

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

/// How long any single read from the server may take before a test fails.
pub const IO_TIMEOUT: Duration = Duration::from_secs(20);

/// A `tagcache-server` process, killed when dropped.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    _stdout: BufReader<ChildStdout>,
}

impl Server {
    /// Starts the binary with `--port 0` plus `args`, and reads the listen
    /// line to learn the port.
    pub fn start(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tagcache-server"))
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start tagcache-server");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read the listen line");
        let addr = line
            .strip_prefix("tagcache-server listening on ")
            .and_then(|rest| rest.trim_end().parse().ok())
            .unwrap_or_else(|| panic!("unexpected listen line {line:?}"));
        Server {
            child,
            addr,
            _stdout: stdout,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn connect(&self) -> Conn {
        Conn::connect(self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One client connection.
pub struct Conn {
    pub stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub fn connect(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).expect("connect to the server");
        stream.set_nodelay(true).expect("nodelay");
        stream.set_read_timeout(Some(IO_TIMEOUT)).expect("timeout");
        let reader = BufReader::new(stream.try_clone().expect("clone socket"));
        Conn { stream, reader }
    }

    /// Writes raw bytes.
    pub fn write(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write to the server");
    }

    /// Reads one reply line without its `\n`; `None` at end of stream.
    pub fn read_reply(&mut self) -> Option<String> {
        let mut line = Vec::new();
        let n = self
            .reader
            .read_until(b'\n', &mut line)
            .expect("read from the server");
        if n == 0 {
            return None;
        }
        assert_eq!(line.pop(), Some(b'\n'), "reply not ended by LF: {line:?}");
        Some(String::from_utf8(line).expect("reply is UTF-8"))
    }

    /// Sends one request line and returns its reply.
    pub fn request(&mut self, line: &str) -> String {
        self.write(format!("{line}\n").as_bytes());
        self.read_reply()
            .unwrap_or_else(|| panic!("connection closed after {line:?}"))
    }

    /// Sends all lines in one write, then reads one reply per line.
    pub fn pipeline(&mut self, lines: &[String]) -> Vec<String> {
        let mut batch = String::new();
        for line in lines {
            batch.push_str(line);
            batch.push('\n');
        }
        self.write(batch.as_bytes());
        lines
            .iter()
            .map(|l| {
                self.read_reply()
                    .unwrap_or_else(|| panic!("connection closed after {l:?}"))
            })
            .collect()
    }

    /// Asserts that the server closes the connection (after any replies
    /// already read).
    pub fn expect_closed(&mut self) {
        let mut rest = Vec::new();
        match self.reader.read_to_end(&mut rest) {
            Ok(_) => assert!(rest.is_empty(), "unexpected data {rest:?}"),
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
        }
    }
}

/// The keys of a `KEYS\t...` reply, sorted.
pub fn keys(reply: &str) -> Vec<String> {
    let list = reply
        .strip_prefix("KEYS\t")
        .unwrap_or_else(|| panic!("not a KEYS reply: {reply:?}"));
    let mut keys: Vec<String> = list
        .split(',')
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect();
    keys.sort();
    keys
}
