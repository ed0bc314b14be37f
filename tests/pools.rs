//! Pools and reallocation: claims from a shark tank (oldest first, claim
//! limits, never one lead to two reps, across two servers on one state
//! file), outcomes, releases after `release after` (by the server's clock
//! and by `route release`), with `route serve` on loopback and the binary.

use serde_json::{json, Value};
use std::collections::HashSet;
mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};

const RULES: &str = "tests/fixtures/pools/pools.route";
const T0: &str = "2026-11-25T09:00:00Z";

/// A running `route serve` on a free loopback port, killed when dropped.
struct Server {
    child: Child,
    base: String,
    agent: ureq::Agent,
}

impl Server {
    fn start(state: &Path, now: &str) -> Server {
        Server::with(&["--state".as_ref(), state.as_os_str()], now)
    }

    fn with(extra: &[&std::ffi::OsStr], now: &str) -> Server {
        let (child, base) = common::serve(RULES, now, extra);
        Server {
            child,
            base,
            agent: common::http_agent(),
        }
    }

    /// Status, the `route-claim` header, and the JSON body (null when empty).
    fn post(&self, path: &str, body: &str) -> (u16, Option<String>, Value) {
        let mut response = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/json")
            .send(body.as_bytes())
            .expect("the server answers");
        let why = (response.headers().get("route-claim")).map(|v| v.to_str().unwrap().to_string());
        let text = response.body_mut().read_to_string().unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        (response.status().as_u16(), why, json)
    }

    fn route(&self, key: &str, kind: &str) -> Value {
        let (status, _, answer) = self.post(
            "/v1/route",
            &json!({"Lead ID": key, "Kind": kind}).to_string(),
        );
        assert_eq!(status, 200, "{answer}");
        answer
    }

    fn claim(&self, queue: &str, rep: &str) -> (u16, Option<String>, Value) {
        let body = json!({ "rep": rep }).to_string();
        self.post(&format!("/v1/queues/{queue}/claim"), &body)
    }

    /// The key a claim got, or the reason of a 204.
    fn claimed(&self, queue: &str, rep: &str) -> String {
        match self.claim(queue, rep) {
            (200, _, lead) => lead["key"].as_str().unwrap().to_string(),
            (204, Some(why), _) => why,
            other => panic!("{other:?}"),
        }
    }

    fn outcome(&self, key: &str, outcome: &str) -> (u16, Value) {
        let body = json!({ "outcome": outcome }).to_string();
        let (status, _, answer) = self.post(&format!("/v1/leads/{key}/outcome"), &body);
        (status, answer)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A held lead's owner and outcome, as the state file's ledger has them.
fn holds(state: &Path, key: &str) -> (String, Option<String>) {
    let conn = rusqlite::Connection::open(state).unwrap();
    conn.query_row(
        "SELECT n.name, l.outcome FROM ledger l JOIN names n ON n.id = l.owner
         WHERE l.key = ?1 AND l.held IS NOT NULL",
        [key],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

fn release(state: &Path, now: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_route"))
        .args(["release", RULES, "--now", now, "--state"])
        .arg(state)
        .output()
        .expect("the binary runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn claims_take_the_oldest_lead_up_to_the_limit_and_outcomes_close_leads() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let server = Server::start(&state, T0);
    for key in ["K1", "K2", "K3"] {
        let routed = server.route(key, "tank");
        assert_eq!(
            (&routed["queue"], &routed["owner"]),
            (&json!("tank"), &Value::Null)
        );
    }
    let (status, _, lead) = server.claim("tank", "a@acme.example");
    assert_eq!(status, 200, "{lead}");
    assert_eq!(
        (&lead["key"], &lead["queue"], &lead["owner"]),
        (&json!("K1"), &json!("tank"), &json!("a@acme.example"))
    );
    assert!(lead["decision_id"].as_str().unwrap().contains(':'));
    assert_eq!(lead["claimed_at"], json!(T0));
    assert_eq!(server.claimed("tank", "b@acme.example"), "K2");
    assert_eq!(server.claimed("tank", "a@acme.example"), "at-limit");

    let (status, answer) = server.outcome("K1", "worked");
    assert_eq!((status, &answer["outcome"]), (200, &json!("worked")));
    assert_eq!(
        server.claimed("tank", "a@acme.example"),
        "K3",
        "K1 is closed"
    );
    let (status, _) = server.outcome("K2", "dead");
    assert_eq!(status, 200);
    assert_eq!(server.claimed("tank", "b@acme.example"), "empty");
    assert_eq!(
        holds(&state, "K2"),
        ("b@acme.example".into(), Some("dead".into())),
        "a dead lead is kept, tagged"
    );
    // The ledger answers a retried lead with its owner now.
    let again = server.route("K2", "tank");
    assert_eq!(
        (&again["owner"], &again["repeated"]),
        (&json!("b@acme.example"), &json!(true))
    );
}

#[test]
fn two_servers_on_one_state_file_never_give_one_lead_to_two_claimers() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let one = Server::start(&state, T0);
    let two = Server::start(&state, T0);
    let keys: Vec<String> = (0..60).map(|i| format!("L{i:03}")).collect();
    for key in &keys {
        one.route(key, "open");
    }
    let claims = std::thread::scope(|scope| {
        let claimers: Vec<_> = (0..6)
            .map(|i| {
                let server = if i % 2 == 0 { &one } else { &two };
                let rep = ["a@acme.example", "b@acme.example", "c@acme.example"][i % 3];
                scope.spawn(move || {
                    let mut got = vec![];
                    loop {
                        match server.claim("open_tank", rep) {
                            (200, _, lead) => got.push(lead["key"].as_str().unwrap().to_string()),
                            (204, _, _) => return got,
                            (status, _, answer) => panic!("{status} {answer}"),
                        }
                    }
                })
            })
            .collect();
        let all: Vec<Vec<String>> = claimers.into_iter().map(|c| c.join().unwrap()).collect();
        all
    });
    let got: Vec<&String> = claims.iter().flatten().collect();
    let distinct: HashSet<&String> = got.iter().copied().collect();
    assert_eq!(got.len(), keys.len(), "every lead claimed once: {claims:?}");
    assert_eq!(distinct.len(), keys.len(), "no lead claimed twice");
    assert!(
        claims.iter().filter(|c| !c.is_empty()).count() > 1,
        "{claims:?}"
    );
}

#[test]
fn releases_move_a_lead_to_the_next_member_or_back_to_the_pool_never_to_the_same_rep() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    {
        let server = Server::start(&state, T0);
        assert_eq!(
            server.route("R1", "inside")["owner"],
            json!("a@acme.example")
        );
        server.route("P1", "tank");
        assert_eq!(server.claimed("tank", "a@acme.example"), "P1");
    }
    let header = "key,queue,from_owner,to_owner,released_at,reason\n";
    assert_eq!(
        release(&state, "2026-11-25T10:59:59Z"),
        header,
        "not due yet"
    );
    assert_eq!(
        release(&state, "2026-11-25T11:00:00Z"),
        format!("{header}R1,inside,a@acme.example,b@acme.example,2026-11-25T11:00:00Z,no outcome within 2 hours\n")
    );
    assert_eq!(
        release(&state, "2026-11-26T09:00:00Z"),
        format!("{header}P1,tank,a@acme.example,,2026-11-26T09:00:00Z,no outcome within 1 day\n\
                 R1,inside,b@acme.example,c@acme.example,2026-11-26T09:00:00Z,no outcome within 2 hours\n")
    );
    // The server releases on its own clock, at start-up and every minute.
    let server = Server::start(&state, "2026-11-26T11:00:00Z");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while holds(&state, "R1").0 == "c@acme.example" && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(
        holds(&state, "R1").0,
        "",
        "a, b and c all let it lapse: nobody is left to take it"
    );
    assert_eq!(
        server.claimed("tank", "a@acme.example"),
        "empty",
        "a let P1 lapse"
    );
    assert_eq!(server.claimed("tank", "b@acme.example"), "P1");
}

#[test]
fn a_member_at_the_claim_limit_is_passed_over_by_the_round_robin() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let server = Server::start(&state, T0);
    let owners: Vec<Value> = (0..8)
        .map(|i| server.route(&format!("Q{i}"), "inside")["owner"].clone())
        .collect();
    let (a, b, c) = (
        json!("a@acme.example"),
        json!("b@acme.example"),
        json!("c@acme.example"),
    );
    // claim limit 2: after two rounds everyone holds two open leads.
    assert_eq!(
        owners[..6],
        [a.clone(), b.clone(), c.clone(), a.clone(), b, c]
    );
    assert_eq!(owners[6..], [Value::Null, Value::Null]);
    server.outcome("Q0", "callback");
    assert_eq!(
        server.route("Q8", "inside")["owner"],
        a,
        "Q0 has an outcome"
    );
}

#[test]
fn bad_pool_requests_are_refused_with_a_code_and_help() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let server = Server::start(&state, T0);
    server.route("K1", "tank");
    let cases = [
        (
            "/v1/queues/tnak/claim",
            r#"{"rep": "a@acme.example"}"#,
            404,
            "unknown-queue",
        ),
        (
            "/v1/queues/inside/claim",
            r#"{"rep": "a@acme.example"}"#,
            409,
            "not-a-pool",
        ),
        (
            "/v1/queues/tank/claim",
            r#"{"rep": "zed@acme.example"}"#,
            400,
            "unknown-rep",
        ),
        (
            "/v1/queues/tank/claim",
            r#"{"who": "a@acme.example"}"#,
            400,
            "invalid-json",
        ),
        ("/v1/queues/tank/claim", "not json", 400, "invalid-json"),
        (
            "/v1/leads/NOPE/outcome",
            r#"{"outcome": "worked"}"#,
            404,
            "unknown-lead",
        ),
        (
            "/v1/leads/K1/outcome",
            r#"{"outcome": "won"}"#,
            400,
            "unknown-outcome",
        ),
    ];
    for (path, body, status, code) in cases {
        let (got, _, answer) = server.post(path, body);
        assert_eq!(
            (got, answer["error"]["code"].as_str()),
            (status, Some(code)),
            "{path} {body}"
        );
        assert!(!answer["error"]["help"].as_str().unwrap().is_empty());
    }
    let memory = Server::with(&[], T0);
    memory.route("K1", "tank");
    let (status, _, answer) = memory.claim("tank", "a@acme.example");
    assert_eq!(
        (status, &answer["error"]["code"]),
        (409, &json!("state-required"))
    );
    let mut doc = server
        .agent
        .get(format!("{}/v1/openapi.json", server.base))
        .call()
        .unwrap();
    let doc: Value = serde_json::from_str(&doc.body_mut().read_to_string().unwrap()).unwrap();
    for path in ["/v1/queues/{queue}/claim", "/v1/leads/{key}/outcome"] {
        assert!(
            doc["paths"][path]["post"].is_object(),
            "{path} is documented"
        );
    }
}

fn route(args: &[&str], state: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_route"))
        .args(args)
        .arg("--state")
        .arg(state)
        .output()
        .expect("the binary runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn a_batch_run_fills_the_pool_and_explain_and_state_show_give_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let input = dir.path().join("leads.csv");
    std::fs::write(&input, "Lead ID,Kind\nB1,tank\nB2,tank\n").unwrap();
    let input = input.to_str().unwrap();
    route(&["run", RULES, input, "--now", "2026-11-24"], &state);
    let server = Server::start(&state, T0);
    assert_eq!(
        server.claimed("tank", "c@acme.example"),
        "B1",
        "routed by the run"
    );
    server.outcome("B1", "dead");
    drop(server);

    let explained = route(
        &["explain", RULES, "--lead", "Lead ID=B1,Kind=tank"],
        &state,
    );
    let history: Vec<&str> = explained
        .lines()
        .skip_while(|l| !l.contains("history of lead B1"))
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(history.len(), 4, "{explained}");
    assert!(
        history[1].contains("2026-11-24T00:00:00Z pooled (owner nobody, decision 1:1)"),
        "{explained}"
    );
    assert!(
        history[2].contains("2026-11-25T09:00:00Z claimed (owner c@acme.example, decision 2:1)"),
        "{explained}"
    );
    assert!(
        history[3].contains("outcome: dead (owner c@acme.example, decision 2:2)"),
        "{explained}"
    );

    let shown = route(&["state", "show"], &state);
    assert!(
        shown.contains("held leads: 1 waiting in pools, 0 open with an owner, 1 with an outcome"),
        "{shown}"
    );
    assert!(shown.contains("  dead "), "{shown}");
}

#[test]
fn route_release_refuses_a_bad_time_and_an_old_state_format() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let run = |now: &str| {
        Command::new(env!("CARGO_BIN_EXE_route"))
            .args(["release", RULES, "--now", now, "--state"])
            .arg(&state)
            .output()
            .expect("the binary runs")
    };
    let bad = run("2026-11-25T25:00");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("YYYY-MM-DDTHH:MM:SSZ"));
    // A file of the first layout is refused, pointing at `route state reset`.
    let conn = rusqlite::Connection::open(&state).unwrap();
    conn.execute_batch("CREATE TABLE ledger (key TEXT); PRAGMA user_version = 1;")
        .unwrap();
    drop(conn);
    let old = run(T0);
    assert_eq!(old.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&old.stderr).contains("route state reset"));
}

/// The owners `route run` gives three leads on `now`.
fn owners_on(now: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("leads.csv");
    std::fs::write(&input, "Lead ID\nH1\nH2\nH3\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_route"))
        .args(["run", "tests/fixtures/pools/hours.route", "--now", now])
        .arg(&input)
        .output()
        .expect("the binary runs");
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().to_string())
        .collect()
}

#[test]
fn working_hours_make_a_rep_unavailable_outside_them() {
    let (a, b) = ("a@acme.example", "b@acme.example");
    // A run for a date checks the days only: Wednesday is a working day,
    // Saturday is not.
    assert_eq!(owners_on("2026-11-25"), [a, b, a]);
    assert_eq!(owners_on("2026-11-28"), [b, b, b]);

    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let serve = |now: &str, keys: [&str; 2]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_route"))
            .args([
                "serve",
                "tests/fixtures/pools/hours.route",
                "--listen",
                "127.0.0.1:0",
            ])
            .args(["--now", now, "--state"])
            .arg(&state)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let base = common::listening_address(&mut child);
        let owners: Vec<String> = keys
            .iter()
            .map(|key| {
                let body = json!({ "Lead ID": key }).to_string();
                let mut response = ureq::post(format!("{base}/v1/route"))
                    .header("Content-Type", "application/json")
                    .send(body.as_bytes())
                    .unwrap();
                let answer: Value =
                    serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
                answer["owner"].as_str().unwrap().to_string()
            })
            .collect();
        let _ = child.kill();
        let _ = child.wait();
        owners
    };
    // 10:00 in New York: both work. 18:00 there: only b.
    assert_eq!(serve("2026-11-25T15:00:00Z", ["S1", "S2"]), [a, b]);
    assert_eq!(serve("2026-11-25T23:00:00Z", ["S3", "S4"]), [b, b]);
}

/// `route` with these arguments, run in `dir` (the state path is absolute).
fn route_in(dir: &Path, args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_route"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

/// `route run RULES --state DB` over a lead for `inside` and one for the tank.
fn run_into(rules: &Path, state: &Path) {
    let input = state.with_extension("csv");
    std::fs::write(&input, "Lead ID,Kind\nR1,inside\nP1,tank\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_route"))
        .arg("run")
        .args([rules, &input])
        .args(["--now", "2026-11-25", "--state"])
        .arg(state)
        .output()
        .expect("the binary runs");
    assert!(output.status.success(), "{output:?}");
}

/// `route release --state DB --now T`, without RULES, from `dir`.
fn release_recorded(dir: &Path, state: &Path, now: &str) -> std::process::Output {
    route_in(
        dir,
        &[
            "release".as_ref(),
            "--state".as_ref(),
            state.as_os_str(),
            "--now".as_ref(),
            now.as_ref(),
        ],
    )
}

/// The pools fixture copied into `dir`: its rule file there.
fn copy_of_pools(dir: &Path) -> std::path::PathBuf {
    for file in ["pools.route", "reps.csv"] {
        std::fs::copy(Path::new("tests/fixtures/pools").join(file), dir.join(file)).unwrap();
    }
    dir.join("pools.route")
}

#[test]
fn route_release_without_rules_uses_the_rules_the_last_run_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let (given, recorded) = (dir.path().join("given.db"), dir.path().join("recorded.db"));
    run_into(Path::new(RULES), &given);
    run_into(Path::new(RULES), &recorded);
    let now = "2026-11-26T09:00:00Z";
    let with_rules = release(&given, now);
    assert!(
        with_rules.contains("R1,inside,a@acme.example,b@acme.example,"),
        "{with_rules}"
    );
    // From another folder: the state holds the rule file's absolute path.
    let without = release_recorded(dir.path(), &recorded, now);
    assert!(without.status.success(), "{without:?}");
    assert_eq!(String::from_utf8(without.stdout).unwrap(), with_rules);
    let said = String::from_utf8(without.stderr).unwrap();
    assert!(!said.contains("warning"), "{said}");
    assert!(said.contains("pools.route, recorded by run 1"), "{said}");
}

#[test]
fn route_release_without_rules_refuses_when_the_recorded_file_is_gone_or_none_was() {
    let dir = tempfile::tempdir().unwrap();
    let rules = copy_of_pools(dir.path());
    let state = dir.path().join("state.db");
    run_into(&rules, &state);
    std::fs::remove_file(&rules).unwrap();
    let gone = release_recorded(dir.path(), &state, T0);
    assert_eq!(gone.status.code(), Some(2), "{gone:?}");
    assert_eq!(gone.stdout, b"");
    let said = String::from_utf8(gone.stderr).unwrap();
    assert!(
        said.starts_with(&format!(
            "error[recorded-rules-missing]: the rule file {} that run 1",
            rules.display()
        )),
        "{said}"
    );
    assert!(
        said.contains("\n  help: pass the rule file: `route release RULES --state "),
        "{said}"
    );

    // `route release` itself records no rules: a state only it used has none.
    let fresh = dir.path().join("fresh.db");
    release(&fresh, T0);
    let none = release_recorded(dir.path(), &fresh, T0);
    assert_eq!(none.status.code(), Some(2), "{none:?}");
    let said = String::from_utf8(none.stderr).unwrap();
    assert!(said.starts_with("error[no-recorded-rules]: "), "{said}");
    assert!(said.contains("  help: pass the rule file"), "{said}");
}

#[test]
fn route_release_without_rules_warns_when_the_recorded_rules_changed_and_uses_them() {
    let dir = tempfile::tempdir().unwrap();
    let rules = copy_of_pools(dir.path());
    let state = dir.path().join("state.db");
    run_into(&rules, &state);
    let mut text = std::fs::read_to_string(&rules).unwrap();
    text.push_str("# edited after the run\n");
    std::fs::write(&rules, text).unwrap();
    let changed = release_recorded(dir.path(), &state, "2026-11-26T09:00:00Z");
    assert!(changed.status.success(), "{changed:?}");
    let moved = String::from_utf8(changed.stdout).unwrap();
    assert!(
        moved.contains("R1,inside,a@acme.example,b@acme.example,"),
        "{moved}"
    );
    let said = String::from_utf8(changed.stderr).unwrap();
    assert!(
        said.starts_with(&format!(
            "warning[recorded-rules-changed]: {} or its data files changed since run 1",
            rules.display()
        )),
        "{said}"
    );
}

#[test]
fn route_release_without_rules_after_a_server_uses_the_server_s_rules() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    {
        let server = Server::start(&state, T0);
        assert_eq!(
            server.route("R1", "inside")["owner"],
            json!("a@acme.example")
        );
    }
    let released = release_recorded(dir.path(), &state, "2026-11-25T11:00:00Z");
    assert!(released.status.success(), "{released:?}");
    assert_eq!(
        String::from_utf8(released.stdout).unwrap(),
        "key,queue,from_owner,to_owner,released_at,reason\n\
         R1,inside,a@acme.example,b@acme.example,2026-11-25T11:00:00Z,no outcome within 2 hours\n"
    );
}

#[test]
fn the_servers_releases_are_in_its_decision_log() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let log = dir.path().join("decisions.jsonl");
    {
        let server = Server::start(&state, T0);
        server.route("P1", "tank");
        assert_eq!(server.claimed("tank", "a@acme.example"), "P1");
    }
    let args = [state.as_os_str(), log.as_os_str()];
    let server = Server::with(
        &[
            "--state".as_ref(),
            args[0],
            "--decision-log".as_ref(),
            args[1],
        ],
        "2026-11-26T09:00:00Z",
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut text = String::new();
    while text.is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
        text = std::fs::read_to_string(&log).unwrap_or_default();
    }
    drop(server);
    let mut line: Value = serde_json::from_str(text.trim()).unwrap();
    // RUN:release, RUN the server's number in the state's runs table.
    let id = line.as_object_mut().unwrap().remove("decision_id").unwrap();
    assert!(id.as_str().unwrap().ends_with(":release"), "{id}");
    assert_eq!(
        line,
        json!({
            "at": "2026-11-26T09:00:00Z", "what": "released",
            "key": "P1", "queue": "tank", "owner": null, "from": "a@acme.example",
        })
    );
}
