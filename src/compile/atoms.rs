//! Atoms: for each value the rules read, a partition of its domain so fine
//! that every test is constant on each part. A DAG node tests one value by
//! the atom it falls in.

use crate::eval::{self, Lead};
use crate::ir::{Cond, Dest, Interval, Kind, Lookup, Matcher, Program, Scalar, Test, ValueExpr};
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeSet;

/// A variable of the DAG: one base value partitioned into atoms, or one
/// text pattern test (true / false) that no partition decides.
#[derive(Clone, Debug)]
pub struct Var {
    pub base: usize,
    pub classify: Classify,
}

#[derive(Clone, Debug)]
pub enum Classify {
    /// Atom 0: missing; atom i ≥ 1: `[cuts[i-1], cuts[i])`, the last one up to the maximum.
    Intervals { cuts: Vec<i64> },
    /// Atom 0: missing; 1: any other value; 2..: `keys[i-2]`.
    Keys {
        keys: Vec<Scalar>,
        index: HashMap<Scalar, u32>,
        codes: bool,
    },
    /// Like `Keys`, but a domain falls in the atom of its nearest key parent.
    Domains {
        keys: Vec<String>,
        index: HashMap<String, u32>,
        /// Bit `n` (bit 63: longer) when some key has `n` bytes, so a
        /// parent of no key's length is not hashed and looked up (`com` of
        /// `gmail.com`, nearly always).
        lengths: u64,
    },
    /// Outcome 0: false (or missing); 1: true.
    Pattern(Box<Test>),
}

pub const MISSING: u32 = 0;

/// A domain's bit in `Classify::Domains::lengths`.
fn length_bit(domain: &str) -> u64 {
    1 << domain.len().min(63)
}
pub const OTHER: u32 = 1;

impl Var {
    pub fn atom_count(&self) -> usize {
        match &self.classify {
            Classify::Intervals { cuts } => cuts.len() + 1,
            Classify::Keys { keys, .. } => keys.len() + 2,
            Classify::Domains { keys, .. } => keys.len() + 2,
            Classify::Pattern(_) => 2,
        }
    }

    /// The atom a lead's value falls in.
    pub fn atom(&self, program: &Program, lead: &Lead) -> u32 {
        let value = &lead.values[self.base];
        match (&self.classify, value) {
            (Classify::Pattern(t), _) => u32::from(eval::test(program, t, lead)),
            (_, Scalar::Missing) => MISSING,
            (Classify::Intervals { cuts }, Scalar::Num(n)) => {
                cuts.partition_point(|c| c <= n) as u32
            }
            (Classify::Keys { index, .. }, v) => index.get(v).copied().unwrap_or(OTHER),
            (Classify::Domains { index, lengths, .. }, Scalar::Text(d)) => {
                crate::values::email::parent_domains(d)
                    .filter(|p| lengths & length_bit(p) != 0)
                    .find_map(|p| index.get(p).copied())
                    .unwrap_or(OTHER)
            }
            _ => OTHER,
        }
    }

    /// A value inside an atom; every test gives the same answer for all of them.
    pub fn representative(&self, atom: u32) -> Scalar {
        if atom == MISSING {
            return Scalar::Missing;
        }
        let i = atom as usize;
        match &self.classify {
            Classify::Intervals { cuts } => Scalar::Num(cuts[i - 1]),
            Classify::Keys { keys, .. } if i >= 2 => keys[i - 2].clone(),
            Classify::Keys { codes: true, .. } => Scalar::Code([0, 0]),
            Classify::Keys { .. } => Scalar::Text("\u{0}".into()),
            Classify::Domains { keys, .. } if i >= 2 => Scalar::Text(keys[i - 2].clone()),
            // A name with no dot has no parents, so it is under no key.
            Classify::Domains { .. } => Scalar::Text("\u{0}".into()),
            Classify::Pattern(_) => Scalar::Missing,
        }
    }

    /// How an atom reads in `route compile` output.
    pub fn describe_atom(&self, atom: u32) -> String {
        if atom == MISSING && !matches!(self.classify, Classify::Pattern(_)) {
            return "missing".into();
        }
        let i = atom as usize;
        match &self.classify {
            Classify::Intervals { cuts } => {
                let lo = cuts[i - 1];
                let hi = cuts.get(i).map(|c| c - 1);
                match (lo, hi) {
                    (i64::MIN, Some(h)) => format!("≤{h}"),
                    (i64::MIN, None) => "any".into(),
                    (l, None) => format!("≥{l}"),
                    (l, Some(h)) if l == h => l.to_string(),
                    (l, Some(h)) => format!("{l}..{h}"),
                }
            }
            Classify::Keys { keys, .. } if i >= 2 => keys[i - 2].display(),
            Classify::Domains { keys, .. } if i >= 2 => format!("*.{}", keys[i - 2]),
            Classify::Keys { .. } | Classify::Domains { .. } => "other".into(),
            Classify::Pattern(_) => if atom == 1 { "yes" } else { "no" }.into(),
        }
    }
}

/// What the rules need to know about one base value.
#[derive(Default)]
struct Collected {
    /// Cuts and keys are pushed as found, then sorted and deduplicated
    /// once by `classifier`: a table of a million rows would spend seconds
    /// in a tree's inserts.
    cuts: Vec<i64>,
    keys: Vec<Scalar>,
    /// Table indexes whose keys and ranges are already in: a table of a
    /// million rows that several tests read is added once.
    indexes: BTreeSet<(usize, usize)>,
}

/// Builds the variables: one per base value read, one per text pattern.
/// Returns them with the variable of each base (in first-use order).
pub fn collect(program: &Program) -> (Vec<Var>, Vec<Option<usize>>) {
    let mut order: Vec<usize> = Vec::new();
    let mut found: HashMap<usize, Collected> = HashMap::default();
    let mut patterns: Vec<Test> = Vec::new();
    let mut visit = |expr: &ValueExpr, matcher: Option<&Test>| {
        let base = expr.base();
        if !order.contains(&base) {
            order.push(base);
        }
        let entry = found.entry(base).or_default();
        value_parts(program, expr, entry);
        if let Some(t) = matcher {
            if t.matcher.is_text_pattern() && matches!(t.value, ValueExpr::Base(_)) {
                if !patterns.iter().any(|p| same_pattern(p, t)) {
                    patterns.push(t.clone());
                }
            } else if matches!(t.value, ValueExpr::Base(_)) {
                matcher_parts(program, &t.matcher, entry);
            }
        }
    };
    for rule in &program.rules {
        each_test(&rule.cond, &mut |t| visit(&t.value, Some(t)));
        if let Dest::Lookup(l) = &rule.dest {
            visit(&ValueExpr::Lookup(l.clone()), None);
        }
    }
    if let Some(Dest::Lookup(l)) = &program.default {
        visit(&ValueExpr::Lookup(l.clone()), None);
    }
    build_vars(program, order, found, patterns)
}

fn build_vars(
    program: &Program,
    order: Vec<usize>,
    mut found: HashMap<usize, Collected>,
    patterns: Vec<Test>,
) -> (Vec<Var>, Vec<Option<usize>>) {
    let mut vars = Vec::new();
    let mut var_of_base = vec![None; program.bases.len()];
    for base in order {
        // Text patterns split coarsely, so testing them before their base's
        // atoms keeps the DAG small.
        for t in patterns.iter().filter(|t| t.value.base() == base) {
            vars.push(Var {
                base,
                classify: Classify::Pattern(Box::new(t.clone())),
            });
        }
        let c = found.remove(&base).unwrap_or_default();
        var_of_base[base] = Some(vars.len());
        vars.push(Var {
            base,
            classify: classifier(program.bases[base].kind(), c),
        });
    }
    (vars, var_of_base)
}

fn classifier(kind: Kind, mut c: Collected) -> Classify {
    c.cuts.sort_unstable();
    c.cuts.dedup();
    c.keys.sort_unstable();
    c.keys.dedup();
    match kind {
        Kind::Numeric => {
            let mut cuts = vec![i64::MIN];
            cuts.extend(c.cuts.into_iter().filter(|x| *x != i64::MIN));
            Classify::Intervals { cuts }
        }
        Kind::Domain => {
            let keys: Vec<String> = c
                .keys
                .into_iter()
                .filter_map(|k| {
                    if let Scalar::Text(t) = k {
                        Some(t)
                    } else {
                        None
                    }
                })
                .collect();
            let index = keys
                .iter()
                .enumerate()
                .map(|(i, k)| (k.clone(), i as u32 + 2))
                .collect();
            let lengths = keys.iter().fold(0, |bits, k| bits | length_bit(k));
            Classify::Domains {
                keys,
                index,
                lengths,
            }
        }
        Kind::Text | Kind::Code => {
            let keys: Vec<Scalar> = c.keys.into_iter().collect();
            let index = keys
                .iter()
                .enumerate()
                .map(|(i, k)| (k.clone(), i as u32 + 2))
                .collect();
            Classify::Keys {
                keys,
                index,
                codes: kind == Kind::Code,
            }
        }
    }
}

fn same_pattern(a: &Test, b: &Test) -> bool {
    a.value == b.value && a.matcher == b.matcher
}

pub fn each_test<'a>(c: &'a Cond, f: &mut impl FnMut(&'a Test)) {
    match c {
        Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| each_test(c, f)),
        Cond::Not(c) => each_test(c, f),
        Cond::Test(t) => f(t),
    }
}

/// Cuts and keys a value expression itself needs (tier bands, table rows).
fn value_parts(program: &Program, expr: &ValueExpr, into: &mut Collected) {
    match expr {
        ValueExpr::Base(_) => {}
        ValueExpr::Tier(t, _) => {
            for (_, iv) in &program.tiers[*t].bands {
                add_interval(iv, into);
            }
        }
        ValueExpr::Lookup(l) => lookup_parts(program, l, into),
    }
}

/// Only the innermost lookup splits the base: an outer table's row is a
/// function of the inner row.
fn lookup_parts(program: &Program, l: &Lookup, into: &mut Collected) {
    match &l.key {
        ValueExpr::Lookup(inner) => lookup_parts(program, inner, into),
        _ => index_parts(program, l.table, l.index, into),
    }
}

fn index_parts(program: &Program, table: usize, index: usize, into: &mut Collected) {
    if !into.indexes.insert((table, index)) {
        return;
    }
    let index = program.index(table, index);
    for (iv, _) in &index.ranges {
        add_interval(iv, into);
    }
    for key in index.keys.keys() {
        add_key(key, into);
    }
}

fn matcher_parts(program: &Program, m: &Matcher, into: &mut Collected) {
    match m {
        Matcher::OneOf(values) => values.iter().for_each(|v| add_key(v, into)),
        Matcher::Within(ivs) => ivs.iter().for_each(|iv| add_interval(iv, into)),
        Matcher::InTable { table, index } => index_parts(program, *table, *index, into),
        _ => {}
    }
}

fn add_key(key: &Scalar, into: &mut Collected) {
    match key {
        Scalar::Num(n) => add_interval(&Interval { lo: *n, hi: *n }, into),
        other => {
            into.keys.push(other.clone());
        }
    }
}

fn add_interval(iv: &Interval, into: &mut Collected) {
    into.cuts.push(iv.lo);
    if iv.hi != i64::MAX {
        into.cuts.push(iv.hi + 1);
    }
}
