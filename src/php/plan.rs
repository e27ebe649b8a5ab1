//! One API call = one or more protocol requests plus how their replies
//! become the PHP result. `TagCache` runs a plan at once; `TagCachePipeline`
//! queues many plans in one batch and runs them together.

use super::args::Args;
use super::exceptions::{self, tagcache_error, value_error};
use super::ffi;
use super::values;
use crate::client::batch::Batch;
use crate::client::codec::Compress;
use crate::client::config::{AllowedClasses, Serializer};
use crate::client::error::shown;
use crate::client::protocol::{self, IntKey, Key, Match, Meta, Reply, Request, Tag, Tags};
use crate::client::replies::{Replies, Slot};
use crate::client::{Client, Error};
use ext_php_rs::exception::PhpException;
use ext_php_rs::types::{ZendHashTable, Zval};
use std::collections::HashSet;

type PResult<T> = Result<T, PhpException>;

/// How the replies of one call become its result.
pub enum Shape {
    /// put/set/putMany: true once every request was stored.
    Stored,
    /// add: true if added, false if the key existed.
    Added,
    /// get: the value, or the default on a miss.
    Value(Zval),
    /// getMany: [key => value] of the hits, in request order (the keys
    /// were kept by the batch when queued).
    Many,
    /// delete: whether it existed.
    Deleted,
    /// deleteMany: how many existed.
    DeletedCount,
    /// invalidate*/flush: the server's count.
    Count,
    /// keysByTag.
    Keys,
    /// searchAny / searchAll over one KEYS request per tag.
    Union,
    Intersection,
    /// increment/decrement.
    Int,
    Stats,
    Ping,
}

/// Calls queued in one batch: each with its shape and request count.
#[derive(Default)]
pub struct Plan {
    pub batch: Batch,
    calls: Vec<(Shape, usize)>,
    /// The longest value wire text queued and its request: checked against
    /// the client's max_value_bytes before anything is sent (`send`).
    longest: Option<(usize, usize)>,
    /// When set (a pipeline's plan), a longer value is refused as it is
    /// queued, not when the pipeline is sent.
    value_limit: Option<usize>,
    /// How the values of put/add/putMany are compressed (none unless set).
    compress: Compress,
}

/// A value the client could not read back: its wire text (what GET would
/// return) is longer than max_value_bytes, the longest reply accepted.
fn value_too_long(key: &[u8], len: usize, limit: usize) -> PhpException {
    value_error(format!(
        "the value of key '{}' is {len} bytes as wire text, over max_value_bytes ({limit}): \
         this client could not read it back (the limit applies to the encoded value; \
         a serialized or binary value grows by a third in base64)",
        shown(&String::from_utf8_lossy(key))
    ))
}

/// Calls `f` with the key in a PHP array element (argument #`num`,
/// `$name`), checked, without copying it: a string or an int (its decimal
/// text) at once, anything else by PHP's string rule (args.rs).
fn with_key<T>(
    a: &Args,
    v: &Zval,
    num: u32,
    name: &str,
    f: impl FnOnce(Key<'_>) -> T,
) -> PResult<T> {
    let v = v.dereference();
    if let Some(s) = v.zend_str() {
        return Ok(f(Key::new(s.as_bytes())?));
    }
    if let Some(i) = v.long() {
        return Ok(f(IntKey::new(i).key()));
    }
    a.string_elem(v, num, name, |b| Key::new(b).map(f))?
        .map_err(PhpException::from)
}

/// The key of a PHP array's element key.
fn with_hash_key<T>(k: ffi::HashKey<'_>, f: impl FnOnce(Key<'_>) -> T) -> PResult<T> {
    Ok(match k {
        ffi::HashKey::Int(i) => f(IntKey::new(i).key()),
        ffi::HashKey::Str(s) => f(Key::new(s)?),
    })
}

/// The tags listed by an array parameter (argument #`num`, `$name`), each
/// a string by PHP's rule for elements (args.rs) and valid UTF-8; their
/// values are checked when the call is planned.
pub fn tag_list(a: &Args, arr: &ZendHashTable, num: u32, name: &str) -> PResult<Vec<String>> {
    let mut out = Vec::with_capacity(arr.len());
    for v in arr.values() {
        let s = a.string_elem(v, num, name, |b| std::str::from_utf8(b).map(str::to_owned))?;
        out.push(s.map_err(|_| value_error("each tag must be valid UTF-8"))?);
    }
    Ok(out)
}

/// The longest value wire text of the requests queued so far, and the
/// limit a value is refused over as it is queued.
#[derive(Clone, Copy)]
struct Lengths {
    longest: Option<(usize, usize)>,
    limit: Option<usize>,
    /// How values are compressed: the length checked is the final one.
    compress: Compress,
}

impl Lengths {
    /// Encodes `value` as the value of request `i` (key `key`) and notes
    /// its length.
    fn encode(
        &mut self,
        i: usize,
        key: Key<'_>,
        value: &Zval,
        ser: Serializer,
        out: &mut Vec<u8>,
    ) -> PResult<()> {
        let start = out.len();
        values::encode_compressed(value, ser, self.compress, out)?;
        let len = out.len() - start;
        if let Some(limit) = self.limit.filter(|&l| len > l) {
            return Err(value_too_long(key.as_bytes(), len, limit));
        }
        if self.longest.is_none_or(|(l, _)| len > l) {
            self.longest = Some((len, i));
        }
        Ok(())
    }
}

/// Tags from an array parameter, checked.
pub fn tags_of(a: &Args, arr: &ZendHashTable, num: u32, name: &str) -> PResult<Tags> {
    Ok(Tags::from_list(&tag_list(a, arr, num, name)?)?)
}

fn meta(tags: &[String], ttl: Option<i64>) -> PResult<Meta> {
    let tags = Tags::from_list(tags)?;
    Ok(Meta::new(&tags, protocol::validate_ttl(ttl)?))
}

impl Plan {
    pub fn new() -> Plan {
        Plan::default()
    }

    /// A plan that refuses, as they are queued, values longer than `limit`.
    pub fn with_value_limit(limit: usize) -> Plan {
        Plan {
            value_limit: Some(limit),
            ..Plan::default()
        }
    }

    pub fn len(&self) -> usize {
        self.calls.len()
    }

    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    pub fn clear(&mut self) {
        self.batch.clear();
        self.calls.clear();
        self.longest = None;
    }

    /// Values written from now on are compressed as `c` says.
    pub fn set_compress(&mut self, c: Compress) {
        self.compress = c;
    }

    fn one(&mut self, shape: Shape, req: Request<'_>) {
        self.batch.push(req);
        self.calls.push((shape, 1));
    }

    /// Runs `queue`, which queues the requests of one call; on failure
    /// nothing of the call stays queued. Otherwise records the call.
    fn call(&mut self, shape: Shape, queue: impl FnOnce(&mut Batch) -> PResult<()>) -> PResult<()> {
        let mark = self.batch.len();
        if let Err(e) = queue(&mut self.batch) {
            self.batch.truncate(mark);
            return Err(e);
        }
        self.calls.push((shape, self.batch.len() - mark));
        Ok(())
    }

    /// What `Lengths` knows, taken out for one call; put back by
    /// `note_lengths` once the call is queued (a call that fails to queue
    /// leaves nothing, its values included).
    fn lengths(&self) -> Lengths {
        Lengths {
            longest: self.longest,
            limit: self.value_limit,
            compress: self.compress,
        }
    }

    fn note_lengths(&mut self, l: Lengths) {
        self.longest = l.longest;
    }

    /// put/add. Arguments are checked before anything is queued.
    pub fn store(
        &mut self,
        add: bool,
        key: &[u8],
        value: &Zval,
        tags: &[String],
        ttl: Option<i64>,
        ser: Serializer,
    ) -> PResult<()> {
        let key = Key::new(key)?;
        let meta = meta(tags, ttl)?;
        let (req, shape) = if add {
            (Request::Add(key, &meta), Shape::Added)
        } else {
            (Request::Put(key, &meta), Shape::Stored)
        };
        let mut lengths = self.lengths();
        self.call(shape, |b| {
            let i = b.len();
            b.push_with(req, |out| lengths.encode(i, key, value, ser, out))
        })?;
        self.note_lengths(lengths);
        Ok(())
    }

    pub fn put_many(
        &mut self,
        items: &ZendHashTable,
        tags: &[String],
        ttl: Option<i64>,
        ser: Serializer,
    ) -> PResult<()> {
        // TTL and tags are the same for every item: written once.
        let meta = meta(tags, ttl)?;
        let mut lengths = self.lengths();
        self.call(Shape::Stored, |b| {
            let alone = b.is_empty();
            b.reserve(items.len(), items.len() * 64);
            ffi::walk(items, |k, value| {
                with_hash_key(k, |key| {
                    let i = b.len();
                    b.push_with(Request::Put(key, &meta), |out| {
                        lengths.encode(i, key, value, ser, out)
                    })
                })?
            })?;
            // The keys of a PHP array are unique (an int key and its
            // decimal text are the same key).
            if alone {
                b.keys_distinct();
            }
            Ok(())
        })?;
        self.note_lengths(lengths);
        Ok(())
    }

    pub fn get(&mut self, key: &[u8], default: Zval) -> PResult<()> {
        self.one(Shape::Value(default), Request::Get(Key::new(key)?));
        Ok(())
    }

    /// Queues a GET or DEL for every key of a PHP array (argument #1,
    /// `$keys`).
    fn keys_call(
        &mut self,
        a: &Args,
        keys: &ZendHashTable,
        shape: Shape,
        del: bool,
    ) -> PResult<()> {
        self.call(shape, |b| {
            b.reserve(keys.len(), keys.len() * 32);
            ffi::walk(keys, |_, v| {
                with_key(a, v, 1, "keys", |key| {
                    b.push(if del {
                        Request::Del(key)
                    } else {
                        Request::Get(key)
                    })
                })
            })
        })
    }

    pub fn get_many(&mut self, a: &Args, keys: &ZendHashTable) -> PResult<()> {
        self.keys_call(a, keys, Shape::Many, false)
    }

    pub fn delete(&mut self, key: &[u8]) -> PResult<()> {
        self.one(Shape::Deleted, Request::Del(Key::new(key)?));
        Ok(())
    }

    pub fn delete_many(&mut self, a: &Args, keys: &ZendHashTable) -> PResult<()> {
        self.keys_call(a, keys, Shape::DeletedCount, true)
    }

    /// `$tags` is an array or a string (`Args::array_or_string` made it
    /// one).
    pub fn invalidate(&mut self, a: &Args, tags: &Zval, mode: &str) -> PResult<()> {
        let m = match mode {
            "any" => Match::Any,
            "all" => Match::All,
            _ => {
                return Err(value_error(format!(
                    "mode must be 'any' or 'all', '{}' given",
                    shown(mode)
                )))
            }
        };
        let tags = tags.dereference();
        let list = if let Some(arr) = tags.array() {
            tags_of(a, arr, 1, "tags")?
        } else if let Some(s) = tags.zend_str() {
            let s = std::str::from_utf8(s.as_bytes())
                .map_err(|_| value_error("tag must be valid UTF-8"))?;
            let mut t = Tags::new();
            t.push(s)?;
            t
        } else {
            return Err(a.type_error(
                1,
                "tags",
                &format!(
                    "must be of type array|string, {} given",
                    super::args::type_name(tags)
                ),
            ));
        };
        if list.is_empty() {
            return Err(value_error("tags must not be empty"));
        }
        self.one(Shape::Count, Request::Invalidate(&list, m));
        Ok(())
    }

    pub fn invalidate_one(&mut self, tag: &str) -> PResult<()> {
        let mut t = Tags::new();
        t.push(tag)?;
        self.one(Shape::Count, Request::Invalidate(&t, Match::Any));
        Ok(())
    }

    pub fn keys_by_tag(&mut self, tag: &str) -> PResult<()> {
        self.one(Shape::Keys, Request::KeysByTag(Tag::new(tag)?));
        Ok(())
    }

    pub fn search(&mut self, a: &Args, tags: &ZendHashTable, all: bool) -> PResult<()> {
        let tags = tags_of(a, tags, 1, "tags")?;
        if tags.is_empty() {
            return Err(value_error("tags must not be empty"));
        }
        let shape = if all {
            Shape::Intersection
        } else {
            Shape::Union
        };
        self.call(shape, |b| {
            for t in tags.iter() {
                b.push(Request::KeysByTag(t));
            }
            Ok(())
        })
    }

    pub fn counter(
        &mut self,
        decr: bool,
        key: &[u8],
        by: i64,
        tags: &[String],
        ttl: Option<i64>,
    ) -> PResult<()> {
        let key = Key::new(key)?;
        let meta = meta(tags, ttl)?;
        let req = if decr {
            Request::Decr(key, by, &meta)
        } else {
            Request::Incr(key, by, &meta)
        };
        self.one(Shape::Int, req);
        Ok(())
    }

    pub fn stats(&mut self) {
        self.one(Shape::Stats, Request::Stats);
    }

    pub fn ping(&mut self) {
        self.one(Shape::Ping, Request::Stats);
    }

    pub fn flush(&mut self) {
        self.one(Shape::Count, Request::Flush);
    }

    /// Sends the plan; the replies land in `out`, one slot per request. A
    /// value this client could not read back (longer than max_value_bytes
    /// as wire text) is refused first: nothing is sent.
    pub fn send(&self, client: &Client, out: &mut Replies) -> PResult<()> {
        let limit = client.options().max_value_bytes;
        if let Some((len, i)) = self.longest.filter(|&(len, _)| len > limit) {
            return Err(value_too_long(
                self.batch.key(i).unwrap_or_default(),
                len,
                limit,
            ));
        }
        Ok(client.run(&self.batch, out)?)
    }

    /// Runs a plan of exactly one call and returns its result; any error
    /// throws.
    pub fn run_one(self, client: &Client, ctx: &Ctx<'_>) -> PResult<Zval> {
        let snap = pool_snapshot(&self, client);
        let mut rs = Replies::new();
        self.send(client, &mut rs)?;
        let mut first = 0;
        let mut out = None;
        for (shape, n) in self.calls {
            out = Some(
                finish(shape, &mut rs, (first, n), &self.batch, ctx, snap.as_ref()).map_err(
                    |e| match e {
                        Failed::Server(e) => PhpException::from(e),
                        Failed::Php(p) => p,
                    },
                )?,
            );
            first += n;
        }
        out.ok_or_else(|| tagcache_error("nothing to run"))
    }

    /// Runs every queued call; a call the server refused gets its
    /// TagCacheServerException object in its slot.
    pub fn run_all(self, client: &Client, ctx: &Ctx<'_>) -> PResult<Vec<Zval>> {
        if self.calls.is_empty() {
            return Ok(Vec::new());
        }
        let snap = pool_snapshot(&self, client);
        let mut rs = Replies::new();
        self.send(client, &mut rs)?;
        let mut first = 0;
        let mut out = Vec::with_capacity(self.calls.len());
        for (shape, n) in self.calls {
            match finish(shape, &mut rs, (first, n), &self.batch, ctx, snap.as_ref()) {
                Ok(z) => out.push(z),
                Err(Failed::Server(e)) => out.push(exception_object(&e)?),
                Err(Failed::Php(p)) => return Err(p),
            }
            first += n;
        }
        Ok(out)
    }
}

/// What decoding needs.
pub struct Ctx<'a> {
    pub allowed: &'a AllowedClasses,
    /// For stats(): the pools' counters and the servers' names.
    pub client: &'a Client,
}

/// The pools as they were before a plan with a stats() call was sent (so
/// the call's own checkout is not in them): the sum, and each server's.
type PoolSnap = (
    crate::client::pool::PoolStats,
    Vec<(String, crate::client::pool::PoolStats)>,
);

fn pool_snapshot(plan: &Plan, client: &Client) -> Option<PoolSnap> {
    plan.calls
        .iter()
        .any(|(s, _)| matches!(s, Shape::Stats))
        .then(|| {
            let each = client
                .server_pool_stats()
                .into_iter()
                .map(|(n, p)| (n.to_string(), p))
                .collect();
            (client.pool_stats(), each)
        })
}

impl Ctx<'_> {
    /// The longest value this client reads (max_value_bytes).
    fn max(&self) -> usize {
        self.client.options().max_value_bytes
    }
}

enum Failed {
    /// The server refused a request (ERR) or answered out of place.
    Server(Error),
    Php(PhpException),
}

impl From<PhpException> for Failed {
    fn from(p: PhpException) -> Self {
        Failed::Php(p)
    }
}

fn exception_object(e: &Error) -> PResult<Zval> {
    let ce = exceptions::class_of(e);
    let mut obj = ce.new();
    let msg = e.to_string();
    obj.try_call_method("__construct", vec![&msg])
        .map_err(|err| tagcache_error(format!("cannot create exception: {err}")))?;
    let mut z = Zval::new();
    z.set_object(&mut obj);
    Ok(z)
}

fn long(v: u64) -> Zval {
    let mut z = Zval::new();
    z.set_long(i64::try_from(v).unwrap_or(i64::MAX));
    z
}

fn boolean(b: bool) -> Zval {
    let mut z = Zval::new();
    z.set_bool(b);
    z
}

fn array(ht: ext_php_rs::boxed::ZBox<ZendHashTable>) -> Zval {
    let mut z = Zval::new();
    z.set_hashtable(ht);
    z
}

fn list(keys: Vec<String>) -> PResult<Zval> {
    let mut ht = ZendHashTable::with_capacity(keys.len() as u32);
    for k in keys {
        ht.push(k).map_err(|e| tagcache_error(e.to_string()))?;
    }
    Ok(array(ht))
}

fn unexpected(what: &'static str, r: &Reply) -> Failed {
    // A reply of the wrong kind is rejected while reading; this is a
    // reply of the right kind that this call cannot use.
    Failed::Server(Error::Protocol {
        cmd: what,
        reply: format!("{r:?}"),
    })
}

/// A reply as a `Reply` (GET values copied out): for the shapes that
/// read one reply or few.
fn owned(rs: &mut Replies, i: usize) -> Option<Reply> {
    rs.result(i).ok()
}

/// A taken slot as a `Reply`, for an error message.
fn as_reply(rs: &Replies, slot: Slot) -> Option<Reply> {
    rs.to_result(slot).ok()
}

/// Takes the `n` replies of one call (slots `first..first + n`) and makes
/// its result. The first ERR among them fails the call.
fn finish(
    shape: Shape,
    rs: &mut Replies,
    (first, n): (usize, usize),
    batch: &Batch,
    ctx: &Ctx<'_>,
    snap: Option<&PoolSnap>,
) -> Result<Zval, Failed> {
    let slots = first..first + n;
    // A bulk write that went through: nothing to look at one by one.
    if matches!(shape, Shape::Stored) && rs.all_stored(slots.clone()) {
        return Ok(boolean(true));
    }
    if let Some(e) = slots.clone().find_map(|i| rs.take_failure(i)) {
        return Err(match e.kind() {
            crate::client::ErrorKind::Server => Failed::Server(e),
            _ => Failed::Php(e.into()),
        });
    }
    let last = first + n.saturating_sub(1);
    let stray =
        |what: &'static str, r: Option<Reply>| unexpected(what, &r.unwrap_or(Reply::Stored));
    Ok(match shape {
        Shape::Stored => {
            for i in slots {
                match rs.take(i) {
                    Slot::Reply(Reply::Stored) => {}
                    other => return Err(stray("PUT", as_reply(rs, other))),
                }
            }
            boolean(true)
        }
        Shape::Added => match owned(rs, last) {
            Some(Reply::Added(b)) => boolean(b),
            r => return Err(stray("ADD", r)),
        },
        Shape::Value(default) => match rs.take(last) {
            Slot::Value(a, b) => values::decode(rs.value(a, b), ctx.allowed, ctx.max())?,
            Slot::Miss => default,
            other => return Err(stray("GET", as_reply(rs, other))),
        },
        Shape::Many => {
            let mut ht = ZendHashTable::with_capacity(n as u32);
            for i in slots {
                match rs.take(i) {
                    Slot::Value(a, b) => {
                        let v = values::decode(rs.value(a, b), ctx.allowed, ctx.max())?;
                        ffi::hash_set(&mut ht, batch.key(i).unwrap_or_default(), v);
                    }
                    Slot::Miss => {}
                    other => return Err(stray("GET", as_reply(rs, other))),
                }
            }
            array(ht)
        }
        Shape::Deleted => match owned(rs, last) {
            Some(Reply::Deleted(b)) => boolean(b),
            r => return Err(stray("DEL", r)),
        },
        Shape::DeletedCount => {
            let mut count = 0;
            for i in slots {
                match owned(rs, i) {
                    Some(Reply::Deleted(b)) => count += u64::from(b),
                    r => return Err(stray("DEL", r)),
                }
            }
            long(count)
        }
        Shape::Count => match owned(rs, last) {
            Some(Reply::Count(c)) => long(c),
            r => return Err(stray("INV", r)),
        },
        Shape::Keys => match owned(rs, last) {
            Some(Reply::Keys(k)) => list(k)?,
            r => return Err(stray("KEYS_BY_TAG", r)),
        },
        Shape::Union | Shape::Intersection => {
            let mut sets = Vec::with_capacity(n);
            for i in slots {
                match owned(rs, i) {
                    Some(Reply::Keys(k)) => sets.push(k),
                    r => return Err(stray("KEYS_BY_TAG", r)),
                }
            }
            list(combine(sets, matches!(shape, Shape::Intersection)))?
        }
        Shape::Int => match owned(rs, last) {
            Some(Reply::Int(i)) => {
                let mut z = Zval::new();
                z.set_long(i);
                z
            }
            r => return Err(stray("INCR", r)),
        },
        Shape::Ping => match owned(rs, last) {
            Some(Reply::Stats(_)) => boolean(true),
            r => return Err(stray("STATS", r)),
        },
        Shape::Stats => {
            let per_server = rs.take_per_server(last);
            match owned(rs, last) {
                Some(Reply::Stats(s)) => {
                    let e = |e: ext_php_rs::error::Error| tagcache_error(e.to_string());
                    let (sum, each_pool) = match snap {
                        Some((sum, each)) => (sum.clone(), each.clone()),
                        None => {
                            let each = ctx.client.server_pool_stats();
                            let each = each.into_iter().map(|(n, p)| (n.to_string(), p)).collect();
                            (ctx.client.pool_stats(), each)
                        }
                    };
                    let mut ht = stats_array(&s, &sum)?;
                    // Several servers: the sums above, and each server's own.
                    if let Some(replies) = per_server {
                        let mut servers = ZendHashTable::new();
                        for (r, (name, pool)) in replies.into_iter().zip(each_pool) {
                            let Ok(Reply::Stats(s)) = r else {
                                return Err(stray("STATS", r.ok()));
                            };
                            servers
                                .insert(name.as_str(), array(stats_array(&s, &pool)?))
                                .map_err(e)?;
                        }
                        ht.insert("servers", array(servers)).map_err(e)?;
                    }
                    array(ht)
                }
                r => return Err(stray("STATS", r)),
            }
        }
    })
}

/// The counters of one STATS reply, with a pool's.
fn stats_array(
    s: &crate::client::protocol::ServerStats,
    pool: &crate::client::pool::PoolStats,
) -> PResult<ext_php_rs::boxed::ZBox<ZendHashTable>> {
    let mut ht = ZendHashTable::new();
    let e = |e: ext_php_rs::error::Error| tagcache_error(e.to_string());
    ht.insert("hits", long(s.hits)).map_err(e)?;
    ht.insert("misses", long(s.misses)).map_err(e)?;
    ht.insert("puts", long(s.puts)).map_err(e)?;
    ht.insert("invalidations", long(s.invalidations))
        .map_err(e)?;
    ht.insert("hit_ratio", s.hit_ratio).map_err(e)?;
    ht.insert("pool", pool_array(pool)?).map_err(e)?;
    Ok(ht)
}

pub fn pool_array(p: &crate::client::pool::PoolStats) -> PResult<Zval> {
    let mut ht = ZendHashTable::new();
    let e = |e: ext_php_rs::error::Error| tagcache_error(e.to_string());
    for (k, v) in [
        ("size", p.size as u64),
        ("open", p.open as u64),
        ("idle", p.idle as u64),
        ("busy", p.busy as u64),
        ("created", p.created),
        ("reused", p.reused),
        ("discarded", p.discarded),
        ("waits", p.waits),
        ("timeouts", p.timeouts),
    ] {
        ht.insert(k, long(v)).map_err(e)?;
    }
    Ok(array(ht))
}

/// Union (first-seen order) or intersection (order of the first list).
fn combine(sets: Vec<Vec<String>>, intersect: bool) -> Vec<String> {
    let mut it = sets.into_iter();
    let Some(first) = it.next() else {
        return Vec::new();
    };
    if intersect {
        let rest: Vec<HashSet<String>> = it.map(|s| s.into_iter().collect()).collect();
        let mut seen = HashSet::new();
        first
            .into_iter()
            .filter(|k| rest.iter().all(|s| s.contains(k)) && seen.insert(k.clone()))
            .collect()
    } else {
        let mut seen: HashSet<String> = HashSet::new();
        let mut out = Vec::new();
        for k in first.into_iter().chain(it.flatten()) {
            if seen.insert(k.clone()) {
                out.push(k);
            }
        }
        out
    }
}

/// A result known to be a PHP array (so the method's return type is
/// `array`, not `mixed`).
pub struct PhpArray(pub Zval);

impl ext_php_rs::convert::IntoZval for PhpArray {
    const TYPE: ext_php_rs::flags::DataType = ext_php_rs::flags::DataType::Array;
    const NULLABLE: bool = false;

    fn set_zval(self, zv: &mut Zval, _: bool) -> ext_php_rs::error::Result<()> {
        *zv = self.0;
        Ok(())
    }
}
