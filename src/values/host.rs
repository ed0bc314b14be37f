//! An ASCII host checked and lower-cased 16 bytes at a time: every lead's
//! email domain goes through here. Against checking it a byte at a time,
//! then copying and lower-casing it, measured: `route run` on the bench's
//! leads 384.6M → 375.7M instructions per 100k, 359/381 → 351/360 ms
//! (min/median) for 1M; then, with no `memcpy` call for a chunk's copy or
//! its store (`padded`, a store of the whole chunk), 372.3M → 367.7M.

/// Byte classes, as bits: one table load per byte instead of a chain of
/// range tests. Letters, digits, `-` and `_` have none.
const DOT: u8 = 1;
const INVALID: u8 = 2;
const NOT_ASCII: u8 = 4;
/// Not a class: a dot right after a dot (or first).
const EMPTY_LABEL: u8 = 8;
static HOST_BYTES: [u8; 256] = {
    let mut t = [NOT_ASCII; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = match c {
            b'.' => DOT,
            b'-' | b'_' => 0,
            _ if c.is_ascii_alphanumeric() => 0,
            _ => INVALID,
        };
        b += 1;
    }
    t
};

/// Whether an ASCII host has a `.`, no empty label and only letters,
/// digits, `-` and `_` in its labels; `None` when it is not ASCII. No
/// branch per byte: where the dots fall differs from host to host, and a
/// branch on each byte's class was mispredicted at about every dot.
pub(super) fn ascii_host_is_valid(host: &[u8]) -> Option<bool> {
    // `after_dot` starts set: a leading dot ends an empty label.
    let (mut flags, mut dots, mut after_dot) = (0u8, 0u8, DOT);
    for &b in host {
        let class = HOST_BYTES[usize::from(b)];
        let dot = class & DOT;
        flags |= (class & !DOT) | ((dot & after_dot) * EMPTY_LABEL);
        dots |= dot;
        after_dot = dot;
    }
    if flags & NOT_ASCII != 0 {
        return None;
    }
    // A last label that is empty: no host, or one ending with a dot.
    Some(flags == 0 && dots != 0 && after_dot == 0)
}

/// `ascii_host_is_valid`, and a valid host appended to `out` in lower
/// case. `out` is left as it was unless the answer is `Some(true)`.
pub(super) fn lower_ascii_host(host: &[u8], out: &mut String) -> Option<bool> {
    #[cfg(target_arch = "x86_64")]
    {
        sse2::lower_ascii_host(host, out)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        lower_by_bytes(host, out)
    }
}

/// `lower_ascii_host` a byte at a time (where there is no SSE2, and the
/// definition the SSE2 version is tested against).
#[cfg(any(test, not(target_arch = "x86_64")))]
fn lower_by_bytes(host: &[u8], out: &mut String) -> Option<bool> {
    let valid = ascii_host_is_valid(host)?;
    if valid {
        let from = out.len();
        out.push_str(std::str::from_utf8(host).expect("ASCII"));
        out[from..].make_ascii_lowercase();
    }
    Some(valid)
}

/// Where `needle` first is in `bytes`: the `@` of an email cell. 16 bytes
/// at a time, without `memchr`'s choice of a routine on every call (about
/// 60 instructions for a cell of 25 bytes).
pub(super) fn find_byte(bytes: &[u8], needle: u8) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        sse2::find_byte(bytes, needle)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        bytes.iter().position(|&b| b == needle)
    }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    /// Per 16 bytes: masks of the bytes that are not ASCII, that may not be
    /// in a host, and that are dots, and the bytes in lower case.
    struct Chunk {
        not_ascii: u32,
        invalid: u32,
        dots: u32,
        lower: __m128i,
    }

    /// Whether each byte is in `lo..=hi`: as unsigned, `byte - lo` is at
    /// most `hi - lo`.
    #[inline]
    fn in_range(v: __m128i, lo: u8, hi: u8) -> __m128i {
        // SAFETY: SSE2 is part of x86_64.
        unsafe {
            let shifted = _mm_sub_epi8(v, _mm_set1_epi8(lo as i8));
            let over = _mm_subs_epu8(shifted, _mm_set1_epi8((hi - lo) as i8));
            _mm_cmpeq_epi8(over, _mm_setzero_si128())
        }
    }

    #[inline]
    fn classify(bytes: &[u8; 16]) -> Chunk {
        // SAFETY: SSE2 is part of x86_64; the load reads the 16 bytes of
        // `bytes`.
        unsafe {
            let v = _mm_loadu_si128(bytes.as_ptr().cast());
            let upper = in_range(v, b'A', b'Z');
            let lowered = _mm_add_epi8(v, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
            let letter = in_range(lowered, b'a', b'z');
            let digit = in_range(v, b'0', b'9');
            let dash = _mm_or_si128(
                _mm_cmpeq_epi8(v, _mm_set1_epi8(b'-' as i8)),
                _mm_cmpeq_epi8(v, _mm_set1_epi8(b'_' as i8)),
            );
            let dot = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'.' as i8));
            let allowed = _mm_or_si128(_mm_or_si128(letter, digit), _mm_or_si128(dash, dot));
            Chunk {
                not_ascii: _mm_movemask_epi8(v) as u32,
                invalid: !(_mm_movemask_epi8(allowed) as u32) & 0xffff,
                dots: _mm_movemask_epi8(dot) as u32,
                lower: lowered,
            }
        }
    }

    /// Up to 16 bytes, zeros after them: by two overlapping word loads
    /// rather than a copy of a varying length (a call to `memcpy`).
    #[inline]
    fn padded(piece: &[u8]) -> [u8; 16] {
        let n = piece.len();
        let word = |at: usize| u64::from_le_bytes(piece[at..at + 8].try_into().expect("8 bytes"));
        let half = |at: usize| {
            u64::from(u32::from_le_bytes(
                piece[at..at + 4].try_into().expect("4 bytes"),
            ))
        };
        let (low, high) = match n {
            // The second word's first `16 - n` bytes are the first word's last.
            8.. => (
                word(0),
                word(n - 8).checked_shr(8 * (16 - n) as u32).unwrap_or(0),
            ),
            4.. => (half(0) | half(n - 4) << (8 * (n - 4)), 0),
            _ => (piece.iter().rev().fold(0, |w, &b| w << 8 | u64::from(b)), 0),
        };
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&low.to_le_bytes());
        bytes[8..].copy_from_slice(&high.to_le_bytes());
        bytes
    }

    pub(super) fn find_byte(bytes: &[u8], needle: u8) -> Option<usize> {
        for (i, piece) in bytes.chunks(16).enumerate() {
            let chunk = match <&[u8; 16]>::try_from(piece) {
                Ok(whole) => *whole,
                Err(_) => padded(piece),
            };
            // SAFETY: SSE2 is part of x86_64; the load reads the 16 bytes
            // of `chunk`.
            let hits = unsafe {
                let v = _mm_loadu_si128(chunk.as_ptr().cast());
                _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(needle as i8))) as u32
            };
            // Padding is zeros: a zero needle must not find it.
            let hits = hits & (u32::MAX >> (32 - piece.len()));
            if hits != 0 {
                return Some(i * 16 + hits.trailing_zeros() as usize);
            }
        }
        None
    }

    pub(super) fn lower_ascii_host(host: &[u8], out: &mut String) -> Option<bool> {
        let from = out.len();
        // SAFETY: only ASCII bytes are appended (a chunk with any other
        // byte is not), and the text is cut back to `from` on the way out
        // unless the host was valid, so `out` stays UTF-8.
        let out = unsafe { out.as_mut_vec() };
        // Each chunk is stored whole, its padding past the end too.
        out.reserve(host.len() + 16);
        let (mut invalid, mut dots) = (0u32, 0u32);
        // Bit 0: the byte before the chunk was a dot (or there was none).
        let mut after_dot = 1u32;
        for piece in host.chunks(16) {
            let n = piece.len();
            let chunk = match <&[u8; 16]>::try_from(piece) {
                Ok(whole) => classify(whole),
                Err(_) => classify(&padded(piece)),
            };
            let present = u32::MAX >> (32 - n);
            if chunk.not_ascii & present != 0 {
                out.truncate(from);
                return None;
            }
            let chunk_dots = chunk.dots & present;
            invalid |= chunk.invalid & present;
            invalid |= chunk_dots & (chunk_dots << 1 | after_dot);
            dots |= chunk_dots;
            after_dot = chunk_dots >> (n - 1) & 1;
            let len = out.len();
            // SAFETY: `len + 16` is within the capacity reserved above (the
            // chunks before this one took less than `host.len() - n`), and
            // the length only takes in the `n` bytes of the host.
            unsafe {
                _mm_storeu_si128(out.as_mut_ptr().add(len).cast(), chunk.lower);
                out.set_len(len + n);
            }
        }
        let valid = invalid == 0 && dots != 0 && after_dot == 0;
        if !valid {
            out.truncate(from);
        }
        Some(valid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn agree(host: &[u8]) {
        let (mut fast, mut slow) = ("kept".to_string(), "kept".to_string());
        let answer = lower_ascii_host(host, &mut fast);
        assert_eq!(answer, lower_by_bytes(host, &mut slow), "{host:?}");
        assert_eq!(fast, slow, "{host:?}");
    }

    #[test]
    fn hosts_at_chunk_edges() {
        for host in [
            "",
            ".",
            "a",
            "a.",
            ".a",
            "a.b",
            "a..b",
            "IBM.COM",
            "x_y-z.io",
            "abcdefghijklmno.p",
            "abcdefghijklmnop.",
            "abcdefghijklmno.",
            "abcdefghijklmnop.q",
            "abcdefghijklmnop..q",
            "abcdefghijklmnopqrstuvwxyz.abcdefg.h",
            "a b.com",
            "a@b.com",
            "bücher.de",
            "a.b\u{80}",
            "[].{}",
            "@`AZaz09/:-_.",
            "Z.z",
            "a\0.com",
        ] {
            agree(host.as_bytes());
        }
    }

    proptest! {
        #[test]
        fn bytes_are_found_where_they_first_are(
            bytes in prop::collection::vec(prop::sample::select(b"@a\0.".to_vec()), 0..50),
            needle in prop::sample::select(b"@a\0x".to_vec()),
        ) {
            prop_assert_eq!(find_byte(&bytes, needle), bytes.iter().position(|&b| b == needle));
        }

        #[test]
        fn chunks_agree_with_bytes(host in prop::collection::vec(
            prop_oneof![
                4 => prop::sample::select(b"abzAZ09-_".to_vec()),
                2 => Just(b'.'),
                1 => any::<u8>(),
            ],
            0..70,
        )) {
            agree(&host);
        }
    }
}
