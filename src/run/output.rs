//! The output file, created at the first write: a run that stops before
//! routing anything (a missing column, say) leaves no empty file behind.

use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;

pub struct OutputFile {
    path: PathBuf,
    file: Option<File>,
}

impl OutputFile {
    pub fn new(path: PathBuf) -> Self {
        OutputFile { path, file: None }
    }

    fn file(&mut self) -> io::Result<&mut File> {
        if self.file.is_none() {
            let file = File::create(&self.path).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("cannot create {}: {e}", self.path.display()),
                )
            })?;
            self.file = Some(file);
        }
        Ok(self.file.as_mut().expect("created above"))
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file()?.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.file.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}
