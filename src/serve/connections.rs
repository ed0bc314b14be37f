//! Accepting connections: HTTP/1.1 by hyper, each connection with a time
//! limit on reading a request's headers (so a client that opens a
//! connection and trickles its headers cannot hold it forever; the body is
//! under the per-request limit of `app`), and a graceful end on SIGINT or
//! SIGTERM: no new connections, the requests in flight answered.
//!
//! `axum::serve` does all of this except the header time limit, which it
//! does not expose; hence this loop.

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::time::Duration;
use tokio::net::TcpListener;

/// The largest request head (request line and headers) read.
const MAX_HEAD_BYTES: usize = 64 << 10;

/// How long to pause when accepting fails (out of file descriptors, say)
/// before trying again, instead of spinning.
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);

/// Serves `router` on `listener` until SIGINT or SIGTERM; returns once
/// every connection has finished its requests in flight.
pub async fn serve(listener: TcpListener, router: Router, header_timeout: Duration) {
    let graceful = GracefulShutdown::new();
    let mut stop = std::pin::pin!(shutdown());
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut stop => break,
        };
        let Ok((stream, _)) = accepted else {
            tokio::time::sleep(ACCEPT_PAUSE).await;
            continue;
        };
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            // Request heads past this get 431, whatever the timing: hyper's
            // default (about 400 KiB) let a 200 KB header through.
            .max_buf_size(MAX_HEAD_BYTES)
            .serve_connection(
                TokioIo::new(stream),
                TowerToHyperService::new(router.clone()),
            );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A connection's errors (a client gone, a timeout) are its own.
            let _ = connection.await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM (`systemctl stop`, `docker stop`).
async fn shutdown() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
