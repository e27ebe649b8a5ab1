//! `TagCache`: the PHP class. Argument checking and result shaping live in
//! plan.rs; the protocol and the pool in client/.

use super::args::{dispatch_method, Args};
use super::exceptions::{tagcache_error, type_error, value_error};
use super::pipeline::TagCachePipeline;
use super::plan::{self, Ctx, PhpArray, Plan};
use super::{ffi, values};
use crate::client::codec::Compress;
use crate::client::config::{AllowedClasses, OptValue, Options, Serializer, OPTIONS};
use crate::client::error::shown;
use crate::client::protocol::Key;
use crate::client::Client;
use ext_php_rs::args::Arg;
use ext_php_rs::builders::{ClassBuilder, FunctionBuilder};
use ext_php_rs::exception::PhpException;
use ext_php_rs::flags::{ClassFlags, DataType, MethodFlags};
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ArrayKey, ZendClassObject, ZendHashTable, Zval};
use ext_php_rs::zend::ExecuteData;

type PResult<T> = Result<T, PhpException>;

/// Options from INI defaults (`tagcache.<name>`) overridden by the array.
pub fn build_options(arr: Option<&ZendHashTable>) -> PResult<Options> {
    let mut o = Options::default();
    for d in OPTIONS {
        if let Some(text) = ffi::ini_value(&format!("tagcache.{}", d.name)) {
            o.set_ini(d.name, &text)?;
        }
    }
    if let Some(arr) = arr {
        let given = |n: &str| arr.get(n).is_some();
        if given("servers") {
            if given("host") || given("port") {
                return Err(value_error(
                    "give either 'servers' or 'host'/'port', not both",
                ));
            }
        } else if given("host") || given("port") {
            // One server named here: a servers list from INI does not apply.
            o.servers.clear();
        }
        for (k, v) in arr.iter() {
            let name = match k {
                ArrayKey::Long(i) => {
                    return Err(value_error(format!(
                        "options must be an array keyed by option name, index {i} given"
                    )))
                }
                ArrayKey::String(s) => s,
                ArrayKey::Str(s) => s.to_string(),
                ArrayKey::ZendString(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
            };
            let val = if name == "servers" {
                servers_value(v)?
            } else {
                opt_value(&name, v)?
            };
            o.set(&name, val)?;
        }
    }
    if !values::serializer_available(o.serializer) {
        return Err(tagcache_error(format!(
            "serializer '{}' is not available: the {} extension is not loaded",
            o.serializer.name(),
            o.serializer.name()
        )));
    }
    Ok(o)
}

/// The `servers` option: a list of "host:port[:weight]" strings or of
/// `['host' => ..., 'port' => ..., 'weight' => ...]` arrays, each turned
/// into the string form (config.rs parses and checks it).
fn servers_value(v: &Zval) -> PResult<OptValue> {
    let Some(list) = v.dereference().array() else {
        return Err(type_error(format!(
            "option 'servers' must be of type array, {} given",
            v.get_type()
        )));
    };
    if list.is_empty() {
        return Err(value_error("option 'servers' must not be empty"));
    }
    let mut out = Vec::with_capacity(list.len());
    for (n, item) in list.values().enumerate() {
        let item = item.dereference();
        if let Some(s) = item.zend_str() {
            out.push(String::from_utf8_lossy(s.as_bytes()).into_owned());
            continue;
        }
        let Some(entry) = item.array() else {
            return Err(type_error(format!(
                "option 'servers': entry #{n} must be a string or an array, {} given",
                item.get_type()
            )));
        };
        let bad = |why: &str| value_error(format!("option 'servers': entry #{n} {why}"));
        for (k, _) in entry.iter() {
            let known = matches!(&k, ArrayKey::String(s) if ["host", "port", "weight"].contains(&s.as_str()))
                || matches!(&k, ArrayKey::Str(s) if ["host", "port", "weight"].contains(s))
                || matches!(&k, ArrayKey::ZendString(s) if [&b"host"[..], b"port", b"weight"].contains(&s.as_bytes()));
            if !known {
                return Err(bad("has a key other than 'host', 'port' and 'weight'"));
            }
        }
        let host = entry
            .get("host")
            .and_then(|h| {
                h.dereference()
                    .zend_str()
                    .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
            })
            .ok_or_else(|| bad("needs 'host' (a string)"))?;
        let port = entry
            .get("port")
            .and_then(|p| p.dereference().long())
            .ok_or_else(|| bad("needs 'port' (an int)"))?;
        let weight = match entry.get("weight") {
            None => 1,
            Some(w) => w
                .dereference()
                .long()
                .ok_or_else(|| bad("has a 'weight' that is not an int"))?,
        };
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]")
        } else {
            host
        };
        out.push(format!("{host}:{port}:{weight}"));
    }
    Ok(OptValue::List(out))
}

fn opt_value(name: &str, v: &Zval) -> PResult<OptValue> {
    let v = v.dereference();
    if v.is_true() {
        return Ok(OptValue::Bool(true));
    }
    if v.is_false() {
        return Ok(OptValue::Bool(false));
    }
    if let Some(i) = v.long() {
        return Ok(OptValue::Int(i));
    }
    if let Some(s) = v.zend_str() {
        return Ok(OptValue::Str(
            String::from_utf8_lossy(s.as_bytes()).into_owned(),
        ));
    }
    if let Some(a) = v.array() {
        let mut l = Vec::with_capacity(a.len());
        for item in a.values() {
            match item.dereference().zend_str() {
                Some(s) => l.push(String::from_utf8_lossy(s.as_bytes()).into_owned()),
                None => {
                    return Err(type_error(format!(
                        "option '{}' must list strings, {} found",
                        shown(name),
                        item.get_type()
                    )))
                }
            }
        }
        return Ok(OptValue::List(l));
    }
    Err(type_error(format!(
        "option '{}' cannot be of type {}",
        shown(name),
        v.get_type()
    )))
}

#[php_class]
#[php(name = "TagCache")]
#[php(flags = ClassFlags::Final)]
#[php(modifier = "methods")]
pub struct TagCache {
    client: Client,
    serializer: Serializer,
    allowed: AllowedClasses,
    compress: Compress,
}

impl TagCache {
    fn open(options: Option<&ZendHashTable>) -> PResult<TagCache> {
        let o = build_options(options)?;
        Ok(TagCache {
            serializer: o.serializer,
            allowed: o.allowed_classes.clone(),
            compress: Compress::of(&o),
            client: Client::new(o),
        })
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            allowed: &self.allowed,
            client: &self.client,
        }
    }

    fn run(&self, plan: Plan) -> PResult<Zval> {
        plan.run_one(&self.client, &self.ctx())
    }

    fn run_array(&self, plan: Plan) -> PResult<PhpArray> {
        Ok(PhpArray(self.run(plan)?))
    }

    fn run_bool(&self, plan: Plan) -> PResult<bool> {
        Ok(self.run(plan)?.is_true())
    }

    fn run_int(&self, plan: Plan) -> PResult<i64> {
        self.run(plan)?
            .long()
            .ok_or_else(|| tagcache_error("expected an integer result"))
    }
}

/// The methods without scalar parameters; the others are registered by
/// `methods` below.
#[php_impl]
impl TagCache {
    pub const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    /// Connects lazily: nothing is sent until the first call.
    pub fn __construct(options: Option<&ZendHashTable>) -> PResult<Self> {
        TagCache::open(options)
    }

    pub fn create(options: Option<&ZendHashTable>) -> PResult<TagCache> {
        TagCache::open(options)
    }

    pub fn stats(&self) -> PResult<PhpArray> {
        let mut p = Plan::new();
        p.stats();
        self.run_array(p)
    }

    pub fn flush(&self) -> PResult<i64> {
        let mut p = Plan::new();
        p.flush();
        self.run_int(p)
    }

    pub fn ping(&self) -> PResult<bool> {
        let mut p = Plan::new();
        p.ping();
        self.run_bool(p)
    }

    pub fn pipeline(&self) -> TagCachePipeline {
        TagCachePipeline::new(
            self.client.clone(),
            self.serializer,
            self.allowed.clone(),
            self.compress,
        )
    }

    pub fn close(&self) {
        self.client.close()
    }
}

/* ------------------------------------------------------------------------
 * The methods with scalar or array parameters. ext-php-rs's glue takes
 * exact types only (`$c->get(123)` would be a TypeError even without
 * strict_types), so these are registered by hand, as the tagcache_*
 * functions are: the arginfo declares the real types (`string $key`,
 * `int $by = 1`, `?int $ttlMs = null`) and each body converts its
 * arguments by PHP's rules for internal functions (args.rs).
 * TagCachePipeline shares the signatures and the argument readers.
 * ---------------------------------------------------------------------- */

type This<'a> = &'a mut ZendClassObject<TagCache>;

/// A method's C handler (ext-php-rs's `FunctionHandler`, not exported).
pub(super) type Handler = extern "C" fn(&mut ExecuteData, &mut Zval);

/// The parameter lists of the methods, shared by both classes.
#[derive(Clone, Copy)]
pub(super) enum Sig {
    /// put/set/add: `string $key, mixed $value, array $tags = [], ?int $ttlMs = null`
    Store,
    /// `string $key, mixed $default = null`
    Get,
    /// getMany/mGet/deleteMany: `array $keys`
    Keys,
    /// putMany/mSet: `array $items, array $tags = [], ?int $ttlMs = null`
    Items,
    /// delete/serverForKey: `string $key`
    Key,
    /// `mixed $tags, string $mode = 'any'` (string|array, checked here)
    Invalidate,
    /// invalidateTag/keysByTag: `string $tag`
    Tag,
    /// searchAny/searchAll: `array $tags`
    Tags,
    /// increment/decrement: `string $key, int $by = 1, array $tags = [], ?int $ttlMs = null`
    Counter,
}

/// The declaration of method `name` with parameters `sig`.
pub(super) fn declare(
    name: &str,
    handler: Handler,
    sig: Sig,
    returns: DataType,
) -> (FunctionBuilder<'static>, MethodFlags) {
    use DataType::{Array, Long, Mixed, String as Str};
    let tags = || Arg::new("tags", Array).default("[]");
    let ttl = || Arg::new("ttlMs", Long).allow_null().default("null");
    let (args, required) = match sig {
        Sig::Store => (
            vec![
                Arg::new("key", Str),
                Arg::new("value", Mixed),
                tags(),
                ttl(),
            ],
            2,
        ),
        Sig::Get => (
            vec![
                Arg::new("key", Str),
                Arg::new("default", Mixed).allow_null().default("null"),
            ],
            1,
        ),
        Sig::Keys => (vec![Arg::new("keys", Array)], 1),
        Sig::Items => (vec![Arg::new("items", Array), tags(), ttl()], 1),
        Sig::Key => (vec![Arg::new("key", Str)], 1),
        Sig::Invalidate => (
            vec![
                Arg::new("tags", Mixed),
                Arg::new("mode", Str).default("'any'"),
            ],
            1,
        ),
        Sig::Tag => (vec![Arg::new("tag", Str)], 1),
        Sig::Tags => (vec![Arg::new("tags", Array)], 1),
        Sig::Counter => (
            vec![
                Arg::new("key", Str),
                Arg::new("by", Long).default("1"),
                tags(),
                ttl(),
            ],
            1,
        ),
    };
    let f = args
        .into_iter()
        .fold(FunctionBuilder::new(name, handler), FunctionBuilder::arg)
        .required_args(required)
        .returns(returns, false, false);
    (f, MethodFlags::Public)
}

/// A `string $key` parameter, as bytes (checked when the call is planned:
/// an invalid one is a ValueError, as for the keys of getMany()).
pub(super) fn key_arg<'z>(a: &Args, z: &'z mut Zval, num: u32) -> PResult<&'z [u8]> {
    Ok(a.string(z, num, "key")?.as_bytes())
}

/// A `string $tag` parameter; valid UTF-8.
pub(super) fn tag_arg<'z>(a: &Args, z: &'z mut Zval, num: u32) -> PResult<&'z str> {
    std::str::from_utf8(a.string(z, num, "tag")?.as_bytes())
        .map_err(|_| value_error("tag must be valid UTF-8"))
}

/// `array $tags = []` and `?int $ttlMs = null`, arguments #`num` and
/// #`num + 1`. Both types are checked before the tags' elements, as
/// zend_parse_parameters checks every parameter before the body runs.
pub(super) fn tags_ttl_args(
    a: &Args,
    tags: &Zval,
    ttl: &mut Zval,
    num: u32,
) -> PResult<(Vec<String>, Option<i64>)> {
    let arr = if a.passed(num) {
        Some(a.array(tags, num, "tags")?)
    } else {
        None
    };
    let ttl = a.opt_long(ttl, num + 1, "ttlMs")?;
    let tags = match arr {
        Some(arr) => plan::tag_list(a, arr, num, "tags")?,
        None => Vec::new(),
    };
    Ok((tags, ttl))
}

/// `int $by = 1`, argument #2.
pub(super) fn by_arg(a: &Args, z: &mut Zval) -> PResult<i64> {
    if a.passed(2) {
        a.long(z, 2, "by")
    } else {
        Ok(1)
    }
}

/// `string $mode = 'any'`, argument #2.
pub(super) fn mode_arg(a: &Args, z: &mut Zval) -> PResult<String> {
    if !a.passed(2) {
        return Ok("any".into());
    }
    Ok(String::from_utf8_lossy(a.string(z, 2, "mode")?.as_bytes()).into_owned())
}

/* Each method's call planned from its arguments, the same for both
 * classes: TagCache runs the plan at once, the pipeline keeps it queued. */

/// Plans one call from the arguments of its method.
pub(super) type Planner<const N: usize> =
    fn(&mut Plan, &Args, &mut [Zval; N], Serializer) -> PResult<()>;

/// put/set/add.
pub(super) fn plan_store<const ADD: bool>(
    p: &mut Plan,
    a: &Args,
    [key, value, tags, ttl]: &mut [Zval; 4],
    ser: Serializer,
) -> PResult<()> {
    let key = key_arg(a, key, 1)?;
    let (tags, ttl) = tags_ttl_args(a, tags, ttl, 3)?;
    p.store(ADD, key, value, &tags, ttl, ser)
}

pub(super) fn plan_get(
    p: &mut Plan,
    a: &Args,
    [key, default]: &mut [Zval; 2],
    _: Serializer,
) -> PResult<()> {
    p.get(key_arg(a, key, 1)?, default.shallow_clone())
}

/// getMany/mGet.
pub(super) fn plan_get_many(
    p: &mut Plan,
    a: &Args,
    [keys]: &mut [Zval; 1],
    _: Serializer,
) -> PResult<()> {
    p.get_many(a, a.array(keys, 1, "keys")?)
}

/// putMany/mSet.
pub(super) fn plan_put_many(
    p: &mut Plan,
    a: &Args,
    [items, tags, ttl]: &mut [Zval; 3],
    ser: Serializer,
) -> PResult<()> {
    let items = a.array(items, 1, "items")?;
    let (tags, ttl) = tags_ttl_args(a, tags, ttl, 2)?;
    p.put_many(items, &tags, ttl, ser)
}

pub(super) fn plan_delete(
    p: &mut Plan,
    a: &Args,
    [key]: &mut [Zval; 1],
    _: Serializer,
) -> PResult<()> {
    p.delete(key_arg(a, key, 1)?)
}

pub(super) fn plan_delete_many(
    p: &mut Plan,
    a: &Args,
    [keys]: &mut [Zval; 1],
    _: Serializer,
) -> PResult<()> {
    p.delete_many(a, a.array(keys, 1, "keys")?)
}

/// invalidate(string|array $tags, string $mode = 'any').
pub(super) fn plan_invalidate(
    p: &mut Plan,
    a: &Args,
    [tags, mode]: &mut [Zval; 2],
    _: Serializer,
) -> PResult<()> {
    a.array_or_string(tags, 1, "tags")?;
    let mode = mode_arg(a, mode)?;
    p.invalidate(a, tags.dereference(), &mode)
}

pub(super) fn plan_invalidate_tag(
    p: &mut Plan,
    a: &Args,
    [tag]: &mut [Zval; 1],
    _: Serializer,
) -> PResult<()> {
    p.invalidate_one(tag_arg(a, tag, 1)?)
}

pub(super) fn plan_keys_by_tag(
    p: &mut Plan,
    a: &Args,
    [tag]: &mut [Zval; 1],
    _: Serializer,
) -> PResult<()> {
    p.keys_by_tag(tag_arg(a, tag, 1)?)
}

/// searchAny/searchAll.
pub(super) fn plan_search<const ALL: bool>(
    p: &mut Plan,
    a: &Args,
    [tags]: &mut [Zval; 1],
    _: Serializer,
) -> PResult<()> {
    p.search(a, a.array(tags, 1, "tags")?, ALL)
}

/// increment/decrement.
pub(super) fn plan_counter<const DECR: bool>(
    p: &mut Plan,
    a: &Args,
    [key, by, tags, ttl]: &mut [Zval; 4],
    _: Serializer,
) -> PResult<()> {
    let key = key_arg(a, key, 1)?;
    let by = by_arg(a, by)?;
    let (tags, ttl) = tags_ttl_args(a, tags, ttl, 3)?;
    p.counter(DECR, key, by, &tags, ttl)
}

/// A TagCache method: the call planned, run, its result returned.
fn call<const N: usize>(
    this: This,
    a: &Args,
    z: &mut [Zval; N],
    ret: &mut Zval,
    plan: Planner<N>,
) -> PResult<()> {
    let mut p = Plan::new();
    p.set_compress(this.compress);
    plan(&mut p, a, z, this.serializer)?;
    *ret = this.run(p)?;
    Ok(())
}

/// "host:port" of the server that holds `key` (with one server, that
/// server).
fn server_for_key(this: This, a: &Args, [key]: &mut [Zval; 1], ret: &mut Zval) -> PResult<()> {
    let key = Key::new(key_arg(a, key, 1)?)?;
    let server = this.client.server_for(key.as_bytes()).to_string();
    ret.set_string(&server, false)
        .map_err(|e| tagcache_error(e.to_string()))
}

/// Defines `methods`, the class builder's modifier (`#[php(modifier)]`)
/// that registers the methods with scalar or array parameters of `$class`:
/// for each, an `extern "C"` handler that runs it through
/// `dispatch_method`, declared with the parameters of its `Sig`. The
/// methods both classes have are listed here, each with its planner, which
/// the invoking module's `call(this, args, zvals, ret, planner)` runs;
/// `$returns` maps TagCache's return type to the class's; `$extra` adds a
/// class's own methods, each with its `MethodBody`.
macro_rules! by_hand_methods {
    ($class:ty, $returns:expr, [$($extra:tt)*]) => {
        by_hand_methods!(@list $class, $returns,
            "put" => (2, Store, Bool) |t, a, z, r| call(t, a, z, r, plan_store::<false>);
            "set" => (2, Store, Bool) |t, a, z, r| call(t, a, z, r, plan_store::<false>);
            "add" => (2, Store, Bool) |t, a, z, r| call(t, a, z, r, plan_store::<true>);
            "get" => (1, Get, Mixed) |t, a, z, r| call(t, a, z, r, plan_get);
            "getMany" => (1, Keys, Array) |t, a, z, r| call(t, a, z, r, plan_get_many);
            "mGet" => (1, Keys, Array) |t, a, z, r| call(t, a, z, r, plan_get_many);
            "putMany" => (1, Items, Bool) |t, a, z, r| call(t, a, z, r, plan_put_many);
            "mSet" => (1, Items, Bool) |t, a, z, r| call(t, a, z, r, plan_put_many);
            "delete" => (1, Key, Bool) |t, a, z, r| call(t, a, z, r, plan_delete);
            "deleteMany" => (1, Keys, Long) |t, a, z, r| call(t, a, z, r, plan_delete_many);
            "invalidate" => (1, Invalidate, Long) |t, a, z, r| call(t, a, z, r, plan_invalidate);
            "invalidateTag" => (1, Tag, Long) |t, a, z, r| call(t, a, z, r, plan_invalidate_tag);
            "keysByTag" => (1, Tag, Array) |t, a, z, r| call(t, a, z, r, plan_keys_by_tag);
            "searchAny" => (1, Tags, Array) |t, a, z, r| call(t, a, z, r, plan_search::<false>);
            "searchAll" => (1, Tags, Array) |t, a, z, r| call(t, a, z, r, plan_search::<true>);
            "increment" => (1, Counter, Long) |t, a, z, r| call(t, a, z, r, plan_counter::<false>);
            "decrement" => (1, Counter, Long) |t, a, z, r| call(t, a, z, r, plan_counter::<true>);
            $($extra)*
        );
    };
    (@list $class:ty, $returns:expr,
        $($name:literal => ($min:literal, $sig:ident, $ty:ident) $body:expr;)*) => {
        /// The class builder's modifier: adds the methods registered by
        /// hand.
        fn methods(class: ClassBuilder) -> ClassBuilder {
            let returns: fn(DataType) -> DataType = $returns;
            [$({
                extern "C" fn handler(ex: &mut ExecuteData, ret: &mut Zval) {
                    dispatch_method::<$class, _>(ex, ret, $min, $body)
                }
                declare($name, handler, Sig::$sig, returns(DataType::$ty))
            },)*]
            .into_iter()
            .fold(class, |c, (f, flags)| c.method(f, flags))
        }
    };
}
pub(super) use by_hand_methods;

by_hand_methods!(TagCache, |t| t, [
    "serverForKey" => (1, Key, String) server_for_key;
]);
