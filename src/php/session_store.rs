//! Session storage on a TagCache server: the save path, the keys, the lock
//! and the owner-checked write. Pure Rust over `crate::client` (no PHP), so
//! the protocol is tested with `cargo test`; session.rs adapts it to
//! ext/session.
//!
//! Keys, for a session id `I` and a prefix `P` (`I` with any `,` as `.`,
//! since the protocol reserves commas):
//! - `P I`: the session data, as a PHP string value (other clients read it
//!   with `get()`), with the session's tags and `session.gc_maxlifetime` as
//!   TTL;
//! - `P I:meta`: `<unix ms of the write>|<tag,tag,...>`, same tags and TTL:
//!   the tags to put back on the next write (a GET does not return an
//!   entry's tags) and the age that lets a lazy write skip its refresh;
//! - `P I:lock`: the lock, `<token>|<pid>@<host>`, created with ADD (only
//!   one request can create it), a TTL of `session_lock_expire_s`, and one
//!   tag `P lock:<token>` that no other request ever uses.
//!
//! The lock is released with `INV_TAG P lock:<token>`: the server removes
//! the lock entry only if it still carries that tag, that is, only while it
//! is still this request's (a request that takes over an expired lock puts
//! the key back with its own tag). Check and removal are one server step.
//!
//! A write (PUT of data and meta) happens only after the server confirmed,
//! in the same request, that the lock entry still holds this request's
//! token, and only while a tenth of the lock's life is left by this
//! process's clock (counted from before the ADD was sent, so never later
//! than the server's). The release rides in the same pipeline right behind
//! the PUTs, on the same connection: the server runs them in order, so a
//! release that finds the lock proves that the PUTs landed while the lock
//! was held. The one gap no command can close: the lock could be removed
//! by something else (FLUSH, `invalidate`, a server restart) between the
//! check and the PUT, or the server could take longer than that tenth of
//! the lock's life to run a PUT; the release then reports it, and the
//! caller warns.

use crate::client::batch::Batch;
use crate::client::codec::{self, WireValue};
use crate::client::config::{check_host, HostError, OptValue, Options, ServerAddr};
use crate::client::protocol::{self, Command, Reply};
use crate::client::{Client, Error};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Prefix of the keys when the save path sets none.
pub const DEFAULT_PREFIX: &str = "TAGCACHE_SESSION:";

/// The longest session id accepted (PHP's `session.sid_length` maximum).
pub const MAX_ID_LEN: usize = 256;

/// What `session.save_path` selects.
#[derive(Debug, Clone, PartialEq)]
pub struct SavePath {
    pub opts: Options,
    pub prefix: String,
}

/// Client options a save path may set, with their INI text rules.
const PATH_OPTIONS: &[&str] = &[
    "timeout_ms",
    "connect_timeout_ms",
    "persistent",
    "pool_size",
    "retry",
    "tcp_keepalive",
    "max_value_bytes",
    "busy_poll_us",
];

fn percent_decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = b
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("bad %-escape in \"{s}\""))?;
                out.push(hex);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| format!("\"{s}\" is not valid UTF-8 once decoded"))
}

/// Parses `session.save_path`:
/// `[tcp://]host[:port][,[tcp://]host[:port]...][?name=value&...]`, or
/// empty for the `tagcache.*` INI defaults (in `base`). Several servers:
/// each session lives on the one ketama places it on. Names: `prefix` and the client options
/// `timeout_ms`, `connect_timeout_ms`, `persistent`, `pool_size`, `retry`,
/// `tcp_keepalive`, `max_value_bytes`, `busy_poll_us`.
pub fn parse_save_path(text: &str, base: &Options) -> Result<SavePath, String> {
    let mut sp = SavePath {
        opts: base.clone(),
        prefix: DEFAULT_PREFIX.into(),
    };
    let text = text.trim();
    if text.is_empty() {
        return Ok(sp);
    }
    if text.starts_with('/')
        || text
            .split_once(';')
            .is_some_and(|(n, _)| n.parse::<u32>().is_ok())
    {
        return Err(
            "it is a directory, for the files handler (PHP's default save path); set it to \
             tcp://host:port, or to \"\" for the tagcache.host and tagcache.port INI defaults"
                .into(),
        );
    }
    let (addrs, query) = match text.split_once('?') {
        Some((a, q)) => (a, q),
        None => (text, ""),
    };
    let mut servers = Vec::new();
    for addr in addrs.split(',').map(str::trim) {
        let (host, port) = parse_addr(addr)?;
        servers.push(ServerAddr {
            host: check_host(host).map_err(|e| match e {
                HostError::WithPort => format!("host \"{host}\" holds a port"),
                HostError::Bad => format!("host \"{host}\" is not a host name or address"),
            })?,
            port: match port {
                Some(p) => p
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("port \"{p}\" is not a number from 1 to 65535"))?,
                None => base.port,
            },
            weight: 1,
        });
    }
    if let [one] = &servers[..] {
        sp.opts.host = one.host.clone();
        sp.opts.port = one.port;
        sp.opts.servers.clear();
    } else {
        for (i, a) in servers.iter().enumerate() {
            if servers[..i]
                .iter()
                .any(|b| b.host == a.host && b.port == a.port)
            {
                return Err(format!("server {} is listed twice", a.name()));
            }
        }
        sp.opts.servers = servers;
    }
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode(k)?;
        let v = percent_decode(v)?;
        if k == "prefix" {
            validate_prefix(&v)?;
            sp.prefix = v;
        } else if PATH_OPTIONS.contains(&k.as_str()) {
            let val = match k.as_str() {
                "persistent" | "tcp_keepalive" => match v.to_ascii_lowercase().as_str() {
                    "1" | "on" | "yes" | "true" => OptValue::Bool(true),
                    "0" | "off" | "no" | "false" | "" => OptValue::Bool(false),
                    _ if k == "persistent" => OptValue::Str(v.clone()),
                    _ => return Err(format!("{k} must be 0 or 1, \"{v}\" given")),
                },
                _ => OptValue::Int(
                    v.trim()
                        .parse()
                        .map_err(|_| format!("{k} must be an integer, \"{v}\" given"))?,
                ),
            };
            sp.opts.set(&k, val).map_err(|e| e.to_string())?;
        } else {
            return Err(format!(
                "unknown parameter \"{k}\" (known: prefix, {})",
                PATH_OPTIONS.join(", ")
            ));
        }
    }
    Ok(sp)
}

/// One address of a save path: `[tcp://]host[:port]`, an IPv6 host in
/// brackets.
fn parse_addr(addr: &str) -> Result<(&str, Option<&str>), String> {
    let addr = match addr.split_once("://") {
        Some(("tcp", rest)) => rest,
        Some((scheme, _)) => {
            return Err(format!(
                "scheme \"{scheme}://\" is not supported (only tcp://)"
            ))
        }
        None => addr,
    };
    let addr = addr.trim_end_matches('/');
    if addr.is_empty() {
        return Err("it names no host".into());
    }
    let (host, port) = if let Some(rest) = addr.strip_prefix('[') {
        let (h, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("\"{addr}\" has no closing ']'"))?;
        match after {
            "" => (&addr[..h.len() + 2], None),
            p => (
                &addr[..h.len() + 2],
                Some(
                    p.strip_prefix(':')
                        .ok_or_else(|| format!("\"{addr}\": expected ':port' after ']'"))?,
                ),
            ),
        }
    } else {
        match addr.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h, Some(p)),
            Some(_) => {
                return Err(format!(
                    "\"{addr}\": write an IPv6 address in brackets, [::1]:1984"
                ))
            }
            None => (addr, None),
        }
    };
    if host.is_empty() {
        return Err("it names no host".into());
    }
    Ok((host, port))
}

fn validate_prefix(p: &str) -> Result<(), String> {
    if p.chars().any(|c| matches!(c, '\t' | '\r' | '\n' | ',')) || p.starts_with(' ') {
        return Err(format!(
            "prefix {p:?} cannot be part of a key (no TAB, CR, LF, comma or leading space)"
        ));
    }
    Ok(())
}

/// A session id PHP could have made: `[A-Za-z0-9,-]`, 1 to 256 long.
pub fn valid_id(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b',' || c == b'-')
}

/// Lock settings (the `tagcache.session_lock*` INI entries).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LockConfig {
    pub enabled: bool,
    /// How long a request waits for the lock before it gives up.
    pub wait: Duration,
    /// The lock's TTL: how long a request that died keeps others out.
    pub expire: Duration,
}

/// A lock this request holds.
#[derive(Debug, Clone)]
pub struct Lock {
    pub id: String,
    key: String,
    owner_tag: String,
    value: String,
    /// Taken before the ADD was sent: the server's entry expires no sooner
    /// than `sent + expire`.
    sent: Instant,
    expire: Duration,
}

impl Lock {
    /// How long this request may still count on the lock.
    pub fn remaining(&self) -> Duration {
        self.expire.saturating_sub(self.sent.elapsed())
    }

    /// A write is sent only while this much of the lock's life is left.
    pub fn margin(&self) -> Duration {
        self.expire / 10
    }

    pub fn held_for(&self) -> Duration {
        self.sent.elapsed()
    }

    pub fn expire(&self) -> Duration {
        self.expire
    }
}

/// What the server holds for a session.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loaded {
    pub data: Vec<u8>,
    /// The data key existed.
    pub exists: bool,
    /// The meta key existed (the session was written by this handler).
    pub has_meta: bool,
    pub tags: Vec<String>,
    /// When the data was last written (unix ms), from the meta key.
    pub written_ms: Option<u64>,
}

/// Why a write was not done.
#[derive(Debug, Clone, PartialEq)]
pub enum Written {
    /// Stored. `released`: the release sent right behind it found the lock
    /// (`Some(true)`), found it gone (`Some(false)`), or none was sent.
    Saved { released: Option<bool> },
    /// The lock entry no longer holds this request's token; `holder` is
    /// the `pid@host` of the one that holds it now, if any.
    LockLost { holder: Option<String> },
    /// Less than the margin of the lock's life is left.
    LeaseShort { remaining: Duration },
    /// The session had tags and its meta key is gone: it was invalidated
    /// (or destroyed) while this request ran; writing would bring it back.
    Invalidated,
}

/// One write of a session.
#[derive(Debug, Clone, Copy)]
pub struct Write<'a> {
    pub id: &'a str,
    pub data: &'a [u8],
    pub tags: &'a [String],
    /// `session.gc_maxlifetime`; None: no expiry.
    pub ttl: Option<Duration>,
    /// The lock this request holds (None: locking is off).
    pub lock: Option<&'a Lock>,
    /// The session's meta key existed when it was read.
    pub had_meta: bool,
    /// Release the lock in the same pipeline, right behind the PUTs.
    pub release: bool,
}

/// Failures, worded for a warning.
#[derive(Debug)]
pub enum SessError {
    Client(Error),
    LockTimeout {
        id: String,
        waited: Duration,
        holder: Option<String>,
    },
    Corrupt(String),
}

impl std::fmt::Display for SessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SessError::Client(e) => write!(f, "{e}"),
            SessError::LockTimeout { id, waited, holder } => {
                write!(
                    f,
                    "could not lock session {id} within {} ms (tagcache.session_lock_wait_ms)",
                    waited.as_millis()
                )?;
                if let Some(h) = holder {
                    write!(f, "; it is held by {h}")?;
                }
                Ok(())
            }
            SessError::Corrupt(m) => write!(f, "{m}"),
        }
    }
}

impl From<Error> for SessError {
    fn from(e: Error) -> Self {
        SessError::Client(e)
    }
}

pub type SResult<T> = Result<T, SessError>;

/// 16 random bytes as hex, from the kernel.
pub fn random_token() -> String {
    let mut b = [0u8; 16];
    let mut filled = 0;
    while filled < b.len() {
        // SAFETY: the pointer and length describe the unfilled tail of `b`.
        let n = unsafe { libc::getrandom(b[filled..].as_mut_ptr().cast(), b.len() - filled, 0) };
        if n <= 0 {
            // getrandom(2) cannot fail on Linux >= 3.17 but for EINTR; a
            // time-and-pid based fallback keeps the token unique enough.
            let t = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let mixed = t ^ (u128::from(std::process::id()) << 64);
            b.copy_from_slice(&mixed.to_le_bytes());
            break;
        }
        filled += n as usize;
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer and its length are valid; gethostname writes at
    // most that many bytes.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return "?".into();
    }
    let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// The text of a string value as stored by any client (this handler stores
/// a PHP string; a number another client stored reads as its text).
fn value_text(wire: &[u8], what: &str) -> SResult<Vec<u8>> {
    match codec::decode(wire) {
        Ok(WireValue::Str(s)) => Ok(s.into_owned()),
        Ok(WireValue::Int(i)) => Ok(i.to_string().into_bytes()),
        Ok(WireValue::Float(_)) => Ok(wire.to_vec()),
        Ok(WireValue::Null) => Ok(Vec::new()),
        Ok(_) => Err(SessError::Corrupt(format!(
            "{what} does not hold a string; not a session written by a PHP session handler"
        ))),
        Err(e) => Err(SessError::Corrupt(format!("{what}: {e}"))),
    }
}

fn parse_meta(text: &[u8]) -> (Option<u64>, Vec<String>) {
    let s = String::from_utf8_lossy(text);
    let (ms, tags) = s.split_once('|').unwrap_or((&s, ""));
    let tags = tags
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    (ms.parse().ok(), tags)
}

/// Sends `cmds` in one pipeline; one result per command.
fn pipeline(client: &Client, cmds: &[Command]) -> SResult<Vec<crate::client::Result<Reply>>> {
    let mut b = Batch::new();
    for c in cmds {
        b.push_cmd(c)?;
    }
    Ok(client.batch(&b)?)
}

fn reply(r: Option<crate::client::Result<Reply>>) -> SResult<Reply> {
    match r {
        Some(Ok(r)) => Ok(r),
        Some(Err(e)) => Err(e.into()),
        None => Err(SessError::Corrupt("a reply is missing".into())),
    }
}

fn value(r: Option<crate::client::Result<Reply>>) -> SResult<Option<Vec<u8>>> {
    match reply(r)? {
        Reply::Value(v) => Ok(v),
        other => Err(SessError::Corrupt(format!(
            "unexpected reply {other:?} to GET"
        ))),
    }
}

/// Sessions on one server, or on several: a session's keys (data, meta,
/// lock) all go to the server that ketama places its data key on, so the
/// pipelines below run in order on one connection, as the locking needs.
#[derive(Debug, Clone)]
pub struct Store {
    client: Client,
    /// One client per server, sharing the pools of `client`.
    servers: Vec<Client>,
    prefix: String,
    pub lock: LockConfig,
}

impl Store {
    pub fn new(sp: SavePath, lock: LockConfig) -> Store {
        let client = Client::new(sp.opts);
        let servers = (0..client.server_names().len())
            .map(|i| client.only(i))
            .collect();
        Store {
            client,
            servers,
            prefix: sp.prefix,
            lock,
        }
    }

    /// The client of every server (tag invalidations reach them all).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The client of the server that holds session `id`.
    fn on(&self, id: &str) -> &Client {
        let i = self.client.server_index(self.data_key(id).as_bytes());
        &self.servers[i]
    }

    /// The data key of a session id.
    pub fn data_key(&self, id: &str) -> String {
        let mut k = String::with_capacity(self.prefix.len() + id.len());
        k.push_str(&self.prefix);
        k.extend(id.chars().map(|c| if c == ',' { '.' } else { c }));
        k
    }

    fn meta_key(&self, id: &str) -> String {
        self.data_key(id) + ":meta"
    }

    fn lock_key(&self, id: &str) -> String {
        self.data_key(id) + ":lock"
    }

    fn new_lock(&self, id: &str) -> Lock {
        let token = random_token();
        Lock {
            id: id.to_owned(),
            key: self.lock_key(id),
            owner_tag: format!("{}lock:{token}", self.prefix),
            value: format!("{token}|{}@{}", std::process::id(), hostname()),
            sent: Instant::now(),
            expire: self.lock.expire,
        }
    }

    fn add_lock(&self, lock: &Lock) -> Command {
        let mut v = Vec::new();
        codec::encode_str(&mut v, lock.value.as_bytes());
        Command::Add {
            key: lock.key.clone(),
            value: v,
            tags: vec![lock.owner_tag.clone()],
            ttl: Some(lock.expire.as_millis().max(1) as u64),
        }
    }

    fn loaded(&self, id: &str, data: Option<Vec<u8>>, meta: Option<Vec<u8>>) -> SResult<Loaded> {
        let mut l = Loaded::default();
        if let Some(d) = data {
            l.exists = true;
            l.data = value_text(&d, &format!("key {}", self.data_key(id)))?;
        }
        if let Some(m) = meta {
            l.has_meta = true;
            let text = value_text(&m, &format!("key {}", self.meta_key(id)))?;
            let (ms, tags) = parse_meta(&text);
            l.written_ms = ms;
            l.tags = tags;
        }
        Ok(l)
    }

    /// Reads a session without locking it.
    pub fn load(&self, id: &str) -> SResult<Loaded> {
        let r = pipeline(
            self.on(id),
            &[
                Command::Get(self.data_key(id)),
                Command::Get(self.meta_key(id)),
            ],
        )?;
        let mut it = r.into_iter();
        let d = value(it.next())?;
        let m = value(it.next())?;
        self.loaded(id, d, m)
    }

    /// Whether a session's data exists.
    pub fn exists(&self, id: &str) -> SResult<bool> {
        Ok(self
            .on(id)
            .command(&Command::Get(self.data_key(id)))
            .map(|r| matches!(r, Reply::Value(Some(_))))?)
    }

    /// The holder (`pid@host`) written in a lock value.
    fn holder_of(v: Option<Vec<u8>>) -> Option<String> {
        let v = v?;
        let text = value_text(&v, "lock").ok()?;
        let s = String::from_utf8_lossy(&text).into_owned();
        Some(s.split_once('|').map(|(_, h)| h.to_owned()).unwrap_or(s))
    }

    /// Takes the lock of `id` (waiting up to `lock.wait`) and reads the
    /// session. The first try sends ADD and both GETs in one pipeline.
    pub fn lock_and_load(&self, id: &str) -> SResult<(Lock, Loaded)> {
        let start = Instant::now();
        let mut pause = Duration::from_micros(500);
        let mut first = true;
        // A little per-process jitter, so waiters do not retry in step.
        let mut seed = u64::from(std::process::id()) | 1;
        loop {
            let mut lock = self.new_lock(id);
            lock.sent = Instant::now();
            if first {
                first = false;
                let r = pipeline(
                    self.on(id),
                    &[
                        self.add_lock(&lock),
                        Command::Get(self.data_key(id)),
                        Command::Get(self.meta_key(id)),
                    ],
                )?;
                let mut it = r.into_iter();
                let added = matches!(reply(it.next())?, Reply::Added(true));
                let d = value(it.next())?;
                let m = value(it.next())?;
                if added {
                    let l = self.loaded(id, d, m)?;
                    return Ok((lock, l));
                }
            } else if matches!(
                self.on(id).command(&self.add_lock(&lock))?,
                Reply::Added(true)
            ) {
                let l = self.load(id)?;
                return Ok((lock, l));
            }
            let waited = start.elapsed();
            if waited >= self.lock.wait {
                let holder = self
                    .on(id)
                    .command(&Command::Get(self.lock_key(id)))
                    .ok()
                    .and_then(|r| match r {
                        Reply::Value(v) => Self::holder_of(v),
                        _ => None,
                    });
                // The limit, not the time measured (a few µs past it).
                return Err(SessError::LockTimeout {
                    id: id.to_owned(),
                    waited: self.lock.wait,
                    holder,
                });
            }
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let jitter = Duration::from_micros(seed % (pause.as_micros() as u64 / 2 + 1));
            let left = self.lock.wait.saturating_sub(waited);
            std::thread::sleep((pause + jitter).min(left));
            pause = (pause * 2).min(Duration::from_millis(20));
        }
    }

    /// For a new session id: `Ok(Some(lock))` when it is unused (and now
    /// locked, with locking on), `Ok(None)` when it exists or is locked.
    pub fn claim_new(&self, id: &str) -> SResult<Option<Option<Lock>>> {
        if !self.lock.enabled {
            return Ok(if self.exists(id)? { None } else { Some(None) });
        }
        let lock = self.new_lock(id);
        let r = pipeline(
            self.on(id),
            &[self.add_lock(&lock), Command::Get(self.data_key(id))],
        )?;
        let mut it = r.into_iter();
        let added = matches!(reply(it.next())?, Reply::Added(true));
        let exists = value(it.next())?.is_some();
        match (added, exists) {
            (true, false) => Ok(Some(Some(lock))),
            (true, true) => {
                self.release(&lock)?;
                Ok(None)
            }
            (false, _) => Ok(None),
        }
    }

    /// Releases a lock if it is still this request's: true if it was.
    pub fn release(&self, lock: &Lock) -> SResult<bool> {
        match self
            .on(&lock.id)
            .command(&Command::InvTag(lock.owner_tag.clone()))?
        {
            Reply::Count(n) => Ok(n > 0),
            other => Err(SessError::Corrupt(format!(
                "unexpected reply {other:?} to INV_TAG"
            ))),
        }
    }

    /// Stores a session's data and tags, with the checks described at the
    /// top of this file.
    pub fn write(&self, w: &Write<'_>) -> SResult<Written> {
        let Write {
            id,
            data,
            tags,
            ttl,
            lock,
            had_meta,
            release,
        } = *w;
        protocol::Tags::from_list(tags)?;
        if let Some(l) = lock {
            if l.remaining() <= l.margin() {
                return Ok(Written::LeaseShort {
                    remaining: l.remaining(),
                });
            }
        }
        let mut check = Vec::new();
        if let Some(l) = lock {
            check.push(Command::Get(l.key.clone()));
        }
        if had_meta {
            check.push(Command::Get(self.meta_key(id)));
        }
        if !check.is_empty() {
            let r = pipeline(self.on(id), &check)?;
            let mut it = r.into_iter();
            if let Some(l) = lock {
                let v = value(it.next())?;
                let ours = v
                    .as_deref()
                    .and_then(|w| value_text(w, "lock").ok())
                    .is_some_and(|t| t == l.value.as_bytes());
                if !ours {
                    return Ok(Written::LockLost {
                        holder: Self::holder_of(v),
                    });
                }
            }
            if had_meta && value(it.next())?.is_none() {
                return Ok(Written::Invalidated);
            }
            if let Some(l) = lock {
                if l.remaining() <= l.margin() {
                    return Ok(Written::LeaseShort {
                        remaining: l.remaining(),
                    });
                }
            }
        }
        let ttl_ms = ttl.map(|t| t.as_millis().max(1) as u64);
        let mut wire = Vec::with_capacity(data.len() + 8);
        codec::encode_str(&mut wire, data);
        let mut meta = format!("{}|", now_ms());
        meta.push_str(&tags.join(","));
        let mut meta_wire = Vec::new();
        codec::encode_str(&mut meta_wire, meta.as_bytes());
        let mut cmds = vec![
            Command::Put {
                key: self.data_key(id),
                value: wire,
                tags: tags.to_vec(),
                ttl: ttl_ms,
            },
            Command::Put {
                key: self.meta_key(id),
                value: meta_wire,
                tags: tags.to_vec(),
                ttl: ttl_ms,
            },
        ];
        let releasing = match lock {
            Some(l) if release => {
                cmds.push(Command::InvTag(l.owner_tag.clone()));
                true
            }
            _ => false,
        };
        let r = pipeline(self.on(id), &cmds)?;
        let mut it = r.into_iter();
        for _ in 0..2 {
            match reply(it.next())? {
                Reply::Stored => {}
                other => {
                    return Err(SessError::Corrupt(format!(
                        "unexpected reply {other:?} to PUT"
                    )))
                }
            }
        }
        let released = if releasing {
            match reply(it.next())? {
                Reply::Count(n) => Some(n > 0),
                _ => Some(false),
            }
        } else {
            None
        };
        Ok(Written::Saved { released })
    }

    /// Removes a session's data and meta keys.
    pub fn destroy(&self, id: &str) -> SResult<()> {
        let mut b = Batch::new();
        b.push_cmd(&Command::Del(self.data_key(id)))?;
        b.push_cmd(&Command::Del(self.meta_key(id)))?;
        for r in self.on(id).batch(&b)? {
            r?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::sync::Arc;

    fn server() -> (u16, Arc<tagcache_server::Store>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let store = Arc::new(tagcache_server::Store::new());
        let s2 = store.clone();
        std::thread::spawn(move || {
            let _ = tagcache_server::serve_store(l, tagcache_server::Config::default(), s2);
        });
        (port, store)
    }

    fn store(port: u16, lock: LockConfig) -> Store {
        let o = Options {
            port,
            ..Options::default()
        };
        Store::new(
            SavePath {
                opts: o,
                prefix: "t:".into(),
            },
            lock,
        )
    }

    fn locking(expire_ms: u64, wait_ms: u64) -> LockConfig {
        LockConfig {
            enabled: true,
            wait: Duration::from_millis(wait_ms),
            expire: Duration::from_millis(expire_ms),
        }
    }

    #[test]
    fn save_paths() {
        let base = Options::default();
        let sp = parse_save_path("", &base).unwrap();
        assert_eq!(sp.opts, base);
        assert_eq!(sp.prefix, DEFAULT_PREFIX);
        let sp = parse_save_path(
            "tcp://10.0.0.1:1999?timeout_ms=250&persistent=1&prefix=PHPSESSID%3A",
            &base,
        )
        .unwrap();
        assert_eq!(sp.opts.host, "10.0.0.1");
        assert_eq!(sp.opts.port, 1999);
        assert_eq!(sp.opts.timeout_ms, 250);
        assert_eq!(sp.prefix, "PHPSESSID:");
        let sp = parse_save_path("cache.local?prefix=s:", &base).unwrap();
        assert_eq!((sp.opts.host.as_str(), sp.opts.port), ("cache.local", 1984));
        assert_eq!(sp.prefix, "s:");
        let sp = parse_save_path("tcp://[::1]:7000", &base).unwrap();
        assert_eq!((sp.opts.host.as_str(), sp.opts.port), ("::1", 7000));
        let sp = parse_save_path("tcp://a:1, tcp://[::1]:2,b?prefix=p:", &base).unwrap();
        let names: Vec<String> = sp.opts.server_list().iter().map(|s| s.name()).collect();
        assert_eq!(names, ["a:1", "[::1]:2", "b:1984"]);
        assert_eq!(sp.prefix, "p:");
        for (bad, why) in [
            ("tcp://a:1,tcp://a:1", "listed twice"),
            ("tcp://a:1,", "no host"),
            ("unix:///tmp/s", "scheme"),
            ("tcp://:1984", "no host"),
            ("tcp://h:99999", "port"),
            ("tcp://h:x", "port"),
            ("tcp://h?timeout_ms=abc", "timeout_ms"),
            ("tcp://h?weight=1", "unknown parameter \"weight\""),
            ("tcp://h?prefix=a%2Cb", "prefix"),
            ("tcp://h?prefix=%zz", "escape"),
            ("::1", "brackets"),
            ("/var/lib/php/sessions", "directory"),
            ("2;/tmp", "directory"),
        ] {
            let e = parse_save_path(bad, &base).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn ids_and_keys() {
        assert!(valid_id(b"abcXYZ019,-"));
        assert!(!valid_id(b""));
        assert!(!valid_id(b"a.b"));
        assert!(!valid_id(b"a b"));
        assert!(!valid_id(&[b'a'; 257]));
        let s = store(1, locking(1000, 0));
        assert_eq!(s.data_key("a,b-c"), "t:a.b-c");
        protocol::validate_key(&s.data_key("a,b")).unwrap();
        assert_eq!(random_token().len(), 32);
        assert_ne!(random_token(), random_token());
        assert_eq!(
            parse_meta(b"123|a,b"),
            (Some(123), vec!["a".to_string(), "b".to_string()])
        );
        assert_eq!(parse_meta(b"x|"), (None, vec![]));
    }

    #[test]
    fn write_read_and_tags() {
        let (port, _) = server();
        let s = store(port, locking(5000, 1000));
        let (lock, l) = s.lock_and_load("s1").unwrap();
        assert_eq!(l, Loaded::default());
        let data = b"n|i:1;bin|s:3:\"\0\n\r\";";
        let tags = vec!["user:7".to_string()];
        let w = s
            .write(&Write {
                id: "s1",
                data,
                tags: &tags,
                ttl: Some(Duration::from_secs(60)),
                lock: Some(&lock),
                had_meta: false,
                release: true,
            })
            .unwrap();
        assert_eq!(
            w,
            Written::Saved {
                released: Some(true)
            }
        );
        let l = s.load("s1").unwrap();
        assert!(l.exists && l.has_meta);
        assert_eq!(l.data, data);
        assert_eq!(l.tags, tags);
        assert!(l.written_ms.unwrap() > 0);
        // The lock is free again.
        let (lock2, _) = s.lock_and_load("s1").unwrap();
        assert!(s.release(&lock2).unwrap());
        // Invalidating the tag removes data and meta.
        let n = s
            .client()
            .command(&Command::InvTag("user:7".into()))
            .unwrap();
        assert_eq!(n, Reply::Count(2));
        assert!(!s.exists("s1").unwrap());
    }

    #[test]
    fn lock_excludes_and_times_out() {
        let (port, _) = server();
        let s = store(port, locking(5000, 150));
        let (lock, _) = s.lock_and_load("s2").unwrap();
        let t = Instant::now();
        match s.lock_and_load("s2") {
            Err(SessError::LockTimeout { holder, .. }) => {
                let me = format!("{}@", std::process::id());
                assert!(holder.unwrap().starts_with(&me));
            }
            other => panic!("{other:?}"),
        }
        assert!(t.elapsed() >= Duration::from_millis(150));
        assert!(s.release(&lock).unwrap());
        assert!(!s.release(&lock).unwrap(), "a second release finds nothing");
        let (l2, _) = s.lock_and_load("s2").unwrap();
        assert!(s.release(&l2).unwrap());
    }

    /// A request whose lock expired and was taken over: its release must
    /// not remove the new owner's lock, and its write must not land.
    #[test]
    fn expired_owner_cannot_release_or_write() {
        let (port, srv) = server();
        let s = store(port, locking(300, 2000));
        let (old, _) = s.lock_and_load("s3").unwrap();
        let ttl = Some(Duration::from_secs(60));
        s.write(&Write {
            id: "s3",
            data: b"v|i:0;",
            tags: &[],
            ttl,
            lock: Some(&old),
            had_meta: false,
            release: false,
        })
        .unwrap();
        std::thread::sleep(Duration::from_millis(350));
        let (new, l) = s.lock_and_load("s3").unwrap();
        assert_eq!(l.data, b"v|i:0;");
        // The old owner's write is refused: its lease ran out.
        let w = s
            .write(&Write {
                id: "s3",
                data: b"v|i:1;",
                tags: &[],
                ttl,
                lock: Some(&old),
                had_meta: true,
                release: true,
            })
            .unwrap();
        assert!(matches!(w, Written::LeaseShort { .. }), "{w:?}");
        // Even with a lease it believes long, the server says it is not its.
        let mut fooled = old.clone();
        fooled.sent = Instant::now();
        let w = s
            .write(&Write {
                id: "s3",
                data: b"v|i:1;",
                tags: &[],
                ttl,
                lock: Some(&fooled),
                had_meta: true,
                release: true,
            })
            .unwrap();
        let me = format!("{}@", std::process::id());
        assert!(
            matches!(&w, Written::LockLost { holder: Some(h) } if h.starts_with(&me)),
            "{w:?}"
        );
        // Its release finds nothing; the new owner's lock stays.
        assert!(!s.release(&old).unwrap());
        assert!(srv.get(&s.lock_key("s3")).is_some());
        let w = s
            .write(&Write {
                id: "s3",
                data: b"v|i:2;",
                tags: &[],
                ttl,
                lock: Some(&new),
                had_meta: true,
                release: true,
            })
            .unwrap();
        assert_eq!(
            w,
            Written::Saved {
                released: Some(true)
            }
        );
        assert_eq!(s.load("s3").unwrap().data, b"v|i:2;");
    }

    #[test]
    fn invalidated_session_is_not_written_back() {
        let (port, _) = server();
        for locked in [true, false] {
            let mut cfg = locking(5000, 1000);
            cfg.enabled = locked;
            let s = store(port, cfg);
            let id = if locked { "s4" } else { "s5" };
            let tags = vec![format!("u:{id}")];
            let ttl = Some(Duration::from_secs(60));
            s.write(&Write {
                id,
                data: b"a|i:1;",
                tags: &tags,
                ttl,
                lock: None,
                had_meta: false,
                release: false,
            })
            .unwrap();
            let (lock, l) = if locked {
                let (k, l) = s.lock_and_load(id).unwrap();
                (Some(k), l)
            } else {
                (None, s.load(id).unwrap())
            };
            assert!(l.has_meta);
            s.client()
                .command(&Command::InvTag(tags[0].clone()))
                .unwrap();
            let w = s
                .write(&Write {
                    id,
                    data: b"a|i:2;",
                    tags: &l.tags,
                    ttl,
                    lock: lock.as_ref(),
                    had_meta: l.has_meta,
                    release: true,
                })
                .unwrap();
            assert_eq!(w, Written::Invalidated, "locked={locked}");
            assert!(!s.exists(id).unwrap());
            if let Some(k) = lock {
                assert!(s.release(&k).unwrap());
            }
        }
    }

    #[test]
    fn claim_new_ids() {
        let (port, _) = server();
        let s = store(port, locking(5000, 100));
        let got = s.claim_new("fresh").unwrap().unwrap().unwrap();
        // Locked: a second claim and a lock attempt both fail.
        assert!(s.claim_new("fresh").unwrap().is_none());
        assert!(matches!(
            s.lock_and_load("fresh"),
            Err(SessError::LockTimeout { .. })
        ));
        assert!(s.release(&got).unwrap());
        // An existing session is never claimed, and is left unlocked.
        s.write(&Write {
            id: "old",
            data: b"",
            tags: &[],
            ttl: None,
            lock: None,
            had_meta: false,
            release: false,
        })
        .unwrap();
        assert!(s.claim_new("old").unwrap().is_none());
        let (k, _) = s.lock_and_load("old").unwrap();
        assert!(s.release(&k).unwrap());
        let mut cfg = s.lock;
        cfg.enabled = false;
        let s = Store { lock: cfg, ..s };
        assert!(s.claim_new("old").unwrap().is_none());
        assert!(matches!(s.claim_new("new2").unwrap(), Some(None)));
    }

    #[test]
    fn server_down_is_an_error() {
        let s = store(1, locking(1000, 100));
        assert!(matches!(
            s.lock_and_load("x"),
            Err(SessError::Client(Error::Connect { .. }))
        ));
        assert!(s.load("x").is_err());
        assert!(s.claim_new("x").is_err());
    }
}
