//! Pipelines: many requests written while their replies are read, on
//! non-blocking sockets driven by one poll(2) loop, so a batch of any size
//! cannot deadlock on full socket buffers. A batch of at least `fanout_min`
//! requests is split over several pool connections, all driven by the same
//! loop (the set of sockets in flight); replies come back in request order.

use super::conn::{poll_ms, Conn, Fill};
use super::error::{Error, Result};
use super::pool::{Guard, Pool};
use super::protocol::{parse_reply, Command, Kind, Reply};
use nix::poll::{poll, PollFd, PollFlags};
use std::time::{Duration, Instant};

/// The buffers of the last batch and replies this thread finished, kept
/// for its next ones. A big batch's buffers are otherwise fresh pages from
/// mmap on every call, and their page faults cost more than the work: a
/// batch of 10,000 GETs took 2.0 ms instead of 1.3 ms (it ran at the fast
/// speed once glibc's mmap threshold was raised). Buffers larger than
/// KEEP_BYTES are freed as usual, so a thread keeps at most that much.
const KEEP_BYTES: usize = 8 << 20;

type BatchBufs = (Vec<u8>, Vec<usize>, Vec<Kind>);
type ReplyBufs = (Vec<u8>, Vec<Cell>);

thread_local! {
    static SPARE_BATCH: std::cell::Cell<Option<BatchBufs>> = const { std::cell::Cell::new(None) };
    static SPARE_REPLIES: std::cell::Cell<Option<ReplyBufs>> = const { std::cell::Cell::new(None) };
}

/// Requests encoded back to back, with where each one ends and what it
/// expects back.
#[derive(Debug, Clone)]
pub struct Batch {
    buf: Vec<u8>,
    ends: Vec<usize>,
    kinds: Vec<Kind>,
}

impl Default for Batch {
    fn default() -> Batch {
        let spare = SPARE_BATCH.try_with(|s| s.take()).ok().flatten();
        let (buf, ends, kinds) = spare.unwrap_or_default();
        Batch { buf, ends, kinds }
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        let size = self.buf.capacity()
            + self.ends.capacity() * std::mem::size_of::<usize>()
            + self.kinds.capacity() * std::mem::size_of::<Kind>();
        if size == 0 || size > KEEP_BYTES {
            return;
        }
        self.clear();
        let bufs = (
            std::mem::take(&mut self.buf),
            std::mem::take(&mut self.ends),
            std::mem::take(&mut self.kinds),
        );
        let _ = SPARE_BATCH.try_with(|s| s.set(Some(bufs)));
    }
}

impl Batch {
    pub fn new() -> Batch {
        Batch::default()
    }

    pub fn with_capacity(requests: usize, bytes: usize) -> Batch {
        Batch {
            buf: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(requests),
            kinds: Vec::with_capacity(requests),
        }
    }

    /// Drops bytes after the last whole request (left by an encoder that
    /// panicked), so the next request starts where it should.
    fn drop_partial(&mut self) {
        let end = self.start_of(self.len());
        if self.buf.len() > end {
            self.buf.truncate(end);
        }
    }

    /// Makes room for `requests` more requests of `bytes` in all.
    pub fn reserve(&mut self, requests: usize, bytes: usize) {
        self.buf.reserve(bytes);
        self.ends.reserve(requests);
        self.kinds.reserve(requests);
    }

    /// Adds one request; `encode` appends its line, `\n` included.
    pub fn push(&mut self, kind: Kind, encode: impl FnOnce(&mut Vec<u8>)) {
        self.drop_partial();
        encode(&mut self.buf);
        self.ends.push(self.buf.len());
        self.kinds.push(kind);
    }

    /// Adds one request whose encoding may fail; on failure nothing of it
    /// stays in the batch.
    pub fn try_push<E>(
        &mut self,
        kind: Kind,
        encode: impl FnOnce(&mut Vec<u8>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        self.drop_partial();
        let mark = self.buf.len();
        if let Err(e) = encode(&mut self.buf) {
            self.buf.truncate(mark);
            return Err(e);
        }
        self.ends.push(self.buf.len());
        self.kinds.push(kind);
        Ok(())
    }

    /// The encoded line of request `i`, `\n` included.
    pub fn request(&self, i: usize) -> &[u8] {
        match self.ends.get(i) {
            Some(&end) => &self.buf[self.start_of(i)..end],
            None => &[],
        }
    }

    /// The encoded requests, back to back. Only whole requests: bytes an
    /// encoder left behind without finishing its request (a panic in the
    /// middle of one) are never sent.
    pub fn bytes(&self) -> &[u8] {
        &self.buf[..self.start_of(self.len())]
    }

    pub fn kinds(&self) -> &[Kind] {
        &self.kinds
    }

    /// Drops every request after the first `n` (undoes pushes).
    pub fn truncate(&mut self, n: usize) {
        if n < self.len() {
            self.buf.truncate(self.start_of(n));
            self.ends.truncate(n);
            self.kinds.truncate(n);
        }
    }

    pub fn clear(&mut self) {
        self.buf.clear();
        self.ends.clear();
        self.kinds.clear();
    }

    pub fn push_cmd(&mut self, cmd: &Command) {
        self.push(cmd.kind(), |b| cmd.encode(b));
    }

    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    pub fn idempotent(&self) -> bool {
        self.kinds.iter().all(|k| k.idempotent())
    }

    fn start_of(&self, i: usize) -> usize {
        if i == 0 {
            0
        } else {
            self.ends[i - 1]
        }
    }
}

/// Where the replies of a batch go, each in the slot of its request. GET
/// values are copied into one arena rather than into a buffer each, so a
/// batch of any size costs two allocations however many values it reads.
/// Nothing here calls into PHP: the replies are turned into PHP values only
/// once every connection is back in the pool.
#[derive(Debug)]
pub struct Replies {
    arena: Vec<u8>,
    cells: Vec<Cell>,
    /// The rare replies that are neither a GET value, a miss nor `OK`
    /// (counts, key lists, errors...), out of line so a cell stays small:
    /// a batch of a million GETs holds a million cells.
    others: Vec<Option<Result<Reply>>>,
}

/// One request's reply as stored: 24 bytes.
#[derive(Debug, Clone, Copy)]
enum Cell {
    Pending,
    Value(usize, usize),
    Miss,
    Stored,
    Other(usize),
}

impl Default for Replies {
    fn default() -> Replies {
        let spare = SPARE_REPLIES.try_with(|s| s.take()).ok().flatten();
        let (arena, cells) = spare.unwrap_or_default();
        Replies {
            arena,
            cells,
            others: Vec::new(),
        }
    }
}

impl Drop for Replies {
    fn drop(&mut self) {
        let size = self.arena.capacity() + self.cells.capacity() * std::mem::size_of::<Cell>();
        if size == 0 || size > KEEP_BYTES {
            return;
        }
        self.arena.clear();
        self.cells.clear();
        let bufs = (
            std::mem::take(&mut self.arena),
            std::mem::take(&mut self.cells),
        );
        let _ = SPARE_REPLIES.try_with(|s| s.set(Some(bufs)));
    }
}

/// The reply to one request, as taken out of `Replies`.
#[derive(Debug)]
pub enum Slot {
    /// No reply was read (only seen after a failed batch).
    Pending,
    /// GET hit: the value's wire text, `arena[start..end]`.
    Value(usize, usize),
    /// GET miss.
    Miss,
    /// Any other reply.
    Reply(Reply),
    /// The server refused this request (`ERR`).
    Err(Error),
}

impl Replies {
    pub fn new() -> Replies {
        Replies::default()
    }

    /// Empties it for a batch of `n` requests.
    pub fn reset(&mut self, n: usize) {
        self.arena.clear();
        self.others.clear();
        self.cells.clear();
        self.cells.resize(n, Cell::Pending);
    }

    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Takes the reply of request `i` out (leaving `Pending`).
    pub fn take(&mut self, i: usize) -> Slot {
        let Some(cell) = self.cells.get_mut(i) else {
            return Slot::Pending;
        };
        match std::mem::replace(cell, Cell::Pending) {
            Cell::Pending => Slot::Pending,
            Cell::Value(a, b) => Slot::Value(a, b),
            Cell::Miss => Slot::Miss,
            Cell::Stored => Slot::Reply(Reply::Stored),
            Cell::Other(j) => match self.others.get_mut(j).and_then(Option::take) {
                Some(Ok(r)) => Slot::Reply(r),
                Some(Err(e)) => Slot::Err(e),
                None => Slot::Pending,
            },
        }
    }

    /// Takes out the failure of request `i`, if it failed: the server's
    /// `ERR`, or no reply at all. Any other reply stays in place.
    pub fn take_failure(&mut self, i: usize) -> Option<Error> {
        match self.cells.get(i).copied() {
            None | Some(Cell::Pending) => Some(no_reply()),
            Some(Cell::Other(j)) => match self.others.get_mut(j) {
                Some(slot @ Some(Err(_))) => slot.take().and_then(Result::err),
                _ => None,
            },
            Some(_) => None,
        }
    }

    fn other(&mut self, r: Result<Reply>) -> Cell {
        self.others.push(Some(r));
        Cell::Other(self.others.len() - 1)
    }

    /// The wire text of a `Slot::Value`.
    pub fn value(&self, start: usize, end: usize) -> &[u8] {
        self.arena.get(start..end).unwrap_or_default()
    }

    /// Records the reply line of request `i`. `Err` only for a line that
    /// is no answer to `kind` at all (the connection is out of step).
    fn put(&mut self, i: usize, kind: Kind, line: &[u8]) -> Result<()> {
        let cell = match (kind, line) {
            (Kind::Get, b"NF") => Cell::Miss,
            (Kind::Get, _) if line.starts_with(b"VALUE\t") => {
                let start = self.arena.len();
                self.arena.extend_from_slice(&line[6..]);
                Cell::Value(start, self.arena.len())
            }
            (Kind::Put, b"OK") => Cell::Stored,
            _ => match parse_reply(kind, line) {
                Err(e @ Error::Protocol { .. }) => return Err(e),
                r => self.other(r),
            },
        };
        if let Some(c) = self.cells.get_mut(i) {
            *c = cell;
        }
        Ok(())
    }

    /// The reply of request `i` as a `Reply` (values copied out).
    pub fn result(&mut self, i: usize) -> Result<Reply> {
        let slot = self.take(i);
        self.to_result(slot)
    }

    /// A taken slot as a `Reply` (a value copied out of the arena).
    pub fn to_result(&self, slot: Slot) -> Result<Reply> {
        match slot {
            Slot::Value(a, b) => Ok(Reply::Value(Some(self.value(a, b).to_vec()))),
            Slot::Miss => Ok(Reply::Value(None)),
            Slot::Reply(r) => Ok(r),
            Slot::Err(e) => Err(e),
            Slot::Pending => Err(no_reply()),
        }
    }

    /// Every reply, in request order.
    pub fn into_results(mut self) -> Vec<Result<Reply>> {
        (0..self.len()).map(|i| self.result(i)).collect()
    }
}

/// The error of a request that got no reply (only after a failed batch).
fn no_reply() -> Error {
    Error::Protocol {
        cmd: "batch",
        reply: "no reply".into(),
    }
}

/// One connection's share of a batch.
struct Lane<'p, 'b> {
    conn: Guard<'p>,
    /// The requests of this lane: `None` is the whole batch in order,
    /// `Some` the batch indices it carries, in batch order.
    indices: Option<Vec<usize>>,
    count: usize,
    /// The bytes this lane sends, and how far it got.
    bytes: std::borrow::Cow<'b, [u8]>,
    sent: usize,
    /// Replies read so far.
    received: usize,
    /// Any reply byte arrived (then the batch must not be resent).
    got_bytes: bool,
}

impl Lane<'_, '_> {
    fn done(&self) -> bool {
        self.received == self.count
    }

    fn unsent(&self) -> bool {
        self.sent < self.bytes.len()
    }

    /// The batch index of this lane's `nth` request.
    fn index_of(&self, nth: usize) -> usize {
        match &self.indices {
            Some(ix) => ix[nth],
            None => nth,
        }
    }
}

/// How a batch failed: the error, and whether resending it is safe (no
/// reply byte was read anywhere and the connection broke, not timed out).
pub(crate) struct Failure {
    pub err: Error,
    pub resendable: bool,
}

/// The key of a single-key request: the field after the verb, up to the
/// next TAB or the line end. `GET`/`DEL` lines are `VERB\tkey\n`, so their
/// key is known without a scan.
fn key_of(kind: Kind, line: &[u8]) -> Option<&[u8]> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    if matches!(kind, Kind::Get | Kind::Del) {
        return line.get(4..);
    }
    let rest = &line[line.iter().position(|&b| b == b'\t')? + 1..];
    let end = memchr::memchr(b'\t', rest).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Splits a batch over `k` connections without changing what it means: a
/// request only ever depends on earlier requests for the same key, so every
/// request of a key goes to the same connection, in order. A batch holding
/// a request that touches many keys (INV_*, KEYS, FLUSH, STATS) is not
/// split at all, since its place relative to every other request matters.
fn split(batch: &Batch, k: usize) -> Option<Vec<Vec<usize>>> {
    use std::hash::BuildHasher;
    let single_key = |kind: Kind| {
        matches!(
            kind,
            Kind::Get | Kind::Put | Kind::Add | Kind::Incr | Kind::Decr | Kind::Del
        )
    };
    if k < 2 || !batch.kinds.iter().all(|&kind| single_key(kind)) {
        return None;
    }
    // Any hash spreads keys well enough over lanes; SipHash (std's) was
    // most of what splitting cost.
    let hasher = foldhash::fast::FixedState::default();
    let mut lanes = vec![Vec::with_capacity(batch.len() / k + 1); k];
    for i in 0..batch.len() {
        let key = key_of(batch.kinds[i], batch.request(i))?;
        lanes[(hasher.hash_one(key) % k as u64) as usize].push(i);
    }
    lanes.retain(|l| !l.is_empty());
    Some(lanes)
}

/// Runs the batch over up to `lanes_max` connections of `pool`; the
/// replies land in `out` (reset first). `verify`: the batch cannot be resent,
/// so idle connections are checked for being stale before use.
pub(crate) fn run(
    pool: &Pool,
    batch: &Batch,
    timeout: Duration,
    spin: Duration,
    lanes_max: usize,
    verify: bool,
    out: &mut Replies,
) -> std::result::Result<(), Failure> {
    let n = batch.len();
    out.reset(n);
    if n == 0 {
        return Ok(());
    }
    let fail = |err: Error| Failure {
        err,
        resendable: false,
    };
    let mut conns = vec![pool.checkout_with(timeout, verify).map_err(fail)?];
    let parts = split(batch, lanes_max.min(n));
    let want = parts.as_ref().map_or(1, Vec::len);
    // Extra connections are a bonus: when one cannot be had (none free, or
    // connecting fails) the batch runs on those in hand.
    while conns.len() < want {
        match pool.try_checkout(verify) {
            Ok(Some(g)) => conns.push(g),
            _ => break,
        }
    }
    let mut lanes = Vec::with_capacity(conns.len());
    match parts {
        Some(mut parts) if conns.len() > 1 => {
            // Fewer connections than planned: fold the extra parts in,
            // keeping batch order inside each lane.
            while parts.len() > conns.len() {
                let extra = parts.pop().unwrap_or_default();
                let last = parts.len() - 1;
                parts[last].extend(extra);
                parts[last].sort_unstable();
            }
            for (conn, ix) in conns.into_iter().zip(parts) {
                let mut bytes = Vec::new();
                for &i in &ix {
                    bytes.extend_from_slice(&batch.buf[batch.start_of(i)..batch.ends[i]]);
                }
                lanes.push(Lane {
                    conn,
                    count: ix.len(),
                    indices: Some(ix),
                    bytes: bytes.into(),
                    sent: 0,
                    received: 0,
                    got_bytes: false,
                });
            }
        }
        _ => {
            for conn in conns.into_iter().take(1) {
                lanes.push(Lane {
                    conn,
                    count: n,
                    indices: None,
                    bytes: std::borrow::Cow::Borrowed(batch.bytes()),
                    sent: 0,
                    received: 0,
                    got_bytes: false,
                });
            }
        }
    }
    for l in &lanes {
        l.conn.add_pending(l.count as u32);
    }
    drive(&mut lanes, batch, timeout, spin, out).map_err(|err| {
        let resendable = matches!(err, Error::Closed { .. } | Error::Io { .. })
            && !lanes.iter().any(|l| l.got_bytes);
        Failure { err, resendable }
    })
}

/// The poll loop. The timeout bounds each wait for progress, not the whole
/// batch: a million requests may take longer than `timeout_ms`, but no
/// single wait for the server to read or answer does.
fn drive(
    lanes: &mut [Lane<'_, '_>],
    batch: &Batch,
    timeout: Duration,
    spin: Duration,
    out: &mut Replies,
) -> Result<()> {
    let mut deadline = Instant::now() + timeout;
    let mut first_pass = true;
    // While nothing moves, the loop busy-polls (offering the core to other
    // threads between passes) until `spin` has passed since the last
    // progress, and only then sleeps in poll(2): see Conn::spin_fill.
    let mut spin_until = Instant::now() + spin;
    loop {
        let mut progress = false;
        for lane in lanes.iter_mut().filter(|l| !l.done()) {
            if lane.unsent() {
                let n = lane.conn.write_slice(&lane.bytes[lane.sent..])?;
                lane.sent += n;
                progress |= n > 0;
            }
            // Right after the first write nothing can have come back yet:
            // save the read that would only say so.
            if !first_pass {
                progress |= read_lane(lane, batch, out)?;
            }
        }
        first_pass = false;
        if lanes.iter().all(Lane::done) {
            return Ok(());
        }
        let now = Instant::now();
        if progress {
            deadline = now + timeout;
            spin_until = now + spin;
        }
        if now < spin_until {
            std::thread::yield_now();
            continue;
        }
        let Some(left) = deadline
            .checked_duration_since(now)
            .filter(|d| !d.is_zero())
        else {
            let lane = lanes.iter().find(|l| !l.done()).map(|l| &l.conn);
            if let Some(c) = lane {
                c.mark_broken();
                let op = if lanes.iter().any(Lane::unsent) {
                    "write"
                } else {
                    "read"
                };
                return Err(Error::timeout(c.addr(), op, timeout));
            }
            return Ok(());
        };
        let mut fds: Vec<PollFd<'_>> = lanes
            .iter()
            .filter(|l| !l.done())
            .map(|l| {
                let mut ev = PollFlags::POLLIN;
                if l.unsent() {
                    ev |= PollFlags::POLLOUT;
                }
                PollFd::new(l.conn.fd(), ev)
            })
            .collect();
        match poll(&mut fds, poll_ms(left)) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(e) => {
                let c = &lanes[0].conn;
                c.mark_broken();
                return Err(Error::io(c.addr(), "poll", &std::io::Error::from(e)));
            }
        }
    }
}

/// Reads what is there for one lane and parses every complete reply.
fn read_lane(lane: &mut Lane<'_, '_>, batch: &Batch, out: &mut Replies) -> Result<bool> {
    let conn: &Conn = &lane.conn;
    let mut b = conn.lock();
    let mut progress = false;
    loop {
        while let Some(r) = conn.next_line(&mut b)? {
            let i = lane.index_of(lane.received);
            if let Err(e) = out.put(i, batch.kinds[i], Conn::line(&b, r)) {
                conn.mark_broken();
                return Err(e);
            }
            lane.received += 1;
            conn.reply_read();
            if lane.received == lane.count {
                return Ok(true);
            }
        }
        match conn.fill(&mut b)? {
            Fill::Data => {
                progress = true;
                lane.got_bytes = true;
            }
            Fill::WouldBlock => return Ok(progress),
        }
    }
}

/// One request on one connection: write it, wait, read the reply line
/// into `out` (reset to one slot first).
pub(crate) fn single(
    conn: &Conn,
    kind: Kind,
    encode: &dyn Fn(&mut Vec<u8>),
    timeout: Duration,
    spin: Duration,
    out: &mut Replies,
) -> std::result::Result<(), Failure> {
    out.reset(1);
    let mut b = conn.lock();
    b.w.clear();
    b.wpos = 0;
    encode(&mut b.w);
    conn.add_pending(1);
    let deadline = Instant::now() + timeout;
    let res = (|| -> Result<()> {
        while !conn.write_some(&mut b)? {
            conn.wait(PollFlags::POLLOUT, deadline, "write", timeout)?;
        }
        if !conn.spin_fill(&mut b, spin)? {
            conn.wait(PollFlags::POLLIN, deadline, "read", timeout)?;
        }
        loop {
            if let Some(r) = conn.next_line(&mut b)? {
                if let Err(e) = out.put(0, kind, Conn::line(&b, r)) {
                    conn.mark_broken();
                    return Err(e);
                }
                conn.reply_read();
                return Ok(());
            }
            match conn.fill(&mut b)? {
                Fill::Data => {}
                Fill::WouldBlock => conn.wait(PollFlags::POLLIN, deadline, "read", timeout)?,
            }
        }
    })();
    res.map_err(|err| {
        let resendable = matches!(err, Error::Closed { .. } | Error::Io { .. })
            && !Conn::has_partial(&b)
            && conn.pending() == 1;
        Failure { err, resendable }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_single_key_kind_yields_the_same_key() {
        use super::super::protocol::{
            encode_counter, encode_get, encode_simple, encode_store_head,
        };
        let no_tags: &[&str] = &[];
        for key in ["k", "user:1", "caf\u{e9} x"] {
            let mut lines: Vec<(Kind, Vec<u8>)> = Vec::new();
            let mut b = Vec::new();
            encode_get(&mut b, key);
            lines.push((Kind::Get, std::mem::take(&mut b)));
            encode_simple(&mut b, "DEL", key);
            lines.push((Kind::Del, std::mem::take(&mut b)));
            encode_store_head(&mut b, "PUT", key, &["t1", "t2"], Some(5));
            b.extend_from_slice(b"va\tlue\n");
            lines.push((Kind::Put, std::mem::take(&mut b)));
            encode_store_head(&mut b, "ADD", key, no_tags, None);
            b.extend_from_slice(b"v\n");
            lines.push((Kind::Add, std::mem::take(&mut b)));
            encode_counter(&mut b, "INCR", key, 3, no_tags, None);
            lines.push((Kind::Incr, std::mem::take(&mut b)));
            encode_counter(&mut b, "DECR", key, 3, &["t"], Some(1));
            lines.push((Kind::Decr, std::mem::take(&mut b)));
            for (kind, line) in &lines {
                assert_eq!(
                    key_of(*kind, line),
                    Some(key.as_bytes()),
                    "{kind:?} {line:?}"
                );
            }
        }
    }

    #[test]
    fn replies_keep_every_kind_of_reply_in_its_slot() {
        assert!(
            std::mem::size_of::<Cell>() <= 24,
            "a cell per request must stay small"
        );
        let mut r = Replies::new();
        r.reset(6);
        r.put(4, Kind::Get, b"VALUE\tfour").unwrap();
        r.put(0, Kind::Get, b"VALUE\t").unwrap();
        r.put(1, Kind::Get, b"NF").unwrap();
        r.put(2, Kind::Put, b"OK").unwrap();
        r.put(3, Kind::Incr, b"ERR value is not an integer")
            .unwrap();
        assert!(
            r.put(5, Kind::Del, b"VALUE\tx").is_err(),
            "a reply of the wrong kind"
        );
        for i in [0, 1, 2, 4] {
            assert!(r.take_failure(i).is_none(), "reply {i} is no failure");
        }
        assert!(matches!(r.take(0), Slot::Value(a, b) if r.value(a, b).is_empty()));
        let Slot::Value(a, b) = r.take(4) else {
            panic!("slot 4")
        };
        assert_eq!(r.value(a, b), b"four");
        assert!(matches!(r.take(1), Slot::Miss));
        assert!(matches!(r.take(2), Slot::Reply(Reply::Stored)));
        assert!(
            matches!(r.take_failure(5), Some(Error::Protocol { .. })),
            "no reply"
        );
        let err = r.take_failure(3);
        assert!(matches!(&err, Some(Error::Server(m)) if m == "value is not an integer"));
        assert!(matches!(r.take(3), Slot::Pending), "taken once");
        assert!(matches!(
            r.to_result(Slot::Reply(Reply::Count(7))),
            Ok(Reply::Count(7))
        ));
        assert!(matches!(r.take(9), Slot::Pending), "out of range");
        r.reset(1);
        assert!(matches!(r.take(0), Slot::Pending), "reset clears");
    }

    #[test]
    fn truncate_undoes_pushes() {
        let mut b = Batch::new();
        b.push(Kind::Get, |o| super::super::protocol::encode_get(o, "a"));
        b.push(Kind::Get, |o| super::super::protocol::encode_get(o, "b"));
        b.push(Kind::Del, |o| {
            super::super::protocol::encode_simple(o, "DEL", "c")
        });
        b.truncate(1);
        assert_eq!(b.len(), 1);
        assert_eq!(b.bytes(), b"GET\ta\n");
        assert_eq!(b.kinds(), &[Kind::Get]);
        b.truncate(5);
        assert_eq!(b.len(), 1);
    }
}
