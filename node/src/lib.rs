//! Floe's storage-node service.
//!
//! A storage node keeps the sliver pairs of the shards it holds, for every blob registered and
//! paid for on-chain ([`registration`]): it checks each sliver against the blob's metadata
//! before storing it durably ([`store`]), signs a storage confirmation once all its pairs of a
//! blob are stored ([`confirm`]), serves metadata and slivers over HTTP ([`api`]), serving a
//! model's blobs only to license holders ([`license_gate`]), and answers the chain's
//! availability challenges ([`challenge`], [`watcher`]). [`http_client`] is the client side of
//! the API, implementing the sdk's `StorageNodeClient` so the sdk's store and read flows drive
//! real nodes.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod api;
pub mod chain;
pub mod challenge;
pub mod config;
pub mod confirm;
pub mod gc;
pub mod http_client;
pub mod license_gate;
pub mod lookup;
pub mod migration;
pub mod peers;
pub mod recovery;
pub mod registration;
pub mod service;
pub mod state;
pub mod store;
pub mod watcher;
pub mod wire;
