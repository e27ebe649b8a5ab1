//! Word-at-a-time work on the short strings of a batch (keys and values of
//! a few dozen bytes). For those, memchr's vector set-up and a separate
//! UTF-8 pass cost more than the work: a putMany of short strings spent
//! about 250 instructions per item on them (callgrind); one pass of eight
//! bytes at a time takes a few dozen. Likewise a call to memcpy for each
//! piece of a request line costs more than copying a short piece inline.
//!
//! Each check is exact where it answers yes; a "no" only means "check it
//! the careful way".

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Some byte of `x` is below `n` (n <= 0x80; only meaningful when no byte
/// has its high bit set, which the callers check in the same word).
#[inline(always)]
fn has_less(x: u64, n: u8) -> bool {
    x.wrapping_sub(LO * u64::from(n)) & !x & HI != 0
}

/// Some byte of `x` is `b`.
#[inline(always)]
fn has_byte(x: u64, b: u8) -> bool {
    let y = x ^ (LO * u64::from(b));
    y.wrapping_sub(LO) & !y & HI != 0
}

/// Reads 8 bytes from `s` at `at` (`at + 8 <= s.len()`).
#[inline(always)]
fn load8(s: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&s[at..at + 8]);
    u64::from_ne_bytes(w)
}

/// Calls `f` on words that together hold every byte of `s` (some twice;
/// a short `s` padded with `pad`), stopping at the first false. No
/// variable-length copy, so no call to memcpy for the tail.
#[inline(always)]
fn words(s: &[u8], pad: u8, mut f: impl FnMut(u64) -> bool) -> bool {
    let n = s.len();
    if n >= 8 {
        let mut at = 0;
        while at + 8 <= n {
            if !f(load8(s, at)) {
                return false;
            }
            at += 8;
        }
        // The last 8 bytes, overlapping the words already checked.
        return at == n || f(load8(s, n - 8));
    }
    let p = u64::from(pad) * LO;
    let w = if n >= 4 {
        let lo = u32::from_ne_bytes([s[0], s[1], s[2], s[3]]);
        let hi = u32::from_ne_bytes([s[n - 4], s[n - 3], s[n - 2], s[n - 1]]);
        u64::from(lo) | (u64::from(hi) << 32)
    } else if n > 0 {
        // Bytes 0, n/2 and n-1 cover every byte of 1 to 3.
        (p & !0xff_ffff)
            | u64::from(s[0])
            | (u64::from(s[n / 2]) << 8)
            | (u64::from(s[n - 1]) << 16)
    } else {
        return true;
    };
    f(w)
}

/// Every byte is printable ASCII or a space (0x20..=0x7f) and none is a
/// comma: such a key needs no further check (no TAB, CR, LF, comma, and it
/// is valid UTF-8).
#[inline]
pub fn plain_key(s: &[u8]) -> bool {
    !s.is_empty()
        && words(s, b'a', |x| {
            x & HI == 0 && !has_less(x, 0x20) && !has_byte(x, b',')
        })
}

/// Every byte is ASCII from 0x20 up: a string with no CR, LF or NUL that is
/// valid UTF-8.
#[inline]
pub fn printable_ascii(s: &[u8]) -> bool {
    words(s, b'a', |x| x & HI == 0 && !has_less(x, 0x20))
}

/// `out.extend_from_slice(s)`, with pieces of up to 32 bytes copied
/// inline (two overlapping moves of the widest size that fits) instead of
/// by a call to memcpy.
#[inline(always)]
pub fn append(out: &mut Vec<u8>, s: &[u8]) {
    let n = s.len();
    if n > 32 || n == 0 {
        out.extend_from_slice(s);
        return;
    }
    out.reserve(32);
    let len = out.len();
    // SAFETY: reserve(32) leaves at least 32 bytes of capacity after
    // `len`, and 1 <= n <= 32. Each branch reads two (possibly overlapping)
    // pieces of `s` that lie within it (their size is at most n) and
    // writes them at the same offsets after `len`, so every byte of
    // len..len + n is written, within the capacity; the new length covers
    // initialised bytes only. Unaligned reads and writes need no alignment.
    unsafe {
        let src = s.as_ptr();
        let dst = out.as_mut_ptr().add(len);
        if n >= 16 {
            copy_two::<u128>(src, dst, n);
        } else if n >= 8 {
            copy_two::<u64>(src, dst, n);
        } else if n >= 4 {
            copy_two::<u32>(src, dst, n);
        } else {
            // 1 to 3 bytes: the first, the middle and the last cover them.
            *dst = *src;
            *dst.add(n / 2) = *src.add(n / 2);
            *dst.add(n - 1) = *src.add(n - 1);
        }
        out.set_len(len + n);
    }
}

/// Copies `n` bytes as two overlapping unaligned moves of a `T`.
///
/// # Safety
/// `size_of::<T>() <= n <= 2 * size_of::<T>()`; `src` is readable and
/// `dst` writable for `n` bytes.
#[inline(always)]
unsafe fn copy_two<T: Copy>(src: *const u8, dst: *mut u8, n: usize) {
    let w = std::mem::size_of::<T>();
    // SAFETY: both pieces, at 0 and n - w, lie within the n bytes the
    // caller vouches for (w <= n); unaligned accesses need no alignment.
    unsafe {
        let (a, b) = (
            src.cast::<T>().read_unaligned(),
            src.add(n - w).cast::<T>().read_unaligned(),
        );
        dst.cast::<T>().write_unaligned(a);
        dst.add(n - w).cast::<T>().write_unaligned(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_key(s: &[u8]) -> bool {
        !s.is_empty() && s.iter().all(|&c| (0x20..0x80).contains(&c) && c != b',')
    }

    fn naive_printable(s: &[u8]) -> bool {
        s.iter().all(|&c| (0x20..0x80).contains(&c))
    }

    #[test]
    fn append_copies_every_length() {
        for n in 0..70 {
            let src: Vec<u8> = (0..n as u8)
                .map(|i| i.wrapping_mul(7).wrapping_add(1))
                .collect();
            let mut out = b"head".to_vec();
            append(&mut out, &src);
            append(&mut out, b"|");
            let mut want = b"head".to_vec();
            want.extend_from_slice(&src);
            want.push(b'|');
            assert_eq!(out, want, "n = {n}");
        }
    }

    #[test]
    fn agrees_with_a_byte_loop_for_every_byte_at_every_position() {
        for len in 0..20 {
            for pos in 0..len {
                for c in 0u8..=255 {
                    let mut s = vec![b'k'; len];
                    s[pos] = c;
                    assert_eq!(plain_key(&s), naive_key(&s), "{s:?}");
                    assert_eq!(printable_ascii(&s), naive_printable(&s), "{s:?}");
                }
            }
        }
        assert!(!plain_key(b""));
        assert!(printable_ascii(b""));
        // Mixed words: a borrow from one byte must not hide another.
        for s in [
            &b"\x00\x01abcdefgh"[..],
            b"\x20\x1f",
            b"\x7f\x80",
            b"\x21\x00",
        ] {
            assert_eq!(printable_ascii(s), naive_printable(s), "{s:?}");
        }
    }
}
