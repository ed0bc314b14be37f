//! One lead routed on its own, as `route serve` answers a request: the
//! steps a row of `route run` goes through — its cells normalized, the DAG
//! walked, the lead shared out in its queue — with the same distributor
//! and store, so both give the same answers.

use super::Sharing;
use crate::compile::Dag;
use crate::distribute::Outcome;
use crate::eval::{Decoder, Lead, Reading};
use crate::ir::{FieldId, Program};

pub struct Routed {
    pub outcome: Outcome,
    /// Fields whose cell could not be read as their type (treated as missing).
    pub unreadable: Vec<FieldId>,
}

/// Routes a lead given as one cell per field (`None`: no such column);
/// `trace` gets the distribution's steps in words.
pub fn route_one(
    program: &Program,
    dag: &Dag,
    decoder: &Decoder,
    cells: &[Option<String>],
    sharing: Sharing,
    trace: Option<&mut String>,
) -> Routed {
    let cell = |field: FieldId| cells.get(field).and_then(Option::as_deref).unwrap_or("");
    let mut lead = Lead::default();
    let mut unreadable = Vec::new();
    for field in decoder.fields_read() {
        if decoder.decode_field(field, cell(field), &mut lead) == Reading::Unreadable {
            unreadable.push(field);
        }
    }
    let leaf = dag.decide_leaf(program, &lead);
    // As in `route run`: only a lasting state keeps a ledger of keys.
    let key = program
        .key_field()
        .filter(|_| sharing.persistent)
        .map(|f| cell(f).trim())
        .filter(|k| !k.is_empty());
    let outcome = sharing
        .distributor
        .assign(sharing.store, &dag.leaves[leaf], &lead, key, trace);
    Routed {
        outcome,
        unreadable,
    }
}
