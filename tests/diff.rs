//! `route diff OLD NEW INPUT`: what would move between two rule sets.

use std::process::{Command, Output};

fn route(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_route"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const OLD: &str = "rules/acme.route";
/// acme with `.edu` out of the public sector suffixes and enterprise from 500 employees.
const NEW: &str = "tests/fixtures/diff/acme-next.route";

#[test]
fn the_same_rules_move_nothing_and_exit_0() {
    let out = route(&["diff", OLD, OLD, "rules/leads.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "route diff: 311 leads, 0 move (0.0%), 311 stay, 0 rejected\n"
    );
}

#[test]
fn a_change_shows_the_moves_their_rules_and_samples() {
    let out = route(&["diff", OLD, NEW, "rules/leads.csv"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    insta::assert_snapshot!(text(&out.stdout));
}

#[test]
fn json_and_csv_agree_with_the_counts() {
    let out = route(&["diff", OLD, NEW, "rules/leads.csv", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let moves = json["moves"].as_array().unwrap();
    let moved: u64 = moves.iter().map(|m| m["leads"].as_u64().unwrap()).sum();
    assert_eq!(json["moved"].as_u64(), Some(moved));
    assert_eq!(
        json["moved"].as_u64().unwrap() + json["stayed"].as_u64().unwrap(),
        json["leads"].as_u64().unwrap()
    );
    let in_matrix: u64 = json["matrix"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|row| row.as_object().unwrap().values())
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(in_matrix, 311, "every readable lead is in the matrix");

    let out = route(&["diff", OLD, NEW, "rules/leads.csv", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(&out.stdout[..]);
    assert_eq!(
        reader.headers().unwrap(),
        vec!["from", "to", "old_rule", "new_rule", "leads"]
    );
    let total: u64 = reader
        .records()
        .map(|r| r.unwrap()[4].parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, moved);
}

#[test]
fn unreadable_rows_are_counted_not_compared() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("leads.csv");
    let mut csv = std::fs::read("rules/leads.csv").unwrap();
    csv.extend_from_slice(b"ragged,row\n");
    std::fs::write(&input, csv).unwrap();
    let out = route(&["diff", OLD, OLD, input.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("312 leads, 0 move (0.0%), 311 stay, 1 rejected"));
}

#[test]
fn a_rule_file_with_errors_stops_the_diff() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.route");
    std::fs::write(&bad, "rule \"x\" when nothing to nowhere\n").unwrap();
    let out = route(&["diff", OLD, bad.to_str().unwrap(), "rules/leads.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("has errors"),
        "{}",
        text(&out.stderr)
    );
}
