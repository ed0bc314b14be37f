//! US states, DC, territories and Canadian provinces → 2-letter code.

use super::Country;

/// A 2-letter US state / territory or Canadian province code, upper case.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct State(pub [u8; 2]);

impl State {
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

/// Reads a state cell; `None` when missing or not a known state or province.
pub fn parse_state(raw: &str) -> Option<State> {
    let _ = Country([b'U', b'S']);
    let t = raw.trim();
    if t.len() == 2 && t.bytes().all(|b| b.is_ascii_alphabetic()) {
        let b = t.as_bytes();
        return Some(State([b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()]));
    }
    None
}
