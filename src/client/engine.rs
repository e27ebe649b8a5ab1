//! The engine that sends a batch and reads its replies: many requests
//! written while their replies are read, on non-blocking sockets driven by
//! one poll(2) loop, so a batch of any size cannot deadlock on full socket
//! buffers. A batch of at least `fanout_min` requests is split over several
//! pool connections, all driven by the same loop (the set of sockets in
//! flight); replies land in request order. A lone request takes a shorter
//! path (write, busy-poll, wait, read) with the same failure rule.

use super::batch::Batch;
use super::conn::{poll_ms, Conn, Fill};
use super::error::{Error, Result};
use super::pool::{Guard, Pool};
use super::replies::Replies;
use nix::poll::{poll, PollFd, PollFlags};
use std::time::{Duration, Instant};

/// How long to wait: `timeout` bounds each wait for the server; `spin` is
/// how long to busy-poll for a reply before sleeping in poll(2).
#[derive(Debug, Clone, Copy)]
pub struct Waits {
    pub timeout: Duration,
    pub spin: Duration,
}

/// How a send failed.
#[derive(Debug)]
pub struct Failure {
    pub err: Error,
    /// Some byte of a reply arrived (on any connection of the batch): the
    /// server acted on at least part of it.
    pub answered: bool,
    /// Some byte of a request was written: the server may have acted.
    pub sent: bool,
}

impl Failure {
    fn before_sending(err: Error) -> Failure {
        Failure {
            err,
            answered: false,
            sent: false,
        }
    }

    /// The resend rule, the only one: sending the same requests again is
    /// safe when the connection dropped (closed or reset; not a timeout,
    /// not a reply out of step) before any byte of a reply arrived, and
    /// every request is resend-safe (`Kind::resend_safe`, checked by the
    /// caller through `Batch::resend_safe`).
    pub fn resendable(&self) -> bool {
        self.err.is_connection_dropped() && !self.answered
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
    /// Any reply byte arrived.
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

/// Splits a batch over `k` connections without changing what it means: a
/// request only ever depends on earlier requests for the same key, so every
/// request of a key goes to the same connection, in order. A batch holding
/// a request without a key (INV_*, KEYS, FLUSH, STATS) is not split at all,
/// since its place relative to every other request matters.
fn split(batch: &Batch, k: usize) -> Option<Vec<Vec<usize>>> {
    use std::hash::BuildHasher;
    if k < 2 {
        return None;
    }
    // Any hash spreads keys well enough over lanes; SipHash (std's) was
    // most of what splitting cost.
    let hasher = foldhash::fast::FixedState::default();
    let mut lanes = vec![Vec::with_capacity(batch.len() / k + 1); k];
    for i in 0..batch.len() {
        let key = batch.key(i)?;
        lanes[(hasher.hash_one(key) % k as u64) as usize].push(i);
    }
    lanes.retain(|l| !l.is_empty());
    Some(lanes)
}

/// Sends `batch` over up to `lanes_max` connections of `pool`; the replies
/// land in `out` (reset first). `verify`: the batch cannot be resent, so
/// idle connections are checked for being stale before use.
pub fn run(
    pool: &Pool,
    batch: &Batch,
    waits: Waits,
    lanes_max: usize,
    verify: bool,
    out: &mut Replies,
) -> std::result::Result<(), Failure> {
    let n = batch.len();
    out.reset(n);
    if n == 0 {
        return Ok(());
    }
    let first = pool
        .checkout_with(waits.timeout, verify)
        .map_err(Failure::before_sending)?;
    if n == 1 {
        return single(&first, batch, waits, out);
    }
    let mut conns = vec![first];
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
    let lane = |conn, indices: Option<Vec<usize>>, bytes| Lane {
        conn,
        count: indices.as_ref().map_or(n, Vec::len),
        indices,
        bytes,
        sent: 0,
        received: 0,
        got_bytes: false,
    };
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
                    bytes.extend_from_slice(batch.request(i));
                }
                lanes.push(lane(conn, Some(ix), bytes.into()));
            }
        }
        _ => {
            for conn in conns.into_iter().take(1) {
                lanes.push(lane(conn, None, batch.bytes().into()));
            }
        }
    }
    for l in &lanes {
        l.conn.add_pending(l.count as u32);
    }
    drive(&mut lanes, batch, waits, out).map_err(|err| Failure {
        err,
        answered: lanes.iter().any(|l| l.got_bytes),
        sent: lanes.iter().any(|l| l.sent > 0),
    })
}

/// The poll loop. The timeout bounds each wait for progress, not the whole
/// batch: a million requests may take longer than `timeout_ms`, but no
/// single wait for the server to read or answer does.
fn drive(lanes: &mut [Lane<'_, '_>], batch: &Batch, waits: Waits, out: &mut Replies) -> Result<()> {
    let mut deadline = Instant::now() + waits.timeout;
    let mut first_pass = true;
    // While nothing moves, the loop busy-polls (offering the core to other
    // threads between passes) until `spin` has passed since the last
    // progress, and only then sleeps in poll(2): see Conn::spin_fill.
    let mut spin_until = Instant::now() + waits.spin;
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
            deadline = now + waits.timeout;
            spin_until = now + waits.spin;
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
                return Err(Error::timeout(c.addr(), op, waits.timeout));
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

/// Reads what is there for one lane and records every complete reply.
fn read_lane(lane: &mut Lane<'_, '_>, batch: &Batch, out: &mut Replies) -> Result<bool> {
    let conn: &Conn = &lane.conn;
    let mut b = conn.lock();
    let mut progress = false;
    loop {
        while let Some(r) = conn.next_line(&mut b)? {
            let i = lane.index_of(lane.received);
            if let Err(e) = out.put(i, batch.kind(i), Conn::line(&b, r)) {
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

/// The one request of `batch` on one connection: write it, busy-poll,
/// wait, read the reply line into `out`'s only slot.
fn single(
    conn: &Conn,
    batch: &Batch,
    waits: Waits,
    out: &mut Replies,
) -> std::result::Result<(), Failure> {
    let timeout = waits.timeout;
    let mut b = conn.lock();
    conn.add_pending(1);
    let deadline = Instant::now() + timeout;
    let mut got_bytes = false;
    let mut sent = 0;
    let res = (|| -> Result<()> {
        let bytes = batch.bytes();
        loop {
            sent += conn.write_slice(&bytes[sent..])?;
            if sent == bytes.len() {
                break;
            }
            conn.wait(PollFlags::POLLOUT, deadline, "write", timeout)?;
        }
        if conn.spin_fill(&mut b, waits.spin)? {
            got_bytes = true;
        } else {
            conn.wait(PollFlags::POLLIN, deadline, "read", timeout)?;
        }
        loop {
            if let Some(r) = conn.next_line(&mut b)? {
                if let Err(e) = out.put(0, batch.kind(0), Conn::line(&b, r)) {
                    conn.mark_broken();
                    return Err(e);
                }
                conn.reply_read();
                return Ok(());
            }
            match conn.fill(&mut b)? {
                Fill::Data => got_bytes = true,
                Fill::WouldBlock => conn.wait(PollFlags::POLLIN, deadline, "read", timeout)?,
            }
        }
    })();
    res.map_err(|err| Failure {
        err,
        answered: got_bytes,
        sent: sent > 0,
    })
}

#[cfg(test)]
mod tests {
    use super::super::protocol::{Key, Meta, Request};
    use super::*;

    #[test]
    fn split_keeps_every_request_of_a_key_on_one_lane_in_order() {
        let m = Meta::none();
        let mut b = Batch::new();
        for i in 0..200 {
            let k = format!("k{}", i % 37);
            let key = Key::text(&k).unwrap();
            match i % 3 {
                0 => b.push(Request::Get(key)),
                1 => b.push(Request::Put(key, &m)),
                _ => b.push(Request::Del(key)),
            }
        }
        let lanes = split(&b, 4).expect("a batch of keyed requests splits");
        let mut seen = vec![false; b.len()];
        let mut lane_of = std::collections::HashMap::new();
        for (l, ix) in lanes.iter().enumerate() {
            assert!(ix.windows(2).all(|w| w[0] < w[1]), "batch order kept");
            for &i in ix {
                assert!(!seen[i]);
                seen[i] = true;
                let prev = lane_of.insert(b.key(i).unwrap().to_vec(), l);
                assert!(prev.is_none() || prev == Some(l), "a key on two lanes");
            }
        }
        assert!(seen.iter().all(|&s| s));
        b.push(Request::Stats);
        assert!(split(&b, 4).is_none(), "a keyless request pins the order");
    }

    #[test]
    fn only_a_dropped_connection_before_any_reply_is_resendable() {
        let closed = || Error::Closed {
            addr: "a".into(),
            detail: String::new(),
        };
        let f = |err, answered| Failure {
            err,
            answered,
            sent: true,
        };
        assert!(f(closed(), false).resendable());
        assert!(!f(closed(), true).resendable());
        assert!(!f(Error::timeout("a", "read", Duration::from_secs(1)), false).resendable());
        assert!(!f(Error::Server("x".into()), false).resendable());
    }
}
