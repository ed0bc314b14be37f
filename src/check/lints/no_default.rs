//! `no-default` (error): some leads match no rule and there is no `default`.
//!
//! Why: such leads get no queue at all — the black hole `route` exists to
//! prevent. Fix: add `default to QUEUE` at the end of the file.
//!
//! This file reports the case that needs no analysis (no rules, no
//! default); leads that slip past every rule are found by the set analysis.

use super::Checker;
use crate::diagnostics::Diagnostic;

pub(super) fn check(c: &mut Checker) {
    if c.ast.rules.is_empty() && c.ast.defaults.is_empty() {
        let d = Diagnostic::error(
            "no-default",
            "this file has no rules and no `default`: every lead would go nowhere",
        )
        .at(c.file, 0..0, "no rule or default in this file")
        .help("add rules, and `default to QUEUE` for the leads no rule takes");
        c.diags.push(d);
    }
}
