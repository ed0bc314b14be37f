//! `route serve`: routing over HTTP, with the same answers as `route run`.
//!
//! The rules are loaded, checked and compiled once; requests are read and
//! checked on the async runtime and routed, one at a time, by a single
//! routing thread that owns the distributor and the state ([`state`]).
//! Without `--state` the rotations live in memory from start-up, as in one
//! long `route run`; with it, each request is a short SQLite transaction
//! on the file `route run --state` uses. SIGHUP (or, with `--watch`, a
//! changed file) reloads the rules ([`reload`]). See `docs/serve.md`.

mod app;
mod connections;
mod decision_log;
mod error;
mod handlers;
mod lead;
mod metrics;
mod openapi;
mod pools;
mod release;
mod reload;
mod rules;
mod state;

use crate::commands::{CANNOT_RUN, OK};
use crate::distribute::date;
use crate::distribute::live::LiveState;
use crate::distribute::MemoryStore;
use app::Shared;
pub use decision_log::Destination as DecisionLog;
use serde_json::json;
use state::{StateMode, Worker};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How often the server releases leads held past their queue's `release
/// after`: releases are by the hour, so a minute late is on time.
const RELEASE_EVERY: Duration = Duration::from_secs(60);

pub struct ServeOptions {
    pub rules: PathBuf,
    pub state: Option<PathBuf>,
    /// `HOST:PORT`; port 0 takes a free port (the address is printed).
    pub listen: String,
    /// A fixed time: `YYYY-MM-DD` (its start) or `YYYY-MM-DDTHH:MM[:SS]Z`
    /// (default: the system clock, UTC).
    pub now: Option<String>,
    /// Bytes a request body may have.
    pub max_body: usize,
    /// Time a request may take, reading its body included.
    pub timeout: Duration,
    /// Time a request waits for another process holding the state file.
    pub state_wait: Duration,
    /// Reload the rules when the rule file or a data file changes (they
    /// are reloaded on SIGHUP in any case).
    pub watch: bool,
    /// Where every decision is logged, one JSON line each (`None`: nowhere).
    pub decision_log: Option<DecisionLog>,
    pub color: bool,
}

/// `route serve RULES`: serves until SIGINT or SIGTERM, then finishes the
/// requests in flight. Messages go to `err`; 2 when it cannot start.
pub fn serve(options: &ServeOptions, err: &mut dyn Write) -> u8 {
    let Ok(clock) = crate::commands::now_instant(options.now.as_deref(), err) else {
        return CANNOT_RUN;
    };
    let Some(rules) = rules::Rules::load(&options.rules, err, options.color) else {
        return CANNOT_RUN;
    };
    if let Err(e) = crate::run::clash::check(&written_files(options)) {
        crate::commands::report_run_error(&e, err);
        return CANNOT_RUN;
    }
    let state = match &options.state {
        None => StateMode::Memory(MemoryStore::default()),
        Some(path) => {
            let input = format!("route serve {}", options.listen);
            let day = date::day_of(clock.unwrap_or_else(date::now_secs));
            let rules_path = crate::commands::absolute(&options.rules);
            let opened = LiveState::open(path, options.state_wait, &day, &input)
                .and_then(|mut live| live.record_rules(&rules_path, &rules.sha256).map(|()| live));
            match opened {
                Ok(live) => StateMode::Sqlite(live),
                Err(message) => {
                    let _ = writeln!(err, "error: {message}");
                    return CANNOT_RUN;
                }
            }
        }
    };
    let log = match options.decision_log.clone().map(decision_log::start) {
        None => None,
        Some(Ok(log)) => Some(log),
        Some(Err(message)) => {
            let _ = writeln!(
                err,
                "error: {message}\n  help: give --decision-log a file in a directory the server may write to, or - for stderr"
            );
            return CANNOT_RUN;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = writeln!(err, "error: cannot start the server: {e}");
            return CANNOT_RUN;
        }
    };
    let (log, writer) = log.unzip();
    let code = runtime.block_on(listen(options, Arc::new(rules), state, clock, log, err));
    // Every decision was handed over before its answer was sent: all of
    // them are written before the server says it stopped.
    if let Some(writer) = writer {
        writer.finish();
    }
    if code == OK {
        let _ = writeln!(err, "route serve: stopped");
    }
    code
}

/// The files the server writes (the state, the decision log appended to)
/// and the rule file: no two may be one file, or the log's lines would
/// go into the state or the rules.
fn written_files(options: &ServeOptions) -> Vec<(&'static str, &Path)> {
    let log = match &options.decision_log {
        Some(DecisionLog::File(path)) => Some(("the decision log", path.as_path())),
        _ => None,
    };
    let named = [
        Some(("the rule file", options.rules.as_path())),
        options.state.as_deref().map(|p| ("the state", p)),
        log,
    ];
    named.into_iter().flatten().collect()
}

async fn listen(
    options: &ServeOptions,
    rules: Arc<rules::Rules>,
    state: StateMode,
    clock: Option<i64>,
    log: Option<decision_log::Log>,
    err: &mut dyn Write,
) -> u8 {
    let listener = match tokio::net::TcpListener::bind(&options.listen).await {
        Ok(listener) => listener,
        Err(e) => {
            let _ = writeln!(err, "error: cannot listen on {}: {e}\n  help: give --listen HOST:PORT with a free port (port 0 takes any free one)", options.listen);
            return CANNOT_RUN;
        }
    };
    let address = listener
        .local_addr()
        .map_or_else(|_| options.listen.clone(), |a| a.to_string());
    // Before the address is announced: a SIGHUP from then on reloads.
    let hangups = reload::hangups();
    let shared = Arc::new(Shared::new(
        rules,
        Worker::start(
            state,
            clock,
            crate::commands::has_time_of_day(options.now.as_deref()),
            log,
        ),
        setup(options),
        options.max_body,
        options.timeout,
    ));
    let _ = writeln!(err, "route serve: listening on http://{address}");
    let _ = err.flush();
    let reloader = tokio::spawn(reload::reload_rules(
        shared.clone(),
        options.rules.clone(),
        hangups,
        options.watch,
    ));
    // Only a state file holds leads to release.
    let releaser = (options.state.is_some())
        .then(|| tokio::spawn(release::every(shared.clone(), RELEASE_EVERY)));
    connections::serve(listener, app::router(shared.clone()), options.timeout).await;
    for task in std::iter::once(reloader).chain(releaser) {
        task.abort();
        let _ = task.await;
    }
    // Every request has been answered; the routing thread has no more work.
    if let Some(shared) = Arc::into_inner(shared) {
        let mut worker = shared.worker;
        worker.stop();
    }
    OK
}

/// What `/v1/health` says besides the rules: the state and the date.
fn setup(options: &ServeOptions) -> serde_json::Value {
    let state = match &options.state {
        None => json!({ "mode": "memory" }),
        Some(path) => json!({ "mode": "sqlite", "file": path.display().to_string() }),
    };
    json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "state": state,
        "now": options.now,
    })
}
