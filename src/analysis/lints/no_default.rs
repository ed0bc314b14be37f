//! `no-default` (error): some leads match no rule and there is no `default`.
//!
//! Why: such leads get no queue at all — the black hole `route` exists to
//! prevent. The example lead is one of them. Fix: add `default to QUEUE`.
//!
//! ```route
//! rule "US" when country is "US" to us     # a lead from France goes nowhere
//! ```

use crate::analysis::witness::Found;
use crate::analysis::Analysis;
use crate::compile::{NodeId, Op, NEXT};
use crate::diagnostics::{About, Diagnostic};

/// `untaken`: the leads no rule takes.
pub(crate) fn finding(a: &mut Analysis, untaken: NodeId) -> Option<Diagnostic> {
    let program = a.program;
    let by_default = match &program.default {
        Some(d) => a.m.destination(d, None),
        None => NEXT,
    };
    let by_default = a.m.apply(Op::Takes, by_default, by_default);
    let left = a.minus(untaken, by_default);
    let (span, label) = match program.rules.len() {
        0 => (0..0, "no rule or default in this file"),
        n => (
            a.rule_span(n - 1),
            "after the last rule, these leads have nowhere to go",
        ),
    };
    let help = "add `default to QUEUE` at the end of the file for the leads no rule takes";
    match a.find(left) {
        Found::Empty => None,
        Found::Lead(witness) => {
            let message = match (program.rules.is_empty(), program.default.is_some()) {
                (_, true) => {
                    "some leads match no rule, and the `default` lookup finds no queue for them"
                        .to_string()
                }
                (true, false) => {
                    "this file has no rules and no `default`: every lead would go nowhere"
                        .to_string()
                }
                (false, false) => {
                    "some leads match no rule, and there is no `default` to catch them".to_string()
                }
            };
            let mut d = Diagnostic::error("no-default", &message)
                .at(program.file, span, label)
                .help(help)
                .about(About::NoDefault);
            // With no rules at all, any lead shows it; an empty example says nothing.
            if !witness.is_empty() {
                d = d.witness(witness);
            }
            Some(d)
        }
        Found::Unknown(why) => Some(
            Diagnostic::warning(
                "no-default",
                &format!("some leads may match no rule, and there is no `default`: {why}"),
            )
            .at(program.file, span, label)
            .help(help),
        ),
    }
}
