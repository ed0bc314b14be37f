//! IR → decision DAG. Each node tests one variable by atom; identical
//! subgraphs are shared (hash-consing); leaves are decisions. Rules are
//! folded from the last to the first; if the DAG would pass its size budget,
//! the remaining earlier rules are kept as an ordered list of per-rule DAGs
//! tried before it, which decides exactly the same.

pub mod atoms;
mod emit;
pub mod mdd;
mod suffixes;
mod tables;
mod walk;

pub use atoms::Var;
pub use emit::{to_dot, to_mermaid, to_text};
pub use mdd::{Mdd, NodeId, Op, FALSE, NEXT, TRUE};

use crate::eval::Lead;
use crate::ir::{Decision, Program};
pub use mdd::Node;
use tables::Probe;
use walk::Walk;

/// Default size budget in nodes; past it, earlier rules are evaluated in order.
pub const DEFAULT_BUDGET: usize = 200_000;

pub struct Dag {
    pub vars: Vec<Var>,
    pub nodes: Vec<Node>,
    pub leaves: Vec<Decision>,
    /// Rules tried one by one before `root` (empty unless the budget was hit).
    pub ordered: Vec<(usize, NodeId)>,
    pub root: NodeId,
    /// The reachable nodes laid out for deciding, and where the walks of
    /// `ordered` and `root` start in it.
    walk: Walk,
    starts: Vec<u32>,
    /// Per variable, the fastest way to its atoms (see `tables`).
    probes: Vec<Probe>,
}

impl Dag {
    /// The decision for a lead: walk the ordered rules, then the DAG.
    pub fn decide(&self, program: &Program, lead: &Lead) -> &Decision {
        &self.leaves[self.decide_leaf(program, lead)]
    }

    /// The index in `leaves` of a lead's decision, for callers that keep
    /// something per leaf (output text, counts).
    pub fn decide_leaf(&self, program: &Program, lead: &Lead) -> usize {
        self.decide_leaf_with(|var| self.atom(program, var, lead))
    }

    /// `decide_leaf` with the atoms given by `atom` (variable → atom), for
    /// callers that know some atoms already (`route run`'s memo of
    /// repeating cells).
    pub fn decide_leaf_with(&self, mut atom: impl FnMut(u32) -> u32) -> usize {
        let (root, rules) = self.starts.split_last().expect("the root's start");
        for &start in rules {
            let end = self.walk.run(start, &mut atom);
            if end != NEXT {
                return leaf_of(end);
            }
        }
        leaf_of(self.walk.run(*root, &mut atom))
    }

    /// The atom a lead's value falls in for a variable.
    #[inline]
    pub fn atom(&self, program: &Program, var: u32, lead: &Lead) -> u32 {
        match self.probes[var as usize].atom(lead) {
            Some(atom) => atom,
            None => self.vars[var as usize].atom(program, lead),
        }
    }

    fn leaf(&self, id: NodeId) -> &Decision {
        &self.leaves[self.leaf_index(id)]
    }

    fn leaf_index(&self, id: NodeId) -> usize {
        match &self.nodes[id as usize] {
            Node::Terminal(l) => leaf_of(*l),
            Node::Test { .. } => 0,
        }
    }

    /// Nodes and edges reachable from the roots.
    pub fn reachable(&self) -> Vec<NodeId> {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack: Vec<NodeId> = self
            .ordered
            .iter()
            .map(|(_, r)| *r)
            .chain([self.root])
            .collect();
        let mut out = Vec::new();
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut seen[id as usize], true) {
                continue;
            }
            out.push(id);
            if let Node::Test { runs, .. } = &self.nodes[id as usize] {
                stack.extend(runs.iter().map(|r| r.child));
            }
        }
        out.sort_unstable();
        out
    }
}

pub fn compile(program: &Program) -> Dag {
    compile_with_budget(program, DEFAULT_BUDGET)
}

pub fn compile_with_budget(program: &Program, budget: usize) -> Dag {
    let mut m = Mdd::new(program);
    let unmatched = m.leaf(Decision::Unmatched);
    let default = match &program.default {
        Some(d) => m.destination(d, None),
        None => NEXT,
    };
    let mut root = m.apply(Op::Chain, default, unmatched);
    let mut ordered = Vec::new();
    for i in (0..program.rules.len()).rev() {
        let rule = m.rule(i);
        root = m.apply(Op::Chain, rule, root);
        m.forget();
        if m.nodes.len() > budget && i > 0 {
            ordered = (0..i).map(|j| (j, m.rule(j))).collect();
            break;
        }
    }
    let atoms: Vec<usize> = m.vars.iter().map(Var::atom_count).collect();
    let roots: Vec<NodeId> = ordered.iter().map(|(_, r)| *r).chain([root]).collect();
    let (walk, starts) = Walk::build(&m.nodes, &atoms, &roots);
    let probes = m.vars.iter().map(|v| Probe::build(program, v)).collect();
    Dag {
        vars: m.vars,
        nodes: m.nodes,
        leaves: m.leaves,
        ordered,
        root,
        walk,
        starts,
        probes,
    }
}

/// Leaf terminals are `3 + index`; the first leaf is always "unmatched".
fn leaf_of(end: u32) -> usize {
    match end {
        l if l > NEXT => (l - 3) as usize,
        _ => 0,
    }
}
