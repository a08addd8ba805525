//! Checkpoint files: `{seq}.binpb.zst`, the zstd-compressed protobuf `sui.rpc.v2.Checkpoint`
//! (the format of Sui's remote checkpoint stores), so file-based ingestion works against
//! the devnet exactly as against a real network.

use std::path::{Path, PathBuf};

use prost::Message as _;
use sui_rpc::proto::sui::rpc::v2 as proto;

use crate::ledger::Ledger;

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot write checkpoint file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read checkpoint file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("checkpoint file {path} does not decode: {message}")]
    Decode { path: PathBuf, message: String },
}

/// The file name of checkpoint `seq`.
pub fn file_name(seq: u64) -> String {
    format!("{seq}.binpb.zst")
}

/// Writes one checkpoint file (via a temporary file and a rename, so readers never see
/// a partial file).
pub fn write(dir: &Path, checkpoint: &proto::Checkpoint) -> Result<(), FileError> {
    let seq = checkpoint.sequence_number.unwrap_or_default();
    let path = dir.join(file_name(seq));
    let io = |source| FileError::Write {
        path: path.clone(),
        source,
    };
    let bytes = zstd::encode_all(checkpoint.encode_to_vec().as_slice(), 3).map_err(io)?;
    let tmp = dir.join(format!(".{seq}.tmp"));
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)?;
    Ok(())
}

/// Writes the files of sealed checkpoints that have none (after a crash between the log
/// write and the file write).
pub fn write_missing(dir: &Path, ledger: &Ledger) -> Result<(), FileError> {
    let mut seq = 0;
    while let Some(entry) = ledger.checkpoint(seq) {
        if !dir.join(file_name(seq)).exists() {
            write(dir, &entry.message)?;
        }
        seq += 1;
    }
    Ok(())
}

/// Reads a checkpoint file back.
pub fn read(path: &Path) -> Result<proto::Checkpoint, FileError> {
    let bytes = std::fs::read(path).map_err(|source| FileError::Read {
        path: path.to_owned(),
        source,
    })?;
    let decoded = zstd::decode_all(bytes.as_slice()).map_err(|e| FileError::Decode {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    proto::Checkpoint::decode(decoded.as_slice()).map_err(|e| FileError::Decode {
        path: path.to_owned(),
        message: e.to_string(),
    })
}
