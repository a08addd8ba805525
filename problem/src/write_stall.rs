//! A connection whose peer stops reading is closed after a while.
//!
//! The request-head deadline of [`crate::serve`] bounds how long a client may take to *send*;
//! nothing bounded how long it may take to *receive*. A client that asks for a large body and
//! then reads nothing fills the socket's send buffer, after which every write of the response
//! stays pending: the connection, its task and its share of the process's connection budget
//! were held for as long as the client liked, and a few thousand such clients held every slot.
//! [`WriteStall`] fails a write (or flush) that has made no progress for the stall timeout,
//! which ends the connection and gives its slot back. A slow reader that takes some bytes
//! within every timeout is never cut off: only a write that accepts nothing for the whole
//! timeout counts.

use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// How long a response write may accept no byte before the connection is closed: far longer
/// than any live client pauses between reads (a browser or SDK reads as bytes arrive), short
/// enough that connections of clients that stopped reading do not pile up.
pub const WRITE_STALL_TIMEOUT: Duration = Duration::from_secs(60);

/// `inner` with writes that fail with [`io::ErrorKind::TimedOut`] once one has been pending,
/// with no progress, for `timeout`.
#[derive(Debug)]
pub struct WriteStall<S> {
    inner: S,
    timeout: Duration,
    /// Armed when a write or flush first returns `Pending`, disarmed by any progress.
    stalled: Option<Pin<Box<Sleep>>>,
}

impl<S> WriteStall<S> {
    pub fn new(inner: S, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            stalled: None,
        }
    }

    /// Passes `poll`'s readiness through, keeping the stall deadline: disarmed on progress,
    /// armed on the first `Pending`, and an error once it has passed.
    fn watch<T>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match poll {
            Poll::Ready(result) => {
                self.stalled = None;
                Poll::Ready(result)
            }
            Poll::Pending => {
                let timeout = self.timeout;
                let deadline = self.stalled.get_or_insert_with(|| {
                    Box::pin(tokio::time::sleep_until(Instant::now() + timeout))
                });
                match deadline.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        self.stalled = None;
                        Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            format!("the peer took no response byte for {} s", timeout.as_secs()),
                        )))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WriteStall<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteStall<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.watch(cx, poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.watch(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_flush(cx);
        self.watch(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.watch(cx, poll)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;

    /// A peer that reads nothing: the writer fills the pipe, then fails after the timeout
    /// instead of waiting for ever.
    #[tokio::test]
    async fn a_write_nobody_reads_fails_after_the_timeout() {
        let (near, _far) = tokio::io::duplex(1024);
        let mut near = WriteStall::new(near, Duration::from_millis(200));
        let started = std::time::Instant::now();
        let error = loop {
            if let Err(e) = near.write_all(&[7; 4096]).await {
                break e;
            }
        };
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        let waited = started.elapsed();
        assert!(
            (Duration::from_millis(200)..Duration::from_secs(5)).contains(&waited),
            "{waited:?}"
        );
    }

    /// A slow reader that takes a little within every timeout gets the whole body, however
    /// long it takes in all.
    #[tokio::test]
    async fn a_slow_but_steady_reader_is_never_cut_off() {
        let (near, mut far) = tokio::io::duplex(64);
        let mut near = WriteStall::new(near, Duration::from_millis(300));
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            let mut buf = [0u8; 64];
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                match far.read(&mut buf).await.unwrap() {
                    0 => return got,
                    n => got.extend_from_slice(&buf[..n]),
                }
            }
        });
        // 10 reads of 64 bytes, 100 ms apart: about a second in all, over three timeouts.
        near.write_all(&[9; 640]).await.unwrap();
        near.shutdown().await.unwrap();
        drop(near);
        assert_eq!(reader.await.unwrap(), vec![9; 640]);
    }
}
