//! Multi-row inserts whose text is bound without a copy.
//!
//! rusqlite binds every text as `SQLITE_TRANSIENT`: SQLite copies it into
//! memory of its own and frees that when the statement's bindings are
//! cleared. For a batch run's ledger that was a malloc and a free per key,
//! queue, owner and decision: 107M of the 620M instructions the ledger
//! writer spent on 100k leads. A [`Bulk`] statement binds text as
//! `SQLITE_STATIC`, which SQLite reads in place; that is sound because
//! [`Bulk::execute`] binds every parameter, runs the statement and clears
//! the bindings before it returns, so no pointer to the caller's text
//! outlives the borrow.
//!
//! The statements are kept for as long as the writer lives ([`Kept`]):
//! compiling a 256-row INSERT costs as much as running it several times,
//! and the writer lets go of the connection whenever it has nothing to
//! write. They are used, and finalized, only while the connection's lock
//! is held, as a connection may be used by one thread at a time.

use rusqlite::{ffi, Connection};
use std::ffi::{c_char, c_int, CStr};
use std::ptr::{self, NonNull};
use std::sync::{Arc, Mutex, MutexGuard};

/// Statements of one connection, kept in numbered slots.
pub(super) struct Kept {
    conn: Arc<Mutex<Connection>>,
    slots: Vec<Option<Bulk>>,
}

/// [`Kept`] statements with the connection's lock held.
pub(super) struct Session<'k> {
    conn: MutexGuard<'k, Connection>,
    slots: &'k mut Vec<Option<Bulk>>,
}

impl Kept {
    pub(super) fn new(conn: Arc<Mutex<Connection>>) -> Self {
        Kept {
            conn,
            slots: Vec::new(),
        }
    }

    /// Waits for the connection.
    pub(super) fn lock(&mut self) -> Session<'_> {
        Session {
            conn: self.conn.lock().unwrap_or_else(|e| e.into_inner()),
            slots: &mut self.slots,
        }
    }
}

impl Drop for Kept {
    fn drop(&mut self) {
        // Finalizing changes the connection: under its lock, like any use.
        let _conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        self.slots.clear();
    }
}

impl Session<'_> {
    pub(super) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs the statement in `slot`, compiled from `sql()` the first time,
    /// with `params`: exactly its parameters, in order.
    pub(super) fn execute<'a>(
        &mut self,
        slot: usize,
        sql: impl FnOnce() -> String,
        params: impl IntoIterator<Item = Param<'a>>,
    ) -> rusqlite::Result<()> {
        if self.slots.len() <= slot {
            self.slots.resize_with(slot + 1, || None);
        }
        let bulk = match &mut self.slots[slot] {
            Some(bulk) => bulk,
            empty => empty.insert(Bulk::prepare(&self.conn, &sql())?),
        };
        bulk.execute(params)
    }
}

/// One parameter's value.
#[derive(Clone, Copy, Debug)]
pub(super) enum Param<'a> {
    Text(&'a str),
    Int(i64),
    Null,
}

/// A prepared statement, finalized on drop. Only a [`Kept`] holds one:
/// it keeps the connection open, and uses and drops its statements under
/// the connection's lock.
struct Bulk {
    stmt: NonNull<ffi::sqlite3_stmt>,
    db: *mut ffi::sqlite3,
    params: usize,
}

impl Bulk {
    fn prepare(conn: &Connection, sql: &str) -> rusqlite::Result<Self> {
        let too_long = || failure(ffi::SQLITE_TOOBIG, "the statement is too long".into());
        let len = c_int::try_from(sql.len()).map_err(|_| too_long())?;
        // SAFETY: the handle is of the open connection `conn`, which this
        // thread alone uses while it holds the lock `&Connection` comes from.
        let db = unsafe { conn.handle() };
        let mut stmt = ptr::null_mut();
        let mut tail = ptr::null();
        // SAFETY: `sql` is valid for `len` bytes; SQLite writes the
        // statement and the end of what it compiled to the two pointers.
        let code = unsafe {
            ffi::sqlite3_prepare_v3(
                db,
                sql.as_ptr().cast::<c_char>(),
                len,
                ffi::SQLITE_PREPARE_PERSISTENT as _,
                &mut stmt,
                &mut tail,
            )
        };
        if code != ffi::SQLITE_OK {
            // SAFETY: `db` is open; the message is read before any other call.
            return Err(unsafe { error(db, code) });
        }
        let Some(stmt) = NonNull::new(stmt) else {
            return Err(failure(
                ffi::SQLITE_MISUSE,
                "no statement in the SQL".into(),
            ));
        };
        let bulk = Bulk {
            stmt,
            db,
            // SAFETY: `stmt` is a statement just prepared.
            params: unsafe { ffi::sqlite3_bind_parameter_count(stmt.as_ptr()) } as usize,
        };
        // The statement is finalized (dropped) whatever `tail` holds.
        // SAFETY: `tail` points into `sql`, at or before its end.
        let compiled = unsafe { tail.cast::<u8>().offset_from(sql.as_ptr()) } as usize;
        if !sql[compiled..].trim().is_empty() {
            return Err(failure(
                ffi::SQLITE_MISUSE,
                "more than one statement".into(),
            ));
        }
        Ok(bulk)
    }

    /// Runs the statement once with `params`, which must be exactly its
    /// parameters, in order.
    fn execute<'a>(&mut self, params: impl IntoIterator<Item = Param<'a>>) -> rusqlite::Result<()> {
        let bound = self.bind(params);
        let result = bound.and_then(|()| self.step());
        // SAFETY: the statement is valid. Clearing the bindings drops the
        // pointers to `params`' text, which may be freed once this returns.
        unsafe { ffi::sqlite3_clear_bindings(self.stmt.as_ptr()) };
        result
    }

    fn bind<'a>(&mut self, params: impl IntoIterator<Item = Param<'a>>) -> rusqlite::Result<()> {
        let stmt = self.stmt.as_ptr();
        let mut count = 0;
        for (i, param) in params.into_iter().enumerate() {
            let at = i as c_int + 1;
            // SAFETY: the statement is valid; SQLite checks `at` against
            // its parameters. Static text is read in place until the
            // bindings are cleared, which `execute` does before the text's
            // borrow ends.
            let code = unsafe {
                match param {
                    // Nothing to bind: a parameter is NULL until bound, and
                    // `execute` clears every binding after each use.
                    Param::Null => ffi::SQLITE_OK,
                    Param::Int(n) => ffi::sqlite3_bind_int64(stmt, at, n),
                    Param::Text(s) => ffi::sqlite3_bind_text64(
                        stmt,
                        at,
                        s.as_ptr().cast::<c_char>(),
                        s.len() as ffi::sqlite3_uint64,
                        ffi::SQLITE_STATIC(),
                        ffi::SQLITE_UTF8 as _,
                    ),
                }
            };
            if code != ffi::SQLITE_OK {
                // SAFETY: `db` is open; the message is read at once.
                return Err(unsafe { error(self.db, code) });
            }
            count += 1;
        }
        if count != self.params {
            let message = format!("{count} values for {} parameters", self.params);
            return Err(failure(ffi::SQLITE_RANGE, message));
        }
        Ok(())
    }

    fn step(&mut self) -> rusqlite::Result<()> {
        let stmt = self.stmt.as_ptr();
        // SAFETY: the statement is valid and every parameter is bound.
        let stepped = unsafe { ffi::sqlite3_step(stmt) };
        // SAFETY: as above; a reset after an error returns that error again.
        let reset = unsafe { ffi::sqlite3_reset(stmt) };
        match stepped {
            ffi::SQLITE_DONE => Ok(()),
            ffi::SQLITE_ROW => Err(rusqlite::Error::ExecuteReturnedResults),
            // SAFETY: `db` is open; the message is read at once.
            _ => Err(unsafe { error(self.db, reset) }),
        }
    }
}

impl Drop for Bulk {
    fn drop(&mut self) {
        // SAFETY: the statement's connection is open and locked (see
        // `Kept`), and the statement is not used after this.
        unsafe { ffi::sqlite3_finalize(self.stmt.as_ptr()) };
    }
}

/// The connection's message for `code`.
///
/// # Safety
/// `db` is an open connection used by this thread alone.
unsafe fn error(db: *mut ffi::sqlite3, code: c_int) -> rusqlite::Error {
    // SAFETY: the caller's; the message is copied before any other call.
    let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) };
    failure(code, message.to_string_lossy().into_owned())
}

fn failure(code: c_int, message: String) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(ffi::Error::new(code), Some(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (a TEXT NOT NULL, b INTEGER NOT NULL UNIQUE)")
            .unwrap();
        conn
    }

    fn rows(conn: &Connection) -> Vec<(String, i64)> {
        let mut stmt = conn.prepare("SELECT a, b FROM t ORDER BY rowid").unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)));
        rows.unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn rows_hold_the_text_after_it_is_gone() {
        let conn = table();
        let mut insert = Bulk::prepare(&conn, "INSERT INTO t VALUES (?, ?), (?, ?)").unwrap();
        for round in 0..3 {
            // Fresh text each round, dropped before the next: the table
            // must hold copies, not the pointers that were bound.
            let texts = [format!("x{round}"), String::new()];
            let params = [
                Param::Text(&texts[0]),
                Param::Int(2 * round),
                Param::Text(&texts[1]),
                Param::Int(2 * round + 1),
            ];
            insert.execute(params).unwrap();
        }
        drop(insert);
        let want: Vec<(String, i64)> = (0..3)
            .flat_map(|r| [(format!("x{r}"), 2 * r), (String::new(), 2 * r + 1)])
            .collect();
        assert_eq!(rows(&conn), want);
    }

    #[test]
    fn too_few_or_too_many_values_are_refused_and_nothing_is_written() {
        let conn = table();
        let mut insert = Bulk::prepare(&conn, "INSERT INTO t VALUES (?, ?)").unwrap();
        let few = insert.execute([Param::Text("a")]).unwrap_err();
        assert!(
            few.to_string().contains("1 values for 2 parameters"),
            "{few}"
        );
        let many = [Param::Text("a"), Param::Int(1), Param::Int(2)];
        assert!(insert.execute(many).is_err());
        assert!(rows(&conn).is_empty());
        // A refused call leaves the statement usable.
        insert.execute([Param::Text("a"), Param::Int(1)]).unwrap();
        assert_eq!(rows(&conn), [("a".to_string(), 1)]);
    }

    #[test]
    fn a_constraint_failure_is_an_error_with_sqlites_message() {
        let conn = table();
        let mut insert = Bulk::prepare(&conn, "INSERT INTO t VALUES (?, ?)").unwrap();
        insert.execute([Param::Text("a"), Param::Int(1)]).unwrap();
        let err = insert
            .execute([Param::Text("b"), Param::Int(1)])
            .unwrap_err();
        assert!(
            err.to_string().contains("UNIQUE constraint failed: t.b"),
            "{err}"
        );
        assert_eq!(
            err.sqlite_error_code(),
            Some(rusqlite::ErrorCode::ConstraintViolation)
        );
        insert.execute([Param::Text("b"), Param::Int(2)]).unwrap();
        assert_eq!(rows(&conn).len(), 2);
    }

    #[test]
    fn bad_sql_is_an_error_not_a_statement() {
        let conn = table();
        let err = |sql| Bulk::prepare(&conn, sql).err().unwrap().to_string();
        assert!(err("INSERT INTO nowhere VALUES (?)").contains("no such table"));
        assert!(err("   ").contains("no statement"));
        assert!(err("SELECT 1; SELECT 2").contains("more than one statement"));
    }

    #[test]
    fn a_kept_statement_is_compiled_once_for_every_session() {
        let conn = Arc::new(Mutex::new(table()));
        let mut kept = Kept::new(conn.clone());
        let mut compiled = 0;
        for b in 0..3 {
            let mut session = kept.lock();
            let sql = || {
                compiled += 1;
                "INSERT INTO t VALUES (?, ?)".to_string()
            };
            session
                .execute(1, sql, [Param::Text("k"), Param::Int(b)])
                .unwrap();
            // Between sessions the connection is free for others.
            drop(session);
            let n: i64 = conn
                .lock()
                .unwrap()
                .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
                .unwrap();
            assert_eq!(n, b + 1);
        }
        assert_eq!(compiled, 1);
        drop(kept);
        // Every statement is finalized: the connection closes cleanly.
        let conn = Arc::try_unwrap(conn).ok().unwrap().into_inner().unwrap();
        conn.close().map_err(|(_, e)| e).unwrap();
    }

    #[test]
    fn a_statement_that_returns_rows_is_refused() {
        let conn = table();
        let mut select = Bulk::prepare(&conn, "SELECT ?").unwrap();
        let err = select.execute([Param::Int(1)]).unwrap_err();
        assert!(matches!(err, rusqlite::Error::ExecuteReturnedResults));
    }
}
