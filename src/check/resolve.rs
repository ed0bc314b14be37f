//! Values, literals, conditions and destinations: names bound, types
//! checked, literals normalized the way lead values are.

use super::names::suggestion;
use super::Checker;
use crate::diagnostics::{Diagnostic, FileId};
use crate::eval::lead::normalize;
use crate::ir::{
    kind_of, Accessor, Base, Cond, Dest, FieldType, Interval, Kind, Lookup, Matcher, Rule, Scalar,
    TableIndex, TableLayout, Test, ValueExpr,
};
use crate::syntax::ast::{self, Literal, Set, Spanned, TestOp};
use std::collections::HashMap;
use std::ops::Range;

/// The type of what a value expression reads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum VType {
    Field(FieldType),
    Tier(usize),
    /// A table cell: text.
    Cell,
}

impl VType {
    fn kind(self) -> Option<Kind> {
        match self {
            VType::Field(t) => Some(kind_of(t)),
            VType::Cell => Some(Kind::Text),
            VType::Tier(_) => None,
        }
    }

    /// The field type its literals are read as.
    fn literal_type(self) -> FieldType {
        match self {
            VType::Field(t) => t,
            _ => FieldType::Text,
        }
    }

    fn describe(self, c: &Checker) -> String {
        match self {
            VType::Field(t) => format!("{} {} value", article(t.name()), t.name()),
            VType::Tier(t) => format!("tier `{}`", c.program.tiers[t].name),
            VType::Cell => "a table cell (text)".into(),
        }
    }
}

impl Checker<'_> {
    pub(super) fn value(&mut self, v: &ast::Value) -> Option<(ValueExpr, VType)> {
        match v {
            ast::Value::Name(name) => self.named_value(name),
            ast::Value::Accessor(field, member) => self.accessor_value(field, member),
            ast::Value::Lookup(l) => {
                Some((ValueExpr::Lookup(Box::new(self.lookup(l)?)), VType::Cell))
            }
        }
    }

    fn named_value(&mut self, name: &ast::Ident) -> Option<(ValueExpr, VType)> {
        if let Some(&f) = self.fields.get(&name.node) {
            let ty = self.program.fields[f].ty;
            return Some((
                ValueExpr::Base(self.base(f, Accessor::Whole, ty)),
                VType::Field(ty),
            ));
        }
        if let Some(&t) = self.tiers.get(&name.node) {
            self.usage.tiers[t] = true;
            let field = self.program.tiers[t].field;
            let ty = self.program.fields[field].ty;
            return Some((
                ValueExpr::Tier(t, self.base(field, Accessor::Whole, ty)),
                VType::Tier(t),
            ));
        }
        if self.poisoned.contains(&name.node) {
            return None;
        }
        let help = if self.tables.contains_key(&name.node) {
            format!(
                "`{}` is a table: read a cell with `{}[VALUE].COLUMN`",
                name.node, name.node
            )
        } else if self.list_names.contains_key(&name.node) {
            format!(
                "`{}` is a list: test a value with `VALUE in {}`",
                name.node, name.node
            )
        } else {
            let names: Vec<&str> = self
                .fields
                .keys()
                .chain(self.tiers.keys())
                .map(String::as_str)
                .collect();
            suggestion("field or tier", &name.node, names)
        };
        self.error(
            "unknown-name",
            name.span.clone(),
            &format!("no field or tier named `{}`", name.node),
            "unknown name",
            &help,
        );
        None
    }

    fn accessor_value(
        &mut self,
        field: &ast::Ident,
        member: &ast::Ident,
    ) -> Option<(ValueExpr, VType)> {
        let Some(&f) = self.fields.get(&field.node) else {
            if self.poisoned.contains(&field.node) {
                return None;
            }
            let help = suggestion("field", &field.node, self.fields.keys().map(String::as_str));
            self.error(
                "unknown-name",
                field.span.clone(),
                &format!("no field named `{}`", field.node),
                "unknown field",
                &help,
            );
            return None;
        };
        let ty = self.program.fields[f].ty;
        let found = match (ty, member.node.as_str()) {
            (FieldType::Email, "domain") => Some((Accessor::Domain, FieldType::Domain)),
            (FieldType::Phone, "country") => Some((Accessor::Country, FieldType::Country)),
            (FieldType::Phone, "area") => Some((Accessor::Area, FieldType::Number)),
            (FieldType::Phone, "state") => Some((Accessor::State, FieldType::State)),
            _ => None,
        };
        let Some((accessor, vty)) = found else {
            let offered = match ty {
                FieldType::Email => "an email field has `.domain`",
                FieldType::Phone => "a phone field has `.country`, `.area` and `.state`",
                _ => "only email fields (`.domain`) and phone fields (`.country`, `.area`, `.state`) have parts",
            };
            let message = format!(
                "{} field `{}` has no `.{}`",
                ty.name(),
                field.node,
                member.node
            );
            self.error(
                "type-mismatch",
                field.span.start..member.span.end,
                &message,
                "no such part",
                offered,
            );
            return None;
        };
        Some((
            ValueExpr::Base(self.base(f, accessor, vty)),
            VType::Field(vty),
        ))
    }

    fn base(&mut self, field: usize, accessor: Accessor, ty: FieldType) -> usize {
        let base = Base {
            field,
            accessor,
            ty,
        };
        match self.program.bases.iter().position(|b| *b == base) {
            Some(i) => i,
            None => {
                self.program.bases.push(base);
                self.program.bases.len() - 1
            }
        }
    }

    fn lookup(&mut self, l: &ast::Lookup) -> Option<Lookup> {
        let table = self.table_ref(&l.table);
        let key = self.value(&l.key);
        let (table, (key, key_type)) = (table?, key?);
        let columns = &self.program.tables[table].columns;
        let Some(column) = columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(&l.column.node))
        else {
            let help = suggestion("column", &l.column.node, columns.iter().map(String::as_str));
            let message = format!("table `{}` has no column `{}`", l.table.node, l.column.node);
            self.error(
                "unknown-name",
                l.column.span.clone(),
                &message,
                "unknown column",
                &help,
            );
            return None;
        };
        let (index, key_kind) = self.table_index(table, key_type, l.key.span())?;
        Some(Lookup {
            table,
            index,
            key,
            key_kind,
            column,
        })
    }

    fn table_ref(&mut self, name: &ast::Ident) -> Option<usize> {
        match self.tables.get(&name.node) {
            Some(&t) => {
                self.usage.tables[t] = true;
                Some(t)
            }
            None if self.poisoned.contains(&name.node) => None,
            None => {
                let help = suggestion("table", &name.node, self.tables.keys().map(String::as_str));
                self.error(
                    "unknown-name",
                    name.span.clone(),
                    &format!("no table named `{}`", name.node),
                    "unknown table",
                    &help,
                );
                None
            }
        }
    }

    /// The index of a table searched with values of `key_type`, built once.
    fn table_index(
        &mut self,
        table: usize,
        key_type: VType,
        at: Range<usize>,
    ) -> Option<(usize, Kind)> {
        let Some(kind) = key_type.kind() else {
            let message = "a table is searched with a field, not a tier";
            self.error(
                "type-mismatch",
                at,
                message,
                "a tier",
                "look the table up with the tier's field instead",
            );
            return None;
        };
        let ty = key_type.literal_type();
        if let Some(i) = self.program.indexes[table]
            .iter()
            .position(|(_, t, _)| *t == ty)
        {
            return Some((i, kind));
        }
        let index = match self.program.tables[table].kind {
            TableLayout::Keyed { column } => self.keyed_index(table, column, ty),
            TableLayout::Ranged { from, to } => {
                if kind != Kind::Numeric {
                    let message = format!(
                        "range table `{}` is searched with numbers, not {}",
                        self.program.tables[table].name,
                        key_type.describe(self)
                    );
                    self.error(
                        "type-mismatch",
                        at,
                        &message,
                        "not a number",
                        "search a range table with a number, zip or money field",
                    );
                    return None;
                }
                self.range_index(table, from, to, ty)
            }
        };
        self.program.indexes[table].push((kind, ty, index));
        Some((self.program.indexes[table].len() - 1, kind))
    }

    fn keyed_index(&mut self, table: usize, column: usize, ty: FieldType) -> TableIndex {
        let mut index = TableIndex::default();
        let t = self.program.tables[table].clone();
        for (i, row) in t.rows.iter().enumerate() {
            let raw = &row.cells[column];
            let key = normalize_literal(ty, raw);
            if key.is_missing() {
                let message = format!(
                    "key `{raw}` in table `{}` cannot be read as {}",
                    t.name,
                    ty.name()
                );
                self.data_finding(
                    "unknown-value",
                    (t.file, row.line, column),
                    &message,
                    t.span.clone(),
                    "fix or delete the row",
                );
                continue;
            }
            if let Some(&first) = index.keys.get(&key) {
                let message = format!(
                    "table `{}` has the key `{raw}` twice ({})",
                    t.name,
                    self.sources
                        .lines_label(t.file, t.rows[first].line, row.line)
                );
                let d = Diagnostic::error("duplicate-key", &message)
                    .at(
                        t.file,
                        self.sources.cell_span(t.file, row.line, column),
                        "second row with this key",
                    )
                    .related(
                        t.file,
                        self.sources.cell_span(t.file, t.rows[first].line, column),
                        "first row with this key",
                    )
                    .related(self.file, t.span.clone(), "table declared here")
                    .help("keep one row per key; lookups could not tell which row to use");
                self.report(d);
                continue;
            }
            index.keys.insert(key, i);
        }
        index
    }

    fn range_index(&mut self, table: usize, from: usize, to: usize, ty: FieldType) -> TableIndex {
        let t = self.program.tables[table].clone();
        let mut ranges: Vec<(Interval, usize)> = Vec::new();
        for (i, row) in t.rows.iter().enumerate() {
            match (
                normalize(ty, &row.cells[from]),
                normalize(ty, &row.cells[to]),
            ) {
                (Scalar::Num(lo), Scalar::Num(hi)) if lo <= hi => {
                    ranges.push((Interval { lo, hi }, i))
                }
                (Scalar::Num(_), Scalar::Num(_)) => {
                    let message = format!(
                        "this row's range starts after it ends ({} > {})",
                        row.cells[from], row.cells[to]
                    );
                    self.data_finding(
                        "unknown-value",
                        (t.file, row.line, from),
                        &message,
                        t.span.clone(),
                        "swap the two cells",
                    );
                }
                _ => {
                    let message = format!(
                        "`{}`..`{}` cannot be read as a {} range",
                        row.cells[from],
                        row.cells[to],
                        ty.name()
                    );
                    self.data_finding(
                        "unknown-value",
                        (t.file, row.line, from),
                        &message,
                        t.span.clone(),
                        "write both ends as numbers",
                    );
                }
            }
        }
        ranges.sort_by_key(|(iv, _)| (iv.lo, iv.hi));
        for pair in ranges.windows(2) {
            let ((a, ra), (b, rb)) = (pair[0], pair[1]);
            if b.lo <= a.hi {
                let (la, lb) = (t.rows[ra].line, t.rows[rb].line);
                let lines = self.sources.lines_label(t.file, la, lb);
                let rows = if self.sources.is_sheet(t.file) {
                    lines
                } else {
                    format!("rows on {lines}")
                };
                let message = format!("{rows} of table `{}` overlap: {} is in both", t.name, b.lo);
                let d = Diagnostic::error("overlapping-ranges", &message)
                    .at(
                        t.file,
                        self.sources.cell_span(t.file, lb, from),
                        "this range",
                    )
                    .related(
                        t.file,
                        self.sources.cell_span(t.file, la, from),
                        "overlaps this one",
                    )
                    .related(self.file, t.span.clone(), "table declared here")
                    .help("make the ranges disjoint; each value must find one row");
                self.report(d);
            }
        }
        TableIndex {
            keys: Default::default(),
            ranges,
        }
    }

    /// An error at a cell (file, line, column index) of a data file, related to its declaration.
    fn data_finding(
        &mut self,
        code: &'static str,
        (file, line, cell): (FileId, usize, usize),
        message: &str,
        decl: Range<usize>,
        help: &str,
    ) {
        let d = Diagnostic::error(code, message)
            .at(
                file,
                self.sources.cell_span(file, line, cell),
                &self.sources.line_label(file, line),
            )
            .related(self.file, decl, "declared here")
            .help(help);
        self.report(d);
    }

    /// A table no rule searches still gets its rows checked (duplicate keys as
    /// text, overlapping ranges as numbers), so a bad file is found before a
    /// rule starts to use it.
    pub(super) fn check_unread_tables(&mut self) {
        for t in 0..self.program.tables.len() {
            if !self.program.indexes[t].is_empty() {
                continue;
            }
            let ty = match self.program.tables[t].kind {
                TableLayout::Keyed { .. } => FieldType::Text,
                TableLayout::Ranged { .. } => FieldType::Number,
            };
            let span = self.program.tables[t].span.clone();
            let _ = self.table_index(t, VType::Field(ty), span);
        }
    }

    pub(super) fn resolve_rules(&mut self) {
        let mut names: HashMap<String, Range<usize>> = HashMap::new();
        for rule in &self.ast.rules {
            if let Some(first) = names.insert(rule.name.node.clone(), rule.name.span.clone()) {
                let d = Diagnostic::error("duplicate-name", &format!("two rules are named \"{}\"", rule.name.node))
                    .at(self.file, rule.name.span.clone(), "second rule with this name")
                    .related(self.file, first, "first rule with this name")
                    .help("give each rule its own name: `route_rule` in the output tells leads apart by it");
                self.report(d);
            }
            let cond = self.condition(&rule.condition);
            let dest = self.destination(&rule.destination);
            if let (Some(cond), Some(dest)) = (cond, dest) {
                self.program.rules.push(Rule {
                    name: rule.name.node.clone(),
                    cond,
                    dest,
                    span: rule.span.clone(),
                    name_span: rule.name.span.clone(),
                });
            }
        }
    }

    pub(super) fn resolve_default(&mut self) {
        for (i, d) in self.ast.defaults.iter().enumerate() {
            if i > 0 {
                let d = Diagnostic::error("duplicate-name", "there is more than one `default`")
                    .at(self.file, d.span.clone(), "second default")
                    .related(
                        self.file,
                        self.ast.defaults[0].span.clone(),
                        "first default",
                    )
                    .help("keep one `default to QUEUE`; it catches every lead no rule takes");
                self.report(d);
                continue;
            }
            self.program.default = self.destination(&d.destination);
            self.program.default_span = Some(d.span.clone());
        }
    }

    fn destination(&mut self, d: &ast::Destination) -> Option<Dest> {
        match d {
            ast::Destination::Queue(q) => self.queue_ref(q).map(Dest::Queue),
            ast::Destination::Lookup(l) => {
                let lookup = self.lookup(l)?;
                self.check_destination_cells(&lookup, l.span.clone());
                Some(Dest::Lookup(Box::new(lookup)))
            }
        }
    }

    /// Every cell a lookup destination can read must name a queue or an owner.
    fn check_destination_cells(&mut self, lookup: &Lookup, at: Range<usize>) {
        let t = self.program.tables[lookup.table].clone();
        let queue_names: Vec<String> = self.program.queues.iter().map(|q| q.name.clone()).collect();
        for row in &t.rows {
            let cell = row.cells[lookup.column].trim();
            if cell.is_empty() || cell.contains('@') {
                continue;
            }
            match queue_names
                .iter()
                .position(|q| q.eq_ignore_ascii_case(cell))
            {
                Some(q) => self.usage.queues[q] = true,
                None => {
                    let message = format!(
                        "`{cell}` in column `{}` of table `{}` names no queue and is not an owner",
                        t.columns[lookup.column], t.name
                    );
                    let help = match super::closest(cell, queue_names.iter().map(String::as_str)) {
                        Some(q) => format!("did you mean `{q}`? Otherwise declare `queue {cell}` or write an owner's email"),
                        None => "declare a queue with that name, or write an owner's email".into(),
                    };
                    let d = Diagnostic::error("unknown-value", &message)
                        .at(
                            t.file,
                            self.sources.cell_span(t.file, row.line, lookup.column),
                            &self.sources.line_label(t.file, row.line),
                        )
                        .related(self.file, at.clone(), "used as a destination here")
                        .help(&help);
                    self.report(d);
                }
            }
        }
    }

    fn condition(&mut self, c: &ast::Condition) -> Option<Cond> {
        match c {
            ast::Condition::Or(cs) => self.conditions(cs).map(Cond::Or),
            ast::Condition::And(cs) => self.conditions(cs).map(Cond::And),
            ast::Condition::Not(c, _) => self.condition(c).map(|c| Cond::Not(Box::new(c))),
            ast::Condition::Test(t) => self.test(t).map(|t| Cond::Test(Box::new(t))),
        }
    }

    /// All operands, each checked even when an earlier one failed.
    fn conditions(&mut self, cs: &[ast::Condition]) -> Option<Vec<Cond>> {
        let resolved: Vec<Option<Cond>> = cs.iter().map(|c| self.condition(c)).collect();
        resolved.into_iter().collect()
    }

    fn test(&mut self, t: &ast::Test) -> Option<Test> {
        let (value, vtype) = self.value(&t.value)?;
        let (matcher, negated, on_missing) = match &t.op {
            TestOp::IsMissing => (Matcher::Nothing, false, true),
            TestOp::IsPresent => (Matcher::Any, false, false),
            TestOp::Is(lit) => (
                self.one_of(std::slice::from_ref(lit), vtype, self.file)?,
                false,
                false,
            ),
            TestOp::IsNot(lit) => (
                self.one_of(std::slice::from_ref(lit), vtype, self.file)?,
                true,
                false,
            ),
            TestOp::In(set) => (self.set(set, vtype)?, false, false),
            TestOp::NotIn(set) => (self.set(set, vtype)?, true, false),
            TestOp::Compare(bound) => (self.compare(bound, vtype, t)?, false, false),
            TestOp::StartsWith(s) => (
                Matcher::StartsWith(self.patterns(s, vtype, t)?),
                false,
                false,
            ),
            TestOp::EndsWith(s) => (Matcher::EndsWith(self.patterns(s, vtype, t)?), false, false),
            TestOp::Contains(s) => (Matcher::Contains(self.patterns(s, vtype, t)?), false, false),
        };
        Some(Test {
            value,
            matcher,
            negated,
            on_missing,
            span: t.span.clone(),
        })
    }

    fn compare(&mut self, bound: &ast::Bound, vtype: VType, t: &ast::Test) -> Option<Matcher> {
        match vtype {
            VType::Field(ty) if kind_of(ty) == Kind::Numeric => {
                Some(Matcher::Within(vec![self.bound_interval(bound, ty)?]))
            }
            _ => {
                let message = format!(
                    "`{}` is {}; only numbers, money and ZIPs compare with <, >",
                    describe_value(&t.value),
                    vtype.describe(self)
                );
                let help = match vtype {
                    VType::Tier(_) => {
                        "test a tier by label, e.g. `size is enterprise`, or compare its field"
                    }
                    _ => "use `is`, `in` or a text test such as `starts with`",
                };
                self.error(
                    "type-mismatch",
                    t.span.clone(),
                    &message,
                    "not numeric",
                    help,
                );
                None
            }
        }
    }

    fn patterns(
        &mut self,
        strings: &[Spanned<String>],
        vtype: VType,
        t: &ast::Test,
    ) -> Option<Vec<String>> {
        match vtype.kind() {
            Some(Kind::Text) | Some(Kind::Domain) => {
                let ty = vtype.literal_type();
                let mut out = Vec::new();
                for s in strings {
                    match pattern_for(ty, &s.node) {
                        Some(p) => out.push(p),
                        None => {
                            let message =
                                format!("\"{}\" can never appear in a {} value", s.node, ty.name());
                            let help = match ty {
                                FieldType::Phone => "phone values are compared as digits with the calling code, e.g. \"1415\"",
                                _ => "company names are compared without punctuation and legal suffixes",
                            };
                            self.error(
                                "type-mismatch",
                                s.span.clone(),
                                &message,
                                "never matches",
                                help,
                            );
                            return None;
                        }
                    }
                }
                Some(out)
            }
            _ => {
                let message = format!(
                    "`{}` is {}: text tests (`starts with`, `ends with`, `contains`) need text",
                    describe_value(&t.value),
                    vtype.describe(self)
                );
                let help = match vtype {
                    VType::Field(FieldType::Zip | FieldType::Number | FieldType::Money) => {
                        "compare numbers with a range instead, e.g. `zip in 94000..94999`"
                    }
                    VType::Tier(_) => "test a tier by label, e.g. `size is enterprise`",
                    _ => "codes compare whole: use `is` or `in [...]`",
                };
                self.error("type-mismatch", t.span.clone(), &message, "not text", help);
                None
            }
        }
    }

    fn set(&mut self, set: &Set, vtype: VType) -> Option<Matcher> {
        match set {
            Set::Items(items, _) => self.one_of(items, vtype, self.file),
            Set::Range(r) => self.one_of(&[Literal::Range(r.clone())], vtype, self.file),
            Set::Named(name) => self.named_set(name, vtype),
        }
    }

    fn named_set(&mut self, name: &ast::Ident, vtype: VType) -> Option<Matcher> {
        if let Some(&l) = self.list_names.get(&name.node) {
            self.usage.lists[l] = true;
            let list = self.lists[l].clone();
            let items: Vec<Literal> = list.values.iter().map(|(lit, _)| lit.clone()).collect();
            let file = list.values.first().map_or(self.file, |(_, loc)| loc.file);
            let matcher = self.one_of(&items, vtype, file)?;
            self.check_list_duplicates(l, vtype);
            return Some(matcher);
        }
        if self.tables.contains_key(&name.node) {
            let t = self.table_ref(name)?;
            let (index, _) = self.table_index(t, vtype, name.span.clone())?;
            return Some(Matcher::InTable { table: t, index });
        }
        if self.poisoned.contains(&name.node) {
            return None;
        }
        let names: Vec<&str> = self
            .list_names
            .keys()
            .chain(self.tables.keys())
            .map(String::as_str)
            .collect();
        let help = suggestion("list or table", &name.node, names);
        self.error(
            "unknown-name",
            name.span.clone(),
            &format!("no list or table named `{}`", name.node),
            "unknown set",
            &help,
        );
        None
    }

    /// Two entries of a list that read as the same value.
    fn check_list_duplicates(&mut self, l: usize, vtype: VType) {
        let list = self.lists[l].clone();
        let mut seen: HashMap<String, &super::Loc> = HashMap::new();
        for (lit, loc) in &list.values {
            let key = match lit {
                Literal::String(s) => {
                    format!("{:?}", normalize_literal(vtype.literal_type(), &s.node))
                }
                other => format!("{other:?}"),
            };
            if let Some(first) = seen.insert(key, loc) {
                let text = self.sources.text(loc.file)[loc.span.clone()].to_string();
                let message = if loc.line > 0 {
                    format!(
                        "list `{}` has `{text}` twice ({})",
                        list.name,
                        self.sources.lines_label(loc.file, first.line, loc.line)
                    )
                } else {
                    format!("list `{}` has `{text}` twice", list.name)
                };
                let d = Diagnostic::error("duplicate-key", &message)
                    .at(loc.file, loc.span.clone(), "repeated here")
                    .related(first.file, first.span.clone(), "first entry")
                    .help("delete one of the two entries");
                self.report(d);
            }
        }
    }

    /// `is LITERAL` / `in [LITERAL, ...]`: the literals read as the value's type.
    fn one_of(&mut self, items: &[Literal], vtype: VType, file: FileId) -> Option<Matcher> {
        match vtype {
            VType::Tier(t) => self.labels(items, t, file).map(Matcher::Label),
            VType::Field(ty) if kind_of(ty) == Kind::Numeric => {
                self.intervals(items, ty, file).map(Matcher::Within)
            }
            _ => self.scalars(items, vtype, file).map(Matcher::OneOf),
        }
    }

    fn labels(&mut self, items: &[Literal], t: usize, file: FileId) -> Option<Vec<usize>> {
        let tier = self.program.tiers[t].clone();
        let mut out = Vec::new();
        let mut ok = true;
        for item in items {
            let word = match item {
                Literal::Word(w) => Some(&w.node),
                Literal::String(s) => Some(&s.node),
                _ => None,
            };
            match word.and_then(|w| tier.bands.iter().position(|(l, _)| l == w)) {
                Some(i) => out.push(i),
                None => {
                    let labels: Vec<&str> = tier.bands.iter().map(|(l, _)| l.as_str()).collect();
                    let shown = self
                        .sources
                        .text(file)
                        .get(item.span())
                        .unwrap_or("?")
                        .to_string();
                    let help = suggestion("band", word.map_or("", |w| w.as_str()), labels);
                    let message = format!("tier `{}` has no band `{shown}`", tier.name);
                    let d = Diagnostic::error("type-mismatch", &message)
                        .at(file, item.span(), "not a band of the tier")
                        .help(&help);
                    self.report(d);
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    fn intervals(
        &mut self,
        items: &[Literal],
        ty: FieldType,
        file: FileId,
    ) -> Option<Vec<Interval>> {
        let mut out = Vec::new();
        let mut ok = true;
        for item in items {
            let iv = match item {
                Literal::Number(n) => self.units(n, ty).map(|v| Interval { lo: v, hi: v }),
                Literal::Range(r) => self.bound_interval(&ast::Bound::Range(r.clone()), ty),
                Literal::String(s) => match normalize(ty, &s.node) {
                    Scalar::Num(v) => Some(Interval { lo: v, hi: v }),
                    _ => self.unreadable(item, ty, file),
                },
                Literal::Word(_) => self.unreadable(item, ty, file),
            };
            match iv {
                Some(iv) => out.push(iv),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn scalars(&mut self, items: &[Literal], vtype: VType, file: FileId) -> Option<Vec<Scalar>> {
        let ty = vtype.literal_type();
        let mut out = Vec::new();
        let mut ok = true;
        for item in items {
            let scalar = match item {
                Literal::String(s) => match normalize_literal(ty, &s.node) {
                    Scalar::Missing => self.unreadable(item, ty, file),
                    value => Some(value),
                },
                _ => self.unreadable(item, ty, file),
            };
            match scalar {
                Some(s) => out.push(s),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// A literal that is not a value of the type.
    fn unreadable<T>(&mut self, item: &Literal, ty: FieldType, file: FileId) -> Option<T> {
        let shown = self
            .sources
            .text(file)
            .get(item.span())
            .unwrap_or("?")
            .to_string();
        let (code, message, help) = match (item, ty) {
            (Literal::String(_), FieldType::Country) => (
                "unknown-value",
                format!("{shown} is not a country"),
                "use an ISO code such as \"US\", \"GB\", \"DE\", or an English name".to_string(),
            ),
            (Literal::String(_), FieldType::State) => (
                "unknown-value",
                format!("{shown} is not a US state or Canadian province"),
                "use a 2-letter code such as \"CA\", \"NY\", \"ON\"".to_string(),
            ),
            (Literal::String(_), _) => (
                "type-mismatch",
                format!("{shown} is not {} {} value", article(ty.name()), ty.name()),
                format!("write a {} value, e.g. {}", ty.name(), example(ty)),
            ),
            (Literal::Word(w), _) => (
                "type-mismatch",
                format!(
                    "`{}` is a bare word, but {} values are compared here",
                    w.node,
                    ty.name()
                ),
                format!("put text in quotes: \"{}\"", w.node),
            ),
            _ => (
                "type-mismatch",
                format!("{shown} is not {} {} value", article(ty.name()), ty.name()),
                format!(
                    "{} values are written in quotes, e.g. \"{}\"",
                    ty.name(),
                    example(ty)
                ),
            ),
        };
        let d = Diagnostic::error(code, &message)
            .at(file, item.span(), "here")
            .help(&help);
        self.report(d);
        None
    }
}

/// A value written in the rules or a data file. Like a lead value, except
/// that a domain may be a bare suffix: `"gov"` or `".gov"` in a set of
/// domains holds every `.gov` domain.
fn normalize_literal(ty: FieldType, raw: &str) -> Scalar {
    match normalize(ty, raw) {
        Scalar::Missing if ty == FieldType::Domain => {
            let label = raw.trim().trim_start_matches('.').to_lowercase();
            let ok = !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-');
            if ok {
                Scalar::Text(label)
            } else {
                Scalar::Missing
            }
        }
        value => value,
    }
}

/// A text-test pattern in the form the value is compared in: phone
/// numbers as digits, company names as their name key, other text lower
/// case with whitespace collapsed. `None` when no value could contain it.
fn pattern_for(ty: FieldType, raw: &str) -> Option<String> {
    match ty {
        FieldType::Phone => {
            let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
            (!digits.is_empty()).then_some(digits)
        }
        FieldType::Company => crate::values::company::company_key(raw),
        _ => Some(pattern_text(raw)),
    }
}

/// A text-test pattern compared the way lead text is: lower case, inner
/// whitespace collapsed (trailing spaces kept out of patterns).
fn pattern_text(s: &str) -> String {
    let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let lead = if s.starts_with(char::is_whitespace) && !collapsed.is_empty() {
        " "
    } else {
        ""
    };
    let tail = if s.ends_with(char::is_whitespace) && !collapsed.is_empty() {
        " "
    } else {
        ""
    };
    format!("{lead}{collapsed}{tail}").to_lowercase()
}

/// "a" or "an" before a type name.
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn example(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Email => "jane@acme.com",
        FieldType::Domain => "acme.com",
        FieldType::Country => "US",
        FieldType::State => "CA",
        FieldType::Phone => "+1 415 555 0100",
        FieldType::Company => "Acme Inc",
        FieldType::Zip => "94105",
        FieldType::Number => "100",
        FieldType::Money => "1.5M",
        _ => "text",
    }
}

fn describe_value(v: &ast::Value) -> String {
    match v {
        ast::Value::Name(n) => n.node.clone(),
        ast::Value::Accessor(a, b) => format!("{}.{}", a.node, b.node),
        ast::Value::Lookup(l) => format!(
            "{}[{}].{}",
            l.table.node,
            describe_value(&l.key),
            l.column.node
        ),
    }
}
