//! `--state FILE`: distribution state in an embedded SQLite database.
//!
//! A run holds one write transaction from start to end: a second run on the
//! same file fails fast (or waits, with `--wait`), and the run's changes —
//! rotations, today's counts, sticky owners, the ledger — commit together
//! or not at all. The file is in WAL mode, so readers (`route explain
//! --state`, a server's dry runs) never wait for a writer; `route serve`
//! writes through [`super::live::LiveStore`], one short transaction per
//! request, and a run waits a moment for such a transaction to end.
//!
//! Ledger rows are written by a second thread in batches while routing
//! goes on: inserting a million rows costs about as much as routing them,
//! and the two overlap on a machine with two cores.

use super::bulk::{Kept, Param, Session};
use super::store::{Assignment, MemoryStore, Store};
use rusqlite::{params, Connection, ErrorCode, OptionalExtension, Statement};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS rotation (queue TEXT PRIMARY KEY, next INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS counts (day TEXT NOT NULL, member TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (day, member));
CREATE TABLE IF NOT EXISTS sticky (queue TEXT NOT NULL, value TEXT NOT NULL, owner TEXT NOT NULL, PRIMARY KEY (queue, value));
CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, day TEXT NOT NULL, started TEXT NOT NULL, input TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
-- rule, queue and owner are ids in names, run an id in runs. Not declared
-- as foreign keys: the bundled SQLite enforces them, a lookup per column
-- per row, and only route writes these tables.
--
-- A lead held open until an outcome (shark tanks, claim limits, release
-- times) keeps its hold in its ledger row: held is its number in the order
-- leads were held (claims go oldest first), NULL for a lead never held;
-- its owner is '' while it waits in the pool; since is when it was held or
-- last changed hands; lapsed lists the reps who let it go, each followed
-- by a newline; outcome is NULL while it is open. decision is that of the
-- hold's first step (assigned or pooled) until the first change writes
-- that step into history (NULL then): a batch run holds many leads, few of
-- which change. A separate table of holds cost a row and two index
-- entries per held lead; here a held lead costs a few columns and one
-- entry in ledger_open, and a lead not held five empty columns.
--
-- The columns after the key have no type and no NOT NULL: only route
-- writes them, always integers (ids, times) or text, and SQLite checked
-- each type and constraint on every row a run wrote (the ledger writer,
-- 100k leads: 476.8M instructions with them, 453.7M without).
CREATE TABLE IF NOT EXISTS ledger (
  key TEXT PRIMARY KEY,
  rule,
  queue,
  owner,
  run,
  held,
  since,
  lapsed,
  outcome,
  decision) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ledger_open ON ledger (queue, owner, held)
  WHERE held IS NOT NULL AND outcome IS NULL;
-- The number the next held lead gets (one row).
CREATE TABLE IF NOT EXISTS arrivals (id INTEGER PRIMARY KEY CHECK (id = 1), next INTEGER NOT NULL);
-- Each lead's history: assigned, pooled, claimed, released, outcome.
CREATE TABLE IF NOT EXISTS history (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  what TEXT NOT NULL,
  owner TEXT NOT NULL,
  at INTEGER NOT NULL,
  decision TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS history_by_key ON history (key);
-- The rule file each run or server used: its absolute path and the SHA-256
-- of the rules and their data files (/v1/health's), so that `route
-- release` can find the rules without being given them.
CREATE TABLE IF NOT EXISTS rules_used (
  run INTEGER PRIMARY KEY,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL);
PRAGMA user_version = 4;
";

/// The layout this version writes. Version 1 (no `user_version`, names as
/// text in every ledger row) is not read: its ledger would be misread.
const FORMAT: i64 = 4;
/// Older layouts this version reads, and upgrades at its first write
/// ([`upgrade`]): 2 has no hold columns in its ledger and no `history` or
/// `rules_used`; 3 keeps its held leads in a table of their own, `holds`.
const UPGRADES_FROM: [i64; 2] = [2, 3];

/// The first step of a hold, as history has it.
/// A subquery, not a join, for the owner's name: see [`FIND`].
const FIRST_STEP: &str = "CASE WHEN o = '' THEN 'pooled' ELSE 'assigned' END, o, since, decision
  FROM (SELECT (SELECT name FROM names WHERE id = owner) AS o, since, decision
  FROM ledger WHERE key = ?1 AND decision IS NOT NULL)";

/// How long `route run` without `--wait` waits for the state file: long
/// enough for a `route serve` request's transaction (milliseconds) to end,
/// short enough to fail fast when another run holds the file.
pub const FAIL_FAST: Duration = Duration::from_secs(2);
/// `route run --wait`: as long as another run may take.
pub const WAIT_FOREVER: Duration = Duration::from_secs(24 * 3600);

/// A ledger row with its names, as `route explain` and repeated leads read it.
///
/// Subqueries, not joins: the same query written with `JOIN names … ON`
/// made SQLite compile it again every time it was used (its plan was
/// marked as depending on the key bound to it, and a cached statement
/// has its bindings cleared): 10.9 µs a look-up against 0.8 µs, and a
/// rerun of a million leads on their own state file took 13 s.
const FIND: &str = "SELECT (SELECT name FROM names WHERE id = l.queue),
  (SELECT name FROM names WHERE id = l.owner), (SELECT name FROM names WHERE id = l.rule)
  FROM ledger l WHERE l.key = ?1";

/// Ledger rows handed to the writer at once.
const BATCH: usize = 1024;
/// Ledger rows per INSERT statement: one statement per lead costs more
/// than the rows themselves.
///
/// The statements are `INSERT OR FAIL` (see `insert_in_pieces`): inside
/// the run's transaction, a statement of several rows that may abort
/// halfway keeps a copy of every page it changes, to undo itself (SQLite's
/// statement journal), and `OR REPLACE` may abort on a NOT NULL column;
/// `OR FAIL` keeps the rows written before a failure, so it needs none.
/// With `OR REPLACE`, keys in no order had to go one per statement (a
/// million shuffled leads: 4.2 s with 256 rows a statement, 2.9 s with
/// one); with `OR FAIL`, 256 rows a statement is faster for them too
/// (4.9-5.4 s against 6.0-6.5 s, one row a statement, on a slower day).
const ROWS_PER_INSERT: usize = 256;
/// The state connection's page cache, in KiB (SQLite's default is 2 MB):
/// a run whose keys come in no order inserts all over the ledger's
/// B-tree, and with the small cache pages went out to the WAL and were
/// read back again and again (a million shuffled leads: 9.1 s with the
/// default, 4.4 s with this, in the layout of format 3). Four times as
/// much made no difference (1M shuffled leads, format 4: 3.0 s either
/// way) but for 17 MB more memory.
const CACHE_KIB: i64 = 32768;
/// Batches in flight before routing waits for the writer: bounds memory.
const IN_FLIGHT: usize = 8;

pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    day: String,
    run: i64,
    /// Absent for `route explain`, which reads the state and changes nothing.
    writer: Option<Writer>,
    /// Leads recorded so far in this run, numbering those without a key.
    unkeyed: u64,
    /// The largest key in the ledger when the run began (`None`: it was
    /// empty). A key above it was not routed by an earlier run.
    max_key_before: Option<String>,
    /// The keys recorded in this run: a key not among them was not routed
    /// earlier in this run.
    seen: RunKeys,
    /// Ledger rows not yet handed to the writer.
    pending: Rows,
    /// The number the next held lead gets (`arrivals`), written at commit.
    next_hold: i64,
    /// Rotations, today's counts and sticky owners, read at the start and
    /// written at commit.
    cache: MemoryStore,
}

/// Ledger rows on their way to the writer: key, rule, queue and owner
/// packed in one string. Holding the assignment's shared names instead
/// made every lead bump three reference counts on this thread and drop
/// them on the writer's, a cache line bounced between the cores each time.
#[derive(Default)]
struct Rows {
    text: String,
    /// Per row: where its key, rule, queue and owner end in `text`, and
    /// its hold if it is held.
    rows: Vec<([usize; 4], Option<BatchHold>)>,
}

/// A lead a run holds: when, its number among held leads, and its number
/// in the run (its decision is `RUN:N`).
#[derive(Clone, Copy)]
struct BatchHold {
    at: i64,
    number: i64,
    n: u64,
}

impl Rows {
    fn push(&mut self, key: &str, a: &Assignment, hold: Option<BatchHold>) {
        let mut ends = [0; 4];
        for (end, part) in ends.iter_mut().zip([key, &a.rule, &a.queue, &a.owner]) {
            self.text.push_str(part);
            *end = self.text.len();
        }
        self.rows.push((ends, hold));
    }

    fn len(&self) -> usize {
        self.rows.len()
    }

    /// Empty, with room for as much as `self` holds: the next batch's
    /// rows, without growing from nothing.
    fn sized_like(&self) -> Rows {
        Rows {
            text: String::with_capacity(self.text.len()),
            rows: Vec::with_capacity(self.rows.len()),
        }
    }

    /// Each row's key, its rule, queue and owner, those three as the
    /// text holds them, one after another, and its hold.
    fn iter(&self) -> impl Iterator<Item = (&str, [&str; 3], &str, Option<BatchHold>)> {
        let mut start = 0;
        self.rows.iter().map(move |&(ends, hold)| {
            let names = &self.text[ends[0]..ends[3]];
            let [key, rule, queue, owner] = ends.map(|end| {
                let part = &self.text[start..end];
                start = end;
                part
            });
            (key, [rule, queue, owner], names, hold)
        })
    }
}

enum Write {
    Ledger(Rows),
    Sticky(String, String, String),
}

/// A ledger row as it is inserted: the key, the ids of its rule, queue
/// and owner, and its hold if the lead is held.
pub(super) struct LedgerRow<'a> {
    pub key: &'a str,
    pub ids: [i64; 3],
    pub hold: Option<HoldRow<'a>>,
}

/// A held lead's columns: when it was held, its number among held leads
/// (the order of claims) and the decision that held it.
#[derive(Clone, Copy)]
pub(super) struct HoldRow<'a> {
    pub at: i64,
    pub number: i64,
    pub decision: &'a str,
}

/// The keys a run has recorded, for telling a new key from a repeat.
///
/// A set of a million key hashes misses the cache on every insert; that
/// cost a quarter of a `--state` run's time. But lead files are often in
/// key order (exports sorted by id or date). While every key is above the
/// one before, the keys are only counted: a key above the largest is new,
/// and one at or below it may be a repeat (the ledger is asked). The first
/// key out of order turns the hashes kept so far into a set, and the set
/// answers from then on.
#[derive(Default)]
struct RunKeys {
    /// The largest key so far, while the keys ascend.
    largest: String,
    /// The hashes, in order, while the keys ascend.
    ascending: Vec<u64>,
    /// The hashes, once a key came out of order.
    set: Option<rustc_hash::FxHashSet<u64>>,
    /// Keys come from the lead file: a random seed, so that no file can
    /// choose keys whose hashes collide (each collision costs a query).
    seed: foldhash::fast::RandomState,
}

impl RunKeys {
    fn hash(&self, key: &str) -> u64 {
        use std::hash::BuildHasher;
        self.seed.hash_one(key)
    }

    fn insert(&mut self, key: &str) {
        let hash = self.hash(key);
        if let Some(set) = &mut self.set {
            set.insert(hash);
            return;
        }
        if self.ascending.is_empty() || key > self.largest.as_str() {
            self.largest.clear();
            self.largest.push_str(key);
            self.ascending.push(hash);
            return;
        }
        let mut set: rustc_hash::FxHashSet<u64> =
            std::mem::take(&mut self.ascending).into_iter().collect();
        set.insert(hash);
        self.set = Some(set);
    }

    /// False only when the key is surely not among them (true: it may be,
    /// or a hash collision).
    fn may_hold(&self, key: &str) -> bool {
        match &self.set {
            Some(set) => set.contains(&self.hash(key)),
            None => !self.ascending.is_empty() && key <= self.largest.as_str(),
        }
    }
}

/// The thread that writes ledger and sticky rows inside the run's transaction.
struct Writer {
    sender: Option<SyncSender<Write>>,
    thread: Option<JoinHandle<Option<String>>>,
    sent: u64,
    /// Messages written so far, for waiting until the database has them all.
    done: Arc<(Mutex<u64>, Condvar)>,
}

impl Writer {
    fn start(conn: Arc<Mutex<Connection>>, run: i64) -> Self {
        let (sender, receiver) = sync_channel::<Write>(IN_FLIGHT);
        let done = Arc::new((Mutex::new(0u64), Condvar::new()));
        let finished = done.clone();
        let thread = std::thread::spawn(move || {
            let mut failed = None;
            let mut names = Names::default();
            let count_one = || {
                let (count, changed) = &*finished;
                *count.lock().unwrap_or_else(|e| e.into_inner()) += 1;
                changed.notify_all();
            };
            let mut kept = Kept::new(conn);
            let mut decisions = String::new();
            // One lock for as long as messages wait.
            while let Ok(first) = receiver.recv() {
                let mut inserts = Inserts {
                    session: kept.lock(),
                    run,
                    decisions: &mut decisions,
                };
                let mut next = Some(first);
                while let Some(message) = next {
                    if failed.is_none() {
                        failed = write(&mut inserts, &message, &mut names).err();
                    }
                    count_one();
                    next = receiver.try_recv().ok();
                }
            }
            failed.map(|e| format!("cannot write the ledger: {e}"))
        });
        Writer {
            sender: Some(sender),
            thread: Some(thread),
            sent: 0,
            done,
        }
    }

    fn send(&mut self, message: Write) {
        if let Some(sender) = &self.sender {
            // A closed channel means the writer is gone; `finish` reports why.
            if sender.send(message).is_ok() {
                self.sent += 1;
            }
        }
    }

    /// Waits until everything sent is in the database.
    fn sync(&self) {
        let (count, changed) = &*self.done;
        let mut n = count.lock().unwrap_or_else(|e| e.into_inner());
        while *n < self.sent {
            n = changed.wait(n).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Stops the thread; the first write that failed, if any.
    fn finish(&mut self) -> Option<String> {
        self.sender = None;
        let thread = self.thread.take()?;
        thread
            .join()
            .unwrap_or_else(|_| Some("the ledger writer stopped unexpectedly".into()))
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.finish();
    }
}

fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    conn.lock().unwrap_or_else(|e| e.into_inner())
}

/// Ids of the queue, owner and rule names in the `names` table: a ledger
/// row holds three small integers instead of three copies of text.
#[derive(Default)]
pub(super) struct Names {
    ids: rustc_hash::FxHashMap<Box<str>, i64>,
    /// A ledger row's rule, queue and owner, one after another, with
    /// where the first two end: their ids in one look-up instead of three.
    rows: rustc_hash::FxHashMap<Box<str>, ([usize; 2], [i64; 3])>,
}

impl Names {
    /// The ids of a row's `names`, `joined` one after another.
    fn row_ids(
        &mut self,
        conn: &Connection,
        names: [&str; 3],
        joined: &str,
    ) -> rusqlite::Result<[i64; 3]> {
        let ends = [names[0].len(), names[0].len() + names[1].len()];
        // The same text split elsewhere is other names: looked up one by one.
        if let Some((at, ids)) = self.rows.get(joined) {
            if *at == ends {
                return Ok(*ids);
            }
        }
        let ids = [
            self.id(conn, names[0])?,
            self.id(conn, names[1])?,
            self.id(conn, names[2])?,
        ];
        self.rows.entry(joined.into()).or_insert((ends, ids));
        Ok(ids)
    }

    pub(super) fn id(&mut self, conn: &Connection, name: &str) -> rusqlite::Result<i64> {
        if let Some(id) = self.ids.get(name) {
            return Ok(*id);
        }
        conn.prepare_cached("INSERT OR IGNORE INTO names (name) VALUES (?1)")?
            .execute([name])?;
        let id = conn
            .prepare_cached("SELECT id FROM names WHERE name = ?1")?
            .query_row([name], |r| r.get(0))?;
        self.ids.insert(name.into(), id);
        Ok(id)
    }
}

/// The writer's inserts, with the connection locked. Its statements are
/// kept from one lock to the next (see [`Kept`]).
struct Inserts<'k> {
    session: Session<'k>,
    run: i64,
    /// The held leads' decisions (`RUN:N`), one after another.
    decisions: &'k mut String,
}

/// [`Kept`] slots: a statement per conflict clause and size (rows per
/// statement, a power of two up to `ROWS_PER_INSERT`, by its exponent).
const SIZES: usize = ROWS_PER_INSERT.trailing_zeros() as usize + 1;

impl Inserts<'_> {
    fn ledger(&mut self, rows: &Rows, names: &mut Names) -> rusqlite::Result<()> {
        self.decisions.clear();
        let run = format!("{}:", self.run);
        let mut ends = Vec::with_capacity(rows.len());
        for (.., hold) in rows.iter() {
            if let Some(hold) = hold {
                self.decisions.push_str(&run);
                self.decisions
                    .push_str(crate::decimal::decimal(hold.n, &mut [0; 20]));
            }
            ends.push(self.decisions.len());
        }
        let mut numbered = Vec::with_capacity(rows.len());
        let mut start = 0;
        for ((key, three, joined, hold), end) in rows.iter().zip(ends) {
            let ids = names.row_ids(self.session.conn(), three, joined)?;
            let hold = hold.map(|h| HoldRow {
                at: h.at,
                number: h.number,
                decision: &self.decisions[start..end],
            });
            start = end;
            numbered.push(LedgerRow { key, ids, hold });
        }
        insert_in_pieces(&mut self.session, self.run, &numbered)
    }
}

/// Inserts rows in `pieces`, each with the statement of its size, made
/// from `sql` the first time it is needed.
///
/// A piece is inserted `OR FAIL` first: most keys are new, and such a
/// statement needs no statement journal (see `ROWS_PER_INSERT`). A key
/// already there stops it with the rows before that one written; the
/// piece is then inserted again `OR REPLACE`, which writes those rows
/// over with themselves and replaces the older ones, as if it had been
/// the only statement.
fn insert_in_pieces(session: &mut Session, run: i64, rows: &[LedgerRow]) -> rusqlite::Result<()> {
    let sql = |or: &str, n| ledger_sql(or, run, n);
    for piece in pieces(rows) {
        let size = piece.len().trailing_zeros() as usize;
        let params = || ledger_params(piece);
        let fail = session.execute(size, || sql("FAIL", piece.len()), params());
        match fail {
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                let replace = || sql("REPLACE", piece.len());
                session.execute(SIZES + size, replace, params())?;
            }
            other => other?,
        }
    }
    Ok(())
}

/// Rows in pieces of `ROWS_PER_INSERT`, then powers of two: a few
/// statement sizes, each prepared once, whatever the batches hold.
fn pieces<T>(mut rows: &[T]) -> impl Iterator<Item = &[T]> {
    std::iter::from_fn(move || {
        if rows.is_empty() {
            return None;
        }
        let size = ROWS_PER_INSERT.min(1 << rows.len().ilog2());
        let (piece, rest) = rows.split_at(size);
        rows = rest;
        Some(piece)
    })
}

fn write(inserts: &mut Inserts, message: &Write, names: &mut Names) -> rusqlite::Result<()> {
    match message {
        Write::Sticky(queue, value, owner) => {
            inserts
                .session
                .conn()
                .prepare_cached(
                    "INSERT OR REPLACE INTO sticky (queue, value, owner) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![queue, value, owner])?;
        }
        Write::Ledger(rows) => inserts.ledger(rows, names)?,
    }
    Ok(())
}

/// Binds `params` to a cached statement, in order, and runs it.
fn bind<'a>(stmt: &mut Statement, params: impl Iterator<Item = Param<'a>>) -> rusqlite::Result<()> {
    for (i, param) in params.enumerate() {
        match param {
            Param::Text(s) => stmt.raw_bind_parameter(i + 1, s)?,
            Param::Int(n) => stmt.raw_bind_parameter(i + 1, n)?,
            Param::Null => stmt.raw_bind_parameter(i + 1, rusqlite::types::Null)?,
        }
    }
    stmt.raw_execute()?;
    Ok(())
}

/// Moves a hold's first step into history, before the hold changes.
pub(super) fn settle_first_step(conn: &Connection, key: &str) -> rusqlite::Result<()> {
    let sql =
        format!("INSERT INTO history (key, what, owner, at, decision) SELECT ?1, {FIRST_STEP}");
    conn.prepare_cached(&sql)?.execute([key])?;
    conn.prepare_cached(
        "UPDATE ledger SET decision = NULL WHERE key = ?1 AND decision IS NOT NULL",
    )?
    .execute([key])?;
    Ok(())
}

/// `or`: the conflict clause. The run's id is written into the
/// statement: one parameter fewer to bind per row.
fn ledger_sql(or: &str, run: i64, rows: usize) -> String {
    let row = format!("(?, ?, ?, ?, {run}, ?, ?, ?)");
    let values = vec![row.as_str(); rows].join(", ");
    format!(
        "INSERT OR {or} INTO ledger (key, rule, queue, owner, run, held, since, decision) VALUES {values}"
    )
}

/// Ledger rows, over any earlier rows of their keys. A held lead's first
/// step stays in its row until the hold changes (see `settle_first_step`).
pub(super) fn insert_ledger(conn: &Connection, run: i64, row: &LedgerRow) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(&ledger_sql("REPLACE", run, 1))?;
    bind(&mut stmt, ledger_params(std::slice::from_ref(row)))
}

/// A row not held leaves its hold's three parameters unbound: NULL.
fn ledger_params<'a>(rows: &'a [LedgerRow]) -> impl Iterator<Item = Param<'a>> {
    rows.iter().flat_map(|row| {
        let [rule, queue, owner] = row.ids;
        let hold = match row.hold {
            Some(h) => [
                Param::Int(h.number),
                Param::Int(h.at),
                Param::Text(h.decision),
            ],
            None => [Param::Null; 3],
        };
        [
            Param::Text(row.key),
            Param::Int(rule),
            Param::Int(queue),
            Param::Int(owner),
            hold[0],
            hold[1],
            hold[2],
        ]
    })
}

/// Refuses a state file of another layout: a new file has no tables yet.
pub(super) fn check_format(conn: &Connection, path: &Path) -> Result<(), String> {
    let read = || -> rusqlite::Result<(i64, bool)> {
        let version = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let tables: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )?;
        Ok((version, tables > 0))
    };
    let (version, used) = read().map_err(|e| failure(path, e))?;
    if used && version != FORMAT && !UPGRADES_FROM.contains(&version) {
        return Err(format!(
            "{} is a state file of another version of route (format {version}, this one reads {FORMAT}); \
             start a new state file, or clear this one with `route state reset --state {} --yes`",
            path.display(),
            path.display()
        ));
    }
    Ok(())
}

/// A state file's problem, in words.
pub(super) fn failure(path: &Path, e: rusqlite::Error) -> String {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => format!(
            "another route run is using the state file {}; try again when it ends, or pass --wait",
            path.display()
        ),
        Some(ErrorCode::NotADatabase) => format!("{} is not a route state file", path.display()),
        _ => format!("state file {}: {e}", path.display()),
    }
}

/// Opens (or creates) a state file in WAL mode; every later wait for a
/// lock held by another connection lasts at most `busy`.
pub(super) fn connect(path: &Path, busy: Duration) -> Result<Connection, String> {
    let conn = open_file(path).map_err(|e| failure(path, e))?;
    conn.busy_timeout(busy).map_err(|e| failure(path, e))?;
    // Room for every statement besides the batch writer's own (see
    // `Kept`), so none is prepared twice.
    conn.set_prepared_statement_cache_capacity(64);
    // Statement journals (see `ROWS_PER_INSERT`) stay in memory instead of
    // spilling to a temporary file past 64 KiB.
    conn.execute_batch("PRAGMA temp_store = MEMORY")
        .map_err(|e| failure(path, e))?;
    // A new file gets pages of 16 KiB (SQLite's default is 4 KiB). A run
    // writes its whole ledger in one transaction, and with small pages the
    // WAL frames, the checkpoint and the B-tree's splits took 85,000 system
    // calls for a million leads (16,000 now). Measured with `--state`, 1M
    // leads: 0.89 -> 0.79 s in key order, 3.7 -> 2.8 s shuffled; `route
    // serve --state` unchanged (about 3,000 requests/s either way). A
    // file in WAL mode keeps the page size it was made with.
    conn.execute_batch("PRAGMA page_size = 16384")
        .map_err(|e| failure(path, e))?;
    // Persistent in the file; a no-op once set.
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .map_err(|e| failure(path, e))?;
    // Set after the page size: SQLite turns KiB into pages when the size
    // is set, and set before, it counted pages of 4 KiB, so a new file's
    // cache was four times the size meant.
    conn.execute_batch(&format!("PRAGMA cache_size = -{CACHE_KIB}"))
        .map_err(|e| failure(path, e))?;
    Ok(conn)
}

/// Opens a state file (made if missing) for reading and writing.
pub(super) fn open_file(path: &Path) -> rusqlite::Result<Connection> {
    configure_sqlite();
    Connection::open(path)
}

fn open_read_only(path: &Path) -> rusqlite::Result<Connection> {
    configure_sqlite();
    Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
}

/// SQLite's process-wide settings, before its first connection: no
/// memory statistics, which took a global lock around every allocation
/// (a run's ledger writer allocates for every text it binds).
fn configure_sqlite() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: `sqlite3_config` must run before SQLite initializes, and
        // not while another thread uses SQLite. Every connection this
        // program opens goes through `open_file` or `open_read_only`,
        // which call this first, and `Once` makes other threads wait until
        // it has run. Had SQLite started anyway, the call would fail
        // harmlessly (SQLITE_MISUSE) and the statistics stay on.
        unsafe {
            rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0);
        }
    });
}

/// Starts a write transaction with the layout in place; the run's number
/// in `runs` (`input` says what it routes) when `input` is given.
pub(super) fn begin_run(
    conn: &Connection,
    path: &Path,
    day: &str,
    input: &str,
) -> Result<i64, String> {
    conn.execute_batch("BEGIN IMMEDIATE")
        .map_err(|e| failure(path, e))?;
    check_format(conn, path)?;
    upgrade(conn).map_err(|e| failure(path, e))?;
    conn.execute_batch(SCHEMA).map_err(|e| failure(path, e))?;
    conn.execute(
        "INSERT INTO runs (day, started, input) VALUES (?1, ?2, ?3)",
        params![day, super::date::today(), input],
    )
    .map_err(|e| failure(path, e))?;
    Ok(conn.last_insert_rowid())
}

/// The hold columns a version 2 or 3 ledger lacks.
const HOLD_COLUMNS: &str = "ALTER TABLE ledger ADD COLUMN held;
ALTER TABLE ledger ADD COLUMN since;
ALTER TABLE ledger ADD COLUMN lapsed;
ALTER TABLE ledger ADD COLUMN outcome;
ALTER TABLE ledger ADD COLUMN decision;";

/// A version 3 file's `holds`, moved into the ledger in their order. A
/// hold whose lead is not in the ledger (none should be) brings its lead
/// in. A hold of another queue than its ledger row's (its lead was routed
/// again, to a queue that does not hold it) is over: its first step goes
/// to history, which has the rest.
const MOVE_HOLDS: &str = "
INSERT OR IGNORE INTO names (name) SELECT queue FROM holds UNION SELECT owner FROM holds UNION SELECT '';
INSERT INTO ledger (key, rule, queue, owner, run)
  SELECT h.key, (SELECT id FROM names WHERE name = ''), (SELECT id FROM names WHERE name = h.queue),
    (SELECT id FROM names WHERE name = h.owner), 0
  FROM holds h WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.key = h.key);
UPDATE ledger SET held = h.rowid, since = h.since, lapsed = nullif(h.lapsed, ''),
    outcome = h.outcome, decision = h.decision
  FROM holds h WHERE h.key = ledger.key AND ledger.queue = (SELECT id FROM names WHERE name = h.queue);
INSERT INTO history (key, what, owner, at, decision)
  SELECT h.key, CASE WHEN h.owner = '' THEN 'pooled' ELSE 'assigned' END, h.owner, h.since, h.decision
  FROM holds h JOIN ledger l ON l.key = h.key
  WHERE h.decision IS NOT NULL AND l.held IS NULL;
INSERT OR REPLACE INTO arrivals (id, next) SELECT 1, coalesce(max(rowid), 0) + 1 FROM holds;
DROP TABLE holds;";

/// Brings a file of an older layout ([`UPGRADES_FROM`]) to this one,
/// inside the caller's write transaction: its ledger gains the hold
/// columns (existing rows read them as NULL; nothing is rewritten) and a
/// version 3 file's held leads move into them. Tables a version 2 file
/// lacks are made by [`SCHEMA`].
fn upgrade(conn: &Connection) -> rusqlite::Result<()> {
    if !older_layout(conn)? {
        return Ok(());
    }
    conn.execute_batch(HOLD_COLUMNS)?;
    conn.execute_batch(SCHEMA)?;
    if has_table(conn, "holds")? {
        conn.execute_batch(MOVE_HOLDS)?;
    }
    Ok(())
}

/// Whether the file has a ledger of a layout in [`UPGRADES_FROM`].
fn older_layout(conn: &Connection) -> rusqlite::Result<bool> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    Ok(UPGRADES_FROM.contains(&version) && has_table(conn, "ledger")?)
}

/// A file of an older layout, read as this version's without changing it
/// (readers do not upgrade): a temporary view, which this connection alone
/// sees in place of the file's table, gives its ledger the hold columns.
fn read_as_current(conn: &Connection) -> rusqlite::Result<()> {
    if !older_layout(conn)? {
        return Ok(());
    }
    let holds = has_table(conn, "holds")?;
    let hold = |column: &str| match holds {
        true => format!(
            "(SELECT {column} FROM main.holds h WHERE h.key = l.key
              AND h.queue = (SELECT name FROM main.names WHERE id = l.queue))"
        ),
        false => "NULL".to_string(),
    };
    conn.execute_batch(&format!(
        "CREATE TEMP VIEW ledger AS SELECT l.key, l.rule, l.queue, l.owner, l.run,
           {} AS held, {} AS since, {} AS lapsed, {} AS outcome, {} AS decision FROM main.ledger l",
        hold("h.rowid"),
        hold("h.since"),
        hold("nullif(h.lapsed, '')"),
        hold("h.outcome"),
        hold("h.decision"),
    ))
}

/// The rule file a run or a server used, as the state records it.
#[derive(Debug, Clone, PartialEq)]
pub struct RulesUsed {
    /// The run (or server) that recorded it.
    pub run: i64,
    /// Absolute, as the run found it.
    pub path: PathBuf,
    /// [`crate::fingerprint`]'s hash of the rules and their data files.
    pub sha256: String,
    /// What the run routed (`runs.input`): a lead file, `route serve ADDR`.
    pub input: String,
}

/// Files the rules `run` used, inside the caller's write transaction.
pub(super) fn record_rules(
    conn: &Connection,
    run: i64,
    path: &Path,
    sha256: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO rules_used (run, path, sha256) VALUES (?1, ?2, ?3)",
        params![run, path.to_string_lossy(), sha256],
    )?;
    Ok(())
}

/// The rules recorded by the latest run or server that recorded any
/// (`None`: none did, or the file predates `rules_used`).
pub fn recorded_rules(path: &Path) -> Result<Option<RulesUsed>, String> {
    if !path.exists() {
        return Err(format!("{} does not exist", path.display()));
    }
    let conn = open_read_only(path).map_err(|e| failure(path, e))?;
    check_format(&conn, path)?;
    let read = || -> rusqlite::Result<Option<RulesUsed>> {
        if !has_table(&conn, "rules_used")? {
            return Ok(None);
        }
        conn.query_row(
            "SELECT u.run, u.path, u.sha256, coalesce(r.input, '') FROM rules_used u
             LEFT JOIN runs r ON r.id = u.run ORDER BY u.run DESC LIMIT 1",
            [],
            |r| {
                Ok(RulesUsed {
                    run: r.get(0)?,
                    path: PathBuf::from(r.get::<_, String>(1)?),
                    sha256: r.get(2)?,
                    input: r.get(3)?,
                })
            },
        )
        .optional()
    };
    read().map_err(|e| failure(path, e))
}

impl SqliteStore {
    /// Opens (or creates) the state and starts the run's transaction,
    /// waiting at most `busy` for another writer ([`FAIL_FAST`],
    /// [`WAIT_FOREVER`]).
    pub fn open(path: &Path, day: &str, input: &str, busy: Duration) -> Result<Self, String> {
        let conn = connect(path, busy)?;
        let run = begin_run(&conn, path, day, input)?;
        Self::with(conn, path, day, run)
    }

    /// A store over an open connection, with the day's counts, the
    /// rotations and the sticky owners read.
    fn with(conn: Connection, path: &Path, day: &str, run: i64) -> Result<Self, String> {
        let mut cache = MemoryStore::default();
        load(&conn, day, &mut cache).map_err(|e| failure(path, e))?;
        let next_hold = next_hold(&conn).map_err(|e| failure(path, e))?;
        let max_key_before = conn
            .query_row("SELECT max(key) FROM ledger", [], |r| r.get(0))
            .map_err(|e| failure(path, e))?;
        let conn = Arc::new(Mutex::new(conn));
        // Run 0 is no run: a store opened to look, not to route.
        let writer = (run != 0).then(|| Writer::start(conn.clone(), run));
        Ok(SqliteStore {
            conn,
            day: day.to_string(),
            run,
            writer,
            unkeyed: 0,
            max_key_before,
            seen: RunKeys::default(),
            pending: Rows::default(),
            next_hold,
            cache,
        })
    }

    /// Reads a state without taking it over: what the next run would see.
    pub fn peek(path: &Path, day: &str) -> Result<Self, String> {
        if !path.exists() {
            return Err(format!("{} does not exist", path.display()));
        }
        let conn = open_read_only(path).map_err(|e| failure(path, e))?;
        check_format(&conn, path)?;
        read_as_current(&conn).map_err(|e| failure(path, e))?;
        Self::with(conn, path, day, 0)
    }

    /// Files the rule file this run uses (absolute) and its hash; committed
    /// with the run.
    pub fn record_rules(&self, path: &Path, sha256: &str) -> Result<(), String> {
        record_rules(&lock(&self.conn), self.run, path, sha256)
            .map_err(|e| format!("cannot record the rules in the state: {e}"))
    }

    /// A lead's history, oldest first (empty in a file without one).
    pub fn history(&self, key: &str) -> Result<Vec<super::Event>, String> {
        let conn = lock(&self.conn);
        let read = || -> rusqlite::Result<Vec<super::Event>> {
            if !has_table(&conn, "history")? {
                return Ok(vec![]);
            }
            let event = |r: &rusqlite::Row| {
                Ok(super::Event {
                    what: r.get(0)?,
                    owner: r.get(1)?,
                    at: r.get(2)?,
                    decision: r.get(3)?,
                })
            };
            let mut stmt = conn.prepare(
                "SELECT what, owner, at, decision FROM history WHERE key = ?1 ORDER BY id",
            )?;
            let mut events = stmt
                .query_map([key], event)?
                .collect::<Result<Vec<_>, _>>()?;
            // A hold's first step, while it is still kept in its row.
            let first = conn
                .prepare(&format!("SELECT {FIRST_STEP}"))?
                .query_row([key], event)
                .optional()?;
            events.extend(first);
            Ok(events)
        };
        read().map_err(|e| format!("cannot read the history of {key}: {e}"))
    }

    /// Writes rotations and counts and commits everything the run changed.
    pub fn commit(mut self) -> Result<(), String> {
        self.flush();
        if let Some(failed) = self.writer.as_mut().and_then(Writer::finish) {
            return Err(failed);
        }
        let conn = lock(&self.conn);
        let write = || -> rusqlite::Result<()> {
            for (queue, next) in &self.cache.rotations {
                conn.execute(
                    "INSERT OR REPLACE INTO rotation (queue, next) VALUES (?1, ?2)",
                    params![queue, *next as i64],
                )?;
            }
            for (member, n) in &self.cache.counts {
                conn.execute(
                    "INSERT OR REPLACE INTO counts (day, member, n) VALUES (?1, ?2, ?3)",
                    params![self.day, member, n],
                )?;
            }
            conn.execute(
                "INSERT OR REPLACE INTO arrivals (id, next) VALUES (1, ?1)",
                [self.next_hold],
            )?;
            conn.execute_batch("COMMIT")
        };
        write().map_err(|e| format!("cannot save the state: {e}"))
    }

    /// Hands the pending ledger rows to the writer.
    fn flush(&mut self) {
        let Some(writer) = &mut self.writer else {
            return;
        };
        if self.pending.len() > 0 {
            let next = self.pending.sized_like();
            writer.send(Write::Ledger(std::mem::replace(&mut self.pending, next)));
        }
    }

    /// The ledger row of a key, once every row of this run is written.
    fn ledger_row(&mut self, key: &str) -> Option<Assignment> {
        self.flush();
        if let Some(writer) = &self.writer {
            writer.sync();
        }
        find(&lock(&self.conn), key)
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
    // Sticky owners are one row per sticky value (a domain, say), far fewer
    // than leads: reading them all saves a query per lead.
    let mut rows = conn.prepare("SELECT queue, value, owner FROM sticky")?;
    for row in rows.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })? {
        let (queue, value, owner) = row?;
        cache.set_sticky(&queue, &value, &owner);
    }
    let mut rows = conn.prepare(
        "SELECT q.name, o.name, count(*) FROM ledger l
         JOIN names q ON q.id = l.queue JOIN names o ON o.id = l.owner
         WHERE l.held IS NOT NULL AND l.outcome IS NULL AND o.name <> ''
         GROUP BY l.queue, l.owner",
    )?;
    for row in rows.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, u32>(2)?)))? {
        let (queue, owner, n) = row?;
        cache.open.insert((queue, owner), n);
    }
    Ok(())
}

/// The number the next held lead gets: 1 in a file that never held one.
fn next_hold(conn: &Connection) -> rusqlite::Result<i64> {
    if !has_table(conn, "arrivals")? {
        return Ok(1);
    }
    let next = conn
        .query_row("SELECT next FROM arrivals WHERE id = 1", [], |r| r.get(0))
        .optional()?;
    Ok(next.unwrap_or(1))
}

/// Whether the file has this table (a version 2 file has no `holds`).
fn has_table(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
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
        self.cache.sticky(queue, value)
    }

    fn set_sticky(&mut self, queue: &str, value: &str, owner: &str) {
        self.cache.set_sticky(queue, value, owner);
        if let Some(writer) = &mut self.writer {
            writer.send(Write::Sticky(queue.into(), value.into(), owner.into()));
        }
    }

    fn recorded(&mut self, key: &str) -> Option<Assignment> {
        // Most keys are new: the database is asked only about keys this run
        // may have recorded (hash collisions just cost a query) or an
        // earlier run may have (not above the ledger's largest key then).
        let this_run = self.seen.may_hold(key);
        let earlier = self.max_key_before.as_deref().is_some_and(|max| key <= max);
        if !this_run && !earlier {
            return None;
        }
        if this_run {
            return self.ledger_row(key);
        }
        // Only an earlier run can have it: no need to wait for the writer.
        find(&lock(&self.conn), key)
    }

    fn record(&mut self, key: Option<&str>, a: &Assignment, held: Option<i64>) {
        if self.writer.is_none() {
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
        self.seen.insert(key);
        let hold = held.map(|at| {
            if !a.owner.is_empty() {
                let open = (a.queue.to_string(), a.owner.to_string());
                *self.cache.open.entry(open).or_default() += 1;
            }
            self.next_hold += 1;
            BatchHold {
                at,
                number: self.next_hold - 1,
                n: self.unkeyed,
            }
        });
        self.pending.push(key, a, hold);
        if self.pending.len() >= BATCH {
            self.flush();
        }
    }

    fn open_count(&mut self, queue: &str, owner: &str) -> u32 {
        self.cache.open_count(queue, owner)
    }
}

/// A key's ledger row as the database has it.
pub(super) fn find(conn: &Connection, key: &str) -> Option<Assignment> {
    let mut stmt = conn.prepare_cached(FIND).ok()?;
    stmt.query_row([key], |r| {
        Ok(Assignment {
            queue: Arc::from(r.get::<_, String>(0)?),
            owner: Arc::from(r.get::<_, String>(1)?),
            rule: Arc::from(r.get::<_, String>(2)?),
        })
    })
    .optional()
    .ok()
    .flatten()
}

/// `route state show`: what a state file holds, as text.
pub fn show(path: &Path, day: &str) -> Result<String, String> {
    if !path.exists() {
        return Err(format!("{} does not exist", path.display()));
    }
    let conn = open_file(path).map_err(|e| failure(path, e))?;
    check_format(&conn, path)?;
    read_as_current(&conn).map_err(|e| failure(path, e))?;
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
        out.push_str(&held_summary(&conn)?);
        Ok(out)
    };
    text().map_err(|e| failure(path, e))
}

/// Held leads: open in pools, open with an owner, closed by outcome.
fn held_summary(conn: &Connection) -> rusqlite::Result<String> {
    let mut stmt = conn.prepare(
        "SELECT count(*) FILTER (WHERE l.held IS NOT NULL AND l.outcome IS NULL AND o.name = ''),
                count(*) FILTER (WHERE l.held IS NOT NULL AND l.outcome IS NULL AND o.name <> ''),
                count(*) FILTER (WHERE l.outcome IS NOT NULL)
         FROM ledger l JOIN names o ON o.id = l.owner",
    )?;
    let (pooled, owned, closed): (i64, i64, i64) =
        stmt.query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let mut out = format!(
        "held leads: {pooled} waiting in pools, {owned} open with an owner, {closed} with an outcome\n"
    );
    let mut stmt =
        conn.prepare("SELECT outcome, count(*) FROM ledger WHERE outcome IS NOT NULL GROUP BY outcome ORDER BY outcome")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
        let (outcome, n) = row?;
        out.push_str(&format!("  {outcome:<32} {n}\n"));
    }
    Ok(out)
}

/// `route state reset`: forget everything.
pub fn reset(path: &Path) -> Result<(), String> {
    let conn = open_file(path).map_err(|e| failure(path, e))?;
    conn.busy_timeout(Duration::ZERO)
        .map_err(|e| failure(path, e))?;
    // Dropped, not emptied: a file of an older layout is made new too.
    conn.execute_batch(&format!("BEGIN IMMEDIATE; DROP TABLE IF EXISTS ledger; DROP TABLE IF EXISTS names; DROP TABLE IF EXISTS rotation; DROP TABLE IF EXISTS counts; DROP TABLE IF EXISTS sticky; DROP TABLE IF EXISTS runs; DROP TABLE IF EXISTS holds; DROP TABLE IF EXISTS history; DROP TABLE IF EXISTS rules_used; DROP TABLE IF EXISTS arrivals; {SCHEMA} COMMIT;"))
        .map_err(|e| failure(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::distribute::store::sample as assignment;

    fn owner_of(store: &mut SqliteStore, key: &str) -> Option<String> {
        store.recorded(key).map(|a| a.owner.to_string())
    }

    #[test]
    fn a_new_state_file_has_large_pages_and_an_old_one_keeps_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let page_size = |path: &Path| -> i64 {
            let conn = Connection::open(path).unwrap();
            conn.query_row("PRAGMA page_size", [], |r| r.get(0))
                .unwrap()
        };
        let new = dir.path().join("new.db");
        let store = SqliteStore::open(&new, "2026-11-25", "a", FAIL_FAST).unwrap();
        store.commit().unwrap();
        assert_eq!(page_size(&new), 16384);

        // A file made by an earlier version, with SQLite's default pages.
        let old = dir.path().join("old.db");
        let conn = Connection::open(&old).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; CREATE TABLE t (x); PRAGMA user_version = {FORMAT};"
        ))
        .unwrap();
        drop(conn);
        let mut store = SqliteStore::open(&old, "2026-11-25", "a", FAIL_FAST).unwrap();
        store.record(Some("k"), &assignment("k"), None);
        store.commit().unwrap();
        assert_eq!(page_size(&old), 4096);
        let mut store = SqliteStore::open(&old, "2026-11-25", "b", FAIL_FAST).unwrap();
        assert_eq!(owner_of(&mut store, "k").as_deref(), Some("k"));
    }

    #[test]
    fn the_ledger_answers_for_this_run_and_earlier_runs_in_any_key_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let mut store = SqliteStore::open(&path, "2026-11-25", "a", FAIL_FAST).unwrap();
        // Keys out of order and more than a batch, so rows reach the writer
        // before they are asked for.
        let keys: Vec<String> = (0..3 * BATCH)
            .map(|i| format!("k{}", (i * 7919) % 5000))
            .collect();
        for key in &keys {
            assert_eq!(owner_of(&mut store, key), None, "{key} is new");
            store.record(Some(key), &assignment(key), None);
        }
        assert_eq!(owner_of(&mut store, &keys[5]), Some(keys[5].clone()));
        assert_eq!(owner_of(&mut store, "k4999x"), None);
        store.commit().unwrap();

        let mut store = SqliteStore::open(&path, "2026-11-25", "b", FAIL_FAST).unwrap();
        for key in keys.iter().step_by(97) {
            assert_eq!(
                owner_of(&mut store, key),
                Some(key.clone()),
                "from the first run"
            );
        }
        // Below and above the largest key of the first run.
        assert_eq!(owner_of(&mut store, "k0000"), None);
        assert_eq!(owner_of(&mut store, "zz"), None);
        store.record(Some("zz"), &assignment("new"), None);
        assert_eq!(owner_of(&mut store, "zz").as_deref(), Some("new"));
        drop(store);

        // A run that is not committed leaves nothing behind.
        let mut store = SqliteStore::open(&path, "2026-11-25", "c", FAIL_FAST).unwrap();
        assert_eq!(owner_of(&mut store, "zz"), None);
        assert_eq!(owner_of(&mut store, &keys[0]), Some(keys[0].clone()));
    }

    #[test]
    fn keys_in_order_then_a_repeat_then_out_of_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let mut store = SqliteStore::open(&path, "2026-11-25", "a", FAIL_FAST).unwrap();
        let keys: Vec<String> = (0..2 * BATCH).map(|i| format!("k{i:05}")).collect();
        for key in &keys {
            assert_eq!(owner_of(&mut store, key), None, "{key} is new");
            store.record(Some(key), &assignment(key), None);
        }
        // Below the largest, not recorded; then recorded ones, in any order.
        assert_eq!(owner_of(&mut store, "k00010x"), None);
        for key in [&keys[7], &keys[BATCH + 3], &keys[0]] {
            assert_eq!(owner_of(&mut store, key), Some(key.clone()));
        }
        // A new key out of order; everything recorded is still found.
        store.record(Some("a"), &assignment("a"), None);
        assert_eq!(owner_of(&mut store, "a").as_deref(), Some("a"));
        for key in keys.iter().step_by(101) {
            assert_eq!(owner_of(&mut store, key), Some(key.clone()));
        }
        assert_eq!(owner_of(&mut store, "zzz"), None);
    }

    /// Pieces are inserted `OR FAIL`, then again `OR REPLACE` when a key
    /// is already there: every row ends up written once, the new ones over
    /// the old, and the held leads keep their order.
    #[test]
    fn rows_over_earlier_rows_replace_them_whole_pieces_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let key = |i: usize| format!("k{i:05}");
        let run = |input: &str, keys: &[String], owner: &str| {
            let mut store = SqliteStore::open(&path, "2026-11-25", input, FAIL_FAST).unwrap();
            for (at, k) in keys.iter().enumerate() {
                store.record(Some(k), &assignment(owner), Some(at as i64));
            }
            store.commit().unwrap();
        };
        // Every even key, then every key: each piece of the second run
        // starts with a new key and meets an old one at its second row.
        let even: Vec<String> = (0..BATCH).map(|i| key(2 * i)).collect();
        run("a", &even, "first");
        let all: Vec<String> = (1..2 * BATCH + 1).map(key).collect();
        run("b", &all, "second");

        let conn = Connection::open(&path).unwrap();
        let ledger: Vec<(String, String, i64)> = conn
            .prepare(
                "SELECT l.key, n.name, l.run FROM ledger l JOIN names n ON n.id = l.owner ORDER BY l.key",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut want = vec![(key(0), "first".to_string(), 1)];
        want.extend(all.iter().map(|k| (k.clone(), "second".to_string(), 2)));
        assert_eq!(ledger, want);
        let held: Vec<(String, String)> = conn
            .prepare("SELECT key, decision FROM ledger WHERE held IS NOT NULL ORDER BY held")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut want = vec![(key(0), "1:1".to_string())];
        want.extend((all.iter().enumerate()).map(|(i, k)| (k.clone(), format!("2:{}", i + 1))));
        assert_eq!(held, want);
    }

    /// A held lead routed again (`--reroute`) to a queue that does not
    /// hold leads is no longer held: its row, hold included, is replaced.
    #[test]
    fn a_held_lead_routed_again_elsewhere_is_held_no_more() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let run = |input: &str, owner: &str, held: Option<i64>| {
            let mut store = SqliteStore::open(&path, "2026-11-25", input, FAIL_FAST).unwrap();
            let open = store.open_count("q", "a@x");
            store.record(Some("k"), &assignment(owner), held);
            store.commit().unwrap();
            let shown = show(&path, "2026-11-25").unwrap();
            let line = shown.lines().find(|l| l.starts_with("held leads:"));
            (open, line.unwrap().to_string())
        };
        let summary = |open: u32| {
            format!("held leads: 0 waiting in pools, {open} open with an owner, 0 with an outcome")
        };
        assert_eq!(run("a", "a@x", Some(1)), (0, summary(1)));
        assert_eq!(run("b", "b@x", None), (1, summary(0)));
        let mut store = SqliteStore::open(&path, "2026-11-25", "c", FAIL_FAST).unwrap();
        assert_eq!(store.open_count("q", "a@x"), 0);
        assert_eq!(owner_of(&mut store, "k").as_deref(), Some("b@x"));
    }

    /// A key twice in one piece (a file that repeats a lead, with
    /// `--reroute`), in no order: the later row is the one kept, as if
    /// the rows had been written one by one.
    #[test]
    fn a_key_twice_in_one_piece_keeps_the_later_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let mut store = SqliteStore::open(&path, "2026-11-25", "a", FAIL_FAST).unwrap();
        let keys = ["m", "b", "z", "b", "a", "m"];
        for (i, key) in keys.iter().enumerate() {
            store.record(Some(key), &assignment(&format!("{key}{i}")), Some(i as i64));
        }
        store.commit().unwrap();
        let conn = Connection::open(&path).unwrap();
        let rows = |sql: &str| -> Vec<String> {
            let mut stmt = conn.prepare(sql).unwrap();
            let rows = stmt.query_map([], |r| r.get(0)).unwrap();
            rows.map(Result::unwrap).collect()
        };
        let owners = rows(
            "SELECT l.key || '=' || n.name FROM ledger l JOIN names n ON n.id = l.owner ORDER BY l.key",
        );
        assert_eq!(owners, ["a=a4", "b=b3", "m=m5", "z=z2"]);
        let held =
            rows("SELECT key || '@' || since FROM ledger WHERE held IS NOT NULL ORDER BY held");
        assert_eq!(held, ["z@2", "b@3", "a@4", "m@5"]);
    }

    /// A look-up of a repeated lead uses the cached statement as it is:
    /// written with joins, it was compiled again at every use.
    #[test]
    fn finding_a_ledger_row_does_not_recompile_the_query() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let mut store = SqliteStore::open(&path, "2026-11-25", "a", FAIL_FAST).unwrap();
        for key in ["k1", "k2", "k3"] {
            store.record(Some(key), &assignment(key), None);
        }
        store.commit().unwrap();
        let conn = connect(&path, FAIL_FAST).unwrap();
        for key in ["k1", "k2", "k3", "k1", "nope"] {
            find(&conn, key);
        }
        let stmt = conn.prepare_cached(FIND).unwrap();
        assert_eq!(stmt.get_status(rusqlite::StatementStatus::RePrepare), 0);
        assert_eq!(
            find(&conn, "k2").map(|a| a.owner.to_string()).as_deref(),
            Some("k2")
        );
    }

    #[test]
    fn rows_go_in_pieces_of_few_sizes() {
        for n in [0, 1, 2, 3, 255, 256, 257, 290, 1024, 1500] {
            let rows: Vec<usize> = (0..n).collect();
            let parts: Vec<&[usize]> = pieces(&rows).collect();
            assert_eq!(parts.concat(), rows, "{n} rows, in order, each once");
            for piece in &parts {
                assert!(piece.len().is_power_of_two() && piece.len() <= ROWS_PER_INSERT);
            }
            // Full pieces first, then one of each smaller size at most.
            let small: Vec<usize> = (parts.iter().map(|p| p.len()))
                .filter(|&len| len < ROWS_PER_INSERT)
                .collect();
            assert!(small.windows(2).all(|w| w[0] > w[1]), "{n}: {small:?}");
        }
    }

    proptest::proptest! {
        /// Whatever the order, a recorded key is never taken for a new one.
        #[test]
        fn run_keys_hold_every_key_recorded(
            keys in proptest::collection::vec("[a-e]{0,3}", 0..60),
            probes in proptest::collection::vec("[a-e]{0,3}", 0..20),
        ) {
            let mut run = RunKeys::default();
            for (i, key) in keys.iter().enumerate() {
                run.insert(key);
                for earlier in &keys[..=i] {
                    proptest::prop_assert!(run.may_hold(earlier), "{earlier:?} after {:?}", &keys[..=i]);
                }
            }
            let ascending = keys.windows(2).all(|w| w[0] < w[1]);
            for probe in &probes {
                if !keys.contains(probe) && ascending && keys.last().is_none_or(|l| probe > l) {
                    proptest::prop_assert!(!run.may_hold(probe), "{probe:?} above {keys:?}");
                }
            }
        }
    }

    /// The tables of a version 2 file, as that version made them.
    const FORMAT_2: &str = "
        CREATE TABLE rotation (queue TEXT PRIMARY KEY, next INTEGER NOT NULL);
        CREATE TABLE counts (day TEXT NOT NULL, member TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (day, member));
        CREATE TABLE sticky (queue TEXT NOT NULL, value TEXT NOT NULL, owner TEXT NOT NULL, PRIMARY KEY (queue, value));
        CREATE TABLE runs (id INTEGER PRIMARY KEY, day TEXT NOT NULL, started TEXT NOT NULL, input TEXT NOT NULL);
        CREATE TABLE names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
        CREATE TABLE ledger (key TEXT PRIMARY KEY, rule INTEGER NOT NULL, queue INTEGER NOT NULL,
          owner INTEGER NOT NULL, run INTEGER NOT NULL) WITHOUT ROWID;
        PRAGMA user_version = 2;";

    /// What version 3 added to version 2.
    const FORMAT_3: &str = "
        CREATE TABLE holds (key TEXT NOT NULL UNIQUE, queue TEXT NOT NULL, owner TEXT NOT NULL,
          since INTEGER NOT NULL, lapsed TEXT NOT NULL DEFAULT '', outcome TEXT, decision TEXT);
        CREATE INDEX holds_open ON holds (queue, owner) WHERE outcome IS NULL;
        CREATE TABLE history (id INTEGER PRIMARY KEY, key TEXT NOT NULL, what TEXT NOT NULL,
          owner TEXT NOT NULL, at INTEGER NOT NULL, decision TEXT NOT NULL);
        CREATE INDEX history_by_key ON history (key);
        CREATE TABLE rules_used (run INTEGER PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL);
        PRAGMA user_version = 3;";

    /// A file of an older layout with one run: leads k1 and k2 in queue
    /// q, k1 for a@x.
    fn old_file(path: &Path, layout: &str) -> Connection {
        let conn = open_file(path).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; {layout}
             INSERT INTO runs VALUES (1, '2026-11-24', '2026-11-24', 'old.csv');
             INSERT INTO names VALUES (1, 'r'), (2, 'q'), (3, 'a@x'), (4, '');
             INSERT INTO ledger VALUES ('k1', 1, 2, 3, 1), ('k2', 1, 2, 4, 1);"
        ))
        .unwrap();
        conn
    }

    fn version(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_format_2_file_is_read_and_gains_the_held_leads_on_its_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let conn = old_file(&path, FORMAT_2);
        let shown = show(&path, "2026-11-25").unwrap();
        assert!(
            shown.contains("ledger: 2 assignments from 1 runs"),
            "{shown}"
        );
        assert!(shown.contains("held leads: 0 waiting"), "{shown}");
        let mut peeked = SqliteStore::peek(&path, "2026-11-25").unwrap();
        assert_eq!(peeked.history("k1").unwrap(), vec![]);
        assert_eq!(owner_of(&mut peeked, "k1").as_deref(), Some("a@x"));
        drop(peeked);
        assert_eq!(version(&conn), 2, "reading changes nothing");
        let mut store = SqliteStore::open(&path, "2026-11-25", "b", FAIL_FAST).unwrap();
        store.record(Some("k3"), &assignment("a@x"), Some(5));
        assert_eq!(store.open_count("q", "a@x"), 1);
        store.commit().unwrap();
        let held: (String, i64, i64) = conn
            .query_row(
                "SELECT n.name, l.held, l.since FROM ledger l JOIN names n ON n.id = l.owner WHERE key = 'k3'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!((version(&conn), held), (FORMAT, ("a@x".into(), 1, 5)));
        let mut store = SqliteStore::open(&path, "2026-11-25", "c", FAIL_FAST).unwrap();
        assert_eq!(owner_of(&mut store, "k1").as_deref(), Some("a@x"));
        assert_eq!(store.open_count("q", "a@x"), 1);
    }

    /// Version 3 kept held leads in `holds`: the first write moves them
    /// into the ledger, claim order, lapses, outcomes and first steps
    /// kept; until then readers see them where they are.
    #[test]
    fn a_format_3_file_keeps_its_held_leads_in_the_ledger_from_its_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let conn = old_file(&path, &format!("{FORMAT_2} {FORMAT_3}"));
        // Held in this order: k2 (pooled), k1 (with a@x, let go by b@y
        // before), k0 (another queue's hold: its lead was routed again),
        // k9 (pooled, and missing from the ledger).
        conn.execute_batch(
            "INSERT INTO ledger VALUES ('k0', 1, 2, 3, 1);
             INSERT INTO holds (key, queue, owner, since, decision) VALUES ('k2', 'q', '', 10, '1:2');
             INSERT INTO holds (key, queue, owner, since, lapsed, decision) VALUES ('k1', 'q', 'a@x', 20, 'b@y' || char(10), NULL);
             INSERT INTO holds (key, queue, owner, since, decision) VALUES ('k0', 'tank', '', 5, '1:9');
             INSERT INTO holds (key, queue, owner, since, decision) VALUES ('k9', 'q', '', 15, '1:5');
             INSERT INTO history (key, what, owner, at, decision) VALUES ('k1', 'pooled', '', 1, '1:1');",
        )
        .unwrap();
        let history = |store: &SqliteStore, key: &str| -> Vec<String> {
            let events = store.history(key).unwrap();
            events
                .iter()
                .map(|e| format!("{} {} {}", e.what, e.owner, e.at))
                .collect()
        };
        let shown = show(&path, "2026-11-25").unwrap();
        assert!(
            shown.contains(
                "held leads: 1 waiting in pools, 1 open with an owner, 0 with an outcome"
            ),
            "{shown}"
        );
        let peeked = SqliteStore::peek(&path, "2026-11-25").unwrap();
        assert_eq!(history(&peeked, "k2"), ["pooled  10"]);
        drop(peeked);
        assert_eq!(version(&conn), 3, "reading changes nothing");

        let store = SqliteStore::open(&path, "2026-11-25", "b", FAIL_FAST).unwrap();
        assert_eq!(store.cache.open.get(&("q".into(), "a@x".into())), Some(&1));
        store.commit().unwrap();
        assert_eq!(version(&conn), FORMAT);
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'holds'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 0);
        let peeked = SqliteStore::peek(&path, "2026-11-25").unwrap();
        assert_eq!(history(&peeked, "k2"), ["pooled  10"]);
        assert_eq!(history(&peeked, "k1"), ["pooled  1"]);
        assert_eq!(
            history(&peeked, "k0"),
            ["pooled  5"],
            "the over hold's first step"
        );
        assert_eq!(
            history(&peeked, "k9"),
            ["pooled  15"],
            "brought into the ledger"
        );
        drop(peeked);
        let mut live =
            super::super::live::LiveState::open(&path, FAIL_FAST, "2026-11-25", "s").unwrap();
        let (oldest, lapsed, due, k0) = live
            .write("2026-11-25", |s| {
                use super::super::Pool;
                let k0 = s.oldest_unowned("tank", "c@z");
                Ok::<_, ()>((
                    s.oldest_unowned("q", "c@z"),
                    s.oldest_unowned("q", "b@y"),
                    s.due("q", 100),
                    k0,
                ))
            })
            .unwrap()
            .unwrap();
        assert_eq!(oldest.map(|h| h.key).as_deref(), Some("k2"));
        assert_eq!(lapsed.map(|h| h.key).as_deref(), Some("k2"));
        let due: Vec<(String, String, Vec<String>)> = due
            .into_iter()
            .map(|h| (h.key, h.owner, h.lapsed))
            .collect();
        assert_eq!(
            due,
            [("k1".to_string(), "a@x".to_string(), vec!["b@y".to_string()])]
        );
        assert_eq!(k0, None);
        // New holds come after the moved ones.
        live.write("2026-11-25", |s| {
            s.record(Some("k4"), &assignment(""), Some(30));
            Ok::<_, ()>(())
        })
        .unwrap()
        .unwrap();
        let order: Vec<String> = conn
            .prepare("SELECT key FROM ledger WHERE held IS NOT NULL ORDER BY held")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(order, ["k2", "k1", "k9", "k4"]);
    }

    #[test]
    fn a_format_2_file_has_no_recorded_rules_until_a_run_records_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let conn = old_file(&path, FORMAT_2);
        assert_eq!(recorded_rules(&path), Ok(None));
        for (input, rules) in [("b", "/r/one.route"), ("c", "/r/two.route")] {
            let store = SqliteStore::open(&path, "2026-11-25", input, FAIL_FAST).unwrap();
            store.record_rules(Path::new(rules), "abc").unwrap();
            store.commit().unwrap();
        }
        let latest = recorded_rules(&path).unwrap().unwrap();
        assert_eq!(
            (latest.run, latest.path.to_str(), latest.input.as_str()),
            (3, Some("/r/two.route"), "c")
        );
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, FORMAT);
    }
}
