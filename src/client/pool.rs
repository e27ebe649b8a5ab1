//! The connection pool: idle connections in a lock-free queue, the count of
//! connections made behind a mutex, and a checkout guard that owns one
//! connection exclusively and gives it back on drop. A connection that is
//! dirty (replies owed, half a reply read), broken, or made by another
//! process (fork) is closed instead of going back.

use super::conn::{Conn, ConnOpts};
use super::error::{Error, Result};
use crossbeam_queue::ArrayQueue;
use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The time per request of a batch assumed before one was measured: about
/// what the reference server takes for a PUT with tags on a loaded host.
pub const DEFAULT_PER_REQUEST: Duration = Duration::from_micros(1);

/// An idle connection given back less than this long ago, in the current
/// failure epoch, is reused without the stale check.
const TRUST_IDLE: Duration = Duration::from_millis(1000);

#[derive(Debug, Default)]
struct State {
    /// Connections of this process made (or being made) and not yet
    /// closed: idle + busy. Always `created - discarded` once no connect is
    /// in progress; never more than the pool's size.
    open: usize,
    /// Threads waiting for a connection.
    waiters: usize,
    /// The server could not be reached: callers that ask for a retry
    /// interval try no new connection until it has passed.
    down: Option<Down>,
}

/// The last failed connect (or the last try after one).
#[derive(Debug)]
struct Down {
    since: Instant,
    reason: String,
}

impl State {
    /// `n` connections counted in `open` were closed (or never made).
    fn closed(&mut self, n: usize) {
        debug_assert!(
            self.open >= n,
            "pool closed more connections than it opened"
        );
        self.open -= n;
    }
}

#[derive(Debug, Default)]
struct Counters {
    created: AtomicU64,
    reused: AtomicU64,
    discarded: AtomicU64,
    waits: AtomicU64,
    timeouts: AtomicU64,
}

impl Counters {
    fn reset(&self) {
        for c in [
            &self.created,
            &self.reused,
            &self.discarded,
            &self.waits,
            &self.timeouts,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }
}

/// A snapshot of the pool, for `stats()['pool']`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolStats {
    pub size: usize,
    pub open: usize,
    pub idle: usize,
    pub busy: usize,
    pub created: u64,
    pub reused: u64,
    pub discarded: u64,
    pub waits: u64,
    pub timeouts: u64,
}

impl PoolStats {
    /// Adds another pool's figures (several servers: the client's total).
    pub fn add(&mut self, o: &PoolStats) {
        self.size += o.size;
        self.open += o.open;
        self.idle += o.idle;
        self.busy += o.busy;
        self.created += o.created;
        self.reused += o.reused;
        self.discarded += o.discarded;
        self.waits += o.waits;
        self.timeouts += o.timeouts;
    }
}

#[derive(Debug)]
pub struct Pool {
    opts: ConnOpts,
    size: usize,
    idle: ArrayQueue<Conn>,
    state: Mutex<State>,
    freed: Condvar,
    /// The process generation the pool's connections belong to (fork.rs);
    /// a fork changes it.
    gen: AtomicU64,
    /// Bumped whenever a connection is found broken: every idle connection
    /// known good in an older epoch is checked before reuse.
    epoch: AtomicU64,
    counters: Counters,
    /// `per_request`, in ns (0: nothing measured yet).
    reply_ns: AtomicU64,
}

/// One connection, owned exclusively until dropped.
pub struct Guard<'a> {
    pool: &'a Pool,
    conn: Option<Conn>,
}

impl std::ops::Deref for Guard<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        // The option is only emptied in drop.
        self.conn
            .as_ref()
            .expect("guard holds a connection until dropped")
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            self.pool.give_back(c);
        }
    }
}

impl Pool {
    pub fn new(opts: ConnOpts, size: usize) -> Pool {
        let size = size.max(1);
        Pool {
            opts,
            size,
            idle: ArrayQueue::new(size),
            state: Mutex::new(State::default()),
            freed: Condvar::new(),
            gen: AtomicU64::new(super::fork::generation()),
            epoch: AtomicU64::new(0),
            counters: Counters::default(),
            reply_ns: AtomicU64::new(0),
        }
    }

    /// How long a batch takes per request, from its first byte sent to its
    /// last reply read, as measured on this server's recent batches
    /// (`DEFAULT_PER_REQUEST` before the first one). The engine busy-polls
    /// only for batches whose replies it expects back within the spin
    /// window.
    pub fn per_request(&self) -> Duration {
        match self.reply_ns.load(Ordering::Relaxed) {
            0 => DEFAULT_PER_REQUEST,
            ns => Duration::from_nanos(ns),
        }
    }

    /// Adds a batch's measured time per request to the estimate (a moving
    /// average over about the last four batches).
    pub fn learn_per_request(&self, d: Duration) {
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX).max(1);
        let old = self.reply_ns.load(Ordering::Relaxed);
        let new = if old == 0 { ns } else { old - old / 4 + ns / 4 };
        self.reply_ns.store(new.max(1), Ordering::Relaxed);
    }

    pub fn addr(&self) -> &str {
        &self.opts.addr
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// In a forked child, forget the parent's connections: close our copy
    /// of each idle one (closing a copy does not touch the parent's socket)
    /// and start counting from zero.
    fn after_fork_check(&self) {
        let me = super::fork::generation();
        if self.gen.load(Ordering::Acquire) == me {
            return;
        }
        let mut st = self.state.lock();
        if self.gen.load(Ordering::Acquire) != me {
            while let Some(c) = self.idle.pop() {
                drop(c);
            }
            // The child starts clean: the parent's connections (idle or
            // held by threads that do not exist here) and its counts are
            // not the child's.
            *st = State::default();
            self.counters.reset();
            self.gen.store(me, Ordering::Release);
        }
    }

    /// A connection, waiting until `deadline` when all are busy.
    pub fn checkout(&self, timeout: Duration) -> Result<Guard<'_>> {
        self.checkout_with(timeout, false)
    }

    /// As `checkout`; with `verify`, an idle connection is always checked
    /// for being stale first (one poll(0)): for a request that cannot be
    /// resent if the connection turns out dead (ADD, INCR, DECR, or any
    /// request when `retry` is 0), so a server restart never fails it
    /// needlessly.
    pub fn checkout_with(&self, timeout: Duration, verify: bool) -> Result<Guard<'_>> {
        self.checkout_inner(Some(timeout), verify, Duration::ZERO)
    }

    /// As `checkout_with`; after a failed connect, no new connection is
    /// tried for `retry_interval` (one caller tries when it has passed):
    /// the call fails at once with `Error::ServerDown` instead of paying
    /// the connect timeout again. Zero: always try.
    pub fn checkout_for(
        &self,
        timeout: Duration,
        verify: bool,
        retry_interval: Duration,
    ) -> Result<Guard<'_>> {
        self.checkout_inner(Some(timeout), verify, retry_interval)
    }

    /// A connection only if one is idle or may be made now (fan-out takes
    /// extra connections this way, so two fan-outs cannot deadlock).
    /// `verify` as for `checkout_with`.
    pub fn try_checkout(&self, verify: bool) -> Result<Option<Guard<'_>>> {
        match self.checkout_inner(None, verify, Duration::ZERO) {
            Ok(g) => Ok(Some(g)),
            Err(Error::PoolExhausted { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn checkout_inner(
        &self,
        timeout: Option<Duration>,
        verify: bool,
        retry_interval: Duration,
    ) -> Result<Guard<'_>> {
        self.after_fork_check();
        let mut deadline = None;
        let mut waited = false;
        loop {
            if let Some(mut c) = self.idle.pop() {
                if !c.of_this_process() {
                    self.discard(c);
                    continue;
                }
                // An idle connection whose server closed it (a restart, an
                // idle timeout) is readable or hung up: one poll(0) tells.
                // It is asked of a connection idle for a while, older than
                // the last failure seen, or about to carry a request that
                // cannot be resent; so a busy pool of resendable requests
                // pays no syscall for it (a dead one is then found by the
                // request itself, which is resent on a fresh connection).
                let epoch = self.epoch.load(Ordering::Acquire);
                if verify || !c.trusted(epoch, TRUST_IDLE) {
                    if c.is_stale() {
                        // Its siblings were likely closed by the same cause.
                        self.epoch.fetch_add(1, Ordering::AcqRel);
                        self.discard(c);
                        continue;
                    }
                    c.known_good(epoch);
                }
                self.counters.reused.fetch_add(1, Ordering::Relaxed);
                return Ok(self.guard(c));
            }
            let mut st = self.state.lock();
            if st.open < self.size {
                self.may_connect(&mut st, retry_interval)?;
                st.open += 1;
                drop(st);
                return match Conn::connect(&self.opts) {
                    Ok(mut c) => {
                        c.known_good(self.epoch.load(Ordering::Acquire));
                        self.counters.created.fetch_add(1, Ordering::Relaxed);
                        self.state.lock().down = None;
                        Ok(self.guard(c))
                    }
                    Err(e) => {
                        let mut st = self.state.lock();
                        st.closed(1);
                        st.down = Some(Down {
                            since: Instant::now(),
                            reason: e.to_string(),
                        });
                        if st.waiters > 0 {
                            self.freed.notify_one();
                        }
                        Err(e)
                    }
                };
            }
            // A connection given back between the pop above and the lock
            // is in the queue now; the lock orders us with give_back.
            if !self.idle.is_empty() {
                continue;
            }
            let Some(timeout) = timeout else {
                return Err(self.exhausted(st.open, Duration::ZERO));
            };
            let deadline = *deadline.get_or_insert_with(|| Instant::now() + timeout);
            if !waited {
                waited = true;
                self.counters.waits.fetch_add(1, Ordering::Relaxed);
            }
            st.waiters += 1;
            let timed_out = self.freed.wait_until(&mut st, deadline).timed_out();
            st.waiters -= 1;
            if timed_out && self.idle.is_empty() && st.open >= self.size {
                self.counters.timeouts.fetch_add(1, Ordering::Relaxed);
                return Err(self.exhausted(st.open, timeout));
            }
        }
    }

    /// A new connection may be tried: the server is not marked down, or
    /// its retry interval has passed, in which case this caller is the one
    /// that tries (the others keep failing at once until it is done).
    fn may_connect(&self, st: &mut State, retry_interval: Duration) -> Result<()> {
        let Some(down) = &mut st.down else {
            return Ok(());
        };
        if retry_interval.is_zero() {
            return Ok(());
        }
        let now = Instant::now();
        let until = down.since + retry_interval;
        if now >= until {
            down.since = now;
            return Ok(());
        }
        Err(Error::ServerDown {
            addr: self.opts.addr.to_string(),
            reason: down.reason.clone(),
            retry_ms: until.saturating_duration_since(now).as_millis(),
        })
    }

    fn exhausted(&self, busy: usize, waited: Duration) -> Error {
        Error::PoolExhausted {
            addr: self.opts.addr.to_string(),
            busy,
            ms: waited.as_millis(),
        }
    }

    fn guard(&self, c: Conn) -> Guard<'_> {
        Guard {
            pool: self,
            conn: Some(c),
        }
    }

    fn give_back(&self, mut c: Conn) {
        if !c.reusable() {
            if c.is_broken() {
                self.epoch.fetch_add(1, Ordering::AcqRel);
            }
            self.discard(c);
            return;
        }
        c.went_idle();
        if let Err(c) = self.idle.push(c) {
            // Cannot happen (open <= size), but never leak a count.
            self.discard(c);
            return;
        }
        let st = self.state.lock();
        if st.waiters > 0 {
            self.freed.notify_one();
        }
    }

    fn discard(&self, c: Conn) {
        // A connection of an earlier process generation was already
        // forgotten by after_fork_check: it is not counted again.
        let ours = c.made_in(self.gen.load(Ordering::Acquire));
        drop(c);
        let mut st = self.state.lock();
        if ours {
            self.counters.discarded.fetch_add(1, Ordering::Relaxed);
            st.closed(1);
        }
        if st.waiters > 0 {
            self.freed.notify_one();
        }
    }

    /// Closes the idle connections (busy ones close when given back dirty,
    /// or stay for the next call).
    pub fn close_idle(&self) {
        self.after_fork_check();
        while let Some(c) = self.idle.pop() {
            self.discard(c);
        }
    }

    pub fn stats(&self) -> PoolStats {
        self.after_fork_check();
        let st = self.state.lock();
        let idle = self.idle.len();
        let c = &self.counters;
        PoolStats {
            size: self.size,
            open: st.open,
            idle,
            // Checked out, or being connected. `idle` is read without the
            // lock and is never more than `open`.
            busy: st.open.saturating_sub(idle),
            created: c.created.load(Ordering::Relaxed),
            reused: c.reused.load(Ordering::Relaxed),
            discarded: c.discarded.load(Ordering::Relaxed),
            waits: c.waits.load(Ordering::Relaxed),
            timeouts: c.timeouts.load(Ordering::Relaxed),
        }
    }
}
