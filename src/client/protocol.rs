//! The TagCache line protocol (docs/protocol.md): the one place where
//! request bytes are written and reply lines are read.
//!
//! - Validation: `Key`, `Tag` and `Tags` can only be made from input the
//!   protocol can carry, so a request built from them cannot be misread by
//!   the server.
//! - Requests: `Request` is the typed command; `write` is the only code that
//!   writes request bytes. A store request's value text is appended by a
//!   callback (the PHP layer encodes values straight into the request
//!   buffer), never framed by the caller.
//! - Replies: `Kind::parse` is the only reply parser; `Kind::resend_safe`
//!   says which requests may be sent again.

use super::error::{invalid, shown, Error, Result};
use super::scan;
use std::io::Write;

/// Rejects a key the protocol cannot carry: empty, or holding TAB, CR, LF
/// (they would split the request line) or a comma (it would split KEYS
/// replies).
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

/// A key `validate_key` accepts for sure, by a quick scan: not empty,
/// printable ASCII (0x20..=0x7f) without a comma. (A false answer means
/// "check it with `validate_key`", not "invalid": non-ASCII UTF-8 keys and
/// keys with other control characters are fine.)
pub fn plain_key(k: &[u8]) -> bool {
    super::scan::plain_key(k)
}

/// A key checked to be one the protocol can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key<'a>(&'a [u8]);

impl<'a> Key<'a> {
    /// Checks `k`: a plain ASCII key by one table scan, anything else as
    /// UTF-8 text by `validate_key`.
    #[inline]
    pub fn new(k: &'a [u8]) -> Result<Key<'a>> {
        if plain_key(k) {
            Ok(Key(k))
        } else {
            Key::checked(k)
        }
    }

    #[cold]
    fn checked(k: &'a [u8]) -> Result<Key<'a>> {
        let s = std::str::from_utf8(k).map_err(|_| invalid("key must be valid UTF-8"))?;
        validate_key(s)?;
        Ok(Key(k))
    }

    pub fn text(s: &'a str) -> Result<Key<'a>> {
        Key::new(s.as_bytes())
    }

    pub fn as_bytes(self) -> &'a [u8] {
        self.0
    }
}

/// The decimal text of an integer key (PHP arrays give int keys), on the
/// stack.
#[derive(Debug, Clone, Copy)]
pub struct IntKey {
    buf: [u8; 20],
    len: usize,
}

impl IntKey {
    pub fn new(i: i64) -> IntKey {
        let mut buf = [0u8; 20];
        let mut w = &mut buf[..];
        // i64::MIN is 20 bytes: it always fits.
        let _ = write!(w, "{i}");
        let len = 20 - w.len();
        IntKey { buf, len }
    }

    pub fn key(&self) -> Key<'_> {
        Key(&self.buf[..self.len])
    }
}

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

/// One tag, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag<'a>(&'a str);

impl<'a> Tag<'a> {
    pub fn new(t: &'a str) -> Result<Tag<'a>> {
        validate_tag(t)?;
        Ok(Tag(t))
    }

    pub fn as_str(self) -> &'a str {
        self.0
    }
}

/// A list of tags, each checked, kept as the comma-joined text the wire
/// carries (so a list used by many requests is joined once).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags {
    joined: Vec<u8>,
    count: usize,
}

impl Tags {
    pub fn new() -> Tags {
        Tags::default()
    }

    /// Every tag of `list`, checked.
    pub fn from_list<S: AsRef<str>>(list: &[S]) -> Result<Tags> {
        let mut t = Tags::new();
        for s in list {
            t.push(s.as_ref())?;
        }
        Ok(t)
    }

    pub fn push(&mut self, tag: &str) -> Result<()> {
        validate_tag(tag)?;
        if self.count > 0 {
            self.joined.push(b',');
        }
        self.joined.extend_from_slice(tag.as_bytes());
        self.count += 1;
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Each tag, in order.
    pub fn iter(&self) -> impl Iterator<Item = Tag<'_>> {
        self.joined
            .split(|&b| b == b',')
            .take(self.count)
            // Each part is a tag that was a `&str` when pushed.
            .map(|t| Tag(std::str::from_utf8(t).unwrap_or_default()))
    }
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

/// The TTL and tags of a write, written once as the `\tttl\ttags\t` field
/// the write requests share (a putMany writes it into every PUT; the last
/// TAB, before the value, is left out for INCR/DECR).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    field: Vec<u8>,
    /// Neither a TTL nor tags: INCR/DECR then send neither field, since the
    /// server replaces them only when given.
    none: bool,
}

impl Meta {
    pub fn new(tags: &Tags, ttl: Option<u64>) -> Meta {
        let mut field = Vec::with_capacity(tags.joined.len() + 24);
        match ttl {
            Some(t) => {
                let _ = write!(field, "\t{t}\t");
            }
            None => field.extend_from_slice(b"\t-\t"),
        }
        if tags.is_empty() {
            field.push(b'-');
        } else {
            field.extend_from_slice(&tags.joined);
        }
        field.push(b'\t');
        Meta {
            field,
            none: ttl.is_none() && tags.is_empty(),
        }
    }

    /// No TTL, no tags.
    pub fn none() -> Meta {
        Meta::new(&Tags::new(), None)
    }
}

/// How an invalidation combines its tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    Any,
    All,
}

/// One request, typed and borrowed. A request can only be built from
/// checked keys and tags.
#[derive(Debug, Clone, Copy)]
pub enum Request<'a> {
    Get(Key<'a>),
    Del(Key<'a>),
    /// PUT; the value's wire text is appended by the caller of `write`.
    Put(Key<'a>, &'a Meta),
    /// ADD, as PUT.
    Add(Key<'a>, &'a Meta),
    Incr(Key<'a>, i64, &'a Meta),
    Decr(Key<'a>, i64, &'a Meta),
    /// INV_TAG for one tag, INV_TAGS_ANY/ALL for several.
    Invalidate(&'a Tags, Match),
    KeysByTag(Tag<'a>),
    Stats,
    Flush,
}

impl<'a> Request<'a> {
    pub fn kind(&self) -> Kind {
        match self {
            Request::Get(_) => Kind::Get,
            Request::Del(_) => Kind::Del,
            Request::Put(..) => Kind::Put,
            Request::Add(..) => Kind::Add,
            Request::Incr(..) => Kind::Incr,
            Request::Decr(..) => Kind::Decr,
            Request::Invalidate(t, _) if t.len() == 1 => Kind::InvTag,
            Request::Invalidate(_, Match::Any) => Kind::InvTagsAny,
            Request::Invalidate(_, Match::All) => Kind::InvTagsAll,
            Request::KeysByTag(_) => Kind::Keys,
            Request::Stats => Kind::Stats,
            Request::Flush => Kind::Flush,
        }
    }

    /// The key of a single-key request.
    pub fn key(&self) -> Option<Key<'a>> {
        match *self {
            Request::Get(k)
            | Request::Del(k)
            | Request::Put(k, _)
            | Request::Add(k, _)
            | Request::Incr(k, ..)
            | Request::Decr(k, ..) => Some(k),
            _ => None,
        }
    }

    /// Whether the request carries a value (PUT, ADD).
    pub fn takes_value(&self) -> bool {
        matches!(self, Request::Put(..) | Request::Add(..))
    }

    /// Appends the request line, `\n` included. For PUT and ADD, `value`
    /// appends the value's wire text (codec.rs: no LF, no CR at its end); it
    /// is not called for other requests. On `Err` the line is unfinished:
    /// the caller drops what was appended.
    pub fn write<E>(
        &self,
        out: &mut Vec<u8>,
        value: impl FnOnce(&mut Vec<u8>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let verb = self.kind().verb().as_bytes();
        match self {
            Request::Get(k) | Request::Del(k) => {
                out.reserve(verb.len() + k.0.len() + 2);
                out.extend_from_slice(verb);
                out.push(b'\t');
                out.extend_from_slice(k.0);
            }
            Request::Put(k, m) | Request::Add(k, m) => {
                // One reservation for the line up to the value (and a short
                // value), so the copies below do not each check for room.
                out.reserve(verb.len() + k.0.len() + m.field.len() + 64);
                // A verb of a known length: copied inline.
                let verb_tab: &[u8; 4] = if self.kind() == Kind::Put {
                    b"PUT\t"
                } else {
                    b"ADD\t"
                };
                out.extend_from_slice(verb_tab);
                scan::append(out, k.0);
                scan::append(out, &m.field);
                value(out)?;
            }
            Request::Incr(k, by, m) | Request::Decr(k, by, m) => {
                out.extend_from_slice(verb);
                out.push(b'\t');
                out.extend_from_slice(k.0);
                let _ = write!(out, "\t{by}");
                if !m.none {
                    out.extend_from_slice(&m.field[..m.field.len() - 1]);
                }
            }
            Request::Invalidate(tags, _) => {
                out.extend_from_slice(verb);
                out.push(b'\t');
                out.extend_from_slice(&tags.joined);
            }
            Request::KeysByTag(t) => {
                out.extend_from_slice(verb);
                out.push(b'\t');
                out.extend_from_slice(t.0.as_bytes());
            }
            Request::Stats | Request::Flush => out.extend_from_slice(verb),
        }
        out.push(b'\n');
        Ok(())
    }

    /// Appends a request that carries no value (see `write`).
    pub fn write_plain(&self, out: &mut Vec<u8>) {
        let _ = self.write(out, |_| Ok::<(), std::convert::Infallible>(()));
    }

    /// Where the key starts in the written line: right after the verb and
    /// its TAB.
    pub fn key_offset(&self) -> usize {
        self.kind().verb().len() + 1
    }
}

/// One request, owned, for Rust callers (tests, benchmarks, the session
/// handler): checked when it is turned into a `Request`.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Get(String),
    Put {
        key: String,
        /// The value's wire text (codec.rs).
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
            Command::Keys(_) => Kind::Keys,
            Command::Stats => Kind::Stats,
            Command::Flush => Kind::Flush,
        }
    }

    /// Checks the command and hands its `Request` (and value) to `f`.
    pub fn with_request<T>(&self, f: impl FnOnce(Request<'_>, &[u8]) -> T) -> Result<T> {
        let meta = |tags: &[String], ttl: &Option<u64>| -> Result<Meta> {
            Ok(Meta::new(&Tags::from_list(tags)?, *ttl))
        };
        Ok(match self {
            Command::Get(k) => f(Request::Get(Key::text(k)?), b""),
            Command::Del(k) => f(Request::Del(Key::text(k)?), b""),
            Command::Put {
                key,
                value,
                tags,
                ttl,
            } => f(Request::Put(Key::text(key)?, &meta(tags, ttl)?), value),
            Command::Add {
                key,
                value,
                tags,
                ttl,
            } => f(Request::Add(Key::text(key)?, &meta(tags, ttl)?), value),
            Command::Incr { key, by, tags, ttl } => {
                f(Request::Incr(Key::text(key)?, *by, &meta(tags, ttl)?), b"")
            }
            Command::Decr { key, by, tags, ttl } => {
                f(Request::Decr(Key::text(key)?, *by, &meta(tags, ttl)?), b"")
            }
            Command::InvTag(t) => f(
                Request::Invalidate(&Tags::from_list(std::slice::from_ref(t))?, Match::Any),
                b"",
            ),
            Command::InvTagsAny(t) | Command::InvTagsAll(t) => {
                let tags = Tags::from_list(t)?;
                if tags.len() < 2 {
                    return Err(invalid("INV_TAGS_* needs at least two tags"));
                }
                let m = if matches!(self, Command::InvTagsAll(_)) {
                    Match::All
                } else {
                    Match::Any
                };
                f(Request::Invalidate(&tags, m), b"")
            }
            Command::Keys(t) => f(Request::KeysByTag(Tag::new(t)?), b""),
            Command::Stats => f(Request::Stats, b""),
            Command::Flush => f(Request::Flush, b""),
        })
    }

    /// The request line, `\n` included (checked first).
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        self.with_request(|r, value| {
            let _ = r.write(out, |o| {
                o.extend_from_slice(value);
                Ok::<(), std::convert::Infallible>(())
            });
        })
    }
}

/// The shortest reply line of any request, `\n` included (`OK`, `NF`): a
/// lower bound of the bytes the replies of `n` requests take.
pub const MIN_REPLY_BYTES: usize = 3;

/// What a request expects back: its reply parser and its resend rule.
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
            Kind::Keys => "KEYS_BY_TAG",
            Kind::Stats => "STATS",
            Kind::Flush => "FLUSH",
        }
    }

    /// May be sent again when its connection broke before any byte of its
    /// reply arrived: sent twice, it leaves the same state *and gives the
    /// same reply* as sent once. GET, PUT, KEYS_BY_TAG and STATS do. DEL,
    /// INV_* and FLUSH leave the same state but answer differently the
    /// second time (the server acted on the first, then the reply was lost:
    /// the second DEL says "not found", the second INV_TAG counts 0), and
    /// ADD, INCR, DECR would act twice; none of them is ever resent once
    /// sent: its failure says the outcome is unknown (`Error::OutcomeUnknown`).
    pub fn resend_safe(self) -> bool {
        matches!(self, Kind::Get | Kind::Put | Kind::Keys | Kind::Stats)
    }

    /// The whole reply line, `\n` included, that `parse` reads as
    /// `Parsed::Stored`, for readers that take a run of them without
    /// splitting lines (a putMany gets thousands of `OK`s).
    pub fn stored_line(self) -> Option<&'static [u8]> {
        match self {
            Kind::Put => Some(b"OK\n"),
            _ => None,
        }
    }

    /// Reads one reply line (without its `\n`) as the answer to this kind
    /// of request. The only reply parser: GET values and PUT's `OK` come
    /// out without an allocation (a batch of GETs copies them into one
    /// arena).
    pub fn parse(self, line: &[u8]) -> Parsed<'_> {
        match (self, line) {
            (Kind::Get, b"NF") => return Parsed::Miss,
            (Kind::Get, _) if line.starts_with(b"VALUE\t") => return Parsed::Value(&line[6..]),
            (Kind::Put, b"OK") => return Parsed::Stored,
            _ => {}
        }
        if let Some(text) = line.strip_prefix(b"ERR ") {
            let text = String::from_utf8_lossy(text);
            return Parsed::Refused(Error::Server(shown(&text).into_owned()));
        }
        let bad = || {
            Parsed::Bad(Error::Protocol {
                cmd: self.verb(),
                reply: printable(line),
            })
        };
        let reply = match self {
            Kind::Get | Kind::Put => return bad(),
            Kind::Add => match line {
                b"ADDED" => Reply::Added(true),
                b"EXISTS" => Reply::Added(false),
                _ => return bad(),
            },
            Kind::Incr | Kind::Decr => {
                match line.strip_prefix(b"VALUE\t").and_then(parse_num::<i64>) {
                    Some(i) => Reply::Int(i),
                    None => return bad(),
                }
            }
            Kind::Del => match line {
                b"DEL ok" => Reply::Deleted(true),
                b"DEL nf" => Reply::Deleted(false),
                _ => return bad(),
            },
            Kind::InvTag | Kind::InvTagsAny | Kind::InvTagsAll | Kind::Flush => {
                match line
                    .strip_prefix(self.verb().as_bytes())
                    .and_then(|r| r.strip_prefix(b"\t"))
                    .and_then(parse_num::<u64>)
                {
                    Some(c) => Reply::Count(c),
                    None => return bad(),
                }
            }
            Kind::Keys => match line.strip_prefix(b"KEYS\t") {
                Some(list) => Reply::Keys(
                    list.split(|&b| b == b',')
                        .filter(|k| !k.is_empty())
                        .map(|k| String::from_utf8_lossy(k).into_owned())
                        .collect(),
                ),
                None => return bad(),
            },
            Kind::Stats => match parse_stats(line) {
                Some(s) => Reply::Stats(s),
                None => return bad(),
            },
        };
        Parsed::Reply(reply)
    }
}

fn parse_stats(line: &[u8]) -> Option<ServerStats> {
    let rest = line.strip_prefix(b"STATS\t")?;
    let f: Vec<&[u8]> = rest.split(|&b| b == b'\t').collect();
    if f.len() != 5 {
        return None;
    }
    Some(ServerStats {
        hits: parse_num(f[0])?,
        misses: parse_num(f[1])?,
        puts: parse_num(f[2])?,
        invalidations: parse_num(f[3])?,
        hit_ratio: parse_num(f[4])?,
    })
}

/// A reply line as read by `Kind::parse`.
#[derive(Debug)]
pub enum Parsed<'a> {
    /// GET hit: the value's wire text, borrowed from the line.
    Value(&'a [u8]),
    /// GET miss.
    Miss,
    /// PUT: `OK`.
    Stored,
    /// Any other answer.
    Reply(Reply),
    /// The server refused this request (`ERR ...`): an answer, and the
    /// connection stays in step.
    Refused(Error),
    /// A line that is no answer to this request: the connection is out of
    /// step and must not be used again.
    Bad(Error),
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

/// `Kind::parse`, owned: an `ERR` line is `Error::Server` with the server's
/// text; a line that does not fit is `Error::Protocol`.
pub fn parse_reply(kind: Kind, line: &[u8]) -> Result<Reply> {
    match kind.parse(line) {
        Parsed::Value(v) => Ok(Reply::Value(Some(v.to_vec()))),
        Parsed::Miss => Ok(Reply::Value(None)),
        Parsed::Stored => Ok(Reply::Stored),
        Parsed::Reply(r) => Ok(r),
        Parsed::Refused(e) | Parsed::Bad(e) => Err(e),
    }
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
            assert!(!plain_key(&k) || valid, "byte {c:#04x}");
            assert_eq!(plain_key(&k), (0x20..0x80).contains(&c) && c != b',');
            assert_eq!(Key::new(&k).is_ok(), valid, "byte {c:#04x}");
        }
        assert!(!plain_key(b""));
        assert!(plain_key(b"user:42 name-x_y.z"));
        assert!(
            !plain_key("caf\u{e9}".as_bytes()),
            "non-ASCII goes the slow way"
        );
        assert!(Key::text("caf\u{e9}").is_ok());
        assert!(Key::new(b"\xff").is_err());
    }

    fn enc(c: Command) -> String {
        let mut v = Vec::new();
        c.encode(&mut v).unwrap();
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn keys_and_tags() {
        assert!(validate_key("a key").is_ok());
        for bad in ["", "a\tb", "a\nFLUSH", "a\r", "a,b"] {
            assert!(validate_key(bad).is_err(), "{bad:?}");
            assert!(Key::text(bad).is_err(), "{bad:?}");
        }
        assert!(validate_tag("red").is_ok());
        for bad in ["", "-", " red", "red ", "a,b", "a\tb", "x\n"] {
            assert!(validate_tag(bad).is_err(), "{bad:?}");
            assert!(Tags::from_list(&["ok", bad]).is_err(), "{bad:?}");
        }
        assert_eq!(validate_ttl(None).unwrap(), None);
        assert_eq!(validate_ttl(Some(0)).unwrap(), Some(0));
        assert!(validate_ttl(Some(-1)).is_err());
        let t = Tags::from_list(&["a", "b c", "d"]).unwrap();
        let back: Vec<&str> = t.iter().map(Tag::as_str).collect();
        assert_eq!(back, ["a", "b c", "d"]);
        for i in [0, 7, -1, i64::MIN, i64::MAX] {
            assert_eq!(IntKey::new(i).key().as_bytes(), i.to_string().as_bytes());
        }
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
        assert_eq!(enc(Command::InvTag("a".into())), "INV_TAG\ta\n");
        assert_eq!(enc(Command::Keys("t".into())), "KEYS_BY_TAG\tt\n");
        assert_eq!(enc(Command::Stats), "STATS\n");
        assert_eq!(enc(Command::Flush), "FLUSH\n");
        assert!(Command::Get("a\nFLUSH".into())
            .encode(&mut Vec::new())
            .is_err());
        assert!(Command::InvTagsAny(vec!["a".into()])
            .encode(&mut Vec::new())
            .is_err());
    }

    #[test]
    fn every_request_names_its_kind_and_key() {
        let meta = Meta::new(&Tags::from_list(&["t1", "t2"]).unwrap(), Some(5));
        let tags = Tags::from_list(&["x", "y"]).unwrap();
        let one = Tags::from_list(&["x"]).unwrap();
        for key in ["k", "user:1", "caf\u{e9} x"] {
            let k = Key::text(key).unwrap();
            for r in [
                Request::Get(k),
                Request::Del(k),
                Request::Put(k, &meta),
                Request::Add(k, &meta),
                Request::Incr(k, 3, &meta),
                Request::Decr(k, 3, &meta),
            ] {
                let mut line = Vec::new();
                r.write(&mut line, |o| {
                    o.extend_from_slice(b"va\tlue");
                    Ok::<(), ()>(())
                })
                .unwrap();
                let at = r.key_offset();
                assert_eq!(&line[..at - 1], r.kind().verb().as_bytes());
                assert_eq!(&line[at..at + key.len()], key.as_bytes(), "{r:?}");
                assert!(matches!(line.get(at + key.len()), Some(b'\t' | b'\n')));
                assert_eq!(r.key(), Some(k));
            }
        }
        assert_eq!(Request::Invalidate(&one, Match::All).kind(), Kind::InvTag);
        assert_eq!(
            Request::Invalidate(&tags, Match::Any).kind(),
            Kind::InvTagsAny
        );
        assert_eq!(Request::Invalidate(&tags, Match::Any).key(), None);
    }

    #[test]
    fn a_failed_value_leaves_an_error() {
        let k = Key::text("k").unwrap();
        let m = Meta::none();
        let mut out = Vec::new();
        let r = Request::Put(k, &m).write(&mut out, |_| Err("no"));
        assert_eq!(r, Err("no"));
        let mut out = Vec::new();
        Request::Get(k)
            .write(&mut out, |_| Err::<(), _>("never called"))
            .unwrap();
        assert_eq!(out, b"GET\tk\n");
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
        let e = parse_reply(Kind::Get, b"ERR bad\0text").unwrap_err();
        assert!(matches!(&e, Error::Server(t) if t == "bad\\0text"), "{e:?}");
        let e = parse_reply(Kind::Incr, b"ERR value is not an integer").unwrap_err();
        assert!(matches!(&e, Error::Server(t) if t == "value is not an integer"));
        assert!(matches!(
            Kind::Get.parse(b"ERR missing_key"),
            Parsed::Refused(_)
        ));
        let e = parse_reply(Kind::Put, b"VALUE\tx").unwrap_err();
        assert!(e.to_string().contains("unexpected reply"), "{e}");
        assert!(matches!(Kind::Del.parse(b"VALUE\tx"), Parsed::Bad(_)));
        for k in [
            Kind::Get,
            Kind::Put,
            Kind::Add,
            Kind::Incr,
            Kind::Del,
            Kind::Stats,
        ] {
            if let Some(line) = k.stored_line() {
                let (last, line) = line.split_last().unwrap();
                assert_eq!(*last, b'\n');
                assert!(matches!(k.parse(line), Parsed::Stored), "{k:?}");
            }
        }
        assert!(Kind::Put.stored_line().is_some());
        assert!(parse_reply(Kind::Stats, b"STATS\t1").is_err());
        assert!(parse_reply(Kind::InvTag, b"INV_TAG\tx").is_err());
    }
}
