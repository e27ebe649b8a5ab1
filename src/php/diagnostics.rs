//! What an unserializer says about a payload this extension asked it to
//! decode. A corrupt stored value must be reported by our
//! `TagCacheException` alone, not also by the unserializer's own notice
//! ("unserialize(): Error at offset 0 of 5 bytes"); yet every other error
//! raised during the call must reach the user untouched: a fatal error
//! (memory exhausted, time limit) and the warnings of the user's own
//! `__wakeup`/`__unserialize`, autoloader or `Serializable::unserialize`.
//!
//! So no engine setting is changed around the call (an `error_reporting` of
//! 0 hid fatal errors, and a fatal error's longjmp skipped its restore).
//! Instead two hooks, installed once in MINIT and removed in MSHUTDOWN, tell
//! the unserializer's own diagnostics apart by where they come from: a
//! warning or notice raised while the running function is the unserializer
//! (`unserialize`, `igbinary_unserialize`, `msgpack_unpack`) *and* its caller
//! is a method of `TagCache` or `TagCachePipeline`. User code always runs in
//! frames of its own, so its errors never match; an unserializer called from
//! user code (even from inside a `__wakeup` of ours) has a user caller.
//! A matching diagnostic is kept for our exception's message (`take`) and
//! reaches neither the error display nor the log nor a user error handler:
//!
//! - the error callback (`zend_error_cb`, chained to the previous one) drops
//!   it before PHP's own callback displays or logs it;
//! - an error observer, which the engine notifies before it picks between a
//!   user error handler and `zend_error_cb`, routes it to `zend_error_cb`
//!   when a user handler would get it: it clears the handler's error mask,
//!   which the error callback restores at once. Nothing between the two can
//!   run PHP code or longjmp, so the mask is never left cleared.

use ext_php_rs::ffi::{
    zend_execute_data, zend_string, E_NOTICE, E_WARNING, ZEND_INTERNAL_FUNCTION,
};
use ext_php_rs::zend::ExecutorGlobals;
use std::cell::{Cell, RefCell};
use std::ffi::{c_int, CStr};
use std::sync::atomic::{AtomicUsize, Ordering};

type ErrorCb = unsafe extern "C" fn(c_int, *mut zend_string, u32, *mut zend_string);

/// The `zend_error_cb` we replaced (0 while not installed).
static PREVIOUS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// The first diagnostic dropped since the last `take`.
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
    /// The user handler's error mask, cleared by the observer for one
    /// error and given back by the error callback.
    static HELD_MASK: Cell<Option<c_int>> = const { Cell::new(None) };
}

/// The unserializers whose own diagnostics are ours to report.
const UNSERIALIZERS: [&[u8]; 4] = [
    b"unserialize",
    b"igbinary_unserialize",
    b"msgpack_unpack",
    b"msgpack_unserialize",
];

const OUR_CLASSES: [&[u8]; 2] = [b"TagCache", b"TagCachePipeline"];

/// Takes (and clears) what an unserializer said since the last call.
pub fn take() -> Option<String> {
    CAUGHT.with(|c| c.borrow_mut().take())
}

fn zstr_bytes<'a>(s: *const zend_string) -> Option<&'a [u8]> {
    // SAFETY: callers pass null or a live zend_string of the engine, which
    // outlives the error being handled.
    unsafe { s.as_ref() }.map(|z| z.as_bytes())
}

/// The name of an internal function and the name of its class (if any).
///
/// # Safety
/// `ex` is null or a live frame of the engine's call stack.
unsafe fn internal_fn<'a>(ex: *const zend_execute_data) -> Option<(&'a [u8], Option<&'a [u8]>)> {
    // SAFETY: a live frame's `func` is null or a live function; the
    // `common` header is valid for every kind of function.
    let common = unsafe { &ex.as_ref()?.func.as_ref()?.common };
    if u32::from(common.type_) != ZEND_INTERNAL_FUNCTION {
        return None;
    }
    let name = zstr_bytes(common.function_name)?;
    // SAFETY: a method's scope is its live class entry.
    let class = unsafe { common.scope.as_ref() }.and_then(|ce| zstr_bytes(ce.name));
    Some((name, class))
}

/// Raised by an unserializer that a method of ours called directly.
fn ours(ty: c_int) -> bool {
    if ty as u32 & (E_WARNING | E_NOTICE) == 0 {
        return false;
    }
    let eg = ExecutorGlobals::get();
    let ex = eg.current_execute_data;
    // SAFETY: EG(current_execute_data) is null or the running frame, and
    // its `prev_execute_data` null or the live frame that called it.
    unsafe {
        let Some((name, None)) = internal_fn(ex) else {
            return false;
        };
        if !UNSERIALIZERS.contains(&name) {
            return false;
        }
        matches!(
            internal_fn((*ex).prev_execute_data),
            Some((_, Some(class))) if OUR_CLASSES.contains(&class)
        )
    }
}

/// The error observer: runs before the engine chooses where an error goes.
unsafe extern "C" fn observe(
    ty: c_int,
    _file: *mut zend_string,
    _line: u32,
    _msg: *mut zend_string,
) {
    // A mask still held means the last error never reached our callback (an
    // extension installed after us handled it without passing it on): give
    // it back now rather than keep the user's handler switched off.
    if let Some(mask) = HELD_MASK.with(Cell::take) {
        ExecutorGlobals::get_mut().user_error_handler_error_reporting = mask;
    }
    if !ours(ty) {
        return;
    }
    let mut eg = ExecutorGlobals::get_mut();
    // A user handler is called when one is set, its mask has this type and
    // the error handling mode is normal (zend.c, zend_error_impl).
    // SAFETY: `u1` is a plain integer union of the zval header; its low
    // byte is the type (IS_UNDEF is 0: no handler).
    let handler_set = unsafe { eg.user_error_handler.u1.type_info } & 0xff != 0;
    if handler_set && eg.user_error_handler_error_reporting & ty != 0 && eg.error_handling == 0 {
        HELD_MASK.with(|h| h.set(Some(eg.user_error_handler_error_reporting)));
        eg.user_error_handler_error_reporting = 0;
    }
}

/// The error callback: every error PHP displays or logs passes here.
unsafe extern "C" fn on_error(ty: c_int, file: *mut zend_string, line: u32, msg: *mut zend_string) {
    if let Some(mask) = HELD_MASK.with(Cell::take) {
        ExecutorGlobals::get_mut().user_error_handler_error_reporting = mask;
    }
    if ours(ty) {
        let text = String::from_utf8_lossy(zstr_bytes(msg).unwrap_or_default()).into_owned();
        CAUGHT.with(|c| {
            c.borrow_mut().get_or_insert(text);
        });
        return;
    }
    let prev = PREVIOUS.load(Ordering::Acquire);
    if prev != 0 {
        // SAFETY: `prev` is the engine's callback we replaced, of this type.
        unsafe {
            let f: ErrorCb = std::mem::transmute(prev);
            f(ty, file, line, msg);
        }
    }
}

fn symbol(name: &CStr) -> *mut libc::c_void {
    // SAFETY: dlsym with RTLD_DEFAULT only reads the loaded symbol tables;
    // the name is NUL-terminated.
    unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) }
}

/// Installs both hooks. Called from MINIT, while PHP runs one thread.
pub fn install() {
    let cb = symbol(c"zend_error_cb") as *mut Option<ErrorCb>;
    if cb.is_null() || PREVIOUS.load(Ordering::Acquire) != 0 {
        return;
    }
    // SAFETY: `zend_error_cb` is the engine's `void (*)(int, zend_string *,
    // uint32_t, zend_string *)` global, set before modules start; MINIT
    // runs before any request, on one thread.
    unsafe {
        let Some(prev) = *cb else { return };
        PREVIOUS.store(prev as usize, Ordering::Release);
        *cb = Some(on_error);
    }
    let reg = symbol(c"zend_observer_error_register");
    if !reg.is_null() {
        pin_library();
        // SAFETY: PHP 8's `void zend_observer_error_register(zend_observer_error_cb)`,
        // meant to be called in MINIT.
        unsafe {
            let f: unsafe extern "C" fn(ErrorCb) = std::mem::transmute(reg);
            f(observe);
        }
    }
}

/// Keeps this library mapped until the process exits, though PHP unloads it
/// after MSHUTDOWN: the engine has no way to remove an error observer, and
/// calls its observers until the very end of its shutdown.
fn pin_library() {
    let mut info: libc::Dl_info = empty_dl_info();
    // SAFETY: dladdr only reads the loader's tables; `info` is a valid out
    // parameter; the address is a function of this library.
    let found = unsafe { libc::dladdr(install as *const libc::c_void, &mut info) } != 0;
    if !found || info.dli_fname.is_null() {
        return;
    }
    // SAFETY: the name is the loader's NUL-terminated path of this library,
    // already loaded (RTLD_NOLOAD): this only takes one more reference and
    // marks it never to be unmapped. The handle is deliberately kept.
    unsafe {
        libc::dlopen(
            info.dli_fname,
            libc::RTLD_LAZY | libc::RTLD_NOLOAD | libc::RTLD_NODELETE,
        );
    }
}

fn empty_dl_info() -> libc::Dl_info {
    libc::Dl_info {
        dli_fname: std::ptr::null(),
        dli_fbase: std::ptr::null_mut(),
        dli_sname: std::ptr::null(),
        dli_saddr: std::ptr::null_mut(),
    }
}

/// Gives the error callback back. Called from MSHUTDOWN (modules shut down
/// in reverse order, so one that wrapped ours has already given it back).
/// The observer stays registered (see `pin_library`); it only reads frames
/// and does nothing once no frame is ours.
pub fn uninstall() {
    let prev = PREVIOUS.swap(0, Ordering::AcqRel);
    let cb = symbol(c"zend_error_cb") as *mut Option<ErrorCb>;
    if prev == 0 || cb.is_null() {
        return;
    }
    // SAFETY: as in `install`; `prev` was read from this same global.
    unsafe {
        // Only if it is still ours (the address we stored in `install`).
        if (*cb).map(|f| f as usize) == Some(on_error as ErrorCb as usize) {
            *cb = Some(std::mem::transmute::<usize, ErrorCb>(prev));
        }
    }
}
