//! The `floe` home directory: everything `floe up` runs and every command reads lives under
//! one directory (`.floe` by default), so a second `floe up` resumes the same network and
//! deleting the directory starts from genesis.
//!
//! ```text
//! .floe/
//!   devnet/              chain state (write-ahead log, checkpoints, faucet key, network.toml)
//!   nodes/node-<i>/      each storage node: bls.key, operator.keystore, node.toml, store/,
//!                        and its key server: keyserver.key, keyserver.listen, keyserver.object
//!   keeper.keystore      the key that advances epochs and issues challenges
//!   keystore             your accounts (`floe account new`)
//!   publisher.keystore   the account `floe up`'s publisher pays stores from
//!   up.toml              what `floe up` is serving: URLs of the chain, faucet, API and nodes
//!   up.lock              held by the running `floe up` (its process ID), so a second one
//!                        on the same home refuses to start
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub struct Home {
    root: PathBuf,
}

impl Home {
    /// The home at `root`, made absolute against the current directory: files written under
    /// it (a node's `node.toml` names the network file) are read from other directories, so a
    /// relative `.floe` would resolve against the wrong one.
    pub fn new(root: impl Into<PathBuf>) -> std::io::Result<Self> {
        let root = std::path::absolute(root.into())?;
        Ok(Self { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn devnet_dir(&self) -> PathBuf {
        self.root.join("devnet")
    }

    /// The sdk's network file, written by the devnet at every start.
    pub fn network_file(&self) -> PathBuf {
        self.devnet_dir().join("network.toml")
    }

    pub fn node_dir(&self, index: usize) -> PathBuf {
        self.root.join("nodes").join(format!("node-{index}"))
    }

    pub fn keeper_keystore(&self) -> PathBuf {
        self.root.join("keeper.keystore")
    }

    pub fn keystore(&self) -> PathBuf {
        self.root.join("keystore")
    }

    pub fn up_file(&self) -> PathBuf {
        self.root.join("up.toml")
    }
}

/// The shape of the network at genesis; a later `floe up` must ask for the same one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenesisShape {
    pub nodes: usize,
    pub shards: u16,
    pub epoch_ms: u64,
}

/// `up.toml`: what a running `floe up` serves.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpFile {
    pub genesis: GenesisShape,
    pub grpc: String,
    pub faucet: Option<String>,
    pub api: Option<String>,
    pub nodes: Vec<String>,
    /// The key servers (one per storage node) models are encrypted to.
    #[serde(default)]
    pub key_servers: Vec<KeyServerEntry>,
}

/// One key server `floe up` runs: its ID in encrypted objects (its on-chain `KeyServer`
/// object, in Seal's layout, which Seal's clients read), where it listens, its IBE public key
/// (hex, 96 bytes) and the storage node it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyServerEntry {
    pub service_id: String,
    pub url: String,
    pub public_key: String,
    /// The storage node's ID (older homes named key servers by it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
}

impl UpFile {
    pub fn load(path: &Path) -> anyhow::Result<Option<Self>> {
        use anyhow::Context as _;
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map(Some).with_context(|| {
                format!(
                    "{} is not a valid up.toml (written by another version of floe?)\n\
                         delete it: the next `floe up` writes it again",
                    path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        use anyhow::Context as _;
        let text = toml::to_string(self).context("serializing up.toml")?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
    }
}
