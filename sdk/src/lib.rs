//! Floe's client library.
//!
//! Everything off-chain talks to the chain through this crate: it loads the network
//! configuration and keys, builds and signs programmable transactions offline, and talks
//! to a `sui.rpc.v2` endpoint (a real Sui full node or the local `floe-devnet`) with the
//! same code either way.
//!
//! - [`calls`]: one typed `MoveCall` builder per callable function of the `floe` package.
//! - [`flows`]: store and read blobs, stake, models and licenses, as one call each.
//! - [`license_use`]: consume one use of a license on-chain for a `UseReceipt`.
//! - [`slivers`], [`nodes`], [`committee`], [`bls`]: the storage-node side of storing and
//!   reading (sliver distribution, quorum certificates, decoding), chain-free.
//! - [`aborts`]: floe Move aborts named and explained.
//! - [`move_aborts`], [`move_constants`]: the package's abort codes and other integer
//!   constants, generated.
//! - [`range_read`]: byte ranges of a blob from only the primary slivers that hold them,
//!   as one read or as a stream of rows.
//! - [`quilt`]: many small files in one blob, each read alone by identifier through ranges.
//! - [`shared_blob`]: share a blob with funds anyone may add to and spend on its extension.
//! - [`keeper`]: advance epochs, issue challenges and slash missed ones, as anyone may.
//! - [`reconnect`]: when a long-lived stream's reconnects are worth a warning.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod aborts;
pub mod agent_memory;
pub mod attributes;
pub mod bls;
pub mod calls;
pub mod client;
pub mod committee;
pub mod compute;
pub mod config;
pub mod dataset;
pub mod faucet;
pub mod flows;
pub mod keeper;
pub mod keystore;
pub mod license_use;
pub mod memory_node;
pub mod move_constants;
/// The abort codes of the `floe` Move package, generated at build time from
/// `move/floe/sources`: `move_aborts::<module>::E_SNAKE_CASE` (`system::E_NODE_NOT_FOUND`), so
/// the devnet and the tests assert codes against the Move source. [`aborts`] explains them.
pub mod move_aborts {
    include!(concat!(env!("OUT_DIR"), "/move_aborts.rs"));
}
pub mod move_types;
pub mod nodes;
pub mod quilt;
pub mod range_read;
pub mod reconnect;
pub mod service;
pub mod shared_blob;
pub mod slivers;
pub mod stream;
pub mod tx;

pub use aborts::FloeAbort;
pub use calls::{CallsError, FloeObjects, SharedObject};
pub use client::{ClientError, ExecutedTransaction, ExecutionFailure, FloeClient, MoveAbortInfo};
pub use config::{ConfigError, NetworkConfig};
pub use flows::{Floe, FlowError};
pub use keystore::{Keystore, KeystoreError};
pub use tx::{CoinRef, TxError};

/// Re-exported so that users of the sdk build against the same versions.
pub use sui_crypto;
pub use sui_rpc;
pub use sui_sdk_types;
pub use sui_transaction_builder;
