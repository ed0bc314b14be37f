//! `--jobs N` decides leads on N threads; the output, the rejects and the
//! summary must be exactly those of `--jobs 1`, with and without state.

use std::path::Path;
use std::process::{Command, Output};

fn route(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_route"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Generated leads with hostile rows spread through them: ragged rows,
/// bytes that are not UTF-8, quoted newlines and commas, CRLF endings.
fn hostile_leads(dir: &Path) -> std::path::PathBuf {
    let generated = dir.join("generated.csv");
    let out = route(&[
        "generate",
        "--rows",
        "6000",
        "--seed",
        "11",
        "-o",
        generated.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let text = std::fs::read(&generated).unwrap();
    let mut lines = text.split_inclusive(|&b| b == b'\n');
    let mut mixed = lines.next().unwrap().to_vec();
    for (i, line) in lines.enumerate() {
        mixed.extend_from_slice(line);
        match i % 997 {
            5 => mixed.extend_from_slice(b"only,three,fields\n"),
            // Keys are unique, so that a state gives what a fresh run gives.
            6 => {
                mixed.extend_from_slice(format!("X1-{i},A,B,caf").as_bytes());
                mixed.extend_from_slice(b"\xe9@x.fr,Co,US,CA,94105,5,,Tech,\n");
            }
            7 => mixed.extend_from_slice(
                format!("X2-{i},\"multi\nline\",B,\"a,b\"\"@x.gov\",Co,US,CA,94105,5,,Tech,\r\n")
                    .as_bytes(),
            ),
            _ => {}
        }
    }
    let path = dir.join("hostile.csv");
    std::fs::write(&path, mixed).unwrap();
    path
}

/// Output, rejects and summary of one run.
fn run(dir: &Path, input: &Path, jobs: &str, state: bool) -> (Vec<u8>, Vec<u8>, String) {
    run_with(dir, input, jobs, state, &[])
}

fn run_with(
    dir: &Path,
    input: &Path,
    jobs: &str,
    state: bool,
    extra: &[&str],
) -> (Vec<u8>, Vec<u8>, String) {
    let out = dir.join(format!("out-{jobs}-{state}.csv"));
    let rejects = dir.join(format!("rejects-{jobs}-{state}.csv"));
    let db = dir.join(format!("state-{jobs}-{}.db", extra.len()));
    let mut args = vec![
        "run",
        "rules/acme.route",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--rejects",
        rejects.to_str().unwrap(),
        "--now",
        "2026-11-25",
        "--jobs",
        jobs,
    ];
    if state {
        args.extend(["--state", db.to_str().unwrap()]);
    }
    args.extend(extra);
    let result = route(&args);
    assert_eq!(
        result.status.code(),
        Some(1),
        "rows were rejected: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    (
        std::fs::read(out).unwrap(),
        std::fs::read(&rejects).unwrap(),
        String::from_utf8_lossy(&result.stderr).replace(rejects.to_str().unwrap(), "REJECTS"),
    )
}

#[test]
fn every_number_of_jobs_gives_the_output_of_one() {
    let dir = tempfile::tempdir().unwrap();
    let input = hostile_leads(dir.path());
    let fresh = run(dir.path(), &input, "1", false);
    for state in [false, true] {
        let one = run(dir.path(), &input, "1", state);
        assert!(
            one.0 == fresh.0,
            "a fresh state routes as a run without one (state {state})"
        );
        assert!(one.2.contains("14 rejected"), "{}", one.2);
        for jobs in ["2", "3", "8"] {
            let many = run(dir.path(), &input, jobs, state);
            assert!(
                one.0 == many.0,
                "output differs with --jobs {jobs}, state {state}"
            );
            assert!(one.1 == many.1, "rejects differ with --jobs {jobs}");
            assert_eq!(one.2, many.2, "summary differs with --jobs {jobs}");
        }
    }
}

/// The route columns (the last three cells) of every output row.
fn route_columns(output: &[u8]) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(output);
    (reader.byte_records())
        .map(|r| {
            let r = r.unwrap();
            let cells: Vec<String> = r
                .iter()
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            cells[cells.len() - 3..].to_vec()
        })
        .collect()
}

#[test]
fn a_bom_crlf_file_routes_alike_at_every_number_of_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let plain = std::fs::read(hostile_leads(dir.path())).unwrap();
    // Every line break becomes CRLF (quoted ones too), behind a BOM.
    let mut crlf = b"\xEF\xBB\xBF".to_vec();
    for &b in &plain {
        if b == b'\n' && crlf.last() != Some(&b'\r') {
            crlf.push(b'\r');
        }
        crlf.push(b);
    }
    let input = dir.path().join("bom-crlf.csv");
    std::fs::write(&input, &crlf).unwrap();
    let expected = run(dir.path(), &dir.path().join("hostile.csv"), "1", false);
    let one = run(dir.path(), &input, "1", false);
    assert!(
        one.0.starts_with(b"Lead ID,"),
        "the BOM is not in the output"
    );
    assert_eq!(
        route_columns(&one.0),
        route_columns(&expected.0),
        "CRLF and a BOM change no lead's route"
    );
    assert!(one.2.contains("14 rejected"), "{}", one.2);
    for state in [false, true] {
        let one = run(dir.path(), &input, "1", state);
        for jobs in ["2", "3"] {
            let many = run(dir.path(), &input, jobs, state);
            assert!(one.0 == many.0, "output differs with --jobs {jobs}");
            assert!(one.1 == many.1, "rejects differ with --jobs {jobs}");
            assert_eq!(one.2, many.2, "summary differs with --jobs {jobs}");
        }
    }
}

#[test]
fn a_windows_1252_file_routes_alike_at_every_number_of_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let utf8 = std::fs::read(hostile_leads(dir.path())).unwrap();
    // Every byte is readable in windows-1252 (the hostile rows' stray
    // byte is written as a character reference), so only ragged rows are
    // rejected.
    let latin = route::run::transcode::to_windows_1252(&utf8).into_owned();
    assert!(latin.len() < utf8.len(), "accents take one byte each");
    let input = dir.path().join("latin.csv");
    std::fs::write(&input, &latin).unwrap();
    let enc = ["--encoding", "windows-1252"];
    let one = run_with(dir.path(), &input, "1", false, &enc);
    assert!(one.2.contains("rejected"), "{}", one.2);
    let text = String::from_utf8(one.0.clone()).expect("the output is UTF-8");
    assert!(
        text.contains("Lefèvre") || text.contains('é'),
        "accents read back"
    );
    for state in [false, true] {
        let one = run_with(dir.path(), &input, "1", state, &enc);
        for jobs in ["2", "3"] {
            let many = run_with(dir.path(), &input, jobs, state, &enc);
            assert!(one.0 == many.0, "output differs with --jobs {jobs}");
            assert!(one.1 == many.1, "rejects differ with --jobs {jobs}");
            assert_eq!(one.2, many.2, "summary differs with --jobs {jobs}");
        }
    }
}

#[test]
fn zero_jobs_is_refused() {
    let out = route(&["run", "rules/acme.route", "rules/leads.csv", "--jobs", "0"]);
    assert_eq!(out.status.code(), Some(2));
}
