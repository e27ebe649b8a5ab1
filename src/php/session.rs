//! `session.save_handler = tagcache`: a native ext/session save handler
//! (registered in MINIT, as phpredis and php-memcached register theirs),
//! plus `tagcache_session_tag()` / `tagcache_session_tags()`.
//!
//! The storage, the lock and the owner-checked write are in
//! session_store.rs; this file maps ext/session's callbacks onto them:
//! - open: parses `session.save_path` (a bad one fails `session_start()`
//!   with a warning saying what is wrong);
//! - create_sid: PHP's id generator, then an id nobody uses (with locking
//!   on, the new id is locked in the same step);
//! - read: takes the lock (tagcache.session_locking), reads data and tags;
//! - write / update_timestamp: the checked write, with
//!   `session.gc_maxlifetime` as TTL; update_timestamp (lazy_write, data
//!   unchanged) refreshes only when a tenth of the lifetime has passed
//!   since the last write, or tags were added;
//! - destroy: removes the data; close: releases the lock;
//! - gc: nothing to do (entries expire on the server);
//! - validate_sid (use_strict_mode): the session exists.
//!
//! No callback calls into PHP while it holds a borrow of the session state:
//! warnings are collected and emitted last, so a user error handler that
//! calls back into sessions finds everything consistent.

use super::args::{Args, PResult};
use super::ffi::ini_value;
use super::functions::{dispatch, warn};
use super::session_ffi::{self as sffi, ModData, PsModule, FAILURE, SUCCESS};
use super::session_store::{self as st, Lock, LockConfig, Store, Written};
use crate::client::config::{Options, OPTIONS};
use crate::client::protocol;
use ext_php_rs::args::Arg;
use ext_php_rs::boxed::ZBox;
use ext_php_rs::builders::FunctionBuilder;
use ext_php_rs::error::php_error;
use ext_php_rs::ffi::{zend_ini_entry, zend_string};
use ext_php_rs::flags::{DataType, ErrorType, IniEntryPermission};
use ext_php_rs::types::{ZendHashTable, ZendStr, Zval};
use ext_php_rs::zend::{ExecuteData, IniEntryDef, IniEntryDefs};
use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_int, c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/* ------------------------------------------------------------------ INI */

const STAGE_DEACTIVATE: c_int = 1 << 3;

fn ini_text(v: *mut zend_string) -> String {
    // SAFETY: the engine passes the new value as a live zend_string.
    unsafe { v.as_ref() }
        .map(|s| String::from_utf8_lossy(s.as_bytes()).trim().to_owned())
        .unwrap_or_default()
}

fn ini_name(e: *mut zend_ini_entry) -> String {
    // SAFETY: the entry being modified is live; its name is a zend_string.
    unsafe { e.as_ref().and_then(|e| e.name.as_ref()) }
        .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
        .unwrap_or_default()
}

fn parse_bool(t: &str) -> Option<bool> {
    match t.to_ascii_lowercase().as_str() {
        "1" | "on" | "yes" | "true" => Some(true),
        "0" | "off" | "no" | "false" | "" => Some(false),
        _ => None,
    }
}

fn parse_count(t: &str) -> Option<u64> {
    t.parse::<u64>().ok().filter(|n| *n <= 86_400_000)
}

/// An INI entry's new value, checked: FAILURE (and a warning) refuses it.
fn check_ini(
    e: *mut zend_ini_entry,
    v: *mut zend_string,
    stage: c_int,
    ok: fn(&str) -> bool,
    want: &str,
) -> c_int {
    let t = ini_text(v);
    if ok(&t) {
        return SUCCESS;
    }
    if stage != STAGE_DEACTIVATE {
        warn(&format!("{} must be {want}, \"{t}\" given", ini_name(e)));
    }
    FAILURE
}

unsafe extern "C" fn on_bool(
    e: *mut zend_ini_entry,
    v: *mut zend_string,
    _a1: *mut c_void,
    _a2: *mut c_void,
    _a3: *mut c_void,
    stage: c_int,
) -> c_int {
    check_ini(e, v, stage, |t| parse_bool(t).is_some(), "on or off")
}

unsafe extern "C" fn on_count(
    e: *mut zend_ini_entry,
    v: *mut zend_string,
    _a1: *mut c_void,
    _a2: *mut c_void,
    _a3: *mut c_void,
    stage: c_int,
) -> c_int {
    check_ini(
        e,
        v,
        stage,
        |t| parse_count(t).is_some(),
        "an integer from 0 to 86400000",
    )
}

pub static INI: IniEntryDefs<4> = IniEntryDefs::new([
    IniEntryDef {
        on_modify: Some(on_bool),
        ..IniEntryDef::new(c"tagcache.session_locking", c"1", IniEntryPermission::All)
    },
    IniEntryDef {
        on_modify: Some(on_count),
        ..IniEntryDef::new(
            c"tagcache.session_lock_wait_ms",
            c"30000",
            IniEntryPermission::All,
        )
    },
    IniEntryDef {
        on_modify: Some(on_count),
        ..IniEntryDef::new(
            c"tagcache.session_lock_expire_s",
            c"0",
            IniEntryPermission::All,
        )
    },
    IniEntryDef::end(),
]);

fn ini_u64(name: &str, default: u64) -> u64 {
    ini_value(name)
        .and_then(|t| parse_count(t.trim()))
        .unwrap_or(default)
}

fn lock_config() -> LockConfig {
    let enabled = ini_value("tagcache.session_locking")
        .and_then(|t| parse_bool(t.trim()))
        .unwrap_or(true);
    let wait = Duration::from_millis(ini_u64("tagcache.session_lock_wait_ms", 30_000));
    let mut expire_s = ini_u64("tagcache.session_lock_expire_s", 0);
    if expire_s == 0 {
        // As php-memcached: the request's own time limit, else 30 s.
        expire_s = ini_value("max_execution_time")
            .and_then(|t| t.trim().parse::<u64>().ok())
            .filter(|s| *s > 0)
            .unwrap_or(30);
    }
    LockConfig {
        enabled,
        wait,
        expire: Duration::from_secs(expire_s),
    }
}

/// The `tagcache.*` INI defaults as client options.
fn base_options() -> Result<Options, String> {
    let mut o = Options::default();
    for d in OPTIONS {
        if let Some(text) = ini_value(&format!("tagcache.{}", d.name)) {
            o.set_ini(d.name, &text).map_err(|e| e.to_string())?;
        }
    }
    Ok(o)
}

/* ------------------------------------------------------------ the state */

/// The session of a read.
struct Sess {
    id: String,
    had_meta: bool,
    tags: Vec<String>,
    /// Tags were added since the read.
    dirty: bool,
    written_ms: Option<u64>,
}

/// What one open..close of ext/session holds (its `mod_data`).
struct Open {
    store: Store,
    lock: Option<Lock>,
    /// The lock went with the last write.
    released: bool,
    sess: Option<Sess>,
    /// A warning about this session's lock was already given.
    warned: bool,
}

thread_local! {
    /// The open session state of this request, for tagcache_session_tag().
    static CURRENT: Cell<*mut Open> = const { Cell::new(std::ptr::null_mut()) };
    /// The tags of the session closed last, for session_regenerate_id().
    static CARRY: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Runs `f` on the state in `mod_data`; warnings it returns are emitted
/// after the borrow ends. A panic is a FAILURE.
fn with_open(mod_data: ModData, f: impl FnOnce(&mut Open, &mut Vec<String>) -> c_int) -> c_int {
    let mut warnings = Vec::new();
    let rc = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: ext/session passes &PS(mod_data); it is null or the Open
        // our s_open boxed, not freed before s_close.
        let open = unsafe { mod_data.as_ref().and_then(|p| (*p as *mut Open).as_mut()) };
        match open {
            Some(o) => f(o, &mut warnings),
            None => FAILURE,
        }
    }))
    .unwrap_or(FAILURE);
    for w in warnings {
        warn(&w);
    }
    rc
}

fn bytes<'a>(s: *mut zend_string) -> &'a [u8] {
    // SAFETY: ext/session passes live zend_strings (the id, the data) that
    // outlive the callback; null reads as empty.
    unsafe { s.as_ref() }.map(ZendStr::as_bytes).unwrap_or(b"")
}

fn ms(d: Duration) -> u128 {
    d.as_millis()
}

/* ------------------------------------------------------------ callbacks */

unsafe extern "C" fn ps_open(
    mod_data: ModData,
    save_path: *const c_char,
    _name: *const c_char,
) -> c_int {
    let mut warning = None;
    let rc = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `mod_data` is &PS(mod_data).
        let Some(slot) = (unsafe { mod_data.as_mut() }) else {
            return FAILURE;
        };
        if !slot.is_null() {
            // session_reset() opens again without a close: keep the state
            // (and the lock) of the session already open.
            return SUCCESS;
        }
        let path = if save_path.is_null() {
            String::new()
        } else {
            // SAFETY: PS(save_path) is a NUL-terminated INI string.
            unsafe { CStr::from_ptr(save_path) }
                .to_string_lossy()
                .into_owned()
        };
        let sp = base_options()
            .map_err(|e| format!("tagcache: the tagcache.* INI defaults are not valid: {e}"))
            .and_then(|base| {
                st::parse_save_path(&path, &base).map_err(|e| {
                    format!("tagcache: session.save_path \"{path}\" is not valid: {e}")
                })
            });
        match sp {
            Ok(sp) => {
                let open = Box::into_raw(Box::new(Open {
                    store: Store::new(sp, lock_config()),
                    lock: None,
                    released: false,
                    sess: None,
                    warned: false,
                }));
                *slot = open.cast();
                CURRENT.with(|c| c.set(open));
                SUCCESS
            }
            Err(e) => {
                warning = Some(e);
                FAILURE
            }
        }
    }))
    .unwrap_or(FAILURE);
    if let Some(w) = warning {
        warn(&w);
    }
    rc
}

unsafe extern "C" fn ps_close(mod_data: ModData) -> c_int {
    let mut warning = None;
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: as in with_open; the box is taken back exactly once, and
        // the slot cleared.
        let Some(slot) = (unsafe { mod_data.as_mut() }) else {
            return;
        };
        let p = std::mem::replace(slot, std::ptr::null_mut()) as *mut Open;
        if p.is_null() {
            return;
        }
        CURRENT.with(|c| {
            if c.get() == p {
                c.set(std::ptr::null_mut())
            }
        });
        // SAFETY: `p` came from Box::into_raw in ps_open.
        let open = unsafe { Box::from_raw(p) };
        if let (Some(lock), false) = (&open.lock, open.released) {
            match open.store.release(lock) {
                Ok(true) => {}
                Ok(false) if !open.warned => {
                    warning = Some(format!(
                        "tagcache: the lock of session {} had expired before this request released it \
                         (held {} ms, lock lifetime {} s, tagcache.session_lock_expire_s): another request may have \
                         used the session at the same time",
                        lock.id,
                        ms(lock.held_for()),
                        lock.expire().as_secs()
                    ))
                }
                Ok(false) => {}
                Err(e) if !open.warned => {
                    warning = Some(format!(
                        "tagcache: could not release the lock of session {}: {e}; it expires by itself within {} s",
                        lock.id,
                        lock.remaining().as_secs() + 1
                    ))
                }
                Err(_) => {}
            }
        }
        CARRY.with(|c| *c.borrow_mut() = open.sess.map(|s| s.tags));
    }));
    if let Some(w) = warning {
        warn(&w);
    }
    SUCCESS
}

fn id_of(key: *mut zend_string, warnings: &mut Vec<String>) -> Option<String> {
    let b = bytes(key);
    if st::valid_id(b) {
        // valid_id admits ASCII only.
        return std::str::from_utf8(b).ok().map(str::to_owned);
    }
    warnings.push(format!(
        "tagcache: session id \"{}\" is not valid: ids are 1 to {} characters of A-Z a-z 0-9 , -",
        String::from_utf8_lossy(&b[..b.len().min(80)]).replace('\0', "\\0"),
        st::MAX_ID_LEN
    ));
    None
}

unsafe extern "C" fn ps_read(
    mod_data: ModData,
    key: *mut zend_string,
    val: *mut *mut zend_string,
    _maxlifetime: i64,
) -> c_int {
    let regenerating = sffi::active_function().as_deref() == Some("session_regenerate_id");
    let carry = CARRY.with(|c| c.borrow_mut().take());
    with_open(mod_data, |open, warnings| {
        let Some(id) = id_of(key, warnings) else {
            return FAILURE;
        };
        let loaded = if open.store.lock.enabled {
            let held = !open.released && open.lock.as_ref().is_some_and(|l| l.id == id);
            if held {
                open.store.load(&id)
            } else {
                if let (Some(old), false) = (open.lock.take(), open.released) {
                    // Another id in the same open: let the first one go.
                    let _ = open.store.release(&old);
                }
                open.store.lock_and_load(&id).map(|(lock, l)| {
                    open.lock = Some(lock);
                    open.released = false;
                    l
                })
            }
        } else {
            open.store.load(&id)
        };
        let loaded = match loaded {
            Ok(l) => l,
            Err(e) => {
                warnings.push(format!("tagcache: {e}"));
                return FAILURE;
            }
        };
        let mut sess = Sess {
            id,
            had_meta: loaded.has_meta,
            tags: loaded.tags,
            dirty: false,
            written_ms: loaded.written_ms,
        };
        if regenerating {
            // The new id of session_regenerate_id() keeps the tags of the
            // session it replaces ("log out everywhere" must still find it).
            for t in carry.unwrap_or_default() {
                if !sess.tags.contains(&t) {
                    sess.tags.push(t);
                    sess.dirty = true;
                }
            }
        }
        open.sess = Some(sess);
        let out = ZendStr::new(&loaded.data, false);
        // SAFETY: `val` is the out-parameter ext/session passes; it takes
        // over the new string.
        unsafe { *val = out.into_raw() };
        SUCCESS
    })
}

/// write (`force`) and update_timestamp.
fn write_session(
    mod_data: ModData,
    key: *mut zend_string,
    val: *mut zend_string,
    maxlifetime: i64,
    force: bool,
) -> c_int {
    with_open(mod_data, |open, warnings| {
        let Some(id) = id_of(key, warnings) else {
            return FAILURE;
        };
        let locking = open.store.lock.enabled;
        if open.sess.as_ref().is_none_or(|s| s.id != id) {
            if locking {
                warnings.push(format!(
                    "tagcache: session {id} was not read (and locked) by this request; not written"
                ));
                return FAILURE;
            }
            open.sess = Some(Sess {
                id: id.clone(),
                had_meta: false,
                tags: vec![],
                dirty: false,
                written_ms: None,
            });
        }
        let Some(sess) = open.sess.as_mut() else {
            return FAILURE;
        };
        let life_ms = u64::try_from(maxlifetime).unwrap_or(0).saturating_mul(1000);
        if !force && !sess.dirty {
            if let Some(w) = sess.written_ms {
                if now_ms().saturating_sub(w) < life_ms / 10 {
                    return SUCCESS;
                }
            }
        }
        let lock = if locking {
            match open.lock.as_ref() {
                Some(l) if !open.released && l.id == id => Some(l),
                _ => {
                    warnings.push(format!(
                        "tagcache: session {id} is not locked by this request any more; not written"
                    ));
                    return FAILURE;
                }
            }
        } else {
            None
        };
        let ttl = (life_ms > 0).then(|| Duration::from_millis(life_ms));
        let r = open.store.write(&st::Write {
            id: &id,
            data: bytes(val),
            tags: &sess.tags,
            ttl,
            lock,
            // The meta check finds a session invalidated meanwhile. Without
            // the lock it costs a round trip of its own, and only a tagged
            // session can be invalidated by tag: it is done then only.
            had_meta: sess.had_meta && (locking || !sess.tags.is_empty()),
            release: true,
        });
        let expire_s = open.store.lock.expire.as_secs();
        match r {
            Ok(Written::Saved { released }) => {
                if released.is_some() {
                    open.released = true;
                }
                if released == Some(false) && !open.warned {
                    open.warned = true;
                    let held = lock.map(|l| ms(l.held_for())).unwrap_or(0);
                    warnings.push(format!(
                        "tagcache: the lock of session {id} expired while its data was being written \
                         (held {held} ms, lock lifetime {expire_s} s, tagcache.session_lock_expire_s): another \
                         request may have changed the session at the same time"
                    ));
                }
                sess.had_meta = true;
                sess.dirty = false;
                sess.written_ms = Some(now_ms());
                SUCCESS
            }
            Ok(Written::Invalidated) => {
                // Ended elsewhere (invalidate by tag, session_destroy) while
                // this request ran: writing would bring it back.
                sess.had_meta = false;
                SUCCESS
            }
            Ok(Written::LockLost { holder }) => {
                open.warned = true;
                let held = lock.map(|l| ms(l.held_for())).unwrap_or(0);
                warnings.push(format!(
                    "tagcache: session {id} was not saved: its lock expired (held {held} ms, \
                     lock lifetime {expire_s} s, tagcache.session_lock_expire_s) and {} holds it now",
                    holder.unwrap_or_else(|| "no request".into())
                ));
                FAILURE
            }
            Ok(Written::LeaseShort { remaining }) => {
                open.warned = true;
                let held = lock.map(|l| ms(l.held_for())).unwrap_or(0);
                warnings.push(format!(
                    "tagcache: session {id} was not saved: its lock {} (held {held} ms, \
                     lock lifetime {expire_s} s, tagcache.session_lock_expire_s)",
                    if remaining.is_zero() {
                        "has expired".to_string()
                    } else {
                        format!("expires in {} ms, too soon to write safely", ms(remaining))
                    }
                ));
                FAILURE
            }
            Err(e) => {
                warnings.push(format!("tagcache: {e}"));
                FAILURE
            }
        }
    })
}

unsafe extern "C" fn ps_write(
    mod_data: ModData,
    key: *mut zend_string,
    val: *mut zend_string,
    maxlifetime: i64,
) -> c_int {
    write_session(mod_data, key, val, maxlifetime, true)
}

unsafe extern "C" fn ps_update_timestamp(
    mod_data: ModData,
    key: *mut zend_string,
    val: *mut zend_string,
    maxlifetime: i64,
) -> c_int {
    write_session(mod_data, key, val, maxlifetime, false)
}

unsafe extern "C" fn ps_destroy(mod_data: ModData, key: *mut zend_string) -> c_int {
    with_open(mod_data, |open, warnings| {
        let Some(id) = id_of(key, warnings) else {
            return FAILURE;
        };
        match open.store.destroy(&id) {
            Ok(()) => {
                if let Some(s) = open.sess.as_mut().filter(|s| s.id == id) {
                    s.had_meta = false;
                    s.written_ms = None;
                }
                SUCCESS
            }
            Err(e) => {
                warnings.push(format!("tagcache: {e}"));
                FAILURE
            }
        }
    })
}

unsafe extern "C" fn ps_gc(_mod_data: ModData, _maxlifetime: i64, nrdels: *mut i64) -> i64 {
    // Entries carry session.gc_maxlifetime as their TTL: the server drops
    // them by itself.
    if !nrdels.is_null() {
        // SAFETY: ext/session passes a pointer to its counter.
        unsafe { *nrdels = 0 };
    }
    0
}

unsafe extern "C" fn ps_create_sid(mod_data: ModData) -> *mut zend_string {
    let mut out: *mut zend_string = std::ptr::null_mut();
    let rc = with_open(mod_data, |open, warnings| {
        for _ in 0..3 {
            let zs = sffi::create_id();
            if zs.is_null() {
                return FAILURE;
            }
            let Ok(id) = std::str::from_utf8(bytes(zs)).map(str::to_owned) else {
                out = zs;
                return SUCCESS;
            };
            // During session_start()/regenerate (nothing read yet) the new
            // id is locked at once; session_create_id() only checks it.
            let claim = if open.store.lock.enabled && open.sess.is_none() && open.lock.is_none() {
                open.store.claim_new(&id)
            } else {
                open.store.exists(&id).map(|e| (!e).then_some(None))
            };
            match claim {
                Ok(Some(lock)) => {
                    if lock.is_some() {
                        open.lock = lock;
                        open.released = false;
                    }
                    out = zs;
                    return SUCCESS;
                }
                Ok(None) => {
                    // SAFETY: `zs` is the new, unshared string
                    // php_session_create_id returned; dropping the box
                    // releases it.
                    drop(unsafe { ZBox::from_raw(zs) });
                }
                Err(_) => {
                    // The server is unreachable: s_read will say so, and
                    // session_start() return false (no Error thrown here).
                    out = zs;
                    return SUCCESS;
                }
            }
        }
        warnings.push("tagcache: three new session ids in a row were already in use".into());
        FAILURE
    });
    if rc == SUCCESS {
        out
    } else {
        std::ptr::null_mut()
    }
}

unsafe extern "C" fn ps_validate_sid(mod_data: ModData, key: *mut zend_string) -> c_int {
    with_open(mod_data, |open, _| {
        let b = bytes(key);
        if !st::valid_id(b) {
            return FAILURE;
        }
        let id = String::from_utf8_lossy(b);
        match open.store.exists(&id) {
            Ok(true) => SUCCESS,
            _ => FAILURE,
        }
    })
}

static MODULE: PsModule = PsModule {
    s_name: c"tagcache".as_ptr(),
    s_open: Some(ps_open),
    s_close: Some(ps_close),
    s_read: Some(ps_read),
    s_write: Some(ps_write),
    s_destroy: Some(ps_destroy),
    s_gc: Some(ps_gc),
    s_create_sid: Some(ps_create_sid),
    s_validate_sid: Some(ps_validate_sid),
    s_update_timestamp: Some(ps_update_timestamp),
};

/// MINIT: the INI entries and the save handler.
pub fn startup(module_number: i32) {
    IniEntryDef::register(INI.as_slice(), module_number);
    if !sffi::register_module(&MODULE) {
        // ext/session absent (or its handler table full): the rest of the
        // extension works; session.save_handler=tagcache will say it is
        // unknown.
        php_error(
            &ErrorType::CoreWarning,
            "tagcache: could not register the session save handler (is ext/session loaded?)",
        );
    }
}

/* ------------------------------------------------------------ functions */

/// Runs `f` on the session open now, if any (no PHP calls inside).
fn with_current<R>(f: impl FnOnce(&mut Open) -> R) -> Option<R> {
    let p = CURRENT.with(Cell::get);
    // SAFETY: CURRENT is set by ps_open to the live boxed state and cleared
    // by ps_close before the box is freed; this thread is the request's.
    unsafe { p.as_mut() }.map(f)
}

fn f_session_tag(a: &Args, z: &mut [Zval], ret: &mut Zval) -> PResult<()> {
    let arr = a.array(&z[0], 1, "tags")?;
    let mut tags = Vec::with_capacity(arr.len());
    for v in arr.values() {
        let v = v.dereference();
        let t = if let Some(i) = v.long() {
            i.to_string()
        } else if let Some(s) = v.zend_str() {
            std::str::from_utf8(s.as_bytes())
                .map(str::to_owned)
                .map_err(|_| a.value_error(1, "tags", "must contain only valid UTF-8 strings"))?
        } else {
            return Err(a.type_error(
                1,
                "tags",
                &format!(
                    "must contain only strings, {} given",
                    super::args::type_name(v)
                ),
            ));
        };
        protocol::validate_tag(&t)
            .map_err(|e| a.value_error(1, "tags", &format!("is not valid: {e}")))?;
        tags.push(t);
    }
    let done = with_current(|open| match open.sess.as_mut() {
        Some(s) => {
            for t in tags {
                if !s.tags.contains(&t) {
                    s.tags.push(t);
                    s.dirty = true;
                }
            }
            true
        }
        None => false,
    });
    if done == Some(true) {
        ret.set_bool(true);
    } else {
        warn("no session is active with session.save_handler=tagcache");
        ret.set_bool(false);
    }
    Ok(())
}

fn f_session_tags(_a: &Args, _z: &mut [Zval], ret: &mut Zval) -> PResult<()> {
    let tags = with_current(|open| open.sess.as_ref().map(|s| s.tags.clone())).flatten();
    if let Some(tags) = tags {
        let mut ht = ZendHashTable::new();
        for t in tags {
            let _ = ht.push(t);
        }
        ret.set_hashtable(ht);
    }
    Ok(())
}

extern "C" fn h_session_tag(ex: &mut ExecuteData, ret: &mut Zval) {
    dispatch(ex, ret, 1, 1, f_session_tag)
}

extern "C" fn h_session_tags(ex: &mut ExecuteData, ret: &mut Zval) {
    dispatch(ex, ret, 0, 0, f_session_tags)
}

/// The session functions, for the module builder.
pub fn functions() -> Vec<FunctionBuilder<'static>> {
    vec![
        FunctionBuilder::new("tagcache_session_tag", h_session_tag)
            .arg(Arg::new("tags", DataType::Array))
            .returns(DataType::Bool, false, false),
        FunctionBuilder::new("tagcache_session_tags", h_session_tags).returns(
            DataType::Array,
            false,
            true,
        ),
    ]
}
