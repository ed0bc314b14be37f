//! The `--report` pages in a real browser: headless Chromium loads each
//! page once, dumping the DOM it built and taking a screenshot (written to
//! `docs/report-*.png`, which the README shows). Chromium logs every console
//! message, CSP violations included, as a `:CONSOLE` line on stderr with
//! `--enable-logging=stderr`; the pages run no script, so any such line is a
//! failure. The figures on the rendered page (its JSON block and its
//! tables) must equal what the command printed.
//!
//! Chromium comes from `tests/report/setup.sh` (Debian's package). Without
//! it the test fails, unless `ROUTE_SKIP_BROWSER=1` says to skip it.

use regex::Regex;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
/// Per page; the three pages load in parallel.
const PAGE_TIMEOUT: Duration = Duration::from_secs(40);

fn route(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_route"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Chromium, installed by the project's setup script when it is missing.
fn chromium() -> Option<PathBuf> {
    if std::env::var("ROUTE_SKIP_BROWSER").is_ok_and(|v| v == "1") {
        eprintln!("ROUTE_SKIP_BROWSER=1: the browser test is skipped");
        return None;
    }
    if !Path::new(CHROMIUM).exists() {
        let setup = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/report/setup.sh");
        let status = Command::new("bash").arg(&setup).status();
        assert!(
            status.is_ok_and(|s| s.success()) && Path::new(CHROMIUM).exists(),
            "{CHROMIUM} is missing and {} could not install it; \
             install chromium, or set ROUTE_SKIP_BROWSER=1 to skip this test",
            setup.display()
        );
    }
    Some(PathBuf::from(CHROMIUM))
}

/// What Chromium made of a page: the DOM and its log.
struct Rendered {
    dom: String,
    log: String,
}

/// Loads a page once: DOM to stdout, screenshot to `png`, log to stderr.
/// The flags keep a machine without network from waiting on connections.
fn render(chromium: &Path, page: &Path, png: &Path, profile: &Path) -> Rendered {
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,2000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let start = Instant::now();
    while child.try_wait().expect("chromium runs").is_none() {
        if start.elapsed() > PAGE_TIMEOUT {
            let _ = child.kill();
            panic!("chromium took over {PAGE_TIMEOUT:?} on {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("chromium's output");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        text(&out.stderr)
    );
    Rendered {
        dom: text(&out.stdout),
        log: text(&out.stderr),
    }
}

/// Console messages: errors, CSP violations, anything a page logged.
fn console_lines(log: &str) -> Vec<&str> {
    log.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// The JSON block as the browser holds it.
fn figures(dom: &str) -> Value {
    let block = Regex::new(r#"(?s)<script type="application/json" id="route-data">(.*?)</script>"#)
        .unwrap();
    let json = &block.captures(dom).expect("the figures block")[1];
    serde_json::from_str(json).expect("the figures block is JSON")
}

/// The rows of a table by id, each as its cells' text.
fn table(dom: &str, id: &str) -> Vec<Vec<String>> {
    let whole = Regex::new(&format!(r#"(?s)<table id="{id}">.*?<tbody>(.*?)</tbody>"#)).unwrap();
    let body = whole
        .captures(dom)
        .unwrap_or_else(|| panic!("no table {id}"))[1]
        .to_string();
    let row = Regex::new(r"(?s)<tr>(.*?)</tr>").unwrap();
    let cell = Regex::new(r"(?s)<td[^>]*>(.*?)</td>").unwrap();
    row.captures_iter(&body)
        .map(|r| cell.captures_iter(&r[1]).map(|c| unescape(&c[1])).collect())
        .collect()
}

/// `name → count` from a table's first column and a counts column.
fn counts(rows: &[Vec<String>], column: usize) -> Vec<(String, u64)> {
    rows.iter()
        .map(|r| (r[0].clone(), r[column].parse().expect("a count")))
        .collect()
}

/// `name → count` from a JSON list of `{name, leads}`.
fn named(list: &Value) -> Vec<(String, u64)> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|v| {
            let name = v["name"].as_str().expect("a name").to_string();
            (name, v["leads"].as_u64().expect("a count"))
        })
        .collect()
}

/// The summary's table under `title` (`by queue`…): names and counts.
fn summary_table(summary: &str, title: &str) -> Vec<(String, u64)> {
    let row = Regex::new(r"^    (.+?)\s+(\d+)\s+[\d.]+%").unwrap();
    summary
        .lines()
        .skip_while(|l| l.trim() != format!("{title}:"))
        .skip(1)
        .map_while(|l| row.captures(l))
        .map(|c| (c[1].trim_matches('"').to_string(), c[2].parse().unwrap()))
        .collect()
}

struct Page {
    name: &'static str,
    args: Vec<String>,
}

fn pages(dir: &Path) -> Vec<Page> {
    let routed = dir.join("routed.csv").display().to_string();
    let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
    vec![
        Page {
            name: "run",
            args: args(&[
                "run",
                "rules/acme.route",
                "rules/leads.csv",
                "-o",
                &routed,
                "--now",
                "2026-11-25",
            ]),
        },
        Page {
            name: "diff",
            args: args(&[
                "diff",
                "rules/acme.route",
                "tests/fixtures/diff/acme-next.route",
                "rules/leads.csv",
            ]),
        },
        Page {
            name: "check",
            args: args(&[
                "check",
                "tests/fixtures/report/check.route",
                "tests/fixtures/report/rules.route",
            ]),
        },
    ]
}

#[test]
fn each_report_renders_in_chromium_with_the_command_s_figures() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    std::thread::scope(|scope| {
        for page in pages(dir.path()) {
            let (chromium, dir, docs) = (&chromium, dir.path(), &docs);
            scope.spawn(move || {
                let html = dir.join(format!("report-{}.html", page.name));
                let mut args = page.args.clone();
                args.extend(["--report".into(), html.display().to_string()]);
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let out = route(&args);
                assert!(
                    matches!(out.status.code(), Some(0 | 1)),
                    "{}",
                    text(&out.stderr)
                );
                let png = docs.join(format!("report-{}.png", page.name));
                let profile = dir.join(format!("profile-{}", page.name));
                let rendered = render(chromium, &html, &png, &profile);
                let console = console_lines(&rendered.log);
                assert!(console.is_empty(), "{}: console: {console:#?}", page.name);
                assert!(png.exists(), "no screenshot of {}", page.name);
                check_figures(page.name, &rendered.dom, &out, &page.args);
            });
        }
    });
}

/// The command's own `--format json` output.
fn json_output(args: &[String]) -> Value {
    let mut json_args: Vec<&str> = args.iter().map(String::as_str).collect();
    json_args.extend(["--format", "json"]);
    serde_json::from_slice(&route(&json_args).stdout).expect("JSON output")
}

fn check_figures(name: &str, dom: &str, out: &Output, args: &[String]) {
    let data = figures(dom);
    match name {
        "run" => run_figures(dom, &data, &text(&out.stderr)),
        "diff" => diff_figures(dom, &data, args),
        _ => check_findings(dom, &data, args),
    }
}

fn run_figures(dom: &str, data: &Value, summary: &str) {
    let first = format!(
        "route: {} leads in, {} routed, {} rejected",
        data["leads_in"], data["routed"], data["rejected"]
    );
    assert_eq!(summary.lines().next(), Some(first.as_str()));
    for (title, key, table_id) in [
        ("by queue", "by_queue", "queue-table"),
        ("by rule", "by_rule", "rule-table"),
    ] {
        let printed = summary_table(summary, title);
        assert!(!printed.is_empty(), "{title} in {summary}");
        assert_eq!(named(&data[key]), printed, "{key}");
        assert_eq!(counts(&table(dom, table_id), 1), printed, "{table_id}");
    }
    let owners = summary_table(summary, "by owner");
    assert_eq!(named(&data["by_owner"]), owners);
    let table = counts(&table(dom, "owner-table"), 1);
    let took: Vec<(String, u64)> = table.into_iter().filter(|(_, n)| *n > 0).collect();
    assert_eq!(took, owners, "owner-table");
}

fn diff_figures(dom: &str, data: &Value, args: &[String]) {
    let expected = json_output(args);
    assert_eq!(data["diff"], expected);
    let moves = table(dom, "move-table");
    assert_eq!(moves.len(), expected["moves"].as_array().unwrap().len());
    for (row, m) in moves.iter().zip(expected["moves"].as_array().unwrap()) {
        assert_eq!(row[0], m["from"].as_str().unwrap());
        assert_eq!(row[1], m["to"].as_str().unwrap());
        assert_eq!(row[2], m["leads"].to_string());
    }
    for row in table(dom, "matrix-table") {
        let old = &expected["matrix"][&row[0]];
        let total: u64 = row[1..].iter().map(|n| n.parse::<u64>().unwrap()).sum();
        let expected: u64 = old
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_u64().unwrap())
            .sum();
        assert_eq!(total, expected, "matrix row {}", row[0]);
    }
}

fn check_findings(dom: &str, data: &Value, args: &[String]) {
    let expected = json_output(args);
    assert_eq!(data["check"], expected);
    let findings = expected["diagnostics"].as_array().unwrap().len();
    assert_eq!(dom.matches("<article class=\"finding").count(), findings);
    let codes = counts(&table(dom, "code-table"), 2);
    assert_eq!(codes.iter().map(|c| c.1).sum::<u64>(), findings as u64);
}

/// The console check itself: a page that tries to load an image from
/// outside and run a script must show up as console lines.
#[test]
fn a_csp_violation_shows_in_the_console_log() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("bad.html");
    let csp = route::report::page::CSP;
    std::fs::write(
        &page,
        format!(
            "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\"></head>\
             <body><img src=\"https://example.invalid/x.png\"><script>console.log(1)</script></body></html>"
        ),
    )
    .unwrap();
    let rendered = render(
        &chromium,
        &page,
        &dir.path().join("bad.png"),
        &dir.path().join("profile"),
    );
    assert_eq!(console_lines(&rendered.log).len(), 2, "{}", rendered.log);
}
