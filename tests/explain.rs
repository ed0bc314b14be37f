//! Snapshots of `route explain`, human and JSON, for leads that show each
//! part of a trace: values read and unreadable, a failed test, a table row,
//! the default.

use route::commands::{self, ExplainOptions, LeadSource};
use route::run::Encoding;

fn explain(rules: &str, lead: &str, json: bool) -> String {
    explain_why_not(rules, lead, json, None)
}

fn explain_why_not(rules: &str, lead: &str, json: bool, queue: Option<&str>) -> String {
    let options = ExplainOptions {
        rules: rules.into(),
        lead: LeadSource::Given(lead.into()),
        why_not: queue.map(String::from),
        state: None,
        now: Some("2026-11-25".into()),
        json,
        encoding: Encoding::Utf8,
        color: false,
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = commands::explain(&options, &mut out, &mut err);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    String::from_utf8(out).unwrap()
}

#[test]
fn a_named_account_found_by_its_parent_domain() {
    let lead = "Email=Joe.Doe@US.IBM.com,Country=USA,State=CA,Postal Code=94105-1234,Employees=5K";
    insta::assert_snapshot!(explain("rules/acme.route", lead, false));
    insta::assert_snapshot!(explain("rules/acme.route", lead, true));
}

#[test]
fn a_messy_lead_that_falls_to_the_default() {
    let lead = "Email=n/a,Country=Deutschland,Postal Code=SW1A 1AA,Employees=50-200,Annual Revenue=$1,200,000";
    insta::assert_snapshot!(explain("rules/acme.route", lead, false));
}

#[test]
fn a_california_territory_row() {
    let lead = "Email=ops@smallco.com,Country=US,Postal Code=90210-1234,Employees=12";
    insta::assert_snapshot!(explain("rules/acme.route", lead, false));
}

#[test]
fn why_not_names_the_smallest_change_per_rule() {
    let lead = "Email=ops@smallco.de,Country=Germany,Postal Code=10115,Employees=40";
    let human = explain_why_not("rules/acme.route", lead, false, Some("norcal"));
    insta::assert_snapshot!(human);
    let json = explain_why_not("rules/acme.route", lead, true, Some("enterprise"));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rules = doc["why_not"]["rules"].as_array().unwrap();
    assert_eq!(rules[1]["rule"], "US enterprise");
    assert_eq!(rules[1]["change"]["set"]["Country"], "US");
}

#[test]
fn why_not_says_when_no_change_can() {
    let text = explain_why_not(
        "tests/fixtures/why_not.route",
        "Email=a@x.com",
        false,
        Some("enterprise"),
    );
    assert!(text.contains("no change can"), "{text}");
}
