//! The run summary printed on stderr.

use crate::ir::{Decision, Program};
use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub rows_in: u64,
    pub routed: u64,
    pub rejected: u64,
    pub unmatched: u64,
    /// Leads per `route_queue` value.
    pub per_queue: BTreeMap<String, u64>,
    /// Leads per rule, in rule order; the last entry is `default`.
    pub per_rule: Vec<u64>,
    /// Unreadable (not blank) cells per field.
    pub unreadable: Vec<u64>,
    /// Leads per owner.
    pub per_owner: BTreeMap<String, u64>,
    /// Per queue: leads that stayed without an owner because nobody was available.
    pub unowned: BTreeMap<String, u64>,
    /// Leads whose key was in the ledger and kept their earlier assignment.
    pub repeated: u64,
    /// Examples of unmatched leads, unreadable cells and rejects, when the
    /// run keeps them (`--report`).
    pub samples: Option<super::samples::Samples>,
    columns: Vec<String>,
    rule_names: Vec<String>,
}

/// Rows of `name  count  share  bar`; bars are scaled to the largest count.
fn table(out: &mut String, rows: &[(String, u64)], width: usize, total: u64) {
    const BAR: usize = 24;
    let largest = rows.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    for (name, n) in rows {
        let share = if total == 0 {
            0.0
        } else {
            100.0 * *n as f64 / total as f64
        };
        // Round up, so that any lead at all shows as a sliver.
        let cells = (*n as usize * BAR).div_ceil(largest as usize);
        let bar = "█".repeat(cells);
        let pad = width.saturating_sub(name.chars().count());
        let _ = writeln!(out, "    {name}{:pad$}  {n:>9}  {share:>5.1}%  {bar}", "");
    }
}

/// Adds `n` to a count by name, copying the name only the first time.
fn add(counts: &mut BTreeMap<String, u64>, name: &str, n: u64) {
    match counts.get_mut(name) {
        Some(count) => *count += n,
        None => {
            counts.insert(name.to_string(), n);
        }
    }
}

impl Summary {
    pub fn new(program: &Program) -> Self {
        let mut rule_names: Vec<String> = program.rules.iter().map(|r| r.name.clone()).collect();
        rule_names.push("default".into());
        Summary {
            rows_in: 0,
            routed: 0,
            rejected: 0,
            unmatched: 0,
            per_queue: BTreeMap::new(),
            per_rule: vec![0; rule_names.len()],
            unreadable: vec![0; program.fields.len()],
            per_owner: BTreeMap::new(),
            unowned: BTreeMap::new(),
            repeated: 0,
            samples: None,
            columns: program.fields.iter().map(|f| f.column.clone()).collect(),
            rule_names,
        }
    }

    /// Counts `n` leads that went through distribution with one outcome.
    pub fn count_outcome(&mut self, outcome: &crate::distribute::Outcome, n: u64) {
        let a = &outcome.assignment;
        self.routed += n;
        if a.queue.is_empty() {
            self.unmatched += n;
            return;
        }
        if let Some(i) = self.rule_names.iter().position(|r| **r == *a.rule) {
            self.per_rule[i] += n;
        }
        add(&mut self.per_queue, &a.queue, n);
        if !a.owner.is_empty() {
            add(&mut self.per_owner, &a.owner, n);
        }
        if outcome.unowned {
            add(&mut self.unowned, &a.queue, n);
        }
        if outcome.repeated {
            self.repeated += n;
        }
    }

    /// Counts `n` leads that got `decision`.
    pub fn count(&mut self, decision: &Decision, program: &Program, n: u64) {
        if n == 0 {
            return;
        }
        self.routed += n;
        match decision {
            Decision::Unmatched => self.unmatched += n,
            Decision::Routed { rule, target } => {
                let i = rule.unwrap_or(self.per_rule.len() - 1);
                self.per_rule[i] += n;
                *self
                    .per_queue
                    .entry(program.queue_name(target).to_string())
                    .or_default() += n;
                if let crate::ir::Target::Owner { owner, .. } = target {
                    *self.per_owner.entry(owner.clone()).or_default() += n;
                }
            }
        }
    }

    /// The rule names in rule order, `default` last (as in `per_rule`).
    pub fn rule_names(&self) -> &[String] {
        &self.rule_names
    }

    /// The column of each field (as in `unreadable`).
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// `--coverage`: how many rules the leads reached, and which not.
    pub fn coverage(&self) -> String {
        let rules = self.per_rule.len() - 1;
        let never: Vec<String> = self.rule_names[..rules]
            .iter()
            .zip(&self.per_rule)
            .filter(|(_, n)| **n == 0)
            .map(|(name, _)| format!("\"{name}\""))
            .collect();
        let mut out = format!(
            "coverage: {} of {rules} rules took a lead\n",
            rules - never.len()
        );
        if !never.is_empty() {
            out.push_str(&format!("  never hit: {}\n", never.join(", ")));
        }
        out
    }

    /// The text for stderr; names the rejects file when there is one.
    pub fn render(&self, rejects: Option<&std::path::Path>) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "route: {} leads in, {} routed, {} rejected",
            self.rows_in, self.routed, self.rejected
        );
        if let Some(path) = rejects.filter(|_| self.rejected > 0) {
            let _ = writeln!(out, "  rejected rows are in {}", path.display());
        }
        let queues: Vec<(String, u64)> = self
            .per_queue
            .iter()
            .map(|(q, n)| (q.clone(), *n))
            .collect();
        let last = self.rule_names.len() - 1;
        let rules: Vec<(String, u64)> = self
            .rule_names
            .iter()
            .zip(&self.per_rule)
            .enumerate()
            .map(|(i, (name, n))| {
                let shown = if i == last {
                    name.clone()
                } else {
                    format!("\"{name}\"")
                };
                (shown, *n)
            })
            .collect();
        let owners: Vec<(String, u64)> = self
            .per_owner
            .iter()
            .map(|(o, n)| (o.clone(), *n))
            .collect();
        // One name width for the three tables, so their numbers line up.
        let width = [&queues, &rules, &owners]
            .iter()
            .flat_map(|rows| rows.iter().map(|(name, _)| name.chars().count()))
            .max()
            .unwrap_or(0);
        for (title, rows) in [
            ("by queue", &queues),
            ("by rule", &rules),
            ("by owner", &owners),
        ] {
            if !rows.is_empty() {
                let _ = writeln!(out, "  {title}:");
                table(&mut out, rows, width, self.routed);
            }
        }
        for (queue, n) in &self.unowned {
            let _ = writeln!(out, "  {n} leads stayed in {queue} with no owner: nobody was available and it has no overflow");
        }
        if self.repeated > 0 {
            let _ = writeln!(
                out,
                "  {} leads were routed before (same key in the state) and kept their assignment",
                self.repeated
            );
        }
        if self.unmatched > 0 {
            let _ = writeln!(
                out,
                "  {} leads matched no rule and no default: their route columns are empty",
                self.unmatched
            );
        }
        let unreadable: Vec<String> = self
            .columns
            .iter()
            .zip(&self.unreadable)
            .filter(|(_, n)| **n > 0)
            .map(|(c, n)| format!("{c}: {n}"))
            .collect();
        if !unreadable.is_empty() {
            let _ = writeln!(
                out,
                "  data quality: values that could not be read (treated as missing): {}",
                unreadable.join(", ")
            );
        }
        out
    }
}
