//! One API call = one or more protocol requests plus how their replies
//! become the PHP result. `TagCache` runs a plan at once; `TagCachePipeline`
//! queues many plans in one batch and runs them together.

use super::exceptions::{self, tagcache_error, type_error, value_error};
use super::ffi;
use super::values;
use crate::client::batch::{Batch, Replies, Slot};
use crate::client::config::{AllowedClasses, Serializer};
use crate::client::protocol::{self, Kind, Reply};
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
    /// getMany: [key => value] of the hits, in request order (the keys are
    /// read back from the queued GET lines).
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
}

/// Appends one key from a PHP array (an int is taken as its decimal
/// text), checked as `validate_key` does, without copying it first.
fn push_key(out: &mut Vec<u8>, v: &Zval, what: &str) -> PResult<()> {
    let v = v.dereference();
    if let Some(i) = v.long() {
        crate::client::codec::encode_int(out, i);
        return Ok(());
    }
    let Some(s) = v.zend_str() else {
        return Err(type_error(format!(
            "{what} must be of type string, {} given",
            v.get_type()
        )));
    };
    push_key_bytes(out, s.as_bytes(), what)
}

/// Appends a key given as bytes, checked as `validate_key` does.
fn push_key_bytes(out: &mut Vec<u8>, k: &[u8], what: &str) -> PResult<()> {
    if !protocol::plain_key(k) {
        let k = std::str::from_utf8(k)
            .map_err(|_| value_error(format!("{what} must be valid UTF-8")))?;
        protocol::validate_key(k).map_err(exceptions::to_php)?;
    }
    out.extend_from_slice(k);
    Ok(())
}

fn string_arg(v: &Zval, what: &str) -> PResult<String> {
    let v = v.dereference();
    if let Some(i) = v.long() {
        return Ok(i.to_string());
    }
    match v.zend_str() {
        Some(s) => s
            .as_str()
            .map(str::to_owned)
            .map_err(|_| value_error(format!("{what} must be valid UTF-8"))),
        None => Err(type_error(format!(
            "{what} must be of type string, {} given",
            v.get_type()
        ))),
    }
}

/// Tags from a PHP array, validated.
pub fn tags_of(arr: &ZendHashTable) -> PResult<Vec<String>> {
    let mut out = Vec::with_capacity(arr.len());
    for v in arr.values() {
        let t = string_arg(v, "each tag")?;
        protocol::validate_tag(&t).map_err(exceptions::to_php)?;
        out.push(t);
    }
    Ok(out)
}

pub fn key_arg(key: &str) -> PResult<()> {
    protocol::validate_key(key).map_err(exceptions::to_php)
}

pub fn ttl_arg(ttl: Option<i64>) -> PResult<Option<u64>> {
    protocol::validate_ttl(ttl).map_err(exceptions::to_php)
}

fn arg_err(e: Error) -> PhpException {
    exceptions::to_php(e)
}

impl Plan {
    pub fn new() -> Plan {
        Plan::default()
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
    }

    fn one(&mut self, shape: Shape, kind: Kind, encode: impl FnOnce(&mut Vec<u8>)) {
        self.batch.push(kind, encode);
        self.calls.push((shape, 1));
    }

    /// put/add. Arguments are checked before anything is queued.
    #[allow(clippy::too_many_arguments)]
    pub fn store(
        &mut self,
        add: bool,
        key: &str,
        value: &Zval,
        tags: &[String],
        ttl: Option<i64>,
        ser: Serializer,
    ) -> PResult<()> {
        key_arg(key)?;
        protocol::validate_tags(tags).map_err(arg_err)?;
        let ttl = ttl_arg(ttl)?;
        let (verb, kind, shape) = if add {
            ("ADD", Kind::Add, Shape::Added)
        } else {
            ("PUT", Kind::Put, Shape::Stored)
        };
        self.batch.try_push(kind, |b| {
            protocol::encode_store_head(b, verb, key, tags, ttl);
            values::encode(value, ser, b)?;
            b.push(b'\n');
            Ok::<(), PhpException>(())
        })?;
        self.calls.push((shape, 1));
        Ok(())
    }

    pub fn put_many(
        &mut self,
        items: &ZendHashTable,
        tags: &[String],
        ttl: Option<i64>,
        ser: Serializer,
    ) -> PResult<()> {
        protocol::validate_tags(tags).map_err(arg_err)?;
        let ttl = ttl_arg(ttl)?;
        // What follows the key is the same for every item: "\tttl\ttags\t".
        let mut rest = Vec::new();
        protocol::encode_store_middle(&mut rest, tags, ttl);
        let mark = self.batch.len();
        self.batch
            .reserve(items.len(), items.len() * (rest.len() + 48));
        let r = ffi::walk(items, |k, value| {
            self.batch.try_push(Kind::Put, |b| {
                b.extend_from_slice(b"PUT\t");
                match k {
                    ffi::HashKey::Int(i) => crate::client::codec::encode_int(b, i),
                    ffi::HashKey::Str(k) => push_key_bytes(b, k, "each key")?,
                }
                b.extend_from_slice(&rest);
                values::encode(value, ser, b)?;
                b.push(b'\n');
                Ok::<(), PhpException>(())
            })
        });
        // Any bad key or value leaves nothing of this call queued.
        if let Err(e) = r {
            self.batch.truncate(mark);
            return Err(e);
        }
        self.calls
            .push((Shape::Stored, self.batch.len().saturating_sub(mark)));
        Ok(())
    }

    pub fn get(&mut self, key: &str, default: Zval) -> PResult<()> {
        key_arg(key)?;
        self.one(Shape::Value(default), Kind::Get, |b| {
            protocol::encode_get(b, key)
        });
        Ok(())
    }

    /// Queues `VERB\tkey` for every key of a PHP array; a bad key throws
    /// and leaves nothing of this call queued.
    fn queue_keys(&mut self, keys: &ZendHashTable, verb: &[u8], kind: Kind) -> PResult<usize> {
        let mark = self.batch.len();
        self.batch.reserve(keys.len(), keys.len() * 32);
        let r = ffi::walk(keys, |_, v| {
            self.batch.try_push(kind, |b| {
                b.extend_from_slice(verb);
                b.push(b'\t');
                push_key(b, v, "each key")?;
                b.push(b'\n');
                Ok::<(), PhpException>(())
            })
        });
        if let Err(e) = r {
            self.batch.truncate(mark);
            return Err(e);
        }
        Ok(self.batch.len().saturating_sub(mark))
    }

    pub fn get_many(&mut self, keys: &ZendHashTable) -> PResult<()> {
        let n = self.queue_keys(keys, b"GET", Kind::Get)?;
        self.calls.push((Shape::Many, n));
        Ok(())
    }

    pub fn delete(&mut self, key: &str) -> PResult<()> {
        key_arg(key)?;
        self.one(Shape::Deleted, Kind::Del, |b| {
            protocol::encode_simple(b, "DEL", key)
        });
        Ok(())
    }

    pub fn delete_many(&mut self, keys: &ZendHashTable) -> PResult<()> {
        let n = self.queue_keys(keys, b"DEL", Kind::Del)?;
        self.calls.push((Shape::DeletedCount, n));
        Ok(())
    }

    pub fn invalidate(&mut self, tags: &Zval, mode: &str) -> PResult<()> {
        let all = match mode {
            "any" => false,
            "all" => true,
            _ => {
                return Err(value_error(format!(
                    "mode must be 'any' or 'all', '{mode}' given"
                )))
            }
        };
        let tags = tags.dereference();
        let list = if let Some(arr) = tags.array() {
            tags_of(arr)?
        } else if tags.is_string() || tags.is_long() {
            let t = string_arg(tags, "tag")?;
            protocol::validate_tag(&t).map_err(arg_err)?;
            vec![t]
        } else {
            return Err(type_error(format!(
                "tags must be of type string|array, {} given",
                tags.get_type()
            )));
        };
        match list.len() {
            0 => return Err(value_error("tags must not be empty")),
            1 => self.one(Shape::Count, Kind::InvTag, |b| {
                protocol::encode_simple(b, "INV_TAG", &list[0])
            }),
            _ => {
                let cmd = if all {
                    protocol::Command::InvTagsAll(list)
                } else {
                    protocol::Command::InvTagsAny(list)
                };
                self.one(Shape::Count, cmd.kind(), |b| cmd.encode(b));
            }
        }
        Ok(())
    }

    pub fn invalidate_one(&mut self, tag: &str) -> PResult<()> {
        protocol::validate_tag(tag).map_err(arg_err)?;
        self.one(Shape::Count, Kind::InvTag, |b| {
            protocol::encode_simple(b, "INV_TAG", tag)
        });
        Ok(())
    }

    pub fn keys_by_tag(&mut self, tag: &str) -> PResult<()> {
        protocol::validate_tag(tag).map_err(arg_err)?;
        self.one(Shape::Keys, Kind::Keys, |b| {
            protocol::encode_simple(b, "KEYS_BY_TAG", tag)
        });
        Ok(())
    }

    pub fn search(&mut self, tags: &ZendHashTable, all: bool) -> PResult<()> {
        let tags = tags_of(tags)?;
        if tags.is_empty() {
            return Err(value_error("tags must not be empty"));
        }
        for t in &tags {
            self.batch
                .push(Kind::Keys, |b| protocol::encode_simple(b, "KEYS_BY_TAG", t));
        }
        let shape = if all {
            Shape::Intersection
        } else {
            Shape::Union
        };
        self.calls.push((shape, tags.len()));
        Ok(())
    }

    pub fn counter(
        &mut self,
        decr: bool,
        key: &str,
        by: i64,
        tags: &[String],
        ttl: Option<i64>,
    ) -> PResult<()> {
        key_arg(key)?;
        protocol::validate_tags(tags).map_err(arg_err)?;
        let ttl = ttl_arg(ttl)?;
        let (verb, kind) = if decr {
            ("DECR", Kind::Decr)
        } else {
            ("INCR", Kind::Incr)
        };
        self.one(Shape::Int, kind, |b| {
            protocol::encode_counter(b, verb, key, by, tags, ttl)
        });
        Ok(())
    }

    pub fn stats(&mut self) {
        self.one(Shape::Stats, Kind::Stats, |b| {
            b.extend_from_slice(b"STATS\n")
        });
    }

    pub fn ping(&mut self) {
        self.one(Shape::Ping, Kind::Stats, |b| {
            b.extend_from_slice(b"STATS\n")
        });
    }

    pub fn flush(&mut self) {
        self.one(Shape::Count, Kind::Flush, |b| {
            b.extend_from_slice(b"FLUSH\n")
        });
    }

    /// Sends the plan. With one request it takes the single-request path;
    /// otherwise the batch engine. The replies land in `out`, one slot per
    /// request.
    pub fn send(&self, client: &Client, out: &mut Replies) -> PResult<()> {
        let r = if self.batch.len() == 1 {
            let kind = self.batch.kinds()[0];
            let bytes = self.batch.bytes();
            client.call_into(kind, &|b| b.extend_from_slice(bytes), out)
        } else {
            client.batch_into(&self.batch, out)
        };
        r.map_err(exceptions::to_php)
    }

    /// Runs a plan of exactly one call and returns its result; any error
    /// throws.
    pub fn run_one(self, client: &Client, ctx: &Ctx<'_>) -> PResult<Zval> {
        let mut rs = Replies::new();
        self.send(client, &mut rs)?;
        let mut first = 0;
        let mut out = None;
        for (shape, n) in self.calls {
            out = Some(finish(shape, &mut rs, first, n, &self.batch, ctx).map_err(
                |e| match e {
                    Failed::Server(e) => exceptions::to_php(e),
                    Failed::Php(p) => p,
                },
            )?);
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
        let mut rs = Replies::new();
        self.send(client, &mut rs)?;
        let mut first = 0;
        let mut out = Vec::with_capacity(self.calls.len());
        for (shape, n) in self.calls {
            match finish(shape, &mut rs, first, n, &self.batch, ctx) {
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
    pub pool: Option<crate::client::pool::PoolStats>,
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
    first: usize,
    n: usize,
    batch: &Batch,
    ctx: &Ctx<'_>,
) -> Result<Zval, Failed> {
    let slots = first..first + n;
    if let Some(e) = slots.clone().find_map(|i| rs.take_failure(i)) {
        return Err(match e.kind() {
            crate::client::ErrorKind::Server => Failed::Server(e),
            _ => Failed::Php(exceptions::to_php(e)),
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
            Slot::Value(a, b) => values::decode(rs.value(a, b), ctx.allowed)?,
            Slot::Miss => default,
            other => return Err(stray("GET", as_reply(rs, other))),
        },
        Shape::Many => {
            let mut ht = ZendHashTable::with_capacity(n as u32);
            for i in slots {
                match rs.take(i) {
                    Slot::Value(a, b) => {
                        let v = values::decode(rs.value(a, b), ctx.allowed)?;
                        ffi::hash_set(&mut ht, get_key(batch.request(i)), v);
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
        Shape::Stats => match owned(rs, last) {
            Some(Reply::Stats(s)) => {
                let mut ht = ZendHashTable::new();
                let e = |e: ext_php_rs::error::Error| tagcache_error(e.to_string());
                ht.insert("hits", long(s.hits)).map_err(e)?;
                ht.insert("misses", long(s.misses)).map_err(e)?;
                ht.insert("puts", long(s.puts)).map_err(e)?;
                ht.insert("invalidations", long(s.invalidations))
                    .map_err(e)?;
                ht.insert("hit_ratio", s.hit_ratio).map_err(e)?;
                if let Some(p) = &ctx.pool {
                    ht.insert("pool", pool_array(p)?).map_err(e)?;
                }
                array(ht)
            }
            r => return Err(stray("STATS", r)),
        },
    })
}

/// The key of a queued `GET\tkey\n` line.
fn get_key(line: &[u8]) -> &[u8] {
    line.strip_prefix(b"GET\t")
        .and_then(|k| k.strip_suffix(b"\n"))
        .unwrap_or_default()
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
