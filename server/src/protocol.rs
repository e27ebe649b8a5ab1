//! The TagCache line protocol: parse one request line, run it against the
//! [`Store`], append the reply line. See `docs/protocol.md`.

use crate::store::{IncrError, Store};
use std::io::Write as _;
use std::time::Duration;

/// One parsed request. Fields borrow from the request line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request<'a> {
    /// PUT key ttl tags value
    Put {
        key: &'a str,
        ttl: Option<Duration>,
        tags: TagList<'a>,
        value: &'a str,
    },
    /// ADD key ttl tags value
    Add {
        key: &'a str,
        ttl: Option<Duration>,
        tags: TagList<'a>,
        value: &'a str,
    },
    /// INCR/DECR key [by [ttl [tags]]]; DECR is parsed as INCR by -by.
    /// `ttl`/`tags` are `None` when not given (the entry keeps its own).
    Incr {
        key: &'a str,
        by: i64,
        ttl: Option<Duration>,
        tags: Option<Vec<&'a str>>,
    },
    /// GET key
    Get { key: &'a str },
    /// DEL key
    Del { key: &'a str },
    /// INV_TAG tag
    InvTag { tag: &'a str },
    /// INV_TAGS_ANY t1,t2,...
    InvTagsAny(Vec<&'a str>),
    /// INV_TAGS_ALL t1,t2,...
    InvTagsAll(Vec<&'a str>),
    /// INV_KEYS k1,k2,...
    InvKeys(Vec<&'a str>),
    /// KEYS_BY_TAG tag (alias KEYS)
    KeysByTag { tag: &'a str },
    /// STATS
    Stats,
    /// FLUSH
    Flush,
    /// A request answered by `ERR <reason>` without touching the store.
    Error(&'static str),
}

/// A TTL or tag field that is absent, empty or `-` means "none".
fn given(field: Option<&str>) -> Option<&str> {
    field.filter(|f| !f.is_empty() && *f != "-")
}

/// Milliseconds; anything that is not an unsigned integer means no TTL.
fn parse_ttl(field: Option<&str>) -> Option<Duration> {
    given(field)
        .and_then(|f| f.parse::<u64>().ok())
        .map(Duration::from_millis)
}

/// Tags of PUT/ADD/INCR: comma-separated, empty ones dropped, not trimmed.
fn parse_tags(field: &str) -> Vec<&str> {
    TagList(field).iter().collect()
}

/// The tags field of a PUT or ADD as it came ("" for none), split only
/// when used: a run of PUTs splits every line's tags into one buffer
/// instead of allocating a list per line. Equal when the tags are.
#[derive(Debug, Clone, Copy, Default)]
pub struct TagList<'a>(pub &'a str);

impl<'a> TagList<'a> {
    /// The tags: comma-separated, empty ones dropped, not trimmed.
    pub fn iter(self) -> impl Iterator<Item = &'a str> {
        self.0.split(',').filter(|t| !t.is_empty())
    }
}

impl PartialEq for TagList<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for TagList<'_> {}

/// Lists of INV_TAGS_* and INV_KEYS: comma-separated, items trimmed,
/// empty ones dropped.
fn parse_list(field: &str) -> Vec<&str> {
    field
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect()
}

fn parse_list_request<'a>(
    field: Option<&'a str>,
    missing: &'static str,
    empty: &'static str,
    make: fn(Vec<&'a str>) -> Request<'a>,
) -> Request<'a> {
    match field {
        None => Request::Error(missing),
        Some(f) => {
            let items = parse_list(f);
            if items.is_empty() {
                Request::Error(empty)
            } else {
                make(items)
            }
        }
    }
}

/// `line.splitn(n, '\t')` by a scan over the bytes: TAB is ASCII, so each
/// cut falls on a char boundary. (The generic splitter was a fifth of the
/// server's instructions per GET.)
struct Fields<'a> {
    rest: Option<&'a str>,
    left: usize,
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        if self.left <= 1 {
            self.rest = None;
            return Some(rest);
        }
        self.left -= 1;
        // The fields scanned (verb, key, TTL, tags) are short: a plain loop
        // beats memchr's set-up cost on them.
        match rest.bytes().position(|b| b == b'\t') {
            Some(i) => {
                self.rest = Some(&rest[i + 1..]);
                Some(&rest[..i])
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

/// Parses one request line (without its line ending; not empty).
pub fn parse(line: &str) -> Request<'_> {
    let mut fields = Fields {
        rest: Some(line),
        left: 5,
    };
    let verb = fields.next().unwrap_or("");
    let arg = fields.next();
    let is = |name: &str| verb.eq_ignore_ascii_case(name);
    let nonempty_key = arg.filter(|k| !k.is_empty());

    if is("GET") || is("DEL") {
        let Some(key) = arg else {
            return Request::Error("missing_key");
        };
        return if is("GET") {
            Request::Get { key }
        } else {
            Request::Del { key }
        };
    }
    if is("PUT") || is("ADD") {
        let Some(key) = nonempty_key else {
            return Request::Error("missing_key");
        };
        let ttl = parse_ttl(fields.next());
        let tags = TagList(given(fields.next()).unwrap_or(""));
        let value = fields.next().unwrap_or("");
        return if is("PUT") {
            Request::Put {
                key,
                ttl,
                tags,
                value,
            }
        } else {
            Request::Add {
                key,
                ttl,
                tags,
                value,
            }
        };
    }
    if is("INCR") || is("DECR") {
        let Some(key) = nonempty_key else {
            return Request::Error("missing_key");
        };
        let by = fields
            .next()
            .and_then(|b| b.parse::<i64>().ok())
            .unwrap_or(1);
        let by = if is("DECR") {
            match by.checked_neg() {
                Some(by) => by,
                None => return Request::Error("integer overflow"),
            }
        } else {
            by
        };
        let ttl = parse_ttl(fields.next());
        let tags = given(fields.next()).map(parse_tags);
        return Request::Incr { key, by, ttl, tags };
    }
    if is("INV_TAG") {
        return match arg {
            Some(tag) => Request::InvTag { tag },
            None => Request::Error("missing_tag"),
        };
    }
    if is("KEYS_BY_TAG") || is("KEYS") {
        return match arg {
            Some(tag) => Request::KeysByTag { tag },
            None => Request::Error("missing_tag"),
        };
    }
    if is("INV_TAGS_ANY") {
        return parse_list_request(arg, "missing_tags", "empty_tags", Request::InvTagsAny);
    }
    if is("INV_TAGS_ALL") {
        return parse_list_request(arg, "missing_tags", "empty_tags", Request::InvTagsAll);
    }
    if is("INV_KEYS") {
        return parse_list_request(arg, "missing_keys", "empty_keys", Request::InvKeys);
    }
    if is("STATS") {
        return Request::Stats;
    }
    if is("FLUSH") {
        return Request::Flush;
    }
    Request::Error("unknown_command")
}

/// Runs `req` and appends its reply line (with `\n`) to `out`.
pub fn execute(store: &Store, req: Request<'_>, out: &mut Vec<u8>) {
    // Writing into a Vec cannot fail, so the io::Results below are ignored.
    match req {
        Request::Put {
            key,
            ttl,
            tags,
            value,
        } => {
            store.put(key, value, ttl, &parse_tags(tags.0));
            out.extend_from_slice(b"OK\n");
        }
        Request::Add {
            key,
            ttl,
            tags,
            value,
        } => {
            let reply: &[u8] = if store.add(key, value, ttl, &parse_tags(tags.0)) {
                b"ADDED\n"
            } else {
                b"EXISTS\n"
            };
            out.extend_from_slice(reply);
        }
        Request::Incr { key, by, ttl, tags } => match store.incr(key, by, ttl, tags.as_deref()) {
            Ok(v) => {
                let _ = writeln!(out, "VALUE\t{v}");
            }
            Err(IncrError::NotAnInteger) => out.extend_from_slice(b"ERR value is not an integer\n"),
            Err(IncrError::Overflow) => out.extend_from_slice(b"ERR integer overflow\n"),
        },
        Request::Get { key } => store.get_with(key, |value| get_reply(out, value)),
        Request::Del { key } => {
            let reply: &[u8] = if store.del(key) {
                b"DEL ok\n"
            } else {
                b"DEL nf\n"
            };
            out.extend_from_slice(reply);
        }
        Request::InvTag { tag } => {
            let _ = writeln!(out, "INV_TAG\t{}", store.inv_tag(tag));
        }
        Request::InvTagsAny(tags) => {
            let _ = writeln!(out, "INV_TAGS_ANY\t{}", store.inv_tags_any(&tags));
        }
        Request::InvTagsAll(tags) => {
            let _ = writeln!(out, "INV_TAGS_ALL\t{}", store.inv_tags_all(&tags));
        }
        Request::InvKeys(keys) => {
            let _ = writeln!(out, "INV_KEYS\t{}", store.inv_keys(&keys));
        }
        Request::KeysByTag { tag } => {
            out.extend_from_slice(b"KEYS\t");
            for (i, key) in store.keys_by_tag(tag).iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(key.as_bytes());
            }
            out.push(b'\n');
        }
        Request::Stats => {
            let s = store.stats();
            let _ = writeln!(
                out,
                "STATS\t{}\t{}\t{}\t{}\t{:.6}",
                s.hits,
                s.misses,
                s.puts,
                s.invalidations,
                s.hit_ratio()
            );
        }
        Request::Flush => {
            let _ = writeln!(out, "FLUSH\t{}", store.flush());
        }
        Request::Error(reason) => {
            let _ = writeln!(out, "ERR {reason}");
        }
    }
}

/// Handles one raw request line (its `\n` already removed): strips every
/// trailing CR/LF, ignores an empty line (no reply), answers a line that is
/// not UTF-8 with `ERR invalid_utf8`, and otherwise parses and runs it.
/// The line as text, if it is valid UTF-8. Most lines are ASCII, which a
/// word-at-a-time check proves faster than the full decoder does.
fn utf8(line: &[u8]) -> Option<&str> {
    if line.is_ascii() {
        // SAFETY: every ASCII byte sequence is valid UTF-8.
        return Some(unsafe { std::str::from_utf8_unchecked(line) });
    }
    std::str::from_utf8(line).ok()
}

pub fn respond(store: &Store, line: &[u8], out: &mut Vec<u8>) {
    let line = trim_line(line);
    if line.is_empty() {
        return;
    }
    match utf8(line) {
        Some(text) => execute(store, parse(text), out),
        None => out.extend_from_slice(b"ERR invalid_utf8\n"),
    }
}

/// The line without every trailing CR and LF.
fn trim_line(line: &[u8]) -> &[u8] {
    let end = line
        .iter()
        .rposition(|&b| b != b'\r' && b != b'\n')
        .map_or(0, |i| i + 1);
    &line[..end]
}

/// Answers request lines in order, exactly as `respond` on each would;
/// each run of consecutive GETs is looked up together
/// (`Store::get_many_with`), which on a big store is several times faster
/// than one lookup at a time.
pub fn respond_all(store: &Store, lines: &[&[u8]], out: &mut Vec<u8>) {
    let mut run = Run::default();
    for &line in lines {
        let line = trim_line(line);
        if line.is_empty() {
            continue;
        }
        match utf8(line).map(parse) {
            Some(Request::Get { key }) => {
                run.answer_puts(store, out);
                run.gets.push(key);
            }
            Some(Request::Put {
                key,
                ttl,
                tags,
                value,
            }) => {
                run.answer_gets(store, out);
                let from = run.tags.len();
                run.tags.extend(tags.iter());
                run.puts.push((key, value, ttl, from..run.tags.len()));
            }
            Some(req) => {
                run.answer(store, out);
                execute(store, req, out);
            }
            None => {
                run.answer(store, out);
                out.extend_from_slice(b"ERR invalid_utf8\n");
            }
        }
    }
    run.answer(store, out);
}

/// The requests of a run not yet answered: consecutive GETs, or
/// consecutive PUTs (never both: one run is answered before the other
/// starts, so replies keep request order).
#[derive(Default)]
struct Run<'a> {
    gets: Vec<&'a str>,
    /// Each PUT's key, value, TTL and its tags in `tags`.
    puts: Vec<(&'a str, &'a str, Option<Duration>, std::ops::Range<usize>)>,
    tags: Vec<&'a str>,
}

impl Run<'_> {
    fn answer(&mut self, store: &Store, out: &mut Vec<u8>) {
        self.answer_gets(store, out);
        self.answer_puts(store, out);
    }

    fn answer_gets(&mut self, store: &Store, out: &mut Vec<u8>) {
        match self.gets.len() {
            0 => return,
            1 => store.get_with(self.gets[0], |v| get_reply(out, v)),
            _ => store.get_many_with(&self.gets, |_, v| get_reply(out, v)),
        }
        self.gets.clear();
    }

    fn answer_puts(&mut self, store: &Store, out: &mut Vec<u8>) {
        if self.puts.is_empty() {
            return;
        }
        let items: Vec<(&str, &str, Option<Duration>, &[&str])> = self
            .puts
            .iter()
            .map(|(k, v, ttl, tags)| (*k, *v, *ttl, &self.tags[tags.clone()]))
            .collect();
        store.put_many(&items);
        for _ in 0..items.len() {
            out.extend_from_slice(b"OK\n");
        }
        self.puts.clear();
        self.tags.clear();
    }
}

fn get_reply(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(v) => {
            out.reserve(v.len() + 7);
            out.extend_from_slice(b"VALUE\t");
            out.extend_from_slice(v.as_bytes());
            out.push(b'\n');
        }
        None => out.extend_from_slice(b"NF\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `respond_all` over a run of lines answers exactly as `respond` on
    /// each line would: the same bytes and the same counters, whatever the
    /// mix (runs of GETs split by writes, expired entries, empty lines,
    /// CR endings, invalid UTF-8).
    #[test]
    fn respond_all_matches_respond_line_by_line() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..200 {
            let (a, b) = (Store::new(), Store::new());
            let mut lines: Vec<Vec<u8>> = Vec::new();
            for _ in 0..(next() % 300) {
                let key = format!("k{}", next() % 12);
                let line = match next() % 10 {
                    0 => format!("PUT\t{key}\t-\tt{}\tv{}", next() % 3, next() % 100).into_bytes(),
                    1 => format!("PUT\t{key}\t0\t-\texpired").into_bytes(),
                    2 => format!("DEL\t{key}").into_bytes(),
                    3 => format!("INCR\t{key}\t2").into_bytes(),
                    4 => match next() % 4 {
                        0 => Vec::new(),
                        1 => b"GET\xff\tk1".to_vec(),
                        2 => format!("get\t{key}\r").into_bytes(),
                        _ => b"GET".to_vec(),
                    },
                    _ => format!("GET\t{key}").into_bytes(),
                };
                lines.push(line);
            }
            let mut one = Vec::new();
            for l in &lines {
                respond(&a, l, &mut one);
            }
            let mut all = Vec::new();
            let refs: Vec<&[u8]> = lines.iter().map(Vec::as_slice).collect();
            respond_all(&b, &refs, &mut all);
            assert_eq!(
                String::from_utf8_lossy(&all),
                String::from_utf8_lossy(&one),
                "round {round}"
            );
            assert_eq!(a.stats(), b.stats(), "round {round}");
            b.check_consistency().unwrap();
        }
    }

    fn reply(store: &Store, line: &[u8]) -> String {
        let mut out = Vec::new();
        respond(store, line, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn parse_fields() {
        assert_eq!(
            parse("put\tk\t100\ta,,b\tv\twith\ttabs"),
            Request::Put {
                key: "k",
                ttl: Some(Duration::from_millis(100)),
                tags: TagList("a,b"),
                value: "v\twith\ttabs"
            }
        );
        assert_eq!(
            parse("ADD\tk\t-5\t-"),
            Request::Add {
                key: "k",
                ttl: None,
                tags: TagList(""),
                value: ""
            }
        );
        let Request::Put { tags, .. } = parse("PUT\tk\t-\t,a,,b,a,\tv") else {
            panic!("a PUT")
        };
        assert_eq!(tags.iter().collect::<Vec<_>>(), ["a", "b", "a"]);
        assert_ne!(tags, TagList("a,b"));
        assert_eq!(TagList(",,"), TagList(""));
        assert_eq!(
            parse("DECR\tk\tx\t-\t-"),
            Request::Incr {
                key: "k",
                by: -1,
                ttl: None,
                tags: None
            }
        );
        assert_eq!(
            parse("incr\tk\t3\t0\t,"),
            Request::Incr {
                key: "k",
                by: 3,
                ttl: Some(Duration::ZERO),
                tags: Some(vec![])
            }
        );
        assert_eq!(
            parse("DECR\tk\t-9223372036854775808"),
            Request::Error("integer overflow")
        );
        assert_eq!(parse("GET\t"), Request::Get { key: "" });
        assert_eq!(parse("DEL"), Request::Error("missing_key"));
        assert_eq!(parse("INV_KEYS\t a , ,b"), Request::InvKeys(vec!["a", "b"]));
        assert_eq!(parse("INV_TAGS_ALL\t , "), Request::Error("empty_tags"));
        assert_eq!(parse("Keys\tt"), Request::KeysByTag { tag: "t" });
        assert_eq!(parse("GETX\tk"), Request::Error("unknown_command"));
    }

    #[test]
    fn framing() {
        let s = Store::new();
        assert_eq!(reply(&s, b""), "");
        assert_eq!(reply(&s, b"\r\r"), "");
        assert_eq!(reply(&s, b"PUT\tk\t-\t-\tv\r\r"), "OK\n");
        assert_eq!(reply(&s, b"GET\tk"), "VALUE\tv\n");
        assert_eq!(reply(&s, b"GET\t\xff"), "ERR invalid_utf8\n");
        assert_eq!(reply(&s, b"STATS"), "STATS\t1\t0\t1\t0\t1.000000\n");
    }
}
