//! The PHP layer: the only code that knows PHP.

pub mod diagnostics;
pub mod exceptions;
pub mod ffi;
pub mod info;
pub mod ini;
pub mod pipeline;
pub mod plan;
pub mod tagcache;
pub mod values;
