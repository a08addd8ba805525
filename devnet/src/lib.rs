//! floe-devnet: a single-process local chain speaking the part of Sui's gRPC API
//! (`sui.rpc.v2`) that Floe's sdk, nodes and indexer use.
//!
//! It executes signed programmable transactions (SplitCoins, MergeCoins,
//! TransferObjects and Move calls dispatched to Rust handlers), seals checkpoints on a
//! timer, writes them as `{seq}.binpb.zst` files and keeps everything in a write-ahead
//! log so that a restarted (or killed) devnet continues where it was.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod bench;
pub mod checkpoint_files;
pub mod config;
pub mod execute;
pub mod faucet;
pub mod floe;
pub mod handlers;
pub mod ledger;
pub mod node;
pub mod objects;
pub mod runtime;
pub mod service;
pub mod wal;

pub use config::{DevnetConfig, GenesisAccount};
pub use handlers::{Handler, HandlerRegistry};
pub use node::{Devnet, DevnetError};
