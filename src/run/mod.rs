//! `route run`: lead CSV in, routed CSV out, rejects and a summary.
//!
//! Records stay raw bytes: the output copies each input record byte for
//! byte and appends `route_queue,route_owner,route_rule`; only the cells
//! the rules read are decoded.

mod batch;
pub mod clash;
pub(crate) mod columns;
mod one;
mod output;
mod pick;
mod rejects;
pub mod samples;
mod sizing;
mod summary;
pub mod transcode;

pub use one::{route_one, Routed};
pub use output::OutputFile;
pub use pick::{lead_at, Pick};
pub use rejects::Rejects;
pub use sizing::size_findings;
pub use summary::Summary;

use crate::compile::Dag;
use crate::distribute::{Assignment, Distributor, Outcome, Store};
use crate::eval::Lead;
use crate::ir::{Decision, Program, Target};
use crate::reader::{Record, RecordReader};
use batch::{Batch, Decided, Decider, LeafUse, Route, Share};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::sync::mpsc::{channel, sync_channel, TrySendError};
use std::sync::Mutex;

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

/// How leads are shared out inside queues: the rules' distributor and the
/// state it reads and writes.
pub struct Sharing<'a, 'p> {
    pub distributor: &'a Distributor<'p>,
    pub store: &'a mut dyn Store,
    /// The state outlives the run (`--state`): every lead goes in the ledger.
    pub persistent: bool,
}

/// How a run reads its input and how many threads decide leads.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub encoding: Encoding,
    /// Threads that normalize and decide leads; 1 decides in the reading
    /// thread. The output is the same for every value.
    pub jobs: usize,
    /// `--excel-safe`: neutralize output cells a spreadsheet would run as
    /// formulas.
    pub excel_safe: bool,
    /// Keep a few examples of unmatched leads, unreadable cells and
    /// rejects in the summary (`--report`).
    pub samples: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            encoding: Encoding::Utf8,
            jobs: 1,
            excel_safe: false,
            samples: false,
        }
    }
}

/// Batches read but not yet written, per thread: enough that no thread
/// waits for another's batch (with 2, the second core idled a fifth of the
/// time), few enough that memory stays flat.
const IN_FLIGHT_PER_JOB: usize = 4;

/// Routes every record of `input` into `output`; unreadable rows go to `rejects`.
pub fn route_csv(
    program: &Program,
    dag: &Dag,
    input: impl Read,
    options: Options,
    output: impl Write,
    rejects: &mut Rejects,
    sharing: Sharing,
) -> Result<Summary, RunError> {
    route_csv_told(program, dag, input, options, output, rejects, sharing, None)
}

/// Told of every lead a CSV run routes, in input order: `route serve`
/// names each one's decision and logs it.
pub trait Told {
    /// Before a lead is shared out: the store may be told its decision.
    fn deciding(&mut self, store: &mut dyn Store);
    /// After: the lead's key (`None`: it has none) and what it was given.
    fn decided(&mut self, key: Option<&str>, outcome: &crate::distribute::Outcome);
}

/// [`route_csv`], telling `told` of every lead routed.
#[allow(clippy::too_many_arguments)]
pub fn route_csv_told<'a>(
    program: &'a Program,
    dag: &'a Dag,
    input: impl Read,
    options: Options,
    output: impl Write,
    rejects: &'a mut Rejects,
    sharing: Sharing,
    told: Option<&'a mut dyn Told>,
) -> Result<Summary, RunError> {
    let input: Box<dyn Read> = match options.encoding {
        Encoding::Utf8 => Box::new(input),
        Encoding::Windows1252 => Box::new(transcode::Windows1252::new(input)),
    };
    let mut reader = RecordReader::new(input);
    // Unbuffered: each batch goes out in one write (see `Writer::write`),
    // so no buffer would hold more than the header.
    let mut out = output;
    let Some(header) = reader.next_record().map_err(read_error)? else {
        return Err(RunError {
            message: "the input is empty: it has no header row".into(),
            help: Some("the first line of a lead file names its columns".into()),
        });
    };
    let header_cells = columns::header_cells(&header)?;
    let columns = columns::match_fields(program, &header_cells)?;
    let mut header_out = Vec::new();
    push_record(&header, options.excel_safe, &mut header_out);
    header_out.extend_from_slice(b",route_queue,route_owner,route_rule\n");
    out.write_all(&header_out).map_err(write_error)?;
    // Only a lasting state keeps a ledger: a run without one stays in
    // constant memory, so repeated keys in one file are routed again.
    let uses = dag
        .leaves
        .iter()
        .map(|d| {
            let distributor = sharing.distributor;
            match (distributor.uses_state(d), sharing.persistent) {
                (true, _) if distributor.reads_values(d) => LeafUse::SharedByValue,
                (true, _) => LeafUse::Shared,
                (false, true) => LeafUse::Recorded,
                // Told of every lead: each goes past the writer.
                (false, false) if told.is_some() => LeafUse::Recorded,
                (false, false) => LeafUse::Fixed,
            }
        })
        .collect();
    let decider = OwnLines(
        Decider::new(
            program,
            dag,
            columns,
            header_cells.len(),
            uses,
            sharing.persistent || told.is_some(),
        )
        .sampling(options.samples),
    );
    let decider = &decider.0;
    let mut summary = Summary::new(program);
    if options.samples {
        summary.samples = Some(samples::Samples::new(program.fields.len()));
    }
    let mut writer = Writer {
        program,
        dag,
        encoding: options.encoding,
        out,
        rejects,
        sharing,
        told,
        summary,
        per_leaf: vec![0; dag.leaves.len()],
        outcomes: Outcomes::default(),
        buffer: Vec::new(),
        excel_safe: options.excel_safe,
        suffixes: (dag.leaves.iter())
            .map(|d| route_columns(program, d, options.excel_safe))
            .collect(),
        fixed: vec![None; dag.leaves.len()],
        no_lead: Lead::default(),
    };
    if options.jobs <= 1 {
        let mut memo = decider.memo();
        let (mut batch, mut decided) = (Batch::default(), Decided::default());
        loop {
            next_batch(&mut reader, &mut batch)?;
            if batch.is_empty() {
                break;
            }
            decided = decider.decide(&batch, &mut memo, decided);
            decided = writer.write(&batch, decided)?;
        }
    } else {
        in_parallel(decider, &mut reader, &mut writer, options.jobs)?;
    }
    writer.finish()
}

/// A value alone on its cache lines (two, for the neighbour a core
/// fetches with each). The deciding threads read the `Decider` for every
/// record while this thread writes the reader, its neighbour on the stack,
/// for every record: the reader's flags and the decider's first fields
/// shared a line, which went from core to core twice a record (measured:
/// `--jobs 2` 0.287 → 0.198 s for 1M leads in the bench).
#[repr(align(128))]
struct OwnLines<T>(T);

fn read_error(e: io::Error) -> RunError {
    RunError::io("cannot read the input", e)
}

fn write_error(e: io::Error) -> RunError {
    RunError::io("cannot write the output", e)
}

/// Fills `batch` (emptied first) with the next records.
fn next_batch<R: Read>(reader: &mut RecordReader<R>, batch: &mut Batch) -> Result<(), RunError> {
    batch.clear();
    while !batch.is_full() && batch.read(reader).map_err(read_error)? {}
    Ok(())
}

/// Decides batches on `jobs` threads and writes them in input order: this
/// thread reads and writes, `jobs - 1` workers decide, and when every
/// worker is busy this thread decides the batch itself. `jobs` threads in
/// all, so none waits for a core while another idles.
fn in_parallel<R: Read, W: Write>(
    decider: &Decider,
    reader: &mut RecordReader<R>,
    writer: &mut Writer<W>,
    jobs: usize,
) -> Result<(), RunError> {
    // Written batches and their buffers come back here to be filled again.
    type Work = (u64, Batch, Decided);
    let workers = jobs.saturating_sub(1).max(1);
    // Room for a few batches per worker, so that a worker finds the next
    // one waiting; when the queue is full, this thread decides instead.
    let (work, queue) = sync_channel::<Work>(4 * workers);
    let queue = Mutex::new(queue);
    let (done, finished) = channel::<(u64, Batch, Decided)>();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let (queue, done) = (&queue, done.clone());
            scope.spawn(move || {
                let mut memo = decider.memo();
                loop {
                    let next = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok((seq, batch, buffers)) = next else {
                        break;
                    };
                    let decided = decider.decide(&batch, &mut memo, buffers);
                    if done.send((seq, batch, decided)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done);
        // Decided batches wait here until every earlier one is written.
        let mut waiting = BTreeMap::new();
        let mut spare: Vec<(Batch, Decided)> = Vec::new();
        let (mut sent, mut written) = (0u64, 0u64);
        let mut write_ready = |waiting: &mut BTreeMap<u64, (Batch, Decided)>,
                               spare: &mut Vec<(Batch, Decided)>,
                               written: &mut u64|
         -> Result<(), RunError> {
            while let Some((batch, decided)) = waiting.remove(written) {
                let decided = writer.write(&batch, decided)?;
                spare.push((batch, decided));
                *written += 1;
            }
            Ok(())
        };
        let mut memo = decider.memo();
        loop {
            let (mut batch, buffers) = spare.pop().unwrap_or_default();
            next_batch(reader, &mut batch)?;
            if batch.is_empty() {
                break;
            }
            match work.try_send((sent, batch, buffers)) {
                Ok(()) => {}
                Err(TrySendError::Full((seq, batch, buffers))) => {
                    let decided = decider.decide(&batch, &mut memo, buffers);
                    waiting.insert(seq, (batch, decided));
                }
                Err(TrySendError::Disconnected(_)) => break,
            }
            sent += 1;
            while let Ok((seq, batch, decided)) = finished.try_recv() {
                waiting.insert(seq, (batch, decided));
            }
            write_ready(&mut waiting, &mut spare, &mut written)?;
            // Bounded memory: wait for the oldest batch when too many are out.
            while sent - written >= (jobs * IN_FLIGHT_PER_JOB) as u64 {
                let Ok((seq, batch, decided)) = finished.recv() else {
                    break;
                };
                waiting.insert(seq, (batch, decided));
                write_ready(&mut waiting, &mut spare, &mut written)?;
            }
        }
        drop(work);
        while written < sent {
            let Ok((seq, batch, decided)) = finished.recv() else {
                break;
            };
            waiting.insert(seq, (batch, decided));
            write_ready(&mut waiting, &mut spare, &mut written)?;
        }
        Ok(())
    })
}

/// Shared-out leads per outcome (assignment, `unowned`, `repeated`), and
/// each outcome's route columns.
#[derive(Default)]
struct Outcomes {
    ids: rustc_hash::FxHashMap<(Assignment, bool, bool), usize>,
    /// Per id: leads, and the route columns with the line break.
    tallies: Vec<(u64, Vec<u8>)>,
}

impl Outcomes {
    /// Counts a lead's outcome; returns the outcome's id.
    fn count(&mut self, outcome: Outcome, excel_safe: bool) -> usize {
        let key = (outcome.assignment, outcome.unowned, outcome.repeated);
        let id = match self.ids.get(&key) {
            Some(id) => *id,
            None => {
                let mut line = Vec::new();
                for cell in [&key.0.queue, &key.0.owner, &key.0.rule] {
                    line.push(b',');
                    write_output_cell(cell, excel_safe, &mut line);
                }
                line.push(b'\n');
                self.tallies.push((0, line));
                self.ids.insert(key, self.tallies.len() - 1);
                self.tallies.len() - 1
            }
        };
        self.tallies[id].0 += 1;
        id
    }

    /// An outcome's route columns.
    fn line(&self, id: usize) -> &[u8] {
        &self.tallies[id].1
    }

    /// Every outcome with its number of leads.
    fn into_counts(self) -> impl Iterator<Item = (Outcome, u64)> {
        let tallies = self.tallies;
        (self.ids.into_iter()).map(move |((assignment, unowned, repeated), id)| {
            let outcome = Outcome {
                assignment,
                unowned,
                repeated,
            };
            (outcome, tallies[id].0)
        })
    }
}

/// The route columns a shared-out lead gets: its leaf's own, or an
/// outcome's (see `Outcomes`).
enum Shared {
    Leaf(usize),
    Outcome(usize),
}

/// Writes decided batches in input order: rejects, shared-out leads, counts.
struct Writer<'a, 's, 'p, W: Write> {
    program: &'a Program,
    dag: &'a Dag,
    encoding: Encoding,
    out: W,
    rejects: &'a mut Rejects,
    sharing: Sharing<'s, 'p>,
    told: Option<&'a mut dyn Told>,
    summary: Summary,
    per_leaf: Vec<u64>,
    /// Leads per outcome of sharing out, with the outcome's route columns:
    /// a few hundred outcomes at most, each counted into the summary once.
    outcomes: Outcomes,
    /// The output of the batch being written.
    buffer: Vec<u8>,
    excel_safe: bool,
    /// Per leaf, its fixed route columns.
    suffixes: Vec<Vec<u8>>,
    /// Per leaf whose route columns are fixed, its assignment, once a lead
    /// got it (see [`crate::distribute::Distributor::assign_fixed`]).
    fixed: Vec<Option<Assignment>>,
    /// The values given for leads whose queue does not read them.
    no_lead: Lead,
}

impl<W: Write> Writer<'_, '_, '_, W> {
    /// Writes a decided batch; gives back its buffers for reuse.
    fn write(&mut self, batch: &Batch, mut decided: Decided) -> Result<Decided, RunError> {
        if let (Some(mine), Some(found)) = (self.summary.samples.as_mut(), decided.samples.take()) {
            mine.merge(found);
        }
        self.summary.rows_in += batch.len() as u64;
        for (i, reason) in &decided.rejects {
            let record = batch.record(*i);
            // The rejects file keeps the record's original bytes.
            let original = match self.encoding {
                Encoding::Utf8 => Cow::Borrowed(record.raw),
                Encoding::Windows1252 => transcode::to_windows_1252(record.raw),
            };
            self.rejects
                .reject(record.line, reason, &original)
                .map_err(|e| RunError::io("cannot write the rejects file", e))?;
            self.summary.rejected += 1;
            if let Some(samples) = self.summary.samples.as_mut() {
                samples.add_reject(record.line, reason);
            }
        }
        // Each record with its route columns, then the batch in one write.
        self.buffer.clear();
        let mut shares = decided.shares.iter();
        for (i, route) in decided.routes.iter().enumerate() {
            let columns = match *route {
                Route::Rejected => continue,
                Route::Fixed(leaf) => &self.suffixes[leaf],
                Route::Shared => {
                    let Some(share) = shares.next() else {
                        continue;
                    };
                    match self.share_out(share, &decided) {
                        Shared::Leaf(leaf) => &self.suffixes[leaf],
                        Shared::Outcome(id) => self.outcomes.line(id),
                    }
                }
            };
            push_record(&batch.record(i), self.excel_safe, &mut self.buffer);
            self.buffer.extend_from_slice(columns);
        }
        self.out.write_all(&self.buffer).map_err(write_error)?;
        for (total, n) in self.per_leaf.iter_mut().zip(&decided.per_leaf) {
            *total += n;
        }
        for (total, n) in self.summary.unreadable.iter_mut().zip(&decided.unreadable) {
            *total += n;
        }
        Ok(decided)
    }

    /// Shares a lead out: the route columns it gets.
    fn share_out(&mut self, share: &Share, decided: &Decided) -> Shared {
        // Keys are read for `told` too; only a lasting state keeps a ledger.
        let key = decided.key(share);
        let ledger_key = key.filter(|_| self.sharing.persistent);
        let decision = &self.dag.leaves[share.leaf];
        if let (Some(fixed), None) = (&self.fixed[share.leaf], &self.told) {
            let distributor = self.sharing.distributor;
            return match distributor.assign_fixed(self.sharing.store, decision, ledger_key, fixed) {
                None => {
                    self.per_leaf[share.leaf] += 1;
                    Shared::Leaf(share.leaf)
                }
                Some(outcome) => Shared::Outcome(self.outcomes.count(outcome, self.excel_safe)),
            };
        }
        if let Some(told) = self.told.as_mut() {
            told.deciding(self.sharing.store);
        }
        let outcome = self.sharing.distributor.assign(
            self.sharing.store,
            decision,
            decided.lead(share).unwrap_or(&self.no_lead),
            ledger_key,
            None,
        );
        if let Some(told) = self.told.as_mut() {
            told.decided(key, &outcome);
        }
        if share.fixed && !outcome.repeated {
            // Recorded in the ledger, but the columns are the leaf's own.
            self.fixed[share.leaf].get_or_insert_with(|| outcome.assignment.clone());
            self.per_leaf[share.leaf] += 1;
            return Shared::Leaf(share.leaf);
        }
        Shared::Outcome(self.outcomes.count(outcome, self.excel_safe))
    }

    fn finish(mut self) -> Result<Summary, RunError> {
        self.out.flush().map_err(write_error)?;
        for (outcome, n) in self.outcomes.into_counts() {
            self.summary.count_outcome(&outcome, n);
        }
        for (decision, n) in self.dag.leaves.iter().zip(&self.per_leaf) {
            self.summary.count(decision, self.program, *n);
        }
        Ok(self.summary)
    }
}

/// A cell's text. The record is valid UTF-8 and cells end at ASCII
/// delimiters, so a cell is a slice of the record's text unless it had to
/// be unescaped.
#[inline]
pub(crate) fn cell_text<'a>(record: &Record<'a>, text: &'a str, i: usize) -> Cow<'a, str> {
    match record.value_span(i) {
        Some(Ok(span)) => Cow::Borrowed(text.get(span).unwrap_or_default()),
        Some(Err(bytes)) => Cow::Owned(String::from_utf8(bytes).unwrap_or_default()),
        None => Cow::Borrowed(""),
    }
}

/// The record's text, or why it cannot be routed.
pub(crate) fn check_record<'a>(record: &Record<'a>, width: usize) -> Result<&'a str, String> {
    // The SIMD check is several times faster on the common valid record;
    // std's tells where a bad byte is.
    if let Ok(text) = simdutf8::basic::from_utf8(record.raw) {
        return check_shape(record, width).map(|()| text);
    }
    let text = std::str::from_utf8(record.raw).map_err(|e| {
        let good = &record.raw[..e.valid_up_to()];
        let column = String::from_utf8_lossy(good).chars().count() + 1;
        format!(
            "not UTF-8: byte 0x{:02X} at character {column} (try --encoding windows-1252)",
            record.raw[e.valid_up_to()]
        )
    })?;
    check_shape(record, width)?;
    Ok(text)
}

/// A readable record's shape: closed quotes, the header's width.
#[inline]
pub(crate) fn check_shape(record: &Record, width: usize) -> Result<(), String> {
    if record.is_unterminated() {
        return Err(format!(
            "a quote opened in field {} never closes: the field runs to the end of the file",
            record.len()
        ));
    }
    if record.len() != width {
        return Err(format!(
            "ragged row: {} fields, the header has {width}",
            record.len()
        ));
    }
    Ok(())
}

/// `,route_queue,route_owner,route_rule` and the line break, for a decision.
fn route_columns(program: &Program, decision: &Decision, excel_safe: bool) -> Vec<u8> {
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
        write_output_cell(cell, excel_safe, &mut out);
    }
    out.push(b'\n');
    out
}

/// Whether a spreadsheet would run a cell starting so as a formula
/// (OWASP's list for CSV injection).
fn is_formula_start(value: &[u8]) -> bool {
    matches!(
        value.first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// A formula-like value as text: a leading `'`, quoted.
fn push_neutralized(value: &[u8], out: &mut Vec<u8>) {
    push_quoted(b"'", value, out);
}

/// `prefix` and `value` as one quoted CSV cell, quotes doubled.
pub(crate) fn push_quoted(prefix: &[u8], value: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    out.extend_from_slice(prefix);
    for &b in value {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// A record's bytes for the output: as read, or with `--excel-safe` each
/// formula-like cell neutralized (the other cells keep their bytes).
fn push_record(record: &Record, excel_safe: bool, out: &mut Vec<u8>) {
    if !excel_safe || !record.fields().any(|v| is_formula_start(&v)) {
        out.extend_from_slice(record.raw);
        return;
    }
    for (i, value) in record.fields().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if is_formula_start(&value) {
            push_neutralized(&value, out);
        } else {
            out.extend_from_slice(record.raw_field(i).unwrap_or_default());
        }
    }
}

fn write_output_cell(cell: &str, excel_safe: bool, out: &mut Vec<u8>) {
    if excel_safe && is_formula_start(cell.as_bytes()) {
        push_neutralized(cell.as_bytes(), out);
    } else {
        write_cell(cell, out);
    }
}

/// A CSV cell, quoted only when it must be.
pub fn write_cell(cell: &str, out: &mut Vec<u8>) {
    if cell
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
        || cell.starts_with(' ')
        || cell.ends_with(' ')
    {
        push_quoted(b"", cell.as_bytes(), out);
    } else {
        out.extend_from_slice(cell.as_bytes());
    }
}
