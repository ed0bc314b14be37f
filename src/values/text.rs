//! `text`: compared case-insensitively with inner whitespace collapsed.

/// The comparison key of a text cell; `None` when missing.
pub fn normalize_text(raw: &str) -> Option<String> {
    if super::is_placeholder(raw) {
        return None;
    }
    Some(raw.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase())
}
