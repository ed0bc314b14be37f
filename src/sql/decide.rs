//! Deciding in SQL: value expressions, tests, table lookups, and the
//! first-match choice of a rule (a `CASE WHEN` in rule order) — the
//! reference evaluator (`eval::reference`) written as expressions.

use super::dialect::Dialect;
use super::query::{col, Chain};
use crate::eval::cell_target;
use crate::ir::{
    Cond, Dest, Interval, Kind, Lookup, Matcher, Program, Scalar, Target, Test, ValueExpr,
};
use crate::values::text::normalize_text;

/// What a value expression is in SQL: an expression over stage columns,
/// NULL when the value is missing.
#[derive(Clone, Debug)]
pub struct Val {
    pub sql: String,
    pub shape: Shape,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    Scalar(Kind),
    /// A tier's band index.
    Label,
    /// A table cell, normalized as text.
    Cell,
}

/// A table searched with a value: the row it finds.
struct Find {
    table: usize,
    index: usize,
    key: ValueExpr,
    kind: Kind,
    column: String,
}

pub struct Decider<'p> {
    pub p: &'p Program,
    pub d: Dialect,
    /// Per base, the column holding its normalized value.
    pub bases: Vec<String>,
    finds: Vec<Find>,
}

impl<'p> Decider<'p> {
    pub fn new(p: &'p Program, d: Dialect, bases: Vec<String>) -> Self {
        Decider {
            p,
            d,
            bases,
            finds: Vec::new(),
        }
    }

    pub fn value(&mut self, chain: &mut Chain, v: &ValueExpr) -> Val {
        match v {
            ValueExpr::Base(b) => Val {
                sql: self.bases[*b].clone(),
                shape: Shape::Scalar(self.p.bases[*b].kind()),
            },
            ValueExpr::Tier(t, b) => {
                let col = &self.bases[*b];
                let cases: Vec<String> = self.p.tiers[*t]
                    .bands
                    .iter()
                    .enumerate()
                    .map(|(i, (_, iv))| format!("WHEN {} THEN {i}", within(col, *iv)))
                    .collect();
                Val {
                    sql: format!("(CASE {} END)", cases.join(" ")),
                    shape: Shape::Label,
                }
            }
            ValueExpr::Lookup(l) => {
                let row = self.lookup_row(chain, l);
                let cells: Vec<String> = self.p.tables[l.table]
                    .rows
                    .iter()
                    .enumerate()
                    .filter_map(|(i, r)| {
                        let cell = normalize_text(r.cells.get(l.column)?)?;
                        Some(format!("WHEN {i} THEN {}", self.d.string(&cell)))
                    })
                    .collect();
                let sql = if cells.is_empty() {
                    format!("CAST(NULL AS {})", self.d.text_type())
                } else {
                    format!("(CASE {row} {} END)", cells.join(" "))
                };
                Val {
                    sql,
                    shape: Shape::Cell,
                }
            }
        }
    }

    /// The column with the row a lookup finds (NULL: no row).
    pub fn lookup_row(&mut self, chain: &mut Chain, l: &Lookup) -> String {
        self.find(chain, l.table, l.index, &l.key, l.key_kind)
    }

    /// Stages the search of `table` with a value, once per distinct search.
    fn find(
        &mut self,
        chain: &mut Chain,
        table: usize,
        index: usize,
        key: &ValueExpr,
        kind: Kind,
    ) -> String {
        if let Some(f) = self
            .finds
            .iter()
            .find(|f| f.table == table && f.index == index && f.key == *key && f.kind == kind)
        {
            return f.column.clone();
        }
        let v = self.value(chain, key);
        let column = format!("route__find{}", self.finds.len());
        let idx = self.p.index(table, index);
        let sql = if v.shape == Shape::Label {
            "CAST(NULL AS INTEGER)".to_string()
        } else if !idx.ranges.is_empty() {
            let cases: Vec<String> = idx
                .ranges
                .iter()
                .map(|(iv, row)| format!("WHEN {} THEN {row}", within(&v.sql, *iv)))
                .collect();
            format!("CASE {} END", cases.join(" "))
        } else {
            let mut keys: Vec<(&Scalar, usize)> = idx.keys.iter().map(|(k, r)| (k, *r)).collect();
            keys.sort_by_key(|a| a.1);
            if kind == Kind::Domain {
                // The nearest parent is the longest key that is the domain
                // or one of its parents; two such keys never have one length.
                keys.sort_by_key(|(k, r)| (std::cmp::Reverse(text_len(k)), *r));
                let cases: Vec<String> = keys
                    .iter()
                    .filter_map(|(k, r)| {
                        let Scalar::Text(t) = k else { return None };
                        Some(format!("WHEN {} THEN {r}", self.domain_is(&v.sql, t)))
                    })
                    .collect();
                if cases.is_empty() {
                    "CAST(NULL AS INTEGER)".to_string()
                } else {
                    format!("CASE {} END", cases.join(" "))
                }
            } else if keys.is_empty() {
                "CAST(NULL AS INTEGER)".to_string()
            } else {
                let cases: Vec<String> = keys
                    .iter()
                    .map(|(k, r)| format!("WHEN {} THEN {r}", self.scalar(k)))
                    .collect();
                format!("CASE {} {} END", v.sql, cases.join(" "))
            }
        };
        chain.stage(vec![col(&column, sql)]);
        self.finds.push(Find {
            table,
            index,
            key: key.clone(),
            kind,
            column: column.clone(),
        });
        column
    }

    /// A literal of a normalized value.
    pub fn scalar(&self, s: &Scalar) -> String {
        match s {
            Scalar::Missing => "NULL".to_string(),
            Scalar::Num(n) => n.to_string(),
            Scalar::Text(t) => self.d.string(t),
            Scalar::Code(c) => self.d.string(&String::from_utf8_lossy(c)),
        }
    }

    /// The domain `v` is `parent` or a subdomain of it (label boundaries).
    fn domain_is(&self, v: &str, parent: &str) -> String {
        let dotted = format!(".{parent}");
        format!(
            "({v} = {} OR right({v}, {}) = {})",
            self.d.string(parent),
            dotted.chars().count(),
            self.d.string(&dotted)
        )
    }

    /// A test as a boolean that is never NULL (`eval::test`).
    pub fn test(&mut self, chain: &mut Chain, t: &Test) -> String {
        let v = self.value(chain, &t.value);
        let m = self.matcher(chain, &t.matcher, &v, &t.value);
        let body = if t.negated { format!("NOT ({m})") } else { m };
        let on_missing = if t.on_missing { "TRUE" } else { "FALSE" };
        format!(
            "(CASE WHEN {} IS NULL THEN {on_missing} ELSE {body} END)",
            v.sql
        )
    }

    /// What a matcher says of a present value (`eval::matches`).
    fn matcher(&mut self, chain: &mut Chain, m: &Matcher, v: &Val, expr: &ValueExpr) -> String {
        let kind = match v.shape {
            Shape::Label => {
                return match m {
                    Matcher::Any => "TRUE".to_string(),
                    Matcher::Label(ls) if !ls.is_empty() => {
                        let ls: Vec<String> = ls.iter().map(usize::to_string).collect();
                        format!("{} IN ({})", v.sql, ls.join(", "))
                    }
                    _ => "FALSE".to_string(),
                }
            }
            Shape::Scalar(k) => k,
            Shape::Cell => Kind::Text,
        };
        let x = &v.sql;
        match m {
            Matcher::Any => "TRUE".to_string(),
            Matcher::Nothing | Matcher::Label(_) => "FALSE".to_string(),
            Matcher::OneOf(set) if kind == Kind::Domain => {
                let parts: Vec<String> = set
                    .iter()
                    .filter_map(|s| match s {
                        Scalar::Text(t) => Some(self.domain_is(x, t)),
                        _ => None,
                    })
                    .collect();
                or_all(parts)
            }
            Matcher::OneOf(set) => {
                let items: Vec<String> = set
                    .iter()
                    .filter(|s| scalar_fits(s, kind))
                    .map(|s| self.scalar(s))
                    .collect();
                if items.is_empty() {
                    "FALSE".to_string()
                } else {
                    format!("{x} IN ({})", items.join(", "))
                }
            }
            Matcher::Within(ivs) if kind == Kind::Numeric => {
                or_all(ivs.iter().map(|iv| within(x, *iv)).collect())
            }
            Matcher::Within(_) => "FALSE".to_string(),
            Matcher::InTable { table, index } => {
                let row = self.find(chain, *table, *index, expr, kind);
                format!("{row} IS NOT NULL")
            }
            Matcher::StartsWith(ps) | Matcher::EndsWith(ps) | Matcher::Contains(ps)
                if matches!(kind, Kind::Text | Kind::Domain) =>
            {
                let parts: Vec<String> = ps
                    .iter()
                    .map(|p| {
                        let n = p.chars().count();
                        let lit = self.d.string(p);
                        match m {
                            Matcher::StartsWith(_) => format!("left({x}, {n}) = {lit}"),
                            Matcher::EndsWith(_) => format!("right({x}, {n}) = {lit}"),
                            _ => format!("{} > 0", self.d.strpos(x, &lit)),
                        }
                    })
                    .collect();
                or_all(parts)
            }
            Matcher::StartsWith(_) | Matcher::EndsWith(_) | Matcher::Contains(_) => {
                "FALSE".to_string()
            }
        }
    }

    pub fn cond(&mut self, chain: &mut Chain, c: &Cond) -> String {
        match c {
            Cond::And(cs) => {
                let parts: Vec<String> = cs.iter().map(|c| self.cond(chain, c)).collect();
                if parts.is_empty() {
                    "TRUE".to_string()
                } else {
                    format!("({})", parts.join(" AND "))
                }
            }
            Cond::Or(cs) => {
                let parts: Vec<String> = cs.iter().map(|c| self.cond(chain, c)).collect();
                or_all(parts)
            }
            Cond::Not(c) => format!("(NOT {})", self.cond(chain, c)),
            Cond::Test(t) => self.test(chain, t),
        }
    }
}

/// Where a destination can send a lead, per table row for lookups.
pub enum DestSql {
    Queue(usize),
    /// The lookup's row column and the target of each row that has one.
    Rows(String, Vec<(usize, Target)>),
}

impl Decider<'_> {
    pub fn dest(&mut self, chain: &mut Chain, d: &Dest) -> DestSql {
        match d {
            Dest::Queue(q) => DestSql::Queue(*q),
            Dest::Lookup(l) => {
                let row = self.lookup_row(chain, l);
                let targets = self.p.tables[l.table]
                    .rows
                    .iter()
                    .enumerate()
                    .filter_map(|(i, r)| {
                        let cell = r.cells.get(l.column)?;
                        Some((i, cell_target(self.p, l.table, cell)?))
                    })
                    .collect();
                DestSql::Rows(row, targets)
            }
        }
    }
}

impl DestSql {
    /// True when the destination gives a target.
    pub fn ok(&self) -> String {
        match self {
            DestSql::Queue(_) => "TRUE".to_string(),
            DestSql::Rows(_, targets) if targets.is_empty() => "FALSE".to_string(),
            DestSql::Rows(row, targets) => {
                let rows: Vec<String> = targets.iter().map(|(r, _)| r.to_string()).collect();
                format!("{row} IN ({})", rows.join(", "))
            }
        }
    }
}

fn text_len(s: &Scalar) -> usize {
    match s {
        Scalar::Text(t) => t.len(),
        _ => 0,
    }
}

/// Whether a literal can equal a value of this kind.
fn scalar_fits(s: &Scalar, kind: Kind) -> bool {
    matches!(
        (s, kind),
        (Scalar::Num(_), Kind::Numeric)
            | (Scalar::Text(_), Kind::Text | Kind::Domain)
            | (Scalar::Code(_), Kind::Code)
    )
}

/// `x` lies in the inclusive interval.
pub fn within(x: &str, iv: Interval) -> String {
    match (iv.lo == i64::MIN, iv.hi == i64::MAX) {
        _ if iv.is_empty() => "FALSE".to_string(),
        (true, true) => format!("{x} IS NOT NULL"),
        (true, false) => format!("{x} <= {}", iv.hi),
        (false, true) => format!("{x} >= {}", iv.lo),
        (false, false) if iv.lo == iv.hi => format!("{x} = {}", iv.lo),
        (false, false) => format!("{x} BETWEEN {} AND {}", iv.lo, iv.hi),
    }
}

pub fn or_all(parts: Vec<String>) -> String {
    match parts.len() {
        0 => "FALSE".to_string(),
        1 => parts.into_iter().next().unwrap_or_default(),
        _ => format!("({})", parts.join(" OR ")),
    }
}
