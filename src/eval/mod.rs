//! Routing a lead: the compiled DAG walk, and the naive first-match
//! evaluator kept beside it as the reference the DAG is tested against.

mod cells;
pub mod explain;
pub mod lead;
pub mod memo;
pub mod reference;

pub use lead::{Decoder, Lead, Reading};
pub use memo::Memo;

use crate::ir::{Cond, Dest, Kind, Lookup, Matcher, Program, Scalar, Target, Test, ValueExpr};
use crate::values::text::normalize_text;

/// What a value expression reads for one lead.
#[derive(Clone, Debug, PartialEq)]
pub enum Val<'a> {
    Missing,
    Scalar(&'a Scalar, Kind),
    /// A tier label, by band index.
    Label(usize),
    /// A table cell, normalized as text.
    Cell(Scalar),
}

pub fn value<'a>(program: &'a Program, expr: &ValueExpr, lead: &'a Lead) -> Val<'a> {
    match expr {
        ValueExpr::Base(b) => scalar_val(&lead.values[*b], program.bases[*b].kind()),
        ValueExpr::Tier(t, b) => match &lead.values[*b] {
            Scalar::Num(n) => program.tiers[*t]
                .label_of(*n)
                .map_or(Val::Missing, Val::Label),
            _ => Val::Missing,
        },
        ValueExpr::Lookup(l) => match lookup_cell(program, l, lead) {
            Some(cell) => normalize_text(cell).map_or(Val::Missing, |t| Val::Cell(Scalar::Text(t))),
            None => Val::Missing,
        },
    }
}

fn scalar_val(s: &Scalar, kind: Kind) -> Val<'_> {
    if s.is_missing() {
        Val::Missing
    } else {
        Val::Scalar(s, kind)
    }
}

/// The row a lookup finds for this lead, if any.
pub fn lookup_row(program: &Program, l: &Lookup, lead: &Lead) -> Option<usize> {
    let key = match value(program, &l.key, lead) {
        Val::Missing | Val::Label(_) => return None,
        Val::Scalar(s, _) => s.clone(),
        Val::Cell(s) => s,
    };
    program.index(l.table, l.index).find(&key, l.key_kind)
}

/// The raw text of the looked-up cell.
pub fn lookup_cell<'a>(program: &'a Program, l: &Lookup, lead: &Lead) -> Option<&'a str> {
    let row = lookup_row(program, l, lead)?;
    program.tables[l.table].rows[row]
        .cells
        .get(l.column)
        .map(String::as_str)
}

pub fn test(program: &Program, t: &Test, lead: &Lead) -> bool {
    // The DAG's text pattern variables ask this once per lead: a text
    // value skips building a `Val`.
    if let ValueExpr::Base(b) = &t.value {
        if let (Scalar::Text(text), Some(hit)) = (&lead.values[*b], text_pattern(&t.matcher)) {
            return hit(text) != t.negated;
        }
    }
    let v = value(program, &t.value, lead);
    if v == Val::Missing {
        return t.on_missing;
    }
    matches(program, &t.matcher, &v) != t.negated
}

fn matches(program: &Program, m: &Matcher, v: &Val) -> bool {
    let (scalar, kind) = match v {
        Val::Missing => return false,
        Val::Label(l) => {
            return matches!(m, Matcher::Label(ls) if ls.contains(l)) || *m == Matcher::Any
        }
        Val::Scalar(s, k) => (*s, *k),
        Val::Cell(s) => (s, Kind::Text),
    };
    match m {
        Matcher::Any => true,
        Matcher::Nothing | Matcher::Label(_) => false,
        Matcher::OneOf(set) if kind == Kind::Domain => {
            let Scalar::Text(d) = scalar else {
                return false;
            };
            crate::values::email::parent_domains(d)
                .any(|p| set.iter().any(|s| matches!(s, Scalar::Text(t) if t == p)))
        }
        Matcher::OneOf(set) => set.contains(scalar),
        Matcher::Within(ivs) => {
            matches!(scalar, Scalar::Num(n) if ivs.iter().any(|iv| iv.contains(*n)))
        }
        Matcher::InTable { table, index } => {
            program.index(*table, *index).find(scalar, kind).is_some()
        }
        Matcher::StartsWith(_) | Matcher::EndsWith(_) | Matcher::Contains(_) => {
            text_of(scalar).is_some_and(|t| text_pattern(m).is_some_and(|hit| hit(t)))
        }
    }
}

/// How a text pattern matcher tests a text against one of its patterns.
pub type PatternTest = fn(&str, &str) -> bool;

/// A text pattern matcher's patterns and test; `None` for other matchers.
pub fn pattern_parts(m: &Matcher) -> Option<(&[String], PatternTest)> {
    // The end bytes first: most texts differ there, and the test stops
    // before a call to `memcmp`.
    let starts: PatternTest =
        |t, p| p.is_empty() || (t.as_bytes().first() == p.as_bytes().first() && t.starts_with(p));
    let ends: PatternTest =
        |t, p| p.is_empty() || (t.as_bytes().last() == p.as_bytes().last() && t.ends_with(p));
    let contains: PatternTest = |t, p| t.contains(p);
    match m {
        Matcher::StartsWith(patterns) => Some((patterns, starts)),
        Matcher::EndsWith(patterns) => Some((patterns, ends)),
        Matcher::Contains(patterns) => Some((patterns, contains)),
        _ => None,
    }
}

/// A text pattern matcher as a test of a text.
fn text_pattern(m: &Matcher) -> Option<impl Fn(&str) -> bool + '_> {
    let (patterns, how) = pattern_parts(m)?;
    Some(move |t: &str| patterns.iter().any(|p| how(t, p)))
}

fn text_of(s: &Scalar) -> Option<&str> {
    match s {
        Scalar::Text(t) => Some(t),
        _ => None,
    }
}

pub fn cond(program: &Program, c: &Cond, lead: &Lead) -> bool {
    match c {
        Cond::And(cs) => cs.iter().all(|c| cond(program, c, lead)),
        Cond::Or(cs) => cs.iter().any(|c| cond(program, c, lead)),
        Cond::Not(c) => !cond(program, c, lead),
        Cond::Test(t) => test(program, t, lead),
    }
}

/// Where a destination sends this lead; `None` when a lookup finds no usable cell.
pub fn destination(program: &Program, d: &Dest, lead: &Lead) -> Option<Target> {
    match d {
        Dest::Queue(q) => Some(Target::Queue(*q)),
        Dest::Lookup(l) => cell_target(program, l.table, lookup_cell(program, l, lead)?),
    }
}

/// A table cell as a destination: a declared queue, or an owner.
pub fn cell_target(program: &Program, table: usize, cell: &str) -> Option<Target> {
    let cell = cell.trim();
    if cell.is_empty() {
        return None;
    }
    if let Some(q) = program
        .queues
        .iter()
        .position(|q| q.name.eq_ignore_ascii_case(cell))
    {
        return Some(Target::Queue(q));
    }
    cell.contains('@').then(|| Target::Owner {
        table,
        owner: cell.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_tests_agree_with_str_at_the_edges() {
        let texts = ["", "a", "ab", "ba", "x.gov", "gov", ".gov.uk", "é", "aé"];
        let patterns = ["", "a", "b", ".gov", "gov", "é", "ab"];
        let starts = Matcher::StartsWith(patterns.map(String::from).to_vec());
        let ends = Matcher::EndsWith(patterns.map(String::from).to_vec());
        let (_, starts) = pattern_parts(&starts).unwrap();
        let (_, ends) = pattern_parts(&ends).unwrap();
        for t in texts {
            for p in patterns {
                assert_eq!(starts(t, p), t.starts_with(p), "{t:?} starts with {p:?}");
                assert_eq!(ends(t, p), t.ends_with(p), "{t:?} ends with {p:?}");
            }
        }
    }
}
