//! Red Stuff (RS2) erasure coding, byte-compatible with Walrus.
//!
//! A pure library: no I/O beyond the [`BlobSource`] a caller hands in, no async.
//!
//! - [`encode`] turns a blob into [`BlobMetadata`] and `n` [`SliverPair`]s; [`blob_id`] and
//!   [`compute_metadata`] give the commitment alone with bounded memory; [`encode_spilled`]
//!   encodes a blob of any size with bounded memory, leaving what slivers need in a [`Spill`]
//!   the caller provides, and [`spilled_pair`] reads each pair back.
//! - [`decode`] rebuilds the blob from any `p` primary slivers, checking each against the
//!   metadata and the metadata against the blob ID.
//! - [`band`] restores the source rows a reader lacks one band of columns at a time, so a
//!   reader can keep its slivers on disk instead of in memory.
//! - [`recovery`] rebuilds one lost sliver from symbols other nodes derive from theirs.
//! - [`challenge`] builds and checks the availability-challenge answer the Move package
//!   verifies on-chain; its module docs give the byte format.
pub mod band;
mod blake2b_x4;
mod blake2b_x8;
pub mod blob_id;
pub mod challenge;
pub mod config;
pub mod decode;
pub mod encode;
pub mod error;
mod gfni;
pub mod kernel_cap;
pub mod kernels;
mod layout;
pub mod merkle;
pub mod metadata;
mod pool;
pub mod recovery;
mod rs;
pub mod sliver;
pub mod source;
pub mod spill;
mod uleb;
pub mod verify;
mod xor;

pub use band::{missing_rows, restore_band};
pub use blob_id::BlobId;
pub use challenge::{ChallengeAnswer, answer_challenge, verify_challenge_answer};
pub use config::EncodingConfig;
pub use decode::{decode, decode_and_verify, decode_into};
pub use encode::{
    Workspace, blob_id, blob_id_with, compute_metadata, compute_metadata_with, encode, encode_into,
};
pub use error::{DecodeError, EncodeError, ProofError};
pub use metadata::{BlobMetadata, SliverPairHashes};
pub use recovery::{RecoverySymbol, recover_sliver, recovery_symbol, recovery_symbols};
pub use sliver::{Axis, Sliver, SliverPair};
pub use source::{BlobSource, ReaderSource};
pub use spill::{MemorySpill, Spill, SpillPart, encode_spilled, spill_sizes, spilled_pair};
pub use verify::verify_sliver;

/// The leaf hashes of `symbols` (`symbol_size` bytes each) on the fastest kernel the CPU has;
/// public only so that `examples/hashspeed.rs` can time the hashing kernels alone.
#[doc(hidden)]
pub fn leaf_hashes_for_bench(symbols: &[u8], symbol_size: usize, out: &mut [[u8; 32]]) {
    merkle::leaf_hashes_into(symbols, symbol_size, out, &mut Vec::new());
}
