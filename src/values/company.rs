//! `company`: a name key that ignores case, accents, punctuation and legal suffixes.

/// The matching key of a company name; `None` when missing.
pub fn company_key(raw: &str) -> Option<String> {
    super::text::normalize_text(raw)
}
