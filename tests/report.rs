//! `--report FILE.html`: the pages of run, check and diff, their escaping
//! of user data, and their errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const RULES: &str = "tests/fixtures/report/rules.route";
const LEADS: &str = "tests/fixtures/report/leads.csv";

fn route(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_route"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `route ARGS --report DIR/NAME` and returns the page.
fn report(dir: &Path, name: &str, args: &[&str]) -> (Output, String) {
    let page = dir.join(name);
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--report", page.to_str().expect("a UTF-8 temp path")]);
    let out = route(&all);
    let html = std::fs::read_to_string(&page).unwrap_or_default();
    (out, html)
}

fn run_report(dir: &Path) -> (Output, String) {
    let routed = dir.join("routed.csv");
    let routed = routed.to_str().expect("a UTF-8 temp path");
    report(
        dir,
        "run.html",
        &["run", RULES, LEADS, "-o", routed, "--now", "2026-11-25"],
    )
}

/// The figures block, parsed.
fn figures(html: &str) -> serde_json::Value {
    let start = html
        .find("<script type=\"application/json\" id=\"route-data\">")
        .expect("a figures block");
    let json = &html[start..];
    let json = &json[json.find('>').unwrap() + 1..json.find("</script>").unwrap()];
    serde_json::from_str(json).expect("the figures block is JSON")
}

/// What a page must never contain, whatever the names in it.
fn assert_inert(html: &str) {
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the JSON block is a script element"
    );
    for raw in [
        "<b>",
        "<i>",
        "<img",
        "<bo>",
        "<accounts>",
        "<evil>",
        "<big>",
    ] {
        assert!(!html.contains(raw), "{raw} is not escaped");
    }
    assert!(html.contains("default-src 'none'"));
    for external in ["src=\"http", "href=\"http", "@import", "url("] {
        assert!(!html.contains(external), "{external} loads from outside");
    }
}

#[test]
fn the_run_page_is_stable_for_a_fixed_input() {
    let dir = tempfile::tempdir().unwrap();
    let (out, html) = run_report(dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    insta::assert_snapshot!("run_page", html);
}

#[test]
fn the_run_page_escapes_rule_names_and_cells() {
    let dir = tempfile::tempdir().unwrap();
    let (_, html) = run_report(dir.path());
    assert_inert(&html);
    assert!(html.contains("&lt;script&gt;alert(&#39;rule&#39;)&lt;/script&gt;"));
    assert!(html.contains("&lt;script&gt;alert(&#39;cell&#39;)&lt;/script&gt;"));
    let data = figures(&html);
    assert_eq!(data["by_rule"][0]["name"], "<script>alert('rule')</script>");
}

#[test]
fn the_run_figures_are_the_summary_s() {
    let dir = tempfile::tempdir().unwrap();
    let (out, html) = run_report(dir.path());
    let summary = text(&out.stderr);
    let data = figures(&html);
    let first = summary.lines().next().unwrap_or_default();
    let expected = format!(
        "route: {} leads in, {} routed, {} rejected",
        data["leads_in"], data["routed"], data["rejected"]
    );
    assert_eq!(first, expected);
    for row in data["by_queue"].as_array().unwrap() {
        let line = format!("{}  ", row["name"].as_str().unwrap());
        let found = summary.lines().find(|l| l.trim_start().starts_with(&line));
        let n: u64 = found
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(u64::MAX);
        assert_eq!(Some(n), row["leads"].as_u64(), "{line}");
    }
}

#[test]
fn a_report_that_cannot_be_written_stops_the_run_first() {
    let dir = tempfile::tempdir().unwrap();
    let routed = dir.path().join("routed.csv");
    let page = dir.path().join("missing/run.html");
    let out = route(&[
        "run",
        RULES,
        LEADS,
        "-o",
        routed.to_str().unwrap(),
        "--report",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error[report-not-writable]: cannot write the report"),
        "{err}"
    );
    assert!(err.contains("\n  help: "), "{err}");
    assert!(!routed.exists(), "nothing was routed");
}

/// Unmatched leads cannot get past `route check`, so the library routes
/// a program with a gap (no default) to show them.
#[test]
fn the_run_page_shows_unmatched_leads_with_their_cells() {
    let path = PathBuf::from("tests/fixtures/no_default.route");
    let mut sources = route::diagnostics::Sources::default();
    let text = std::fs::read_to_string(&path).unwrap();
    let (_, program) = route::resolve_source(&path, text, &mut sources);
    let program = program.expect("names and types are sound");
    let dag = route::compile::compile(&program);
    let dir = tempfile::tempdir().unwrap();
    let mut rejects = route::run::Rejects::new(dir.path().join("r.csv"));
    let distributor = route::distribute::Distributor::new(&program, "2026-11-25", false);
    let mut store = route::distribute::MemoryStore::default();
    let input = "Country\nUS\n<b>FR</b>\nDE\n";
    let options = route::run::Options {
        samples: true,
        ..route::run::Options::default()
    };
    let sharing = route::run::Sharing {
        distributor: &distributor,
        store: &mut store,
        persistent: false,
    };
    let summary = route::run::route_csv(
        &program,
        &dag,
        input.as_bytes(),
        options,
        std::io::sink(),
        &mut rejects,
        sharing,
    )
    .expect("routes");
    assert_eq!(summary.unmatched, 2);
    let html = route::report::run::page(&route::report::run::RunReport {
        program: &program,
        summary: &summary,
        owners: vec![],
        rules_file: "no_default.route".into(),
        input_file: "leads.csv".into(),
        now: None,
    });
    assert!(html.contains("<strong>2</strong> leads matched no rule"));
    assert!(html.contains("<td class=\"n\">3</td><td>&lt;b&gt;FR&lt;/b&gt;</td>"));
    assert_inert(&html);
}

const CHECKED: [&str; 2] = ["tests/fixtures/report/check.route", RULES];

fn check_report(dir: &Path) -> (Output, String) {
    report(dir, "check.html", &["check", CHECKED[0], CHECKED[1]])
}

#[test]
fn the_check_page_is_stable_for_fixed_rules() {
    let dir = tempfile::tempdir().unwrap();
    let (out, html) = check_report(dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    insta::assert_snapshot!("check_page", html);
}

#[test]
fn the_check_page_shows_each_finding_with_its_lines_and_lead() {
    let dir = tempfile::tempdir().unwrap();
    let (out, html) = check_report(dir.path());
    assert_inert(&html);
    let json = route(&["check", CHECKED[0], CHECKED[1], "--format", "json"]);
    let expected: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(figures(&html)["check"], expected);
    let findings = expected["diagnostics"].as_array().unwrap().len();
    assert_eq!(html.matches("<article class=\"finding").count(), findings);
    assert!(html.contains("<mark>rule &quot;US again &amp; again&quot;</mark>"));
    assert!(html.contains("<td>Country</td><td>GB</td>"));
    assert!(text(&out.stdout).contains("unreachable-rule"));
}

const NEXT: &str = "tests/fixtures/report/rules-next.route";

fn diff_report(dir: &Path) -> (Output, String) {
    report(dir, "diff.html", &["diff", RULES, NEXT, LEADS])
}

#[test]
fn the_diff_page_is_stable_for_a_fixed_input() {
    let dir = tempfile::tempdir().unwrap();
    let (out, html) = diff_report(dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    insta::assert_snapshot!("diff_page", html);
}

#[test]
fn the_diff_page_holds_the_json_diff_and_escapes_its_names() {
    let dir = tempfile::tempdir().unwrap();
    let (_, html) = diff_report(dir.path());
    assert_inert(&html);
    let json = route(&["diff", RULES, NEXT, LEADS, "--format", "json"]);
    let expected: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(figures(&html)["diff"], expected);
    assert!(html.contains("&quot;US sales&quot; → default: 2"));
    assert!(html.contains("<td>sales</td><td>rest</td><td class=\"n\">2</td>"));
}

/// Examples are kept per batch and merged in input order, so threads
/// change nothing on the page (5,000 leads make several batches).
#[test]
fn the_run_page_is_the_same_for_any_number_of_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let leads = dir.path().join("leads.csv");
    let leads = leads.to_str().unwrap();
    let generated = route(&["generate", "--rows", "5000", "--seed", "7", "-o", leads]);
    assert!(generated.status.success());
    let routed = dir.path().join("routed.csv");
    let routed = routed.to_str().unwrap();
    let page = |jobs: &str| {
        let args = [
            "run",
            "rules/acme.route",
            leads,
            "-o",
            routed,
            "--jobs",
            jobs,
        ];
        report(dir.path(), &format!("run-{jobs}.html"), &args).1
    };
    let one = page("1");
    assert!(one.contains("id=\"unreadable-table\""));
    assert_eq!(one, page("2"));
    assert_eq!(figures(&one)["never_hit"], serde_json::json!([]));
}

#[test]
fn the_run_figures_name_the_rules_never_hit() {
    let dir = tempfile::tempdir().unwrap();
    let (_, html) = run_report(dir.path());
    assert_eq!(
        figures(&html)["never_hit"],
        serde_json::json!(["Never & never"])
    );
    assert!(html.contains("<ul id=\"never-hit\"><li>Never &amp; never</li></ul>"));
}
