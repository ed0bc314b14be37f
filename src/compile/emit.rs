//! `route compile --emit dag|dot|mermaid`: the DAG as text, as a graphviz
//! graph or as a Mermaid flowchart.

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

/// The same graph as `to_dot`, as a Mermaid flowchart: it renders inline in
/// Markdown (GitHub, GitLab, most wikis) where a dot file needs graphviz.
pub fn to_mermaid(program: &Program, dag: &Dag) -> String {
    let nodes = dag.reachable();
    let (tests, leaves, edge_count) = counts(dag, &nodes);
    let title = program.name.clone().unwrap_or_else(|| "rules".into());
    let mut out = String::new();
    // The title goes in the front matter, as flowcharts have no label of
    // their own; dot's quoting is also a YAML double-quoted string.
    let _ = writeln!(
        out,
        "---\ntitle: {}\n---\nflowchart LR",
        quote(&mermaid_title(&format!(
            "{title}: {tests} tests, {leaves} leaves, {edge_count} edges"
        )))
    );
    for id in &nodes {
        match &dag.nodes[*id as usize] {
            Node::Test { var, .. } => {
                let label = mermaid_text(&var_label(program, dag, *var));
                let _ = writeln!(out, "  n{id}([\"{label}\"])");
                for (atoms, child) in edges(dag, *id) {
                    let _ = writeln!(out, "  n{id} -->|\"{}\"| n{child}", mermaid_text(&atoms));
                }
            }
            Node::Terminal(_) => {
                let label = mermaid_text(&leaf_label(program, dag, *id));
                let _ = writeln!(out, "  n{id}(\"{label}\")");
            }
        }
    }
    for (rule, root) in &dag.ordered {
        let name = mermaid_text(&program.rules[*rule].name);
        let _ = writeln!(out, "  r{rule}[\"{name}\"]:::rule\n  r{rule} --> n{root}");
    }
    if !dag.ordered.is_empty() {
        // Rule entry points are plain text in dot too.
        let _ = writeln!(out, "  classDef rule fill:none,stroke:none");
    }
    out
}

/// Text for inside a quoted Mermaid label. Mermaid reads `#code;` as a
/// character and renders labels as HTML, so quotes, `#`, `&`, `<`, `>`,
/// brackets, the edge-label bar and the Markdown-string backtick are written
/// as decimal codes; a line break would end the statement, so it becomes a space.
fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' | '#' | '&' | '<' | '>' | '[' | ']' | '{' | '}' | '|' | '`' => {
                let _ = write!(out, "#{};", u32::from(c));
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Mermaid shows a title as plain text but sanitizes it as HTML first, so
/// `<b>` gains a `</b>` and `&lt;` shows as written; no escape survives both.
/// Look-alike characters keep the title readable.
fn mermaid_title(s: &str) -> String {
    s.replace('<', "‹").replace('>', "›").replace('&', "＆")
}

#[cfg(test)]
mod tests {
    use super::{mermaid_text, mermaid_title};

    #[test]
    fn mermaid_labels_escape_what_mermaid_would_read() {
        assert_eq!(
            mermaid_text(r#"rule "A" [x] {y} #1 <b> & |z| `m`"#),
            "rule #34;A#34; #91;x#93; #123;y#125; #35;1 #60;b#62; #38; #124;z#124; #96;m#96;"
        );
        assert_eq!(mermaid_text("a\nb\tc"), "a b c");
        assert_eq!(
            mermaid_text("→ norcal (rule ≥1000)"),
            "→ norcal (rule ≥1000)"
        );
        assert_eq!(mermaid_title("A&B <x>"), "A＆B ‹x›");
    }
}
