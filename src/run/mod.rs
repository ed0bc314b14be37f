//! `route run`: lead CSV in, routed CSV out, rejects and a summary.
//!
//! Records stay raw bytes: the output copies each input record byte for
//! byte and appends `route_queue,route_owner,route_rule`; only the cells
//! the rules read are decoded.

mod columns;
mod output;
mod pick;
mod rejects;
mod sizing;
mod summary;
pub mod transcode;

pub use output::OutputFile;
pub use pick::{lead_at, Pick};
pub use rejects::Rejects;
pub use sizing::size_findings;
pub use summary::Summary;

use crate::compile::Dag;
use crate::distribute::{Distributor, Store};
use crate::eval::{Decoder, Lead, Reading};
use crate::ir::{Decision, Program, Target};
use crate::reader::{Record, RecordReader};
use std::borrow::Cow;
use std::io::{self, Read, Write};

/// Text encodings of lead files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// `windows-1252` or `latin1`: decoded to UTF-8 as it is read.
    Windows1252,
}

impl Encoding {
    pub fn from_label(label: &str) -> Option<Encoding> {
        match label.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            "windows-1252" | "cp1252" | "latin1" | "latin-1" | "iso-8859-1" => {
                Some(Encoding::Windows1252)
            }
            _ => None,
        }
    }
}

/// Why a run could not go on (exit 2).
#[derive(Debug)]
pub struct RunError {
    pub message: String,
    pub help: Option<String>,
}

impl RunError {
    fn io(what: &str, e: io::Error) -> Self {
        RunError {
            message: format!("{what}: {e}"),
            help: None,
        }
    }
}

/// Routes every record of `input` into `output`; unreadable rows go to `rejects`.
/// How leads are shared out inside queues: the rules' distributor and the
/// state it reads and writes.
pub struct Sharing<'a, 'p> {
    pub distributor: &'a Distributor<'p>,
    pub store: &'a mut dyn Store,
    /// The state outlives the run (`--state`): every lead goes in the ledger.
    pub persistent: bool,
}

pub fn route_csv(
    program: &Program,
    dag: &Dag,
    input: impl Read,
    encoding: Encoding,
    output: impl Write,
    rejects: &mut Rejects,
    sharing: Sharing,
) -> Result<Summary, RunError> {
    let input: Box<dyn Read> = match encoding {
        Encoding::Utf8 => Box::new(input),
        Encoding::Windows1252 => Box::new(transcode::Windows1252::new(input)),
    };
    let mut reader = RecordReader::new(input);
    let mut out = io::BufWriter::with_capacity(1 << 18, output);
    let read_error = |e| RunError::io("cannot read the input", e);
    let write_error = |e| RunError::io("cannot write the output", e);
    let Some(header) = reader.next_record().map_err(read_error)? else {
        return Err(RunError {
            message: "the input is empty: it has no header row".into(),
            help: Some("the first line of a lead file names its columns".into()),
        });
    };
    let header_cells = columns::header_cells(&header)?;
    let columns = columns::match_fields(program, &header_cells)?;
    out.write_all(header.raw).map_err(write_error)?;
    out.write_all(b",route_queue,route_owner,route_rule\n")
        .map_err(write_error)?;

    let decoder = Decoder::new(program);
    let read: Vec<usize> = decoder.fields_read().collect();
    let mut summary = Summary::new(program);
    let mut lead = Lead::default();
    // The three route columns depend only on the decision: write each once.
    let suffixes: Vec<Vec<u8>> = dag
        .leaves
        .iter()
        .map(|d| route_columns(program, d))
        .collect();
    let mut per_leaf = vec![0u64; dag.leaves.len()];
    let uses_state: Vec<bool> = dag
        .leaves
        .iter()
        .map(|d| sharing.distributor.uses_state(d))
        .collect();
    let key_column = program.key_field().map(|f| columns[f]);
    let mut line_out = Vec::with_capacity(128);
    while let Some(record) = reader.next_record().map_err(read_error)? {
        summary.rows_in += 1;
        let text = match check_record(&record, header_cells.len()) {
            Ok(text) => text,
            Err(reason) => {
                // The rejects file keeps the record's original bytes.
                let original = match encoding {
                    Encoding::Utf8 => Cow::Borrowed(record.raw),
                    Encoding::Windows1252 => transcode::to_windows_1252(record.raw),
                };
                rejects
                    .reject(record.line, &reason, &original)
                    .map_err(|e| RunError::io("cannot write the rejects file", e))?;
                summary.rejected += 1;
                continue;
            }
        };
        for &field in &read {
            let cell = cell_text(&record, text, columns[field]);
            if decoder.decode_field(field, &cell, &mut lead) == Reading::Unreadable {
                summary.unreadable[field] += 1;
            }
        }
        let leaf = dag.decide_leaf(program, &lead);
        let decision = &dag.leaves[leaf];
        out.write_all(record.raw).map_err(write_error)?;
        if !sharing.persistent && !uses_state[leaf] {
            // Nothing to share out and nothing to remember: the columns are fixed.
            per_leaf[leaf] += 1;
            out.write_all(&suffixes[leaf]).map_err(write_error)?;
            continue;
        }
        // Only a lasting state keeps a ledger: a run without one stays in
        // constant memory, so repeated keys in one file are routed again.
        let key = key_column
            .filter(|_| sharing.persistent)
            .map(|c| cell_text(&record, text, c).trim().to_string())
            .filter(|k| !k.is_empty());
        let outcome =
            sharing
                .distributor
                .assign(sharing.store, decision, &lead, key.as_deref(), None);
        summary.count_outcome(&outcome);
        let a = &outcome.assignment;
        line_out.clear();
        for cell in [&a.queue, &a.owner, &a.rule] {
            line_out.push(b',');
            write_cell(cell, &mut line_out);
        }
        line_out.push(b'\n');
        out.write_all(&line_out).map_err(write_error)?;
    }
    out.flush().map_err(write_error)?;
    for (decision, n) in dag.leaves.iter().zip(per_leaf) {
        summary.count(decision, program, n);
    }
    Ok(summary)
}

/// A cell's text. The record is valid UTF-8 and cells end at ASCII
/// delimiters, so a cell is a slice of the record's text unless it had to
/// be unescaped.
fn cell_text<'a>(record: &Record<'a>, text: &'a str, i: usize) -> Cow<'a, str> {
    match record.field(i) {
        Some(Cow::Borrowed(bytes)) => {
            let start = bytes.as_ptr() as usize - record.raw.as_ptr() as usize;
            Cow::Borrowed(text.get(start..start + bytes.len()).unwrap_or_default())
        }
        Some(Cow::Owned(bytes)) => Cow::Owned(String::from_utf8(bytes).unwrap_or_default()),
        None => Cow::Borrowed(""),
    }
}

/// The record's text, or why it cannot be routed.
fn check_record<'a>(record: &Record<'a>, width: usize) -> Result<&'a str, String> {
    let text = std::str::from_utf8(record.raw).map_err(|e| {
        let good = &record.raw[..e.valid_up_to()];
        let column = String::from_utf8_lossy(good).chars().count() + 1;
        format!(
            "not UTF-8: byte 0x{:02X} at character {column} (try --encoding windows-1252)",
            record.raw[e.valid_up_to()]
        )
    })?;
    if record.len() != width {
        return Err(format!(
            "ragged row: {} fields, the header has {width}",
            record.len()
        ));
    }
    Ok(text)
}

/// `,route_queue,route_owner,route_rule` and the line break, for a decision.
fn route_columns(program: &Program, decision: &Decision) -> Vec<u8> {
    let (queue, owner, rule) = match decision {
        Decision::Unmatched => ("", "", ""),
        Decision::Routed { rule, target } => {
            let owner = match target {
                Target::Owner { owner, .. } => owner.as_str(),
                Target::Queue(_) => "",
            };
            let rule = rule.map_or("default", |r| program.rules[r].name.as_str());
            (program.queue_name(target), owner, rule)
        }
    };
    let mut out = Vec::new();
    for cell in [queue, owner, rule] {
        out.push(b',');
        write_cell(cell, &mut out);
    }
    out.push(b'\n');
    out
}

/// A CSV cell, quoted only when it must be.
pub fn write_cell(cell: &str, out: &mut Vec<u8>) {
    if cell
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
        || cell.starts_with(' ')
        || cell.ends_with(' ')
    {
        out.push(b'"');
        for b in cell.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(cell.as_bytes());
    }
}
