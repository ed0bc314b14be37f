//! `route explain --why-not QUEUE`: for each rule that can send leads to
//! QUEUE, the smallest change of this lead's values that would make it
//! reach QUEUE through that rule — or why no change can.
//!
//! A change of k fields is searched for with the other fields held in the
//! atoms they are in now: the set (leads the rule is first to take and
//! sends to QUEUE) ∩ (fields outside the change as they are) is asked for a
//! lead, for k = 1, 2, 3.

use super::witness::{self, Found};
use crate::compile::{Mdd, NodeId, Op, TRUE};
use crate::eval::{Decoder, Lead};
use crate::ir::{Decision, Program, Scalar};

/// How far a change may go before we stop looking.
const MAX_FIELDS: usize = 3;

pub struct RuleAnswer {
    pub rule: usize,
    pub change: Change,
}

pub enum Change {
    /// The lead already reaches the queue through this rule.
    None,
    /// Set these columns to these values.
    Set(Vec<(String, String)>),
    /// No lead at all reaches the queue through this rule.
    Never,
    /// More than `MAX_FIELDS` values would have to change, or it could not be decided.
    TooFar,
}

/// `None` when no rule can send leads to `queue`.
pub fn why_not(
    program: &Program,
    raw: &[(String, String)],
    queue: &str,
) -> Option<Vec<RuleAnswer>> {
    let mut m = Mdd::new(program);
    let routes: Vec<NodeId> = (0..program.rules.len()).map(|i| m.rule(i)).collect();
    let reaches = |d: &Decision| matches!(d, Decision::Routed { target, .. } if program.queue_name(target) == queue);
    let to_queue: Vec<NodeId> = routes.iter().map(|r| m.select(*r, &reaches)).collect();
    let candidates: Vec<usize> = (0..program.rules.len())
        .filter(|i| to_queue[*i] != crate::compile::FALSE)
        .collect();
    if candidates.is_empty() {
        return None;
    }
    let lead = decode(program, raw);
    let mut untaken = TRUE;
    let mut answers = Vec::new();
    for i in 0..program.rules.len() {
        let takes = m.apply(Op::Takes, routes[i], routes[i]);
        if candidates.contains(&i) {
            let wanted = m.apply(Op::And, to_queue[i], untaken);
            answers.push(RuleAnswer {
                rule: i,
                change: smallest_change(program, &mut m, wanted, &lead),
            });
        }
        let not_takes = m.apply(Op::Not, takes, takes);
        untaken = m.apply(Op::And, untaken, not_takes);
    }
    Some(answers)
}

fn decode(program: &Program, raw: &[(String, String)]) -> Lead {
    let decoder = Decoder::new(program);
    let mut lead = Lead {
        values: vec![Scalar::Missing; program.bases.len()],
    };
    for (field, f) in program.fields.iter().enumerate() {
        let cell = raw
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(&f.column))
            .map_or("", |(_, v)| v.as_str());
        decoder.decode_field(field, cell, &mut lead);
    }
    lead
}

fn smallest_change(program: &Program, m: &mut Mdd, wanted: NodeId, lead: &Lead) -> Change {
    if let Found::Empty = witness::find(program, m, wanted) {
        return Change::Never;
    }
    let mut fields: Vec<usize> = m.vars.iter().map(|v| program.bases[v.base].field).collect();
    fields.sort_unstable();
    fields.dedup();
    for size in 0..=MAX_FIELDS.min(fields.len()) {
        for changed in subsets(&fields, size) {
            let held = hold_others(program, m, lead, &changed);
            let set = m.apply(Op::And, wanted, held);
            if let Found::Lead(w) = witness::find(program, m, set) {
                if size == 0 {
                    return Change::None;
                }
                let columns: Vec<&str> = changed
                    .iter()
                    .map(|f| program.fields[*f].column.as_str())
                    .collect();
                let mut set: Vec<(String, String)> = w
                    .into_iter()
                    .filter(|(c, _)| columns.contains(&c.as_str()))
                    .collect();
                // A changed field the example leaves out is best left empty.
                for c in columns {
                    if !set.iter().any(|(k, _)| k == c) {
                        set.push((c.to_string(), String::new()));
                    }
                }
                return Change::Set(set);
            }
        }
    }
    Change::TooFar
}

/// Leads whose fields outside `changed` fall in the atoms this lead's do.
fn hold_others(program: &Program, m: &mut Mdd, lead: &Lead, changed: &[usize]) -> NodeId {
    let mut held = TRUE;
    for v in 0..m.vars.len() {
        if changed.contains(&program.bases[m.vars[v].base].field) {
            continue;
        }
        let atom = m.vars[v].atom(program, lead);
        let is = m.atom_is(v as u32, atom);
        held = m.apply(Op::And, held, is);
    }
    held
}

/// Every subset of `items` with `size` elements, in order.
fn subsets(items: &[usize], size: usize) -> Vec<Vec<usize>> {
    if size == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for (i, first) in items.iter().enumerate() {
        for mut rest in subsets(&items[i + 1..], size - 1) {
            rest.insert(0, *first);
            out.push(rest);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsets_of_each_size() {
        assert_eq!(
            subsets(&[1, 2, 3], 2),
            vec![vec![1, 2], vec![1, 3], vec![2, 3]]
        );
        assert_eq!(subsets(&[1, 2], 0), vec![Vec::<usize>::new()]);
    }
}
