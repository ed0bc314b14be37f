//! Distribution: round robin, load balancing with weights and caps,
//! out-of-office dates, sticky owners, overflow, the ledger, `--state`
//! across runs, concurrent runs, and crash safety under `kill -9`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const RULES: &str = "tests/fixtures/dist/rules.route";

fn route(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_route"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn leads(dir: &Path, name: &str, rows: &[(&str, &str, &str)]) -> PathBuf {
    let mut csv = String::from("Lead ID,Email,Team\n");
    for (id, email, team) in rows {
        csv.push_str(&format!("{id},{email},{team}\n"));
    }
    let path = dir.join(name);
    std::fs::write(&path, csv).unwrap();
    path
}

/// The route_owner column of each output row (the last three columns are queue, owner, rule).
fn owners(stdout: &[u8]) -> Vec<String> {
    let mut r = csv::Reader::from_reader(stdout);
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            rec[rec.len() - 2].to_string()
        })
        .collect()
}

fn run(rules: &str, input: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", rules, input.to_str().unwrap()];
    args.extend_from_slice(extra);
    route(&args)
}

#[test]
fn round_robin_skips_members_who_are_away_and_continues_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let input = leads(
        dir.path(),
        "rr.csv",
        &[
            ("1", "p@q.com", "rr"),
            ("2", "p@q.com", "rr"),
            ("3", "p@q.com", "rr"),
            ("4", "p@q.com", "rr"),
        ],
    );
    let out = run(RULES, &input, &["--now", "2026-11-25"]);
    assert_eq!(
        owners(&out.stdout),
        ["a@x.com", "c@x.com", "a@x.com", "c@x.com"],
        "b is away 2026-11-20..30"
    );
    let out = run(RULES, &input, &["--now", "2026-12-05"]);
    assert_eq!(
        owners(&out.stdout),
        ["a@x.com", "b@x.com", "c@x.com", "a@x.com"]
    );
}

#[test]
fn the_rotation_continues_where_the_previous_run_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let state = state.to_str().unwrap();
    let first = leads(dir.path(), "1.csv", &[("1", "p@q.com", "rr")]);
    let second = leads(
        dir.path(),
        "2.csv",
        &[("2", "p@q.com", "rr"), ("3", "p@q.com", "rr")],
    );
    let args = ["--now", "2026-12-05", "--state", state];
    assert_eq!(owners(&run(RULES, &first, &args).stdout), ["a@x.com"]);
    assert_eq!(
        owners(&run(RULES, &second, &args).stdout),
        ["b@x.com", "c@x.com"]
    );
    let fresh = run(RULES, &second, &["--now", "2026-12-05"]);
    assert_eq!(
        owners(&fresh.stdout),
        ["a@x.com", "b@x.com"],
        "without --state every run starts fresh"
    );
}

#[test]
fn load_balance_weighs_members_caps_them_and_overflows() {
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<(String, &str, &str)> =
        (1..=5).map(|i| (i.to_string(), "p@q.com", "lb")).collect();
    let rows: Vec<(&str, &str, &str)> = rows.iter().map(|(i, e, t)| (i.as_str(), *e, *t)).collect();
    let input = leads(dir.path(), "lb.csv", &rows);
    let out = run(RULES, &input, &["--now", "2026-11-25"]);
    // lb1 weight 2 (queue cap 2), lb2 weight 1 with its own daily cap 1:
    // tie → lb1; lb1 at 1/2 vs lb2 at 0 → lb2; lb2 capped → lb1; both capped → overflow.
    assert_eq!(
        owners(&out.stdout),
        ["lb1@x.com", "lb2@x.com", "lb1@x.com", "", ""]
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("4,p@q.com,lb,spill,,Load balance"),
        "overflow keeps the rule: {stdout}"
    );
}

#[test]
fn a_queue_without_overflow_keeps_leads_unowned_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let input = leads(
        dir.path(),
        "full.csv",
        &[("1", "p@q.com", "full"), ("2", "p@q.com", "full")],
    );
    let out = run(RULES, &input, &["--now", "2026-11-25"]);
    assert_eq!(owners(&out.stdout), ["capped@x.com", ""]);
    assert!(text(&out.stdout).contains("2,p@q.com,full,full,,Capped"));
    assert!(
        text(&out.stderr).contains("1 leads stayed in full with no owner"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn sticky_owners_keep_a_domain_and_do_not_move_the_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let input = leads(
        dir.path(),
        "st.csv",
        &[
            ("1", "x@acme.com", "st"),
            ("2", "y@other.com", "st"),
            ("3", "z@ACME.com", "st"),
            ("4", "w@new.com", "st"),
        ],
    );
    let out = run(RULES, &input, &["--now", "2026-11-25"]);
    assert_eq!(
        owners(&out.stdout),
        ["s1@x.com", "s2@x.com", "s1@x.com", "s1@x.com"]
    );
}

#[test]
fn a_lead_already_in_the_ledger_keeps_its_assignment_unless_rerouted() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let state = state.to_str().unwrap();
    let input = leads(
        dir.path(),
        "rr.csv",
        &[
            ("1", "p@q.com", "rr"),
            ("1", "p@q.com", "rr"),
            ("2", "p@q.com", "rr"),
        ],
    );
    let args = ["--now", "2026-12-05", "--state", state];
    let first = run(RULES, &input, &args);
    assert_eq!(
        owners(&first.stdout),
        ["a@x.com", "a@x.com", "b@x.com"],
        "the repeated key gets the same owner"
    );
    let again = run(RULES, &input, &args);
    assert_eq!(again.stdout, first.stdout, "a rerun changes nothing");
    assert!(
        text(&again.stderr).contains("3 leads were routed before"),
        "{}",
        text(&again.stderr)
    );
    let rerouted = run(
        RULES,
        &input,
        &["--now", "2026-12-05", "--state", state, "--reroute"],
    );
    assert_eq!(owners(&rerouted.stdout), ["c@x.com", "a@x.com", "b@x.com"]);
}

#[test]
fn state_show_and_reset() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let state = state.to_str().unwrap();
    let input = leads(dir.path(), "rr.csv", &[("1", "p@q.com", "rr")]);
    run(RULES, &input, &["--now", "2026-12-05", "--state", state]);
    let shown = text(&route(&["state", "show", "--state", state, "--now", "2026-12-05"]).stdout);
    assert!(
        shown.contains("rr")
            && shown.contains("a@x.com")
            && shown.contains("ledger: 1 assignments from 1 runs"),
        "{shown}"
    );
    assert_eq!(
        route(&["state", "reset", "--state", state]).status.code(),
        Some(2),
        "--yes is needed"
    );
    assert_eq!(
        route(&["state", "reset", "--state", state, "--yes"])
            .status
            .code(),
        Some(0)
    );
    let shown = text(&route(&["state", "show", "--state", state]).stdout);
    assert!(
        shown.contains("ledger: 0 assignments from 0 runs"),
        "{shown}"
    );
}

#[test]
fn a_second_run_on_the_same_state_fails_fast_or_waits() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let input = leads(dir.path(), "rr.csv", &[("1", "p@q.com", "rr")]);
    run(RULES, &input, &["--state", state.to_str().unwrap()]);
    let holder = rusqlite::Connection::open(&state).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let out = run(RULES, &input, &["--state", state.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("another route run is using the state file"),
        "{}",
        text(&out.stderr)
    );
    let waiting = Command::new(env!("CARGO_BIN_EXE_route"))
        .args([
            "run",
            RULES,
            input.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
            "--wait",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    holder.execute_batch("COMMIT").unwrap();
    let out = waiting.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "--wait goes on once the other run ends: {}",
        text(&out.stderr)
    );
}

/// Ledger rows in a state file.
fn ledger_rows(state: &Path) -> i64 {
    let conn = rusqlite::Connection::open(state).unwrap();
    conn.query_row("SELECT count(*) FROM ledger", [], |r| r.get(0))
        .unwrap_or(0)
}

#[test]
fn kill_9_leaves_old_state_and_no_output_or_new_state_and_all_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("leads.csv");
    let status = route(&[
        "generate",
        "--rows",
        "150000",
        "--seed",
        "5",
        "-o",
        input.to_str().unwrap(),
    ])
    .status;
    assert!(status.success());
    // The reference: an uninterrupted run on a fresh state.
    let reference_out = dir.path().join("reference.csv");
    let reference_state = dir.path().join("reference.db");
    let args = |out: &Path, state: &Path| {
        vec![
            "run".to_string(),
            "rules/acme.route".into(),
            input.display().to_string(),
            "-o".into(),
            out.display().to_string(),
            "--state".into(),
            state.display().to_string(),
            "--now".into(),
            "2026-11-25".into(),
        ]
    };
    let ok = Command::new(env!("CARGO_BIN_EXE_route"))
        .args(args(&reference_out, &reference_state))
        .output()
        .unwrap();
    assert!(
        ok.status.code().is_some_and(|c| c <= 1),
        "{}",
        text(&ok.stderr)
    );
    let expected = std::fs::read(&reference_out).unwrap();
    let full_ledger = ledger_rows(&reference_state);
    for delay_ms in [40u64, 150, 400] {
        let out = dir.path().join(format!("out-{delay_ms}.csv"));
        let state = dir.path().join(format!("state-{delay_ms}.db"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_route"))
            .args(args(&out, &state))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
        let ledger = if state.exists() {
            ledger_rows(&state)
        } else {
            0
        };
        match std::fs::read(&out) {
            Ok(bytes) => assert_eq!(bytes, expected, "an output that exists is complete"),
            Err(_) => assert!(
                ledger == 0 || ledger == full_ledger,
                "no output: the state is old or whole ({ledger})"
            ),
        }
        // A rerun after the crash gives the same assignments.
        let rerun = Command::new(env!("CARGO_BIN_EXE_route"))
            .args(args(&out, &state))
            .output()
            .unwrap();
        assert!(
            rerun.status.code().is_some_and(|c| c <= 1),
            "{}",
            text(&rerun.stderr)
        );
        assert_eq!(
            std::fs::read(&out).unwrap(),
            expected,
            "after a kill at {delay_ms} ms"
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".route-tmp"))
            .collect();
        assert!(
            leftovers.is_empty(),
            "the rerun removes the killed run's temporary file: {leftovers:?}"
        );
    }
}

#[test]
fn the_same_inputs_give_byte_identical_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("leads.csv");
    route(&[
        "generate",
        "--rows",
        "3000",
        "--seed",
        "9",
        "-o",
        input.to_str().unwrap(),
    ]);
    let a = route(&[
        "run",
        "rules/acme.route",
        input.to_str().unwrap(),
        "--now",
        "2026-11-25",
    ]);
    let b = route(&[
        "run",
        "rules/acme.route",
        input.to_str().unwrap(),
        "--now",
        "2026-11-25",
    ]);
    assert_eq!(a.stdout, b.stdout);
    assert!(
        owners(&a.stdout)
            .iter()
            .any(|o| o.ends_with("@acme.example")),
        "round robin queues get owners"
    );
}

#[test]
fn leads_a_table_gives_a_member_count_toward_their_cap_with_or_without_state() {
    let dir = tempfile::tempdir().unwrap();
    let input = leads(
        dir.path(),
        "owner.csv",
        &[
            ("1", "p@named.com", "full"),
            ("2", "p@q.com", "full"),
            ("3", "p@q.com", "full"),
        ],
    );
    let rules = "tests/fixtures/dist_owner/rules.route";
    let fresh = run(rules, &input, &["--now", "2026-11-25"]);
    // capped@x.com got lead 1 from the table and is at the cap of 1:
    // the queue gives lead 2 to other@x.com, and then nobody is left.
    assert_eq!(owners(&fresh.stdout), ["capped@x.com", "other@x.com", ""]);
    let state = dir.path().join("state.db");
    let stateful = run(
        rules,
        &input,
        &["--now", "2026-11-25", "--state", state.to_str().unwrap()],
    );
    assert_eq!(stateful.stdout, fresh.stdout, "a fresh state decides alike");
}

#[test]
fn a_state_file_of_another_layout_is_refused_until_reset() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("old.db");
    // The first layout: names as text in every ledger row, no user_version.
    let conn = rusqlite::Connection::open(&state).unwrap();
    conn.execute_batch(
        "CREATE TABLE ledger (key TEXT PRIMARY KEY, rule TEXT, queue TEXT, owner TEXT, run INTEGER) WITHOUT ROWID;
         INSERT INTO ledger VALUES ('1', 'Round robin', 'rr', 'a@x.com', 1);",
    )
    .unwrap();
    drop(conn);
    let input = leads(dir.path(), "rr.csv", &[("1", "p@q.com", "rr")]);
    let state = state.to_str().unwrap();
    let refused = run(RULES, &input, &["--state", state]);
    assert_eq!(refused.status.code(), Some(2));
    let message = text(&refused.stderr);
    assert!(
        message.contains("another version of route") && message.contains("route state reset"),
        "{message}"
    );
    let shown = route(&["state", "show", "--state", state]);
    assert_eq!(shown.status.code(), Some(2), "{}", text(&shown.stderr));
    assert!(route(&["state", "reset", "--state", state, "--yes"])
        .status
        .success());
    let routed = run(RULES, &input, &["--state", state, "--now", "2026-11-25"]);
    assert_eq!(routed.status.code(), Some(0), "{}", text(&routed.stderr));
    assert_eq!(owners(&routed.stdout), ["a@x.com"]);
}
