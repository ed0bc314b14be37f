//! The SQL `route compile --emit sql` writes: the acme query in every
//! dialect as snapshots (review a change with `cargo insta review`, or
//! accept with INSTA_UPDATE=always), and the command's flags and refusals.
//! Whether the SQL routes like `route run` is tests/warehouse.rs.

use route::sql::{Dialect, SqlOptions};
use std::path::Path;
use std::process::Command;

fn acme_sql(dialect: Dialect, order_by: Option<&str>) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/acme.route");
    let loaded = route::load(&path).expect("rules/acme.route reads");
    let program = loaded.program.expect("rules/acme.route checks clean");
    let options = SqlOptions {
        dialect,
        table: "leads".into(),
        now: "2026-11-25".into(),
        order_by: order_by.map(str::to_string),
    };
    route::sql::compile(&program, &options).expect("acme compiles to SQL")
}

#[test]
fn acme_query_duckdb() {
    insta::assert_snapshot!(acme_sql(Dialect::DuckDb, None));
}

#[test]
fn acme_query_spark() {
    insta::assert_snapshot!(acme_sql(Dialect::Spark, None));
}

#[test]
fn acme_query_postgres() {
    insta::assert_snapshot!(acme_sql(Dialect::Postgres, Some("route_line")));
}

/// The same rules, data and date give the same text.
#[test]
fn the_query_is_deterministic() {
    assert_eq!(
        acme_sql(Dialect::DuckDb, None),
        acme_sql(Dialect::DuckDb, None)
    );
}

fn route(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_route"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("the route binary runs")
}

#[test]
fn the_command_writes_the_query_for_the_table_named() {
    let out = route(&[
        "compile",
        "rules/acme.route",
        "--emit",
        "sql",
        "--dialect",
        "duckdb",
        "--table",
        "raw.inbound_leads",
        "--now",
        "2026-11-25",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let sql = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(sql.contains("FROM raw.inbound_leads"), "{}", &sql[..500]);
    assert!(
        sql.contains("route_queue") && sql.contains("route_owner") && sql.contains("route_rule")
    );
}

#[test]
fn postgres_without_an_order_column_is_refused_when_order_matters() {
    let out = route(&[
        "compile",
        "rules/acme.route",
        "--emit",
        "sql",
        "--dialect",
        "postgres",
        "--now",
        "2026-11-25",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error: route compile --emit sql: Postgres keeps no row order")
            && err.contains("--order-by"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_run_date_that_is_not_a_date_is_refused() {
    let out = route(&[
        "compile",
        "rules/acme.route",
        "--emit",
        "sql",
        "--now",
        "25/11/2026",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a date (YYYY-MM-DD)"));
}

#[test]
fn rules_with_errors_are_refused() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let rules = dir.path().join("bad.route");
    std::fs::write(
        &rules,
        "field c country \"C\"\nrule \"x\" when c is \"Atlantis\" to q\n",
    )
    .expect("write rules");
    let out = route(&["compile", rules.to_str().expect("UTF-8"), "--emit", "sql"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Overflow between queues that can run out, in a cycle: the SQL cannot
/// order them, so it is refused rather than guessed.
#[test]
fn an_overflow_cycle_between_capped_queues_is_simulated_or_refused_never_guessed() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let rules = dir.path().join("cycle.route");
    std::fs::write(
        &rules,
        "field c country \"C\"\n\
         queue a round_robin [\"x@e\"] { cap 1 per day overflow to b }\n\
         queue b round_robin [\"y@e\"] { cap 1 per day overflow to a }\n\
         rule \"r\" when c is \"US\" to a\n\
         default to b\n",
    )
    .expect("write rules");
    let out = route(&[
        "compile",
        rules.to_str().expect("UTF-8"),
        "--emit",
        "sql",
        "--now",
        "2026-11-25",
    ]);
    // Both queues are simulated together (a cycle is one component): on
    // DuckDB in epochs (round robins), elsewhere step by step.
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("route__ep0_"));
    let out = route(&[
        "compile",
        rules.to_str().expect("UTF-8"),
        "--emit",
        "sql",
        "--dialect",
        "postgres",
        "--order-by",
        "n",
        "--now",
        "2026-11-25",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("WITH RECURSIVE"));
}
