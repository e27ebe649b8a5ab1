//! The phpinfo() section.

use super::values::serializer_available;
use crate::client::config::Serializer;
use crate::client::registry;
use ext_php_rs::ffi::{
    php_info_print_table_end, php_info_print_table_row, php_info_print_table_start,
};
use ext_php_rs::zend::ModuleEntry;

fn row(k: &str, v: &str) {
    let (k, v) = (super::ffi::c_text(k), super::ffi::c_text(v));
    // SAFETY: both are valid NUL-terminated strings for the duration of the
    // call; php_info_print_table_row copies them into the output.
    unsafe { php_info_print_table_row(2, k.as_ptr(), v.as_ptr()) };
}

/// Called by phpinfo(). No panic may leave it (it is `extern "C"`): it only
/// formats strings.
pub(crate) extern "C" fn info(module: *mut ModuleEntry) {
    let sers: Vec<&str> = [Serializer::Php, Serializer::Igbinary, Serializer::Msgpack]
        .into_iter()
        .filter(|s| serializer_available(*s))
        .map(Serializer::name)
        .collect();
    let (pools, open) = registry::summary();
    // SAFETY: called by the engine while printing phpinfo().
    unsafe { php_info_print_table_start() };
    row("tagcache support", "enabled");
    row("version", env!("CARGO_PKG_VERSION"));
    row("serializers", &sers.join(", "));
    row("persistent pools", &pools.to_string());
    row("persistent connections open", &open.to_string());
    // SAFETY: as above.
    unsafe { php_info_print_table_end() };
    // SAFETY: `module` is the entry the engine handed to this function.
    unsafe { super::ffi::display_ini_entries(module) };
}
