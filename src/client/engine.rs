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
use super::protocol::MIN_REPLY_BYTES;
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
    /// Some byte of a request was written: the server may have acted.
    pub sent: bool,
}

impl Failure {
    pub(crate) fn before_sending(err: Error) -> Failure {
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
    /// The job's requests this lane carries, in order.
    part: Part,
    count: usize,
    /// The bytes this lane sends, and how far it got.
    bytes: Cow<'b, [u8]>,
    sent: usize,
    /// When the last request byte went out.
    written: Option<Instant>,
    /// Replies read so far.
    received: usize,
    /// Any reply byte arrived.
    got_bytes: bool,
    /// Worth a try in the next pass: poll(2) reported its socket, or the
    /// loop is busy-polling, or a poll timed out.
    ready: bool,
    /// No progress by then fails the lane.
    wait_until: Instant,
    failed: Option<Error>,
    /// The server's time per request on this connection's pool
    /// (`Pool::per_request`): what the lane expects to wait for its
    /// replies still to come.
    per_request: Duration,
}

impl<'p, 'b> Lane<'p, 'b> {
    fn new(
        job: usize,
        conn: Guard<'p>,
        part: Part,
        job_len: usize,
        bytes: Cow<'b, [u8]>,
        wait_until: Instant,
    ) -> Lane<'p, 'b> {
        Lane {
            job,
            conn,
            count: part.len(job_len),
            part,
            bytes,
            sent: 0,
            written: None,
            received: 0,
            got_bytes: false,
            ready: true,
            wait_until,
            failed: None,
            per_request: Duration::ZERO,
        }
    }

    /// How long the replies still to come should take.
    fn expected_wait(&self) -> Duration {
        self.per_request
            .saturating_mul(u32::try_from(self.count - self.received).unwrap_or(u32::MAX))
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

/// Which of a job's requests a lane carries (positions in the job).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    All,
    /// Positions `a..b`.
    Range(usize, usize),
    /// These positions, in order.
    List(Vec<usize>),
}

impl Part {
    fn len(&self, job_len: usize) -> usize {
        match self {
            Part::All => job_len,
            Part::Range(a, b) => b - a,
            Part::List(l) => l.len(),
        }
    }

    /// The position in the job of the lane's `i`th request.
    #[inline]
    fn nth(&self, i: usize) -> usize {
        match self {
            Part::All => i,
            Part::Range(a, _) => a + i,
            Part::List(l) => l[i],
        }
    }

    /// The bytes the lane sends: a slice of the batch when its requests
    /// lie back to back there, else a copy.
    fn bytes<'b>(&self, batch: &'b Batch, job: &Job<'_>) -> Cow<'b, [u8]> {
        let n = job.len(batch);
        match *self {
            Part::All if job.reqs.is_none() => return Cow::Borrowed(batch.span(0, n)),
            Part::Range(a, b) if job.reqs.is_none() => return Cow::Borrowed(batch.span(a, b)),
            _ => {}
        }
        let count = self.len(n);
        let request = |i: usize| batch.request(job.req(self.nth(i)));
        let mut bytes = Vec::with_capacity((0..count).map(|i| request(i).len()).sum());
        for i in 0..count {
            bytes.extend_from_slice(request(i));
        }
        Cow::Owned(bytes)
    }
}

/// Splits the requests of a job over `k` connections without changing
/// what they mean. When no request can change what another one sees (all
/// GETs, or writes to keys that all differ: `Batch::independent`), the job
/// is cut into `k` runs of consecutive requests, each sent straight from
/// the batch's buffer. Otherwise a request may depend on earlier requests
/// for the same key: every request of a key goes to the same connection,
/// in order (by a hash of the key), and its bytes are gathered. A job
/// holding a request without a key (INV_*, KEYS, FLUSH, STATS) is not
/// split at all, since its place relative to every other request matters.
fn split(batch: &Batch, job: &Job<'_>, k: usize) -> Option<Vec<Part>> {
    use std::hash::BuildHasher;
    let n = job.len(batch);
    if k < 2 {
        return None;
    }
    if batch.independent() {
        // Exactly `min(k, n)` runs, their lengths differing by one at
        // most. (Runs of `ceil(n / k)` each can make fewer: 1,666 requests
        // over 50 connections gave 49 runs of 34, leaving one idle.)
        let k = k.min(n);
        let (per, extra) = (n / k, n % k);
        let mut a = 0;
        return Some(
            (0..k)
                .map(|i| {
                    let len = per + usize::from(i < extra);
                    a += len;
                    Part::Range(a - len, a)
                })
                .collect(),
        );
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
    Some(lanes.into_iter().map(Part::List).collect())
}

/// `parts` folded into `k` (fewer connections than planned), keeping job
/// order inside each.
fn refit(batch: &Batch, job: &Job<'_>, mut parts: Vec<Part>, k: usize) -> Vec<Part> {
    if parts.iter().all(|p| matches!(p, Part::Range(..))) {
        return split(batch, job, k).unwrap_or(parts);
    }
    let n = job.len(batch);
    while parts.len() > k {
        let extra = parts.pop().unwrap_or(Part::All);
        let last = parts.len() - 1;
        let mut merged: Vec<usize> = (0..parts[last].len(n))
            .map(|i| parts[last].nth(i))
            .chain((0..extra.len(n)).map(|i| extra.nth(i)))
            .collect();
        merged.sort_unstable();
        parts[last] = Part::List(merged);
    }
    parts
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
        let per_request = job.pool.per_request();
        let lane = |conn, part, bytes| Lane {
            per_request,
            ..Lane::new(j, conn, part, n, bytes, start + waits.timeout)
        };
        match parts {
            Some(parts) if conns.len() > 1 => {
                let k = conns.len();
                let parts = if parts.len() > k {
                    refit(batch, job, parts, k)
                } else {
                    parts
                };
                for (conn, part) in conns.into_iter().zip(parts) {
                    let bytes = part.bytes(batch, job);
                    lanes.push(lane(conn, part, bytes));
                }
            }
            _ => {
                let bytes = Part::All.bytes(batch, job);
                for conn in conns.into_iter().take(1) {
                    lanes.push(lane(conn, Part::All, bytes.clone()));
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
    // The connections go back to the pool woken by any byte again.
    for l in lanes.iter_mut().filter(|l| l.failed.is_none()) {
        if let Err(e) = l.conn.set_low_water(1) {
            l.fail(e);
        }
    }
    for l in lanes {
        let (answered, sent) = (l.got_bytes, l.sent > 0);
        match (&mut results[l.job], l.failed) {
            // The first failure of a job is its error; any lane that got
            // reply bytes (or wrote request bytes) counts for the job.
            (Err(f), _) => {
                f.answered |= answered;
                f.sent |= sent;
            }
            (r, Some(err)) => {
                *r = Err(Failure {
                    err,
                    answered,
                    sent,
                })
            }
            (Ok(()), None) => {}
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
    // threads between passes) and only then sleeps in poll(2): see
    // Conn::spin_fill. It spins, after each bit of progress, for `spin`
    // plus the time the lanes expect their remaining replies to take, so
    // the window covers the server's work on a batch and not only the
    // round trip. Not for a while after a spin on the first connection
    // found nothing (Conn::spin_turn). And not past one plain window when
    // a lane expects its replies to take more than SPIN_EXPECT_MAX windows
    // (a large batch, a slow server: spinning through a long wait costs
    // CPU and gains nothing); that one window, tried once per backoff
    // period, is how an estimate made too long by a stall (this process or
    // the server descheduled for a while) is corrected.
    let may_spin = !waits.spin.is_zero() && lanes.first().is_some_and(|l| l.conn.spin_turn());
    let spin_window = |lanes: &[Lane<'_, '_>]| {
        let expect = lanes
            .iter()
            .filter(|l| l.active())
            .map(Lane::expected_wait)
            .max()
            .unwrap_or_default();
        (expect <= waits.spin.saturating_mul(SPIN_EXPECT_MAX)).then(|| waits.spin + expect)
    };
    let window = spin_window(lanes);
    let probing = window.is_none();
    let mut spin_until = may_spin.then(|| Instant::now() + window.unwrap_or(waits.spin));
    let mut spun = false;
    let mut slept = false;
    loop {
        let mut progress = false;
        for lane in lanes.iter_mut().filter(|l| l.active() && l.ready) {
            let mut moved = false;
            if lane.unsent() {
                match lane.conn.write_slice(&lane.bytes[lane.sent..]) {
                    Ok(n) => {
                        lane.sent += n;
                        moved |= n > 0;
                        if !lane.unsent() {
                            lane.written = Some(Instant::now());
                        }
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
            if !slept {
                learn(lanes, jobs);
            }
            return;
        }
        let now = Instant::now();
        if progress && may_spin {
            match spin_window(lanes) {
                Some(w) => spin_until = Some(now + w),
                None if !probing => spin_until = None,
                None => {}
            }
            spun = false;
        }
        if spin_until.is_some_and(|t| now < t) {
            spun = true;
            lanes.iter_mut().for_each(|l| l.ready = true);
            std::thread::yield_now();
            continue;
        }
        if spun {
            // A whole window spun without a reply byte.
            spun = false;
            if let Some(l) = lanes.first() {
                l.conn.spin_missed();
            }
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
        // A lane with many replies still to come sleeps until at least the
        // bytes they must take have arrived (see Conn::set_low_water).
        for lane in lanes.iter_mut().filter(|l| l.active()) {
            if let Err(e) = lane.conn.set_low_water(low_water(lane)) {
                lane.fail(e);
            }
        }
        if !lanes.iter().any(Lane::active) {
            return;
        }
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
        slept = true;
        match poll(&mut fds, poll_ms(wake.saturating_duration_since(now))) {
            // Only the lanes whose sockets have news are tried next: with
            // many connections, reading every one after each wake-up was
            // mostly reads that found nothing.
            Ok(n) if n > 0 => {
                let news: Vec<bool> = fds
                    .iter()
                    .map(|f| f.revents().is_some_and(|r| !r.is_empty()))
                    .collect();
                drop(fds);
                // A lane out of time is tried too: bytes below its low-water
                // mark are progress, and it fails only if there are none.
                let now = Instant::now();
                for (lane, news) in lanes.iter_mut().filter(|l| l.active()).zip(news) {
                    lane.ready = news || now >= lane.wait_until.min(deadline);
                }
            }
            // Timed out (a lane may hold bytes below its low-water mark,
            // which are progress) or interrupted: try every lane.
            Ok(_) | Err(nix::errno::Errno::EINTR) => {
                drop(fds);
                lanes.iter_mut().for_each(|l| l.ready = true);
            }
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

/// Fewer replies than this still to come: woken by any byte.
const LOW_WATER_MIN: usize = 32;
/// The most a lane waits to have buffered before it is woken.
const LOW_WATER_MAX: usize = 256 * 1024;

/// The bytes a lane waits for before it is woken: what its remaining
/// replies take at the least, once its requests are all sent and a first
/// reply arrived (so a server that answers out of line is still seen at
/// once); 1 otherwise.
fn low_water(lane: &Lane<'_, '_>) -> usize {
    let left = lane.count - lane.received;
    if lane.unsent() || lane.received == 0 || left < LOW_WATER_MIN {
        return 1;
    }
    (left * MIN_REPLY_BYTES)
        .saturating_sub(lane.conn.buffered())
        .clamp(1, LOW_WATER_MAX)
}

/// Batches of fewer requests than this teach nothing about the server's
/// time per request (the round trip is most of theirs).
const LEARN_MIN: usize = 32;

/// A lane that expects its replies to take more than this many spin
/// windows sleeps at once.
const SPIN_EXPECT_MAX: u32 = 4;

/// Teaches each pool the time per request its lanes took (all done), from
/// the last request byte written to the last reply read, and only from a
/// call that never slept in poll(2). A call that slept measured the
/// wake-up of its own sleeping thread as much as the server's work (tens
/// of microseconds on a virtual machine), which no spin can save; learning
/// from such calls made the estimate a self-fulfilling prophecy: a
/// 100-request batch, taken to need longer than the window, never spun,
/// so it always slept and kept measuring 70-140 us where a spinning call
/// takes about 25 us.
fn learn(lanes: &[Lane<'_, '_>], jobs: &[Job<'_>]) {
    let now = Instant::now();
    for l in lanes {
        if let (None, Some(written), true) = (&l.failed, l.written, l.count >= LEARN_MIN) {
            let took = now.saturating_duration_since(written);
            let per = took / u32::try_from(l.count).unwrap_or(u32::MAX);
            jobs[l.job].pool.learn_per_request(per);
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
            let nth = lane.part.nth(lane.received);
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
    let mut sent = 0;
    let res = (|| -> Result<()> {
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
        sent: sent > 0,
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

    /// A job of the whole batch that may use 4 connections.
    fn whole_batch_job(p: &Pool) -> Job<'_> {
        Job {
            pool: p,
            reqs: None,
            slots: None,
            lanes: 4,
            verify: false,
        }
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
        let job = whole_batch_job(&p);
        let lanes = split(&b, &job, 4).expect("a batch of keyed requests splits");
        let mut seen = vec![false; b.len()];
        let mut lane_of = std::collections::HashMap::new();
        for (l, part) in lanes.iter().enumerate() {
            let Part::List(ix) = part else {
                panic!("a batch with a key written twice is split by key")
            };
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

    #[test]
    fn an_independent_batch_is_cut_into_runs_sent_from_its_buffer() {
        let m = Meta::none();
        let mut b = Batch::new();
        for i in 0..10 {
            let k = format!("k{i}");
            b.push(Request::Put(Key::text(&k).unwrap(), &m));
        }
        b.keys_distinct();
        let p = pool();
        let job = whole_batch_job(&p);
        let parts = split(&b, &job, 4).unwrap();
        assert_eq!(
            parts,
            [
                Part::Range(0, 3),
                Part::Range(3, 6),
                Part::Range(6, 8),
                Part::Range(8, 10)
            ]
        );
        assert!(matches!(parts[1].bytes(&b, &job), Cow::Borrowed(x) if x == b.span(3, 6)));
        // Always as many runs as connections (or requests): runs of
        // ceil(n / k) would cut 1,666 requests into 49 runs for 50.
        for (n, k) in [(1666, 50), (10, 4), (7, 7), (3, 8), (100, 3), (1, 2)] {
            let mut b = Batch::new();
            for i in 0..n {
                let k = format!("k{i}");
                b.push(Request::Put(Key::text(&k).unwrap(), &m));
            }
            b.keys_distinct();
            let parts = split(&b, &job, k).unwrap();
            assert_eq!(parts.len(), k.min(n), "{n} requests over {k}");
            let mut next = 0;
            for p in &parts {
                let Part::Range(a, z) = *p else { panic!() };
                assert_eq!(a, next);
                assert!(z - a == n / k.min(n) || z - a == n / k.min(n) + 1);
                next = z;
            }
            assert_eq!(next, n);
        }
        assert_eq!(
            refit(&b, &job, parts.clone(), 2),
            [Part::Range(0, 5), Part::Range(5, 10)]
        );
        // A part of a job that is a subset of the batch (one server of
        // several) is gathered.
        let sub = Job {
            reqs: Some(vec![1, 4, 7, 8]),
            ..job.clone()
        };
        let parts = split(&b, &sub, 2).unwrap();
        assert_eq!(parts, [Part::Range(0, 2), Part::Range(2, 4)]);
        let mut want = b.request(7).to_vec();
        want.extend_from_slice(b.request(8));
        assert_eq!(parts[1].bytes(&b, &sub).as_ref(), &want[..]);
        // Lists fold into fewer lanes in job order.
        let lists = vec![
            Part::List(vec![0, 3]),
            Part::List(vec![1]),
            Part::List(vec![2, 4]),
        ];
        assert_eq!(
            refit(&b, &job, lists, 2),
            [Part::List(vec![0, 3]), Part::List(vec![1, 2, 4])]
        );
    }
}
