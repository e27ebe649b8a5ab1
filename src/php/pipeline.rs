//! `TagCachePipeline`: calls queued on one batch, sent together by
//! `execute()`. Arguments are checked when a call is queued.

use super::exceptions::tagcache_error;
use super::plan::{Ctx, Plan};
use crate::client::codec::Compress;
use crate::client::config::{AllowedClasses, Serializer};
use crate::client::Client;
use ext_php_rs::exception::PhpException;
use ext_php_rs::flags::ClassFlags;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendClassObject, ZendHashTable, Zval};
use ext_php_rs::zend::ce;

type PResult<T> = Result<T, PhpException>;
type This<'a> = &'a mut ZendClassObject<TagCachePipeline>;

#[php_class]
#[php(name = "TagCachePipeline")]
#[php(flags = ClassFlags::Final)]
#[php(implements(ce = ce::countable, stub = "\\Countable"))]
pub struct TagCachePipeline {
    client: Client,
    serializer: Serializer,
    allowed: AllowedClasses,
    compress: Compress,
    plan: Plan,
    /// A call is running (it may run user code: serializers); the same
    /// pipeline used from inside it throws instead of touching the plan.
    busy: bool,
}

impl TagCachePipeline {
    pub fn new(
        client: Client,
        serializer: Serializer,
        allowed: AllowedClasses,
        compress: Compress,
    ) -> Self {
        TagCachePipeline {
            client,
            serializer,
            allowed,
            compress,
            plan: Plan::new(),
            busy: false,
        }
    }
}

fn busy_error() -> PhpException {
    tagcache_error(
        "this TagCachePipeline is in the middle of a call (a serializer callback cannot use it)",
    )
}

/// Queues one call. The plan is taken out while `f` runs, since encoding a
/// value may run user code (__serialize, __sleep) that could reach this
/// same pipeline: such a call throws, and cannot see a half-written line.
fn queue<'a>(
    this: This<'a>,
    f: impl FnOnce(&mut Plan, Serializer) -> PResult<()>,
) -> PResult<This<'a>> {
    if this.busy {
        return Err(busy_error());
    }
    let ser = this.serializer;
    let mut plan = std::mem::take(&mut this.plan);
    plan.set_compress(this.compress);
    this.busy = true;
    let r = f(&mut plan, ser);
    this.busy = false;
    this.plan = plan;
    r?;
    Ok(this)
}

#[php_impl]
impl TagCachePipeline {
    #[php(defaults(tags = vec![]))]
    pub fn put<'a>(
        self_: This<'a>,
        key: &str,
        value: &Zval,
        tags: Vec<String>,
        ttlMs: Option<i64>,
    ) -> PResult<This<'a>> {
        queue(self_, |p, s| p.store(false, key, value, &tags, ttlMs, s))
    }

    #[php(defaults(tags = vec![]))]
    pub fn set<'a>(
        self_: This<'a>,
        key: &str,
        value: &Zval,
        tags: Vec<String>,
        ttlMs: Option<i64>,
    ) -> PResult<This<'a>> {
        Self::put(self_, key, value, tags, ttlMs)
    }

    #[php(defaults(tags = vec![]))]
    pub fn add<'a>(
        self_: This<'a>,
        key: &str,
        value: &Zval,
        tags: Vec<String>,
        ttlMs: Option<i64>,
    ) -> PResult<This<'a>> {
        queue(self_, |p, s| p.store(true, key, value, &tags, ttlMs, s))
    }

    pub fn get<'a>(self_: This<'a>, key: &str, default: Option<&Zval>) -> PResult<This<'a>> {
        queue(self_, |p, _| {
            p.get(key, default.map(Zval::shallow_clone).unwrap_or_default())
        })
    }

    pub fn get_many<'a>(self_: This<'a>, keys: &ZendHashTable) -> PResult<This<'a>> {
        queue(self_, |p, _| p.get_many(keys))
    }

    #[php(name = "mGet")]
    pub fn m_get<'a>(self_: This<'a>, keys: &ZendHashTable) -> PResult<This<'a>> {
        Self::get_many(self_, keys)
    }

    #[php(defaults(tags = vec![]))]
    #[php(name = "mSet")]
    pub fn m_set<'a>(
        self_: This<'a>,
        items: &ZendHashTable,
        tags: Vec<String>,
        ttlMs: Option<i64>,
    ) -> PResult<This<'a>> {
        Self::put_many(self_, items, tags, ttlMs)
    }

    #[php(defaults(tags = vec![]))]
    pub fn put_many<'a>(
        self_: This<'a>,
        items: &ZendHashTable,
        tags: Vec<String>,
        ttlMs: Option<i64>,
    ) -> PResult<This<'a>> {
        queue(self_, |p, s| p.put_many(items, &tags, ttlMs, s))
    }

    pub fn delete<'a>(self_: This<'a>, key: &str) -> PResult<This<'a>> {
        queue(self_, |p, _| p.delete(key))
    }

    pub fn delete_many<'a>(self_: This<'a>, keys: &ZendHashTable) -> PResult<This<'a>> {
        queue(self_, |p, _| p.delete_many(keys))
    }

    #[php(defaults(mode = "\"any\""))]
    pub fn invalidate<'a>(self_: This<'a>, tags: &Zval, mode: String) -> PResult<This<'a>> {
        queue(self_, |p, _| p.invalidate(tags, &mode))
    }

    pub fn invalidate_tag<'a>(self_: This<'a>, tag: &str) -> PResult<This<'a>> {
        queue(self_, |p, _| p.invalidate_one(tag))
    }

    pub fn keys_by_tag<'a>(self_: This<'a>, tag: &str) -> PResult<This<'a>> {
        queue(self_, |p, _| p.keys_by_tag(tag))
    }

    pub fn search_any<'a>(self_: This<'a>, tags: &ZendHashTable) -> PResult<This<'a>> {
        queue(self_, |p, _| p.search(tags, false))
    }

    pub fn search_all<'a>(self_: This<'a>, tags: &ZendHashTable) -> PResult<This<'a>> {
        queue(self_, |p, _| p.search(tags, true))
    }

    #[php(defaults(by = 1, tags = vec![]))]
    pub fn increment<'a>(
        self_: This<'a>,
        key: &str,
        by: i64,
        tags: Vec<String>,
        ttlMs: Option<i64>,
    ) -> PResult<This<'a>> {
        queue(self_, |p, _| p.counter(false, key, by, &tags, ttlMs))
    }

    #[php(defaults(by = 1, tags = vec![]))]
    pub fn decrement<'a>(
        self_: This<'a>,
        key: &str,
        by: i64,
        tags: Vec<String>,
        ttlMs: Option<i64>,
    ) -> PResult<This<'a>> {
        queue(self_, |p, _| p.counter(true, key, by, &tags, ttlMs))
    }

    pub fn stats(self_: This<'_>) -> PResult<This<'_>> {
        queue(self_, |p, _| {
            p.stats();
            Ok(())
        })
    }

    pub fn flush(self_: This<'_>) -> PResult<This<'_>> {
        queue(self_, |p, _| {
            p.flush();
            Ok(())
        })
    }

    pub fn ping(self_: This<'_>) -> PResult<This<'_>> {
        queue(self_, |p, _| {
            p.ping();
            Ok(())
        })
    }

    /// Sends every queued call; one result per call, in order. The queue is
    /// empty afterwards, whatever happened.
    pub fn execute(&mut self) -> PResult<Vec<Zval>> {
        if self.busy {
            return Err(busy_error());
        }
        let plan = std::mem::take(&mut self.plan);
        let ctx = Ctx {
            allowed: &self.allowed,
            client: &self.client,
        };
        plan.run_all(&self.client, &ctx)
    }

    pub fn count(&self) -> i64 {
        self.plan.len() as i64
    }
}
