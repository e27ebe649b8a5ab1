//! Scalar and array parameters checked and coerced by PHP's own rules, as
//! `zend_parse_parameters` does for the engine's functions:
//!
//! - in the default (coercive) mode an int, float, bool or Stringable object
//!   becomes the string a `string` parameter wants, a numeric string or a
//!   float with no fraction becomes the int an `int` parameter wants, and
//!   null passed to a non-nullable scalar is accepted with PHP 8.1's
//!   deprecation;
//! - under `declare(strict_types=1)` in the *calling* file only the exact
//!   type is accepted (an int for a float is the one widening PHP allows,
//!   and no parameter here is a float);
//! - a wrong type is a `TypeError` worded as PHP words it:
//!   `tagcache_put(): Argument #2 ($key) must be of type string, array given`.
//!
//! The conversions themselves are the engine's (`zend_parse_arg_*_weak`,
//! looked up with dlsym at first use), so edge cases (leading-numeric
//! strings, floats with a fraction, `__toString()`, the deprecations and a
//! user error handler that throws from them) behave exactly as for PHP's
//! own functions. Usable from any internal function or method: the names
//! in messages come from the function now running.

use ext_php_rs::exception::PhpException;
use ext_php_rs::ffi::{zend_string, ZEND_ACC_STRICT_TYPES};
use ext_php_rs::flags::DataType;
use ext_php_rs::types::{ZendHashTable, ZendStr, Zval};
use ext_php_rs::zend::{ce, ExecuteData, ExecutorGlobals};
use std::ffi::CStr;
use std::sync::OnceLock;

pub type PResult<T> = Result<T, PhpException>;

type WeakLong = unsafe extern "C" fn(*mut Zval, *mut i64, u32) -> bool;
type WeakStr = unsafe extern "C" fn(*mut Zval, *mut *mut zend_string, u32) -> bool;
type WeakBool = unsafe extern "C" fn(*mut Zval, *mut bool, u32) -> bool;

struct Weak {
    long: Option<WeakLong>,
    string: Option<WeakStr>,
    boolean: Option<WeakBool>,
}

fn dlsym(name: &CStr) -> *mut libc::c_void {
    // SAFETY: dlsym with RTLD_DEFAULT only reads the loaded symbol tables;
    // the name is NUL-terminated.
    unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) }
}

fn weak() -> &'static Weak {
    static W: OnceLock<Weak> = OnceLock::new();
    W.get_or_init(|| {
        let long = dlsym(c"zend_parse_arg_long_weak");
        let string = dlsym(c"zend_parse_arg_str_weak");
        let boolean = dlsym(c"zend_parse_arg_bool_weak");
        // SAFETY: each symbol, when present, is the engine's function of
        // exactly that signature (Zend/zend_API.h, PHP 8.x: ZEND_FASTCALL is
        // the plain C convention on x86-64 and aarch64); a null pointer
        // stays None.
        unsafe {
            Weak {
                long: (!long.is_null()).then(|| std::mem::transmute::<_, WeakLong>(long)),
                string: (!string.is_null()).then(|| std::mem::transmute::<_, WeakStr>(string)),
                boolean: (!boolean.is_null()).then(|| std::mem::transmute::<_, WeakBool>(boolean)),
            }
        }
    })
}

/// PHP's name of a value's type in "X given" (`zend_zval_type_name`).
pub fn type_name(z: &Zval) -> String {
    let z = z.dereference();
    match z.get_type() {
        DataType::Null | DataType::Undef => "null".into(),
        DataType::False | DataType::True | DataType::Bool => "bool".into(),
        DataType::Long => "int".into(),
        DataType::Double => "float".into(),
        DataType::String => "string".into(),
        DataType::Array => "array".into(),
        // An anonymous class's name runs on after a NUL; PHP prints the
        // part before it ("class@anonymous").
        DataType::Object(_) => z
            .object()
            .and_then(|o| o.get_class_name().ok())
            .map(|n| n.split('\0').next().unwrap_or_default().to_owned())
            .unwrap_or_else(|| "object".into()),
        DataType::Resource => "resource".into(),
        other => other.to_string(),
    }
}

/// `Class::method` or `function` of a frame, as PHP prints it.
fn frame_name(ex: &ExecuteData) -> String {
    // SAFETY: `func` of a live frame is null or the zend_function being run;
    // `common` is valid for every kind of function; its name and scope are
    // engine strings/classes that outlive the call.
    unsafe {
        let Some(f) = ex.func.as_ref() else {
            return "{unknown}".into();
        };
        let name = f
            .common
            .function_name
            .as_ref()
            .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
            .unwrap_or_else(|| "{closure}".into());
        match f.common.scope.as_ref().and_then(|c| c.name()) {
            Some(class) => format!("{class}::{name}"),
            None => name,
        }
    }
}

/// The argument rules of one call of an internal function or method: the
/// strict mode of its caller and its name for messages. Build it once at
/// the start of the call, before anything else runs PHP code.
#[derive(Debug, Clone)]
pub struct Args {
    pub strict: bool,
    pub func: String,
}

impl Args {
    /// For the internal function or method now running
    /// (`EG(current_execute_data)`): `ZEND_ARG_USES_STRICT_TYPES()`.
    pub fn current() -> Args {
        let eg = ExecutorGlobals::get();
        // SAFETY: during a call EG(current_execute_data) is the frame of the
        // running internal function; its `prev_execute_data` is the caller's
        // frame (or null), whose `func` is null or a live function.
        unsafe {
            let Some(ex) = eg.current_execute_data.as_ref() else {
                return Args {
                    strict: false,
                    func: "{main}".into(),
                };
            };
            let strict = ex
                .prev_execute_data
                .as_ref()
                .and_then(|p| p.func.as_ref())
                .is_some_and(|f| f.common.fn_flags & ZEND_ACC_STRICT_TYPES != 0);
            Args {
                strict,
                func: frame_name(ex),
            }
        }
    }

    /// `f(): Argument #n ($name) <what>` as a TypeError.
    pub fn type_error(&self, num: u32, name: &str, what: &str) -> PhpException {
        PhpException::new(self.arg_message(num, name, what), 0, ce::type_error())
    }

    /// `f(): Argument #n ($name) <what>` as a ValueError.
    pub fn value_error(&self, num: u32, name: &str, what: &str) -> PhpException {
        PhpException::new(self.arg_message(num, name, what), 0, ce::value_error())
    }

    pub fn arg_message(&self, num: u32, name: &str, what: &str) -> String {
        format!("{}(): Argument #{num} (${name}) {what}", self.func)
    }

    fn wrong(&self, num: u32, name: &str, want: &str, z: &Zval) -> PhpException {
        self.type_error(
            num,
            name,
            &format!("must be of type {want}, {} given", type_name(z)),
        )
    }

    /// A `string` parameter; the zval is converted in place when coerced.
    pub fn string<'z>(&self, z: &'z mut Zval, num: u32, name: &str) -> PResult<&'z ZendStr> {
        self.string_as(z, num, name, "string")
    }

    /// A `?string` parameter.
    pub fn opt_string<'z>(
        &self,
        z: &'z mut Zval,
        num: u32,
        name: &str,
    ) -> PResult<Option<&'z ZendStr>> {
        if z.dereference().is_null() {
            return Ok(None);
        }
        self.string_as(z, num, name, "?string").map(Some)
    }

    fn string_as<'z>(
        &self,
        z: &'z mut Zval,
        num: u32,
        name: &str,
        want: &str,
    ) -> PResult<&'z ZendStr> {
        let z = deref_mut(z);
        if z.is_string() {
            return z.zend_str().ok_or_else(|| self.wrong(num, name, want, z));
        }
        if self.strict {
            return Err(self.wrong(num, name, want, z));
        }
        let Some(f) = weak().string else {
            return Err(self.wrong(num, name, want, z));
        };
        let mut out: *mut zend_string = std::ptr::null_mut();
        // SAFETY: `z` is a live, writable zval (a parameter slot of the
        // running frame or a value we own); the engine converts it in place
        // and points `out` into it.
        let ok = unsafe { f(z, &mut out, num) };
        if !ok || ExecutorGlobals::has_exception() {
            return Err(self.wrong(num, name, want, z));
        }
        z.zend_str().ok_or_else(|| self.wrong(num, name, want, z))
    }

    /// An `int` parameter.
    pub fn long(&self, z: &mut Zval, num: u32, name: &str) -> PResult<i64> {
        self.long_as(z, num, name, "int")
    }

    /// A `?int` parameter.
    pub fn opt_long(&self, z: &mut Zval, num: u32, name: &str) -> PResult<Option<i64>> {
        if z.dereference().is_null() {
            return Ok(None);
        }
        self.long_as(z, num, name, "?int").map(Some)
    }

    fn long_as(&self, z: &mut Zval, num: u32, name: &str, want: &str) -> PResult<i64> {
        let z = deref_mut(z);
        if let Some(i) = z.long() {
            return Ok(i);
        }
        if self.strict {
            return Err(self.wrong(num, name, want, z));
        }
        let Some(f) = weak().long else {
            return Err(self.wrong(num, name, want, z));
        };
        let mut out = 0i64;
        // SAFETY: as in `string_as`; the engine only reads `z` here.
        let ok = unsafe { f(z, &mut out, num) };
        if !ok || ExecutorGlobals::has_exception() {
            return Err(self.wrong(num, name, want, z));
        }
        Ok(out)
    }

    /// A `bool` parameter.
    pub fn boolean(&self, z: &mut Zval, num: u32, name: &str) -> PResult<bool> {
        let z = deref_mut(z);
        if z.is_true() {
            return Ok(true);
        }
        if z.is_false() {
            return Ok(false);
        }
        if self.strict {
            return Err(self.wrong(num, name, "bool", z));
        }
        let Some(f) = weak().boolean else {
            return Err(self.wrong(num, name, "bool", z));
        };
        let mut out = false;
        // SAFETY: as in `long_as`.
        let ok = unsafe { f(z, &mut out, num) };
        if !ok || ExecutorGlobals::has_exception() {
            return Err(self.wrong(num, name, "bool", z));
        }
        Ok(out)
    }

    /// An `array` parameter (never coerced, in either mode).
    pub fn array<'z>(&self, z: &'z Zval, num: u32, name: &str) -> PResult<&'z ZendHashTable> {
        let z = z.dereference();
        z.array().ok_or_else(|| self.wrong(num, name, "array", z))
    }

    /// A `?array` parameter.
    pub fn opt_array<'z>(
        &self,
        z: &'z Zval,
        num: u32,
        name: &str,
    ) -> PResult<Option<&'z ZendHashTable>> {
        let z = z.dereference();
        if z.is_null() {
            return Ok(None);
        }
        z.array()
            .map(Some)
            .ok_or_else(|| self.wrong(num, name, "?array", z))
    }

    /// A parameter typed with a class: an instance of `class` (or of a
    /// subclass).
    pub fn object_of<'z>(
        &self,
        z: &'z Zval,
        num: u32,
        name: &str,
        class: &str,
    ) -> PResult<&'z Zval> {
        let z = z.dereference();
        let ok = z.object().is_some_and(|o| {
            ext_php_rs::zend::ClassEntry::try_find(class).is_some_and(|c| o.instance_of(c))
        });
        if ok {
            Ok(z)
        } else {
            Err(self.wrong(num, name, class, z))
        }
    }
}

fn deref_mut(z: &mut Zval) -> &mut Zval {
    z.dereference_mut()
}
