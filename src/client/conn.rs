//! One TCP connection to the server. The socket is non-blocking; every wait
//! is a poll(2) bounded by a deadline, so no operation can hang past its
//! timeout. A connection is owned by one checkout at a time (pool.rs), and
//! answers the pool's questions about itself (is it reusable, made by this
//! process, trusted without a check) through methods.

use super::error::{Error, Result};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use parking_lot::Mutex;
use socket2::{Domain, Protocol, SockAddr, Socket, TcpKeepalive, Type};
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a connection needs to know to be made.
#[derive(Debug, Clone)]
pub struct ConnOpts {
    pub host: String,
    pub port: u16,
    pub addr: Arc<str>,
    pub connect_timeout: Duration,
    pub keepalive: bool,
    /// The longest reply line accepted (max_value_bytes plus the reply's
    /// own few bytes).
    pub max_line: usize,
}

/// The read buffer: `r[start..end]` is read and not yet consumed;
/// `scanned` is how far a line end was already looked for. (Requests are
/// written straight from the caller's batch.)
#[derive(Debug, Default)]
pub struct Buffers {
    r: Vec<u8>,
    start: usize,
    end: usize,
    scanned: usize,
}

/// How a read attempt ended.
pub enum Fill {
    /// This many bytes arrived.
    Data(usize),
    /// Nothing to read now.
    WouldBlock,
}

#[derive(Debug)]
pub struct Conn {
    stream: TcpStream,
    addr: Arc<str>,
    max_line: usize,
    /// The buffers, behind a lock of their own. A checkout owns the whole
    /// connection, so today the lock is never contended; it keeps the
    /// buffers sound if a guard were ever shared between threads (a batch
    /// reading on one thread while stats are taken on another).
    bufs: Mutex<Buffers>,
    /// Requests sent whose replies are not yet read. Written by the thread
    /// that owns the checkout; an atomic so that another thread (stats, a
    /// pool deciding on reuse) reads a true count without the buffer lock.
    /// Not 0 when the connection goes back means replies are owed: it is
    /// closed, never reused, so a late reply can never reach the next
    /// caller.
    pending: AtomicU32,
    broken: AtomicBool,
    /// The process generation that made it (fork.rs): a forked child never
    /// uses its parent's.
    gen: u64,
    /// Reply waits left that skip the busy-poll, after one found nothing.
    spin_skip: AtomicU32,
    /// The socket's SO_RCVLOWAT as last set (1, the kernel's default, when
    /// never set).
    low_water: AtomicU32,
    /// When it went back to the pool last, and the pool's failure epoch
    /// when it was last known good (pool.rs: the stale check).
    idle_since: Instant,
    epoch: u64,
}

/// A read buffer grown past this (to hold a large reply) is given back when
/// its connection goes idle: a pooled connection would otherwise keep its
/// largest reply's worth of memory for its whole life, outside PHP's
/// memory_limit (and across requests, in a persistent pool). The next read
/// starts again from 64 KiB; below this size the buffer is kept, so the
/// common small replies never reallocate.
const KEEP_READ_BUFFER: usize = 1 << 20;

/// After a busy-poll that saw no reply, this many waits sleep at once: on a
/// far server the spin is tried one wait in 17, not on every call.
const SPIN_BACKOFF: u32 = 16;

fn remaining(deadline: Instant) -> Option<Duration> {
    deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
}

/// Milliseconds for poll(2), rounded up so a wait is never shorter than
/// asked.
pub(crate) fn poll_ms(d: Duration) -> PollTimeout {
    let ms = d.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
    PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX)
}

impl Conn {
    pub fn connect(o: &ConnOpts) -> Result<Conn> {
        let fail = |reason: String| Error::Connect {
            addr: o.addr.to_string(),
            reason,
        };
        let addrs: Vec<_> = (o.host.as_str(), o.port)
            .to_socket_addrs()
            .map_err(|e| fail(format!("cannot resolve host: {e}")))?
            .collect();
        let mut last = String::from("no address for host");
        for a in addrs {
            let sock = Socket::new(Domain::for_address(a), Type::STREAM, Some(Protocol::TCP))
                .map_err(|e| fail(e.to_string()))?;
            match sock.connect_timeout(&SockAddr::from(a), o.connect_timeout) {
                Ok(()) => {}
                Err(e)
                    if e.kind() == io::ErrorKind::TimedOut
                        || e.kind() == io::ErrorKind::WouldBlock =>
                {
                    return Err(Error::timeout(&o.addr, "connect", o.connect_timeout));
                }
                Err(e) => {
                    last = e.to_string();
                    continue;
                }
            }
            let setup = || -> io::Result<()> {
                sock.set_nodelay(true)?;
                if o.keepalive {
                    sock.set_tcp_keepalive(
                        &TcpKeepalive::new()
                            .with_time(Duration::from_secs(60))
                            .with_interval(Duration::from_secs(10)),
                    )?;
                }
                sock.set_nonblocking(true)
            };
            setup().map_err(|e| fail(e.to_string()))?;
            return Ok(Conn {
                stream: sock.into(),
                addr: o.addr.clone(),
                max_line: o.max_line,
                bufs: Mutex::new(Buffers::default()),
                pending: AtomicU32::new(0),
                broken: AtomicBool::new(false),
                gen: super::fork::generation(),
                spin_skip: AtomicU32::new(0),
                low_water: AtomicU32::new(1),
                idle_since: Instant::now(),
                epoch: 0,
            });
        }
        Err(fail(last))
    }

    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Made by this process (not inherited through a fork).
    pub fn of_this_process(&self) -> bool {
        self.gen == super::fork::generation()
    }

    /// Made in process generation `gen`.
    pub fn made_in(&self, gen: u64) -> bool {
        self.gen == gen
    }

    /// Known good in failure epoch `epoch`.
    pub fn known_good(&mut self, epoch: u64) {
        self.epoch = epoch;
    }

    /// It goes back to the pool now (with nothing buffered: `reusable`).
    pub fn went_idle(&mut self) {
        self.idle_since = Instant::now();
        let b = self.bufs.get_mut();
        if b.r.len() > KEEP_READ_BUFFER && b.start == b.end {
            *b = Buffers::default();
        }
    }

    /// The size of the read buffer, for tests.
    pub fn read_buffer_len(&self) -> usize {
        self.bufs.lock().r.len()
    }

    /// Reusable without the stale check: known good in failure epoch
    /// `epoch`, and idle for less than `trust`.
    pub fn trusted(&self, epoch: u64, trust: Duration) -> bool {
        self.epoch == epoch && self.idle_since.elapsed() < trust
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.stream.as_fd()
    }

    pub fn raw_fd(&self) -> RawFd {
        self.stream.as_raw_fd()
    }

    pub fn lock(&self) -> parking_lot::MutexGuard<'_, Buffers> {
        self.bufs.lock()
    }

    /// Replies still owed by the server on this connection.
    pub fn pending(&self) -> u32 {
        self.pending.load(Ordering::Acquire)
    }

    pub fn add_pending(&self, n: u32) {
        self.pending.fetch_add(n, Ordering::AcqRel);
    }

    pub fn reply_read(&self) {
        self.replies_read(1);
    }

    pub fn replies_read(&self, n: u32) {
        if n > 0 {
            self.pending.fetch_sub(n, Ordering::AcqRel);
        }
    }

    pub fn mark_broken(&self) {
        self.broken.store(true, Ordering::Release);
    }

    pub fn is_broken(&self) -> bool {
        self.broken.load(Ordering::Acquire)
    }

    /// Fit to go back to the pool: nothing owed, nothing half read, no
    /// error seen, made by this process.
    pub fn reusable(&self) -> bool {
        if self.is_broken() || self.pending() != 0 || !self.of_this_process() {
            return false;
        }
        let b = self.bufs.lock();
        b.start == b.end
    }

    /// An idle connection that has something to read or has hung up went
    /// stale (the server closed it, e.g. on restart). One poll, no round
    /// trip.
    pub fn is_stale(&self) -> bool {
        let mut fds = [PollFd::new(self.fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::ZERO) {
            Ok(0) => false,
            Ok(_) => true,
            Err(_) => true,
        }
    }

    /// Busy-polls for up to `spin` for reply bytes before the caller sleeps
    /// in poll(2): when the server answers within a few microseconds (on
    /// this host or a fast LAN) this saves the wake-up of a sleeping
    /// thread, which costs tens of microseconds on a virtual machine. The
    /// core is offered to other threads between tries. True when bytes
    /// arrived.
    pub fn spin_fill(&self, b: &mut Buffers, spin: Duration) -> Result<bool> {
        if spin.is_zero() {
            return Ok(false);
        }
        if !self.spin_turn() {
            return Ok(false);
        }
        let start = Instant::now();
        loop {
            if let Fill::Data(_) = self.fill(b)? {
                return Ok(true);
            }
            if start.elapsed() >= spin {
                self.spin_missed();
                return Ok(false);
            }
            std::thread::yield_now();
        }
    }

    /// Whether this wait may busy-poll: false for the `SPIN_BACKOFF` waits
    /// after a spin that found nothing (counted down here).
    pub fn spin_turn(&self) -> bool {
        let skip = self.spin_skip.load(Ordering::Relaxed);
        if skip > 0 {
            self.spin_skip.store(skip - 1, Ordering::Relaxed);
            return false;
        }
        true
    }

    /// A busy-poll saw no reply within its window: the next waits sleep
    /// at once.
    pub fn spin_missed(&self) {
        self.spin_skip.store(SPIN_BACKOFF, Ordering::Relaxed);
    }

    /// Makes poll(2) report the socket readable (and wake a caller asleep
    /// in it) only once `bytes` are buffered (SO_RCVLOWAT; 1 is the
    /// kernel's default), so a batch whose replies trickle in is woken once
    /// for many of them instead of once per piece the server writes. A
    /// closed or reset connection still wakes it at once. Non-blocking
    /// reads are not affected. No system call when the value is already
    /// set.
    pub fn set_low_water(&self, bytes: usize) -> Result<()> {
        let bytes = u32::try_from(bytes.max(1))
            .unwrap_or(u32::MAX)
            .min(i32::MAX as u32);
        if self.low_water.load(Ordering::Relaxed) == bytes {
            return Ok(());
        }
        let val = bytes as libc::c_int;
        // SAFETY: the descriptor is owned by `self.stream` and open for the
        // whole call; the option value is a live c_int whose size is given.
        let rc = unsafe {
            libc::setsockopt(
                self.raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVLOWAT,
                std::ptr::addr_of!(val).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            self.mark_broken();
            return Err(self.io_err("setsockopt(SO_RCVLOWAT)", &io::Error::last_os_error()));
        }
        self.low_water.store(bytes, Ordering::Relaxed);
        Ok(())
    }

    /// Bytes read from the socket and not yet consumed as reply lines (a
    /// reply's first part).
    pub fn buffered(&self) -> usize {
        let b = self.bufs.lock();
        b.end - b.start
    }

    /// Waits until the socket is ready for `flags` or the deadline passes.
    pub fn wait(
        &self,
        flags: PollFlags,
        deadline: Instant,
        op: &'static str,
        timeout: Duration,
    ) -> Result<()> {
        loop {
            let Some(left) = remaining(deadline) else {
                self.mark_broken();
                return Err(Error::timeout(&self.addr, op, timeout));
            };
            let mut fds = [PollFd::new(self.fd(), flags)];
            match poll(&mut fds, poll_ms(left)) {
                Ok(0) => continue,
                Ok(_) => return Ok(()),
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => {
                    self.mark_broken();
                    return Err(Error::io(&self.addr, op, &io::Error::from(e)));
                }
            }
        }
    }

    /// Writes as much of `data` as the socket takes now; how much it took.
    pub fn write_slice(&self, data: &[u8]) -> Result<usize> {
        let mut done = 0;
        while done < data.len() {
            match (&self.stream).write(&data[done..]) {
                Ok(0) => {
                    self.mark_broken();
                    return Err(self.closed(""));
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.mark_broken();
                    return Err(self.io_err("write", &e));
                }
            }
        }
        Ok(done)
    }

    /// One read into the buffer.
    pub fn fill(&self, b: &mut Buffers) -> Result<Fill> {
        if b.start == b.end {
            b.start = 0;
            b.end = 0;
            b.scanned = 0;
        } else if b.start > 0 && b.r.len() - b.end < 16 * 1024 {
            b.r.copy_within(b.start..b.end, 0);
            b.end -= b.start;
            b.scanned -= b.start;
            b.start = 0;
        }
        if b.r.len() - b.end < 16 * 1024 {
            let grow = (b.r.len()).clamp(64 * 1024, 8 * 1024 * 1024);
            b.r.resize(b.r.len() + grow, 0);
        }
        loop {
            let end = b.end;
            match (&self.stream).read(&mut b.r[end..]) {
                Ok(0) => {
                    self.mark_broken();
                    let detail = if b.end > b.start {
                        " in the middle of a reply"
                    } else {
                        ""
                    };
                    return Err(self.closed(detail));
                }
                Ok(n) => {
                    b.end += n;
                    return Ok(Fill::Data(n));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Fill::WouldBlock),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.mark_broken();
                    return Err(self.io_err("read", &e));
                }
            }
        }
    }

    /// The next complete reply line in the buffer, without its `\n`, as a
    /// range of `b`'s read buffer (see `line`); consumed on return.
    pub fn next_line(&self, b: &mut Buffers) -> Result<Option<(usize, usize)>> {
        match memchr::memchr(b'\n', &b.r[b.scanned..b.end]) {
            Some(i) => {
                let nl = b.scanned + i;
                let line = (b.start, nl);
                b.start = nl + 1;
                b.scanned = b.start;
                if nl - line.0 > self.max_line {
                    self.mark_broken();
                    return Err(Error::ReplyTooLarge {
                        limit: self.max_line,
                    });
                }
                Ok(Some(line))
            }
            None => {
                b.scanned = b.end;
                if b.end - b.start > self.max_line {
                    self.mark_broken();
                    return Err(Error::ReplyTooLarge {
                        limit: self.max_line,
                    });
                }
                Ok(None)
            }
        }
    }

    /// Consumes `line` (a whole reply line, `\n` included) if the buffer
    /// starts with it.
    #[inline]
    pub fn take_line(b: &mut Buffers, line: &[u8]) -> bool {
        if b.r[b.start..b.end].starts_with(line) {
            b.start += line.len();
            b.scanned = b.scanned.max(b.start);
            true
        } else {
            false
        }
    }

    /// True when bytes of a reply not yet complete are buffered.
    pub fn has_partial(b: &Buffers) -> bool {
        b.end > b.start
    }

    pub fn line(b: &Buffers, r: (usize, usize)) -> &[u8] {
        &b.r[r.0..r.1]
    }

    fn closed(&self, detail: &str) -> Error {
        Error::Closed {
            addr: self.addr.to_string(),
            detail: detail.to_string(),
        }
    }

    fn io_err(&self, op: &'static str, e: &io::Error) -> Error {
        Error::io(&self.addr, op, e)
    }
}
