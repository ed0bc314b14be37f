//! Phone numbers: digits with calling code, plus implicit geography.
//!
//! What reads: `+44 20 7946 0000`, `(415) 555-0100`, `415.555.0100`,
//! `1 (415) 555-0100`, `001 415 555 0100`, `0044 20 7946 0000`, `011 44 …`
//! (the NANP exit code), `+44 (0)20 …` and `+44 020 …` (a trunk `0` after the
//! calling code is dropped where the country dials one), `tel:+1…`, and a
//! spreadsheet's leading `'`. An extension after `x`, `ext`, `ext.`,
//! `extension` or `#` is dropped, as is anything after `,` or `;`.
//!
//! What does not: a number with no calling code (no `+`, `00` or `011`) that
//! is not NANP (10 digits, or 11 starting with `1`) — `020 7946 0000` could be
//! anywhere; an unassigned calling code; a national number too short or too
//! long for its country (lengths from libphonenumber's metadata, and at most
//! 15 digits in all, per E.164); NANP numbers whose area code or exchange
//! starts with 0 or 1 or whose area code is N11; letters (`1-800-FLOWERS`).
//!
//! `.country` comes from the calling code by longest prefix (`+7 7…` is
//! KZ, `+44 1481` GG, …). For `+1` it comes from the area code: US states and
//! DC → US, Canadian provinces → CA, territories and Caribbean members → their
//! own ISO code, non-geographic codes (toll-free 8XX, 5XX, 700, 710, 900) → US
//! (600/622/633 → CA). An area code not in the table leaves `.country` and
//! `.state` missing (the number still reads, `.area` is set).
//!
//! `.state` is the state, territory or province of a geographic area code.
//! Codes shared by several provinces take the most populous one: 902/782 →
//! NS (also PE), 867 → YT (also NT, NU).

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

impl Phone {
    /// The number in E.164 form: `+14155550100`.
    pub fn e164(&self) -> String {
        format!("+{}", self.digits)
    }
}

/// Reads a phone cell; `None` when missing or unreadable.
pub fn parse_phone(raw: &str) -> Option<Phone> {
    if super::is_placeholder(raw) {
        return None;
    }
    let (plus, digits) = scan(raw)?;
    if plus {
        return international(digits);
    }
    if let Some(rest) = digits.strip_prefix("00") {
        return international(rest.to_string());
    }
    if let Some(rest) = digits.strip_prefix("011") {
        return international(rest.to_string());
    }
    match digits.len() {
        10 => nanp(&digits),
        11 if digits.starts_with('1') => nanp(&digits[1..]),
        _ => None,
    }
}

/// The digits of the number and whether it started with `+`; `None` when the
/// cell holds anything but digits, separators, a leading `+` and a trailing
/// extension.
fn scan(raw: &str) -> Option<(bool, String)> {
    let mut s = raw.trim().trim_start_matches('\'');
    // `get`, not `[..4]`: the fourth byte may be inside a character (`12€3`).
    if s.len() > 4 && s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("tel:")) {
        s = s[4..].trim_start();
    }
    let mut plus = false;
    let mut digits = String::with_capacity(16);
    for (i, c) in s.char_indices() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if digits.is_empty() && !plus => plus = true,
            '-' | '.' | '(' | ')' | '/' | '[' | ']' | '–' | '—' | '‐' | '‑' => {}
            c if c.is_whitespace() => {}
            // An extension, or a second number, follows.
            '#' | ',' | ';' if !digits.is_empty() => break,
            'x' | 'X' | 'e' | 'E' if !digits.is_empty() && is_extension(&s[i..]) => break,
            _ => return None,
        }
    }
    (!digits.is_empty()).then_some((plus, digits))
}

/// True when `rest` starts an extension marker: `x`, `ext`, `extn`, `extension`.
fn is_extension(rest: &str) -> bool {
    let b = rest.as_bytes();
    b[0].eq_ignore_ascii_case(&b'x') || (b.len() >= 3 && b[..3].eq_ignore_ascii_case(b"ext"))
}

/// A number given with its calling code (the `+`, `00` or `011` removed).
fn international(digits: String) -> Option<Phone> {
    if let Some(national) = digits.strip_prefix('1') {
        return nanp(national);
    }
    let (cc, country, min, max, trunk0) = (1..=3)
        .filter(|&n| digits.len() > n)
        .find_map(|n| calling_code(&digits[..n]))?;
    let cc_len = cc.to_string().len();
    let mut national = &digits[cc_len..];
    if trunk0 {
        national = national.strip_prefix('0').unwrap_or(national);
    }
    let n = national.len();
    if n < usize::from(min) || n > usize::from(max) || cc_len + n > 15 {
        return None;
    }
    let digits = format!("{cc}{national}");
    let country = REGION_PREFIXES
        .iter()
        .filter(|(prefix, _)| digits.starts_with(prefix))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|&(_, c)| c)
        .or(country);
    Some(Phone {
        digits,
        country: country.map(|c| Country(super::country::code2(c))),
        area: None,
        state: None,
    })
}

/// The calling-code table row for these digits, if they are an assigned code.
fn calling_code(prefix: &str) -> Option<(u16, Option<&'static str>, u8, u8, bool)> {
    let code: u16 = prefix.parse().ok()?;
    CALLING_CODES
        .binary_search_by_key(&code, |row| row.0)
        .ok()
        .map(|i| CALLING_CODES[i])
}

/// A NANP number from its 10 national digits.
fn nanp(national: &str) -> Option<Phone> {
    let b = national.as_bytes();
    if b.len() != 10 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // Area code and exchange are NXX (N = 2-9); N11 codes are service codes.
    if b[0] < b'2' || b[3] < b'2' || (b[1] == b'1' && b[2] == b'1') {
        return None;
    }
    let area: u16 = national[..3].parse().ok()?;
    let (country, state) = match area_code(area) {
        Some(Npa::State(s)) => {
            let state = State(s);
            (Some(state.country()), Some(state))
        }
        Some(Npa::Country(c)) => (Some(Country(c)), None),
        None => (None, None),
    };
    Some(Phone {
        digits: format!("1{national}"),
        country,
        area: Some(u32::from(area)),
        state,
    })
}

/// Where a NANP area code is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Npa {
    /// A geographic code of a US state, DC, a US territory or a Canadian province.
    State([u8; 2]),
    /// A Caribbean member's code, or a non-geographic code, by country.
    Country([u8; 2]),
}

/// What the table knows about a NANP area code (`None`: not assigned or not known).
pub fn area_code(area: u16) -> Option<Npa> {
    NPA.binary_search_by_key(&area, |row| row.0)
        .ok()
        .map(|i| NPA[i].1)
}

/// One readable number for every calling code and for every region that
/// shares a code (`+7 7…` is Kazakhstan), for building example leads.
pub fn sample_numbers() -> impl Iterator<Item = String> {
    let per_code = CALLING_CODES
        .iter()
        .filter(|row| row.0 != 1)
        .map(|&(code, _, min, _, _)| format!("+{code} {}", "2".repeat(usize::from(min).max(1))));
    let per_region = REGION_PREFIXES.iter().filter_map(|(prefix, _)| {
        let (code, _, min, _, _) = (1..=3)
            .filter(|&n| prefix.len() > n)
            .find_map(|n| calling_code(&prefix[..n]))?;
        let rest = &prefix[code.to_string().len()..];
        let fill = usize::from(min).saturating_sub(rest.len()).max(1);
        Some(format!("+{code} {rest}{}", "2".repeat(fill)))
    });
    per_code.chain(per_region)
}

/// Every area code in the table, in order.
pub fn all_area_codes() -> impl Iterator<Item = (u16, Npa)> {
    NPA.iter().copied()
}

// ---- Tables ----

/// ITU-T E.164 calling codes in use: (code, country of its main region or
/// `None` for non-geographic codes, min and max national number length,
/// whether a trunk `0` may precede the national number). Lengths and trunk
/// prefixes follow libphonenumber 9.0.43's metadata.
const CALLING_CODES: &[(u16, Option<&str>, u8, u8, bool)] = &[
    (1, Some("US"), 10, 10, false),
    (7, Some("RU"), 10, 14, false),
    (20, Some("EG"), 8, 10, true),
    (27, Some("ZA"), 5, 10, true),
    (30, Some("GR"), 10, 12, false),
    (31, Some("NL"), 5, 11, true),
    (32, Some("BE"), 8, 9, true),
    (33, Some("FR"), 9, 9, true),
    (34, Some("ES"), 9, 9, false),
    (36, Some("HU"), 8, 9, false),
    (39, Some("IT"), 6, 12, false),
    (40, Some("RO"), 6, 9, true),
    (41, Some("CH"), 9, 12, true),
    (43, Some("AT"), 4, 13, true),
    (44, Some("GB"), 7, 10, true),
    (45, Some("DK"), 8, 8, false),
    (46, Some("SE"), 6, 12, true),
    (47, Some("NO"), 5, 8, false),
    (48, Some("PL"), 6, 10, false),
    (49, Some("DE"), 4, 15, true),
    (51, Some("PE"), 8, 9, true),
    (52, Some("MX"), 10, 10, false),
    (53, Some("CU"), 6, 10, true),
    (54, Some("AR"), 10, 11, true),
    (55, Some("BR"), 8, 11, true),
    (56, Some("CL"), 9, 11, false),
    (57, Some("CO"), 8, 11, true),
    (58, Some("VE"), 10, 10, true),
    (60, Some("MY"), 8, 10, true),
    (61, Some("AU"), 5, 12, true),
    (62, Some("ID"), 7, 17, true),
    (63, Some("PH"), 6, 13, true),
    (64, Some("NZ"), 5, 10, true),
    (65, Some("SG"), 8, 11, false),
    (66, Some("TH"), 8, 13, true),
    (81, Some("JP"), 8, 17, true),
    (82, Some("KR"), 5, 14, true),
    (84, Some("VN"), 7, 10, true),
    (86, Some("CN"), 7, 12, true),
    (90, Some("TR"), 7, 13, true),
    (91, Some("IN"), 8, 13, true),
    (92, Some("PK"), 8, 12, true),
    (93, Some("AF"), 9, 9, true),
    (94, Some("LK"), 9, 9, true),
    (95, Some("MM"), 6, 10, true),
    (98, Some("IR"), 4, 10, true),
    (211, Some("SS"), 9, 9, true),
    (212, Some("MA"), 9, 9, true),
    (213, Some("DZ"), 8, 9, true),
    (216, Some("TN"), 8, 8, false),
    (218, Some("LY"), 9, 9, true),
    (220, Some("GM"), 7, 9, false),
    (221, Some("SN"), 9, 9, false),
    (222, Some("MR"), 8, 8, false),
    (223, Some("ML"), 8, 8, false),
    (224, Some("GN"), 8, 9, false),
    (225, Some("CI"), 10, 10, false),
    (226, Some("BF"), 8, 8, false),
    (227, Some("NE"), 8, 8, false),
    (228, Some("TG"), 8, 8, false),
    (229, Some("BJ"), 10, 10, false),
    (230, Some("MU"), 7, 10, false),
    (231, Some("LR"), 7, 9, true),
    (232, Some("SL"), 8, 8, true),
    (233, Some("GH"), 8, 9, true),
    (234, Some("NG"), 10, 14, true),
    (235, Some("TD"), 8, 8, false),
    (236, Some("CF"), 8, 8, false),
    (237, Some("CM"), 8, 9, false),
    (238, Some("CV"), 7, 7, false),
    (239, Some("ST"), 7, 7, false),
    (240, Some("GQ"), 9, 9, false),
    (241, Some("GA"), 7, 8, false),
    (242, Some("CG"), 9, 9, false),
    (243, Some("CD"), 7, 10, true),
    (244, Some("AO"), 9, 9, false),
    (245, Some("GW"), 7, 9, false),
    (246, Some("IO"), 7, 7, false),
    (247, Some("SH"), 5, 6, false), // Ascension Island, part of SH
    (248, Some("SC"), 7, 7, false),
    (249, Some("SD"), 9, 9, true),
    (250, Some("RW"), 8, 9, true),
    (251, Some("ET"), 9, 9, true),
    (252, Some("SO"), 6, 9, true),
    (253, Some("DJ"), 8, 8, false),
    (254, Some("KE"), 7, 10, true),
    (255, Some("TZ"), 9, 9, true),
    (256, Some("UG"), 9, 9, true),
    (257, Some("BI"), 8, 8, false),
    (258, Some("MZ"), 8, 9, false),
    (260, Some("ZM"), 9, 9, true),
    (261, Some("MG"), 9, 9, true),
    (262, Some("RE"), 9, 9, true),
    (263, Some("ZW"), 7, 10, true),
    (264, Some("NA"), 8, 9, true),
    (265, Some("MW"), 7, 9, true),
    (266, Some("LS"), 8, 8, false),
    (267, Some("BW"), 7, 10, false),
    (268, Some("SZ"), 8, 9, false),
    (269, Some("KM"), 7, 7, false),
    (290, Some("SH"), 4, 5, false),
    (291, Some("ER"), 7, 7, true),
    (297, Some("AW"), 7, 7, false),
    (298, Some("FO"), 6, 6, false),
    (299, Some("GL"), 6, 6, false),
    (350, Some("GI"), 8, 8, false),
    (351, Some("PT"), 9, 9, false),
    (352, Some("LU"), 4, 11, false),
    (353, Some("IE"), 7, 10, true),
    (354, Some("IS"), 7, 9, false),
    (355, Some("AL"), 6, 9, true),
    (356, Some("MT"), 8, 8, false),
    (357, Some("CY"), 8, 8, false),
    (358, Some("FI"), 5, 12, true),
    (359, Some("BG"), 6, 12, true),
    (370, Some("LT"), 8, 8, true),
    (371, Some("LV"), 8, 8, false),
    (372, Some("EE"), 7, 10, false),
    (373, Some("MD"), 8, 8, true),
    (374, Some("AM"), 8, 8, true),
    (375, Some("BY"), 6, 11, false),
    (376, Some("AD"), 6, 9, false),
    (377, Some("MC"), 8, 9, true),
    (378, Some("SM"), 8, 10, false),
    (380, Some("UA"), 9, 10, true),
    (381, Some("RS"), 6, 12, true),
    (382, Some("ME"), 8, 9, true),
    (383, Some("XK"), 8, 12, true),
    (385, Some("HR"), 7, 9, true),
    (386, Some("SI"), 5, 8, true),
    (387, Some("BA"), 8, 9, true),
    (389, Some("MK"), 8, 8, true),
    (420, Some("CZ"), 9, 12, false),
    (421, Some("SK"), 6, 9, true),
    (423, Some("LI"), 7, 9, true),
    (500, Some("FK"), 5, 5, false),
    (501, Some("BZ"), 7, 11, false),
    (502, Some("GT"), 8, 11, false),
    (503, Some("SV"), 7, 11, false),
    (504, Some("HN"), 8, 11, false),
    (505, Some("NI"), 8, 8, false),
    (506, Some("CR"), 8, 10, false),
    (507, Some("PA"), 7, 11, false),
    (508, Some("PM"), 6, 9, true),
    (509, Some("HT"), 8, 8, false),
    (590, Some("GP"), 9, 9, true),
    (591, Some("BO"), 8, 9, true),
    (592, Some("GY"), 7, 7, false),
    (593, Some("EC"), 8, 11, true),
    (594, Some("GF"), 9, 9, true),
    (595, Some("PY"), 6, 11, true),
    (596, Some("MQ"), 9, 9, true),
    (597, Some("SR"), 6, 7, false),
    (598, Some("UY"), 4, 13, true),
    (599, Some("CW"), 7, 8, false),
    (670, Some("TL"), 7, 8, false),
    (672, Some("NF"), 6, 6, false),
    (673, Some("BN"), 7, 7, false),
    (674, Some("NR"), 7, 7, false),
    (675, Some("PG"), 7, 8, false),
    (676, Some("TO"), 5, 7, false),
    (677, Some("SB"), 5, 7, false),
    (678, Some("VU"), 5, 7, false),
    (679, Some("FJ"), 7, 11, false),
    (680, Some("PW"), 7, 7, false),
    (681, Some("WF"), 6, 9, false),
    (682, Some("CK"), 5, 5, false),
    (683, Some("NU"), 4, 7, false),
    (685, Some("WS"), 5, 10, false),
    (686, Some("KI"), 5, 8, true),
    (687, Some("NC"), 6, 6, false),
    (688, Some("TV"), 5, 7, false),
    (689, Some("PF"), 6, 9, false),
    (690, Some("TK"), 4, 7, false),
    (691, Some("FM"), 7, 7, false),
    (692, Some("MH"), 7, 7, false),
    (800, None, 8, 8, false), // non-geographic (international freephone, satellite, …)
    (808, None, 8, 8, false), // non-geographic (international freephone, satellite, …)
    (850, Some("KP"), 8, 10, true),
    (852, Some("HK"), 5, 11, false),
    (853, Some("MO"), 7, 8, false),
    (855, Some("KH"), 8, 10, true),
    (856, Some("LA"), 8, 10, true),
    (870, None, 9, 12, false), // non-geographic (international freephone, satellite, …)
    (878, None, 12, 12, false), // non-geographic (international freephone, satellite, …)
    (880, Some("BD"), 6, 10, true),
    (881, None, 9, 10, false), // non-geographic (international freephone, satellite, …)
    (882, None, 7, 12, false), // non-geographic (international freephone, satellite, …)
    (883, None, 8, 12, false), // non-geographic (international freephone, satellite, …)
    (886, Some("TW"), 7, 11, true),
    (888, None, 11, 11, false), // non-geographic (international freephone, satellite, …)
    (960, Some("MV"), 7, 10, false),
    (961, Some("LB"), 7, 8, true),
    (962, Some("JO"), 8, 9, true),
    (963, Some("SY"), 8, 9, true),
    (964, Some("IQ"), 8, 10, true),
    (965, Some("KW"), 7, 8, false),
    (966, Some("SA"), 9, 10, true),
    (967, Some("YE"), 7, 9, true),
    (968, Some("OM"), 7, 9, false),
    (970, Some("PS"), 8, 10, true),
    (971, Some("AE"), 5, 12, true),
    (972, Some("IL"), 7, 12, true),
    (973, Some("BH"), 8, 8, false),
    (974, Some("QA"), 7, 11, false),
    (975, Some("BT"), 7, 8, false),
    (976, Some("MN"), 8, 10, true),
    (977, Some("NP"), 8, 11, true),
    (979, None, 9, 9, false), // non-geographic (international freephone, satellite, …)
    (992, Some("TJ"), 9, 9, false),
    (993, Some("TM"), 8, 8, false),
    (994, Some("AZ"), 9, 9, true),
    (995, Some("GE"), 9, 9, true),
    (996, Some("KG"), 9, 10, true),
    (998, Some("UZ"), 9, 9, false),
];

/// Places that share a calling code with their main region, by the leading
/// digits of the full number (calling code included); the longest match wins.
const REGION_PREFIXES: &[(&str, &str)] = &[
    ("76", "KZ"),
    ("77", "KZ"),
    ("3906698", "VA"),
    ("441481", "GG"),
    ("447781", "GG"),
    ("447839", "GG"),
    ("441534", "JE"),
    ("447509", "JE"),
    ("447797", "JE"),
    ("447829", "JE"),
    ("447937", "JE"),
    ("441624", "IM"),
    ("447524", "IM"),
    ("447624", "IM"),
    ("4779", "SJ"),
    ("6189162", "CC"),
    ("6189164", "CX"),
    ("262269", "YT"),
    ("262639", "YT"),
    ("35818", "AX"),
    ("59059027", "BL"),
    ("59059087", "BL"),
    ("5993", "BQ"),
    ("5994", "BQ"),
    ("5997", "BQ"),
];

use Npa::{Country as C, State as S};

/// NANP area codes in service (libphonenumber 9.0.43 plus overlays opened
/// since), sorted: geographic codes by state/province/territory, Caribbean
/// members by country, non-geographic codes by the country they bill to.
const NPA: &[(u16, Npa)] = &[
    (201, S(*b"NJ")),
    (202, S(*b"DC")),
    (203, S(*b"CT")),
    (204, S(*b"MB")),
    (205, S(*b"AL")),
    (206, S(*b"WA")),
    (207, S(*b"ME")),
    (208, S(*b"ID")),
    (209, S(*b"CA")),
    (210, S(*b"TX")),
    (212, S(*b"NY")),
    (213, S(*b"CA")),
    (214, S(*b"TX")),
    (215, S(*b"PA")),
    (216, S(*b"OH")),
    (217, S(*b"IL")),
    (218, S(*b"MN")),
    (219, S(*b"IN")),
    (220, S(*b"OH")),
    (223, S(*b"PA")),
    (224, S(*b"IL")),
    (225, S(*b"LA")),
    (226, S(*b"ON")),
    (227, S(*b"MD")),
    (228, S(*b"MS")),
    (229, S(*b"GA")),
    (231, S(*b"MI")),
    (234, S(*b"OH")),
    (235, S(*b"MO")),
    (236, S(*b"BC")),
    (239, S(*b"FL")),
    (240, S(*b"MD")),
    (242, C(*b"BS")),
    (246, C(*b"BB")),
    (248, S(*b"MI")),
    (249, S(*b"ON")),
    (250, S(*b"BC")),
    (251, S(*b"AL")),
    (252, S(*b"NC")),
    (253, S(*b"WA")),
    (254, S(*b"TX")),
    (256, S(*b"AL")),
    (257, S(*b"BC")),
    (260, S(*b"IN")),
    (262, S(*b"WI")),
    (263, S(*b"QC")),
    (264, C(*b"AI")),
    (267, S(*b"PA")),
    (268, C(*b"AG")),
    (269, S(*b"MI")),
    (270, S(*b"KY")),
    (272, S(*b"PA")),
    (273, S(*b"QC")),
    (274, S(*b"WI")),
    (276, S(*b"VA")),
    (279, S(*b"CA")),
    (281, S(*b"TX")),
    (283, S(*b"OH")),
    (284, C(*b"VG")),
    (289, S(*b"ON")),
    (301, S(*b"MD")),
    (302, S(*b"DE")),
    (303, S(*b"CO")),
    (304, S(*b"WV")),
    (305, S(*b"FL")),
    (306, S(*b"SK")),
    (307, S(*b"WY")),
    (308, S(*b"NE")),
    (309, S(*b"IL")),
    (310, S(*b"CA")),
    (312, S(*b"IL")),
    (313, S(*b"MI")),
    (314, S(*b"MO")),
    (315, S(*b"NY")),
    (316, S(*b"KS")),
    (317, S(*b"IN")),
    (318, S(*b"LA")),
    (319, S(*b"IA")),
    (320, S(*b"MN")),
    (321, S(*b"FL")),
    (323, S(*b"CA")),
    (324, S(*b"FL")),
    (325, S(*b"TX")),
    (326, S(*b"OH")),
    (327, S(*b"AR")),
    (329, S(*b"NY")),
    (330, S(*b"OH")),
    (331, S(*b"IL")),
    (332, S(*b"NY")),
    (334, S(*b"AL")),
    (336, S(*b"NC")),
    (337, S(*b"LA")),
    (339, S(*b"MA")),
    (340, S(*b"VI")),
    (341, S(*b"CA")),
    (343, S(*b"ON")),
    (345, C(*b"KY")),
    (346, S(*b"TX")),
    (347, S(*b"NY")),
    (350, S(*b"CA")),
    (351, S(*b"MA")),
    (352, S(*b"FL")),
    (353, S(*b"WI")),
    (354, S(*b"QC")),
    (357, S(*b"CA")), // newer than libphonenumber 9.0.43
    (360, S(*b"WA")),
    (361, S(*b"TX")),
    (363, S(*b"NY")),
    (364, S(*b"KY")),
    (365, S(*b"ON")),
    (367, S(*b"QC")),
    (368, S(*b"AB")),
    (369, S(*b"CA")),
    (380, S(*b"OH")),
    (382, S(*b"ON")),
    (385, S(*b"UT")),
    (386, S(*b"FL")),
    (401, S(*b"RI")),
    (402, S(*b"NE")),
    (403, S(*b"AB")),
    (404, S(*b"GA")),
    (405, S(*b"OK")),
    (406, S(*b"MT")),
    (407, S(*b"FL")),
    (408, S(*b"CA")),
    (409, S(*b"TX")),
    (410, S(*b"MD")),
    (412, S(*b"PA")),
    (413, S(*b"MA")),
    (414, S(*b"WI")),
    (415, S(*b"CA")),
    (416, S(*b"ON")),
    (417, S(*b"MO")),
    (418, S(*b"QC")),
    (419, S(*b"OH")),
    (423, S(*b"TN")),
    (424, S(*b"CA")),
    (425, S(*b"WA")),
    (428, S(*b"NB")),
    (430, S(*b"TX")),
    (431, S(*b"MB")),
    (432, S(*b"TX")),
    (434, S(*b"VA")),
    (435, S(*b"UT")),
    (436, S(*b"OH")), // newer than libphonenumber 9.0.43
    (437, S(*b"ON")),
    (438, S(*b"QC")),
    (440, S(*b"OH")),
    (441, C(*b"BM")),
    (442, S(*b"CA")),
    (443, S(*b"MD")),
    (445, S(*b"PA")),
    (447, S(*b"IL")),
    (448, S(*b"FL")),
    (450, S(*b"QC")),
    (458, S(*b"OR")),
    (463, S(*b"IN")),
    (464, S(*b"IL")),
    (468, S(*b"QC")),
    (469, S(*b"TX")),
    (470, S(*b"GA")),
    (472, S(*b"NC")),
    (473, C(*b"GD")),
    (474, S(*b"SK")),
    (475, S(*b"CT")),
    (478, S(*b"GA")),
    (479, S(*b"AR")),
    (480, S(*b"AZ")),
    (484, S(*b"PA")),
    (500, C(*b"US")), // non-geographic
    (501, S(*b"AR")),
    (502, S(*b"KY")),
    (503, S(*b"OR")),
    (504, S(*b"LA")),
    (505, S(*b"NM")),
    (506, S(*b"NB")),
    (507, S(*b"MN")),
    (508, S(*b"MA")),
    (509, S(*b"WA")),
    (510, S(*b"CA")),
    (512, S(*b"TX")),
    (513, S(*b"OH")),
    (514, S(*b"QC")),
    (515, S(*b"IA")),
    (516, S(*b"NY")),
    (517, S(*b"MI")),
    (518, S(*b"NY")),
    (519, S(*b"ON")),
    (520, S(*b"AZ")),
    (521, C(*b"US")), // non-geographic
    (522, C(*b"US")), // non-geographic
    (523, C(*b"US")), // non-geographic
    (524, C(*b"US")), // non-geographic
    (525, C(*b"US")), // non-geographic
    (526, C(*b"US")), // non-geographic
    (527, C(*b"US")), // non-geographic
    (528, C(*b"US")), // non-geographic
    (529, C(*b"US")), // non-geographic
    (530, S(*b"CA")),
    (531, S(*b"NE")),
    (532, C(*b"US")), // non-geographic
    (533, C(*b"US")), // non-geographic
    (534, S(*b"WI")),
    (539, S(*b"OK")),
    (540, S(*b"VA")),
    (541, S(*b"OR")),
    (544, C(*b"US")), // non-geographic
    (548, S(*b"ON")),
    (551, S(*b"NJ")),
    (557, S(*b"MO")),
    (559, S(*b"CA")),
    (561, S(*b"FL")),
    (562, S(*b"CA")),
    (563, S(*b"IA")),
    (564, S(*b"WA")),
    (566, C(*b"US")), // non-geographic
    (567, S(*b"OH")),
    (570, S(*b"PA")),
    (571, S(*b"VA")),
    (572, S(*b"OK")),
    (573, S(*b"MO")),
    (574, S(*b"IN")),
    (575, S(*b"NM")),
    (577, C(*b"US")), // non-geographic
    (579, S(*b"QC")),
    (580, S(*b"OK")),
    (581, S(*b"QC")),
    (582, S(*b"PA")),
    (584, S(*b"MB")),
    (585, S(*b"NY")),
    (586, S(*b"MI")),
    (587, S(*b"AB")),
    (588, C(*b"US")), // non-geographic
    (600, C(*b"CA")), // non-geographic
    (601, S(*b"MS")),
    (602, S(*b"AZ")),
    (603, S(*b"NH")),
    (604, S(*b"BC")),
    (605, S(*b"SD")),
    (606, S(*b"KY")),
    (607, S(*b"NY")),
    (608, S(*b"WI")),
    (609, S(*b"NJ")),
    (610, S(*b"PA")),
    (612, S(*b"MN")),
    (613, S(*b"ON")),
    (614, S(*b"OH")),
    (615, S(*b"TN")),
    (616, S(*b"MI")),
    (617, S(*b"MA")),
    (618, S(*b"IL")),
    (619, S(*b"CA")),
    (620, S(*b"KS")),
    (622, C(*b"CA")), // non-geographic
    (623, S(*b"AZ")),
    (624, S(*b"NY")), // newer than libphonenumber 9.0.43
    (626, S(*b"CA")),
    (628, S(*b"CA")),
    (629, S(*b"TN")),
    (630, S(*b"IL")),
    (631, S(*b"NY")),
    (633, C(*b"CA")), // non-geographic
    (636, S(*b"MO")),
    (639, S(*b"SK")),
    (640, S(*b"NJ")),
    (641, S(*b"IA")),
    (645, S(*b"FL")),
    (646, S(*b"NY")),
    (647, S(*b"ON")),
    (649, C(*b"TC")),
    (650, S(*b"CA")),
    (651, S(*b"MN")),
    (656, S(*b"FL")),
    (657, S(*b"CA")),
    (658, C(*b"JM")),
    (659, S(*b"AL")),
    (660, S(*b"MO")),
    (661, S(*b"CA")),
    (662, S(*b"MS")),
    (664, C(*b"MS")),
    (667, S(*b"MD")),
    (669, S(*b"CA")),
    (670, S(*b"MP")),
    (671, S(*b"GU")),
    (672, S(*b"BC")),
    (678, S(*b"GA")),
    (679, S(*b"MI")), // newer than libphonenumber 9.0.43
    (680, S(*b"NY")),
    (681, S(*b"WV")),
    (682, S(*b"TX")),
    (683, S(*b"ON")),
    (684, S(*b"AS")),
    (686, S(*b"VA")),
    (689, S(*b"FL")),
    (700, C(*b"US")), // non-geographic
    (701, S(*b"ND")),
    (702, S(*b"NV")),
    (703, S(*b"VA")),
    (704, S(*b"NC")),
    (705, S(*b"ON")),
    (706, S(*b"GA")),
    (707, S(*b"CA")),
    (708, S(*b"IL")),
    (709, S(*b"NL")),
    (710, C(*b"US")), // non-geographic
    (712, S(*b"IA")),
    (713, S(*b"TX")),
    (714, S(*b"CA")),
    (715, S(*b"WI")),
    (716, S(*b"NY")),
    (717, S(*b"PA")),
    (718, S(*b"NY")),
    (719, S(*b"CO")),
    (720, S(*b"CO")),
    (721, C(*b"SX")),
    (724, S(*b"PA")),
    (725, S(*b"NV")),
    (726, S(*b"TX")),
    (727, S(*b"FL")),
    (728, S(*b"FL")),
    (729, S(*b"TN")), // newer than libphonenumber 9.0.43
    (730, S(*b"IL")),
    (731, S(*b"TN")),
    (732, S(*b"NJ")),
    (734, S(*b"MI")),
    (737, S(*b"TX")),
    (738, S(*b"CA")),
    (740, S(*b"OH")),
    (742, S(*b"ON")),
    (743, S(*b"NC")),
    (747, S(*b"CA")),
    (748, S(*b"CO")),
    (753, S(*b"ON")),
    (754, S(*b"FL")),
    (757, S(*b"VA")),
    (758, C(*b"LC")),
    (760, S(*b"CA")),
    (762, S(*b"GA")),
    (763, S(*b"MN")),
    (765, S(*b"IN")),
    (767, C(*b"DM")),
    (769, S(*b"MS")),
    (770, S(*b"GA")),
    (771, S(*b"DC")),
    (772, S(*b"FL")),
    (773, S(*b"IL")),
    (774, S(*b"MA")),
    (775, S(*b"NV")),
    (778, S(*b"BC")),
    (779, S(*b"IL")),
    (780, S(*b"AB")),
    (781, S(*b"MA")),
    (782, S(*b"NS")),
    (784, C(*b"VC")),
    (785, S(*b"KS")),
    (786, S(*b"FL")),
    (787, S(*b"PR")),
    (800, C(*b"US")), // non-geographic
    (801, S(*b"UT")),
    (802, S(*b"VT")),
    (803, S(*b"SC")),
    (804, S(*b"VA")),
    (805, S(*b"CA")),
    (806, S(*b"TX")),
    (807, S(*b"ON")),
    (808, S(*b"HI")),
    (809, C(*b"DO")),
    (810, S(*b"MI")),
    (812, S(*b"IN")),
    (813, S(*b"FL")),
    (814, S(*b"PA")),
    (815, S(*b"IL")),
    (816, S(*b"MO")),
    (817, S(*b"TX")),
    (818, S(*b"CA")),
    (819, S(*b"QC")),
    (820, S(*b"CA")),
    (821, S(*b"SC")),
    (825, S(*b"AB")),
    (826, S(*b"VA")),
    (828, S(*b"NC")),
    (829, C(*b"DO")),
    (830, S(*b"TX")),
    (831, S(*b"CA")),
    (832, S(*b"TX")),
    (833, C(*b"US")), // non-geographic
    (835, S(*b"PA")),
    (837, S(*b"CA")), // newer than libphonenumber 9.0.43
    (838, S(*b"NY")),
    (839, S(*b"SC")),
    (840, S(*b"CA")),
    (843, S(*b"SC")),
    (844, C(*b"US")), // non-geographic
    (845, S(*b"NY")),
    (847, S(*b"IL")),
    (848, S(*b"NJ")),
    (849, C(*b"DO")),
    (850, S(*b"FL")),
    (854, S(*b"SC")),
    (855, C(*b"US")), // non-geographic
    (856, S(*b"NJ")),
    (857, S(*b"MA")),
    (858, S(*b"CA")),
    (859, S(*b"KY")),
    (860, S(*b"CT")),
    (861, S(*b"IL")), // newer than libphonenumber 9.0.43
    (862, S(*b"NJ")),
    (863, S(*b"FL")),
    (864, S(*b"SC")),
    (865, S(*b"TN")),
    (866, C(*b"US")), // non-geographic
    (867, S(*b"YT")),
    (868, C(*b"TT")),
    (869, C(*b"KN")),
    (870, S(*b"AR")),
    (872, S(*b"IL")),
    (873, S(*b"QC")),
    (876, C(*b"JM")),
    (877, C(*b"US")), // non-geographic
    (878, S(*b"PA")),
    (879, S(*b"NL")),
    (888, C(*b"US")), // non-geographic
    (900, C(*b"US")), // non-geographic
    (901, S(*b"TN")),
    (902, S(*b"NS")),
    (903, S(*b"TX")),
    (904, S(*b"FL")),
    (905, S(*b"ON")),
    (906, S(*b"MI")),
    (907, S(*b"AK")),
    (908, S(*b"NJ")),
    (909, S(*b"CA")),
    (910, S(*b"NC")),
    (912, S(*b"GA")),
    (913, S(*b"KS")),
    (914, S(*b"NY")),
    (915, S(*b"TX")),
    (916, S(*b"CA")),
    (917, S(*b"NY")),
    (918, S(*b"OK")),
    (919, S(*b"NC")),
    (920, S(*b"WI")),
    (925, S(*b"CA")),
    (928, S(*b"AZ")),
    (929, S(*b"NY")),
    (930, S(*b"IN")),
    (931, S(*b"TN")),
    (934, S(*b"NY")),
    (936, S(*b"TX")),
    (937, S(*b"OH")),
    (938, S(*b"AL")),
    (939, S(*b"PR")),
    (940, S(*b"TX")),
    (941, S(*b"FL")),
    (942, S(*b"ON")),
    (943, S(*b"GA")),
    (945, S(*b"TX")),
    (947, S(*b"MI")),
    (948, S(*b"VA")),
    (949, S(*b"CA")),
    (951, S(*b"CA")),
    (952, S(*b"MN")),
    (954, S(*b"FL")),
    (956, S(*b"TX")),
    (959, S(*b"CT")),
    (970, S(*b"CO")),
    (971, S(*b"OR")),
    (972, S(*b"TX")),
    (973, S(*b"NJ")),
    (975, S(*b"MO")),
    (978, S(*b"MA")),
    (979, S(*b"TX")),
    (980, S(*b"NC")),
    (983, S(*b"CO")),
    (984, S(*b"NC")),
    (985, S(*b"LA")),
    (986, S(*b"ID")),
    (989, S(*b"MI")),
];

#[cfg(test)]
mod sample_tests {
    use super::*;

    #[test]
    fn every_sample_number_reads_with_a_country() {
        let mut countries = std::collections::HashSet::new();
        for raw in sample_numbers() {
            let phone = parse_phone(&raw).unwrap_or_else(|| panic!("{raw} reads"));
            if let Some(c) = phone.country {
                countries.insert(c);
            }
        }
        assert!(countries.len() > 200, "{}", countries.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(raw: &str) -> Phone {
        parse_phone(raw).unwrap_or_else(|| panic!("{raw:?} should read"))
    }

    fn geo(raw: &str) -> (String, Option<String>, Option<u32>, Option<String>) {
        let ph = p(raw);
        (
            ph.digits,
            ph.country.map(|c| c.code().to_string()),
            ph.area,
            ph.state.map(|s| s.code().to_string()),
        )
    }

    fn us(
        digits: &str,
        area: u32,
        state: &str,
    ) -> (String, Option<String>, Option<u32>, Option<String>) {
        (
            digits.to_string(),
            Some("US".to_string()),
            Some(area),
            Some(state.to_string()),
        )
    }

    #[test]
    fn nanp_formats() {
        let sf = us("14155550100", 415, "CA");
        for raw in [
            "(415) 555-0100",
            "415.555.0100",
            "415-555-0100",
            "4155550100",
            "1 (415) 555-0100",
            "1-415-555-0100",
            "+1 415 555 0100",
            "+14155550100",
            "001 415 555 0100",
            "  '+1 (415) 555-0100 ",
            "tel:+1-415-555-0100",
        ] {
            assert_eq!(geo(raw), sf, "{raw:?}");
        }
    }

    #[test]
    fn extensions_are_dropped() {
        let ny = us("12125550100", 212, "NY");
        for raw in [
            "+1-212-555-0100 x12",
            "+1-212-555-0100x12",
            "212-555-0100 ext 12",
            "212-555-0100 ext. 12",
            "212-555-0100 Ext.12",
            "212-555-0100 extension 12",
            "212-555-0100 #12",
            "212-555-0100, 212-555-0199",
        ] {
            assert_eq!(geo(raw), ny, "{raw:?}");
        }
    }

    #[test]
    fn international_formats() {
        let london = (
            "442079460000".to_string(),
            Some("GB".to_string()),
            None,
            None,
        );
        for raw in [
            "+44 20 7946 0000",
            "0044 20 7946 0000",
            "011 44 20 7946 0000",
            "+44 (0)20 7946 0000",
            "+44 020 7946 0000",
        ] {
            assert_eq!(geo(raw), london, "{raw:?}");
        }
        assert_eq!(p("+49 30 123456").country, Some(Country(*b"DE")));
        assert_eq!(p("+33 1 23 45 67 89").digits, "33123456789");
        assert_eq!(
            p("+39 06 1234 5678").digits,
            "390612345678",
            "Italy keeps its leading 0"
        );
        assert_eq!(p("+81 3-1234-5678").country, Some(Country(*b"JP")));
        assert_eq!(p("+86 138 0013 8000").country, Some(Country(*b"CN")));
        assert_eq!(p("+353 1 234 5678").country, Some(Country(*b"IE")));
        assert_eq!(p("+971 4 123 4567").country, Some(Country(*b"AE")));
        assert_eq!(
            p("+800 1234 5678").country,
            None,
            "international freephone has no country"
        );
    }

    #[test]
    fn longest_prefix_wins() {
        assert_eq!(p("+7 495 123 45 67").country, Some(Country(*b"RU")));
        assert_eq!(p("+7 727 123 4567").country, Some(Country(*b"KZ")));
        assert_eq!(p("+7 701 123 4567").country, Some(Country(*b"KZ")));
        assert_eq!(p("+44 1481 123456").country, Some(Country(*b"GG")));
        assert_eq!(p("+44 1534 123456").country, Some(Country(*b"JE")));
        assert_eq!(p("+44 1624 123456").country, Some(Country(*b"IM")));
        assert_eq!(p("+358 18 12345").country, Some(Country(*b"AX")));
        assert_eq!(p("+47 79 02 12 34").country, Some(Country(*b"SJ")));
    }

    #[test]
    fn nanp_members_and_special_codes() {
        for (raw, country, state) in [
            ("787-555-0100", "PR", Some("PR")),
            ("939-555-0100", "PR", Some("PR")),
            ("671-555-0100", "GU", Some("GU")),
            ("340-555-0100", "VI", Some("VI")),
            ("876-555-0100", "JM", None),
            ("242-555-0100", "BS", None),
            ("441-555-0100", "BM", None),
            ("809-555-0100", "DO", None),
            ("416-555-0100", "CA", Some("ON")),
            ("604-555-0100", "CA", Some("BC")),
            ("367-555-0100", "CA", Some("QC")),
            ("628-555-0100", "US", Some("CA")),
            ("332-555-0100", "US", Some("NY")),
            ("202-555-0100", "US", Some("DC")),
            ("800-555-0100", "US", None),
            ("888-555-0100", "US", None),
            ("877-555-0100", "US", None),
            ("866-555-0100", "US", None),
            ("855-555-0100", "US", None),
            ("844-555-0100", "US", None),
            ("833-555-0100", "US", None),
        ] {
            let ph = p(raw);
            assert_eq!(
                ph.country.map(|c| c.code().to_string()).as_deref(),
                Some(country),
                "{raw:?}"
            );
            assert_eq!(
                ph.state.map(|s| s.code().to_string()).as_deref(),
                state,
                "{raw:?}"
            );
            assert_eq!(ph.area, raw[..3].parse().ok(), "{raw:?}");
        }
        // A well-formed NANP number in an unassigned area code: no geography.
        let ph = p("(299) 555-0100");
        assert_eq!((ph.area, ph.country, ph.state), (Some(299), None, None));
    }

    #[test]
    fn unreadable_numbers() {
        for raw in [
            "",
            "N/A",
            "none",
            "-",
            "020 7946 0000",           // no calling code, not NANP
            "555-0100",                // 7 digits
            "41555501000",             // 11 digits not starting with 1
            "(015) 555-0100",          // area code starts with 0
            "(115) 555-0100",          // area code starts with 1
            "(415) 155-0100",          // exchange starts with 1
            "(415) 055-0100",          // exchange starts with 0
            "(911) 555-0100",          // N11
            "+1 415 555 010",          // 9 national digits
            "+1 415 555 01000",        // 11 national digits
            "+44 20 7946",             // too short for GB
            "+44 20 7946 0000 0",      // too long for GB
            "+49 1234 5678 9012 3456", // over 15 digits
            "+28 1234 5678",           // unassigned calling code
            "+0 123 4567",
            "1-800-FLOWERS",
            "call me",
            "415 555 0100 +1",
            "++44 20 7946 0000",
        ] {
            assert_eq!(parse_phone(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn tables_are_sorted_and_consistent() {
        assert!(CALLING_CODES.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(NPA.windows(2).all(|w| w[0].0 < w[1].0));
        // Calling codes are prefix-free, so at most one can match.
        for a in CALLING_CODES {
            for b in CALLING_CODES {
                let (a, b) = (a.0.to_string(), b.0.to_string());
                assert!(a == b || !b.starts_with(&a), "{a} is a prefix of {b}");
            }
        }
        for &(code, country, min, max, _) in CALLING_CODES {
            assert!(
                min >= 1 && min <= max && code.to_string().len() + usize::from(min) <= 15,
                "{code}"
            );
            if let Some(c) = country {
                assert!(
                    Country(super::super::country::code2(c)).is_known(),
                    "+{code} → {c}"
                );
            }
        }
        for (prefix, c) in REGION_PREFIXES {
            assert!(
                Country(super::super::country::code2(c)).is_known(),
                "{prefix} → {c}"
            );
            assert!(
                (1..=3).any(|n| calling_code(&prefix[..n]).is_some()),
                "{prefix}"
            );
        }
    }

    #[test]
    fn area_codes_map_to_known_places() {
        let mut geographic = 0;
        for (area, npa) in all_area_codes() {
            assert!((200..1000).contains(&area) && area % 100 != 11, "{area}");
            match npa {
                Npa::State(s) => {
                    let state = State(s);
                    assert!(state.is_known(), "{area} → {state}");
                    let country = state.country();
                    let territory = ["PR", "GU", "VI", "AS", "MP"].contains(&state.code());
                    assert!(
                        territory || country == Country(*b"US") || country == Country(*b"CA"),
                        "{area} → {state} in {country}"
                    );
                    geographic += 1;
                }
                Npa::Country(c) => assert!(Country(c).is_known(), "{area}"),
            }
        }
        assert_eq!(geographic, 428);
        // Every state, DC, territory and province has an area code of its own,
        // except UM and those that share one (PE: 902/782 → NS; NT, NU: 867 → YT).
        let shared = ["UM", "PE", "NT", "NU"];
        for s in super::super::state::all_states().filter(|s| !shared.contains(&s.code())) {
            assert!(
                all_area_codes().any(|(_, n)| n == Npa::State(s.0)),
                "{s} has no area code"
            );
        }
    }
}
