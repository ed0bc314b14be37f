//! The SQL compiler on random rule sets: `route compile --emit sql` run
//! in DuckDB gives `route run`'s `route_queue`, `route_owner` and
//! `route_rule` for every row.
//!
//! The rule sets come from `warehouse/random_rules.rs`, seeded: a failure
//! prints the seed and the rule file with its data files; run again with
//! `ROUTE_RANDOM_SEED=N` to start from another seed, `ROUTE_RANDOM_ROWS=N`
//! to route another number of leads (the literals, and so the rule sets,
//! come from the lead file, so they change with it),
//! `ROUTE_RANDOM_KEEP=1` to keep the rule files, queries and results.

#[path = "warehouse/harness.rs"]
mod harness;
#[path = "warehouse/random_rules.rs"]
mod random_rules;

use harness::{compare, duckdb, lead_file, prepare, python, read_csv, route, route_columns};
use random_rules::{rule_set, RuleSet, Vocabulary};
use std::path::PathBuf;
use std::time::Instant;

/// Rule sets per run, and leads (plus the shipped sample leads): the
/// issue's 100,000. The test takes 4–5 minutes on this busy 2-core
/// machine (about 1 at 5,000), most of it in DuckDB: in the few
/// sets that still simulate lead by lead (docs/warehouse.md: a load
/// balance sharing a capped member with a busy queue) and in planning.
const SETS: u64 = 40;
const ROWS: u64 = 100_000;
const FIRST_SEED: u64 = 1;

enum Dir {
    Temp(tempfile::TempDir),
    Kept(PathBuf),
}

impl Dir {
    fn path(&self) -> &std::path::Path {
        match self {
            Dir::Temp(d) => d.path(),
            Dir::Kept(p) => p,
        }
    }
}

#[test]
fn random_rule_sets_route_the_same_in_duckdb() {
    let Some(python) = python() else { return };
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("a temp dir");
    // ROUTE_RANDOM_KEEP=1 keeps the rule files, queries and results.
    let dir = if std::env::var_os("ROUTE_RANDOM_KEEP").is_some() {
        let kept = dir.keep();
        eprintln!("keeping {}", kept.display());
        Dir::Kept(kept)
    } else {
        Dir::Temp(dir)
    };
    let rows = std::env::var("ROUTE_RANDOM_ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(ROWS);
    let leads = lead_file(dir.path(), rows, 7);
    let vocab = Vocabulary::new(&read_csv(&leads));
    let first = std::env::var("ROUTE_RANDOM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(FIRST_SEED);

    let mut accepted: Vec<(u64, RuleSet, PathBuf)> = Vec::new();
    let mut rejected = Vec::new();
    for seed in first..first + SETS {
        let set = rule_set(seed, &vocab, &format!("s{seed}_"));
        let path = dir.path().join(format!("s{seed}.route"));
        std::fs::write(&path, &set.text).expect("write the rules");
        for (name, body) in &set.files {
            std::fs::write(dir.path().join(name), body).expect("write a data file");
        }
        let check = route(&["check", path.to_str().expect("UTF-8 path")]);
        match check.status.code() {
            Some(0) => accepted.push((seed, set, path)),
            Some(1) => rejected.push(format!(
                "seed {seed}: {}",
                String::from_utf8_lossy(&check.stdout)
                    .lines()
                    .find(|l| l.starts_with("error"))
                    .unwrap_or_default()
            )),
            other => panic!(
                "route check cannot read seed {seed} ({other:?}): {}\n{}",
                String::from_utf8_lossy(&check.stderr),
                set.show()
            ),
        }
    }
    eprintln!(
        "{} of {SETS} random rule sets accepted by route check; rejected:\n{}",
        accepted.len(),
        rejected.join("\n")
    );
    // Random rules often contradict themselves or are covered by earlier
    // rules (unreachable-rule); about two thirds pass.
    assert!(
        accepted.len() as u64 * 2 > SETS,
        "route check rejects most random rule sets"
    );

    let mut failures = Vec::new();
    let mut cases = Vec::new();
    for (seed, set, path) in &accepted {
        match prepare(path, &leads, dir.path()) {
            Ok(case) => cases.push((*seed, set, case)),
            Err(e) => failures.push(format!("seed {seed}: {e}\n{}", set.show())),
        }
    }
    let jobs: Vec<(PathBuf, PathBuf)> = cases
        .iter()
        .map(|(_, _, c)| (c.query.clone(), c.result.clone()))
        .collect();
    let results = duckdb(python, &leads, &jobs);
    for ((seed, set, case), rows) in cases.iter().zip(results) {
        let want = route_columns(&read_csv(&case.routed));
        if let Err(e) = compare(&case.name, &route_columns(&rows), &want) {
            failures.push(format!("seed {seed}: {e}\n{}", set.show()));
        }
    }
    eprintln!(
        "{} rule sets on DuckDB in {:.1}s",
        cases.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of {} random rule sets differ from route run:\n\n{}",
        failures.len(),
        accepted.len(),
        failures.join("\n\n")
    );
}
