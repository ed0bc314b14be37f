//! The server's own releases: every minute (and at start-up), leads held
//! past their queue's `release after` go back, on the server's clock
//! (`--now`, when fixed), through the routing thread like any request.

use super::app::App;
use super::state::{Job, ReleaseJob};
use std::time::Duration;
use tokio::sync::oneshot;

/// Releases now, then every `period`, until the task is aborted.
pub async fn every(app: App, period: Duration) {
    let mut ticks = tokio::time::interval(period);
    loop {
        ticks.tick().await;
        let (reply, answer) = oneshot::channel();
        let job = Job::Release(ReleaseJob {
            rules: app.rules(),
            reply,
        });
        // A full queue or a busy state file: the next tick tries again.
        if app.worker.send(job).is_ok() {
            let _ = answer.await;
        }
    }
}
