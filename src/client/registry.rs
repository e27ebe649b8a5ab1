//! Process-wide persistent pools: every `new TagCache(['persistent' => ..])`
//! with the same address, id and connection settings in any request of a
//! PHP worker shares one pool.

use super::config::Options;
use super::pool::Pool;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

fn registry() -> &'static Mutex<HashMap<String, Arc<Pool>>> {
    static REG: OnceLock<Mutex<HashMap<String, Arc<Pool>>>> = OnceLock::new();
    REG.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The persistent pool for these options, made on first use; None when the
/// options do not ask for one.
pub fn persistent_pool(opts: &Options, make: impl FnOnce() -> Pool) -> Option<Arc<Pool>> {
    let base = opts.persistent_key()?;
    // Settings fixed at connect time are part of the key, so a pool never
    // serves connections made with other settings.
    let key = format!(
        "{base}\t{}\t{}\t{}",
        opts.connect_timeout_ms, opts.tcp_keepalive, opts.max_value_bytes
    );
    let mut reg = registry().lock();
    Some(reg.entry(key).or_insert_with(|| Arc::new(make())).clone())
}

/// Closes every persistent pool, at module shutdown: their idle sockets
/// would otherwise stay open in a process that shuts PHP down and goes on
/// (an embedding host, a SAPI that restarts PHP). A later start makes new
/// pools.
pub fn close_all() {
    let pools: Vec<Arc<Pool>> = registry().lock().drain().map(|(_, p)| p).collect();
    for p in pools {
        p.close_idle();
    }
}

/// How many persistent pools exist, and their connections open.
pub fn summary() -> (usize, usize) {
    let reg = registry().lock();
    let open = reg.values().map(|p| p.stats().open).sum();
    (reg.len(), open)
}
