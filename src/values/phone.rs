//! Phone numbers: digits with calling code, plus implicit geography.

use super::{Country, State};

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Phone {
    /// Digits including the calling code, no `+` (e.g. `14155550100`).
    pub digits: String,
    /// From the calling code (`+44` → GB; `+1` → US, CA or a Caribbean member by area code).
    pub country: Option<Country>,
    /// The NANP area code (`415`), only for `+1` numbers.
    pub area: Option<u32>,
    /// The state or province of a NANP area code.
    pub state: Option<State>,
}

/// Reads a phone cell; `None` when missing or unreadable.
pub fn parse_phone(raw: &str) -> Option<Phone> {
    let digits: String = raw.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() == 10 {
        return Some(Phone { digits: format!("1{digits}"), country: Some(Country(*b"US")), area: digits[..3].parse().ok(), state: None });
    }
    None
}
