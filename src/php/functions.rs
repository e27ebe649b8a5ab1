//! The procedural API of the C extension published with the TagCache server
//! (`tagcache_create()`, `tagcache_put()`, ...), so code written for it runs
//! unchanged.
//!
//! The handle is a `TagCache` object (PHP 8 turned resources into objects
//! the same way: `CurlHandle`). Each function checks and coerces its
//! arguments by PHP's rules (args.rs), then calls the object's method
//! through PHP, so it does exactly what the class does. The C extension's
//! way of failing is kept: a connection or server failure (any
//! `TagCacheException`) becomes the documented false/null/0 return plus one
//! E_WARNING with the exception's message; TypeError, ValueError and
//! exceptions from user code (`__wakeup`, serializer callbacks) propagate.
//!
//! Registered with `FunctionBuilder` by hand rather than `#[php_function]`,
//! so the arginfo declares the real parameter types (`string $key`,
//! `?int $ttl_ms`) while the handler does the coercion itself.

use super::args::{run_body, Args, PResult};
use super::session;
use ext_php_rs::args::Arg;
use ext_php_rs::builders::{FunctionBuilder, ModuleBuilder};
use ext_php_rs::convert::IntoZvalDyn;
use ext_php_rs::error::php_error;
use ext_php_rs::exception::PhpException;
use ext_php_rs::ffi::zend_wrong_parameters_count_error;
use ext_php_rs::flags::{DataType, ErrorType};
use ext_php_rs::types::{ArrayKey, ZendCallable, ZendHashTable, Zval};
use ext_php_rs::zend::{ce, ClassEntry, ExecuteData, ExecutorGlobals};

/// The body of a function: its checked argument rules, every declared
/// argument (missing optional ones are null), and the return value.
type Body = fn(&Args, &mut [Zval], &mut Zval) -> PResult<()>;

/// Runs `body` for the call in `ex`: argument count, owned copies of the
/// arguments, panics kept from unwinding into the engine, errors thrown.
pub fn dispatch(ex: &mut ExecuteData, ret: &mut Zval, min: u32, max: u32, body: Body) {
    let args = Args::current();
    // SAFETY: `This.u2.num_args` of a live frame is the number of arguments
    // passed (every member of the `u2` union is a u32).
    let n = unsafe { ex.This.u2.num_args };
    if n < min || n > max {
        // SAFETY: called from the running internal function; the engine
        // throws the ArgumentCountError for it.
        unsafe { zend_wrong_parameters_count_error(min, max) };
        return;
    }
    let mut zvals: Vec<Zval> = Vec::with_capacity(max as usize);
    for i in 0..n as usize {
        // SAFETY: i < num_args, so the slot holds an initialised argument
        // that lives as long as the frame; we only take a counted copy.
        let z = unsafe { ex.zend_call_arg(i) };
        zvals.push(z.map(|z| z.shallow_clone()).unwrap_or_default());
    }
    while zvals.len() < max as usize {
        let mut z = Zval::new();
        z.set_null();
        zvals.push(z);
    }
    ret.set_null();
    run_body(&args, || body(&args, &mut zvals, ret));
}

/// An exception is pending in the engine: the returned value is never
/// thrown (`PhpException::throw` keeps the pending one).
fn pending() -> PhpException {
    PhpException::new("exception pending".into(), 0, ce::exception())
}

fn is_pending_tagcache_exception() -> bool {
    let Some(base) = ClassEntry::try_find("TagCacheException") else {
        return false;
    };
    ExecutorGlobals::get()
        .exception()
        .is_some_and(|e| e.instance_of(base))
}

/// Emits an E_WARNING for the running function (`f(): message`).
pub fn warn(msg: &str) {
    php_error(&ErrorType::Warning, &msg.replace('\0', "\\0"));
}

/// Calls `$handle->method(...params)`. `Ok(None)`: it threw a
/// TagCacheException, which was turned into a warning.
pub fn call_method(
    handle: &Zval,
    method: &str,
    params: Vec<&dyn IntoZvalDyn>,
) -> PResult<Option<Zval>> {
    let Some(obj) = handle.object() else {
        return Err(PhpException::new(
            "tagcache handle is not an object".into(),
            0,
            ce::type_error(),
        ));
    };
    let r = obj.try_call_method(method, params);
    if ExecutorGlobals::has_exception() {
        if !is_pending_tagcache_exception() {
            return Err(pending());
        }
        let msg = ExecutorGlobals::take_exception()
            .and_then(|e| e.try_call_method("getMessage", vec![]).ok())
            .and_then(|m| m.string())
            .unwrap_or_else(|| "TagCache operation failed".into());
        warn(&msg);
        if ExecutorGlobals::has_exception() {
            // A user error handler threw from the warning.
            return Err(pending());
        }
        return Ok(None);
    }
    r.map(Some).map_err(|e| {
        PhpException::new(
            format!("cannot call TagCache::{method}(): {e}"),
            0,
            ce::error(),
        )
    })
}

/// Argument 1 of every handle function.
fn handle(a: &Args, z: &Zval) -> PResult<Zval> {
    Ok(a.object_of(z, 1, "handle", "TagCache")?.shallow_clone())
}

/// A key or tag: a string by PHP's rules, and valid UTF-8 (the protocol
/// line must be) as a ValueError, as the class's batch calls report it.
fn text(a: &Args, z: &mut Zval, num: u32, name: &str) -> PResult<String> {
    let s = a.string(z, num, name)?;
    std::str::from_utf8(s.as_bytes())
        .map(str::to_owned)
        .map_err(|_| a.value_error(num, name, "must be valid UTF-8"))
}

/// A list of tags or keys, element by element as the `TagCache` methods
/// take them (`Args::string_elem`): a string, an int as its decimal text,
/// and in the coercive mode what a string parameter accepts; each must be
/// valid UTF-8.
fn text_list(a: &Args, arr: &ZendHashTable, num: u32, name: &str) -> PResult<Vec<String>> {
    let mut out = Vec::with_capacity(arr.len());
    for v in arr.values() {
        let s = a.string_elem(v, num, name, |b| std::str::from_utf8(b).map(str::to_owned))?;
        out.push(s.map_err(|_| a.value_error(num, name, "must contain only valid UTF-8 strings"))?);
    }
    Ok(out)
}

/// The C extension sends a TTL only when it is > 0: 0, negative or null
/// all mean "no expiry" for these functions.
fn c_ttl(t: Option<i64>) -> Option<i64> {
    t.filter(|t| *t > 0)
}

fn set_array(ret: &mut Zval, v: Zval) {
    if v.is_array() {
        *ret = v;
    } else {
        ret.set_hashtable(ZendHashTable::new());
    }
}

/* ------------------------------------------------------------ the bodies */

/// The C extension's option names that select its transports and socket
/// tuning. This client has one transport (TCP, pooled, pipelined) and sets
/// its sockets itself, so they are accepted and have no effect.
pub const IGNORED_OPTIONS: &[&str] = &[
    "mode",
    "http_base",
    "enable_pipelining",
    "pipeline_depth",
    "enable_async_io",
    "enable_keep_alive",
    "keep_alive_idle",
    "keep_alive_interval",
    "keep_alive_count",
    "keep_alive",
    "tcp_nodelay",
    "timeout",
    "serialize_format",
];

const INT_OPTIONS: &[&str] = &["port", "timeout_ms", "connect_timeout_ms", "pool_size"];

/// The C extension's options array as this extension's.
fn map_options(a: &Args, opts: &ZendHashTable) -> PResult<Zval> {
    let mut out = ZendHashTable::new();
    let err = |e: ext_php_rs::error::Error| PhpException::new(e.to_string(), 0, ce::error());
    for (k, v) in opts.iter() {
        let name = match &k {
            ArrayKey::Long(i) => {
                out.insert_at_index(*i, v.shallow_clone()).map_err(err)?;
                continue;
            }
            ArrayKey::String(s) => s.clone(),
            ArrayKey::Str(s) => (*s).to_string(),
            ArrayKey::ZendString(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
        };
        if IGNORED_OPTIONS.contains(&name.as_str()) {
            continue;
        }
        let v = v.dereference();
        let mapped = if name == "serializer" && v.is_string() {
            // The C extension matched case-insensitively; 'native' stored
            // scalars as plain text, which every serializer here does too.
            let s = v.string().unwrap_or_default().to_ascii_lowercase();
            let s = if s == "native" { "php".to_string() } else { s };
            let mut z = Zval::new();
            z.set_string(&s, false).map_err(err)?;
            z
        } else if INT_OPTIONS.contains(&name.as_str()) && v.is_string() && !a.strict {
            // The C extension read these as ints; accept numeric text.
            let s = v.string().unwrap_or_default();
            match s.trim().parse::<i64>() {
                Ok(i) => {
                    let mut z = Zval::new();
                    z.set_long(i);
                    z
                }
                Err(_) => v.shallow_clone(),
            }
        } else {
            v.shallow_clone()
        };
        out.insert(name.as_str(), mapped).map_err(err)?;
    }
    let mut z = Zval::new();
    z.set_hashtable(out);
    Ok(z)
}

fn f_create(a: &Args, z: &mut [Zval], ret: &mut Zval) -> PResult<()> {
    let opts = match a.opt_array(&z[0], 1, "options")? {
        Some(o) => map_options(a, o)?,
        None => {
            let mut e = Zval::new();
            e.set_hashtable(ZendHashTable::new());
            e
        }
    };
    let create = ZendCallable::try_from_name("TagCache::create").map_err(|e| {
        PhpException::new(format!("TagCache::create() not found: {e}"), 0, ce::error())
    })?;
    match create.try_call(vec![&opts]) {
        Ok(v) if !ExecutorGlobals::has_exception() => {
            *ret = v;
            Ok(())
        }
        _ => Err(pending()),
    }
}

fn f_put(a: &Args, z: &mut [Zval], ret: &mut Zval) -> PResult<()> {
    let h = handle(a, &z[0])?;
    let key = text(a, &mut z[1], 2, "key")?;
    let tags = match a.opt_array(&z[3], 4, "tags")? {
        Some(t) => text_list(a, t, 4, "tags")?,
        None => vec![],
    };
    let ttl = c_ttl(a.opt_long(&mut z[4], 5, "ttl_ms")?);
    let value = z[2].shallow_clone();
    let r = call_method(&h, "put", vec![&key, &value, &tags, &ttl])?;
    ret.set_bool(r.is_some_and(|v| v.is_true()));
    Ok(())
}

fn f_get(a: &Args, z: &mut [Zval], ret: &mut Zval) -> PResult<()> {
    let h = handle(a, &z[0])?;
    let key = text(a, &mut z[1], 2, "key")?;
    if let Some(v) = call_method(&h, "get", vec![&key])? {
        *ret = v;
    }
    Ok(())
}

fn f_delete(a: &Args, z: &mut [Zval], ret: &mut Zval) -> PResult<()> {
    let h = handle(a, &z[0])?;
    let key = text(a, &mut z[1], 2, "key")?;
    let r = call_method(&h, "delete", vec![&key])?;
    ret.set_bool(r.is_some_and(|v| v.is_true()));
    Ok(())
}

fn set_count(ret: &mut Zval, r: Option<Zval>) {
    ret.set_long(r.and_then(|v| v.long()).unwrap_or(0));
}

fn f_invalidate_tag(a: &Args, z: &mut [Zval], ret: &mut Zval) -> PResult<()> {
    let h = handle(a, &z[0])?;
    let tag = text(a, &mut z[1], 2, "tag")?;
    set_count(ret, call_method(&h, "invalidateTag", vec![&tag])?);
    Ok(())
}

fn invalidate_tags(a: &Args, z: &mut [Zval], ret: &mut Zval, mode: &str) -> PResult<()> {
    let h = handle(a, &z[0])?;
    let tags = text_list(a, a.array(&z[1], 2, "tags")?, 2, "tags")?;
    if tags.is_empty() {
        // The C extension sent an empty list and read 0 from the error.
        ret.set_long(0);
        return Ok(());
    }
    let mode = mode.to_string();
    set_count(ret, call_method(&h, "invalidate", vec![&tags, &mode])?);
    Ok(())
}

fn f_invalidate_tags_any(a: &Args, z: &mut [Zval], ret: &mut Zval) -> PResult<()> {
    invalidate_tags(a, z, ret, "any")
}

fn f_invalidate_tags_all(a: &Args, z: &mut [Zval], ret: &mut Zval) -> PResult<()> {
    invalidate_tags(a, z, ret, "all")
}

fn f_invalidate_keys(a: &Args, z: &mut [Zval], ret: &mut Zval) -> PResult<()> {
    let h = handle(a, &z[0])?;
    let keys = text_list(a, a.array(&z[1], 2, "keys")?, 2, "keys")?;
    if keys.is_empty() {
        ret.set_long(0);
        return Ok(());
    }
    set_count(ret, call_method(&h, "deleteMany", vec![&keys])?);
    Ok(())
}

fn f_keys_by_tag(a: &Args, z: &mut [Zval], ret: &mut Zval) -> PResult<()> {
    let h = handle(a, &z[0])?;
    let tag = text(a, &mut z[1], 2, "tag")?;
    if let Some(v) = call_method(&h, "keysByTag", vec![&tag])? {
        set_array(ret, v);
    }
    Ok(())
}

fn f_bulk_get(a: &Args, z: &mut [Zval], ret: &mut Zval) -> PResult<()> {
    let h = handle(a, &z[0])?;
    let keys = a.array(&z[1], 2, "keys")?;
    if keys.is_empty() {
        ret.set_hashtable(ZendHashTable::new());
        return Ok(());
    }
    let keys = z[1].shallow_clone();
    match call_method(&h, "getMany", vec![&keys])? {
        Some(v) => set_array(ret, v),
        // As the C extension: the hits found so far, here none.
        None => ret.set_hashtable(ZendHashTable::new()),
    }
    Ok(())
}

fn f_bulk_put(a: &Args, z: &mut [Zval], ret: &mut Zval) -> PResult<()> {
    let h = handle(a, &z[0])?;
    let n = a.array(&z[1], 2, "items")?.len() as i64;
    let ttl = c_ttl(a.opt_long(&mut z[2], 3, "ttl_ms")?);
    if n == 0 {
        ret.set_long(0);
        return Ok(());
    }
    let items = z[1].shallow_clone();
    let tags: Vec<String> = vec![];
    let r = call_method(&h, "putMany", vec![&items, &tags, &ttl])?;
    ret.set_long(if r.is_some_and(|v| v.is_true()) { n } else { 0 });
    Ok(())
}

fn f_stats(a: &Args, z: &mut [Zval], ret: &mut Zval) -> PResult<()> {
    let h = handle(a, &z[0])?;
    if let Some(mut v) = call_method(&h, "stats", vec![])? {
        if let Some(ht) = v.array_mut() {
            // The C extension's stats() named its transport.
            let _ = ht.insert("transport", "tcp");
        }
        set_array(ret, v);
    }
    Ok(())
}

fn f_flush(a: &Args, z: &mut [Zval], ret: &mut Zval) -> PResult<()> {
    let h = handle(a, &z[0])?;
    set_count(ret, call_method(&h, "flush", vec![])?);
    Ok(())
}

fn search(a: &Args, z: &mut [Zval], ret: &mut Zval, method: &str) -> PResult<()> {
    let h = handle(a, &z[0])?;
    let tags = text_list(a, a.array(&z[1], 2, "tags")?, 2, "tags")?;
    if tags.is_empty() {
        ret.set_hashtable(ZendHashTable::new());
        return Ok(());
    }
    if let Some(v) = call_method(&h, method, vec![&tags])? {
        set_array(ret, v);
    }
    Ok(())
}

fn f_search_any(a: &Args, z: &mut [Zval], ret: &mut Zval) -> PResult<()> {
    search(a, z, ret, "searchAny")
}

fn f_search_all(a: &Args, z: &mut [Zval], ret: &mut Zval) -> PResult<()> {
    search(a, z, ret, "searchAll")
}

fn f_close(a: &Args, z: &mut [Zval], _ret: &mut Zval) -> PResult<()> {
    let h = handle(a, &z[0])?;
    call_method(&h, "close", vec![])?;
    Ok(())
}

/* ------------------------------------------------------------ registration */

macro_rules! handler {
    ($name:ident, $min:expr, $max:expr, $body:path) => {
        extern "C" fn $name(ex: &mut ExecuteData, ret: &mut Zval) {
            dispatch(ex, ret, $min, $max, $body)
        }
    };
}

handler!(h_create, 0, 1, f_create);
handler!(h_put, 3, 5, f_put);
handler!(h_get, 2, 2, f_get);
handler!(h_delete, 2, 2, f_delete);
handler!(h_invalidate_tag, 2, 2, f_invalidate_tag);
handler!(h_invalidate_tags_any, 2, 2, f_invalidate_tags_any);
handler!(h_invalidate_tags_all, 2, 2, f_invalidate_tags_all);
handler!(h_invalidate_keys, 2, 2, f_invalidate_keys);
handler!(h_keys_by_tag, 2, 2, f_keys_by_tag);
handler!(h_bulk_get, 2, 2, f_bulk_get);
handler!(h_bulk_put, 2, 3, f_bulk_put);
handler!(h_stats, 1, 1, f_stats);
handler!(h_flush, 1, 1, f_flush);
handler!(h_search_any, 2, 2, f_search_any);
handler!(h_search_all, 2, 2, f_search_all);
handler!(h_close, 1, 1, f_close);

const TAGCACHE: DataType = DataType::object("TagCache");

fn handle_arg() -> Arg<'static> {
    Arg::new("handle", TAGCACHE)
}

fn opt(name: &str, ty: DataType) -> Arg<'static> {
    Arg::new(name, ty).allow_null().default("null")
}

/// Every function of this module, for the module builder.
pub fn register(module: ModuleBuilder) -> ModuleBuilder {
    use DataType::{Array, Bool, Long, Mixed, Null, String as Str};
    let s = |name: &str| Arg::new(name, Str);
    let arr = |name: &str| Arg::new(name, Array);
    let fns = vec![
        FunctionBuilder::new("tagcache_create", h_create)
            .arg(opt("options", Array))
            .not_required()
            .returns(TAGCACHE, false, false),
        FunctionBuilder::new("tagcache_put", h_put)
            .arg(handle_arg())
            .arg(s("key"))
            .arg(Arg::new("value", Mixed))
            .arg(opt("tags", Array))
            .arg(opt("ttl_ms", Long))
            .required_args(3)
            .returns(Bool, false, false),
        FunctionBuilder::new("tagcache_get", h_get)
            .arg(handle_arg())
            .arg(s("key"))
            .returns(Mixed, false, false),
        FunctionBuilder::new("tagcache_delete", h_delete)
            .arg(handle_arg())
            .arg(s("key"))
            .returns(Bool, false, false),
        FunctionBuilder::new("tagcache_invalidate_tag", h_invalidate_tag)
            .arg(handle_arg())
            .arg(s("tag"))
            .returns(Long, false, false),
        FunctionBuilder::new("tagcache_invalidate_tags_any", h_invalidate_tags_any)
            .arg(handle_arg())
            .arg(arr("tags"))
            .returns(Long, false, false),
        FunctionBuilder::new("tagcache_invalidate_tags_all", h_invalidate_tags_all)
            .arg(handle_arg())
            .arg(arr("tags"))
            .returns(Long, false, false),
        FunctionBuilder::new("tagcache_invalidate_keys", h_invalidate_keys)
            .arg(handle_arg())
            .arg(arr("keys"))
            .returns(Long, false, false),
        FunctionBuilder::new("tagcache_keys_by_tag", h_keys_by_tag)
            .arg(handle_arg())
            .arg(s("tag"))
            .returns(Array, false, true),
        FunctionBuilder::new("tagcache_bulk_get", h_bulk_get)
            .arg(handle_arg())
            .arg(arr("keys"))
            .returns(Array, false, false),
        FunctionBuilder::new("tagcache_bulk_put", h_bulk_put)
            .arg(handle_arg())
            .arg(arr("items"))
            .arg(opt("ttl_ms", Long))
            .required_args(2)
            .returns(Long, false, false),
        FunctionBuilder::new("tagcache_stats", h_stats)
            .arg(handle_arg())
            .returns(Array, false, true),
        FunctionBuilder::new("tagcache_flush", h_flush)
            .arg(handle_arg())
            .returns(Long, false, false),
        FunctionBuilder::new("tagcache_search_any", h_search_any)
            .arg(handle_arg())
            .arg(arr("tags"))
            .returns(Array, false, true),
        FunctionBuilder::new("tagcache_search_all", h_search_all)
            .arg(handle_arg())
            .arg(arr("tags"))
            .returns(Array, false, true),
        FunctionBuilder::new("tagcache_close", h_close)
            .arg(handle_arg())
            .returns(Null, false, false),
    ];
    fns.into_iter()
        .chain(session::functions())
        .fold(module, |m, f| m.function(f))
}
