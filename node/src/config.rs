//! The node's TOML configuration.
//!
//! ```toml
//! listen = "127.0.0.1:9100"
//! data_dir = "/var/lib/floe-node"
//! bls_key_file = "bls.key"              # hex of ≥ 32 secret seed bytes (`floe-node keygen`)
//! # Chain (optional: without it the node serves fixed shards for `epoch`, stores no new blobs
//! # since it cannot check their registrations, and serves no licensed reads)
//! network_config = "network.toml"       # floe_sdk::NetworkConfig
//! node_id = "0x…"                       # the node's staking-pool ID
//! node_cap_id = "0x…"                   # its NodeCap, to answer challenges
//! operator_keystore = "sui.keystore"    # holds the NodeCap owner's ed25519 key
//! operator_address = "0x…"              # which key of the keystore (default: the first)
//! shards = [0, 1, 2]                    # default: read from the System object each minute
//! epoch = 1                             # used when shards are fixed here
//! max_request_skew_ms = 60000           # licensed-read timestamp tolerance
//! committee_poll_ms = 60000             # how often epoch changes are looked for
//! admin_token = "…"                     # enables PUT/DELETE /v1/blobs/{id}/model
//! recovery_concurrency = 4              # blobs recovered at once
//! recovery_batch = 256                  # most pairs of one blob rebuilt per round of requests
//! recovery_round_mib = 64               # symbol bytes one round may bring in (at most 256)
//! max_inflight_upload_bytes = 268435456 # upload bodies held in memory at once (256 MiB)
//! upload_wait_ms = 10000                # how long an upload waits for that budget, then 503
//! upload_grace_ms = 10000               # an upload body's head start, then it must keep up with
//! upload_min_rate = 262144              # bytes/s, or 408 and its budget share is given back
//! header_read_timeout_ms = 30000        # a request head (or an idle connection) gets this long
//! answer_challenges = true              # false: a dishonest operator's node (see below)
//!
//! [[licensed]]                          # blobs that belong to a model
//! blob_id = "…"                         # base64url
//! model_id = "0x…"
//! ```
//!
//! Relative paths are resolved against the config file's directory.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sui_sdk_types::Address;

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid node config: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("BLS key file {path}: {message}")]
    BlsKey { path: PathBuf, message: String },
    #[error("max_connections {wanted}: {problem}\n{remedy}")]
    MaxConnections {
        wanted: usize,
        problem: String,
        remedy: String,
    },
}

/// Checks a connection budget (`max_connections`, `floe-node run --max-connections`) against
/// the process's soft open-file limit `soft`: 0 never accepts a connection, and more than
/// three quarters of the limit leaves too few descriptors for the store's files and the
/// node's own connections (to the chain, to peers), which would then fail instead of a
/// connection waiting in the backlog.
pub fn check_max_connections(wanted: usize, soft: Option<u64>) -> Result<(), ConfigError> {
    if wanted == 0 {
        return Err(ConfigError::MaxConnections {
            wanted,
            problem: "the node would never accept a connection".to_owned(),
            remedy: format!(
                "set max_connections (or --max-connections) to 1 or more, or leave it out for the \
                 default ({}: half the open-file limit)",
                floe_problem::serve::default_max_connections()
            ),
        });
    }
    if let Some(soft) = soft.filter(|&soft| soft != u64::MAX) {
        let most = soft - soft / 4;
        if u64::try_from(wanted).unwrap_or(u64::MAX) > most {
            return Err(ConfigError::MaxConnections {
                wanted,
                problem: format!(
                    "more than three quarters of this process's {soft} open files, leaving too \
                     few for the store's files and the node's connections to the chain and peers"
                ),
                remedy: format!(
                    "set max_connections (or --max-connections) to {most} or less, or raise the \
                     limit first (`ulimit -n`)"
                ),
            });
        }
    }
    Ok(())
}

/// A blob marked as a model's, so its slivers need a license.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Licensed {
    pub blob_id: String,
    pub model_id: Address,
}

fn default_skew() -> u64 {
    60_000
}

fn default_recovery_concurrency() -> usize {
    4
}

fn default_recovery_batch() -> usize {
    256
}

fn default_recovery_round_mib() -> usize {
    64
}

fn default_max_inflight_upload_bytes() -> usize {
    crate::api::DEFAULT_INFLIGHT_UPLOAD_BYTES
}

fn default_upload_wait_ms() -> u64 {
    u64::try_from(crate::api::DEFAULT_UPLOAD_WAIT.as_millis()).unwrap_or(u64::MAX)
}

fn default_upload_grace_ms() -> u64 {
    u64::try_from(crate::api::DEFAULT_UPLOAD_GRACE.as_millis()).unwrap_or(u64::MAX)
}

fn default_upload_min_rate() -> usize {
    crate::api::DEFAULT_UPLOAD_MIN_RATE
}

fn default_header_read_timeout_ms() -> u64 {
    u64::try_from(floe_problem::serve::HEADER_READ_TIMEOUT.as_millis()).unwrap_or(u64::MAX)
}

fn default_committee_poll() -> u64 {
    60_000
}

fn default_answer_challenges() -> bool {
    true
}

/// The node's configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub bls_key_file: PathBuf,
    #[serde(default)]
    pub network_config: Option<PathBuf>,
    #[serde(default)]
    pub node_id: Option<Address>,
    #[serde(default)]
    pub node_cap_id: Option<Address>,
    #[serde(default)]
    pub operator_keystore: Option<PathBuf>,
    #[serde(default)]
    pub operator_address: Option<Address>,
    #[serde(default)]
    pub shards: Option<Vec<u16>>,
    #[serde(default)]
    pub epoch: u64,
    #[serde(default = "default_skew")]
    pub max_request_skew_ms: u64,
    /// How often the System object is read for epoch changes, in ms.
    #[serde(default = "default_committee_poll")]
    pub committee_poll_ms: u64,
    #[serde(default)]
    pub admin_token: Option<String>,
    /// Blobs recovered at once (memory grows with it).
    #[serde(default = "default_recovery_concurrency")]
    pub recovery_concurrency: usize,
    /// Most pairs of one blob rebuilt per round of recovery requests.
    #[serde(default = "default_recovery_batch")]
    pub recovery_batch: usize,
    /// Symbol MiB one round of recovery requests may bring in (memory grows with it).
    #[serde(default = "default_recovery_round_mib")]
    pub recovery_round_mib: usize,
    /// Bytes of upload bodies held in memory at once, over all concurrent uploads: the node's
    /// memory for uploads is bounded by it (a pair larger than it is refused with 413).
    #[serde(default = "default_max_inflight_upload_bytes")]
    pub max_inflight_upload_bytes: usize,
    /// How long an upload waits for its share of that budget before a 503 with Retry-After.
    #[serde(default = "default_upload_wait_ms")]
    pub upload_wait_ms: u64,
    /// An upload body's head start before it must keep up with `upload_min_rate`
    /// ([`crate::api::BodyPace`]).
    #[serde(default = "default_upload_grace_ms")]
    pub upload_grace_ms: u64,
    /// Slowest rate, in bytes per second, an upload body may arrive at past its head start;
    /// slower, it is refused (408) and its share of the budget given back.
    #[serde(default = "default_upload_min_rate")]
    pub upload_min_rate: usize,
    /// How long a request head may take to arrive, and a connection may sit idle between
    /// requests, before the node closes it (slow or silent connections must not pile up).
    #[serde(default = "default_header_read_timeout_ms")]
    pub header_read_timeout_ms: u64,
    /// `false` runs the node as a dishonest operator would: it stores, serves, migrates and
    /// signals sync like any other, but leaves the challenges issued to it unanswered, so
    /// `challenge::slash_missed` can be called on them after their deadline. It exists to show
    /// on a real network what slashing does (and that its operator gains nothing from it).
    #[serde(default = "default_answer_challenges")]
    pub answer_challenges: bool,
    /// Connections the node's API holds open at once; beyond, new connections wait in the
    /// listen backlog until one closes (so a flood of idle connections cannot exhaust the
    /// process's file descriptors). `floe-node run` sizes its process's connection budget
    /// with it (checked by [`check_max_connections`]; `--max-connections` overrides it); unset,
    /// the budget is half the soft open-file limit and the API takes up to three quarters of
    /// it. A node run inside another process (`floe up`) draws from that process's budget,
    /// capped at this.
    #[serde(default)]
    pub max_connections: Option<usize>,
    #[serde(default)]
    pub licensed: Vec<Licensed>,
}

impl NodeConfig {
    /// Parses TOML text; relative paths are taken relative to `base`.
    pub fn parse(text: &str, base: &Path, origin: &Path) -> Result<Self, ConfigError> {
        let mut config: Self = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: origin.to_owned(),
            message: e.to_string(),
        })?;
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        resolve(&mut config.data_dir);
        resolve(&mut config.bls_key_file);
        for p in [&mut config.network_config, &mut config.operator_keystore]
            .into_iter()
            .flatten()
        {
            resolve(p);
        }
        Ok(config)
    }

    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, base, path)
    }
}

/// Reads a BLS key file: hex of at least 32 seed bytes (whitespace ignored).
pub fn load_bls_key(path: &Path) -> Result<floe_sdk::bls::BlsKeyPair, ConfigError> {
    let bad = |message: String| ConfigError::BlsKey {
        path: path.to_owned(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let seed = hex::decode(text.trim()).map_err(|e| bad(format!("not hex: {e}")))?;
    floe_sdk::bls::BlsKeyPair::from_seed(&seed).map_err(|e| bad(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_resolves_paths() {
        let text = r#"
            listen = "127.0.0.1:9100"
            data_dir = "data"
            bls_key_file = "/etc/floe/bls.key"
            network_config = "network.toml"
            node_id = "0x0000000000000000000000000000000000000000000000000000000000000005"
            shards = [1, 2]
            epoch = 3
            [[licensed]]
            blob_id = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            model_id = "0x7"
        "#;
        let config = NodeConfig::parse(text, Path::new("/srv/node"), Path::new("x.toml")).unwrap();
        assert_eq!(config.data_dir, Path::new("/srv/node/data"));
        assert_eq!(config.bls_key_file, Path::new("/etc/floe/bls.key"));
        assert_eq!(
            config.network_config.as_deref(),
            Some(Path::new("/srv/node/network.toml"))
        );
        assert_eq!(config.shards, Some(vec![1, 2]));
        assert_eq!(config.max_request_skew_ms, 60_000);
        assert_eq!(config.max_inflight_upload_bytes, 256 << 20);
        assert_eq!(config.upload_wait_ms, 10_000);
        assert_eq!(config.upload_grace_ms, 10_000);
        assert_eq!(config.upload_min_rate, 256 << 10);
        assert_eq!(config.header_read_timeout_ms, 30_000);
        assert!(config.answer_challenges);
        assert_eq!(config.licensed[0].model_id, Address::from_static("0x7"));
        let err = NodeConfig::parse("listen = 1", Path::new("."), Path::new("bad.toml"));
        assert!(matches!(err, Err(ConfigError::Parse { .. })));
        assert_eq!(config.max_connections, None);
    }

    #[test]
    fn a_connection_budget_must_accept_and_leave_descriptors() {
        assert!(check_max_connections(768, Some(1024)).is_ok());
        assert!(check_max_connections(1, None).is_ok());
        assert!(check_max_connections(1 << 40, Some(u64::MAX)).is_ok());
        let zero = check_max_connections(0, Some(1024))
            .unwrap_err()
            .to_string();
        assert!(zero.contains("never accept"), "{zero}");
        assert_eq!(zero.lines().count(), 2, "{zero}");
        let over = check_max_connections(769, Some(1024))
            .unwrap_err()
            .to_string();
        assert!(over.contains("1024 open files"), "{over}");
        assert!(over.contains("to 768 or less"), "{over}");
        assert_eq!(over.lines().count(), 2, "{over}");
    }
}
