//! The client core: pure Rust, no PHP types. `Client` is a cheap clone of
//! an `Arc` handle that owns the options and the pool.
//!
//! - protocol.rs: typed requests to bytes, reply lines to replies (the only
//!   place either is done), key and tag checks, the resend rule per kind.
//! - batch.rs: requests queued back to back, with their kinds and keys.
//! - replies.rs: the replies of a batch, one slot per request.
//! - engine.rs: sends a batch over one or several connections with poll(2).
//! - conn.rs, pool.rs, registry.rs: connections, the pool, persistent pools.
//! - codec.rs: PHP values as wire text. config.rs: options and defaults.

pub mod batch;
pub mod codec;
pub mod config;
pub mod conn;
pub mod engine;
pub mod error;
pub mod fork;
pub mod pool;
pub mod protocol;
pub mod registry;
pub mod replies;
pub(crate) mod spare;

use batch::Batch;
use config::Options;
use conn::ConnOpts;
use engine::Waits;
pub use error::{Error, ErrorKind, Result};
use pool::{Pool, PoolStats};
use protocol::{Command, Reply};
use replies::Replies;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug)]
struct Handle {
    opts: Options,
    pool: Arc<Pool>,
    waits: Waits,
}

#[derive(Debug, Clone)]
pub struct Client(Arc<Handle>);

/// The reply line may hold the value plus "VALUE\t".
const REPLY_OVERHEAD: usize = 64;

impl Client {
    pub fn new(opts: Options) -> Client {
        let make = || {
            let copts = ConnOpts {
                host: opts.host.clone(),
                port: opts.port,
                addr: opts.addr().into(),
                connect_timeout: Duration::from_millis(opts.connect_timeout_ms),
                keepalive: opts.tcp_keepalive,
                max_line: opts.max_value_bytes + REPLY_OVERHEAD,
            };
            Pool::new(copts, opts.pool_size)
        };
        let pool = registry::persistent_pool(&opts, make).unwrap_or_else(|| Arc::new(make()));
        let timeout = Duration::from_millis(opts.timeout_ms);
        Client(Arc::new(Handle {
            waits: Waits {
                timeout,
                // A busy-poll never outlasts the timeout.
                spin: Duration::from_micros(opts.busy_poll_us).min(timeout),
            },
            opts,
            pool,
        }))
    }

    pub fn options(&self) -> &Options {
        &self.0.opts
    }

    pub fn addr(&self) -> &str {
        self.0.pool.addr()
    }

    /// Sends a batch, pipelined; the replies land in `out`, one slot per
    /// request (an `Err` slot when the server refused that request). `Err`
    /// when the connection failed, for the whole batch. A batch of
    /// resend-safe requests (`Kind::resend_safe`) whose connection dropped
    /// before any reply byte arrived is sent again on a fresh connection,
    /// up to `retry` times; a batch holding any other request is never
    /// resent once sent, and its connection failure is
    /// `Error::OutcomeUnknown`.
    pub fn run(&self, b: &Batch, out: &mut Replies) -> Result<()> {
        let h = &*self.0;
        // A batch of at least fanout_min requests is split over up to every
        // connection of the pool. A split runs the server's share on several
        // of its threads at once; it pays when the server has cores to spare.
        // On the 2-core development host, where client and server share the
        // cores, one connection was as fast or faster at every size measured
        // (benches/client.rs, groups fanout and fanout_min), so the default
        // threshold is high: only batches of 10,000 and more are split.
        let lanes = if b.len() >= h.opts.fanout_min {
            h.pool.size().min(b.len())
        } else {
            1
        };
        let mut tries_left = if b.resend_safe() { h.opts.retry } else { 0 };
        loop {
            // A batch that cannot be sent again gets connections checked for
            // being stale first, so a server restart never fails it
            // needlessly.
            let verify = tries_left == 0;
            match engine::run(&h.pool, b, h.waits, lanes, verify, out) {
                Ok(()) => return Ok(()),
                Err(f) if tries_left > 0 && f.resendable() => tries_left -= 1,
                Err(f) => {
                    return Err(match b.not_resend_safe() {
                        Some(k) if f.sent && f.err.kind() == ErrorKind::Connection => {
                            Error::OutcomeUnknown {
                                verb: k.verb(),
                                cause: Box::new(f.err),
                            }
                        }
                        _ => f.err,
                    })
                }
            }
        }
    }

    /// As `run`, with every reply returned as an owned `Result<Reply>`.
    pub fn batch(&self, b: &Batch) -> Result<Vec<Result<Reply>>> {
        let mut out = Replies::new();
        self.run(b, &mut out)?;
        Ok(out.into_results())
    }

    /// One command (checked first), for Rust callers.
    pub fn command(&self, cmd: &Command) -> Result<Reply> {
        let mut b = Batch::new();
        b.push_cmd(cmd)?;
        let mut out = Replies::new();
        self.run(&b, &mut out)?;
        out.result(0)
    }

    pub fn pool_stats(&self) -> PoolStats {
        self.0.pool.stats()
    }

    /// Closes the idle connections; the next call connects again.
    pub fn close(&self) {
        self.0.pool.close_idle()
    }
}
