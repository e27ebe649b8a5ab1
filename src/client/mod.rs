//! The client core: pure Rust, no PHP types. `Client` is a cheap clone of
//! an `Arc` handle that owns the options and the pool.

pub mod batch;
pub mod codec;
pub mod config;
pub mod conn;
pub mod error;
pub mod fork;
pub mod ketama;
pub mod pool;
pub mod protocol;
pub mod registry;

use batch::{Batch, Replies};
use config::Options;
use conn::ConnOpts;
pub use error::{Error, ErrorKind, Result};
use pool::{Pool, PoolStats};
use protocol::{Command, Kind, Reply};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug)]
struct Handle {
    opts: Options,
    pool: Arc<Pool>,
    timeout: Duration,
    /// How long to busy-poll for a reply before sleeping.
    spin: Duration,
    /// Sockets in flight in fan-out batches of this handle right now.
    in_flight: AtomicUsize,
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
        Client(Arc::new(Handle {
            timeout: Duration::from_millis(opts.timeout_ms),
            // A busy-poll never outlasts the timeout.
            spin: Duration::from_micros(opts.busy_poll_us)
                .min(Duration::from_millis(opts.timeout_ms)),
            opts,
            pool,
            in_flight: AtomicUsize::new(0),
        }))
    }

    pub fn options(&self) -> &Options {
        &self.0.opts
    }

    pub fn addr(&self) -> &str {
        self.0.pool.addr()
    }

    /// One request; `encode` writes its line. An idempotent request whose
    /// connection broke before any byte of its reply arrived is sent once
    /// more on a fresh connection (option `retry`).
    pub fn call(&self, kind: Kind, encode: &dyn Fn(&mut Vec<u8>)) -> Result<Reply> {
        let mut out = Replies::new();
        self.call_into(kind, encode, &mut out)?;
        out.result(0)
    }

    /// As `call`, with the reply left in `out`'s only slot.
    pub fn call_into(
        &self,
        kind: Kind,
        encode: &dyn Fn(&mut Vec<u8>),
        out: &mut Replies,
    ) -> Result<()> {
        let h = &*self.0;
        let mut tries_left = if kind.idempotent() { h.opts.retry } else { 0 };
        loop {
            let conn = h.pool.checkout_with(h.timeout, tries_left == 0)?;
            match batch::single(&conn, kind, encode, h.timeout, h.spin, out) {
                Ok(()) => return Ok(()),
                Err(f) if f.resendable && tries_left > 0 => tries_left -= 1,
                Err(f) => return Err(f.err),
            }
        }
    }

    pub fn command(&self, cmd: &Command) -> Result<Reply> {
        self.call(cmd.kind(), &|b| cmd.encode(b))
    }

    /// A batch of requests, pipelined; one result per request, in order.
    /// `Err` when the connection failed (the whole batch), an `Err` slot
    /// when the server refused that request.
    pub fn batch(&self, b: &Batch) -> Result<Vec<Result<Reply>>> {
        let mut out = Replies::new();
        self.batch_into(b, &mut out)?;
        Ok(out.into_results())
    }

    /// As `batch`, with the replies left in `out`, one slot per request.
    pub fn batch_into(&self, b: &Batch, out: &mut Replies) -> Result<()> {
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
        let mut tries_left = if b.idempotent() { h.opts.retry } else { 0 };
        loop {
            h.in_flight.fetch_add(lanes, Ordering::Relaxed);
            let r = batch::run(&h.pool, b, h.timeout, h.spin, lanes, tries_left == 0, out);
            h.in_flight.fetch_sub(lanes, Ordering::Relaxed);
            match r {
                Ok(()) => return Ok(()),
                Err(f) if f.resendable && tries_left > 0 => tries_left -= 1,
                Err(f) => return Err(f.err),
            }
        }
    }

    pub fn pool_stats(&self) -> PoolStats {
        self.0.pool.stats()
    }

    /// Closes the idle connections; the next call connects again.
    pub fn close(&self) {
        self.0.pool.close_idle()
    }
}
