//! `route compile --emit sql`: the rules as one SQL query that routes a
//! table of leads inside a warehouse (DuckDB, Spark, Postgres) the way
//! `route run` routes a CSV file.
//!
//! The query reads a table whose columns are the lead file's columns, as
//! text exactly as written, and returns every input column plus
//! `route_queue`, `route_owner` and `route_rule`, in input order. The
//! stages: number the rows ([`SqlOptions::order_by`]), normalize the cells
//! the rules read ([`normalize`], which mirrors `src/values` step by step,
//! with its reference tables inline, [`tables`]), decide first-match
//! ([`decide`]), share out inside queues ([`distribute`]).
//!
//! What is exact and what is not is in `docs/warehouse.md`; in short,
//! queue and rule always are, owners are or are NULL (never guessed), and
//! what cannot be written yet is refused with [`Unsupported`].

pub mod decide;
pub mod dialect;
pub mod distribute;
pub mod normalize;
pub mod query;
pub mod tables;

pub use dialect::Dialect;

use crate::ir::{Program, Target};
use decide::{Decider, DestSql};
use query::{col, Chain};

/// How to write the query.
#[derive(Clone, Debug)]
pub struct SqlOptions {
    pub dialect: Dialect,
    /// The table (or view) of leads: `leads`, `raw.leads`.
    pub table: String,
    /// The run date, `YYYY-MM-DD`: who is away, as `route run --now`.
    pub now: String,
    /// A column giving the input order; without it, the table's scan order.
    pub order_by: Option<String>,
}

/// A construct the SQL compiler does not write yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsupported {
    pub message: String,
    pub help: String,
}

impl Unsupported {
    pub fn new(what: &str, help: &str) -> Unsupported {
        Unsupported {
            message: format!("route compile --emit sql: {what} is not supported yet"),
            help: help.to_string(),
        }
    }
}

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)
    }
}

/// The routing query for a checked program.
pub fn compile(p: &Program, options: &SqlOptions) -> Result<String, Unsupported> {
    let d = options.dialect;
    if !crate::data::reps::is_date(&options.now) {
        return Err(Unsupported {
            message: format!(
                "route compile --emit sql: `{}` is not a date (YYYY-MM-DD)",
                options.now
            ),
            help: "pass the run date as --now 2026-11-25".into(),
        });
    }
    let table = d.table_name(&options.table);
    let order = match &options.order_by {
        Some(c) => format!("ORDER BY {}", d.ident(c)),
        None => match d {
            // Spark numbers rows in file order within partitions, and
            // partitions in file order.
            Dialect::Spark => "ORDER BY monotonically_increasing_id()".into(),
            // A table's physical order: the order COPY loaded it in (a scan
            // may be parallel, so `OVER ()` alone would not keep it).
            Dialect::Postgres => "ORDER BY route__t.ctid".into(),
            Dialect::DuckDb => String::new(),
        },
    };
    // The leads with their position, and the raw cells the rules read.
    let input = match d {
        Dialect::DuckDb => format!(
            "SELECT *, CAST(row_number() OVER ({order}) AS BIGINT) AS route__seq FROM {table}"
        ),
        Dialect::Spark => format!(
            "SELECT struct(*) AS route__row, CAST(row_number() OVER ({order}) AS BIGINT) AS route__seq, * FROM {table}"
        ),
        Dialect::Postgres => format!(
            "SELECT route__t AS route__row, CAST(row_number() OVER ({order}) AS BIGINT) AS route__seq, route__t.* FROM {table} AS route__t"
        ),
    };
    let mut raws = vec!["route__seq".to_string()];
    for (f, field) in p.fields.iter().enumerate() {
        raws.push(format!(
            "{} AS route__raw{f}",
            normalize::raw_cell(d, &d.ident(&field.column))
        ));
    }
    let mut chain = Chain::new(d, format!("SELECT {} FROM route__in", raws.join(", ")));

    // Normalized values, per base.
    let mut per_field: Vec<Vec<crate::ir::Accessor>> = vec![Vec::new(); p.fields.len()];
    for b in &p.bases {
        if !per_field[b.field].contains(&b.accessor) {
            per_field[b.field].push(b.accessor);
        }
    }
    let mut field_cols = Vec::new();
    for (f, wanted) in per_field.iter().enumerate() {
        if wanted.is_empty() {
            field_cols.push(normalize::FieldCols::default());
            continue;
        }
        let raw = format!("route__raw{f}");
        field_cols.push(normalize::field(
            &mut chain,
            p.fields[f].ty,
            &raw,
            &format!("f{f}"),
            wanted,
        ));
    }
    let mut bases = Vec::new();
    for b in &p.bases {
        match field_cols[b.field].get(b.accessor) {
            Some(c) => bases.push(c.clone()),
            None => {
                return Err(Unsupported::new(
                    &format!("`{}{}`", p.fields[b.field].name, b.accessor.suffix()),
                    "use another value in the rules",
                ))
            }
        }
    }

    // First match, in rule order.
    let mut dec = Decider::new(p, d, bases);
    let mut rule_cases = Vec::new();
    let mut dests = Vec::new();
    for (i, rule) in p.rules.iter().enumerate() {
        let cond = dec.cond(&mut chain, &rule.cond);
        let dest = dec.dest(&mut chain, &rule.dest);
        rule_cases.push(format!("WHEN {cond} AND {} THEN {i}", dest.ok()));
        dests.push((i as i64, dest));
    }
    if let Some(default) = &p.default {
        let dest = dec.dest(&mut chain, default);
        rule_cases.push(format!("WHEN {} THEN -1", dest.ok()));
        dests.push((-1, dest));
    }
    let rule_sql = if rule_cases.is_empty() {
        "CAST(NULL AS INTEGER)".to_string()
    } else {
        format!("CASE {} END", rule_cases.join("\n      "))
    };
    chain.stage(vec![col("route__rule", rule_sql)]);
    let (tq, town, ttab) = targets(p, d, &dests);
    chain.stage(vec![
        col("route__tq", tq),
        col("route__town", town),
        col("route__ttab", ttab),
    ]);

    // Sharing out reads only the decision and the sticky values: the
    // stream goes on with those columns alone.
    let dist = distribute::Distributor::new(p, d, &options.now)?;
    if d == Dialect::Postgres && options.order_by.is_none() && dist.needs_order() {
        return Err(Unsupported {
            message: "route compile --emit sql: Postgres keeps no row order, and these rules \
                      share leads out in input order"
                .into(),
            help: "pass --order-by COLUMN, a column numbering the leads in input order \
                   (e.g. a bigserial column that COPY fills)"
                .into(),
        });
    }
    let mut keep = vec![
        "route__seq".to_string(),
        "route__rule".to_string(),
        "route__tq".to_string(),
        "route__town".to_string(),
        "route__ttab".to_string(),
    ];
    keep.extend(dist.sticky_columns(&mut chain, &mut dec));
    chain.custom_stage(format!("SELECT {} FROM {}", keep.join(", "), chain.last()));
    let start = dist.start(&mut chain, "route__tq", "route__town");
    let mut sims = Vec::new();
    let end = dist.run(&mut chain, &mut dec, start, &mut sims)?;

    // The three columns.
    let queue_names: Vec<String> = p
        .queues
        .iter()
        .enumerate()
        .map(|(i, q)| format!("WHEN {i} THEN {}", d.string(&q.name)))
        .collect();
    let queue_name = if queue_names.is_empty() {
        "''".to_string()
    } else {
        format!("CASE {} {} END", end.fq, queue_names.join(" "))
    };
    let mut rule_names: Vec<String> = p
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| format!("WHEN {i} THEN {}", d.string(&r.name)))
        .collect();
    rule_names.push("WHEN -1 THEN 'default'".to_string());
    let text = d.text_type();
    chain.custom_stage(format!(
        "SELECT route__seq,\n    CAST(CASE WHEN route__ttab IS NOT NULL THEN route__ttab WHEN route__rule IS NULL THEN '' ELSE {queue_name} END AS {text}) AS route_queue,\n    \
         CAST({} AS {text}) AS route_owner,\n    \
         CAST(CASE route__rule {} ELSE '' END AS {text}) AS route_rule\n  FROM {}",
        end.own,
        rule_names.join(" "),
        chain.last()
    ));
    let out = chain.last().to_string();
    let final_select = match d {
        Dialect::DuckDb => format!(
            "SELECT route__in.* EXCLUDE (route__seq), {out}.route_queue, {out}.route_owner, {out}.route_rule\n\
             FROM route__in JOIN {out} ON route__in.route__seq = {out}.route__seq\n\
             ORDER BY route__in.route__seq"
        ),
        Dialect::Spark => format!(
            "SELECT route__in.route__row.*, {out}.route_queue, {out}.route_owner, {out}.route_rule\n\
             FROM route__in JOIN {out} ON route__in.route__seq = {out}.route__seq\n\
             ORDER BY route__in.route__seq"
        ),
        Dialect::Postgres => format!(
            "SELECT (route__in.route__row).*, {out}.route_queue, {out}.route_owner, {out}.route_rule\n\
             FROM route__in JOIN {out} ON route__in.route__seq = {out}.route__seq\n\
             ORDER BY route__in.route__seq"
        ),
    };
    let header = format!(
        "-- route {}: {} routed in SQL ({}), run date {}.\n\
         -- Generated by `route compile --emit sql`; see docs/warehouse.md.\n\
         -- Reads {}; returns its columns plus route_queue, route_owner, route_rule.\n",
        env!("CARGO_PKG_VERSION"),
        p.name
            .as_deref()
            .map_or("rules".to_string(), |n| format!("\"{n}\"")),
        d.name(),
        options.now,
        table
    );
    chain.prepend("route__in", input);
    Ok(header + &chain.render(!sims.is_empty() && d != Dialect::Spark, &final_select))
}

/// Per lead: the target queue, or the owner and table a row names.
fn targets(p: &Program, d: Dialect, dests: &[(i64, DestSql)]) -> (String, String, String) {
    let (mut tq, mut town, mut ttab) = (Vec::new(), Vec::new(), Vec::new());
    for (rule, dest) in dests {
        match dest {
            DestSql::Queue(q) => tq.push(format!("WHEN {rule} THEN {q}")),
            DestSql::Rows(row, rows) => {
                let queues: Vec<String> = rows
                    .iter()
                    .filter_map(|(r, t)| match t {
                        Target::Queue(q) => Some(format!("WHEN {r} THEN {q}")),
                        Target::Owner { .. } => None,
                    })
                    .collect();
                if !queues.is_empty() {
                    tq.push(format!(
                        "WHEN {rule} THEN (CASE {row} {} END)",
                        queues.join(" ")
                    ));
                }
                let owners: Vec<(String, String)> = rows
                    .iter()
                    .filter_map(|(r, t)| match t {
                        Target::Owner { table, owner } => Some((
                            format!("WHEN {r} THEN {}", d.string(owner)),
                            format!("WHEN {r} THEN {}", d.string(&p.tables[*table].name)),
                        )),
                        Target::Queue(_) => None,
                    })
                    .collect();
                if !owners.is_empty() {
                    let (o, t): (Vec<String>, Vec<String>) = owners.into_iter().unzip();
                    town.push(format!("WHEN {rule} THEN (CASE {row} {} END)", o.join(" ")));
                    ttab.push(format!("WHEN {rule} THEN (CASE {row} {} END)", t.join(" ")));
                }
            }
        }
    }
    let case = |parts: Vec<String>, ty: &str| {
        if parts.is_empty() {
            format!("CAST(NULL AS {ty})")
        } else {
            format!("CASE route__rule {} END", parts.join(" "))
        }
    };
    let text = d.text_type();
    (case(tq, "INTEGER"), case(town, text), case(ttab, text))
}

/// A query that normalizes columns of `table` as the given types and
/// returns each value (`route__seq`, then per column and accessor
/// `v{i}_{accessor}` as text, NULL when missing), in scan order. For
/// testing the SQL normalizers against `src/values`.
pub fn normalize_query(
    d: Dialect,
    table: &str,
    columns: &[(String, crate::ir::FieldType, Vec<crate::ir::Accessor>)],
) -> String {
    let raws: Vec<String> = std::iter::once("route__seq".to_string())
        .chain(columns.iter().enumerate().map(|(i, (c, _, _))| {
            format!("{} AS route__raw{i}", normalize::raw_cell(d, &d.ident(c)))
        }))
        .collect();
    let mut chain = Chain::new(d, format!("SELECT {} FROM route__in", raws.join(", ")));
    let mut outs = vec!["route__seq".to_string()];
    let text = d.text_type();
    for (i, (_, ty, accessors)) in columns.iter().enumerate() {
        let cols = normalize::field(
            &mut chain,
            *ty,
            &format!("route__raw{i}"),
            &format!("f{i}"),
            accessors,
        );
        for a in accessors {
            if let Some(c) = cols.get(*a) {
                let name = format!("v{i}{}", a.suffix().replace('.', "_"));
                outs.push(format!("CAST({c} AS {text}) AS {name}"));
            }
        }
    }
    let order = match d {
        Dialect::Spark => "ORDER BY monotonically_increasing_id()",
        _ => "",
    };
    chain.prepend(
        "route__in",
        format!(
            "SELECT *, CAST(row_number() OVER ({order}) AS BIGINT) AS route__seq FROM {}",
            d.table_name(table)
        ),
    );
    chain.render(
        false,
        &format!(
            "SELECT {} FROM {} ORDER BY route__seq",
            outs.join(", "),
            chain.last()
        ),
    )
}
