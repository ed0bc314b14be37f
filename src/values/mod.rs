//! Normalization of raw CSV text into typed values, one file per field type.
//!
//! Every function here takes the raw (untrimmed) text of one cell and returns
//! `None` when the value is missing: empty, a placeholder, or unreadable as the
//! type. `is_placeholder` tells the two apart so the run summary can count
//! unreadable values without counting placeholders.

pub mod company;
pub mod country;
pub mod email;
mod host;
pub mod missing;
pub mod number;
pub mod phone;
pub mod state;
pub mod text;
pub mod zip;

pub use country::Country;
pub use missing::is_placeholder;
pub use phone::Phone;
pub use state::State;

/// `str::trim`, without its Unicode tables when both ends are plain ASCII
/// (no Unicode space starts or ends with an ASCII graphic byte): cells are
/// trimmed once per lead and field.
pub(crate) fn trim(raw: &str) -> &str {
    match raw.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => raw,
        [only] if only.is_ascii_graphic() => raw,
        _ => raw.trim(),
    }
}
