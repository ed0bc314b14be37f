//! Exact satisfiability of text constraints: `starts with`, `ends with`,
//! `contains` and equality, in any and/or/not combination a rule path can
//! produce, over the strings a value of a type can be. Each constraint is a
//! small automaton; a breadth-first search over their product finds the
//! shortest string that satisfies all of them, or proves there is none.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::VecDeque;

/// One test on a string.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Lit {
    Starts(String),
    Ends(String),
    Contains(String),
    Equals(String),
}

/// What strings are values of the type at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Normalized text: non-empty, single spaces between words, no space at either end.
    Text,
    /// A domain: labels of letters, digits, `-` or `_`, at least one dot.
    Domain,
}

/// A conjunction of clauses; each clause holds when any of its literals does.
/// A negated literal is a clause of one `Not`.
#[derive(Clone, Debug, Default)]
pub struct Problem {
    pub clauses: Vec<Vec<Lit>>,
    pub forbidden: Vec<Lit>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    Found(String),
    None,
    /// Too many constraints to search exactly.
    TooBig,
}

const MAX_STATES: usize = 200_000;

/// The shortest string of `shape` meeting every constraint of `problem`.
pub fn solve(problem: &Problem, shape: Shape) -> Answer {
    let Some(space) = Space::new(problem, shape) else {
        return Answer::TooBig;
    };
    space.search()
}

/// The automata of one problem.
struct Space<'a> {
    problem: &'a Problem,
    shape: Shape,
    alphabet: Vec<char>,
    trie: Trie,
    /// Aho-Corasick over the strings of `Ends` and `Contains`.
    ac: Trie,
    /// Positive `Starts` / `Contains` literals whose match is remembered, by bit.
    starts_bits: Vec<String>,
    contains_bits: Vec<String>,
    forbidden_contains: HashSet<String>,
    forbidden_starts: HashSet<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
struct State {
    /// Trie node while the string is a prefix of a `Starts`/`Equals` string.
    trie: Option<u32>,
    starts: u64,
    ac: u32,
    contains: u64,
    shape: u8,
}

impl<'a> Space<'a> {
    fn new(problem: &'a Problem, shape: Shape) -> Option<Self> {
        let all = problem.clauses.iter().flatten().chain(&problem.forbidden);
        let (mut prefix_words, mut ac_words) = (Vec::new(), Vec::new());
        let mut alphabet: Vec<char> = Vec::new();
        for lit in all {
            let (word, prefix) = match lit {
                Lit::Starts(w) | Lit::Equals(w) => (w, true),
                Lit::Ends(w) | Lit::Contains(w) => (w, false),
            };
            alphabet.extend(word.chars());
            if prefix {
                prefix_words.push(word.clone())
            } else {
                ac_words.push(word.clone())
            }
        }
        alphabet.push(fresh_letter(&alphabet));
        alphabet.push(if shape == Shape::Domain { '.' } else { ' ' });
        alphabet.sort_unstable();
        alphabet.dedup();
        let positive = |f: fn(&Lit) -> Option<&String>| -> Vec<String> {
            let mut v: Vec<String> = problem
                .clauses
                .iter()
                .flatten()
                .filter_map(f)
                .cloned()
                .collect();
            v.sort();
            v.dedup();
            v
        };
        let starts_bits = positive(|l| {
            if let Lit::Starts(w) = l {
                Some(w)
            } else {
                None
            }
        });
        let contains_bits = positive(|l| {
            if let Lit::Contains(w) = l {
                Some(w)
            } else {
                None
            }
        });
        if starts_bits.len() > 64 || contains_bits.len() > 64 {
            return None;
        }
        let forbidden = |f: fn(&Lit) -> Option<&String>| {
            problem.forbidden.iter().filter_map(f).cloned().collect()
        };
        Some(Space {
            problem,
            shape,
            alphabet,
            trie: Trie::new(&prefix_words, false),
            ac: Trie::new(&ac_words, true),
            starts_bits,
            contains_bits,
            forbidden_contains: forbidden(|l| {
                if let Lit::Contains(w) = l {
                    Some(w)
                } else {
                    None
                }
            }),
            forbidden_starts: forbidden(|l| {
                if let Lit::Starts(w) = l {
                    Some(w)
                } else {
                    None
                }
            }),
        })
    }

    fn search(&self) -> Answer {
        let start = State {
            trie: Some(0),
            starts: 0,
            ac: 0,
            contains: 0,
            shape: 0,
        };
        let mut seen: HashMap<State, (State, char)> = HashMap::default();
        let mut queue = VecDeque::from([start]);
        seen.insert(start, (start, '\0'));
        while let Some(state) = queue.pop_front() {
            if self.accepts(&state) {
                return Answer::Found(self.spell(state, start, &seen));
            }
            for &c in &self.alphabet {
                let Some(next) = self.step(&state, c) else {
                    continue;
                };
                if let std::collections::hash_map::Entry::Vacant(e) = seen.entry(next) {
                    e.insert((state, c));
                    queue.push_back(next);
                }
            }
            if seen.len() > MAX_STATES {
                return Answer::TooBig;
            }
        }
        Answer::None
    }

    fn spell(
        &self,
        mut state: State,
        start: State,
        seen: &HashMap<State, (State, char)>,
    ) -> String {
        let mut chars = Vec::new();
        while state != start {
            let (prev, c) = seen[&state];
            chars.push(c);
            state = prev;
        }
        chars.iter().rev().collect()
    }

    fn step(&self, s: &State, c: char) -> Option<State> {
        let shape = shape_step(self.shape, s.shape, c)?;
        let trie = s.trie.and_then(|n| self.trie.child(n, c));
        let mut starts = s.starts;
        if let Some(n) = trie {
            for w in &self.trie.words_at[n as usize] {
                if self.forbidden_starts.contains(w) {
                    return None;
                }
                if let Some(bit) = self.starts_bits.iter().position(|b| b == w) {
                    starts |= 1 << bit;
                }
            }
        }
        let ac = self.ac.advance(s.ac, c);
        let mut contains = s.contains;
        for w in self.ac.outputs(ac) {
            if self.forbidden_contains.contains(w) {
                return None;
            }
            if let Some(bit) = self.contains_bits.iter().position(|b| b == w) {
                contains |= 1 << bit;
            }
        }
        Some(State {
            trie,
            starts,
            ac,
            contains,
            shape,
        })
    }

    fn accepts(&self, s: &State) -> bool {
        shape_accepts(self.shape, s.shape)
            && self
                .problem
                .clauses
                .iter()
                .all(|clause| clause.iter().any(|l| self.holds(s, l)))
            && !self.problem.forbidden.iter().any(|l| self.holds(s, l))
    }

    fn holds(&self, s: &State, lit: &Lit) -> bool {
        match lit {
            Lit::Starts(w) => match self.starts_bits.iter().position(|b| b == w) {
                Some(bit) => s.starts & (1 << bit) != 0,
                // Only forbidden starts have no bit, and those never match.
                None => false,
            },
            Lit::Contains(w) => match self.contains_bits.iter().position(|b| b == w) {
                Some(bit) => s.contains & (1 << bit) != 0,
                None => false,
            },
            Lit::Ends(w) => self.ac.outputs(s.ac).any(|o| o == w),
            Lit::Equals(w) => s
                .trie
                .is_some_and(|n| self.trie.words_at[n as usize].contains(w)),
        }
    }
}

/// A lower-case letter that no constraint mentions.
fn fresh_letter(used: &[char]) -> char {
    ('a'..='z').rev().find(|c| !used.contains(c)).unwrap_or('q')
}

/// Shape automata. Text: 0 empty, 1 in a word, 2 after a space.
/// Domain: 0 empty, 1 in a label (no dot yet), 2 after a dot, 3 in a label after a dot.
fn shape_step(shape: Shape, state: u8, c: char) -> Option<u8> {
    match shape {
        Shape::Text => match (state, c == ' ') {
            (1, true) => Some(2),
            (_, true) => None,
            (_, false) if c.is_whitespace() || c.is_uppercase() => None,
            (_, false) => Some(1),
        },
        Shape::Domain => {
            let label_char = c.is_alphanumeric() && !c.is_uppercase() || c == '-' || c == '_';
            match (state, c) {
                (1 | 3, '.') => Some(2),
                (_, '.') => None,
                (0 | 1, _) if label_char => Some(1),
                (2 | 3, _) if label_char => Some(3),
                _ => None,
            }
        }
    }
}

fn shape_accepts(shape: Shape, state: u8) -> bool {
    match shape {
        Shape::Text => state == 1,
        Shape::Domain => state == 3,
    }
}

/// A trie; with failure links it is an Aho-Corasick automaton.
struct Trie {
    children: Vec<HashMap<char, u32>>,
    /// Words ending exactly at each node.
    words_at: Vec<Vec<String>>,
    fail: Vec<u32>,
}

impl Trie {
    fn new(words: &[String], with_links: bool) -> Self {
        let mut t = Trie {
            children: vec![HashMap::default()],
            words_at: vec![vec![]],
            fail: vec![0],
        };
        for w in words {
            let mut n = 0u32;
            for c in w.chars() {
                n = match t.children[n as usize].get(&c) {
                    Some(&next) => next,
                    None => {
                        t.children.push(HashMap::default());
                        t.words_at.push(vec![]);
                        t.fail.push(0);
                        let id = (t.children.len() - 1) as u32;
                        t.children[n as usize].insert(c, id);
                        id
                    }
                };
            }
            if !t.words_at[n as usize].contains(w) {
                t.words_at[n as usize].push(w.clone());
            }
        }
        if with_links {
            t.link();
        }
        t
    }

    fn child(&self, n: u32, c: char) -> Option<u32> {
        self.children[n as usize].get(&c).copied()
    }

    /// Breadth-first failure links.
    fn link(&mut self) {
        let mut queue: VecDeque<u32> = self.children[0].values().copied().collect();
        while let Some(n) = queue.pop_front() {
            let edges: Vec<(char, u32)> = self.children[n as usize]
                .iter()
                .map(|(c, m)| (*c, *m))
                .collect();
            for (c, m) in edges {
                let mut f = self.fail[n as usize];
                let target = loop {
                    if let Some(x) = self.child(f, c) {
                        break x;
                    }
                    if f == 0 {
                        break 0;
                    }
                    f = self.fail[f as usize];
                };
                self.fail[m as usize] = if target == m { 0 } else { target };
                queue.push_back(m);
            }
        }
    }

    fn advance(&self, mut n: u32, c: char) -> u32 {
        loop {
            if let Some(next) = self.child(n, c) {
                return next;
            }
            if n == 0 {
                return 0;
            }
            n = self.fail[n as usize];
        }
    }

    /// Every word that ends at this point of the text.
    fn outputs(&self, mut n: u32) -> impl Iterator<Item = &String> {
        let mut nodes = Vec::new();
        while n != 0 {
            nodes.push(n);
            n = self.fail[n as usize];
        }
        nodes
            .into_iter()
            .flat_map(|n| self.words_at[n as usize].iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Lit::*;

    fn found(p: &Problem, shape: Shape) -> Option<String> {
        match solve(p, shape) {
            Answer::Found(s) => Some(s),
            _ => None,
        }
    }

    #[test]
    fn a_nested_suffix_is_covered_by_its_parent_suffix() {
        let p = Problem {
            clauses: vec![vec![Ends(".ca.gov".into())]],
            forbidden: vec![Ends(".gov".into())],
        };
        assert_eq!(solve(&p, Shape::Domain), Answer::None);
        let p = Problem {
            clauses: vec![vec![Ends(".gov".into())]],
            forbidden: vec![Ends(".ca.gov".into())],
        };
        let s = found(&p, Shape::Domain).unwrap();
        assert!(s.ends_with(".gov") && !s.ends_with(".ca.gov"), "{s}");
    }

    #[test]
    fn overlapping_contains_are_decided_exactly() {
        // Containing "abc" always contains "bc".
        let p = Problem {
            clauses: vec![vec![Contains("abc".into())]],
            forbidden: vec![Contains("bc".into())],
        };
        assert_eq!(solve(&p, Shape::Text), Answer::None);
        let p = Problem {
            clauses: vec![vec![Contains("ab".into())], vec![Contains("bc".into())]],
            forbidden: vec![Contains("abc".into())],
        };
        let s = found(&p, Shape::Text).unwrap();
        assert!(
            s.contains("ab") && s.contains("bc") && !s.contains("abc"),
            "{s}"
        );
    }

    #[test]
    fn equality_and_prefixes() {
        let p = Problem {
            clauses: vec![vec![Starts("fin".into())]],
            forbidden: vec![Equals("finance".into())],
        };
        let s = found(&p, Shape::Text).unwrap();
        assert!(s.starts_with("fin") && s != "finance");
        let p = Problem {
            clauses: vec![vec![Equals("software".into())]],
            forbidden: vec![Contains("soft".into())],
        };
        assert_eq!(solve(&p, Shape::Text), Answer::None);
    }

    #[test]
    fn shapes_are_respected() {
        let p = Problem {
            clauses: vec![vec![Ends("gov".into())]],
            forbidden: vec![],
        };
        let s = found(&p, Shape::Domain).unwrap();
        assert!(s.contains('.') && s.ends_with("gov"), "{s}");
        let p = Problem {
            clauses: vec![vec![Starts(" x".into())]],
            forbidden: vec![],
        };
        assert_eq!(
            solve(&p, Shape::Text),
            Answer::None,
            "text never starts with a space"
        );
    }
}
