//! The data: entries, the tag index and the counters, behind one lock.
//!
//! Every public method is one critical section of a single mutex, so the
//! entries and the tag index can never be seen (or left) out of step, and
//! there is no lock order to get wrong. Invariants (see
//! [`Store::check_consistency`]):
//! - a key is listed under tag `T` if and only if its entry carries `T`;
//! - no tag set in the index is empty;
//! - an entry's tag list holds no empty tag and no duplicate.
//!
//! An expired entry is treated as absent by every command; it is removed
//! when a command touches it or by [`Store::sweep`].

use parking_lot::Mutex;
use std::collections::{HashMap, HashSet};

/// The maps use foldhash (seeded per process): SipHash was a third of the
/// server's instructions per GET.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
type Set<T> = HashSet<T, foldhash::fast::RandomState>;
use std::time::{Duration, Instant};

/// The server's counters, as reported by `STATS`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// GETs that found a live entry.
    pub hits: u64,
    /// GETs that found nothing (or an expired entry).
    pub misses: u64,
    /// Successful PUT, ADD (when added) and INCR/DECR.
    pub puts: u64,
    /// Entries removed by DEL, INV_* and FLUSH (one per entry).
    pub invalidations: u64,
}

impl Stats {
    /// hits / (hits + misses), 0 when there was no GET.
    pub fn hit_ratio(&self) -> f64 {
        let total = self.hits + self.misses;
        if total == 0 {
            0.0
        } else {
            self.hits as f64 / total as f64
        }
    }
}

/// Why an INCR/DECR failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncrError {
    /// The stored value does not parse as an i64.
    NotAnInteger,
    /// The result does not fit in an i64.
    Overflow,
}

#[derive(Debug)]
struct Entry {
    value: String,
    /// Distinct, non-empty tags, in the order they were given.
    tags: Vec<String>,
    /// The TTL as given, kept so that INCR can restart the clock.
    ttl: Option<Duration>,
    /// `None`: never expires (no TTL, or one too large to represent).
    expires_at: Option<Instant>,
}

impl Entry {
    fn new(value: String, tags: Vec<String>, ttl: Option<Duration>, now: Instant) -> Entry {
        Entry {
            value,
            tags,
            ttl,
            expires_at: deadline(ttl, now),
        }
    }

    fn is_expired(&self, now: Instant) -> bool {
        self.expires_at.is_some_and(|at| now >= at)
    }
}

fn deadline(ttl: Option<Duration>, now: Instant) -> Option<Instant> {
    ttl.and_then(|d| now.checked_add(d))
}

/// Up to this many tags, a linear scan finds a duplicate faster than a
/// hash set (entries usually carry a handful of tags); past it, a set keeps
/// the work linear in the number of tags (100,000 tags took 15 s when
/// every tag was compared with every other).
const SCAN_TAGS: usize = 16;

/// Distinct tags, first occurrence kept, empty ones dropped.
fn distinct_tags(tags: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    if tags.len() <= SCAN_TAGS {
        for t in tags {
            if !t.is_empty() && !out.iter().any(|o| o == t) {
                out.push((*t).to_owned());
            }
        }
        return out;
    }
    let mut seen: Set<&str> = Set::with_capacity_and_hasher(tags.len(), Default::default());
    for t in tags {
        if !t.is_empty() && seen.insert(t) {
            out.push((*t).to_owned());
        }
    }
    out
}

/// Whether the distinct tags of `new` (as `distinct_tags` keeps them) are
/// `old`, in order, without allocating: a cache refreshed with the tags it
/// already has (the common PUT) keeps its index links as they are. Long
/// lists answer false (the caller then relinks, which is always right).
fn same_tags(old: &[String], new: &[&str]) -> bool {
    if new.len() > SCAN_TAGS {
        return false;
    }
    let mut old = old.iter();
    for (i, t) in new.iter().enumerate() {
        if t.is_empty() || new[..i].contains(t) {
            continue;
        }
        match old.next() {
            Some(o) if o == t => {}
            _ => return false,
        }
    }
    old.next().is_none()
}

/// Puts `value` into `slot`, reusing its buffer unless that is much larger
/// than needed (a big value replaced by a small one gives its memory back).
fn set_value(slot: &mut String, value: &str) {
    let cap = slot.capacity();
    if cap >= value.len() && cap <= value.len().saturating_mul(2).max(64) {
        slot.clear();
        slot.push_str(value);
    } else {
        *slot = value.to_owned();
    }
}

/// Whether `tags` holds `tag`, as a closure: a scan when `tags` is short
/// or is asked about only a few times (`probes`), a hash set otherwise.
fn membership<'a>(tags: &'a [String], probes: usize) -> impl Fn(&str) -> bool + 'a {
    let set: Option<Set<&str>> = (tags.len() > SCAN_TAGS && probes > SCAN_TAGS)
        .then(|| tags.iter().map(String::as_str).collect());
    move |tag| match &set {
        Some(set) => set.contains(tag),
        None => tags.iter().any(|t| t == tag),
    }
}

/// Removes `key` from the index of `tag`, and the tag's set once empty.
fn unlink_tag(index: &mut Map<String, Set<String>>, key: &str, tag: &str) {
    if let Some(keys) = index.get_mut(tag) {
        keys.remove(key);
        if keys.is_empty() {
            index.remove(tag);
        }
    }
}

#[derive(Default)]
struct Inner {
    entries: Map<String, Entry>,
    /// tag -> keys carrying it. A set is removed as soon as it is empty.
    index: Map<String, Set<String>>,
    stats: Stats,
}

impl Inner {
    /// Lists `key` under each tag; a tag or key string is allocated only
    /// when it is new to the index.
    fn link(&mut self, key: &str, tags: &[String]) {
        for tag in tags {
            match self.index.get_mut(tag.as_str()) {
                Some(keys) => {
                    if !keys.contains(key) {
                        keys.insert(key.to_owned());
                    }
                }
                None => {
                    let mut keys = Set::default();
                    keys.insert(key.to_owned());
                    self.index.insert(tag.clone(), keys);
                }
            }
        }
    }

    fn unlink(&mut self, key: &str, tags: &[String]) {
        for tag in tags {
            unlink_tag(&mut self.index, key, tag);
        }
    }

    /// Removes the entry and its index links. Returns whether it was live.
    fn remove(&mut self, key: &str, now: Instant) -> bool {
        match self.entries.remove(key) {
            Some(entry) => {
                self.unlink(key, &entry.tags);
                !entry.is_expired(now)
            }
            None => false,
        }
    }

    /// The live entry under `key`; an expired one is removed on the way.
    fn live(&mut self, key: &str, now: Instant) -> Option<&mut Entry> {
        if self.entries.get(key)?.is_expired(now) {
            self.remove(key, now);
            return None;
        }
        self.entries.get_mut(key)
    }

    /// GET of one key: `f` gets the live value, the GET is counted as a hit
    /// or a miss, and an expired entry is removed. One hash lookup on a
    /// hit (the hot path of every GET).
    fn get<R>(&mut self, key: &str, now: Instant, f: impl FnOnce(Option<&str>) -> R) -> R {
        match self.entries.get(key) {
            Some(e) if !e.is_expired(now) => {
                self.stats.hits += 1;
                f(Some(e.value.as_str()))
            }
            Some(_) => {
                self.remove(key, now);
                self.stats.misses += 1;
                f(None)
            }
            None => {
                self.stats.misses += 1;
                f(None)
            }
        }
    }

    /// PUT of one key. An entry already there with the same tags is
    /// updated in place: its index links, key and tag strings stay, and its
    /// value buffer is reused.
    fn put(&mut self, key: &str, value: &str, ttl: Option<Duration>, tags: &[&str], now: Instant) {
        if let Some(e) = self.entries.get_mut(key) {
            if same_tags(&e.tags, tags) {
                set_value(&mut e.value, value);
                e.ttl = ttl;
                e.expires_at = deadline(ttl, now);
                return;
            }
        }
        let entry = Entry::new(value.to_owned(), distinct_tags(tags), ttl, now);
        self.insert(key, entry);
    }

    /// Stores a new entry in place of whatever was under `key`.
    fn insert(&mut self, key: &str, entry: Entry) {
        self.link(key, &entry.tags);
        // Replacing an entry reuses its slot and key (one lookup, no key
        // allocation): the common case of a cache being refreshed.
        if let Some(slot) = self.entries.get_mut(key) {
            let old = std::mem::replace(slot, entry);
            // Re-linked to its new tags above: unlink it from each old tag
            // it no longer carries.
            let carries = membership(&slot.tags, old.tags.len());
            for tag in old.tags.iter().filter(|t| !carries(t)) {
                unlink_tag(&mut self.index, key, tag);
            }
            return;
        }
        self.entries.insert(key.to_owned(), entry);
    }

    /// Removes every key in `keys`; returns how many were live.
    fn remove_all<'a>(
        &mut self,
        keys: impl IntoIterator<Item = &'a String>,
        now: Instant,
    ) -> usize {
        let mut removed = 0;
        for key in keys {
            if self.remove(key, now) {
                removed += 1;
            }
        }
        self.stats.invalidations += removed as u64;
        removed
    }
}

/// The cache: entries with tags and TTLs, a tag index, and counters.
#[derive(Default)]
pub struct Store {
    inner: Mutex<Inner>,
}

impl Store {
    /// An empty store.
    pub fn new() -> Store {
        Store::default()
    }

    /// PUT: replaces the whole entry (value, tags, TTL, creation time).
    pub fn put(&self, key: &str, value: &str, ttl: Option<Duration>, tags: &[&str]) {
        let now = Instant::now();
        let mut inner = self.inner.lock();
        inner.put(key, value, ttl, tags, now);
        inner.stats.puts += 1;
    }

    /// A run of PUTs under one lock, as `put` one by one. The keys are
    /// looked up first in a tight loop whose iterations are independent (so
    /// their cache misses overlap); the inserts then find them in cache.
    pub fn put_many(&self, items: &[(&str, &str, Option<Duration>, &[&str])]) {
        let now = Instant::now();
        let mut guard = self.inner.lock();
        let inner = &mut *guard;
        if items.len() > 1 {
            let mut touched = 0usize;
            for (key, ..) in items {
                if let Some(e) = inner.entries.get(*key) {
                    touched = touched.wrapping_add(e.tags.len());
                }
            }
            std::hint::black_box(touched);
        }
        for (key, value, ttl, tags) in items {
            inner.put(key, value, *ttl, tags, now);
            inner.stats.puts += 1;
        }
    }

    /// ADD: stores the entry only if no live entry holds `key`.
    /// Returns whether it was added.
    pub fn add(&self, key: &str, value: &str, ttl: Option<Duration>, tags: &[&str]) -> bool {
        let now = Instant::now();
        let mut inner = self.inner.lock();
        if inner.live(key, now).is_some() {
            return false;
        }
        let entry = Entry::new(value.to_owned(), distinct_tags(tags), ttl, now);
        inner.insert(key, entry);
        inner.stats.puts += 1;
        true
    }

    /// INCR by `by` (DECR is INCR by -by). A missing or expired key is
    /// created with the value `by`. The TTL clock restarts; `ttl` and `tags`
    /// replace the entry's own only when given (`Some`).
    pub fn incr(
        &self,
        key: &str,
        by: i64,
        ttl: Option<Duration>,
        tags: Option<&[&str]>,
    ) -> Result<i64, IncrError> {
        let now = Instant::now();
        let mut inner = self.inner.lock();
        let new_tags = tags.map(distinct_tags);
        let value = match inner.live(key, now) {
            None => {
                let entry = Entry::new(by.to_string(), new_tags.unwrap_or_default(), ttl, now);
                inner.insert(key, entry);
                by
            }
            Some(entry) => {
                let current: i64 = entry
                    .value
                    .trim()
                    .parse()
                    .map_err(|_| IncrError::NotAnInteger)?;
                let value = current.checked_add(by).ok_or(IncrError::Overflow)?;
                entry.value = value.to_string();
                if ttl.is_some() {
                    entry.ttl = ttl;
                }
                entry.expires_at = deadline(entry.ttl, now);
                if let Some(new_tags) = new_tags {
                    let old_tags = std::mem::replace(&mut entry.tags, new_tags.clone());
                    inner.unlink(key, &old_tags);
                    inner.link(key, &new_tags);
                }
                value
            }
        };
        inner.stats.puts += 1;
        Ok(value)
    }

    /// GET: calls `f` with the live value (or `None`) while holding the lock,
    /// so a caller can copy the value straight into its output.
    pub fn get_with<R>(&self, key: &str, f: impl FnOnce(Option<&str>) -> R) -> R {
        let now = Instant::now();
        self.inner.lock().get(key, now, f)
    }

    /// A run of GETs under one lock: `f(i, value)` for each key in order,
    /// counted and expired exactly as `get_with` one by one. The keys are
    /// first looked up in a tight loop that does nothing with the result:
    /// its iterations are independent, so the CPU overlaps their cache
    /// misses, and the real pass then finds every line in cache. On a big
    /// store (keys not in cache) that is several times faster per GET.
    pub fn get_many_with(&self, keys: &[&str], mut f: impl FnMut(usize, Option<&str>)) {
        let now = Instant::now();
        let mut guard = self.inner.lock();
        let inner = &mut *guard;
        if keys.len() > 1 {
            let mut touched = 0usize;
            for k in keys {
                if let Some(e) = inner.entries.get(*k) {
                    touched = touched.wrapping_add(usize::from(
                        e.value.as_bytes().first().copied().unwrap_or(0),
                    ));
                }
            }
            std::hint::black_box(touched);
        }
        for (i, k) in keys.iter().enumerate() {
            inner.get(k, now, |v| f(i, v));
        }
    }

    /// GET, returning an owned copy of the value.
    pub fn get(&self, key: &str) -> Option<String> {
        self.get_with(key, |v| v.map(str::to_owned))
    }

    /// DEL: returns whether a live entry was removed.
    pub fn del(&self, key: &str) -> bool {
        let now = Instant::now();
        let mut inner = self.inner.lock();
        let removed = inner.remove(key, now);
        if removed {
            inner.stats.invalidations += 1;
        }
        removed
    }

    /// INV_TAG: removes every entry carrying `tag`; returns how many.
    pub fn inv_tag(&self, tag: &str) -> usize {
        let now = Instant::now();
        let mut inner = self.inner.lock();
        let keys: Vec<String> = match inner.index.get(tag) {
            Some(keys) => keys.iter().cloned().collect(),
            None => return 0,
        };
        inner.remove_all(&keys, now)
    }

    /// INV_TAGS_ANY: removes every entry carrying at least one of `tags`.
    pub fn inv_tags_any(&self, tags: &[&str]) -> usize {
        let now = Instant::now();
        let mut inner = self.inner.lock();
        let mut keys: Set<String> = Set::default();
        for tag in tags {
            if let Some(set) = inner.index.get(*tag) {
                keys.extend(set.iter().cloned());
            }
        }
        inner.remove_all(&keys, now)
    }

    /// INV_TAGS_ALL: removes every entry carrying all of `tags`.
    pub fn inv_tags_all(&self, tags: &[&str]) -> usize {
        let now = Instant::now();
        let mut inner = self.inner.lock();
        let mut sets = Vec::with_capacity(tags.len());
        for tag in tags {
            match inner.index.get(*tag) {
                Some(set) => sets.push(set),
                None => return 0,
            }
        }
        let Some(smallest) = sets.iter().min_by_key(|s| s.len()) else {
            return 0;
        };
        let keys: Vec<String> = smallest
            .iter()
            .filter(|k| sets.iter().all(|s| s.contains(*k)))
            .cloned()
            .collect();
        inner.remove_all(&keys, now)
    }

    /// INV_KEYS: removes the given keys; returns how many were live.
    pub fn inv_keys(&self, keys: &[&str]) -> usize {
        let now = Instant::now();
        let mut inner = self.inner.lock();
        let mut removed = 0;
        for key in keys {
            if inner.remove(key, now) {
                removed += 1;
            }
        }
        inner.stats.invalidations += removed as u64;
        removed
    }

    /// KEYS_BY_TAG: the live keys carrying `tag`, in no particular order.
    pub fn keys_by_tag(&self, tag: &str) -> Vec<String> {
        let now = Instant::now();
        let mut inner = self.inner.lock();
        let Some(set) = inner.index.get(tag) else {
            return Vec::new();
        };
        let (expired, live): (Vec<&String>, Vec<&String>) = set
            .iter()
            .partition(|k| inner.entries.get(*k).is_none_or(|e| e.is_expired(now)));
        let live: Vec<String> = live.into_iter().cloned().collect();
        let expired: Vec<String> = expired.into_iter().cloned().collect();
        for key in &expired {
            inner.remove(key, now);
        }
        live
    }

    /// A copy of the counters.
    pub fn stats(&self) -> Stats {
        self.inner.lock().stats
    }

    /// FLUSH: removes everything; returns how many live entries there were.
    pub fn flush(&self) -> usize {
        let now = Instant::now();
        let mut inner = self.inner.lock();
        let live = inner
            .entries
            .values()
            .filter(|e| !e.is_expired(now))
            .count();
        inner.entries = Map::default();
        inner.index = Map::default();
        inner.stats.invalidations += live as u64;
        live
    }

    /// Removes every expired entry (and its index links); returns how many.
    /// Not counted as invalidations.
    pub fn sweep(&self) -> usize {
        let now = Instant::now();
        let mut inner = self.inner.lock();
        let expired: Vec<String> = inner
            .entries
            .iter()
            .filter(|(_, e)| e.is_expired(now))
            .map(|(k, _)| k.clone())
            .collect();
        for key in &expired {
            inner.remove(key, now);
        }
        expired.len()
    }

    /// Number of entries held, expired ones not yet removed included.
    pub fn len(&self) -> usize {
        self.inner.lock().entries.len()
    }

    /// Whether the store holds no entry at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of tags in the index (every one has at least one key).
    pub fn tag_count(&self) -> usize {
        self.inner.lock().index.len()
    }

    /// Checks the invariants between the entries and the tag index; for
    /// tests and debugging. Returns a description of the first violation.
    pub fn check_consistency(&self) -> Result<(), String> {
        let inner = self.inner.lock();
        // Each key's tags as a set: checks stay linear in the number of
        // links, however many tags an entry carries.
        let mut carried: Map<&str, Set<&str>> = Map::default();
        for (key, entry) in &inner.entries {
            let seen = carried.entry(key).or_default();
            for tag in &entry.tags {
                if tag.is_empty() {
                    return Err(format!("key {key:?} carries an empty tag"));
                }
                if !seen.insert(tag) {
                    return Err(format!("key {key:?} carries tag {tag:?} twice"));
                }
                if !inner.index.get(tag).is_some_and(|s| s.contains(key)) {
                    return Err(format!("key {key:?} carries {tag:?} but is not indexed"));
                }
            }
        }
        for (tag, keys) in &inner.index {
            if keys.is_empty() {
                return Err(format!("tag {tag:?} has an empty key set"));
            }
            for key in keys {
                match carried.get(key.as_str()) {
                    None => return Err(format!("tag {tag:?} lists missing key {key:?}")),
                    Some(tags) if !tags.contains(tag.as_str()) => {
                        return Err(format!("tag {tag:?} lists {key:?}, which lacks it"))
                    }
                    Some(_) => {}
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::thread;

    fn sorted(mut v: Vec<String>) -> Vec<String> {
        v.sort();
        v
    }

    #[test]
    fn put_replaces_tags_in_index() {
        let s = Store::new();
        s.put("k", "v", None, &["a", "b"]);
        s.put("k", "w", None, &["b", "c"]);
        assert_eq!(s.keys_by_tag("a"), Vec::<String>::new());
        assert_eq!(s.keys_by_tag("b"), vec!["k"]);
        assert_eq!(s.keys_by_tag("c"), vec!["k"]);
        assert_eq!(s.tag_count(), 2, "the empty set of tag a is dropped");
        s.check_consistency().unwrap();
    }

    #[test]
    fn same_tags_is_distinct_tags_compared() {
        let cases: &[&[&str]] = &[
            &[],
            &["a"],
            &["a", "b"],
            &["b", "a"],
            &["a", "a", "b"],
            &["", "a", "", "b", "a"],
            &["a", "b", "c"],
            &[""],
        ];
        for old in cases {
            let kept = distinct_tags(old);
            for new in cases {
                let want = distinct_tags(new) == kept;
                assert_eq!(same_tags(&kept, new), want, "{old:?} vs {new:?}");
            }
        }
        // Past SCAN_TAGS the answer is "relink", even for the same list.
        let long: Vec<String> = (0..=SCAN_TAGS).map(|i| format!("t{i}")).collect();
        let refs: Vec<&str> = long.iter().map(String::as_str).collect();
        assert!(!same_tags(&long, &refs));
    }

    /// A PUT over an entry with the same tags updates it in place: value,
    /// TTL and expiry are the new ones, the index is unchanged, and a value
    /// buffer much larger than the new value is not kept.
    #[test]
    fn put_with_the_same_tags_updates_in_place() {
        let s = Store::new();
        s.put(
            "k",
            &"x".repeat(100_000),
            Some(Duration::from_millis(1)),
            &["a", "b"],
        );
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(s.get("k"), None, "expired (and removed) before the refresh");
        s.put(
            "k",
            &"x".repeat(100_000),
            Some(Duration::from_millis(1)),
            &["a", "b"],
        );
        s.put("k", "short", None, &["a", "", "b", "a"]);
        assert_eq!(s.get("k").as_deref(), Some("short"));
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(
            s.get("k").as_deref(),
            Some("short"),
            "the TTL is the new one (none)"
        );
        assert!(s.inner.lock().entries["k"].value.capacity() < 1000);
        assert_eq!(tags_of(&s, "k"), ["a", "b"]);
        assert_eq!(s.keys_by_tag("a"), vec!["k"]);
        s.put("k", "v2", None, &["b", "a"]);
        assert_eq!(tags_of(&s, "k"), ["b", "a"], "order is part of the entry");
        s.put("k", "v3", None, &[]);
        assert!(s.keys_by_tag("a").is_empty());
        assert_eq!(s.tag_count(), 0);
        s.put_many(&[
            ("k", "v4", None, &["c"]),
            ("k", "v5", None, &["c"]),
            ("j", "v", None, &["c"]),
        ]);
        assert_eq!(s.get("k").as_deref(), Some("v5"));
        assert_eq!(sorted(s.keys_by_tag("c")), ["j", "k"]);
        assert_eq!(s.stats().puts, 8);
        s.check_consistency().unwrap();
    }

    /// The tags `key`'s entry carries, in order.
    fn tags_of(s: &Store, key: &str) -> Vec<String> {
        s.inner.lock().entries[key].tags.clone()
    }

    /// Issue 16: de-duplication compared every tag with every other (15 s
    /// for one PUT of 100,000 tags, 29 s to replace it).
    #[test]
    fn put_with_100000_distinct_tags_keeps_every_one_in_order() {
        let names: Vec<String> = (0..100_000).map(|i| format!("t{i}")).collect();
        let tags: Vec<&str> = names.iter().map(String::as_str).collect();
        let s = Store::new();
        s.put("k", "v", None, &tags);
        assert_eq!(tags_of(&s, "k"), names);
        assert_eq!(s.tag_count(), 100_000);
        assert_eq!(s.keys_by_tag("t0"), vec!["k"]);
        assert_eq!(s.keys_by_tag("t99999"), vec!["k"]);
        s.check_consistency().unwrap();

        // Replaced by the odd half plus 50,000 new tags: the even ones are
        // unlinked, the odd ones kept, the new ones linked.
        let next: Vec<String> = names
            .iter()
            .skip(1)
            .step_by(2)
            .cloned()
            .chain((100_000..150_000).map(|i| format!("t{i}")))
            .collect();
        let next_tags: Vec<&str> = next.iter().map(String::as_str).collect();
        s.put("k", "w", None, &next_tags);
        assert_eq!(tags_of(&s, "k"), next);
        assert_eq!(s.tag_count(), 100_000);
        assert!(s.keys_by_tag("t0").is_empty());
        assert!(s.keys_by_tag("t99998").is_empty());
        assert_eq!(s.keys_by_tag("t99999"), vec!["k"]);
        assert_eq!(s.keys_by_tag("t149999"), vec!["k"]);
        s.check_consistency().unwrap();

        assert_eq!(s.inv_tag("t1"), 1);
        assert_eq!(s.tag_count(), 0);
        s.check_consistency().unwrap();
    }

    /// 100,000 tags of which 1,000 are distinct, each given 100 times, with
    /// empty ones among them: the 1,000 are kept once each, in the order
    /// of their first occurrence. The same through ADD and INCR.
    #[test]
    fn many_duplicate_tags_are_kept_once_in_first_order() {
        let names: Vec<String> = (0..1000).map(|i| format!("d{}", (i * 7) % 1000)).collect();
        let mut tags: Vec<&str> = Vec::with_capacity(100_000);
        for round in 0..100 {
            for i in 0..1000 {
                // Each round in another order: rotated by the round.
                tags.push(&names[(i + round * 13) % 1000]);
                if i % 97 == 0 {
                    tags.push("");
                }
            }
        }
        assert!(tags.len() > 100_000);
        let s = Store::new();
        s.put("k", "v", None, &tags);
        assert_eq!(tags_of(&s, "k"), names, "first round's order, once each");
        assert!(s.add("a", "v", None, &tags));
        assert_eq!(tags_of(&s, "a"), names);
        assert_eq!(s.incr("n", 1, None, Some(&tags)), Ok(1));
        assert_eq!(s.incr("n", 1, None, Some(&tags[500..])), Ok(2));
        let from_500: Vec<&str> = {
            let mut seen = std::collections::HashSet::new();
            tags[500..]
                .iter()
                .copied()
                .filter(|t| !t.is_empty() && seen.insert(*t))
                .collect()
        };
        assert_eq!(tags_of(&s, "n"), from_500);
        assert_eq!(s.tag_count(), 1000);
        assert_eq!(sorted(s.keys_by_tag("d7")), vec!["a", "k", "n"]);
        s.check_consistency().unwrap();
    }

    #[test]
    fn duplicate_and_empty_tags_are_dropped() {
        let s = Store::new();
        s.put("k", "v", None, &["a", "", "a"]);
        assert_eq!(s.keys_by_tag("a"), vec!["k"]);
        assert_eq!(s.tag_count(), 1);
        s.check_consistency().unwrap();
    }

    /// Real-server defect: INV_TAG left the key in the index of its other
    /// tags, so a key re-put without them was still listed there.
    #[test]
    fn inv_tag_unlinks_other_tags() {
        let s = Store::new();
        s.put("k", "v", None, &["a", "b"]);
        assert_eq!(s.inv_tag("a"), 1);
        assert_eq!(s.tag_count(), 0);
        s.put("k", "v", None, &["c"]);
        assert!(s.keys_by_tag("b").is_empty());
        s.check_consistency().unwrap();
    }

    /// Real-server defect: tag sets that became empty stayed forever.
    #[test]
    fn empty_tag_sets_are_removed_by_every_path() {
        let s = Store::new();
        let tags = ["t1", "t2", "t3"];
        s.put("a", "1", None, &tags);
        s.del("a");
        s.put("b", "1", None, &tags);
        s.inv_tags_any(&["t1"]);
        s.put("c", "1", None, &tags);
        s.inv_tags_all(&["t1", "t3"]);
        s.put("d", "1", None, &tags);
        s.inv_keys(&["d"]);
        s.put("e", "1", None, &tags);
        assert_eq!(s.incr("e", 1, None, Some(&[])), Ok(2));
        s.del("e");
        s.put("e", "1", None, &tags);
        assert_eq!(s.incr("e", 1, None, Some(&["x"])), Ok(2));
        s.inv_tag("x");
        s.put("f", "1", Some(Duration::ZERO), &tags);
        s.sweep();
        s.put("g", "1", Some(Duration::ZERO), &tags);
        assert_eq!(s.get("g"), None);
        s.put("h", "1", Some(Duration::ZERO), &tags);
        assert!(s.keys_by_tag("t1").is_empty());
        s.put("i", "1", None, &tags);
        s.flush();
        assert_eq!(s.tag_count(), 0);
        assert!(s.is_empty());
        s.check_consistency().unwrap();
    }

    #[test]
    fn expired_entries_are_absent() {
        let s = Store::new();
        s.put("k", "v", Some(Duration::ZERO), &["t"]);
        assert_eq!(s.get("k"), None);
        s.put("k", "v", Some(Duration::ZERO), &["t"]);
        assert!(s.keys_by_tag("t").is_empty());
        s.put("k", "v", Some(Duration::ZERO), &["t"]);
        assert!(!s.del("k"));
        s.put("k", "v", Some(Duration::ZERO), &["t"]);
        assert_eq!(s.inv_tag("t"), 0);
        s.put("k", "v", Some(Duration::ZERO), &["t"]);
        assert_eq!(s.flush(), 0);
        s.put("k", "old", Some(Duration::ZERO), &["t"]);
        assert!(s.add("k", "new", None, &["u"]));
        assert_eq!(s.get("k").as_deref(), Some("new"));
        assert!(s.keys_by_tag("t").is_empty());
        s.put("n", "10", Some(Duration::ZERO), &["t"]);
        assert_eq!(s.incr("n", 5, None, None), Ok(5));
        assert!(s.keys_by_tag("t").is_empty());
        s.check_consistency().unwrap();
    }

    #[test]
    fn sweep_removes_expired_entries_and_links() {
        let s = Store::new();
        s.put("a", "v", Some(Duration::ZERO), &["t"]);
        s.put("b", "v", Some(Duration::from_secs(3600)), &["t"]);
        s.put("c", "v", None, &["u"]);
        assert_eq!(s.sweep(), 1);
        assert_eq!(s.len(), 2);
        assert_eq!(s.keys_by_tag("t"), vec!["b"]);
        s.check_consistency().unwrap();
    }

    #[test]
    fn huge_ttl_never_expires() {
        let s = Store::new();
        s.put("k", "v", Some(Duration::from_millis(u64::MAX)), &[]);
        assert_eq!(s.get("k").as_deref(), Some("v"));
    }

    #[test]
    fn incr_semantics() {
        let s = Store::new();
        assert_eq!(s.incr("n", 1, None, Some(&["a"])), Ok(1));
        assert_eq!(s.incr("n", 1, None, None), Ok(2));
        assert_eq!(s.keys_by_tag("a"), vec!["n"]);
        assert_eq!(s.incr("n", 1, None, Some(&["b"])), Ok(3));
        assert!(s.keys_by_tag("a").is_empty());
        s.put("x", " 41 ", None, &[]);
        assert_eq!(s.incr("x", 1, None, None), Ok(42));
        assert_eq!(s.get("x").as_deref(), Some("42"));
        s.put("m", &i64::MAX.to_string(), None, &[]);
        assert_eq!(s.incr("m", 1, None, None), Err(IncrError::Overflow));
        s.put("f", "1.5", None, &[]);
        assert_eq!(s.incr("f", 1, None, None), Err(IncrError::NotAnInteger));
        s.check_consistency().unwrap();
    }

    #[test]
    fn incr_restarts_and_replaces_ttl() {
        let s = Store::new();
        s.put("n", "1", Some(Duration::from_millis(150)), &[]);
        thread::sleep(Duration::from_millis(100));
        assert_eq!(s.incr("n", 1, None, None), Ok(2));
        thread::sleep(Duration::from_millis(100));
        assert_eq!(s.get("n").as_deref(), Some("2"), "clock restarted");
        assert_eq!(s.incr("n", 1, Some(Duration::ZERO), None), Ok(3));
        assert_eq!(s.get("n"), None, "TTL replaced");
    }

    #[test]
    fn stats_counting() {
        let s = Store::new();
        s.put("a", "1", None, &["t"]);
        s.put("b", "1", None, &["t"]);
        s.add("a", "1", None, &[]);
        s.get("a");
        s.get("zz");
        assert_eq!(s.inv_tag("t"), 2);
        let st = s.stats();
        assert_eq!(
            (st.hits, st.misses, st.puts, st.invalidations),
            (1, 1, 2, 2)
        );
        assert_eq!(format!("{:.6}", st.hit_ratio()), "0.500000");
        assert_eq!(Stats::default().hit_ratio(), 0.0);
    }

    #[test]
    fn inv_tags_all_and_any() {
        let s = Store::new();
        s.put("b1", "v", None, &["t1", "t2"]);
        s.put("b2", "v", None, &["t1"]);
        s.put("b3", "v", None, &["t2"]);
        assert_eq!(s.inv_tags_all(&["t1", "t2", "nope"]), 0);
        assert_eq!(s.inv_tags_all(&["t1", "t2"]), 1);
        assert_eq!(sorted(s.keys_by_tag("t1")), vec!["b2"]);
        assert_eq!(s.inv_tags_any(&["t1", "t2", "t1"]), 2);
        assert!(s.is_empty());
        s.check_consistency().unwrap();
    }

    /// Real-server defects: racing PUTs of one key left stale index entries,
    /// and INCR-with-tags against INV_TAG could deadlock. Hammer one key and
    /// a few tags from many threads, then check the invariants.
    #[test]
    fn concurrent_writers_keep_index_consistent() {
        let s = Arc::new(Store::new());
        let tag_sets: [&[&str]; 4] = [&["a", "b"], &["b", "c"], &["c"], &[]];
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let s = Arc::clone(&s);
                thread::spawn(move || {
                    for i in 0..2000usize {
                        let tags = tag_sets[(t + i) % tag_sets.len()];
                        let key = if i % 3 == 0 { "hot" } else { "warm" };
                        match (t + i) % 7 {
                            0 => {
                                let _ = s.incr(key, 1, None, Some(tags));
                            }
                            1 => {
                                s.inv_tag(tags.first().copied().unwrap_or("a"));
                            }
                            2 => {
                                s.inv_tags_all(&["b", "c"]);
                            }
                            3 => {
                                s.del(key);
                            }
                            _ => s.put(key, &format!("{t}-{i}"), None, tags),
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        s.check_consistency().unwrap();
    }
}
