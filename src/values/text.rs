//! `text`: compared case-insensitively with inner whitespace collapsed.
//!
//! The key is the trimmed cell with every run of Unicode whitespace (spaces,
//! tabs, newlines, no-break spaces) replaced by one space, lower-cased char by
//! char (Unicode). The Greek final sigma `ς` is read as `σ`, so a word
//! matches whether it was typed in capitals or not (`ΟΔΟΣ` = `οδος`).

/// The comparison key of a text cell; `None` when missing.
pub fn normalize_text(raw: &str) -> Option<String> {
    let mut key = String::with_capacity(raw.len());
    normalize_text_into(raw, &mut key).then_some(key)
}

/// Writes the comparison key of a text cell into `key` (cleared first, its
/// allocation reused) and returns true; false, with `key` empty, when missing.
pub fn normalize_text_into(raw: &str, key: &mut String) -> bool {
    key.clear();
    if super::is_placeholder(raw) {
        return false;
    }
    let mut pending_space = false;
    for c in raw.trim().chars() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space {
            key.push(' ');
            pending_space = false;
        }
        push_lowercase(c, key);
    }
    true
}

/// Pushes `c` lower-cased; ASCII without the Unicode tables.
fn push_lowercase(c: char, key: &mut String) {
    if c.is_ascii() {
        key.push(c.to_ascii_lowercase());
        return;
    }
    for l in c.to_lowercase() {
        key.push(if l == 'ς' { 'σ' } else { l });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_behaviour() {
        assert_eq!(
            normalize_text("  Software   Development ").as_deref(),
            Some("software development")
        );
        assert_eq!(
            normalize_text("Financial\tServices\r\n").as_deref(),
            Some("financial services")
        );
        assert_eq!(
            normalize_text("Health\u{a0}\u{a0}Care").as_deref(),
            Some("health care")
        );
        assert_eq!(
            normalize_text("ÉCOLE Ünïcode"),
            Some("école ünïcode".to_string())
        );
        assert_eq!(normalize_text("ΟΔΟΣ"), normalize_text("οδος"));
        assert_eq!(normalize_text("NA").as_deref(), Some("na"));
        assert_eq!(normalize_text("n/a x").as_deref(), Some("n/a x"));
        for raw in [
            "", "   ", "N/A", "#N/A", "null", "None", "nil", "UNKNOWN", "-", "--", "?", " n/a ",
        ] {
            assert_eq!(normalize_text(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn into_reuses_and_clears() {
        let mut key = String::from("stale");
        assert!(normalize_text_into(" A  b ", &mut key));
        assert_eq!(key, "a b");
        assert!(!normalize_text_into("null", &mut key));
        assert_eq!(key, "");
        assert!(normalize_text_into("İstanbul", &mut key));
        assert_eq!(Some(key.clone()), normalize_text("İstanbul"));
    }

    #[test]
    fn never_panics() {
        let odd = [
            "\u{0}",
            "\u{feff}",
            "\u{301}",
            "🦀 🦀",
            "ẞ",
            "ǅ",
            "\u{2028}x\u{2029}",
            "\u{85}",
            "\u{3000}全角\u{3000}",
            &"\u{a0}".repeat(1000),
            &"Σ".repeat(1000),
        ];
        for s in odd {
            let _ = normalize_text(s);
        }
    }
}
