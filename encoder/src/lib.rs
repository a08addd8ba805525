//! Red Stuff (RS2) erasure coding, byte-compatible with Walrus.
//!
//! A pure library: no I/O beyond the [`BlobSource`] a caller hands in, no async.
pub mod blob_id;
pub mod config;
pub mod encode;
pub mod error;
mod layout;
pub mod merkle;
pub mod metadata;
mod rs;
pub mod sliver;
pub mod source;

pub use blob_id::BlobId;
pub use config::EncodingConfig;
pub use encode::{blob_id, compute_metadata, encode};
pub use error::{DecodeError, EncodeError, ProofError};
pub use metadata::{BlobMetadata, SliverPairHashes};
pub use sliver::{Axis, Sliver, SliverPair};
pub use source::{BlobSource, ReaderSource};
