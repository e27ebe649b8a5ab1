//! Ketama consistent hashing, placing keys on servers exactly as
//! libmemcached's weighted ketama does (php-memcached with
//! `Memcached::OPT_LIBKETAMA_COMPATIBLE`), so that for the same server list
//! and weights a key lands on the same server with either client.
//!
//! The rules (libmemcached 1.x, `update_continuum` and `dispatch_host`):
//! - A server is named by its host as given plus `:port`, except that the
//!   port is left out when it is memcached's default, 11211.
//! - A server of weight `w` out of a total `W` over `n` servers gets
//!   `floor(w / W * 160 / 4 * n + 1e-10) * 4` points, computed in 32-bit
//!   floating point, whose rounding shows: three equal servers get 160
//!   points each, but 25 equal servers get 156.
//! - Its points come 4 at a time from the MD5 digests of `"{name}-{i}"`
//!   for `i = 0, 1, ...`: each digest gives four little-endian 32-bit
//!   points (bytes 0..4, 4..8, 8..12, 12..16).
//! - A key hashes to the first 4 bytes of its MD5, little-endian, and goes
//!   to the first point at or after that hash, wrapping around past the
//!   last; points of equal value are ordered by server position in the
//!   list. With a single server no hash is computed.
//!
//! Adding a server to `n` equal ones moves about 1/(n+1) of the keys, all
//! to the new server; removing one moves only the keys it held. (That holds
//! while every server keeps its point count. With unequal weights a change
//! of the list changes every server's count, as in libmemcached, so a few
//! keys also move between the servers that stay.)
//!
//! Cost: placing one key is one MD5 block (a chain of 64 dependent steps,
//! about 140 ns) and a search of one or two points. A batch's keys are
//! placed [`LANES`] at a time ([`Ring::place`]): their MD5s run side by
//! side in SIMD lanes, about 55 ns per key (benches/ketama.rs).

use md5::{Digest, Md5};
use std::fmt::Write as _;

/// The port memcached listens on by default; libmemcached leaves it out
/// of a server's name when hashing its points.
pub const DEFAULT_PORT: u16 = 11211;

/// Points of a server of average weight, libmemcached's
/// `MEMCACHED_POINTS_PER_SERVER_KETAMA`.
const POINTS_PER_SERVER: f32 = 160.0;

/// Points taken from one MD5 digest.
const POINTS_PER_HASH: u32 = 4;

/// A ketama continuum over a list of servers: built once per list, then
/// read concurrently without locking.
#[derive(Debug, Clone)]
pub struct Ring {
    /// Point values in ascending order (ties by server position).
    points: Vec<u32>,
    /// `owners[i]`: the position in the server list of `points[i]`'s server.
    owners: Vec<u32>,
    /// A bucket index over `points`: the hash space is cut into
    /// `2^(32 - shift)` equal buckets (about as many as there are points),
    /// and `starts[b]` is the first point at or after bucket `b`'s start, so
    /// the binary search of a hash in bucket `b` covers only
    /// `points[starts[b]..starts[b + 1]]`, one or two points, instead of
    /// the whole ring. `starts` has one more entry, `points.len()`.
    starts: Vec<u32>,
    shift: u32,
    /// Number of servers in the list the ring was built from.
    servers: usize,
}

impl Ring {
    /// Builds the ring of `servers`, each `(host, port, weight)`, with the
    /// host spelled as the user gave it (the name is hashed as a string:
    /// `localhost` and `127.0.0.1` are different servers to ketama, as
    /// they are to libmemcached). The order of the list matters only for
    /// ties between equal points, as in libmemcached.
    ///
    /// The caller validates the list: it panics if the list is empty or
    /// every weight is 0. A server whose weight is a very small share of
    /// the total may get no point (and so no key), as with libmemcached.
    pub fn new(servers: &[(&str, u16, u32)]) -> Ring {
        assert!(
            !servers.is_empty(),
            "a ketama ring needs at least one server"
        );
        assert!(
            u32::try_from(servers.len()).is_ok(),
            "too many servers for a ketama ring"
        );
        let total: u64 = servers.iter().map(|s| u64::from(s.2)).sum();
        assert!(total > 0, "a ketama ring needs a server of positive weight");

        let counts: Vec<u32> = servers
            .iter()
            .map(|s| point_count(s.2, total, servers.len()))
            .collect();
        let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(counts.iter().sum::<u32>() as usize);
        let mut name = String::with_capacity(64);
        for (index, (&(host, port, _), &count)) in servers.iter().zip(&counts).enumerate() {
            let index = index as u32;
            for i in 0..count / POINTS_PER_HASH {
                name.clear();
                // Writing to a String cannot fail.
                let _ = if port == DEFAULT_PORT {
                    write!(name, "{host}-{i}")
                } else {
                    write!(name, "{host}:{port}-{i}")
                };
                let digest = Md5::digest(name.as_bytes());
                for quad in digest.chunks_exact(4) {
                    let point = u32::from_le_bytes([quad[0], quad[1], quad[2], quad[3]]);
                    pairs.push((point, index));
                }
            }
        }
        // By value, then by server position: libmemcached's order.
        pairs.sort_unstable();
        assert!(!pairs.is_empty(), "no server of the ring got a point");
        let points: Vec<u32> = pairs.iter().map(|p| p.0).collect();
        let (starts, shift) = bucket_index(&points);
        Ring {
            points,
            owners: pairs.iter().map(|p| p.1).collect(),
            starts,
            shift,
            servers: servers.len(),
        }
    }

    /// The position in the server list of the server that holds `key`.
    /// One MD5 of the key and a binary search; no allocation.
    #[inline]
    pub fn server_for(&self, key: &[u8]) -> usize {
        if self.servers == 1 {
            return 0;
        }
        self.server_for_hash(key_hash(key))
    }

    /// The server of a key whose ketama hash ([`key_hash`]) is `hash`.
    #[inline]
    pub fn server_for_hash(&self, hash: u32) -> usize {
        // The first point >= hash (a lower bound), searched in the hash's
        // bucket only; none there means the next bucket's first point.
        let bucket = (hash >> self.shift) as usize;
        let (lo, hi) = (
            self.starts[bucket] as usize,
            self.starts[bucket + 1] as usize,
        );
        let at = lo + self.points[lo..hi].partition_point(|&p| p < hash);
        // Past the last point, the ring wraps to the first.
        let at = if at == self.points.len() { 0 } else { at };
        self.owners[at] as usize
    }

    /// Places a sequence of requests, in order: for the `i`-th, calls
    /// `to(i, Some(server))` if it has a key, `to(i, None)` if not. Keys
    /// are hashed [`LANES`] at a time ([`key_hashes`]), so a call for a key
    /// may wait for the keys after it, but the calls come in sequence
    /// order: a request without a key first places the keys before it.
    /// With one server, no key is hashed.
    pub fn place<'k>(
        &self,
        keys: impl IntoIterator<Item = Option<&'k [u8]>>,
        mut to: impl FnMut(usize, Option<usize>),
    ) {
        // Keys waiting for their group to fill, and their positions.
        let mut group: [&[u8]; LANES] = [&[]; LANES];
        let mut at = [0usize; LANES];
        let mut held = 0;
        for (i, key) in keys.into_iter().enumerate() {
            match key {
                Some(_) if self.servers == 1 => to(i, Some(0)),
                Some(key) => {
                    group[held] = key;
                    at[held] = i;
                    held += 1;
                    if held == LANES {
                        self.place_group(&group, &at[..held], &mut to);
                        held = 0;
                    }
                }
                None => {
                    self.place_group(&group, &at[..held], &mut to);
                    held = 0;
                    to(i, None);
                }
            }
        }
        self.place_group(&group, &at[..held], &mut to);
    }

    /// Places the first `at.len()` keys of `group`, which are the requests
    /// at positions `at`; the lanes past them are left over from an earlier
    /// group and ignored.
    fn place_group(
        &self,
        group: &[&[u8]; LANES],
        at: &[usize],
        to: &mut impl FnMut(usize, Option<usize>),
    ) {
        match at {
            [] => return,
            // One key is hashed faster alone than in a group.
            &[i] => return to(i, Some(self.server_for(group[0]))),
            _ => {}
        }
        let mut keys = *group;
        // Left-over lanes hash the empty key, never a long one.
        keys[at.len()..].fill(&[]);
        let hashes = key_hashes(keys);
        for (&i, &hash) in at.iter().zip(&hashes) {
            to(i, Some(self.server_for_hash(hash)));
        }
    }

    /// The servers of `keys` ([`Ring::server_for`] of each), into `out`
    /// (as long as `keys`), hashing [`LANES`] keys at a time.
    pub fn servers_for(&self, keys: &[&[u8]], out: &mut [usize]) {
        assert_eq!(keys.len(), out.len(), "one server per key");
        self.place(keys.iter().map(|&k| Some(k)), |i, s| {
            out[i] = s.unwrap_or(0);
        });
    }

    /// Number of servers the ring was built from.
    pub fn len(&self) -> usize {
        self.servers
    }

    /// Always false: a ring has at least one server.
    pub fn is_empty(&self) -> bool {
        self.servers == 0
    }

    /// Total number of points on the ring.
    pub fn point_count(&self) -> usize {
        self.points.len()
    }

    /// The share of the hash space each server owns, in list order (they
    /// add up to 1): the fraction of keys it can expect. It depends on the
    /// servers' names as well as their weights: with 160 points each, three
    /// equal servers typically own 33.3% +- 2.6 points each.
    pub fn shares(&self) -> Vec<f64> {
        let mut owned = vec![0u64; self.servers];
        let mut prev = 0u64;
        for (&p, &o) in self.points.iter().zip(&self.owners) {
            owned[o as usize] += u64::from(p) - prev;
            prev = u64::from(p);
        }
        // Past the last point the ring wraps to the first one's server.
        owned[self.owners[0] as usize] += (1u64 << 32) - prev;
        owned
            .iter()
            .map(|&o| o as f64 / (1u64 << 32) as f64)
            .collect()
    }

    /// Number of points of each server, in list order.
    pub fn points_per_server(&self) -> Vec<usize> {
        let mut counts = vec![0; self.servers];
        for &o in &self.owners {
            counts[o as usize] += 1;
        }
        counts
    }
}

/// The bucket index of sorted `points` (`Ring::starts`, `Ring::shift`): the
/// smallest power of two of buckets, at least 2, that is not below the
/// number of points.
fn bucket_index(points: &[u32]) -> (Vec<u32>, u32) {
    let buckets = points.len().next_power_of_two().clamp(2, 1 << 31);
    let shift = 32 - buckets.trailing_zeros();
    let mut starts = Vec::with_capacity(buckets + 1);
    let mut at = 0usize;
    for b in 0..buckets as u64 {
        let first = (b << shift) as u32;
        while at < points.len() && points[at] < first {
            at += 1;
        }
        starts.push(at as u32);
    }
    starts.push(points.len() as u32);
    (starts, shift)
}

/// MD5's initial state (RFC 1321, 3.3).
const MD5_INIT: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];

/// The longest message that MD5 pads into a single 64-byte block.
const ONE_BLOCK: usize = 55;

/// The ketama hash of a key: the first 4 bytes of its MD5, little-endian
/// (libhashkit's `hashkit_md5`). Those bytes are the first word of MD5's
/// final state, so a key of up to 55 bytes (one block once padded: the
/// usual case) is padded here on the stack and compressed once, without
/// the streaming hasher's buffering. [`key_hashes`] computes the same
/// hash for several keys at once, faster per key.
#[inline]
pub fn key_hash(key: &[u8]) -> u32 {
    if key.len() > ONE_BLOCK {
        let digest = Md5::digest(key);
        return u32::from_le_bytes([digest[0], digest[1], digest[2], digest[3]]);
    }
    let mut state = MD5_INIT;
    md5::block_api::compress(&mut state, &[padded(key)]);
    state[0]
}

/// Number of keys [`key_hashes`] hashes at once.
///
/// One MD5 block is a chain of 64 dependent steps, so one key's hash cannot
/// get much faster; the hashes of independent keys can be computed side by
/// side, one key per lane, which the compiler turns into SIMD: 4 lanes fill
/// an SSE2 register (the x86_64 baseline). Four keys cost about 1.5 times
/// one key hashed alone (benches/ketama.rs); 8 lanes (two registers) were
/// hardly faster per key and cost more for a short last group.
pub const LANES: usize = 4;

/// One 32-bit word per lane.
type Lanes = [u32; LANES];

/// MD5's additive constants (RFC 1321, 3.4): `K[i]` is the integer part of
/// `abs(sin(i + 1)) * 2^32`, `i + 1` in radians (checked by a test).
const K: [u32; 64] = [
    0xd76a_a478,
    0xe8c7_b756,
    0x2420_70db,
    0xc1bd_ceee, // round 1
    0xf57c_0faf,
    0x4787_c62a,
    0xa830_4613,
    0xfd46_9501,
    0x6980_98d8,
    0x8b44_f7af,
    0xffff_5bb1,
    0x895c_d7be,
    0x6b90_1122,
    0xfd98_7193,
    0xa679_438e,
    0x49b4_0821,
    0xf61e_2562,
    0xc040_b340,
    0x265e_5a51,
    0xe9b6_c7aa, // round 2
    0xd62f_105d,
    0x0244_1453,
    0xd8a1_e681,
    0xe7d3_fbc8,
    0x21e1_cde6,
    0xc337_07d6,
    0xf4d5_0d87,
    0x455a_14ed,
    0xa9e3_e905,
    0xfcef_a3f8,
    0x676f_02d9,
    0x8d2a_4c8a,
    0xfffa_3942,
    0x8771_f681,
    0x6d9d_6122,
    0xfde5_380c, // round 3
    0xa4be_ea44,
    0x4bde_cfa9,
    0xf6bb_4b60,
    0xbebf_bc70,
    0x289b_7ec6,
    0xeaa1_27fa,
    0xd4ef_3085,
    0x0488_1d05,
    0xd9d4_d039,
    0xe6db_99e5,
    0x1fa2_7cf8,
    0xc4ac_5665,
    0xf429_2244,
    0x432a_ff97,
    0xab94_23a7,
    0xfc93_a039, // round 4
    0x655b_59c3,
    0x8f0c_cc92,
    0xffef_f47d,
    0x8584_5dd1,
    0x6fa8_7e4f,
    0xfe2c_e6e0,
    0xa301_4314,
    0x4e08_11a1,
    0xf753_7e82,
    0xbd3a_f235,
    0x2ad7_d2bb,
    0xeb86_d391,
];

/// The left rotations of each round's steps, repeating every 4 steps.
const SHIFTS: [[u32; 4]; 4] = [
    [7, 12, 17, 22],
    [5, 9, 14, 20],
    [4, 11, 16, 23],
    [6, 10, 15, 21],
];

/// The ketama hashes ([`key_hash`]) of `LANES` keys, computed together:
/// the same values as `key_hash` of each key, at a fraction of the cost
/// per key. A key longer than 55 bytes (more than one MD5 block) is hashed
/// alone by `key_hash`; its lane computes a discarded value.
pub fn key_hashes(keys: [&[u8]; LANES]) -> Lanes {
    // The padded block of each lane, as 16 little-endian words, word-major:
    // `x[w][lane]`.
    let mut x = [[0u32; LANES]; 16];
    for (lane, key) in keys.iter().enumerate() {
        if key.len() <= ONE_BLOCK {
            let block = padded(key);
            for (w, word) in x.iter_mut().enumerate() {
                word[lane] = u32::from_le_bytes([
                    block[4 * w],
                    block[4 * w + 1],
                    block[4 * w + 2],
                    block[4 * w + 3],
                ]);
            }
        }
    }
    let mut hashes = first_words(&x);
    for (hash, key) in hashes.iter_mut().zip(keys) {
        if key.len() > ONE_BLOCK {
            *hash = key_hash(key);
        }
    }
    hashes
}

/// `key` (at most 55 bytes) padded into MD5's one last block (RFC 1321,
/// 3.1 and 3.2): the key, a 1 bit, zeros, and the length in bits as a
/// little-endian 64-bit number.
#[inline]
fn padded(key: &[u8]) -> [u8; 64] {
    let mut block = [0u8; 64];
    block[..key.len()].copy_from_slice(key);
    block[key.len()] = 0x80;
    block[56..].copy_from_slice(&(key.len() as u64 * 8).to_le_bytes());
    block
}

/// The first word of MD5's state after compressing one block per lane
/// from the initial state (RFC 1321, 3.4): the ketama hash of each lane.
///
/// The loop over lanes runs MD5 on one lane, written out step by step (no
/// loop inside once the helpers are inlined): the compiler vectorizes such
/// a loop, 4 lanes per SSE2 register, whereas it keeps the steps scalar
/// when each step is a loop over lanes of its own.
fn first_words(x: &[Lanes; 16]) -> Lanes {
    let mut out = [0; LANES];
    for (lane, out) in out.iter_mut().enumerate() {
        let words: [u32; 16] = std::array::from_fn(|w| x[w][lane]);
        let mut st = MD5_INIT;
        round(&mut st, &words, 0, |b, c, d| (b & c) | (!b & d));
        round(&mut st, &words, 1, |b, c, d| (b & d) | (c & !d));
        round(&mut st, &words, 2, |b, c, d| b ^ c ^ d);
        round(&mut st, &words, 3, |b, c, d| c ^ (b | !d));
        // The last three steps only change B, C and D: the compiler drops
        // them.
        *out = st[0].wrapping_add(MD5_INIT[0]);
    }
    out
}

/// Round `r` (0..4) of MD5 on the state `st` of one block of 16 `words`:
/// 16 steps with the round's function `f`, as four groups of four steps,
/// over which the roles of the state words rotate and the rotations
/// repeat.
#[inline(always)]
fn round(st: &mut [u32; 4], words: &[u32; 16], r: usize, f: impl Fn(u32, u32, u32) -> u32 + Copy) {
    let [mut a, mut b, mut c, mut d] = *st;
    let [s0, s1, s2, s3] = SHIFTS[r];
    // The message word of step j plus its constant: rounds take the 16
    // words in different orders.
    let xk = |j: usize| {
        let w = match r {
            0 => j,
            1 => (1 + 5 * j) % 16,
            2 => (5 + 3 * j) % 16,
            _ => (7 * j) % 16,
        };
        words[w].wrapping_add(K[16 * r + j])
    };
    for j in (0..16).step_by(4) {
        a = step(a, b, c, d, xk(j), s0, f);
        d = step(d, a, b, c, xk(j + 1), s1, f);
        c = step(c, d, a, b, xk(j + 2), s2, f);
        b = step(b, c, d, a, xk(j + 3), s3, f);
    }
    *st = [a, b, c, d];
}

/// One MD5 step: the new `a`, `b + ((a + f(b, c, d) + xk) <<< s)`, where
/// `xk` is the step's message word plus its constant.
#[inline(always)]
fn step(a: u32, b: u32, c: u32, d: u32, xk: u32, s: u32, f: impl Fn(u32, u32, u32) -> u32) -> u32 {
    let sum = a.wrapping_add(f(b, c, d)).wrapping_add(xk);
    b.wrapping_add(sum.rotate_left(s))
}

/// Points of a server of `weight` out of `total` over `servers` servers,
/// in f32 as libmemcached computes it: the rounding decides how many
/// points a server gets, and so which keys it holds.
fn point_count(weight: u32, total: u64, servers: usize) -> u32 {
    let share = weight as f32 / total as f32;
    let hashes = (share * POINTS_PER_SERVER / POINTS_PER_HASH as f32 * servers as f32
        + 0.000_000_000_1_f32)
        .floor();
    (hashes * POINTS_PER_HASH as f32) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Servers 127.0.0.1:`base`, `base + 1`, ... of the given weights.
    fn ring_at(base: u16, weights: &[u32]) -> Ring {
        let list: Vec<(&str, u16, u32)> = weights
            .iter()
            .enumerate()
            .map(|(i, &w)| ("127.0.0.1", base + i as u16, w))
            .collect();
        Ring::new(&list)
    }

    /// The usual memcached ports, 11211 and up (the first is named
    /// without its port).
    fn ring(weights: &[u32]) -> Ring {
        ring_at(DEFAULT_PORT, weights)
    }

    fn keys(n: usize) -> impl Iterator<Item = String> {
        (0..n).map(|i| format!("user:{i}:profile"))
    }

    /// Each server's share of 100,000 keys, in percent.
    fn key_shares(r: &Ring) -> Vec<f64> {
        let mut counts = vec![0usize; r.len()];
        for k in keys(100_000) {
            counts[r.server_for(k.as_bytes())] += 1;
        }
        counts.iter().map(|&c| c as f64 / 1000.0).collect()
    }

    fn weight_shares(weights: &[u32]) -> Vec<f64> {
        let total: u32 = weights.iter().sum();
        weights
            .iter()
            .map(|&w| 100.0 * f64::from(w) / f64::from(total))
            .collect()
    }

    /// 100,000 keys spread as the weights say (+-3 points), and as the
    /// ring's arcs say (+-1 point: the key hash is uniform).
    fn assert_spread(weights: &[u32]) {
        let r = ring(weights);
        let got = key_shares(&r);
        let arcs: Vec<f64> = r.shares().iter().map(|s| s * 100.0).collect();
        let want = weight_shares(weights);
        for i in 0..weights.len() {
            assert!(
                (got[i] - want[i]).abs() <= 3.0,
                "weights {weights:?}: server {i} holds {:.2}% of the keys, expected {:.2}% +-3 \
                 (all: {got:?})",
                got[i],
                want[i]
            );
            assert!(
                (got[i] - arcs[i]).abs() <= 1.0,
                "weights {weights:?}: server {i} holds {:.2}% of the keys but owns {:.2}% of the ring",
                got[i],
                arcs[i]
            );
        }
    }

    #[test]
    fn key_hash_is_the_low_word_of_md5() {
        // MD5("") = d41d8cd98f00b204e9800998ecf8427e
        assert_eq!(key_hash(b""), 0xd98c_1dd4);
        // MD5("abc") = 900150983cd24fb0d6963f7d28e17f72
        assert_eq!(key_hash(b"abc"), 0x9850_0190);
    }

    #[test]
    fn key_hash_matches_md5_at_every_length() {
        let bytes: Vec<u8> = (0..300u32).map(|i| (i * 37 + 11) as u8).collect();
        for len in 0..=bytes.len() {
            let key = &bytes[..len];
            let d = Md5::digest(key);
            let want = u32::from_le_bytes([d[0], d[1], d[2], d[3]]);
            assert_eq!(key_hash(key), want, "key of {len} bytes");
        }
    }

    #[test]
    fn additive_constants_are_the_sines() {
        for (i, &k) in K.iter().enumerate() {
            let want = ((i as f64 + 1.0).sin().abs() * 4_294_967_296.0).floor();
            assert_eq!(f64::from(k), want, "K[{i}]");
        }
    }

    /// A xorshift generator: reproducible pseudo-random bytes.
    struct Bytes(u64);

    impl Bytes {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn key(&mut self, len: usize) -> Vec<u8> {
            (0..len).map(|_| self.next() as u8).collect()
        }
    }

    fn assert_lanes_agree(keys: &[Vec<u8>]) {
        let lanes: [&[u8]; LANES] = std::array::from_fn(|l| keys[l].as_slice());
        let got = key_hashes(lanes);
        for (l, key) in lanes.iter().enumerate() {
            let d = Md5::digest(key);
            let want = u32::from_le_bytes([d[0], d[1], d[2], d[3]]);
            assert_eq!(key_hash(key), want, "key_hash of {key:02x?}");
            assert_eq!(got[l], want, "lane {l} of {LANES}: key {key:02x?}");
        }
    }

    /// Every lane hashes keys of every length 0..=80 as MD5 does, one
    /// length across all lanes and lengths mixed, long keys (which fall
    /// back to `key_hash`) beside short ones.
    #[test]
    fn key_hashes_match_md5_at_every_length() {
        let mut rng = Bytes(0x9e37_79b9_7f4a_7c15);
        for len in 0..=80 {
            // Every lane the same length, different bytes.
            let keys: Vec<Vec<u8>> = (0..LANES).map(|_| rng.key(len)).collect();
            assert_lanes_agree(&keys);
            // Lengths len, len + 1, ... wrapping past 80.
            let keys: Vec<Vec<u8>> = (0..LANES).map(|l| rng.key((len + 7 * l) % 81)).collect();
            assert_lanes_agree(&keys);
        }
        let same = vec![b"user:1:profile".to_vec(); LANES];
        assert_lanes_agree(&same);
    }

    #[test]
    fn key_hashes_match_md5_for_random_keys() {
        let mut rng = Bytes(0x2545_f491_4f6c_dd1d);
        for _ in 0..5_000 {
            let keys: Vec<Vec<u8>> = (0..LANES)
                .map(|_| {
                    let len = rng.next() as usize % 100;
                    rng.key(len)
                })
                .collect();
            assert_lanes_agree(&keys);
        }
    }

    /// `place` gives every key `server_for`'s server and every request
    /// without a key `None`, calling back once per request in order,
    /// whatever the mix; `servers_for` agrees too.
    #[test]
    fn placing_in_groups_agrees_with_one_key_at_a_time() {
        let mut rng = Bytes(0xdead_beef_cafe_f00d);
        for weights in [&[1u32][..], &[1, 1], &[1, 1, 1], &[1, 2, 1, 3], &[5; 100]] {
            let r = ring(weights);
            for n in [0, 1, LANES - 1, LANES, LANES + 1, 3 * LANES + 2, 1000] {
                let requests: Vec<Option<Vec<u8>>> = (0..n)
                    .map(|_| {
                        let x = rng.next();
                        // About one request in 9 without a key; keys of 0
                        // to 69 bytes.
                        (!x.is_multiple_of(9)).then(|| rng.key((x >> 8) as usize % 70))
                    })
                    .collect();
                let mut calls = Vec::new();
                r.place(requests.iter().map(|k| k.as_deref()), |i, s| {
                    calls.push((i, s));
                });
                let want: Vec<(usize, Option<usize>)> = requests
                    .iter()
                    .enumerate()
                    .map(|(i, k)| (i, k.as_deref().map(|k| r.server_for(k))))
                    .collect();
                assert_eq!(calls, want, "{} servers, {n} requests", weights.len());

                let keys: Vec<&[u8]> = requests.iter().flatten().map(Vec::as_slice).collect();
                let mut out = vec![usize::MAX; keys.len()];
                r.servers_for(&keys, &mut out);
                let want: Vec<usize> = keys.iter().map(|k| r.server_for(k)).collect();
                assert_eq!(out, want, "{} servers, {n} keys", weights.len());
            }
        }
    }

    #[test]
    fn point_counts_follow_libmemcached_float_rounding() {
        assert_eq!(point_count(1, 3, 3), 160);
        assert_eq!(point_count(1, 4, 4), 160);
        assert_eq!(point_count(1, 4, 3), 120);
        assert_eq!(point_count(2, 4, 3), 240);
        // 1/25 * 40 * 25 is 39.99999 in f32.
        assert_eq!(point_count(1, 25, 25), 156);
        assert_eq!(point_count(1, 1001, 2), 0);
        assert_eq!(point_count(1000, 1001, 2), 316);
        assert_eq!(ring(&[1, 2, 1]).points_per_server(), [120, 240, 120]);
        assert_eq!(ring(&[1, 1000]).points_per_server(), [0, 316]);
        assert_eq!(ring(&[1, 1000]).point_count(), 316);
    }

    #[test]
    fn default_port_is_left_out_of_the_name() {
        let first_point = |name: &str| {
            let d = Md5::digest(name.as_bytes());
            u32::from_le_bytes([d[0], d[1], d[2], d[3]])
        };
        let default = Ring::new(&[("h", DEFAULT_PORT, 1), ("x", 1, 1)]);
        assert!(default.points.contains(&first_point("h-0")));
        assert!(!default.points.contains(&first_point("h:11211-0")));
        let other = Ring::new(&[("h", 11212, 1), ("x", 1, 1)]);
        assert!(other.points.contains(&first_point("h:11212-0")));
        assert!(other.points.contains(&first_point("x:1-39")));
        assert!(!other.points.contains(&first_point("x:1-40")));
    }

    #[test]
    fn lookup_takes_the_next_point_and_wraps() {
        let r = ring(&[1, 1, 1]);
        assert!(r.points.windows(2).all(|w| w[0] <= w[1]));
        let last = r.points.len() - 1;
        let owner = |i: usize| r.owners[i] as usize;
        assert_eq!(r.server_for_hash(0), owner(0));
        assert_eq!(r.server_for_hash(r.points[0]), owner(0));
        assert_eq!(r.server_for_hash(r.points[5] + 1), owner(6));
        assert_eq!(r.server_for_hash(r.points[last]), owner(last));
        assert_eq!(r.server_for_hash(r.points[last] + 1), owner(0));
        assert_eq!(r.server_for_hash(u32::MAX), owner(0));
        let s: f64 = r.shares().iter().sum();
        assert!((s - 1.0).abs() < 1e-9, "shares add up to {s}");
    }

    /// The bucket index finds the same point as a search of the whole
    /// ring, at bucket edges, on points, between them and past the last.
    #[test]
    fn bucket_index_agrees_with_a_full_search() {
        for weights in [&[1u32][..], &[1, 1, 1], &[1, 2, 1, 3], &[5; 100]] {
            let r = ring(weights);
            let full = |h: u32| {
                let at = r.points.partition_point(|&p| p < h);
                r.owners[if at == r.points.len() { 0 } else { at }] as usize
            };
            let mut probes: Vec<u32> = vec![0, 1, u32::MAX, u32::MAX - 1];
            for &p in &r.points {
                probes.extend([p.wrapping_sub(1), p, p.wrapping_add(1)]);
            }
            for b in 0..(r.starts.len() as u64 - 1) {
                let edge = (b << r.shift) as u32;
                probes.extend([edge, edge.wrapping_sub(1)]);
            }
            probes.extend((0..10_000u32).map(|i| i.wrapping_mul(0x9e37_79b9)));
            for h in probes {
                assert_eq!(r.server_for_hash(h), full(h), "{weights:?}: hash {h:#x}");
            }
        }
    }

    #[test]
    fn one_server_takes_every_key() {
        let r = ring(&[7]);
        assert_eq!(r.len(), 1);
        assert_eq!(r.shares(), [1.0]);
        assert!(keys(1000).all(|k| r.server_for(k.as_bytes()) == 0));
    }

    #[test]
    fn equal_weights_share_keys_evenly() {
        assert_spread(&[1, 1, 1]);
        assert_spread(&[1, 1, 1, 1]);
    }

    #[test]
    fn weights_share_keys_by_weight() {
        assert_spread(&[1, 2, 1]);
        assert_spread(&[1, 2, 1, 1]);
    }

    /// A server's share depends on its name: over 200 lists of three
    /// servers on other ports it is off its weight's share by 2.2 to 2.4
    /// points (rms) and by more than 3 points for some server in a third
    /// of the lists, as 160 points per server implies. It is not biased:
    /// the mean over the lists is within half a point.
    #[test]
    fn shares_are_unbiased_over_many_server_lists() {
        for weights in [&[1u32, 1, 1][..], &[1, 2, 1]] {
            let want = weight_shares(weights);
            let (mut sum, mut squares) = (vec![0.0; 3], vec![0.0; 3]);
            for k in 0..200u16 {
                let shares = ring_at(20_000 + 7 * k, weights).shares();
                for i in 0..3 {
                    let off = shares[i] * 100.0 - want[i];
                    sum[i] += off;
                    squares[i] += off * off;
                }
            }
            for i in 0..3 {
                let (mean, rms) = (sum[i] / 200.0, (squares[i] / 200.0).sqrt());
                assert!(
                    mean.abs() <= 0.5,
                    "{weights:?} server {i}: mean off by {mean:.2}"
                );
                assert!(rms <= 3.0, "{weights:?} server {i}: rms off by {rms:.2}");
            }
        }
    }

    #[test]
    fn adding_a_fourth_server_moves_a_quarter_of_the_keys_to_it() {
        let (three, four) = (ring(&[1, 1, 1]), ring(&[1, 1, 1, 1]));
        let mut moved = 0usize;
        for k in keys(100_000) {
            let (before, after) = (
                three.server_for(k.as_bytes()),
                four.server_for(k.as_bytes()),
            );
            if before != after {
                assert_eq!(after, 3, "key {k} moved between old servers");
                moved += 1;
            }
        }
        let pct = moved as f64 / 1000.0;
        assert!((pct - 25.0).abs() <= 3.0, "{pct:.2}% of the keys moved");
        // Equal servers keep their points: no key ever moves between old
        // servers, whatever the names.
        for k in 0..50u16 {
            let base = 20_000 + 7 * k;
            let (three, four) = (ring_at(base, &[1, 1, 1]), ring_at(base, &[1, 1, 1, 1]));
            for key in keys(2000) {
                let (b, a) = (
                    three.server_for(key.as_bytes()),
                    four.server_for(key.as_bytes()),
                );
                assert!(
                    a == b || a == 3,
                    "base {base}: key {key} moved from {b} to {a}"
                );
            }
        }
    }

    /// With weights, a change of the list changes every server's point
    /// count (its share of 160 per server), as in libmemcached: besides the
    /// keys the new server takes, a few move between old servers.
    #[test]
    fn adding_a_server_to_weighted_ones_moves_a_few_keys_between_old_ones() {
        let (three, four) = (ring(&[1, 2, 1]), ring(&[1, 2, 1, 1]));
        assert_eq!(three.points_per_server(), [120, 240, 120]);
        assert_eq!(four.points_per_server(), [128, 256, 128, 128]);
        let (mut to_new, mut between) = (0usize, 0usize);
        for k in keys(100_000) {
            let (before, after) = (
                three.server_for(k.as_bytes()),
                four.server_for(k.as_bytes()),
            );
            if after == 3 {
                to_new += 1;
            } else if before != after {
                between += 1;
            }
        }
        let (to_new, between) = (to_new as f64 / 1000.0, between as f64 / 1000.0);
        let arc = four.shares()[3] * 100.0;
        assert!(
            (to_new - arc).abs() <= 1.0,
            "{to_new:.2}% of the keys moved to the new server, which owns {arc:.2}%"
        );
        assert!(between <= 5.0, "{between:.2}% moved between old servers");
    }

    #[test]
    fn removing_a_server_moves_only_its_keys() {
        let four = ring(&[1, 1, 1, 1]);
        for gone in 0..4usize {
            let list: Vec<(&str, u16, u32)> = (0..4u16)
                .filter(|&i| usize::from(i) != gone)
                .map(|i| ("127.0.0.1", DEFAULT_PORT + i, 1))
                .collect();
            let three = Ring::new(&list);
            // Position in the shorter list of each remaining server.
            let renumber = |s: usize| if s > gone { s - 1 } else { s };
            let mut moved = 0usize;
            for k in keys(100_000) {
                let before = four.server_for(k.as_bytes());
                let after = three.server_for(k.as_bytes());
                if before == gone {
                    moved += 1;
                } else {
                    assert_eq!(
                        after,
                        renumber(before),
                        "key {k} of a remaining server moved"
                    );
                }
            }
            let pct = moved as f64 / 1000.0;
            assert!((pct - 25.0).abs() <= 3.0, "server {gone} held {pct:.2}%");
        }
    }

    #[test]
    #[should_panic(expected = "at least one server")]
    fn empty_list_is_refused() {
        Ring::new(&[]);
    }

    #[test]
    #[should_panic(expected = "positive weight")]
    fn zero_total_weight_is_refused() {
        Ring::new(&[("a", 1, 0), ("b", 2, 0)]);
    }
}
