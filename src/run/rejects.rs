//! The rejects file: `line,reason,record`, created at the first reject.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

pub struct Rejects {
    path: PathBuf,
    writer: Option<BufWriter<File>>,
    pub count: u64,
}

impl Rejects {
    pub fn new(path: PathBuf) -> Self {
        Rejects {
            path,
            writer: None,
            count: 0,
        }
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Writes one rejected record; its bytes are kept exactly inside quotes.
    pub fn reject(&mut self, line: u64, reason: &str, raw: &[u8]) -> io::Result<()> {
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
