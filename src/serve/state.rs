//! Sharing leads out from a server: one thread owns the distributor and
//! the state, and routes requests one at a time, in the order they come.
//!
//! Deciding a lead is pure and cheap; sharing it out reads and changes
//! rotations, counts and sticky owners, so it must not interleave between
//! requests: a single thread makes round robin, caps and sticky owners hold
//! across concurrent requests without a lock around every read. Across
//! processes, each request is one SQLite transaction that re-reads what it
//! needs (see [`crate::distribute::live`]).

use super::error::ApiError;
use super::rules::Rules;
use crate::distribute::live::{LiveError, LiveState};
use crate::distribute::{Assignment, Distributor, MemoryStore, Preview, Store};
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

pub enum Job {
    Lead(LeadJob),
    Csv(CsvJob),
}

impl Job {
    fn rules(&self) -> &Arc<Rules> {
        match self {
            Job::Lead(j) => &j.rules,
            Job::Csv(j) => &j.rules,
        }
    }

    /// The client stopped waiting (it went away, or the request timed
    /// out): routing it now would change the state for nobody.
    fn abandoned(&self) -> bool {
        match self {
            Job::Lead(j) => j.reply.is_closed(),
            Job::Csv(j) => j.reply.is_closed(),
        }
    }
}

/// The handle requests use to reach the routing thread.
pub struct Worker {
    jobs: Option<SyncSender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    pub fn start(state: StateMode, now: Option<String>) -> Self {
        let (jobs, queue) = sync_channel(QUEUED);
        let thread = std::thread::spawn(move || route_jobs(state, now, queue));
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
fn route_jobs(mut state: StateMode, now: Option<String>, queue: Receiver<Job>) {
    let mut decisions = 0u64;
    let mut next = queue.recv().ok();
    while let Some(job) = next {
        let rules = job.rules().clone();
        let day = now.clone().unwrap_or_else(crate::distribute::date::today);
        let distributor = Distributor::new(&rules.program, &day, false);
        let mut context = Context {
            rules: &rules,
            distributor: &distributor,
            state: &mut state,
            day: &day,
            decisions: &mut decisions,
        };
        next = context.route_while_current(job, &queue, now.as_deref());
    }
}

/// What routing one job needs.
struct Context<'a, 'p> {
    rules: &'a Arc<Rules>,
    distributor: &'a Distributor<'p>,
    state: &'a mut StateMode,
    day: &'a str,
    decisions: &'a mut u64,
}

impl Context<'_, '_> {
    /// Routes `job` and the jobs after it while they share its rules and
    /// day; gives back the first that does not (`None`: no more jobs).
    fn route_while_current(
        &mut self,
        first: Job,
        queue: &Receiver<Job>,
        now: Option<&str>,
    ) -> Option<Job> {
        let mut job = first;
        loop {
            self.route(job);
            job = queue.recv().ok()?;
            let today = now.map_or_else(crate::distribute::date::today, String::from);
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
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match job {
            Job::Lead(job) => {
                let answer = self.route_lead(&job);
                let _ = job.reply.send(answer);
            }
            Job::Csv(job) => {
                let answer = self.route_csv(&job);
                let _ = job.reply.send(answer);
            }
        }));
    }

    fn route_lead(&mut self, job: &LeadJob) -> Result<LeadAnswer, ApiError> {
        let rules = self.rules;
        let distributor = self.distributor;
        let mut steps = job.explain.then(String::new);
        let routed = with_store(self.state, self.day, job.dry_run, |store, persistent| {
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
        let decision_id = (!job.dry_run).then(|| {
            *self.decisions += 1;
            format!("{}:{}", self.run(), self.decisions)
        });
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
        with_store(self.state, self.day, job.dry_run, |store, persistent| {
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
            let summary = run::route_csv(
                &rules.program,
                &rules.dag,
                &job.body[..],
                options,
                &mut csv,
                &mut rejects,
                sharing,
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
        })
    }

    /// The state's number for this server's run (0 in memory).
    fn run(&self) -> i64 {
        match &*self.state {
            StateMode::Memory(_) => 0,
            StateMode::Sqlite(live) => live.run(),
        }
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
