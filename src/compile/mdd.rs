//! Multi-valued decision diagrams over the atoms of the rules' values:
//! hash-consed nodes and the operations the DAG and the set analysis share.

use super::atoms::{self, Classify, Var};
use crate::eval::{self, Lead};
use crate::ir::{Cond, Decision, Dest, Program, Scalar, Test};
use std::collections::HashMap;

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
    Test {
        var: u32,
        children: Box<[NodeId]>,
    },
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
            unique: HashMap::new(),
            leaves: vec![],
            memo: HashMap::new(),
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
        if let Node::Test { children, .. } = &node {
            if children.iter().all(|c| *c == children[0]) {
                return children[0];
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
            children: children.into(),
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
                    children: children.into(),
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
        let (va, vb) = (self.var_at(a), self.var_at(b));
        let var = va.min(vb);
        let count = self.vars[var as usize].atom_count();
        let children: Vec<NodeId> = (0..count)
            .map(|atom| {
                let ca = self.cofactor(a, var, atom);
                let cb = self.cofactor(b, var, atom);
                self.apply(op, ca, cb)
            })
            .collect();
        let id = self.intern(Node::Test {
            var,
            children: children.into(),
        });
        self.memo.insert((op, a, b), id);
        id
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
            Op::Chain if self.is_terminal(a) => Some(a),
            Op::Takes if a == NEXT => Some(FALSE),
            Op::Takes if self.is_terminal(a) => Some(TRUE),
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

    fn cofactor(&self, id: NodeId, var: u32, atom: usize) -> NodeId {
        match &self.nodes[id as usize] {
            Node::Test { var: v, children } if *v == var => children[atom],
            _ => id,
        }
    }
}
