//! tagcache: a PHP extension, the client of a TagCache server.
//! Registration only; see client/ (pure Rust) and php/ (the PHP layer).
#![allow(non_snake_case)]

pub mod client;
pub mod php;

use ext_php_rs::prelude::*;

fn startup(_ty: i32, module_number: i32) -> i32 {
    // Register the fork handler now, while PHP has one thread: a fork on
    // another thread during a lazy registration could leave it half done.
    client::fork::generation();
    php::ini::register(module_number);
    php::session::startup(module_number);
    php::diagnostics::install();
    match php::exceptions::register() {
        Ok(()) => 0,
        Err(_) => -1,
    }
}

/// MSHUTDOWN: take the error hooks out, close the persistent pools'
/// sockets (a host that restarts PHP in the same process must not keep
/// them), unregister the INI entries (PHP does that itself only for a
/// module without a shutdown function). Nothing in it can panic (a panic
/// here would abort PHP).
extern "C" fn shutdown(_ty: i32, module_number: i32) -> i32 {
    php::diagnostics::uninstall();
    client::registry::close_all();
    php::ffi::unregister_ini_entries(module_number);
    0
}

#[php_module]
#[php(startup = "startup")]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    php::functions::register(module)
        .class::<php::tagcache::TagCache>()
        .class::<php::pipeline::TagCachePipeline>()
        .info_function(php::info::info)
        .shutdown_function(shutdown)
}
