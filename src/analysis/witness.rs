//! From a set of leads (a decision diagram that is TRUE for them) to one
//! concrete lead in the rule file's own CSV columns — or a proof that the
//! set is empty. A lead is built field by field, then routed through the
//! real decoder to confirm it lands where the diagram says.

use super::strings::{self, Answer, Lit, Problem, Shape};
use crate::compile::atoms::{Classify, Var, MISSING, OTHER};
use crate::compile::{Mdd, Node, NodeId, FALSE, TRUE};
use crate::eval::{Decoder, Lead};
use crate::ir::{FieldType, Interval, Matcher, Program, Scalar};

/// An example lead: `(column, raw value)` pairs.
pub type Witness = Vec<(String, String)>;

#[derive(Debug, PartialEq)]
pub enum Found {
    Lead(Witness),
    Empty,
    /// Could not decide; says why.
    Unknown(String),
}

/// A variable and the atoms a path allows it.
type Constraint = (u32, Vec<u32>);
/// The constraints of one path through a diagram.
type Path = Vec<Constraint>;

const MAX_PATHS: usize = 5_000;

/// Text answers gathered per field before the search stops trying further
/// atoms: each answer already meets the field's tests.
const MAX_ANSWERS: usize = 16;

/// A lead in the set `root` describes, if there is one.
pub fn find(program: &Program, m: &Mdd, root: NodeId) -> Found {
    let mut search = Search {
        program,
        m,
        decoder: Decoder::new(program),
        paths: 0,
        unknown: None,
        below: Default::default(),
    };
    let mut path = Vec::new();
    match search.walk(root, &mut path) {
        Some(w) => Found::Lead(w),
        None => match search.unknown {
            Some(why) => Found::Unknown(why),
            None => Found::Empty,
        },
    }
}

struct Search<'a> {
    program: &'a Program,
    m: &'a Mdd<'a>,
    decoder: Decoder,
    paths: usize,
    unknown: Option<String>,
    /// Per domain variable: the keys below each key (see `keys_below`).
    below: std::cell::RefCell<rustc_hash::FxHashMap<u32, std::rc::Rc<Vec<Vec<u32>>>>>,
}

impl Search<'_> {
    fn walk(&mut self, id: NodeId, path: &mut Path) -> Option<Witness> {
        if id == FALSE || self.paths > MAX_PATHS {
            return None;
        }
        let Node::Test { var, runs } = &self.m.nodes[id as usize] else {
            if id != TRUE {
                return None;
            }
            self.paths += 1;
            if self.paths > MAX_PATHS {
                self.unknown = Some("the rules have too many cases to search them all".into());
                return None;
            }
            return match self.lead_for(path) {
                Found::Lead(w) => Some(w),
                Found::Empty => None,
                Found::Unknown(why) => {
                    self.unknown.get_or_insert(why);
                    None
                }
            };
        };
        let mut groups: Vec<(NodeId, Vec<u32>)> = Vec::new();
        for (atom, child) in Node::atoms(runs) {
            match groups.iter_mut().find(|(c, _)| *c == child) {
                Some((_, atoms)) => atoms.push(atom),
                None => groups.push((child, vec![atom])),
            }
        }
        // Present values make clearer examples than empty cells: try them first.
        groups.sort_by_key(|(_, atoms)| atoms == &[MISSING]);
        for (child, atoms) in groups {
            path.push((*var, atoms));
            let found = self.walk(child, path);
            path.pop();
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// One lead meeting every constraint of a path.
    fn lead_for(&self, path: &Path) -> Found {
        let mut raws: Vec<(usize, String)> = Vec::new();
        let mut fields: Vec<usize> = path.iter().map(|(v, _)| self.field_of(*v)).collect();
        fields.sort_unstable();
        fields.dedup();
        let constraints = |field: usize| -> Vec<&Constraint> {
            path.iter()
                .filter(|(v, _)| self.field_of(*v) == field)
                .collect()
        };
        // Fields decided exactly go first: one of them may prove the set
        // empty even when another field could only be guessed at.
        fields.sort_by_key(|f| !self.candidates_are_complete(*f, &constraints(*f)));
        let mut unknown = None;
        for field in fields {
            let here = constraints(field);
            let (candidates, all_tried) = match self.candidates(field, &here) {
                Ok(c) => c,
                Err(Found::Unknown(why)) => {
                    unknown.get_or_insert(why);
                    continue;
                }
                Err(found) => return found,
            };
            match candidates
                .into_iter()
                .find(|raw| self.fits(field, raw, &here))
            {
                Some(raw) => raws.push((field, raw)),
                None if all_tried && self.candidates_are_complete(field, &here) => {
                    return Found::Empty
                }
                None => {
                    let name = &self.program.fields[field].name;
                    unknown.get_or_insert(format!(
                        "no example value of `{name}` could be built for these tests"
                    ));
                }
            }
        }
        if let Some(why) = unknown {
            return Found::Unknown(why);
        }
        raws.sort_by_key(|(f, _)| *f);
        Found::Lead(
            raws.into_iter()
                .map(|(f, raw)| (self.program.fields[f].column.clone(), raw))
                .collect(),
        )
    }

    /// The literal values the path's text variables compare with.
    fn keys_of<'c>(&'c self, constraints: &'c [&Constraint]) -> impl Iterator<Item = String> + 'c {
        constraints
            .iter()
            .flat_map(|(v, _)| match &self.m.vars[*v as usize].classify {
                Classify::Keys { keys, .. } => keys.iter().map(|k| k.display()).collect(),
                _ => Vec::new(),
            })
    }

    /// Whether the candidates cover every case, so that none fitting
    /// proves no lead does. Emails are covered when the address itself is
    /// only tested for presence (its domain is solved exactly).
    fn candidates_are_complete(&self, field: usize, constraints: &[&Constraint]) -> bool {
        match self.program.fields[field].ty {
            FieldType::Phone | FieldType::Company => false,
            FieldType::Email => constraints.iter().all(|(v, _)| {
                let var = &self.m.vars[*v as usize];
                let presence_only =
                    matches!(&var.classify, Classify::Keys { keys, .. } if keys.is_empty());
                presence_only || self.program.bases[var.base].ty == FieldType::Domain
            }),
            _ => true,
        }
    }

    fn field_of(&self, var: u32) -> usize {
        self.program.bases[self.m.vars[var as usize].base].field
    }

    /// Whether a raw cell meets a field's constraints, read as a lead reads it.
    fn fits(&self, field: usize, raw: &str, constraints: &[&Constraint]) -> bool {
        let mut lead = Lead {
            values: vec![Scalar::Missing; self.program.bases.len()],
        };
        self.decoder.decode_field(field, raw, &mut lead);
        constraints
            .iter()
            .all(|(v, atoms)| atoms.contains(&self.m.vars[*v as usize].atom(self.program, &lead)))
    }

    /// Raw values to try, most telling first, and whether every atom the
    /// constraints allow was tried (a text search stops after a few
    /// answers: see [`MAX_ANSWERS`]). `Err` settles the field.
    fn candidates(
        &self,
        field: usize,
        constraints: &[&Constraint],
    ) -> Result<(Vec<String>, bool), Found> {
        let ty = self.program.fields[field].ty;
        let mut all_tried = true;
        let mut out = match ty {
            FieldType::Number | FieldType::Money | FieldType::Zip => self.numbers(ty, constraints),
            FieldType::Country => familiar_first(
                &["US", "GB", "DE", "FR", "CA"],
                crate::values::country::all_countries().map(|c| c.code().to_string()),
            ),
            FieldType::State => familiar_first(
                &["CA", "NY", "TX", "WA", "ON"],
                crate::values::state::all_states().map(|s| s.code().to_string()),
            ),
            FieldType::Text | FieldType::Company => {
                let (out, all) = self.strings(constraints, Shape::Text)?;
                all_tried = all;
                out
            }
            FieldType::Domain => {
                let (out, all) = self.strings(constraints, Shape::Domain)?;
                all_tried = all;
                out
            }
            FieldType::Email => {
                let (out, all) = self.emails(field, constraints)?;
                all_tried = all;
                out
            }
            FieldType::Phone => self
                .keys_of(constraints)
                .map(|k| format!("+{k}"))
                .chain(phones())
                .collect(),
        };
        out.push(String::new());
        Ok((out, all_tried))
    }

    fn numbers(&self, ty: FieldType, constraints: &[&Constraint]) -> Vec<String> {
        let (lo, hi) = match ty {
            FieldType::Zip => (0, 99_999),
            _ => (-100_000_000_000_000_000, 100_000_000_000_000_000),
        };
        let mut out = Vec::new();
        for (v, atoms) in constraints {
            let Classify::Intervals { cuts } = &self.m.vars[*v as usize].classify else {
                continue;
            };
            for &atom in atoms.iter().filter(|a| **a != MISSING) {
                let i = atom as usize;
                let iv = Interval {
                    lo: cuts[i - 1],
                    hi: cuts.get(i).map_or(i64::MAX, |c| c - 1),
                };
                let inside = Interval {
                    lo: iv.lo.max(lo),
                    hi: iv.hi.min(hi),
                };
                if !inside.is_empty() {
                    let pick = if inside.contains(0) && ty != FieldType::Zip {
                        0
                    } else {
                        inside.lo
                    };
                    out.push(number_text(pick, ty));
                }
            }
        }
        if out.is_empty() {
            out.push(number_text(
                if ty == FieldType::Zip { 94105 } else { 1 },
                ty,
            ));
        }
        out
    }

    /// Strings for a text or domain base: solver answers, one per atom the
    /// constraints allow, until [`MAX_ANSWERS`] are found; with whether
    /// every atom was tried. (A table of a million domains is a million
    /// atoms: the first answers are what a witness needs.)
    fn strings(
        &self,
        constraints: &[&Constraint],
        shape: Shape,
    ) -> Result<(Vec<String>, bool), Found> {
        let patterns = self.pattern_problem(constraints);
        let base_constraint = constraints
            .iter()
            .find(|(v, _)| !matches!(self.m.vars[*v as usize].classify, Classify::Pattern(_)));
        let mut out = Vec::new();
        let mut unknown = None;
        let Some((v, atoms)) = base_constraint else {
            return self
                .solved(&patterns, shape)
                .map(|s| (s.into_iter().collect(), true));
        };
        let var = &self.m.vars[*v as usize];
        let below = self.keys_below(*v);
        let mut all_tried = true;
        for &atom in atoms.iter().filter(|a| **a != MISSING) {
            if out.len() >= MAX_ANSWERS {
                all_tried = false;
                break;
            }
            if atom == OTHER {
                match self.outside_keys(var, &patterns, shape) {
                    Outside::Found(s) => {
                        out.push(s);
                        continue;
                    }
                    Outside::None => continue,
                    Outside::Unsure => {}
                }
            }
            let mut problem = patterns.clone();
            restrict_to_atom(var, atom, below.as_deref(), &mut problem);
            match self.solved(&problem, shape) {
                Ok(found) => out.extend(found),
                Err(why) => unknown = Some(why),
            }
        }
        match (out.is_empty(), unknown) {
            (true, Some(why)) => Err(why),
            _ => Ok((out, all_tried)),
        }
    }

    /// A value under none of the variable's keys, found without writing
    /// every key into the problem (a table of a million keys would make
    /// the automata huge): solve the text tests alone, and keep the answer
    /// if it is under no key. The full problem is only needed when it is.
    fn outside_keys(&self, var: &Var, patterns: &Problem, shape: Shape) -> Outside {
        let mut problem = patterns.clone();
        if matches!(var.classify, Classify::Domains { .. }) {
            problem.forbidden.push(Lit::Starts("www.".into()));
        }
        match strings::solve(&problem, shape) {
            // Fewer constraints than the atom's: none there either.
            Answer::None => Outside::None,
            Answer::TooBig => Outside::Unsure,
            Answer::Found(s) => {
                let under_a_key = match &var.classify {
                    Classify::Domains { index, .. } => {
                        crate::values::email::parent_domains(&s).any(|p| index.contains_key(p))
                    }
                    Classify::Keys {
                        keys,
                        index,
                        codes: false,
                    } if keys.iter().all(|k| matches!(k, Scalar::Text(_))) => {
                        index.contains_key(&Scalar::Text(s.clone()))
                    }
                    _ => return Outside::Unsure,
                };
                if under_a_key {
                    Outside::Unsure
                } else {
                    Outside::Found(s)
                }
            }
        }
    }

    /// For a domain variable: per key, the keys strictly below it
    /// (`us.ibm.com` below `ibm.com`), worked out once per search.
    fn keys_below(&self, var: u32) -> Option<std::rc::Rc<Vec<Vec<u32>>>> {
        let Classify::Domains { keys, index, .. } = &self.m.vars[var as usize].classify else {
            return None;
        };
        let mut cache = self.below.borrow_mut();
        let below = cache.entry(var).or_insert_with(|| {
            let mut below = vec![Vec::new(); keys.len()];
            for (i, key) in keys.iter().enumerate() {
                // Every parent on a label boundary: `key` ends with `.parent`.
                for (dot, _) in key.match_indices('.') {
                    if let Some(&p) = index.get(&key[dot + 1..]) {
                        below[p as usize - 2].push(i as u32);
                    }
                }
            }
            std::rc::Rc::new(below)
        });
        Some(below.clone())
    }

    fn solved(&self, problem: &Problem, shape: Shape) -> Result<Option<String>, Found> {
        match strings::solve(problem, shape) {
            Answer::Found(s) => Ok(Some(s)),
            Answer::None => Ok(None),
            Answer::TooBig => Err(Found::Unknown(
                "the text tests are too many to search exactly".into(),
            )),
        }
    }

    /// The text tests a path asks of one base, as a string problem.
    fn pattern_problem(&self, constraints: &[&Constraint]) -> Problem {
        let mut problem = Problem::default();
        for (v, atoms) in constraints {
            let Classify::Pattern(test) = &self.m.vars[*v as usize].classify else {
                continue;
            };
            let lits = pattern_lits(&test.matcher);
            match atoms.as_slice() {
                [1] => problem.clauses.push(lits),
                [0] => problem.forbidden.extend(lits),
                _ => {}
            }
        }
        problem
    }

    /// Emails: the domain solved on its own, with local parts from the
    /// tests; with whether every domain atom was tried.
    fn emails(
        &self,
        field: usize,
        constraints: &[&Constraint],
    ) -> Result<(Vec<String>, bool), Found> {
        let is_domain =
            |v: u32| self.program.bases[self.m.vars[v as usize].base].ty == FieldType::Domain;
        let (domain, whole): (Vec<&Constraint>, Vec<&Constraint>) = constraints
            .iter()
            .copied()
            .partition(|(v, _)| is_domain(*v));
        let (domains, all_tried) = if domain.is_empty() {
            (vec!["example.com".to_string()], true)
        } else {
            self.strings(&domain, Shape::Domain)?
        };
        // The domain is solved exactly: no domain and no fitting empty cell means no lead.
        if domains.is_empty() && all_tried && !self.fits(field, "", constraints) {
            return Err(Found::Empty);
        }
        let mut locals = vec!["lead".to_string()];
        let mut out = Vec::new();
        for (v, atoms) in &whole {
            let var = &self.m.vars[*v as usize];
            match &var.classify {
                Classify::Keys { keys, .. } => out.extend(
                    atoms
                        .iter()
                        .filter(|a| **a >= 2)
                        .map(|a| keys[*a as usize - 2].display()),
                ),
                Classify::Pattern(t) => {
                    for lit in pattern_lits(&t.matcher) {
                        let (Lit::Starts(w) | Lit::Ends(w) | Lit::Contains(w) | Lit::Equals(w)) =
                            lit;
                        match w.split_once('@') {
                            Some((local, host)) => {
                                out.push(format!(
                                    "{}@{}",
                                    if local.is_empty() { "lead" } else { local },
                                    if host.is_empty() { "example.com" } else { host }
                                ));
                            }
                            None => locals.push(w.trim_matches('.').to_string()),
                        }
                    }
                }
                _ => {}
            }
        }
        for d in &domains {
            out.extend(
                locals
                    .iter()
                    .filter(|l| !l.is_empty())
                    .map(|l| format!("{l}@{d}")),
            );
        }
        Ok((out, all_tried))
    }
}

/// What [`Search::outside_keys`] found.
enum Outside {
    Found(String),
    /// No value meets the text tests at all.
    None,
    /// The quick answer is under a key: solve the whole problem.
    Unsure,
}

/// The string tests that put a value in one atom of its base; `below`
/// holds, per key of a domain variable, the keys strictly below it.
fn restrict_to_atom(var: &Var, atom: u32, below: Option<&Vec<Vec<u32>>>, problem: &mut Problem) {
    match &var.classify {
        Classify::Keys { keys, .. } if atom == OTHER => {
            problem
                .forbidden
                .extend(keys.iter().map(|k| Lit::Equals(k.display())));
        }
        Classify::Keys { keys, .. } => problem
            .clauses
            .push(vec![Lit::Equals(keys[atom as usize - 2].display())]),
        Classify::Domains { keys, .. } => {
            problem.forbidden.push(Lit::Starts("www.".into()));
            let mut forbid = |other: &String| {
                problem.forbidden.push(Lit::Equals(other.clone()));
                problem.forbidden.push(Lit::Ends(format!(".{other}")));
            };
            if atom == OTHER {
                // Under no key at all.
                keys.iter().for_each(forbid);
                return;
            }
            let i = atom as usize - 2;
            let k = &keys[i];
            // The key or a domain below it, but not below a nearer key.
            match below {
                Some(below) => below[i].iter().for_each(|&j| forbid(&keys[j as usize])),
                None => keys
                    .iter()
                    .filter(|other| other.ends_with(&format!(".{k}")))
                    .for_each(forbid),
            }
            problem
                .clauses
                .push(vec![Lit::Equals(k.clone()), Lit::Ends(format!(".{k}"))]);
        }
        _ => {}
    }
}

fn pattern_lits(m: &Matcher) -> Vec<Lit> {
    match m {
        Matcher::StartsWith(p) => p.iter().map(|s| Lit::Starts(s.clone())).collect(),
        Matcher::EndsWith(p) => p.iter().map(|s| Lit::Ends(s.clone())).collect(),
        Matcher::Contains(p) => p.iter().map(|s| Lit::Contains(s.clone())).collect(),
        _ => vec![],
    }
}

/// Codes readers recognize at a glance come first in examples.
fn familiar_first(familiar: &[&str], all: impl Iterator<Item = String>) -> Vec<String> {
    familiar
        .iter()
        .map(|s| s.to_string())
        .chain(all.filter(|c| !familiar.contains(&c.as_str())))
        .collect()
}

fn number_text(v: i64, ty: FieldType) -> String {
    Scalar::Num(v).display_as(ty)
}

/// Phone numbers to try: one per NANP area code, and a few from abroad.
fn phones() -> Vec<String> {
    let nanp =
        crate::values::phone::all_area_codes().map(|(area, _)| format!("+1 {area} 555 0100"));
    nanp.chain(crate::values::phone::sample_numbers()).collect()
}
