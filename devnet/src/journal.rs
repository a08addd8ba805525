//! The write-ahead log: the devnet's only durable state.
//!
//! Every genesis, executed transaction and sealed checkpoint is appended as one frame
//! and fsync'd before anyone is told about it; start-up replays the frames. A frame is
//! `len: u32 LE ‖ checksum: 8 bytes (Blake2b) ‖ BCS payload`, so a frame torn by a crash
//! is detected and cut off (it was never acknowledged).

use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sui_sdk_types::{Digest, Object};

use crate::execute::TxRecord;

/// One durable fact.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum JournalRecord {
    Genesis {
        objects: Vec<Object>,
        timestamp_ms: u64,
    },
    Transaction(Box<TxRecord>),
    Checkpoint {
        sequence_number: u64,
        timestamp_ms: u64,
        transactions: Vec<Digest>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("write-ahead log {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("write-ahead log {path}: frame at byte {offset} does not decode: {message}")]
    Corrupt {
        path: PathBuf,
        offset: u64,
        message: String,
    },
}

/// An open log, positioned at its end.
pub struct Journal {
    path: PathBuf,
    file: File,
    buffer: Vec<u8>,
}

fn checksum(payload: &[u8]) -> [u8; 8] {
    let hash = blake2b_simd::Params::new().hash_length(8).hash(payload);
    hash.as_bytes().try_into().expect("8-byte hash")
}

impl Journal {
    /// Opens (creating if needed) the log and returns it with every complete record.
    pub fn open(path: &Path) -> Result<(Self, Vec<JournalRecord>), JournalError> {
        let io = |source| JournalError::Io {
            path: path.to_owned(),
            source,
        };
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(io)?;
        let mut records = Vec::new();
        let mut reader = BufReader::new(file.try_clone().map_err(io)?);
        let mut offset: u64 = 0;
        loop {
            let mut header = [0u8; 12];
            match read_full(&mut reader, &mut header).map_err(io)? {
                0 => break,
                12 => {}
                _ => {
                    tracing::warn!(
                        offset,
                        "write-ahead log ends in a torn frame header; cutting it off"
                    );
                    break;
                }
            }
            let len = u32::from_le_bytes(header[..4].try_into().expect("4 bytes")) as usize;
            let mut payload = vec![0u8; len];
            if read_full(&mut reader, &mut payload).map_err(io)? != len
                || checksum(&payload) != header[4..12]
            {
                tracing::warn!(
                    offset,
                    "write-ahead log ends in a torn frame; cutting it off"
                );
                break;
            }
            let record = bcs::from_bytes(&payload).map_err(|e| JournalError::Corrupt {
                path: path.to_owned(),
                offset,
                message: e.to_string(),
            })?;
            records.push(record);
            offset += 12 + len as u64;
        }
        // Drop a torn tail so new frames follow the last good one.
        file.set_len(offset).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok((
            Self {
                path: path.to_owned(),
                file,
                buffer: Vec::new(),
            },
            records,
        ))
    }

    /// Buffers a record; nothing is durable until [`Self::sync`].
    pub fn append(&mut self, record: &JournalRecord) {
        let payload = bcs::to_bytes(record).expect("WAL records serialize to BCS");
        self.frame(&payload);
    }

    /// Buffers an executed transaction without cloning it: the payload is laid out exactly
    /// as `JournalRecord::Transaction` (variant 1) would be.
    pub fn append_transaction(&mut self, record: &TxRecord) {
        let mut payload = vec![1u8];
        bcs::serialize_into(&mut payload, record).expect("WAL records serialize to BCS");
        self.frame(&payload);
    }

    fn frame(&mut self, payload: &[u8]) {
        let len = u32::try_from(payload.len()).expect("a WAL record is under 4 GiB");
        self.buffer.extend_from_slice(&len.to_le_bytes());
        self.buffer.extend_from_slice(&checksum(payload));
        self.buffer.extend_from_slice(payload);
    }

    /// Writes buffered records and fsyncs: after this returns they survive a crash.
    pub fn sync(&mut self) -> Result<(), JournalError> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let io = |source| JournalError::Io {
            path: self.path.clone(),
            source,
        };
        self.file.write_all(&self.buffer).map_err(io)?;
        self.file.sync_data().map_err(io)?;
        self.buffer.clear();
        Ok(())
    }
}

fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal.log");
        let (mut wal, records) = Journal::open(&path).unwrap();
        assert!(records.is_empty());
        for seq in 0..3 {
            wal.append(&JournalRecord::Checkpoint {
                sequence_number: seq,
                timestamp_ms: 10,
                transactions: vec![Digest::ZERO],
            });
        }
        wal.sync().unwrap();
        drop(wal);
        // Simulate a crash in the middle of a frame.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(&[200, 0, 0, 0, 1, 2]).unwrap();
        drop(file);
        let (mut wal, records) = Journal::open(&path).unwrap();
        assert_eq!(records.len(), 3);
        wal.append(&JournalRecord::Genesis {
            objects: vec![crate::objects::clock(1)],
            timestamp_ms: 1,
        });
        wal.sync().unwrap();
        let (_, records) = Journal::open(&path).unwrap();
        assert_eq!(records.len(), 4);
        assert!(matches!(records[3], JournalRecord::Genesis { .. }));
    }
}
