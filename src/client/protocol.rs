//! The TagCache line protocol (PROTOCOL.md): requests to bytes, reply lines
//! to `Reply`, and the validation of keys, tags and TTLs that keeps any
//! request from being misread by the server.

use super::error::{invalid, Error, Result};
use std::io::Write;

/// Rejects a key the protocol cannot carry: empty, or holding TAB, CR, LF
/// (they would split the request line) or a comma (it would split KEYS
/// replies and INV_KEYS lists).
pub fn validate_key(key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(invalid("key must not be empty"));
    }
    if let Some(c) = key.chars().find(|c| matches!(c, '\t' | '\r' | '\n' | ',')) {
        return Err(invalid(format!(
            "key must not contain {}: {:?}",
            char_name(c),
            key
        )));
    }
    Ok(())
}

/// A key `validate_key` accepts for sure, by a quick scan: ASCII, not
/// empty, no TAB, CR, LF or comma. (A false answer means "check it with
/// `validate_key`", not "invalid": non-ASCII UTF-8 keys are fine.)
pub fn plain_key(k: &[u8]) -> bool {
    !k.is_empty() && k.iter().all(|&c| KEY_PLAIN[c as usize])
}

/// The bytes `plain_key` accepts: ASCII but TAB, CR, LF and comma.
static KEY_PLAIN: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x80 {
        t[c] = !matches!(c as u8, b'\t' | b'\r' | b'\n' | b',');
        c += 1;
    }
    t
};

/// Rejects a tag the protocol cannot carry: empty, `-` (means "no tags"),
/// holding TAB, CR, LF or a comma, or starting or ending with white space
/// (INV_TAGS_* trim it away, so such a tag could never be invalidated).
pub fn validate_tag(tag: &str) -> Result<()> {
    if tag.is_empty() {
        return Err(invalid("tag must not be empty"));
    }
    if tag == "-" {
        return Err(invalid("tag \"-\" is reserved (it means no tags)"));
    }
    if let Some(c) = tag.chars().find(|c| matches!(c, '\t' | '\r' | '\n' | ',')) {
        return Err(invalid(format!(
            "tag must not contain {}: {:?}",
            char_name(c),
            tag
        )));
    }
    if tag.starts_with(char::is_whitespace) || tag.ends_with(char::is_whitespace) {
        return Err(invalid(format!(
            "tag must not start or end with white space: {tag:?}"
        )));
    }
    Ok(())
}

pub fn validate_tags<S: AsRef<str>>(tags: &[S]) -> Result<()> {
    tags.iter().try_for_each(|t| validate_tag(t.as_ref()))
}

/// A TTL in milliseconds from PHP: null is none, negative is refused.
pub fn validate_ttl(ttl: Option<i64>) -> Result<Option<u64>> {
    match ttl {
        None => Ok(None),
        Some(t) if t < 0 => Err(invalid(format!("ttlMs must be null or >= 0, {t} given"))),
        Some(t) => Ok(Some(t as u64)),
    }
}

fn char_name(c: char) -> &'static str {
    match c {
        '\t' => "a TAB",
        '\r' => "a CR",
        '\n' => "a LF",
        _ => "a comma",
    }
}

/// What a request expects back; also the retry class of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Get,
    Put,
    Add,
    Incr,
    Decr,
    Del,
    InvTag,
    InvTagsAny,
    InvTagsAll,
    InvKeys,
    Keys,
    Stats,
    Flush,
}

impl Kind {
    pub fn verb(self) -> &'static str {
        match self {
            Kind::Get => "GET",
            Kind::Put => "PUT",
            Kind::Add => "ADD",
            Kind::Incr => "INCR",
            Kind::Decr => "DECR",
            Kind::Del => "DEL",
            Kind::InvTag => "INV_TAG",
            Kind::InvTagsAny => "INV_TAGS_ANY",
            Kind::InvTagsAll => "INV_TAGS_ALL",
            Kind::InvKeys => "INV_KEYS",
            Kind::Keys => "KEYS_BY_TAG",
            Kind::Stats => "STATS",
            Kind::Flush => "FLUSH",
        }
    }

    /// May be sent again when the connection broke before any byte of its
    /// reply was read: doing it twice leaves the same state as once.
    pub fn idempotent(self) -> bool {
        !matches!(self, Kind::Add | Kind::Incr | Kind::Decr)
    }
}

/// One request, owned (pipelines queue these). Keys and tags are validated
/// by the constructors in `Command::*` helpers of the callers.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Get(String),
    Put {
        key: String,
        value: Vec<u8>,
        tags: Vec<String>,
        ttl: Option<u64>,
    },
    Add {
        key: String,
        value: Vec<u8>,
        tags: Vec<String>,
        ttl: Option<u64>,
    },
    Incr {
        key: String,
        by: i64,
        tags: Vec<String>,
        ttl: Option<u64>,
    },
    Decr {
        key: String,
        by: i64,
        tags: Vec<String>,
        ttl: Option<u64>,
    },
    Del(String),
    InvTag(String),
    InvTagsAny(Vec<String>),
    InvTagsAll(Vec<String>),
    InvKeys(Vec<String>),
    Keys(String),
    Stats,
    Flush,
}

impl Command {
    pub fn kind(&self) -> Kind {
        match self {
            Command::Get(_) => Kind::Get,
            Command::Put { .. } => Kind::Put,
            Command::Add { .. } => Kind::Add,
            Command::Incr { .. } => Kind::Incr,
            Command::Decr { .. } => Kind::Decr,
            Command::Del(_) => Kind::Del,
            Command::InvTag(_) => Kind::InvTag,
            Command::InvTagsAny(_) => Kind::InvTagsAny,
            Command::InvTagsAll(_) => Kind::InvTagsAll,
            Command::InvKeys(_) => Kind::InvKeys,
            Command::Keys(_) => Kind::Keys,
            Command::Stats => Kind::Stats,
            Command::Flush => Kind::Flush,
        }
    }

    /// Appends the request line, `\n` included.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Command::Get(k) => encode_get(out, k),
            Command::Put {
                key,
                value,
                tags,
                ttl,
            } => encode_store(out, "PUT", key, value, tags, *ttl),
            Command::Add {
                key,
                value,
                tags,
                ttl,
            } => encode_store(out, "ADD", key, value, tags, *ttl),
            Command::Incr { key, by, tags, ttl } => {
                encode_counter(out, "INCR", key, *by, tags, *ttl)
            }
            Command::Decr { key, by, tags, ttl } => {
                encode_counter(out, "DECR", key, *by, tags, *ttl)
            }
            Command::Del(k) => encode_simple(out, "DEL", k),
            Command::InvTag(t) => encode_simple(out, "INV_TAG", t),
            Command::InvTagsAny(t) => encode_list(out, "INV_TAGS_ANY", t),
            Command::InvTagsAll(t) => encode_list(out, "INV_TAGS_ALL", t),
            Command::InvKeys(k) => encode_list(out, "INV_KEYS", k),
            Command::Keys(t) => encode_simple(out, "KEYS_BY_TAG", t),
            Command::Stats => out.extend_from_slice(b"STATS\n"),
            Command::Flush => out.extend_from_slice(b"FLUSH\n"),
        }
    }
}

pub fn encode_get(out: &mut Vec<u8>, key: &str) {
    encode_simple(out, "GET", key)
}

pub fn encode_simple(out: &mut Vec<u8>, verb: &str, arg: &str) {
    out.reserve(verb.len() + arg.len() + 2);
    out.extend_from_slice(verb.as_bytes());
    out.push(b'\t');
    out.extend_from_slice(arg.as_bytes());
    out.push(b'\n');
}

fn encode_list<S: AsRef<str>>(out: &mut Vec<u8>, verb: &str, items: &[S]) {
    out.extend_from_slice(verb.as_bytes());
    out.push(b'\t');
    push_joined(out, items);
    out.push(b'\n');
}

fn push_joined<S: AsRef<str>>(out: &mut Vec<u8>, items: &[S]) {
    for (i, t) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(t.as_ref().as_bytes());
    }
}

fn push_ttl_tags<S: AsRef<str>>(out: &mut Vec<u8>, tags: &[S], ttl: Option<u64>) {
    match ttl {
        Some(t) => {
            let _ = write!(out, "\t{t}\t");
        }
        None => out.extend_from_slice(b"\t-\t"),
    }
    if tags.is_empty() {
        out.push(b'-');
    } else {
        push_joined(out, tags);
    }
}

/// PUT or ADD. The value must already be wire text (codec.rs): no LF, no
/// CR at its end.
pub fn encode_store<S: AsRef<str>>(
    out: &mut Vec<u8>,
    verb: &str,
    key: &str,
    value: &[u8],
    tags: &[S],
    ttl: Option<u64>,
) {
    out.reserve(verb.len() + key.len() + value.len() + 16);
    encode_store_head(out, verb, key, tags, ttl);
    out.extend_from_slice(value);
    out.push(b'\n');
}

/// PUT or ADD up to the value: the caller appends the value's wire text
/// and `\n` (so a value is encoded straight into the request buffer).
pub fn encode_store_head<S: AsRef<str>>(
    out: &mut Vec<u8>,
    verb: &str,
    key: &str,
    tags: &[S],
    ttl: Option<u64>,
) {
    out.extend_from_slice(verb.as_bytes());
    out.push(b'\t');
    out.extend_from_slice(key.as_bytes());
    encode_store_middle(out, tags, ttl);
}

/// What follows the key of a PUT/ADD up to its value, `\tttl\ttags\t`:
/// the same for every item of a putMany, so it is encoded once.
pub fn encode_store_middle<S: AsRef<str>>(out: &mut Vec<u8>, tags: &[S], ttl: Option<u64>) {
    push_ttl_tags(out, tags, ttl);
    out.push(b'\t');
}

/// INCR or DECR. TTL and tags are only sent when given, since the server
/// replaces them only then.
pub fn encode_counter<S: AsRef<str>>(
    out: &mut Vec<u8>,
    verb: &str,
    key: &str,
    by: i64,
    tags: &[S],
    ttl: Option<u64>,
) {
    out.extend_from_slice(verb.as_bytes());
    out.push(b'\t');
    out.extend_from_slice(key.as_bytes());
    let _ = write!(out, "\t{by}");
    if ttl.is_some() || !tags.is_empty() {
        push_ttl_tags(out, tags, ttl);
    }
    out.push(b'\n');
}

/// Server counters from STATS.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerStats {
    pub hits: u64,
    pub misses: u64,
    pub puts: u64,
    pub invalidations: u64,
    pub hit_ratio: f64,
}

/// A reply, interpreted for the request it answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// PUT: `OK`.
    Stored,
    /// ADD: `ADDED` (true) or `EXISTS` (false).
    Added(bool),
    /// GET: `VALUE\t...` (the raw wire text) or `NF`.
    Value(Option<Vec<u8>>),
    /// INCR/DECR: the new value.
    Int(i64),
    /// DEL: `DEL ok` (true) or `DEL nf`.
    Deleted(bool),
    /// INV_* and FLUSH: how many entries went.
    Count(u64),
    /// KEYS_BY_TAG.
    Keys(Vec<String>),
    Stats(ServerStats),
}

/// Interprets one reply line (without its `\n`) as the answer to `kind`.
/// An `ERR` line is `Error::Server` with the server's text; a line that
/// does not fit is `Error::Protocol`.
pub fn parse_reply(kind: Kind, line: &[u8]) -> Result<Reply> {
    if let Some(text) = line.strip_prefix(b"ERR ") {
        return Err(Error::Server(String::from_utf8_lossy(text).into_owned()));
    }
    let bad = || Error::Protocol {
        cmd: kind.verb(),
        reply: printable(line),
    };
    let reply = match kind {
        Kind::Get => match line {
            b"NF" => Reply::Value(None),
            _ => Reply::Value(Some(
                line.strip_prefix(b"VALUE\t").ok_or_else(bad)?.to_vec(),
            )),
        },
        Kind::Put => match line {
            b"OK" => Reply::Stored,
            _ => return Err(bad()),
        },
        Kind::Add => match line {
            b"ADDED" => Reply::Added(true),
            b"EXISTS" => Reply::Added(false),
            _ => return Err(bad()),
        },
        Kind::Incr | Kind::Decr => Reply::Int(
            line.strip_prefix(b"VALUE\t")
                .and_then(parse_num::<i64>)
                .ok_or_else(bad)?,
        ),
        Kind::Del => match line {
            b"DEL ok" => Reply::Deleted(true),
            b"DEL nf" => Reply::Deleted(false),
            _ => return Err(bad()),
        },
        Kind::InvTag | Kind::InvTagsAny | Kind::InvTagsAll | Kind::InvKeys | Kind::Flush => {
            let verb = match kind {
                Kind::Flush => "FLUSH",
                _ => kind.verb(),
            };
            Reply::Count(
                line.strip_prefix(verb.as_bytes())
                    .and_then(|r| r.strip_prefix(b"\t"))
                    .and_then(parse_num::<u64>)
                    .ok_or_else(bad)?,
            )
        }
        Kind::Keys => {
            let list = line.strip_prefix(b"KEYS\t").ok_or_else(bad)?;
            if list.is_empty() {
                Reply::Keys(Vec::new())
            } else {
                Reply::Keys(
                    list.split(|&b| b == b',')
                        .filter(|k| !k.is_empty())
                        .map(|k| String::from_utf8_lossy(k).into_owned())
                        .collect(),
                )
            }
        }
        Kind::Stats => {
            let rest = line.strip_prefix(b"STATS\t").ok_or_else(bad)?;
            let f: Vec<&[u8]> = rest.split(|&b| b == b'\t').collect();
            if f.len() != 5 {
                return Err(bad());
            }
            let n = |i: usize| parse_num::<u64>(f[i]).ok_or_else(bad);
            Reply::Stats(ServerStats {
                hits: n(0)?,
                misses: n(1)?,
                puts: n(2)?,
                invalidations: n(3)?,
                hit_ratio: parse_num::<f64>(f[4]).ok_or_else(bad)?,
            })
        }
    };
    Ok(reply)
}

fn parse_num<T: std::str::FromStr>(b: &[u8]) -> Option<T> {
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// A reply line shortened and escaped for an error message.
pub fn printable(line: &[u8]) -> String {
    let cut = &line[..line.len().min(120)];
    let mut s = String::from_utf8_lossy(cut).escape_debug().to_string();
    if line.len() > cut.len() {
        s.push_str(&format!("... ({} bytes)", line.len()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_key_never_passes_a_key_validate_key_rejects() {
        for c in 0u8..=255 {
            let k = [b'a', c, b'b'];
            let valid = std::str::from_utf8(&k).is_ok_and(|s| validate_key(s).is_ok());
            assert_eq!(plain_key(&k), c < 0x80 && valid, "byte {c:#04x}");
        }
        assert!(!plain_key(b""));
        assert!(plain_key(b"user:42 name-x_y.z"));
        assert!(
            !plain_key("caf\u{e9}".as_bytes()),
            "non-ASCII goes the slow way"
        );
        assert!(validate_key("caf\u{e9}").is_ok());
    }

    fn enc(c: Command) -> String {
        let mut v = Vec::new();
        c.encode(&mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn keys_and_tags() {
        assert!(validate_key("a key").is_ok());
        for bad in ["", "a\tb", "a\nFLUSH", "a\r", "a,b"] {
            assert!(validate_key(bad).is_err(), "{bad:?}");
        }
        assert!(validate_tag("red").is_ok());
        for bad in ["", "-", " red", "red ", "a,b", "a\tb", "x\n"] {
            assert!(validate_tag(bad).is_err(), "{bad:?}");
        }
        assert_eq!(validate_ttl(None).unwrap(), None);
        assert_eq!(validate_ttl(Some(0)).unwrap(), Some(0));
        assert!(validate_ttl(Some(-1)).is_err());
    }

    #[test]
    fn encodes() {
        assert_eq!(enc(Command::Get("k".into())), "GET\tk\n");
        assert_eq!(
            enc(Command::Put {
                key: "k".into(),
                value: b"v\tw".to_vec(),
                tags: vec![],
                ttl: None
            }),
            "PUT\tk\t-\t-\tv\tw\n"
        );
        assert_eq!(
            enc(Command::Add {
                key: "k".into(),
                value: vec![],
                tags: vec!["a".into(), "b".into()],
                ttl: Some(5)
            }),
            "ADD\tk\t5\ta,b\t\n"
        );
        assert_eq!(
            enc(Command::Incr {
                key: "n".into(),
                by: -3,
                tags: vec![],
                ttl: None
            }),
            "INCR\tn\t-3\n"
        );
        assert_eq!(
            enc(Command::Decr {
                key: "n".into(),
                by: 2,
                tags: vec!["t".into()],
                ttl: None
            }),
            "DECR\tn\t2\t-\tt\n"
        );
        assert_eq!(
            enc(Command::InvTagsAll(vec!["a".into(), "b".into()])),
            "INV_TAGS_ALL\ta,b\n"
        );
        assert_eq!(enc(Command::Keys("t".into())), "KEYS_BY_TAG\tt\n");
        assert_eq!(enc(Command::Stats), "STATS\n");
    }

    #[test]
    fn parses() {
        assert_eq!(
            parse_reply(Kind::Get, b"VALUE\ta\tb").unwrap(),
            Reply::Value(Some(b"a\tb".to_vec()))
        );
        assert_eq!(
            parse_reply(Kind::Get, b"VALUE\t").unwrap(),
            Reply::Value(Some(vec![]))
        );
        assert_eq!(parse_reply(Kind::Get, b"NF").unwrap(), Reply::Value(None));
        assert_eq!(
            parse_reply(Kind::Incr, b"VALUE\t-4").unwrap(),
            Reply::Int(-4)
        );
        assert_eq!(
            parse_reply(Kind::Del, b"DEL nf").unwrap(),
            Reply::Deleted(false)
        );
        assert_eq!(
            parse_reply(Kind::Add, b"EXISTS").unwrap(),
            Reply::Added(false)
        );
        assert_eq!(
            parse_reply(Kind::InvTagsAny, b"INV_TAGS_ANY\t2").unwrap(),
            Reply::Count(2)
        );
        assert_eq!(
            parse_reply(Kind::Flush, b"FLUSH\t0").unwrap(),
            Reply::Count(0)
        );
        assert_eq!(
            parse_reply(Kind::Keys, b"KEYS\t").unwrap(),
            Reply::Keys(vec![])
        );
        assert_eq!(
            parse_reply(Kind::Keys, b"KEYS\ta,b").unwrap(),
            Reply::Keys(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            parse_reply(Kind::Stats, b"STATS\t1\t1\t3\t1\t0.500000").unwrap(),
            Reply::Stats(ServerStats {
                hits: 1,
                misses: 1,
                puts: 3,
                invalidations: 1,
                hit_ratio: 0.5
            })
        );
        let e = parse_reply(Kind::Incr, b"ERR value is not an integer").unwrap_err();
        assert!(matches!(&e, Error::Server(t) if t == "value is not an integer"));
        let e = parse_reply(Kind::Put, b"VALUE\tx").unwrap_err();
        assert!(e.to_string().contains("unexpected reply"), "{e}");
        assert!(parse_reply(Kind::Stats, b"STATS\t1").is_err());
        assert!(parse_reply(Kind::InvTag, b"INV_TAG\tx").is_err());
    }
}
