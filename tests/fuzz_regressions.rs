//! Inputs the fuzz targets (`fuzz/`, see docs/reliability.md) found to
//! crash, each kept as a plain test so the fix stays fixed without nightly.

use route::values::phone::parse_phone;
use std::process::Command;

/// `fuzz/fuzz_targets/lead.rs`: a phone cell whose fourth byte falls inside
/// a character (`12€3`; `€2` read as windows-1252 is `â‚¬2`) panicked
/// slicing it to look for `tel:`.
#[test]
fn a_phone_cell_with_a_character_across_its_fourth_byte_is_unreadable_not_a_panic() {
    for raw in [
        "12€3",
        "â‚¬2",
        "ab€1",
        "té:+14155550100",
        "tél:+14155550100",
    ] {
        assert_eq!(parse_phone(raw), None, "{raw:?}");
    }
    assert!(parse_phone("tel:+1 415 555 0100").is_some());

    // The same cell through `route run`, with rules that read the phone.
    let dir = tempfile::tempdir().unwrap();
    let leads = dir.path().join("leads.csv");
    std::fs::write(
        &leads,
        "Lead ID,First Name,Last Name,Email,Company,Country,State,Postal Code,Employees,Annual Revenue,Industry,Phone\n\
         1,A,B,a@b.com,C,US,CA,94105,10,1,Tech,12€3\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_route"))
        .args(["run", "rules/public_sector.route"])
        .arg(&leads)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The canonical form of `text`, checked the way `route fmt` checks it.
fn formatted(text: &str) -> String {
    let file = route::diagnostics::FileId(0);
    let ast = route::syntax::parse(text, file).expect("parses");
    let once = route::syntax::format::format(text, &ast);
    let again = route::syntax::parse(&once, file)
        .unwrap_or_else(|d| panic!("the canonical form does not parse: {}\n{once}", d.message));
    assert_eq!(
        route::syntax::format::format(&once, &again),
        once,
        "formatting twice changes nothing"
    );
    once
}

/// `fuzz/fuzz_targets/rules.rs`: a comment inside a test (between `in` and
/// its set) was kept inside the condition and also moved in front of the
/// rule, so each `route fmt` added another copy; a comment holding a `"`
/// was read as a string. With the comment on its own line the condition
/// could also be joined onto the comment's line and commented out.
#[test]
fn a_comment_inside_a_condition_or_destination_moves_in_front_of_the_rule_once() {
    let text = "field state state \"State\"\nqueue west\nqueue rest\n\
                rule \"West\" when state in # Thm roeregon\", \"XX\"] to west\nfefault to rest\n\
                default to # where \"the rest\" go\n rest\n";
    let once = formatted(text);
    assert_eq!(
        once.matches("# Thm roeregon").count(),
        1,
        "the comment is kept once:\n{once}"
    );
    assert!(
        once.contains("when state in fefault\n  to rest\n"),
        "{once}"
    );
    assert!(once.contains("default to rest\n"), "{once}");

    let text = "field state state \"State\"\nqueue west\ntable t \"t.csv\" key state\n\
                rule \"West\" when state in # the west\n [\"CA\", \"OR\"] to t[ # by state\n state].queue\n\
                default to west\n";
    let once = formatted(text);
    assert!(
        once.contains("when state in [\"CA\", \"OR\"]\n  to t[ state].queue\n"),
        "{once}"
    );
    assert_eq!(once.matches('#').count(), 2, "{once}");
}

/// `fuzz/fuzz_targets/rules.rs` (timeout): a variant of
/// `rules/public_sector.route` whose overlap analysis built witnesses for
/// every pair of keys of a large table and ran past the ten-second limit.
/// It now checks in well under a second; a regression would hang here.
#[test]
fn a_public_sector_variant_that_timed_out_the_analysis_checks() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    // The fuzz target resolves data paths in `rules/`.
    std::os::unix::fs::symlink(root.join("rules/data"), dir.path().join("data")).unwrap();
    let rules = dir.path().join("variant.route");
    std::fs::copy(
        root.join("tests/fixtures/fuzz/slow_public_sector_variant.route"),
        &rules,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_route"))
        .arg("check")
        .arg(&rules)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains("route check: 1 error, 15 warnings"),
        "{report}"
    );
}
