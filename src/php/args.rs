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
//!
//! Elements of an array parameter that lists keys or tags follow the same
//! rule in the coercive mode (`string_elem`); under strict_types a string
//! or an int is accepted (PHP itself turns numeric string array keys into
//! ints: `array_keys()` of `['5' => ..]` is `[5]`).
//!
//! `dispatch_method` runs a method registered by hand (arginfo declaring
//! `string $key`, `int $by = 1`, ...) with these rules: ext-php-rs's own
//! method glue accepts exact types only, in either mode.

use ext_php_rs::class::RegisteredClass;
use ext_php_rs::error::php_error;
use ext_php_rs::exception::PhpException;
use ext_php_rs::ffi::{
    zend_function, zend_string, zend_wrong_parameters_count_error, ZEND_ACC_STRICT_TYPES,
};
use ext_php_rs::flags::{DataType, ErrorType};
use ext_php_rs::types::{ZendClassObject, ZendHashTable, ZendStr, Zval};
use ext_php_rs::zend::{ce, ExecuteData, ExecutorGlobals};
use std::ffi::CStr;
use std::panic::{catch_unwind, AssertUnwindSafe};
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

/// `Class::method` or `function`, as PHP prints it.
fn function_name(f: *const zend_function) -> String {
    // SAFETY: `f` is null or the function of a frame that is still running
    // (an `Args` lives only during its call); `common` is valid for every
    // kind of function; its name and scope are engine strings/classes that
    // outlive the call.
    unsafe {
        let Some(f) = f.as_ref() else {
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
    /// The function running, named in messages (`func()`); read only when
    /// a message is made, which keeps a call that succeeds cheap.
    function: *const zend_function,
    /// How many arguments the caller passed (named arguments that skip an
    /// optional one count it: the engine fills in its default).
    pub given: u32,
}

impl Args {
    /// For the internal function or method now running
    /// (`EG(current_execute_data)`): `ZEND_ARG_USES_STRICT_TYPES()`.
    pub fn current() -> Args {
        let eg = ExecutorGlobals::get();
        // SAFETY: during a call EG(current_execute_data) is null or the
        // frame of the running internal function.
        match unsafe { eg.current_execute_data.as_ref() } {
            Some(ex) => Args::of_frame(ex),
            None => Args {
                strict: false,
                function: std::ptr::null(),
                given: 0,
            },
        }
    }

    /// For the call running in frame `ex` (the handler's own frame).
    pub fn of_frame(ex: &ExecuteData) -> Args {
        // SAFETY: `prev_execute_data` of a running frame is the caller's
        // frame (or null), whose `func` is null or a live function; every
        // member of the `u2` union of `This` is a u32.
        unsafe {
            let strict = ex
                .prev_execute_data
                .as_ref()
                .and_then(|p| p.func.as_ref())
                .is_some_and(|f| f.common.fn_flags & ZEND_ACC_STRICT_TYPES != 0);
            Args {
                strict,
                function: ex.func,
                given: ex.This.u2.num_args,
            }
        }
    }

    /// `Class::method` or `function` of the call, as PHP prints it.
    pub fn func(&self) -> String {
        function_name(self.function)
    }

    /// Whether argument #`num` (from 1) was passed: an optional one that
    /// was not takes its declared default.
    pub fn passed(&self, num: u32) -> bool {
        num <= self.given
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
        format!("{}(): Argument #{num} (${name}) {what}", self.func())
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

    /// A `string|array` parameter (`str_replace()`'s `$search`): an array
    /// stays as it is; anything else is made a string in place by the
    /// `string` rule, with PHP's wording for the union type
    /// (`must be of type array|string, int given` under strict_types;
    /// null is deprecated in the coercive mode, and becomes "").
    pub fn array_or_string(&self, z: &mut Zval, num: u32, name: &str) -> PResult<()> {
        let z = deref_mut(z);
        if z.is_array() || z.is_string() {
            return Ok(());
        }
        const WANT: &str = "array|string";
        if self.strict {
            return Err(self.wrong(num, name, WANT, z));
        }
        if z.is_null() {
            // What `zend_null_arg_deprecated()` says, with the union's name
            // (the arginfo of such a parameter declares `mixed`).
            php_error(
                &ErrorType::Deprecated,
                &format!("Passing null to parameter #{num} (${name}) of type {WANT} is deprecated"),
            );
            if ExecutorGlobals::has_exception() {
                return Err(self.wrong(num, name, WANT, z));
            }
            z.set_string("", false)
                .map_err(|_| self.wrong(num, name, WANT, z))?;
            return Ok(());
        }
        self.string_as(z, num, name, WANT).map(|_| ())
    }

    /// An element of an array parameter that lists strings (keys, tags),
    /// handed to `f` as bytes. A string as it is and an int as its decimal
    /// text, in either mode; in the coercive mode also whatever a `string`
    /// parameter accepts, converted the same way (`1.5` is "1.5", `true`
    /// is "1", a Stringable object its string). Anything else (null, an
    /// array, under strict_types a float, bool or object) is a TypeError
    /// worded as PHP words a bad element: `f(): Argument #3 ($tags) must
    /// contain only strings, array given`. The caller's array is never
    /// changed: a value to convert is copied first.
    pub fn string_elem<R>(
        &self,
        v: &Zval,
        num: u32,
        name: &str,
        f: impl FnOnce(&[u8]) -> R,
    ) -> PResult<R> {
        let v = v.dereference();
        if let Some(s) = v.zend_str() {
            return Ok(f(s.as_bytes()));
        }
        if let Some(i) = v.long() {
            return Ok(f(i.to_string().as_bytes()));
        }
        let bad = |v: &Zval| {
            self.type_error(
                num,
                name,
                &format!("must contain only strings, {} given", type_name(v)),
            )
        };
        // Null is not a string here in either mode: PHP's deprecation of
        // null for a string parameter names a parameter, not an element.
        if self.strict || v.is_null() || v.is_array() {
            return Err(bad(v));
        }
        let Some(conv) = weak().string else {
            return Err(bad(v));
        };
        let mut tmp = v.shallow_clone();
        let mut out: *mut zend_string = std::ptr::null_mut();
        // SAFETY: `tmp` is our own counted copy of the element; the engine
        // converts it in place (releasing what it held) and points `out`
        // into it.
        let ok = unsafe { conv(&mut tmp, &mut out, num) };
        if !ok || ExecutorGlobals::has_exception() {
            return Err(bad(v));
        }
        match tmp.zend_str() {
            Some(s) => Ok(f(s.as_bytes())),
            None => Err(bad(v)),
        }
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

/// The body of a method registered by hand: `$this`, the call's argument
/// rules, the `N` declared arguments (counted copies; one not passed is
/// null, and `Args::passed` tells), and the return value.
pub type MethodBody<T, const N: usize> =
    fn(&mut ZendClassObject<T>, &Args, &mut [Zval; N], &mut Zval) -> PResult<()>;

/// Runs `body` for a call of a method of `T` taking `min..=N` arguments:
/// the strict mode of the caller read first, the argument count checked as
/// `zend_parse_parameters` does (ArgumentCountError), panics kept from
/// unwinding into the engine, an error thrown.
pub fn dispatch_method<T: RegisteredClass, const N: usize>(
    ex: &mut ExecuteData,
    ret: &mut Zval,
    min: u32,
    body: MethodBody<T, N>,
) {
    let args = Args::of_frame(ex);
    let n = args.given;
    if n < min || n as usize > N {
        // SAFETY: called from the running internal method; the engine
        // throws the ArgumentCountError for it.
        unsafe { zend_wrong_parameters_count_error(min, N as u32) };
        return;
    }
    let mut zvals: [Zval; N] = std::array::from_fn(|i| {
        if i < n as usize {
            // SAFETY: i < num_args, so the slot holds an initialised
            // argument that lives as long as the frame; we take a counted
            // copy, so converting it never touches the caller's value.
            unsafe { ex.zend_call_arg(i) }
                .map(|z| z.shallow_clone())
                .unwrap_or_default()
        } else {
            Zval::new()
        }
    });
    ret.set_null();
    let Some(this) = ex.get_object::<T>() else {
        PhpException::new(
            format!("{}(): called without its object", args.func()),
            0,
            ce::error(),
        )
        .throw();
        return;
    };
    run_body(&args, || body(this, &args, &mut zvals, ret));
}

/// Runs the body of a call: its error thrown, a panic kept from unwinding
/// into the engine (an `Error` instead).
pub fn run_body(args: &Args, body: impl FnOnce() -> PResult<()>) {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => e.throw(),
        Err(_) => PhpException::new(
            format!(
                "{}(): internal error in the tagcache extension",
                args.func()
            ),
            0,
            ce::error(),
        )
        .throw(),
    }
}
