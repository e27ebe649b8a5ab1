//! Property tests of the wire codec and the reply parser: whatever bytes the
//! network hands us must never panic, and every value we encode must read
//! back as exactly that value (strings byte for byte, floats bit for bit).
//!
//! Run: `cargo test --test fuzz_codec` (PROPTEST_CASES raises the case count).

use proptest::prelude::*;
use tagcache::client::codec::{self, WireValue};
use tagcache::client::protocol::{parse_reply, Kind};

const ALL_KINDS: [Kind; 12] = [
    Kind::Get,
    Kind::Put,
    Kind::Add,
    Kind::Incr,
    Kind::Decr,
    Kind::Del,
    Kind::InvTag,
    Kind::InvTagsAny,
    Kind::InvTagsAll,
    Kind::Keys,
    Kind::Stats,
    Kind::Flush,
];

/// Bytes biased towards what the codec and parser branch on: markers,
/// serialize() fragments, digits, signs, whitespace, TAB/CR/LF/NUL and
/// high bytes (invalid UTF-8), plus fully arbitrary bytes.
fn tricky_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"__TC_".to_vec()),
        Just(b"__TC_NULL__".to_vec()),
        Just(b"__TC_SERIALIZED__".to_vec()),
        Just(b"__TC_IGBINARY__".to_vec()),
        Just(b"__TC_MSGPACK__".to_vec()),
        Just(b"s:".to_vec()),
        Just(b"i:".to_vec()),
        Just(b"d:".to_vec()),
        Just(b"\";".to_vec()),
        Just(b"VALUE\t".to_vec()),
        Just(b"STATS\t".to_vec()),
        Just(b"KEYS\t".to_vec()),
        Just(b"INV_TAG\t".to_vec()),
        Just(b"FLUSH\t".to_vec()),
        Just(b"ERR ".to_vec()),
        Just(b"DEL ".to_vec()),
        Just(b"1e".to_vec()),
        Just(b"9223372036854775808".to_vec()),
        Just(b"-9223372036854775809".to_vec()),
        Just(b"=".to_vec()),
        prop::collection::vec(
            prop::sample::select(&b"0123456789+-.eE \t\r\n\x0b\x0c\x00,:;\"aZ/="[..]),
            0..12
        ),
        prop::collection::vec(any::<u8>(), 0..16),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|v| v.concat())
}

fn any_input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![prop::collection::vec(any::<u8>(), 0..256), tricky_bytes(),]
}

/// A `__TC_<ser>__` prefix plus base64 of arbitrary bytes: reaches the
/// payload readers behind a valid base64 layer.
fn marker_payload() -> impl Strategy<Value = Vec<u8>> {
    use base64::Engine;
    (
        prop::sample::select(vec![
            &b"__TC_SERIALIZED__"[..],
            &b"__TC_IGBINARY__"[..],
            &b"__TC_MSGPACK__"[..],
        ]),
        tricky_bytes(),
    )
        .prop_map(|(p, payload)| {
            let mut v = p.to_vec();
            v.extend_from_slice(
                base64::engine::general_purpose::STANDARD
                    .encode(payload)
                    .as_bytes(),
            );
            v
        })
}

fn enc_str(s: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    codec::encode_str(&mut v, s);
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn decode_never_panics(b in any_input()) {
        let _ = codec::decode(&b);
    }

    #[test]
    fn decode_marker_payload_never_panics(b in marker_payload()) {
        let _ = codec::decode(&b);
    }

    #[test]
    fn parse_reply_never_panics(b in any_input()) {
        for k in ALL_KINDS {
            let _ = parse_reply(k, &b);
        }
    }

    /// Well-formed reply heads followed by junk: the parser must answer
    /// Ok or Err for each kind, not panic.
    #[test]
    fn parse_reply_heads_never_panic(
        head in prop::sample::select(vec![
            &b"VALUE\t"[..], b"STATS\t", b"KEYS\t", b"INV_TAG\t", b"INV_TAGS_ANY\t",
            b"INV_TAGS_ALL\t", b"INV_KEYS\t", b"FLUSH\t", b"DEL ", b"ERR ", b"OK",
            b"ADDED", b"EXISTS", b"NF",
        ]),
        tail in any_input(),
    ) {
        let mut line = head.to_vec();
        line.extend_from_slice(&tail);
        for k in ALL_KINDS {
            let _ = parse_reply(k, &line);
        }
    }

    #[test]
    fn strings_round_trip(s in any_input()) {
        let wire = enc_str(&s);
        prop_assert!(!wire.contains(&b'\n'), "LF in wire text {:?}", wire);
        prop_assert!(!wire.ends_with(b"\r"), "wire text ends with CR {:?}", wire);
        match codec::decode(&wire) {
            Ok(WireValue::Str(got)) => prop_assert_eq!(got.as_ref(), s.as_slice()),
            other => prop_assert!(false, "{:?} decoded to {:?}", s, other),
        }
    }

    #[test]
    fn utf8_strings_round_trip(s in "\\PC*") {
        let wire = enc_str(s.as_bytes());
        prop_assert!(!wire.contains(&b'\n'));
        prop_assert!(!wire.ends_with(b"\r"));
        prop_assert_eq!(codec::decode(&wire).ok(), Some(WireValue::Str(s.into_bytes().into())));
    }

    #[test]
    fn ints_round_trip(i in any::<i64>()) {
        let mut wire = Vec::new();
        codec::encode_int(&mut wire, i);
        prop_assert_eq!(codec::decode(&wire).ok(), Some(WireValue::Int(i)));
    }

    #[test]
    fn floats_round_trip(bits in any::<u64>()) {
        let f = f64::from_bits(bits);
        let mut wire = Vec::new();
        codec::encode_float(&mut wire, f);
        prop_assert!(!wire.contains(&b'\n'));
        match codec::decode(&wire) {
            Ok(WireValue::Float(g)) => {
                if f.is_nan() {
                    prop_assert!(g.is_nan());
                } else {
                    prop_assert_eq!(g.to_bits(), f.to_bits(), "{} -> {:?} -> {}", f, String::from_utf8_lossy(&wire), g);
                }
            }
            other => prop_assert!(false, "{} ({:?}) decoded to {:?}", f, String::from_utf8_lossy(&wire), other),
        }
    }

    #[test]
    fn normal_floats_round_trip(f in prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO) {
        let mut wire = Vec::new();
        codec::encode_float(&mut wire, f);
        match codec::decode(&wire) {
            Ok(WireValue::Float(g)) => prop_assert_eq!(g.to_bits(), f.to_bits()),
            other => prop_assert!(false, "{} decoded to {:?}", f, other),
        }
    }
}

#[test]
fn non_finite_floats_round_trip() {
    for f in [f64::INFINITY, f64::NEG_INFINITY] {
        let mut wire = Vec::new();
        codec::encode_float(&mut wire, f);
        assert_eq!(codec::decode(&wire).unwrap(), WireValue::Float(f));
    }
    let mut wire = Vec::new();
    codec::encode_float(&mut wire, f64::NAN);
    assert!(matches!(codec::decode(&wire).unwrap(), WireValue::Float(g) if g.is_nan()));
}
