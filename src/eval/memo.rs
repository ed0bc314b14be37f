//! `route run`'s memo of repeating cells. A lead file holds a few hundred
//! spellings of its countries and states: each distinct cell is normalized
//! once, and the memo keeps what it gave — the reading, the values and the
//! DAG atoms they fall in — so a repeat skips the normalizer and the atom
//! lookups alike. A field whose cells
//! rarely repeat (phone numbers) stops being looked up once that shows.

use super::cells::{self, Cells};
use super::{Decoder, Lead, Reading};
use crate::compile::Dag;
use crate::ir::{FieldId, Program, Scalar};

/// An atom not yet known for the lead being read.
pub const UNKNOWN: u32 = u32::MAX;

/// Distinct cells kept per field.
const CELLS: usize = 4096;
/// Once a field's memo is full, a run of this many lookups with fewer than
/// half of them hits turns it off.
const WINDOW: u64 = 4096;

pub struct Memo {
    fields: Vec<Option<FieldMemo>>,
}

struct FieldMemo {
    /// The bases the field feeds, and the DAG variables over them.
    bases: Box<[usize]>,
    vars: Box<[u32]>,
    /// Cells of up to `cells::MAX_LEN` bytes; longer ones are decoded
    /// every time.
    cells: Cells<Memoized>,
    lookups: u64,
    hits: u64,
}

struct Memoized {
    reading: Reading,
    values: Box<[Scalar]>,
    atoms: Box<[u32]>,
}

/// What the memo reads with: the rules, their decoder and their DAG.
#[derive(Clone, Copy)]
pub struct Rules<'a> {
    pub program: &'a Program,
    pub decoder: &'a Decoder,
    pub dag: &'a Dag,
}

impl Memo {
    /// Only fields worth it are kept (see `Decoder::worth_remembering`).
    pub fn new(rules: Rules) -> Memo {
        let fields = (0..rules.program.fields.len())
            .map(|field| {
                let bases: Box<[usize]> = rules.decoder.bases_of(field).collect();
                let worth = !bases.is_empty() && rules.decoder.worth_remembering(field);
                worth.then(|| FieldMemo {
                    vars: (0..rules.dag.vars.len() as u32)
                        .filter(|v| bases.contains(&rules.dag.vars[*v as usize].base))
                        .collect(),
                    bases,
                    cells: Cells::new(CELLS),
                    lookups: 0,
                    hits: 0,
                })
            })
            .collect();
        Memo { fields }
    }

    /// Reads a field's cell into the lead's values (sized for every base).
    /// A remembered cell also sets its variables' atoms in `atoms`; the
    /// others stay as they were.
    pub fn read(
        &mut self,
        rules: Rules,
        field: FieldId,
        raw: &str,
        lead: &mut Lead,
        atoms: &mut [u32],
    ) -> Reading {
        let Some(Some(memo)) = self.fields.get_mut(field) else {
            return rules.decoder.decode_field(field, raw, lead);
        };
        memo.lookups += 1;
        if let Some(hit) = memo.cells.get(raw) {
            memo.hits += 1;
            for (base, value) in memo.bases.iter().zip(&hit.values) {
                lead.values[*base] = value.clone();
            }
            for (var, atom) in memo.vars.iter().zip(&hit.atoms) {
                atoms[*var as usize] = *atom;
            }
            return hit.reading;
        }
        let reading = rules.decoder.decode_field(field, raw, lead);
        if !memo.cells.is_full() && raw.len() <= cells::MAX_LEN {
            let found = Memoized {
                reading,
                values: memo.bases.iter().map(|b| lead.values[*b].clone()).collect(),
                atoms: (memo.vars.iter())
                    .map(|v| rules.dag.atom(rules.program, *v, lead))
                    .collect(),
            };
            for (var, atom) in memo.vars.iter().zip(&found.atoms) {
                atoms[*var as usize] = *atom;
            }
            memo.cells.insert(raw, found);
        } else if memo.cells.is_full() && memo.lookups >= WINDOW {
            if memo.hits < memo.lookups / 2 {
                self.fields[field] = None;
            } else {
                (memo.lookups, memo.hits) = (0, 0);
            }
        }
        reading
    }
}
