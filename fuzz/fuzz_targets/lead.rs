//! Lead rows against the shipped rules, through the library path `route run`
//! takes (`route::run::route_csv`): the header of `rules/leads.csv`, then the
//! fuzzed bytes as the row (or rows).
//!
//! The first byte picks the rule file (`acme`, `emea`, `public_sector`: all
//! read the same header; acme is the one the README tours, the other two
//! read the `phone` and `company` types), the encoding, whether the state
//! outlives the run (so the ledger path is taken), one or two deciding
//! threads (`--jobs`), `--excel-safe` and the report's samples. Checked:
//!
//! * every input record is in the output or in the rejects file, never both
//!   and never neither, in input order; the summary's counts agree
//!   (`in = routed + rejected`);
//! * a routed record is UTF-8 with as many fields as the header; a rejected
//!   one is not, and its reason says which; the rejects file holds its
//!   original bytes and line;
//! * read back, each output row has the input row's values (neutralized
//!   with `--excel-safe`, byte for byte without) and three more, and the
//!   rule it names is the one the reference first-match evaluator picks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use route::compile::Dag;
use route::distribute::{Distributor, MemoryStore};
use route::eval::{reference, Decoder, Lead};
use route::ir::{Decision, Program};
use route::reader::RecordReader;
use route::run::{route_csv, transcode, Encoding, Options, Rejects, Sharing};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const HEADER: &[u8] = b"Lead ID,First Name,Last Name,Email,Company,Country,State,Postal Code,Employees,Annual Revenue,Industry,Phone\n";
const WIDTH: usize = 12;

struct Setup {
    programs: Vec<(Program, Dag)>,
    rejects: PathBuf,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
        let programs = ["acme.route", "emea.route", "public_sector.route"]
            .iter()
            .map(|name| {
                let loaded = route::load(&rules.join(name)).expect("the shipped rules read");
                let program = loaded.program.expect("the shipped rules check");
                let dag = route::compile::compile(&program);
                (program, dag)
            })
            .collect();
        let rejects = std::env::temp_dir().join(format!(
            "route-fuzz-lead-{}.rejects.csv",
            std::process::id()
        ));
        Setup { programs, rejects }
    })
}

/// One record as read: line, raw bytes, field values, whether its last
/// field is a quoted field the input never closed.
struct Rec {
    line: u64,
    raw: Vec<u8>,
    fields: Vec<Vec<u8>>,
    open: bool,
}

fn records(input: &[u8]) -> Vec<Rec> {
    let mut reader = RecordReader::new(input);
    let mut out = Vec::new();
    while let Some(r) = reader.next_record().expect("reading memory") {
        let last = r.raw_field(r.len() - 1).unwrap_or_default();
        out.push(Rec {
            line: r.line,
            raw: r.raw.to_vec(),
            fields: r.fields().map(|f| f.into_owned()).collect(),
            open: is_open(last),
        });
    }
    out
}

/// A raw field that starts a quoted value and never closes it.
fn is_open(raw: &[u8]) -> bool {
    let Some(rest) = raw.strip_prefix(b"\"") else {
        return false;
    };
    let mut i = 0;
    while i < rest.len() {
        if rest[i] == b'"' {
            if rest.get(i + 1) == Some(&b'"') {
                i += 2;
                continue;
            }
            return false;
        }
        i += 1;
    }
    true
}

/// Rows of the rejects file: (line, reason, record bytes).
fn rejects_rows(bytes: &[u8]) -> Vec<(u64, String, Vec<u8>)> {
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    assert_eq!(
        reader
            .byte_headers()
            .expect("a header")
            .iter()
            .collect::<Vec<_>>(),
        vec![&b"line"[..], b"reason", b"record"]
    );
    reader
        .byte_records()
        .map(|r| {
            let r = r.expect("the rejects file is CSV");
            assert_eq!(r.len(), 3, "line,reason,record");
            let line = std::str::from_utf8(&r[0]).unwrap().parse().unwrap();
            let reason = String::from_utf8(r[1].to_vec()).unwrap();
            (line, reason, r[2].to_vec())
        })
        .collect()
}

fn rule_name(program: &Program, decision: &Decision) -> String {
    match decision {
        Decision::Unmatched => String::new(),
        Decision::Routed { rule: None, .. } => "default".into(),
        Decision::Routed { rule: Some(r), .. } => program.rules[*r].name.clone(),
    }
}

/// A value as `--excel-safe` writes it.
fn excel_safe(value: &[u8]) -> Vec<u8> {
    match value.first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => [b"'", value].concat(),
        _ => value.to_vec(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, row)) = data.split_first() else {
        return;
    };
    let setup = setup();
    let (program, dag) = &setup.programs[usize::from(flags & 3) % 3];
    let encoding = if flags & 4 != 0 {
        Encoding::Windows1252
    } else {
        Encoding::Utf8
    };
    let persistent = flags & 8 != 0;
    let jobs = if flags & 16 != 0 { 2 } else { 1 };
    let safe = flags & 32 != 0;
    let samples = flags & 64 != 0;

    let mut input = HEADER.to_vec();
    input.extend_from_slice(row);

    let _ = std::fs::remove_file(&setup.rejects);
    let mut rejects = Rejects::new(setup.rejects.clone());
    let distributor = Distributor::new(program, "2026-11-25", false);
    let mut store = MemoryStore::default();
    let mut output = Vec::new();
    let summary = route_csv(
        program,
        dag,
        &input[..],
        Options {
            encoding,
            jobs,
            excel_safe: safe,
            samples,
        },
        &mut output,
        &mut rejects,
        Sharing {
            distributor: &distributor,
            store: &mut store,
            persistent,
        },
    )
    .unwrap_or_else(|e| panic!("the run stopped: {}", e.message));
    rejects.finish().expect("the rejects file is written");
    let rejected = if rejects.count > 0 {
        rejects_rows(&std::fs::read(&setup.rejects).expect("the rejects file exists"))
    } else {
        assert!(!setup.rejects.exists(), "no reject, no rejects file");
        Vec::new()
    };

    // What the run reads: the input as UTF-8 (windows-1252 decoded first).
    let text = match encoding {
        Encoding::Utf8 => input.clone(),
        Encoding::Windows1252 => {
            let mut text = Vec::new();
            transcode::Windows1252::new(&input[..])
                .read_to_end(&mut text)
                .unwrap();
            text
        }
    };
    let all = records(&text);
    assert_eq!(
        all[0].raw,
        HEADER[..HEADER.len() - 1],
        "the header is the first record"
    );
    let rows = &all[1..];

    assert_eq!(
        summary.rows_in,
        rows.len() as u64,
        "every record is counted in"
    );
    assert_eq!(
        summary.rows_in,
        summary.routed + summary.rejected,
        "in = routed + rejected"
    );
    assert_eq!(summary.rejected, rejects.count);
    assert_eq!(rejected.len() as u64, summary.rejected);

    let out = records(&output);
    assert_eq!(out[0].fields.len(), WIDTH + 3, "the output header");
    let mut out_rows = out[1..].iter();
    let mut next_reject = rejected.iter().peekable();
    let decoder = Decoder::new(program);
    let mut routed = 0u64;
    for rec in rows {
        let original = match encoding {
            Encoding::Utf8 => rec.raw.clone(),
            Encoding::Windows1252 => transcode::to_windows_1252(&rec.raw).into_owned(),
        };
        let is_text = std::str::from_utf8(&rec.raw).is_ok();
        let width = rec.fields.len();
        if let Some((_, reason, _)) =
            next_reject.next_if(|(l, _, r)| *l == rec.line && *r == original)
        {
            // Rejected: there was a reason to.
            assert!(
                !is_text || width != WIDTH || rec.open,
                "a readable row of the right width was rejected: {reason}"
            );
            if !is_text {
                assert!(reason.starts_with("not UTF-8"), "{reason}");
            } else if rec.open {
                assert!(reason.contains("never closes"), "{reason}");
            } else {
                assert!(reason.starts_with("ragged row"), "{reason}");
            }
            continue;
        }
        let line = rec.line;
        assert!(
            is_text && width == WIDTH && !rec.open,
            "line {line}: an unreadable, ragged or unclosed row was routed"
        );
        routed += 1;
        let got = out_rows
            .next()
            .unwrap_or_else(|| panic!("line {line}: routed, but no output row is left"));
        assert_eq!(
            got.fields.len(),
            WIDTH + 3,
            "line {line}: the input's cells and three route columns"
        );
        for (i, (value, written)) in rec.fields.iter().zip(&got.fields).enumerate() {
            let expected = if safe {
                excel_safe(value)
            } else {
                value.clone()
            };
            assert_eq!(written, &expected, "line {line}: cell {i}");
        }
        if !safe {
            assert!(
                got.raw.starts_with(&rec.raw) && got.raw.get(rec.raw.len()) == Some(&b','),
                "line {line}: the record is copied byte for byte"
            );
        }

        // The rule named is the reference evaluator's (a lasting state can
        // give a repeated key its earlier assignment instead).
        if !persistent {
            let mut lead = Lead::default();
            for field in decoder.fields_read() {
                let column = HEADER[..HEADER.len() - 1]
                    .split(|&b| b == b',')
                    .position(|h| h == program.fields[field].column.as_bytes())
                    .expect("the header has every column");
                let cell = std::str::from_utf8(&rec.fields[column]).unwrap();
                decoder.decode_field(field, cell, &mut lead);
            }
            let expected = reference::decide(program, &lead);
            assert_eq!(
                dag.decide(program, &lead),
                &expected,
                "the DAG and the reference disagree"
            );
            assert_eq!(
                got.fields[WIDTH + 2],
                rule_name(program, &expected).as_bytes(),
                "line {line}: the rule"
            );
        }
    }
    assert!(
        next_reject.next().is_none(),
        "a reject that is no input record"
    );
    assert!(
        out_rows.next().is_none(),
        "output rows that are no input record"
    );
    assert_eq!(routed, summary.routed);
});
