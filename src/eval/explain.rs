//! Why a lead went where it went: each value raw → normalized, every rule
//! in order with the test that failed (and its place in the source), the
//! table row that decided a lookup, and the decision.

use super::{lookup_row, reference, Decoder, Lead, Reading, Val};
use crate::analysis::why_not::{Change, RuleAnswer};
use crate::diagnostics::Sources;
use crate::ir::{Cond, Decision, Dest, Matcher, Program, Target, Test, ValueExpr};
use serde_json::{json, Value as Json};
use std::fmt::Write;

/// A lead as raw cells: (column, text) in the lead's own columns.
pub type RawLead = Vec<(String, String)>;

pub struct Trace {
    pub values: Vec<ValueTrace>,
    pub rules: Vec<RuleTrace>,
    pub decision: Decision,
    /// The lead as the rules read it.
    pub lead: Lead,
    /// How the queue shared the lead out, step by step (set by the caller).
    pub distribution: Option<(crate::distribute::Assignment, String)>,
}

pub struct ValueTrace {
    pub field: usize,
    pub raw: Option<String>,
    pub normalized: String,
    pub reading: Reading,
}

pub enum Outcome {
    /// The condition held and the destination resolved.
    Matched,
    /// These tests made the condition false (the first is the one to fix),
    /// each with what its value was for this lead.
    Failed(Vec<(usize, String)>),
    /// The condition held but the lookup found no usable queue or owner.
    NoDestination,
    /// An earlier rule already took the lead.
    NotTried,
}

pub struct RuleTrace {
    pub rule: usize,
    pub outcome: Outcome,
    /// For lookups this rule made: the table and row line that decided them.
    pub rows: Vec<(usize, usize)>,
}

/// Builds a lead from raw cells and explains its route.
pub fn explain(program: &Program, raw: &RawLead) -> Trace {
    let decoder = Decoder::new(program);
    let mut lead = Lead {
        values: vec![crate::ir::Scalar::Missing; program.bases.len()],
    };
    let mut values = Vec::new();
    for (field, f) in program.fields.iter().enumerate() {
        // The same column matching as `route run`: exact, then ignoring case.
        let cell = raw
            .iter()
            .find(|(c, _)| c == &f.column)
            .or_else(|| raw.iter().find(|(c, _)| c.eq_ignore_ascii_case(&f.column)))
            .map(|(_, v)| v.clone());
        let reading = decoder.decode_field(field, cell.as_deref().unwrap_or(""), &mut lead);
        let normalized = match program.bases.iter().position(|b| b.field == field) {
            Some(base) => lead.values[base].display_as(program.bases[base].ty),
            None => {
                crate::eval::lead::normalize(f.ty, cell.as_deref().unwrap_or("")).display_as(f.ty)
            }
        };
        values.push(ValueTrace {
            field,
            raw: cell,
            normalized,
            reading,
        });
    }
    let decision = reference::decide(program, &lead);
    let winner = match &decision {
        Decision::Routed { rule, .. } => *rule,
        Decision::Unmatched => None,
    };
    let rules = (0..program.rules.len())
        .map(|i| rule_trace(program, &lead, i, winner))
        .collect();
    Trace {
        values,
        rules,
        decision,
        lead,
        distribution: None,
    }
}

fn rule_trace(program: &Program, lead: &Lead, i: usize, winner: Option<usize>) -> RuleTrace {
    let rule = &program.rules[i];
    let mut tests = Vec::new();
    collect_tests(&rule.cond, &mut tests);
    let outcome = if winner.is_some_and(|w| w < i) {
        Outcome::NotTried
    } else if !super::cond(program, &rule.cond, lead) {
        let failed = why_false(program, &rule.cond, lead);
        let described = failed
            .iter()
            .filter_map(|t| {
                Some((
                    tests.iter().position(|x| std::ptr::eq(*x, *t))?,
                    value_words(program, &t.value, lead),
                ))
            })
            .collect();
        Outcome::Failed(described)
    } else if winner == Some(i) {
        Outcome::Matched
    } else {
        Outcome::NoDestination
    };
    let mut rows = Vec::new();
    if !matches!(outcome, Outcome::NotTried) {
        for t in &tests {
            lookups_in_test(program, t, lead, &mut rows);
        }
        if let Dest::Lookup(l) = &rule.dest {
            rows.extend(
                lookup_row(program, l, lead)
                    .map(|r| (l.table, program.tables[l.table].rows[r].line)),
            );
        }
    }
    rows.dedup();
    RuleTrace {
        rule: i,
        outcome,
        rows,
    }
}

fn collect_tests<'a>(c: &'a Cond, out: &mut Vec<&'a Test>) {
    match c {
        Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| collect_tests(c, out)),
        Cond::Not(c) => collect_tests(c, out),
        Cond::Test(t) => out.push(t),
    }
}

/// The tests that make a false condition false.
fn why_false<'a>(program: &Program, c: &'a Cond, lead: &Lead) -> Vec<&'a Test> {
    match c {
        Cond::And(cs) => cs
            .iter()
            .find(|c| !super::cond(program, c, lead))
            .map_or(vec![], |c| why_false(program, c, lead)),
        Cond::Or(cs) => cs
            .iter()
            .flat_map(|c| why_false(program, c, lead))
            .collect(),
        Cond::Not(c) => why_true(program, c, lead),
        Cond::Test(t) => vec![t],
    }
}

/// The tests that make a true condition true.
fn why_true<'a>(program: &Program, c: &'a Cond, lead: &Lead) -> Vec<&'a Test> {
    match c {
        Cond::And(cs) => cs.iter().flat_map(|c| why_true(program, c, lead)).collect(),
        Cond::Or(cs) => cs
            .iter()
            .find(|c| super::cond(program, c, lead))
            .map_or(vec![], |c| why_true(program, c, lead)),
        Cond::Not(c) => why_false(program, c, lead),
        Cond::Test(t) => vec![t],
    }
}

/// `employees is 50`, `email.domain is missing`: what a test read.
fn value_words(program: &Program, expr: &ValueExpr, lead: &Lead) -> String {
    let name = match expr {
        ValueExpr::Base(b) => program.base_name(*b),
        ValueExpr::Tier(t, _) => program.tiers[*t].name.clone(),
        ValueExpr::Lookup(l) => format!(
            "{}[…].{}",
            program.tables[l.table].name, program.tables[l.table].columns[l.column]
        ),
    };
    let value = match super::value(program, expr, lead) {
        Val::Missing => "missing".to_string(),
        Val::Scalar(s, _) => s.display_as(program.bases[expr.base()].ty),
        Val::Label(i) => match expr {
            ValueExpr::Tier(t, _) => program.tiers[*t].bands[i].0.clone(),
            _ => i.to_string(),
        },
        Val::Cell(s) => s.display(),
    };
    format!("{name} is {value}")
}

/// Table rows a test looked at: `in TABLE` and `TABLE[...]` values.
fn lookups_in_test(program: &Program, t: &Test, lead: &Lead, rows: &mut Vec<(usize, usize)>) {
    if let ValueExpr::Lookup(l) = &t.value {
        rows.extend(
            lookup_row(program, l, lead).map(|r| (l.table, program.tables[l.table].rows[r].line)),
        );
    }
    if let Matcher::InTable { table, index } = &t.matcher {
        let key = match super::value(program, &t.value, lead) {
            Val::Scalar(s, kind) => program.index(*table, *index).find(s, kind),
            Val::Cell(s) => program
                .index(*table, *index)
                .find(&s, crate::ir::Kind::Text),
            _ => None,
        };
        rows.extend(key.map(|r| (*table, program.tables[*table].rows[r].line)));
    }
}

/// `route_queue`, `route_owner`, `route_rule` of a decision.
pub fn decision_columns<'a>(program: &'a Program, d: &'a Decision) -> (&'a str, &'a str, &'a str) {
    match d {
        Decision::Unmatched => ("", "", ""),
        Decision::Routed { rule, target } => {
            let owner = match target {
                Target::Owner { owner, .. } => owner.as_str(),
                Target::Queue(_) => "",
            };
            (
                program.queue_name(target),
                owner,
                rule.map_or("default", |r| program.rules[r].name.as_str()),
            )
        }
    }
}

/// The trace for a person: plain words, the source line of each failed test.
pub fn render_human(
    program: &Program,
    sources: &Sources,
    trace: &Trace,
    why_not: Option<&WhyNot>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "values:");
    for v in &trace.values {
        let f = &program.fields[v.field];
        let raw = v
            .raw
            .as_deref()
            .map_or("(no such column)".to_string(), |r| format!("{r:?}"));
        let note = match v.reading {
            Reading::Unreadable => format!("  (not a {} value: treated as missing)", f.ty.name()),
            Reading::Blank if v.raw.as_deref().is_some_and(|r| !r.trim().is_empty()) => {
                "  (a placeholder: missing)".to_string()
            }
            _ => String::new(),
        };
        let _ = writeln!(out, "  {:<14} {raw} → {}{note}", f.column, v.normalized);
    }
    let _ = writeln!(out, "\nrules:");
    for r in &trace.rules {
        render_rule(program, sources, r, &mut out);
    }
    let (mut queue, mut owner, rule) = decision_columns(program, &trace.decision);
    if let Some((assignment, steps)) = &trace.distribution {
        let _ = writeln!(out, "\ndistribution:");
        out.push_str(steps);
        queue = &assignment.queue;
        owner = &assignment.owner;
    }
    let _ = writeln!(out);
    match &trace.decision {
        Decision::Unmatched => {
            let _ = writeln!(out, "result: no rule matched and there is no default: route_queue, route_owner and route_rule are empty");
        }
        Decision::Routed { rule: None, .. } => {
            let _ = writeln!(
                out,
                "result: no rule matched; the default sends it to {queue}"
            );
        }
        Decision::Routed { .. } => {
            let owner = if owner.is_empty() {
                String::new()
            } else {
                format!(", owner {owner}")
            };
            let _ = writeln!(out, "result: queue {queue}{owner}, by rule \"{rule}\"");
        }
    }
    if let Some((queue, answers)) = why_not {
        render_why_not(program, sources, trace, queue, answers, &mut out);
    }
    out
}

/// The queue asked about and, per rule that sends leads there, the answer.
pub type WhyNot<'a> = (&'a str, Vec<RuleAnswer>);

fn render_why_not(
    program: &Program,
    sources: &Sources,
    trace: &Trace,
    queue: &str,
    answers: &[RuleAnswer],
    out: &mut String,
) {
    let _ = writeln!(out, "\nwhy not {queue}:");
    if answers.is_empty() {
        let _ = writeln!(out, "  no rule sends leads to {queue}");
        return;
    }
    for a in answers {
        let rule = &program.rules[a.rule];
        let (line, _) = sources.line_column(program.file, rule.span.start);
        let _ = writeln!(out, "  \"{}\" (line {line}):", rule.name);
        let r = &trace.rules[a.rule];
        match &r.outcome {
            Outcome::Failed(tests) => {
                let mut all = Vec::new();
                collect_tests(&rule.cond, &mut all);
                for (i, value) in tests {
                    let test = sources
                        .text(program.file)
                        .get(all[*i].span.clone())
                        .unwrap_or("");
                    let _ = writeln!(out, "    ✗ {test}  (false: {value})");
                }
            }
            Outcome::NotTried => {
                let winner = trace
                    .rules
                    .iter()
                    .find(|r| matches!(r.outcome, Outcome::Matched))
                    .map(|r| program.rules[r.rule].name.as_str());
                let _ = writeln!(
                    out,
                    "    its tests pass, but \"{}\" takes the lead first",
                    winner.unwrap_or("an earlier rule")
                );
            }
            Outcome::NoDestination => {
                let _ = writeln!(
                    out,
                    "    its tests pass, but its lookup finds no queue for this lead"
                );
            }
            Outcome::Matched => {}
        }
        let _ = writeln!(out, "    {}", change_words(&a.change, queue));
    }
}

fn change_words(change: &Change, queue: &str) -> String {
    match change {
        Change::None => format!("this lead already goes to {queue} through this rule"),
        Change::Set(values) => {
            let set: Vec<String> = values.iter().map(|(c, v)| if v.is_empty() { format!("{c} empty") } else { format!("{c}={v}") }).collect();
            format!("smallest change: {}", set.join(", "))
        }
        Change::Never => format!("no change can: no lead reaches {queue} through this rule (earlier rules take them all, or its tests contradict)"),
        Change::TooFar => "more than three values would have to change".to_string(),
    }
}

fn render_rule(program: &Program, sources: &Sources, r: &RuleTrace, out: &mut String) {
    let rule = &program.rules[r.rule];
    let (line, _) = sources.line_column(program.file, rule.span.start);
    let rows: Vec<String> = r
        .rows
        .iter()
        .map(|(t, l)| {
            format!(
                "{} row at {}:{l}",
                program.tables[*t].name,
                sources.name(program.tables[*t].file)
            )
        })
        .collect();
    let rows = if rows.is_empty() {
        String::new()
    } else {
        format!(" ({})", rows.join("; "))
    };
    match &r.outcome {
        Outcome::Matched => {
            let _ = writeln!(out, "  ✓ \"{}\" (line {line}) matched{rows}", rule.name);
        }
        Outcome::NotTried => {
            let _ = writeln!(
                out,
                "  · \"{}\" (line {line}) not tried: an earlier rule took the lead",
                rule.name
            );
        }
        Outcome::NoDestination => {
            let _ = writeln!(out, "  ✗ \"{}\" (line {line}) matched, but its lookup found no queue or owner, so the next rule was tried{rows}", rule.name);
        }
        Outcome::Failed(tests) => {
            let mut all = Vec::new();
            collect_tests(&rule.cond, &mut all);
            let _ = writeln!(
                out,
                "  ✗ \"{}\" (line {line}) did not match{rows}",
                rule.name
            );
            if let Some((i, value)) = tests.first() {
                snippet(
                    sources,
                    program.file,
                    &all[*i].span,
                    &format!("false: {value}"),
                    out,
                );
            }
        }
    }
}

/// The source line of a span with the span underlined.
fn snippet(
    sources: &Sources,
    file: crate::diagnostics::FileId,
    span: &std::ops::Range<usize>,
    label: &str,
    out: &mut String,
) {
    let (line, column) = sources.line_column(file, span.start);
    let text = &sources.text(file)[sources.line_span(file, line)];
    let width = sources
        .text(file)
        .get(span.clone())
        .map_or(1, |s| s.lines().next().unwrap_or("").chars().count().max(1));
    let _ = writeln!(out, "      {line:>4} | {text}");
    let _ = writeln!(
        out,
        "           | {}{} {label}",
        " ".repeat(column - 1),
        "^".repeat(width)
    );
}

/// The trace for tools.
pub fn render_json(
    program: &Program,
    sources: &Sources,
    trace: &Trace,
    why_not: Option<&WhyNot>,
) -> String {
    let doc = trace_json(program, sources, trace, why_not);
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    )
}

/// The trace as a JSON value (`route explain --format json`, and `route
/// serve`'s `?explain=true`).
pub fn trace_json(
    program: &Program,
    sources: &Sources,
    trace: &Trace,
    why_not: Option<&WhyNot>,
) -> Json {
    let values: Vec<Json> = trace
        .values
        .iter()
        .map(|v| {
            json!({
                "field": program.fields[v.field].name,
                "column": program.fields[v.field].column,
                "raw": v.raw,
                "normalized": v.normalized,
                "reading": match v.reading { Reading::Value => "value", Reading::Blank => "missing", Reading::Unreadable => "unreadable" },
            })
        })
        .collect();
    let rules: Vec<Json> = trace
        .rules
        .iter()
        .map(|r| rule_json(program, sources, r))
        .collect();
    let (mut queue, mut owner, rule) = decision_columns(program, &trace.decision);
    let steps: Vec<&str> = trace
        .distribution
        .as_ref()
        .map_or(vec![], |(_, s)| s.lines().map(str::trim).collect());
    if let Some((assignment, _)) = &trace.distribution {
        queue = &assignment.queue;
        owner = &assignment.owner;
    }
    let mut doc = json!({
        "distribution": steps,
        "values": values,
        "rules": rules,
        "route_queue": queue,
        "route_owner": owner,
        "route_rule": rule,
    });
    if let Some((queue, answers)) = why_not {
        let answers: Vec<Json> = answers
            .iter()
            .map(|a| {
                let change = match &a.change {
                    Change::Set(values) => json!({ "set": values.iter().map(|(c, v)| (c.clone(), json!(v))).collect::<serde_json::Map<String, Json>>() }),
                    Change::None => json!("none needed"),
                    Change::Never => json!("no change can"),
                    Change::TooFar => json!("more than three values"),
                };
                json!({ "rule": program.rules[a.rule].name, "change": change })
            })
            .collect();
        doc["why_not"] = json!({ "queue": queue, "rules": answers });
    }
    doc
}

fn rule_json(program: &Program, sources: &Sources, r: &RuleTrace) -> Json {
    let rule = &program.rules[r.rule];
    let (line, _) = sources.line_column(program.file, rule.span.start);
    let mut all = Vec::new();
    collect_tests(&rule.cond, &mut all);
    let (outcome, failed): (&str, Vec<Json>) = match &r.outcome {
        Outcome::Matched => ("matched", vec![]),
        Outcome::NotTried => ("not tried", vec![]),
        Outcome::NoDestination => ("no destination", vec![]),
        Outcome::Failed(tests) => (
            "failed",
            tests
                .iter()
                .map(|(i, value)| {
                    let span = &all[*i].span;
                    let (line, column) = sources.line_column(program.file, span.start);
                    let test = sources.text(program.file).get(span.clone()).unwrap_or("");
                    json!({ "test": test, "line": line, "column": column, "value": value })
                })
                .collect(),
        ),
    };
    let rows: Vec<Json> = r.rows.iter().map(|(t, l)| json!({ "table": program.tables[*t].name, "file": sources.name(program.tables[*t].file), "line": l })).collect();
    json!({ "rule": rule.name, "line": line, "outcome": outcome, "failed_tests": failed, "rows": rows })
}
