//! Arbitrary bytes through `route::reader::RecordReader`, compared with the
//! `csv` crate's default reader (`has_headers(false)`, `flexible(true)`),
//! as the `reader::tests::matches_csv_crate` property test does on small
//! inputs: the same records with the same field values; each record's raw
//! bytes are where its offset says, end at a line terminator, and parse
//! alone to the same fields; line numbers count the `\n`s before the
//! record; and short reads with tiny buffers change nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use route::reader::RecordReader;
use std::io::{self, Read};

/// (line, offset, raw, fields) of every record.
type Parsed = Vec<(u64, u64, Vec<u8>, Vec<Vec<u8>>)>;

fn read_all<R: Read>(mut reader: RecordReader<R>) -> Parsed {
    let mut out = Vec::new();
    while let Some(r) = reader.next_record().expect("no I/O error") {
        assert_eq!(r.len(), r.fields().len());
        let raw_fields: Vec<&[u8]> = (0..r.len()).map(|i| r.raw_field(i).unwrap()).collect();
        assert_eq!(
            raw_fields.join(&b","[..]),
            r.raw,
            "raw fields joined are the record"
        );
        for (i, f) in r.fields().enumerate() {
            assert_eq!(r.field(i).unwrap(), f);
        }
        assert_eq!(r.field(r.len()), None);
        out.push((
            r.line,
            r.offset,
            r.raw.to_vec(),
            r.fields().map(|f| f.into_owned()).collect(),
        ));
    }
    assert!(reader.next_record().unwrap().is_none(), "the end is sticky");
    out
}

fn csv_records(input: &[u8]) -> Vec<(Vec<Vec<u8>>, csv::Position)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut record = csv::ByteRecord::new();
    let mut out = Vec::new();
    while reader.read_byte_record(&mut record).unwrap() {
        out.push((
            record.iter().map(<[u8]>::to_vec).collect(),
            record.position().unwrap().clone(),
        ));
    }
    out
}

/// At most `chunk` bytes per read, with an `Interrupted` error before every
/// other read.
struct Trickle<'a> {
    data: &'a [u8],
    chunk: usize,
    interrupt: bool,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.interrupt = !self.interrupt;
        if self.interrupt {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = self.chunk.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

fuzz_target!(|input: &[u8]| {
    let ours = read_all(RecordReader::new(input));
    let theirs = csv_records(input);
    let our_values: Vec<_> = ours.iter().map(|r| &r.3).collect();
    let their_values: Vec<_> = theirs.iter().map(|r| &r.0).collect();
    assert_eq!(
        our_values, their_values,
        "field values differ from the csv crate"
    );

    for ((line, offset, raw, fields), (_, pos)) in ours.iter().zip(&theirs) {
        let mut start = pos.byte() as usize;
        if start == 0 && input.starts_with(b"\xEF\xBB\xBF") {
            start = 3;
        }
        let skipped = input[start..]
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        assert_eq!(*offset as usize, start + skipped, "offset");
        assert_eq!(*line, 1 + newlines(&input[..*offset as usize]), "line");
        let end = *offset as usize + raw.len();
        assert_eq!(&input[*offset as usize..end], raw.as_slice(), "raw bytes");
        assert!(end == input.len() || input[end] == b'\r' || input[end] == b'\n');
        // Alone, behind a blank line: a BOM that starts a record in the
        // middle of the input is data, not a mark to skip.
        let again = csv_records(&[b"\n", raw.as_slice()].concat());
        assert_eq!(again.len(), 1, "the raw record alone is one record");
        assert_eq!(
            &again[0].0, fields,
            "the raw record alone has the same fields"
        );
    }

    let chunk = input.first().map_or(1, |&b| usize::from(b % 13) + 1);
    let capacity = input.last().map_or(1, |&b| usize::from(b % 7) + 1);
    for (chunk, capacity) in [(1, 1), (chunk, capacity)] {
        let src = Trickle {
            data: input,
            chunk,
            interrupt: false,
        };
        assert_eq!(
            read_all(RecordReader::with_capacity(src, capacity)),
            ours,
            "reads of {chunk} bytes into a {capacity}-byte buffer"
        );
    }
});
