//! A Seal-compatible key server for the floe package's encrypted models.
//!
//! A model is encrypted (`floe-crypto`) to a threshold of key servers under the identity
//! `[floe package id][model id]`. A key server holds an IBE master secret and releases the
//! user key for an identity — a BLS signature on it — only to a requester whose transaction
//! calling the package's `seal_approve*` policies succeeds when the chain simulates it as that
//! requester. It speaks Seal's HTTP protocol (`GET /v1/service`, `POST /v1/fetch_key`), so
//! Seal's clients can use it and Floe's clients can use Seal's servers:
//!
//! - [`protocol`]: the JSON of requests and answers;
//! - [`session`]: session certificates and request signatures, and the client's
//!   [`session::SessionKey`];
//! - [`ptb`]: the form a key request's transaction must have;
//! - [`policy`]: evaluating it on the chain;
//! - [`server`]: the HTTP service; [`client`]: fetching and opening keys;
//! - [`master_key`]: the master secret on disk; [`rate_limit`]: per-client request rates;
//! - [`onchain`]: the server's `floe::key_server::KeyServer` object (Seal's layout), whose ID
//!   names it in encrypted objects;
//! - [`error`]: refusals, named as Seal names them, as problem+json.

pub mod client;
pub mod error;
pub mod master_key;
pub mod onchain;
pub mod policy;
pub mod protocol;
pub mod ptb;
pub mod rate_limit;
pub mod server;
pub mod session;

pub use error::KeyServerError;
pub use server::KeyServer;
