//! `company`: a name key that ignores case, accents, punctuation and legal suffixes.
//!
//! How a name becomes its key (the same for lead cells and table keys, so
//! `Apple` finds the row `Apple Inc.`):
//! 1. lower case; common Latin accents folded (`é`→`e`, `ö`→`o`, `ß`→`ss`,
//!    `æ`→`ae`, `ø`→`o`, `ł`→`l`, …), combining accents dropped; other
//!    scripts are kept as they are;
//! 2. words are runs of letters and digits; apostrophes are dropped inside a
//!    word (`McDonald's` → `mcdonalds`), every other punctuation mark splits
//!    words (`Hewlett-Packard` → `hewlett packard`);
//! 3. `&` is the word `and` (`AT&T` → `at and t`, the same as `AT & T` and
//!    `AT and T`);
//! 4. single letters joined by dots or slashes are one word (`J.P.` and
//!    `J. P.` → `jp`, `S.A.` → `sa`, `A/S` → `as`), so dotted abbreviations
//!    read like plain ones (`J P Morgan`, with spaces only, stays `j p morgan`);
//! 5. a leading `the` is dropped, then, repeatedly, trailing legal suffixes
//!    ([`LEGAL_SUFFIXES`]) and a trailing `the` or `and` (`Foo Co., Ltd.` →
//!    `foo`, `Foo & Co.` → `foo`, `Home Depot, The` → `home depot`) — but
//!    never the last word left (`The Company` → `company`, `Co` → `co`);
//! 6. the words are joined by single spaces.
//!
//! A cell with no letter or digit is unreadable.

/// Legal-form words dropped from the end of a name (after punctuation is
/// removed and dotted initials joined: `S.A.` is `sa`, `K.K.` is `kk`).
pub const LEGAL_SUFFIXES: &[&str] = &[
    "ab",
    "ag",
    "aps",
    "as",
    "asa",
    "bhd",
    "bv",
    "bvba",
    "co",
    "company",
    "corp",
    "corporation",
    "gmbh",
    "inc",
    "incorporated",
    "kg",
    "kgaa",
    "kk",
    "limited",
    "llc",
    "lllp",
    "llp",
    "lp",
    "ltd",
    "ltda",
    "mbh",
    "nv",
    "ohg",
    "oy",
    "oyj",
    "plc",
    "pllc",
    "pte",
    "pty",
    "pvt",
    "sa",
    "sarl",
    "sas",
    "sau",
    "sdn",
    "se",
    "sl",
    "slu",
    "spa",
    "sprl",
    "srl",
    "sro",
];

/// The matching key of a company name; `None` when missing or without any letter or digit.
pub fn company_key(raw: &str) -> Option<String> {
    if super::is_placeholder(raw) {
        return None;
    }
    let mut words = Words::with_capacity(raw.len());
    for c in raw.trim().chars() {
        words.read(c);
    }
    words.end_word();
    words.into_key()
}

/// The words of a name as they are read: `out` holds them separated by single
/// spaces, `starts` where each begins.
struct Words {
    out: String,
    starts: Vec<usize>,
    in_word: bool,
    /// Chars of the current word, and whether all are letters.
    word_chars: usize,
    word_letters: bool,
    /// A `.` or `/` stood between the previous word and the current one.
    dot_before: bool,
    /// A `.` or `/` was seen since the last word ended.
    dot_since: bool,
    /// The previous word is a single letter or joined initials (`j`, `jp`).
    prev_initials: bool,
}

impl Words {
    fn with_capacity(n: usize) -> Words {
        Words {
            out: String::with_capacity(n),
            starts: Vec::new(),
            in_word: false,
            word_chars: 0,
            word_letters: true,
            dot_before: false,
            dot_since: false,
            prev_initials: false,
        }
    }

    /// Reads one char of the raw name.
    fn read(&mut self, c: char) {
        if c.is_ascii() {
            return self.read_folded(c.to_ascii_lowercase());
        }
        for lower in c.to_lowercase() {
            match fold_latin(lower) {
                Some(ascii) => ascii.chars().for_each(|f| self.read_folded(f)),
                None => self.read_folded(lower),
            }
        }
    }

    /// Reads one lower-case, accent-folded char.
    fn read_folded(&mut self, c: char) {
        match c {
            _ if c.is_alphanumeric() => self.push_char(c),
            // Dropped without splitting the word: `McDonald's`, `L'Oréal`.
            '\'' | '’' | '‘' | '`' | 'ʼ' => {}
            '&' => {
                self.end_word();
                "and".chars().for_each(|a| self.push_char(a));
                self.end_word();
            }
            // `S.A.`, and `A/S` (Danish, Norwegian) join into one word.
            '.' | '/' => {
                self.end_word();
                self.dot_since = true;
            }
            _ => self.end_word(),
        }
    }

    fn push_char(&mut self, c: char) {
        if !self.in_word {
            if !self.starts.is_empty() {
                self.out.push(' ');
            }
            self.starts.push(self.out.len());
            self.in_word = true;
            self.word_chars = 0;
            self.word_letters = true;
            self.dot_before = std::mem::take(&mut self.dot_since);
        }
        self.out.push(c);
        self.word_chars += 1;
        self.word_letters &= c.is_alphabetic();
    }

    /// Ends the current word, joining a single letter to dotted initials before it.
    fn end_word(&mut self) {
        if !std::mem::take(&mut self.in_word) {
            return;
        }
        let single_letter = self.word_chars == 1 && self.word_letters;
        if single_letter && self.prev_initials && self.dot_before && self.starts.len() > 1 {
            if let Some(start) = self.starts.pop() {
                self.out.remove(start - 1); // the space before the letter
            }
        }
        self.prev_initials = single_letter;
    }

    /// The word at index `i`.
    fn word(&self, i: usize) -> &str {
        let end = self
            .starts
            .get(i + 1)
            .map_or(self.out.len(), |next| next - 1);
        &self.out[self.starts[i]..end]
    }

    /// Drops a leading `the` and trailing suffixes, keeping at least one word.
    fn into_key(mut self) -> Option<String> {
        let (mut first, mut last) = (0, self.starts.len().checked_sub(1)?);
        if first < last && self.word(first) == "the" {
            first += 1;
        }
        while first < last && is_dropped_at_end(self.word(last)) {
            last -= 1;
        }
        let end = self
            .starts
            .get(last + 1)
            .map_or(self.out.len(), |next| next - 1);
        self.out.truncate(end);
        self.out.drain(..self.starts[first]);
        Some(self.out)
    }
}

/// Legal suffixes, and words that mean nothing at the end of a name.
fn is_dropped_at_end(word: &str) -> bool {
    word == "the" || word == "and" || LEGAL_SUFFIXES.contains(&word)
}

/// The ASCII spelling of a lower-case accented Latin letter (`é` → `e`,
/// `ß` → `ss`); `""` for a combining accent; `None` for anything else.
fn fold_latin(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{300}'..='\u{36f}' => "",
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'þ' => "th",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(raw: &str) -> Option<String> {
        company_key(raw)
    }

    #[test]
    fn spec_examples() {
        for raw in [
            "Apple Inc.",
            "APPLE, INC",
            "The Apple Company",
            "Apple",
            "apple",
        ] {
            assert_eq!(key(raw).as_deref(), Some("apple"), "{raw:?}");
        }
        assert_eq!(
            key("Société Générale S.A.").as_deref(),
            Some("societe generale")
        );
        assert_eq!(
            key("Johnson & Johnson").as_deref(),
            Some("johnson and johnson")
        );
        assert_eq!(key("Johnson & Johnson"), key("Johnson and Johnson"));
    }

    #[test]
    fn legal_suffixes() {
        let cases = [
            ("Foo Co., Ltd.", "foo"),
            ("Foo Corp", "foo"),
            ("Foo Corporation", "foo"),
            ("Foo Incorporated", "foo"),
            ("Foo LLC", "foo"),
            ("Foo, L.L.C.", "foo"),
            ("Foo LLP", "foo"),
            ("Foo L.P.", "foo"),
            ("Foo Limited", "foo"),
            ("Foo GmbH", "foo"),
            ("Foo AG", "foo"),
            ("Foo A.G.", "foo"),
            ("Foo SA", "foo"),
            ("Foo S.A.S.", "foo"),
            ("Foo SARL", "foo"),
            ("Foo S.r.l.", "foo"),
            ("Foo S.p.A.", "foo"),
            ("Foo B.V.", "foo"),
            ("Foo N.V.", "foo"),
            ("Foo PLC", "foo"),
            ("Foo Pty Ltd", "foo"),
            ("Foo Pty. Ltd.", "foo"),
            ("Foo Oy", "foo"),
            ("Foo AB", "foo"),
            ("Foo AS", "foo"),
            ("Foo K.K.", "foo"),
            ("Foo GmbH & Co. KG", "foo"),
            ("Foo & Co.", "foo"),
            ("Foo SE", "foo"),
            ("Foo Pvt. Ltd.", "foo"),
            ("Foo Sdn. Bhd.", "foo"),
            ("Home Depot, The", "home depot"),
            ("Plan B S.A.", "plan b"),
        ];
        for (raw, want) in cases {
            assert_eq!(key(raw).as_deref(), Some(want), "{raw:?}");
        }
    }

    #[test]
    fn never_the_whole_name() {
        let cases = [
            ("The Company", "company"),
            ("Co", "co"),
            ("Inc.", "inc"),
            ("The", "the"),
            ("The Co.", "co"),
            ("Co Ltd", "co"),
            ("& Co", "and"),
            ("The The", "the"),
        ];
        for (raw, want) in cases {
            assert_eq!(key(raw).as_deref(), Some(want), "{raw:?}");
        }
    }

    #[test]
    fn punctuation_accents_and_initials() {
        let cases = [
            ("AT&T", "at and t"),
            ("AT & T Inc.", "at and t"),
            ("AT and T", "at and t"),
            ("J.P. Morgan", "jp morgan"),
            ("J. P. Morgan Chase & Co.", "jp morgan chase"),
            ("JP Morgan", "jp morgan"),
            ("I.B.M. Corp", "ibm"),
            ("U.S. Bank", "us bank"),
            ("McDonald's Corporation", "mcdonalds"),
            ("L’Oréal S.A.", "loreal"),
            ("Hewlett-Packard Company", "hewlett packard"),
            ("  Foo   Bar  ", "foo bar"),
            ("Nestlé S.A.", "nestle"),
            ("Müller GmbH", "muller"),
            ("Straße AG", "strasse"),
            ("STRASSE", "strasse"),
            ("Façade Inc", "facade"),
            ("Ålborg A/S", "alborg"),
            ("Øresund ApS", "oresund"),
            ("Æther Ltd", "aether"),
            ("Łódź Sp", "lodz sp"),
            ("Crème\u{301}", "creme"),
            ("Cre\u{300}me", "creme"),
            ("E.ON SE", "e on"),
            ("3M Company", "3m"),
            ("Yahoo! Inc.", "yahoo"),
            ("Amazon.com, Inc.", "amazon com"),
            ("Toyota Motor Corp.", "toyota motor"),
            ("トヨタ自動車", "トヨタ自動車"),
            ("ООО Ромашка", "ооо ромашка"),
        ];
        for (raw, want) in cases {
            assert_eq!(key(raw).as_deref(), Some(want), "{raw:?}");
        }
    }

    #[test]
    fn missing_and_unreadable() {
        for raw in [
            "", "  ", "N/A", "none", "Unknown", "-", "--", "?", "!!!", "...", "'", "\u{301}",
        ] {
            assert_eq!(key(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn never_panics() {
        let alphabet = [
            "a", "b", ".", "&", " ", "'", "é", "\u{301}", "İ", "-", "co", "the", "ß",
        ];
        for a in alphabet {
            for b in alphabet {
                for c in alphabet {
                    for d in alphabet {
                        let s = format!("{a}{b}{c}{d}");
                        if let Some(k) = company_key(&s) {
                            assert!(
                                !k.is_empty()
                                    && !k.starts_with(' ')
                                    && !k.ends_with(' ')
                                    && !k.contains("  "),
                                "{s:?} → {k:?}"
                            );
                        }
                    }
                }
            }
        }
        for s in [
            "\u{0}",
            "🦀 Inc",
            &"a.".repeat(10_000),
            &"& ".repeat(1000),
            &"co ".repeat(1000),
        ] {
            let _ = company_key(s);
        }
    }
}
