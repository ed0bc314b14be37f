//! `route fmt`: the canonical form parses, means the same (the same DAG),
//! keeps every comment, and formatting twice changes nothing.

use route::diagnostics::{FileId, Sources};
use std::path::Path;
use std::process::Command;

fn formatted(text: &str) -> String {
    let ast = route::syntax::parse(text, FileId(0)).expect("parses");
    route::syntax::format::format(text, &ast)
}

fn dag_text(path: &Path, text: String) -> String {
    let mut sources = Sources::default();
    let (diags, program) = route::resolve_source(path, text, &mut sources);
    let program = program.unwrap_or_else(|| panic!("{diags:#?}"));
    route::compile::to_text(&program, &route::compile::compile(&program))
}

fn comment_count(text: &str) -> usize {
    text.lines().filter(|l| l.contains('#')).count()
}

#[test]
fn the_shipped_rules_format_to_the_same_meaning_and_keep_their_comments() {
    for file in [
        "rules/acme.route",
        "rules/emea.route",
        "rules/public_sector.route",
    ] {
        let path = Path::new(file);
        let text = std::fs::read_to_string(path).unwrap();
        let once = formatted(&text);
        assert_eq!(
            formatted(&once),
            once,
            "{file}: formatting twice changes nothing"
        );
        assert_eq!(
            dag_text(path, once.clone()),
            dag_text(path, text.clone()),
            "{file}: the same decisions"
        );
        assert_eq!(
            comment_count(&once),
            comment_count(&text),
            "{file}: every comment is kept"
        );
    }
}

#[test]
fn fmt_check_reports_and_fmt_rewrites() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.route");
    std::fs::write(&path, "queue   a   # the queue\ndefault    to a\n").unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_route"))
            .args(args)
            .output()
            .unwrap()
    };
    let p = path.to_str().unwrap();
    assert_eq!(run(&["fmt", "--check", p]).status.code(), Some(1));
    assert_eq!(run(&["fmt", p]).status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "queue a  # the queue\n\ndefault to a\n"
    );
    assert_eq!(run(&["fmt", "--check", p]).status.code(), Some(0));
    std::fs::write(&path, "queue a\nrule \"x\" when to a\n").unwrap();
    let out = run(&["fmt", p]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a file that does not parse is left alone"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("syntax-error"));
}

/// The shipped examples are what `route fmt` writes, so a user who runs it
/// on them (or `route fmt --check` in CI, as docs/ci.md shows) sees no change.
#[test]
fn the_shipped_rules_are_formatted() {
    let out = Command::new(env!("CARGO_BIN_EXE_route"))
        .args([
            "fmt",
            "--check",
            "rules/acme.route",
            "rules/emea.route",
            "rules/public_sector.route",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
