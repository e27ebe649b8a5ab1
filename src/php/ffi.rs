//! The PHP C symbols ext-php-rs does not bind, and the few raw reads of
//! engine structures: the only home of `unsafe` in this crate besides what
//! ext-php-rs requires.

use ext_php_rs::ffi::zend_ini_entry;
use ext_php_rs::zend::{ClassEntry, ExecutorGlobals};
use std::ffi::CStr;

/// `spl_ce_RuntimeException`, looked up at run time: during MINIT the class
/// table lookup of ext-php-rs finds nothing yet, and linking the symbol
/// would break `cargo php stubs`.
pub fn runtime_exception_ce() -> Option<&'static ClassEntry> {
    let name: &CStr = c"spl_ce_RuntimeException";
    // SAFETY: dlsym with RTLD_DEFAULT only reads the loaded symbol tables;
    // the name is a valid NUL-terminated string.
    let sym = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    if sym.is_null() {
        return None;
    }
    // SAFETY: the symbol is PHP's `zend_class_entry *spl_ce_RuntimeException`,
    // set by the SPL extension's MINIT (which runs before ours: SPL is
    // compiled into PHP) and never freed before shutdown.
    unsafe {
        let ce = *(sym as *const *mut ClassEntry);
        ce.as_ref()
    }
}

/// The current text of an INI entry, or None when it is not registered.
pub fn ini_value(name: &str) -> Option<String> {
    let eg = ExecutorGlobals::get();
    // SAFETY: EG(ini_directives) is set up before any request runs and
    // lives until shutdown; null is handled.
    let table = unsafe { eg.ini_directives.as_ref() }?;
    let zv = table.get(name)?;
    // SAFETY: the ini table stores `zend_ini_entry *` owned by the engine;
    // its value is a zend_string or null.
    unsafe {
        let entry = zv.ptr::<zend_ini_entry>()?.as_ref()?;
        let value = entry.value.as_ref()?;
        Some(String::from_utf8_lossy(value.as_bytes()).into_owned())
    }
}

/// Runs `f` with `error_reporting` at 0, so that unserialize() of a bad
/// payload reports through our exception only, not also as a notice. The
/// globals guard is not held while `f` runs (it calls into PHP).
pub fn silenced<T>(f: impl FnOnce() -> T) -> T {
    let saved = {
        let mut eg = ExecutorGlobals::get_mut();
        let saved = eg.error_reporting;
        eg.error_reporting = 0;
        saved
    };
    let out = f();
    ExecutorGlobals::get_mut().error_reporting = saved;
    out
}
