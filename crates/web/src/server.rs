//! The HTTP server's connections: accepted up to a cap, a TLS handshake and every request head
//! each with a deadline, heads of a bounded size, and all of them finished on shutdown.
//!
//! axum's own `serve` has none of these limits: a client that sent half a header, or that kept
//! an idle connection, held it (and an open file) forever, so that about a thousand of them
//! locked everyone out of a service started with the usual 1,024 open files.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::tls::Peer;

/// How much the server gives each client, and how many it serves at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// Connections served at once; past it, new ones wait in the listen queue until one ends.
    pub max_connections: u32,
    /// How long a client may take to send a request's head, counted from when the server waits
    /// for it: on a kept-alive connection that includes the idle time before the request, so it
    /// is also the idle timeout.
    pub header_timeout: Duration,
    /// The largest request head (request line and headers); a larger one is answered 431.
    pub max_header_bytes: usize,
    /// How long a request's body may pause between two pieces before the request fails.
    pub body_timeout: Duration,
    /// How long a client may take over its TLS handshake.
    pub handshake_timeout: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            max_connections: 4096,
            header_timeout: Duration::from_secs(10),
            max_header_bytes: 32 * 1024,
            body_timeout: Duration::from_secs(30),
            handshake_timeout: Duration::from_secs(10),
        }
    }
}

impl ServerLimits {
    /// The connections a process may keep open with `open_files` as its limit of open files:
    /// all but a reserve for the database, the search index, attachments and the mail outbox.
    pub fn connections_for(open_files: u64) -> u32 {
        const RESERVE: u64 = 256;
        u32::try_from(open_files.saturating_sub(RESERVE).clamp(64, 1 << 20)).unwrap_or(1 << 20)
    }
}

/// Serves `router` on `listener` (through TLS with `tls`) within `limits`, until `shutdown`
/// completes; then stops accepting, lets the requests under way finish, and returns.
pub(crate) async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    router: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).max_header_size(limits.max_header_bytes);
    let http = Arc::new(http);
    let permits = Arc::new(Semaphore::new(limits.max_connections as usize));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut last_error_logged: Option<Instant> = None;
    tokio::pin!(shutdown);
    loop {
        // A connection is accepted only with a permit: at the cap, the listen queue holds the
        // next ones instead of this process running out of open files.
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (tcp, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                Err(e) => {
                    // Out of open files or memory: say so at most once a second, and breathe.
                    if last_error_logged.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
                        tracing::warn!(error = %e, "accepting a connection failed");
                        last_error_logged = Some(Instant::now());
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (http, router, tls, stop) = (http.clone(), router.clone(), tls.clone(), stop_rx.clone());
        tokio::spawn(async move {
            connection(&http, tcp, addr, tls, router, limits, stop).await;
            drop(permit);
        });
    }
    let _ = stop_tx.send(true);
    // Each connection holds a permit until it ends: when all are back, every request is done.
    let _ = permits.acquire_many(limits.max_connections).await;
    Ok(())
}

/// One connection, from the TLS handshake (if any) to its end.
async fn connection(
    http: &hyper::server::conn::http1::Builder,
    tcp: TcpStream,
    addr: SocketAddr,
    tls: Option<TlsAcceptor>,
    router: Router,
    limits: ServerLimits,
    mut stop: watch::Receiver<bool>,
) {
    let _ = tcp.set_nodelay(true);
    let Some(acceptor) = tls else {
        let peer = Peer { addr, subject_dn: None, issuer_dn: None };
        return requests(http, tcp, peer, router, stop).await;
    };
    let handshake = tokio::time::timeout(limits.handshake_timeout, acceptor.accept(tcp));
    let stream = tokio::select! {
        done = handshake => match done {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => return tracing::debug!(peer = %addr, error = %e, "TLS handshake refused"),
            Err(_) => return tracing::debug!(peer = %addr, "TLS handshake timed out"),
        },
        () = stopped(&mut stop) => return,
    };
    let peer = Peer::of_tls(&stream, addr);
    requests(http, stream, peer, router, stop).await
}

/// Serves the requests of one connection until it closes, or, on shutdown, until the one under
/// way is answered.
async fn requests<I>(
    http: &hyper::server::conn::http1::Builder,
    io: I,
    peer: Peer,
    router: Router,
    mut stop: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // Handlers see the peer as axum's `ConnectInfo`, as with `into_make_service_with_connect_info`.
    let service = router.map_request(move |mut request: axum::http::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer.clone()));
        request
    });
    let connection = http.serve_connection(TokioIo::new(io), TowerToHyperService::new(service));
    tokio::pin!(connection);
    let ended = tokio::select! {
        ended = connection.as_mut() => ended,
        () = stopped(&mut stop) => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(e) = ended {
        // Timeouts, heads too large, clients that went away: theirs, not ours.
        tracing::debug!(error = %e, "a connection ended with an error");
    }
}

/// Completes once the server stops.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    // Holding on to the value would keep the connection's future from moving between threads.
    let _ = stop.wait_for(|stop| *stop).await.map(drop);
}

#[cfg(test)]
mod tests {
    use super::ServerLimits;

    #[test]
    fn connections_leave_a_reserve_of_open_files() {
        for (open_files, connections) in [(1024, 768), (20_000, 19_744), (100, 64), (0, 64), (u64::MAX, 1 << 20)] {
            assert_eq!(ServerLimits::connections_for(open_files), connections, "{open_files}");
        }
    }
}
