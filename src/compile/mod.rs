//! IR → decision DAG. Each node tests one variable by atom; identical
//! subgraphs are shared (hash-consing); leaves are decisions. Rules are
//! folded from the last to the first; if the DAG would pass its size budget,
//! the remaining earlier rules are kept as an ordered list of per-rule DAGs
//! tried before it, which decides exactly the same.

pub mod atoms;
mod emit;
pub mod mdd;

pub use atoms::Var;
pub use emit::{to_dot, to_mermaid, to_text};
pub use mdd::{Mdd, NodeId, Op, FALSE, NEXT, TRUE};

use crate::eval::Lead;
use crate::ir::{Decision, Program};
pub use mdd::Node;

/// Default size budget in nodes; past it, earlier rules are evaluated in order.
pub const DEFAULT_BUDGET: usize = 200_000;

/// Nodes over at most this many atoms get a child per atom for the walk,
/// up to `DENSE_BUDGET` children in all; wider nodes search their runs.
const DENSE_ATOMS: usize = 1 << 16;
const DENSE_BUDGET: usize = 1 << 22;

pub struct Dag {
    pub vars: Vec<Var>,
    pub nodes: Vec<Node>,
    pub leaves: Vec<Decision>,
    /// Rules tried one by one before `root` (empty unless the budget was hit).
    pub ordered: Vec<(usize, NodeId)>,
    pub root: NodeId,
    /// For reachable nodes, the child of every atom: the walk indexes
    /// instead of searching runs (within a memory budget).
    dense: Vec<Option<Box<[NodeId]>>>,
    /// Per variable, its atom of every small value, where values are few:
    /// a ZIP needs no search among thousands of ranges, a country code no hash.
    tables: Vec<Option<AtomTable>>,
}

/// The atom of each value of a small domain.
enum AtomTable {
    /// Indexed by the ZIP (0 to 99,999).
    Zip(Box<[u32]>),
    /// Indexed by a code of two capital letters (`US`, `CA`).
    Letters(Box<[u32]>),
}

const ZIPS: usize = 100_000;

impl AtomTable {
    fn build(program: &Program, var: &Var) -> Option<AtomTable> {
        let ty = program.bases[var.base].ty;
        match &var.classify {
            atoms::Classify::Intervals { cuts } if ty == crate::ir::FieldType::Zip => {
                let atoms = (0..ZIPS as i64).map(|n| cuts.partition_point(|c| *c <= n) as u32);
                Some(AtomTable::Zip(atoms.collect()))
            }
            atoms::Classify::Keys {
                index, codes: true, ..
            } => {
                let atoms = (b'A'..=b'Z').flat_map(|a| (b'A'..=b'Z').map(move |b| [a, b]));
                let atoms = atoms.map(|code| {
                    let key = crate::ir::Scalar::Code(code);
                    index.get(&key).copied().unwrap_or(atoms::OTHER)
                });
                Some(AtomTable::Letters(atoms.collect()))
            }
            _ => None,
        }
    }

    /// The atom of a value, when the table has it.
    fn atom(&self, value: &crate::ir::Scalar) -> Option<u32> {
        use crate::ir::Scalar;
        match (self, value) {
            (AtomTable::Zip(atoms), Scalar::Num(n)) => {
                atoms.get(usize::try_from(*n).ok()?).copied()
            }
            (AtomTable::Letters(atoms), Scalar::Code([a, b]))
                if a.is_ascii_uppercase() && b.is_ascii_uppercase() =>
            {
                Some(atoms[usize::from(a - b'A') * 26 + usize::from(b - b'A')])
            }
            _ => None,
        }
    }
}

impl Dag {
    /// The decision for a lead: walk the ordered rules, then the DAG.
    pub fn decide(&self, program: &Program, lead: &Lead) -> &Decision {
        &self.leaves[self.decide_leaf(program, lead)]
    }

    /// The index in `leaves` of a lead's decision, for callers that keep
    /// something per leaf (output text, counts).
    pub fn decide_leaf(&self, program: &Program, lead: &Lead) -> usize {
        for (_, rule_root) in &self.ordered {
            let end = self.walk(program, *rule_root, lead);
            if end != NEXT {
                return self.leaf_index(end);
            }
        }
        self.leaf_index(self.walk(program, self.root, lead))
    }

    fn walk(&self, program: &Program, mut id: NodeId, lead: &Lead) -> NodeId {
        while let Node::Test { var, runs } = &self.nodes[id as usize] {
            let v = &self.vars[*var as usize];
            let atom = match &self.tables[*var as usize] {
                Some(table) => table
                    .atom(&lead.values[v.base])
                    .unwrap_or_else(|| v.atom(program, lead)),
                None => v.atom(program, lead),
            };
            id = match &self.dense[id as usize] {
                Some(children) => children[atom as usize],
                None => Node::child(runs, atom),
            };
        }
        id
    }

    fn leaf(&self, id: NodeId) -> &Decision {
        &self.leaves[self.leaf_index(id)]
    }

    /// Leaf terminals are `3 + index`; the first leaf is always "unmatched".
    fn leaf_index(&self, id: NodeId) -> usize {
        match &self.nodes[id as usize] {
            Node::Terminal(l) if *l > NEXT => (*l - 3) as usize,
            _ => 0,
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
    let mut dag = Dag {
        vars: m.vars,
        nodes: m.nodes,
        leaves: m.leaves,
        ordered,
        root,
        dense: Vec::new(),
        tables: Vec::new(),
    };
    dag.dense = vec![None; dag.nodes.len()];
    let mut budget = DENSE_BUDGET;
    for id in dag.reachable() {
        if let Node::Test { var, runs } = &dag.nodes[id as usize] {
            let atoms = dag.vars[*var as usize].atom_count();
            if atoms <= DENSE_ATOMS && atoms <= budget {
                budget -= atoms;
                dag.dense[id as usize] = Some(Node::atoms(runs).map(|(_, child)| child).collect());
            }
        }
    }
    dag.tables = dag
        .vars
        .iter()
        .map(|v| AtomTable::build(program, v))
        .collect();
    dag
}
