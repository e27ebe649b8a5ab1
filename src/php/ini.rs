//! INI entries: one default per option, `tagcache.<name>`, made from the
//! options table (client/config.rs `OPTIONS`). A value is checked when it is
//! set (php.ini, `-d`, `ini_set()`): a bad one is refused with a warning
//! that says why, instead of failing every later `new TagCache`.

use super::ffi;
use crate::client::config::{option_def, Options, OPTIONS};
use ext_php_rs::ffi::{zend_ini_entry, zend_string};
use ext_php_rs::flags::IniEntryPermission;
use ext_php_rs::zend::IniEntryDef;
use std::ffi::{c_int, c_void, CString};
use std::sync::OnceLock;

/// The registered table: it must live as long as the process (the engine
/// keeps pointers into it).
struct Table(Vec<IniEntryDef>);

// SAFETY: every pointer inside points into leaked, never-freed CStrings
// (names and defaults) or is null; the table is written once, before
// registration, and only read after.
unsafe impl Send for Table {}
// SAFETY: as above: immutable after it is built.
unsafe impl Sync for Table {}

static TABLE: OnceLock<Table> = OnceLock::new();

fn leak(s: String) -> &'static std::ffi::CStr {
    // Names and defaults come from our own table: no NUL inside.
    Box::leak(CString::new(s).unwrap_or_default().into_boxed_c_str())
}

/// Checks a new value of one of our entries. Returns SUCCESS (0) to
/// accept it, FAILURE (-1) with a warning to refuse it.
unsafe extern "C" fn on_modify(
    entry: *mut zend_ini_entry,
    new_value: *mut zend_string,
    _: *mut c_void,
    _: *mut c_void,
    _: *mut c_void,
    _stage: c_int,
) -> c_int {
    // SAFETY: the engine passes its live entry and the new value string
    // (never null for our entries, which all have defaults).
    let (name, value) = unsafe { (ffi::zstr_text((*entry).name), ffi::zstr_text(new_value)) };
    let Some(option) = name.strip_prefix("tagcache.").and_then(option_def) else {
        return 0;
    };
    match Options::default().set_ini(option.name, &value) {
        Ok(()) => 0,
        Err(e) => {
            let e = e.to_string();
            let why = if e.starts_with("INI ") {
                e
            } else {
                format!("INI {name}: {e}")
            };
            ffi::warning(&format!("{why}; the value is not changed"));
            -1
        }
    }
}

pub fn register(module_number: i32) {
    let table = TABLE.get_or_init(|| {
        let mut defs: Vec<IniEntryDef> = OPTIONS
            .iter()
            .map(|d| {
                let mut e = IniEntryDef::new(
                    leak(format!("tagcache.{}", d.name)),
                    leak(d.default.to_string()),
                    IniEntryPermission::All,
                );
                e.on_modify = Some(on_modify);
                e
            })
            .collect();
        defs.push(IniEntryDef::end());
        Table(defs)
    });
    IniEntryDef::register(&table.0, module_number);
}
