//! Differential tests of `route compile --emit sql` on DuckDB: the query
//! gives the same `route_queue`, `route_owner` and `route_rule` as
//! `route run` for every row, and the SQL normalizers read every messy
//! value as `src/values` does.
//!
//! DuckDB comes from `tests/warehouse/setup.sh` (a venv in
//! `target/warehouse-venv` with a pinned `duckdb`). The tests skip, saying
//! so, only when python3 cannot create a venv; a failed install fails them.

use route::ir::{Accessor, FieldType};
use route::sql::Dialect;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

const NOW: &str = "2026-11-25";

/// The venv's python, or `None` (with a printed reason) when python3
/// cannot make a venv on this machine.
fn python() -> Option<&'static Path> {
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

fn route(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_route"))
        .args(args)
        .output()
        .expect("the route binary runs")
}

fn route_ok(args: &[&str]) -> Vec<u8> {
    let out = route(args);
    assert!(
        out.status.success(),
        "route {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs each query on `leads` (loaded once, as text) in one DuckDB; the
/// results as CSV rows.
fn duckdb(python: &Path, leads: &Path, jobs: &[(PathBuf, PathBuf)]) -> Vec<Vec<csv::StringRecord>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/warehouse/run_duckdb.py");
    let mut cmd = Command::new(python);
    cmd.arg(script).arg(leads);
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

fn read_csv(path: &Path) -> Vec<csv::StringRecord> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .expect("a CSV file");
    reader.records().map(|r| r.expect("a CSV record")).collect()
}

/// The three route columns of each row, by header name.
fn route_columns(rows: &[csv::StringRecord]) -> Vec<[String; 3]> {
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
struct Case {
    name: String,
    routed: PathBuf,
    query: PathBuf,
    result: PathBuf,
}

/// Routes `leads` with `rules` and writes the rules' DuckDB query.
fn prepare(rules: &str, leads: &Path, dir: &Path) -> Case {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rules = root.join(rules);
    let rules = rules.to_str().expect("UTF-8 path");
    let name = Path::new(rules)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("rules")
        .to_string();
    let stem = format!(
        "{name}.{}",
        leads
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("leads")
    );
    let routed = dir.join(format!("{stem}.routed.csv"));
    let run = route(&[
        "run",
        rules,
        leads.to_str().expect("UTF-8 path"),
        "-o",
        routed.to_str().expect("UTF-8 path"),
        "--now",
        NOW,
    ]);
    assert!(
        run.status.code() == Some(0) || run.status.code() == Some(1),
        "route run: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let sql = route_ok(&[
        "compile",
        rules,
        "--emit",
        "sql",
        "--dialect",
        "duckdb",
        "--table",
        "leads",
        "--now",
        NOW,
    ]);
    let query = dir.join(format!("{stem}.sql"));
    std::fs::write(&query, sql).expect("write the query");
    Case {
        result: dir.join(format!("{stem}.duckdb.csv")),
        name,
        routed,
        query,
    }
}

/// Routes `leads` with each rule file both ways and compares every row;
/// returns, per file, how many owners the SQL left NULL (empty where
/// route run has one).
fn differential(python: &Path, rules: &[&str], leads: &Path, dir: &Path) -> Vec<usize> {
    let cases: Vec<Case> = rules.iter().map(|r| prepare(r, leads, dir)).collect();
    let jobs: Vec<(PathBuf, PathBuf)> = cases
        .iter()
        .map(|c| (c.query.clone(), c.result.clone()))
        .collect();
    let results = duckdb(python, leads, &jobs);
    cases
        .iter()
        .zip(results)
        .map(|(case, rows)| {
            compare(
                &case.name,
                &route_columns(&rows),
                &route_columns(&read_csv(&case.routed)),
            )
        })
        .collect()
}

fn compare(name: &str, got: &[[String; 3]], want: &[[String; 3]]) -> usize {
    assert_eq!(got.len(), want.len(), "{name}: row counts differ");
    let mut unknown = 0;
    let mut differences = Vec::new();
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let owner_unknown = g[1].is_empty() && !w[1].is_empty();
        unknown += usize::from(owner_unknown);
        let same = g[0] == w[0] && g[2] == w[2] && (owner_unknown || g[1] == w[1]);
        if !same {
            differences.push(format!("row {}: sql {g:?}, route run {w:?}", i + 1));
        }
    }
    assert!(
        differences.is_empty(),
        "{name}: {} rows differ, e.g.\n{}",
        differences.len(),
        differences[..differences.len().min(10)].join("\n")
    );
    unknown
}

/// The issue's check: every shipped example (and a fixture using every
/// kind of test, table and queue) on 100,000 generated leads followed by
/// the shipped sample leads (their hand-written edge cases: padded cells,
/// every placeholder, a repeated lead, quoted newlines). One DuckDB
/// session loads the file once and runs the four queries. Owners the SQL
/// does not compute (docs/warehouse.md) are NULL, never different; their
/// counts are pinned so that a change shows.
#[test]
fn shipped_examples_route_generated_and_sample_leads_the_same_in_duckdb() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().expect("a temp dir");
    let leads = dir.path().join("leads.csv");
    let mut file = route_ok(&["generate", "--rows", "100000", "--seed", "7"]);
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
    let rules = [
        "rules/acme.route",
        "rules/emea.route",
        "rules/public_sector.route",
        "tests/fixtures/warehouse/features.route",
    ];
    let unknown = differential(python, &rules, &leads, dir.path());
    // public_sector: its higher_ed_enterprise queue load-balances among
    // uncapped members that another queue also feeds, after its
    // simulation stops; every other owner is computed.
    let expected: Vec<(&str, usize)> = rules
        .iter()
        .map(|r| (*r, if r.contains("public_sector") { 384 } else { 0 }))
        .collect();
    let got: Vec<(&str, usize)> = rules.iter().copied().zip(unknown).collect();
    assert_eq!(got, expected, "owners left NULL by the SQL");
}

/// Messy cells that the generator does not write: the normalizers' own
/// test cases, Unicode whitespace and case traps, near-misses.
const EDGE_CELLS: &[&str] = &[
    "",
    " ",
    "\t",
    "n/a",
    " N/A ",
    "#n/a",
    "NULL",
    "none",
    "nil",
    "Unknown",
    "-",
    "--",
    "?",
    "---",
    "NA",
    "na",
    "N/A x",
    "0",
    "007",
    "1200",
    "1,200",
    "1.2k",
    "5K",
    "2.5M",
    "2.5m",
    "3MM",
    "1bn",
    "2.5",
    "1,5",
    "1.200.000",
    "50-200",
    "1,200,000",
    "1B",
    "1BN",
    "-2.5",
    "+7",
    "-1,200",
    "2.5 M",
    "2.5\u{a0}m",
    "0.1k",
    "1.2345k",
    "1,200.5k",
    ".5k",
    "5.",
    "3mM",
    "0.000000001b",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "9.223372036854775807b",
    "10000000000b",
    "1,2345",
    "1,20",
    "12abc",
    "1e5",
    "k",
    ".",
    ".k",
    "1,",
    ",100",
    "0,100",
    "1234,567",
    "1 200",
    "- 5",
    "5-",
    "--5",
    "+-5",
    "$5",
    "5 EUR",
    "5%",
    "1.2.3",
    "1kk",
    "(5)",
    "１２",
    "1_000",
    "$2.5M",
    "€1,000",
    "USD 1200",
    "1200 EUR",
    "£5k",
    "¥100",
    "1,200.50 usd",
    "US$ 5",
    "us$5",
    "-$5",
    "$-5",
    "+$5",
    "-5 USD",
    "USD -5",
    "USD1200",
    "1200EUR",
    "$ 5",
    "5 $",
    "$5 USD",
    "1.999",
    "$0.015",
    "R$ 1.000",
    "C$12",
    "A$ 3.5k",
    "₹ 2,500",
    "500 kr",
    "500kr",
    "Rs. 500",
    "5M€",
    "€\u{a0}1,000",
    "CHF 1000",
    "2.5 M USD",
    "$1.5bn",
    "$.5",
    "$",
    "USD",
    "$$5",
    "-$-5",
    "- $5",
    "5 dollars",
    "ABC 5",
    "USDX 5",
    "5 USDX",
    "CHF 1'000",
    "1 000 €",
    "5bnEUR",
    "5 €€",
    "zł 5",
    "ZŁ 5",
    "Kč 5",
    "kč5",
    "\u{212a}r 5",
    "94105",
    "94105-1234",
    "941051234",
    "2134",
    "2134-5678",
    "SW1A 1AA",
    "100-0001",
    "123",
    "02134",
    "\t02134-0001\r",
    "9410",
    "0213",
    "94105-12",
    "94105-",
    "94105 1234",
    "94105–1234",
    "94105.0",
    "９４１０５",
    "12345678",
    "Joe.Doe@US.IBM.com",
    "jane@nasa.gov",
    "Jane Doe <jane@x.com>",
    "mailto:jane@x.com?subject=hi",
    "MAILTO:A@B.CO",
    "<a@b.co>",
    "a@b",
    "@b.co",
    "a@@b.co",
    "a@b..co",
    "a@.b.co",
    "a@b.co.",
    "a@www.b.co",
    "a@www.com",
    "a@WWW.B.CO",
    "a b@c.d",
    "ä@ü.de",
    "x@bücher.de",
    "x@İbm.com",
    "x@ΣΑΣ.gr",
    "x@b_c.d",
    "x@-b.c",
    "https://www.ibm.com/about",
    "//ibm.com",
    "ibm.com:8080",
    "user@host.com:99/x",
    "ftp://a.b.c?x",
    "3ttp://a.b",
    "www.ibm.com.",
    "IBM.com",
    "ibm",
    "USA",
    "U.S.",
    "U. S. A.",
    "United States",
    "united   states of america",
    "the Netherlands",
    "Netherlands, The",
    "Deutschland",
    "DEUTSCHLAND",
    "España",
    "Espana",
    "Côte d'Ivoire",
    "Cote d’Ivoire",
    "St Lucia",
    "St. Kitts & Nevis",
    "Mexico",
    "Me\u{301}xico",
    "Éire",
    "Türkiye",
    "TÜRKIYE",
    "İtalya",
    "Korea",
    "DRC",
    "N/A",
    "XX",
    "Holland",
    "U.K.",
    "UK",
    "Great Britain",
    "England",
    "ΕΛΛΑΔΑ",
    "Ελλάδα",
    "Россия",
    "日本",
    "中国",
    "الإمارات",
    "Calif.",
    "Cal.",
    "CALIFORNIA",
    "N.Y.",
    "Québec",
    "Terre-Neuve-et-Labrador",
    "PQ",
    "NF",
    "AA",
    "Washington",
    "D.C.",
    "Wash. D.C.",
    "+44 20 7946 0000",
    "(415) 555-0100",
    "415.555.0100",
    "1 (415) 555-0100",
    "001 415 555 0100",
    "0044 20 7946 0000",
    "011 44 20 7946 0000",
    "+44 (0)20 7946 0000",
    "+44 020 7946 0000",
    "tel:+14155550100",
    "TEL: +1 415 555 0100",
    "'+14155550100",
    "''415-555-0100",
    "+1-212-555-0100 x12",
    "+1 212 555 0100 ext. 5",
    "+1 212 555 0100 #3",
    "415-555-0100, 415-555-0101",
    "1-800-FLOWERS",
    "020 7946 0000",
    "+7 727 123 4567",
    "+44 1481 123456",
    "+1 911 555 0100",
    "+1 415 155 0100",
    "++1 415 555 0100",
    "+ 1 415 555 0100",
    "+020 1234 5678",
    "+01 234 567 8901",
    "00",
    "+",
    "x123",
    "+262 269 12 34 56",
    "+590 590 27 12 34",
    "+599 3 123 4567",
    "Apple Inc.",
    "APPLE, INC",
    "The Apple Company",
    "Société Générale S.A.",
    "Johnson & Johnson",
    "Foo Co., Ltd.",
    "Foo, L.L.C.",
    "Foo S.p.A.",
    "Foo GmbH & Co. KG",
    "Home Depot, The",
    "Plan B S.A.",
    "The Company",
    "Co",
    "Inc.",
    "The",
    "The Co.",
    "& Co",
    "The The",
    "AT&T",
    "J.P. Morgan",
    "J. P. Morgan Chase & Co.",
    "I.B.M. Corp",
    "McDonald's Corporation",
    "L’Oréal S.A.",
    "Hewlett-Packard Company",
    "Straße AG",
    "Ålborg A/S",
    "Øresund ApS",
    "Æther Ltd",
    "Łódź Sp",
    "Crème\u{301}",
    "E.ON SE",
    "3M Company",
    "Yahoo! Inc.",
    "Amazon.com, Inc.",
    "トヨタ自動車",
    "ООО Ромашка",
    "!!!",
    "...",
    "'",
    "\u{301}",
    "a.&.b",
    "x.y.z",
    "a/b/c",
    "A. B. C.",
    "Straße",
    "ΟΔΟΣ",
    "οδος",
    "İstanbul",
    "  Software   Development ",
    "Financial\tServices\r\n",
    "Health\u{a0}\u{a0}Care",
    "ÉCOLE Ünïcode",
    "\u{2028}x\u{2029}",
    "\u{3000}全角\u{3000}",
    "\u{feff}5",
    "Σ",
    "ǅ",
    "ẞ",
    "🦀 Inc",
];

const TYPES: &[(FieldType, &[Accessor])] = &[
    (FieldType::Text, &[Accessor::Whole]),
    (FieldType::Number, &[Accessor::Whole]),
    (FieldType::Money, &[Accessor::Whole]),
    (FieldType::Zip, &[Accessor::Whole]),
    (FieldType::Email, &[Accessor::Whole, Accessor::Domain]),
    (FieldType::Domain, &[Accessor::Whole]),
    (FieldType::Country, &[Accessor::Whole]),
    (FieldType::State, &[Accessor::Whole]),
    (
        FieldType::Phone,
        &[
            Accessor::Whole,
            Accessor::Country,
            Accessor::Area,
            Accessor::State,
        ],
    ),
    (FieldType::Company, &[Accessor::Whole]),
];

/// What `src/values` reads a cell as, in the form the query prints it.
fn expected(ty: FieldType, accessor: Accessor, raw: &str) -> String {
    use route::values::*;
    let text = |s: Option<String>| s.unwrap_or_default();
    match (ty, accessor) {
        (FieldType::Text, _) => text(text::normalize_text(raw)),
        (FieldType::Number, _) => text(number::parse_number(raw).map(|n| n.to_string())),
        (FieldType::Money, _) => text(number::parse_money(raw).map(|n| n.to_string())),
        (FieldType::Zip, _) => text(zip::parse_zip(raw).map(|n| n.to_string())),
        (FieldType::Email, Accessor::Domain) => text(email::parse_email_domain(raw)),
        (FieldType::Email, _) => text(email::parse_email(raw).map(|e| e.address)),
        (FieldType::Domain, _) => text(email::parse_domain(raw)),
        (FieldType::Country, _) => text(country::parse_country(raw).map(|c| c.code().to_string())),
        (FieldType::State, _) => text(state::parse_state(raw).map(|s| s.code().to_string())),
        (FieldType::Phone, a) => {
            let p = phone::parse_phone(raw);
            text(p.and_then(|p| match a {
                Accessor::Country => p.country.map(|c| c.code().to_string()),
                Accessor::Area => p.area.map(|a| a.to_string()),
                Accessor::State => p.state.map(|s| s.code().to_string()),
                _ => Some(p.digits),
            }))
        }
        (FieldType::Company, _) => text(company::company_key(raw)),
    }
}

/// Every distinct cell of a generated lead file, and the edge cases, read
/// by every type's SQL normalizer in DuckDB and by `src/values`.
#[test]
fn sql_normalizers_read_every_cell_as_the_rust_ones_do() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().expect("a temp dir");
    let leads = dir.path().join("leads.csv");
    route_ok(&[
        "generate",
        "--rows",
        "5000",
        "--seed",
        "11",
        "-o",
        leads.to_str().expect("UTF-8 path"),
    ]);
    let mut cells: Vec<String> = EDGE_CELLS.iter().map(|s| s.to_string()).collect();
    let mut seen: std::collections::HashSet<String> = cells.iter().cloned().collect();
    for row in read_csv(&leads).iter().skip(1) {
        for cell in row.iter() {
            if seen.insert(cell.to_string()) {
                cells.push(cell.to_string());
            }
        }
    }
    // One column per type, every cell in each.
    let cells_csv = dir.path().join("cells.csv");
    let mut w = csv::Writer::from_path(&cells_csv).expect("write cells");
    let names: Vec<String> = TYPES
        .iter()
        .map(|(t, _)| format!("as {}", t.name()))
        .collect();
    w.write_record(&names).expect("header");
    for cell in &cells {
        w.write_record(vec![cell.as_str(); TYPES.len()])
            .expect("row");
    }
    w.flush().expect("flush");
    let columns: Vec<(String, FieldType, Vec<Accessor>)> = TYPES
        .iter()
        .zip(&names)
        .map(|((t, a), n)| (n.clone(), *t, a.to_vec()))
        .collect();
    let query = dir.path().join("normalize.sql");
    std::fs::write(
        &query,
        route::sql::normalize_query(Dialect::DuckDb, "leads", &columns),
    )
    .expect("write the query");
    let out = duckdb(
        python,
        &cells_csv,
        &[(query.clone(), dir.path().join("normalized.csv"))],
    )
    .remove(0);
    assert_eq!(out.len() - 1, cells.len(), "one row per cell");
    let mut differences = Vec::new();
    for (row, raw) in out[1..].iter().zip(&cells) {
        let mut at = 1;
        for (ty, accessors) in TYPES {
            for a in *accessors {
                let want = expected(*ty, *a, raw);
                if row[at] != want {
                    differences.push(format!(
                        "{}{} of {raw:?}: sql {:?}, route {want:?}",
                        ty.name(),
                        a.suffix(),
                        &row[at]
                    ));
                }
                at += 1;
            }
        }
    }
    assert!(
        differences.is_empty(),
        "{} differences of {} cells, e.g.\n{}",
        differences.len(),
        cells.len(),
        differences[..differences.len().min(40)].join("\n")
    );
}
