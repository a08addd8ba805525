//! Devnet settings: addresses, data directory, checkpoint cadence and genesis accounts.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sui_sdk_types::Address;

/// One MIST-denominated SUI: 10^9 MIST.
pub const MIST_PER_SUI: u64 = 1_000_000_000;

/// An account funded at genesis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisAccount {
    pub address: Address,
    /// Total SUI (in MIST) the account starts with.
    pub balance: u64,
    /// Into how many equal coins the balance is split (at least 1).
    #[serde(default = "one")]
    pub coins: u32,
}

fn one() -> u32 {
    1
}

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
    /// Accounts funded at genesis. Ignored when the data directory already has a chain.
    pub accounts: Vec<GenesisAccount>,
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
            accounts: Vec::new(),
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
