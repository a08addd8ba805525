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
use floe_sdk::sui_crypto::ed25519::Ed25519PrivateKey;
use floe_sdk::{Floe, FloeClient, Keystore, NetworkConfig};
use sui_sdk_types::Address;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::api::{self, NodeState};
use crate::chain::{self, ChainLicenses, ChainRegistrations};
use crate::config::{self, NodeConfig};
use crate::gc;
use crate::license_gate::{LicenseLookup, ReplayGuard};
use crate::migration::SyncSignal;
use crate::peers::{self, Peers};
use crate::recovery::{Limits, Progress, Recovery};
use crate::registration::RegistrationLookup;
use crate::store::Store;
use crate::watcher::{Lifecycle, Responder};

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
    // 0 would never accept a connection; the open-file limit is the process's to check
    // (`floe-node run` does, sizing its budget), as the node may share it with others.
    if let Some(wanted) = config.max_connections {
        config::check_max_connections(wanted, None)?;
    }
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
    // Metadata is accepted only for the System's shard count (see `NodeState::n_shards`).
    let n_shards = match &chain {
        Some(chain) => {
            let mut client = chain.client.clone();
            let system = chain::read_system(
                &mut client,
                chain.objects.system.id,
                chain.objects.original_package,
            )
            .await?;
            Some(system.n_shards)
        }
        None => None,
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
    let peers = Arc::new(Peers::with_file(config.data_dir.join("committee.json")));
    let progress = Arc::new(Progress::default());
    // The operator's key signs challenge answers and the sync signal.
    let operator = match (&chain, config.node_cap_id) {
        (Some(_), Some(_)) => {
            let keystore_path = config
                .operator_keystore
                .as_ref()
                .ok_or(StartError::NoOperatorKeystore)?;
            let keystore = Keystore::load(keystore_path)?;
            Some(match config.operator_address {
                Some(address) => keystore.key(&address)?.clone(),
                None => keystore.first()?.clone(),
            })
        }
        _ => None,
    };
    let state = Arc::new(NodeState {
        store: store.clone(),
        key,
        epoch: AtomicU64::new(epoch),
        n_shards,
        node_id: config.node_id,
        licenses,
        registrations,
        replay: ReplayGuard::default(),
        max_skew_ms: config.max_request_skew_ms,
        admin_token: config.admin_token.clone(),
        peers: peers.clone(),
        progress: progress.clone(),
    });
    let mut background = Vec::new();
    let wake = Arc::new(Notify::new());
    // Recovery, migration and GC follow the committee, so they run only when the node reads
    // its shards from the chain.
    let follows = matches!(
        (&chain, config.node_id, &config.shards),
        (Some(_), Some(_), None)
    );
    // A clone of the recovery worker, for the watcher to recover challenged pairs at once.
    let mut healer = None;
    if let (Some(chain), Some(node_id), None) = (&chain, config.node_id, &config.shards) {
        // Reads need no signature: any key will do when the node has no operator.
        let reader_key = operator
            .clone()
            .unwrap_or_else(|| Ed25519PrivateKey::new([1; 32]));
        let mut floe = Floe::new(chain.client.clone(), chain.objects, reader_key);
        match peers::read_committee(&mut floe).await {
            Ok(view) => {
                peers.update(view);
            }
            Err(e) => tracing::warn!(error = %e, "could not read the committee yet"),
        }
        background.push(tokio::spawn(follow_committee(
            floe,
            node_id,
            state.clone(),
            wake.clone(),
            config.committee_poll_ms,
        )));
        let sync = match (config.node_cap_id, &operator) {
            (Some(node_cap), Some(operator)) => Some(SyncSignal {
                client: chain.client.clone(),
                objects: chain.objects,
                node_id,
                node_cap,
                operator: operator.clone(),
                gas_budget: floe_sdk::tx::DEFAULT_GAS_BUDGET,
            }),
            _ => None,
        };
        let recovery = Recovery {
            state: state.clone(),
            limits: Limits {
                concurrency: config.recovery_concurrency.max(1),
                batch: config.recovery_batch.max(1),
                // Peers answer at most MAX_ANSWER_BYTES of symbols: a larger round would be
                // refused by every peer holding all the shards.
                round_bytes: config
                    .recovery_round_mib
                    .clamp(1, crate::recovery::MAX_ANSWER_BYTES >> 20)
                    << 20,
                ..Limits::default()
            },
            wake: wake.clone(),
            sync,
        };
        healer = Some(recovery.clone());
        background.push(tokio::spawn(recovery.run()));
    }
    if let (Some(chain), Some(node_id), Some(node_cap), Some(operator)) =
        (&chain, config.node_id, config.node_cap_id, operator)
    {
        let responder = Responder {
            client: chain.client.clone(),
            objects: chain.objects,
            node_id,
            node_cap,
            operator,
            store: store.clone(),
            gas_budget: floe_sdk::tx::DEFAULT_GAS_BUDGET,
            answer_challenges: config.answer_challenges,
            lifecycle: follows.then(|| Lifecycle {
                progress: progress.clone(),
                wake: wake.clone(),
                recovery: healer,
            }),
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
    tracing::info!(
        %addr,
        epoch,
        ?shards,
        upload_budget = config.max_inflight_upload_bytes,
        "floe-node serving"
    );
    Ok(RunningNode {
        addr,
        node_id: config.node_id,
        server: tokio::spawn(api::serve_with_limits(
            listener,
            state,
            api::UploadLimits {
                max_body: api::MAX_BODY,
                budget: api::UploadBudget::new(
                    config.max_inflight_upload_bytes,
                    Duration::from_millis(config.upload_wait_ms),
                ),
                pace: api::BodyPace {
                    grace: Duration::from_millis(config.upload_grace_ms),
                    min_rate: config.upload_min_rate.max(1) as u64,
                },
                // At most a day: hyper adds it to the clock, which must not overflow.
                head_timeout: Duration::from_millis(
                    config.header_read_timeout_ms.clamp(1, 86_400_000),
                ),
                max_connections: config.max_connections,
            },
        )),
        background,
    })
}

/// Follows epoch changes: the epoch confirmations are signed for, the shards held and the
/// committee (peers, pending shards); wakes recovery on a change, and collects garbage.
async fn follow_committee(
    mut floe: Floe,
    node_id: Address,
    state: Arc<NodeState>,
    wake: Arc<Notify>,
    poll_ms: u64,
) {
    loop {
        let known = state.peers.current();
        match peers::read_committee_since(&mut floe, known.as_deref()).await {
            Ok(view) => {
                let epoch = view.epoch;
                let shards = view
                    .member(node_id)
                    .map(|m| m.shards.clone())
                    .unwrap_or_default();
                let pending = view.member(node_id).map(|m| m.pending.clone());
                state.store.set_shards(shards.clone());
                let changed = state.epoch.swap(epoch, Ordering::Relaxed) != epoch;
                let committee_changed = state.peers.current().as_deref() != Some(&view);
                state.peers.update(view);
                if changed {
                    tracing::info!(epoch, ?shards, ?pending, "new epoch");
                }
                if changed || committee_changed {
                    wake.notify_one();
                }
                let store = state.store.clone();
                let view = state.peers.current();
                let collected = tokio::task::spawn_blocking(move || {
                    gc::collect(&store, epoch, view.as_deref())
                })
                .await;
                match collected {
                    Ok(Ok(report)) => {
                        let progress = &state.progress;
                        progress
                            .blobs_collected
                            .fetch_add(report.blobs_collected as u64, Ordering::Relaxed);
                        progress
                            .pairs_dropped
                            .fetch_add(report.pairs_dropped as u64, Ordering::Relaxed);
                    }
                    Ok(Err(e)) => tracing::error!(error = %e, "garbage collection failed"),
                    Err(e) => tracing::error!(error = %e, "garbage collection task failed"),
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not read the System object"),
        }
        tokio::time::sleep(Duration::from_millis(poll_ms.max(100))).await;
    }
}
