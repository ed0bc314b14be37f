//! Snapshots of `route explain`, human and JSON, for leads that show each
//! part of a trace: values read and unreadable, a failed test, a table row,
//! the default.

use route::commands::{self, ExplainOptions, LeadSource};
use route::run::Encoding;

fn explain(rules: &str, lead: &str, json: bool) -> String {
    let options = ExplainOptions {
        rules: rules.into(),
        lead: LeadSource::Given(lead.into()),
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
