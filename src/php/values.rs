//! PHP values to wire text and back (docs/protocol.md, "Values"). Scalars
//! and strings are encoded by the Rust codec; arrays and objects go through
//! the chosen PHP serializer. Nothing here holds a Rust lock while it calls
//! into PHP.

use super::diagnostics;
use super::exceptions::{tagcache_error, type_error};
use crate::client::codec::{self, Compress, WireValue};
use crate::client::config::{AllowedClasses, Serializer};
use ext_php_rs::convert::IntoZvalDyn;
use ext_php_rs::exception::PhpException;
use ext_php_rs::flags::DataType;
use ext_php_rs::types::{ZendCallable, ZendHashTable, ZendStr, Zval};

type PResult<T> = Result<T, PhpException>;

fn functions(s: Serializer) -> (&'static str, &'static str) {
    match s {
        Serializer::Php => ("serialize", "unserialize"),
        Serializer::Igbinary => ("igbinary_serialize", "igbinary_unserialize"),
        Serializer::Msgpack => ("msgpack_pack", "msgpack_unpack"),
    }
}

/// Whether the PHP extension behind a serializer is loaded.
pub fn serializer_available(s: Serializer) -> bool {
    ZendCallable::try_from_name(functions(s).0).is_ok()
}

fn call(name: &str, args: Vec<&dyn IntoZvalDyn>) -> PResult<Zval> {
    let f = ZendCallable::try_from_name(name).map_err(|_| {
        tagcache_error(format!(
            "{name}() is not available: is its PHP extension loaded?"
        ))
    })?;
    // A pending exception (e.g. "Serialization of 'Closure' is not
    // allowed") propagates as it is: `throw()` of ours does not replace it.
    f.try_call(args)
        .map_err(|e| tagcache_error(format!("{name}() failed: {e}")))
}

/// Appends the wire text of `v`.
pub fn encode(v: &Zval, ser: Serializer, out: &mut Vec<u8>) -> PResult<()> {
    let v = v.dereference();
    // Strings, the common value of a bulk write, before the type dispatch
    // of `get_type` (a fifth of the cost of encoding a short string).
    if let Some(s) = v.zend_str() {
        codec::encode_str(out, s.as_bytes());
        return Ok(());
    }
    match v.get_type() {
        DataType::Null | DataType::Undef => codec::encode_null(out),
        DataType::False => codec::encode_bool(out, false),
        DataType::True => codec::encode_bool(out, true),
        DataType::Bool => codec::encode_bool(out, v.is_true()),
        DataType::Long => codec::encode_int(out, v.long().unwrap_or(0)),
        DataType::Double => codec::encode_float(out, v.double().unwrap_or(0.0)),
        DataType::String => {
            let s = v.zend_str().map(ZendStr::as_bytes).unwrap_or(b"");
            codec::encode_str(out, s)
        }
        DataType::Array | DataType::Object(_) => {
            let (ser_fn, _) = functions(ser);
            let r = call(ser_fn, vec![v as &dyn IntoZvalDyn])?;
            let bytes = r.zend_str().map(ZendStr::as_bytes).ok_or_else(|| {
                tagcache_error(format!("{ser_fn}() could not serialize the value"))
            })?;
            codec::encode_serialized(out, ser, bytes);
        }
        other => {
            return Err(type_error(format!(
                "a value of type {other} cannot be stored"
            )))
        }
    }
    Ok(())
}

/// Appends the wire text of `v`, compressed when `comp` says so and that
/// makes it shorter (codec.rs, "Compressed values").
pub fn encode_compressed(
    v: &Zval,
    ser: Serializer,
    comp: Compress,
    out: &mut Vec<u8>,
) -> PResult<()> {
    let start = out.len();
    encode(v, ser, out)?;
    codec::compress_tail(out, start, comp);
    Ok(())
}

pub fn string_zval(bytes: &[u8]) -> Zval {
    let mut z = Zval::new();
    z.set_zend_string(ZendStr::new(bytes, false));
    z
}

/// The PHP value of a wire text; a compressed value expands to at most
/// `max` bytes (max_value_bytes).
pub fn decode(wire: &[u8], allowed: &AllowedClasses, max: usize) -> PResult<Zval> {
    let w = codec::decode_limited(wire, max).map_err(|e| tagcache_error(e.to_string()))?;
    let mut z = Zval::new();
    match w {
        WireValue::Null => z.set_null(),
        WireValue::Bool(b) => z.set_bool(b),
        WireValue::Int(i) => z.set_long(i),
        WireValue::Float(f) => z.set_double(f),
        WireValue::Str(s) => return Ok(string_zval(&s)),
        WireValue::Serialized(ser, payload) => return unserialize(ser, &payload, allowed),
    }
    Ok(z)
}

/// Decodes a payload with the unserializer of `ser`. Its own complaints
/// about the payload are kept back by diagnostics.rs and become the message
/// of our exception; a payload it could not decode always throws, never
/// reads as null or false.
fn unserialize(ser: Serializer, payload: &[u8], allowed: &AllowedClasses) -> PResult<Zval> {
    let (_, unser_fn) = functions(ser);
    let data = string_zval(payload);
    // Whatever an earlier call left (it may have ended in a fatal error).
    diagnostics::take();
    let result = match (ser, allowed) {
        (Serializer::Php, AllowedClasses::All) => {
            call(unser_fn, vec![&data as &dyn IntoZvalDyn])
        }
        (Serializer::Php, restricted) => {
            let mut opts = ZendHashTable::new();
            match restricted {
                AllowedClasses::List(list) => {
                    let mut l = ZendHashTable::new();
                    for c in list {
                        l.push(c.as_str()).map_err(|e| tagcache_error(e.to_string()))?;
                    }
                    opts.insert("allowed_classes", l)
                }
                _ => opts.insert("allowed_classes", false),
            }
            .map_err(|e| tagcache_error(e.to_string()))?;
            let mut oz = Zval::new();
            oz.set_hashtable(opts);
            call(unser_fn, vec![&data as &dyn IntoZvalDyn, &oz])
        }
        (_, AllowedClasses::All) => call(unser_fn, vec![&data as &dyn IntoZvalDyn]),
        (_, _) => {
            return Err(tagcache_error(format!(
                "allowed_classes cannot be enforced for a {} payload; only the php serializer honours it",
                ser.name()
            )))
        }
    };
    let complaint = diagnostics::take();
    let result = result?;
    // unserialize() says "failed" by returning false (with a notice);
    // igbinary_unserialize() and msgpack_unpack() by returning null (with
    // a warning, or none for an empty msgpack payload). A stored false or
    // null is a marker the codec reads itself, but another client may
    // have serialized one: those payloads are told apart.
    let failed = match ser {
        Serializer::Php => result.is_false() && !is_false_payload(ser, payload),
        _ => result.is_null() && !is_null_payload(ser, payload),
    };
    if failed || complaint.is_some() {
        // php_error_docref() starts its text with "unserialize(): ".
        let why = complaint
            .map(|c| {
                let own = format!("{unser_fn}(): ");
                format!(": {}", c.strip_prefix(own.as_str()).unwrap_or(&c))
            })
            .unwrap_or_default();
        return Err(tagcache_error(format!(
            "{unser_fn}() could not decode the stored {} payload ({} bytes){why}",
            ser.name(),
            payload.len()
        )));
    }
    Ok(result)
}

fn is_false_payload(ser: Serializer, p: &[u8]) -> bool {
    match ser {
        Serializer::Php => p == b"b:0;",
        Serializer::Igbinary => p.len() == 5 && p[4] == 0x04,
        Serializer::Msgpack => p == [0xc2],
    }
}

/// igbinary: a 4-byte version header, then type 0x00 (null); msgpack: nil.
fn is_null_payload(ser: Serializer, p: &[u8]) -> bool {
    match ser {
        Serializer::Php => p == b"N;",
        Serializer::Igbinary => p.len() == 5 && p[4] == 0x00,
        Serializer::Msgpack => p == [0xc0],
    }
}
