//! The `route run --report` page: where the leads went (queues, owners,
//! rules), what did not route and why, and the data quality of the input.
//! Every figure is read from the run's [`Summary`].

use super::page::{cards, escape, percent, table, Cell, Page};
use super::svg::{self, Bar};
use crate::distribute::{Distributor, Store};
use crate::ir::Program;
use crate::run::samples::Samples;
use crate::run::Summary;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// What the run page is about.
pub struct RunReport<'a> {
    pub program: &'a Program,
    pub summary: &'a Summary,
    pub owners: Vec<OwnerLoad>,
    pub rules_file: String,
    pub input_file: String,
    /// `--now`: the run date, shown only when given (a page without it is
    /// the same for the same input).
    pub now: Option<String>,
}

/// An owner's leads in this run, their count today toward their cap (with
/// `--state`, earlier runs of the day too), and the cap.
#[derive(Clone, Debug, PartialEq)]
pub struct OwnerLoad {
    pub owner: String,
    pub leads: u64,
    pub today: u64,
    pub cap: Option<u32>,
}

/// Every owner who took leads, and every member of a queue, with their load.
pub fn owner_loads(
    program: &Program,
    summary: &Summary,
    distributor: &Distributor,
    store: &mut dyn Store,
) -> Vec<OwnerLoad> {
    let members = program.queues.iter().flat_map(|q| q.members.iter());
    let owners: BTreeSet<&String> = summary.per_owner.keys().chain(members).collect();
    owners
        .into_iter()
        .map(|owner| OwnerLoad {
            owner: owner.clone(),
            leads: summary.per_owner.get(owner).copied().unwrap_or(0),
            // Owners named by a table take leads without the distributor
            // counting them; today is at least this run.
            today: u64::from(store.count(owner))
                .max(summary.per_owner.get(owner).copied().unwrap_or(0)),
            cap: distributor.daily_cap(owner),
        })
        .collect()
}

/// The whole page.
pub fn page(report: &RunReport) -> String {
    let s = report.summary;
    let title = match &report.program.name {
        Some(name) => format!("Routing report: {name}"),
        None => "Routing report".to_string(),
    };
    let mut page = Page::new(&title);
    page.fact("rules", &report.rules_file);
    page.fact("leads", &report.input_file);
    if let Some(now) = &report.now {
        page.fact("run date", now);
    }
    page.section("overview", "Overview", &overview(s, &report.owners));
    page.section("queues", "Leads per queue", &queues(s));
    page.section("rules", "Leads per rule", &rules(s));
    page.section("owners", "Owners and their caps", &owners(&report.owners));
    let empty = Samples::default();
    let samples = s.samples.as_ref().unwrap_or(&empty);
    page.section("unmatched", "Unmatched leads", &unmatched(s, samples));
    page.section("rejected", "Rejected rows", &rejected(s, samples));
    page.section(
        "unreadable",
        "Values that could not be read",
        &unreadable(s, samples),
    );
    page.render(&figures(report, samples))
}

/// Leads routed by a rule (not the default).
fn by_rules(s: &Summary) -> u64 {
    s.per_rule[..s.per_rule.len() - 1].iter().sum()
}

fn by_default(s: &Summary) -> u64 {
    s.per_rule.last().copied().unwrap_or(0)
}

/// Mean leads per owner who took any; 0 with no owners.
fn leads_per_owner(owners: &[OwnerLoad]) -> f64 {
    let took: Vec<u64> = owners.iter().map(|o| o.leads).filter(|n| *n > 0).collect();
    if took.is_empty() {
        0.0
    } else {
        took.iter().sum::<u64>() as f64 / took.len() as f64
    }
}

fn overview(s: &Summary, owners: &[OwnerLoad]) -> String {
    let mut out = cards(&[
        ("leads in", s.rows_in.to_string()),
        ("routed", s.routed.to_string()),
        ("rejected", s.rejected.to_string()),
        ("unmatched", s.unmatched.to_string()),
        (
            "routed by a rule",
            format!("{:.1}%", percent(by_rules(s), s.routed)),
        ),
        (
            "routed by the default",
            format!("{:.1}%", percent(by_default(s), s.routed)),
        ),
        (
            "unmatched share",
            format!("{:.1}%", percent(s.unmatched, s.routed)),
        ),
        ("leads per owner", format!("{:.1}", leads_per_owner(owners))),
    ]);
    out.push_str("<p class=\"note\">Shares of routed leads; rejected rows could not be read and are not routed.</p>\n");
    out.push_str(&svg::share_strip(
        "Every lead in: by a rule, by the default, unmatched, rejected",
        &[
            ("by a rule".into(), by_rules(s), svg::BLUE),
            ("by the default".into(), by_default(s), svg::ORANGE),
            ("unmatched".into(), s.unmatched, svg::PURPLE),
            ("rejected".into(), s.rejected, svg::VERMILLION),
        ],
    ));
    out
}

/// A chart beside its table.
fn pair(chart: &str, table: &str) -> String {
    format!("<div class=\"pair\"><div>{chart}</div><div>{table}</div></div>\n")
}

fn queues(s: &Summary) -> String {
    let rows: Vec<(&String, u64)> = s.per_queue.iter().map(|(q, n)| (q, *n)).collect();
    counted("queue", "Leads per queue", &rows, s.routed, svg::BLUE)
}

/// A bar chart and a table of names with counts and shares.
fn counted(
    what: &str,
    caption: &str,
    rows: &[(&String, u64)],
    total: u64,
    colour: &'static str,
) -> String {
    if rows.is_empty() {
        return format!("<p>No lead went to any {what}.</p>\n");
    }
    let bars: Vec<Bar> = (rows.iter())
        .map(|(name, n)| Bar {
            label: (*name).clone(),
            value: *n,
            colour,
            limit: None,
        })
        .collect();
    let cells: Vec<Vec<Cell>> = (rows.iter())
        .map(|(name, n)| {
            vec![
                Cell::Text((*name).clone()),
                Cell::Count(*n),
                Cell::Share(percent(*n, total)),
            ]
        })
        .collect();
    let id = format!("{what}-table");
    pair(
        &svg::bars(caption, &bars),
        &table(&id, &[what, "leads", "share"], &cells),
    )
}

fn rules(s: &Summary) -> String {
    let names = s.rule_names();
    let rows: Vec<(&String, u64)> = names.iter().zip(s.per_rule.iter().copied()).collect();
    let mut out = counted(
        "rule",
        "Leads per rule, in rule order",
        &rows,
        s.routed,
        svg::GREEN,
    );
    let never: Vec<String> = (never_hit(s).iter())
        .map(|name| format!("<li>{}</li>", escape(name)))
        .collect();
    if never.is_empty() {
        out.push_str("<p>Every rule took at least one lead.</p>\n");
    } else {
        out.push_str(&format!(
            "<h3>Rules never hit ({})</h3>\n<ul id=\"never-hit\">{}</ul>\n",
            never.len(),
            never.join("")
        ));
    }
    out
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// The rules (not the default) that took no lead.
fn never_hit(s: &Summary) -> Vec<&String> {
    let rules = s.per_rule.len() - 1;
    (s.rule_names()[..rules].iter())
        .zip(&s.per_rule)
        .filter(|(_, n)| **n == 0)
        .map(|(name, _)| name)
        .collect()
}

fn owners(loads: &[OwnerLoad]) -> String {
    if loads.is_empty() {
        return "<p>No lead has an owner: the queues hold their leads.</p>\n".into();
    }
    let bars: Vec<Bar> = (loads.iter())
        .map(|o| Bar {
            label: o.owner.clone(),
            value: o.today,
            colour: match o.cap {
                Some(cap) if o.today >= u64::from(cap) => svg::VERMILLION,
                _ => svg::BLUE,
            },
            limit: o.cap.map(u64::from),
        })
        .collect();
    let rows: Vec<Vec<Cell>> = (loads.iter())
        .map(|o| {
            vec![
                Cell::Text(o.owner.clone()),
                Cell::Count(o.leads),
                Cell::Count(o.today),
                o.cap
                    .map_or(Cell::Text("none".into()), |c| Cell::Count(c.into())),
                o.cap.map_or(Cell::Text(String::new()), |c| {
                    Cell::Share(percent(o.today, c.into()))
                }),
            ]
        })
        .collect();
    // Chart above table: the table is too wide to stand beside it.
    let mut out = svg::bars("Each owner's leads today against their daily cap", &bars);
    out.push_str(&table(
        "owner-table",
        &["owner", "leads this run", "today", "daily cap", "of cap"],
        &rows,
    ));
    out.push_str("<p class=\"note\">Bars: leads today (with <code>--state</code>, earlier runs of the day count too); dashed line: the daily cap; vermillion: at the cap.</p>\n");
    out
}

/// A lead's line and the cells the rules read, one column per field.
fn lead_rows(s: &Summary, samples: &Samples) -> String {
    let mut head = vec!["line"];
    head.extend(s.columns().iter().map(String::as_str));
    let rows: Vec<Vec<Cell>> = (samples.unmatched.iter())
        .map(|lead| {
            std::iter::once(Cell::Count(lead.line))
                .chain(lead.cells.iter().map(|c| Cell::Text(c.clone())))
                .collect()
        })
        .collect();
    table("unmatched-examples", &head, &rows)
}

fn unmatched(s: &Summary, samples: &Samples) -> String {
    if s.unmatched == 0 {
        return "<p>Every lead matched a rule or the default.</p>\n".into();
    }
    let mut out = format!(
        "<p><strong>{}</strong> {} no rule and no default: their route columns are empty.</p>\n",
        s.unmatched,
        plural(s.unmatched, "lead matched", "leads matched")
    );
    if !samples.unmatched.is_empty() {
        out.push_str("<h3>The first of them</h3>\n");
        out.push_str(&lead_rows(s, samples));
    }
    out
}

fn rejected(s: &Summary, samples: &Samples) -> String {
    if s.rejected == 0 {
        return "<p>Every row could be read.</p>\n".into();
    }
    let rows: Vec<Vec<Cell>> = (samples.rejects.iter())
        .map(|(kind, k)| {
            let examples: Vec<String> = (k.examples.iter())
                .map(|(line, reason)| format!("line {line}: {}", escape(reason)))
                .collect();
            vec![
                Cell::Text(kind.clone()),
                Cell::Count(k.count),
                Cell::Html(examples.join("<br>")),
            ]
        })
        .collect();
    format!(
        "<p><strong>{}</strong> {} not be read; the rejects file keeps each one byte for byte.</p>\n{}",
        s.rejected,
        plural(s.rejected, "row could", "rows could"),
        table("reject-table", &["reason", "rows", "examples"], &rows)
    )
}

fn unreadable(s: &Summary, samples: &Samples) -> String {
    let rows: Vec<Vec<Cell>> = (s.columns().iter().enumerate())
        .filter(|(i, _)| s.unreadable[*i] > 0)
        .map(|(i, column)| {
            let examples: Vec<String> = (samples.unreadable.get(i).into_iter().flatten())
                .map(|c| format!("line {}: <code>{}</code>", c.line, escape(&c.value)))
                .collect();
            vec![
                Cell::Text(column.clone()),
                Cell::Count(s.unreadable[i]),
                Cell::Html(examples.join("<br>")),
            ]
        })
        .collect();
    if rows.is_empty() {
        return "<p>Every value the rules read could be read.</p>\n".into();
    }
    format!(
        "<p>These cells were not blank but could not be read; the rules saw them as missing.</p>\n{}",
        table("unreadable-table", &["column", "cells", "examples"], &rows)
    )
}

/// The figures for tools, in the summary's own terms.
fn figures(report: &RunReport, samples: &Samples) -> Value {
    let s = report.summary;
    let named = |rows: Vec<(&String, u64)>| -> Vec<Value> {
        (rows.into_iter())
            .map(|(name, n)| json!({ "name": name, "leads": n }))
            .collect()
    };
    let rules: Vec<(&String, u64)> = s.rule_names().iter().zip(s.per_rule.clone()).collect();
    json!({
        "report": "run",
        "rules_file": report.rules_file,
        "input_file": report.input_file,
        "date": report.now,
        "leads_in": s.rows_in,
        "routed": s.routed,
        "rejected": s.rejected,
        "unmatched": s.unmatched,
        "by_queue": named(s.per_queue.iter().map(|(q, n)| (q, *n)).collect()),
        "by_rule": named(rules),
        "by_owner": named(s.per_owner.iter().map(|(o, n)| (o, *n)).collect()),
        "never_hit": never_hit(s),
        "owners": report.owners.iter().map(|o| json!({
            "owner": o.owner, "leads": o.leads, "today": o.today, "cap": o.cap,
        })).collect::<Vec<_>>(),
        "unreadable": s.columns().iter().zip(&s.unreadable)
            .map(|(c, n)| json!({ "column": c, "cells": n })).collect::<Vec<_>>(),
        "rejects": samples.rejects.iter()
            .map(|(kind, k)| json!({ "reason": kind, "rows": k.count })).collect::<Vec<_>>(),
        "kpis": {
            "routed_by_rule": percent(by_rules(s), s.routed),
            "routed_by_default": percent(by_default(s), s.routed),
            "unmatched": percent(s.unmatched, s.routed),
            "leads_per_owner": leads_per_owner(&report.owners),
        },
    })
}
