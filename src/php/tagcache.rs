//! `TagCache`: the PHP class. Argument checking and result shaping live in
//! plan.rs; the protocol and the pool in client/.

use super::exceptions::{tagcache_error, type_error, value_error};
use super::pipeline::TagCachePipeline;
use super::plan::{Ctx, PhpArray, Plan};
use super::{ffi, values};
use crate::client::codec::Compress;
use crate::client::config::{AllowedClasses, OptValue, Options, Serializer, OPTIONS};
use crate::client::Client;
use ext_php_rs::exception::PhpException;
use ext_php_rs::flags::ClassFlags;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ArrayKey, ZendHashTable, Zval};

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
                        "option '{name}' must list strings, {} found",
                        item.get_type()
                    )))
                }
            }
        }
        return Ok(OptValue::List(l));
    }
    Err(type_error(format!(
        "option '{name}' cannot be of type {}",
        v.get_type()
    )))
}

#[php_class]
#[php(name = "TagCache")]
#[php(flags = ClassFlags::Final)]
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

    #[php(defaults(tags = vec![]))]
    pub fn put(
        &self,
        key: &str,
        value: &Zval,
        tags: Vec<String>,
        ttlMs: Option<i64>,
    ) -> PResult<bool> {
        let mut p = Plan::new();
        p.set_compress(self.compress);
        p.store(false, key, value, &tags, ttlMs, self.serializer)?;
        self.run_bool(p)
    }

    #[php(defaults(tags = vec![]))]
    pub fn set(
        &self,
        key: &str,
        value: &Zval,
        tags: Vec<String>,
        ttlMs: Option<i64>,
    ) -> PResult<bool> {
        self.put(key, value, tags, ttlMs)
    }

    #[php(defaults(tags = vec![]))]
    pub fn add(
        &self,
        key: &str,
        value: &Zval,
        tags: Vec<String>,
        ttlMs: Option<i64>,
    ) -> PResult<bool> {
        let mut p = Plan::new();
        p.set_compress(self.compress);
        p.store(true, key, value, &tags, ttlMs, self.serializer)?;
        self.run_bool(p)
    }

    pub fn get(&self, key: &str, default: Option<&Zval>) -> PResult<Zval> {
        let mut p = Plan::new();
        p.get(key, default.map(Zval::shallow_clone).unwrap_or_default())?;
        self.run(p)
    }

    pub fn get_many(&self, keys: &ZendHashTable) -> PResult<PhpArray> {
        let mut p = Plan::new();
        p.get_many(keys)?;
        self.run_array(p)
    }

    #[php(name = "mGet")]
    pub fn m_get(&self, keys: &ZendHashTable) -> PResult<PhpArray> {
        self.get_many(keys)
    }

    #[php(defaults(tags = vec![]))]
    pub fn put_many(
        &self,
        items: &ZendHashTable,
        tags: Vec<String>,
        ttlMs: Option<i64>,
    ) -> PResult<bool> {
        let mut p = Plan::new();
        p.set_compress(self.compress);
        p.put_many(items, &tags, ttlMs, self.serializer)?;
        self.run_bool(p)
    }

    #[php(name = "mSet")]
    #[php(defaults(tags = vec![]))]
    pub fn m_set(
        &self,
        items: &ZendHashTable,
        tags: Vec<String>,
        ttlMs: Option<i64>,
    ) -> PResult<bool> {
        self.put_many(items, tags, ttlMs)
    }

    pub fn delete(&self, key: &str) -> PResult<bool> {
        let mut p = Plan::new();
        p.delete(key)?;
        self.run_bool(p)
    }

    pub fn delete_many(&self, keys: &ZendHashTable) -> PResult<i64> {
        let mut p = Plan::new();
        p.delete_many(keys)?;
        self.run_int(p)
    }

    #[php(defaults(mode = "\"any\""))]
    pub fn invalidate(&self, tags: &Zval, mode: String) -> PResult<i64> {
        let mut p = Plan::new();
        p.invalidate(tags, &mode)?;
        self.run_int(p)
    }

    pub fn invalidate_tag(&self, tag: &str) -> PResult<i64> {
        let mut p = Plan::new();
        p.invalidate_one(tag)?;
        self.run_int(p)
    }

    pub fn keys_by_tag(&self, tag: &str) -> PResult<PhpArray> {
        let mut p = Plan::new();
        p.keys_by_tag(tag)?;
        self.run_array(p)
    }

    pub fn search_any(&self, tags: &ZendHashTable) -> PResult<PhpArray> {
        let mut p = Plan::new();
        p.search(tags, false)?;
        self.run_array(p)
    }

    pub fn search_all(&self, tags: &ZendHashTable) -> PResult<PhpArray> {
        let mut p = Plan::new();
        p.search(tags, true)?;
        self.run_array(p)
    }

    #[php(defaults(by = 1, tags = vec![]))]
    pub fn increment(
        &self,
        key: &str,
        by: i64,
        tags: Vec<String>,
        ttlMs: Option<i64>,
    ) -> PResult<i64> {
        let mut p = Plan::new();
        p.counter(false, key, by, &tags, ttlMs)?;
        self.run_int(p)
    }

    #[php(defaults(by = 1, tags = vec![]))]
    pub fn decrement(
        &self,
        key: &str,
        by: i64,
        tags: Vec<String>,
        ttlMs: Option<i64>,
    ) -> PResult<i64> {
        let mut p = Plan::new();
        p.counter(true, key, by, &tags, ttlMs)?;
        self.run_int(p)
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

    /// "host:port" of the server that holds `key` (with one server, that
    /// server).
    pub fn server_for_key(&self, key: &str) -> PResult<String> {
        let key = crate::client::protocol::Key::text(key)?;
        Ok(self.client.server_for(key.as_bytes()).to_string())
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
