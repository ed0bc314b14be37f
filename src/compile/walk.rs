//! The DAG laid out for deciding: every reachable test node as one small
//! step in an array, its children in another, terminals folded into the
//! links. A step is a load of the step and one of the child, where the
//! DAG's own nodes took a node, an optional box of children and, past the
//! budget, a search. With the variables' probes (`tables`), measured on
//! the decide bench: 78.7 → 69.8 ns a lead.

use super::mdd::{Node, NodeId, Run};

/// A child link that ends the walk: the terminal's value in the low bits.
const END: u32 = 1 << 31;

/// Nodes over at most this many atoms get a child per atom, up to
/// `DENSE_BUDGET` children in all; wider nodes search their runs.
const DENSE_ATOMS: usize = 1 << 16;
const DENSE_BUDGET: usize = 1 << 22;

#[derive(Clone, Copy)]
struct Step {
    var: u32,
    /// Where the node's links start: in `children` (one per atom) when
    /// `runs` is 0, else in `runs` (`runs` of them).
    first: u32,
    runs: u32,
}

pub(super) struct Walk {
    steps: Vec<Step>,
    children: Vec<u32>,
    runs: Vec<Run>,
}

impl Walk {
    /// The walk of the nodes reachable from `roots`, whose variables have
    /// `atoms` atoms each. Returns it with each root's link.
    pub(super) fn build(nodes: &[Node], atoms: &[usize], roots: &[NodeId]) -> (Walk, Vec<u32>) {
        Walk::build_within(nodes, atoms, roots, DENSE_ATOMS, DENSE_BUDGET)
    }

    fn build_within(
        nodes: &[Node],
        atoms: &[usize],
        roots: &[NodeId],
        dense_atoms: usize,
        mut budget: usize,
    ) -> (Walk, Vec<u32>) {
        let mut walk = Walk {
            steps: Vec::new(),
            children: Vec::new(),
            runs: Vec::new(),
        };
        // Number the test nodes first, so a node's links can name nodes
        // laid out after it.
        let mut link = vec![u32::MAX; nodes.len()];
        let mut stack = roots.to_vec();
        let mut order = Vec::new();
        while let Some(id) = stack.pop() {
            if link[id as usize] != u32::MAX {
                continue;
            }
            match &nodes[id as usize] {
                Node::Terminal(value) => link[id as usize] = END | value,
                Node::Test { runs, .. } => {
                    link[id as usize] = order.len() as u32;
                    order.push(id);
                    stack.extend(runs.iter().map(|r| r.child));
                }
            }
        }
        for id in order {
            let Node::Test { var, runs } = &nodes[id as usize] else {
                unreachable!("only test nodes are numbered");
            };
            let count = atoms[*var as usize];
            let dense = count <= dense_atoms && count <= budget;
            let step = if dense {
                budget -= count;
                let first = walk.children.len() as u32;
                let children = Node::atoms(runs).map(|(_, child)| link[child as usize]);
                walk.children.extend(children);
                Step {
                    var: *var,
                    first,
                    runs: 0,
                }
            } else {
                let first = walk.runs.len() as u32;
                walk.runs.extend(runs.iter().map(|r| Run {
                    end: r.end,
                    child: link[r.child as usize],
                }));
                Step {
                    var: *var,
                    first,
                    runs: runs.len() as u32,
                }
            };
            walk.steps.push(step);
        }
        let roots = roots.iter().map(|&r| link[r as usize]).collect();
        (walk, roots)
    }

    /// The terminal value the walk from `link` ends at.
    #[inline]
    pub(super) fn run(&self, mut link: u32, atom: &mut impl FnMut(u32) -> u32) -> u32 {
        while link & END == 0 {
            let step = self.steps[link as usize];
            let atom = atom(step.var);
            link = match step.runs {
                0 => self.children[(step.first + atom) as usize],
                n => {
                    let runs = &self.runs[step.first as usize..][..n as usize];
                    Node::child(runs, atom)
                }
            };
        }
        link & !END
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition: follow the nodes' runs.
    fn by_runs(nodes: &[Node], mut id: NodeId, atoms: &[u32]) -> u32 {
        while let Node::Test { var, runs } = &nodes[id as usize] {
            id = Node::child(runs, atoms[*var as usize]);
        }
        match nodes[id as usize] {
            Node::Terminal(value) => value,
            Node::Test { .. } => unreachable!(),
        }
    }

    /// Nodes 0..terminals are terminals; every test node links to nodes
    /// before it, so the graph has no cycle.
    fn graph() -> impl Strategy<Value = (Vec<Node>, Vec<usize>)> {
        let vars = prop::collection::vec(1usize..6, 1..4);
        vars.prop_flat_map(|atoms| {
            let var_count = atoms.len();
            let tests =
                prop::collection::vec((0..var_count, prop::collection::vec(0.0f64..1.0, 5)), 1..12);
            (Just(atoms), tests, 1usize..6)
        })
        .prop_map(|(atoms, tests, terminals)| {
            let mut nodes: Vec<Node> = (0..terminals as u32 + 3).map(Node::Terminal).collect();
            for (var, picks) in tests {
                let width = atoms[var];
                let mut runs: Vec<Run> = Vec::new();
                for (atom, pick) in picks.iter().take(width).enumerate() {
                    let child = (pick * nodes.len() as f64) as NodeId;
                    match runs.last_mut() {
                        Some(last) if last.child == child => last.end = atom as u32 + 1,
                        _ => runs.push(Run {
                            end: atom as u32 + 1,
                            child,
                        }),
                    }
                }
                nodes.push(Node::Test {
                    var: var as u32,
                    runs: runs.into(),
                });
            }
            (nodes, atoms)
        })
    }

    proptest! {
        /// Dense and searched steps, and a mix of the two, end where the
        /// nodes' runs do, from every node.
        #[test]
        fn walks_end_where_the_runs_do(
            (nodes, atoms) in graph(),
            values in prop::collection::vec(0u32..6, 3),
            budget in 0usize..40,
        ) {
            let atoms_of: Vec<u32> = (0..atoms.len()).map(|v| values[v] % atoms[v] as u32).collect();
            let roots: Vec<NodeId> = (0..nodes.len() as NodeId).collect();
            for (dense_atoms, budget) in [(usize::MAX, usize::MAX), (0, 0), (usize::MAX, budget)] {
                let (walk, starts) = Walk::build_within(&nodes, &atoms, &roots, dense_atoms, budget);
                for (&root, &start) in roots.iter().zip(&starts) {
                    let end = walk.run(start, &mut |v| atoms_of[v as usize]);
                    prop_assert_eq!(end, by_runs(&nodes, root, &atoms_of));
                }
            }
        }
    }
}
