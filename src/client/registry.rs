//! Process-wide persistent pools: every `new TagCache(['persistent' => ..])`
//! in any request of a PHP worker (or any thread of a threaded server)
//! shares the pool of each of its servers with every other object that
//! names the same server, id and connection settings. The ketama ring of a
//! server list is kept beside them, so it is built once per list.

use super::config::{Options, ServerAddr};
use super::ketama::Ring;
use super::pool::Pool;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Arc;

#[derive(Default)]
struct Registry {
    pools: HashMap<String, Arc<Pool>>,
    rings: HashMap<String, Arc<Ring>>,
}

/// The registry of one process generation (fork.rs).
struct Gen {
    gen: u64,
    reg: Mutex<Registry>,
}

/// The registry of the current process generation. A forked child makes a
/// fresh, empty one and never takes its parent's lock, which another thread
/// of the parent may have held at the moment of the fork (and then holds
/// for good in the child); the parent's is leaked in the child, its pools
/// still reachable from the objects that hold them (pool.rs renews their
/// own state the same way).
static REG: AtomicPtr<Gen> = AtomicPtr::new(std::ptr::null_mut());

fn registry() -> &'static Mutex<Registry> {
    let me = super::fork::generation();
    loop {
        let p = REG.load(Ordering::Acquire);
        // SAFETY: REG is null or the address of a `Box<Gen>` leaked below:
        // never freed, so valid for the life of the process.
        if let Some(g) = unsafe { p.as_ref() } {
            if g.gen == me {
                return &g.reg;
            }
        }
        let fresh = Box::into_raw(Box::new(Gen {
            gen: me,
            reg: Mutex::new(Registry::default()),
        }));
        if REG
            .compare_exchange(p, fresh, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            // Another thread made it first.
            // SAFETY: `fresh` was made above and never shared.
            drop(unsafe { Box::from_raw(fresh) });
        }
    }
}

/// The persistent pool of `server` for these options, made on first use;
/// None when the options do not ask for one.
pub fn persistent_pool(
    opts: &Options,
    server: &ServerAddr,
    make: impl FnOnce() -> Pool,
) -> Option<Arc<Pool>> {
    let key = opts.persistent_key(server)?;
    let mut reg = registry().lock();
    Some(
        reg.pools
            .entry(key)
            .or_insert_with(|| Arc::new(make()))
            .clone(),
    )
}

/// The ring of a server list: kept while the pools are persistent (one per
/// list and weights), made afresh otherwise.
pub fn ring(persistent: bool, servers: &[ServerAddr]) -> Arc<Ring> {
    let make = || {
        let list: Vec<(&str, u16, u32)> = servers
            .iter()
            .map(|s| (s.host.as_str(), s.port, s.weight))
            .collect();
        Arc::new(Ring::new(&list))
    };
    if !persistent {
        return make();
    }
    let key: String = servers
        .iter()
        .map(|s| format!("{}:{}:{}\t", s.host, s.port, s.weight))
        .collect();
    let mut reg = registry().lock();
    reg.rings.entry(key).or_insert_with(make).clone()
}

/// Closes every persistent pool's idle connections and forgets the pools
/// (MSHUTDOWN): a host that stops PHP and starts it again in the same
/// process (an embed SAPI) must not keep the old sockets open.
pub fn close_all() {
    let pools: Vec<Arc<Pool>> = {
        let mut reg = registry().lock();
        reg.rings.clear();
        reg.pools.drain().map(|(_, p)| p).collect()
    };
    for p in pools {
        p.close_idle();
    }
}

/// How many persistent pools exist, and their connections open.
pub fn summary() -> (usize, usize) {
    let reg = registry().lock();
    let open = reg.pools.values().map(|p| p.stats().open).sum();
    (reg.pools.len(), open)
}
