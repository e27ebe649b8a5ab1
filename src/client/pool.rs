//! The connection pool: idle connections in a lock-free queue, the count of
//! connections made behind a mutex, and a checkout guard that owns one
//! connection exclusively and gives it back on drop. A connection that is
//! dirty (replies owed, half a reply read), broken, or made by another
//! process (fork) is closed instead of going back.
//!
//! The pool is generic over what it pools (`Pooled`): `Conn` everywhere in
//! the product, a model connection in the model tests (pool_loom.rs), which
//! run this same code under loom with the primitives of sync.rs swapped
//! (docs/concurrency.md).

use super::conn::{Conn, ConnOpts};
use super::error::{Error, Result};
use super::sync::{AtomicU64, Condvar, Instant, Mutex, Ordering, Queue};
use std::time::Duration;

/// An idle connection given back less than this long ago, in the current
/// failure epoch, is reused without the stale check.
const TRUST_IDLE: Duration = Duration::from_millis(1000);

#[derive(Debug, Default)]
struct State {
    /// Connections of this process made (or being made) and not yet
    /// closed: idle + busy. Always `created - discarded + connecting`
    /// (`audit`); never more than the pool's size.
    open: usize,
    /// Of `open`, connects in progress (counted, not yet made or failed).
    connecting: usize,
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

/// What the pool pools: one connection, owned by one checkout at a time,
/// that answers the pool's questions about itself. `Conn` in the product.
pub trait Pooled: Sized {
    /// What a connection needs to be made.
    type Opts;
    /// A new connection (the pool has counted it in `open` already).
    fn connect(o: &Self::Opts) -> Result<Self>;
    /// The server's name, for error messages.
    fn addr(o: &Self::Opts) -> &str;
    /// The current process generation (fork.rs).
    fn generation(o: &Self::Opts) -> u64;
    /// Made in process generation `gen`.
    fn made_in(&self, gen: u64) -> bool;
    /// Fit to go back to the pool: nothing owed, nothing half read, no
    /// error seen, made by this process.
    fn reusable(&self) -> bool;
    /// An error was seen on it (its siblings may be dead too).
    fn is_broken(&self) -> bool;
    /// The server closed it while it was idle (one poll, no round trip).
    fn is_stale(&self) -> bool;
    /// Reusable without the stale check: known good in failure epoch
    /// `epoch`, and idle for less than `trust`.
    fn trusted(&self, epoch: u64, trust: Duration) -> bool;
    /// Known good in failure epoch `epoch`.
    fn known_good(&mut self, epoch: u64);
    /// It goes back to the pool now.
    fn went_idle(&mut self);
}

impl Pooled for Conn {
    type Opts = ConnOpts;

    fn connect(o: &ConnOpts) -> Result<Conn> {
        Conn::connect(o)
    }

    fn addr(o: &ConnOpts) -> &str {
        &o.addr
    }

    fn generation(_: &ConnOpts) -> u64 {
        super::fork::generation()
    }

    fn made_in(&self, gen: u64) -> bool {
        Conn::made_in(self, gen)
    }

    fn reusable(&self) -> bool {
        Conn::reusable(self)
    }

    fn is_broken(&self) -> bool {
        Conn::is_broken(self)
    }

    fn is_stale(&self) -> bool {
        Conn::is_stale(self)
    }

    fn trusted(&self, epoch: u64, trust: Duration) -> bool {
        Conn::trusted(self, epoch, trust)
    }

    fn known_good(&mut self, epoch: u64) {
        Conn::known_good(self, epoch)
    }

    fn went_idle(&mut self) {
        Conn::went_idle(self)
    }
}

#[derive(Debug)]
pub struct Pool<C: Pooled = Conn> {
    opts: C::Opts,
    size: usize,
    idle: Queue<C>,
    state: Mutex<State>,
    freed: Condvar,
    /// The process generation the pool's connections belong to (fork.rs);
    /// a fork changes it.
    gen: AtomicU64,
    /// Bumped whenever a connection is found broken: every idle connection
    /// known good in an older epoch is checked before reuse.
    epoch: AtomicU64,
    counters: Counters,
}

/// One connection, owned exclusively until dropped.
pub struct Guard<'a, C: Pooled = Conn> {
    pool: &'a Pool<C>,
    conn: Option<C>,
}

impl<C: Pooled> std::ops::Deref for Guard<'_, C> {
    type Target = C;
    fn deref(&self) -> &C {
        // The option is only emptied in drop.
        self.conn
            .as_ref()
            .expect("guard holds a connection until dropped")
    }
}

impl<C: Pooled> Drop for Guard<'_, C> {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            self.pool.give_back(c);
        }
    }
}

impl Pool {
    pub fn new(opts: ConnOpts, size: usize) -> Pool {
        Pool::with_opts(opts, size)
    }
}

impl<C: Pooled> Pool<C> {
    /// A pool of at most `size` connections made with `opts`.
    pub fn with_opts(opts: C::Opts, size: usize) -> Pool<C> {
        let size = size.max(1);
        Pool {
            gen: AtomicU64::new(C::generation(&opts)),
            opts,
            size,
            idle: Queue::new(size),
            state: Mutex::new(State::default()),
            freed: Condvar::new(),
            epoch: AtomicU64::new(0),
            counters: Counters::default(),
        }
    }

    pub fn addr(&self) -> &str {
        C::addr(&self.opts)
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// In a forked child, forget the parent's connections: close our copy
    /// of each idle one (closing a copy does not touch the parent's socket)
    /// and start counting from zero.
    fn after_fork_check(&self) {
        let me = C::generation(&self.opts);
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
            self.audit(&st);
        }
    }

    /// A connection, waiting until `deadline` when all are busy.
    pub fn checkout(&self, timeout: Duration) -> Result<Guard<'_, C>> {
        self.checkout_with(timeout, false)
    }

    /// As `checkout`; with `verify`, an idle connection is always checked
    /// for being stale first (one poll(0)): for a request that cannot be
    /// resent if the connection turns out dead (a batch holding a request
    /// that is not `Kind::resend_safe`, or any batch when `retry` is 0 or
    /// its tries are used up), so a server restart never fails it
    /// needlessly.
    pub fn checkout_with(&self, timeout: Duration, verify: bool) -> Result<Guard<'_, C>> {
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
    ) -> Result<Guard<'_, C>> {
        self.checkout_inner(Some(timeout), verify, retry_interval)
    }

    /// A connection only if one is idle or may be made now (fan-out takes
    /// extra connections this way, so two fan-outs cannot deadlock).
    /// `verify` as for `checkout_with`.
    pub fn try_checkout(&self, verify: bool) -> Result<Option<Guard<'_, C>>> {
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
    ) -> Result<Guard<'_, C>> {
        self.after_fork_check();
        let mut deadline = None;
        let mut waited = false;
        loop {
            if let Some(mut c) = self.idle.pop() {
                if !c.made_in(C::generation(&self.opts)) {
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
                st.connecting += 1;
                self.audit(&st);
                drop(st);
                return match C::connect(&self.opts) {
                    Ok(mut c) => {
                        c.known_good(self.epoch.load(Ordering::Acquire));
                        let mut st = self.state.lock();
                        st.connecting -= 1;
                        st.down = None;
                        // Under the lock, so that `audit` sees it with the
                        // change of `connecting`.
                        self.counters.created.fetch_add(1, Ordering::Relaxed);
                        self.audit(&st);
                        drop(st);
                        Ok(self.guard(c))
                    }
                    Err(e) => {
                        let mut st = self.state.lock();
                        st.connecting -= 1;
                        st.closed(1);
                        st.down = Some(Down {
                            since: Instant::now(),
                            reason: e.to_string(),
                        });
                        if st.waiters > 0 {
                            self.freed.notify_one();
                        }
                        self.audit(&st);
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
            let timed_out = self.freed.wait_until(&mut st, deadline);
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
            addr: self.addr().to_string(),
            reason: down.reason.clone(),
            retry_ms: until.saturating_duration_since(now).as_millis(),
        })
    }

    fn exhausted(&self, busy: usize, waited: Duration) -> Error {
        Error::PoolExhausted {
            addr: self.addr().to_string(),
            busy,
            ms: waited.as_millis(),
        }
    }

    fn guard(&self, c: C) -> Guard<'_, C> {
        Guard {
            pool: self,
            conn: Some(c),
        }
    }

    fn give_back(&self, mut c: C) {
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

    fn discard(&self, c: C) {
        let mut st = self.state.lock();
        // A connection of an earlier process generation was already
        // forgotten by after_fork_check: it is not counted again. Asked
        // under the lock, which after_fork_check holds while it forgets
        // them and moves `gen` on: asked before it, a connection of the
        // parent could be judged ours, then taken off the child's fresh
        // count (pool_loom.rs: fork_while_a_guard_is_held).
        let ours = c.made_in(self.gen.load(Ordering::Acquire));
        if ours {
            self.counters.discarded.fetch_add(1, Ordering::Relaxed);
            st.closed(1);
        }
        if st.waiters > 0 {
            self.freed.notify_one();
        }
        self.audit(&st);
        drop(st);
        // Closed outside the lock.
        drop(c);
    }

    /// Closes the idle connections (busy ones close when given back dirty,
    /// or stay for the next call).
    pub fn close_idle(&self) {
        self.after_fork_check();
        while let Some(c) = self.idle.pop() {
            self.discard(c);
        }
    }

    /// The pool's accounting, checked under the state lock after every
    /// change: in the model tests (`--cfg loom`) and debug builds only.
    /// `created` and `discarded` change only under the lock, so the
    /// identity is exact there.
    fn audit(&self, st: &State) {
        if !cfg!(any(loom, debug_assertions)) {
            return;
        }
        let created = self.counters.created.load(Ordering::Relaxed);
        let discarded = self.counters.discarded.load(Ordering::Relaxed);
        assert!(
            st.open <= self.size,
            "pool: {} open > size {}",
            st.open,
            self.size
        );
        assert!(st.connecting <= st.open, "pool: {st:?}");
        assert_eq!(
            Some(st.open as u64),
            (created + st.connecting as u64).checked_sub(discarded),
            "pool: open != created {created} - discarded {discarded} + connecting ({st:?})"
        );
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

#[cfg(test)]
#[path = "pool_loom.rs"]
mod loom_model;
