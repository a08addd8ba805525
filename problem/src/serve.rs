//! Serving a router on a TCP listener with a deadline for each request's head and a cap on
//! open connections.
//!
//! `axum::serve` sets hyper no timer, so hyper's header read timeout is off: a client may send
//! a request head a byte at a time, or open a connection and send nothing, for as long as it
//! likes, and every such connection holds a task, a buffer and a file descriptor of the
//! service. A few thousand of them (slowloris) exhaust the descriptors, after which the
//! service can neither accept nor open files. [`serve`] answers HTTP/1.1 as `axum::serve` does
//! but closes a connection whose request head has not fully arrived within
//! [`HEADER_READ_TIMEOUT`]; hyper counts an idle keep-alive connection as waiting for its next
//! head, so idle connections are closed after the same time.
//!
//! The deadline alone still lets a client open thousands of sockets at once and hold them for
//! the deadline, again and again. So at most [`ServeOptions::max_connections`] connections are
//! open at a time: once that many are, the next is not accepted until one closes. It waits in
//! the kernel's listen backlog, where it costs the service no descriptor, and is served as soon
//! as a slot frees (within the head deadline at the latest, for idle ones). Accepting and
//! closing instead would spend a descriptor and a syscall pair per attempt and tell a real
//! client no more than the wait does.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_service::Service as _;

/// How long a request head may take to arrive, counted from when the connection is ready for
/// it (accepted, or idle after an answer): hyper's own default, which no client of the project
/// comes near (a head is one write), and which closes idle keep-alive connections well before
/// a client pool's 90 s would.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The connection cap where the descriptor limit cannot be read (not Linux).
pub const FALLBACK_MAX_CONNECTIONS: usize = 512;

/// How a service is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeOptions {
    /// How long a request head may take to arrive ([`HEADER_READ_TIMEOUT`] by default).
    pub header_timeout: Duration,
    /// Most connections open at once ([`default_max_connections`] by default; 0 counts as 1).
    pub max_connections: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            header_timeout: HEADER_READ_TIMEOUT,
            max_connections: default_max_connections(),
        }
    }
}

/// Half the process's soft limit of open files, between 64 and 16 384: the other half stays
/// for what the service itself opens (its store, temporary files, connections to the chain,
/// to nodes and to the database), so a flood of connections cannot make those fail.
/// [`FALLBACK_MAX_CONNECTIONS`] when the limit cannot be read.
pub fn default_max_connections() -> usize {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| soft_open_files(&limits))
        .map_or(FALLBACK_MAX_CONNECTIONS, |soft| {
            usize::try_from(soft / 2)
                .unwrap_or(usize::MAX)
                .clamp(64, 16_384)
        })
}

/// The soft "Max open files" of a `/proc/<pid>/limits` text ("unlimited" as `u64::MAX`).
fn soft_open_files(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line
        .trim_start_matches("Max open files")
        .split_whitespace()
        .next()?;
    if soft == "unlimited" {
        Some(u64::MAX)
    } else {
        soft.parse().ok()
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then lets the requests in progress
/// finish. Requests carry [`ConnectInfo<SocketAddr>`] of their peer. A request head must
/// arrive within `header_timeout` ([`HEADER_READ_TIMEOUT`] in the services); connections are
/// capped at [`default_max_connections`] (see [`serve_with`] to choose).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let options = ServeOptions {
        header_timeout,
        ..ServeOptions::default()
    };
    serve_with(listener, app, options, shutdown).await
}

/// [`serve`] with every option chosen.
pub async fn serve_with(
    listener: TcpListener,
    app: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let ServeOptions {
        header_timeout,
        max_connections,
    } = options;
    let slots = Arc::new(Semaphore::new(max_connections.max(1)));
    // Each connection task holds a receiver: once shutdown is signalled (the sender dropped),
    // the tasks finish their requests, and `closed` resolves when the last one has.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    // Whether the cap was reached since a slot was last free at once: logged once per episode,
    // not once per waiting connection.
    let mut full = false;
    loop {
        let slot = match Arc::clone(&slots).try_acquire_owned() {
            Ok(slot) => {
                full = false;
                slot
            }
            Err(_) => {
                if !full {
                    full = true;
                    tracing::warn!(
                        max_connections,
                        "connection cap reached: new connections wait until one closes"
                    );
                }
                tokio::select! {
                    slot = Arc::clone(&slots).acquire_owned() => {
                        slot.expect("the semaphore is never closed")
                    }
                    () = &mut shutdown => break,
                }
            }
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors or a connection reset before it was accepted: the listener
                // is still good, so wait a moment and go on rather than stop serving.
                tracing::warn!(error = %e, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            // Given back when the connection ends, however it ends.
            let _slot = slot;
            let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                let mut app = app.clone();
                // The router never fails (its error type is `Infallible`).
                async move { app.call(request.map(axum::body::Body::new)).await }
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                    return;
                }
                _ = stop.changed() => {}
            }
            connection.as_mut().graceful_shutdown();
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    drop(stop_rx);
    drop(listener);
    // Wakes every connection task's `changed`; `closed` resolves once the last task ended.
    stop_tx.send_replace(());
    stop_tx.closed().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::time::Instant;

    use axum::routing::get;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpStream;

    use std::net::SocketAddr;

    use super::*;

    const TIMEOUT: Duration = Duration::from_millis(600);

    /// A router answering its caller's address at `/peer` and, after 400 ms, at `/slow`, served
    /// with [`TIMEOUT`]; the address and the sender that shuts it down.
    async fn start() -> (
        SocketAddr,
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<std::io::Result<()>>,
    ) {
        start_with(ServeOptions {
            header_timeout: TIMEOUT,
            ..ServeOptions::default()
        })
        .await
    }

    async fn start_with(
        options: ServeOptions,
    ) -> (
        SocketAddr,
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<std::io::Result<()>>,
    ) {
        let app = Router::new()
            .route(
                "/peer",
                get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
            )
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(400)).await;
                    "done"
                }),
            );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve_with(listener, app, options, async {
            let _ = stopped.await;
        }));
        (address, stop, server)
    }

    /// Reads until the peer closes (`Some(bytes read)`) or `within` passes (`None`).
    async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
        let mut read = Vec::new();
        tokio::time::timeout(within, async {
            let mut buf = [0u8; 4096];
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => read.extend_from_slice(&buf[..n]),
                }
            }
        })
        .await
        .ok()
        .map(|()| read)
    }

    /// Slowloris: a head sent a line at a time, a connection that sends nothing and an idle
    /// keep-alive connection are all closed once the head deadline passes, while ordinary
    /// requests are answered with their peer's address. (With `axum::serve` none of the three
    /// is ever closed.)
    #[tokio::test]
    async fn slow_or_missing_request_heads_are_cut_off() {
        let (address, _stop, _server) = start().await;

        let mut ordinary = TcpStream::connect(address).await.unwrap();
        ordinary
            .write_all(b"GET /peer HTTP/1.1\r\nHost: t\r\n\r\n")
            .await
            .unwrap();
        let mut answer = vec![0u8; 4096];
        let n = ordinary.read(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer[..n]).into_owned();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let me = ordinary.local_addr().unwrap().to_string();
        assert!(answer.ends_with(&me), "{answer} does not name {me}");

        let started = Instant::now();
        let mut trickling = TcpStream::connect(address).await.unwrap();
        trickling
            .write_all(b"GET /peer HTTP/1.1\r\nHost: t\r\n")
            .await
            .unwrap();
        let trickle = async {
            for k in 0..40 {
                let line = format!("X-Slow-{k}: a\r\n");
                if trickling.write_all(line.as_bytes()).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                // Closed by the server: the next writes fail or the read sees the end.
                let mut probe = [0u8; 1];
                if let Ok(Ok(0)) =
                    tokio::time::timeout(Duration::from_millis(1), trickling.read(&mut probe)).await
                {
                    return true;
                }
            }
            false
        };
        let mut silent = TcpStream::connect(address).await.unwrap();
        let (cut, silent_read, idle_read) = tokio::join!(
            trickle,
            closed_within(&mut silent, Duration::from_secs(3)),
            closed_within(&mut ordinary, Duration::from_secs(3)),
        );
        assert!(cut, "a head trickled in for 4 s was not cut off");
        assert_eq!(silent_read, Some(vec![]), "a silent connection stayed open");
        assert_eq!(
            idle_read,
            Some(vec![]),
            "an idle keep-alive connection stayed open"
        );
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    /// Shutting down stops accepting and lets a request in progress finish first.
    #[tokio::test]
    async fn shutdown_lets_requests_in_progress_finish() {
        let (address, stop, server) = start().await;
        let mut slow = TcpStream::connect(address).await.unwrap();
        slow.write_all(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        stop.send(()).unwrap();
        let answer = closed_within(&mut slow, Duration::from_secs(3))
            .await
            .unwrap();
        let answer = String::from_utf8_lossy(&answer).into_owned();
        assert!(
            answer.starts_with("HTTP/1.1 200") && answer.ends_with("done"),
            "{answer}"
        );
        tokio::time::timeout(Duration::from_secs(3), server)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert!(
            TcpStream::connect(address).await.is_err(),
            "still listening"
        );
    }

    /// Sends `GET /peer` on `stream` and reads its answer, if it comes within `within`.
    async fn peer_within(stream: &mut TcpStream, within: Duration) -> Option<String> {
        stream
            .write_all(b"GET /peer HTTP/1.1\r\nHost: t\r\n\r\n")
            .await
            .unwrap();
        let mut answer = vec![0u8; 4096];
        let n = tokio::time::timeout(within, stream.read(&mut answer))
            .await
            .ok()?
            .unwrap();
        Some(String::from_utf8_lossy(&answer[..n]).into_owned())
    }

    /// Descriptor exhaustion: with a cap of 3, three silent connections hold every slot, so a
    /// fourth is not served (it waits in the backlog, holding no descriptor of the service)
    /// until one of the three closes; then it is. (Without a cap it was served at once.)
    #[tokio::test]
    async fn connections_beyond_the_cap_wait_for_a_free_slot() {
        let (address, _stop, _server) = start_with(ServeOptions {
            header_timeout: Duration::from_secs(20),
            max_connections: 3,
        })
        .await;
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(TcpStream::connect(address).await.unwrap());
        }
        // The three are accepted (the server's slots are taken) before the fourth comes.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut fourth = TcpStream::connect(address).await.unwrap();
        let early = peer_within(&mut fourth, Duration::from_millis(500)).await;
        assert_eq!(early, None, "a connection beyond the cap of 3 was served");
        drop(held.pop());
        let mut answer = vec![0u8; 4096];
        let n = tokio::time::timeout(Duration::from_secs(3), fourth.read(&mut answer))
            .await
            .expect("the waiting connection was not served once a slot was free")
            .unwrap();
        let answer = String::from_utf8_lossy(&answer[..n]).into_owned();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }

    #[test]
    fn the_default_cap_is_half_the_soft_descriptor_limit() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max processes             63704                63704                processes \n\
                      Max open files            1024                 524288               files     \n";
        assert_eq!(soft_open_files(limits), Some(1024));
        assert_eq!(
            soft_open_files("Max open files            unlimited            unlimited  files"),
            Some(u64::MAX)
        );
        assert_eq!(soft_open_files("Max processes 5 5"), None);
        let cap = default_max_connections();
        assert!((64..=16_384).contains(&cap), "{cap}");
    }
}
