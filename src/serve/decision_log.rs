//! The decision log: one JSON object per line for every decision the
//! server makes (a lead routed, a lead claimed, an outcome, a release),
//! with the `decision_id` its answer gave.
//!
//! The routing thread makes the decisions; it must never wait on a disk.
//! So it hands each line to one writer thread through a bounded channel
//! (a full channel drops the line and says so once on stderr), and the
//! writer gathers lines in a buffer that it writes whole lines at a time —
//! at least every second, when it grows large, and on shutdown.

use crate::distribute::date::format_instant;
use serde::Serialize;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Lines waiting for the writer before new ones are dropped: a few
/// seconds of the fastest traffic, so a slow disk for a moment costs no line.
const WAITING: usize = 1 << 17;

/// The longest a line waits in the writer's buffer.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// The writer writes its buffer once it holds this many bytes.
const BUFFER: usize = 64 << 10;

/// Where the lines go.
#[derive(Clone, Debug)]
pub enum Destination {
    Stderr,
    /// Appended to; created when missing.
    File(PathBuf),
}

impl Destination {
    /// `-` is stderr; anything else a file.
    pub fn parse(text: &Path) -> Destination {
        if text == Path::new("-") {
            Destination::Stderr
        } else {
            Destination::File(text.to_path_buf())
        }
    }

    fn name(&self) -> String {
        match self {
            Destination::Stderr => "stderr".into(),
            Destination::File(path) => path.display().to_string(),
        }
    }
}

/// One line of the log.
#[derive(Serialize, Debug)]
pub struct Entry<'a> {
    pub decision_id: &'a str,
    /// RFC 3339, UTC.
    pub at: String,
    /// `routed`, `claimed`, `outcome` or `released`.
    pub what: &'static str,
    pub key: Option<&'a str>,
    pub queue: Option<&'a str>,
    pub owner: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeated: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'a str>,
    /// For `released`: the owner it was taken from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<&'a str>,
}

impl<'a> Entry<'a> {
    /// An entry with what every decision has; `None` for empty names.
    pub fn new(
        decision_id: &'a str,
        at: i64,
        what: &'static str,
        key: &'a str,
        queue: &'a str,
        owner: &'a str,
    ) -> Self {
        Entry {
            decision_id,
            at: format_instant(at),
            what,
            key: named(key),
            queue: named(queue),
            owner: named(owner),
            rule: None,
            repeated: None,
            outcome: None,
            from: None,
        }
    }
}

/// `None` for an empty name (no key, no owner): `null` in the log.
pub fn named(name: &str) -> Option<&str> {
    (!name.is_empty()).then_some(name)
}

enum Message {
    Line(String),
    /// Write everything received so far, then end.
    Stop,
}

/// The routing thread's end: hands lines to the writer, never waits.
#[derive(Clone)]
pub struct Log {
    lines: SyncSender<Message>,
    dropped: Arc<AtomicU64>,
    said_full: Arc<AtomicBool>,
}

impl Log {
    pub fn write(&self, entry: &Entry) {
        if let Some(line) = line(entry) {
            self.write_line(line);
        }
    }

    /// Hands over a line made by [`line`].
    pub fn write_line(&self, line: String) {
        match self.lines.try_send(Message::Line(line)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                if !self.said_full.swap(true, Ordering::Relaxed) {
                    eprintln!(
                        "route serve: warning: the decision log is {WAITING} lines behind; \
                         lines are dropped until it catches up (the count is printed at shutdown)"
                    );
                }
            }
            // The writer is gone (only after shutdown): nothing to do.
            Err(TrySendError::Disconnected(_)) => {}
        }
    }
}

/// An entry as a line of the log, newline included.
pub fn line(entry: &Entry) -> Option<String> {
    let mut line = serde_json::to_string(entry).ok()?;
    line.push('\n');
    Some(line)
}

/// The writer thread, to stop at shutdown.
pub struct Writer {
    log: Log,
    thread: Option<JoinHandle<()>>,
}

/// Opens the destination and starts its writer; an error says why the
/// file cannot be opened.
pub fn start(destination: Destination) -> Result<(Log, Writer), String> {
    let name = destination.name();
    let out: Box<dyn Write + Send> = match &destination {
        Destination::Stderr => Box::new(StderrLines),
        Destination::File(path) => Box::new(
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot open the decision log {name}: {e}"))?,
        ),
    };
    let (lines, queue) = sync_channel(WAITING);
    let log = Log {
        lines,
        dropped: Arc::new(AtomicU64::new(0)),
        said_full: Arc::new(AtomicBool::new(false)),
    };
    let thread = std::thread::Builder::new()
        .name("decision-log".into())
        .spawn(move || write_lines(queue, out, &name))
        .map_err(|e| format!("cannot start the decision log's writer: {e}"))?;
    let writer = Writer {
        log: log.clone(),
        thread: Some(thread),
    };
    Ok((log, writer))
}

impl Writer {
    /// Writes every line handed over so far, then ends the writer. Call
    /// it once every request has been answered.
    pub fn finish(mut self) {
        // Blocking is fine here: the server is no longer answering.
        let _ = self.log.lines.send(Message::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let dropped = self.log.dropped.load(Ordering::Relaxed);
        if dropped > 0 {
            eprintln!("route serve: warning: {dropped} decision log lines were dropped (the log fell behind)");
        }
    }
}

/// Gathers lines and writes them whole: at least every second, when the
/// buffer is large, and before it ends.
fn write_lines(queue: Receiver<Message>, mut out: Box<dyn Write + Send>, name: &str) {
    let mut buffer = Vec::with_capacity(BUFFER);
    let mut failed = false;
    let mut last = Instant::now();
    loop {
        let wait = FLUSH_EVERY.saturating_sub(last.elapsed());
        let stop = match queue.recv_timeout(wait) {
            Ok(Message::Line(line)) => {
                buffer.extend_from_slice(line.as_bytes());
                false
            }
            Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => true,
            Err(RecvTimeoutError::Timeout) => false,
        };
        if stop || buffer.len() >= BUFFER || last.elapsed() >= FLUSH_EVERY {
            if let Err(e) = out.write_all(&buffer).and_then(|()| out.flush()) {
                if !failed {
                    eprintln!(
                        "route serve: error: cannot write the decision log {name}: {e}; \
                         the server goes on serving, and decisions may be missing from the log"
                    );
                }
                failed = true;
            }
            buffer.clear();
            last = Instant::now();
        }
        if stop {
            return;
        }
    }
}

/// Stderr, written a buffer of whole lines at a time under its lock, so
/// the server's other messages never land inside a line.
struct StderrLines;

impl Write for StderrLines {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        io::stderr().lock().write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().lock().flush()
    }
}
