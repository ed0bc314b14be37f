//! UI tests: each `tests/ui/NAME.route` is checked, and its human and JSON
//! diagnostics are compared with the snapshots in `tests/snapshots/`.
//! Adding a case is adding a file.

use route::commands::{self, CheckOptions};
use route::diagnostics::Format;
use std::path::PathBuf;

fn check(path: &PathBuf, format: Format) -> (u8, String) {
    let options = CheckOptions {
        format,
        deny_warnings: false,
        color: false,
        leads: None,
        encoding: route::run::Encoding::Utf8,
        report: None,
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = commands::check(std::slice::from_ref(path), &options, &mut out, &mut err);
    out.extend(err);
    (code, String::from_utf8(out).expect("UTF-8 output"))
}

#[test]
fn ui_cases() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir("tests/ui")
        .expect("tests/ui exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "route"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 20, "the UI cases are there");
    for path in cases {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let (code, human) = check(&path, Format::Human);
        let (json_code, json) = check(&path, Format::Json);
        assert_eq!(
            code, json_code,
            "{name}: the exit code does not depend on the format"
        );
        let warnings_only = ["unused", "tier_gap", "overlapping_rules"].contains(&name.as_str());
        assert_eq!(
            code,
            if warnings_only { 0 } else { 1 },
            "{name}: exit code\n{human}"
        );
        insta::assert_snapshot!(format!("{name}.human"), format!("exit {code}\n{human}"));
        insta::assert_snapshot!(format!("{name}.json"), json);
    }
}
