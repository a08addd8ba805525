//! What every client command needs: the network file, the account key, a connected `Floe`,
//! and the storage nodes of the current committee, found through their staking pools.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use floe_node::http_client::HttpNodeClient;
use floe_sdk::sui_crypto::ed25519::Ed25519PrivateKey;
use floe_sdk::{Floe, Keystore, NetworkConfig};
use sui_sdk_types::Address;

use crate::home::Home;

/// Global flags every client command shares.
pub struct Session {
    pub home: Home,
    /// `--network`: an sdk network file; default: the one `floe up` keeps in the home.
    pub network: Option<PathBuf>,
    /// `--as`: which account of the keystore signs; default: the first.
    pub account: Option<Address>,
}

impl Session {
    pub fn network(&self) -> anyhow::Result<NetworkConfig> {
        let path = self
            .network
            .clone()
            .unwrap_or_else(|| self.home.network_file());
        if !path.exists() {
            if self.network.is_none()
                && let Some(found) = self.home_above()
            {
                bail!(
                    "no network file at {}: this directory is not where `floe up` runs\n\
                     `floe up` keeps its network in {}: run this in {}, or pass --home {}",
                    path.display(),
                    found.display(),
                    found.parent().unwrap_or(&found).display(),
                    found.display()
                );
            }
            bail!(
                "no network file at {}: no `floe up` has run with this home\n\
                 if `floe up` runs in another directory, run this there (or pass --home DIR/.floe); else start one here with `floe up` and keep it running",
                path.display()
            );
        }
        NetworkConfig::from_file(&path).with_context(|| format!("loading {}", path.display()))
    }

    pub fn keystore(&self) -> anyhow::Result<Keystore> {
        let path = self.home.keystore();
        if !path.exists() {
            if !self.home.root().exists()
                && let Some(found) = self.home_above()
            {
                bail!(
                    "no accounts at {}: this directory is not where `floe up` runs\n\
                     `floe up` keeps its network in {}: run this in {}, or pass --home {}",
                    self.home.root().display(),
                    found.display(),
                    found.parent().unwrap_or(&found).display(),
                    found.display()
                );
            }
            bail!(
                "no accounts yet ({} is missing)\ncreate one with `floe account new`",
                path.display()
            );
        }
        Keystore::load(&path).with_context(|| format!("loading {}", path.display()))
    }

    /// For a user in a subdirectory of where `floe up` runs: the nearest home of the same name
    /// in a directory above that holds a network file, so the error can name it instead of
    /// suggesting a second `floe up`.
    fn home_above(&self) -> Option<PathBuf> {
        let root = self.home.root();
        let name = root.file_name()?;
        root.parent()?
            .ancestors()
            .skip(1)
            .map(|dir| dir.join(name))
            .find(|home| home.join("devnet").join("network.toml").is_file())
    }

    pub fn key(&self) -> anyhow::Result<Ed25519PrivateKey> {
        let keystore = self.keystore()?;
        Ok(match self.account {
            Some(address) => keystore.key(&address)?.clone(),
            None => keystore.first()?.clone(),
        })
    }

    /// The error of a network that does not answer: most often `floe up` is not running (it
    /// was stopped, or runs from another directory).
    pub fn unreachable(&self, network: &NetworkConfig) -> String {
        format!(
            "cannot reach the network at {}\n\
             is `floe up` running for {}? start it (`floe up` again resumes the network), or pass --home DIR or --network FILE",
            network.rpc_url,
            self.home.root().display()
        )
    }

    /// A `Floe` acting as the chosen account.
    pub async fn floe(&self) -> anyhow::Result<Floe> {
        let network = self.network()?;
        let key = self.key()?;
        Floe::connect(&network, key)
            .await
            .with_context(|| self.unreachable(&network))
    }

    /// A `Floe` for reads that need no account: it signs nothing, so a throwaway key serves.
    pub async fn reader(&self) -> anyhow::Result<Floe> {
        let network = self.network()?;
        let key = Ed25519PrivateKey::new([7; 32]);
        Floe::connect(&network, key)
            .await
            .with_context(|| self.unreachable(&network))
    }
}

/// Clients of the current committee's nodes, at the addresses their pools registered; with
/// `license`, reads are signed as that license's holder.
pub async fn node_directory(
    floe: &mut Floe,
    license: Option<(Ed25519PrivateKey, Address)>,
) -> anyhow::Result<HashMap<Address, HttpNodeClient>> {
    let addresses = floe
        .node_addresses()
        .await
        .context("reading the committee's node addresses")?;
    let mut directory = HashMap::new();
    for (node_id, address) in addresses {
        let url = if address.contains("://") {
            address
        } else {
            format!("http://{address}")
        };
        let client = match HttpNodeClient::connect(&url).await {
            Ok(client) => client,
            Err(e) => {
                // The flows need only a quorum; a node that is down counts as a failure there.
                tracing::warn!(%node_id, %url, error = %e, "storage node unreachable");
                HttpNodeClient::new(&url)
            }
        };
        let client = match &license {
            Some((key, id)) => client.with_license(key.clone(), *id),
            None => client,
        };
        directory.insert(node_id, client);
    }
    Ok(directory)
}
