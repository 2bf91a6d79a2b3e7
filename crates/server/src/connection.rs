//! How connections are served: hyper, with the headers of a request due
//! within [`HEADER_TIMEOUT`] (a client that trickles them in, holding a
//! connection open with a few bytes a minute, is dropped), HTTP/1 and 2,
//! WebSocket upgrades, no Nagle delay on small messages, and a graceful
//! shutdown that lets requests under way finish. axum's own `serve` offers no
//! header timeout.

use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// How long a client has to send a request's headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` completes, then waits for
/// the connections under way to finish their requests.
pub async fn serve(listener: TcpListener, app: Router, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
    let (stop, stopping) = watch::channel(());
    let (done, all_done) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors or a connection reset before accept: keep serving.
                Err(error) => {
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Live messages are small and wanted at once: without this, the kernel holds one back
        // while the previous is unacknowledged (Nagle), up to a delayed acknowledgement (40 ms).
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "could not turn off Nagle's algorithm");
        }
        let service = TowerToHyperService::new(app.clone());
        let (mut stopping, done) = (stopping.clone(), done.clone());
        tokio::spawn(async move {
            let mut builder = Builder::new(TokioExecutor::new());
            builder.http1().timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT);
            builder.http2().enable_connect_protocol();
            let mut connection = pin!(builder.serve_connection_with_upgrades(TokioIo::new(stream), service));
            loop {
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(error) = result {
                            tracing::debug!(%error, "connection ended");
                        }
                        break;
                    }
                    _ = stopping.changed() => connection.as_mut().graceful_shutdown(),
                }
            }
            drop(done);
        });
    }
    drop(listener);
    let _ = stop.send(());
    drop(done);
    let mut all_done = all_done;
    // Every connection task holds a sender: the channel closes when the last one ends.
    while all_done.changed().await.is_ok() {}
    Ok(())
}
