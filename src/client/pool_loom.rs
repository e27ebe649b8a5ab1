//! Model tests of the connection pool: pool.rs's own code over a model
//! connection (no socket), with the primitives of sync.rs.
//!
//! Under `RUSTFLAGS="--cfg loom"` each test is a loom model: loom runs it
//! once for every interleaving of its threads (up to a bound on
//! preemptions, `LOOM_MAX_PREEMPTIONS`, 3 by default here), over loom's
//! mutex, condition variable and atomics, with every atomic load allowed to
//! see any value the memory model allows. A thread that blocks forever
//! (a lost wake-up) fails the model as a deadlock; the model connection
//! keeps its state in a loom `UnsafeCell`, so a connection touched by two
//! threads without a happens-before edge between them (a hand-over that
//! publishes nothing) fails it as a data race. The pool itself checks its
//! accounting under its lock after every change (`Pool::audit`).
//!
//! In other builds the same tests run a few times on OS threads (a smoke
//! test of the same scenarios; nothing is exhaustive there).
//!
//! Run: `scripts/loom.sh` (docs/concurrency.md).

use super::{Pool, Pooled, State};
use crate::client::error::{Error, Result};
use crate::client::sync::test::{thread, Arc, AtomicBool as SharedFlag, UnsafeCell};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

/// A wait that must never time out: the virtual clock under loom never gets
/// there; on OS threads it turns a lost wake-up into a failure, not a hang.
const LONG: Duration = Duration::from_secs(10);
/// A wait that a test's timer thread makes time out.
const SHORT: Duration = Duration::from_millis(20);
/// A retry interval after a failed connect: on OS threads long enough
/// never to pass during a test (what comes after it runs under loom only).
const RETRY: Duration = if cfg!(loom) {
    Duration::from_millis(50)
} else {
    LONG
};

/// The world around the model connections: the server and the process.
/// Bookkeeping only, in std atomics (not part of the model: loom runs one
/// thread at a time, so they are read in schedule order).
#[derive(Debug, Default)]
struct World {
    /// The process generation; a test's "fork" moves it on.
    gen: AtomicU64,
    /// Connect attempts.
    connects: AtomicUsize,
    /// Connections made (the next one's id).
    made: AtomicUsize,
    /// Connections made and not yet closed (dropped).
    live: AtomicUsize,
    /// The server refuses connections.
    down: AtomicBool,
    /// Connections with an id below this were closed by the server (a
    /// restart): the stale check finds them.
    stale_below: AtomicUsize,
    /// Stale checks made.
    stale_checks: AtomicUsize,
}

/// What a model connection keeps that its owner changes: in an
/// `UnsafeCell`, so that loom sees every access.
#[derive(Debug, Default, Clone, Copy)]
struct Local {
    /// The failure epoch in which it was last known good.
    epoch: u64,
    /// Idle for longer than the pool trusts without a check.
    idle_long: bool,
    broken: bool,
    /// Replies owed or half read: closed, never reused.
    dirty: bool,
    /// Calls made on it by its owners, one after another.
    uses: u64,
}

#[derive(Debug)]
struct ModelConn {
    world: std::sync::Arc<World>,
    id: usize,
    gen: u64,
    local: UnsafeCell<Local>,
}

impl ModelConn {
    fn read(&self) -> Local {
        // SAFETY: the pool hands a connection to one owner at a time, and
        // only its owner (or the pool, for it) calls this. Under loom that
        // claim is what is checked: an access not ordered after the last
        // owner's fails the model.
        self.local.with(|p| unsafe { *p })
    }

    fn update(&self, f: impl FnOnce(&mut Local)) {
        // SAFETY: as in `read`; the reference does not outlive the call.
        self.local.with_mut(|p| f(unsafe { &mut *p }))
    }

    /// A call made on the connection by its owner.
    fn call(&self) {
        self.update(|l| l.uses += 1);
    }

    /// The server closed it (the stale check would say so).
    fn closed_by_server(&self) -> bool {
        self.id < self.world.stale_below.load(SeqCst)
    }
}

impl Drop for ModelConn {
    fn drop(&mut self) {
        self.world.live.fetch_sub(1, SeqCst);
    }
}

impl Pooled for ModelConn {
    type Opts = std::sync::Arc<World>;

    fn connect(w: &Self::Opts) -> Result<ModelConn> {
        w.connects.fetch_add(1, SeqCst);
        if w.down.load(SeqCst) {
            return Err(Error::Connect {
                addr: "model".into(),
                reason: "Connection refused".into(),
            });
        }
        w.live.fetch_add(1, SeqCst);
        Ok(ModelConn {
            world: w.clone(),
            id: w.made.fetch_add(1, SeqCst),
            gen: w.gen.load(SeqCst),
            local: UnsafeCell::new(Local::default()),
        })
    }

    fn addr(_: &Self::Opts) -> &str {
        "model"
    }

    fn generation(w: &Self::Opts) -> u64 {
        w.gen.load(SeqCst)
    }

    fn made_in(&self, gen: u64) -> bool {
        self.gen == gen
    }

    fn reusable(&self) -> bool {
        let l = self.read();
        !l.broken && !l.dirty && self.gen == self.world.gen.load(SeqCst)
    }

    fn is_broken(&self) -> bool {
        self.read().broken
    }

    fn is_stale(&self) -> bool {
        self.world.stale_checks.fetch_add(1, SeqCst);
        self.closed_by_server()
    }

    fn trusted(&self, epoch: u64, _trust: Duration) -> bool {
        let l = self.read();
        l.epoch == epoch && !l.idle_long
    }

    fn known_good(&mut self, epoch: u64) {
        self.update(|l| l.epoch = epoch);
    }

    fn went_idle(&mut self) {
        self.update(|l| l.idle_long = false);
    }

    fn handle(&self) -> Option<u64> {
        Some(self.id as u64)
    }

    /// The child's copy of a parent's connection is closed: it no longer
    /// counts as alive (the object itself is never dropped in the child).
    fn close_inherited(w: &Self::Opts, _handle: u64) {
        w.live.fetch_sub(1, SeqCst);
    }
}

type ModelPool = Pool<ModelConn>;

fn new_pool(size: usize) -> (std::sync::Arc<World>, Arc<ModelPool>) {
    let w = std::sync::Arc::new(World::default());
    let p = Arc::new(Pool::with_opts(w.clone(), size));
    (w, p)
}

/// Runs `f(pool)` on a new thread.
fn spawn<T: Send + 'static>(
    p: &Arc<ModelPool>,
    f: impl FnOnce(&ModelPool) -> T + Send + 'static,
) -> thread::JoinHandle<T> {
    let p = p.clone();
    thread::spawn(move || f(&p))
}

/// Runs `f` as a loom model, or a few times on OS threads.
fn model(f: impl Fn() + Sync + Send + 'static) {
    #[cfg(loom)]
    {
        let mut b = loom::model::Builder::new();
        if b.preemption_bound.is_none() {
            b.preemption_bound = Some(3);
        }
        let runs = std::sync::Arc::new(AtomicUsize::new(0));
        let counted = runs.clone();
        b.check(move || {
            counted.fetch_add(1, SeqCst);
            f();
        });
        eprintln!(
            "{}: {} interleavings (preemption bound {:?})",
            std::thread::current().name().unwrap_or("model"),
            runs.load(SeqCst),
            b.preemption_bound
        );
    }
    #[cfg(not(loom))]
    for _ in 0..20 {
        f();
    }
}

/// The kernel's timer: `d` passes, and every waiter wakes to look at its
/// deadline. (On OS threads, time passes by itself.)
fn timer(p: &ModelPool, d: Duration) {
    #[cfg(loom)]
    {
        crate::client::sync::advance(d);
        let _st = p.g().state.lock();
        p.g().freed.notify_all();
    }
    #[cfg(not(loom))]
    {
        let _ = p;
        std::thread::sleep(d);
    }
}

/// Waits until some thread waits in the pool.
fn until_a_waiter(p: &ModelPool) {
    loop {
        if p.g().state.lock().waiters > 0 {
            return;
        }
        thread::yield_now();
    }
}

/// The pool seen from outside while threads run: counts within bounds.
/// (`audit` checks the exact identity under the lock at every change.)
fn observe(p: &ModelPool, connecting_at_most: u64) {
    let s = p.stats();
    assert!(s.open <= s.size, "{s:?}");
    assert!(s.idle <= s.open, "{s:?}");
    let net = s
        .created
        .checked_sub(s.discarded)
        .expect("discarded > created");
    assert!(
        net <= s.open as u64 && s.open as u64 <= net + connecting_at_most,
        "{s:?}"
    );
}

/// The pool at rest (no call in progress): everything open is idle, the
/// counts add up, and every connection made is either idle in the pool or
/// closed (none leaked, none closed twice).
fn at_rest(p: &ModelPool, w: &World) {
    let s = p.stats();
    assert_eq!(s.busy, 0, "{s:?}");
    assert_eq!(s.open, s.idle, "{s:?}");
    assert_eq!(s.open as u64, s.created - s.discarded, "{s:?}");
    assert!(s.open <= s.size, "{s:?}");
    assert_eq!(w.live.load(SeqCst), s.open, "connections alive: {s:?}");
    let st: &State = &p.g().state.lock();
    assert_eq!(st.waiters, 0, "{st:?}");
    assert_eq!(st.connecting, 0, "{st:?}");
}

fn exhausted(r: &Result<impl Sized>) -> bool {
    matches!(r, Err(Error::PoolExhausted { busy: 1, .. }))
}

/// Two threads take turns on a pool of one: each gets the one connection
/// in turn, and every call made on it is seen by the next owner (the
/// hand-over through the idle queue and the lock publishes it).
#[test]
fn loom_checkout_and_give_back_hand_over_one_connection() {
    model(|| {
        let (w, p) = new_pool(1);
        let ts: Vec<_> = (0..2)
            .map(|_| {
                spawn(&p, move |p| {
                    for _ in 0..2 {
                        let g = p.checkout(LONG).expect("checkout");
                        g.call();
                    }
                })
            })
            .collect();
        observe(&p, 1);
        for t in ts {
            t.join().expect("thread");
        }
        at_rest(&p, &w);
        let s = p.stats();
        assert_eq!((s.created, s.reused, s.discarded), (1, 3, 0), "{s:?}");
        let g = p.checkout(LONG).expect("checkout");
        assert_eq!(g.read().uses, 4, "a call made on the connection was lost");
    });
}

/// A pool of one held by one thread, two waiting: giving it back wakes a
/// waiter, and the second is woken in turn. A lost wake-up leaves a waiter
/// blocked forever (loom: deadlock).
#[test]
fn loom_give_back_wakes_every_waiter_in_turn() {
    model(|| {
        let (w, p) = new_pool(1);
        let g = p.checkout(LONG).expect("checkout");
        let ts: Vec<_> = (0..2)
            .map(|_| {
                spawn(&p, move |p| {
                    let g = p.checkout(LONG).expect("waiter's checkout");
                    g.call();
                })
            })
            .collect();
        g.call();
        drop(g);
        for t in ts {
            t.join().expect("thread");
        }
        at_rest(&p, &w);
        let s = p.stats();
        assert_eq!((s.created, s.reused, s.timeouts), (1, 2, 0), "{s:?}");
        assert!(s.waits <= 2, "{s:?}");
    });
}

/// A connection given back broken (or dirty) is closed, and its place
/// wakes a waiter, which makes a new one; two waiters that each close
/// theirs too wake each other in turn. Broken moves the failure epoch on;
/// dirty does not.
#[test]
fn loom_discard_wakes_a_waiter() {
    for broken in [true, false] {
        model(move || {
            let (w, p) = new_pool(1);
            let g = p.checkout(LONG).expect("checkout");
            let ts: Vec<_> = (0..2)
                .map(|_| {
                    spawn(&p, move |p| {
                        let g = p.checkout(LONG).expect("waiter's checkout");
                        g.call();
                        g.update(|l| l.dirty = true);
                        g.id
                    })
                })
                .collect();
            g.update(|l| {
                l.broken = broken;
                l.dirty = !broken;
            });
            drop(g);
            for t in ts {
                assert_ne!(
                    t.join().expect("waiter"),
                    0,
                    "a closed connection came back"
                );
            }
            at_rest(&p, &w);
            let s = p.stats();
            assert_eq!((s.created, s.discarded, s.open), (3, 3, 0), "{s:?}");
            assert_eq!(p.epoch.load(SeqCst), u64::from(broken));
        });
    }
}

/// The server is down: a connect in progress that fails gives its place
/// back and wakes a thread waiting for it, which then tries (and fails)
/// itself. With a retry interval, a caller that comes after the failure
/// fails at once without trying, and the first caller after the interval
/// tries again.
#[test]
fn loom_failed_connect_wakes_a_waiter() {
    for retry in [Duration::ZERO, RETRY] {
        model(move || {
            let (w, p) = new_pool(1);
            w.down.store(true, SeqCst);
            let ts: Vec<_> = (0..2)
                .map(|_| spawn(&p, move |p| p.checkout_for(LONG, false, retry).map(|_| ())))
                .collect();
            let mut down = 0;
            for t in ts {
                match t.join().expect("thread") {
                    Err(Error::Connect { .. }) => {}
                    Err(Error::ServerDown { .. }) if !retry.is_zero() => down += 1,
                    other => panic!("{other:?}"),
                }
            }
            assert_eq!(w.connects.load(SeqCst), 2 - down);
            at_rest(&p, &w);
            if !retry.is_zero() {
                w.down.store(false, SeqCst);
                assert!(matches!(
                    p.checkout_for(LONG, false, retry).map(|_| ()),
                    Err(Error::ServerDown { .. })
                ));
                if cfg!(loom) {
                    timer(&p, retry);
                    let g = p
                        .checkout_for(LONG, false, retry)
                        .expect("after the interval");
                    assert!(p.g().state.lock().down.is_none());
                    drop(g);
                    at_rest(&p, &w);
                }
            }
        });
    }
}

/// A waiter races its deadline against the connection coming back: it
/// either gets it or fails with PoolExhausted, and only a failure counts
/// as a timeout.
#[test]
fn loom_waiter_times_out_or_gets_the_connection() {
    model(|| {
        let (w, p) = new_pool(1);
        let g = p.checkout(LONG).expect("checkout");
        let waiter = spawn(&p, move |p| p.checkout(SHORT).map(|g| g.call()));
        let clock = spawn(&p, move |p| timer(p, SHORT));
        drop(g);
        let r = waiter.join().expect("waiter");
        clock.join().expect("timer");
        assert!(r.is_ok() || exhausted(&r), "{r:?}");
        at_rest(&p, &w);
        let s = p.stats();
        assert_eq!(s.timeouts, u64::from(r.is_err()), "{s:?}");
        assert!(s.waits <= 1, "{s:?}");
    });
}

/// Nothing comes back: the waiter fails with PoolExhausted at its
/// deadline, then the connection is given back to an empty queue of
/// waiters.
#[test]
fn loom_waiter_times_out_when_nothing_comes_back() {
    model(|| {
        let (w, p) = new_pool(1);
        let g = p.checkout(LONG).expect("checkout");
        let waiter = spawn(&p, move |p| p.checkout(SHORT).map(|_| ()));
        until_a_waiter(&p);
        timer(&p, SHORT);
        let r = waiter.join().expect("waiter");
        assert!(exhausted(&r), "{r:?}");
        drop(g);
        at_rest(&p, &w);
        let s = p.stats();
        assert_eq!((s.waits, s.timeouts), (1, 1), "{s:?}");
    });
}

/// Two fan-outs on a pool of two, each holding one connection and asking
/// for another with try_checkout: neither blocks (two blocking asks would
/// deadlock), and the pool never makes more than its size.
#[test]
fn loom_fan_out_with_try_checkout_never_blocks() {
    model(|| {
        let (w, p) = new_pool(2);
        let ts: Vec<_> = (0..2)
            .map(|_| {
                spawn(&p, move |p| {
                    let first = p.checkout(LONG).expect("checkout");
                    let extra = p.try_checkout(false).expect("try_checkout");
                    first.call();
                    if let Some(g) = &extra {
                        g.call();
                    }
                })
            })
            .collect();
        for t in ts {
            t.join().expect("thread");
        }
        at_rest(&p, &w);
        let s = p.stats();
        assert!(s.created <= 2, "{s:?}");
    });
}

/// A fork: the child's pool forgets the parent's connections (idle ones
/// closed, none handed out) and counts from zero, once, while two threads
/// of the child use it at the same time.
#[test]
fn loom_fork_child_starts_clean() {
    model(|| {
        let (w, p) = new_pool(2);
        let a = p.checkout(LONG).expect("checkout");
        let b = p.checkout(LONG).expect("checkout");
        drop((a, b));
        w.gen.fetch_add(1, SeqCst);
        let ts: Vec<_> = (0..2)
            .map(|_| {
                spawn(&p, move |p| {
                    let g = p.checkout(LONG).expect("child's checkout");
                    assert_eq!(g.gen, 1, "the parent's connection was handed out");
                    g.call();
                })
            })
            .collect();
        for t in ts {
            t.join().expect("thread");
        }
        at_rest(&p, &w);
        let s = p.stats();
        assert_eq!(s.discarded, 0, "the parent's connections were counted");
        assert_eq!(s.created as usize, w.made.load(SeqCst) - 2, "{s:?}");
    });
}

/// A fork while the forking thread holds a connection, which it gives
/// back while another thread of the child starts using the pool: the
/// parent's connection is closed and is not taken off the child's count.
/// (Before discard asked its question under the lock, this broke the
/// count: the child's connection was taken off it.)
#[test]
fn loom_fork_while_a_guard_is_held() {
    model(|| {
        let (w, p) = new_pool(2);
        let held = p.checkout(LONG).expect("checkout");
        drop(p.checkout(LONG).expect("checkout"));
        w.gen.fetch_add(1, SeqCst);
        let child = spawn(&p, move |p| {
            let g = p.checkout(LONG).expect("child's checkout");
            assert_eq!(g.gen, 1, "the parent's connection was handed out");
            g.call();
        });
        drop(held);
        child.join().expect("thread");
        at_rest(&p, &w);
        assert_eq!(p.stats().open, 1);
    });
}

/// The server restarted (both idle connections are dead) and a call found
/// one broken: a thread that has seen that failure never gets an older
/// connection unchecked, and a `verify` checkout never gets a dead one.
#[test]
fn loom_failure_epoch_makes_older_connections_checked() {
    model(|| {
        let (w, p) = new_pool(2);
        let a = p.checkout(LONG).expect("checkout");
        let b = p.checkout(LONG).expect("checkout");
        drop((a, b));
        w.stale_below.store(2, SeqCst);
        let failed = Arc::new(SharedFlag::new(false));
        let first = {
            let failed = failed.clone();
            spawn(&p, move |p| {
                let g = p.checkout(LONG).expect("checkout");
                if g.closed_by_server() {
                    g.update(|l| l.broken = true);
                    drop(g);
                    failed.store(true, SeqCst);
                }
            })
        };
        let seen = failed.load(SeqCst);
        let g = p.checkout(LONG).expect("checkout");
        if seen {
            assert!(
                !g.closed_by_server(),
                "a connection older than a failure seen was reused unchecked"
            );
        }
        if g.closed_by_server() {
            g.update(|l| l.broken = true);
        }
        drop(g);
        first.join().expect("thread");
        for _ in 0..2 {
            let g = p.checkout_with(LONG, true).expect("verified checkout");
            assert!(!g.closed_by_server(), "verify handed out a dead connection");
            drop(g);
        }
        at_rest(&p, &w);
    });
}

/// close_idle races a thread's checkouts and give-backs, with a third
/// watching the counts: only idle connections are closed, and nothing is
/// counted twice or lost.
#[test]
fn loom_close_idle_races_checkouts() {
    model(|| {
        let (w, p) = new_pool(2);
        drop(p.checkout(LONG).expect("checkout"));
        let user = spawn(&p, move |p| {
            for _ in 0..2 {
                p.checkout(LONG).expect("checkout").call();
            }
        });
        let closer = spawn(&p, move |p| p.close_idle());
        observe(&p, 1);
        user.join().expect("thread");
        closer.join().expect("thread");
        at_rest(&p, &w);
    });
}

/// Everything at once on a pool of two: a caller whose connection goes
/// back dirty, a fan-out that takes what it can and then a verified
/// connection, and close_idle with a look at the counts.
#[test]
fn loom_mixed_operations_keep_the_counts() {
    model(|| {
        let (w, p) = new_pool(2);
        drop(p.checkout(LONG).expect("checkout"));
        let dirty = spawn(&p, move |p| {
            let g = p.checkout(LONG).expect("checkout");
            g.call();
            g.update(|l| l.dirty = true);
        });
        let fan_out = spawn(&p, move |p| {
            let extra = p.try_checkout(false).expect("try_checkout");
            let g = p.checkout_with(LONG, true).expect("verified checkout");
            g.call();
            drop(extra);
        });
        p.close_idle();
        observe(&p, 2);
        dirty.join().expect("thread");
        fan_out.join().expect("thread");
        at_rest(&p, &w);
    });
}
