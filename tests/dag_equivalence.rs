//! The compiled DAG decides exactly what the naive first-match evaluator
//! decides, on random leads, for every shipped rule file and for random rule
//! sets, with the normal size budget and with a tiny one (ordered fallback).

use proptest::prelude::*;
use route::compile::{compile, compile_with_budget};
use route::diagnostics::Sources;
use route::eval::{reference, Decoder, Lead};
use route::ir::{FieldType, Program};
use std::path::Path;

/// Raw cell values worth trying for a program: every quoted string and
/// number in its source and data files, their neighbours, and junk.
fn pool(program: &Program, sources_text: &str) -> Vec<String> {
    let mut pool: Vec<String> = [
        "",
        "n/a",
        "unknown",
        "x",
        "zz.example",
        "US",
        "USA",
        "CA",
        "DE",
        "0",
        "-5",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for word in sources_text.split(['"', ',', '\n', '[', ']']) {
        let w = word.trim();
        if !w.is_empty() && w.len() < 40 {
            pool.push(w.to_string());
        }
    }
    for n in sources_text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty() && s.len() < 10)
    {
        if let Ok(v) = n.parse::<i64>() {
            for d in [-1, 0, 1] {
                pool.push((v + d).to_string());
            }
            pool.push(format!("{v}k"));
        }
    }
    for t in &program.tables {
        for row in &t.rows {
            pool.extend(row.cells.iter().cloned());
        }
    }
    let domains: Vec<String> = pool
        .iter()
        .filter(|w| w.contains('.') && !w.contains('@'))
        .cloned()
        .collect();
    for d in domains {
        pool.push(format!("sub.{}", d.trim_start_matches('.')));
        pool.push(format!("x{}", d));
    }
    pool.sort();
    pool.dedup();
    pool
}

/// A raw cell for a field of a type, picked from the pool.
fn cell(ty: FieldType, pool: &[String], pick: u32, salt: u32) -> String {
    let p = &pool[pick as usize % pool.len()];
    match (ty, salt % 5) {
        (FieldType::Email, 0) => String::new(),
        (FieldType::Email, _) => format!(
            "u{salt}@{}",
            p.trim_start_matches('.').trim_start_matches('@')
        ),
        (FieldType::Phone, 0) => format!("+1 {} 555 0100", 200 + pick % 800),
        (FieldType::Phone, 1) => "+44 20 7946 0000".into(),
        (FieldType::Money, 0) => format!("${p}"),
        _ => p.clone(),
    }
}

fn lead(
    program: &Program,
    decoder: &Decoder,
    pool: &[String],
    picks: &[(u32, u32)],
) -> (Lead, Vec<String>) {
    let mut lead = Lead::default();
    let mut raw = Vec::new();
    for (field, f) in program.fields.iter().enumerate() {
        let (pick, salt) = picks[field % picks.len()];
        let text = cell(f.ty, pool, pick.wrapping_add(field as u32 * 7919), salt);
        decoder.decode_field(field, &text, &mut lead);
        raw.push(format!("{}={text}", f.column));
    }
    (lead, raw)
}

fn load(path: &Path, text: String) -> (Program, String) {
    let mut sources = Sources::default();
    let (diags, program) = route::resolve_source(path, text.clone(), &mut sources);
    let program =
        program.unwrap_or_else(|| panic!("{} has errors: {diags:#?}\n{text}", path.display()));
    let mut all_text = text;
    for t in &program.tables {
        all_text.push_str(sources.text(t.file));
    }
    (program, all_text)
}

fn assert_same(program: &Program, all_text: &str, picks_list: &[Vec<(u32, u32)>]) {
    let pool = pool(program, all_text);
    let decoder = Decoder::new(program);
    let dag = compile(program);
    let ordered = compile_with_budget(program, 4);
    for picks in picks_list {
        let (lead, raw) = lead(program, &decoder, &pool, picks);
        let expected = reference::decide(program, &lead);
        assert_eq!(
            dag.decide(program, &lead),
            &expected,
            "DAG differs for lead {raw:?}"
        );
        assert_eq!(
            ordered.decide(program, &lead),
            &expected,
            "ordered fallback differs for lead {raw:?}"
        );
    }
}

fn picks() -> impl Strategy<Value = Vec<Vec<(u32, u32)>>> {
    prop::collection::vec(
        prop::collection::vec((any::<u32>(), any::<u32>()), 1..12),
        200,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn shipped_rule_files(picks in picks()) {
        for file in ["rules/acme.route", "rules/emea.route", "rules/public_sector.route"] {
            let path = Path::new(file);
            let (program, text) = load(path, std::fs::read_to_string(path).unwrap());
            assert_same(&program, &text, &picks);
        }
    }

    #[test]
    fn formatting_a_random_rule_set_keeps_its_meaning(text in rule_file(), picks in picks()) {
        let path = Path::new("tests/fixtures/random.route");
        let ast = route::syntax::parse(&text, route::diagnostics::FileId(0)).expect("parses");
        let once = route::syntax::format::format(&text, &ast);
        let (before, all_text) = load(path, text.clone());
        let (after, _) = load(path, once.clone());
        let pool = pool(&before, &all_text);
        let (decode_before, decode_after) = (Decoder::new(&before), Decoder::new(&after));
        for p in &picks {
            let (lead_before, raw) = lead(&before, &decode_before, &pool, p);
            let (lead_after, _) = lead(&after, &decode_after, &pool, p);
            let b = reference::decide(&before, &lead_before);
            let a = reference::decide(&after, &lead_after);
            prop_assert_eq!(a, b, "{:?}\n{}", raw, once);
        }
    }

    #[test]
    fn random_rule_sets(text in rule_file(), picks in picks()) {
        let (program, all_text) = load(Path::new("tests/fixtures/random.route"), text);
        assert_same(&program, &all_text, &picks);
    }
}

const HEADER: &str = r#"
field country   country "Country"
field state     state   "State"
field zip       zip     "Zip"
field employees number  "Employees"
field revenue   money   "Revenue"
field email     email   "Email"
field industry  text    "Industry"
field phone     phone   "Phone"
tier size by employees {
  smb < 100
  mid 100..999
  big 1000..<5000
}
queue q0
queue q1
queue q2
queue q3
"#;

fn test_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(r#"country is "US""#.to_string()),
        Just(r#"country in ["US", "CA", "Deutschland"]"#.to_string()),
        Just(r#"country is not "US""#.to_string()),
        Just(r#"country not in ["US", "GB"]"#.to_string()),
        Just(r#"state in ["CA", "NY", "Ontario"]"#.to_string()),
        Just("zip in 90000..96199".to_string()),
        Just("zip < 50000".to_string()),
        (0i64..3000).prop_map(|n| format!("employees >= {n}")),
        (0i64..3000).prop_map(|n| format!("employees < {n}")),
        Just("size is smb".to_string()),
        Just("size in [mid, big]".to_string()),
        Just("size is not big".to_string()),
        Just("size is missing".to_string()),
        Just("revenue > 1M".to_string()),
        Just("revenue in 100..<1000".to_string()),
        Just(r#"email.domain in ["ibm.com", "gov", "us.ibm.com"]"#.to_string()),
        Just(r#"email.domain is "ibm.com""#.to_string()),
        Just(r#"email.domain ends with [".gov", ".mil"]"#.to_string()),
        Just(r#"email.domain not in ["x.com"]"#.to_string()),
        Just(r#"industry contains "soft""#.to_string()),
        Just(r#"industry starts with "fin""#.to_string()),
        Just(r#"industry ends with ["ware", "ance", "e"]"#.to_string()),
        Just(r#"email.domain starts with ["ibm", "sub."]"#.to_string()),
        Just(r#"not (industry ends with ["ware", "soft"])"#.to_string()),
        Just(r#"industry in ["software", "Finance"]"#.to_string()),
        Just("email is missing".to_string()),
        Just("zip is present".to_string()),
        Just(r#"phone.state in ["CA", "NY"]"#.to_string()),
        Just(r#"phone.country is "GB""#.to_string()),
        Just("phone.area in 400..499".to_string()),
    ]
}

fn condition() -> impl Strategy<Value = String> {
    test_text().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} and {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} or {b})")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    })
}

fn rule_file() -> impl Strategy<Value = String> {
    (
        prop::collection::vec((condition(), 0..4u8), 1..12),
        any::<bool>(),
    )
        .prop_map(|(rules, default)| {
            let mut text = HEADER.to_string();
            for (i, (cond, q)) in rules.iter().enumerate() {
                text.push_str(&format!("rule \"r{i}\" when {cond} to q{q}\n"));
            }
            if default {
                text.push_str("default to q0\n");
            }
            text
        })
}

/// Enough ZIP ranges that the compiled DAG reads a ZIP's atom from its
/// table of every ZIP instead of searching the cuts: every ZIP, and cells
/// that are no ZIP, decide as the reference does.
#[test]
fn many_zip_ranges_every_zip() {
    let mut text = String::from("routing \"zips\"\nfield zip zip \"Zip\"\nqueue a\nqueue b\n");
    for i in 0..60u32 {
        let from = (i * 1_637) % 99_000;
        let queue = ["a", "b"][i as usize % 2];
        text.push_str(&format!(
            "rule \"r{i}\"\n  when zip in {from}..{}\n  to {queue}\n",
            from + 300 + i * 7
        ));
    }
    let (program, _) = load(Path::new("tests/fixtures/zips.route"), text);
    let decoder = Decoder::new(&program);
    let dag = compile(&program);
    let mut cells: Vec<String> = (0..100_000).map(|z| format!("{z:05}")).collect();
    cells.extend(["", "n/a", "ABC", "123456", "9021"].map(String::from));
    for cell in &cells {
        let mut lead = Lead::default();
        decoder.decode_field(0, cell, &mut lead);
        assert_eq!(
            dag.decide(&program, &lead),
            &reference::decide(&program, &lead),
            "ZIP cell {cell:?}"
        );
    }
}
