//! Placeholders that mean "no value" in lead files.

/// True when the trimmed cell is empty or one of the spec's placeholders
/// (`n/a`, `#n/a`, `null`, `none`, `nil`, `unknown`, `-`, `--`, `?`, any case).
pub fn is_placeholder(raw: &str) -> bool {
    const PLACEHOLDERS: [&str; 9] = [
        "n/a", "#n/a", "null", "none", "nil", "unknown", "-", "--", "?",
    ];
    let t = super::trim(raw);
    // Every placeholder starts with one of these: most cells stop here.
    match t.as_bytes().first().map(u8::to_ascii_lowercase) {
        None => true,
        Some(b'n' | b'#' | b'u' | b'-' | b'?') => {
            PLACEHOLDERS.iter().any(|p| t.eq_ignore_ascii_case(p))
        }
        Some(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_missing() {
        for raw in [
            "", "  ", "N/A", "#N/A", "null", "NONE", "nil", "Unknown", "-", "--", "?", " n/a ",
        ] {
            assert!(is_placeholder(raw), "{raw:?}");
        }
        for raw in ["0", "a", "NA", "---", "none of them"] {
            assert!(!is_placeholder(raw), "{raw:?}");
        }
    }
}
