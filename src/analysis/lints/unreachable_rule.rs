//! `unreachable-rule` (error): every lead this rule matches is taken by
//! earlier rules, so it never routes anything.
//!
//! Why: an unreachable rule is dead logic that readers trust; usually a
//! broader rule above it was meant to come later. Fix: move the rule above
//! the rules that take its leads, narrow them, or delete it.
//!
//! ```route
//! rule "Gov"        when email.domain ends with ".gov"    to public_sector
//! rule "California" when email.domain ends with ".ca.gov" to california  # never matches
//! ```

use crate::analysis::witness::Found;
use crate::analysis::Analysis;
use crate::diagnostics::{About, Diagnostic};

pub(crate) fn finding(a: &mut Analysis, i: usize) -> Diagnostic {
    let program = a.program;
    let name = &program.rules[i].name;
    // Name the rules that are first to take its leads, not rules that
    // themselves lose those leads (or take nothing).
    let takers: Vec<usize> = (0..i)
        .filter(|&j| {
            let shared = a.both(a.takes[i], a.fresh[j]);
            matches!(a.find(shared), Found::Lead(_))
        })
        .collect();
    let (message, help) = if takers.is_empty() {
        (
            format!("rule \"{name}\" can never match: no lead meets its condition"),
            "its tests contradict each other (or its table lookup finds no queue); fix the condition or delete the rule".to_string(),
        )
    } else {
        let names: Vec<String> = takers
            .iter()
            .map(|j| format!("\"{}\"", program.rules[*j].name))
            .collect();
        (
            format!(
                "rule \"{name}\" is unreachable: every lead it matches is taken first by {}",
                names.join(", ")
            ),
            "move this rule above the rules that take its leads, narrow them, or delete this rule"
                .to_string(),
        )
    };
    let mut d = Diagnostic::error("unreachable-rule", &message)
        .about(About::Unreachable(i))
        .at(program.file, a.rule_span(i), "never matches")
        .help(&help);
    for j in takers {
        d = d.related(program.file, a.rule_span(j), "takes its leads");
    }
    d
}

/// When emptiness could not be decided: say "may", and why.
pub(crate) fn uncertain(a: &Analysis, i: usize, why: &str) -> Diagnostic {
    let name = &a.program.rules[i].name;
    Diagnostic::warning(
        "unreachable-rule",
        &format!("rule \"{name}\" may be unreachable: {why}"),
    )
    .at(a.program.file, a.rule_span(i), "may never match")
    .help("check it by routing a one-row CSV with a lead you expect it to take (`route run RULES lead.csv`)")
}
