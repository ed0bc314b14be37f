//! `overlapping-rules` (warning): two rules with different destinations
//! match some common leads; the earlier one wins them. A pair is reported
//! when the earlier rule is the first to take some of the later rule's
//! leads, so the finding never names a rule that itself loses those leads.
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
use crate::diagnostics::{About, Diagnostic};
use crate::ir::Decision;

/// Overlaps of rule `i` with the earlier rules that win some of its leads.
/// `first` maps each lead to the first earlier rule that takes it.
pub(crate) fn findings(a: &mut Analysis, i: usize, first: NodeId) -> Vec<Diagnostic> {
    let conflicts = a.m.apply(Op::Differ, first, a.routes[i]);
    if conflicts == FALSE {
        return vec![];
    }
    let winners = a.m.apply(Op::Gate, first, conflicts);
    let mut earlier: Vec<usize> =
        a.m.leaves_under(winners)
            .into_iter()
            .filter_map(|d| match d {
                Decision::Routed { rule: Some(j), .. } => Some(*j),
                _ => None,
            })
            .collect();
    earlier.sort_unstable();
    earlier.dedup();
    let mut out = Vec::new();
    for j in earlier {
        let differ = a.m.apply(Op::Differ, a.routes[j], a.routes[i]);
        let won = a.both(a.fresh[j], differ);
        if let Found::Lead(witness) = a.find(won) {
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
        .about(About::Overlap { earlier, later })
}
