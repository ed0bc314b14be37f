//! One lead out of a lead file, for `route explain INPUT --row N | --id KEY`.

use super::{cell_text, check_record, columns, Encoding};
use crate::eval::explain::RawLead;
use crate::ir::Program;
use crate::reader::RecordReader;
use std::io::Read;
use std::path::Path;

pub enum Pick {
    /// The Nth lead; 1 is the first row after the header.
    Row(usize),
    /// The first lead whose key field holds this text.
    Key(String),
}

/// The lead's cells, in the file's own columns; errors say what to fix.
pub fn lead_at(
    path: &Path,
    encoding: Encoding,
    pick: Pick,
    program: &Program,
) -> Result<RawLead, String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let input: Box<dyn Read> = match encoding {
        Encoding::Utf8 => Box::new(file),
        Encoding::Windows1252 => Box::new(super::transcode::Windows1252::new(file)),
    };
    let mut reader = RecordReader::new(input);
    let read_error = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    let header = reader
        .next_record()
        .map_err(read_error)?
        .ok_or_else(|| format!("{} is empty", path.display()))?;
    let header = columns::header_cells(&header).map_err(|e| e.message)?;
    let key_column = match &pick {
        Pick::Key(_) => {
            let key = program.key_field().ok_or("--id needs a field marked `key` in the rules (e.g. `field lead_id text \"Lead ID\" key`)")?;
            let fields = columns::match_fields(program, &header).map_err(|e| e.message)?;
            Some(fields[key])
        }
        Pick::Row(0) => {
            return Err("rows are numbered from 1 (the first lead after the header)".into())
        }
        Pick::Row(_) => None,
    };
    let mut n = 0;
    while let Some(record) = reader.next_record().map_err(read_error)? {
        n += 1;
        let text = check_record(&record, header.len());
        let wanted = match (&pick, key_column, &text) {
            (Pick::Row(row), _, _) => n == *row,
            (Pick::Key(key), Some(col), Ok(text)) => {
                cell_text(&record, text, col).trim() == key.trim()
            }
            _ => false,
        };
        if wanted {
            let text = text.map_err(|reason| {
                format!("row {n} (line {}) cannot be read: {reason}", record.line)
            })?;
            return Ok(header
                .iter()
                .enumerate()
                .map(|(i, h)| (h.clone(), cell_text(&record, text, i).into_owned()))
                .collect());
        }
    }
    Err(match pick {
        Pick::Row(row) => format!("{} has {n} leads; there is no row {row}", path.display()),
        Pick::Key(key) => format!("no lead in {} has the key \"{key}\"", path.display()),
    })
}
