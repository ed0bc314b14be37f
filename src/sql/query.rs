//! A query as a chain of CTEs: reference tables first, then stages that
//! each select everything of the stage before and add a few columns.
//! Stages keep every expression small (a value computed once is read by
//! name afterwards) without relying on lateral aliases, which not every
//! dialect has.
//!
//! A new stage's columns go into the earliest stage after those defining
//! the columns they read, so independent steps (the first step of every
//! field's normalizer, say) share a stage: the chain stays short, which
//! query planners (Spark's analyzer has an iteration limit) need.

use super::dialect::Dialect;
use std::collections::HashMap;
use std::fmt::Write;

/// A column of a stage: its name and the expression that computes it.
pub type Col = (String, String);

pub fn col(name: impl Into<String>, expr: impl Into<String>) -> Col {
    (name.into(), expr.into())
}

enum Cte {
    /// `SELECT route__p.*, cols FROM <previous stage> AS route__p joins`.
    Stage {
        cols: Vec<Col>,
        joins: Vec<String>,
        from: String,
    },
    /// A body of its own.
    Raw(String),
}

pub struct Chain {
    pub d: Dialect,
    head: Vec<(String, String)>,
    tables: Vec<(String, String)>,
    ctes: Vec<(String, Cte)>,
    last: String,
    joins: usize,
    stage_count: usize,
    table_names: Vec<String>,
    columns: Vec<String>,
    materialized: Vec<String>,
    /// Which CTE (index) defines each stage column.
    defined: HashMap<String, usize>,
    /// Stages before this index take no more columns.
    sealed: usize,
}

impl Chain {
    /// A chain whose first stage is `body` (a query with `route__seq`).
    pub fn new(d: Dialect, body: String) -> Chain {
        Chain {
            d,
            head: Vec::new(),
            tables: Vec::new(),
            ctes: vec![("route__s0".to_string(), Cte::Raw(body))],
            last: "route__s0".to_string(),
            joins: 0,
            stage_count: 1,
            table_names: Vec::new(),
            columns: Vec::new(),
            materialized: Vec::new(),
            defined: HashMap::new(),
            sealed: 1,
        }
    }

    /// The stage the next one reads.
    pub fn last(&self) -> &str {
        &self.last
    }

    /// A reference table (added once per name).
    pub fn table(&mut self, name: &str, body: impl FnOnce() -> String) {
        if self.table_names.iter().any(|n| n == name) {
            return;
        }
        self.table_names.push(name.to_string());
        self.tables.push((name.to_string(), body()));
    }

    /// A CTE that goes before everything else.
    pub fn prepend(&mut self, name: &str, body: String) {
        self.head.push((name.to_string(), body));
    }

    /// Remembers that a stage made a column shared by several users.
    pub fn note_column(&mut self, name: &str) {
        self.columns.push(name.to_string());
    }

    pub fn has_column(&self, name: &str) -> bool {
        self.columns.iter().any(|c| c == name)
    }

    /// Asks the database to compute a CTE once (DuckDB, Postgres): for
    /// what several later parts read, and what a recursive query reads at
    /// every step. Its stage takes no more columns.
    pub fn materialize(&mut self, name: &str) {
        if self.d != Dialect::Spark {
            self.materialized.push(name.to_string());
        }
        if let Some(i) = self.ctes.iter().position(|(n, _)| n == name) {
            self.sealed = self.sealed.max(i + 1);
        }
    }

    /// A fresh alias for a joined table.
    pub fn alias(&mut self) -> String {
        self.joins += 1;
        format!("route__j{}", self.joins)
    }

    /// Adds a stage computing `cols` from the previous stages' columns.
    pub fn stage(&mut self, cols: Vec<Col>) {
        self.stage_with(cols, Vec::new());
    }

    /// Adds a stage with joins (`LEFT JOIN … AS alias ON …` clauses).
    pub fn stage_with(&mut self, cols: Vec<Col>, joins: Vec<String>) {
        if cols.is_empty() {
            return;
        }
        let read = cols
            .iter()
            .map(|(_, e)| e.as_str())
            .chain(joins.iter().map(String::as_str))
            .flat_map(identifiers)
            .filter_map(|id| self.defined.get(id).copied())
            .max();
        let earliest = read.map_or(self.sealed, |i| (i + 1).max(self.sealed));
        let target = if joins.is_empty() {
            (earliest..self.ctes.len()).find(|&i| matches!(self.ctes[i].1, Cte::Stage { .. }))
        } else {
            None
        };
        let at = match target {
            Some(i) => i,
            None => {
                let name = format!("route__s{}", self.stage_count);
                self.stage_count += 1;
                self.ctes.push((
                    name.clone(),
                    Cte::Stage {
                        cols: Vec::new(),
                        joins,
                        from: self.last.clone(),
                    },
                ));
                self.last = name;
                self.ctes.len() - 1
            }
        };
        for (c, _) in &cols {
            self.defined.insert(c.clone(), at);
        }
        if let Cte::Stage { cols: mine, .. } = &mut self.ctes[at].1 {
            mine.extend(cols);
        }
    }

    /// Adds a CTE that is not a stage (its body names what it reads); the
    /// stages so far take no more columns.
    pub fn side(&mut self, name: &str, body: String) {
        self.ctes.push((name.to_string(), Cte::Raw(body)));
        self.sealed = self.ctes.len();
    }

    /// A stage with a body of its own (it must keep every column it needs
    /// later); the stages before it take no more columns.
    pub fn custom_stage(&mut self, body: String) {
        let name = format!("route__s{}", self.stage_count);
        self.stage_count += 1;
        self.ctes.push((name.clone(), Cte::Raw(body)));
        self.last = name;
        self.sealed = self.ctes.len();
    }

    /// `WITH …` and the final query.
    pub fn render(&self, recursive: bool, final_select: &str) -> String {
        let mut out = String::from(if recursive {
            "WITH RECURSIVE\n"
        } else {
            "WITH\n"
        });
        let mut all: Vec<(&str, String)> = Vec::new();
        for (name, body) in self.head.iter().chain(&self.tables) {
            all.push((name, body.clone()));
        }
        for (name, cte) in &self.ctes {
            let body = match cte {
                Cte::Raw(body) => body.clone(),
                Cte::Stage { cols, joins, from } => {
                    let mut body = String::from("SELECT route__p.*");
                    for (c, e) in cols {
                        let _ = write!(body, ",\n    {e} AS {c}");
                    }
                    let _ = write!(body, "\n  FROM {from} AS route__p");
                    for j in joins {
                        let _ = write!(body, "\n  {j}");
                    }
                    body
                }
            };
            all.push((name, body));
        }
        for (i, (name, body)) in all.iter().enumerate() {
            let sep = if i + 1 == all.len() { "" } else { "," };
            // Postgres inlines a CTE read once and pulls its expressions up
            // into every place that reads them: down a chain of stages that
            // multiplies them beyond what the planner can hold. Materialized
            // CTEs are computed once instead.
            let stage = name.starts_with("route__s") && self.d == Dialect::Postgres;
            let how = if stage || self.materialized.iter().any(|m| m == name) {
                " MATERIALIZED"
            } else {
                ""
            };
            let _ = writeln!(out, "{name} AS{how} (\n  {body}\n){sep}");
        }
        out.push_str(final_select);
        out.push('\n');
        out
    }
}

/// The `route__…` identifiers in SQL text.
fn identifiers(sql: &str) -> impl Iterator<Item = &str> {
    sql.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("route__"))
}
