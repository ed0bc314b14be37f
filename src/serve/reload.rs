//! Hot reload: on SIGHUP, or with `--watch` when the rule file or one of
//! its data files changes, the rules are loaded and checked again and, if
//! they have no errors, swapped in whole. A request keeps the rules it was
//! read with; the next one gets the new ones. Rules with errors are
//! refused: the server goes on with the old ones and says why on stderr.

use super::app::App;
use super::rules::Rules;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// How often `--watch` looks at the files.
const WATCH_EVERY: Duration = Duration::from_secs(1);

/// What a file looked like: its modification time and size, or nothing
/// when it cannot be read.
type Stamp = Option<(SystemTime, u64)>;

/// Reloads the rules at `path` on each of `hangups` and, with `watch`, on
/// changes; runs until the task is aborted.
pub async fn reload_rules(app: App, path: PathBuf, mut hangup: Hangups, watch: bool) {
    let mut ticks = tokio::time::interval(WATCH_EVERY);
    let mut seen = stamps(&app.rules());
    loop {
        let why = tokio::select! {
            Some(()) = next_hangup(&mut hangup) => "SIGHUP",
            _ = ticks.tick(), if watch => {
                if stamps(&app.rules()) == seen {
                    continue;
                }
                "a file changed"
            }
            else => return,
        };
        reload(&app, &path, why).await;
        // After a refused reload too: the next change is what to wait for.
        seen = stamps(&app.rules());
    }
}

async fn reload(app: &App, path: &std::path::Path, why: &str) {
    let old = app.rules().sha256.clone();
    let load = path.to_path_buf();
    let loaded = tokio::task::spawn_blocking(move || {
        let mut messages = Vec::new();
        let rules = Rules::load(&load, &mut messages, false);
        (rules, messages)
    })
    .await;
    match loaded {
        Ok((Some(rules), _)) => {
            let sha256 = rules.sha256.clone();
            app.swap_rules(Arc::new(rules));
            eprintln!(
                "route serve: {why}: reloaded {} (sha256 {sha256})",
                path.display()
            );
        }
        Ok((None, messages)) => {
            eprint!("{}", String::from_utf8_lossy(&messages));
            eprintln!(
                "route serve: {why}: reload refused; still routing with the rules loaded before (sha256 {old})"
            );
        }
        Err(e) => eprintln!("route serve: {why}: reload failed: {e}"),
    }
}

/// Each file the rules were read from, as it is now. A data file the
/// rules did not name before is seen when the rule file changes.
fn stamps(rules: &Rules) -> Vec<Stamp> {
    rules
        .paths
        .iter()
        .map(|name| {
            let meta = std::fs::metadata(name).ok()?;
            Some((meta.modified().ok()?, meta.len()))
        })
        .collect()
}

#[cfg(unix)]
pub type Hangups = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
pub type Hangups = Option<()>;

/// SIGHUP, caught from now on: before this, it would end the process.
#[cfg(unix)]
pub fn hangups() -> Hangups {
    use tokio::signal::unix::{signal, SignalKind};
    signal(SignalKind::hangup()).ok()
}

#[cfg(not(unix))]
pub fn hangups() -> Hangups {
    None
}

/// The next SIGHUP; never, where there is none.
async fn next_hangup(hangups: &mut Hangups) -> Option<()> {
    #[cfg(unix)]
    if let Some(signal) = hangups {
        return signal.recv().await;
    }
    let _ = hangups;
    std::future::pending().await
}
