//! The output file: written to a temporary file beside it and renamed into
//! place only when the run succeeds, so a crash or a failed run never leaves
//! a partial (or empty) output behind.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub struct OutputFile {
    path: PathBuf,
    temp: PathBuf,
    file: Option<File>,
    done: bool,
}

impl OutputFile {
    pub fn new(path: PathBuf) -> Self {
        // A device or a pipe (`-o /dev/null`, `-o /dev/stdout`) is written
        // as it is: renaming a file over it would replace it.
        let special = std::fs::metadata(&path).is_ok_and(|m| !m.is_file() && !m.is_dir());
        let temp = if special {
            path.clone()
        } else {
            let name = path.file_name().map_or_else(
                || "route-output".into(),
                |n| n.to_string_lossy().into_owned(),
            );
            path.with_file_name(format!(".{name}.{}.route-tmp", std::process::id()))
        };
        OutputFile {
            path,
            temp,
            file: None,
            done: false,
        }
    }

    /// Whether the output goes straight to its path (a device or a pipe).
    fn direct(&self) -> bool {
        self.temp == self.path
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn file(&mut self) -> io::Result<&mut File> {
        if self.file.is_none() {
            let file = File::create(&self.temp).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("cannot create {}: {e}", self.temp.display()),
                )
            })?;
            self.file = Some(file);
        }
        Ok(self.file.as_mut().expect("created above"))
    }

    /// Makes the output durable and moves it into place.
    pub fn finish(mut self) -> io::Result<()> {
        let file = self.file()?;
        file.flush()?;
        if self.direct() {
            self.done = true;
            return Ok(());
        }
        let file = self.file()?;
        file.sync_all()?;
        std::fs::rename(&self.temp, &self.path)?;
        self.done = true;
        self.remove_stale_temps();
        Ok(())
    }

    /// Removes the temporary files that killed runs left for this output
    /// (a process killed with `kill -9` cannot clean up after itself).
    fn remove_stale_temps(&self) {
        let (Some(dir), Some(name)) = (self.temp.parent(), self.path.file_name()) else {
            return;
        };
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let prefix = format!(".{}.", name.to_string_lossy());
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let file = entry.file_name();
            let file = file.to_string_lossy();
            let pid = file
                .strip_prefix(&prefix)
                .and_then(|rest| rest.strip_suffix(".route-tmp"))
                .and_then(|pid| pid.parse::<u32>().ok());
            if pid.is_some_and(|pid| !is_running(pid)) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// Whether a process is alive; where that cannot be told, it is assumed
/// alive, so nothing of a live run is ever removed.
fn is_running(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
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

impl Drop for OutputFile {
    fn drop(&mut self) {
        if !self.done && self.file.is_some() && !self.direct() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}
