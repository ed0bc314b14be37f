//! What differs between the SQL dialects `route compile --emit sql` writes:
//! string literals, regular expressions, a few function names, identifier
//! quoting and inline tables. Everything else is written once.
//!
//! Regular expressions are written in the subset RE2 (DuckDB), Java (Spark)
//! and POSIX AREs (Postgres) share: bracket classes, `(?:…)`, `{m,n}`, `^`,
//! `$`, lazy `+?`. Unicode letters are `\p{L}` except in Postgres, which
//! has `[[:alpha:]]` (read per the database's locale).

/// A SQL dialect the compiler can write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    DuckDb,
    Spark,
    Postgres,
}

impl Dialect {
    pub const ALL: [Dialect; 3] = [Dialect::DuckDb, Dialect::Spark, Dialect::Postgres];

    pub fn name(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Spark => "spark",
            Dialect::Postgres => "postgres",
        }
    }

    pub fn from_name(name: &str) -> Option<Dialect> {
        Dialect::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(name))
    }

    /// A quoted identifier.
    pub fn ident(self, name: &str) -> String {
        match self {
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            _ => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// A table name as given on the command line: a dotted path whose
    /// parts are quoted only when they need it.
    pub fn table_name(self, name: &str) -> String {
        name.split('.')
            .map(|part| {
                let plain = part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if plain {
                    part.to_string()
                } else {
                    self.ident(part)
                }
            })
            .collect::<Vec<_>>()
            .join(".")
    }

    /// A string literal. Characters that would be invisible or ambiguous in
    /// the SQL text (controls, non-space whitespace, zero-width marks) are
    /// written as escapes.
    pub fn string(self, s: &str) -> String {
        match self {
            Dialect::DuckDb => duckdb_string(s),
            Dialect::Spark => {
                let mut out = String::from("'");
                for c in s.chars() {
                    match c {
                        '\'' => out.push_str("\\'"),
                        '\\' => out.push_str("\\\\"),
                        c if needs_escape(c) => out.push_str(&format!("\\u{:04X}", u32::from(c))),
                        c => out.push(c),
                    }
                }
                out.push('\'');
                out
            }
            Dialect::Postgres => {
                if !s.chars().any(needs_escape) {
                    return format!("'{}'", s.replace('\'', "''"));
                }
                let mut out = String::from("E'");
                for c in s.chars() {
                    match c {
                        '\'' => out.push_str("''"),
                        '\\' => out.push_str("\\\\"),
                        c if needs_escape(c) && u32::from(c) > 0xFFFF => {
                            out.push_str(&format!("\\U{:08X}", u32::from(c)))
                        }
                        c if needs_escape(c) => out.push_str(&format!("\\u{:04X}", u32::from(c))),
                        c => out.push(c),
                    }
                }
                out.push('\'');
                out
            }
        }
    }

    /// `e` matches the regular expression (anywhere; anchor it with `^…$`).
    pub fn matches(self, e: &str, pattern: &str) -> String {
        let p = self.string(pattern);
        match self {
            Dialect::DuckDb => format!("regexp_matches({e}, {p})"),
            Dialect::Spark => format!("({e} RLIKE {p})"),
            Dialect::Postgres => format!("({e} ~ {p})"),
        }
    }

    /// Every match of `pattern` in `e` replaced; `replacement` refers to
    /// groups as `\1`.
    pub fn replace_all(self, e: &str, pattern: &str, replacement: &str) -> String {
        let p = self.string(pattern);
        match self {
            Dialect::DuckDb => format!(
                "regexp_replace({e}, {p}, {}, 'g')",
                self.string(replacement)
            ),
            Dialect::Spark => {
                let r = replacement.replace('$', "\\$");
                let r = backrefs_to_dollar(&r);
                format!("regexp_replace({e}, {p}, {})", self.string(&r))
            }
            Dialect::Postgres => format!(
                "regexp_replace({e}, {p}, {}, 'g')",
                self.string(replacement)
            ),
        }
    }

    /// Group `group` of the first match of `pattern` in `e`; `''` when
    /// nothing matches or the group took no part.
    pub fn extract(self, e: &str, pattern: &str, group: usize) -> String {
        let p = self.string(pattern);
        match self {
            Dialect::DuckDb | Dialect::Spark => format!("regexp_extract({e}, {p}, {group})"),
            Dialect::Postgres => format!("coalesce((regexp_match({e}, {p}))[{group}], '')"),
        }
    }

    /// A class of Unicode letters, for use inside `[…]`.
    pub fn letters(self) -> &'static str {
        match self {
            Dialect::Postgres => "[:alpha:]",
            _ => "\\p{L}",
        }
    }

    /// Letters, digits and marks (what Rust's `char::is_alphanumeric`
    /// nearly is), for use inside `[…]`.
    pub fn alphanumerics(self) -> &'static str {
        match self {
            Dialect::Postgres => "[:alnum:]",
            _ => "\\p{L}\\p{N}\\p{M}",
        }
    }

    /// The length of `e` in bytes of UTF-8.
    pub fn octet_length(self, e: &str) -> String {
        match self {
            Dialect::DuckDb => format!("strlen({e})"),
            _ => format!("octet_length({e})"),
        }
    }

    /// The 1-based position of `needle` in `e`, 0 when absent.
    pub fn strpos(self, e: &str, needle: &str) -> String {
        match self {
            Dialect::Spark => format!("instr({e}, {needle})"),
            _ => format!("strpos({e}, {needle})"),
        }
    }

    /// `e` without the characters of `chars` (a SQL string) at both ends.
    pub fn trim_chars(self, e: &str, chars: &str) -> String {
        match self {
            Dialect::DuckDb => format!("trim({e}, {chars})"),
            Dialect::Spark => format!("trim(BOTH {chars} FROM {e})"),
            Dialect::Postgres => format!("btrim({e}, {chars})"),
        }
    }

    pub fn ltrim_chars(self, e: &str, chars: &str) -> String {
        match self {
            Dialect::Spark => format!("trim(LEADING {chars} FROM {e})"),
            _ => format!("ltrim({e}, {chars})"),
        }
    }

    pub fn rtrim_chars(self, e: &str, chars: &str) -> String {
        match self {
            Dialect::Spark => format!("trim(TRAILING {chars} FROM {e})"),
            _ => format!("rtrim({e}, {chars})"),
        }
    }

    /// Integer division of non-negative integers.
    pub fn div(self, a: &str, b: &str) -> String {
        match self {
            Dialect::DuckDb => format!("({a} // {b})"),
            Dialect::Spark => format!("({a} div {b})"),
            Dialect::Postgres => format!("({a} / {b})"),
        }
    }

    /// The SQL type of whole numbers with 38 digits.
    pub fn decimal38(self) -> &'static str {
        match self {
            Dialect::Postgres => "NUMERIC(38,0)",
            _ => "DECIMAL(38,0)",
        }
    }

    /// A struct value with named fields (the folds' state and leads;
    /// Spark and DuckDB only).
    pub fn record(self, fields: &[(String, String)]) -> String {
        match self {
            Dialect::Spark => {
                let parts: Vec<String> =
                    fields.iter().map(|(n, e)| format!("'{n}', {e}")).collect();
                format!("named_struct({})", parts.join(", "))
            }
            _ => {
                let parts: Vec<String> =
                    fields.iter().map(|(n, e)| format!("{n} := {e}")).collect();
                format!("struct_pack({})", parts.join(", "))
            }
        }
    }

    pub fn text_type(self) -> &'static str {
        match self {
            Dialect::Spark => "STRING",
            _ => "VARCHAR",
        }
    }

    /// An inline table: `rows` of SQL expressions named `columns`. An empty
    /// table is a query with no rows of these types.
    pub fn values(self, columns: &[&str], rows: &[Vec<String>], types: &[&str]) -> String {
        let cols = columns.join(", ");
        if rows.is_empty() {
            let nulls: Vec<String> = columns
                .iter()
                .zip(types)
                .map(|(c, t)| format!("CAST(NULL AS {t}) AS {c}"))
                .collect();
            return format!("SELECT {} WHERE 1 = 0", nulls.join(", "));
        }
        let body: Vec<String> = rows.iter().map(|r| format!("({})", r.join(", "))).collect();
        let body = body.join(",\n    ");
        match self {
            Dialect::Spark => format!("SELECT * FROM VALUES\n    {body}\n  AS v({cols})"),
            _ => format!("SELECT * FROM (VALUES\n    {body}\n  ) AS v({cols})"),
        }
    }
}

/// Characters written as escapes in string literals.
fn needs_escape(c: char) -> bool {
    (c.is_whitespace() && c != ' ')
        || c.is_control()
        || matches!(c, '\u{200B}'..='\u{200D}' | '\u{FEFF}' | '\u{00AD}' | '\u{0300}'..='\u{036F}')
}

/// DuckDB has no escapes in string literals: special characters are
/// concatenated in with `chr(N)`.
fn duckdb_string(s: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut run = String::new();
    for c in s.chars() {
        if needs_escape(c) {
            if !run.is_empty() {
                parts.push(format!("'{}'", run.replace('\'', "''")));
                run.clear();
            }
            parts.push(format!("chr({})", u32::from(c)));
        } else {
            run.push(c);
        }
    }
    if !run.is_empty() || parts.is_empty() {
        parts.push(format!("'{}'", run.replace('\'', "''")));
    }
    if parts.len() == 1 {
        parts.remove(0)
    } else {
        format!("({})", parts.join(" || "))
    }
}

/// `\1` → `$1` for Java's replacement strings.
fn backrefs_to_dollar(r: &str) -> String {
    let mut out = String::new();
    let mut chars = r.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                chars.next();
                out.push('$');
                out.push(d);
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// The characters Rust's `char::is_whitespace` accepts (Unicode
/// White_Space), which `str::trim` removes.
pub const WHITESPACE: &[char] = &[
    '\t', '\n', '\u{B}', '\u{C}', '\r', ' ', '\u{85}', '\u{A0}', '\u{1680}', '\u{2000}',
    '\u{2001}', '\u{2002}', '\u{2003}', '\u{2004}', '\u{2005}', '\u{2006}', '\u{2007}', '\u{2008}',
    '\u{2009}', '\u{200A}', '\u{2028}', '\u{2029}', '\u{202F}', '\u{205F}', '\u{3000}',
];

/// The whitespace characters as a string.
pub fn whitespace() -> String {
    WHITESPACE.iter().collect()
}

/// The body of a regex bracket class holding every whitespace character
/// (to be wrapped in `[…]` with other members).
pub fn whitespace_class() -> String {
    // Every one of them is literal inside brackets in all three flavours.
    whitespace()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_literals_escape_per_dialect() {
        assert_eq!(Dialect::DuckDb.string("it's"), "'it''s'");
        assert_eq!(Dialect::DuckDb.string("a\tb"), "('a' || chr(9) || 'b')");
        assert_eq!(Dialect::DuckDb.string(""), "''");
        assert_eq!(Dialect::Spark.string("a\\.b'"), "'a\\\\.b\\''");
        assert_eq!(Dialect::Spark.string("\u{A0}"), "'\\u00A0'");
        assert_eq!(Dialect::Postgres.string("a\\b"), "'a\\b'");
        assert_eq!(Dialect::Postgres.string("\u{A0}\\"), "E'\\u00A0\\\\'");
    }

    #[test]
    fn whitespace_is_rusts() {
        for c in '\0'..='\u{FFFF}' {
            assert_eq!(c.is_whitespace(), WHITESPACE.contains(&c), "{c:?}");
        }
    }

    #[test]
    fn java_replacements_use_dollar_groups() {
        assert_eq!(backrefs_to_dollar("\\1<\\2>"), "$1<$2>");
    }
}
