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
use std::sync::{Arc, OnceLock};

#[derive(Default)]
struct Registry {
    pools: HashMap<String, Arc<Pool>>,
    rings: HashMap<String, Arc<Ring>>,
}

fn registry() -> &'static Mutex<Registry> {
    static REG: OnceLock<Mutex<Registry>> = OnceLock::new();
    REG.get_or_init(|| Mutex::new(Registry::default()))
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
