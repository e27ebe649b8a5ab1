//! The PHP layer: the only code that knows PHP.

pub mod args;
pub mod diagnostics;
pub mod exceptions;
pub mod ffi;
pub mod functions;
pub mod info;
pub mod ini;
pub mod pipeline;
pub mod plan;
pub mod session;
pub mod session_ffi;
pub mod session_store;
pub mod tagcache;
pub mod values;
