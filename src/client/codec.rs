//! Value encoding (docs/protocol.md, "Values"): PHP values as wire text that
//! round-trips exactly and that the other TagCache clients read the same.
//! Arrays and objects arrive here already serialized by the PHP layer.

use super::config::Serializer;
use super::error::{Error, Result};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::borrow::Cow;
use std::io::Write;

pub const NULL: &[u8] = b"__TC_NULL__";
pub const TRUE: &[u8] = b"__TC_TRUE__";
pub const FALSE: &[u8] = b"__TC_FALSE__";
pub const MARKER_START: &[u8] = b"__TC_";

/// The prefix naming the serializer of an encoded payload.
pub fn prefix(s: Serializer) -> &'static [u8] {
    match s {
        Serializer::Php => b"__TC_SERIALIZED__",
        Serializer::Igbinary => b"__TC_IGBINARY__",
        Serializer::Msgpack => b"__TC_MSGPACK__",
    }
}

/// A value as read from the wire, before the PHP layer turns it into a zval.
/// A plain string borrows the wire text; only a string that came out of a
/// serialized payload is owned.
#[derive(Debug, Clone, PartialEq)]
pub enum WireValue<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, [u8]>),
    /// A payload for the named unserializer (arrays, objects, anything the
    /// fast path below does not read itself).
    Serialized(Serializer, Vec<u8>),
}

pub fn encode_null(out: &mut Vec<u8>) {
    out.extend_from_slice(NULL)
}

pub fn encode_bool(out: &mut Vec<u8>, b: bool) {
    out.extend_from_slice(if b { TRUE } else { FALSE })
}

pub fn encode_int(out: &mut Vec<u8>, i: i64) {
    let _ = write!(out, "{i}");
}

/// The shortest text that reads back as the same float, always with a `.`
/// or an exponent so that it reads back as a float, not an int. INF, -INF
/// and NAN have no such text: they go as serialized PHP floats.
pub fn encode_float(out: &mut Vec<u8>, f: f64) {
    if f.is_finite() {
        // Rust's `Debug` for f64 is the shortest round-trip text and keeps
        // ".0" or an exponent ("1.0", "1e300", "-0.0").
        let _ = write!(out, "{f:?}");
    } else {
        let payload: &[u8] = if f.is_nan() {
            b"d:NAN;"
        } else if f > 0.0 {
            b"d:INF;"
        } else {
            b"d:-INF;"
        };
        encode_serialized(out, Serializer::Php, payload);
    }
}

/// A string goes as it is only when it would read back as the same string;
/// otherwise as `__TC_SERIALIZED__` + base64(serialize($s)).
pub fn encode_str(out: &mut Vec<u8>, s: &[u8]) {
    if str_is_plain(s) {
        super::scan::append(out, s);
    } else {
        let mut ser = Vec::with_capacity(s.len() + 16);
        let _ = write!(ser, "s:{}:\"", s.len());
        ser.extend_from_slice(s);
        ser.extend_from_slice(b"\";");
        encode_serialized(out, Serializer::Php, &ser);
    }
}

pub fn encode_serialized(out: &mut Vec<u8>, s: Serializer, payload: &[u8]) {
    out.extend_from_slice(prefix(s));
    let start = out.len();
    out.resize(
        start + base64::encoded_len(payload.len(), true).unwrap_or(0),
        0,
    );
    let n = STANDARD
        .encode_slice(payload, &mut out[start..])
        .unwrap_or(0);
    out.truncate(start + n);
}

/// True when `s` can be written as it is: valid UTF-8, no CR, LF or NUL, not
/// starting with the marker prefix, not numeric by PHP's rules.
pub fn str_is_plain(s: &[u8]) -> bool {
    if s.starts_with(MARKER_START) {
        return false;
    }
    // Short printable ASCII (most cache values of a bulk write): one pass
    // word by word (scan.rs), and `numeric` only for a string that starts
    // the way a number can.
    if s.len() <= SHORT_STR && super::scan::printable_ascii(s) {
        let may_be_number = s.first().is_some_and(|&b| {
            b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.') || is_php_space(b)
        });
        return !may_be_number || numeric(s).is_none();
    }
    memchr::memchr3(b'\r', b'\n', 0, s).is_none()
        && numeric(s).is_none()
        && std::str::from_utf8(s).is_ok()
}

/// Up to this length a string is checked word by word; past it memchr and
/// the UTF-8 validator, vectorised, are faster per byte.
const SHORT_STR: usize = 256;

/// A number read as PHP reads a numeric string.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Numeric {
    Int(i64),
    Float(f64),
}

fn is_php_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// PHP 8's `is_numeric()` and the value it gives: optional white space,
/// sign, digits with an optional fraction (or a fraction alone), optional
/// exponent, optional trailing white space. Integers that overflow become
/// floats, as in PHP.
pub fn numeric(s: &[u8]) -> Option<Numeric> {
    let mut i = 0;
    while i < s.len() && is_php_space(s[i]) {
        i += 1;
    }
    let start = i;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        i += 1;
    }
    let int_start = i;
    while i < s.len() && s[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - int_start;
    let mut is_float = false;
    if i < s.len() && s[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - frac_start;
        is_float = true;
    }
    if digits == 0 {
        return None;
    }
    if i < s.len() && (s[i] == b'e' || s[i] == b'E') {
        let mut j = i + 1;
        if j < s.len() && (s[j] == b'+' || s[j] == b'-') {
            j += 1;
        }
        let exp_start = j;
        while j < s.len() && s[j].is_ascii_digit() {
            j += 1;
        }
        if j == exp_start {
            return None;
        }
        i = j;
        is_float = true;
    }
    let end = i;
    while i < s.len() && is_php_space(s[i]) {
        i += 1;
    }
    if i != s.len() {
        return None;
    }
    // Only ASCII from start to end.
    let text = std::str::from_utf8(&s[start..end]).ok()?;
    if !is_float {
        if let Ok(v) = text.parse::<i64>() {
            return Some(Numeric::Int(v));
        }
    }
    text.parse::<f64>().ok().map(Numeric::Float)
}

/// Reads the wire text of a value.
pub fn decode(v: &[u8]) -> Result<WireValue<'_>> {
    if v.starts_with(MARKER_START) {
        match v {
            NULL => return Ok(WireValue::Null),
            TRUE => return Ok(WireValue::Bool(true)),
            FALSE => return Ok(WireValue::Bool(false)),
            _ => {}
        }
        for s in [Serializer::Php, Serializer::Igbinary, Serializer::Msgpack] {
            if let Some(b64) = v.strip_prefix(prefix(s)) {
                let payload = STANDARD.decode(b64).map_err(|e| {
                    Error::Decode(format!(
                        "{} payload is not valid base64 ({e})",
                        String::from_utf8_lossy(prefix(s))
                    ))
                })?;
                if s == Serializer::Php {
                    if let Some(w) = php_scalar(&payload) {
                        return Ok(w);
                    }
                }
                return Ok(WireValue::Serialized(s, payload));
            }
        }
    }
    Ok(match numeric(v) {
        Some(Numeric::Int(i)) => WireValue::Int(i),
        Some(Numeric::Float(f)) => WireValue::Float(f),
        None => WireValue::Str(Cow::Borrowed(v)),
    })
}

/// Reads the scalars of PHP's serialize() format without calling into PHP:
/// `s:N:"...";`, `i:N;`, `d:X;`, `b:0;`, `b:1;`, `N;`. Anything else (or any
/// doubt) is left to unserialize().
fn php_scalar(p: &[u8]) -> Option<WireValue<'static>> {
    match p {
        b"N;" => return Some(WireValue::Null),
        b"b:0;" => return Some(WireValue::Bool(false)),
        b"b:1;" => return Some(WireValue::Bool(true)),
        b"d:INF;" => return Some(WireValue::Float(f64::INFINITY)),
        b"d:-INF;" => return Some(WireValue::Float(f64::NEG_INFINITY)),
        b"d:NAN;" => return Some(WireValue::Float(f64::NAN)),
        _ => {}
    }
    if let Some(rest) = p.strip_prefix(b"s:") {
        let colon = memchr::memchr(b':', rest)?;
        let len: usize = std::str::from_utf8(&rest[..colon]).ok()?.parse().ok()?;
        let body = rest.get(colon + 1..)?;
        if body.len().checked_sub(3) != Some(len) || body[0] != b'"' || &body[len + 1..] != b"\";" {
            return None;
        }
        return Some(WireValue::Str(Cow::Owned(body[1..len + 1].to_vec())));
    }
    let num = |prefix: &[u8]| -> Option<&str> {
        std::str::from_utf8(p.strip_prefix(prefix)?.strip_suffix(b";")?).ok()
    };
    if let Some(t) = num(b"i:") {
        return t.parse().ok().map(WireValue::Int);
    }
    if let Some(t) = num(b"d:") {
        if t.bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
        {
            return t.parse().ok().map(WireValue::Float);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc_str(s: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        encode_str(&mut v, s);
        v
    }

    fn enc_float(f: f64) -> String {
        let mut v = Vec::new();
        encode_float(&mut v, f);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn numeric_rules() {
        use Numeric::*;
        assert_eq!(numeric(b"123"), Some(Int(123)));
        assert_eq!(numeric(b" 42"), Some(Int(42)));
        assert_eq!(numeric(b"42 \n"), Some(Int(42)));
        assert_eq!(numeric(b"-7"), Some(Int(-7)));
        assert_eq!(numeric(b"+7"), Some(Int(7)));
        assert_eq!(numeric(b"007"), Some(Int(7)));
        assert_eq!(numeric(b"1e3"), Some(Float(1000.0)));
        assert_eq!(numeric(b"1."), Some(Float(1.0)));
        assert_eq!(numeric(b".5"), Some(Float(0.5)));
        assert_eq!(numeric(b"-0.0"), Some(Float(-0.0)));
        assert_eq!(
            numeric(b"9223372036854775808"),
            Some(Float(9223372036854775808.0))
        );
        assert_eq!(numeric(b"-9223372036854775808"), Some(Int(i64::MIN)));
        for no in [
            &b""[..],
            b" ",
            b".",
            b"-",
            b"1e",
            b"1e+",
            b"0x1A",
            b"abc",
            b"1 2",
            b"inf",
            b"NAN",
            b"1_000",
        ] {
            assert_eq!(numeric(no), None, "{:?}", String::from_utf8_lossy(no));
        }
    }

    #[test]
    fn floats_keep_their_type() {
        assert_eq!(enc_float(2.0), "2.0");
        assert_eq!(enc_float(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(enc_float(-0.0), "-0.0");
        assert_eq!(enc_float(1e300), "1e300");
        assert_eq!(enc_float(f64::INFINITY), "__TC_SERIALIZED__ZDpJTkY7");
        for f in [2.0, -0.0, 0.1 + 0.2, 1e300, 5e-324, f64::MAX, -1.5e-10] {
            let text = enc_float(f);
            let w = decode(text.as_bytes()).unwrap();
            match w {
                WireValue::Float(g) => assert_eq!(g.to_bits(), f.to_bits()),
                other => panic!("{f}: {other:?}"),
            }
        }
        for f in [f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(
                decode(enc_float(f).as_bytes()).unwrap(),
                WireValue::Float(f)
            );
        }
        assert!(
            matches!(decode(enc_float(f64::NAN).as_bytes()).unwrap(), WireValue::Float(f) if f.is_nan())
        );
    }

    #[test]
    fn strings_round_trip() {
        let cases: Vec<&[u8]> = vec![
            b"hello",
            b"",
            b"123",
            b"007",
            b" 42",
            b"1e3",
            b"__TC_NULL__",
            b"__TC_SERIALIZED__abc",
            b"a\nb",
            b"a\rb",
            b"cr\r",
            b"a\0b",
            b"a\tb",
            b"\xff\xfe",
            b"spaces  ",
            "gr\u{fc}\u{df}e".as_bytes(),
        ];
        for s in cases {
            let wire = enc_str(s);
            assert!(memchr::memchr(b'\n', &wire).is_none());
            assert!(!wire.ends_with(b"\r"));
            assert_eq!(
                decode(&wire).unwrap(),
                WireValue::Str(s.to_vec().into()),
                "{s:?}"
            );
        }
        assert_eq!(enc_str(b"hello"), b"hello");
        assert!(enc_str(b"123").starts_with(b"__TC_SERIALIZED__"));
        let big = vec![b'x'; 10 << 20];
        assert_eq!(decode(&enc_str(&big)).unwrap(), WireValue::Str(big.into()));
    }

    #[test]
    fn other_clients_text() {
        assert_eq!(decode(b"123").unwrap(), WireValue::Int(123));
        assert_eq!(decode(b"1.5").unwrap(), WireValue::Float(1.5));
        assert_eq!(decode(b"__TC_NULL__").unwrap(), WireValue::Null);
        assert_eq!(decode(b"__TC_TRUE__").unwrap(), WireValue::Bool(true));
        assert_eq!(decode(b"__TC_FALSE__").unwrap(), WireValue::Bool(false));
        assert_eq!(
            decode(b"__TC_OTHER").unwrap(),
            WireValue::Str(b"__TC_OTHER".to_vec().into())
        );
        // serialize([1,2])
        let mut w = Vec::new();
        encode_serialized(&mut w, Serializer::Php, b"a:2:{i:0;i:1;i:1;i:2;}");
        assert_eq!(
            decode(&w).unwrap(),
            WireValue::Serialized(Serializer::Php, b"a:2:{i:0;i:1;i:1;i:2;}".to_vec())
        );
        assert!(matches!(
            decode(b"__TC_SERIALIZED__!!!notbase64"),
            Err(Error::Decode(_))
        ));
        let mut w = Vec::new();
        encode_serialized(&mut w, Serializer::Igbinary, b"\x00\x00\x00\x02\x06\x01");
        assert!(w.starts_with(b"__TC_IGBINARY__"));
        assert!(matches!(
            decode(&w).unwrap(),
            WireValue::Serialized(Serializer::Igbinary, _)
        ));
    }

    #[test]
    fn php_scalars() {
        assert_eq!(php_scalar(b"i:-5;"), Some(WireValue::Int(-5)));
        assert_eq!(php_scalar(b"d:0.5;"), Some(WireValue::Float(0.5)));
        assert_eq!(php_scalar(b"d:1.0E+25;"), Some(WireValue::Float(1.0e25)));
        assert_eq!(
            php_scalar(b"s:3:\"a\"b\";"),
            Some(WireValue::Str(b"a\"b".to_vec().into()))
        );
        assert_eq!(php_scalar(b"s:4:\"a\"b\";"), None);
        assert_eq!(php_scalar(b"s:99999999999999999999:\"\";"), None);
        // Lengths near usize::MAX must not wrap around (a stored value of
        // this shape made every reader panic).
        for k in 0..4usize {
            for body in ["\";", "\"\";", "\"x\";", ""] {
                let p = format!("s:{}:{body}", usize::MAX - k);
                assert_eq!(php_scalar(p.as_bytes()), None, "{p}");
                let mut wire = Vec::new();
                encode_serialized(&mut wire, Serializer::Php, p.as_bytes());
                assert!(matches!(decode(&wire), Ok(WireValue::Serialized(..))));
            }
        }
        assert_eq!(php_scalar(b"a:0:{}"), None);
    }
}
