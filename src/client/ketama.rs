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
/// the streaming hasher's buffering.
#[inline]
pub fn key_hash(key: &[u8]) -> u32 {
    if key.len() > ONE_BLOCK {
        let digest = Md5::digest(key);
        return u32::from_le_bytes([digest[0], digest[1], digest[2], digest[3]]);
    }
    let mut block = [0u8; 64];
    block[..key.len()].copy_from_slice(key);
    block[key.len()] = 0x80;
    block[56..].copy_from_slice(&(key.len() as u64 * 8).to_le_bytes());
    let mut state = MD5_INIT;
    md5::block_api::compress(&mut state, &[block]);
    state[0]
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
