//! `route check --format sarif` is valid SARIF 2.1.0: every UI case's output
//! validates against the OASIS schema (tests/fixtures/sarif, taken from the
//! MIT-licensed serde-sarif 0.8.0 package).

use std::process::Command;

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string("tests/fixtures/sarif/sarif-2.1.0.schema.json")
        .expect("the schema is vendored");
    let mut schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
    drop_broken_patterns(&mut schema);
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

/// The published schema's `language` pattern is not a valid regex (an
/// unbalanced bracket); `route` never writes `language`, so the check is dropped.
fn drop_broken_patterns(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            let broken = map
                .get("pattern")
                .and_then(|p| p.as_str())
                .is_some_and(regex_is_broken);
            if broken {
                map.remove("pattern");
            }
            map.values_mut().for_each(drop_broken_patterns);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(drop_broken_patterns),
        _ => {}
    }
}

fn regex_is_broken(pattern: &str) -> bool {
    pattern.matches('[').count() != pattern.matches(']').count()
}

fn sarif_of(file: &str) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_route"))
        .args(["check", "--format", "sarif", file])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn every_ui_case_is_valid_sarif() {
    let validator = schema();
    let mut files: Vec<String> = std::fs::read_dir("tests/ui")
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".route"))
        .collect();
    files.push("rules/public_sector.route".into());
    files.sort();
    for file in &files {
        let doc = sarif_of(file);
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{file}: {errors:#?}");
    }
}

#[test]
fn the_validator_rejects_broken_sarif() {
    let validator = schema();
    let mut doc = sarif_of("tests/ui/unknown_field.route");
    doc["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    assert!(
        !validator.is_valid(&doc),
        "a level SARIF does not define is refused"
    );
}
