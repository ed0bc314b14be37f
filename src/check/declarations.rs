//! Declarations: fields, tiers, lists, tables, reps and queues.

use super::names::suggestion;
use super::{Checker, LoadedList, Loc};
use crate::data;
use crate::diagnostics::{Diagnostic, FileId};
use crate::ir::{Field, FieldType, Interval, Kind, Method, Queue, Table, TableLayout, Tier};
use crate::syntax::ast::{self, Bound, ListSource, Members, NumberLit, Spanned};
use std::collections::HashMap;

impl Checker<'_> {
    /// Records a name; reports a second declaration of the same name.
    fn unique(&mut self, names: NameSpace, name: &ast::Ident, what: &str) -> bool {
        let table = match names {
            NameSpace::Fields => &self.fields,
            NameSpace::Tiers => &self.tiers,
            NameSpace::Lists => &self.list_names,
            NameSpace::Tables => &self.tables,
            NameSpace::Queues => &self.queues,
        };
        if !table.contains_key(&name.node) {
            return true;
        }
        self.error(
            "duplicate-name",
            name.span.clone(),
            &format!("{what} `{}` is declared twice", name.node),
            "second declaration",
            "give each declaration its own name",
        );
        false
    }

    pub(super) fn declare_fields(&mut self) {
        let mut key_span = None;
        for decl in &self.ast.fields {
            let Some(ty) = FieldType::from_name(&decl.ty.node) else {
                let types = FieldType::ALL.map(|(n, _)| n);
                let help = match super::closest(&decl.ty.node, types) {
                    Some(t) => format!("did you mean `{t}`?"),
                    None => format!("the field types are: {}", types.join(", ")),
                };
                self.error(
                    "unknown-name",
                    decl.ty.span.clone(),
                    &format!("`{}` is not a field type", decl.ty.node),
                    "unknown type",
                    &help,
                );
                self.poisoned.insert(decl.name.node.clone());
                self.broken = true;
                continue;
            };
            if !self.unique(NameSpace::Fields, &decl.name, "field") {
                continue;
            }
            if decl.key {
                if let Some(first) = key_span.replace(decl.span.clone()) {
                    let d = Diagnostic::error("duplicate-name", "only one field may be the `key`")
                        .at(self.file, decl.span.clone(), "second key field")
                        .related(self.file, first, "first key field")
                        .help("keep `key` on the one column that identifies a lead (e.g. the lead ID)");
                    self.report(d);
                }
            }
            let column = decl
                .column
                .as_ref()
                .map_or(decl.name.node.clone(), |c| c.node.clone());
            self.fields
                .insert(decl.name.node.clone(), self.program.fields.len());
            self.program.fields.push(Field {
                name: decl.name.node.clone(),
                ty,
                column,
                key: decl.key,
                span: decl.span.clone(),
            });
        }
    }

    pub(super) fn declare_tiers(&mut self) {
        for decl in &self.ast.tiers {
            if !self.unique(NameSpace::Tiers, &decl.name, "tier") {
                continue;
            }
            if self.fields.contains_key(&decl.name.node) {
                self.error(
                    "duplicate-name",
                    decl.name.span.clone(),
                    &format!("tier `{}` has the name of a field", decl.name.node),
                    "same name as a field",
                    "tiers and fields are both read by name in conditions: rename the tier",
                );
                continue;
            }
            let Some(field) = self.numeric_field(&decl.field) else {
                self.broken = true;
                continue;
            };
            let ty = self.program.fields[field].ty;
            let mut bands: Vec<(String, Interval)> = Vec::new();
            for band in &decl.bands {
                if bands.iter().any(|(l, _)| *l == band.label.node) {
                    self.error(
                        "duplicate-name",
                        band.label.span.clone(),
                        &format!(
                            "band `{}` appears twice in tier `{}`",
                            band.label.node, decl.name.node
                        ),
                        "second band",
                        "give each band its own label",
                    );
                    continue;
                }
                if let Some(iv) = self.bound_interval(&band.bound, ty) {
                    bands.push((band.label.node.clone(), iv));
                }
            }
            self.tiers
                .insert(decl.name.node.clone(), self.program.tiers.len());
            self.program.tiers.push(Tier {
                name: decl.name.node.clone(),
                field,
                bands,
                span: decl.span.clone(),
            });
            self.usage.tiers.push(false);
        }
    }

    /// The field a tier is `by`: it must exist and be numeric.
    fn numeric_field(&mut self, name: &ast::Ident) -> Option<usize> {
        let Some(&field) = self.fields.get(&name.node) else {
            if self.poisoned.contains(&name.node) {
                return None;
            }
            let help = suggestion("field", &name.node, self.fields.keys().map(String::as_str));
            self.error(
                "unknown-name",
                name.span.clone(),
                &format!("no field named `{}`", name.node),
                "unknown field",
                &help,
            );
            return None;
        };
        let ty = self.program.fields[field].ty;
        if crate::ir::kind_of(ty) != Kind::Numeric {
            self.error(
                "type-mismatch",
                name.span.clone(),
                &format!(
                    "a tier needs a number, money or zip field, but `{}` is {}",
                    name.node,
                    ty.name()
                ),
                "not numeric",
                "tier a numeric field, e.g. `tier size by employees`",
            );
            return None;
        }
        Some(field)
    }

    /// The values a comparison or range admits, in the field's units.
    pub(super) fn bound_interval(&mut self, bound: &Bound, ty: FieldType) -> Option<Interval> {
        let iv = match bound {
            Bound::Less(n) => Interval {
                lo: i64::MIN,
                hi: self.units(n, ty)?.checked_sub(1)?,
            },
            Bound::LessEq(n) => Interval {
                lo: i64::MIN,
                hi: self.units(n, ty)?,
            },
            Bound::Greater(n) => Interval {
                lo: self.units(n, ty)?.checked_add(1)?,
                hi: i64::MAX,
            },
            Bound::GreaterEq(n) => Interval {
                lo: self.units(n, ty)?,
                hi: i64::MAX,
            },
            Bound::Range(r) => {
                let lo = self.units(&r.from, ty)?;
                let hi = self.units(&r.to, ty)?;
                let hi = if r.exclusive { hi.checked_sub(1)? } else { hi };
                if lo > hi {
                    self.error(
                        "type-mismatch",
                        r.span.clone(),
                        "this range holds no value: its start is after its end",
                        "empty range",
                        "write the smaller number first, e.g. `100..999`",
                    );
                    return None;
                }
                Interval { lo, hi }
            }
        };
        Some(iv)
    }

    /// A number literal in a numeric type's units: whole numbers, or cents for money.
    pub(super) fn units(&mut self, n: &NumberLit, ty: FieldType) -> Option<i64> {
        let per_unit: i128 = if ty == FieldType::Money {
            10_000
        } else {
            1_000_000
        };
        if n.micros % per_unit != 0 || !n.exact {
            let (what, help) = if ty == FieldType::Money {
                (
                    "money keeps cents, not smaller amounts",
                    "round to the cent, e.g. `99.99`",
                )
            } else {
                ("a number field holds whole numbers (a fraction is dropped when leads are read)", "use a whole number, e.g. `100`")
            };
            self.error(
                "type-mismatch",
                n.span.clone(),
                &format!("a fraction cannot be compared here: {what}"),
                "not whole",
                help,
            );
            return None;
        }
        match i64::try_from(n.micros / per_unit) {
            Ok(v) if v != i64::MIN && v != i64::MAX => Some(v),
            _ => {
                self.error(
                    "type-mismatch",
                    n.span.clone(),
                    "this number is too large",
                    "too large",
                    "use a smaller number",
                );
                None
            }
        }
    }

    pub(super) fn declare_lists(&mut self) {
        for decl in &self.ast.lists {
            if !self.unique(NameSpace::Lists, &decl.name, "list") {
                continue;
            }
            let values = match &decl.source {
                ListSource::Inline(items) => items
                    .iter()
                    .map(|l| {
                        (
                            l.clone(),
                            Loc {
                                file: self.file,
                                span: l.span(),
                                line: 0,
                            },
                        )
                    })
                    .collect(),
                ListSource::File(path) => match self.load_data_file(path) {
                    Some((file, text)) => self
                        .list_entries(file, &text)
                        .into_iter()
                        .map(|(v, line)| {
                            let span = self.sources.cell_span(file, line, 0);
                            let lit = ast::Literal::String(Spanned {
                                node: v,
                                span: span.clone(),
                            });
                            (lit, Loc { file, span, line })
                        })
                        .collect(),
                    None => {
                        self.broken = true;
                        vec![]
                    }
                },
            };
            self.list_names
                .insert(decl.name.node.clone(), self.lists.len());
            self.lists.push(LoadedList {
                name: decl.name.node.clone(),
                values,
                span: decl.span.clone(),
            });
            self.usage.lists.push(false);
        }
    }

    pub(super) fn declare_tables(&mut self) {
        for decl in &self.ast.tables {
            if !self.unique(NameSpace::Tables, &decl.name, "table") {
                continue;
            }
            if self.list_names.contains_key(&decl.name.node) {
                self.error(
                    "duplicate-name",
                    decl.name.span.clone(),
                    &format!("table `{}` has the name of a list", decl.name.node),
                    "same name as a list",
                    "`in NAME` could mean either: rename one of them",
                );
                continue;
            }
            let Some((file, text)) = self.load_data_file(&decl.file) else {
                self.poisoned.insert(decl.name.node.clone());
                self.broken = true;
                continue;
            };
            let parsed = match data::table::parse_table(&text) {
                Ok(t) => t,
                Err(e) => {
                    self.poisoned.insert(decl.name.node.clone());
                    self.data_error(file, decl.span.clone(), e);
                    continue;
                }
            };
            let header = (file, parsed.header_line);
            let Some(kind) = self.table_layout(&decl.kind, &parsed.columns, header) else {
                self.poisoned.insert(decl.name.node.clone());
                self.broken = true;
                continue;
            };
            self.tables
                .insert(decl.name.node.clone(), self.program.tables.len());
            self.program.tables.push(Table {
                name: decl.name.node.clone(),
                file,
                columns: parsed.columns,
                rows: parsed.rows,
                kind,
                span: decl.span.clone(),
            });
            self.program.indexes.push(vec![]);
            self.usage.tables.push(false);
        }
    }

    /// The columns a table is keyed or ranged by; `header` is its file and header line.
    fn table_layout(
        &mut self,
        kind: &ast::TableKind,
        columns: &[String],
        header: (FileId, usize),
    ) -> Option<TableLayout> {
        let (file, header_line) = header;
        let find = |c: &mut Self, col: &Spanned<String>| -> Option<usize> {
            let found = columns
                .iter()
                .position(|h| h.eq_ignore_ascii_case(&col.node));
            if found.is_none() {
                let d = Diagnostic::error(
                    "unknown-name",
                    &format!("the table has no column `{}`", col.node),
                )
                .at(c.file, col.span.clone(), "not in the header")
                .related(file, c.sources.line_span(file, header_line), "the header")
                .help(&suggestion(
                    "column",
                    &col.node,
                    columns.iter().map(String::as_str),
                ));
                c.report(d);
            }
            found
        };
        match kind {
            ast::TableKind::Key(col) => Some(TableLayout::Keyed {
                column: find(self, col)?,
            }),
            ast::TableKind::Range(from, to) => {
                let from = find(self, from);
                let to = find(self, to);
                Some(TableLayout::Ranged {
                    from: from?,
                    to: to?,
                })
            }
        }
    }

    pub(super) fn declare_reps(&mut self) {
        let mut first: Option<std::ops::Range<usize>> = None;
        for path in &self.ast.reps {
            if let Some(f) = first.replace(path.path.span.clone()) {
                let d = Diagnostic::error("duplicate-name", "the reps file is declared twice")
                    .at(self.file, path.path.span.clone(), "second `reps`")
                    .related(self.file, f, "first `reps`")
                    .help("keep one reps file with a `team` column for every team");
                self.report(d);
                continue;
            }
            let Some((file, text)) = self.load_data_file(path) else {
                self.broken = true;
                continue;
            };
            match data::reps::parse_reps(&text) {
                Ok(reps) => self.program.reps = reps,
                Err(e) => self.data_error(file, path.path.span.clone(), e),
            }
        }
    }

    pub(super) fn declare_queues(&mut self) {
        for decl in &self.ast.queues {
            if !self.unique(NameSpace::Queues, &decl.name, "queue") {
                continue;
            }
            let method = match decl.method.as_ref().map(|m| m.node) {
                None => Method::Hold,
                Some(ast::Method::SharkTank) => Method::SharkTank,
                Some(ast::Method::RoundRobin) => Method::RoundRobin,
                Some(ast::Method::LoadBalance) => Method::LoadBalance,
            };
            let members = self.members(decl);
            let cap = decl
                .cap
                .as_ref()
                .and_then(|n| self.units(n, FieldType::Number));
            let cap = cap.and_then(|c| u32::try_from(c).ok());
            let claim_limit = self.claim_limit(decl, method);
            let release_after = self.release_after(decl, method);
            self.queues
                .insert(decl.name.node.clone(), self.program.queues.len());
            self.program.queues.push(Queue {
                name: decl.name.node.clone(),
                method,
                members,
                cap,
                sticky: None,
                overflow: None,
                claim_limit,
                release_after,
                span: decl.span.clone(),
            });
            self.usage.queues.push(false);
        }
    }

    /// `claim limit N`: a whole number of leads, at least 1, on a queue
    /// that gives leads to reps.
    fn claim_limit(&mut self, decl: &ast::QueueDecl, method: Method) -> Option<u32> {
        let n = decl.claim_limit.as_ref()?;
        if !self.pooling_method(decl, method, n.span.clone(), "claim limit") {
            return None;
        }
        match whole(n).and_then(|v| u32::try_from(v).ok()) {
            Some(limit) if limit >= 1 => Some(limit),
            _ => {
                self.error(
                    "invalid-queue-option",
                    n.span.clone(),
                    "a claim limit must be a whole number of leads from 1 up",
                    "not a number of leads",
                    "write the most open leads a rep may hold from this queue, e.g. `claim limit 5`",
                );
                None
            }
        }
    }

    /// `release after N hours|days`, in seconds: at least an hour.
    fn release_after(&mut self, decl: &ast::QueueDecl, method: Method) -> Option<i64> {
        let r = decl.release_after.as_ref()?;
        if !self.pooling_method(decl, method, r.amount.span.clone(), "release after") {
            return None;
        }
        let amount = whole(&r.amount).unwrap_or(0);
        let unit = match r.unit.node {
            ast::TimeUnit::Hours => 3600,
            ast::TimeUnit::Days => 86_400,
        };
        // Ten years: beyond that a release is a typo, and the product fits.
        match amount.checked_mul(unit) {
            Some(seconds) if amount >= 1 && seconds <= 10 * 366 * 86_400 => Some(seconds),
            _ => {
                self.error(
                    "invalid-queue-option",
                    r.amount.span.clone(),
                    "a release time must be a whole number of hours or days, from 1 up to ten years",
                    "not a release time",
                    "write how long a rep may keep a lead without an outcome, e.g. `release after 48 hours` or `release after 2 days`",
                );
                None
            }
        }
    }

    /// Whether the queue gives leads to reps, as `claim limit` and
    /// `release after` need; an error at the option when it does not.
    fn pooling_method(
        &mut self,
        decl: &ast::QueueDecl,
        method: Method,
        span: std::ops::Range<usize>,
        option: &str,
    ) -> bool {
        if method != Method::Hold {
            return true;
        }
        self.error(
            "invalid-queue-option",
            span,
            &format!(
                "queue `{}` has no method, so nobody holds its leads: `{option}` has nothing to act on",
                decl.name.node
            ),
            "no method",
            &format!("give the queue a method (`queue {} shark_tank`, `round_robin` or `load_balance` with members), or remove `{option}`", decl.name.node),
        );
        false
    }

    fn members(&mut self, decl: &ast::QueueDecl) -> Vec<String> {
        match &decl.members {
            None => vec![],
            Some(Members::Emails(emails)) => {
                let mut seen = HashMap::new();
                let mut out = vec![];
                for e in emails {
                    let email = e.node.trim().to_lowercase();
                    if !email.contains('@') {
                        self.error(
                            "type-mismatch",
                            e.span.clone(),
                            &format!("queue member `{}` is not an email", e.node),
                            "not an email",
                            "members are reps' emails, e.g. \"pat@acme.example\"",
                        );
                    } else if seen.insert(email.clone(), ()).is_some() {
                        self.error(
                            "duplicate-name",
                            e.span.clone(),
                            &format!("`{}` is a member twice", e.node),
                            "listed again",
                            "list each rep once; use a reps file `weight` to give someone more leads",
                        );
                    } else {
                        out.push(email);
                    }
                }
                out
            }
            Some(Members::Team(team)) => self
                .program
                .reps
                .iter()
                .filter(|r| r.team.eq_ignore_ascii_case(&team.node))
                .map(|r| r.email.clone())
                .collect(),
        }
    }

    pub(super) fn resolve_queue_options(&mut self) {
        for decl in &self.ast.queues {
            let Some(&q) = self.queues.get(&decl.name.node) else {
                continue;
            };
            if self.program.queues[q].span != decl.span {
                continue;
            }
            if let Some(over) = &decl.overflow {
                if let Some(target) = self.queue_ref(over) {
                    if target == q {
                        self.error(
                            "unknown-name",
                            over.span.clone(),
                            "a queue cannot overflow to itself",
                            "same queue",
                            "overflow to a queue with no method, or a shark tank, e.g. `overflow to unassigned`",
                        );
                    } else {
                        self.program.queues[q].overflow = Some(target);
                    }
                }
            }
            if let Some(value) = &decl.sticky {
                self.program.queues[q].sticky = self.value(value).map(|(v, _)| v);
            }
        }
    }

    /// A queue name used somewhere; marks it used.
    pub(super) fn queue_ref(&mut self, name: &ast::Ident) -> Option<usize> {
        match self.queues.get(&name.node) {
            Some(&q) => {
                self.usage.queues[q] = true;
                Some(q)
            }
            None if self.poisoned.contains(&name.node) => None,
            None => {
                let help = suggestion("queue", &name.node, self.queues.keys().map(String::as_str));
                self.error(
                    "unknown-name",
                    name.span.clone(),
                    &format!("no queue named `{}`", name.node),
                    "unknown queue",
                    &help,
                );
                None
            }
        }
    }
}

#[derive(Clone, Copy)]
pub(super) enum NameSpace {
    Fields,
    Tiers,
    Lists,
    Tables,
    Queues,
}

/// A literal's value when it is a whole number (`1.5`, `2.0000001` are not).
fn whole(n: &NumberLit) -> Option<i64> {
    (n.exact && n.micros % 1_000_000 == 0)
        .then(|| i64::try_from(n.micros / 1_000_000).ok())
        .flatten()
}
