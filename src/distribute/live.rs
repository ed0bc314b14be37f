//! The state as a long-lived process shares it: the same SQLite file as
//! `route run --state`, changed in one short transaction per request.
//!
//! Inside a transaction every read goes to the database (rotation, today's
//! counts, sticky owners, the ledger) and every change is written at once,
//! so what another process committed just before is what this request
//! sees. `BEGIN IMMEDIATE` takes SQLite's write lock first: two processes
//! (a server and a `route run`, or two servers) never interleave inside one
//! request, only between requests.

use super::sqlite::{
    begin_run, connect, failure, find, insert_ledger, record_rules, settle_first_step, HoldRow,
    LedgerRow, Names,
};
use super::store::{Assignment, Held, Pool, Store};
use rusqlite::{params, Connection, ErrorCode, OptionalExtension};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A state file held open by a server, between transactions.
pub struct LiveState {
    conn: Connection,
    path: PathBuf,
    /// This server's row in `runs`: ledger rows name it.
    run: i64,
    /// Leads without a key filed so far, numbering them `#RUN:N`.
    unkeyed: u64,
}

/// Why a transaction did not happen.
#[derive(Debug)]
pub enum LiveError {
    /// Another process held the write lock for longer than the busy timeout.
    Busy(String),
    Failed(String),
}

impl LiveError {
    fn from_sqlite(path: &Path, e: rusqlite::Error) -> Self {
        let busy = matches!(
            e.sqlite_error_code(),
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
        );
        let message = failure(path, e);
        if busy {
            LiveError::Busy(message)
        } else {
            LiveError::Failed(message)
        }
    }

    pub fn message(&self) -> &str {
        match self {
            LiveError::Busy(m) | LiveError::Failed(m) => m,
        }
    }
}

impl LiveState {
    /// Opens (or creates) the state, and files this server as a run of
    /// `day` whose input is `input`. Each later transaction waits at most
    /// `busy` for another process's.
    pub fn open(path: &Path, busy: Duration, day: &str, input: &str) -> Result<Self, String> {
        let conn = connect(path, busy)?;
        let run = begin_run(&conn, path, day, input)?;
        conn.execute_batch("COMMIT").map_err(|e| failure(path, e))?;
        Ok(LiveState {
            conn,
            path: path.to_path_buf(),
            run,
            unkeyed: 0,
        })
    }

    pub fn run(&self) -> i64 {
        self.run
    }

    /// Files the rule file this server uses (absolute) and its hash, in a
    /// transaction of its own.
    pub fn record_rules(&mut self, path: &Path, sha256: &str) -> Result<(), String> {
        let record = || -> rusqlite::Result<()> {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
            // Rolls back on a failed statement; a no-op once committed.
            let _rollback = Rollback(&self.conn);
            record_rules(&self.conn, self.run, path, sha256)?;
            self.conn.execute_batch("COMMIT")
        };
        record().map_err(|e| failure(&self.path, e))
    }

    /// Runs `f` in one write transaction: its changes commit when it
    /// returns `Ok`; on its `Err`, a failed statement or a panic, none do.
    pub fn write<T, E>(
        &mut self,
        day: &str,
        f: impl FnOnce(&mut LiveStore) -> Result<T, E>,
    ) -> Result<Result<T, E>, LiveError> {
        self.transaction("BEGIN IMMEDIATE", day, true, f)
    }

    /// Runs `f` in a read transaction: one consistent view, nothing written.
    pub fn read<T, E>(
        &mut self,
        day: &str,
        f: impl FnOnce(&mut LiveStore) -> Result<T, E>,
    ) -> Result<Result<T, E>, LiveError> {
        self.transaction("BEGIN", day, false, f)
    }

    fn transaction<T, E>(
        &mut self,
        begin: &str,
        day: &str,
        writable: bool,
        f: impl FnOnce(&mut LiveStore) -> Result<T, E>,
    ) -> Result<Result<T, E>, LiveError> {
        let path = self.path.clone();
        self.conn
            .execute_batch(begin)
            .map_err(|e| LiveError::from_sqlite(&path, e))?;
        let rollback = Rollback(&self.conn);
        let mut store = LiveStore {
            conn: &self.conn,
            day,
            run: self.run,
            unkeyed: &mut self.unkeyed,
            names: Names::default(),
            writable,
            failed: None,
            decision: String::new(),
        };
        let value = f(&mut store);
        if let Some(e) = store.failed {
            return Err(LiveError::from_sqlite(&path, e));
        }
        if value.is_err() {
            return Ok(value);
        }
        std::mem::forget(rollback);
        if let Err(e) = self.conn.execute_batch("COMMIT") {
            let _ = self.conn.execute_batch("ROLLBACK");
            return Err(LiveError::from_sqlite(&path, e));
        }
        Ok(value)
    }
}

/// Rolls back an open transaction unless it was forgotten: on an error or
/// a panic, the connection is free for the next request.
struct Rollback<'c>(&'c Connection);

impl Drop for Rollback<'_> {
    fn drop(&mut self) {
        if !self.0.is_autocommit() {
            let _ = self.0.execute_batch("ROLLBACK");
        }
    }
}

/// The state inside one transaction.
pub struct LiveStore<'a> {
    conn: &'a Connection,
    day: &'a str,
    run: i64,
    unkeyed: &'a mut u64,
    names: Names,
    /// A read transaction ignores changes (a dry run reads through a
    /// [`super::Preview`] and makes none).
    writable: bool,
    /// The first statement that failed: the transaction is rolled back.
    failed: Option<rusqlite::Error>,
    /// The decision history rows are logged under.
    decision: String,
}

/// A held lead's columns, as [`Held`] reads them. Subqueries, not joins,
/// for the names (see `sqlite::FIND`).
const HELD: &str = "SELECT key, (SELECT name FROM names WHERE id = l.queue),
  (SELECT name FROM names WHERE id = l.owner), since, coalesce(lapsed, ''), held FROM ledger l";
/// The id of the queue named `?1`: NULL, which matches nothing, for a
/// name never used.
const QUEUE: &str = "(SELECT id FROM names WHERE name = ?1)";
/// The owner id of a lead waiting in a pool: 0, which no name has, if no
/// lead ever waited.
const POOLED: &str = "coalesce((SELECT id FROM names WHERE name = ''), 0)";

impl LiveStore<'_> {
    /// A statement's result; a failure is kept for the end of the
    /// transaction and reads as nothing found.
    fn ok<T>(&mut self, result: rusqlite::Result<T>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.failed.get_or_insert(e);
                None
            }
        }
    }

    fn execute(&mut self, sql: &str, params: impl rusqlite::Params) {
        if self.writable && self.failed.is_none() {
            let done = self
                .conn
                .prepare_cached(sql)
                .and_then(|mut s| s.execute(params));
            self.ok(done);
        }
    }

    fn query<T: rusqlite::types::FromSql>(
        &mut self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Option<T> {
        let found = self
            .conn
            .prepare_cached(sql)
            .and_then(|mut s| s.query_row(params, |r| r.get(0)).optional());
        self.ok(found).flatten()
    }
}

impl LiveStore<'_> {
    /// The number the next held lead gets, taken: held leads are claimed
    /// in this order, whichever process held them.
    fn next_hold(&mut self) -> Option<i64> {
        let taken = self
            .conn
            .prepare_cached(
                "INSERT INTO arrivals (id, next) VALUES (1, 2)
                 ON CONFLICT (id) DO UPDATE SET next = next + 1 RETURNING next - 1",
            )
            .and_then(|mut s| s.query_row([], |r| r.get(0)));
        self.ok(taken)
    }

    fn held_rows(&mut self, sql: &str, params: impl rusqlite::Params) -> Vec<Held> {
        let rows = self.conn.prepare_cached(sql).and_then(|mut s| {
            let rows = s.query_map(params, |r| {
                let lapsed: String = r.get(4)?;
                Ok(Held {
                    key: r.get(0)?,
                    queue: r.get(1)?,
                    owner: r.get(2)?,
                    since: r.get(3)?,
                    lapsed: lapsed.lines().map(String::from).collect(),
                })
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        });
        self.ok(rows).unwrap_or_default()
    }

    fn log(&mut self, key: &str, what: &str, owner: &str, at: i64) {
        let decision = self.decision.clone();
        self.execute(
            "INSERT INTO history (key, what, owner, at, decision) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![key, what, owner, at, decision],
        );
    }
}

impl Store for LiveStore<'_> {
    fn rotation(&mut self, queue: &str) -> usize {
        let next: Option<i64> = self.query("SELECT next FROM rotation WHERE queue = ?1", [queue]);
        next.and_then(|n| usize::try_from(n).ok()).unwrap_or(0)
    }

    fn set_rotation(&mut self, queue: &str, next: usize) {
        self.execute(
            "INSERT OR REPLACE INTO rotation (queue, next) VALUES (?1, ?2)",
            params![queue, next as i64],
        );
    }

    fn count(&mut self, member: &str) -> u32 {
        let day = self.day;
        self.query(
            "SELECT n FROM counts WHERE day = ?1 AND member = ?2",
            [day, member],
        )
        .unwrap_or(0)
    }

    fn add_count(&mut self, member: &str) {
        let day = self.day;
        self.execute(
            "INSERT INTO counts (day, member, n) VALUES (?1, ?2, 1)
             ON CONFLICT (day, member) DO UPDATE SET n = n + 1",
            [day, member],
        );
    }

    fn sticky(&mut self, queue: &str, value: &str) -> Option<String> {
        self.query(
            "SELECT owner FROM sticky WHERE queue = ?1 AND value = ?2",
            [queue, value],
        )
    }

    fn set_sticky(&mut self, queue: &str, value: &str, owner: &str) {
        self.execute(
            "INSERT OR REPLACE INTO sticky (queue, value, owner) VALUES (?1, ?2, ?3)",
            [queue, value, owner],
        );
    }

    fn recorded(&mut self, key: &str) -> Option<Assignment> {
        find(self.conn, key)
    }

    fn record(&mut self, key: Option<&str>, a: &Assignment, held: Option<i64>) {
        if !self.writable || self.failed.is_some() {
            return;
        }
        *self.unkeyed += 1;
        let key = match key {
            Some(k) => k.to_string(),
            None => format!("#{}:{}", self.run, self.unkeyed),
        };
        let held = match held {
            // A failure taking the number is kept already.
            Some(at) => match self.next_hold() {
                Some(number) => Some((at, number)),
                None => return,
            },
            None => None,
        };
        let conn = self.conn;
        let ids = [&a.rule, &a.queue, &a.owner].map(|name| self.names.id(conn, name));
        let written = match ids {
            [Ok(rule), Ok(queue), Ok(owner)] => {
                let hold = held.map(|(at, number)| HoldRow {
                    at,
                    number,
                    decision: &self.decision,
                });
                let row = LedgerRow {
                    key: &key,
                    ids: [rule, queue, owner],
                    hold,
                };
                insert_ledger(conn, self.run, &row)
            }
            [Err(e), _, _] | [_, Err(e), _] | [_, _, Err(e)] => Err(e),
        };
        self.ok(written);
    }

    fn open_count(&mut self, queue: &str, owner: &str) -> u32 {
        let sql = format!(
            "SELECT count(*) FROM ledger WHERE queue = {QUEUE} AND owner = (SELECT id FROM names WHERE name = ?2)
             AND held IS NOT NULL AND outcome IS NULL"
        );
        self.query(&sql, [queue, owner]).unwrap_or(0)
    }

    fn decision(&mut self, id: &str) {
        self.decision = id.to_string();
    }
}

impl Pool for LiveStore<'_> {
    fn oldest_unowned(&mut self, queue: &str, rep: &str) -> Option<Held> {
        let sql = format!(
            "{HELD} WHERE queue = {QUEUE} AND owner = {POOLED} AND held IS NOT NULL AND outcome IS NULL
             AND instr(char(10) || coalesce(lapsed, ''), char(10) || ?2 || char(10)) = 0
             ORDER BY held LIMIT 1"
        );
        self.held_rows(&sql, [queue, rep]).pop()
    }

    fn due(&mut self, queue: &str, before: i64) -> Vec<Held> {
        // Owners on either side of the pool's id, two ranges of the index:
        // `owner <> pooled` read every pooled lead's row to test it (a
        // million-lead run's 284,000: 0.2 s against 0.4 ms).
        let owned = |side: &str| {
            format!(
                "{HELD} WHERE queue = {QUEUE} AND owner {side} {POOLED} AND held IS NOT NULL
                 AND outcome IS NULL AND since <= ?2"
            )
        };
        let sql = format!(
            "SELECT * FROM ({} UNION ALL {}) ORDER BY 4, 6",
            owned("<"),
            owned(">")
        );
        self.held_rows(&sql, params![queue, before])
    }

    fn set_owner(&mut self, held: &Held, what: &str) {
        let settled = settle_first_step(self.conn, &held.key);
        self.ok(settled);
        let lapsed: String = held.lapsed.iter().map(|r| format!("{r}\n")).collect();
        let conn = self.conn;
        let owner = self.names.id(conn, &held.owner);
        if let Some(owner) = self.ok(owner) {
            self.execute(
                "UPDATE ledger SET owner = ?2, since = ?3, lapsed = nullif(?4, '') WHERE key = ?1",
                params![held.key, owner, held.since, lapsed],
            );
        }
        self.log(&held.key, what, &held.owner, held.since);
    }

    fn set_outcome(&mut self, key: &str, outcome: &str, at: i64) -> bool {
        let Some(a) = self.recorded(key) else {
            return false;
        };
        let settled = settle_first_step(self.conn, key);
        self.ok(settled);
        // A lead never held is tagged too, from now.
        self.execute(
            "UPDATE ledger SET outcome = ?2, since = coalesce(since, ?3) WHERE key = ?1",
            params![key, outcome, at],
        );
        self.log(key, &format!("outcome: {outcome}"), &a.owner, at);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::distribute::store::sample as assignment;

    #[test]
    fn each_transaction_sees_what_another_process_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let mut a = LiveState::open(&path, Duration::from_secs(1), "2026-11-25", "a").unwrap();
        let mut b = LiveState::open(&path, Duration::from_secs(1), "2026-11-25", "b").unwrap();
        let day = "2026-11-25";
        let done: Result<(), ()> = a
            .write(day, |s| {
                s.set_rotation("q", 1);
                s.add_count("x@y");
                s.record(Some("k"), &assignment("x@y"), None);
                Ok(())
            })
            .unwrap();
        assert_eq!(done, Ok(()));
        let seen = b.write(day, |s| {
            s.add_count("x@y");
            Ok::<_, ()>((s.rotation("q"), s.count("x@y"), s.recorded("k")))
        });
        assert_eq!(seen.unwrap(), Ok((1, 2, Some(assignment("x@y")))));
        let read = a.read(day, |s| {
            s.add_count("x@y");
            Ok::<_, ()>(s.count("x@y"))
        });
        assert_eq!(read.unwrap(), Ok(2), "a read transaction changes nothing");
        let refused = a.write(day, |s| {
            s.add_count("x@y");
            Err::<(), _>("refused")
        });
        assert_eq!(refused.unwrap(), Err("refused"));
        let n = a.read(day, |s| Ok::<_, ()>(s.count("x@y"))).unwrap();
        assert_eq!(n, Ok(2), "a refused transaction changes nothing");
    }

    /// Leads held by owners whose names sort on both sides of the pool's
    /// '' in `names`, or in a state where no lead ever waited in a pool.
    #[test]
    fn due_leads_are_found_whatever_the_owners_ids() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let mut live = LiveState::open(&path, Duration::from_secs(1), "2026-11-25", "a").unwrap();
        let due = |live: &mut LiveState, holds: &[(&str, &str, i64)]| {
            let found = live.write("2026-11-25", |s| {
                for &(key, owner, at) in holds {
                    s.record(Some(key), &assignment(owner), Some(at));
                }
                let due = s.due("q", 100);
                Ok::<_, ()>(due.into_iter().map(|h| h.key).collect::<Vec<_>>())
            });
            found.unwrap().unwrap()
        };
        assert_eq!(due(&mut live, &[("k1", "a@x", 50)]), ["k1"], "no pool yet");
        let keys = due(
            &mut live,
            &[("k2", "", 10), ("k3", "b@x", 20), ("k4", "c@x", 200)],
        );
        assert_eq!(
            keys,
            ["k3", "k1"],
            "by time held, the pooled and later ones left"
        );
    }

    #[test]
    fn a_held_write_lock_is_busy_after_the_timeout_and_a_panic_rolls_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let mut live =
            LiveState::open(&path, Duration::from_millis(50), "2026-11-25", "a").unwrap();
        let holder = crate::distribute::sqlite::open_file(&path).unwrap();
        holder.execute_batch("BEGIN IMMEDIATE").unwrap();
        let busy = live.write("2026-11-25", |s| {
            s.add_count("x@y");
            Ok::<_, ()>(())
        });
        assert!(matches!(busy, Err(LiveError::Busy(_))), "{busy:?}");
        holder.execute_batch("COMMIT").unwrap();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            live.write("2026-11-25", |s| -> Result<(), ()> {
                s.add_count("x@y");
                panic!("in the middle of a request");
            })
        }));
        assert!(panicked.is_err());
        let n = live.read("2026-11-25", |s| Ok::<_, ()>(s.count("x@y")));
        assert_eq!(
            n.unwrap(),
            Ok(0),
            "nothing of the panicked transaction stayed"
        );
    }
}
