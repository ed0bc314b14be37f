//! `overlapping-rules` (warning): two rules with different destinations
//! match some common leads; the earlier one wins them.
//!
//! Why: an overlap is often intended ("named accounts first"), but when it
//! is not, leads silently go to the wrong team. The example lead shows one
//! such lead. Fix: make the conditions exclusive, or reorder the rules.
//!
//! ```route
//! rule "Enterprise" when employees >= 1000     to enterprise
//! rule "California" when state is "CA"          to socal   # big Californian firms go to enterprise
//! ```

use crate::analysis::witness::Found;
use crate::analysis::Analysis;
use crate::compile::{NodeId, Op, FALSE};
use crate::diagnostics::Diagnostic;

/// Overlaps of rule `i` with each earlier rule; `earlier` is the union of their leads.
pub(crate) fn findings(a: &mut Analysis, i: usize, earlier: NodeId) -> Vec<Diagnostic> {
    let shared = a.both(a.takes[i], earlier);
    if shared == FALSE {
        return vec![];
    }
    let mut out = Vec::new();
    for j in 0..i {
        let differ = a.m.apply(Op::Differ, a.routes[j], a.routes[i]);
        if differ == FALSE {
            continue;
        }
        if let Found::Lead(witness) = a.find(differ) {
            out.push(diagnostic(a, j, i, witness));
        }
    }
    out
}

fn diagnostic(
    a: &Analysis,
    earlier: usize,
    later: usize,
    witness: Vec<(String, String)>,
) -> Diagnostic {
    let (e, l) = (&a.program.rules[earlier].name, &a.program.rules[later].name);
    let message = format!("rules \"{e}\" and \"{l}\" both match some leads and send them to different places; \"{e}\" comes first and wins them");
    Diagnostic::warning("overlapping-rules", &message)
        .at(a.program.file, a.rule_span(later), "loses some leads to an earlier rule")
        .related(a.program.file, a.rule_span(earlier), "wins the shared leads")
        .help("if that is not intended, make the conditions exclusive (e.g. `and not (...)`) or reorder the rules")
        .witness(witness)
}
