//! The reference tables the normalizers look values up in, as rows the SQL
//! can carry inline: country and state keys (already folded, so the SQL
//! folds a cell and looks it up), calling codes, region prefixes and NANP
//! area codes.
//!
//! Codes, names and area codes come from the normalizers' public API. The
//! alias, calling-code and region tables are private to `src/values`, so
//! they are read from those files' source text here (`include_str!`); the
//! tests check that every row read this way is one the normalizer itself
//! reads the same, so a change in the tables' layout fails loudly instead
//! of leaving the SQL behind.

use crate::values::country::{self, fold_key};
use crate::values::phone::{self, Npa};
use crate::values::state;
use crate::values::{Country, State};
use std::collections::HashMap;

const COUNTRY_SOURCE: &str = include_str!("../values/country.rs");
const STATE_SOURCE: &str = include_str!("../values/state.rs");
const PHONE_SOURCE: &str = include_str!("../values/phone.rs");

/// Folded key → alpha-2 code, in the order the normalizer indexes them
/// (the first claim of a key wins, as there).
pub fn country_keys() -> Vec<(String, String)> {
    let codes = country::all_countries().flat_map(|c| {
        let code = c.code().to_string();
        [
            (code.clone(), code.clone()),
            (c.alpha3().to_string(), code.clone()),
            (c.name().to_string(), code),
        ]
    });
    let aliases = tuples(COUNTRY_SOURCE, "COUNTRY_ALIASES")
        .into_iter()
        .filter_map(|t| Some((t.first()?.text()?, t.get(1)?.text()?)));
    folded(codes.chain(aliases))
}

/// Folded key → state or province code.
pub fn state_keys() -> Vec<(String, String)> {
    let codes = state::all_states().flat_map(|s| {
        let code = s.code().to_string();
        [(code.clone(), code.clone()), (s.name().to_string(), code)]
    });
    let aliases = tuples(STATE_SOURCE, "STATE_ALIASES")
        .into_iter()
        .filter_map(|t| Some((t.first()?.text()?, t.get(1)?.text()?)));
    folded(codes.chain(aliases))
}

/// (alias as written, code) rows of an alias table.
pub type Aliases = Vec<(String, String)>;

/// The raw alias strings of both tables with their codes, for tests.
pub fn raw_aliases() -> (Aliases, Aliases) {
    let read = |source, name| {
        tuples(source, name)
            .into_iter()
            .filter_map(|t| Some((t.first()?.text()?, t.get(1)?.text()?)))
            .collect()
    };
    (
        read(COUNTRY_SOURCE, "COUNTRY_ALIASES"),
        read(STATE_SOURCE, "STATE_ALIASES"),
    )
}

fn folded(pairs: impl Iterator<Item = (String, String)>) -> Vec<(String, String)> {
    let mut seen: HashMap<String, ()> = HashMap::new();
    let mut out = Vec::new();
    for (raw, code) in pairs {
        let key = fold_key(&raw);
        if seen.insert(key.clone(), ()).is_none() {
            out.push((key, code));
        }
    }
    out
}

/// A row of the calling-code table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallingCode {
    pub code: u16,
    /// Country of the code's main region; `None` for non-geographic codes.
    pub country: Option<String>,
    pub min: u8,
    pub max: u8,
    /// A trunk `0` may precede the national number.
    pub trunk0: bool,
}

pub fn calling_codes() -> Vec<CallingCode> {
    tuples(PHONE_SOURCE, "CALLING_CODES")
        .into_iter()
        .filter_map(|t| {
            Some(CallingCode {
                code: t.first()?.number()?.try_into().ok()?,
                country: match t.get(1)? {
                    Token::Some(s) => Some(s.clone()),
                    _ => None,
                },
                min: t.get(2)?.number()?.try_into().ok()?,
                max: t.get(3)?.number()?.try_into().ok()?,
                trunk0: matches!(t.get(4)?, Token::Bool(true)),
            })
        })
        .collect()
}

/// (leading digits of the full number, country): the longest match wins.
pub fn region_prefixes() -> Vec<(String, String)> {
    tuples(PHONE_SOURCE, "REGION_PREFIXES")
        .into_iter()
        .filter_map(|t| Some((t.first()?.text()?, t.get(1)?.text()?)))
        .collect()
}

/// NANP area code → (country, state) as the phone normalizer reads it.
pub fn area_codes() -> Vec<(u16, String, Option<String>)> {
    phone::all_area_codes()
        .map(|(area, npa)| match npa {
            Npa::State(s) => {
                let state = State(s);
                (
                    area,
                    state.country().code().to_string(),
                    Some(state.code().to_string()),
                )
            }
            Npa::Country(c) => (area, Country(c).code().to_string(), None),
        })
        .collect()
}

// ---- Reading the tables out of their source ----

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Str(String),
    Num(u64),
    Bool(bool),
    None,
    Some(String),
}

impl Token {
    fn text(&self) -> Option<String> {
        match self {
            Token::Str(s) => Some(s.clone()),
            _ => None,
        }
    }

    fn number(&self) -> Option<u64> {
        match self {
            Token::Num(n) => Some(*n),
            _ => None,
        }
    }
}

/// The tuples of `const NAME: … = &[ (…), … ];` in Rust source.
fn tuples(source: &str, name: &str) -> Vec<Vec<Token>> {
    let Some(start) = source.find(&format!("const {name}:")) else {
        return Vec::new();
    };
    let body = &source[start..];
    let Some(open) = body.find("= &[") else {
        return Vec::new();
    };
    let body = &body[open + 4..];
    let end = body.find("\n];").unwrap_or(body.len());
    let mut lexer = Lexer {
        chars: body[..end].chars().collect(),
        at: 0,
    };
    let mut out = Vec::new();
    while let Some(tuple) = lexer.next_tuple() {
        out.push(tuple);
    }
    out
}

struct Lexer {
    chars: Vec<char>,
    at: usize,
}

impl Lexer {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() || c == ',' => self.at += 1,
                Some('/') if self.chars.get(self.at + 1) == Some(&'/') => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.at += 1;
                    }
                }
                _ => return,
            }
        }
    }

    fn next_tuple(&mut self) -> Option<Vec<Token>> {
        loop {
            self.skip_space();
            match self.peek()? {
                '(' => {
                    self.at += 1;
                    return self.tuple_body();
                }
                _ => self.at += 1,
            }
        }
    }

    fn tuple_body(&mut self) -> Option<Vec<Token>> {
        let mut items = Vec::new();
        loop {
            self.skip_space();
            match self.peek()? {
                ')' => {
                    self.at += 1;
                    return Some(items);
                }
                '"' => items.push(Token::Str(self.string()?)),
                c if c.is_ascii_digit() => items.push(Token::Num(self.number())),
                _ => {
                    let word = self.word();
                    items.push(match word.as_str() {
                        "true" => Token::Bool(true),
                        "false" => Token::Bool(false),
                        "None" => Token::None,
                        "Some" => {
                            self.skip_space();
                            self.at += 1; // (
                            self.skip_space();
                            let s = self.string()?;
                            self.skip_space();
                            self.at += 1; // )
                            Token::Some(s)
                        }
                        _ => return None,
                    });
                }
            }
        }
    }

    fn word(&mut self) -> String {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.at += 1;
        }
        if self.at == start {
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }

    fn number(&mut self) -> u64 {
        let mut n = 0u64;
        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
            n = n * 10 + u64::from(d);
            self.at += 1;
        }
        n
    }

    /// A Rust string literal: `\"`, `\\`, `\n`, `\t`, `\u{…}` escapes.
    fn string(&mut self) -> Option<String> {
        self.at += 1; // opening quote
        let mut out = String::new();
        loop {
            let c = self.peek()?;
            self.at += 1;
            match c {
                '"' => return Some(out),
                '\\' => {
                    let e = self.peek()?;
                    self.at += 1;
                    match e {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        '0' => out.push('\0'),
                        'u' => {
                            self.at += 1; // {
                            let start = self.at;
                            while self.peek()? != '}' {
                                self.at += 1;
                            }
                            let hex: String = self.chars[start..self.at].iter().collect();
                            self.at += 1; // }
                            out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                        }
                        other => out.push(other),
                    }
                }
                c => out.push(c),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::country::parse_country;
    use crate::values::phone::parse_phone;
    use crate::values::state::parse_state;

    #[test]
    fn every_country_alias_read_here_is_read_by_the_normalizer() {
        let (countries, states) = raw_aliases();
        assert!(
            countries.len() > 1000,
            "{} country aliases",
            countries.len()
        );
        assert!(states.len() > 100, "{} state aliases", states.len());
        for (alias, code) in &countries {
            assert_eq!(
                parse_country(alias)
                    .map(|c| c.code().to_string())
                    .as_deref(),
                Some(code.as_str()),
                "{alias:?}"
            );
        }
        for (alias, code) in &states {
            assert_eq!(
                parse_state(alias).map(|s| s.code().to_string()).as_deref(),
                Some(code.as_str()),
                "{alias:?}"
            );
        }
    }

    #[test]
    fn folded_keys_read_back_as_their_codes() {
        for (key, code) in country_keys() {
            assert_eq!(
                parse_country(&key).map(|c| c.code().to_string()).as_deref(),
                Some(code.as_str()),
                "{key:?}"
            );
        }
        for (key, code) in state_keys() {
            assert_eq!(
                parse_state(&key).map(|s| s.code().to_string()).as_deref(),
                Some(code.as_str()),
                "{key:?}"
            );
        }
    }

    #[test]
    fn calling_codes_read_here_are_the_normalizers() {
        let codes = calling_codes();
        assert!(codes.len() > 200, "{} calling codes", codes.len());
        assert!(codes.windows(2).all(|w| w[0].code < w[1].code));
        for c in &codes {
            if c.code == 1 {
                continue;
            }
            // The shortest national number of the code reads, one digit
            // fewer does not, one more than the longest does not.
            let number = |n: usize| format!("+{} {}", c.code, "5".repeat(n));
            let read = parse_phone(&number(usize::from(c.min)));
            assert!(read.is_some(), "{}", number(usize::from(c.min)));
            if c.min > 1 {
                assert!(parse_phone(&number(usize::from(c.min) - 1)).is_none());
            }
            assert!(parse_phone(&number(usize::from(c.max) + 1)).is_none());
            let with_trunk = format!("+{} 0{}", c.code, "5".repeat(usize::from(c.min)));
            let trunk = parse_phone(&with_trunk).map(|p| p.digits);
            let expect = c
                .trunk0
                .then(|| format!("{}{}", c.code, "5".repeat(usize::from(c.min))));
            if c.trunk0 {
                assert_eq!(trunk, expect, "{with_trunk}");
            } else {
                assert_ne!(
                    trunk,
                    Some(format!("{}{}", c.code, "5".repeat(usize::from(c.min))))
                );
            }
        }
        let prefixes = region_prefixes();
        assert!(prefixes.len() > 10);
        for (prefix, country) in prefixes {
            let number = format!("+{prefix}{}", "5".repeat(12 - prefix.len().min(8)));
            if let Some(p) = parse_phone(&number) {
                assert_eq!(p.country.map(|c| c.code().to_string()), Some(country));
            }
        }
    }
}
