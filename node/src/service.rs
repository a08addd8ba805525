//! Running a node from its configuration: the store, the HTTP API, and (with a chain) the
//! committee follower and the challenge watcher. The `floe-node` command and `floe up` both
//! start nodes through [`start`], so a node behaves the same alone or beside the devnet.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use floe_encoder::BlobId;
use floe_sdk::calls::FloeObjects;
use floe_sdk::{FloeClient, Keystore, NetworkConfig};
use sui_sdk_types::Address;
use tokio::task::JoinHandle;

use crate::api::{self, NodeState};
use crate::chain::{self, ChainLicenses, ChainRegistrations};
use crate::config::{self, NodeConfig};
use crate::license_gate::{LicenseLookup, ReplayGuard};
use crate::registration::RegistrationLookup;
use crate::store::Store;
use crate::watcher::Responder;

/// Why a node could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("loading the network config {path}: {source}")]
    Network {
        path: PathBuf,
        source: floe_sdk::ConfigError,
    },
    #[error("connecting to the chain at {url}: {source}")]
    Connect {
        url: String,
        source: floe_sdk::ClientError,
    },
    #[error("resolving Floe's shared objects (is the package published?): {0}")]
    Objects(#[from] floe_sdk::calls::CallsError),
    #[error("reading this node's shards from the System object: {0}")]
    Shards(#[from] chain::ChainError),
    #[error(
        "set `shards` in the config, or `network_config` and `node_id` to read them from the chain"
    )]
    NoShards,
    #[error("answering challenges needs `operator_keystore` in the config")]
    NoOperatorKeystore,
    #[error(transparent)]
    Keystore(#[from] floe_sdk::KeystoreError),
    #[error("opening the store in {path}: {source}")]
    Store {
        path: PathBuf,
        source: crate::store::StoreError,
    },
    #[error("a [[licensed]] entry: {0}")]
    Licensed(String),
    #[error("binding {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A node that is serving.
pub struct RunningNode {
    /// Where the HTTP API listens (the configured address, with the port filled in).
    pub addr: SocketAddr,
    pub node_id: Option<Address>,
    /// The HTTP server; ends only if serving fails.
    pub server: JoinHandle<std::io::Result<()>>,
    /// The committee follower and challenge watcher, aborted with [`RunningNode::stop`].
    pub background: Vec<JoinHandle<()>>,
}

impl RunningNode {
    /// Stops serving and following the chain. Every acknowledged sliver is already durable.
    pub fn stop(self) {
        self.server.abort();
        for task in self.background {
            task.abort();
        }
    }
}

/// The chain connection of a node, when configured.
struct Chain {
    client: FloeClient,
    objects: FloeObjects,
}

async fn connect(config: &NodeConfig) -> Result<Option<Chain>, StartError> {
    let Some(path) = &config.network_config else {
        return Ok(None);
    };
    let network = NetworkConfig::from_file(path).map_err(|source| StartError::Network {
        path: path.clone(),
        source,
    })?;
    let mut client =
        FloeClient::connect(&network.rpc_url).map_err(|source| StartError::Connect {
            url: network.rpc_url.clone(),
            source,
        })?;
    let objects = FloeObjects::resolve(&mut client, &network).await?;
    Ok(Some(Chain { client, objects }))
}

/// Opens the store, binds the API and starts the node's tasks; returns once it is serving.
pub async fn start(config: NodeConfig) -> Result<RunningNode, StartError> {
    let key = config::load_bls_key(&config.bls_key_file)?;
    let chain = connect(&config).await?;
    let (epoch, shards) = match (&config.shards, &chain, config.node_id) {
        (Some(shards), _, _) => (config.epoch, shards.clone()),
        (None, Some(chain), Some(node_id)) => {
            let mut client = chain.client.clone();
            chain::epoch_and_shards(
                &mut client,
                chain.objects.system.id,
                chain.objects.original_package,
                node_id,
            )
            .await?
        }
        _ => return Err(StartError::NoShards),
    };
    let store = Arc::new(
        Store::open(&config.data_dir, shards.iter().copied()).map_err(|source| {
            StartError::Store {
                path: config.data_dir.clone(),
                source,
            }
        })?,
    );
    for licensed in &config.licensed {
        let blob_id: BlobId = licensed
            .blob_id
            .parse()
            .map_err(|e| StartError::Licensed(format!("blob_id {}: {e}", licensed.blob_id)))?;
        store
            .set_model(&blob_id, Some(licensed.model_id))
            .map_err(|e| StartError::Licensed(e.to_string()))?;
    }
    let licenses: Option<Arc<dyn LicenseLookup>> = chain.as_ref().map(|c| {
        Arc::new(ChainLicenses {
            client: c.client.clone(),
            package: c.objects.original_package,
        }) as Arc<dyn LicenseLookup>
    });
    // Without a chain no registration can be checked, so the node stores no new blob.
    let registrations: Option<Arc<dyn RegistrationLookup>> = chain.as_ref().map(|c| {
        Arc::new(ChainRegistrations {
            client: c.client.clone(),
            package: c.objects.original_package,
        }) as Arc<dyn RegistrationLookup>
    });
    let state = Arc::new(NodeState {
        store: store.clone(),
        key,
        epoch: AtomicU64::new(epoch),
        node_id: config.node_id,
        licenses,
        registrations,
        replay: ReplayGuard::default(),
        max_skew_ms: config.max_request_skew_ms,
        admin_token: config.admin_token.clone(),
    });
    let mut background = Vec::new();
    if let (Some(chain), Some(node_id), None) = (&chain, config.node_id, &config.shards) {
        background.push(tokio::spawn(follow_committee(
            chain.client.clone(),
            chain.objects,
            node_id,
            state.clone(),
            config.committee_poll_ms,
        )));
    }
    if let (Some(chain), Some(node_id), Some(node_cap)) =
        (&chain, config.node_id, config.node_cap_id)
    {
        let keystore_path = config
            .operator_keystore
            .as_ref()
            .ok_or(StartError::NoOperatorKeystore)?;
        let keystore = Keystore::load(keystore_path)?;
        let operator = match config.operator_address {
            Some(address) => keystore.key(&address)?.clone(),
            None => keystore.first()?.clone(),
        };
        let responder = Responder {
            client: chain.client.clone(),
            objects: chain.objects,
            node_id,
            node_cap,
            operator,
            store: store.clone(),
            gas_budget: floe_sdk::tx::DEFAULT_GAS_BUDGET,
        };
        let cursor = config.data_dir.join("watcher.cursor");
        background.push(tokio::spawn(responder.run_persisted(cursor)));
        tracing::info!(%node_id, "challenge watcher started");
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.listen,
        source,
    })?;
    tracing::info!(%addr, epoch, ?shards, "floe-node serving");
    Ok(RunningNode {
        addr,
        node_id: config.node_id,
        server: tokio::spawn(api::serve(listener, state)),
        background,
    })
}

/// Follows epoch changes: the epoch confirmations are signed for and the shards held.
async fn follow_committee(
    mut client: FloeClient,
    objects: FloeObjects,
    node_id: Address,
    state: Arc<NodeState>,
    poll_ms: u64,
) {
    loop {
        tokio::time::sleep(Duration::from_millis(poll_ms.max(100))).await;
        match chain::epoch_and_shards(
            &mut client,
            objects.system.id,
            objects.original_package,
            node_id,
        )
        .await
        {
            Ok((epoch, shards)) => {
                if state.epoch.swap(epoch, Ordering::Relaxed) != epoch {
                    tracing::info!(epoch, ?shards, "new epoch");
                }
                state.store.set_shards(shards);
            }
            Err(e) => tracing::warn!(error = %e, "could not read the System object"),
        }
    }
}
