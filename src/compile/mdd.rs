//! Multi-valued decision diagrams over the atoms of the rules' values:
//! hash-consed nodes and the operations the DAG and the set analysis share.

use super::atoms::{self, Classify, Var};
use crate::eval::{self, Lead};
use crate::ir::{Cond, Decision, Dest, Program, Scalar, Test};
use rustc_hash::FxHashMap as HashMap;

/// A node or terminal, by index into `Mdd::nodes`.
pub type NodeId = u32;

pub const FALSE: NodeId = 0;
pub const TRUE: NodeId = 1;
/// "This rule does not take the lead": try the next one.
pub const NEXT: NodeId = 2;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    /// A terminal: 0, 1, 2 are FALSE, TRUE, NEXT; `n ≥ 3` is leaf `n - 3`.
    Terminal(u32),
    /// A test of one variable; its atoms, in order, split into runs that
    /// lead to the same child. Runs keep wide variables (hundreds of ZIP
    /// ranges) cheap: operations cost per run, not per atom.
    Test { var: u32, runs: Box<[Run]> },
}

/// Atoms from the previous run's end up to `end` (exclusive) lead to `child`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Run {
    pub end: u32,
    pub child: NodeId,
}

impl Node {
    /// Each atom with the child it leads to.
    pub fn atoms(runs: &[Run]) -> impl Iterator<Item = (u32, NodeId)> + '_ {
        let starts = std::iter::once(0).chain(runs.iter().map(|r| r.end));
        starts
            .zip(runs)
            .flat_map(|(start, r)| (start..r.end).map(move |a| (a, r.child)))
    }

    /// Where an atom of the node's variable leads.
    pub fn child(runs: &[Run], atom: u32) -> NodeId {
        let i = runs.partition_point(|r| r.end <= atom);
        runs[i.min(runs.len() - 1)].child
    }
}

/// Runs from one child per atom.
fn runs_of(children: impl IntoIterator<Item = NodeId>) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for (atom, child) in children.into_iter().enumerate() {
        push_run(&mut runs, atom as u32 + 1, child);
    }
    runs
}

fn push_run(runs: &mut Vec<Run>, end: u32, child: NodeId) {
    match runs.last_mut() {
        Some(last) if last.child == child => last.end = end,
        _ => runs.push(Run { end, child }),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    And,
    Or,
    Not,
    /// Condition, then destination: false → NEXT.
    Then,
    /// First-match: NEXT → the second operand.
    Chain,
    /// A rule's diagram as a set: the leads it takes (unary).
    Takes,
    /// Leads two rules both take and send to different places.
    Differ,
    /// The first operand's leaves where the second (a set) holds; NEXT elsewhere.
    Gate,
}

pub struct Mdd<'a> {
    program: &'a Program,
    pub vars: Vec<Var>,
    var_of_base: Vec<Option<usize>>,
    pub nodes: Vec<Node>,
    unique: HashMap<Node, NodeId>,
    pub leaves: Vec<Decision>,
    memo: HashMap<(Op, NodeId, NodeId), NodeId>,
    /// A lead holding one representative value at a time.
    scratch: Lead,
}

impl<'a> Mdd<'a> {
    pub fn new(program: &'a Program) -> Self {
        let (vars, var_of_base) = atoms::collect(program);
        let mut m = Mdd {
            program,
            vars,
            var_of_base,
            nodes: vec![],
            unique: HashMap::default(),
            leaves: vec![],
            memo: HashMap::default(),
            scratch: Lead {
                values: vec![Scalar::Missing; program.bases.len()],
            },
        };
        for t in [FALSE, TRUE, NEXT] {
            m.intern(Node::Terminal(t));
        }
        m
    }

    /// Drops the operation cache (it only speeds up repeated work).
    pub fn forget(&mut self) {
        self.memo.clear();
    }

    fn intern(&mut self, node: Node) -> NodeId {
        if let Node::Test { runs, .. } = &node {
            if runs.len() == 1 {
                return runs[0].child;
            }
        }
        if let Some(&id) = self.unique.get(&node) {
            return id;
        }
        let id = self.nodes.len() as NodeId;
        self.nodes.push(node.clone());
        self.unique.insert(node, id);
        id
    }

    pub fn leaf(&mut self, decision: Decision) -> NodeId {
        let index = match self.leaves.iter().position(|d| *d == decision) {
            Some(i) => i,
            None => {
                self.leaves.push(decision);
                self.leaves.len() - 1
            }
        };
        // Terminals 0..=2 are FALSE, TRUE, NEXT; leaves follow.
        self.intern(Node::Terminal(index as u32 + 3))
    }

    pub fn rule(&mut self, i: usize) -> NodeId {
        let rule = &self.program.rules[i];
        let cond = self.cond(&rule.cond);
        let dest = self.destination(&rule.dest, Some(i));
        self.apply(Op::Then, cond, dest)
    }

    pub fn cond(&mut self, c: &Cond) -> NodeId {
        match c {
            Cond::And(cs) => cs.iter().fold(TRUE, |acc, c| {
                let n = self.cond(c);
                self.apply(Op::And, acc, n)
            }),
            Cond::Or(cs) => cs.iter().fold(FALSE, |acc, c| {
                let n = self.cond(c);
                self.apply(Op::Or, acc, n)
            }),
            Cond::Not(c) => {
                let n = self.cond(c);
                self.apply(Op::Not, n, n)
            }
            Cond::Test(t) => self.test(t),
        }
    }

    /// A test as one node over its variable: each atom's answer, computed
    /// on the atom's representative value.
    fn test(&mut self, t: &Test) -> NodeId {
        let var = self.test_var(t);
        let base = self.vars[var].base;
        let children: Vec<NodeId> = (0..self.vars[var].atom_count() as u32)
            .map(|atom| {
                if let Classify::Pattern(_) = self.vars[var].classify {
                    return if atom == 1 { TRUE } else { FALSE };
                }
                self.scratch.values[base] = self.vars[var].representative(atom);
                if eval::test(self.program, t, &self.scratch) {
                    TRUE
                } else {
                    FALSE
                }
            })
            .collect();
        self.scratch.values[base] = Scalar::Missing;
        self.intern(Node::Test {
            var: var as u32,
            runs: runs_of(children).into(),
        })
    }

    fn test_var(&self, t: &Test) -> usize {
        let pattern = self.vars.iter().position(|v| matches!(&v.classify, Classify::Pattern(p) if p.value == t.value && p.matcher == t.matcher));
        match pattern {
            Some(v) if t.matcher.is_text_pattern() => v,
            _ => self.var_of_base[t.value.base()].expect("every tested base has a variable"),
        }
    }

    /// A destination as a node: a leaf, or per atom the leaf its lookup finds.
    pub fn destination(&mut self, d: &Dest, rule: Option<usize>) -> NodeId {
        match d {
            Dest::Queue(q) => self.leaf(Decision::Routed {
                rule,
                target: crate::ir::Target::Queue(*q),
            }),
            Dest::Lookup(l) => {
                let var = self.var_of_base[l.key.base()].expect("lookup base has a variable");
                let base = self.vars[var].base;
                let children: Vec<NodeId> = (0..self.vars[var].atom_count() as u32)
                    .map(|atom| {
                        self.scratch.values[base] = self.vars[var].representative(atom);
                        match eval::destination(self.program, d, &self.scratch) {
                            Some(target) => self.leaf(Decision::Routed { rule, target }),
                            None => NEXT,
                        }
                    })
                    .collect();
                self.scratch.values[base] = Scalar::Missing;
                self.intern(Node::Test {
                    var: var as u32,
                    runs: runs_of(children).into(),
                })
            }
        }
    }

    pub fn apply(&mut self, op: Op, a: NodeId, b: NodeId) -> NodeId {
        if let Some(done) = self.terminal_case(op, a, b) {
            return done;
        }
        if let Some(&done) = self.memo.get(&(op, a, b)) {
            return done;
        }
        let var = self.var_at(a).min(self.var_at(b));
        let count = self.vars[var as usize].atom_count() as u32;
        let (ra, rb) = (self.runs_at(a, var, count), self.runs_at(b, var, count));
        let mut out: Vec<Run> = Vec::new();
        let (mut i, mut j, mut pos) = (0, 0, 0);
        while pos < count {
            let (x, y) = (ra[i], rb[j]);
            // A run whose child settles the result alone skips the other side's runs.
            if let Some(r) = absorbs(op, x.child, self.is_terminal(x.child), true) {
                push_run(&mut out, x.end, r);
                pos = x.end;
            } else if let Some(r) = absorbs(op, y.child, self.is_terminal(y.child), false) {
                push_run(&mut out, y.end, r);
                pos = y.end;
            } else {
                let end = x.end.min(y.end);
                let child = self.apply(op, x.child, y.child);
                push_run(&mut out, end, child);
                pos = end;
            }
            i = ra.partition_point(|r| r.end <= pos);
            j = rb.partition_point(|r| r.end <= pos);
        }
        let id = self.intern(Node::Test {
            var,
            runs: out.into(),
        });
        self.memo.insert((op, a, b), id);
        id
    }

    /// A node's runs at `var`; a node below `var` is one run over all atoms.
    fn runs_at(&self, id: NodeId, var: u32, count: u32) -> Vec<Run> {
        match &self.nodes[id as usize] {
            Node::Test { var: v, runs } if *v == var => runs.to_vec(),
            _ => vec![Run {
                end: count,
                child: id,
            }],
        }
    }

    /// Results that need no recursion.
    fn terminal_case(&self, op: Op, a: NodeId, b: NodeId) -> Option<NodeId> {
        match op {
            Op::And if a == FALSE || b == FALSE => Some(FALSE),
            Op::And if a == TRUE => Some(b),
            Op::And if b == TRUE || a == b => Some(a),
            Op::Or if a == TRUE || b == TRUE => Some(TRUE),
            Op::Or if a == FALSE => Some(b),
            Op::Or if b == FALSE || a == b => Some(a),
            Op::Not if a == TRUE => Some(FALSE),
            Op::Not if a == FALSE => Some(TRUE),
            Op::Then if a == FALSE => Some(NEXT),
            Op::Then if a == TRUE => Some(b),
            Op::Chain if a == NEXT => Some(b),
            Op::Chain if b == NEXT => Some(a),
            Op::Chain if self.is_terminal(a) => Some(a),
            Op::Takes if a == NEXT => Some(FALSE),
            Op::Takes if self.is_terminal(a) => Some(TRUE),
            Op::Gate if b == FALSE || a == NEXT => Some(NEXT),
            Op::Gate if b == TRUE => Some(a),
            Op::Differ if a == NEXT || b == NEXT => Some(FALSE),
            Op::Differ if self.is_terminal(a) && self.is_terminal(b) => {
                Some(if self.target(a) == self.target(b) {
                    FALSE
                } else {
                    TRUE
                })
            }
            _ => None,
        }
    }

    /// The set of leads a variable puts in one atom.
    pub fn atom_is(&mut self, var: u32, atom: u32) -> NodeId {
        let count = self.vars[var as usize].atom_count() as u32;
        let children = (0..count).map(|a| if a == atom { TRUE } else { FALSE });
        self.intern(Node::Test {
            var,
            runs: runs_of(children).into(),
        })
    }

    /// The leads a rule's diagram sends to a leaf that `keep` accepts.
    pub fn select(&mut self, root: NodeId, keep: &dyn Fn(&Decision) -> bool) -> NodeId {
        let mut memo = HashMap::default();
        self.select_in(root, keep, &mut memo)
    }

    fn select_in(
        &mut self,
        id: NodeId,
        keep: &dyn Fn(&Decision) -> bool,
        memo: &mut HashMap<NodeId, NodeId>,
    ) -> NodeId {
        if let Some(&done) = memo.get(&id) {
            return done;
        }
        let result = match self.nodes[id as usize].clone() {
            Node::Terminal(t) if t > NEXT => {
                if keep(&self.leaves[(t - 3) as usize]) {
                    TRUE
                } else {
                    FALSE
                }
            }
            Node::Terminal(_) => FALSE,
            Node::Test { var, runs } => {
                let mut out = Vec::new();
                for r in runs.iter() {
                    let child = self.select_in(r.child, keep, memo);
                    push_run(&mut out, r.end, child);
                }
                self.intern(Node::Test {
                    var,
                    runs: out.into(),
                })
            }
        };
        memo.insert(id, result);
        result
    }

    /// The decisions at the leaves reachable from `root`.
    pub fn leaves_under(&self, root: NodeId) -> Vec<&Decision> {
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![root];
        let mut out = Vec::new();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            match &self.nodes[id as usize] {
                Node::Test { runs, .. } => stack.extend(runs.iter().map(|r| r.child)),
                Node::Terminal(t) if *t > NEXT => out.push(&self.leaves[(*t - 3) as usize]),
                Node::Terminal(_) => {}
            }
        }
        out
    }

    /// Where a leaf sends a lead.
    fn target(&self, id: NodeId) -> Option<&crate::ir::Target> {
        match (&self.nodes[id as usize], id) {
            (Node::Terminal(t), _) if *t > NEXT => match &self.leaves[(*t - 3) as usize] {
                Decision::Routed { target, .. } => Some(target),
                Decision::Unmatched => None,
            },
            _ => None,
        }
    }

    fn is_terminal(&self, id: NodeId) -> bool {
        matches!(self.nodes[id as usize], Node::Terminal(_))
    }

    fn var_at(&self, id: NodeId) -> u32 {
        match &self.nodes[id as usize] {
            Node::Test { var, .. } => *var,
            Node::Terminal(_) => u32::MAX,
        }
    }
}

/// The result of `op` when one operand is `x`, whatever the other is.
/// `left`: `x` is the first operand.
fn absorbs(op: Op, x: NodeId, terminal: bool, left: bool) -> Option<NodeId> {
    match (op, left) {
        (Op::And, _) if x == FALSE => Some(FALSE),
        (Op::Or, _) if x == TRUE => Some(TRUE),
        (Op::Then, true) if x == FALSE => Some(NEXT),
        (Op::Chain, true) if terminal && x != NEXT => Some(x),
        (Op::Gate, true) if x == NEXT => Some(NEXT),
        (Op::Gate, false) if x == FALSE => Some(NEXT),
        (Op::Differ, _) if x == NEXT => Some(FALSE),
        _ => None,
    }
}
