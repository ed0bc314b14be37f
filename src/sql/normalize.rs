//! Normalization in SQL: each field type's normalizer in `src/values`,
//! written as stages of expressions over the raw cell (a `VARCHAR`, NULL
//! read as empty). Every function here mirrors one there step by step;
//! the comments name the Rust function mirrored. A value is NULL when it is
//! missing.

use super::dialect::{whitespace, whitespace_class, Dialect};
use super::query::{col, Chain};
use super::tables;
use crate::ir::{Accessor, FieldType};
use crate::values::number::{CURRENCY_CODES, CURRENCY_SYMBOLS};

/// The SQL columns holding one field's normalized values.
#[derive(Clone, Debug, Default)]
pub struct FieldCols {
    pub whole: Option<String>,
    pub domain: Option<String>,
    pub country: Option<String>,
    pub area: Option<String>,
    pub state: Option<String>,
}

impl FieldCols {
    pub fn get(&self, accessor: Accessor) -> Option<&String> {
        match accessor {
            Accessor::Whole => self.whole.as_ref(),
            Accessor::Domain => self.domain.as_ref(),
            Accessor::Country => self.country.as_ref(),
            Accessor::Area => self.area.as_ref(),
            Accessor::State => self.state.as_ref(),
        }
    }
}

/// Writes the stages that normalize the raw column `raw` (already in the
/// chain) as `ty`, for the accessors wanted; `tag` names its columns.
pub fn field(
    chain: &mut Chain,
    ty: FieldType,
    raw: &str,
    tag: &str,
    wanted: &[Accessor],
) -> FieldCols {
    let mut n = Norm { chain, tag };
    match ty {
        FieldType::Text => FieldCols {
            whole: Some(n.text(raw)),
            ..Default::default()
        },
        FieldType::Number => FieldCols {
            whole: Some(n.number(raw, false)),
            ..Default::default()
        },
        FieldType::Money => FieldCols {
            whole: Some(n.number(raw, true)),
            ..Default::default()
        },
        FieldType::Zip => FieldCols {
            whole: Some(n.zip(raw)),
            ..Default::default()
        },
        FieldType::Email => n.email(raw, wanted),
        FieldType::Domain => FieldCols {
            whole: Some(n.domain(raw)),
            ..Default::default()
        },
        FieldType::Country => FieldCols {
            whole: Some(n.place(raw, Place::Country)),
            ..Default::default()
        },
        FieldType::State => FieldCols {
            whole: Some(n.place(raw, Place::State)),
            ..Default::default()
        },
        FieldType::Phone => n.phone(raw),
        FieldType::Company => FieldCols {
            whole: Some(n.company(raw)),
            ..Default::default()
        },
    }
}

struct Norm<'c> {
    chain: &'c mut Chain,
    tag: &'c str,
}

#[derive(Clone, Copy)]
enum Place {
    Country,
    State,
}

/// `translate` pairs that lower-case ASCII letters only (`eq_ignore_ascii_case`).
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";

/// The placeholders of `values::missing`.
const PLACEHOLDERS: [&str; 9] = [
    "n/a", "#n/a", "null", "none", "nil", "unknown", "-", "--", "?",
];

impl Norm<'_> {
    fn d(&self) -> Dialect {
        self.chain.d
    }

    fn name(&self, what: &str) -> String {
        format!("route__{}_{what}", self.tag)
    }

    fn s(&self, text: &str) -> String {
        self.d().string(text)
    }

    /// `str::trim`: Unicode whitespace off both ends.
    fn trim(&self, e: &str) -> String {
        // Trimming with a set of characters is slow; most cells have no
        // whitespace at either end, which a regex tells cheaply.
        let ws = whitespace_class();
        format!(
            "CASE WHEN {} THEN {} ELSE {e} END",
            self.matches(e, &format!("^[{ws}]|[{ws}]$")),
            self.d().trim_chars(e, &self.s(&whitespace()))
        )
    }

    fn ltrim(&self, e: &str) -> String {
        self.d().ltrim_chars(e, &self.s(&whitespace()))
    }

    fn rtrim(&self, e: &str) -> String {
        self.d().rtrim_chars(e, &self.s(&whitespace()))
    }

    /// `e.eq_ignore_ascii_case(lit)` for an ASCII literal: the same bytes
    /// count (no non-ASCII char) and the same lower case.
    fn ascii_ci_eq(&self, e: &str, lit: &str) -> String {
        format!(
            "(lower({e}) = {} AND {} = {})",
            self.s(&lit.to_ascii_lowercase()),
            self.d().octet_length(e),
            lit.len()
        )
    }

    /// The spellings of `sym` with its ASCII letters in either case.
    fn case_variants(&self, sym: &str) -> String {
        let mut variants = vec![String::new()];
        for c in sym.chars() {
            let forms: Vec<char> = if c.is_ascii_alphabetic() {
                vec![c.to_ascii_lowercase(), c.to_ascii_uppercase()]
            } else {
                vec![c]
            };
            variants = variants
                .iter()
                .flat_map(|v| forms.iter().map(move |f| format!("{v}{f}")))
                .collect();
        }
        variants
            .iter()
            .map(|v| self.s(v))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `char::to_lowercase` char by char: `lower`, except that `İ` becomes
    /// `i` and a combining dot above, as in Rust.
    fn rust_lower(&self, e: &str) -> String {
        format!("lower(replace({e}, 'İ', {}))", self.s("i\u{307}"))
    }

    /// `is_placeholder` of an already trimmed cell.
    fn placeholder(&self, t: &str) -> String {
        let list: Vec<String> = std::iter::once("")
            .chain(PLACEHOLDERS)
            .map(|p| self.s(p))
            .collect();
        format!(
            "(lower({t}) IN ({}) AND {} = length({t}))",
            list.join(", "),
            self.d().octet_length(t)
        )
    }

    fn matches(&self, e: &str, p: &str) -> String {
        self.d().matches(e, p)
    }

    /// The trimmed cell, NULL when it is a placeholder.
    fn trimmed(&mut self, raw: &str) -> String {
        let t = self.name("t");
        let trimmed = self.trim(raw);
        self.chain.stage(vec![col(&t, trimmed)]);
        let v = self.name("tv");
        let expr = format!("CASE WHEN {} THEN NULL ELSE {t} END", self.placeholder(&t));
        self.chain.stage(vec![col(&v, expr)]);
        v
    }

    /// `text::normalize_text`.
    fn text(&mut self, raw: &str) -> String {
        let t = self.trimmed(raw);
        let ws = format!("[{}]+", whitespace_class());
        let collapsed = self.d().replace_all(&t, &ws, " ");
        let lowered = self.rust_lower(&collapsed);
        let v = self.name("v");
        self.chain
            .stage(vec![col(&v, format!("replace({lowered}, 'ς', 'σ')"))]);
        v
    }

    /// `zip::parse_zip`.
    fn zip(&mut self, raw: &str) -> String {
        let t = self.name("t");
        let trimmed = self.trim(raw);
        self.chain.stage(vec![col(&t, trimmed)]);
        let five = self.matches(&t, "^[0-9]{5}(?:-[0-9]{4}|[0-9]{4})?$");
        let four = self.matches(&t, "^[1-9][0-9]{3}(?:-[0-9]{4})?$");
        let v = self.name("v");
        let expr = format!(
            "CASE WHEN {five} THEN CAST(left({t}, 5) AS BIGINT) \
             WHEN {four} THEN CAST(left({t}, 4) AS BIGINT) END"
        );
        self.chain.stage(vec![col(&v, expr)]);
        v
    }

    /// `number::parse_number` (`money` false) or `parse_money`: whole
    /// numbers, or cents.
    fn number(&mut self, raw: &str, money: bool) -> String {
        let t = self.trimmed(raw);
        let body = if money { self.strip_currency(&t) } else { t };
        let ws = whitespace_class();
        let pattern = format!(
            "^([+-]?)([0-9]*|[1-9][0-9]{{0,2}}(?:,[0-9]{{3}})+)(?:\\.([0-9]*))?[{ws}]*([kKmMbB]|[mM][mM]|[bB][nN])?$"
        );
        let d = self.d();
        let ok = self.name("ok");
        let (g1, g2, g3, g4) = (
            self.name("sign"),
            self.name("int"),
            self.name("frac"),
            self.name("suffix"),
        );
        self.chain.stage(vec![
            col(&ok, d.matches(&body, &pattern)),
            col(&g1, d.extract(&body, &pattern, 1)),
            col(&g2, d.extract(&body, &pattern, 2)),
            col(&g3, d.extract(&body, &pattern, 3)),
            col(&g4, d.extract(&body, &pattern, 4)),
        ]);
        let scale = if money { 2 } else { 0 };
        let exp = format!(
            "(CASE lower({g4}) WHEN 'k' THEN 3 WHEN 'm' THEN 6 WHEN 'mm' THEN 6 \
             WHEN 'b' THEN 9 WHEN 'bn' THEN 9 ELSE 0 END + {scale})"
        );
        let mag = self.name("mag");
        let neg = self.name("neg");
        let outer_neg = if money {
            format!("{} = '-'", self.name("osign"))
        } else {
            "FALSE".to_string()
        };
        let digits = d.ltrim_chars(
            &format!("replace({g2}, ',', '') || rpad(left({g3}, {exp}), {exp}, '0')"),
            "'0'",
        );
        self.chain.stage(vec![
            col(
                &mag,
                format!("CASE WHEN {ok} AND length({g2}) + length({g3}) > 0 THEN {digits} END"),
            ),
            col(&neg, format!("({g1} = '-' OR {outer_neg})")),
        ]);
        // Beyond 19 digits nothing fits an i64 (the normalizer reads
        // missing); at 19, digits compare as text against the bounds.
        let v = self.name("v");
        let m = format!("(CASE WHEN {mag} = '' THEN '0' ELSE {mag} END)");
        let expr = format!(
            "CASE WHEN {mag} IS NULL OR length({mag}) > 19 THEN NULL \
             WHEN length({mag}) = 19 AND {neg} AND {mag} = '9223372036854775808' THEN CAST(-9223372036854775807 AS BIGINT) - 1 \
             WHEN length({mag}) = 19 AND {mag} > '9223372036854775807' THEN NULL \
             WHEN {neg} THEN -CAST({m} AS BIGINT) ELSE CAST({m} AS BIGINT) END"
        );
        self.chain.stage(vec![col(&v, expr)]);
        v
    }

    /// The amount of a money cell without its sign and currency marks
    /// (`parse_money` up to `parse_cell_decimal`); NULL when unreadable.
    fn strip_currency(&mut self, t: &str) -> String {
        let osign = self.name("osign");
        let u = self.name("u");
        self.chain.stage(vec![col(
            &osign,
            format!("CASE WHEN left({t}, 1) IN ('-', '+') THEN left({t}, 1) ELSE '' END"),
        )]);
        self.chain
            .stage(vec![col(&u, format!("substr({t}, length({osign}) + 1)"))]);
        let pre = self.name("pre");
        let prefix_len = self.currency_prefix_len(&u);
        self.chain.stage(vec![col(&pre, prefix_len)]);
        let u2 = self.name("u2");
        let after = self.ltrim(&format!("substr({u}, {pre} + 1)"));
        self.chain.stage(vec![col(
            &u2,
            format!("CASE WHEN {pre} > 0 THEN {after} ELSE {u} END"),
        )]);
        let suf = self.name("suf");
        let suffix_len = self.currency_suffix_len(&u2);
        self.chain.stage(vec![col(&suf, suffix_len)]);
        let u3 = self.name("u3");
        let before = self.rtrim(&format!("left({u2}, length({u2}) - {suf})"));
        self.chain.stage(vec![col(
            &u3,
            format!("CASE WHEN {suf} > 0 THEN {before} ELSE {u2} END"),
        )]);
        // One sign only: `- 5`, `-$-5` are unreadable.
        let body = self.name("body");
        let bad = self.matches(&u3, &format!("^[-+{}]", whitespace_class()));
        self.chain.stage(vec![col(
            &body,
            format!("CASE WHEN {t} IS NULL OR ({osign} <> '' AND {bad}) THEN NULL ELSE {u3} END"),
        )]);
        body
    }

    fn is_ascii_letter(&self, e: &str) -> String {
        self.matches(e, &format!("^[{UPPER}{LOWER}]$"))
    }

    fn currency_codes(&self) -> String {
        CURRENCY_CODES
            .iter()
            .map(|c| format!("'{c}'"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Three ASCII letters that name a currency.
    fn is_currency_code(&self, e: &str) -> String {
        format!(
            "(upper({e}) IN ({}) AND {} = 3)",
            self.currency_codes(),
            self.d().octet_length(e)
        )
    }

    /// `strip_currency_prefix`: how many chars the currency mark takes.
    fn currency_prefix_len(&self, u: &str) -> String {
        let mut cases = vec![format!(
            "WHEN {} AND NOT {} THEN 3",
            self.is_currency_code(&format!("left({u}, 3)")),
            self.is_ascii_letter(&format!("substr({u}, 4, 1)"))
        )];
        for sym in CURRENCY_SYMBOLS {
            let n = sym.chars().count();
            let mut case = format!("WHEN left({u}, {n}) IN ({})", self.case_variants(sym));
            if sym.as_bytes().last().is_some_and(u8::is_ascii_alphabetic) {
                case += &format!(
                    " AND NOT {}",
                    self.is_ascii_letter(&format!("substr({u}, {}, 1)", n + 1))
                );
            }
            cases.push(format!("{case} THEN {n}"));
        }
        format!("CASE {} ELSE 0 END", cases.join(" "))
    }

    /// `strip_currency_suffix`: how many chars the trailing mark takes.
    fn currency_suffix_len(&self, u: &str) -> String {
        let mut cases = vec![format!(
            "WHEN length({u}) >= 3 AND {} AND NOT (length({u}) > 3 AND {}) THEN 3",
            self.is_currency_code(&format!("right({u}, 3)")),
            self.is_ascii_letter(&format!("substr({u}, length({u}) - 3, 1)"))
        )];
        for sym in CURRENCY_SYMBOLS {
            let n = sym.chars().count();
            let mut case = format!(
                "WHEN length({u}) >= {n} AND right({u}, {n}) IN ({})",
                self.case_variants(sym)
            );
            if sym.starts_with(|c: char| c.is_ascii_alphabetic()) {
                case += &format!(
                    " AND NOT (length({u}) > {n} AND {})",
                    self.is_ascii_letter(&format!("substr({u}, length({u}) - {n}, 1)"))
                );
            }
            cases.push(format!("{case} THEN {n}"));
        }
        format!("CASE {} ELSE 0 END", cases.join(" "))
    }

    /// `email::parse_email` / `parse_email_domain`.
    fn email(&mut self, raw: &str, wanted: &[Accessor]) -> FieldCols {
        let t = self.trimmed(raw);
        // unwrap_angle_brackets, then strip_mailto.
        let unwrapped = self.name("unwrapped");
        let inner = format!("left({t}, length({t}) - 1)");
        let inside = self.trim(&self.d().extract(&inner, "<([^<]*)$", 1));
        let pos_lt = self.d().strpos(&inner, "'<'");
        self.chain.stage(vec![col(
            &unwrapped,
            format!("CASE WHEN right({t}, 1) = '>' AND {pos_lt} > 0 THEN {inside} ELSE {t} END"),
        )]);
        let addr = self.name("addr");
        self.chain.stage(vec![col(
            &addr,
            format!(
                "CASE WHEN {} THEN split_part(substr({unwrapped}, 8), '?', 1) ELSE {unwrapped} END",
                self.ascii_ci_eq(&format!("left({unwrapped}, 7)"), "mailto:")
            ),
        )]);
        let at = self.name("at");
        let pos_at = self.d().strpos(&addr, "'@'");
        self.chain.stage(vec![col(&at, pos_at)]);
        let (local, host) = (self.name("local"), self.name("host"));
        let rest = format!("substr({addr}, {at} + 1)");
        self.chain.stage(vec![
            col(&local, format!("left({addr}, {at} - 1)")),
            col(
                &host,
                format!(
                    "CASE WHEN right({rest}, 1) = '.' THEN left({rest}, length({rest}) - 1) ELSE {rest} END"
                ),
            ),
        ]);
        let ok = self.name("ok");
        let valid = self.valid_host(&host);
        let rest_has_at = self.d().strpos(&rest, "'@'");
        self.chain.stage(vec![col(
            &ok,
            format!("({at} > 1 AND {rest_has_at} = 0 AND {valid})"),
        )]);
        let lower_host = self.name("lhost");
        let lowered = self.rust_lower(&host);
        self.chain.stage(vec![col(
            &lower_host,
            format!("CASE WHEN {ok} THEN {lowered} END"),
        )]);
        let mut cols = FieldCols::default();
        let mut stage = Vec::new();
        if wanted.contains(&Accessor::Domain) {
            let dom = self.name("domain");
            stage.push(col(&dom, self.drop_www(&lower_host)));
            cols.domain = Some(dom);
        }
        if wanted.contains(&Accessor::Whole) {
            let address = self.name("address");
            stage.push(col(
                &address,
                format!(
                    "CASE WHEN {ok} THEN {} || '@' || {lower_host} END",
                    self.rust_lower(&local)
                ),
            ));
            cols.whole = Some(address);
        }
        self.chain.stage(stage);
        cols
    }

    /// `is_valid_host`: labels of letters, digits, `-` and `_`, at least one dot.
    fn valid_host(&self, host: &str) -> String {
        let label = format!("[{}_-]+", self.d().alphanumerics());
        self.matches(host, &format!("^{label}(?:\\.{label})+$"))
    }

    /// `drop_www`: a leading `www.` goes when a dot remains after it.
    fn drop_www(&self, h: &str) -> String {
        let rest_dot = self.d().strpos(&format!("substr({h}, 5)"), "'.'");
        format!(
            "CASE WHEN left({h}, 4) = 'www.' AND {rest_dot} > 0 THEN substr({h}, 5) ELSE {h} END"
        )
    }

    /// `email::parse_domain`: URL host, port and user dropped.
    fn domain(&mut self, raw: &str) -> String {
        let t = self.trimmed(raw);
        let d = self.d();
        let scheme_end = self.name("se");
        self.chain
            .stage(vec![col(&scheme_end, d.strpos(&t, "'://'"))]);
        let no_scheme = self.name("ns");
        let scheme = format!("left({t}, {scheme_end} - 1)");
        let is_scheme = self.matches(&scheme, "^[A-Za-z][A-Za-z0-9+.-]*$");
        self.chain.stage(vec![col(
            &no_scheme,
            format!(
                "CASE WHEN {scheme_end} > 0 AND {is_scheme} THEN substr({t}, {scheme_end} + 3) \
                 WHEN left({t}, 2) = '//' THEN substr({t}, 3) ELSE {t} END"
            ),
        )]);
        let hostport = self.name("hp");
        let first = d.extract(&no_scheme, "^([^/?#]*)", 1);
        let after_user = d.extract(&first, "([^@]*)$", 1);
        self.chain.stage(vec![col(&hostport, after_user)]);
        let host = self.name("host");
        let port = self.matches(&hostport, ":[0-9]+$");
        let before = d.extract(&hostport, "^(.*):[0-9]+$", 1);
        self.chain.stage(vec![col(
            &host,
            format!("CASE WHEN {port} THEN {before} ELSE {hostport} END"),
        )]);
        let h = self.name("h");
        self.chain.stage(vec![col(
            &h,
            format!("CASE WHEN right({host}, 1) = '.' THEN left({host}, length({host}) - 1) ELSE {host} END"),
        )]);
        let lower = self.name("lower");
        let valid = self.valid_host(&h);
        let lowered = self.rust_lower(&h);
        self.chain.stage(vec![col(
            &lower,
            format!("CASE WHEN {valid} THEN {lowered} END"),
        )]);
        let v = self.name("v");
        let dropped = self.drop_www(&lower);
        self.chain.stage(vec![col(&v, dropped)]);
        v
    }

    /// `country::fold_key` of the trimmed cell, then the lookup of
    /// `country::lookup`; NULL past 120 bytes, as there.
    fn place(&mut self, raw: &str, place: Place) -> String {
        let t = self.trimmed(raw);
        let key = self.fold_key(&t);
        let (table, rows) = match place {
            Place::Country => ("route__country_keys", tables::country_keys()),
            Place::State => ("route__state_keys", tables::state_keys()),
        };
        let d = self.d();
        self.chain.table(table, || {
            let rows: Vec<Vec<String>> = rows
                .iter()
                .map(|(k, c)| vec![d.string(k), d.string(c)])
                .collect();
            let text = d.text_type();
            d.values(&["place_key", "place_code"], &rows, &[text, text])
        });
        let j = self.chain.alias();
        let v = self.name("v");
        let limit = d.octet_length(&t);
        self.chain.stage_with(
            vec![col(
                &v,
                format!("CASE WHEN {limit} <= 120 THEN {j}.place_code END"),
            )],
            vec![format!(
                "LEFT JOIN {table} AS {j} ON {j}.place_key = route__p.{key}"
            )],
        );
        v
    }

    /// `country::fold_into`, as stages; returns the column with the key.
    fn fold_key(&mut self, t: &str) -> String {
        let d = self.d();
        let lowered = format!("lower({t})");
        let dropped = d.replace_all(
            &lowered,
            "['’‘`´ʻʼ\u{200B}-\u{200D}\u{FEFF}\u{300}-\u{36F}]",
            "",
        );
        let anded = format!("replace({dropped}, '&', ' and ')");
        let spaced = d.replace_all(
            &anded,
            &format!(
                "[{}!\"#$%()*+,./:;<=>?@\\[\\\\\\]^_{{|}}~–—‐‑·«»“”-]",
                whitespace_class()
            ),
            " ",
        );
        let s1 = self.name("f1");
        self.chain.stage(vec![col(&s1, spaced)]);
        let folded = fold_chars(d, &s1, FOLD_PLACE);
        let s2 = self.name("f2");
        self.chain.stage(vec![col(
            &s2,
            d.replace_all(&format!("trim({folded})"), " +", " "),
        )]);
        // Runs of single letters are one word: mark each single letter as
        // <x> (separators doubled so matches do not overlap), then drop the
        // space between two marks.
        let doubled = format!("replace(' ' || {s2} || ' ', ' ', '  ')");
        let marked = d.replace_all(&doubled, " ([a-z]) ", " <\\1> ");
        let joined = format!("replace(replace(replace({marked}, '>  <', ''), '<', ''), '>', '')");
        let s3 = self.name("f3");
        self.chain.stage(vec![col(
            &s3,
            d.replace_all(&format!("trim({joined})"), " +", " "),
        )]);
        let s4 = self.name("f4");
        self.chain.stage(vec![col(
            &s4,
            format!("CASE WHEN {s3} LIKE 'the %' THEN substr({s3}, 5) ELSE {s3} END"),
        )]);
        let s5 = self.name("f5");
        self.chain.stage(vec![col(
            &s5,
            format!("CASE WHEN {s4} LIKE '% the' THEN left({s4}, length({s4}) - 4) ELSE {s4} END"),
        )]);
        let key = self.name("key");
        self.chain.stage(vec![col(
            &key,
            format!("CASE WHEN {s5} LIKE 'st %' THEN 'saint' || substr({s5}, 3) ELSE {s5} END"),
        )]);
        key
    }

    /// `company::company_key`.
    fn company(&mut self, raw: &str) -> String {
        let t = self.trimmed(raw);
        let d = self.d();
        // Lower case, Latin letters folded, combining accents and
        // apostrophes dropped, `&` its own word.
        let lowered = self.name("c0");
        let lower = self.rust_lower(&t);
        self.chain.stage(vec![col(&lowered, lower)]);
        let folded = fold_chars(d, &lowered, FOLD_COMPANY);
        let dropped = d.replace_all(&folded, "['’‘`ʼ\u{300}-\u{36F}]", "");
        let anded = format!("replace({dropped}, '&', ' and ')");
        let s1 = self.name("c1");
        self.chain.stage(vec![col(&s1, anded)]);
        // Word characters stay; `.` and `/` are dotted separators; anything
        // else separates plainly.
        let words = format!("[^{}./]", d.alphanumerics());
        let spaced = d.replace_all(&s1, &words, " ");
        let slashed = format!("replace({spaced}, '/', '.')");
        let dotted = d.replace_all(&slashed, "[ .]*\\.[ .]*", ".");
        let single = d.replace_all(&dotted, " +", " ");
        let s2 = self.name("c2");
        self.chain
            .stage(vec![col(&s2, d.replace_all(&single, "^[ .]+|[ .]+$", ""))]);
        // Single letters after a dotted separator join the single letter
        // before them (`J.P.` → `jp`): mark single letters with doubled
        // separators around them, join marks that a dot separates.
        let doubled = d.replace_all(&format!("' ' || {s2} || ' '"), "([ .])", "\\1\\1");
        let letter = format!("[{}]", d.letters());
        let marked = d.replace_all(&doubled, &format!("([ .])({letter})([ .])"), "\\1<\\2>\\3");
        let joined = format!("replace(replace(replace({marked}, '>..<', ''), '<', ''), '>', '')");
        let s3 = self.name("c3");
        self.chain
            .stage(vec![col(&s3, d.replace_all(&joined, "^[ .]+|[ .]+$", ""))]);
        let s4 = self.name("c4");
        self.chain
            .stage(vec![col(&s4, d.replace_all(&s3, "[ .]+", " "))]);
        // A leading `the`, then trailing legal suffixes, `the` and `and`,
        // keeping at least one word.
        let s5 = self.name("c5");
        self.chain.stage(vec![col(
            &s5,
            format!("CASE WHEN {s4} LIKE 'the %' THEN substr({s4}, 5) ELSE {s4} END"),
        )]);
        let mut dropped_words: Vec<&str> = vec!["the", "and"];
        dropped_words.extend(crate::values::company::LEGAL_SUFFIXES);
        let pattern = format!("^(.+?)(?: (?:{}))*$", dropped_words.join("|"));
        let v = self.name("v");
        let kept = d.extract(&s5, &pattern, 1);
        self.chain.stage(vec![col(
            &v,
            format!("CASE WHEN {s5} IS NULL OR {s5} = '' THEN NULL ELSE {kept} END"),
        )]);
        v
    }

    /// `phone::parse_phone`: digits with the calling code, and the
    /// country, area code and state.
    fn phone(&mut self, raw: &str) -> FieldCols {
        let t = self.trimmed(raw);
        let d = self.d();
        let t1 = self.name("p1");
        self.chain.stage(vec![col(&t1, d.ltrim_chars(&t, "''''"))]);
        let t2 = self.name("p2");
        let after_tel = self.ltrim(&format!("substr({t1}, 5)"));
        self.chain.stage(vec![col(
            &t2,
            format!(
                "CASE WHEN {} > 4 AND {} THEN {after_tel} ELSE {t1} END",
                d.octet_length(&t1),
                self.ascii_ci_eq(&format!("left({t1}, 4)"), "tel:")
            ),
        )]);
        let sep = format!("\\-.()/\\[\\]–—‐‑{}", whitespace_class());
        let scan = format!(
            "(?s)^[{sep}]*(\\+?)[{sep}]*([0-9][0-9{sep}]*)(?:(?:[#,;xX]|[eE][xX][tT]).*)?$"
        );
        let (plus, digits) = (self.name("plus"), self.name("digits"));
        let ok = d.matches(&t2, &scan);
        let g2 = d.extract(&t2, &scan, 2);
        self.chain.stage(vec![
            col(
                &plus,
                format!("({ok} AND {} = '+')", d.extract(&t2, &scan, 1)),
            ),
            col(
                &digits,
                format!(
                    "CASE WHEN {ok} THEN {} END",
                    d.replace_all(&g2, "[^0-9]", "")
                ),
            ),
        ]);
        // The number after `+`, `00` or `011`; else NANP without a code.
        let intl = self.name("intl");
        self.chain.stage(vec![col(
            &intl,
            format!(
                "CASE WHEN {plus} THEN {digits} WHEN left({digits}, 2) = '00' THEN substr({digits}, 3) \
                 WHEN left({digits}, 3) = '011' THEN substr({digits}, 4) END"
            ),
        )]);
        let nat = self.name("nat");
        self.chain.stage(vec![col(
            &nat,
            format!(
                "CASE WHEN {intl} IS NOT NULL THEN (CASE WHEN left({intl}, 1) = '1' THEN substr({intl}, 2) END) \
                 WHEN length({digits}) = 10 THEN {digits} \
                 WHEN length({digits}) = 11 AND left({digits}, 1) = '1' THEN substr({digits}, 2) END"
            ),
        )]);
        // nanp: NXX area and exchange, no N11 area.
        let nanp_ok = self.name("nanp");
        let nxx = d.matches(&nat, "^[2-9][0-9]{2}[2-9][0-9]{6}$");
        self.chain.stage(vec![col(
            &nanp_ok,
            format!("({nat} IS NOT NULL AND {nxx} AND substr({nat}, 2, 2) <> '11')"),
        )]);
        // international: the calling code is the shortest assigned prefix.
        self.chain
            .table("route__calling_codes", || calling_code_table(d));
        self.chain.table("route__area_codes", || area_code_table(d));
        // Join keys as columns, so that the joins are plain equi-joins.
        let mut keys = Vec::new();
        for n in 1..=3 {
            keys.push(col(
                self.name(&format!("cck{n}")),
                format!(
                    "CAST(CASE WHEN {intl} IS NOT NULL AND left({intl}, 1) <> '1' AND length({intl}) > {n} \
                     THEN left({intl}, {n}) END AS INTEGER)"
                ),
            ));
        }
        let area_key = self.name("areak");
        keys.push(col(
            &area_key,
            format!("CAST(CASE WHEN {nanp_ok} THEN left({nat}, 3) END AS INTEGER)"),
        ));
        self.chain.stage(keys);
        let mut joins = Vec::new();
        let mut aliases = Vec::new();
        for n in 1..=3 {
            let j = self.chain.alias();
            joins.push(format!(
                "LEFT JOIN route__calling_codes AS {j} ON {j}.cc_code = route__p.{}",
                self.name(&format!("cck{n}"))
            ));
            aliases.push(j);
        }
        let area_join = self.chain.alias();
        joins.push(format!(
            "LEFT JOIN route__area_codes AS {area_join} ON {area_join}.ac_area = route__p.{area_key}"
        ));
        let pick = |field: &str| {
            let cases: Vec<String> = aliases
                .iter()
                .map(|j| format!("WHEN {j}.cc_code IS NOT NULL THEN {j}.{field}"))
                .collect();
            format!("CASE {} END", cases.join(" "))
        };
        let (cc, cc_country, cc_min, cc_max, cc_trunk) = (
            self.name("cc"),
            self.name("ccc"),
            self.name("ccmin"),
            self.name("ccmax"),
            self.name("cctrunk"),
        );
        let (area_country, area_state) = (self.name("acountry"), self.name("astate"));
        self.chain.stage_with(
            vec![
                col(&cc, pick("cc_code")),
                col(&cc_country, pick("cc_country")),
                col(&cc_min, pick("cc_min")),
                col(&cc_max, pick("cc_max")),
                col(&cc_trunk, pick("cc_trunk0")),
                col(&area_country, format!("{area_join}.ac_country")),
                col(&area_state, format!("{area_join}.ac_state")),
            ],
            joins,
        );
        let (cc_text, national0) = (self.name("cctext"), self.name("nat0"));
        let text = d.text_type();
        self.chain
            .stage(vec![col(&cc_text, format!("CAST({cc} AS {text})"))]);
        self.chain.stage(vec![col(
            &national0,
            format!("substr({intl}, length({cc_text}) + 1)"),
        )]);
        let national = self.name("national");
        self.chain.stage(vec![col(
            &national,
            format!(
                "CASE WHEN {cc_trunk} = 1 AND left({national0}, 1) = '0' THEN substr({national0}, 2) ELSE {national0} END"
            ),
        )]);
        let intl_ok = self.name("intlok");
        self.chain.stage(vec![col(
            &intl_ok,
            format!(
                "({cc} IS NOT NULL AND length({national}) BETWEEN {cc_min} AND {cc_max} \
                 AND length({cc_text}) + length({national}) <= 15)"
            ),
        )]);
        let intl_digits = self.name("idigits");
        self.chain.stage(vec![col(
            &intl_digits,
            format!("CASE WHEN {intl_ok} THEN {cc_text} || {national} END"),
        )]);
        // The longest region prefix, else the code's main country.
        let mut prefixes = tables::region_prefixes();
        prefixes.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        let region: Vec<String> = prefixes
            .iter()
            .map(|(p, c)| format!("WHEN left({intl_digits}, {}) = '{p}' THEN '{c}'", p.len()))
            .collect();
        let cols = FieldCols {
            whole: Some(self.name("pdigits")),
            country: Some(self.name("pcountry")),
            area: Some(self.name("parea")),
            state: Some(self.name("pstate")),
            domain: None,
        };
        self.chain.stage(vec![
            col(
                cols.whole.clone().unwrap_or_default(),
                format!(
                    "CASE WHEN {nanp_ok} THEN '1' || {nat} WHEN {intl_ok} THEN {intl_digits} END"
                ),
            ),
            col(
                cols.country.clone().unwrap_or_default(),
                format!(
                    "CASE WHEN {nanp_ok} THEN {area_country} WHEN {intl_ok} THEN (CASE {} ELSE {cc_country} END) END",
                    region.join(" ")
                ),
            ),
            col(
                cols.area.clone().unwrap_or_default(),
                format!("CASE WHEN {nanp_ok} THEN CAST(left({nat}, 3) AS BIGINT) END"),
            ),
            col(
                cols.state.clone().unwrap_or_default(),
                format!("CASE WHEN {nanp_ok} THEN {area_state} END"),
            ),
        ]);
        cols
    }
}

fn calling_code_table(d: Dialect) -> String {
    let rows: Vec<Vec<String>> = tables::calling_codes()
        .iter()
        .map(|c| {
            vec![
                c.code.to_string(),
                c.country.as_deref().map_or_else(
                    || format!("CAST(NULL AS {})", d.text_type()),
                    |s| d.string(s),
                ),
                c.min.to_string(),
                c.max.to_string(),
                u8::from(c.trunk0).to_string(),
            ]
        })
        .collect();
    let text = d.text_type();
    d.values(
        &["cc_code", "cc_country", "cc_min", "cc_max", "cc_trunk0"],
        &rows,
        &["INTEGER", text, "INTEGER", "INTEGER", "INTEGER"],
    )
}

fn area_code_table(d: Dialect) -> String {
    let text = d.text_type();
    let rows: Vec<Vec<String>> = tables::area_codes()
        .iter()
        .map(|(area, country, state)| {
            vec![
                area.to_string(),
                d.string(country),
                state
                    .as_deref()
                    .map_or_else(|| format!("CAST(NULL AS {text})"), |s| d.string(s)),
            ]
        })
        .collect();
    d.values(
        &["ac_area", "ac_country", "ac_state"],
        &rows,
        &["INTEGER", text, text],
    )
}

/// Accent folds of `country::fold_char` (places) as (from, to) pairs.
const FOLD_PLACE: &[(&str, &str)] = &[
    ("àáâãäåāăąǎạảấầẩẫậắằẳẵặ", "a"),
    ("æ", "ae"),
    ("çćĉċč", "c"),
    ("ďđð", "d"),
    ("èéêëēĕėęěəẹẻẽếềểễệ", "e"),
    ("ĝğġģ", "g"),
    ("ĥħ", "h"),
    ("ìíîïĩīĭįıǐỉị", "i"),
    ("ĳ", "ij"),
    ("ĵ", "j"),
    ("ķ", "k"),
    ("ĺļľŀł", "l"),
    ("ñńņňŉ", "n"),
    ("òóôõöøōŏőơǒọỏốồổỗộớờởỡợ", "o"),
    ("œ", "oe"),
    ("ŕŗř", "r"),
    ("śŝşšșſ", "s"),
    ("ß", "ss"),
    ("ţťŧț", "t"),
    ("þ", "th"),
    ("ùúûüũūŭůűųưǔụủứừửữự", "u"),
    ("ŵ", "w"),
    ("ýÿŷỳỵỷỹ", "y"),
    ("źżž", "z"),
    ("ά", "α"),
    ("έ", "ε"),
    ("ή", "η"),
    ("ίϊΐ", "ι"),
    ("ό", "ο"),
    ("ύϋΰ", "υ"),
    ("ώ", "ω"),
    ("ς", "σ"),
    ("ё", "е"),
];

/// Accent folds of `company::fold_latin`.
const FOLD_COMPANY: &[(&str, &str)] = &[
    ("àáâãäåāăą", "a"),
    ("æ", "ae"),
    ("çćĉċč", "c"),
    ("ďđð", "d"),
    ("èéêëēĕėęě", "e"),
    ("ĝğġģ", "g"),
    ("ĥħ", "h"),
    ("ìíîïĩīĭįı", "i"),
    ("ĳ", "ij"),
    ("ĵ", "j"),
    ("ķ", "k"),
    ("ĺļľŀł", "l"),
    ("ñńņňŉ", "n"),
    ("òóôõöøōŏő", "o"),
    ("œ", "oe"),
    ("ŕŗř", "r"),
    ("śŝşšș", "s"),
    ("ß", "ss"),
    ("ţťŧț", "t"),
    ("ùúûüũūŭůűų", "u"),
    ("ŵ", "w"),
    ("ýÿŷ", "y"),
    ("źżž", "z"),
    ("þ", "th"),
];

/// `e` with every char of a fold table replaced: one `translate` for the
/// single-char folds, a `replace` per longer one; only for text that is
/// not plain ASCII (the others have nothing to fold, and `translate` with
/// long lists is slow).
fn fold_chars(d: Dialect, e: &str, table: &[(&str, &str)]) -> String {
    format!(
        "CASE WHEN {} = length({e}) THEN {e} ELSE {} END",
        d.octet_length(e),
        fold_all(d, e, table)
    )
}

fn fold_all(d: Dialect, e: &str, table: &[(&str, &str)]) -> String {
    let (mut from, mut to) = (String::new(), String::new());
    let mut out = e.to_string();
    for (chars, ascii) in table {
        if ascii.chars().count() == 1 {
            for c in chars.chars() {
                from.push(c);
                to.push_str(ascii);
            }
        } else {
            for c in chars.chars() {
                out = format!(
                    "replace({out}, {}, {})",
                    d.string(&c.to_string()),
                    d.string(ascii)
                );
            }
        }
    }
    format!("translate({out}, {}, {})", d.string(&from), d.string(&to))
}

/// The raw cell of a column: the text as read, empty for NULL.
pub fn raw_cell(d: Dialect, column_sql: &str) -> String {
    let _ = d;
    format!("coalesce({column_sql}, '')")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fold tables here are the normalizers' own: each char folds the
    /// same way in the Rust functions.
    #[test]
    fn fold_tables_match_the_normalizers() {
        for (chars, ascii) in FOLD_PLACE {
            for c in chars.chars() {
                assert_eq!(
                    crate::values::country::fold_key(&c.to_string()),
                    *ascii,
                    "{c:?}"
                );
            }
        }
        for (chars, ascii) in FOLD_COMPANY {
            for c in chars.chars() {
                let key = crate::values::company::company_key(&format!("x{c}y"));
                assert_eq!(key, Some(format!("x{ascii}y")), "{c:?}");
            }
        }
    }
}
