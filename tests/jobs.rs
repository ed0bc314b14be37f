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
    let out = dir.join(format!("out-{jobs}-{state}.csv"));
    let rejects = dir.join(format!("rejects-{jobs}-{state}.csv"));
    let db = dir.join(format!("state-{jobs}.db"));
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

#[test]
fn zero_jobs_is_refused() {
    let out = route(&["run", "rules/acme.route", "rules/leads.csv", "--jobs", "0"]);
    assert_eq!(out.status.code(), Some(2));
}
