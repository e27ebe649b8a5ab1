//! `TagCachePipeline`: calls queued on one batch, sent together by
//! `execute()`. Arguments are checked when a call is queued.

use super::args::{dispatch_method, Args};
use super::exceptions::tagcache_error;
use super::plan::{Ctx, Plan};
use super::tagcache::{
    by_hand_methods, declare, plan_counter, plan_delete, plan_delete_many, plan_get, plan_get_many,
    plan_invalidate, plan_invalidate_tag, plan_keys_by_tag, plan_put_many, plan_search, plan_store,
    Planner, Sig,
};
use crate::client::codec::Compress;
use crate::client::config::{AllowedClasses, Serializer};
use crate::client::Client;
use ext_php_rs::builders::ClassBuilder;
use ext_php_rs::convert::IntoZval;
use ext_php_rs::exception::PhpException;
use ext_php_rs::flags::{ClassFlags, DataType};
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendClassObject, Zval};
use ext_php_rs::zend::{ce, ExecuteData};

type PResult<T> = Result<T, PhpException>;
type This<'a> = &'a mut ZendClassObject<TagCachePipeline>;

#[php_class]
#[php(name = "TagCachePipeline")]
#[php(flags = ClassFlags::Final)]
#[php(implements(ce = ce::countable, stub = "\\Countable"))]
#[php(modifier = "methods")]
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
            plan: Plan::with_value_limit(client.options().max_value_bytes),
            client,
            serializer,
            allowed,
            compress,
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

/// The methods without scalar parameters; the others are registered by
/// `methods` below, with TagCache's signatures and argument readers.
#[php_impl]
impl TagCachePipeline {
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
        let fresh = Plan::with_value_limit(self.client.options().max_value_bytes);
        let plan = std::mem::replace(&mut self.plan, fresh);
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

/* The methods with scalar or array parameters (see tagcache.rs): each
 * queues its call and returns the pipeline. */

/// A pipeline method: the call planned and queued, `$this` returned.
fn call<const N: usize>(
    this: This<'_>,
    a: &Args,
    z: &mut [Zval; N],
    ret: &mut Zval,
    plan: Planner<N>,
) -> PResult<()> {
    queue(this, |p, s| plan(p, a, z, s))?
        .set_zval(ret, false)
        .map_err(PhpException::from)
}

by_hand_methods!(
    TagCachePipeline,
    |_| DataType::object("TagCachePipeline"),
    []
);
