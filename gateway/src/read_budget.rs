//! What the aggregator's reads may hold at once, and how long a reader may stop reading.
//!
//! A read streams its range row by row with [`ROWS_IN_FLIGHT`] rows fetched ahead, and a row
//! is `size / p` bytes (about 1.8 MiB of a 24 MiB blob on `floe up`'s 40 shards). A client that
//! asks for a large blob and then reads nothing makes the aggregator hold those rows for as
//! long as the connection stays open: hyper waits on a full socket without a deadline. A few
//! hundred such connections (as many as the connection cap lets one client open) held
//! gigabytes. So:
//!
//! - every read reserves what it may hold (its rows in flight, at most its range) from one
//!   byte budget of the aggregator ([`ReadLimits::budget`]) before it fetches anything; a read
//!   that cannot get its share within [`ReadLimits::wait`] is answered 503 "Aggregator busy"
//!   with `Retry-After`, and what the reads hold together stays within the budget;
//! - the bytes go out in chunks of [`CHUNK`] through a one-chunk channel: a reader that takes
//!   no chunk for [`ReadLimits::stall`] is cut off (the connection is aborted, the client sees
//!   a body shorter than its `Content-Length`) and the read's share is given back, so a stalled
//!   client cannot keep a share for longer than that;
//! - chunks are copied out of their row, so what hyper holds for a connection whose socket is
//!   full is its write buffer (a chunk or two), not the rows they came from.
//!
//! A reader once cut off still holds its connection until it reads or closes: hyper polls the
//! body for the error only after its pending write, and it has no write deadline.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use floe_problem::Problem;
use floe_problem::pace::byte_size;
use floe_sdk::range_read::ROWS_IN_FLIGHT;
use futures::{Stream, StreamExt as _};
use tokio::sync::mpsc::error::SendTimeoutError;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Default bytes all reads of an aggregator hold at once.
pub const DEFAULT_READ_BUDGET: u64 = 256 << 20;

/// Default time a reader may take no bytes before it is cut off: far longer than any working
/// client pauses, short enough that stalled connections give their share back soon.
pub const DEFAULT_STALL: Duration = Duration::from_secs(30);

/// Default time a read waits for its share of the budget before it is refused with 503.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(10);

/// Seconds a read refused for a spent budget is told to wait.
pub const BUSY_RETRY_AFTER_SECS: u64 = 5;

/// Bytes handed to hyper at a time.
pub const CHUNK: usize = 256 << 10;

/// How much the aggregator's reads hold at once, and how long a reader may stall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadLimits {
    /// Bytes all reads hold together (rows fetched and not yet sent); at least 1 KiB and at
    /// most 4 TiB are used.
    pub budget: u64,
    /// A reader that takes no bytes for this long is cut off.
    pub stall: Duration,
    /// How long a read waits for its share before 503.
    pub wait: Duration,
}

impl Default for ReadLimits {
    fn default() -> Self {
        Self {
            budget: DEFAULT_READ_BUDGET,
            stall: DEFAULT_STALL,
            wait: DEFAULT_WAIT,
        }
    }
}

/// The budget the reads of one aggregator share, counted in KiB.
#[derive(Debug, Clone)]
pub(crate) struct ReadBudget {
    limits: Arc<ReadLimits>,
    kib: Arc<Semaphore>,
    total_kib: u32,
}

impl Default for ReadBudget {
    fn default() -> Self {
        Self::new(ReadLimits::default())
    }
}

impl ReadBudget {
    pub(crate) fn new(limits: ReadLimits) -> Self {
        let total_kib = u32::try_from((limits.budget / 1024).max(1)).unwrap_or(u32::MAX);
        let total_kib = total_kib.min(u32::try_from(Semaphore::MAX_PERMITS).unwrap_or(u32::MAX));
        Self {
            limits: Arc::new(limits),
            kib: Arc::new(Semaphore::new(total_kib as usize)),
            total_kib,
        }
    }

    /// What a read of `len` bytes in rows of `row_bytes` may hold: its rows in flight, the
    /// one being sent and the chunk in the channel, never more than the range and its chunk.
    pub(crate) fn share_of(len: u64, row_bytes: u64) -> u64 {
        let rows = (ROWS_IN_FLIGHT as u64 + 1).saturating_mul(row_bytes.max(1));
        rows.min(len).saturating_add(CHUNK as u64)
    }

    /// Reserves `bytes` of the budget (all of it, if `bytes` is more), waiting up to
    /// [`ReadLimits::wait`]; 503 with `Retry-After` when it does not free in time.
    pub(crate) async fn reserve(&self, bytes: u64) -> Result<OwnedSemaphorePermit, Problem> {
        let kib = u32::try_from(bytes.div_ceil(1024))
            .unwrap_or(u32::MAX)
            .clamp(1, self.total_kib);
        let acquire = Arc::clone(&self.kib).acquire_many_owned(kib);
        match tokio::time::timeout(self.limits.wait, acquire).await {
            Ok(permit) => Ok(permit.expect("the semaphore is never closed")),
            Err(_) => {
                tracing::info!(
                    budget = self.limits.budget,
                    wanted = bytes,
                    "read refused: the aggregator's read budget is spent"
                );
                Err(Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Aggregator busy",
                    format!(
                        "this aggregator is already sending as much as its read budget ({}) \
                         allows and none of it freed within {} s; retry in \
                         {BUSY_RETRY_AFTER_SECS} s",
                        byte_size(self.limits.budget),
                        self.limits.wait.as_secs()
                    ),
                )
                .with_retry_after(BUSY_RETRY_AFTER_SECS))
            }
        }
    }

    /// A body of `len` bytes made of `pieces`, sent [`CHUNK`] by [`CHUNK`] by a task that
    /// holds `share` until the last chunk is taken, the reader stalls for
    /// [`ReadLimits::stall`], the client goes away or a piece fails. A body cut short ends
    /// with an error, so hyper aborts the connection instead of ending the response cleanly.
    pub(crate) fn body<S, E>(&self, share: OwnedSemaphorePermit, pieces: S, len: u64) -> Body
    where
        S: Stream<Item = Result<Vec<u8>, E>> + Send + 'static,
        E: std::fmt::Display + Send + 'static,
    {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
        let stall = self.limits.stall;
        tokio::spawn(async move {
            let _share = share;
            let mut pieces = std::pin::pin!(pieces);
            while let Some(piece) = pieces.next().await {
                let piece = match piece {
                    Ok(piece) => piece,
                    Err(e) => {
                        tracing::warn!(error = %e, "a read failed mid-stream");
                        let failed = std::io::Error::other(e.to_string());
                        let _ = tx.send_timeout(Err(failed), stall).await;
                        return;
                    }
                };
                for chunk in piece.chunks(CHUNK) {
                    match tx
                        .send_timeout(Ok(Bytes::copy_from_slice(chunk)), stall)
                        .await
                    {
                        Ok(()) => {}
                        Err(SendTimeoutError::Timeout(_)) => {
                            tracing::info!(
                                stall_secs = stall.as_secs_f64(),
                                "a reader took nothing for too long: cut off"
                            );
                            return;
                        }
                        Err(SendTimeoutError::Closed(_)) => return,
                    }
                }
            }
        });
        let sent = 0u64;
        let chunks =
            futures::stream::unfold((rx, sent, false), move |(mut rx, sent, done)| async move {
                if done {
                    return None;
                }
                match rx.recv().await {
                    Some(Ok(chunk)) => {
                        let sent = sent + chunk.len() as u64;
                        Some((Ok(chunk), (rx, sent, false)))
                    }
                    Some(Err(e)) => Some((Err(e), (rx, sent, true))),
                    None if sent < len => {
                        let short = std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            format!("the read stopped after {sent} of {len} bytes"),
                        );
                        Some((Err(short), (rx, sent, true)))
                    }
                    None => None,
                }
            });
        Body::from_stream(chunks)
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::time::Instant;

    use axum::Router;
    use axum::extract::State;
    use axum::http::header;
    use axum::response::{IntoResponse as _, Response};
    use axum::routing::get;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;

    /// Bytes of the synthetic blob: far more than loopback's socket buffers hold.
    const LEN: u64 = 64 << 20;
    const PIECE: usize = 1 << 20;

    /// A route sending [`LEN`] bytes made on the fly, in pieces of [`PIECE`], under `budget`.
    async fn start(budget: ReadBudget) -> SocketAddr {
        async fn read(State(budget): State<ReadBudget>) -> Response {
            let share = match budget.reserve(4 * PIECE as u64).await {
                Ok(share) => share,
                Err(problem) => return problem.into_response(),
            };
            let pieces = futures::stream::iter(0..LEN / PIECE as u64)
                .map(|i| Ok::<_, std::convert::Infallible>(vec![i as u8; PIECE]));
            Response::builder()
                .header(header::CONTENT_LENGTH, LEN)
                .body(budget.body(share, pieces, LEN))
                .unwrap()
        }
        let app = Router::new().route("/read", get(read)).with_state(budget);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(crate::serve(listener, app, std::future::pending()));
        address
    }

    /// A GET of `/read` (on a socket with a small receive buffer when `stalling`, so that the
    /// server's side fills soon); the head.
    async fn request(address: SocketAddr, stalling: bool) -> (tokio::net::TcpStream, String) {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        if stalling {
            socket.set_recv_buffer_size(16 << 10).unwrap();
        }
        let mut stream = socket.connect(address).await.unwrap();
        stream
            .write_all(b"GET /read HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            assert_eq!(stream.read(&mut byte).await.unwrap(), 1, "no head");
            head.push(byte[0]);
        }
        (stream, String::from_utf8(head).unwrap())
    }

    /// Reads `stream` to its end; the bytes that came.
    async fn drain(mut stream: tokio::net::TcpStream) -> u64 {
        let mut buf = vec![0u8; 1 << 20];
        let mut total = 0;
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return total,
                Ok(n) => total += n as u64,
            }
        }
    }

    /// A client that asks for a large read and takes nothing held the read's rows for as long
    /// as it kept the connection: hyper waits on a full socket without a deadline, and a few
    /// hundred such connections held gigabytes. Now its share of the budget is what it holds;
    /// while that is spent another read waits and is refused with 503; the stalled reader is
    /// cut off after the stall time (its body short of Content-Length) and the next read gets
    /// the whole blob.
    #[tokio::test]
    async fn a_stalled_reader_holds_its_share_only_until_it_is_cut_off() {
        let budget = ReadBudget::new(ReadLimits {
            budget: 4 * PIECE as u64,
            stall: Duration::from_millis(1500),
            wait: Duration::from_millis(300),
        });
        let address = start(budget).await;
        let (stalled, head) = request(address, true).await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        let stalled_at = Instant::now();

        let (refused, head) = request(address, true).await;
        assert!(head.starts_with("HTTP/1.1 503"), "{head}");
        assert!(
            head.to_ascii_lowercase().contains("retry-after: 5"),
            "{head}"
        );
        drop(refused);

        // The stalled reader is cut off: what reaches it ends short of the whole body.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let got = drain(stalled).await;
        assert!(got < LEN, "the stalled reader got all {got} bytes");
        assert!(stalled_at.elapsed() < Duration::from_secs(10));

        // Its share is back: a reader that reads gets everything.
        let (reader, head) = request(address, false).await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert_eq!(drain(reader).await, LEN);
    }

    #[test]
    fn a_share_is_the_rows_in_flight_or_the_range() {
        let row = 1 << 20;
        assert_eq!(ReadBudget::share_of(100 << 20, row), 5 * row + CHUNK as u64);
        assert_eq!(ReadBudget::share_of(10, row), 10 + CHUNK as u64);
    }
}
