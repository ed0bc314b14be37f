//! `number` (whole numbers) and `money` (amounts in cents).
//!
//! Everything is exact integer arithmetic on a scaled decimal: no `f64`, so
//! `2.3M` is exactly 2,300,000 and `0.1k` exactly 100. Overflow reads as
//! missing rather than wrapping or saturating.
//!
//! Lead cells (`parse_number`, `parse_money`) accept, after trimming:
//! `[sign] DIGITS [. DIGITS] [space] [SUFFIX]` where
//! - sign is `-` or `+`, directly before the digits;
//! - DIGITS is plain (`1200`) or grouped by commas (`1,200,000`): the first
//!   group has 1–3 digits and does not start with `0`, every later group has
//!   exactly 3 (so `1,5`, `1,2345`, `0,100` are unreadable: they look like
//!   European decimals);
//! - the fraction may be empty (`5.` is 5) and the integer part may be empty
//!   (`.5`), but not both;
//! - SUFFIX is, in any case, `k` (×1,000), `m` or `mm` (×1,000,000), `b` or
//!   `bn` (×1,000,000,000), optionally after spaces (`2.5 M`).
//!
//! The suffix multiplies first, then the result is truncated toward zero:
//! `1.2k` → 1200, `2.5` → 2, `-2.5` → -2; for money, digits past cents are
//! truncated the same way (`1.999` → 199 cents).

/// Fraction digits of a lead cell that can still reach a result: cents (2)
/// plus the largest suffix (9). Later digits are dropped unread, which is
/// exact because the result is truncated anyway, and keeps a long fraction
/// from overflowing.
const KEPT_FRACTION_DIGITS: u32 = 11;

/// An exact decimal `mantissa / 10^scale`.
#[derive(Clone, Copy, Debug)]
struct Decimal {
    mantissa: i128,
    scale: u32,
}

impl Decimal {
    /// The value × 10^exp, exact; `None` on overflow.
    fn shifted(self, exp: u32) -> Option<Decimal> {
        if self.scale >= exp {
            return Some(Decimal {
                scale: self.scale - exp,
                ..self
            });
        }
        let mantissa = self.mantissa.checked_mul(pow10(exp - self.scale)?)?;
        Some(Decimal { mantissa, scale: 0 })
    }

    /// The value × 10^scale, truncated toward zero; `None` when it does not fit an `i64`.
    fn truncated(self, scale: u32) -> Option<i64> {
        let scaled = if self.scale > scale {
            // Integer division truncates toward zero, for negatives too.
            self.mantissa / pow10(self.scale - scale)?
        } else {
            self.mantissa.checked_mul(pow10(scale - self.scale)?)?
        };
        i64::try_from(scaled).ok()
    }

    fn negated(self, negative: bool) -> Decimal {
        let mantissa = if negative {
            -self.mantissa
        } else {
            self.mantissa
        };
        Decimal { mantissa, ..self }
    }
}

fn pow10(exp: u32) -> Option<i128> {
    10i128.checked_pow(exp)
}

/// `m * 10 + digit`, `None` on overflow.
fn push_digit(m: i128, digit: u8) -> Option<i128> {
    m.checked_mul(10)?.checked_add(i128::from(digit - b'0'))
}

/// Reads a `number` cell: `1,200`, `1.2k`, `2.5M`, `3MM`, `1bn`; a fraction is dropped.
pub fn parse_number(raw: &str) -> Option<i64> {
    if let Some(n) = plain_digits(raw.as_bytes()) {
        return Some(n);
    }
    if super::is_placeholder(raw) {
        return None;
    }
    parse_cell_decimal(super::trim(raw))?.truncated(0)
}

/// Most number cells are 1 to 18 plain digits (`250`): their value, with
/// none of the general reader's steps. Anything else gives `None` and goes
/// to them.
fn plain_digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() || b.len() > 18 {
        return None;
    }
    b.iter().try_fold(0i64, |n, &d| {
        d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
    })
}

/// Reads a `money` cell (`$2.5M`, `€1,000`, `USD 1200`, `1200 EUR`, `-$5`);
/// the amount in cents (hundredths of the currency unit, whatever the
/// currency), digits past cents truncated toward zero.
///
/// A currency mark may stand before the amount, after it, or both (`$5 USD`),
/// with or without a space: a symbol from [`CURRENCY_SYMBOLS`] (letters in any
/// case) or an ISO 4217 code from [`CURRENCY_CODES`] (any case). Other words
/// make the cell unreadable. The sign goes first (`-$5`) or right before the
/// digits (`$-5`), once. Currencies are not converted. Accounting negatives
/// `(5)` and apostrophe or space grouping (`1'000`, `1 000`) are not read.
pub fn parse_money(raw: &str) -> Option<i64> {
    if super::is_placeholder(raw) {
        return None;
    }
    let t = super::trim(raw);
    let (outer_sign, t) = split_sign(t);
    let t = strip_currency_prefix(t).map_or(t, str::trim_start);
    let t = strip_currency_suffix(t).map_or(t, str::trim_end);
    // One sign only; `- 5` (a space between the sign and the digits) is unreadable.
    if outer_sign.is_some() && t.starts_with(|c: char| c == '-' || c == '+' || c.is_whitespace()) {
        return None;
    }
    let dec = parse_cell_decimal(t)?;
    dec.negated(outer_sign == Some(true)).truncated(2)
}

/// A leading `-` (Some(true)) or `+` (Some(false)) and the rest.
fn split_sign(t: &str) -> (Option<bool>, &str) {
    match t.as_bytes().first() {
        Some(b'-') => (Some(true), &t[1..]),
        Some(b'+') => (Some(false), &t[1..]),
        _ => (None, t),
    }
}

/// `[sign] DIGITS [. DIGITS] [spaces] [SUFFIX]`, the whole text.
fn parse_cell_decimal(t: &str) -> Option<Decimal> {
    let (sign, body) = split_sign(t);
    let (end, dec) = scan_cell_digits(body)?;
    let exp = cell_suffix_exponent(body[end..].trim_start())?;
    Some(dec.shifted(exp)?.negated(sign == Some(true)))
}

/// The power of ten of a lead-cell suffix (any case); `None` for anything else.
fn cell_suffix_exponent(suffix: &str) -> Option<u32> {
    const SUFFIXES: [(&str, u32); 6] =
        [("", 0), ("k", 3), ("m", 6), ("mm", 6), ("b", 9), ("bn", 9)];
    SUFFIXES
        .iter()
        .find(|(s, _)| suffix.eq_ignore_ascii_case(s))
        .map(|&(_, exp)| exp)
}

/// Reads the digits, comma groups and fraction at the start of `s`;
/// returns where they end and their value.
fn scan_cell_digits(s: &str) -> Option<(usize, Decimal)> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut m: i128 = 0;
    while let Some(&d) = b.get(i).filter(|d| d.is_ascii_digit()) {
        m = push_digit(m, d)?;
        i += 1;
    }
    let int_digits = i;
    if b.get(i) == Some(&b',') {
        if !(1..=3).contains(&int_digits) || b[0] == b'0' {
            return None;
        }
        while b.get(i) == Some(&b',') {
            let group = b
                .get(i + 1..i + 4)
                .filter(|g| g.iter().all(u8::is_ascii_digit))?;
            for &d in group {
                m = push_digit(m, d)?;
            }
            i += 4;
        }
        if b.get(i).is_some_and(u8::is_ascii_digit) {
            return None; // a group of 4 or more digits: `1,2345`
        }
    }
    let (end, m, scale, frac_digits) = scan_fraction(b, i, m)?;
    (int_digits + frac_digits > 0).then_some((end, Decimal { mantissa: m, scale }))
}

/// Reads an optional `.DIGITS` at `i`, keeping [`KEPT_FRACTION_DIGITS`] of them;
/// returns the end, the mantissa, its scale and how many digits were read.
fn scan_fraction(b: &[u8], mut i: usize, mut m: i128) -> Option<(usize, i128, u32, usize)> {
    let (mut scale, mut digits) = (0, 0);
    if b.get(i) != Some(&b'.') {
        return Some((i, m, 0, 0));
    }
    i += 1;
    while let Some(&d) = b.get(i).filter(|d| d.is_ascii_digit()) {
        if scale < KEPT_FRACTION_DIGITS {
            m = push_digit(m, d)?;
            scale += 1;
        }
        digits += 1;
        i += 1;
    }
    Some((i, m, scale, digits))
}

/// Currency symbols read by [`parse_money`]; letters match in any case.
/// Longer symbols come first so `US$` is not read as `$` after `US`.
pub const CURRENCY_SYMBOLS: &[&str] = &[
    "US$", "CA$", "AU$", "NZ$", "HK$", "MX$", "NT$", "R$", "C$", "A$", "S$", "Rs.", "Rs", "kr.",
    "kr", "zł", "Kč", "$", "€", "£", "¥", "￥", "₹", "₩", "₽", "₺", "₪", "₫", "₱", "฿", "₴", "₦",
    "₡", "₲", "₸", "₾", "₼", "৳", "元", "円",
];

/// ISO 4217 currency codes read by [`parse_money`] (upper case here, any case
/// in cells), sorted for binary search. Active codes, plus `HRK` (older data)
/// and `RMB` (the common name of CNY); test and precious-metal codes are left out.
pub const CURRENCY_CODES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
    "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP",
    "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP",
    "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HRK", "HTG", "HUF", "IDR",
    "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW",
    "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA",
    "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD",
    "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG",
    "QAR", "RMB", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP",
    "SLE", "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND",
    "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS",
    "VED", "VES", "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW",
    "ZWG", "ZWL",
];

/// True when `code` is three ASCII letters naming a currency in [`CURRENCY_CODES`].
fn is_currency_code(code: &[u8]) -> bool {
    let Ok(upper) = <[u8; 3]>::try_from(code) else {
        return false;
    };
    let upper = upper.map(|b| b.to_ascii_uppercase());
    CURRENCY_CODES
        .binary_search_by(|c| c.as_bytes().cmp(&upper[..]))
        .is_ok()
}

/// True when `t` starts with `prefix`, ASCII letters in any case.
fn starts_with_ci(t: &str, prefix: &str) -> bool {
    t.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// True when `t` ends with `suffix`, ASCII letters in any case.
fn ends_with_ci(t: &str, suffix: &str) -> bool {
    let start = t.len().wrapping_sub(suffix.len());
    t.get(start..)
        .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix))
}

/// A currency mark made of letters must not run into a word (`USDX`, `5xkr`).
fn letter_bounded(c: Option<u8>, mark: &str) -> bool {
    !mark.as_bytes().last().is_some_and(u8::is_ascii_alphabetic)
        || !c.is_some_and(|c| c.is_ascii_alphabetic())
}

/// The text after a leading currency symbol or code, if there is one.
fn strip_currency_prefix(t: &str) -> Option<&str> {
    let b = t.as_bytes();
    if b.len() >= 3 && is_currency_code(&b[..3]) && !b.get(3).is_some_and(u8::is_ascii_alphabetic) {
        return Some(&t[3..]);
    }
    CURRENCY_SYMBOLS
        .iter()
        .find(|s| starts_with_ci(t, s) && letter_bounded(b.get(s.len()).copied(), s))
        .map(|s| &t[s.len()..])
}

/// The text before a trailing currency symbol or code, if there is one.
fn strip_currency_suffix(t: &str) -> Option<&str> {
    let b = t.as_bytes();
    let n = b.len();
    if n >= 3 && is_currency_code(&b[n - 3..]) && !(n > 3 && b[n - 4].is_ascii_alphabetic()) {
        return Some(&t[..n - 3]);
    }
    CURRENCY_SYMBOLS
        .iter()
        .find(|s| {
            ends_with_ci(t, s)
                && !(s.starts_with(|c: char| c.is_ascii_alphabetic())
                    && before_is_letter(b, s.len()))
        })
        .map(|s| &t[..n - s.len()])
}

/// True when the byte just before the last `len` bytes is an ASCII letter.
fn before_is_letter(b: &[u8], len: usize) -> bool {
    b.len() > len && b[b.len() - len - 1].is_ascii_alphabetic()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_number_examples() {
        let cases = [
            ("1200", 1200),
            ("1,200", 1200),
            ("1.2k", 1200),
            ("5K", 5000),
            ("2.5M", 2_500_000),
            ("2.5m", 2_500_000),
            ("3MM", 3_000_000),
            ("1bn", 1_000_000_000),
            ("2.5", 2),
        ];
        for (raw, want) in cases {
            assert_eq!(parse_number(raw), Some(want), "{raw:?}");
        }
        for raw in ["1,5", "1.200.000", "50-200"] {
            assert_eq!(parse_number(raw), None, "{raw:?}");
        }
    }

    /// The general reader, without the plain-digits shortcut.
    fn read_generally(raw: &str) -> Option<i64> {
        match crate::values::is_placeholder(raw) {
            true => None,
            false => parse_cell_decimal(crate::values::trim(raw))?.truncated(0),
        }
    }

    proptest::proptest! {
        #[test]
        fn plain_digits_read_as_the_general_reader_reads_them(
            raw in "[0-9]{0,20}|9{18,19}|0{1,3}[0-9]{0,17}| ?[0-9]{1,3} ?"
        ) {
            proptest::prop_assert_eq!(parse_number(&raw), read_generally(&raw));
        }
    }

    #[test]
    fn number_messy_cases() {
        let cases = [
            ("1,200,000", 1_200_000),
            ("1B", 1_000_000_000),
            ("1BN", 1_000_000_000),
            ("1.5", 1),
            ("-2.5", -2),
            ("-1.5", -1),
            ("+7", 7),
            ("-1,200", -1200),
            ("2.5 M", 2_500_000),
            ("2.5\u{a0}m", 2_500_000),
            ("2.3M", 2_300_000),
            ("0.1k", 100),
            ("1.2345k", 1234),
            ("1,200.5k", 1_200_500),
            (" 42 ", 42),
            ("007", 7),
            (".5k", 500),
            ("5.", 5),
            ("3mM", 3_000_000),
            ("0.000000001b", 1),
            ("0.0000000009b", 0),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
            ("9.223372036854775807b", 9_223_372_036),
        ];
        for (raw, want) in cases {
            assert_eq!(parse_number(raw), Some(want), "{raw:?}");
        }
        let bad = [
            "",
            "  ",
            "n/a",
            "-",
            "--",
            "?",
            "1,2345",
            "1,20",
            "12abc",
            "1e5",
            "k",
            "M",
            ".",
            ".k",
            "-k",
            "1,",
            ",100",
            "1,,000",
            "0,100",
            "1234,567",
            "1 200",
            "- 5",
            "5-",
            "--5",
            "+-5",
            "$5",
            "5 EUR",
            "5%",
            "1.2.3",
            "1kk",
            "1 k m",
            "9223372036854775808",
            "-9223372036854775809",
            "10000000000b",
            "１２",
            "1_000",
            "(5)",
        ];
        for raw in bad {
            assert_eq!(parse_number(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn number_long_fractions_and_digits() {
        let long_fraction = format!("1.{}", "9".repeat(10_000));
        assert_eq!(parse_number(&long_fraction), Some(1));
        assert_eq!(parse_number(&format!("{long_fraction}k")), Some(1999));
        assert_eq!(parse_money(&format!("${long_fraction}")), Some(199));
        assert_eq!(parse_number(&"9".repeat(100_000)), None);
        assert_eq!(parse_number(&format!("{}1", "0".repeat(10_000))), Some(1));
    }

    #[test]
    fn spec_money_examples() {
        let cases = [
            ("$2.5M", 250_000_000),
            ("€1,000", 100_000),
            ("USD 1200", 120_000),
            ("1200 EUR", 120_000),
            ("1200", 120_000),
        ];
        for (raw, want) in cases {
            assert_eq!(parse_money(raw), Some(want), "{raw:?}");
        }
    }

    #[test]
    fn money_messy_cases() {
        let cases = [
            ("£5k", 500_000),
            ("¥100", 10_000),
            ("1,200.50 usd", 120_050),
            ("US$ 5", 500),
            ("us$5", 500),
            ("-$5", -500),
            ("$-5", -500),
            ("+$5", 500),
            ("-5 USD", -500),
            ("USD -5", -500),
            ("USD1200", 120_000),
            ("1200EUR", 120_000),
            ("1200eur", 120_000),
            ("$ 5", 500),
            ("5 $", 500),
            ("5$", 500),
            ("$5 USD", 500),
            ("1.999", 199),
            ("-1.999", -199),
            ("$0.015", 1),
            ("$2.3M", 230_000_000),
            ("R$ 1.000", 100), // the decimal mark is always `.`
            ("C$12", 1200),
            ("A$ 3.5k", 350_000),
            ("₹ 2,500", 250_000),
            ("500 kr", 50_000),
            ("500kr", 50_000),
            ("Rs. 500", 50_000),
            ("5M€", 500_000_000),
            ("€\u{a0}1,000", 100_000),
            ("CHF 1000", 100_000),
            ("2.5 M USD", 250_000_000),
            ("$1.5bn", 150_000_000_000),
            ("$.5", 50),
            ("92233720368547758.07", i64::MAX),
        ];
        for (raw, want) in cases {
            assert_eq!(parse_money(raw), Some(want), "{raw:?}");
        }
        let bad = [
            "",
            "n/a",
            "$",
            "USD",
            "$$5",
            "-$-5",
            "--5",
            "- 5",
            "- $5",
            "5 dollars",
            "5 abc",
            "ABC 5",
            "USDX 5",
            "5 USDX",
            "CHF 1'000",
            "1 000 €",
            "(5)",
            "$1,5",
            "1.200.000 €",
            "5bnEUR",
            "EUR",
            "€",
            "5 €€",
            "92233720368547758.08",
            "$1e5",
            "5 M M",
        ];
        for raw in bad {
            assert_eq!(parse_money(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn currency_codes_are_sorted() {
        assert!(CURRENCY_CODES.windows(2).all(|w| w[0] < w[1]));
        assert!(CURRENCY_CODES
            .iter()
            .all(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase())));
    }

    #[test]
    fn never_panics() {
        let alphabet = [
            "0", "9", ",", ".", "-", "+", "k", "M", "b", "n", "$", "€", " ", "U", "S", "D", "_",
            "é", "\u{0}", "'",
        ];
        for a in alphabet {
            for b in alphabet {
                for c in alphabet {
                    let s = format!("{a}{b}{c}");
                    let _ = (parse_number(&s), parse_money(&s));
                }
            }
        }
        let odd = [
            "\u{feff}5",
            "💰5",
            "5💰",
            "₹",
            "US$",
            "1,00€",
            "€1,",
            "kr",
            "Rs.",
            "R$-",
            "-R$",
            "ß",
            "İ",
            "\u{301}5",
            "5\u{301}",
            &"-".repeat(1000),
            &",".repeat(1000),
            &"9,999".repeat(1000),
        ];
        for s in odd {
            let _ = (parse_number(s), parse_money(s));
        }
    }
}
