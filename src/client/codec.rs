//! Value encoding (docs/protocol.md, "Values"): PHP values as wire text that
//! round-trips exactly and that the other TagCache clients read the same.
//! Arrays and objects arrive here already serialized by the PHP layer.

use super::config::{Compression, Options, Serializer};
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
    append_base64(out, payload);
}

fn append_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    let start = out.len();
    out.resize(
        start + base64::encoded_len(bytes.len(), true).unwrap_or(0),
        0,
    );
    let n = STANDARD.encode_slice(bytes, &mut out[start..]).unwrap_or(0);
    out.truncate(start + n);
}

/// The prefix of a compressed value, naming its codec (`None` has none).
pub fn compressed_prefix(c: Compression) -> &'static [u8] {
    match c {
        Compression::None => b"",
        Compression::Lz4 => b"__TC_LZ4__",
        Compression::Zstd => b"__TC_ZSTD__",
    }
}

/// How values are compressed when written: the options `compression`,
/// `compression_min_bytes` and `compression_level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compress {
    pub codec: Compression,
    pub min_bytes: usize,
    pub level: i32,
}

impl Default for Compress {
    fn default() -> Compress {
        Compress::NONE
    }
}

impl Compress {
    /// No compression.
    pub const NONE: Compress = Compress {
        codec: Compression::None,
        min_bytes: 0,
        level: 0,
    };

    pub fn of(o: &Options) -> Compress {
        Compress {
            codec: o.compression,
            min_bytes: o.compression_min_bytes,
            level: o.compression_level,
        }
    }
}

/// Compressed values (README, "Compressed values"): the wire text of a
/// value (as `encode_*` write it) compressed, in base64 after the prefix
/// naming the codec: `__TC_LZ4__` + base64(one LZ4 frame), `__TC_ZSTD__` +
/// base64(one zstd frame), each in its codec's standard frame format and
/// recording the content's size and a checksum of it (so a reader bounds
/// the size before expanding, and a corrupt value can never read as some
/// other value). Replaces the wire text
/// `out[start..]` by that when compression is on, the text is at least
/// `min_bytes` long and the compressed form is shorter; otherwise leaves
/// it as it is.
pub fn compress_tail(out: &mut Vec<u8>, start: usize, c: Compress) {
    let wire = &out[start..];
    if c.codec == Compression::None || wire.is_empty() || wire.len() < c.min_bytes {
        return;
    }
    // Neither fails on data in memory; if one did, the value is stored
    // plain.
    let packed = match c.codec {
        Compression::None => return,
        Compression::Lz4 => match lz4_frame(wire) {
            Ok(p) => p,
            Err(_) => return,
        },
        Compression::Zstd => match zstd_frame(wire, c.level) {
            Ok(p) => p,
            Err(_) => return,
        },
    };
    let prefix = compressed_prefix(c.codec);
    let len = base64::encoded_len(packed.len(), true).map_or(usize::MAX, |n| n + prefix.len());
    if len >= wire.len() {
        return;
    }
    out.truncate(start);
    out.extend_from_slice(prefix);
    append_base64(out, &packed);
}

fn lz4_frame(wire: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write as _;
    let info = lz4_flex::frame::FrameInfo::new()
        .content_size(Some(wire.len() as u64))
        .content_checksum(true);
    let mut enc = lz4_flex::frame::FrameEncoder::with_frame_info(info, Vec::new());
    enc.write_all(wire)?;
    enc.finish().map_err(std::io::Error::other)
}

fn zstd_frame(wire: &[u8], level: i32) -> std::io::Result<Vec<u8>> {
    let mut z = zstd::bulk::Compressor::new(level)?;
    z.include_checksum(true)?;
    z.include_contentsize(true)?;
    z.compress(wire)
}

/// The content size an LZ4 frame header records (the frame format:
/// magic, FLG whose bit 3 says the size follows BD, as 8 bytes LE).
fn lz4_content_size(frame: &[u8]) -> Option<u64> {
    let (magic, rest) = frame.split_first_chunk::<4>()?;
    if u32::from_le_bytes(*magic) != 0x184D_2204 {
        return None;
    }
    let (&flg, rest) = rest.split_first()?;
    if flg & 0x08 == 0 {
        return None;
    }
    let size = rest.get(1..9)?;
    Some(u64::from_le_bytes(size.try_into().ok()?))
}

/// The wire text inside a compressed value, at most `max` bytes: the
/// length it declares is checked before anything is allocated for it.
fn decompress(c: Compression, b64: &[u8], max: usize) -> Result<Vec<u8>> {
    let name = String::from_utf8_lossy(compressed_prefix(c)).into_owned();
    let corrupt = |why: String| Error::Decode(format!("{name} value is corrupt: {why}"));
    let packed = STANDARD
        .decode(b64)
        .map_err(|e| corrupt(format!("not valid base64 ({e})")))?;
    let too_big = |n: u64| {
        Error::Decode(format!(
            "{name} value would expand to {n} bytes, more than max_value_bytes ({max}): refused"
        ))
    };
    let (n, out) = match c {
        Compression::None => return Err(corrupt("no codec".into())),
        Compression::Lz4 => {
            use std::io::Read as _;
            let Some(n) = lz4_content_size(&packed) else {
                return Err(corrupt("not an LZ4 frame that records its size".into()));
            };
            if n > max as u64 {
                return Err(too_big(n));
            }
            // LZ4 expands each byte 255 times at the most: a longer
            // declared size is a lie, refused before allocating.
            if n > (packed.len() as u64).saturating_mul(255) {
                return Err(corrupt(format!(
                    "{} bytes cannot expand to the {n} it declares",
                    packed.len()
                )));
            }
            let n = n as usize;
            let mut out = Vec::with_capacity(n);
            // Never more than one byte past the size it declares; the
            // decoder checks the content checksum at the frame's end.
            lz4_flex::frame::FrameDecoder::new(&packed[..])
                .take(n as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| corrupt(e.to_string()))?;
            (n, out)
        }
        Compression::Zstd => {
            let n = match zstd::zstd_safe::get_frame_content_size(&packed) {
                Ok(Some(n)) => n,
                Ok(None) => return Err(corrupt("the frame does not record its size".into())),
                Err(_) => return Err(corrupt("not a zstd frame".into())),
            };
            if n > max as u64 {
                return Err(too_big(n));
            }
            let n = n as usize;
            let out = zstd::bulk::decompress(&packed, n).map_err(|e| corrupt(e.to_string()))?;
            (n, out)
        }
    };
    if out.len() != n {
        return Err(corrupt(format!(
            "{} bytes came out of the {n} it declares",
            out.len()
        )));
    }
    Ok(out)
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

/// The longest value `decode` expands a compressed value to: the default
/// of `max_value_bytes`.
pub const DEFAULT_MAX_VALUE_BYTES: usize = 64 << 20;

impl WireValue<'_> {
    /// The same value, owning its bytes.
    pub fn into_owned(self) -> WireValue<'static> {
        match self {
            WireValue::Null => WireValue::Null,
            WireValue::Bool(b) => WireValue::Bool(b),
            WireValue::Int(i) => WireValue::Int(i),
            WireValue::Float(f) => WireValue::Float(f),
            WireValue::Str(s) => WireValue::Str(Cow::Owned(s.into_owned())),
            WireValue::Serialized(ser, p) => WireValue::Serialized(ser, p),
        }
    }
}

/// Reads the wire text of a value, a compressed one expanding to at most
/// `DEFAULT_MAX_VALUE_BYTES`.
pub fn decode(v: &[u8]) -> Result<WireValue<'_>> {
    decode_limited(v, DEFAULT_MAX_VALUE_BYTES)
}

/// Reads the wire text of a value; a compressed value (whatever this
/// client's own `compression`) is expanded, to at most `max` bytes, and
/// read as the wire text it holds.
pub fn decode_limited(v: &[u8], max: usize) -> Result<WireValue<'_>> {
    if v.starts_with(MARKER_START) {
        for c in [Compression::Lz4, Compression::Zstd] {
            if let Some(b64) = v.strip_prefix(compressed_prefix(c)) {
                let inner = decompress(c, b64, max)?;
                if [Compression::Lz4, Compression::Zstd]
                    .iter()
                    .any(|&c| inner.starts_with(compressed_prefix(c)))
                {
                    return Err(Error::Decode(
                        "a compressed value holds another compressed value: refused".into(),
                    ));
                }
                return decode_plain(&inner).map(WireValue::into_owned);
            }
        }
    }
    decode_plain(v)
}

/// Reads the wire text of a value that is not compressed.
fn decode_plain(v: &[u8]) -> Result<WireValue<'_>> {
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

    fn compressed(wire: &[u8], codec: Compression, min_bytes: usize) -> Vec<u8> {
        let mut out = b"PUT\tk\t-\t-\t".to_vec();
        let start = out.len();
        out.extend_from_slice(wire);
        let c = Compress {
            codec,
            min_bytes,
            level: 0,
        };
        compress_tail(&mut out, start, c);
        assert!(
            out.starts_with(b"PUT\tk\t-\t-\t"),
            "the line before it is kept"
        );
        out.split_off(start)
    }

    #[test]
    fn compressed_values_round_trip_and_only_when_smaller() {
        let json = br#"{"id":1,"name":"a name","tags":["x","y"]},"#.repeat(200);
        let mut ser = Vec::new();
        encode_serialized(
            &mut ser,
            Serializer::Php,
            &b"a:1:{i:0;s:3:\"abc\";}".repeat(300),
        );
        let mut odd = Vec::new();
        encode_str(&mut odd, &b"line\nbreak\0".repeat(500));
        for codec in [Compression::Lz4, Compression::Zstd] {
            let prefix = compressed_prefix(codec);
            for wire in [&json[..], &ser, &odd] {
                let c = compressed(wire, codec, 2048);
                assert!(c.starts_with(prefix), "{codec:?}");
                assert!(c.len() < wire.len());
                assert!(memchr::memchr3(b'\n', b'\r', 0, &c).is_none());
                assert_eq!(decode(&c).unwrap(), decode(wire).unwrap().into_owned());
            }
            // Under min_bytes, or not smaller: as it was.
            assert_eq!(compressed(&json[..2047], codec, 2048), &json[..2047]);
            assert_eq!(compressed(b"__TC_NULL__", codec, 0), b"__TC_NULL__");
            let mut noise = Vec::new();
            let mut x = 0x9e37_79b9_7f4a_7c15u64;
            for _ in 0..3000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                noise.push(x as u8);
            }
            let mut wire = Vec::new();
            encode_str(&mut wire, &noise);
            assert_eq!(
                compressed(&wire, codec, 0),
                wire,
                "random bytes do not shrink"
            );
            assert_eq!(compressed(&json, Compression::None, 0), json);
        }
        // zstd records the size in the frame (what the bound checks).
        let c = compressed(&json, Compression::Zstd, 0);
        let packed = STANDARD
            .decode(&c[compressed_prefix(Compression::Zstd).len()..])
            .unwrap();
        assert_eq!(
            zstd::zstd_safe::get_frame_content_size(&packed).unwrap(),
            Some(json.len() as u64)
        );
    }

    #[test]
    fn corrupt_or_oversized_compressed_values_are_refused() {
        let json = br#"{"k":"some text that repeats"},"#.repeat(500);
        for codec in [Compression::Lz4, Compression::Zstd] {
            let prefix = compressed_prefix(codec);
            let c = compressed(&json, codec, 0);
            let mut packed = STANDARD.decode(&c[prefix.len()..]).unwrap();
            // Over the reader's limit: refused, whatever the data.
            let e = decode_limited(&c, json.len() - 1).unwrap_err();
            assert!(e.to_string().contains("more than max_value_bytes"), "{e}");
            assert!(decode_limited(&c, json.len()).is_ok());
            // Not base64, cut short, bytes flipped: errors, never a value.
            let mut bad = prefix.to_vec();
            bad.extend_from_slice(b"!!!");
            assert!(matches!(decode(&bad), Err(Error::Decode(_))));
            for cut in [0, 3, packed.len() / 2, packed.len() - 1] {
                let mut w = prefix.to_vec();
                append_base64(&mut w, &packed[..cut]);
                assert!(
                    matches!(decode(&w), Err(Error::Decode(_))),
                    "{codec:?} cut {cut}"
                );
            }
            let mid = packed.len() / 2;
            for b in &mut packed[mid..mid + 8] {
                *b ^= 0x5a;
            }
            let mut w = prefix.to_vec();
            append_base64(&mut w, &packed);
            // The frames' checksums: a flip never reads as a value.
            assert!(
                matches!(decode(&w), Err(Error::Decode(_))),
                "{codec:?} flipped"
            );
        }
        // A bomb: a few bytes that declare (LZ4) or hold (zstd) 100 MB.
        let mut lz = vec![0x04, 0x22, 0x4d, 0x18, 0x68, 0x40];
        lz.extend_from_slice(&100_000_000u64.to_le_bytes());
        lz.extend_from_slice(&[0, 0x1f, b'x', 0xff, 0xff, 0xff]);
        let mut w = compressed_prefix(Compression::Lz4).to_vec();
        append_base64(&mut w, &lz);
        assert!(decode(&w)
            .unwrap_err()
            .to_string()
            .contains("more than max_value_bytes"));
        assert!(decode_limited(&w, 200_000_000)
            .unwrap_err()
            .to_string()
            .contains("cannot expand"));
        let zeros = vec![b'a'; 100_000_000];
        let z = zstd::bulk::compress(&zeros, 19).unwrap();
        assert!(z.len() < 10_000);
        let mut w = compressed_prefix(Compression::Zstd).to_vec();
        append_base64(&mut w, &z);
        assert!(decode(&w)
            .unwrap_err()
            .to_string()
            .contains("more than max_value_bytes"));
        // A compressed value inside a compressed value.
        let inner = compressed(&json, Compression::Lz4, 0);
        let outer = compressed(&inner.repeat(1), Compression::Zstd, 0);
        assert!(decode(&outer)
            .unwrap_err()
            .to_string()
            .contains("another compressed value"));
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
