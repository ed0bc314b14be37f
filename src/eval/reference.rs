//! The reference evaluator: rules tried in file order, the first that
//! matches wins. Tiny and obviously right; the DAG is tested against it.

use super::{cond, destination, Lead};
use crate::ir::{Decision, Program};

pub fn decide(program: &Program, lead: &Lead) -> Decision {
    for (i, rule) in program.rules.iter().enumerate() {
        if cond(program, &rule.cond, lead) {
            if let Some(target) = destination(program, &rule.dest, lead) {
                return Decision::Routed {
                    rule: Some(i),
                    target,
                };
            }
        }
    }
    match program
        .default
        .as_ref()
        .and_then(|d| destination(program, d, lead))
    {
        Some(target) => Decision::Routed { rule: None, target },
        None => Decision::Unmatched,
    }
}
