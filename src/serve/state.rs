//! Sharing leads out from a server: one thread owns the distributor and
//! the state, and routes requests one at a time, in the order they come.
//!
//! Deciding a lead is pure and cheap; sharing it out reads and changes
//! rotations, counts and sticky owners, so it must not interleave between
//! requests: a single thread makes round robin, caps and sticky owners hold
//! across concurrent requests without a lock around every read. Across
//! processes, each request is one SQLite transaction that re-reads what it
//! needs (see [`crate::distribute::live`]).

use super::decision_log::{self, Entry, Log};
use super::error::ApiError;
use super::rules::Rules;
use crate::distribute::date;
use crate::distribute::live::{LiveError, LiveState};
use crate::distribute::pool::{self, Claim, Released};
use crate::distribute::{Assignment, Distributor, MemoryStore, Pool, Preview, Store};
use crate::run::{self, Encoding, Rejects, Sharing, Summary};
use serde_json::Value as Json;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use tokio::sync::oneshot;

/// Requests waiting for the routing thread before new ones are refused
/// (503): a bound on memory when clients send faster than leads are routed.
const QUEUED: usize = 1024;

/// Where rotations, counts, sticky owners and the ledger live.
pub enum StateMode {
    /// From start-up to shutdown, as in one long `route run` without `--state`.
    Memory(MemoryStore),
    /// `--state DB`, shared with `route run` and other servers.
    Sqlite(LiveState),
}

/// A lead to route, its cells one per field of `rules`.
pub struct LeadJob {
    /// The rules the request was read with: it is routed with them too,
    /// even if a reload swapped them since.
    pub rules: Arc<Rules>,
    pub cells: Vec<Option<String>>,
    pub explain: bool,
    /// `explain` with `why_not`: a queue name, already checked.
    pub why_not: Option<String>,
    pub dry_run: bool,
    pub reply: oneshot::Sender<Result<LeadAnswer, ApiError>>,
}

pub struct LeadAnswer {
    pub assignment: Assignment,
    /// The key was in the ledger: the earlier assignment was given again.
    pub repeated: bool,
    /// `None` for a dry run, which decides nothing.
    pub decision_id: Option<String>,
    /// Columns whose value could not be read as their type.
    pub unreadable: Vec<String>,
    pub explain: Option<Json>,
}

/// A CSV body to route as `route run` would.
pub struct CsvJob {
    pub rules: Arc<Rules>,
    pub body: axum::body::Bytes,
    pub encoding: Encoding,
    pub dry_run: bool,
    pub reply: oneshot::Sender<Result<CsvAnswer, ApiError>>,
}

pub struct CsvAnswer {
    pub csv: Vec<u8>,
    pub summary: Summary,
    /// Rejected rows: line and reason.
    pub rejects: Vec<(u64, String)>,
}

/// A rep claiming the oldest open lead of a shark tank.
pub struct ClaimJob {
    pub rules: Arc<Rules>,
    /// A shark tank of `rules`, already checked.
    pub queue: crate::ir::QueueId,
    pub rep: String,
    pub reply: oneshot::Sender<Result<ClaimAnswer, ApiError>>,
}

pub struct ClaimAnswer {
    pub claim: Claim,
    /// `None` when nothing was claimed.
    pub decision_id: Option<String>,
}

/// What happened to a lead, as its rep reports it.
pub struct OutcomeJob {
    pub rules: Arc<Rules>,
    pub key: String,
    pub outcome: &'static str,
    pub reply: oneshot::Sender<Result<OutcomeAnswer, ApiError>>,
}

pub struct OutcomeAnswer {
    pub recorded_at: i64,
    pub decision_id: String,
}

/// The due releases, on the server's clock.
pub struct ReleaseJob {
    pub rules: Arc<Rules>,
    pub reply: oneshot::Sender<Result<Vec<Released>, ApiError>>,
}

pub enum Job {
    Lead(LeadJob),
    Csv(CsvJob),
    Claim(ClaimJob),
    Outcome(OutcomeJob),
    Release(ReleaseJob),
}

impl Job {
    fn rules(&self) -> &Arc<Rules> {
        match self {
            Job::Lead(j) => &j.rules,
            Job::Csv(j) => &j.rules,
            Job::Claim(j) => &j.rules,
            Job::Outcome(j) => &j.rules,
            Job::Release(j) => &j.rules,
        }
    }

    /// The client stopped waiting (it went away, or the request timed
    /// out): routing it now would change the state for nobody.
    fn abandoned(&self) -> bool {
        match self {
            Job::Lead(j) => j.reply.is_closed(),
            Job::Csv(j) => j.reply.is_closed(),
            Job::Claim(j) => j.reply.is_closed(),
            Job::Outcome(j) => j.reply.is_closed(),
            Job::Release(j) => j.reply.is_closed(),
        }
    }
}

/// The handle requests use to reach the routing thread.
pub struct Worker {
    jobs: Option<SyncSender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// `clock`: a fixed time (`--now`), else the system's; `timed`: it
    /// has a time of day (a `--now` date alone has none: working hours
    /// then decide only the days, as in a batch run for that date).
    /// `log`: where each decision is logged (`--decision-log`), if anywhere.
    pub fn start(state: StateMode, clock: Option<i64>, timed: bool, log: Option<Log>) -> Self {
        let (jobs, queue) = sync_channel(QUEUED);
        let thread =
            std::thread::spawn(move || route_jobs(state, clock, timed, log.as_ref(), queue));
        Worker {
            jobs: Some(jobs),
            thread: Some(thread),
        }
    }

    /// Queues a job; refused when the queue is full or the thread is gone.
    pub fn send(&self, job: Job) -> Result<(), ApiError> {
        let Some(jobs) = &self.jobs else {
            return Err(stopping());
        };
        jobs.try_send(job).map_err(|e| match e {
            TrySendError::Full(_) => ApiError::unavailable(
                "overloaded",
                format!("{QUEUED} requests are already waiting to be routed"),
                "retry after the Retry-After delay, or send many leads as one text/csv body",
            ),
            TrySendError::Disconnected(_) => stopping(),
        })
    }

    /// Lets the thread finish the queued jobs, then waits for it.
    pub fn stop(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn stopping() -> ApiError {
    ApiError::unavailable(
        "shutting-down",
        "the server is shutting down",
        "send the request again once the server is back",
    )
}

/// The routing thread: jobs in arrival order, each routed with its rules'
/// distributor for its day — the same one from job to job, built anew
/// when a reload brings other rules or the date changes at midnight UTC.
fn route_jobs(
    mut state: StateMode,
    clock: Option<i64>,
    timed: bool,
    log: Option<&Log>,
    queue: Receiver<Job>,
) {
    let mut decisions = 0u64;
    let mut next = queue.recv().ok();
    while let Some(job) = next {
        let rules = job.rules().clone();
        let day = date::day_of(clock.unwrap_or_else(date::now_secs));
        let distributor = Distributor::new(&rules.program, &day, false);
        let mut context = Context {
            rules: &rules,
            distributor: &distributor,
            state: &mut state,
            day: &day,
            decisions: &mut decisions,
            clock,
            timed,
            log,
        };
        next = context.route_while_current(job, &queue);
    }
}

/// What routing one job needs.
struct Context<'a, 'p> {
    rules: &'a Arc<Rules>,
    distributor: &'a Distributor<'p>,
    state: &'a mut StateMode,
    day: &'a str,
    decisions: &'a mut u64,
    /// The fixed time of `--now`, else `None`: the system's clock.
    clock: Option<i64>,
    timed: bool,
    log: Option<&'a Log>,
}

impl Context<'_, '_> {
    /// Routes `job` and the jobs after it while they share its rules and
    /// day; gives back the first that does not (`None`: no more jobs).
    fn route_while_current(&mut self, first: Job, queue: &Receiver<Job>) -> Option<Job> {
        let mut job = first;
        loop {
            self.route(job);
            job = queue.recv().ok()?;
            let today = date::day_of(self.now());
            if !Arc::ptr_eq(job.rules(), self.rules) || today != self.day {
                return Some(job);
            }
        }
    }

    /// Routes one job and answers it. A panic drops the job's reply: its
    /// request gets a 500, the transaction is rolled back, and the next
    /// job goes on.
    fn route(&mut self, job: Job) {
        if job.abandoned() {
            return;
        }
        self.distributor.set_clock(self.now(), self.timed);
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match job {
            Job::Lead(job) => {
                let answer = self.route_lead(&job);
                let _ = job.reply.send(answer);
            }
            Job::Csv(job) => {
                let answer = self.route_csv(&job);
                let _ = job.reply.send(answer);
            }
            Job::Claim(job) => {
                let answer = self.claim(&job);
                let _ = job.reply.send(answer);
            }
            Job::Outcome(job) => {
                let answer = self.outcome(&job);
                let _ = job.reply.send(answer);
            }
            Job::Release(job) => {
                let answer = self.release();
                let _ = job.reply.send(answer);
            }
        }));
    }

    /// The time now, seconds since 1970: fixed by `--now`, else the system's.
    fn now(&self) -> i64 {
        self.clock.unwrap_or_else(date::now_secs)
    }

    /// Logs a decision, when there is a decision log: `entry` is built
    /// only then.
    fn log<'e>(&self, entry: impl FnOnce() -> Entry<'e>) {
        if let Some(log) = self.log {
            log.write(&entry());
        }
    }

    /// The next decision's id, `RUN:N`.
    fn next_decision(&mut self) -> String {
        *self.decisions += 1;
        format!("{}:{}", self.run(), self.decisions)
    }

    fn claim(&mut self, job: &ClaimJob) -> Result<ClaimAnswer, ApiError> {
        let program = &self.rules.program;
        let (at, id) = (self.now(), self.next_decision());
        let claim = with_pool(self.state, self.day, |store| {
            store.decision(&id);
            Ok(pool::claim(program, store, job.queue, &job.rep, at))
        })?;
        let Claim::Got(held) = &claim else {
            return Ok(ClaimAnswer {
                claim,
                decision_id: None,
            });
        };
        let (key, queue, owner) = (&held.key, &held.queue, &held.owner);
        self.log(|| Entry::new(&id, at, "claimed", key, queue, owner));
        Ok(ClaimAnswer {
            claim,
            decision_id: Some(id),
        })
    }

    fn outcome(&mut self, job: &OutcomeJob) -> Result<OutcomeAnswer, ApiError> {
        let (at, id) = (self.now(), self.next_decision());
        let known = with_pool(self.state, self.day, |store| {
            store.decision(&id);
            let known = store.set_outcome(&job.key, job.outcome, at);
            Ok(known.then(|| store.recorded(&job.key)))
        })?;
        let Some(assignment) = known else {
            return Err(ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "unknown-lead",
                format!("no lead with the key {:?} was routed", job.key),
                "use the lead's key (its `key` field) as routed by POST /v1/route or route run --state",
            ));
        };
        self.log(|| {
            let (queue, owner) = assignment
                .as_ref()
                .map_or(("", ""), |a| (&*a.queue, &*a.owner));
            Entry {
                outcome: Some(job.outcome),
                ..Entry::new(&id, at, "outcome", &job.key, queue, owner)
            }
        });
        Ok(OutcomeAnswer {
            recorded_at: at,
            decision_id: id,
        })
    }

    /// The due releases; each is logged on stderr.
    fn release(&mut self) -> Result<Vec<Released>, ApiError> {
        let distributor = self.distributor;
        let at = self.now();
        let id = format!("{}:release", self.run());
        let released = with_pool(self.state, self.day, |store| {
            store.decision(&id);
            Ok(pool::release_due(distributor, store, at))
        })?;
        for r in &released {
            self.log(|| Entry {
                from: decision_log::named(&r.from),
                ..Entry::new(&id, r.at, "released", &r.key, &r.queue, &r.to)
            });
            let to = if r.to.is_empty() { "the pool" } else { &r.to };
            eprintln!(
                "route serve: released {} in {} from {} to {to} ({})",
                r.key, r.queue, r.from, r.reason
            );
        }
        Ok(released)
    }

    fn route_lead(&mut self, job: &LeadJob) -> Result<LeadAnswer, ApiError> {
        let rules = self.rules;
        let distributor = self.distributor;
        let mut steps = job.explain.then(String::new);
        let decision_id = (!job.dry_run).then(|| self.next_decision());
        let routed = with_store(self.state, self.day, job.dry_run, |store, persistent| {
            if let Some(id) = &decision_id {
                store.decision(id);
            }
            let sharing = Sharing {
                distributor,
                store,
                persistent,
            };
            let cells = &job.cells;
            let routed = run::route_one(
                &rules.program,
                &rules.dag,
                &rules.decoder,
                cells,
                sharing,
                steps.as_mut(),
            );
            Ok(routed)
        })?;
        if let Some(id) = &decision_id {
            let key = (rules.program.key_field())
                .and_then(|f| job.cells.get(f).cloned().flatten())
                .unwrap_or_default();
            let a = &routed.outcome.assignment;
            self.log(|| Entry {
                rule: decision_log::named(&a.rule),
                repeated: Some(routed.outcome.repeated),
                ..Entry::new(id, self.now(), "routed", key.trim(), &a.queue, &a.owner)
            });
        }
        let explain = job.explain.then(|| {
            let steps = steps.unwrap_or_default();
            rules.explain(&job.cells, job.why_not.as_deref(), &routed.outcome, steps)
        });
        Ok(LeadAnswer {
            assignment: routed.outcome.assignment,
            repeated: routed.outcome.repeated,
            decision_id,
            unreadable: routed
                .unreadable
                .iter()
                .map(|f| rules.program.fields[*f].column.clone())
                .collect(),
            explain,
        })
    }

    fn route_csv(&mut self, job: &CsvJob) -> Result<CsvAnswer, ApiError> {
        let rules = self.rules;
        let distributor = self.distributor;
        let (run, at, log) = (self.run(), self.now(), self.log);
        // A dry run decides nothing: no ids, no log.
        let mut told = (!job.dry_run).then(|| CsvDecisions {
            run,
            at,
            log,
            decisions: &mut *self.decisions,
            id: String::new(),
            lines: Vec::new(),
        });
        let answer = with_store(self.state, self.day, job.dry_run, |store, persistent| {
            let mut csv = Vec::new();
            let mut rejects = Rejects::in_memory();
            let options = run::Options {
                encoding: job.encoding,
                jobs: 1,
                excel_safe: false,
                samples: false,
            };
            let sharing = Sharing {
                distributor,
                store,
                persistent,
            };
            let summary = run::route_csv_told(
                &rules.program,
                &rules.dag,
                &job.body[..],
                options,
                &mut csv,
                &mut rejects,
                sharing,
                told.as_mut().map(|t| t as &mut dyn run::Told),
            )
            .map_err(|e| {
                ApiError::bad_request(
                    "invalid-csv",
                    e.message,
                    e.help.unwrap_or_else(|| {
                        "send a CSV whose first row names the lead's columns".into()
                    }),
                )
            })?;
            Ok(CsvAnswer {
                csv,
                summary,
                rejects: rejects.kept().to_vec(),
            })
        })?;
        // Committed: the leads were routed, and are logged.
        if let (Some(log), Some(told)) = (log, told) {
            told.lines.into_iter().for_each(|line| log.write_line(line));
        }
        Ok(answer)
    }

    /// The state's number for this server's run (0 in memory).
    fn run(&self) -> i64 {
        match &*self.state {
            StateMode::Memory(_) => 0,
            StateMode::Sqlite(live) => live.run(),
        }
    }
}

/// Names each lead of a CSV body's decision, `RUN:N` as for one lead, and
/// logs it.
struct CsvDecisions<'x> {
    run: i64,
    at: i64,
    log: Option<&'x Log>,
    decisions: &'x mut u64,
    /// The decision of the lead being routed.
    id: String,
    /// The log's lines, written once the body's transaction commits.
    lines: Vec<String>,
}

impl run::Told for CsvDecisions<'_> {
    fn deciding(&mut self, store: &mut dyn Store) {
        *self.decisions += 1;
        self.id = format!("{}:{}", self.run, self.decisions);
        store.decision(&self.id);
    }

    fn decided(&mut self, key: Option<&str>, outcome: &crate::distribute::Outcome) {
        if self.log.is_none() {
            return;
        }
        let a = &outcome.assignment;
        let line = decision_log::line(&Entry {
            rule: decision_log::named(&a.rule),
            repeated: Some(outcome.repeated),
            ..Entry::new(
                &self.id,
                self.at,
                "routed",
                key.unwrap_or(""),
                &a.queue,
                &a.owner,
            )
        });
        self.lines.extend(line);
    }
}

/// Runs `f` over the state — for real, or for a dry run on a preview that
/// keeps its changes to itself — with whether the state lasts (and so
/// keeps a ledger). With SQLite, `f` is one transaction: it commits when
/// `f` returns `Ok`.
fn with_store<T>(
    state: &mut StateMode,
    day: &str,
    dry_run: bool,
    f: impl FnOnce(&mut dyn Store, bool) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    match state {
        StateMode::Memory(memory) if dry_run => f(&mut Preview::new(memory), false),
        StateMode::Memory(memory) => f(memory, false),
        StateMode::Sqlite(live) if dry_run => live
            .read(day, |s| f(&mut Preview::new(s), true))
            .map_err(state_error)?,
        StateMode::Sqlite(live) => live.write(day, |s| f(s, true)).map_err(state_error)?,
    }
}

/// Runs `f` over the held leads, in one write transaction with SQLite.
fn with_pool<T>(
    state: &mut StateMode,
    day: &str,
    f: impl FnOnce(&mut dyn Pool) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    match state {
        // Without a lasting state no lead is kept by key: nothing to claim.
        StateMode::Memory(_) => Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "state-required",
            "this server keeps no state file, so it holds no leads to claim, record or release",
            "start the server with --state DB (the file route run --state uses)",
        )),
        StateMode::Sqlite(live) => live.write(day, |s| f(s)).map_err(state_error)?,
    }
}

fn state_error(e: LiveError) -> ApiError {
    match e {
        LiveError::Busy(message) => ApiError::unavailable(
            "state-busy",
            message,
            "another process (a `route run` on the same --state) holds the state file; retry after the Retry-After delay",
        ),
        LiveError::Failed(message) => ApiError::unavailable(
            "state-failed",
            message,
            "nothing of this request was kept; check the state file and retry",
        ),
    }
}
