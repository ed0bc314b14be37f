//! Integration tests that run the `route` binary on files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn route(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_route"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn route_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_route"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temp dir")
}

fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// The three route columns of each output data row.
fn route_columns(output: &[u8]) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().from_reader(output);
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let n = r.len();
            (n - 3..n).map(|i| r[i].to_string()).collect()
        })
        .collect()
}

#[test]
fn check_accepts_the_shipped_examples() {
    for file in [
        "rules/acme.route",
        "rules/emea.route",
        "rules/public_sector.route",
    ] {
        let out = route(&["check", file]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{file}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
    }
}

#[test]
fn run_routes_each_lead_and_keeps_the_input_bytes() {
    let out = route(&[
        "run",
        "tests/fixtures/small.route",
        "tests/fixtures/small.csv",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let expected = concat!(
        "Lead ID,Email,Country,Employees,Note,route_queue,route_owner,route_rule\n",
        "1,jane@nasa.gov,USA,10,\"plain\",gov,,Government\n",
        "2,a@ibm.com,U.S.,\"5,000\",\"has \"\"quotes\"\", commas\",enterprise,,US enterprise\n",
        "3,b@x.com,us,n/a,\"line one\r\nline two\",smb,,US small\n",
        "4,c@x.de,Deutschland,50000,,rest,,default\n",
    );
    assert_eq!(text(&out.stdout), expected);
    let summary = text(&out.stderr);
    assert!(
        summary.contains("4 leads in, 4 routed, 0 rejected"),
        "{summary}"
    );
}

#[test]
fn run_reads_stdin_and_writes_a_file() {
    let dir = temp();
    let out_path = dir.path().join("routed.csv");
    let input = std::fs::read("tests/fixtures/small.csv").unwrap();
    let out = route_with_stdin(
        &[
            "run",
            "tests/fixtures/small.route",
            "-",
            "-o",
            out_path.to_str().unwrap(),
        ],
        &input,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let routed = std::fs::read(&out_path).unwrap();
    assert_eq!(route_columns(&routed).len(), 4);
}

/// `route run tests/fixtures/small.route` over `input`, into `out.csv` in `dir`.
fn run_small(dir: &Path, input: &[u8]) -> (Output, PathBuf) {
    let leads = write(dir, "leads.csv", input);
    let out_path = dir.join("out.csv");
    let out = route(&[
        "run",
        "tests/fixtures/small.route",
        leads.to_str().unwrap(),
        "-o",
        out_path.to_str().unwrap(),
    ]);
    (out, out_path)
}

#[test]
fn bad_rows_go_to_the_rejects_file_byte_for_byte() {
    let dir = temp();
    let input = b"\xEF\xBB\xBFLead ID,Email,Country,Employees\n1,a@b.com,US,5\n2,ragged\n3,caf\xE9@x.com,US,5\n\n4,d@e.gov,US,1\n";
    let (out, out_path) = run_small(dir.path(), input);
    assert_eq!(out.status.code(), Some(1), "a rejected row makes exit 1");
    let rejects_path = dir.path().join("out.rejects.csv");
    let summary = text(&out.stderr);
    assert!(
        summary.contains("4 leads in, 2 routed, 2 rejected"),
        "{summary}"
    );
    assert!(
        summary.contains("out.rejects.csv"),
        "the summary names the rejects file: {summary}"
    );
    let rejects = std::fs::read(&rejects_path).unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(&rejects[..]);
    assert_eq!(
        reader.byte_headers().unwrap(),
        &csv::ByteRecord::from(vec!["line", "reason", "record"])
    );
    let rows: Vec<csv::ByteRecord> = reader.byte_records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][0], b"3");
    assert!(text(&rows[0][1]).contains("ragged"));
    assert_eq!(&rows[0][2], b"2,ragged");
    assert_eq!(&rows[1][0], b"4");
    assert!(text(&rows[1][1]).contains("not UTF-8"));
    assert_eq!(&rows[1][2], b"3,caf\xE9@x.com,US,5");
    let routed = std::fs::read(&out_path).unwrap();
    assert_eq!(route_columns(&routed).len(), 2);
}

/// Two of the files a run writes naming one file would lose one of them:
/// the output renamed over the state, or the rejects over the output. The
/// run refuses before it writes anything. (`-o -` is standard output.)
#[test]
fn a_run_refuses_to_write_two_of_its_files_to_one_file() {
    let dir = temp();
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small.route");
    let rules = rules.to_str().unwrap();
    write(
        dir.path(),
        "leads.csv",
        b"Lead ID,Email,Country,Employees\n1,a@b.com,US,5\n2,ragged\n",
    );
    // The run reads its own copy of the rules, which two clashes name.
    let own_rules = dir.path().join("small.route");
    std::fs::copy(rules, &own_rules).unwrap();
    let run = |options: &[&str]| {
        let mut args = vec!["run", "small.route", "leads.csv"];
        args.extend(options);
        Command::new(env!("CARGO_BIN_EXE_route"))
            .args(&args)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let first = run(&["-o", "-", "--state", "state.db"]);
    assert_eq!(first.status.code(), Some(1), "{}", text(&first.stderr));
    assert_eq!(
        route_columns(&first.stdout).len(),
        1,
        "-o - is standard output"
    );
    assert!(!dir.path().join("-").exists());
    let saved = std::fs::read(dir.path().join("state.db")).unwrap();
    let clashes: [&[&str]; 5] = [
        &["-o", "state.db", "--state", "state.db"],
        &["--rejects", "state.db", "--state", "./state.db"],
        &["-o", "x.csv", "--rejects", "./x.csv"],
        &["-o", "small.route"],
        &["--report", "small.route"],
    ];
    for clash in clashes {
        let out = run(clash);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{clash:?}: {stderr}");
        assert!(stderr.contains("are the same file"), "{clash:?}: {stderr}");
        assert!(stderr.contains("help: give "), "{clash:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{clash:?}: nothing routed");
    }
    let state = std::fs::read(dir.path().join("state.db")).unwrap();
    assert_eq!(state, saved, "the state is as it was");
    assert!(!dir.path().join("x.csv").exists());
    let kept = std::fs::read(&own_rules).unwrap();
    assert_eq!(
        kept,
        std::fs::read(rules).unwrap(),
        "the rule file is as it was"
    );
}

/// A batch of records is checked for UTF-8 at once. Two records whose
/// bytes would join into one character (a row ending in `0xC3`, the next
/// starting with `0xA9`: `é` across the line break) are each not UTF-8,
/// and both go to the rejects, while the rows around them are routed.
#[test]
fn a_character_split_across_two_rows_rejects_both() {
    let dir = temp();
    let input = b"Lead ID,Email,Country,Employees\n1,a@b.com,US,5\n2,a@b.com,US,5\xC3\n\xA93,a@b.com,US,5\n4,d@e.gov,US,1\n";
    let (out, out_path) = run_small(dir.path(), input);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let rejects = std::fs::read(dir.path().join("out.rejects.csv")).unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(&rejects[..]);
    let rows: Vec<csv::ByteRecord> = reader.byte_records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(&rows[0][2], b"2,a@b.com,US,5\xC3");
    assert_eq!(&rows[1][2], b"\xA93,a@b.com,US,5");
    assert!(rows.iter().all(|r| text(&r[1]).contains("not UTF-8")));
    let routed = std::fs::read(&out_path).unwrap();
    assert_eq!(route_columns(&routed).len(), 2);
}

#[test]
fn rejects_default_beside_stdout_is_route_rejects_csv() {
    let dir = temp();
    write(
        dir.path(),
        "leads.csv",
        b"Lead ID,Email,Country,Employees\n1,x\n",
    );
    let rules = std::fs::canonicalize("tests/fixtures/small.route").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_route"))
        .args([
            "run",
            rules.to_str().unwrap(),
            "leads.csv",
            "--rejects",
            "bad.csv",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        dir.path().join("bad.csv").exists(),
        "--rejects names the file"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_route"))
        .args(["run", rules.to_str().unwrap(), "leads.csv"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(dir.path().join("route.rejects.csv").exists());
}

#[test]
fn no_rejects_file_when_nothing_is_rejected() {
    let dir = temp();
    let out_path = dir.path().join("out.csv");
    let out = route(&[
        "run",
        "tests/fixtures/small.route",
        "tests/fixtures/small.csv",
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!dir.path().join("out.rejects.csv").exists());
}

#[test]
fn a_missing_column_stops_the_run_naming_the_closest_header() {
    let dir = temp();
    let leads = write(
        dir.path(),
        "leads.csv",
        b"Lead ID,E-mail,Country,Employees\n1,a@b.com,US,5\n",
    );
    let out = route(&["run", "tests/fixtures/small.route", leads.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("\"Email\"") && err.contains("\"E-mail\""),
        "{err}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing is written when the run cannot start"
    );
}

#[test]
fn a_column_named_twice_stops_the_run() {
    let dir = temp();
    let leads = write(
        dir.path(),
        "leads.csv",
        b"Lead ID,Email,Country,Employees,email\n1,a@b.com,US,5,x\n",
    );
    let out = route(&["run", "tests/fixtures/small.route", leads.to_str().unwrap()]);
    // "Email" matches exactly once; the case-insensitive twin is not a second match.
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let leads = write(
        dir.path(),
        "twice.csv",
        b"Lead ID,Email,Country,Employees,Email\n1,a@b.com,US,5,x\n",
    );
    let out = route(&["run", "tests/fixtures/small.route", leads.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("twice"), "{}", text(&out.stderr));
}

#[test]
fn windows_1252_files_are_read_with_encoding() {
    let dir = temp();
    let leads = write(
        dir.path(),
        "leads.csv",
        b"Lead ID,Email,Country,Employees\n1,jos\xE9@x.gov,M\xE9xico,5\n",
    );
    let out = route(&[
        "run",
        "tests/fixtures/small.route",
        leads.to_str().unwrap(),
        "--encoding",
        "windows-1252",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("1,josé@x.gov,México,5,gov,,Government"),
        "{}",
        text(&out.stdout)
    );
    let out = route(&["run", "tests/fixtures/small.route", leads.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "without --encoding the row is not UTF-8"
    );
}

#[test]
fn run_refuses_rules_that_leave_leads_without_a_queue() {
    let dir = temp();
    let leads = write(dir.path(), "leads.csv", b"Country\nUS\nFR\n");
    let out = route(&[
        "run",
        "tests/fixtures/no_default.route",
        leads.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("no-default") && err.contains("example lead: Country="),
        "{err}"
    );
}

/// `route run` as a function: `input` routed into `out` on 2026-11-25,
/// without a lasting state.
fn route_into(
    program: &route::ir::Program,
    dag: &route::compile::Dag,
    input: &[u8],
    out: &mut dyn std::io::Write,
) -> route::run::Summary {
    let dir = temp();
    let mut rejects = route::run::Rejects::new(dir.path().join("rejects.csv"));
    let distributor = route::distribute::Distributor::new(program, "2026-11-25", false);
    let mut store = route::distribute::MemoryStore::default();
    let sharing = route::run::Sharing {
        distributor: &distributor,
        store: &mut store,
        persistent: false,
    };
    let options = route::run::Options::default();
    route::run::route_csv(program, dag, input, options, out, &mut rejects, sharing).unwrap()
}

#[test]
fn leads_no_rule_takes_get_empty_route_columns() {
    // The analysis refuses such files, so route the program directly.
    let path = Path::new("tests/fixtures/no_default.route");
    let mut sources = route::diagnostics::Sources::default();
    let (_, program) =
        route::resolve_source(path, std::fs::read_to_string(path).unwrap(), &mut sources);
    let program = program.expect("names and types are sound");
    let dag = route::compile::compile(&program);
    let mut out = Vec::new();
    let summary = route_into(&program, &dag, b"Country\nUS\nFR\n", &mut out);
    assert_eq!(
        text(&out),
        "Country,route_queue,route_owner,route_rule\nUS,us,,US\nFR,,,\n"
    );
    assert_eq!(
        (summary.rows_in, summary.routed, summary.unmatched),
        (2, 2, 1)
    );
    assert!(summary
        .render(None)
        .contains("1 leads matched no rule and no default"));
}

/// A writer that takes at most 7 bytes a call and has no vectored write
/// of its own: `route run` writes a batch as one vectored write, which must
/// then go out piece by piece, every byte once, in order.
struct Trickle(Vec<u8>);

impl std::io::Write for Trickle {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = buf.len().min(7);
        self.0.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_writer_that_takes_a_few_bytes_at_a_time_gets_every_byte() {
    let loaded = route::load(Path::new("rules/acme.route")).unwrap();
    let program = loaded.program.unwrap();
    let dag = route::compile::compile(&program);
    let mut leads = Vec::new();
    route::generate::write_leads(&mut leads, 3000, 5).unwrap();
    let mut outputs = Vec::new();
    for trickle in [false, true] {
        let (mut all, mut few) = (Vec::new(), Trickle(Vec::new()));
        let out: &mut dyn std::io::Write = if trickle { &mut few } else { &mut all };
        route_into(&program, &dag, &leads, out);
        outputs.push(if trickle { few.0 } else { all });
    }
    assert!(
        outputs[0].len() > leads.len(),
        "every lead with its route columns"
    );
    assert!(text(&outputs[0]).contains(",public_sector,"));
    assert_eq!(text(&outputs[1]), text(&outputs[0]));
}

#[test]
fn run_refuses_rules_with_errors() {
    let out = route(&[
        "run",
        "tests/ui/unknown_field.route",
        "tests/fixtures/small.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("unknown-name") && err.contains("did you mean `country`?"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn check_exit_codes_follow_the_spec() {
    assert_eq!(
        route(&["check", "tests/ui/unknown_field.route"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        route(&["check", "tests/ui/unused.route"]).status.code(),
        Some(0),
        "warnings alone pass"
    );
    assert_eq!(
        route(&["check", "tests/ui/unused.route", "--deny", "warnings"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        route(&["check", "tests/fixtures/does-not-exist.route"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn a_rule_file_that_is_not_utf8_is_refused_with_its_line_and_column() {
    let dir = temp();
    let rules = write(
        dir.path(),
        "bad.route",
        b"queue a\ndefault to a # caf\xE9\n",
    );
    let out = route(&["check", rules.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("bad.route:2:19"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_leading_bom_in_a_rule_file_is_skipped() {
    let dir = temp();
    let rules = write(
        dir.path(),
        "bom.route",
        b"\xEF\xBB\xBFrouting \"x\"\nqueue a\ndefault to a\n",
    );
    assert_eq!(
        route(&["check", rules.to_str().unwrap()]).status.code(),
        Some(0)
    );
}

#[test]
fn check_json_has_the_spec_shape() {
    let out = route(&[
        "check",
        "--format",
        "json",
        "tests/ui/overlapping_tiers.route",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["errors"], 1);
    assert_eq!(doc["warnings"], 0);
    let d = &doc["diagnostics"][0];
    assert_eq!(d["code"], "overlapping-tiers");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "tests/ui/overlapping_tiers.route");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(4), Some(3))
    );
    assert_eq!(d["witness"]["Employees"], "100");
    assert_eq!(d["related"][0]["line"], 3);
}

#[test]
fn check_github_and_sarif_formats() {
    let out = route(&[
        "check",
        "--format",
        "github",
        "tests/ui/unknown_field.route",
    ]);
    let gh = text(&out.stdout);
    assert!(
        gh.starts_with("::error file=tests/ui/unknown_field.route,line=4,col=16"),
        "{gh}"
    );
    let out = route(&["check", "--format", "sarif", "tests/ui/unknown_field.route"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    let result = &doc["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "unknown-name");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        4
    );
}

#[test]
fn compile_draws_the_dag() {
    let out = route(&["compile", "rules/acme.route", "--emit", "dot"]);
    assert_eq!(out.status.code(), Some(0));
    let dot = text(&out.stdout);
    assert!(dot.starts_with("digraph route {") && dot.trim_end().ends_with('}'));
    assert!(dot.contains("US enterprise"));
    let out = route(&["compile", "rules/acme.route", "--emit", "dag"]);
    let dag = text(&out.stdout);
    assert!(
        dag.starts_with("dag: ") && dag.contains("test nodes") && dag.contains("edges"),
        "{dag}"
    );
}

#[test]
fn the_example_runs_over_its_sample_leads_losing_none() {
    let dir = temp();
    let out_path = dir.path().join("routed.csv");
    let out = route(&[
        "run",
        "rules/acme.route",
        "rules/leads.csv",
        "-o",
        out_path.to_str().unwrap(),
        "--now",
        "2026-11-25",
    ]);
    let summary = text(&out.stderr);
    let numbers: Vec<u64> = summary
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .take(3)
        .map(|s| s.parse().unwrap())
        .collect();
    assert_eq!(
        numbers[0],
        numbers[1] + numbers[2],
        "in = routed + rejected: {summary}"
    );
    let input_records = csv::ReaderBuilder::new()
        .from_path("rules/leads.csv")
        .unwrap()
        .byte_records()
        .count() as u64;
    assert_eq!(numbers[0], input_records, "{summary}");
    let routed = std::fs::read(&out_path).unwrap();
    assert_eq!(route_columns(&routed).len() as u64, numbers[1]);
}

#[test]
fn generate_is_deterministic_by_seed() {
    let a = route(&["generate", "--rows", "50", "--seed", "7"]);
    let b = route(&["generate", "--rows", "50", "--seed", "7"]);
    assert_eq!(a.stdout, b.stdout);
    assert_ne!(
        a.stdout,
        route(&["generate", "--rows", "50", "--seed", "8"]).stdout
    );
    let dir = temp();
    let dash = Command::new(env!("CARGO_BIN_EXE_route"))
        .args(["generate", "--rows", "50", "--seed", "7", "-o", "-"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(dash.stdout, a.stdout, "-o - is standard output");
    assert!(!dir.path().join("-").exists());
}

#[test]
fn a_run_that_cannot_start_leaves_no_output_file() {
    let dir = temp();
    let leads = write(
        dir.path(),
        "leads.csv",
        b"Lead ID,E-mail,Country,Employees\n1,a@b.com,US,5\n",
    );
    let out_path = dir.path().join("out.csv");
    let out = route(&[
        "run",
        "tests/fixtures/small.route",
        leads.to_str().unwrap(),
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!out_path.exists(), "no empty output file");
}

#[test]
fn a_stale_default_rejects_file_is_removed() {
    let dir = temp();
    let out_path = dir.path().join("out.csv");
    let stale = write(
        dir.path(),
        "out.rejects.csv",
        b"line,reason,record\n9,old,x\n",
    );
    let out = route(&[
        "run",
        "tests/fixtures/small.route",
        "tests/fixtures/small.csv",
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        !stale.exists(),
        "an old rejects file would be taken for this run's"
    );
}

#[test]
fn windows_1252_rejects_keep_the_original_bytes() {
    let dir = temp();
    let leads = write(
        dir.path(),
        "leads.csv",
        b"Lead ID,Email,Country,Employees\n1,jos\xE9@x.gov\n",
    );
    let rejects = dir.path().join("bad.csv");
    let out = route(&[
        "run",
        "tests/fixtures/small.route",
        leads.to_str().unwrap(),
        "--encoding",
        "latin1",
        "--rejects",
        rejects.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let bytes = std::fs::read(&rejects).unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(&bytes[..]);
    let row = reader.byte_records().next().unwrap().unwrap();
    assert_eq!(&row[2], b"1,jos\xE9@x.gov");
}

#[test]
fn check_reports_every_file_even_when_one_cannot_be_read() {
    let out = route(&[
        "check",
        "tests/fixtures/missing.route",
        "tests/ui/unknown_field.route",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stdout).contains("unknown-name"),
        "{}",
        text(&out.stdout)
    );
    assert!(text(&out.stderr).contains("missing.route"));
}

#[test]
fn quoted_columns_and_phone_patterns_route() {
    let input = b"Email,Phone\nx@us.ibm.com,\ny@z.com,(415) 555-0100\nz@z.com,+44 20 7946 0000\n";
    let out = route_with_stdin(&["run", "tests/fixtures/quoted_column.route", "-"], input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "Email,Phone,route_queue,route_owner,route_rule\n\
         x@us.ibm.com,,accounts,a@acme.example,Accounts\n\
         y@z.com,(415) 555-0100,bay_area,,Bay Area phones\n\
         z@z.com,+44 20 7946 0000,rest,,default\n"
    );
}

#[test]
fn check_sizes_findings_by_real_leads() {
    let out = route(&[
        "check",
        "tests/fixtures/sizing.route",
        "--leads",
        "tests/fixtures/sizing.csv",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(String, u64)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["leads"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("overlapping-rules", 2),
        ("tier-gap", 1),
        ("rule-not-hit", 0),
    ];
    let expected: Vec<(String, u64)> = expected.iter().map(|(c, n)| (c.to_string(), *n)).collect();
    assert_eq!(found, expected, "ranked by how many leads each concerns");
    let message = doc["diagnostics"][2]["message"].as_str().unwrap();
    assert!(
        message.contains("\"Texas\"") && message.contains("none of the 5 leads"),
        "{message}"
    );
}

#[test]
fn route_test_passes_every_shipped_example() {
    for rules in [
        "rules/acme.route",
        "rules/emea.route",
        "rules/public_sector.route",
    ] {
        let out = route(&["test", rules, "--require-coverage"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{rules}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        assert!(
            text(&out.stdout).contains("case result: ok."),
            "{}",
            text(&out.stdout)
        );
    }
}

#[test]
fn route_test_shows_expected_actual_and_the_trace_of_a_failure() {
    let out = route(&[
        "test",
        "tests/fixtures/small.route",
        "tests/fixtures/cases/failing.test.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("case government email ... ok"), "{stdout}");
    assert!(
        stdout.contains("case wrong on purpose ... FAILED"),
        "{stdout}"
    );
    assert!(stdout.contains("expected: queue smb"), "{stdout}");
    assert!(
        stdout.contains("actual:   queue enterprise, owner (none), rule US enterprise"),
        "{stdout}"
    );
    assert!(
        stdout.contains("✓ \"US enterprise\""),
        "the explain trace follows: {stdout}"
    );
    assert!(
        stdout.contains("case result: FAILED. 1 passed; 1 failed"),
        "{stdout}"
    );
}

#[test]
fn route_test_reports_bad_case_files_with_their_line() {
    let out = route(&[
        "test",
        "tests/fixtures/small.route",
        "tests/fixtures/cases/bad_field.test.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("bad_field.test.yaml: line 4") && err.contains("expekt"),
        "{err}"
    );
    let out = route(&[
        "test",
        "tests/fixtures/small.route",
        "tests/fixtures/cases/bad_column.test.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("did you mean \"Email\""),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn route_test_coverage_names_rules_no_case_reaches() {
    let args = [
        "test",
        "tests/fixtures/small.route",
        "tests/fixtures/cases/partial.test.yaml",
        "--coverage",
    ];
    let out = route(&args);
    assert_eq!(out.status.code(), Some(0), "--coverage alone only reports");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("coverage: 1 of 3 rules reached by a case"),
        "{stdout}"
    );
    assert!(
        stdout.contains("no case reaches: \"US enterprise\", \"US small\""),
        "{stdout}"
    );
    let out = route(&[
        "test",
        "tests/fixtures/small.route",
        "tests/fixtures/cases/partial.test.yaml",
        "--require-coverage",
    ]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn explain_reads_a_lead_from_a_file_by_row_or_key() {
    let out = route(&[
        "explain",
        "tests/fixtures/small.route",
        "tests/fixtures/small.csv",
        "--row",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("result: queue enterprise, by rule \"US enterprise\""),
        "{}",
        text(&out.stdout)
    );
    let out = route(&[
        "explain",
        "tests/fixtures/small.route",
        "tests/fixtures/small.csv",
        "--id",
        "4",
    ]);
    assert!(
        text(&out.stdout).contains("the default sends it to rest"),
        "{}",
        text(&out.stdout)
    );
    let out = route(&[
        "explain",
        "tests/fixtures/small.route",
        "tests/fixtures/small.csv",
        "--row",
        "9",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("has 4 leads; there is no row 9"),
        "{}",
        text(&out.stderr)
    );
    let out = route(&[
        "explain",
        "tests/fixtures/small.route",
        "tests/fixtures/small.csv",
        "--id",
        "nope",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no lead in tests/fixtures/small.csv has the key \"nope\""),
        "{}",
        text(&out.stderr)
    );
    let out = route(&[
        "explain",
        "tests/fixtures/small.route",
        "--lead",
        "Emial=x@y.com",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("did you mean \"Email\""),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn run_coverage_names_rules_no_lead_reached() {
    let dir = temp();
    let leads = write(
        dir.path(),
        "leads.csv",
        b"Lead ID,Email,Country,Employees\n1,a@nasa.gov,US,5\n2,b@x.com,FR,5\n",
    );
    let out = route(&[
        "run",
        "tests/fixtures/small.route",
        leads.to_str().unwrap(),
        "--coverage",
        "-o",
        dir.path().join("o.csv").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    assert!(err.contains("coverage: 1 of 3 rules took a lead"), "{err}");
    assert!(
        err.contains("never hit: \"US enterprise\", \"US small\""),
        "{err}"
    );
}

#[test]
fn why_not_an_unknown_queue_names_the_closest() {
    let out = route(&[
        "explain",
        "rules/acme.route",
        "--lead",
        "Country=US",
        "--why-not",
        "enterprize",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("did you mean `enterprise`?"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn ten_thousand_nested_parentheses_are_a_diagnostic_not_a_crash() {
    let dir = temp();
    let n = 10_000;
    let text = format!(
        "field x number \"X\"\nqueue a\nrule \"deep\" when {}x > 1{} to a\ndefault to a\n",
        "(".repeat(n),
        ")".repeat(n)
    );
    let rules = write(dir.path(), "deep.route", text.as_bytes());
    let out = route(&["check", rules.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text_of(&out.stderr));
    assert!(text_of(&out.stdout).contains("nest more than 64 levels"));
    let nots = format!(
        "field x number \"X\"\nqueue a\nrule \"deep\" when {}x > 1 to a\ndefault to a\n",
        "not ".repeat(n)
    );
    let rules = write(dir.path(), "nots.route", nots.as_bytes());
    assert_eq!(
        route(&["check", rules.to_str().unwrap()]).status.code(),
        Some(1)
    );
}

fn text_of(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn nesting_up_to_the_limit_checks_and_routes_on_a_small_stack() {
    // Test threads have 2 MiB stacks: nesting up to the limit (each `not`
    // and each parenthesis is a level) must fit.
    let n = 31;
    let text = format!(
        "field x number \"X\"\nqueue a\nqueue b\nrule \"deep\" when {}x > 1{} to a\ndefault to b\n",
        "(not ".repeat(n),
        ")".repeat(n)
    );
    let mut sources = route::diagnostics::Sources::default();
    let (diags, program) = route::check_source(Path::new("deep.route"), text, &mut sources);
    let program = program.unwrap_or_else(|| panic!("{diags:#?}"));
    let dag = route::compile::compile(&program);
    assert_eq!(dag.leaves.len(), 3);
}

#[test]
fn an_output_that_is_a_pipe_or_device_is_written_in_place_not_replaced() {
    let dir = temp();
    let fifo = dir.path().join("out.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // The pipe's reader, as `-o /dev/stdout | …` or a named pipe would have.
    let reading = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let out = route(&[
        "run",
        "rules/acme.route",
        "rules/leads.csv",
        "-o",
        fifo.to_str().unwrap(),
    ]);
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        text(&out.stderr)
    );
    // Checked before joining: a pipe replaced by a file never gets a writer,
    // and its reader would wait forever.
    use std::os::unix::fs::FileTypeExt;
    let kind = std::fs::metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the pipe is still a pipe");
    let routed = reading.join().unwrap();
    assert!(text(&routed).starts_with("Lead ID,"), "{}", text(&routed));
    let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(leftovers, 1, "no temporary file beside it");
}

#[test]
fn excel_safe_neutralizes_formula_cells_and_leaves_the_rest() {
    let dir = temp();
    let rules = write(
        dir.path(),
        "r.route",
        b"field country country \"Country\"\nfield note text \"Note\"\nqueue us\nqueue other\nrule \"=US\" when country is \"US\" to us\ndefault to other\n",
    );
    let input = write(
        dir.path(),
        "in.csv",
        b"Country,Note,=Header\nUS,=HYPERLINK(\"http://x\"),a\nFR,+1 555,\"@SUM(A1)\"\nUS,-3,\"\tx\"\nUS,plain \"quoted\",ok\n",
    );
    let plain = route(&["run", rules.to_str().unwrap(), input.to_str().unwrap()]);
    assert!(
        text(&plain.stdout).contains("US,=HYPERLINK(\"http://x\"),a,us,,=US\n"),
        "off by default: {}",
        text(&plain.stdout)
    );
    let safe = route(&[
        "run",
        rules.to_str().unwrap(),
        input.to_str().unwrap(),
        "--excel-safe",
    ]);
    assert_eq!(safe.status.code(), Some(0), "{}", text(&safe.stderr));
    assert_eq!(
        text(&safe.stdout),
        "Country,Note,\"'=Header\",route_queue,route_owner,route_rule\n\
         US,\"'=HYPERLINK(\"\"http://x\"\")\",a,us,,\"'=US\"\n\
         FR,\"'+1 555\",\"'@SUM(A1)\",other,,default\n\
         US,\"'-3\",\"'\tx\",us,,\"'=US\"\n\
         US,plain \"quoted\",ok,us,,\"'=US\"\n"
    );
    // Every neutralized file still reads back as the same records.
    let mut reader = csv::Reader::from_reader(&safe.stdout[..]);
    assert_eq!(reader.records().count(), 4);
}

#[test]
fn the_summary_is_an_aligned_table_with_shares_and_bars() {
    let out = route(&[
        "run",
        "rules/acme.route",
        "rules/leads.csv",
        "--now",
        "2026-11-25",
        "--jobs",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(text(&out.stderr));
}
