//! The exception classes, registered in MINIT with `ClassBuilder` so they
//! are real PHP exceptions (file, line, trace; constructible from PHP), and
//! the mapping of client errors to them.

use super::ffi;
use crate::client::{Error, ErrorKind};
use ext_php_rs::builders::ClassBuilder;
use ext_php_rs::exception::PhpException;
use ext_php_rs::zend::{ce, ClassEntry};
use std::sync::atomic::{AtomicPtr, Ordering};

static BASE: AtomicPtr<ClassEntry> = AtomicPtr::new(std::ptr::null_mut());
static CONNECTION: AtomicPtr<ClassEntry> = AtomicPtr::new(std::ptr::null_mut());
static SERVER: AtomicPtr<ClassEntry> = AtomicPtr::new(std::ptr::null_mut());

fn load(p: &AtomicPtr<ClassEntry>) -> &'static ClassEntry {
    // SAFETY: the pointers are set once in MINIT to class entries the engine
    // owns until shutdown; before that (never in a request) we fall back.
    unsafe { p.load(Ordering::Acquire).as_ref() }.unwrap_or_else(ce::exception)
}

pub fn base_ce() -> &'static ClassEntry {
    load(&BASE)
}
pub fn connection_ce() -> &'static ClassEntry {
    load(&CONNECTION)
}
pub fn server_ce() -> &'static ClassEntry {
    load(&SERVER)
}

fn runtime_exception() -> &'static ClassEntry {
    ffi::runtime_exception_ce().unwrap_or_else(ce::exception)
}

/// Registers TagCacheException (extends RuntimeException) and its two
/// children. Called from MINIT.
pub fn register() -> ext_php_rs::error::Result<()> {
    ClassBuilder::new("TagCacheException")
        .extends((runtime_exception, "RuntimeException"))
        .registration(|ce, _| BASE.store(ce, Ordering::Release))
        .register()?;
    ClassBuilder::new("TagCacheConnectionException")
        .extends((base_ce, "TagCacheException"))
        .registration(|ce, _| CONNECTION.store(ce, Ordering::Release))
        .register()?;
    ClassBuilder::new("TagCacheServerException")
        .extends((base_ce, "TagCacheException"))
        .registration(|ce, _| SERVER.store(ce, Ordering::Release))
        .register()?;
    Ok(())
}

/// The exception class for a client error.
pub fn class_of(e: &Error) -> &'static ClassEntry {
    match e.kind() {
        ErrorKind::InvalidArgument => ce::value_error(),
        ErrorKind::InvalidType => ce::type_error(),
        ErrorKind::Connection => connection_ce(),
        ErrorKind::Server => server_ce(),
        ErrorKind::Other => base_ce(),
    }
}

/// A client error becomes the exception of its kind, so PHP-layer code
/// propagates client errors with `?`.
impl From<Error> for PhpException {
    fn from(e: Error) -> PhpException {
        let class = class_of(&e);
        exception(e.to_string(), class)
    }
}

/// Every exception of ours is made here. Messages escape what they quote
/// (`client::error::shown`); a NUL byte that slipped through anyway is
/// written as `\0` here, since PHP cannot throw a message holding one (the
/// exception would turn into an `Error` saying so).
fn exception(msg: String, class: &'static ClassEntry) -> PhpException {
    let msg = if msg.contains('\0') {
        msg.replace('\0', "\\0")
    } else {
        msg
    };
    PhpException::new(msg, 0, class)
}

pub fn value_error(msg: impl Into<String>) -> PhpException {
    exception(msg.into(), ce::value_error())
}

pub fn type_error(msg: impl Into<String>) -> PhpException {
    exception(msg.into(), ce::type_error())
}

pub fn tagcache_error(msg: impl Into<String>) -> PhpException {
    exception(msg.into(), base_ce())
}
