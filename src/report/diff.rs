//! The `route diff --report` page: what moves between the old rules and
//! the new, as a heat map of old queue × new queue, with the rules
//! responsible and sample leads per move. The figures block holds the same
//! object as `route diff --format json`.

use super::page::{cards, escape, percent, table, Cell, Page};
use super::svg::{self, Bar};
use crate::diff::{rule_label, Diff, Move};
use std::fmt::Write;

/// The files a diff compared.
pub struct DiffFiles<'a> {
    pub old: &'a str,
    pub new: &'a str,
    pub input: &'a str,
}

/// The whole page.
pub fn page(diff: &Diff, files: &DiffFiles) -> String {
    let mut page = Page::new("Rule change report");
    page.fact("old rules", files.old);
    page.fact("new rules", files.new);
    page.fact("leads", files.input);
    page.section("overview", "Overview", &overview(diff));
    page.section("matrix", "From old queue to new queue", &matrix(diff));
    page.section("moves", "What moves, and why", &moves(diff));
    let data = serde_json::to_value(diff).unwrap_or_default();
    page.render(&serde_json::json!({
        "report": "diff",
        "old_rules": files.old,
        "new_rules": files.new,
        "input_file": files.input,
        "diff": data,
    }))
}

fn overview(diff: &Diff) -> String {
    let mut out = cards(&[
        ("leads", diff.leads.to_string()),
        ("move", diff.moved.to_string()),
        ("stay", diff.stayed.to_string()),
        ("rejected", diff.rejected.to_string()),
        (
            "share that moves",
            format!("{:.1}%", percent(diff.moved, diff.leads)),
        ),
    ]);
    out.push_str(&svg::share_strip(
        "Every lead: moves, stays, rejected",
        &[
            ("moves".into(), diff.moved, svg::VERMILLION),
            ("stays".into(), diff.stayed, svg::BLUE),
            ("rejected".into(), diff.rejected, svg::PURPLE),
        ],
    ));
    out
}

/// Old queues down, new queues across: the heat map and the same counts
/// as a table.
fn matrix(diff: &Diff) -> String {
    let rows: Vec<String> = diff.matrix.keys().cloned().collect();
    let mut columns: Vec<String> = (diff.matrix.values())
        .flat_map(|row| row.keys().cloned())
        .collect();
    columns.sort();
    columns.dedup();
    if rows.is_empty() {
        return "<p>No lead could be routed.</p>\n".into();
    }
    let counts: Vec<Vec<u64>> = (diff.matrix.values())
        .map(|row| {
            (columns.iter())
                .map(|c| row.get(c).copied().unwrap_or(0))
                .collect()
        })
        .collect();
    let mut head = vec!["old \\ new"];
    head.extend(columns.iter().map(String::as_str));
    let cells: Vec<Vec<Cell>> = (rows.iter().zip(&counts))
        .map(|(row, n)| {
            std::iter::once(Cell::Text(row.clone()))
                .chain(n.iter().map(|n| Cell::Count(*n)))
                .collect()
        })
        .collect();
    let mut out = svg::heat_map("Leads by old queue and new queue", &rows, &columns, &counts);
    if rows.len().max(columns.len()) > svg::MOST_CELLS {
        let _ = writeln!(
            out,
            "<p class=\"note\">The map shows the first {} queues each way; the table has them all.</p>",
            svg::MOST_CELLS
        );
    }
    out.push_str("<p class=\"note\">Darker: more leads. Dashed cells keep their queue (their owner may still change).</p>\n");
    out.push_str(&table("matrix-table", &head, &cells));
    out
}

fn moves(diff: &Diff) -> String {
    if diff.moves.is_empty() {
        return "<p>No lead moves: the new rules send every lead where the old ones did.</p>\n"
            .into();
    }
    let bars: Vec<Bar> = (diff.moves.iter())
        .map(|m| Bar {
            label: format!("{} → {}", m.from, m.to),
            value: m.leads,
            colour: svg::VERMILLION,
            limit: None,
        })
        .collect();
    let rows: Vec<Vec<Cell>> = diff.moves.iter().map(move_row).collect();
    let mut out = svg::bars("Leads per move, most first", &bars);
    out.push_str(&table(
        "move-table",
        &["from", "to", "leads", "rules (old → new)", "sample leads"],
        &rows,
    ));
    out
}

fn move_row(m: &Move) -> Vec<Cell> {
    let rules: Vec<String> = (m.rules.iter())
        .map(|r| {
            format!(
                "{} → {}: {}",
                escape(&rule_label(&r.old)),
                escape(&rule_label(&r.new)),
                r.leads
            )
        })
        .collect();
    let samples: Vec<String> = (m.samples.iter())
        .map(|s| match &s.key {
            Some(key) => format!("line {} (<code>{}</code>)", s.line, escape(key)),
            None => format!("line {}", s.line),
        })
        .collect();
    vec![
        Cell::Text(m.from.clone()),
        Cell::Text(m.to.clone()),
        Cell::Count(m.leads),
        Cell::Html(rules.join("<br>")),
        Cell::Html(samples.join("<br>")),
    ]
}
