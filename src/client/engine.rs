//! The engine that sends a batch and reads its replies: many requests
//! written while their replies are read, on non-blocking sockets driven by
//! one poll(2) loop, so a batch of any size cannot deadlock on full socket
//! buffers.
//!
//! A batch is sent as jobs, one per server it needs (client/mod.rs routes
//! requests to servers). A job of at least `fanout_min` requests is split
//! over several connections of its server's pool. Every connection of every
//! job is driven by the same loop (the set of sockets in flight), and a
//! connection that fails fails only its own job. A lone request takes a
//! shorter path (write, busy-poll, wait, read) with the same rules.
//!
//! Deadlines: no wait for the server lasts longer than `timeout` without
//! progress on that connection, and the whole call has a budget that a slow
//! server cannot stretch: `timeout`, plus 10 µs per request, plus 100 ns
//! per byte sent or received (10 MB/s). A server trickling one byte at a
//! time gains next to nothing; a million GETs or a 64 MB value get the time
//! they need.

use super::batch::Batch;
use super::conn::{poll_ms, Conn, Fill};
use super::error::{Error, Result};
use super::pool::{Guard, Pool};
use super::replies::Replies;
use nix::poll::{poll, PollFd, PollFlags};
use std::borrow::Cow;
use std::time::{Duration, Instant};

/// How long to wait: `timeout` bounds each wait for the server; `spin` is
/// how long to busy-poll for a reply before sleeping in poll(2).
#[derive(Debug, Clone, Copy)]
pub struct Waits {
    pub timeout: Duration,
    pub spin: Duration,
    /// After a failed connect, no new connection to that server is tried
    /// for this long (`Pool::checkout_for`).
    pub retry_interval: Duration,
}

/// The budget of a whole call beyond `timeout`, per request and per byte.
const PER_REQUEST: Duration = Duration::from_micros(10);
const PER_BYTE_NS: u64 = 100;

fn byte_time(bytes: usize) -> Duration {
    Duration::from_nanos((bytes as u64).saturating_mul(PER_BYTE_NS))
}

/// The deadline of a call that sends `requests` requests of `bytes` bytes.
fn call_deadline(start: Instant, waits: Waits, requests: usize, bytes: usize) -> Instant {
    start
        + waits.timeout
        + PER_REQUEST * (requests.min(u32::MAX as usize) as u32)
        + byte_time(bytes)
}

/// How a send failed.
#[derive(Debug)]
pub struct Failure {
    pub err: Error,
    /// Some byte of a reply arrived: the server acted on at least part of
    /// the requests.
    pub answered: bool,
}

impl Failure {
    pub(crate) fn before_sending(err: Error) -> Failure {
        Failure {
            err,
            answered: false,
        }
    }

    /// The resend rule, the only one: sending the same requests again is
    /// safe when the connection dropped (closed or reset; not a timeout,
    /// not a reply out of step) before any byte of a reply arrived, and
    /// every request is resend-safe (`Kind::resend_safe`, checked by the
    /// caller).
    pub fn resendable(&self) -> bool {
        self.err.is_connection_dropped() && !self.answered
    }
}

/// One server's share of a batch.
#[derive(Debug, Clone)]
pub struct Job<'a> {
    pub pool: &'a Pool,
    /// The batch indices of its requests, in batch order (`None`: the
    /// whole batch).
    pub reqs: Option<Vec<usize>>,
    /// Where each reply goes in `Replies` (`None`: the slot of its
    /// request's index).
    pub slots: Option<Vec<usize>>,
    /// Connections it may be spread over (1: no fan-out).
    pub lanes: usize,
    /// It cannot be resent: idle connections are checked for being stale
    /// before use.
    pub verify: bool,
}

impl Job<'_> {
    fn len(&self, batch: &Batch) -> usize {
        self.reqs.as_ref().map_or(batch.len(), Vec::len)
    }

    fn req(&self, nth: usize) -> usize {
        self.reqs.as_ref().map_or(nth, |r| r[nth])
    }

    fn slot(&self, nth: usize) -> usize {
        match &self.slots {
            Some(s) => s[nth],
            None => self.req(nth),
        }
    }
}

/// One connection's share of a job.
struct Lane<'p, 'b> {
    job: usize,
    conn: Guard<'p>,
    /// The job's requests this lane carries (positions in the job), in
    /// order; `None`: all of them.
    nths: Option<Vec<usize>>,
    count: usize,
    /// The bytes this lane sends, and how far it got.
    bytes: Cow<'b, [u8]>,
    sent: usize,
    /// Replies read so far.
    received: usize,
    /// Any reply byte arrived.
    got_bytes: bool,
    /// No progress by then fails the lane.
    wait_until: Instant,
    failed: Option<Error>,
}

impl<'p, 'b> Lane<'p, 'b> {
    fn new(
        job: usize,
        conn: Guard<'p>,
        nths: Option<Vec<usize>>,
        job_len: usize,
        bytes: Cow<'b, [u8]>,
        wait_until: Instant,
    ) -> Lane<'p, 'b> {
        Lane {
            job,
            conn,
            count: nths.as_ref().map_or(job_len, Vec::len),
            nths,
            bytes,
            sent: 0,
            received: 0,
            got_bytes: false,
            wait_until,
            failed: None,
        }
    }

    fn active(&self) -> bool {
        self.received < self.count && self.failed.is_none()
    }

    fn unsent(&self) -> bool {
        self.sent < self.bytes.len()
    }

    fn fail(&mut self, err: Error) {
        self.conn.mark_broken();
        self.failed = Some(err);
    }
}

/// Splits the requests of a job over `k` connections without changing
/// what they mean: a request only ever depends on earlier requests for the
/// same key, so every request of a key goes to the same connection, in
/// order. A job holding a request without a key (INV_*, KEYS, FLUSH,
/// STATS) is not split at all, since its place relative to every other
/// request matters. Positions in the job, per lane.
fn split(batch: &Batch, job: &Job<'_>, k: usize) -> Option<Vec<Vec<usize>>> {
    use std::hash::BuildHasher;
    let n = job.len(batch);
    if k < 2 {
        return None;
    }
    // Any hash spreads keys well enough over lanes; SipHash (std's) was
    // most of what splitting cost.
    let hasher = foldhash::fast::FixedState::default();
    let mut lanes = vec![Vec::with_capacity(n / k + 1); k];
    for nth in 0..n {
        let key = batch.key(job.req(nth))?;
        lanes[(hasher.hash_one(key) % k as u64) as usize].push(nth);
    }
    lanes.retain(|l| !l.is_empty());
    Some(lanes)
}

/// Sends every job; the replies land in `out` (sized by the caller, which
/// keeps the replies of jobs that succeed when others are sent again). One
/// result per job.
pub fn run<'p>(
    jobs: &[Job<'p>],
    batch: &Batch,
    waits: Waits,
    out: &mut Replies,
) -> Vec<std::result::Result<(), Failure>> {
    let start = Instant::now();
    let mut results: Vec<std::result::Result<(), Failure>> = jobs.iter().map(|_| Ok(())).collect();
    // The common case, one request: the short path.
    if let [job] = jobs {
        if job.len(batch) == 1 {
            let r = job
                .pool
                .checkout_for(waits.timeout, job.verify, waits.retry_interval)
                .map_err(Failure::before_sending)
                .and_then(|conn| single(&conn, batch, job, waits, start, out));
            return vec![r];
        }
    }
    let mut lanes: Vec<Lane<'_, '_>> = Vec::new();
    let mut total_bytes = 0;
    for (j, job) in jobs.iter().enumerate() {
        let n = job.len(batch);
        if n == 0 {
            continue;
        }
        let first = match job
            .pool
            .checkout_for(waits.timeout, job.verify, waits.retry_interval)
        {
            Ok(g) => g,
            Err(e) => {
                results[j] = Err(Failure::before_sending(e));
                continue;
            }
        };
        let mut conns = vec![first];
        let parts = split(batch, job, job.lanes.min(n));
        let want = parts.as_ref().map_or(1, Vec::len);
        // Extra connections are a bonus: when one cannot be had (none free,
        // or connecting fails) the job runs on those in hand.
        while conns.len() < want {
            match job.pool.try_checkout(job.verify) {
                Ok(Some(g)) => conns.push(g),
                _ => break,
            }
        }
        let lane = |conn, nths, bytes| Lane::new(j, conn, nths, n, bytes, start + waits.timeout);
        let gather = |nths: &mut dyn Iterator<Item = usize>| {
            let mut bytes = Vec::new();
            for nth in nths {
                bytes.extend_from_slice(batch.request(job.req(nth)));
            }
            bytes
        };
        match parts {
            Some(mut parts) if conns.len() > 1 => {
                // Fewer connections than planned: fold the extra parts in,
                // keeping job order inside each lane.
                while parts.len() > conns.len() {
                    let extra = parts.pop().unwrap_or_default();
                    let last = parts.len() - 1;
                    parts[last].extend(extra);
                    parts[last].sort_unstable();
                }
                for (conn, nths) in conns.into_iter().zip(parts) {
                    let bytes = gather(&mut nths.iter().copied());
                    lanes.push(lane(conn, Some(nths), bytes.into()));
                }
            }
            _ => {
                let bytes: Cow<'_, [u8]> = match &job.reqs {
                    None => batch.bytes().into(),
                    Some(_) => gather(&mut (0..n)).into(),
                };
                for conn in conns.into_iter().take(1) {
                    lanes.push(lane(conn, None, bytes.clone()));
                }
            }
        }
    }
    for l in &lanes {
        total_bytes += l.bytes.len();
        l.conn.add_pending(l.count as u32);
    }
    let requests: usize = lanes.iter().map(|l| l.count).sum();
    let deadline = call_deadline(start, waits, requests, total_bytes);
    drive(&mut lanes, jobs, batch, waits, (start, deadline), out);
    for l in lanes {
        if let Some(err) = l.failed {
            let answered = l.got_bytes;
            match &mut results[l.job] {
                // The first failure of a job is its error; any lane that
                // got reply bytes makes the whole job answered.
                Err(f) => f.answered |= answered,
                r => *r = Err(Failure { err, answered }),
            }
        } else if l.got_bytes {
            if let Err(f) = &mut results[l.job] {
                f.answered = true;
            }
        }
    }
    results
}

/// The poll loop, until every lane is done or failed.
fn drive(
    lanes: &mut [Lane<'_, '_>],
    jobs: &[Job<'_>],
    batch: &Batch,
    waits: Waits,
    (start, mut deadline): (Instant, Instant),
    out: &mut Replies,
) {
    let mut first_pass = true;
    // While nothing moves, the loop busy-polls (offering the core to other
    // threads between passes) until `spin` has passed since the last
    // progress, and only then sleeps in poll(2): see Conn::spin_fill.
    let mut spin_until = Instant::now() + waits.spin;
    loop {
        let mut progress = false;
        for lane in lanes.iter_mut().filter(|l| l.active()) {
            let mut moved = false;
            if lane.unsent() {
                match lane.conn.write_slice(&lane.bytes[lane.sent..]) {
                    Ok(n) => {
                        lane.sent += n;
                        moved |= n > 0;
                    }
                    Err(e) => {
                        lane.fail(e);
                        continue;
                    }
                }
            }
            // Right after the first write nothing can have come back yet:
            // save the read that would only say so.
            if !first_pass {
                match read_lane(lane, &jobs[lane.job], batch, out) {
                    Ok(bytes) => {
                        moved |= bytes > 0;
                        // Bytes that arrive extend the call's budget at the
                        // rate a slow but honest server sends.
                        deadline += byte_time(bytes);
                    }
                    Err(e) => {
                        lane.fail(e);
                        continue;
                    }
                }
            }
            if moved {
                lane.wait_until = Instant::now() + waits.timeout;
                progress = true;
            }
        }
        first_pass = false;
        if !lanes.iter().any(Lane::active) {
            return;
        }
        let now = Instant::now();
        if progress {
            spin_until = now + waits.spin;
        }
        if now < spin_until {
            std::thread::yield_now();
            continue;
        }
        // Lanes out of time fail; the others go on.
        for lane in lanes.iter_mut().filter(|l| l.active()) {
            if now >= deadline {
                let budget = deadline.saturating_duration_since(start);
                let e = Error::timeout(lane.conn.addr(), "the call", budget);
                lane.fail(e);
            } else if now >= lane.wait_until {
                let op = if lane.unsent() { "write" } else { "read" };
                let e = Error::timeout(lane.conn.addr(), op, waits.timeout);
                lane.fail(e);
            }
        }
        let Some(wake) = lanes
            .iter()
            .filter(|l| l.active())
            .map(|l| l.wait_until.min(deadline))
            .min()
        else {
            return;
        };
        let mut fds: Vec<PollFd<'_>> = lanes
            .iter()
            .filter(|l| l.active())
            .map(|l| {
                let mut ev = PollFlags::POLLIN;
                if l.unsent() {
                    ev |= PollFlags::POLLOUT;
                }
                PollFd::new(l.conn.fd(), ev)
            })
            .collect();
        match poll(&mut fds, poll_ms(wake.saturating_duration_since(now))) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(e) => {
                drop(fds);
                let err = std::io::Error::from(e);
                for lane in lanes.iter_mut().filter(|l| l.active()) {
                    let e = Error::io(lane.conn.addr(), "poll", &err);
                    lane.fail(e);
                }
                return;
            }
        }
    }
}

/// Reads what is there for one lane and records every complete reply.
/// How many bytes arrived.
fn read_lane(
    lane: &mut Lane<'_, '_>,
    job: &Job<'_>,
    batch: &Batch,
    out: &mut Replies,
) -> Result<usize> {
    let conn: &Conn = &lane.conn;
    let mut b = conn.lock();
    let mut bytes = 0;
    // Replies read, given back to the connection's pending count once per
    // call rather than one atomic operation per reply.
    let start = lane.received;
    let res = (|| loop {
        while lane.received < lane.count {
            let nth = lane
                .nths
                .as_ref()
                .map_or(lane.received, |n| n[lane.received]);
            let kind = batch.kind(job.req(nth));
            // The common answer of a write (`OK`) is taken whole, without
            // looking for its line end or parsing it.
            if let Some(line) = kind.stored_line() {
                if Conn::take_line(&mut b, line) {
                    out.put_stored(job.slot(nth));
                    lane.received += 1;
                    continue;
                }
            }
            let Some(r) = conn.next_line(&mut b)? else {
                break;
            };
            if let Err(e) = out.put(job.slot(nth), kind, Conn::line(&b, r)) {
                conn.mark_broken();
                return Err(e);
            }
            lane.received += 1;
        }
        if lane.received == lane.count {
            return Ok(bytes);
        }
        match conn.fill(&mut b)? {
            Fill::Data(n) => {
                bytes += n;
                lane.got_bytes = true;
            }
            Fill::WouldBlock => return Ok(bytes),
        }
    })();
    conn.replies_read((lane.received - start) as u32);
    res
}

/// The one request of `job` on one connection: write it, busy-poll, wait,
/// read the reply line into its slot.
fn single(
    conn: &Conn,
    batch: &Batch,
    job: &Job<'_>,
    waits: Waits,
    start: Instant,
    out: &mut Replies,
) -> std::result::Result<(), Failure> {
    let timeout = waits.timeout;
    let i = job.req(0);
    let bytes = batch.request(i);
    let mut deadline = call_deadline(start, waits, 1, bytes.len());
    let mut b = conn.lock();
    conn.add_pending(1);
    let mut got_bytes = false;
    let mut wait_until = Instant::now() + timeout;
    let res = (|| -> Result<()> {
        let mut sent = 0;
        loop {
            let n = conn.write_slice(&bytes[sent..])?;
            sent += n;
            if sent == bytes.len() {
                break;
            }
            if n > 0 {
                wait_until = Instant::now() + timeout;
            }
            wait(
                conn,
                PollFlags::POLLOUT,
                "write",
                (wait_until, timeout),
                (deadline, start),
            )?;
        }
        wait_until = Instant::now() + timeout;
        if conn.spin_fill(&mut b, waits.spin)? {
            got_bytes = true;
        } else {
            wait(
                conn,
                PollFlags::POLLIN,
                "read",
                (wait_until, timeout),
                (deadline, start),
            )?;
        }
        loop {
            if let Some(r) = conn.next_line(&mut b)? {
                if let Err(e) = out.put(job.slot(0), batch.kind(i), Conn::line(&b, r)) {
                    conn.mark_broken();
                    return Err(e);
                }
                conn.reply_read();
                return Ok(());
            }
            match conn.fill(&mut b)? {
                Fill::Data(n) => {
                    got_bytes = true;
                    deadline += byte_time(n);
                    wait_until = Instant::now() + timeout;
                }
                Fill::WouldBlock => wait(
                    conn,
                    PollFlags::POLLIN,
                    "read",
                    (wait_until, timeout),
                    (deadline, start),
                )?,
            }
        }
    })();
    res.map_err(|err| Failure {
        err,
        answered: got_bytes,
    })
}

/// One wait of the lone-request path: until the wait's own limit or the
/// call's deadline, whichever comes first, and the timeout error names the
/// one that passed.
fn wait(
    conn: &Conn,
    flags: PollFlags,
    op: &'static str,
    (wait_until, timeout): (Instant, Duration),
    (deadline, start): (Instant, Instant),
) -> Result<()> {
    if deadline < wait_until {
        conn.wait(
            flags,
            deadline,
            "the call",
            deadline.saturating_duration_since(start),
        )
    } else {
        conn.wait(flags, wait_until, op, timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::super::protocol::{Key, Meta, Request};
    use super::*;

    #[test]
    fn only_a_dropped_connection_before_any_reply_is_resendable() {
        let closed = || Error::Closed {
            addr: "a".into(),
            detail: String::new(),
        };
        let f = |err, answered| Failure { err, answered };
        assert!(f(closed(), false).resendable());
        assert!(!f(closed(), true).resendable());
        assert!(!f(Error::timeout("a", "read", Duration::from_secs(1)), false).resendable());
        assert!(!f(Error::Server("x".into()), false).resendable());
    }

    #[test]
    fn the_call_budget_grows_with_requests_and_bytes_only() {
        let t0 = Instant::now();
        let w = Waits {
            timeout: Duration::from_millis(1000),
            spin: Duration::ZERO,
            retry_interval: Duration::ZERO,
        };
        assert_eq!(
            call_deadline(t0, w, 1, 0),
            t0 + Duration::from_micros(1_000_010)
        );
        assert_eq!(
            call_deadline(t0, w, 1_000_000, 0),
            t0 + Duration::from_secs(11)
        );
        assert_eq!(
            call_deadline(t0, w, 1, 64 << 20),
            t0 + Duration::from_micros(1_000_010) + Duration::from_nanos(100 * (64 << 20))
        );
    }

    fn pool() -> Pool {
        Pool::new(
            super::super::conn::ConnOpts {
                host: "127.0.0.1".into(),
                port: 1,
                addr: "127.0.0.1:1".into(),
                connect_timeout: Duration::from_millis(10),
                keepalive: false,
                max_line: 1024,
            },
            1,
        )
    }

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
        let p = pool();
        let job = Job {
            pool: &p,
            reqs: None,
            slots: None,
            lanes: 4,
            verify: false,
        };
        let lanes = split(&b, &job, 4).expect("a batch of keyed requests splits");
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
        assert!(
            split(&b, &job, 4).is_none(),
            "a keyless request pins the order"
        );
    }
}
