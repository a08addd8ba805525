//! Where checkpoints come from: a directory of `{seq}.binpb.zst` files (the format of Sui's
//! remote checkpoint stores and of the devnet's `checkpoints/`), or a `sui.rpc.v2` endpoint.
//!
//! A source runs as its own task and hands checkpoints, strictly in sequence, to a bounded
//! channel; reading and decoding the next checkpoints thus overlaps with writing the current
//! batch, and the channel's bound keeps a fast source from running ahead of the database.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use floe_sdk::reconnect::Reconnects;

use futures::StreamExt as _;
use prost::Message as _;
use sui_rpc::proto::sui::rpc::v2 as proto;
use tokio::sync::mpsc;

use crate::metrics::Metrics;

/// Why a source stopped.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read checkpoint file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("checkpoint file {path} does not decode: {message}")]
    Decode { path: PathBuf, message: String },
    #[error("checkpoint file {path} holds checkpoint {found}, expected {expected}")]
    WrongSequence {
        path: PathBuf,
        expected: u64,
        found: u64,
    },
}

/// The file name of checkpoint `seq`.
pub fn file_name(seq: u64) -> String {
    format!("{seq}.binpb.zst")
}

/// Reads and decodes one checkpoint file.
pub fn read_file(path: &Path) -> Result<proto::Checkpoint, SourceError> {
    let bytes = std::fs::read(path).map_err(|source| SourceError::Read {
        path: path.to_owned(),
        source,
    })?;
    let raw = zstd::decode_all(bytes.as_slice()).map_err(|e| SourceError::Decode {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    proto::Checkpoint::decode(raw.as_slice()).map_err(|e| SourceError::Decode {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// The highest `{seq}.binpb.zst` in `dir`, if any (for `/ready`'s lag).
pub fn highest_file(dir: &Path) -> Option<u64> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".binpb.zst")?
                .parse::<u64>()
                .ok()
        })
        .max()
}

/// Sends checkpoints `from, from+1, …` read from `dir`. With `follow`, waits for files that do
/// not exist yet; without it, returns once the next file is missing.
pub async fn run_dir(
    dir: PathBuf,
    from: u64,
    follow: bool,
    out: mpsc::Sender<proto::Checkpoint>,
    metrics: Arc<Metrics>,
) -> Result<(), SourceError> {
    let mut next = from;
    let mut idle_polls = 0u32;
    loop {
        let path = dir.join(file_name(next));
        let read = tokio::task::spawn_blocking({
            let path = path.clone();
            move || {
                if path.exists() {
                    read_file(&path).map(Some)
                } else {
                    Ok(None)
                }
            }
        })
        .await
        .unwrap_or(Ok(None))?;
        match read {
            Some(checkpoint) => {
                let found = checkpoint.sequence_number.unwrap_or_default();
                if found != next {
                    return Err(SourceError::WrongSequence {
                        path,
                        expected: next,
                        found,
                    });
                }
                metrics.observe_tip(next);
                if out.send(checkpoint).await.is_err() {
                    return Ok(());
                }
                next += 1;
                idle_polls = 0;
            }
            None if follow => {
                // Every ~2 s of waiting, learn the real tip (files may skip ahead after a gap).
                if idle_polls.is_multiple_of(20)
                    && let Some(top) = highest_file(&dir)
                {
                    metrics.observe_tip(top);
                }
                idle_polls += 1;
                if out.is_closed() {
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            None => return Ok(()),
        }
    }
}

/// Sends checkpoints from `from` on, streamed from a `sui.rpc.v2` endpoint; reconnects after
/// errors, resuming after the last checkpoint sent, so the sequence has no gap or repeat.
pub async fn run_rpc(
    url: String,
    from: u64,
    out: mpsc::Sender<proto::Checkpoint>,
    metrics: Arc<Metrics>,
) {
    let mut next = from;
    // A reconnect now and then is routine (DEBUG); a stream that keeps failing is not (WARN).
    let mut reconnects = Reconnects::default();
    loop {
        let client = match floe_sdk::FloeClient::connect(&url) {
            Ok(client) => client,
            Err(e) => {
                tracing::error!(error = %e, "cannot use the RPC URL");
                return;
            }
        };
        let connected = Instant::now();
        let tip = tokio::spawn(poll_tip(client.clone(), metrics.clone()));
        let mut stream = std::pin::pin!(client.stream_checkpoints(Some(next), None));
        let mut cause = "the checkpoint stream ended".to_owned();
        while let Some(item) = stream.next().await {
            match item {
                Ok(checkpoint) => {
                    let seq = checkpoint.sequence_number.unwrap_or_default();
                    if seq != next {
                        cause = format!("out-of-order checkpoint {seq} (expected {next})");
                        break;
                    }
                    if let Some(failures) = reconnects.succeeded() {
                        tracing::info!(failures, next, "checkpoint stream works again");
                    }
                    metrics.observe_tip(seq);
                    if out.send(checkpoint).await.is_err() {
                        tip.abort();
                        return;
                    }
                    next += 1;
                }
                Err(e) => {
                    cause = e.to_string();
                    break;
                }
            }
        }
        tip.abort();
        if out.is_closed() {
            return;
        }
        let failure = reconnects.failed(connected.elapsed());
        if failure.warn {
            tracing::warn!(error = %cause, next, failures = failure.consecutive, "checkpoint stream keeps failing; reconnecting");
        } else {
            tracing::debug!(error = %cause, next, "checkpoint stream failed; reconnecting");
        }
        tokio::time::sleep(failure.delay).await;
    }
}

/// Keeps the source's checkpoint height in the metrics, for `/ready`.
async fn poll_tip(mut client: floe_sdk::FloeClient, metrics: Arc<Metrics>) {
    loop {
        if let Ok(info) = client.service_info().await {
            metrics.observe_tip(info.checkpoint_height());
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}
