//! The PHP C symbols ext-php-rs does not bind, and the raw reads and writes
//! of engine structures (hash tables, INI entries, globals).
//!
//! Where `unsafe` lives in this crate, each block with a SAFETY comment
//! (clippy's `undocumented_unsafe_blocks` is denied workspace-wide):
//! - here, for everything that touches engine memory or PHP C functions;
//! - the callbacks the engine calls, whose signatures are the engine's:
//!   php/info.rs (phpinfo), php/ini.rs (the INI check, and the `Sync` of
//!   the INI table), php/exceptions.rs (class entries kept from MINIT);
//! - php/diagnostics.rs: the error callback and observer that keep an
//!   unserializer's complaints about our payloads for our exception;
//! - client/fork.rs: `pthread_atfork`, the syscall-free fork check;
//! - client/pool.rs: a pool's state per process generation, kept by
//!   address, and a forked child's `close` of its copies of the parent's
//!   sockets;
//! - client/conn.rs: `setsockopt(SO_RCVLOWAT)`, which neither socket2 nor
//!   nix binds;
//! - client/scan.rs: the unaligned copies of short request pieces.
//!
//! The reference server has its own two: `recv` with `MSG_DONTWAIT` for its
//! busy-poll, and `from_utf8_unchecked` after an ASCII check.

use ext_php_rs::ffi::{zend_hash_index_update, zend_hash_str_update, zend_ini_entry};
use ext_php_rs::types::{ZendHashTable, Zval};
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

/// `zend_unregister_ini_entries(module_number)` (UNREGISTER_INI_ENTRIES()
/// of a C extension's MSHUTDOWN), looked up at run time: it is not bound.
pub fn unregister_ini_entries(module_number: i32) {
    let name: &CStr = c"zend_unregister_ini_entries";
    // SAFETY: dlsym with RTLD_DEFAULT only reads the loaded symbol tables.
    let sym = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    if sym.is_null() {
        return;
    }
    // SAFETY: the symbol is PHP's `void zend_unregister_ini_entries(int)`;
    // called at module shutdown, as PHP's own extensions do.
    unsafe {
        let f: extern "C" fn(i32) = std::mem::transmute(sym);
        f(module_number);
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

/// The key of a PHP array element.
#[derive(Debug, Clone, Copy)]
pub enum HashKey<'a> {
    Int(i64),
    Str(&'a [u8]),
}

/// `HASH_FLAG_PACKED` of zend_hash.h (PHP 8.2): the table is a plain zval
/// vector with implicit integer keys 0, 1, ...
const HASH_FLAG_PACKED: u32 = 1 << 2;

fn is_undef(z: &Zval) -> bool {
    // SAFETY: `u1` is a plain integer union of the zval header; reading the
    // type byte is valid for every zval.
    unsafe { z.u1.type_info & 0xff == 0 }
}

/// Calls `f` on every element of `ht`, in order, reading the table directly
/// (the iterator of ext-php-rs makes three engine calls and a key zval per
/// element). Stops at the first error.
pub fn walk<'a, E>(
    ht: &'a ZendHashTable,
    mut f: impl FnMut(HashKey<'a>, &'a Zval) -> Result<(), E>,
) -> Result<(), E> {
    let used = ht.nNumUsed as usize;
    if used == 0 {
        return Ok(());
    }
    // SAFETY: `u` is a plain integer union (the flags word).
    let flags = unsafe { ht.u.flags };
    if flags & HASH_FLAG_PACKED != 0 {
        // SAFETY: a packed table with nNumUsed > 0 has `arPacked` pointing
        // at nNumUsed initialised zvals (holes are IS_UNDEF); `ht` is
        // borrowed for 'a, and nothing here can change the table.
        let vals = unsafe { std::slice::from_raw_parts(ht.__bindgen_anon_1.arPacked, used) };
        for (i, z) in vals.iter().enumerate() {
            if !is_undef(z) {
                f(HashKey::Int(i as i64), z)?;
            }
        }
    } else {
        // SAFETY: a hash table with nNumUsed > 0 has `arData` pointing at
        // nNumUsed initialised buckets (holes are IS_UNDEF).
        let buckets = unsafe { std::slice::from_raw_parts(ht.__bindgen_anon_1.arData, used) };
        for b in buckets {
            if is_undef(&b.val) {
                continue;
            }
            // SAFETY: a bucket's key is null (an integer key, in `h`) or a
            // live zend_string owned by the table.
            let key = match unsafe { b.key.as_ref() } {
                None => HashKey::Int(b.h as i64),
                Some(s) => HashKey::Str(s.as_bytes()),
            };
            f(key, &b.val)?;
        }
    }
    Ok(())
}

/// `$ht[$key] = $v` for a string key given as bytes, with PHP's own rule
/// that a canonical decimal integer string is an integer key (so "12"
/// becomes 12, as `$a["12"]` does). The table takes `v` over.
pub fn hash_set(ht: &mut ZendHashTable, key: &[u8], v: Zval) {
    let mut v = v;
    match canonical_int(key) {
        // SAFETY: `ht` is a live, writable table; the update copies the
        // zval into it, taking over its reference, so it is not released
        // here (`forget` below).
        Some(i) => unsafe {
            zend_hash_index_update(ht, i as u64, &mut v);
        },
        // SAFETY: as above; the key bytes are copied into a new key string.
        None => unsafe {
            zend_hash_str_update(ht, key.as_ptr().cast(), key.len(), &mut v);
        },
    }
    std::mem::forget(v);
}

/// PHP's `ZEND_HANDLE_NUMERIC_STR`: a decimal integer with no leading zero,
/// no '+', no "-0", inside the i64 range.
pub fn canonical_int(s: &[u8]) -> Option<i64> {
    let digits = s.strip_prefix(b"-").unwrap_or(s);
    if digits.is_empty()
        || digits.len() > 20
        || !digits.iter().all(u8::is_ascii_digit)
        || (digits.len() > 1 && digits[0] == b'0')
        || s == b"-0"
    {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// The text of an engine string (lossy), or "" for null.
///
/// # Safety
/// `s` is null or a live `zend_string`.
pub unsafe fn zstr_text(s: *const ext_php_rs::ffi::zend_string) -> String {
    // SAFETY: the caller passes null or a live zend_string.
    match unsafe { s.as_ref() } {
        Some(z) => String::from_utf8_lossy(z.as_bytes()).into_owned(),
        None => String::new(),
    }
}

/// A C string of `msg`, with any NUL byte shown as `\0` (a message may
/// quote user input).
pub fn c_text(msg: &str) -> std::ffi::CString {
    std::ffi::CString::new(msg.replace('\0', "\\0")).unwrap_or_default()
}

/// Raises an E_WARNING with `msg`, as PHP's own functions do.
pub fn warning(msg: &str) {
    let msg = c_text(msg);
    // SAFETY: a null docref is allowed; the format is a literal "%s" and
    // its one argument a valid NUL-terminated string that outlives the call.
    unsafe {
        ext_php_rs::ffi::php_error_docref(
            std::ptr::null(),
            ext_php_rs::ffi::E_WARNING as i32,
            c"%s".as_ptr(),
            msg.as_ptr(),
        );
    }
}

/// PHP's `display_ini_entries()`, the table of a module's INI entries with
/// their local and master values that `php --ri` and phpinfo() show. Looked
/// up at run time: ext-php-rs does not bind it.
///
/// # Safety
/// `module` is the module entry the engine passed to an info function.
pub unsafe fn display_ini_entries(module: *mut ext_php_rs::zend::ModuleEntry) {
    let name: &CStr = c"display_ini_entries";
    // SAFETY: dlsym with RTLD_DEFAULT only reads the loaded symbol tables.
    let sym = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    if sym.is_null() {
        return;
    }
    // SAFETY: the symbol is PHP's `void display_ini_entries(zend_module_entry *)`
    // (main/php_ini.c), and `module` is the entry the engine handed to our
    // info function.
    unsafe {
        let f: unsafe extern "C" fn(*mut ext_php_rs::zend::ModuleEntry) = std::mem::transmute(sym);
        f(module);
    }
}
