//! floe-devnet: a single-process local chain speaking the part of Sui's gRPC API
//! (`sui.rpc.v2`) that Floe's sdk, nodes and indexer use.
//!
//! It executes signed programmable transactions (SplitCoins, MergeCoins,
//! TransferObjects and Move calls dispatched to Rust handlers), seals checkpoints on a
//! timer, writes them as `{seq}.binpb.zst` files and keeps everything in a write-ahead
//! log (the [`journal`]) so that a restarted (or killed) devnet continues where it was.
//!
//! Two layers. The chain core knows nothing of Floe: [`objects`], [`ledger`], [`execute`]
//! and [`runtime`] (PTBs, gas, dynamic fields), [`handlers`] (the registry Move calls are
//! dispatched through), [`journal`], [`checkpoint_files`], [`state`], [`service`] (gRPC),
//! [`faucet`], [`genesis`] (the hook API), [`conservation`] (the checks every executed
//! transaction passes in tests and debug builds) and [`devnet`] (the process, started with a
//! [`devnet::Rules`]). The Floe rules ([`floe`]) plug in through their handler registration,
//! their genesis hook and `floe::rules` (`Devnet::start_floe`). Only [`config`], which
//! composes a run, names Floe's genesis settings.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod arguments;
pub mod bench;
pub mod chain_info;
pub mod checkpoint_files;
pub mod config;
pub mod conservation;
pub mod devnet;
pub mod execute;
pub mod faucet;
pub mod floe;
pub mod genesis;
pub mod handlers;
pub mod journal;
pub mod json_rpc;
pub mod ledger;
pub mod move_model;
pub mod move_value;
pub mod objects;
pub mod package_service;
pub mod query;
pub mod render;
pub mod resolve;
pub mod runtime;
#[cfg(test)]
mod runtime_tests;
pub mod service;
pub mod state;

pub use config::{DevnetConfig, GenesisAccount};
pub use devnet::{Devnet, DevnetError};
pub use handlers::{Handler, HandlerRegistry};
