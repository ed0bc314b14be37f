//! Streaming CSV record reader for lead files that keeps every record's
//! original bytes.
//!
//! `route run` must write every input row to the output with its columns
//! unchanged, and a row it cannot route goes to the rejects file as "the
//! record's original text, byte for byte" (see the CLI section of the
//! language spec). A parser that only hands back unescaped field values
//! loses that text: quoting, `""` escapes, text after a closing quote and
//! bytes that are not valid in any encoding could only be re-created
//! approximately by re-quoting. So [`RecordReader`] hands each record over as
//! its raw bytes ([`Record::raw`], without the line terminator) together with
//! the offsets of its fields; field values are unescaped on demand by
//! [`Record::field`], without copying unless the field actually contains a
//! `""` escape or text after its closing quote.
//!
//! # Dialect
//!
//! Field values and record boundaries are exactly those of the `csv` crate's
//! default reader (`csv::ReaderBuilder::new().has_headers(false)
//! .flexible(true)`), which the tests check on random inputs:
//!
//! * fields are separated by `,`; records by `\n`, `\r\n` or a lone `\r`;
//! * a field that *starts* with `"` is quoted: delimiters and line
//!   terminators inside it are data, and `""` stands for one `"`;
//! * after the closing quote, any further bytes up to the next `,` or line
//!   terminator are appended literally (`"ab"cd` is `abcd`, `"a"b"c` is
//!   `ab"c`); a `"` inside an unquoted field is literal (`ab"c` is `ab"c`);
//! * an unterminated quoted field runs to the end of the input;
//! * blank lines (nothing but `\r` and `\n`) are not records; a line holding
//!   only spaces is a record with one field;
//! * the last record may lack a line terminator;
//! * rows may have different numbers of fields (ragged rows are the
//!   caller's business);
//! * a UTF-8 byte order mark (`EF BB BF`) at the very start of the input is
//!   skipped; no other bytes are interpreted, so non-UTF-8 data passes
//!   through untouched.
//!
//! # Line numbers
//!
//! [`Record::line`] is the physical line on which the record starts,
//! counting from 1 and counting every `\n` byte of the input, including
//! those inside quoted fields and those of skipped blank lines. The header
//! is therefore line 1 unless blank lines precede it. A `\r\n` pair counts as
//! one line break. A lone `\r` ends a record but is **not** counted as a line
//! break (the `csv` crate, `wc -l`, `grep -n` and `sed` count `\n` only), so
//! in a file using old Mac `\r`-only line endings every record is on line 1;
//! [`Record::offset`] still tells such records apart.
//!
//! This differs from `csv::ByteRecord::position().line()`, which is the line
//! where the *previous* record ended: it does not include the blank lines
//! skipped before the record, nor the `\n` of the previous record's `\r\n`.
//!
//! # Memory
//!
//! Input is read in chunks (64 KiB by default) into one buffer that is
//! reused; it grows only when a single record does not fit, so memory is
//! constant apart from the longest record. Reading a record allocates
//! nothing (once the buffers have grown to fit), and field values are
//! borrowed from it unless they contain `""` or text after the closing
//! quote.
//!
//! # Speed
//!
//! A record is first read whole from bitmaps of its 64-byte blocks (the
//! `,`, `"`, `\n` and `\r` bytes, found with AVX2 compares where the CPU
//! has them and SSE2 otherwise on x86-64): the bytes inside quotes are
//! those after an odd number of quotes, so every field end is found at
//! once, quoted fields included. That holds while every `"` is at a quoted
//! field's edge; a record with any other quote (inside an unquoted field,
//! or text after a closing quote), or one that is not all in the buffer,
//! goes to the byte parser, which jumps from one byte that matters to the
//! next with the same bitmaps (a plain loop off x86-64). The tests check
//! that both give every record the same bytes, line and field ends. On
//! x86-64 the reader runs at about five times the speed of
//! `csv::Reader::read_byte_record` on typical lead files (see
//! BENCHMARKS.md, "RecordReader copy").

use std::borrow::Cow;
use std::io::{self, Read};
use std::ops::Range;

/// Default size of the internal read buffer.
pub const DEFAULT_CAPACITY: usize = 64 * 1024;

/// Finds the next byte that matters to the parser: SSE2 block bitmaps on
/// x86-64, a byte loop elsewhere.
#[cfg(target_arch = "x86_64")]
type Finder = Blocks;
#[cfg(not(target_arch = "x86_64"))]
type Finder = Scan;

/// Bytes that end an unquoted field: `,`, `\n`, `\r`.
static UNQUOTED_STOP: [bool; 256] = {
    let mut t = [false; 256];
    t[b',' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'\r' as usize] = true;
    t
};

/// The portable [`Finder`]: one byte at a time.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
struct Scan;

#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
impl Scan {
    #[inline(always)]
    fn new(_data: &[u8], _at: usize) -> Self {
        Scan
    }

    /// Position of the first byte at or after `from` that ends an unquoted
    /// field (`,`, `\n`, `\r`), or, if `quoted`, that matters in a quoted
    /// field (`"`, `\n`).
    #[inline(always)]
    fn find(&mut self, data: &[u8], from: usize, quoted: bool) -> Option<usize> {
        let rest = data.get(from..)?;
        let k = if quoted {
            rest.iter().position(|&b| b == b'"' || b == b'\n')
        } else {
            rest.iter().position(|&b| UNQUOTED_STOP[b as usize])
        };
        k.map(|k| from + k)
    }
}

/// Width of the blocks scanned at once by [`Blocks`].
#[cfg(target_arch = "x86_64")]
const BLOCK: usize = 64;

/// Bitmaps of the bytes that matter to the parser in one block of the
/// record, so that plain bytes are skipped a block at a time instead of one
/// by one.
#[cfg(target_arch = "x86_64")]
struct Blocks {
    /// Position of the block's first byte.
    base: usize,
    /// Bit `k`: byte `base + k` ends an unquoted field (`,`, `\n`, `\r`).
    stop: u64,
    /// Bit `k`: byte `base + k` matters in a quoted field (`"`, `\n`).
    quoted: u64,
}

#[cfg(target_arch = "x86_64")]
impl Blocks {
    #[inline(always)]
    fn new(data: &[u8], at: usize) -> Self {
        let mut b = Blocks {
            base: 0,
            stop: 0,
            quoted: 0,
        };
        b.load(data, at);
        b
    }

    #[inline(always)]
    fn load(&mut self, data: &[u8], at: usize) {
        let [comma, quote, nl, cr] = block_masks::<Sse2>(data, at);
        self.base = at;
        self.stop = comma | nl | cr;
        self.quoted = quote | nl;
    }

    /// As [`Scan::find`]. `from` must be at least the `at` given to
    /// [`new`](Self::new) and greater than the previous result, as it is in
    /// the parser.
    #[inline(always)]
    fn find(&mut self, data: &[u8], mut from: usize, quoted: bool) -> Option<usize> {
        loop {
            if from >= data.len() {
                return None;
            }
            if from >= self.base + BLOCK {
                self.load(data, from);
            }
            let bits = if quoted { self.quoted } else { self.stop } >> (from - self.base);
            if bits != 0 {
                return Some(from + bits.trailing_zeros() as usize);
            }
            from = self.base + BLOCK;
        }
    }
}

/// Bitmaps of `block`: its `,`, `"`, `\n` and `\r` bytes; bit `k` stands
/// for `block[k]`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn masks(block: &[u8; BLOCK]) -> [u64; 4] {
    use std::arch::x86_64::*;
    let mut found = [0u64; 4];
    // SAFETY: SSE2 is part of the x86-64 baseline, so these intrinsics are
    // available on every x86-64 CPU; each unaligned load reads 16 bytes at
    // offsets 0, 16, 32 and 48 of the 64-byte `block`.
    unsafe {
        let wanted = [b',', b'"', b'\n', b'\r'].map(|b| _mm_set1_epi8(b as i8));
        for k in 0..BLOCK / 16 {
            let v = _mm_loadu_si128(block.as_ptr().add(16 * k).cast());
            for (bits, byte) in found.iter_mut().zip(&wanted) {
                let hits = _mm_movemask_epi8(_mm_cmpeq_epi8(v, *byte)) as u16;
                *bits |= u64::from(hits) << (16 * k);
            }
        }
    }
    found
}

/// The bitmaps of the block of `data` at `at`, by `C`'s compares. Only a
/// block at the end of the data is copied and padded: zeroing a padded
/// copy for every block cost a twentieth of the parser.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn block_masks<C: Classify>(data: &[u8], at: usize) -> [u64; 4] {
    match data.get(at..at + BLOCK) {
        Some(full) => C::masks(full.try_into().expect("a whole block")),
        None => tail_masks(data.get(at..).unwrap_or_default()),
    }
}

/// [`masks`] of the last bytes of the data, fewer than a block: padded with
/// NULs, which are plain bytes.
#[cfg(target_arch = "x86_64")]
#[inline(never)]
fn tail_masks(tail: &[u8]) -> [u64; 4] {
    let mut block = [0u8; BLOCK];
    block[..tail.len()].copy_from_slice(tail);
    masks(&block)
}

/// Which instructions compute a block's bitmaps on the fast path.
#[cfg(target_arch = "x86_64")]
trait Classify {
    fn masks(block: &[u8; BLOCK]) -> [u64; 4];
}

/// SSE2: every x86-64 CPU has it.
#[cfg(target_arch = "x86_64")]
struct Sse2;

#[cfg(target_arch = "x86_64")]
impl Classify for Sse2 {
    #[inline(always)]
    fn masks(block: &[u8; BLOCK]) -> [u64; 4] {
        masks(block)
    }
}

/// AVX2: half the compares of SSE2, where the CPU has it.
#[cfg(target_arch = "x86_64")]
struct Avx2;

#[cfg(target_arch = "x86_64")]
impl Classify for Avx2 {
    #[inline(always)]
    fn masks(block: &[u8; BLOCK]) -> [u64; 4] {
        // SAFETY: `Avx2` is only used by `whole_record_avx2`, which runs
        // only where the CPU has AVX2 (`Fast::Avx2`).
        unsafe { masks_avx2(block) }
    }
}

/// [`masks`] with AVX2 compares.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn masks_avx2(block: &[u8; BLOCK]) -> [u64; 4] {
    use std::arch::x86_64::*;
    // SAFETY: both unaligned loads read 32 bytes inside the 64-byte block.
    let (lo, hi) = unsafe {
        (
            _mm256_loadu_si256(block.as_ptr().cast()),
            _mm256_loadu_si256(block.as_ptr().add(32).cast()),
        )
    };
    [b',', b'"', b'\n', b'\r'].map(|b| {
        let byte = _mm256_set1_epi8(b as i8);
        let low = _mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, byte)) as u32;
        let high = _mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, byte)) as u32;
        u64::from(low) | u64::from(high) << 32
    })
}

/// The instructions the fast path may use on this CPU, or none (the tests
/// compare each with the byte parser).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fast {
    /// On x86-64, only the tests turn the fast path off.
    #[cfg_attr(all(target_arch = "x86_64", not(test)), allow(dead_code))]
    Off,
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    Sse2,
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    Avx2,
}

impl Fast {
    fn detect() -> Fast {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                return Fast::Avx2;
            }
            Fast::Sse2
        }
        #[cfg(not(target_arch = "x86_64"))]
        Fast::Off
    }
}

/// A whole record at once from its blocks' bitmaps, quoted fields
/// included: the parser's fast path, tried where a record starts. Returns
/// the terminator's position and the `\n` bytes inside quotes, with the
/// field ends pushed to `ends`; `None` (and `ends` as it was) when the
/// record does not end in `data` or holds a `"` that is not at a quoted
/// field's edge (a quote inside an unquoted field, text after a closing
/// quote), which the byte parser then reads.
///
/// Where every `"` is at an edge, the bytes inside quotes are those after
/// an odd number of quotes (a running XOR of the quote bits), and `""`
/// inside quotes turns the parity twice, as it should. A quote that turns
/// it on must follow a `,` (or a closing quote, for `""`) or start the
/// record; one that turns it off must be followed by `,`, `\r`, `\n` or
/// `"`. The tests compare it with the byte parser; what it gained is in
/// BENCHMARKS.md.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn whole_record(data: &[u8], ends: &mut Vec<usize>, fast: Fast) -> Option<(usize, u64)> {
    let first = ends.len();
    let found = match fast {
        Fast::Off => None,
        Fast::Sse2 => scan_whole_record::<Sse2>(data, ends),
        // SAFETY: `Fast::Avx2` is only chosen where the CPU has AVX2.
        Fast::Avx2 => unsafe { whole_record_avx2(data, ends) },
    };
    if found.is_none() {
        ends.truncate(first);
    }
    found
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn whole_record_avx2(data: &[u8], ends: &mut Vec<usize>) -> Option<(usize, u64)> {
    scan_whole_record::<Avx2>(data, ends)
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn scan_whole_record<C: Classify>(data: &[u8], ends: &mut Vec<usize>) -> Option<(usize, u64)> {
    let mut base = 0;
    // All ones when the block starts inside quotes.
    let mut inside = 0u64;
    // Bit 0: the block's first byte may open a quote.
    let mut may_open = 1u64;
    // The previous block ended on a closing quote, which the block's first
    // byte must fit.
    let mut must_follow = false;
    let mut field_start = 0;
    // The field in progress holds a `""` in an earlier block.
    let mut escaped = false;
    let mut newlines = 0;
    while base < data.len() {
        let [comma, quote, nl, cr] = block_masks::<C>(data, base);
        let parity = prefix_xor(quote) ^ inside;
        let opens = quote & parity;
        let closes = quote & !parity;
        let eol = (nl | cr) & !parity;
        // The bits up to the record's end, included.
        let upto = match eol {
            0 => !0,
            e => e ^ (e - 1),
        };
        let follows = comma | nl | cr | quote;
        if must_follow && follows & 1 == 0 {
            return None;
        }
        let bad_open = opens & !((comma | closes) << 1 | may_open);
        // A closing quote in the last bit is checked with the next block.
        let bad_close = closes & !(follows >> 1) & !(1 << 63);
        if (bad_open | bad_close) & upto != 0 {
            return None;
        }
        let quoted_nl = nl & parity & upto;
        if quoted_nl != 0 {
            newlines += u64::from(quoted_nl.count_ones());
        }
        let stops = (comma & !parity | eol & eol.wrapping_neg()) & upto;
        // A field is quoted when the byte before its end closes a quote
        // (nothing may follow a closing quote but its field's end).
        let quoted = stops & (closes << 1 | u64::from(must_follow));
        // The first quote of each `""`, or the second one when the pair
        // spans two blocks.
        let pairs = closes & (opens >> 1) | u64::from(must_follow) & opens;
        if pairs == 0 && !escaped {
            push_ends(stops, quoted, base, ends);
        } else {
            push_escaped_ends(stops, quoted, pairs, base, field_start, escaped, ends);
        }
        if eol != 0 {
            return Some((base + eol.trailing_zeros() as usize, newlines));
        }
        if stops != 0 {
            field_start = base + BLOCK - stops.leading_zeros() as usize;
            escaped = false;
        }
        escaped |= pairs & bits_from(field_start, base) != 0;
        inside = 0u64.wrapping_sub(parity >> 63);
        may_open = (comma | closes) >> 63;
        must_follow = closes >> 63 != 0;
        base += BLOCK;
    }
    None
}

/// The ends of the fields that end at `stops` in the block at `base`,
/// none of them holding a `""`: those in `quoted` are quoted.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn push_ends(mut stops: u64, quoted: u64, base: usize, ends: &mut Vec<usize>) {
    // One capacity check a block instead of one an end (`push`): route run
    // 375.7M → 372.3M instructions per 100k leads.
    ends.reserve(BLOCK);
    let len = ends.len();
    let mut at_end = ends.as_mut_ptr().wrapping_add(len);
    while stops != 0 {
        let at = stops.trailing_zeros() as usize;
        // `Kind::Quoted` is 1.
        let end = pack(base + at, Kind::Plain) | (quoted >> at & 1) as usize;
        // SAFETY: at most `BLOCK` ends (one a bit), and room for them was
        // reserved above.
        unsafe { at_end.write(end) };
        at_end = at_end.wrapping_add(1);
        stops &= stops - 1;
    }
    // SAFETY: the slots up to `at_end` were written just now.
    unsafe { ends.set_len(at_end.offset_from(ends.as_ptr()) as usize) };
}

/// As [`push_ends`], where a field may hold a `""` (its first quote in
/// `pairs`, or `escaped` for a field that held one in an earlier block).
#[cfg(target_arch = "x86_64")]
#[cold]
fn push_escaped_ends(
    mut stops: u64,
    quoted: u64,
    pairs: u64,
    base: usize,
    mut field_start: usize,
    mut escaped: bool,
    ends: &mut Vec<usize>,
) {
    while stops != 0 {
        let at = stops.trailing_zeros() as usize;
        escaped |= pairs & bits_from(field_start, base) & ((1 << at) - 1) != 0;
        let kind = match (quoted >> at & 1 != 0, escaped) {
            (false, _) => Kind::Plain,
            (true, false) => Kind::Quoted,
            (true, true) => Kind::Escaped,
        };
        ends.push(pack(base + at, kind));
        field_start = base + at + 1;
        escaped = false;
        stops &= stops - 1;
    }
}

/// Bit `k` set where `base + k` is at or after `from`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn bits_from(from: usize, base: usize) -> u64 {
    match from.saturating_sub(base) {
        k if k < BLOCK => !0 << k,
        _ => 0,
    }
}

/// Bit `k` is the XOR of bits `0..=k`: set inside quotes (and on the
/// opening quote), given the quote bits.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn prefix_xor(mut bits: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        bits ^= bits << shift;
    }
    bits
}

/// Where the parser of the record in progress stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the first byte of a field.
    StartField,
    /// Inside an unquoted field, or in the literal tail after a closing quote.
    InField,
    /// Inside a quoted field.
    InQuoted,
    /// Just after a `"` inside a quoted field: either the closing quote or
    /// the first half of a `""` escape.
    AfterQuote,
}

/// How to get a field's value from its raw bytes; found while parsing so
/// that [`Record::field`] need not scan the field again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Unquoted: the raw bytes are the value.
    Plain = 0,
    /// `"..."` without escapes: the value is between the quotes.
    Quoted = 1,
    /// `"...` unterminated at the end of the input: the value follows the
    /// quote.
    Open = 2,
    /// Quoted with `""` escapes or text after the closing quote: the value
    /// must be built by [`unescape`].
    Escaped = 3,
}

/// A field's end and kind in one word, as stored in [`Record`].
#[inline(always)]
fn pack(end: usize, kind: Kind) -> usize {
    debug_assert!(end <= usize::MAX >> 2, "record too long");
    end << 2 | kind as usize
}

/// The value of a field from its raw bytes (quotes included) and packed
/// end.
#[inline(always)]
fn value(raw: &[u8], packed: usize) -> Cow<'_, [u8]> {
    match packed & 3 {
        0 => Cow::Borrowed(raw),
        1 => Cow::Borrowed(&raw[1..raw.len() - 1]),
        2 => Cow::Borrowed(&raw[1..]),
        _ => Cow::Owned(unescape(&raw[1..])),
    }
}

/// A streaming CSV reader that yields records as raw bytes plus field
/// offsets. See the [module documentation](self) for the dialect.
pub struct RecordReader<R: Read> {
    inner: R,
    /// Read buffer; `buf[..filled]` holds data read from `inner`.
    buf: Vec<u8>,
    filled: usize,
    /// Start of the unconsumed data in `buf`.
    pos: usize,
    /// Absolute input offset of `buf[0]`.
    base: u64,
    /// Physical line (1-based) at `pos`.
    line: u64,
    eof: bool,
    bom_checked: bool,

    // The record being parsed; kept across refills so that no byte is
    // scanned twice.
    in_record: bool,
    /// Start of the record in `buf`.
    rec_start: usize,
    /// Scan position, relative to `rec_start`.
    scan: usize,
    state: State,
    /// What the field being parsed needs to be unquoted.
    kind: Kind,
    /// `\n` bytes seen inside quoted fields of the record so far.
    rec_newlines: u64,
    /// End of each field, relative to `rec_start`, and its [`Kind`]; see
    /// [`pack`].
    ends: Vec<usize>,
    /// How records are tried on the fast path first.
    fast: Fast,
}

impl<R: Read> RecordReader<R> {
    /// A reader with the default 64 KiB buffer.
    pub fn new(inner: R) -> Self {
        Self::with_capacity(inner, DEFAULT_CAPACITY)
    }

    /// A reader whose buffer starts at `capacity` bytes (at least 1); it
    /// grows when a single record does not fit.
    pub fn with_capacity(inner: R, capacity: usize) -> Self {
        RecordReader {
            inner,
            buf: vec![0; capacity.max(1)],
            filled: 0,
            pos: 0,
            base: 0,
            line: 1,
            eof: false,
            bom_checked: false,
            in_record: false,
            rec_start: 0,
            scan: 0,
            state: State::StartField,
            kind: Kind::Plain,
            rec_newlines: 0,
            ends: Vec::new(),
            fast: Fast::detect(),
        }
    }

    /// The next record, or `None` at the end of the input. Blank lines
    /// (empty, or only `\r`) are not records and are skipped.
    ///
    /// After an I/O error the call may be repeated; it resumes where the
    /// failed read left off.
    pub fn next_record(&mut self) -> io::Result<Option<Record<'_>>> {
        let mut ends = std::mem::take(&mut self.ends);
        if !self.in_record {
            ends.clear();
        }
        let read = self.read_record(&mut ends);
        self.ends = ends;
        Ok(read?.map(|raw| Record {
            line: raw.line,
            offset: raw.offset,
            raw: &self.buf[raw.start..raw.start + raw.len],
            ends: &self.ends,
        }))
    }

    /// As [`next_record`](Self::next_record), but the record's field ends
    /// are appended to `ends` (after what it holds) instead of kept in the
    /// reader, so that a caller that collects records does not copy them:
    /// they are those of `Record::packed_ends`. Gives the record's line,
    /// offset and bytes. After an I/O error, a repeated call must be given
    /// the same `ends`.
    pub fn next_record_into(
        &mut self,
        ends: &mut Vec<usize>,
    ) -> io::Result<Option<(u64, u64, &[u8])>> {
        let read = self.read_record(ends)?;
        Ok(read.map(|raw| {
            (
                raw.line,
                raw.offset,
                &self.buf[raw.start..raw.start + raw.len],
            )
        }))
    }

    /// Reads the next record, its field ends pushed to `ends`; where it is.
    fn read_record(&mut self, ends: &mut Vec<usize>) -> io::Result<Option<RawSpan>> {
        if !self.bom_checked {
            while self.filled - self.pos < 3 && !self.eof {
                self.fill()?;
            }
            if self.buf[self.pos..self.filled].starts_with(b"\xEF\xBB\xBF") {
                self.pos += 3;
            }
            self.bom_checked = true;
        }
        if !self.in_record {
            // Skip blank lines (any run of `\r` and `\n`).
            loop {
                let data = &self.buf[self.pos..self.filled];
                let k = data
                    .iter()
                    .position(|&b| b != b'\n' && b != b'\r')
                    .unwrap_or(data.len());
                self.line += count_newlines(&data[..k]);
                self.pos += k;
                if self.pos < self.filled {
                    break;
                }
                if self.eof {
                    return Ok(None);
                }
                self.fill()?;
            }
            self.in_record = true;
            self.rec_start = self.pos;
            self.scan = 0;
            self.state = State::StartField;
            self.kind = Kind::Plain;
            self.rec_newlines = 0;
        }
        // Parse until the record's terminator, refilling as needed.
        let (len, consumed) = match self.fast_record(ends) {
            Some(t) => (t, t + 1),
            None => self.parse_to_end(ends)?,
        };
        self.in_record = false;
        let start = self.rec_start;
        let line = self.line;
        self.line += self.rec_newlines;
        if consumed > len && self.buf[start + len] == b'\n' {
            self.line += 1;
        }
        // A `\r` terminator is consumed alone; a following `\n` is skipped
        // (and counted) with the blank lines before the next record.
        self.pos = start + consumed;
        Ok(Some(RawSpan {
            line,
            offset: self.base + start as u64,
            start,
            len,
        }))
    }

    /// The fast path's record, when the record starts here (none of it was
    /// parsed before a refill) and it can take it.
    #[inline(always)]
    fn fast_record(&mut self, ends: &mut Vec<usize>) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if self.scan == 0 && self.state == State::StartField {
            let data = &self.buf[self.rec_start..self.filled];
            let (t, newlines) = whole_record(data, ends, self.fast)?;
            self.rec_newlines = newlines;
            return Some(t);
        }
        // Elsewhere there is no fast path (`Fast::Off`).
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (ends, self.fast);
        None
    }

    /// The byte parser, from where it stands to the record's end: the
    /// terminator's position and the bytes consumed.
    fn parse_to_end(&mut self, ends: &mut Vec<usize>) -> io::Result<(usize, usize)> {
        Ok(loop {
            if let Some(t) = self.parse(ends) {
                break (t, t + 1);
            }
            if self.eof {
                // The record runs to the end of the input; whatever state
                // the last field was in, it ends here.
                let len = self.filled - self.rec_start;
                ends.push(pack(len, self.kind));
                break (len, len);
            }
            self.fill()?;
        })
    }

    /// Continue parsing the record in progress over the buffered data.
    /// Returns the terminator's position (relative to the record start) when
    /// the record ends there, or `None` when more input is needed.
    #[inline]
    fn parse(&mut self, ends: &mut Vec<usize>) -> Option<usize> {
        let data = &self.buf[self.rec_start..self.filled];
        let mut i = self.scan;
        let mut state = self.state;
        let mut kind = self.kind;
        let mut blocks = Finder::new(data, i);
        let result = loop {
            match state {
                State::StartField => match data.get(i) {
                    None => break None,
                    Some(b'"') => {
                        i += 1;
                        state = State::InQuoted;
                        kind = Kind::Open;
                    }
                    // `,`, `\r` and `\n` are handled by `InField`, which
                    // then ends an empty field at once.
                    Some(_) => state = State::InField,
                },
                // Unquoted fields follow one another here without going
                // back through `StartField`.
                State::InField => match blocks.find(data, i, false) {
                    None => {
                        i = data.len();
                        break None;
                    }
                    Some(j) => {
                        ends.push(pack(j, kind));
                        if data[j] != b',' {
                            i = j;
                            break Some(i);
                        }
                        i = j + 1;
                        kind = Kind::Plain;
                        match data.get(i) {
                            Some(b'"') => {
                                i += 1;
                                state = State::InQuoted;
                                kind = Kind::Open;
                            }
                            Some(_) => {}
                            None => state = State::StartField,
                        }
                    }
                },
                State::InQuoted => match blocks.find(data, i, true) {
                    None => {
                        i = data.len();
                        break None;
                    }
                    Some(j) => {
                        i = j;
                        if data[i] == b'"' {
                            state = State::AfterQuote;
                            if kind == Kind::Open {
                                kind = Kind::Quoted;
                            }
                        } else {
                            self.rec_newlines += 1;
                        }
                        i += 1;
                    }
                },
                State::AfterQuote => match data.get(i) {
                    None => break None,
                    Some(b'"') => {
                        i += 1;
                        state = State::InQuoted;
                        kind = Kind::Escaped;
                    }
                    // Closing quote: the field ends here, or the rest of it
                    // is literal.
                    Some(&b) => {
                        if !matches!(b, b',' | b'\n' | b'\r') {
                            kind = Kind::Escaped;
                        }
                        state = State::InField;
                    }
                },
            }
        };
        self.scan = i;
        self.state = state;
        self.kind = kind;
        result
    }

    /// Read more input after `filled`, first moving the data still needed
    /// to the front of the buffer or growing it when little room is left.
    /// Sets `eof` when the input is exhausted.
    fn fill(&mut self) -> io::Result<()> {
        let keep = if self.in_record {
            self.rec_start
        } else {
            self.pos
        };
        let low = |r: &Self| r.buf.len() - r.filled < (r.buf.len() / 4).max(1);
        if keep > 0 && (keep == self.filled || low(self)) {
            self.buf.copy_within(keep..self.filled, 0);
            self.filled -= keep;
            self.pos -= keep;
            if self.in_record {
                self.rec_start -= keep;
            }
            self.base += keep as u64;
        }
        if low(self) {
            let n = self.buf.len() * 2;
            self.buf.resize(n, 0);
        }
        loop {
            match self.inner.read(&mut self.buf[self.filled..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            return Ok(());
        }
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Where a record read is: its line and offset, and its bytes in the
/// reader's buffer.
struct RawSpan {
    line: u64,
    offset: u64,
    start: usize,
    len: usize,
}

/// One CSV record, borrowed from the [`RecordReader`] until its next call.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// Physical line (1-based) on which the record starts; see the
    /// [module documentation](self#line-numbers).
    pub line: u64,
    /// Byte offset of the record's first byte in the input (a skipped BOM
    /// counts).
    pub offset: u64,
    /// The record's original bytes, without its line terminator, byte for
    /// byte (quotes and escapes kept).
    pub raw: &'a [u8],
    /// End of each field in `raw` and its kind, packed by [`pack`]; field
    /// `i` starts just after the `,` that ends field `i - 1`.
    ends: &'a [usize],
}

impl<'a> Record<'a> {
    /// Number of fields (at least 1).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Always false: a record has at least one field, possibly empty.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The field ends as [`pack`]ed: with `line`, `offset` and `raw`, all
    /// that [`from_parts`](Self::from_parts) needs to rebuild the record
    /// elsewhere (another thread) without parsing it again.
    pub fn packed_ends(&self) -> &'a [usize] {
        self.ends
    }

    /// A record from the parts of one this reader gave.
    pub fn from_parts(line: u64, offset: u64, raw: &'a [u8], packed_ends: &'a [usize]) -> Self {
        Record {
            line,
            offset,
            raw,
            ends: packed_ends,
        }
    }

    /// Field `i` as it appears in [`raw`](Self::raw), quotes included.
    pub fn raw_field(&self, i: usize) -> Option<&'a [u8]> {
        let end = *self.ends.get(i)? >> 2;
        let start = if i == 0 {
            0
        } else {
            (self.ends[i - 1] >> 2) + 1
        };
        Some(&self.raw[start..end])
    }

    /// The value of field `i`: unquoted, with `""` unescaped. Borrowed from
    /// the input unless unescaping changed it.
    pub fn field(&self, i: usize) -> Option<Cow<'a, [u8]>> {
        Some(value(self.raw_field(i)?, self.ends[i]))
    }

    /// Where the value of field `i` lies in [`raw`](Self::raw), or its
    /// bytes when they must be unescaped: as [`field`](Self::field) gives
    /// it, for callers that slice a text they already checked.
    pub fn value_span(&self, i: usize) -> Option<Result<Range<usize>, Vec<u8>>> {
        let packed = *self.ends.get(i)?;
        let end = packed >> 2;
        let start = match i {
            0 => 0,
            _ => (self.ends[i - 1] >> 2) + 1,
        };
        Some(match packed & 3 {
            0 => Ok(start..end),
            1 => Ok(start + 1..end - 1),
            2 => Ok(start + 1..end),
            _ => Err(unescape(&self.raw[start + 1..end])),
        })
    }

    /// Whether the last field opens a quote that never closes: it then ran
    /// to the end of the input, so the record cannot be extended in place.
    pub fn is_unterminated(&self) -> bool {
        let last = self.raw_field(self.len() - 1).unwrap_or_default();
        if last.first() != Some(&b'"') {
            return false;
        }
        let mut i = 1;
        while let Some(j) = memchr::memchr(b'"', &last[i..]) {
            // `""` inside the quotes stands for one quote; any other quote
            // closes the field, and what follows it is literal.
            if last.get(i + j + 1) != Some(&b'"') {
                return false;
            }
            i += j + 2;
        }
        true
    }

    /// The values of all fields, as by [`field`](Self::field).
    pub fn fields(&self) -> Fields<'a> {
        Fields {
            raw: self.raw,
            ends: self.ends.iter(),
            start: 0,
        }
    }
}

/// Iterator over the values of a [`Record`]'s fields.
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    raw: &'a [u8],
    ends: std::slice::Iter<'a, usize>,
    start: usize,
}

impl<'a> Iterator for Fields<'a> {
    type Item = Cow<'a, [u8]>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let packed = *self.ends.next()?;
        let end = packed >> 2;
        let raw = &self.raw[self.start..end];
        self.start = end + 1;
        Some(value(raw, packed))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.ends.size_hint()
    }
}

impl ExactSizeIterator for Fields<'_> {}

/// Unescape the part of a quoted field after its opening quote.
fn unescape(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rest.len());
    loop {
        match rest.iter().position(|&b| b == b'"') {
            None => {
                out.extend_from_slice(rest);
                return out;
            }
            Some(q) => {
                out.extend_from_slice(&rest[..q]);
                if rest.get(q + 1) == Some(&b'"') {
                    out.push(b'"');
                    rest = &rest[q + 2..];
                } else {
                    // Closing quote; what follows is literal, quotes too.
                    out.extend_from_slice(&rest[q + 1..]);
                    return out;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// (line, offset, raw, fields) of every record.
    type Parsed = Vec<(u64, u64, Vec<u8>, Vec<Vec<u8>>)>;

    fn read_all<R: Read>(mut rdr: RecordReader<R>) -> Parsed {
        let mut out = Vec::new();
        while let Some(r) = rdr.next_record().unwrap() {
            assert_eq!(r.len(), r.fields().len());
            assert!(!r.is_empty());
            // `field`/`raw_field` agree with `fields`, and the raw fields
            // joined by commas are the raw record.
            let raw_fields: Vec<&[u8]> = (0..r.len()).map(|i| r.raw_field(i).unwrap()).collect();
            assert_eq!(raw_fields.join(&b","[..]), r.raw);
            for (i, f) in r.fields().enumerate() {
                assert_eq!(r.field(i).unwrap(), f);
            }
            assert_eq!(r.field(r.len()), None);
            let fields = r.fields().map(|f| f.into_owned()).collect();
            out.push((r.line, r.offset, r.raw.to_vec(), fields));
        }
        // End of input is sticky.
        assert!(rdr.next_record().unwrap().is_none());
        out
    }

    fn parse(input: &[u8]) -> Parsed {
        read_all(RecordReader::new(input))
    }

    /// Field values of every record.
    fn values(input: &[u8]) -> Vec<Vec<Vec<u8>>> {
        parse(input).into_iter().map(|r| r.3).collect()
    }

    /// (line, raw) of every record, raw as a string.
    fn lines(input: &[u8]) -> Vec<(u64, String)> {
        parse(input)
            .into_iter()
            .map(|r| (r.0, String::from_utf8(r.2).unwrap()))
            .collect()
    }

    fn v(rows: &[&[&str]]) -> Vec<Vec<Vec<u8>>> {
        rows.iter()
            .map(|r| r.iter().map(|f| f.as_bytes().to_vec()).collect())
            .collect()
    }

    /// What the `csv` crate makes of `input`: fields and position of each
    /// record.
    fn csv_records(input: &[u8]) -> Vec<(Vec<Vec<u8>>, csv::Position)> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(input);
        let mut rec = csv::ByteRecord::new();
        let mut out = Vec::new();
        while rdr.read_byte_record(&mut rec).unwrap() {
            let fields = rec.iter().map(<[u8]>::to_vec).collect();
            out.push((fields, rec.position().unwrap().clone()));
        }
        out
    }

    /// A reader handing out at most `chunk` bytes per `read`, with an
    /// `Interrupted` error before every other read.
    struct Trickle<'a> {
        data: &'a [u8],
        chunk: usize,
        interrupt: bool,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.interrupt = !self.interrupt;
            if self.interrupt {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let n = self.chunk.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn trickle(input: &[u8], chunk: usize, capacity: usize) -> Parsed {
        let src = Trickle {
            data: input,
            chunk,
            interrupt: false,
        };
        read_all(RecordReader::with_capacity(src, capacity))
    }

    #[test]
    fn simple_lf_and_last_record_without_newline() {
        assert_eq!(
            lines(b"a,b\n1,2\n3,4"),
            vec![(1, "a,b".into()), (2, "1,2".into()), (3, "3,4".into())]
        );
        assert_eq!(
            values(b"a,b\n1,2\n3,4"),
            v(&[&["a", "b"], &["1", "2"], &["3", "4"]])
        );
        assert_eq!(values(b"x"), v(&[&["x"]]));
    }

    #[test]
    fn empty_input() {
        assert!(parse(b"").is_empty());
        assert!(parse(b"\xEF\xBB\xBF").is_empty());
        assert!(parse(b"\n\r\n\r").is_empty());
    }

    #[test]
    fn bom_is_skipped_once() {
        let p = parse(b"\xEF\xBB\xBFname,email\nAda,a@x\n");
        assert_eq!(p[0].3, v(&[&["name", "email"]])[0]);
        assert_eq!(p[0].2, b"name,email");
        assert_eq!((p[0].0, p[0].1), (1, 3));
        assert_eq!((p[1].0, p[1].1), (2, 14));
        // Only at the very start: a BOM elsewhere is data.
        assert_eq!(
            values(b"a\n\xEF\xBB\xBFb"),
            vec![vec![b"a".to_vec()], vec![b"\xEF\xBB\xBFb".to_vec()]]
        );
        // A partial BOM is data too.
        assert_eq!(values(b"\xEF\xBBa"), vec![vec![b"\xEF\xBBa".to_vec()]]);
        // Even when the BOM arrives one byte per read.
        let t = trickle(b"\xEF\xBB\xBFa,b\n", 1, 1);
        assert_eq!(t[0].3, v(&[&["a", "b"]])[0]);
    }

    #[test]
    fn crlf() {
        let input = b"a,b\r\n1,\"x\r\ny\"\r\n2,3\r\n";
        assert_eq!(
            lines(input),
            vec![
                (1, "a,b".into()),
                (2, "1,\"x\r\ny\"".into()),
                (4, "2,3".into())
            ]
        );
        assert_eq!(
            values(input),
            v(&[&["a", "b"], &["1", "x\r\ny"], &["2", "3"]])
        );
    }

    #[test]
    fn lone_cr_ends_a_record_but_is_not_a_line_break() {
        let input = b"a,b\r1,2\r\r3\n4";
        assert_eq!(
            values(input),
            v(&[&["a", "b"], &["1", "2"], &["3"], &["4"]])
        );
        assert_eq!(
            lines(input),
            vec![
                (1, "a,b".into()),
                (1, "1,2".into()),
                (1, "3".into()),
                (2, "4".into())
            ]
        );
        // `\n\r` is a line break followed by a blank (CR-only) line.
        assert_eq!(lines(b"a\n\rb"), vec![(1, "a".into()), (2, "b".into())]);
    }

    #[test]
    fn quoted_newlines_and_line_numbers() {
        let input = b"h1,h2\n\"multi\nline\nvalue\",x\nnext,\"a\nb\"\nlast,1\n";
        assert_eq!(
            lines(input),
            vec![
                (1, "h1,h2".into()),
                (2, "\"multi\nline\nvalue\",x".into()),
                (5, "next,\"a\nb\"".into()),
                (7, "last,1".into()),
            ]
        );
        assert_eq!(
            values(input),
            v(&[
                &["h1", "h2"],
                &["multi\nline\nvalue", "x"],
                &["next", "a\nb"],
                &["last", "1"]
            ])
        );
    }

    #[test]
    fn blank_lines_are_skipped() {
        let input = b"\n\r\nh\n\n\na\r\n\r\n\r\nb\r\n\r\n\n\n";
        assert_eq!(
            lines(input),
            vec![(3, "h".into()), (6, "a".into()), (9, "b".into())]
        );
        assert_eq!(lines(b"a\r\n\r\n"), vec![(1, "a".into())]);
        // Whitespace is not blank.
        assert_eq!(values(b"a\n \nb"), v(&[&["a"], &[" "], &["b"]]));
    }

    #[test]
    fn quote_escapes() {
        let input = b"\"a\"\"b\",\"\"\"\",\"\",\"x,y\"\n";
        assert_eq!(values(input), v(&[&["a\"b", "\"", "", "x,y"]]));
        let p = parse(input);
        assert_eq!(p[0].2, b"\"a\"\"b\",\"\"\"\",\"\",\"x,y\"");
    }

    #[test]
    fn quote_corners_follow_csv() {
        // Text after the closing quote is appended; quotes in it are literal.
        assert_eq!(values(b"\"ab\"cd,e"), v(&[&["abcd", "e"]]));
        // A quoted field followed by an empty one.
        assert_eq!(values(b"\"a\",\n\"b\","), v(&[&["a", ""], &["b", ""]]));
        assert_eq!(values(b"\"a\"b\"c\"\n"), v(&[&["ab\"c\""]]));
        // A quote inside an unquoted field is literal, and so is a quote
        // after leading spaces.
        assert_eq!(
            values(b"ab\"c,d\"\"e, \"f\""),
            v(&[&["ab\"c", "d\"\"e", " \"f\""]])
        );
        // An unterminated quote runs to the end of the input.
        assert_eq!(values(b"a,\"b\nc,d\n"), v(&[&["a", "b\nc,d\n"]]));
        let p = parse(b"a,\"b\nc,d\n");
        assert_eq!(p[0].2, b"a,\"b\nc,d\n");
        for input in [
            &b"\"ab\"cd,e"[..],
            b"\"a\"b\"c\"\n",
            b"ab\"c,d\"\"e, \"f\"",
            b"a,\"b\nc,d\n",
        ] {
            let ours: Vec<_> = values(input);
            let theirs: Vec<_> = csv_records(input).into_iter().map(|r| r.0).collect();
            assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn ragged_rows_and_empty_fields() {
        let input = b"a,b,c\n1\n,,\n1,2,3,4\n,\n\"\"\nx,";
        assert_eq!(
            values(input),
            v(&[
                &["a", "b", "c"],
                &["1"],
                &["", "", ""],
                &["1", "2", "3", "4"],
                &["", ""],
                &[""],
                &["x", ""],
            ])
        );
    }

    #[test]
    fn fields_borrow_unless_unescaped() {
        let mut rdr = RecordReader::new(&b"plain,\"quoted\",\"a\"\"b\",\"c\"d,\"open"[..]);
        let r = rdr.next_record().unwrap().unwrap();
        let borrowed: Vec<bool> = r.fields().map(|f| matches!(f, Cow::Borrowed(_))).collect();
        assert_eq!(borrowed, [true, true, false, false, true]);
        assert_eq!(r.raw_field(1), Some(&b"\"quoted\""[..]));
        assert_eq!(r.field(3).as_deref(), Some(&b"cd"[..]));
        assert_eq!(r.field(4).as_deref(), Some(&b"open"[..]));
        assert_eq!(r.field(5), None);
        assert_eq!(r.raw_field(5), None);
    }

    #[test]
    fn a_quote_that_never_closes_is_told_apart() {
        let open = |input: &[u8]| -> Vec<bool> {
            let mut rdr = RecordReader::new(input);
            let mut out = Vec::new();
            while let Some(r) = rdr.next_record().unwrap() {
                out.push(r.is_unterminated());
            }
            out
        };
        assert_eq!(open(b"a,\"b\"\nc,\"d"), [false, true]);
        assert_eq!(open(b"a,\"b\"\"\n"), [true]);
        assert_eq!(open(b"\"\",\"a\"\"b\"\n\"x\"y\"z\n"), [false, false]);
        assert_eq!(open(b"x,\"a\"\"b"), [true]);
        assert_eq!(open(b"ab\"c,d"), [false]);
    }

    #[test]
    fn non_utf8_passes_through() {
        let input = b"nom,ville\nJos\xE9,\"Montr\xE9al\"\n\xFF\xFE,\x00\n";
        let p = parse(input);
        assert_eq!(p[1].2, b"Jos\xE9,\"Montr\xE9al\"");
        assert_eq!(p[1].3, vec![b"Jos\xE9".to_vec(), b"Montr\xE9al".to_vec()]);
        assert_eq!(p[2].3, vec![b"\xFF\xFE".to_vec(), b"\x00".to_vec()]);
    }

    #[test]
    fn record_larger_than_the_buffer() {
        let big = "x".repeat(1 << 20);
        let quoted = format!("{}\n\"\"{}", "y".repeat(1 << 19), "z".repeat(1 << 19));
        let input = format!(
            "h1,h2\n1,{big}\n\"{}\",2\nlast\n",
            quoted.replace('"', "\"\"")
        );
        let p = parse(input.as_bytes());
        assert_eq!(p.len(), 4);
        assert_eq!(p[1].3, vec![b"1".to_vec(), big.as_bytes().to_vec()]);
        assert_eq!(p[2].3, vec![quoted.as_bytes().to_vec(), b"2".to_vec()]);
        assert_eq!(p[2].0, 3);
        assert_eq!((p[3].0, p[3].2.as_slice()), (5, &b"last"[..]));
        // Same through a tiny buffer and short reads.
        assert_eq!(trickle(input.as_bytes(), 4093, 16), p);
    }

    #[test]
    fn io_errors_are_reported() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("disk on fire"))
            }
        }
        let mut rdr = RecordReader::new(Failing);
        assert_eq!(rdr.next_record().unwrap_err().to_string(), "disk on fire");
    }

    /// Checks one input against the `csv` crate and against itself.
    fn check_against_csv(input: &[u8]) -> Result<(), TestCaseError> {
        let ours = parse(input);
        let theirs = csv_records(input);
        // csv yields no record for blank lines (nor any record that is
        // "entirely empty" otherwise), so the lists must match one to one.
        let our_values: Vec<_> = ours.iter().map(|r| r.3.clone()).collect();
        let their_values: Vec<_> = theirs.iter().map(|r| r.0.clone()).collect();
        prop_assert_eq!(&our_values, &their_values);

        for ((line, offset, raw, fields), (_, pos)) in ours.iter().zip(&theirs) {
            // csv's position is where it started looking for the record:
            // the end of the previous one. Past it come only line
            // terminators (blank lines, the `\n` of a `\r\n`) and, at the
            // very start, the BOM; then the record's raw bytes.
            let mut start = pos.byte() as usize;
            if start == 0 && input.starts_with(b"\xEF\xBB\xBF") {
                start = 3;
            }
            let skipped = input[start..]
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .count();
            prop_assert_eq!(*offset as usize, start + skipped);
            prop_assert_eq!(
                *line,
                pos.line() + count_newlines(&input[start..start + skipped])
            );
            prop_assert_eq!(*line, 1 + count_newlines(&input[..*offset as usize]));
            let end = *offset as usize + raw.len();
            prop_assert_eq!(&input[*offset as usize..end], raw.as_slice());
            // The raw bytes end at a line terminator or at the end.
            prop_assert!(end == input.len() || input[end] == b'\r' || input[end] == b'\n');
            // Re-parsed alone, the raw bytes give the same record.
            let again = csv_records(raw);
            prop_assert_eq!(again.len(), 1);
            prop_assert_eq!(&again[0].0, fields);
        }

        // Buffer boundaries anywhere, short reads and interruptions change
        // nothing.
        for (chunk, cap) in [(1, 1), (3, 2), (7, 5)] {
            prop_assert_eq!(&trickle(input, chunk, cap), &ours);
        }
        Ok(())
    }

    /// `next_record_into` gives what `next_record` gives, its field ends
    /// appended to the caller's, record after record.
    fn check_into(input: &[u8]) -> Result<(), TestCaseError> {
        let mut one = RecordReader::with_capacity(input, 7);
        let mut many = RecordReader::with_capacity(input, 7);
        let mut ends = vec![usize::MAX];
        while let Some(record) = one.next_record().unwrap() {
            let before = ends.len();
            let into = many.next_record_into(&mut ends).unwrap();
            prop_assert_eq!(into, Some((record.line, record.offset, record.raw)));
            prop_assert_eq!(&ends[before..], record.packed_ends());
        }
        prop_assert_eq!(many.next_record_into(&mut ends).unwrap(), None);
        prop_assert_eq!(ends[0], usize::MAX);
        Ok(())
    }

    fn csv_bytes() -> impl Strategy<Value = Vec<u8>> {
        let alphabet = prop::sample::select(vec![b'a', b',', b'"', b'\n', b'\r', b' ', 0xE9]);
        (any::<bool>(), prop::collection::vec(alphabet, 0..300)).prop_map(|(bom, body)| {
            let mut v = if bom {
                b"\xEF\xBB\xBF".to_vec()
            } else {
                Vec::new()
            };
            v.extend(body);
            v
        })
    }

    #[cfg(target_arch = "x86_64")]
    proptest! {
        #[test]
        fn block_finder_agrees_with_byte_loop(
            data in prop::collection::vec(
                prop::sample::select(vec![b'a', b',', b'"', b'\n', b'\r', 0x80, 0xAC]),
                0..300,
            ),
            start in 0..300usize,
            steps in prop::collection::vec((1..90usize, any::<bool>()), 0..20),
        ) {
            let mut blocks = Blocks::new(&data, start);
            let mut from = start;
            for (step, quoted) in steps {
                let found = blocks.find(&data, from, quoted);
                prop_assert_eq!(found, Scan.find(&data, from, quoted));
                match found {
                    Some(j) => from = j + step,
                    None => break,
                }
            }
        }
    }

    /// Every record as (line, offset, raw, packed ends), read `chunk` bytes
    /// at a time into a buffer that starts at `chunk` bytes, with the fast
    /// path as `fast`. (The fast path only reads a record that is all in
    /// the buffer: with small chunks most records are the byte parser's.)
    fn records_with(
        input: &[u8],
        fast: Fast,
        chunk: usize,
    ) -> Vec<(u64, u64, Vec<u8>, Vec<usize>)> {
        let src = Trickle {
            data: input,
            chunk,
            interrupt: false,
        };
        let mut reader = RecordReader::with_capacity(src, chunk);
        reader.fast = fast;
        let mut out = Vec::new();
        while let Some(r) = reader.next_record().unwrap() {
            out.push((r.line, r.offset, r.raw.to_vec(), r.packed_ends().to_vec()));
        }
        out
    }

    /// The fast paths this CPU can run.
    fn fast_paths() -> Vec<Fast> {
        match Fast::detect() {
            Fast::Avx2 => vec![Fast::Sse2, Fast::Avx2],
            other => vec![other],
        }
    }

    /// The fast path reads every record as the byte parser does: the same
    /// bytes, lines and field ends, down to each field's kind.
    fn check_fast_paths(input: &[u8], chunk: usize) -> Result<(), TestCaseError> {
        let bytes = records_with(input, Fast::Off, chunk);
        for fast in fast_paths() {
            prop_assert_eq!(&records_with(input, fast, chunk), &bytes, "{:?}", fast);
        }
        Ok(())
    }

    /// Records of plain and quoted fields of up to 150 bytes, so that fields,
    /// quotes and `""` pairs fall on every side of a block's edge, and now
    /// and then a quote where the byte parser must take over.
    fn quoted_csv_bytes() -> impl Strategy<Value = Vec<u8>> {
        let plain = prop::collection::vec(prop::sample::select(vec![b'a', b' ', 0xE9]), 0..150);
        let inner = prop_oneof![
            20 => Just(&b"a"[..]),
            3 => Just(&b","[..]),
            2 => Just(&b"\n"[..]),
            1 => Just(&b"\r"[..]),
            2 => Just(&b"\"\""[..]),
            1 => Just(&b"\""[..]),
        ];
        let quoted = (
            prop::collection::vec(inner, 0..80),
            prop::option::of(Just(b'x')),
        )
            .prop_map(|(parts, after)| {
                let mut f = vec![b'"'];
                f.extend(parts.concat());
                f.push(b'"');
                f.extend(after);
                f
            });
        let field = prop_oneof![3 => plain, 2 => quoted];
        let end = prop::sample::select(vec![&b"\n"[..], b"\r\n", b"\r", b"\n\n"]);
        let record = (prop::collection::vec(field, 1..8), end).prop_map(|(fields, end)| {
            let mut r = fields.join(&b","[..]);
            r.extend(end);
            r
        });
        prop::collection::vec(record, 0..6).prop_map(|records| records.concat())
    }

    #[test]
    fn fast_path_edges() {
        // A `""` whose quotes fall on each side of a block's edge; a quoted
        // field that starts a block; `\n` inside quotes; text after a
        // closing quote and a quote inside an unquoted field (the byte
        // parser's).
        let pad = "a".repeat(61);
        for input in [
            format!("{pad},\"x\"\"y\",z\nnext\n"),
            format!("{pad}ab,\"x\"\n"),
            format!("{pad}a,\"x\ny\nz\",\"\"\r\nb\n"),
            format!("{pad},\"x\"y,\"z\"\n"),
            format!("{pad},x\"y\",z\n"),
            "\"a\"\"\",\"\"\"\"\n\"\"\n".to_string(),
            // The two quotes of a `""` on each side of the first and the
            // second block edge.
            format!("\"{pad}a\"\"y\"\n"),
            format!("\"{pad}{pad}aaaaaa\"\"y\",b\n"),
        ] {
            for chunk in [1, 7, 1000] {
                check_fast_paths(input.as_bytes(), chunk).unwrap();
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn fast_path_agrees_with_the_byte_parser(
            input in quoted_csv_bytes(),
            chunk in prop::sample::select(vec![3usize, 64, 100_000]),
        ) {
            check_fast_paths(&input, chunk)?;
        }

        #[test]
        fn fast_path_agrees_on_sparse_input(input in sparse_csv_bytes()) {
            check_fast_paths(&input, 100_000)?;
        }

        #[test]
        fn fast_path_agrees_on_random_bytes(input in csv_bytes()) {
            check_fast_paths(&input, 100_000)?;
        }
    }

    /// Lead-file-like input: mostly plain bytes, so that many records span
    /// several blocks, with quotes, escapes and line breaks here and there.
    fn sparse_csv_bytes() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            30 => Just(b'a'),
            6 => Just(b','),
            1 => Just(b'"'),
            1 => Just(b'\n'),
            1 => Just(b'\r'),
        ];
        prop::collection::vec(byte, 0..600)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn matches_csv_crate(input in csv_bytes()) {
            check_against_csv(&input)?;
        }

        #[test]
        fn matches_csv_crate_on_sparse_input(input in sparse_csv_bytes()) {
            check_against_csv(&input)?;
        }

        #[test]
        fn records_into_a_callers_vector_are_the_same(input in csv_bytes()) {
            check_into(&input)?;
        }
    }
}
