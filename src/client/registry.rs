//! Process-wide persistent pools: every `new TagCache(['persistent' => ..])`
//! with the same address, id and connection settings in any request of a
//! PHP worker shares one pool.

use super::config::Options;
use super::pool::Pool;
use parking_lot::{Condvar, Mutex};
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicPtr, AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};

type Registry = Mutex<HashMap<String, Arc<Pool>>>;

static REG: OnceLock<Registry> = OnceLock::new();

thread_local! {
    /// Set on the forking thread between fork_prepare and fork_release.
    static FORK_HELD: Cell<bool> = const { Cell::new(false) };
}

fn registry() -> &'static Registry {
    REG.get_or_init(|| {
        // SAFETY: the handlers only take and release this module's locks
        // (see fork_prepare); glibc drops them if this object is unloaded.
        unsafe {
            libc::pthread_atfork(
                Some(fork_prepare),
                Some(fork_release_parent),
                Some(fork_release_child),
            );
        }
        Mutex::new(HashMap::new())
    })
}

/// Makes the registry and registers its fork handlers: at MINIT, while PHP
/// has one thread.
pub fn init() {
    registry();
}

/// Before fork() (pcntl_fork, proc_open): takes the registry lock and every
/// persistent pool's state lock, so that no other thread holds one at the
/// moment of the fork. The child has only the forking thread: a lock held
/// there by any other thread would stay held forever, and the child's first
/// call on that pool would hang on it.
extern "C" fn fork_prepare() {
    let Some(reg) = REG.get() else { return };
    let map = reg.lock();
    for p in map.values() {
        p.lock_for_fork();
    }
    std::mem::forget(map);
    FORK_HELD.with(|h| h.set(true));
}

/// After fork(), in the parent: releases what fork_prepare took.
extern "C" fn fork_release_parent() {
    if !FORK_HELD.with(|h| h.replace(false)) {
        return;
    }
    let Some(reg) = REG.get() else { return };
    // SAFETY: fork_prepare, on this thread, took the registry lock and the
    // state lock of every pool in it and kept them; the map cannot have
    // changed since.
    unsafe {
        for p in (*reg.data_ptr()).values() {
            p.unlock_after_fork();
        }
        reg.force_unlock();
    }
}

/// After fork(), in the child: releases the same locks for good.
extern "C" fn fork_release_child() {
    if !FORK_HELD.with(|h| h.replace(false)) {
        return;
    }
    let Some(reg) = REG.get() else { return };
    // SAFETY: the child's only thread is this one, which holds every one of
    // these locks (fork_prepare).
    unsafe {
        for p in (*reg.data_ptr()).values() {
            p.unlock_in_child();
        }
        unlock_in_child(reg);
    }
}

/// Unlocks `m`, held by this thread, in the child of a fork, by putting
/// its state back to "unlocked, nobody queued". An unlock through
/// parking_lot is not safe here: the parent's threads queued for the lock
/// do not exist in the child, a fair unlock may hand the lock to one of
/// them (held for good), and the queue's own bucket locks may have been
/// held by a thread of the parent at the moment of the fork (the child
/// waits on them forever). Both were seen, in about 1 fork in 12 and in
/// 1 in 800 (tests/fork_threads.rs).
///
/// parking_lot's raw mutex is one atomic byte, 0 when unlocked with no
/// thread parked (checked at compile time below).
///
/// # Safety
/// Only in the child of a fork, on its only thread, while it holds `m`.
pub(crate) unsafe fn unlock_in_child<T>(m: &Mutex<T>) {
    const _: () = assert!(
        std::mem::size_of::<parking_lot::RawMutex>() == 1
            && std::mem::align_of::<parking_lot::RawMutex>() == 1
    );
    // SAFETY: the raw mutex is a single AtomicU8 (size and alignment
    // checked above), so it may be viewed as one; nothing else in this
    // process uses it (the caller's guarantee).
    unsafe {
        let state = &*(m.raw() as *const parking_lot::RawMutex as *const AtomicU8);
        state.store(0, Ordering::Release);
    }
}

/// Forgets the parent's threads waiting on `c`, in the child of a fork (as
/// unlock_in_child, and for the same reasons): parking_lot's condvar is
/// one atomic pointer, null when nobody waits.
///
/// # Safety
/// Only in the child of a fork, on its only thread.
pub(crate) unsafe fn forget_waiters_in_child(c: &Condvar) {
    const _: () = assert!(
        std::mem::size_of::<Condvar>() == std::mem::size_of::<AtomicPtr<()>>()
            && std::mem::align_of::<Condvar>() == std::mem::align_of::<AtomicPtr<()>>()
    );
    // SAFETY: as above, for the condvar's single AtomicPtr.
    unsafe {
        let state = &*(c as *const Condvar as *const AtomicPtr<()>);
        state.store(std::ptr::null_mut(), Ordering::Release);
    }
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
