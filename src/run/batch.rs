//! Records travel in batches. The reading thread packs them; a decider
//! (the same thread with `--jobs 1`, worker threads otherwise) checks,
//! normalizes and decides every record of a batch; the reading thread then
//! writes the batches back in input order, sharing leads out as it goes
//! (that step reads and changes state, so it stays in one thread and in
//! input order). The output is the same whatever the number of jobs.

use super::samples::{LeadSample, Samples};
use super::{cell_text, check_record, check_shape};
use crate::compile::Dag;
use crate::eval::memo::{Rules, UNKNOWN};
use crate::eval::{Decoder, Lead, Memo, Reading};
use crate::ir::{FieldId, Program, Scalar};
use crate::reader::{Record, RecordReader};
use std::io::{self, Read};

/// Records per batch, and bytes past which a batch is full anyway.
const RECORDS: usize = 1024;
const BYTES: usize = 1 << 20;

/// Records read from the input: their bytes and field ends, copied out of
/// the reader's buffer so that another thread can decide them.
#[derive(Default)]
pub struct Batch {
    raw: Vec<u8>,
    ends: Vec<usize>,
    slots: Vec<Slot>,
}

struct Slot {
    line: u64,
    offset: u64,
    raw_end: usize,
    ends_end: usize,
}

impl Batch {
    /// Reads the next record of `reader` into the batch; false at the end
    /// of the input. The reader puts the record's field ends straight into
    /// the batch's (a copy of them per record cost the reading thread more
    /// than the record's bytes).
    #[inline]
    pub fn read<R: Read>(&mut self, reader: &mut RecordReader<R>) -> io::Result<bool> {
        let Some((line, offset, raw)) = reader.next_record_into(&mut self.ends)? else {
            return Ok(false);
        };
        self.raw.extend_from_slice(raw);
        self.slots.push(Slot {
            line,
            offset,
            raw_end: self.raw.len(),
            ends_end: self.ends.len(),
        });
        Ok(true)
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Empties the batch, keeping its buffers for the next records.
    pub fn clear(&mut self) {
        self.raw.clear();
        self.ends.clear();
        self.slots.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub fn is_full(&self) -> bool {
        self.slots.len() >= RECORDS || self.raw.len() >= BYTES
    }

    /// The batch's bytes as text, when all of them are UTF-8.
    pub fn text(&self) -> Option<&str> {
        simdutf8::basic::from_utf8(&self.raw).ok()
    }

    /// Record `i`'s text, sliced from the batch's (`Batch::text`): valid
    /// UTF-8 split where a character starts is valid on both sides, so one
    /// check of the batch stands for one per record. `None` where the
    /// record starts or ends inside a character.
    pub fn record_text<'t>(&self, text: &'t str, i: usize) -> Option<&'t str> {
        let start = match i {
            0 => 0,
            _ => self.slots[i - 1].raw_end,
        };
        text.get(start..self.slots[i].raw_end)
    }

    pub fn record(&self, i: usize) -> Record<'_> {
        let (raw_start, ends_start) = match i {
            0 => (0, 0),
            _ => (self.slots[i - 1].raw_end, self.slots[i - 1].ends_end),
        };
        let slot = &self.slots[i];
        Record::from_parts(
            slot.line,
            slot.offset,
            &self.raw[raw_start..slot.raw_end],
            &self.ends[ends_start..slot.ends_end],
        )
    }
}

/// What deciding a batch gave.
#[derive(Default)]
pub struct Decided {
    /// What became of each record of the batch. The writing thread copies
    /// the records into the output itself: their bytes are still in its
    /// core's cache, having just been read there (measured: copied here,
    /// with `--jobs 2` they crossed from core to core twice).
    pub routes: Vec<Route>,
    /// Leads to share out, in input order.
    pub shares: Vec<Share>,
    /// The shared leads' keys, one after another (see [`Share::key`]).
    pub keys: String,
    /// The values of the shared leads whose queue reads them, the first
    /// `values_used`; the rest are kept so that copying into them reuses
    /// their memory. (A lead cloned here and dropped by the writing thread
    /// made `--jobs 2` spend a tenth of its time in `malloc` and `free`.)
    values: Vec<Lead>,
    values_used: usize,
    /// Texts of kept values that went missing, kept for the next text
    /// value: a text copied over one reuses its memory, so leads with and
    /// without a value in turn do not allocate and free it again and again.
    spare_texts: Vec<String>,
    /// Records that cannot be routed: their index in the batch and why.
    pub rejects: Vec<(usize, String)>,
    /// Leads per DAG leaf, for the leads not shared out.
    pub per_leaf: Vec<u64>,
    /// Unreadable cells per field.
    pub unreadable: Vec<u64>,
    /// Examples for `--report`, when the decider samples.
    pub samples: Option<Samples>,
}

/// What became of a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Into the rejects (see `Decided::rejects`).
    Rejected,
    /// Routed to a DAG leaf whose route columns are fixed.
    Fixed(usize),
    /// The next of `Decided::shares`.
    Shared,
}

/// A lead whose route columns depend on the state.
pub struct Share {
    pub leaf: usize,
    /// Where the lead's values are in `Decided` (see [`Decided::lead`]),
    /// when sticky owners read them.
    pub lead: Option<usize>,
    /// Its columns are the leaf's own and only the ledger needs the lead.
    pub fixed: bool,
    /// Where its key is in `Decided::keys` (none: no key column, or blank).
    pub key: Option<(usize, usize)>,
}

impl Decided {
    /// A shared lead's key.
    pub fn key(&self, share: &Share) -> Option<&str> {
        share.key.map(|(from, to)| &self.keys[from..to])
    }

    /// A shared lead's values, when its queue reads them.
    pub fn lead(&self, share: &Share) -> Option<&Lead> {
        share.lead.map(|i| &self.values[i])
    }

    /// Keeps a copy of a lead's values; returns where it is.
    fn keep_values(&mut self, lead: &Lead) -> usize {
        let i = self.values_used;
        match self.values.get_mut(i) {
            Some(kept) => {
                kept.values.resize(lead.values.len(), Scalar::Missing);
                for (mine, value) in kept.values.iter_mut().zip(&lead.values) {
                    copy_value(mine, value, &mut self.spare_texts);
                }
            }
            None => self.values.push(lead.clone()),
        }
        self.values_used += 1;
        i
    }
}

/// `mine.clone_from(value)`, except that a text it replaces goes to
/// `spare` and a text it needs comes from there.
fn copy_value(mine: &mut Scalar, value: &Scalar, spare: &mut Vec<String>) {
    match (&mut *mine, value) {
        (Scalar::Text(text), Scalar::Text(new)) => text.clone_from(new),
        (_, Scalar::Text(new)) => {
            let mut text = spare.pop().unwrap_or_default();
            text.clone_from(new);
            set_value(mine, Scalar::Text(text), spare);
        }
        _ => set_value(mine, value.clone(), spare),
    }
}

/// Replaces a value, keeping the text it held in `spare`.
fn set_value(mine: &mut Scalar, value: Scalar, spare: &mut Vec<String>) {
    if let Scalar::Text(text) = std::mem::replace(mine, value) {
        spare.push(text);
    }
}

/// What writing a lead of a DAG leaf involves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeafUse {
    /// Fixed route columns, nothing to remember.
    Fixed,
    /// Fixed route columns, but the lead goes in the ledger (`--state`),
    /// which may hold an earlier assignment for its key.
    Recorded,
    /// A queue that shares leads out: the columns come from the state.
    Shared,
    /// The same, in a queue whose owners are sticky by one of the lead's
    /// values: the distributor reads them.
    SharedByValue,
}

/// Everything deciding a record needs; shared by the worker threads.
pub struct Decider<'a> {
    pub program: &'a Program,
    pub dag: &'a Dag,
    pub decoder: Decoder,
    /// Fields the rules read, and the header column of every field.
    read: Vec<FieldId>,
    columns: Vec<usize>,
    width: usize,
    /// Per leaf: what writing a lead involves.
    uses: Vec<LeafUse>,
    /// The key column, when shared leads need their key (for the ledger).
    key_column: Option<usize>,
    /// Per leaf, whether it is "no rule and no default"; empty when the
    /// decider keeps no examples.
    unmatched_leaves: Vec<bool>,
}

impl<'a> Decider<'a> {
    pub fn new(
        program: &'a Program,
        dag: &'a Dag,
        columns: Vec<usize>,
        width: usize,
        uses: Vec<LeafUse>,
        keys: bool,
    ) -> Self {
        let decoder = Decoder::new(program);
        let read = decoder.fields_read().collect();
        let key_column = program.key_field().map(|f| columns[f]).filter(|_| keys);
        Decider {
            program,
            dag,
            decoder,
            read,
            columns,
            width,
            uses,
            key_column,
            unmatched_leaves: Vec::new(),
        }
    }

    /// Also keep a few examples of unmatched leads and unreadable cells
    /// (`route run --report`).
    pub fn sampling(mut self, on: bool) -> Self {
        self.unmatched_leaves = match on {
            true => (self.dag.leaves.iter())
                .map(|d| matches!(d, crate::ir::Decision::Unmatched))
                .collect(),
            false => Vec::new(),
        };
        self
    }

    fn rules(&self) -> Rules<'_> {
        Rules {
            program: self.program,
            decoder: &self.decoder,
            dag: self.dag,
        }
    }

    /// A memo of repeating cells for one deciding thread.
    pub fn memo(&self) -> Memo {
        Memo::new(self.rules())
    }

    fn sampling_on(&self) -> bool {
        !self.unmatched_leaves.is_empty()
    }

    /// Decides a batch into `decided`, an earlier batch's buffers (or a
    /// default one), which it clears first: batch after batch, no buffer
    /// grows again from nothing.
    pub fn decide(&self, batch: &Batch, memo: &mut Memo, mut decided: Decided) -> Decided {
        decided.routes.clear();
        decided.shares.clear();
        decided.keys.clear();
        decided.values_used = 0;
        decided.rejects.clear();
        decided.per_leaf.clear();
        decided.per_leaf.resize(self.dag.leaves.len(), 0);
        decided.unreadable.clear();
        decided.unreadable.resize(self.program.fields.len(), 0);
        decided.samples = self
            .sampling_on()
            .then(|| Samples::new(self.program.fields.len()));
        let mut lead = Lead {
            values: vec![Scalar::Missing; self.decoder.bases_len()],
        };
        // At least one: clearing an empty vector hands `memset` a dangling
        // pointer, which this machine's AVX-512 `memset` turns into a slow
        // masked store (measured: 30% of a run whose rules read nothing).
        let mut atoms = vec![UNKNOWN; self.dag.vars.len().max(1)];
        let batch_text = batch.text();
        for i in 0..batch.len() {
            let record = batch.record(i);
            let checked = match batch_text.and_then(|t| batch.record_text(t, i)) {
                Some(text) => check_shape(&record, self.width).map(|()| text),
                None => check_record(&record, self.width),
            };
            let text = match checked {
                Ok(text) => text,
                Err(reason) => {
                    decided.rejects.push((i, reason));
                    decided.routes.push(Route::Rejected);
                    continue;
                }
            };
            atoms.fill(UNKNOWN);
            for &field in &self.read {
                let cell = cell_text(&record, text, self.columns[field]);
                let reading = memo.read(self.rules(), field, &cell, &mut lead, &mut atoms);
                if reading == Reading::Unreadable {
                    decided.unreadable[field] += 1;
                    if let Some(samples) = decided.samples.as_mut() {
                        samples.add_unreadable(field, record.line, &cell);
                    }
                }
            }
            let leaf = self.dag.decide_leaf_with(|var| {
                let atom = &mut atoms[var as usize];
                if *atom == UNKNOWN {
                    *atom = self.dag.atom(self.program, var, &lead);
                }
                *atom
            });
            if let Some(samples) = decided.samples.as_mut() {
                if self.unmatched_leaves[leaf] && samples.wants_unmatched() {
                    samples.add_unmatched(self.lead_sample(&record, text));
                }
            }
            if self.uses[leaf] == LeafUse::Fixed {
                decided.per_leaf[leaf] += 1;
                decided.routes.push(Route::Fixed(leaf));
                continue;
            }
            decided.routes.push(Route::Shared);
            let key = self
                .key_column
                .map(|c| cell_text(&record, text, c))
                .filter(|k| !crate::values::trim(k).is_empty())
                .map(|k| {
                    let from = decided.keys.len();
                    decided.keys.push_str(crate::values::trim(&k));
                    (from, decided.keys.len())
                });
            let values =
                (self.uses[leaf] == LeafUse::SharedByValue).then(|| decided.keep_values(&lead));
            decided.shares.push(Share {
                leaf,
                lead: values,
                fixed: self.uses[leaf] == LeafUse::Recorded,
                key,
            });
        }
        decided
    }

    /// A lead's line and its cell in every field's column.
    fn lead_sample(&self, record: &Record, text: &str) -> LeadSample {
        LeadSample {
            line: record.line,
            cells: (self.columns.iter())
                .map(|&c| cell_text(record, text, c).into_owned())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lead(values: &[Scalar]) -> Lead {
        Lead {
            values: values.to_vec(),
        }
    }

    /// The text of the first kept lead's first value.
    fn first_text(decided: &Decided) -> &String {
        match &decided.values[0].values[0] {
            Scalar::Text(t) => t,
            other => panic!("a text was kept as {other:?}"),
        }
    }

    #[test]
    fn kept_values_are_copies_and_texts_are_reused() {
        let text = |t: &str| Scalar::Text(t.to_string());
        let leads = [
            lead(&[text("acme.example"), Scalar::Num(5)]),
            lead(&[Scalar::Missing, Scalar::Code(*b"US")]),
            lead(&[text("a.example"), Scalar::Missing]),
            lead(&[text("a-much-longer-name.example"), text("x")]),
        ];
        let mut decided = Decided::default();
        for (n, lead) in leads.iter().enumerate() {
            // Batch after batch, each lead into the first slot.
            decided.values_used = 0;
            let i = decided.keep_values(lead);
            assert_eq!(decided.lead(&share(i)), Some(lead));
            match n {
                1 => assert_eq!(decided.spare_texts, ["acme.example"]),
                // The text that went missing came back with its memory: a
                // new copy of `a.example` would hold 9 bytes, not 12.
                2 => {
                    assert!(decided.spare_texts.is_empty());
                    assert!(first_text(&decided).capacity() >= "acme.example".len());
                }
                _ => {}
            }
        }
        assert_eq!(first_text(&decided), "a-much-longer-name.example");
        assert_eq!(decided.values.len(), 1);
    }

    fn share(lead: usize) -> Share {
        Share {
            leaf: 0,
            lead: Some(lead),
            fixed: false,
            key: None,
        }
    }
}
