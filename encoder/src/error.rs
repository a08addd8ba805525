//! Typed errors of the codec. Every failure names what was wrong, so callers (the CLI, storage
//! nodes) can tell a bad input from an inconsistent encoding.

use thiserror::Error;

/// Errors while setting up or running an encoding.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum EncodeError {
    #[error("the shard count must be between 4 and 65535, got {0}")]
    InvalidShardCount(usize),
    #[error("a blob of {len} bytes is too large for {n_shards} shards: the limit is {max} bytes")]
    BlobTooLarge { len: u64, max: u64, n_shards: usize },
    #[error("the blob source returned {got} bytes where {expected} were expected")]
    ShortSource { expected: u64, got: u64 },
    #[error("reading the blob failed: {0}")]
    Source(String),
}

/// Errors while decoding a blob or rebuilding a sliver.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("not enough slivers: need {needed} distinct {what}, got {got}")]
    NotEnoughSlivers {
        needed: usize,
        got: usize,
        what: &'static str,
    },
    #[error("sliver index {index} is out of range for {n_shards} shards")]
    IndexOutOfRange { index: usize, n_shards: usize },
    #[error("{axis} sliver {index} has {got} bytes; {expected} expected")]
    WrongSliverLength {
        axis: &'static str,
        index: usize,
        expected: usize,
        got: usize,
    },
    #[error("{axis} sliver {index} does not match the blob metadata")]
    SliverMismatch { axis: &'static str, index: usize },
    #[error("the metadata does not match blob ID {expected}: it hashes to {actual}")]
    BlobIdMismatch { expected: String, actual: String },
    #[error("the metadata is malformed: {0}")]
    MalformedMetadata(String),
    #[error("recovery symbol from sliver {source_index} failed its Merkle proof")]
    InvalidRecoverySymbol { source_index: usize },
    #[error("the decoded blob does not reproduce blob ID {0}: the encoding is inconsistent")]
    InconsistentEncoding(String),
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

/// Errors in proofs and challenge answers.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ProofError {
    #[error("leaf index {index} is out of range for a tree of {leaves} leaves")]
    IndexOutOfRange { index: usize, leaves: usize },
    #[error("the proof has {got} levels; a tree of {leaves} leaves has {expected}")]
    WrongDepth {
        got: usize,
        expected: usize,
        leaves: usize,
    },
    #[error("the symbol has {got} bytes; the blob's symbols have {expected}")]
    WrongSymbolSize { got: usize, expected: usize },
    #[error("the proof does not lead to the committed root")]
    RootMismatch,
    #[error("malformed challenge answer bytes: {0}")]
    Malformed(&'static str),
}
