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
    // The persistent pools' fork handlers, for the same reason.
    client::registry::init();
    php::ini::register(module_number);
    match php::exceptions::register() {
        Ok(()) => 0,
        Err(_) => -1,
    }
}

/// MSHUTDOWN: close the persistent pools' sockets; unregister the INI
/// entries (PHP does that itself only for a module without a shutdown
/// function).
extern "C" fn shutdown(_ty: i32, module_number: i32) -> i32 {
    client::registry::close_all();
    php::ffi::unregister_ini_entries(module_number);
    0
}

#[php_module]
#[php(startup = "startup")]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    module
        .shutdown_function(shutdown)
        .class::<php::tagcache::TagCache>()
        .class::<php::pipeline::TagCachePipeline>()
        .info_function(php::info::info)
}
