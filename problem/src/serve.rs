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
//! the deadline, again and again. So connections are capped: once the cap is reached, the next
//! is not accepted until one closes. It waits in the kernel's listen backlog, where it costs the
//! process no descriptor, and is served as soon as a slot frees (within the head deadline at the
//! latest, for idle ones). Accepting and closing instead would spend a descriptor and a syscall
//! pair per attempt and tell a real client no more than the wait does.
//!
//! The cap is a budget of the whole process, not of each service: `floe up` serves a dozen
//! services in one process (storage nodes, key servers, the indexer's API, the aggregator, the
//! publisher), and the descriptors they exhaust are the process's. Were each service capped at
//! half the open-file limit on its own, two flooded services together would reach the limit,
//! `accept` would fail with `EMFILE`, and so would every file the process opens. Every service
//! therefore draws its connections from one [`ConnectionBudget`] ([`ConnectionBudget::process`]
//! unless told otherwise), sized at half the soft open-file limit. A fixed split among the
//! services was the other way: it would need the number of services up front (they start one by
//! one, and how many depends on the command) and would leave a flooded service with a small
//! share while the idle ones' shares sit unused. What a split gives, that one flooded port
//! cannot starve the others, a share keeps: one service holds at most
//! [`ServeOptions::max_connections`] of the budget, three quarters of it by default
//! ([`ConnectionBudget::default_share`]), so a quarter stays for the rest of the process (in
//! `floe up`, the publisher's own uploads to its nodes need their connections while its port is
//! flooded).
//!
//! A service takes its slots before it accepts, so a connection never holds a descriptor while
//! it waits for a slot; a service waiting in `accept` therefore holds one slot of the budget for
//! the connection it is about to take.

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower_service::Service as _;

use crate::write_stall::{WRITE_STALL_TIMEOUT, WriteStall};

/// How long a request head may take to arrive, counted from when the connection is ready for
/// it (accepted, or idle after an answer): hyper's own default, which no client of the project
/// comes near (a head is one write), and which closes idle keep-alive connections well before
/// a client pool's 90 s would.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The connection budget where the descriptor limit cannot be read (not Linux).
pub const FALLBACK_MAX_CONNECTIONS: usize = 512;

/// How long `serve` waits after a failed `accept` (out of descriptors, most likely) before it
/// tries again: long enough not to spin while nothing can change, short enough that a
/// connection waiting in the backlog is served soon after a descriptor frees.
pub const ACCEPT_RETRY: Duration = Duration::from_millis(50);

/// Connections the services of one process may hold open at once, together. Cloning gives
/// another handle on the same budget.
#[derive(Debug, Clone)]
pub struct ConnectionBudget {
    slots: Arc<Semaphore>,
    size: usize,
}

/// Why the process's budget could not be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the process's connection budget is already {current} (a service started before it was set to {wanted})"
)]
pub struct BudgetAlreadySet {
    pub current: usize,
    pub wanted: usize,
}

static PROCESS_BUDGET: OnceLock<ConnectionBudget> = OnceLock::new();

impl ConnectionBudget {
    /// A budget of `size` connections (0 counts as 1), of its own: for a test, or for a
    /// service that must not share.
    pub fn new(size: usize) -> Self {
        let size = size.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            slots: Arc::new(Semaphore::new(size)),
            size,
        }
    }

    /// The process's budget, which every service served with default options draws from:
    /// [`default_max_connections`], unless [`ConnectionBudget::set_process`] chose another size
    /// before the first service started.
    pub fn process() -> Self {
        PROCESS_BUDGET
            .get_or_init(|| Self::new(default_max_connections()))
            .clone()
    }

    /// Sizes the process's budget at `size` (0 counts as 1). It must be called before any
    /// service takes the budget (before [`ServeOptions::default`]); a budget already in use
    /// cannot shrink under the connections holding it. Setting the size it already has is
    /// fine.
    pub fn set_process(size: usize) -> Result<Self, BudgetAlreadySet> {
        let wanted = Self::new(size);
        let current = PROCESS_BUDGET.get_or_init(|| wanted.clone());
        if current.size == wanted.size {
            Ok(current.clone())
        } else {
            Err(BudgetAlreadySet {
                current: current.size,
                wanted: wanted.size,
            })
        }
    }

    /// How many connections the budget allows.
    pub fn size(&self) -> usize {
        self.size
    }

    /// How many connections hold a share of it now.
    pub fn in_use(&self) -> usize {
        self.size.saturating_sub(self.slots.available_permits())
    }

    /// The most one service takes of it by default: three quarters, so that a flood at one
    /// port leaves a quarter of the budget to the process's other services.
    pub fn default_share(&self) -> usize {
        (self.size - self.size / 4).max(1)
    }
}

/// How a service is served.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// How long a request head may take to arrive ([`HEADER_READ_TIMEOUT`] by default).
    pub header_timeout: Duration,
    /// Most connections this service holds open at once, out of `budget`
    /// ([`ConnectionBudget::default_share`] of the process's by default; 0 counts as 1).
    pub max_connections: usize,
    /// What the service's connections count against, with the process's other services
    /// ([`ConnectionBudget::process`] by default).
    pub budget: ConnectionBudget,
    /// How long a response write may take no byte before the connection is closed
    /// ([`WRITE_STALL_TIMEOUT`] by default; see [`crate::write_stall`]).
    pub write_stall_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        let budget = ConnectionBudget::process();
        Self {
            header_timeout: HEADER_READ_TIMEOUT,
            max_connections: budget.default_share(),
            budget,
            write_stall_timeout: WRITE_STALL_TIMEOUT,
        }
    }
}

/// Why a process's connection budget asked for (`--max-connections`) is refused before
/// anything starts: each message is the cause, then what to pass instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BudgetRefused {
    #[error(
        "--max-connections 0 would never accept a connection\n\
         pass --max-connections 1 or more (the default here is {default}: half the open-file limit)"
    )]
    Zero { default: usize },
    #[error(
        "--max-connections {wanted} leaves too few of this process's {soft} open files for its \
         stores, temporary files and outgoing connections (at least a quarter must stay)\n\
         pass --max-connections {most} or less, or raise the limit first (e.g. `ulimit -n {raise}`)"
    )]
    TooMany {
        wanted: usize,
        soft: u64,
        most: u64,
        raise: u64,
    },
}

/// Checks a budget of `wanted` connections against the process's `soft` open-file limit
/// ([`soft_open_file_limit`]): refuses 0, and a budget that leaves the process less than a
/// quarter of its descriptors for what it opens itself. Every binary's `--max-connections`
/// goes through this before [`ConnectionBudget::set_process`].
pub fn check_budget(wanted: usize, soft: Option<u64>) -> Result<(), BudgetRefused> {
    if wanted == 0 {
        return Err(BudgetRefused::Zero {
            default: default_max_connections(),
        });
    }
    if let Some(soft) = soft.filter(|&soft| soft != u64::MAX) {
        let most = soft - soft / 4;
        let wanted_u64 = u64::try_from(wanted).unwrap_or(u64::MAX);
        if wanted_u64 > most {
            return Err(BudgetRefused::TooMany {
                wanted,
                soft,
                most,
                raise: wanted_u64.saturating_mul(2).max(soft),
            });
        }
    }
    Ok(())
}

/// Half the process's soft limit of open files, between 64 and 16 384: the other half stays
/// for what the process itself opens (its stores, temporary files, connections to the chain,
/// to nodes and to the database), so a flood of connections cannot make those fail.
/// [`FALLBACK_MAX_CONNECTIONS`] when the limit cannot be read. This sizes the process's
/// [`ConnectionBudget`], shared by all its services.
pub fn default_max_connections() -> usize {
    soft_open_file_limit().map_or(FALLBACK_MAX_CONNECTIONS, |soft| {
        usize::try_from(soft / 2)
            .unwrap_or(usize::MAX)
            .clamp(64, 16_384)
    })
}

/// The process's soft limit of open files (`ulimit -n`; `u64::MAX` for "unlimited"), where
/// it can be read (Linux).
pub fn soft_open_file_limit() -> Option<u64> {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| soft_open_files(&limits))
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
/// arrive within `header_timeout` ([`HEADER_READ_TIMEOUT`] in the services); connections
/// count against the process's [`ConnectionBudget`], of which this service takes at most its
/// default share (see [`serve_with`] to choose).
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

/// Waits for one of `slots`, saying once per episode (`full` remembers it) that `what` ran out.
async fn slot(
    slots: &Arc<Semaphore>,
    full: &mut bool,
    what: &str,
    size: usize,
) -> OwnedSemaphorePermit {
    if let Ok(slot) = Arc::clone(slots).try_acquire_owned() {
        *full = false;
        return slot;
    }
    if !*full {
        *full = true;
        tracing::warn!(
            size,
            "{what} reached: new connections wait in the backlog until one closes"
        );
    }
    Arc::clone(slots)
        .acquire_owned()
        .await
        .expect("the semaphore is never closed")
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
        budget,
        write_stall_timeout,
    } = options;
    let max_connections = max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let own = Arc::new(Semaphore::new(max_connections));
    // Each connection task holds a receiver: once shutdown is signalled (the sender dropped),
    // the tasks finish their requests, and `closed` resolves when the last one has.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    // Whether the service's cap, or the process's budget, ran out since a slot was last free
    // at once: logged once per episode, not once per waiting connection.
    let (mut own_full, mut budget_full) = (false, false);
    // Whether `accept` has been failing since it last worked: logged once per episode too (out
    // of descriptors, it fails every `ACCEPT_RETRY` until one frees).
    let mut failing = false;
    loop {
        let slots = async {
            let own = slot(
                &own,
                &mut own_full,
                "the service's connection cap",
                max_connections,
            )
            .await;
            let shared = slot(
                &budget.slots,
                &mut budget_full,
                "the process's connection budget",
                budget.size,
            )
            .await;
            (own, shared)
        };
        let slots = tokio::select! {
            slots = slots => slots,
            () = &mut shutdown => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => {
                if failing {
                    failing = false;
                    tracing::warn!("accepting connections again");
                }
                accepted
            }
            Err(e) => {
                // Out of descriptors (EMFILE/ENFILE) or a connection reset before it was
                // accepted: the listener is still good and the connection waits in the backlog,
                // so wait a moment (not spinning, still listening for shutdown) and go on
                // rather than stop serving. The slots are given back meanwhile.
                drop(slots);
                if !failing {
                    failing = true;
                    tracing::warn!(
                        error = %e,
                        "cannot accept a connection; retrying every {} ms until it works",
                        ACCEPT_RETRY.as_millis()
                    );
                } else {
                    tracing::debug!(error = %e, "cannot accept a connection");
                }
                tokio::select! {
                    () = tokio::time::sleep(ACCEPT_RETRY) => continue,
                    () = &mut shutdown => break,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            // Given back when the connection ends, however it ends.
            let _slots = slots;
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
            let stream = WriteStall::new(stream, write_stall_timeout);
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

    #[test]
    fn budgets_refused_name_the_cause_and_the_value_to_pass() {
        assert!(check_budget(1, Some(1024)).is_ok());
        assert!(check_budget(768, Some(1024)).is_ok());
        assert!(check_budget(1 << 40, None).is_ok());
        assert!(check_budget(1 << 40, Some(u64::MAX)).is_ok());
        let zero = check_budget(0, Some(1024)).unwrap_err().to_string();
        assert!(
            zero.starts_with("--max-connections 0 would never accept"),
            "{zero}"
        );
        assert!(
            zero.contains("\npass --max-connections 1 or more"),
            "{zero}"
        );
        let many = check_budget(769, Some(1024)).unwrap_err();
        assert_eq!(
            many,
            BudgetRefused::TooMany {
                wanted: 769,
                soft: 1024,
                most: 768,
                raise: 1538
            }
        );
        let many = many.to_string();
        assert!(many.contains("of this process's 1024 open files"), "{many}");
        assert!(
            many.contains("\npass --max-connections 768 or less"),
            "{many}"
        );
        assert!(many.contains("`ulimit -n 1538`"), "{many}");
    }

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
            )
            .route("/big", get(|| async { vec![7u8; 32 << 20] }));
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

    /// A client that asks for a large body and reads none of it held its connection, and
    /// with a cap of 1 every other client, for ever: its response write stalls, and after the
    /// stall timeout the connection is closed and the next client served.
    #[tokio::test]
    async fn a_client_that_stops_reading_loses_its_connection_and_slot() {
        let (address, _stop, _server) = start_with(ServeOptions {
            header_timeout: Duration::from_secs(20),
            max_connections: 1,
            budget: ConnectionBudget::new(8),
            write_stall_timeout: Duration::from_millis(500),
        })
        .await;
        let mut stalled = TcpStream::connect(address).await.unwrap();
        stalled
            .write_all(b"GET /big HTTP/1.1\r\nHost: t\r\n\r\n")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let started = Instant::now();
        let mut next = TcpStream::connect(address).await.unwrap();
        let answer = peer_within(&mut next, Duration::from_secs(10))
            .await
            .expect("the next client was not served once the stalled one was cut off");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(
            started.elapsed() >= Duration::from_millis(300),
            "{:?}",
            started.elapsed()
        );
        // The stalled client's response ends short of its 32 MiB.
        let mut got = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), stalled.read_to_end(&mut got)).await;
        assert!(got.len() < 32 << 20, "{} bytes", got.len());
    }

    /// Descriptor exhaustion: with a cap of 3, three silent connections hold every slot, so a
    /// fourth is not served (it waits in the backlog, holding no descriptor of the service)
    /// until one of the three closes; then it is. (Without a cap it was served at once.)
    #[tokio::test]
    async fn connections_beyond_the_cap_wait_for_a_free_slot() {
        let (address, _stop, _server) = start_with(ServeOptions {
            header_timeout: Duration::from_secs(20),
            max_connections: 3,
            ..ServeOptions::default()
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

    /// Two services drawing on one budget of 4, each taking at most 3 of it: three silent
    /// connections fill the first service's share, the second service still serves one, and
    /// its next connection waits because the budget is spent, not because its own share is,
    /// until a connection of the first service closes. (With a budget per service, the second
    /// service served both at once: 5 connections open in a process allowed 4.)
    #[tokio::test]
    async fn services_sharing_a_budget_never_hold_more_than_it_together() {
        let budget = ConnectionBudget::new(4);
        assert_eq!(budget.default_share(), 3);
        let options = ServeOptions {
            header_timeout: Duration::from_secs(20),
            max_connections: budget.default_share(),
            budget: budget.clone(),
            write_stall_timeout: WRITE_STALL_TIMEOUT,
        };
        let (first, _stop_first, _first) = start_with(options.clone()).await;
        let (second, _stop_second, _second) = start_with(options).await;
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(TcpStream::connect(first).await.unwrap());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        // The first service's three, and the one the second holds for the connection it is
        // about to accept (a service takes its slots before `accept`, so a connection never
        // waits for one holding a descriptor).
        assert_eq!(
            budget.in_use(),
            4,
            "the first service took more than its share"
        );
        let mut served = TcpStream::connect(second).await.unwrap();
        let answer = peer_within(&mut served, Duration::from_secs(2)).await;
        assert!(
            answer.is_some_and(|a| a.starts_with("HTTP/1.1 200")),
            "a flood at the first service starved the second"
        );
        let mut waiting = TcpStream::connect(second).await.unwrap();
        let early = peer_within(&mut waiting, Duration::from_millis(500)).await;
        assert_eq!(
            early, None,
            "a fifth connection was served on a budget of 4"
        );
        // The first service's share is given back; its fourth connection, waiting for its share,
        // may take the slot first, so two of the first's close.
        drop(held.drain(..2));
        let mut answer = vec![0u8; 4096];
        let n = tokio::time::timeout(Duration::from_secs(3), waiting.read(&mut answer))
            .await
            .expect("the waiting connection was not served once the budget had room")
            .unwrap();
        let answer = String::from_utf8_lossy(&answer[..n]).into_owned();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }

    #[test]
    fn the_process_budget_is_set_once_before_use() {
        let budget = ConnectionBudget::process();
        assert_eq!(
            ConnectionBudget::set_process(budget.size()).unwrap().size(),
            budget.size()
        );
        assert_eq!(
            ConnectionBudget::set_process(budget.size() + 1).unwrap_err(),
            BudgetAlreadySet {
                current: budget.size(),
                wanted: budget.size() + 1
            }
        );
        assert_eq!(ConnectionBudget::new(0).size(), 1);
        assert_eq!(ConnectionBudget::new(1).default_share(), 1);
        assert_eq!(ServeOptions::default().budget.size(), budget.size());
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
