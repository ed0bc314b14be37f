//! `route diff OLD NEW INPUT`: routes the same leads with two rule sets and
//! says which leads would move, from which queue to which, and which rules
//! are responsible. This is how a change is tried on last month's leads.
//!
//! A lead's destination is its queue and, when a table names one, its
//! owner. Owners that round robin or load balancing would pick are left
//! out: they depend on the state, not on the rules.

use crate::compile::{self, Dag};
use crate::eval::{Decoder, Lead};
use crate::ir::{Decision, Program, Target};
use crate::reader::RecordReader;
use crate::run::{cell_text, check_record, columns, Encoding, RunError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Read;

/// New destinations past which the human report leaves out the matrix.
const MATRIX_COLUMNS: usize = 10;

/// A rule as the human report names it.
pub(crate) fn rule_label(rule: &str) -> String {
    match rule {
        "default" => "default".into(),
        "" => "no rule".into(),
        name => format!("\"{name}\""),
    }
}

/// Sample leads kept per move.
pub const SAMPLES: usize = 5;

/// What moves between two rule sets, over one lead file.
#[derive(Debug, Default, Serialize)]
pub struct Diff {
    pub leads: u64,
    pub moved: u64,
    pub stayed: u64,
    /// Rows neither rule set could read (ragged, not UTF-8).
    pub rejected: u64,
    /// Every (old → new) destination pair with leads that moved, most first.
    pub moves: Vec<Move>,
    /// Leads per old queue and new queue (`route_queue`), moved or not.
    pub matrix: BTreeMap<String, BTreeMap<String, u64>>,
}

#[derive(Debug, Serialize)]
pub struct Move {
    pub from: String,
    pub to: String,
    pub leads: u64,
    /// The rules that sent these leads, old → new, most leads first (rule
    /// names as in `route_rule`: `default`, or empty for no rule).
    pub rules: Vec<RulePair>,
    /// The first few leads that move: line in the input and key.
    pub samples: Vec<Sample>,
}

#[derive(Debug, Serialize)]
pub struct RulePair {
    pub old: String,
    pub new: String,
    pub leads: u64,
}

#[derive(Debug, Serialize)]
pub struct Sample {
    pub line: u64,
    pub key: Option<String>,
}

/// One rule set, ready to decide leads of the shared input.
struct Side<'a> {
    program: &'a Program,
    dag: Dag,
    decoder: Decoder,
    read: Vec<crate::ir::FieldId>,
    columns: Vec<usize>,
    lead: Lead,
}

impl<'a> Side<'a> {
    fn new(program: &'a Program, header: &[String]) -> Result<Self, RunError> {
        let decoder = Decoder::new(program);
        Ok(Side {
            program,
            dag: compile::compile(program),
            read: decoder.fields_read().collect(),
            decoder,
            columns: columns::match_fields(program, header)?,
            lead: Lead::default(),
        })
    }

    /// The destination, the queue and the rule of a readable record.
    fn decide(&mut self, record: &crate::reader::Record, text: &str) -> Landing {
        for &field in &self.read {
            let cell = cell_text(record, text, self.columns[field]);
            self.decoder.decode_field(field, &cell, &mut self.lead);
        }
        let decision = self.dag.decide(self.program, &self.lead);
        destination(self.program, decision)
    }
}

/// Where a lead lands with one rule set.
struct Landing {
    /// `queue`, `queue (owner)` for an owner from a table, or `(none)`.
    destination: String,
    queue: String,
    rule: String,
}

fn destination(program: &Program, decision: &Decision) -> Landing {
    match decision {
        Decision::Unmatched => Landing {
            destination: "(none)".into(),
            queue: "(none)".into(),
            rule: String::new(),
        },
        Decision::Routed { rule, target } => {
            let queue = program.queue_name(target).to_string();
            Landing {
                destination: match target {
                    Target::Owner { owner, .. } => format!("{queue} ({owner})"),
                    Target::Queue(_) => queue.clone(),
                },
                queue,
                rule: rule.map_or("default".into(), |r| program.rules[r].name.clone()),
            }
        }
    }
}

/// Routes every lead of `input` with both programs.
pub fn diff(
    old: &Program,
    new: &Program,
    input: impl Read,
    encoding: Encoding,
) -> Result<Diff, RunError> {
    let input: Box<dyn Read> = match encoding {
        Encoding::Utf8 => Box::new(input),
        Encoding::Windows1252 => Box::new(crate::run::transcode::Windows1252::new(input)),
    };
    let mut reader = RecordReader::new(input);
    let read_error = |e| RunError {
        message: format!("cannot read the input: {e}"),
        help: None,
    };
    let Some(header) = reader.next_record().map_err(read_error)? else {
        return Err(RunError {
            message: "the input is empty: it has no header row".into(),
            help: Some("the first line of a lead file names its columns".into()),
        });
    };
    let header = columns::header_cells(&header)?;
    let mut sides = [Side::new(old, &header)?, Side::new(new, &header)?];
    let key_column = new
        .key_field()
        .map(|f| sides[1].columns[f])
        .or_else(|| old.key_field().map(|f| sides[0].columns[f]));
    let mut diff = Diff::default();
    let mut moves: BTreeMap<(String, String), MoveTally> = BTreeMap::new();
    while let Some(record) = reader.next_record().map_err(read_error)? {
        diff.leads += 1;
        let Ok(text) = check_record(&record, header.len()) else {
            diff.rejected += 1;
            continue;
        };
        let old = sides[0].decide(&record, text);
        let new = sides[1].decide(&record, text);
        *diff
            .matrix
            .entry(old.queue)
            .or_default()
            .entry(new.queue)
            .or_default() += 1;
        if old.destination == new.destination {
            diff.stayed += 1;
            continue;
        }
        diff.moved += 1;
        let tally = moves.entry((old.destination, new.destination)).or_default();
        tally.leads += 1;
        *tally.rules.entry((old.rule, new.rule)).or_default() += 1;
        if tally.samples.len() < SAMPLES {
            let key = key_column
                .map(|c| cell_text(&record, text, c).trim().to_string())
                .filter(|k| !k.is_empty());
            tally.samples.push(Sample {
                line: record.line,
                key,
            });
        }
    }
    diff.moves = moves
        .into_iter()
        .map(|((from, to), tally)| tally.into_move(from, to))
        .collect();
    diff.moves.sort_by_key(|m| std::cmp::Reverse(m.leads));
    Ok(diff)
}

#[derive(Default)]
struct MoveTally {
    leads: u64,
    rules: BTreeMap<(String, String), u64>,
    samples: Vec<Sample>,
}

impl MoveTally {
    fn into_move(self, from: String, to: String) -> Move {
        let mut rules: Vec<RulePair> = self
            .rules
            .into_iter()
            .map(|((old, new), leads)| RulePair { old, new, leads })
            .collect();
        rules.sort_by_key(|r| std::cmp::Reverse(r.leads));
        Move {
            from,
            to,
            leads: self.leads,
            rules,
            samples: self.samples,
        }
    }
}

impl Diff {
    /// The human report.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let share = |n: u64| {
            if self.leads == 0 {
                0.0
            } else {
                100.0 * n as f64 / self.leads as f64
            }
        };
        let _ = writeln!(
            out,
            "route diff: {} leads, {} move ({:.1}%), {} stay, {} rejected",
            self.leads,
            self.moved,
            share(self.moved),
            self.stayed,
            self.rejected
        );
        self.render_matrix(&mut out);
        for m in &self.moves {
            let noun = if m.leads == 1 { "lead" } else { "leads" };
            let _ = writeln!(out, "\n  {} → {}: {} {noun}", m.from, m.to, m.leads);
            for r in &m.rules {
                let _ = writeln!(
                    out,
                    "    {} → {}: {}",
                    rule_label(&r.old),
                    rule_label(&r.new),
                    r.leads
                );
            }
            let samples: Vec<String> = m
                .samples
                .iter()
                .map(|s| match &s.key {
                    Some(key) => format!("line {} ({key})", s.line),
                    None => format!("line {}", s.line),
                })
                .collect();
            let _ = writeln!(out, "    e.g. {}", samples.join(", "));
        }
        out
    }

    /// Old destinations down, new ones across, when they fit a terminal.
    fn render_matrix(&self, out: &mut String) {
        use std::fmt::Write;
        let mut to: Vec<&String> = self.matrix.values().flat_map(|row| row.keys()).collect();
        to.sort();
        to.dedup();
        if self.moved == 0 || to.len() > MATRIX_COLUMNS {
            return;
        }
        let first = self
            .matrix
            .keys()
            .map(|k| k.chars().count())
            .max()
            .unwrap_or(0)
            .max(9);
        let widths: Vec<usize> = to.iter().map(|t| t.chars().count().max(6)).collect();
        let _ = write!(out, "\n  {:first$}", "old \\ new");
        for (t, w) in to.iter().zip(&widths) {
            let _ = write!(out, "  {t:>w$}");
        }
        out.push('\n');
        for (from, row) in &self.matrix {
            let _ = write!(out, "  {from:first$}");
            for (t, w) in to.iter().zip(&widths) {
                match row.get(*t) {
                    Some(n) => {
                        let _ = write!(out, "  {n:>w$}");
                    }
                    None => {
                        let _ = write!(out, "  {:>w$}", ".");
                    }
                }
            }
            out.push('\n');
        }
    }

    /// One CSV row per move and rule pair.
    pub fn to_csv(&self) -> String {
        let mut out = b"from,to,old_rule,new_rule,leads\n".to_vec();
        for m in &self.moves {
            for r in &m.rules {
                for cell in [&m.from, &m.to, &r.old, &r.new] {
                    crate::run::write_cell(cell, &mut out);
                    out.push(b',');
                }
                out.extend_from_slice(format!("{}\n", r.leads).as_bytes());
            }
        }
        String::from_utf8(out).unwrap_or_default()
    }
}
