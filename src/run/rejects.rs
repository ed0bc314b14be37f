//! The rejects file: `line,reason,record`, created at the first reject;
//! or, for a server answering a request, a list of lines and reasons (the
//! client holds the records' bytes already).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

pub struct Rejects {
    path: PathBuf,
    writer: Option<BufWriter<File>>,
    pub count: u64,
    /// `Some` when rejects are kept in memory instead of a file.
    kept: Option<Vec<(u64, String)>>,
}

impl Rejects {
    pub fn new(path: PathBuf) -> Self {
        Rejects {
            path,
            writer: None,
            count: 0,
            kept: None,
        }
    }

    /// Rejects kept as (line, reason), in input order; no file is written.
    pub fn in_memory() -> Self {
        Rejects {
            kept: Some(Vec::new()),
            ..Rejects::new(PathBuf::new())
        }
    }

    /// The rejects kept in memory (none for a file).
    pub fn kept(&self) -> &[(u64, String)] {
        self.kept.as_deref().unwrap_or_default()
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Writes one rejected record; its bytes are kept exactly inside quotes.
    pub fn reject(&mut self, line: u64, reason: &str, raw: &[u8]) -> io::Result<()> {
        if let Some(kept) = &mut self.kept {
            kept.push((line, reason.to_string()));
            self.count += 1;
            return Ok(());
        }
        if self.writer.is_none() {
            let mut w = BufWriter::new(File::create(&self.path)?);
            w.write_all(b"line,reason,record\n")?;
            self.writer = Some(w);
        }
        let w = self.writer.as_mut().expect("created above");
        let mut row = format!("{line},").into_bytes();
        super::write_cell(reason, &mut row);
        row.push(b',');
        super::push_quoted(b"", raw, &mut row);
        row.push(b'\n');
        self.count += 1;
        w.write_all(&row)
    }

    pub fn finish(&mut self) -> io::Result<()> {
        match self.writer.as_mut() {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}
