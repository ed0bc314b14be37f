//! Faster ways to a variable's atom for the walk, where the value's kind
//! allows one: a ZIP needs no search among thousands of ranges, a country
//! code no hash, a text pattern no generic test. Each gives exactly the
//! atom `Var::atom` gives, or `None` to leave the value to it.

use super::atoms::{self, Classify, Var};
use super::suffixes::SuffixTrie;
use crate::eval::Lead;
use crate::ir::{FieldType, Matcher, Program, Scalar, Test, ValueExpr};

/// A variable's value (by its base) and the fastest way to its atom. The
/// walk reads one of these per test: small, in one array, so a test costs
/// a load and a match, not a look at the variable's whole partition.
pub(super) struct Probe {
    base: usize,
    table: AtomTable,
}

enum AtomTable {
    /// Number intervals searched by their lower bounds.
    Cuts(Box<[i64]>),
    /// Indexed by the ZIP (0 to 99,999).
    Zip(Box<[u32]>),
    /// Indexed by a code of two capital letters (`US`, `CA`).
    Letters(Box<[u32]>),
    /// A `starts with` / `ends with` / `contains` test of a text value.
    Pattern(Box<TextPattern>),
    /// Domain keys, walked from a domain's end.
    Domains(Box<SuffixTrie>),
    /// No faster way: `Var::atom`.
    None,
}

/// Entries of a domain trie's table at most (4 bytes each, 1 MiB): a few
/// hundred keys, to stay in the cache; a longer list is looked up by its
/// hashes.
const TRIE_BUDGET: usize = 1 << 18;

const ZIPS: usize = 100_000;

/// Up to this many cuts, a binary search over them (a few steps in one
/// cache line or two) beats a load from the 400 KB ZIP table, which misses
/// the cache when ZIPs vary from lead to lead.
const SEARCHED_CUTS: usize = 64;

impl Probe {
    pub(super) fn build(program: &Program, var: &Var) -> Probe {
        Probe {
            base: var.base,
            table: AtomTable::build(program, var).unwrap_or(AtomTable::None),
        }
    }

    /// The atom of the variable's value in `lead`, when the table has it.
    #[inline]
    pub(super) fn atom(&self, lead: &Lead) -> Option<u32> {
        self.table.atom(&lead.values[self.base])
    }
}

impl AtomTable {
    fn build(program: &Program, var: &Var) -> Option<AtomTable> {
        let ty = program.bases[var.base].ty;
        match &var.classify {
            Classify::Intervals { cuts } if ty == FieldType::Zip && cuts.len() > SEARCHED_CUTS => {
                let atoms = (0..ZIPS as i64).map(|n| cuts.partition_point(|c| *c <= n) as u32);
                Some(AtomTable::Zip(atoms.collect()))
            }
            Classify::Intervals { cuts } => Some(AtomTable::Cuts(cuts.as_slice().into())),
            Classify::Keys {
                index, codes: true, ..
            } => {
                let atoms = (b'A'..=b'Z').flat_map(|a| (b'A'..=b'Z').map(move |b| [a, b]));
                let atoms = atoms.map(|code| {
                    let key = Scalar::Code(code);
                    index.get(&key).copied().unwrap_or(atoms::OTHER)
                });
                Some(AtomTable::Letters(atoms.collect()))
            }
            Classify::Pattern(test) => {
                TextPattern::build(test, var.base).map(|p| AtomTable::Pattern(Box::new(p)))
            }
            Classify::Domains { keys, .. } => {
                let atoms = keys.iter().zip(2..).map(|(k, atom)| (k.as_str(), atom));
                SuffixTrie::build(atoms, TRIE_BUDGET).map(|t| AtomTable::Domains(Box::new(t)))
            }
            _ => None,
        }
    }

    /// The atom of a value, when the table has it.
    #[inline]
    fn atom(&self, value: &Scalar) -> Option<u32> {
        match (self, value) {
            (AtomTable::Pattern(pattern), value) => pattern.atom(value),
            (AtomTable::None, _) => None,
            (_, Scalar::Missing) => Some(atoms::MISSING),
            (AtomTable::Cuts(cuts), Scalar::Num(n)) => {
                Some(cuts.partition_point(|c| c <= n) as u32)
            }
            (AtomTable::Zip(atoms), Scalar::Num(n)) => {
                atoms.get(usize::try_from(*n).ok()?).copied()
            }
            (AtomTable::Letters(atoms), Scalar::Code([a, b]))
                if a.is_ascii_uppercase() && b.is_ascii_uppercase() =>
            {
                Some(atoms[usize::from(a - b'A') * 26 + usize::from(b - b'A')])
            }
            (AtomTable::Domains(trie), Scalar::Text(domain)) => {
                Some(trie.atom(domain).unwrap_or(atoms::OTHER))
            }
            _ => None,
        }
    }
}

/// A text pattern test of the variable's own value.
pub(super) struct TextPattern {
    how: crate::eval::PatternTest,
    patterns: Vec<String>,
    negated: bool,
    on_missing: bool,
    /// For `starts with` / `ends with` without an empty pattern: which
    /// bytes the patterns start / end with, so most texts are told apart
    /// by one look-up instead of a test per pattern.
    edge: Option<Edge>,
}

struct Edge {
    last: bool,
    /// Bit `b % 64` of word `b / 64` for each edge byte `b`.
    bytes: [u64; 4],
}

impl Edge {
    fn new(matcher: &Matcher, patterns: &[String]) -> Option<Edge> {
        let last = match matcher {
            Matcher::StartsWith(_) => false,
            Matcher::EndsWith(_) => true,
            _ => return None,
        };
        let mut bytes = [0; 4];
        for p in patterns {
            let b = if last {
                p.bytes().last()
            } else {
                p.bytes().next()
            };
            let b = b?;
            bytes[usize::from(b / 64)] |= 1 << (b % 64);
        }
        Some(Edge { last, bytes })
    }

    /// False when no pattern can match `text`.
    fn may_match(&self, text: &str) -> bool {
        let b = match self.last {
            true => text.bytes().last(),
            false => text.bytes().next(),
        };
        b.is_some_and(|b| self.bytes[usize::from(b / 64)] >> (b % 64) & 1 != 0)
    }
}

impl TextPattern {
    fn build(test: &Test, base: usize) -> Option<TextPattern> {
        if test.value != ValueExpr::Base(base) {
            return None;
        }
        let (patterns, how) = crate::eval::pattern_parts(&test.matcher)?;
        Some(TextPattern {
            how,
            patterns: patterns.to_vec(),
            negated: test.negated,
            on_missing: test.on_missing,
            edge: Edge::new(&test.matcher, patterns),
        })
    }

    /// As `eval::test` gives it: 1 for true.
    fn atom(&self, value: &Scalar) -> Option<u32> {
        let outcome = match value {
            Scalar::Missing => self.on_missing,
            Scalar::Text(text) => {
                let may = self.edge.as_ref().is_none_or(|e| e.may_match(text));
                (may && self.patterns.iter().any(|p| (self.how)(text, p))) != self.negated
            }
            _ => return None,
        };
        Some(u32::from(outcome))
    }
}
