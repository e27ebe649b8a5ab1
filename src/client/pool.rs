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

/// The time per request of a batch assumed before one was measured: about
/// what a small PUT with a tag takes end to end (request written, server's
/// work, reply read) when neither side sleeps, measured on this project's
/// 2-core VM against the reference server. It must not be larger than
/// that: only a batch that spins teaches the estimate (engine::learn), so
/// a prior that kept 100-request batches from spinning would never be
/// corrected. In ns.
const DEFAULT_PER_REQUEST_NS: u64 = 250;

/// The estimate of `Pool::per_request` (ns; 0: none yet) after one more
/// batch measured `ns` per request: see `Pool::learn_per_request`. The
/// first measurement counts for at most four times the default.
fn next_per_request(old: u64, ns: u64) -> u64 {
    let ns = ns.max(1);
    let new = if old == 0 {
        ns.min(DEFAULT_PER_REQUEST_NS.saturating_mul(4))
    } else if ns < old {
        old / 2 + ns / 2
    } else {
        old + ((ns - old) / 4).min(old / 4)
    };
    new.max(1)
}

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
    /// Its OS handle (a file descriptor), which a forked child closes its
    /// copy of without touching the connection itself (`close_inherited`).
    fn handle(&self) -> Option<u64>;
    /// In a forked child: close the child's copy of an inherited handle.
    fn close_inherited(o: &Self::Opts, handle: u64);
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

    fn handle(&self) -> Option<u64> {
        u64::try_from(self.raw_fd()).ok()
    }

    fn close_inherited(_: &ConnOpts, handle: u64) {
        if let Ok(fd) = i32::try_from(handle) {
            // SAFETY: `fd` is this process's copy of a socket of the
            // parent's connection; the connection object that owned it is
            // never used or dropped in this process (pool.rs: `renew`), so
            // nothing else closes it or uses the number.
            unsafe { libc::close(fd) };
        }
    }
}

#[derive(Debug)]
pub struct Pool<C: Pooled = Conn> {
    opts: C::Opts,
    size: usize,
    /// The pool's state in the current process generation (fork.rs): the
    /// address of a `Box<Gen<C>>`, kept as an integer (sync.rs has 64-bit
    /// atomics in every build). A forked child makes a fresh one and never
    /// touches its parent's (`renew`).
    cur: AtomicU64,
    /// Bumped whenever a connection is found broken: every idle connection
    /// known good in an older epoch is checked before reuse.
    epoch: AtomicU64,
    /// `per_request`, in ns (0: nothing measured yet).
    reply_ns: AtomicU64,
    _owns: std::marker::PhantomData<Box<Gen<C>>>,
}

/// Everything of a pool that belongs to one process generation.
///
/// A forked child has only the thread that forked: a lock held by another
/// thread of the parent at that moment stays held in the child for good,
/// and a push or pop of the lock-free idle queue that another thread was
/// half way through stays half done (a pop there spins for ever). So the
/// child never uses its parent's `Gen`: it makes a fresh one, closes its
/// copies of the parent's sockets through `handles` (plain atomics, safe to
/// read whatever the parent's threads were doing), and leaks the rest.
#[derive(Debug)]
struct Gen<C: Pooled> {
    gen: u64,
    idle: Queue<C>,
    state: Mutex<State>,
    freed: Condvar,
    counters: Counters,
    /// The handle of each connection of this generation not yet closed, at
    /// most one per connection the pool may have (`NO_HANDLE`: a free
    /// slot). Written under `state`'s lock; read without it in a child.
    handles: Box<[AtomicU64]>,
}

const NO_HANDLE: u64 = u64::MAX;

impl<C: Pooled> Gen<C> {
    fn new(gen: u64, size: usize) -> Gen<C> {
        Gen {
            gen,
            idle: Queue::new(size),
            state: Mutex::new(State::default()),
            freed: Condvar::new(),
            counters: Counters::default(),
            handles: (0..size).map(|_| AtomicU64::new(NO_HANDLE)).collect(),
        }
    }

    /// Notes a new connection's handle (under the state lock).
    fn note_handle(&self, c: &C) {
        let Some(h) = c.handle() else { return };
        if let Some(slot) = self
            .handles
            .iter()
            .find(|s| s.load(Ordering::Relaxed) == NO_HANDLE)
        {
            slot.store(h, Ordering::Release);
        }
    }

    /// Forgets a closed connection's handle (under the state lock).
    fn forget_handle(&self, c: &C) {
        let Some(h) = c.handle() else { return };
        if let Some(slot) = self.handles.iter().find(|s| s.load(Ordering::Relaxed) == h) {
            slot.store(NO_HANDLE, Ordering::Release);
        }
    }
}

impl<C: Pooled> Drop for Pool<C> {
    fn drop(&mut self) {
        let p = self.cur_ptr();
        // SAFETY: `cur` always holds the address of a live `Box<Gen<C>>`
        // made by `with_opts` or `renew`, owned by this pool; nothing can
        // use it once the pool is dropped. Generations it replaced were
        // leaked on purpose and are not freed here.
        drop(unsafe { Box::from_raw(p) });
    }
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
        let first = Box::new(Gen::<C>::new(C::generation(&opts), size));
        Pool {
            cur: AtomicU64::new(Box::into_raw(first).expose_provenance() as u64),
            opts,
            size,
            epoch: AtomicU64::new(0),
            reply_ns: AtomicU64::new(0),
            _owns: std::marker::PhantomData,
        }
    }

    fn cur_ptr(&self) -> *mut Gen<C> {
        std::ptr::with_exposed_provenance_mut(self.cur.load(Ordering::Acquire) as usize)
    }

    /// The state of the current process generation (made at first use in
    /// a forked child).
    fn g(&self) -> &Gen<C> {
        let me = C::generation(&self.opts);
        loop {
            let p = self.cur_ptr();
            // SAFETY: `cur` always holds the address of a live `Gen`: made
            // by `with_opts` or `renew`, freed only when the pool is
            // dropped; a generation `renew` replaces is leaked, never freed,
            // so a reference to it stays valid as long as the pool.
            let g = unsafe { &*p };
            if g.gen == me {
                return g;
            }
            self.renew(p, g, me);
        }
    }

    /// In a forked child: the parent's generation `old` (at `p`) is
    /// replaced by a fresh one. The child closes its copies of the
    /// parent's sockets (their numbers read from plain atomics) and never
    /// touches anything else of `old`, which is leaked: its lock may be
    /// held and its queue half updated by threads that do not exist here.
    /// Its connection objects are never dropped (that would close the
    /// numbers again), neither those in its queue nor any given back later
    /// (`discard`). Counts start from zero.
    fn renew(&self, p: *mut Gen<C>, old: &Gen<C>, me: u64) {
        let fresh = Box::into_raw(Box::new(Gen::<C>::new(me, self.size)));
        let swapped = self.cur.compare_exchange(
            p.expose_provenance() as u64,
            fresh.expose_provenance() as u64,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
        if swapped.is_ok() {
            for slot in old.handles.iter() {
                let h = slot.swap(NO_HANDLE, Ordering::AcqRel);
                if h != NO_HANDLE {
                    C::close_inherited(&self.opts, h);
                }
            }
        } else {
            // Another thread of the child renewed it first.
            // SAFETY: `fresh` was made above and never shared.
            drop(unsafe { Box::from_raw(fresh) });
        }
    }

    /// How long a batch takes per request, from its last request byte
    /// written to its last reply read, as measured on this server's recent
    /// batches that never slept waiting (`DEFAULT_PER_REQUEST_NS` before
    /// the first one). The engine busy-polls for the spin window plus what
    /// this makes it expect a batch to take, and not at all past a few
    /// windows (engine::drive).
    pub fn per_request(&self) -> Duration {
        match self.reply_ns.load(Ordering::Relaxed) {
            0 => Duration::from_nanos(DEFAULT_PER_REQUEST_NS),
            ns => Duration::from_nanos(ns),
        }
    }

    /// Adds a batch's measured time per request to the estimate: halfway
    /// down to a faster one, a quarter of the way up to a slower one but
    /// never up by more than a quarter per batch, so that one batch that
    /// stalled (the process descheduled for milliseconds) cannot make
    /// every later batch look too long to busy-poll for.
    pub fn learn_per_request(&self, d: Duration) {
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        let old = self.reply_ns.load(Ordering::Relaxed);
        self.reply_ns
            .store(next_per_request(old, ns), Ordering::Relaxed);
    }

    pub fn addr(&self) -> &str {
        C::addr(&self.opts)
    }

    pub fn size(&self) -> usize {
        self.size
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
        let g = self.g();
        let mut deadline = None;
        let mut waited = false;
        loop {
            if let Some(mut c) = g.idle.pop() {
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
                g.counters.reused.fetch_add(1, Ordering::Relaxed);
                return Ok(self.guard(c));
            }
            let mut st = g.state.lock();
            if st.open < self.size {
                self.may_connect(&mut st, retry_interval)?;
                st.open += 1;
                st.connecting += 1;
                self.audit(g, &st);
                drop(st);
                return match C::connect(&self.opts) {
                    Ok(mut c) => {
                        c.known_good(self.epoch.load(Ordering::Acquire));
                        let mut st = g.state.lock();
                        st.connecting -= 1;
                        st.down = None;
                        g.note_handle(&c);
                        // Under the lock, so that `audit` sees it with the
                        // change of `connecting`.
                        g.counters.created.fetch_add(1, Ordering::Relaxed);
                        self.audit(g, &st);
                        drop(st);
                        Ok(self.guard(c))
                    }
                    Err(e) => {
                        let mut st = g.state.lock();
                        st.connecting -= 1;
                        st.closed(1);
                        st.down = Some(Down {
                            since: Instant::now(),
                            reason: e.to_string(),
                        });
                        if st.waiters > 0 {
                            g.freed.notify_one();
                        }
                        self.audit(g, &st);
                        Err(e)
                    }
                };
            }
            // A connection given back between the pop above and the lock
            // is in the queue now; the lock orders us with give_back.
            if !g.idle.is_empty() {
                continue;
            }
            let Some(timeout) = timeout else {
                return Err(self.exhausted(st.open, Duration::ZERO));
            };
            let deadline = *deadline.get_or_insert_with(|| Instant::now() + timeout);
            if !waited {
                waited = true;
                g.counters.waits.fetch_add(1, Ordering::Relaxed);
            }
            st.waiters += 1;
            let timed_out = g.freed.wait_until(&mut st, deadline);
            st.waiters -= 1;
            if timed_out && g.idle.is_empty() && st.open >= self.size {
                g.counters.timeouts.fetch_add(1, Ordering::Relaxed);
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
        let g = self.g();
        if !c.reusable() || !c.made_in(g.gen) {
            if c.is_broken() {
                self.epoch.fetch_add(1, Ordering::AcqRel);
            }
            self.discard(c);
            return;
        }
        c.went_idle();
        if let Err(c) = g.idle.push(c) {
            // Cannot happen (open <= size), but never leak a count.
            self.discard(c);
            return;
        }
        let st = g.state.lock();
        if st.waiters > 0 {
            g.freed.notify_one();
        }
    }

    fn discard(&self, c: C) {
        let g = self.g();
        if !c.made_in(g.gen) {
            // A connection of the parent, given back in a forked child (by
            // the thread that forked): its socket was closed by `renew`
            // and it is not counted here. Dropping it would close that
            // number again, which may be another socket by now.
            std::mem::forget(c);
            return;
        }
        let mut st = g.state.lock();
        g.counters.discarded.fetch_add(1, Ordering::Relaxed);
        st.closed(1);
        g.forget_handle(&c);
        if st.waiters > 0 {
            g.freed.notify_one();
        }
        self.audit(g, &st);
        drop(st);
        // Closed outside the lock.
        drop(c);
    }

    /// Closes the idle connections (busy ones close when given back dirty,
    /// or stay for the next call).
    pub fn close_idle(&self) {
        let g = self.g();
        while let Some(c) = g.idle.pop() {
            self.discard(c);
        }
    }

    /// The pool's accounting, checked under the state lock after every
    /// change: in the model tests (`--cfg loom`) and debug builds only.
    /// `created` and `discarded` change only under the lock, so the
    /// identity is exact there.
    fn audit(&self, g: &Gen<C>, st: &State) {
        if !cfg!(any(loom, debug_assertions)) {
            return;
        }
        let created = g.counters.created.load(Ordering::Relaxed);
        let discarded = g.counters.discarded.load(Ordering::Relaxed);
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
        let g = self.g();
        let st = g.state.lock();
        let idle = g.idle.len();
        let c = &g.counters;
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

#[cfg(test)]
mod tests {
    use super::next_per_request;

    #[test]
    fn per_request_estimate_falls_fast_and_rises_slowly() {
        // First batch: taken as measured, but no more than 4x the default.
        assert_eq!(next_per_request(0, 300), 300);
        assert_eq!(next_per_request(0, 10_000), 1_000);
        // Faster: halfway down.
        assert_eq!(next_per_request(400, 200), 300);
        // Slower: a quarter of the way up...
        assert_eq!(next_per_request(400, 480), 420);
        // ...but at most a quarter of the estimate: a 4 ms stall over 100
        // requests (40 us each) moves a 300 ns estimate to 375 ns.
        assert_eq!(next_per_request(300, 40_000), 375);
        // A server that really became slower (300 ns to 5 us) is followed
        // within about a dozen batches.
        let mut e = 300;
        for _ in 0..13 {
            e = next_per_request(e, 5_000);
        }
        assert!(e > 4_000 && e <= 5_000, "{e}");
        // Never 0 (0 means "nothing measured").
        assert_eq!(next_per_request(1, 0), 1);
    }
}
