//! What the DuckDB differential tests share (`tests/warehouse.rs`,
//! `tests/warehouse_random.rs`): the venv, the `route` binary, running
//! queries in one DuckDB session, and comparing the three route columns
//! with `route run`.
//!
//! DuckDB comes from `tests/warehouse/setup.sh` (a venv in
//! `target/warehouse-venv` with a pinned `duckdb`). The tests skip, saying
//! so, only when python3 cannot create a venv; a failed install fails them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

pub const NOW: &str = "2026-11-25";

/// How DuckDB writes NULL in the results: never a value a route column or
/// a normalized cell can hold (owners contain `@`), so a NULL owner ("not
/// computed") is told apart from an empty one.
pub const NULL: &str = "\\N";

/// The venv's python, or `None` (with a printed reason) when python3
/// cannot make a venv on this machine.
pub fn python() -> Option<&'static Path> {
    static PYTHON: OnceLock<Option<PathBuf>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let root = Path::new(env!("CARGO_MANIFEST_DIR"));
            let status = Command::new("bash")
                .arg(root.join("tests/warehouse/setup.sh"))
                .status()
                .expect("bash runs tests/warehouse/setup.sh");
            match status.code() {
                Some(0) => Some(root.join("target/warehouse-venv/bin/python")),
                Some(3) => {
                    eprintln!(
                        "SKIPPED warehouse tests: python3 cannot create a venv here \
                         (tests/warehouse/setup.sh exit 3); DuckDB differential tests did not run"
                    );
                    None
                }
                other => {
                    panic!("tests/warehouse/setup.sh failed ({other:?}): cannot install duckdb")
                }
            }
        })
        .as_deref()
}

pub fn route(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_route"))
        .args(args)
        .output()
        .expect("the route binary runs")
}

pub fn route_ok(args: &[&str]) -> Vec<u8> {
    let out = route(args);
    assert!(
        out.status.success(),
        "route {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn utf8(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// Runs each query on `leads` (loaded once, as text) in one DuckDB; the
/// results as CSV rows, NULL written as [`NULL`].
pub fn duckdb(
    python: &Path,
    leads: &Path,
    jobs: &[(PathBuf, PathBuf)],
) -> Vec<Vec<csv::StringRecord>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/warehouse/run_duckdb.py");
    let mut cmd = Command::new(python);
    cmd.arg(script).arg("--null").arg(NULL).arg(leads);
    for (query, out) in jobs {
        cmd.arg(query).arg(out);
    }
    let started = Instant::now();
    let run = cmd.output().expect("python runs");
    assert!(
        run.status.success(),
        "duckdb failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    eprint!("{}", String::from_utf8_lossy(&run.stderr));
    eprintln!(
        "DuckDB on {}: {:.1}s in all",
        leads.display(),
        started.elapsed().as_secs_f64()
    );
    jobs.iter().map(|(_, out)| read_csv(out)).collect()
}

pub fn read_csv(path: &Path) -> Vec<csv::StringRecord> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .expect("a CSV file");
    reader.records().map(|r| r.expect("a CSV record")).collect()
}

/// The three route columns of each row, by header name.
pub fn route_columns(rows: &[csv::StringRecord]) -> Vec<[String; 3]> {
    let header = &rows[0];
    let at = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let (q, o, r) = (at("route_queue"), at("route_owner"), at("route_rule"));
    rows[1..]
        .iter()
        .map(|row| [row[q].to_string(), row[o].to_string(), row[r].to_string()])
        .collect()
}

/// A rule file routed by `route run`, and its query, ready for DuckDB.
pub struct Case {
    pub name: String,
    pub routed: PathBuf,
    pub query: PathBuf,
    pub result: PathBuf,
}

/// Routes `leads` with `rules` (relative to the crate, or absolute) and
/// writes the rules' DuckDB query; outputs go to `dir`, named after both
/// files' stems. An error says which command failed and why.
pub fn prepare(rules: &Path, leads: &Path, dir: &Path) -> Result<Case, String> {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join(rules);
    let stem = |p: &Path| p.file_stem().and_then(|s| s.to_str()).map(str::to_string);
    let name = stem(&rules).unwrap_or_else(|| "rules".into());
    let stem = format!("{name}.{}", stem(leads).unwrap_or_else(|| "leads".into()));
    let routed = dir.join(format!("{stem}.routed.csv"));
    let run = route(&[
        "run",
        utf8(&rules),
        utf8(leads),
        "-o",
        utf8(&routed),
        "--now",
        NOW,
    ]);
    if !matches!(run.status.code(), Some(0 | 1)) {
        return Err(format!(
            "route run {}: {}",
            rules.display(),
            String::from_utf8_lossy(&run.stderr)
        ));
    }
    let compile = route(&[
        "compile",
        utf8(&rules),
        "--emit",
        "sql",
        "--dialect",
        "duckdb",
        "--table",
        "leads",
        "--now",
        NOW,
    ]);
    if !compile.status.success() {
        return Err(format!(
            "route compile --emit sql {}: {}",
            rules.display(),
            String::from_utf8_lossy(&compile.stderr)
        ));
    }
    let query = dir.join(format!("{stem}.sql"));
    std::fs::write(&query, compile.stdout).expect("write the query");
    Ok(Case {
        result: dir.join(format!("{stem}.duckdb.csv")),
        name,
        routed,
        query,
    })
}

/// `route generate`'s leads followed by the shipped sample leads (their
/// hand-written edge cases: padded cells, every placeholder, a repeated
/// lead, quoted newlines), written to `dir/leads.csv`.
pub fn lead_file(dir: &Path, rows: u64, seed: u64) -> PathBuf {
    let leads = dir.join("leads.csv");
    let (rows, seed) = (rows.to_string(), seed.to_string());
    let mut file = route_ok(&["generate", "--rows", &rows, "--seed", &seed]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for sample in [
        "rules/leads.csv",
        "rules/emea_leads.csv",
        "rules/public_sector_leads.csv",
    ] {
        let text = std::fs::read(root.join(sample)).expect("a sample lead file");
        let body = text
            .iter()
            .position(|&b| b == b'\n')
            .map_or(&text[..0], |i| &text[i + 1..]);
        file.extend_from_slice(body);
        if !file.ends_with(b"\n") {
            file.push(b'\n');
        }
    }
    std::fs::write(&leads, &file).expect("write the leads");
    leads
}

/// Compares the query's route columns with `route run`'s: all three exact
/// for every row (a NULL owner differs from every owner `route run`
/// writes), or what differs.
pub fn compare(name: &str, got: &[[String; 3]], want: &[[String; 3]]) -> Result<(), String> {
    if got.len() != want.len() {
        return Err(format!(
            "{name}: {} rows from the query, {} from route run",
            got.len(),
            want.len()
        ));
    }
    let differences: Vec<String> = got
        .iter()
        .zip(want)
        .enumerate()
        .filter(|(_, (g, w))| g != w)
        .map(|(i, (g, w))| format!("row {}: sql {g:?}, route run {w:?}", i + 1))
        .collect();
    if differences.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{name}: {} rows differ, e.g.\n{}",
            differences.len(),
            differences[..differences.len().min(10)].join("\n")
        ))
    }
}
