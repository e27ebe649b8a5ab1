//! ext/session's C interface: the save handler table (`ps_module` of
//! ext/session/php_session.h, PHP_SESSION_API 20161017, unchanged from PHP
//! 7.1 to 8.4) and the functions it exports, looked up with dlsym (linking
//! them would break `cargo php stubs`, and a PHP built without ext/session
//! must still load this extension).

use ext_php_rs::ffi::zend_string;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::OnceLock;

/// `zend_result` values.
pub const SUCCESS: c_int = 0;
pub const FAILURE: c_int = -1;

pub type ModData = *mut *mut c_void;

/// `ps_module`: the name and the nine callbacks of a save handler.
#[repr(C)]
pub struct PsModule {
    pub s_name: *const c_char,
    pub s_open: Option<unsafe extern "C" fn(ModData, *const c_char, *const c_char) -> c_int>,
    pub s_close: Option<unsafe extern "C" fn(ModData) -> c_int>,
    pub s_read: Option<
        unsafe extern "C" fn(ModData, *mut zend_string, *mut *mut zend_string, i64) -> c_int,
    >,
    pub s_write:
        Option<unsafe extern "C" fn(ModData, *mut zend_string, *mut zend_string, i64) -> c_int>,
    pub s_destroy: Option<unsafe extern "C" fn(ModData, *mut zend_string) -> c_int>,
    pub s_gc: Option<unsafe extern "C" fn(ModData, i64, *mut i64) -> i64>,
    pub s_create_sid: Option<unsafe extern "C" fn(ModData) -> *mut zend_string>,
    pub s_validate_sid: Option<unsafe extern "C" fn(ModData, *mut zend_string) -> c_int>,
    pub s_update_timestamp:
        Option<unsafe extern "C" fn(ModData, *mut zend_string, *mut zend_string, i64) -> c_int>,
}

// SAFETY: the table is immutable after construction; its name pointer is a
// 'static C string literal and the rest are function pointers.
unsafe impl Sync for PsModule {}

type RegisterModule = unsafe extern "C" fn(*const PsModule) -> c_int;
type CreateId = unsafe extern "C" fn(ModData) -> *mut zend_string;
type ActiveFunctionName = unsafe extern "C" fn() -> *const c_char;

struct Syms {
    register: Option<RegisterModule>,
    create_id: Option<CreateId>,
    active_function: Option<ActiveFunctionName>,
}

fn dlsym(name: &CStr) -> *mut c_void {
    // SAFETY: dlsym with RTLD_DEFAULT only reads the loaded symbol tables;
    // the name is NUL-terminated.
    unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) }
}

fn syms() -> &'static Syms {
    static S: OnceLock<Syms> = OnceLock::new();
    S.get_or_init(|| {
        let register = dlsym(c"php_session_register_module");
        let create_id = dlsym(c"php_session_create_id");
        let active = dlsym(c"get_active_function_name");
        // SAFETY: each symbol, when present, is the PHP function of exactly
        // this signature (php_session.h, zend_execute.h); null stays None.
        unsafe {
            Syms {
                register: (!register.is_null())
                    .then(|| std::mem::transmute::<*mut c_void, RegisterModule>(register)),
                create_id: (!create_id.is_null())
                    .then(|| std::mem::transmute::<*mut c_void, CreateId>(create_id)),
                active_function: (!active.is_null())
                    .then(|| std::mem::transmute::<*mut c_void, ActiveFunctionName>(active)),
            }
        }
    })
}

/// Adds a save handler to ext/session's table (MINIT only). False when
/// ext/session is absent or its table is full.
pub fn register_module(m: &'static PsModule) -> bool {
    match syms().register {
        // SAFETY: `m` lives for the whole process, as ext/session keeps the
        // pointer; the call only appends it to a static array.
        Some(f) => unsafe { f(m) == SUCCESS },
        None => false,
    }
}

/// A new session id by `session.sid_length` and
/// `session.sid_bits_per_character` (`php_session_create_id`).
pub fn create_id() -> *mut zend_string {
    match syms().create_id {
        // SAFETY: called from a save handler callback, during a session
        // operation, as ext/session's own handlers do (it does not use its
        // mod_data argument); it returns a new zend_string (or null) the
        // caller owns.
        Some(f) => unsafe { f(std::ptr::null_mut()) },
        None => std::ptr::null_mut(),
    }
}

/// The name of the internal function running now (`session_start`,
/// `session_regenerate_id`, ...), if any.
pub fn active_function() -> Option<String> {
    let f = syms().active_function?;
    // SAFETY: get_active_function_name reads the executor globals; it is
    // only called from session callbacks, on the request's thread. It
    // returns null or a NUL-terminated name owned by the engine.
    unsafe {
        let p = f();
        if p.is_null() {
            return None;
        }
        Some(CStr::from_ptr(p).to_string_lossy().into_owned())
    }
}
