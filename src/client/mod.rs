//! The client core: pure Rust, no PHP types. `Client` is a cheap clone of
//! an `Arc` handle that owns the options, the pool of each server and the
//! ring that places keys on servers.
//!
//! - protocol.rs: typed requests to bytes, reply lines to replies (the only
//!   place either is done), key and tag checks, the resend rule per kind.
//! - batch.rs: requests queued back to back, with their kinds and keys.
//! - replies.rs: the replies of a batch, one slot per request.
//! - engine.rs: sends a batch over the connections of one or several
//!   servers with one poll(2) loop.
//! - conn.rs, pool.rs, registry.rs: connections, the pool, persistent pools.
//! - ketama.rs: libmemcached-compatible placement of keys on servers.
//! - codec.rs: PHP values as wire text. config.rs: options and defaults.
//! - scan.rs: word-at-a-time checks of short keys and values.

pub mod batch;
pub mod codec;
pub mod config;
pub mod conn;
pub mod engine;
pub mod error;
pub mod fork;
pub mod ketama;
pub mod pool;
pub mod protocol;
pub mod registry;
pub mod replies;
pub(crate) mod scan;
pub(crate) mod spare;
pub(crate) mod sync;

use batch::Batch;
use config::{DownServer, Options, Persistent};
use conn::ConnOpts;
use engine::{Failure, Job, Waits};
pub use error::{Error, ErrorKind, Result};
use ketama::Ring;
use pool::{Pool, PoolStats};
use protocol::{Command, Kind, Reply};
use replies::Replies;
use std::sync::Arc;
use std::time::Duration;

/// One server of the client: its name ("host:port") and its pool.
#[derive(Debug)]
struct Server {
    name: String,
    pool: Arc<Pool>,
}

#[derive(Debug)]
struct Handle {
    opts: Options,
    servers: Vec<Server>,
    /// Places keys when there are several servers.
    ring: Option<Arc<Ring>>,
    waits: Waits,
}

#[derive(Debug, Clone)]
pub struct Client(Arc<Handle>);

/// The reply line may hold the value plus "VALUE\t".
const REPLY_OVERHEAD: usize = 64;

impl Client {
    pub fn new(opts: Options) -> Client {
        let list = opts.server_list();
        let servers = list
            .iter()
            .map(|s| {
                let make = || {
                    let copts = ConnOpts {
                        host: s.host.clone(),
                        port: s.port,
                        addr: s.name().into(),
                        connect_timeout: Duration::from_millis(opts.connect_timeout_ms),
                        keepalive: opts.tcp_keepalive,
                        max_line: opts.max_value_bytes + REPLY_OVERHEAD,
                    };
                    Pool::new(copts, opts.pool_size)
                };
                Server {
                    name: s.name(),
                    pool: registry::persistent_pool(&opts, s, make)
                        .unwrap_or_else(|| Arc::new(make())),
                }
            })
            .collect();
        let ring =
            (list.len() > 1).then(|| registry::ring(opts.persistent != Persistent::No, &list));
        let timeout = Duration::from_millis(opts.timeout_ms);
        Client(Arc::new(Handle {
            waits: Waits {
                timeout,
                // A busy-poll never outlasts the timeout.
                spin: Duration::from_micros(opts.busy_poll_us).min(timeout),
                // With one server there is nothing else to serve: every
                // call tries it, so calls work again the moment it is back
                // (a restart costs no more than the calls made while it was
                // down). With several, a down server must not slow down
                // the calls that need it only in part.
                retry_interval: if list.len() > 1 {
                    Duration::from_millis(opts.retry_interval_ms)
                } else {
                    Duration::ZERO
                },
            },
            opts,
            servers,
            ring,
        }))
    }

    pub fn options(&self) -> &Options {
        &self.0.opts
    }

    /// The first server's "host:port".
    pub fn addr(&self) -> &str {
        &self.0.servers[0].name
    }

    /// Every server's "host:port", in the order of the list.
    pub fn server_names(&self) -> Vec<&str> {
        self.0.servers.iter().map(|s| s.name.as_str()).collect()
    }

    /// The position in the server list of the server that holds `key`.
    pub fn server_index(&self, key: &[u8]) -> usize {
        self.0.ring.as_ref().map_or(0, |r| r.server_for(key))
    }

    /// A client of server `i` of the list alone, sharing its pool and this
    /// client's settings (the session handler keeps all of a session's
    /// keys on one server this way).
    pub fn only(&self, i: usize) -> Client {
        let h = &*self.0;
        let s = &h.servers[i.min(h.servers.len() - 1)];
        let mut opts = h.opts.clone();
        if let Some(addr) = opts.server_list().get(i) {
            opts.host = addr.host.clone();
            opts.port = addr.port;
        }
        opts.servers.clear();
        Client(Arc::new(Handle {
            opts,
            servers: vec![Server {
                name: s.name.clone(),
                pool: s.pool.clone(),
            }],
            ring: None,
            waits: h.waits,
        }))
    }

    /// "host:port" of the server that holds `key`.
    pub fn server_for(&self, key: &[u8]) -> &str {
        &self.0.servers[self.server_index(key)].name
    }

    /// Sends a batch, pipelined; the replies land in `out`, one slot per
    /// request (an `Err` slot when the server refused that request). A
    /// request with a key goes to the key's server; a request without one
    /// (invalidations, KEYS_BY_TAG, STATS, FLUSH) goes to every server and
    /// their replies are combined. Every server's part is in flight at
    /// once. `Err` when a server the batch needs failed (naming it): a
    /// part of resend-safe requests whose connection dropped before any
    /// reply byte arrived is sent again on a fresh connection, up to
    /// `retry` times; with `down_server` "miss", GETs of a server that is
    /// down read as misses instead.
    pub fn run(&self, b: &Batch, out: &mut Replies) -> Result<()> {
        let h = &*self.0;
        let n = b.len();
        // Which server carries which requests, and where their replies go.
        let mut routes: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
        let mut slots = n;
        // A client of several servers has a ring; one of a single server
        // (or `only`) has none and hashes no key.
        if let Some(ring) = h.ring.as_deref() {
            routes.resize(h.servers.len(), (Vec::new(), Vec::new()));
            let mut spread = Vec::new();
            // Keys are hashed 4 at a time; the calls still come in batch
            // order, so every server's part keeps the batch's order.
            ring.place((0..n).map(|i| b.key(i)), |i, server| match server {
                Some(s) => {
                    routes[s].0.push(i);
                    routes[s].1.push(i);
                }
                None => {
                    let mut others = Vec::with_capacity(h.servers.len() - 1);
                    for (s, (reqs, to)) in routes.iter_mut().enumerate() {
                        reqs.push(i);
                        to.push(if s == 0 {
                            i
                        } else {
                            slots += 1;
                            others.push(slots - 1);
                            slots - 1
                        });
                    }
                    spread.push((i, others));
                }
            });
            out.reset(slots);
            for (i, others) in spread {
                out.spread(i, others);
            }
        } else {
            out.reset(n);
        }
        let mut jobs: Vec<(usize, Job<'_>)> = Vec::new();
        let job = |s: usize, reqs: Option<Vec<usize>>, to: Option<Vec<usize>>| {
            let len = reqs.as_ref().map_or(n, Vec::len);
            let resend_safe = match &reqs {
                None => b.resend_safe(),
                Some(r) => r.iter().all(|&i| b.kind(i).resend_safe()),
            };
            let pool: &Pool = &h.servers[s].pool;
            let job = Job {
                pool,
                reqs,
                slots: to,
                // A part of at least fanout_min requests is split over up
                // to every connection of its server's pool. A split runs
                // the server's share on several of its threads at once; it
                // pays when the server has cores to spare. On the 2-core
                // development host, where client and server share the
                // cores, one connection was as fast or faster at every
                // size measured (benches/client.rs, groups fanout and
                // fanout_min), so the default threshold is high.
                lanes: if len >= h.opts.fanout_min {
                    pool.size().min(len)
                } else {
                    1
                },
                // A part that cannot be sent again gets connections checked
                // for being stale first, so a server restart never fails it
                // needlessly.
                verify: !resend_safe || h.opts.retry == 0,
            };
            (if resend_safe { h.opts.retry } else { 0 }, job)
        };
        if routes.is_empty() {
            let (tries, j) = job(0, None, None);
            jobs.push((tries as usize, j));
        } else {
            for (s, (reqs, to)) in routes.into_iter().enumerate() {
                if !reqs.is_empty() {
                    let (tries, j) = job(s, Some(reqs), Some(to));
                    jobs.push((tries as usize, j));
                }
            }
        }
        // Send; send again the parts that may be and failed before any
        // reply byte arrived.
        let mut failed: Vec<(usize, Failure)> = Vec::new();
        let mut todo: Vec<usize> = (0..jobs.len()).collect();
        while !todo.is_empty() {
            let batch_jobs: Vec<Job<'_>> = todo.iter().map(|&j| jobs[j].1.clone()).collect();
            let results = engine::run(&batch_jobs, b, h.waits, out);
            let mut again = Vec::new();
            for (&j, r) in todo.iter().zip(results) {
                let Err(f) = r else { continue };
                if jobs[j].0 > 0 && f.resendable() {
                    jobs[j].0 -= 1;
                    // The last try cannot be followed by another: check
                    // its connections first.
                    jobs[j].1.verify |= jobs[j].0 == 0;
                    again.push(j);
                } else {
                    failed.push((j, f));
                }
            }
            todo = again;
        }
        // A server that is down, with down_server "miss": its GETs miss.
        if h.opts.down_server == DownServer::Miss {
            failed.retain(|(j, f)| {
                let job = &jobs[*j].1;
                let reqs: Vec<usize> = job.reqs.clone().unwrap_or_else(|| (0..n).collect());
                let only_gets = reqs.iter().all(|&i| b.kind(i) == Kind::Get);
                if f.err.kind() != ErrorKind::Connection || !only_gets {
                    return true;
                }
                for nth in 0..reqs.len() {
                    out.set_miss(job.slots.as_ref().map_or(reqs[nth], |s| s[nth]));
                }
                false
            });
        }
        if !failed.is_empty() {
            return Err(self.failure(b, out, &jobs, failed));
        }
        out.merge_spread(|i| b.kind(i));
        Ok(())
    }

    /// The error of a call some of whose parts failed. An invalidation or
    /// flush that reached only some servers says so, and what the others
    /// removed: reported as success it would leave stale data behind.
    fn failure(
        &self,
        b: &Batch,
        out: &mut Replies,
        jobs: &[(usize, Job<'_>)],
        failed: Vec<(usize, Failure)>,
    ) -> Error {
        let h = &*self.0;
        let counted = (0..b.len()).find(|&i| {
            b.key(i).is_none()
                && matches!(
                    b.kind(i),
                    Kind::InvTag | Kind::InvTagsAny | Kind::InvTagsAll | Kind::Flush
                )
        });
        if let (Some(i), true) = (counted, h.servers.len() > 1) {
            let failed_servers: Vec<usize> = failed
                .iter()
                .map(|(j, _)| server_of(&h.servers, jobs[*j].1.pool))
                .collect();
            let mut done = Vec::new();
            let mut removed = 0;
            for (j, (_, job)) in jobs.iter().enumerate() {
                if failed.iter().any(|(f, _)| *f == j) {
                    continue;
                }
                let s = server_of(&h.servers, job.pool);
                let nth = job
                    .reqs
                    .as_ref()
                    .and_then(|r| r.iter().position(|&x| x == i));
                let slot = nth.map(|nth| job.slots.as_ref().map_or(i, |s| s[nth]));
                if let Some(Ok(Reply::Count(c))) = slot.map(|slot| out.result(slot)) {
                    removed += c;
                    done.push(h.servers[s].name.clone());
                }
            }
            let failed = failed
                .into_iter()
                .zip(failed_servers)
                .map(|((_, f), s)| format!("{} failed: {}", h.servers[s].name, f.err))
                .collect::<Vec<_>>()
                .join("; ");
            return Error::Partial {
                op: if b.kind(i) == Kind::Flush {
                    "flush"
                } else {
                    "the invalidation"
                },
                failed,
                done: if done.is_empty() {
                    "no server completed it".to_string()
                } else {
                    format!("{removed} entries removed on {}", done.join(", "))
                },
            };
        }
        let mut errs: Vec<Error> = failed
            .into_iter()
            .map(|(j, f)| outcome(b, &jobs[j].1, f))
            .collect();
        if errs.len() == 1 {
            errs.remove(0)
        } else {
            Error::Several(errs)
        }
    }

    /// As `run`, with every reply returned as an owned `Result<Reply>`.
    pub fn batch(&self, b: &Batch) -> Result<Vec<Result<Reply>>> {
        let mut out = Replies::new();
        self.run(b, &mut out)?;
        Ok((0..b.len()).map(|i| out.result(i)).collect())
    }

    /// One command (checked first), for Rust callers.
    pub fn command(&self, cmd: &Command) -> Result<Reply> {
        let mut b = Batch::new();
        b.push_cmd(cmd)?;
        let mut out = Replies::new();
        self.run(&b, &mut out)?;
        out.result(0)
    }

    /// The pool of every server, summed.
    pub fn pool_stats(&self) -> PoolStats {
        let mut sum = PoolStats::default();
        for s in &self.0.servers {
            sum.add(&s.pool.stats());
        }
        sum
    }

    /// Each server's name and pool.
    pub fn server_pool_stats(&self) -> Vec<(&str, PoolStats)> {
        self.0
            .servers
            .iter()
            .map(|s| (s.name.as_str(), s.pool.stats()))
            .collect()
    }

    /// Closes the idle connections; the next call connects again.
    pub fn close(&self) {
        for s in &self.0.servers {
            s.pool.close_idle();
        }
    }
}

/// The error of a failed job: a connection failure after a request that
/// may not be resent was sent leaves its outcome unknown, and says so.
fn outcome(b: &Batch, job: &Job<'_>, f: Failure) -> Error {
    let n = job.reqs.as_ref().map_or(b.len(), Vec::len);
    let first = (0..n)
        .map(|nth| b.kind(job.reqs.as_ref().map_or(nth, |r| r[nth])))
        .find(|k| !k.resend_safe());
    match first {
        Some(k) if f.sent && f.err.kind() == ErrorKind::Connection => Error::OutcomeUnknown {
            verb: k.verb(),
            cause: Box::new(f.err),
        },
        _ => f.err,
    }
}

/// The position of `pool`'s server in the list.
fn server_of(servers: &[Server], pool: &Pool) -> usize {
    servers
        .iter()
        .position(|s| std::ptr::eq(Arc::as_ptr(&s.pool), pool))
        .unwrap_or(0)
}
