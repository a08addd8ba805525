//! Devnet settings: addresses, data directory, checkpoint cadence and genesis accounts.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::floe::genesis::NetworkGenesis;

/// One MIST-denominated SUI: 10^9 MIST.
pub const MIST_PER_SUI: u64 = 1_000_000_000;

/// One WAL in base units: 10^9.
pub const BASE_UNITS_PER_WAL: u64 = 1_000_000_000;

/// Shards of the default local storage network: small enough to encode quickly, large
/// enough for a committee of a few nodes.
pub const DEFAULT_N_SHARDS: u16 = 10;
/// Epoch length of the default local network: ten minutes, so epoch changes happen within
/// a working session without racing the tests and tools that use an epoch.
pub const DEFAULT_EPOCH_DURATION_MS: u64 = 10 * 60 * 1000;

pub use crate::genesis::GenesisAccount;

/// Everything a devnet needs to start; loaded from TOML, overridable from the CLI.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DevnetConfig {
    /// Where the gRPC API listens.
    pub grpc_addr: SocketAddr,
    /// Where the faucet's HTTP API listens; `None` disables the faucet.
    pub faucet_addr: Option<SocketAddr>,
    /// Holds the write-ahead log, the checkpoint files and the faucet key.
    pub data_dir: PathBuf,
    /// How often pending transactions are sealed into a checkpoint.
    pub checkpoint_interval_ms: u64,
    /// Seal checkpoints even when no transaction is pending (off: an idle devnet writes
    /// no files).
    pub empty_checkpoints: bool,
    /// SUI (MIST) the faucet sends per request.
    pub faucet_amount: u64,
    /// WAL (base units) the faucet sends per `/v2/wal` request without an amount.
    pub faucet_wal_amount: u64,
    /// The most WAL (base units) one `/v2/wal` request may ask for, so one client cannot
    /// drain the supply the faucet holds for everyone.
    pub faucet_wal_max: u64,
    /// Accounts funded at genesis. Ignored when the data directory already has a chain.
    pub accounts: Vec<GenesisAccount>,
    /// The Floe package and storage network published at genesis (`[floe]` in TOML);
    /// `None` runs a bare chain. Ignored when the data directory already has a chain.
    pub floe: Option<NetworkGenesis>,
}

impl Default for DevnetConfig {
    fn default() -> Self {
        Self {
            grpc_addr: SocketAddr::from(([127, 0, 0, 1], 9000)),
            faucet_addr: Some(SocketAddr::from(([127, 0, 0, 1], 9123))),
            data_dir: PathBuf::from(".floe-devnet"),
            checkpoint_interval_ms: 250,
            empty_checkpoints: false,
            faucet_amount: 10 * MIST_PER_SUI,
            faucet_wal_amount: 100 * BASE_UNITS_PER_WAL,
            faucet_wal_max: 10_000 * BASE_UNITS_PER_WAL,
            accounts: Vec::new(),
            floe: Some(NetworkGenesis {
                n_shards: DEFAULT_N_SHARDS,
                epoch_duration_ms: DEFAULT_EPOCH_DURATION_MS,
                nodes: Vec::new(),
            }),
        }
    }
}

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read devnet config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("devnet config {path} is invalid: {message}")]
    Parse { path: PathBuf, message: String },
}

impl DevnetConfig {
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }

    pub fn checkpoint_interval(&self) -> Duration {
        Duration::from_millis(self.checkpoint_interval_ms.max(1))
    }

    pub fn wal_path(&self) -> PathBuf {
        self.data_dir.join("wal.log")
    }

    pub fn checkpoint_dir(&self) -> PathBuf {
        self.data_dir.join("checkpoints")
    }

    pub fn faucet_keystore_path(&self) -> PathBuf {
        self.data_dir.join("faucet.keystore")
    }

    /// Where every start writes the `floe_sdk::NetworkConfig` clients load.
    pub fn network_config_path(&self) -> PathBuf {
        self.data_dir.join("network.toml")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sui_sdk_types::Address;

    #[test]
    fn parses_accounts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("devnet.toml");
        std::fs::write(
            &path,
            "grpc_addr = \"127.0.0.1:1\"\ncheckpoint_interval_ms = 100\n[[accounts]]\naddress = \"0x2\"\nbalance = 5\n",
        )
        .unwrap();
        let config = DevnetConfig::from_file(&path).unwrap();
        assert_eq!(config.accounts[0].address, Address::TWO);
        assert_eq!(config.accounts[0].coins, 1);
        assert_eq!(config.checkpoint_interval(), Duration::from_millis(100));
        std::fs::write(&path, "nonsense = 1\n").unwrap();
        assert!(DevnetConfig::from_file(&path).is_err());
    }

    #[test]
    fn floe_defaults_and_table() {
        let config = DevnetConfig::default();
        let floe = config.floe.as_ref().unwrap();
        assert_eq!(floe.n_shards, DEFAULT_N_SHARDS);
        assert!(floe.nodes.is_empty());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("devnet.toml");
        let key = "a".repeat(96);
        std::fs::write(
            &path,
            format!(
                "faucet_wal_amount = 7\n[floe]\nn_shards = 4\nepoch_duration_ms = 1000\n\
                 [[floe.nodes]]\nname = \"n\"\nnetwork_address = \"127.0.0.1:1\"\n\
                 bls_public_key = \"{key}\"\nproof_of_possession = \"00\"\n\
                 commission_bps = 0\nstake = 5\noperator = \"0x2\"\n"
            ),
        )
        .unwrap();
        let config = DevnetConfig::from_file(&path).unwrap();
        assert_eq!(config.faucet_wal_amount, 7);
        let floe = config.floe.unwrap();
        assert_eq!((floe.n_shards, floe.epoch_duration_ms), (4, 1000));
        assert_eq!(floe.nodes[0].bls_public_key, vec![0xaa; 48]);
        assert_eq!(floe.nodes[0].operator, Address::TWO);
    }
}
