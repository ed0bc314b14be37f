//! `route compile --emit dag|dot`: the DAG as text or as a graphviz graph.

use super::{Dag, Node, NodeId};
use crate::ir::{Decision, Program};
use std::fmt::Write;

/// Each atom group of a node with the node it leads to.
fn edges(dag: &Dag, id: NodeId) -> Vec<(String, NodeId)> {
    let Node::Test { var, runs } = &dag.nodes[id as usize] else {
        return vec![];
    };
    let var = &dag.vars[*var as usize];
    let mut groups: Vec<(Vec<String>, NodeId)> = Vec::new();
    for (atom, child) in Node::atoms(runs) {
        let text = var.describe_atom(atom);
        match groups.iter_mut().find(|(_, c)| *c == child) {
            Some((atoms, _)) => atoms.push(text),
            None => groups.push((vec![text], child)),
        }
    }
    groups
        .into_iter()
        .map(|(atoms, child)| (shorten(&atoms), child))
        .collect()
}

fn shorten(atoms: &[String]) -> String {
    if atoms.len() <= 4 {
        atoms.join(", ")
    } else {
        format!("{}, … ({} more)", atoms[..3].join(", "), atoms.len() - 3)
    }
}

fn var_label(program: &Program, dag: &Dag, var: u32) -> String {
    let v = &dag.vars[var as usize];
    let name = program.base_name(v.base);
    match &v.classify {
        super::atoms::Classify::Pattern(t) => format!("{name} {}", pattern_words(&t.matcher)),
        _ => name,
    }
}

fn pattern_words(m: &crate::ir::Matcher) -> String {
    use crate::ir::Matcher::*;
    match m {
        StartsWith(p) => format!("starts with {p:?}"),
        EndsWith(p) => format!("ends with {p:?}"),
        Contains(p) => format!("contains {p:?}"),
        _ => String::new(),
    }
}

fn leaf_label(program: &Program, dag: &Dag, id: NodeId) -> String {
    if id == super::NEXT {
        return "→ next rule".into();
    }
    match dag.leaf(id) {
        Decision::Unmatched => "no rule matched".into(),
        Decision::Routed { rule, target } => {
            let rule = rule.map_or("default".to_string(), |r| {
                format!("rule \"{}\"", program.rules[r].name)
            });
            let owner = match target {
                crate::ir::Target::Owner { owner, .. } => format!(" owner {owner}"),
                _ => String::new(),
            };
            format!("→ {}{owner} ({rule})", program.queue_name(target))
        }
    }
}

fn counts(dag: &Dag, nodes: &[NodeId]) -> (usize, usize, usize) {
    let tests = nodes
        .iter()
        .filter(|id| matches!(dag.nodes[**id as usize], Node::Test { .. }))
        .count();
    let edges: usize = nodes.iter().map(|id| edges(dag, *id).len()).sum();
    (tests, nodes.len() - tests, edges)
}

pub fn to_text(program: &Program, dag: &Dag) -> String {
    let nodes = dag.reachable();
    let (tests, leaves, edge_count) = counts(dag, &nodes);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "dag: {tests} test nodes, {leaves} leaves, {edge_count} edges, {} variables",
        dag.vars.len()
    );
    for (rule, root) in &dag.ordered {
        let _ = writeln!(
            out,
            "ordered rule \"{}\": n{root}",
            program.rules[*rule].name
        );
    }
    let _ = writeln!(out, "root: n{}", dag.root);
    for id in nodes {
        match &dag.nodes[id as usize] {
            Node::Test { var, .. } => {
                let _ = writeln!(out, "n{id}: {}", var_label(program, dag, *var));
                for (atoms, child) in edges(dag, id) {
                    let _ = writeln!(out, "  {atoms} -> n{child}");
                }
            }
            Node::Terminal(_) => {
                let _ = writeln!(out, "n{id}: {}", leaf_label(program, dag, id));
            }
        }
    }
    out
}

pub fn to_dot(program: &Program, dag: &Dag) -> String {
    let nodes = dag.reachable();
    let (tests, leaves, edge_count) = counts(dag, &nodes);
    let mut out = String::new();
    let title = program.name.clone().unwrap_or_else(|| "rules".into());
    let _ = writeln!(out, "digraph route {{\n  rankdir=LR;");
    let _ = writeln!(
        out,
        "  label={};",
        quote(&format!(
            "{title}: {tests} tests, {leaves} leaves, {edge_count} edges"
        ))
    );
    let _ = writeln!(
        out,
        "  node [fontname=\"Helvetica\"]; edge [fontname=\"Helvetica\", fontsize=10];"
    );
    for id in &nodes {
        match &dag.nodes[*id as usize] {
            Node::Test { var, .. } => {
                let _ = writeln!(
                    out,
                    "  n{id} [shape=ellipse, label={}];",
                    quote(&var_label(program, dag, *var))
                );
                for (atoms, child) in edges(dag, *id) {
                    let _ = writeln!(out, "  n{id} -> n{child} [label={}];", quote(&atoms));
                }
            }
            Node::Terminal(_) => {
                let _ = writeln!(
                    out,
                    "  n{id} [shape=box, style=rounded, label={}];",
                    quote(&leaf_label(program, dag, *id))
                );
            }
        }
    }
    for (rule, root) in &dag.ordered {
        let _ = writeln!(
            out,
            "  r{rule} [shape=plaintext, label={}];\n  r{rule} -> n{root};",
            quote(&program.rules[*rule].name)
        );
    }
    let _ = writeln!(out, "}}");
    out
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
