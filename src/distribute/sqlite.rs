//! `--state FILE`: distribution state in an embedded SQLite database.
//!
//! A run holds one write transaction from start to end: a second run on the
//! same file fails fast (or waits, with `--wait`), and the run's changes —
//! rotations, today's counts, sticky owners, the ledger — commit together
//! or not at all.

use super::store::{Assignment, MemoryStore, Store};
use rusqlite::{params, Connection, ErrorCode, OptionalExtension};
use std::path::Path;
use std::time::Duration;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS rotation (queue TEXT PRIMARY KEY, next INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS counts (day TEXT NOT NULL, member TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (day, member));
CREATE TABLE IF NOT EXISTS sticky (queue TEXT NOT NULL, value TEXT NOT NULL, owner TEXT NOT NULL, PRIMARY KEY (queue, value));
CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, day TEXT NOT NULL, started TEXT NOT NULL, input TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ledger (
  key TEXT PRIMARY KEY, rule TEXT NOT NULL, queue TEXT NOT NULL, owner TEXT NOT NULL,
  run INTEGER NOT NULL REFERENCES runs (id)) WITHOUT ROWID;
";

pub struct SqliteStore {
    conn: Connection,
    day: String,
    run: i64,
    /// For `route explain`: read the state, change nothing.
    read_only: bool,
    /// Leads recorded so far in this run, numbering those without a key.
    unkeyed: u64,
    /// The ledger had no rows when the run began: a key can only have been
    /// seen in this run, and `seen` says which may have been.
    ledger_was_empty: bool,
    seen: rustc_hash::FxHashSet<u64>,
    /// Ledger rows not yet written, and the first write that failed.
    pending: Vec<(String, Assignment)>,
    failed: Option<String>,
    /// Rotations and today's counts, read at the start and written at commit.
    cache: MemoryStore,
}

/// A state file's problem, in words.
fn failure(path: &Path, e: rusqlite::Error) -> String {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => format!(
            "another route run is using the state file {}; try again when it ends, or pass --wait",
            path.display()
        ),
        Some(ErrorCode::NotADatabase) => format!("{} is not a route state file", path.display()),
        _ => format!("state file {}: {e}", path.display()),
    }
}

impl SqliteStore {
    /// Opens (or creates) the state and starts the run's transaction.
    pub fn open(path: &Path, day: &str, input: &str, wait: bool) -> Result<Self, String> {
        let conn = Connection::open(path).map_err(|e| failure(path, e))?;
        conn.busy_timeout(if wait {
            Duration::from_secs(24 * 3600)
        } else {
            Duration::ZERO
        })
        .map_err(|e| failure(path, e))?;
        conn.execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| failure(path, e))?;
        conn.execute_batch(SCHEMA).map_err(|e| failure(path, e))?;
        conn.execute(
            "INSERT INTO runs (day, started, input) VALUES (?1, ?2, ?3)",
            params![day, super::date::today(), input],
        )
        .map_err(|e| failure(path, e))?;
        let run = conn.last_insert_rowid();
        let ledger_was_empty = conn
            .query_row("SELECT NOT EXISTS (SELECT 1 FROM ledger)", [], |r| r.get(0))
            .map_err(|e| failure(path, e))?;
        Self::with(conn, path, day, run, ledger_was_empty)
    }

    /// A store over an open connection, with the day's counts and the rotations read.
    fn with(
        conn: Connection,
        path: &Path,
        day: &str,
        run: i64,
        ledger_was_empty: bool,
    ) -> Result<Self, String> {
        let mut cache = MemoryStore::default();
        load(&conn, day, &mut cache).map_err(|e| failure(path, e))?;
        Ok(SqliteStore {
            conn,
            day: day.to_string(),
            run,
            // Run 0 is no run: a store opened to look, not to route.
            read_only: run == 0,
            unkeyed: 0,
            ledger_was_empty,
            seen: Default::default(),
            pending: Vec::new(),
            failed: None,
            cache,
        })
    }

    /// Reads a state without taking it over: what the next run would see.
    pub fn peek(path: &Path, day: &str) -> Result<Self, String> {
        if !path.exists() {
            return Err(format!("{} does not exist", path.display()));
        }
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| failure(path, e))?;
        Self::with(conn, path, day, 0, false)
    }

    /// Writes rotations and counts and commits everything the run changed.
    pub fn commit(mut self) -> Result<(), String> {
        self.flush();
        if let Some(failed) = self.failed.take() {
            return Err(failed);
        }
        let write = || -> rusqlite::Result<()> {
            for (queue, next) in &self.cache.rotations {
                self.conn.execute(
                    "INSERT OR REPLACE INTO rotation (queue, next) VALUES (?1, ?2)",
                    params![queue, *next as i64],
                )?;
            }
            for (member, n) in &self.cache.counts {
                self.conn.execute(
                    "INSERT OR REPLACE INTO counts (day, member, n) VALUES (?1, ?2, ?3)",
                    params![self.day, member, n],
                )?;
            }
            self.conn.execute_batch("COMMIT")
        };
        write().map_err(|e| format!("cannot save the state: {e}"))
    }
}

fn load(conn: &Connection, day: &str, cache: &mut MemoryStore) -> rusqlite::Result<()> {
    let mut rows = conn.prepare("SELECT queue, next FROM rotation")?;
    for row in rows.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
        let (queue, next) = row?;
        cache
            .rotations
            .insert(queue, usize::try_from(next).unwrap_or(0));
    }
    let mut rows = conn.prepare("SELECT member, n FROM counts WHERE day = ?1")?;
    for row in rows.query_map([day], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))? {
        let (member, n) = row?;
        cache.counts.insert(member, n);
    }
    Ok(())
}

impl Store for SqliteStore {
    fn rotation(&mut self, queue: &str) -> usize {
        self.cache.rotation(queue)
    }

    fn set_rotation(&mut self, queue: &str, next: usize) {
        self.cache.set_rotation(queue, next);
    }

    fn count(&mut self, member: &str) -> u32 {
        self.cache.count(member)
    }

    fn add_count(&mut self, member: &str) {
        self.cache.add_count(member);
    }

    fn sticky(&mut self, queue: &str, value: &str) -> Option<String> {
        if let Some(owner) = self.cache.sticky(queue, value) {
            return Some(owner);
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT owner FROM sticky WHERE queue = ?1 AND value = ?2")
            .ok()?;
        stmt.query_row(params![queue, value], |r| r.get(0))
            .optional()
            .ok()
            .flatten()
    }

    fn set_sticky(&mut self, queue: &str, value: &str, owner: &str) {
        self.cache.set_sticky(queue, value, owner);
        if self.read_only {
            return;
        }
        if let Ok(mut stmt) = self.conn.prepare_cached(
            "INSERT OR REPLACE INTO sticky (queue, value, owner) VALUES (?1, ?2, ?3)",
        ) {
            let _ = stmt.execute(params![queue, value, owner]);
        }
    }

    fn recorded(&mut self, key: &str) -> Option<Assignment> {
        // A first run over a fresh ledger asks the database only about keys
        // it may have recorded itself (hash collisions just cost a query).
        if self.ledger_was_empty && !self.seen.contains(&key_hash(key)) {
            return None;
        }
        if let Some((_, a)) = self.pending.iter().rev().find(|(k, _)| k == key) {
            return Some(a.clone());
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT queue, owner, rule FROM ledger WHERE key = ?1")
            .ok()?;
        stmt.query_row([key], |r| {
            Ok(Assignment {
                queue: r.get(0)?,
                owner: r.get(1)?,
                rule: r.get(2)?,
            })
        })
        .optional()
        .ok()
        .flatten()
    }

    fn record(&mut self, key: Option<&str>, a: &Assignment) {
        if self.read_only {
            return;
        }
        // A lead without a key is still in the ledger, under its place in the run.
        self.unkeyed += 1;
        let generated;
        let key = match key {
            Some(k) => k,
            None => {
                generated = format!("#{}:{}", self.run, self.unkeyed);
                &generated
            }
        };
        if self.ledger_was_empty {
            self.seen.insert(key_hash(key));
        }
        self.pending.push((key.to_string(), a.clone()));
        if self.pending.len() >= BATCH {
            self.flush();
        }
    }
}

/// Ledger rows written per statement: one statement per lead costs more
/// than the rows themselves.
const BATCH: usize = 256;

impl SqliteStore {
    /// Writes the pending ledger rows; the first failure is kept for commit.
    fn flush(&mut self) {
        if self.pending.is_empty() || self.failed.is_some() {
            return;
        }
        let rows = std::mem::take(&mut self.pending);
        let values = vec!["(?, ?, ?, ?, ?)"; rows.len()].join(", ");
        let sql =
            format!("INSERT OR REPLACE INTO ledger (key, rule, queue, owner, run) VALUES {values}");
        let result = self.conn.prepare_cached(&sql).and_then(|mut stmt| {
            let mut params: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(rows.len() * 5);
            for (key, a) in &rows {
                params.extend([
                    key as &dyn rusqlite::ToSql,
                    &a.rule,
                    &a.queue,
                    &a.owner,
                    &self.run,
                ]);
            }
            stmt.execute(params.as_slice())
        });
        if let Err(e) = result {
            self.failed = Some(format!("cannot write the ledger: {e}"));
        }
    }
}

fn key_hash(key: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(key)
}

/// `route state show`: what a state file holds, as text.
pub fn show(path: &Path, day: &str) -> Result<String, String> {
    if !path.exists() {
        return Err(format!("{} does not exist", path.display()));
    }
    let conn = Connection::open(path).map_err(|e| failure(path, e))?;
    let text = || -> rusqlite::Result<String> {
        let mut out = String::new();
        out.push_str("rotation (next member, counted from 1):\n");
        let mut stmt = conn.prepare("SELECT queue, next FROM rotation ORDER BY queue")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (queue, next) = row?;
            out.push_str(&format!("  {queue:<24} {}\n", next + 1));
        }
        out.push_str(&format!("leads assigned on {day}:\n"));
        let mut stmt =
            conn.prepare("SELECT member, n FROM counts WHERE day = ?1 ORDER BY member")?;
        for row in stmt.query_map([day], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (member, n) = row?;
            out.push_str(&format!("  {member:<32} {n}\n"));
        }
        let ledger: i64 = conn.query_row("SELECT count(*) FROM ledger", [], |r| r.get(0))?;
        let runs: i64 = conn.query_row("SELECT count(*) FROM runs", [], |r| r.get(0))?;
        out.push_str(&format!("ledger: {ledger} assignments from {runs} runs\n"));
        Ok(out)
    };
    text().map_err(|e| failure(path, e))
}

/// `route state reset`: forget everything.
pub fn reset(path: &Path) -> Result<(), String> {
    let conn = Connection::open(path).map_err(|e| failure(path, e))?;
    conn.busy_timeout(Duration::ZERO)
        .map_err(|e| failure(path, e))?;
    conn.execute_batch(&format!("BEGIN IMMEDIATE; {SCHEMA} DELETE FROM rotation; DELETE FROM counts; DELETE FROM sticky; DELETE FROM ledger; DELETE FROM runs; COMMIT;"))
        .map_err(|e| failure(path, e))
}
