//! Placeholders that mean "no value" in lead files.

/// True when the trimmed cell is empty or one of the spec's placeholders
/// (`n/a`, `#n/a`, `null`, `none`, `nil`, `unknown`, `-`, `--`, `?`, any case).
pub fn is_placeholder(raw: &str) -> bool {
    const PLACEHOLDERS: [&str; 9] = [
        "n/a", "#n/a", "null", "none", "nil", "unknown", "-", "--", "?",
    ];
    let t = raw.trim();
    t.is_empty() || PLACEHOLDERS.iter().any(|p| t.eq_ignore_ascii_case(p))
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
