//! `route serve`: the binary on a free loopback port, answering as `route
//! run` does — one lead at a time and as one CSV body, without and with a
//! state file — plus retries, dry runs, errors, metrics and shutdown.

mod common;

use std::path::Path;
use std::process::{Child, Command};

const NOW: &str = "2026-11-25";
const ACME: &str = "rules/acme.route";

/// A running `route serve`, stopped (SIGKILL) when dropped.
struct Server {
    child: Child,
    base: String,
    agent: ureq::Agent,
}

impl Server {
    fn start(rules: &str, extra: &[&str]) -> Server {
        let extra: Vec<&std::ffi::OsStr> = extra.iter().map(|a| a.as_ref()).collect();
        let (child, base) = common::serve(rules, NOW, &extra);
        Server {
            child,
            base,
            agent: common::http_agent(),
        }
    }

    /// Status, headers and body of a POST.
    fn post(&self, path: &str, content_type: &str, body: &[u8]) -> Answer {
        let response = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Content-Type", content_type)
            .send(body)
            .expect("the server answers");
        Answer::from(response)
    }

    fn get(&self, path: &str) -> Answer {
        let response = self
            .agent
            .get(format!("{}{path}", self.base))
            .call()
            .expect("the server answers");
        Answer::from(response)
    }

    fn lead(&self, query: &str, lead: &serde_json::Value) -> (u16, serde_json::Value) {
        let answer = self.post(
            &format!("/v1/route{query}"),
            "application/json",
            lead.to_string().as_bytes(),
        );
        (answer.status, answer.json())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl From<ureq::http::Response<ureq::Body>> for Answer {
    fn from(mut response: ureq::http::Response<ureq::Body>) -> Self {
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        Answer {
            status: response.status().as_u16(),
            headers,
            body: response
                .body_mut()
                .with_config()
                .limit(1 << 30)
                .read_to_vec()
                .unwrap(),
        }
    }
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
}

fn generate(dir: &Path, rows: u32, seed: u32) -> std::path::PathBuf {
    let path = dir.join(format!("leads-{rows}-{seed}.csv"));
    let status = Command::new(env!("CARGO_BIN_EXE_route"))
        .args([
            "generate",
            "--rows",
            &rows.to_string(),
            "--seed",
            &seed.to_string(),
        ])
        .arg("-o")
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
    path
}

/// `route run`'s output for a lead file, with a state file or without.
fn route_run(rules: &str, input: &Path, state: Option<&Path>) -> Vec<u8> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_route"));
    command.args(["run", rules]).arg(input).args(["--now", NOW]);
    if let Some(state) = state {
        command.arg("--state").arg(state);
    }
    let out = command.output().unwrap();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Each lead of a CSV file as a JSON object of its columns, and the
/// three route columns of each row of a routed CSV.
fn leads_as_json(input: &Path) -> Vec<serde_json::Value> {
    let mut reader = csv::Reader::from_path(input).unwrap();
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .filter_map(Result::ok)
        .filter(|r| r.len() == header.len())
        .map(|r| {
            let object: serde_json::Map<String, serde_json::Value> = header
                .iter()
                .zip(r.iter())
                .map(|(k, v)| (k.to_string(), serde_json::Value::from(v)))
                .collect();
            serde_json::Value::Object(object)
        })
        .collect()
}

fn route_columns(routed: &[u8]) -> Vec<[String; 3]> {
    let mut reader = csv::Reader::from_reader(routed);
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let n = r.len();
            [
                r[n - 3].to_string(),
                r[n - 2].to_string(),
                r[n - 1].to_string(),
            ]
        })
        .collect()
}

fn columns_of(answer: &serde_json::Value) -> [String; 3] {
    ["queue", "owner", "rule"].map(|k| answer[k].as_str().unwrap_or("").to_string())
}

/// Routes the file lead by lead and as one CSV body through a server,
/// and compares both with `route run`.
fn same_answers_as_route_run(with_state: bool) {
    let dir = tempfile::tempdir().unwrap();
    let input = generate(dir.path(), 400, 7);
    let run_state = dir.path().join("run.db");
    let expected = route_run(ACME, &input, with_state.then_some(run_state.as_path()));
    let expected_columns = route_columns(&expected);

    let serve_state = dir.path().join("serve.db");
    let extra: Vec<&str> = if with_state {
        vec!["--state", serve_state.to_str().unwrap()]
    } else {
        vec![]
    };
    let server = Server::start(ACME, &extra);
    let leads = leads_as_json(&input);
    assert_eq!(leads.len(), expected_columns.len(), "no row is rejected");
    for (i, lead) in leads.iter().enumerate() {
        let (status, answer) = server.lead("", lead);
        assert_eq!(status, 200, "lead {i}: {answer}");
        assert_eq!(columns_of(&answer), expected_columns[i], "lead {i}: {lead}");
    }
    drop(server);

    // A second server on a fresh state gets the whole file as one body.
    let csv_state = dir.path().join("csv.db");
    let extra: Vec<&str> = if with_state {
        vec!["--state", csv_state.to_str().unwrap()]
    } else {
        vec![]
    };
    let server = Server::start(ACME, &extra);
    let body = std::fs::read(&input).unwrap();
    let answer = server.post("/v1/route", "text/csv", &body);
    assert_eq!(answer.status, 200);
    assert_eq!(
        String::from_utf8_lossy(&answer.body),
        String::from_utf8_lossy(&expected),
        "the CSV answer is byte for byte route run's output"
    );
    assert_eq!(answer.header("route-rejected"), ["0"]);
    assert_eq!(answer.header("route-leads-in"), ["400"]);
}

#[test]
fn leads_one_by_one_and_as_csv_get_route_runs_answers_without_state() {
    same_answers_as_route_run(false);
}

#[test]
fn leads_one_by_one_and_as_csv_get_route_runs_answers_with_state() {
    same_answers_as_route_run(true);
}

const DIST: &str = "tests/fixtures/dist/rules.route";

fn rr_lead(id: &str) -> serde_json::Value {
    serde_json::json!({"Lead ID": id, "Email": "p@q.com", "Team": "rr"})
}

fn owner(answer: &serde_json::Value) -> String {
    answer["owner"].as_str().unwrap_or("").to_string()
}

#[test]
fn a_lead_sent_again_gets_its_recorded_assignment_even_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let args = ["--state", state.to_str().unwrap()];
    let server = Server::start(DIST, &args);
    let (_, first) = server.lead("", &rr_lead("L1"));
    let (_, again) = server.lead("", &rr_lead("L1"));
    assert_eq!(first["repeated"], false);
    assert_eq!(again["repeated"], true, "{again}");
    assert_eq!(owner(&again), owner(&first));
    let (_, other) = server.lead("", &rr_lead("L2"));
    assert_ne!(owner(&other), owner(&first), "a new key moves the rotation");
    drop(server);

    let server = Server::start(DIST, &args);
    let (_, retried) = server.lead("", &rr_lead("L1"));
    assert_eq!(
        (owner(&retried), retried["repeated"].clone()),
        (owner(&first), true.into())
    );
    let (_, next) = server.lead("", &rr_lead("L3"));
    assert_eq!(
        owner(&next),
        owner(&first),
        "b@x.com is away: the rotation is back at a@x.com"
    );
}

#[test]
fn a_dry_run_answers_who_would_get_the_lead_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    for args in [vec![], vec!["--state", state.to_str().unwrap()]] {
        let server = Server::start(DIST, &args);
        let (_, preview) = server.lead("?dry_run=true", &rr_lead("D1"));
        let (_, preview_again) = server.lead("?dry_run=true", &rr_lead("D1"));
        assert_eq!(preview["dry_run"], true);
        assert!(preview["decision_id"].is_null());
        assert_eq!(owner(&preview), owner(&preview_again), "{args:?}");
        let (_, real) = server.lead("", &rr_lead("D1"));
        assert_eq!(owner(&real), owner(&preview), "{args:?}");
        let (_, next) = server.lead("?dry_run=true", &rr_lead("D2"));
        assert_ne!(
            owner(&next),
            owner(&real),
            "{args:?}: the real one moved the rotation"
        );
        let csv = b"Lead ID,Email,Team\nD3,p@q.com,rr\nD4,p@q.com,rr\n";
        let before = server.post("/v1/route?dry_run=true", "text/csv", csv);
        let after = server.post("/v1/route?dry_run=true", "text/csv", csv);
        assert_eq!(before.status, 200);
        assert_eq!(
            before.body, after.body,
            "{args:?}: a CSV dry run changes nothing either"
        );
        let metrics = String::from_utf8(server.get("/metrics").body).unwrap();
        assert!(
            metrics.contains("route_leads_by_queue_total{queue=\"rr\"} 1\n"),
            "only the real lead is counted: {metrics}"
        );
    }
}

/// Sends `n` leads of a team from `threads` threads at once; the owners.
fn send_concurrently(
    server: &Server,
    team: &str,
    prefix: &str,
    threads: usize,
    n: usize,
) -> Vec<String> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    (0..n)
                        .map(|i| {
                            let id = format!("{prefix}-{t}-{i}");
                            let email = format!("{id}@same.com");
                            let lead =
                                serde_json::json!({"Lead ID": id, "Email": email, "Team": team});
                            let (status, answer) = server.lead("", &lead);
                            assert_eq!(status, 200, "{answer}");
                            owner(&answer)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

fn count(owners: &[String], who: &str) -> usize {
    owners.iter().filter(|o| *o == who).count()
}

#[test]
fn round_robin_holds_across_concurrent_requests_two_servers_and_route_run() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let args = ["--state", state.to_str().unwrap()];
    let one = Server::start(DIST, &args);
    let two = Server::start(DIST, &args);
    let (first, second) = std::thread::scope(|scope| {
        let a = scope.spawn(|| send_concurrently(&one, "rr", "one", 4, 10));
        let b = scope.spawn(|| send_concurrently(&two, "rr", "two", 4, 10));
        (a.join().unwrap(), b.join().unwrap())
    });
    let all: Vec<String> = first.into_iter().chain(second).collect();
    // b@x.com is away: 80 leads alternate between a@x.com and c@x.com.
    assert_eq!((count(&all, "a@x.com"), count(&all, "c@x.com")), (40, 40));

    // A daily cap of 1 and a sticky domain hold across both servers too.
    let (capped, sticky) = std::thread::scope(|scope| {
        let c1 = scope.spawn(|| send_concurrently(&one, "full", "cap1", 3, 4));
        let c2 = scope.spawn(|| send_concurrently(&two, "full", "cap2", 3, 4));
        let s1 = scope.spawn(|| send_concurrently(&one, "st", "st1", 3, 4));
        let s2 = scope.spawn(|| send_concurrently(&two, "st", "st2", 3, 4));
        let join = |hs: [std::thread::ScopedJoinHandle<'_, Vec<String>>; 2]| -> Vec<String> {
            hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
        };
        (join([c1, c2]), join([s1, s2]))
    });
    assert_eq!(count(&capped, "capped@x.com"), 1, "{capped:?}");
    assert_eq!(count(&capped, ""), 23);
    assert_eq!(
        count(&sticky, &sticky[0]),
        24,
        "one domain, one owner: {sticky:?}"
    );

    // A route run on the same file while both servers run: it continues
    // the rotation (a@x.com is next after 80 leads) and records its leads.
    let input = dir.path().join("leads.csv");
    std::fs::write(&input, "Lead ID,Email,Team\nR1,p@q.com,rr\nR2,p@q.com,rr\n").unwrap();
    let routed = route_run(DIST, &input, Some(&state));
    let owners: Vec<String> = route_columns(&routed)
        .into_iter()
        .map(|c| c[1].clone())
        .collect();
    assert_eq!(owners, ["a@x.com", "c@x.com"]);
    let (_, after) = one.lead("", &rr_lead("after-run"));
    assert_eq!(
        owner(&after),
        "a@x.com",
        "the server reads what the run committed"
    );
    let (_, repeated) = two.lead("", &rr_lead("R2"));
    assert_eq!(
        (owner(&repeated), repeated["repeated"].clone()),
        ("c@x.com".into(), true.into())
    );
}

#[test]
fn a_request_waits_for_a_route_run_holding_the_state_then_gets_503_state_busy() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let server = Server::start(
        DIST,
        &["--state", state.to_str().unwrap(), "--state-wait", "1"],
    );
    let holder = rusqlite::Connection::open(&state).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let busy = server.post(
        "/v1/route",
        "application/json",
        rr_lead("B1").to_string().as_bytes(),
    );
    assert_eq!(
        (busy.status, busy.error_code()),
        (503, "state-busy".to_string())
    );
    assert_eq!(busy.header("retry-after"), ["1"]);
    let (status, dry) = server.lead("?dry_run=true", &rr_lead("B1"));
    assert_eq!(status, 200, "a dry run only reads: {dry}");
    holder.execute_batch("COMMIT").unwrap();
    let (status, answer) = server.lead("", &rr_lead("B1"));
    assert_eq!((status, owner(&answer)), (200, "a@x.com".to_string()));
}

#[test]
fn bad_requests_get_a_4xx_with_a_code_a_message_and_a_help_line() {
    let server = Server::start(ACME, &["--max-body", "2000"]);
    let json = "application/json";
    let cases: [(&str, &str, &[u8], u16, &str); 10] = [
        ("/v1/route", json, b"{\"Email\": ", 400, "invalid-json"),
        (
            "/v1/route",
            json,
            b"[{\"Email\": \"a@b.com\"}]",
            400,
            "wrong-type",
        ),
        (
            "/v1/route",
            json,
            b"{\"Emial\": \"a@b.com\"}",
            400,
            "unknown-column",
        ),
        (
            "/v1/route",
            json,
            b"{\"Email\": \"a@b.com\", \"email\": \"c@d.com\"}",
            400,
            "duplicate-column",
        ),
        (
            "/v1/route",
            json,
            b"{\"Email\": [\"a@b.com\"]}",
            400,
            "wrong-type",
        ),
        (
            "/v1/route?explain=true&why_not=socall",
            json,
            b"{}",
            400,
            "unknown-queue",
        ),
        ("/v1/route?explain=yes", json, b"{}", 400, "bad-parameter"),
        (
            "/v1/route",
            "text/plain",
            b"x",
            415,
            "unsupported-media-type",
        ),
        ("/v1/route", "text/csv", b"Name\nx\n", 400, "invalid-csv"),
        ("/v2/route", json, b"{}", 404, "not-found"),
    ];
    for (path, content_type, body, status, code) in cases {
        let answer = server.post(path, content_type, body);
        let error = answer.json();
        assert_eq!(
            (answer.status, error["error"]["code"].as_str()),
            (status, Some(code)),
            "{error}"
        );
        for part in ["message", "help"] {
            let text = error["error"][part].as_str().unwrap_or("");
            assert!(!text.is_empty(), "{code}: no {part}");
        }
    }
    // The server answers 413 without reading a body over the limit, then
    // closes the connection: a client still writing may see a reset first.
    let too_large = (0..5).find_map(|_| {
        let sent = server
            .agent
            .post(format!("{}/v1/route", server.base))
            .header("Content-Type", json)
            .send(&[b' '; 3000][..]);
        sent.ok().map(Answer::from)
    });
    let too_large = too_large.expect("one of five attempts gets the answer");
    assert_eq!(
        (too_large.status, too_large.error_code()),
        (413, "body-too-large".to_string())
    );
    let unknown = server
        .post("/v1/route", json, b"{\"Emial\": \"a@b.com\"}")
        .json();
    assert!(
        unknown["error"]["help"]
            .as_str()
            .unwrap()
            .contains("did you mean \"Email\"?"),
        "{unknown}"
    );
    let socall = server
        .post("/v1/route?explain=true&why_not=socall", json, b"{}")
        .json();
    assert!(
        socall["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`socal`"),
        "{socall}"
    );
    assert_eq!(
        server.get("/v1/health").status,
        200,
        "the server is still up"
    );
}

#[test]
fn a_request_that_stalls_is_answered_503_timeout_and_the_server_goes_on() {
    use std::io::{Read, Write};
    let server = Server::start(ACME, &["--timeout", "1"]);
    let address = server.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    // A body announced and never sent.
    stream
        .write_all(b"POST /v1/route HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        .unwrap();
    let (status, answer) = server.lead("", &serde_json::json!({"Email": "jane@nasa.gov"}));
    assert_eq!(
        (status, answer["queue"].as_str()),
        (200, Some("public_sector")),
        "not stalled by the other"
    );
    let mut response = String::new();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let _ = stream.read_to_string(&mut response);
    assert!(response.starts_with("HTTP/1.1 503"), "{response}");
    assert!(response.contains("\"code\":\"timeout\""), "{response}");
}

#[test]
fn a_connection_that_trickles_its_headers_is_closed_after_the_timeout() {
    use std::io::{Read, Write};
    let server = Server::start(ACME, &["--timeout", "1"]);
    let address = server.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .write_all(b"POST /v1/route HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let start = std::time::Instant::now();
    let mut rest = Vec::new();
    // End of stream or a reset: closed either way; not our read timeout.
    let closed = stream.read_to_end(&mut rest);
    let waited = start.elapsed();
    assert!(
        waited < std::time::Duration::from_secs(5),
        "closed after {waited:?}: {closed:?}"
    );
    assert_eq!(server.get("/v1/health").status, 200);
}

#[test]
fn csv_rejects_are_counted_and_listed_in_headers_beside_route_runs_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("leads.csv");
    std::fs::write(
        &input,
        "Lead ID,Email,Country\nA1,jane@nasa.gov,US\nA2,ragged\nA3,x@y.com,DE\n",
    )
    .unwrap();
    let rules = dir.path().join("rules.route");
    std::fs::write(
        &rules,
        "field id text \"Lead ID\" key\nfield email email \"Email\"\nfield country country \"Country\"\nqueue gov\nqueue rest\nrule \"Gov\" when email.domain ends with \".gov\" to gov\ndefault to rest\n",
    )
    .unwrap();
    let expected = Command::new(env!("CARGO_BIN_EXE_route"))
        .arg("run")
        .arg(&rules)
        .arg(&input)
        .arg("--rejects")
        .arg(dir.path().join("rejects.csv"))
        .output()
        .unwrap();
    let server = Server::start(rules.to_str().unwrap(), &[]);
    let answer = server.post("/v1/route", "text/csv", &std::fs::read(&input).unwrap());
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, expected.stdout);
    assert_eq!(answer.header("route-rejected"), ["1"]);
    assert_eq!(answer.header("route-routed"), ["2"]);
    assert_eq!(
        answer.header("route-reject"),
        ["3: ragged row: 2 fields, the header has 3"]
    );
}

#[test]
fn health_names_the_rules_by_hash_openapi_describes_every_endpoint_metrics_count() {
    use sha2::Digest;
    let server = Server::start(ACME, &[]);
    let health = server.get("/v1/health").json();
    let text = std::fs::read(ACME).unwrap();
    let sha256: String = sha2::Sha256::digest(&text)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(health["rules"]["file"]["sha256"], sha256.as_str());
    assert_eq!(health["rules"]["data_files"].as_array().unwrap().len(), 4);
    assert_eq!(health["state"]["mode"], "memory");

    let openapi = server.get("/v1/openapi.json").json();
    let paths = openapi["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 6);
    // The pool endpoints take a queue or a lead in their path: tests/pools.rs.
    for (path, operations) in paths.iter().filter(|(p, _)| !p.contains('{')) {
        for method in operations.as_object().unwrap().keys() {
            let status = match method.as_str() {
                "get" => server.get(path).status,
                _ => server.post(path, "application/json", b"{}").status,
            };
            assert_eq!(status, 200, "{method} {path}");
        }
    }
    let columns = openapi["components"]["schemas"]["Lead"]["properties"]
        .as_object()
        .unwrap();
    assert!(columns.contains_key("Postal Code") && columns.len() == 8);

    let leads = [
        serde_json::json!({"Email": "jane@nasa.gov", "Employees": "lots"}),
        serde_json::json!({"Email": "joe@state.gov", "Employees": 12}),
        serde_json::json!({"Country": "Germany"}),
    ];
    for lead in &leads {
        assert_eq!(server.lead("", lead).0, 200);
    }
    let metrics = String::from_utf8(server.get("/metrics").body).unwrap();
    // The empty lead of the endpoint check above went to unassigned too.
    for line in [
        "route_leads_by_queue_total{queue=\"public_sector\"} 2\n",
        "route_leads_by_rule_total{rule=\"Public sector\"} 2\n",
        "route_leads_by_queue_total{queue=\"unassigned\"} 2\n",
        "route_unreadable_values_total{column=\"Employees\"} 1\n",
        "route_requests_total{endpoint=\"/v1/route\",status=\"200\"} 4\n",
        "route_request_duration_seconds_count{endpoint=\"/v1/route\"} 4\n",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
}

#[test]
fn explain_adds_the_trace_with_the_distribution_steps() {
    let server = Server::start(DIST, &[]);
    let (status, answer) = server.lead("?explain=true&why_not=lb", &rr_lead("E1"));
    assert_eq!(status, 200, "{answer}");
    let explain = &answer["explain"];
    assert_eq!(explain["route_owner"], answer["owner"]);
    assert_eq!(explain["rules"][0]["outcome"], "matched");
    let steps = explain["distribution"].as_array().unwrap();
    assert!(
        steps
            .iter()
            .any(|s| s.as_str().unwrap().contains("round robin")),
        "{steps:?}"
    );
    assert_eq!(explain["why_not"]["queue"], "lb");
}

#[test]
fn sigterm_finishes_the_request_in_flight_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let input = generate(dir.path(), 20000, 3);
    let body = std::fs::read(&input).unwrap();
    let mut server = Server::start(ACME, &[]);
    let pid = server.child.id().to_string();
    let answer = std::thread::scope(|scope| {
        let request = scope.spawn(|| server.post("/v1/route", "text/csv", &body));
        std::thread::sleep(std::time::Duration::from_millis(100));
        let kill = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(kill.success());
        request.join().unwrap()
    });
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("route-leads-in"), ["20000"]);
    let status = server.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

/// A rule file whose default queue is `queue`, with a list of domains.
fn write_rules(dir: &Path, queue: &str) -> String {
    std::fs::write(dir.join("gov.txt"), "nasa.gov\n").unwrap();
    let rules = dir.join("reload.route");
    std::fs::write(
        &rules,
        format!(
            "field email email \"Email\"\nlist gov \"gov.txt\"\nqueue first\nqueue second\nqueue public\n\
             rule \"Gov\" when email.domain in gov to public\ndefault to {queue}\n"
        ),
    )
    .unwrap();
    rules.display().to_string()
}

fn queue_of(server: &Server, email: &str) -> String {
    let (status, answer) = server.lead("", &serde_json::json!({ "Email": email }));
    assert_eq!(status, 200, "{answer}");
    answer["queue"].as_str().unwrap_or("").to_string()
}

fn rules_hash(server: &Server) -> String {
    server.get("/v1/health").json()["rules"]["sha256"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Waits until the rules' hash is not `old` (up to 10 s); the new hash.
fn wait_for_reload(server: &Server, old: &str) -> String {
    for _ in 0..100 {
        let now = rules_hash(server);
        if now != old {
            return now;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the rules were not reloaded");
}

#[test]
fn sighup_reloads_the_rules_and_refuses_rules_with_errors() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write_rules(dir.path(), "first");
    let server = Server::start(&rules, &[]);
    assert_eq!(queue_of(&server, "a@b.com"), "first");
    let before = rules_hash(&server);
    let hangup = |server: &Server| {
        let pid = server.child.id().to_string();
        assert!(Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .unwrap()
            .success());
    };

    write_rules(dir.path(), "second");
    hangup(&server);
    let after = wait_for_reload(&server, &before);
    assert_eq!(queue_of(&server, "a@b.com"), "second");

    std::fs::write(&rules, "default to nowhere\n").unwrap();
    hangup(&server);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(rules_hash(&server), after, "rules with errors are refused");
    assert_eq!(queue_of(&server, "a@b.com"), "second");
}

#[test]
fn watch_reloads_when_a_data_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write_rules(dir.path(), "first");
    let server = Server::start(&rules, &["--watch"]);
    assert_eq!(queue_of(&server, "x@state.gov"), "first");
    let before = rules_hash(&server);
    std::fs::write(dir.path().join("gov.txt"), "nasa.gov\nstate.gov\n").unwrap();
    wait_for_reload(&server, &before);
    assert_eq!(queue_of(&server, "x@state.gov"), "public");
}

/// A list sheet: a header, then one domain a row.
fn write_gov_workbook(path: &Path, domains: &[&str]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("Gov").unwrap();
    sheet.write_string(0, 0, "domain").unwrap();
    for (row, domain) in (1..).zip(domains) {
        sheet.write_string(row, 0, *domain).unwrap();
    }
    book.save(path).unwrap();
}

/// A workbook's sheet is named `PATH!SHEET` in messages; the watch looks
/// at the workbook's own file.
#[test]
fn watch_reloads_when_a_workbook_sheet_changes() {
    let dir = tempfile::tempdir().unwrap();
    write_gov_workbook(&dir.path().join("gov.xlsx"), &["nasa.gov"]);
    let rules = dir.path().join("book.route");
    std::fs::write(
        &rules,
        "field email email \"Email\"\nlist gov \"gov.xlsx\" sheet \"Gov\"\nqueue first\nqueue public\n\
         rule \"Gov\" when email.domain in gov to public\ndefault to first\n",
    )
    .unwrap();
    let server = Server::start(&rules.display().to_string(), &["--watch"]);
    assert_eq!(queue_of(&server, "x@state.gov"), "first");
    let before = rules_hash(&server);
    write_gov_workbook(
        &dir.path().join("gov.xlsx"),
        &["nasa.gov", "state.gov", "usda.gov"],
    );
    wait_for_reload(&server, &before);
    assert_eq!(queue_of(&server, "x@state.gov"), "public");
}

/// Writes raw bytes on a new connection and reads what comes back (the
/// connection is closed for writing first, as a client that gives up).
fn raw_exchange(server: &Server, bytes: &[u8]) -> String {
    use std::io::{Read, Write};
    let address = server.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let _ = stream.write_all(bytes);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn hostile_requests_get_answers_and_leave_the_server_routing() {
    let server = Server::start(ACME, &["--timeout", "2"]);
    let json = "application/json";
    let nested = "[".repeat(100_000);
    let many_keys: String = (0..5000).map(|i| format!("\"k{i}\": 1,")).collect();
    let bodies: [(&str, Vec<u8>, u16); 6] = [
        (json, b"{\"Email\": \"\xff\xfe\"}".to_vec(), 400),
        (json, nested.into_bytes(), 400),
        // Columns no rule reads are passed over, however many.
        (json, format!("{{{many_keys} \"Email\": 1}}").into_bytes(), 200),
        (json, b"{\"Employees\": 1e999}".to_vec(), 400),
        ("text/csv", b"\xffLead ID,Email\n1,a@b.com\n".to_vec(), 400),
        ("text/csv; charset=windows-1252", b"Lead ID,Email,Country,State,Postal Code,Employees,Annual Revenue,Industry\n1,Jos\xe9@b.com,,,,,,\n".to_vec(), 200),
    ];
    for (content_type, body, status) in bodies {
        let answer = server.post("/v1/route", content_type, &body);
        assert_eq!(
            answer.status,
            status,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
    }
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    let huge_header = format!(
        "GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(200_000)
    );
    let short_body = b"POST /v1/route HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{\"Email\"";
    for bytes in [&garbage[..], huge_header.as_bytes(), &short_body[..]] {
        let answer = raw_exchange(&server, bytes);
        assert!(
            answer.is_empty()
                || answer.starts_with("HTTP/1.1 4")
                || answer.starts_with("HTTP/1.1 5"),
            "{answer}"
        );
    }
    let (status, answer) = server.lead("", &serde_json::json!({"Email": "jane@nasa.gov"}));
    assert_eq!(
        (status, answer["queue"].as_str()),
        (200, Some("public_sector"))
    );
}

/// Rules for the load tests: a round robin of three, a list whose file
/// is rewritten to make the server reload.
fn write_load_rules(dir: &Path) -> String {
    std::fs::write(dir.join("gov.txt"), "nasa.gov\n").unwrap();
    let rules = dir.join("load.route");
    std::fs::write(
        &rules,
        "field id text \"Lead ID\" key\nfield email email \"Email\"\nlist gov \"gov.txt\"\n\
         queue public\nqueue team round_robin [\"a@x.example\", \"b@x.example\", \"c@x.example\"]\n\
         rule \"Gov\" when email.domain in gov to public\ndefault to team\n",
    )
    .unwrap();
    rules.display().to_string()
}

fn load_lead(key: &str) -> serde_json::Value {
    serde_json::json!({ "Lead ID": key, "Email": format!("{key}@corp.example") })
}

/// Each lead's (queue, owner) in the ledger of a state file.
fn ledger(state: &Path) -> std::collections::HashMap<String, (String, String)> {
    let db = rusqlite::Connection::open(state).unwrap();
    let mut query = db
        .prepare(
            "SELECT l.key, q.name, o.name FROM ledger l \
             JOIN names q ON q.id = l.queue JOIN names o ON o.id = l.owner",
        )
        .unwrap();
    let rows = query
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
        .unwrap();
    rows.map(Result::unwrap).collect()
}

/// The round robin got `leads` leads, shared out evenly, and the state's
/// counts agree with the ledger.
fn assert_even_and_counted(
    state: &Path,
    recorded: &std::collections::HashMap<String, (String, String)>,
    leads: usize,
) {
    let counts = owner_counts(recorded.values());
    let (low, high) = (
        counts.values().min().unwrap(),
        counts.values().max().unwrap(),
    );
    assert_eq!(counts.values().sum::<usize>(), leads, "{counts:?}");
    assert!(high - low <= 1, "the rotation stays even: {counts:?}");
    assert_counts_match_ledger(state, recorded);
}

/// The day's per-member counts in the state, which caps read: each must
/// be the number of the member's leads in the ledger, or a lead was
/// counted twice (or not at all).
fn assert_counts_match_ledger(
    state: &Path,
    recorded: &std::collections::HashMap<String, (String, String)>,
) {
    let db = rusqlite::Connection::open(state).unwrap();
    let mut query = db
        .prepare("SELECT member, n FROM counts WHERE day = ?1")
        .unwrap();
    let counted: std::collections::BTreeMap<String, usize> = query
        .query_map([NOW], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as usize)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(counted, owner_counts(recorded.values()));
}

/// Owners of the round robin, with how many leads each got.
fn owner_counts<'a>(
    assignments: impl Iterator<Item = &'a (String, String)>,
) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for (queue, owner) in assignments {
        if queue == "team" {
            *counts.entry(owner.clone()).or_insert(0) += 1;
        }
    }
    counts
}

/// Sends `keys` from `threads` clients; each answer's (queue, owner), or
/// `None` where no answer came (a refused or cut connection).
fn send_all(
    base: &str,
    keys: &[String],
    threads: usize,
    answered: &std::sync::atomic::AtomicUsize,
) -> Vec<Option<(u16, String, String)>> {
    let chunk = keys.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = keys
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let agent: ureq::Agent = ureq::Agent::config_builder()
                        .http_status_as_error(false)
                        .timeout_global(Some(std::time::Duration::from_secs(20)))
                        .build()
                        .into();
                    part.iter()
                        .map(|key| {
                            let mut response = agent
                                .post(format!("{base}/v1/route"))
                                .header("Content-Type", "application/json")
                                .send(load_lead(key).to_string())
                                .ok()?;
                            let status = response.status().as_u16();
                            let body: serde_json::Value =
                                serde_json::from_slice(&response.body_mut().read_to_vec().ok()?)
                                    .ok()?;
                            let text = |k: &str| body[k].as_str().unwrap_or("").to_string();
                            answered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            Some((status, text("queue"), text("owner")))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

/// Issue "route serve", item 9: concurrent requests while the rules
/// reload (file changes and SIGHUP) and a `route run` shares the state
/// file. No 5xx, and the ledger holds every lead once with the owner its
/// answer named; the round robin stays even across both processes.
#[test]
fn load_while_the_rules_reload_and_a_route_run_shares_the_state() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write_load_rules(dir.path());
    let state = dir.path().join("shared.db");
    let server = Server::start(&rules, &["--state", state.to_str().unwrap(), "--watch"]);
    let keys: Vec<String> = (0..600).map(|i| format!("live{i}")).collect();
    let batch = dir.path().join("batch.csv");
    let mut csv = String::from("Lead ID,Email\n");
    for i in 0..300 {
        csv.push_str(&format!("batch{i},batch{i}@corp.example\n"));
    }
    std::fs::write(&batch, csv).unwrap();

    let pid = server.child.id().to_string();
    let (answers, run) = std::thread::scope(|scope| {
        let clients = scope.spawn(|| send_all(&server.base, &keys, 4, &Default::default()));
        let run = scope.spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            Command::new(env!("CARGO_BIN_EXE_route"))
                .args(["run", &rules])
                .arg(&batch)
                .args(["--now", NOW, "--wait", "--state"])
                .arg(&state)
                .arg("-o")
                .arg(dir.path().join("batch.out.csv"))
                .output()
                .unwrap()
        });
        for i in 0..4 {
            std::thread::sleep(std::time::Duration::from_millis(40));
            let gov = format!("nasa.gov\nagency{i}.gov\n");
            std::fs::write(dir.path().join("gov.txt"), gov).unwrap();
            let hup = Command::new("kill").args(["-HUP", &pid]).status().unwrap();
            assert!(hup.success());
        }
        (clients.join().unwrap(), run.join().unwrap())
    });
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let recorded = ledger(&state);
    assert_eq!(recorded.len(), keys.len() + 300, "every lead once");
    for (key, answer) in keys.iter().zip(&answers) {
        let (status, queue, owner) = answer.clone().expect("every request is answered");
        assert_eq!(status, 200, "{key}");
        assert_eq!(
            recorded[key],
            (queue, owner),
            "{key}: the answer is the ledger's"
        );
    }
    assert_even_and_counted(&state, &recorded, 900);
}

/// Issue "route serve", item 9: `kill -9` of the server under load; a new
/// server on the same state file gets every request again (the answered
/// ones too, as a client unsure of its answer would). Every lead is in the
/// ledger once, a repeated lead keeps its first answer, and the round
/// robin is even: nothing was assigned twice.
#[test]
fn kill_9_under_load_then_retries_assign_every_lead_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write_load_rules(dir.path());
    let state = dir.path().join("crash.db");
    let extra = ["--state", state.to_str().unwrap()];
    let keys: Vec<String> = (0..1500).map(|i| format!("lead{i}")).collect();
    let first = Server::start(&rules, &extra);
    let base = first.base.clone();
    let progress = std::sync::atomic::AtomicUsize::new(0);
    let answers = std::thread::scope(|scope| {
        let clients = scope.spawn(|| send_all(&base, &keys, 4, &progress));
        // Mid-load, however fast the machine: after a tenth of the leads.
        while progress.load(std::sync::atomic::Ordering::Relaxed) < keys.len() / 10 {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        drop(first); // SIGKILL
        clients.join().unwrap()
    });
    let answered = answers.iter().filter(|a| a.is_some()).count();
    assert!(
        answered > 0 && answered < keys.len(),
        "the kill lands mid-load ({answered} of {} answered)",
        keys.len()
    );

    let second = Server::start(&rules, &extra);
    let retried = send_all(&second.base, &keys, 4, &Default::default());
    let recorded = ledger(&state);
    assert_eq!(recorded.len(), keys.len(), "every lead once");
    for ((key, before), after) in keys.iter().zip(&answers).zip(&retried) {
        let (status, queue, owner) = after.clone().expect("the retry is answered");
        assert_eq!(status, 200, "{key}");
        assert_eq!(recorded[key], (queue.clone(), owner.clone()), "{key}");
        if let Some((_, queue_before, owner_before)) = before {
            assert_eq!((queue_before, owner_before), (&queue, &owner), "{key}");
        }
    }
    assert_even_and_counted(&state, &recorded, keys.len());
}

/// The decision log's lines, each parsed.
fn decision_lines(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// Waits (up to 5 s; the log is written at least every second) until the
/// log holds `n` lines.
fn wait_for_lines(path: &Path, n: usize) -> Vec<serde_json::Value> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let lines = decision_lines(path);
        if lines.len() >= n || std::time::Instant::now() > deadline {
            return lines;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

const POOLS: &str = "tests/fixtures/pools/pools.route";

#[test]
fn the_decision_log_holds_every_decision_with_the_id_its_answer_gave() {
    let dir = tempfile::tempdir().unwrap();
    let (state, log) = (
        dir.path().join("state.db"),
        dir.path().join("decisions.jsonl"),
    );
    let server = Server::start(
        POOLS,
        &[
            "--state",
            state.to_str().unwrap(),
            "--decision-log",
            log.to_str().unwrap(),
        ],
    );
    let mut expected = Vec::new();
    for (key, kind) in [("K1", "tank"), ("K2", "inside"), ("", "inside")] {
        let lead = serde_json::json!({"Lead ID": key, "Kind": kind});
        let (status, answer) = server.lead("", &lead);
        assert_eq!(status, 200, "{answer}");
        let key = (!key.is_empty()).then(|| key.to_string());
        let mut line = serde_json::json!({
            "decision_id": answer["decision_id"], "at": "2026-11-25T00:00:00Z",
            "what": "routed", "key": key, "queue": answer["queue"],
            "owner": answer["owner"], "rule": answer["rule"], "repeated": false,
        });
        if answer["rule"].is_null() {
            line.as_object_mut().unwrap().remove("rule");
        }
        expected.push(line);
    }
    // A dry run decides nothing, and a repeated lead is logged as one.
    let (_, dry) = server.lead("?dry_run=true", &serde_json::json!({"Kind": "inside"}));
    assert_eq!(dry["decision_id"], serde_json::Value::Null);
    let (_, again) = server.lead("", &serde_json::json!({"Lead ID": "K2", "Kind": "inside"}));
    assert_eq!(again["repeated"], true);
    let mut line = expected[1].clone();
    line["decision_id"] = again["decision_id"].clone();
    line["repeated"] = true.into();
    expected.push(line);

    let claim = server.post(
        "/v1/queues/tank/claim",
        "application/json",
        br#"{"rep": "a@acme.example"}"#,
    );
    assert_eq!(claim.status, 200);
    let claim = claim.json();
    expected.push(serde_json::json!({
        "decision_id": claim["decision_id"], "at": "2026-11-25T00:00:00Z",
        "what": "claimed", "key": "K1", "queue": "tank", "owner": "a@acme.example",
    }));
    // Nothing to claim: no decision.
    let empty = server.post(
        "/v1/queues/tank/claim",
        "application/json",
        br#"{"rep": "b@acme.example"}"#,
    );
    assert_eq!(empty.status, 204);
    let outcome = server.post(
        "/v1/leads/K1/outcome",
        "application/json",
        br#"{"outcome": "worked"}"#,
    );
    assert_eq!(outcome.status, 200);
    expected.push(serde_json::json!({
        "decision_id": outcome.json()["decision_id"], "at": "2026-11-25T00:00:00Z",
        "what": "outcome", "key": "K1", "queue": "tank", "owner": "a@acme.example",
        "outcome": "worked",
    }));

    // A CSV body: one line per lead, in input order; not as a dry run.
    let csv = b"Lead ID,Kind\nC1,inside\n,tank\n";
    assert_eq!(
        server
            .post("/v1/route?dry_run=true", "text/csv", csv)
            .status,
        200
    );
    let routed = server.post("/v1/route", "text/csv", csv);
    assert_eq!(routed.status, 200);
    let rows = route_columns(&routed.body);
    // Its ids follow the last decision's.
    let last = expected.last().unwrap()["decision_id"]
        .as_str()
        .unwrap()
        .to_string();
    let last: u64 = last.strip_prefix("1:").unwrap().parse().unwrap();
    assert_eq!(rows.len(), 2);
    for (n, (key, [queue, owner, rule])) in [Some("C1"), None].into_iter().zip(rows).enumerate() {
        let or_null = |s: String| (!s.is_empty()).then_some(s);
        expected.push(serde_json::json!({
            "decision_id": format!("1:{}", last + 1 + n as u64), "at": "2026-11-25T00:00:00Z",
            "what": "routed", "key": key, "queue": or_null(queue),
            "owner": or_null(owner), "rule": or_null(rule), "repeated": false,
        }));
    }

    let lines = wait_for_lines(&log, expected.len());
    assert_eq!(lines, expected);
    let ids: std::collections::HashSet<_> = lines.iter().map(|l| &l["decision_id"]).collect();
    assert_eq!(ids.len(), lines.len(), "each decision has its own id");
}

#[test]
fn after_sigterm_every_answered_decision_is_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("decisions.jsonl");
    // An earlier line is kept: the log is appended to.
    std::fs::write(&log, "{\"decision_id\":\"earlier\"}\n").unwrap();
    let mut server = Server::start(DIST, &["--decision-log", log.to_str().unwrap()]);
    let ids: Vec<String> = (0..200)
        .map(|i| {
            let (status, answer) = server.lead("", &rr_lead(&format!("L{i}")));
            assert_eq!(status, 200);
            answer["decision_id"].as_str().unwrap().to_string()
        })
        .collect();
    // Within the second the writer may hold lines back: SIGTERM right away.
    let pid = server.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    assert_eq!(server.child.wait().unwrap().code(), Some(0));
    let lines = decision_lines(&log);
    assert_eq!(lines[0]["decision_id"], "earlier");
    let logged: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l["decision_id"].as_str().unwrap())
        .collect();
    assert_eq!(logged, ids);
    assert!(lines[1..].iter().all(|l| l["what"] == "routed"));
    assert_eq!(lines[1]["key"], "L0");
}

#[test]
fn a_decision_log_that_cannot_be_opened_stops_the_start() {
    let output = Command::new(env!("CARGO_BIN_EXE_route"))
        .args([
            "serve",
            ACME,
            "--listen",
            "127.0.0.1:0",
            "--decision-log",
            "/nonexistent/dir/log",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot open the decision log /nonexistent/dir/log"),
        "{stderr}"
    );
}

/// A decision log that is the state file (or the rule file) would append
/// JSON lines into it: the server refuses to start (exit 2), and the
/// state stays as it was.
#[test]
fn a_decision_log_that_is_the_state_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let leads = generate(dir.path(), 20, 1);
    route_run(ACME, &leads, Some(&state));
    let saved = std::fs::read(&state).unwrap();
    let same = dir.path().join(".").join("state.db");
    let clashes = [
        [
            "--state",
            state.to_str().unwrap(),
            "--decision-log",
            same.to_str().unwrap(),
        ],
        ["--state", state.to_str().unwrap(), "--decision-log", ACME],
    ];
    for clash in clashes {
        let mut child = Command::new(env!("CARGO_BIN_EXE_route"))
            .args(["serve", ACME, "--listen", "127.0.0.1:0"])
            .args(clash)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > std::time::Duration::from_secs(20) {
                child.kill().unwrap();
                panic!("{clash:?}: the server started");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert_eq!(status.code(), Some(2), "{clash:?}: {stderr}");
        assert!(stderr.contains("are the same file"), "{clash:?}: {stderr}");
        assert!(
            stderr.contains("help: give the decision log"),
            "{clash:?}: {stderr}"
        );
    }
    assert_eq!(
        std::fs::read(&state).unwrap(),
        saved,
        "the state is as it was"
    );
}
