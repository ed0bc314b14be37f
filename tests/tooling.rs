//! Tooling around the language: the Mermaid DAG, shell completions, the man
//! page and the pre-commit hooks.

use regex::Regex;
use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Output};

fn route(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_route"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout_of(args: &[&str]) -> String {
    let out = route(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "route {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// The subcommands `route --help` lists (without `help` itself), so the
/// tests follow the CLI as it grows.
fn subcommands() -> Vec<String> {
    let help = stdout_of(&["--help"]);
    let list = help
        .split("Commands:")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("`route --help` has a Commands section");
    let names: Vec<String> = list
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect();
    assert!(names.len() >= 8, "commands found in --help: {names:?}");
    names
}

/// Checks the shape of every line of a flowchart this tool writes: known
/// statements only, labels quoted with nothing raw inside that Mermaid would
/// read as syntax, and every edge between declared nodes.
fn assert_well_formed_mermaid(text: &str) {
    let label = r#""[^"\[\]{}<>|#`]*(?:#[0-9]+;[^"\[\]{}<>|#`]*)*""#;
    let node = Regex::new(&format!(
        r#"^  ([nr][0-9]+)(?:\(\[{label}\]\)|\({label}\)|\[{label}\]:::rule)$"#
    ))
    .unwrap();
    let edge = Regex::new(&format!(r"^  (n[0-9]+) -->\|{label}\| (n[0-9]+)$")).unwrap();
    let entry = Regex::new(r"^  (r[0-9]+) --> (n[0-9]+)$").unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("---"));
    assert!(lines.next().is_some_and(|l| l.starts_with("title: \"")));
    assert_eq!(lines.next(), Some("---"));
    assert_eq!(lines.next(), Some("flowchart LR"));
    let mut declared = HashSet::new();
    let mut used = Vec::new();
    for line in lines {
        if let Some(c) = node.captures(line) {
            assert!(declared.insert(c[1].to_string()), "declared twice: {line}");
        } else if let Some(c) = edge.captures(line).or_else(|| entry.captures(line)) {
            used.extend([c[1].to_string(), c[2].to_string()]);
        } else {
            assert_eq!(
                line, "  classDef rule fill:none,stroke:none",
                "unexpected line"
            );
        }
    }
    for id in used {
        assert!(declared.contains(&id), "edge to undeclared node {id}");
    }
}

#[test]
fn mermaid_of_the_acme_rules() {
    let mermaid = stdout_of(&["compile", "rules/acme.route", "--emit", "mermaid"]);
    assert_well_formed_mermaid(&mermaid);
    insta::assert_snapshot!(mermaid);
}

#[test]
fn mermaid_labels_escape_quotes_brackets_and_markup() {
    let mermaid = stdout_of(&[
        "compile",
        "tests/fixtures/mermaid_labels.route",
        "--emit",
        "mermaid",
    ]);
    assert_well_formed_mermaid(&mermaid);
    insta::assert_snapshot!(mermaid);
}

#[test]
fn mermaid_names_rules_tried_in_order_past_the_budget() {
    let path = Path::new("tests/fixtures/mermaid_labels.route");
    let loaded = route::load(path).expect("the fixture reads");
    let program = loaded.program.expect("the fixture checks");
    let dag = route::compile::compile_with_budget(&program, 1);
    assert!(!dag.ordered.is_empty(), "a budget of 1 orders rules");
    let mermaid = route::compile::to_mermaid(&program, &dag);
    assert_well_formed_mermaid(&mermaid);
    insta::assert_snapshot!(mermaid);
}

#[test]
fn the_docs_show_the_current_mermaid_of_the_example() {
    let mermaid = stdout_of(&["compile", "rules/acme.route", "--emit", "mermaid"]);
    let docs = std::fs::read_to_string("docs/acme-dag.mmd").expect("docs/acme-dag.mmd exists");
    assert!(
        docs == mermaid,
        "docs/acme-dag.mmd is out of date; refresh it with\n  \
         cargo run -- compile rules/acme.route --emit mermaid > docs/acme-dag.mmd"
    );
}

#[test]
fn bash_completions_name_every_subcommand() {
    let script = stdout_of(&["completions", "bash"]);
    for name in subcommands() {
        assert!(script.contains(&name), "bash completions lack `{name}`");
    }
    // Values of flags complete too.
    assert!(script.contains("dot dag mermaid"), "--emit values");
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(&["completions", shell]);
        assert!(
            script.contains("check") && script.contains("compile"),
            "{shell}"
        );
    }
}

#[test]
fn completions_refuse_an_unknown_shell() {
    let out = route(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("invalid value 'tcsh'"), "{err}");
    assert!(err.contains("bash, elvish, fish, powershell, zsh"), "{err}");
}

#[test]
fn the_man_page_is_roff_and_lists_every_command() {
    let page = stdout_of(&["man"]);
    assert!(page.contains(".TH route 1"), "{page}");
    assert!(page.contains(".SH SYNOPSIS"));
    for name in subcommands() {
        // roff escapes the hyphen of `route-check(1)`.
        assert!(
            page.contains(&format!("route\\-{name}(1)")),
            "the man page lacks `{name}`"
        );
    }
    assert_eq!(stdout_of(&["manpage"]), page, "`manpage` is an alias");
}

#[test]
fn a_command_has_its_own_man_page() {
    let page = stdout_of(&["man", "check"]);
    assert!(page.contains(".TH route-check 1"), "{page}");
    assert!(page.contains("\\-\\-deny") && page.contains("\\-\\-format"));
    let version = format!("\"route {}\"", env!("CARGO_PKG_VERSION"));
    assert!(page.contains(&version), "names the version: {page}");
    let page = stdout_of(&["man", "state", "show"]);
    assert!(page.contains(".TH route-state-show 1"), "{page}");
}

#[test]
fn a_man_page_for_a_command_that_does_not_exist() {
    let out = route(&["man", "chek"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error: `route` has no command `chek`"),
        "{err}"
    );
    assert!(err.contains("did you mean `check`?"), "{err}");
    let out = route(&["man", "check", "all"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`route check` has no commands"), "{err}");
}

/// A hook of `.pre-commit-hooks.yaml`; a key pre-commit does not know
/// (a typo such as `verbos`) fails to parse.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed to be checked, not all read
struct Hook {
    id: String,
    name: String,
    entry: String,
    language: String,
    files: String,
    #[serde(default)]
    args: Vec<String>,
    description: Option<String>,
    verbose: Option<bool>,
    pass_filenames: Option<bool>,
    require_serial: Option<bool>,
    types: Option<Vec<String>>,
    exclude: Option<String>,
    minimum_pre_commit_version: Option<String>,
}

fn hooks() -> Vec<Hook> {
    let text = std::fs::read_to_string(".pre-commit-hooks.yaml").expect("the hooks file exists");
    serde_yaml::from_str(&text).expect("the hooks file is a list of hooks")
}

#[test]
fn pre_commit_hooks_are_route_check_and_route_fmt() {
    let hooks = hooks();
    let ids: Vec<&str> = hooks.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["route-check", "route-fmt"]);
    let commands = subcommands();
    for hook in &hooks {
        assert!(["rust", "system"].contains(&hook.language.as_str()));
        assert!(!hook.name.is_empty());
        let files = Regex::new(&hook.files).expect("`files` is a regex");
        assert!(files.is_match("rules/acme.route") && !files.is_match("rules/leads.csv"));
        let words: Vec<&str> = hook.entry.split_whitespace().collect();
        assert_eq!(words.first(), Some(&"route"), "{}", hook.id);
        let subcommand = words.get(1).expect("the entry names a subcommand");
        assert!(commands.iter().any(|c| c == subcommand), "{}", hook.id);
        assert_eq!(hook.id, format!("route-{subcommand}"));
    }
}

/// Each hook runs as pre-commit runs it (entry, args, then the staged file
/// names): clap would refuse a flag that does not exist with exit 2.
#[test]
fn pre_commit_hooks_run_on_rule_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("inbound.route");
    let messy = "field country country \"Country\"\nqueue us\nqueue rest\n\
                 rule \"US\"   when country is \"US\" to us\ndefault to rest\n";
    std::fs::write(&file, messy).unwrap();
    let hooks = hooks();
    for hook in &hooks {
        let mut args: Vec<&str> = hook.entry.split_whitespace().skip(1).collect();
        args.extend(hook.args.iter().map(String::as_str));
        args.push(file.to_str().unwrap());
        let out = route(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: route {}\n{}{}",
            hook.id,
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let formatted = std::fs::read_to_string(&file).unwrap();
    assert_ne!(formatted, messy, "route-fmt rewrote the file");
    // The stricter `args` docs/ci.md suggests, on the now formatted file.
    let path = file.to_str().unwrap();
    stdout_of(&["check", "--deny", "warnings", path]);
    stdout_of(&["fmt", "--check", path]);
}
