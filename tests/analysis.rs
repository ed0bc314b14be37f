//! The set analysis is exact: every witness reaches what its finding says,
//! and on random rule sets `unreachable-rule` and `no-default` are reported
//! exactly when brute-force enumeration over the atoms says so.

use proptest::prelude::*;
use route::compile::atoms::collect;
use route::diagnostics::{Diagnostic, Sources};
use route::eval::{reference, Decoder, Lead};
use route::ir::{Accessor, Decision, Program, Scalar};
use std::collections::BTreeSet;
use std::path::Path;

fn load(path: &Path, text: &str) -> (Vec<Diagnostic>, Program) {
    let mut sources = Sources::default();
    let (mut diags, program) = route::resolve_source(path, text.to_string(), &mut sources);
    let program = program.unwrap_or_else(|| panic!("{text} has errors"));
    diags.extend(route::analysis::analyze(&program));
    (diags, program)
}

/// A witness as the lead it describes.
fn lead_of(program: &Program, witness: &[(String, String)]) -> Lead {
    let decoder = Decoder::new(program);
    let mut lead = Lead {
        values: vec![Scalar::Missing; program.bases.len()],
    };
    for (column, raw) in witness {
        let field = program
            .fields
            .iter()
            .position(|f| &f.column == column)
            .expect("witness columns are the file's");
        decoder.decode_field(field, raw, &mut lead);
    }
    lead
}

fn rule_named(program: &Program, message: &str, nth: usize) -> usize {
    let name = message
        .split('"')
        .nth(nth * 2 + 1)
        .expect("the message names rules");
    program
        .rules
        .iter()
        .position(|r| r.name == name)
        .expect("a rule of the file")
}

/// Routes each witness and checks it shows what its finding says.
fn check_witnesses(diags: &[Diagnostic], program: &Program) -> usize {
    let mut checked = 0;
    for d in diags {
        let Some(witness) = &d.witness else { continue };
        let lead = lead_of(program, witness);
        match d.code {
            "overlapping-rules" => {
                let (earlier, later) = (
                    rule_named(program, &d.message, 0),
                    rule_named(program, &d.message, 1),
                );
                let takes = |i: usize| {
                    route::eval::cond(program, &program.rules[i].cond, &lead)
                        .then(|| route::eval::destination(program, &program.rules[i].dest, &lead))
                        .flatten()
                };
                let (a, b) = (takes(earlier), takes(later));
                assert!(
                    a.is_some() && b.is_some() && a != b,
                    "{}: {witness:?} is not taken by both to different places",
                    d.message
                );
                let Decision::Routed {
                    rule: Some(first), ..
                } = reference::decide(program, &lead)
                else {
                    panic!("{witness:?} routed")
                };
                assert!(
                    first <= earlier,
                    "{}: the earlier rule (or one before it) wins {witness:?}",
                    d.message
                );
            }
            "tier-gap" | "overlapping-tiers" => {
                let tier = program
                    .tiers
                    .iter()
                    .find(|t| d.message.contains(&format!("`{}`", t.name)))
                    .expect("the tier is named");
                let base = program.bases.iter().position(|b| b.field == tier.field);
                let value = match base.map(|b| &lead.values[b]) {
                    Some(Scalar::Num(n)) => *n,
                    _ => {
                        // The tier's field is read by no rule: decode the cell alone.
                        let raw = &witness[0].1;
                        match route::eval::lead::normalize(program.fields[tier.field].ty, raw) {
                            Scalar::Num(n) => n,
                            other => panic!("{raw} reads as {other:?}"),
                        }
                    }
                };
                let bands = tier
                    .bands
                    .iter()
                    .filter(|(_, iv)| iv.contains(value))
                    .count();
                let expected = if d.code == "tier-gap" { 0 } else { 2 };
                assert_eq!(bands, expected, "{}: {witness:?}", d.message);
            }
            "no-default" => assert_eq!(
                reference::decide(program, &lead),
                Decision::Unmatched,
                "{}: {witness:?}",
                d.message
            ),
            _ => continue,
        }
        checked += 1;
    }
    checked
}

#[test]
fn witnesses_of_the_shipped_rules_reach_what_they_say() {
    let mut total = 0;
    for file in [
        "rules/acme.route",
        "rules/emea.route",
        "rules/public_sector.route",
        "tests/ui/overlapping_rules.route",
        "tests/ui/no_default_gap.route",
        "tests/ui/unreachable_through_phone.route",
        "tests/ui/tier_gap.route",
        "tests/fixtures/sizing.route",
    ] {
        let path = Path::new(file);
        let (diags, program) = load(path, &std::fs::read_to_string(path).unwrap());
        total += check_witnesses(&diags, &program);
    }
    assert!(total >= 20, "the examples have overlaps to check ({total})");
}

/// Every combination of atoms, as a lead holding each atom's representative.
fn brute_force(program: &Program) -> (BTreeSet<usize>, bool) {
    let (vars, _) = collect(program);
    let mut taken = BTreeSet::new();
    let mut unmatched = false;
    // An email's address and its domain come from one cell: the address is
    // derived from the domain rather than enumerated on its own.
    let email_of_domain: Vec<(usize, usize)> = program
        .bases
        .iter()
        .enumerate()
        .filter(|(_, b)| b.accessor == Accessor::Domain)
        .filter_map(|(d, b)| {
            let whole = program
                .bases
                .iter()
                .position(|w| w.field == b.field && w.accessor == Accessor::Whole)?;
            Some((whole, d))
        })
        .collect();
    let derived: Vec<usize> = email_of_domain.iter().map(|(w, _)| *w).collect();
    let sizes: Vec<usize> = vars
        .iter()
        .map(|v| {
            if derived.contains(&v.base) {
                1
            } else {
                v.atom_count()
            }
        })
        .collect();
    let total: usize = sizes.iter().product();
    assert!(total <= 2_000_000, "small enough to enumerate: {total}");
    let mut lead = Lead {
        values: vec![Scalar::Missing; program.bases.len()],
    };
    for mut n in 0..total {
        for (v, size) in vars.iter().zip(&sizes) {
            lead.values[v.base] = v.representative((n % size) as u32);
            n /= size;
        }
        for (whole, domain) in &email_of_domain {
            lead.values[*whole] = match &lead.values[*domain] {
                Scalar::Text(d) => Scalar::Text(format!("lead@{d}")),
                _ => Scalar::Missing,
            };
        }
        match reference::decide(program, &lead) {
            Decision::Routed { rule: Some(r), .. } => {
                taken.insert(r);
            }
            Decision::Routed { rule: None, .. } => {}
            Decision::Unmatched => unmatched = true,
        }
    }
    (taken, unmatched)
}

const HEADER: &str = r#"
field country   country "Country"
field zip       zip     "Zip"
field employees number  "Employees"
field email     email   "Email"
field industry  text    "Industry"
tier size by employees {
  smb < 100
  mid 100..999
  big >= 1000
}
list gov_domains ["nasa.gov", "gov", "ca.gov"]
queue q0
queue q1
queue q2
"#;

fn test_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(r#"country is "US""#.to_string()),
        Just(r#"country in ["US", "CA"]"#.to_string()),
        Just(r#"country is not "CA""#.to_string()),
        Just("country is missing".to_string()),
        Just("zip in 90000..96199".to_string()),
        Just("zip < 94000".to_string()),
        Just("zip is present".to_string()),
        (0i64..1500).prop_map(|n| format!("employees >= {n}")),
        (0i64..1500).prop_map(|n| format!("employees < {n}")),
        Just("size is smb".to_string()),
        Just("size in [mid, big]".to_string()),
        Just("size is missing".to_string()),
        Just("employees is missing".to_string()),
        Just("email.domain in gov_domains".to_string()),
        Just(r#"email.domain is "ca.gov""#.to_string()),
        Just(r#"email.domain not in ["nasa.gov"]"#.to_string()),
        Just("email is present".to_string()),
        Just(r#"industry in ["software", "finance"]"#.to_string()),
        Just(r#"industry is not "software""#.to_string()),
    ]
}

fn condition() -> impl Strategy<Value = String> {
    test_text().prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} and {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} or {b})")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    })
}

fn rule_file() -> impl Strategy<Value = String> {
    (
        prop::collection::vec((condition(), 0..3u8), 1..7),
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn unreachable_and_no_default_match_brute_force(text in rule_file()) {
        let (diags, program) = load(Path::new("tests/fixtures/random.route"), &text);
        let (taken, unmatched) = brute_force(&program);
        let unreachable: BTreeSet<usize> = diags
            .iter()
            .filter(|d| d.code == "unreachable-rule")
            .map(|d| rule_named(&program, &d.message, 0))
            .collect();
        let expected: BTreeSet<usize> = (0..program.rules.len()).filter(|r| !taken.contains(r)).collect();
        prop_assert_eq!(&unreachable, &expected, "{}", text);
        prop_assert!(diags.iter().all(|d| d.code != "unreachable-rule" || d.is_error()), "no 'may' without text patterns");
        let no_default = diags.iter().any(|d| d.code == "no-default");
        prop_assert_eq!(no_default, unmatched && program.default.is_none(), "{}", text);
        check_witnesses(&diags, &program);
    }
}
