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

/// An idle connection given back less than this long ago, in the current
/// failure epoch, is reused without the stale check.
const TRUST_IDLE: Duration = Duration::from_millis(1000);

#[derive(Debug, Default)]
struct State {
    /// Connections of this process made and not yet closed: idle + busy.
    open: usize,
    /// Threads waiting for a connection.
    waiters: usize,
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
        }
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
            st.open = 0;
            st.waiters = 0;
            self.gen.store(me, Ordering::Release);
        }
    }

    /// fork() support (registry.rs): takes the state lock and keeps it
    /// held past the return, until `unlock_after_fork`.
    pub(crate) fn lock_for_fork(&self) {
        std::mem::forget(self.state.lock());
    }

    /// # Safety
    /// Only after `lock_for_fork` on this thread, in the parent of the fork
    /// it prepared.
    pub(crate) unsafe fn unlock_after_fork(&self) {
        // SAFETY: the caller holds the lock, taken by lock_for_fork.
        unsafe { self.state.force_unlock() };
    }

    /// # Safety
    /// Only in the child of a fork, on its only thread, after
    /// `lock_for_fork` (see registry.rs).
    pub(crate) unsafe fn unlock_in_child(&self) {
        // SAFETY: as the caller guarantees. The parent's threads waiting for
        // a connection do not exist here (after_fork_check zeroes `waiters`).
        unsafe {
            super::registry::forget_waiters_in_child(&self.freed);
            super::registry::unlock_in_child(&self.state);
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
        self.checkout_inner(Some(timeout), verify)
    }

    /// A connection only if one is idle or may be made now (fan-out takes
    /// extra connections this way, so two fan-outs cannot deadlock).
    /// `verify` as for `checkout_with`.
    pub fn try_checkout(&self, verify: bool) -> Result<Option<Guard<'_>>> {
        match self.checkout_inner(None, verify) {
            Ok(g) => Ok(Some(g)),
            Err(Error::PoolExhausted { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn checkout_inner(&self, timeout: Option<Duration>, verify: bool) -> Result<Guard<'_>> {
        self.after_fork_check();
        let mut deadline = None;
        let mut waited = false;
        loop {
            if let Some(mut c) = self.idle.pop() {
                if c.gen != super::fork::generation() {
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
                if verify || c.epoch != epoch || c.idle_since.elapsed() >= TRUST_IDLE {
                    if c.is_stale() {
                        // Its siblings were likely closed by the same cause.
                        self.epoch.fetch_add(1, Ordering::AcqRel);
                        self.discard(c);
                        continue;
                    }
                    c.epoch = epoch;
                }
                self.counters.reused.fetch_add(1, Ordering::Relaxed);
                return Ok(self.guard(c));
            }
            let mut st = self.state.lock();
            if st.open < self.size {
                st.open += 1;
                drop(st);
                return match Conn::connect(&self.opts) {
                    Ok(mut c) => {
                        c.epoch = self.epoch.load(Ordering::Acquire);
                        self.counters.created.fetch_add(1, Ordering::Relaxed);
                        Ok(self.guard(c))
                    }
                    Err(e) => {
                        let mut st = self.state.lock();
                        st.open = st.open.saturating_sub(1);
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
        c.idle_since = Instant::now();
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
        let ours = c.gen == self.gen.load(Ordering::Acquire);
        drop(c);
        self.counters.discarded.fetch_add(1, Ordering::Relaxed);
        let mut st = self.state.lock();
        if ours {
            st.open = st.open.saturating_sub(1);
        }
        if st.waiters > 0 {
            self.freed.notify_one();
        }
    }

    /// Closes the idle connections (busy ones close when given back dirty,
    /// or stay for the next call). They count as discarded, so that
    /// open = created - discarded holds.
    pub fn close_idle(&self) {
        self.after_fork_check();
        let mut n = 0;
        while let Some(c) = self.idle.pop() {
            drop(c);
            n += 1;
        }
        self.counters
            .discarded
            .fetch_add(n as u64, Ordering::Relaxed);
        let mut st = self.state.lock();
        st.open = st.open.saturating_sub(n);
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
            busy: st.open.saturating_sub(idle),
            created: c.created.load(Ordering::Relaxed),
            reused: c.reused.load(Ordering::Relaxed),
            discarded: c.discarded.load(Ordering::Relaxed),
            waits: c.waits.load(Ordering::Relaxed),
            timeouts: c.timeouts.load(Ordering::Relaxed),
        }
    }
}
