//! Starting and running a devnet: replay, genesis, the executor, checkpoints, servers.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use std::collections::{BTreeMap, BTreeSet};

use sui_crypto::ed25519::Ed25519PrivateKey;
use sui_sdk_types::{
    Address, ChangedObject, Digest, Event, ExecutionStatus, GasCostSummary, GasPayment,
    GenesisObject, GenesisTransaction, IdOperation, Identifier, MovePackage, Object, ObjectData,
    ObjectIn, ObjectOut, Owner, StructTag, Transaction, TransactionEffects, TransactionEffectsV2,
    TransactionEvents, TransactionExpiration, TransactionKind, TypeTag, UserSignature,
};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::checkpoint_files;
use crate::config::DevnetConfig;
use crate::execute::{self, Rejection, TxRecord};
use crate::handlers::HandlerRegistry;
use crate::ledger::{Ledger, TxEntry};
use crate::objects;
use crate::wal::{Wal, WalError, WalRecord};

/// SUI (MIST) the faucet account starts with: plenty for any local run.
pub const FAUCET_FUNDS: u64 = 1_000_000_000 * crate::config::MIST_PER_SUI;
/// Into how many coins the faucet's funds are split (concurrent faucet requests use
/// different coins).
const FAUCET_COINS: u32 = 8;

/// Why a devnet could not start.
#[derive(Debug, thiserror::Error)]
pub enum DevnetError {
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Wal(#[from] WalError),
    #[error("write-ahead log is inconsistent: {0}")]
    Replay(String),
    #[error("faucet key: {0}")]
    FaucetKey(#[from] floe_sdk::KeystoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("checkpoint files: {0}")]
    Files(#[from] checkpoint_files::FileError),
    #[error(transparent)]
    Genesis(#[from] GenesisError),
    #[error("network config: {0}")]
    NetworkConfig(#[from] floe_sdk::ConfigError),
    /// The runtime is shutting down under the devnet (it was dropped, or a task was
    /// cancelled): what was acknowledged is in the write-ahead log, the rest is dropped.
    #[error("the devnet is shutting down")]
    ShuttingDown,
}

/// Why a genesis hook could not contribute its objects.
#[derive(Debug, thiserror::Error)]
#[error("genesis: {0}")]
pub struct GenesisError(pub String);

/// A package's contribution to genesis: given the genesis context, the objects to create
/// (owned, shared, immutable, dynamic fields, packages). Hooks run once, when a data
/// directory has no chain yet; their objects go into the write-ahead log's genesis
/// record, so later starts replay them without running the hook again.
pub type GenesisHook =
    Box<dyn FnOnce(&mut GenesisContext<'_>) -> Result<Vec<Object>, GenesisError> + Send>;

/// What a genesis hook sees: the accounts being funded, the faucet, the genesis time and
/// a source of fresh object IDs (shared with the devnet's own genesis objects, so IDs
/// never collide).
pub struct GenesisContext<'a> {
    pub accounts: &'a [crate::config::GenesisAccount],
    pub faucet: Address,
    pub timestamp_ms: u64,
    counter: &'a mut u64,
    events: &'a mut Vec<Event>,
}

impl GenesisContext<'_> {
    /// Adds events to the genesis transaction, after those of earlier hooks. Whatever a
    /// package's `init`s (and genesis calls) emit must be in checkpoint 0 like on Sui, or
    /// anyone reading the chain from its first checkpoint (an indexer) never learns about
    /// the objects genesis created.
    pub fn emit(&mut self, events: impl IntoIterator<Item = Event>) {
        self.events.extend(events);
    }

    /// A fresh object ID (Sui's derivation from the zero digest and a genesis counter).
    pub fn fresh_id(&mut self) -> Address {
        *self.counter += 1;
        Address::derive_id(Digest::ZERO, *self.counter)
    }

    /// A Move object at version 1 whose contents are `value` (first field its UID).
    /// `Owner::Shared(_)` becomes `Shared(1)`, the initial shared version at genesis.
    pub fn move_object<T: serde::Serialize>(
        &self,
        type_: StructTag,
        has_public_transfer: bool,
        value: &T,
        owner: Owner,
    ) -> Result<Object, GenesisError> {
        let contents = bcs::to_bytes(value)
            .map_err(|e| GenesisError(format!("a {type_} does not serialize: {e}")))?;
        if contents.len() < 32 {
            return Err(GenesisError(format!(
                "a {type_} must start with its UID (32 bytes)"
            )));
        }
        let owner = match owner {
            Owner::Shared(_) => Owner::Shared(1),
            owner => owner,
        };
        Ok(objects::move_object(
            type_,
            has_public_transfer,
            1,
            contents,
            owner,
            Digest::ZERO,
        ))
    }

    /// A dynamic field `Field<K, V>` of `parent` (a UID), as `dynamic_field::add` would
    /// create it.
    pub fn field_object<K: serde::Serialize, V: serde::Serialize>(
        &self,
        parent: Address,
        key_type: &TypeTag,
        key: &K,
        value_type: &TypeTag,
        value: &V,
    ) -> Result<Object, GenesisError> {
        let key_bytes =
            bcs::to_bytes(key).map_err(|e| GenesisError(format!("a field key: {e}")))?;
        let id = parent.derive_dynamic_child_id(key_type, &key_bytes);
        let mut contents = id.as_bytes().to_vec();
        contents.extend_from_slice(&key_bytes);
        contents.extend_from_slice(
            &bcs::to_bytes(value).map_err(|e| GenesisError(format!("a field value: {e}")))?,
        );
        Ok(objects::move_object(
            crate::runtime::field_type(key_type.clone(), value_type.clone()),
            false,
            1,
            contents,
            Owner::Object(parent),
            Digest::ZERO,
        ))
    }

    /// An immutable package object at `id`, version 1, with `modules` (name → bytecode;
    /// empty is fine: the devnet runs handlers, not bytecode), so that
    /// `GetObject(package_id)` answers.
    pub fn package(&self, id: Address, modules: BTreeMap<Identifier, Vec<u8>>) -> Object {
        Object::new(
            ObjectData::Package(MovePackage {
                id,
                version: 1,
                modules,
                type_origin_table: Vec::new(),
                linkage_table: BTreeMap::new(),
            }),
            Owner::Immutable,
            Digest::ZERO,
            0,
        )
    }
}

/// A request to the executor thread.
pub struct ExecRequest {
    pub transaction: Transaction,
    pub signatures: Vec<UserSignature>,
    pub reply: oneshot::Sender<Result<TxEntry, Rejection>>,
}

/// State shared by the executor, the checkpointer and the RPC services.
pub struct Shared {
    pub config: DevnetConfig,
    pub ledger: RwLock<Ledger>,
    wal: Mutex<Wal>,
    pub registry: HandlerRegistry,
    /// Announces each sealed checkpoint's sequence number.
    pub checkpoints: broadcast::Sender<u64>,
    executor: mpsc::Sender<ExecRequest>,
    pub faucet_key: Ed25519PrivateKey,
    pub chain_id: Digest,
}

impl Shared {
    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, Ledger> {
        self.ledger.read().expect("ledger lock poisoned by a panic")
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Ledger> {
        self.ledger
            .write()
            .expect("ledger lock poisoned by a panic")
    }

    /// Executes a signed transaction; returns once it is durable.
    pub async fn submit(
        &self,
        transaction: Transaction,
        signatures: Vec<UserSignature>,
    ) -> Result<TxEntry, Rejection> {
        let (reply, answer) = oneshot::channel();
        self.executor
            .send(ExecRequest {
                transaction,
                signatures,
                reply,
            })
            .await
            .map_err(|_| Rejection::Invalid("the devnet is shutting down".to_owned()))?;
        answer
            .await
            .map_err(|_| Rejection::Invalid("the devnet is shutting down".to_owned()))?
    }
}

/// A running devnet.
pub struct Devnet {
    pub shared: Arc<Shared>,
    pub grpc_addr: SocketAddr,
    pub faucet_addr: Option<SocketAddr>,
    /// What this start wrote to `{data_dir}/network.toml`: where the chain and Floe's
    /// objects are (object IDs are `None` on a chain without the package).
    pub network: floe_sdk::NetworkConfig,
    shutdown: Option<tokio::sync::watch::Sender<bool>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Devnet {
    /// Starts a devnet with the framework handlers only.
    pub async fn start(config: DevnetConfig) -> Result<Self, DevnetError> {
        Self::start_with(config, HandlerRegistry::with_framework()).await
    }

    /// Starts a devnet running Floe: the framework and `floe` handlers, and, when the data
    /// directory has no chain yet and `config.floe` is set, genesis publishes the `floe`
    /// package with that storage network (the faucet account is the publisher, so it holds
    /// the WAL supply and the `AdminCap`). With `config.floe` unset it is [`Self::start`].
    pub async fn start_floe(config: DevnetConfig) -> Result<Self, DevnetError> {
        let Some(network) = config.floe.clone() else {
            return Self::start(config).await;
        };
        let mut registry = HandlerRegistry::with_framework();
        crate::floe::register(&mut registry);
        Self::start_with_genesis(config, registry, vec![crate::floe::genesis::hook(network)]).await
    }

    /// Starts a devnet with `registry` as its Move-call handlers: replays the data
    /// directory (or creates genesis), then serves gRPC and the faucet.
    pub async fn start_with(
        config: DevnetConfig,
        registry: HandlerRegistry,
    ) -> Result<Self, DevnetError> {
        Self::start_with_genesis(config, registry, Vec::new()).await
    }

    /// Like [`Self::start_with`], and when the data directory has no chain yet, `hooks`
    /// add their objects to genesis (in order, after the devnet's own). On a data
    /// directory with a chain the hooks are not run.
    pub async fn start_with_genesis(
        config: DevnetConfig,
        registry: HandlerRegistry,
        hooks: Vec<GenesisHook>,
    ) -> Result<Self, DevnetError> {
        for dir in [config.data_dir.clone(), config.checkpoint_dir()] {
            std::fs::create_dir_all(&dir).map_err(|source| DevnetError::DataDir {
                path: dir.clone(),
                source,
            })?;
        }
        let faucet_store = floe_sdk::Keystore::load_or_create(config.faucet_keystore_path(), 1)?;
        let faucet_key = faucet_store.first()?.clone();
        let faucet_address = floe_sdk::keystore::address_of(&faucet_key);

        let (mut wal, records) = Wal::open(&config.wal_path())?;
        let mut ledger = Ledger::default();
        // Floe's shared objects are created at genesis and never deleted, so the genesis
        // record is where to look for them.
        let genesis: Vec<Object>;
        if records.is_empty() {
            let timestamp_ms = now_ms();
            let (objects, events) = genesis_objects(&config, faucet_address, timestamp_ms, hooks)?;
            genesis = objects.clone();
            // Checkpoint 0 carries the genesis transaction (its effects create every genesis
            // object, its events are what the hooks emitted), as on Sui. It is logged as an
            // ordinary transaction record, so replay needs nothing new.
            let transaction = genesis_transaction(&objects, events, timestamp_ms);
            let digest = transaction.digest();
            wal.append(&WalRecord::Genesis {
                objects: objects.clone(),
                timestamp_ms,
            });
            wal.append_transaction(&transaction);
            wal.append(&WalRecord::Checkpoint {
                sequence_number: 0,
                timestamp_ms,
                transactions: vec![digest],
            });
            wal.sync()?;
            ledger.apply_genesis(&objects);
            ledger.apply(Arc::new(transaction));
            ledger.seal(&[digest], timestamp_ms);
            tracing::info!(data_dir = %config.data_dir.display(), "created a new chain");
        } else {
            let count = records.len();
            genesis = records
                .iter()
                .filter_map(|r| match r {
                    WalRecord::Genesis { objects, .. } => Some(objects.clone()),
                    _ => None,
                })
                .flatten()
                .collect();
            replay(&mut ledger, records)?;
            tracing::info!(
                data_dir = %config.data_dir.display(),
                records = count,
                checkpoint = ledger.latest_checkpoint().map(|c| c.summary.sequence_number),
                "resumed the chain from its write-ahead log"
            );
        }
        let chain_id = ledger
            .checkpoint(0)
            .map(|c| c.summary.digest())
            .ok_or_else(|| DevnetError::Replay("no genesis checkpoint".to_owned()))?;
        checkpoint_files::write_missing(&config.checkpoint_dir(), &ledger)?;

        let grpc_listener = tokio::net::TcpListener::bind(config.grpc_addr)
            .await
            .map_err(|source| DevnetError::Bind {
                addr: config.grpc_addr,
                source,
            })?;
        let grpc_addr = grpc_listener
            .local_addr()
            .map_err(|source| DevnetError::Bind {
                addr: config.grpc_addr,
                source,
            })?;
        let faucet_listener = match config.faucet_addr {
            Some(addr) => Some(
                tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(|source| DevnetError::Bind { addr, source })?,
            ),
            None => None,
        };
        let faucet_addr = faucet_listener.as_ref().and_then(|l| l.local_addr().ok());
        let network = network_config(
            &ledger,
            &genesis,
            format!("http://{grpc_addr}"),
            faucet_addr.map(|a| format!("http://{a}")),
        );
        network.save(config.network_config_path())?;

        let (exec_tx, exec_rx) = mpsc::channel(4096);
        let (checkpoints, _) = broadcast::channel(1024);
        let shared = Arc::new(Shared {
            config: config.clone(),
            ledger: RwLock::new(ledger),
            wal: Mutex::new(wal),
            registry,
            checkpoints,
            executor: exec_tx,
            faucet_key,
            chain_id,
        });

        // The executor holds the devnet weakly: once everything else lets go of it (a
        // shutdown, or the runtime dropped under it), `Shared` and its request sender go,
        // the queue closes and the thread ends, closing the log.
        let executor_shared = Arc::downgrade(&shared);
        std::thread::Builder::new()
            .name("devnet-executor".to_owned())
            .spawn(move || executor_loop(&executor_shared, exec_rx))
            .expect("spawning the executor thread");

        let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
        let mut tasks = Vec::new();
        tasks.push(tokio::spawn(checkpoint_loop(
            shared.clone(),
            shutdown_rx.clone(),
        )));
        tasks.push(tokio::spawn(crate::service::serve(
            shared.clone(),
            grpc_listener,
            shutdown_rx.clone(),
        )));
        if let Some(listener) = faucet_listener {
            tasks.push(tokio::spawn(crate::faucet::serve(
                shared.clone(),
                listener,
                shutdown_rx,
            )));
        }
        tracing::info!(%grpc_addr, ?faucet_addr, "devnet is serving");
        Ok(Self {
            shared,
            grpc_addr,
            faucet_addr,
            network,
            shutdown: Some(shutdown),
            tasks,
        })
    }

    /// The gRPC URL clients connect to.
    pub fn rpc_url(&self) -> String {
        format!("http://{}", self.grpc_addr)
    }

    pub fn faucet_url(&self) -> Option<String> {
        self.faucet_addr.map(|a| format!("http://{a}"))
    }

    /// `{data_dir}/network.toml`, written at every start for `NetworkConfig::from_file`.
    pub fn network_config_path(&self) -> PathBuf {
        self.shared.config.network_config_path()
    }

    /// Stops serving and seals what is pending into a last checkpoint; executed
    /// transactions are already durable.
    pub async fn shutdown(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(true);
        }
        for task in self.tasks.drain(..) {
            if let Err(e) = task.await
                && e.is_panic()
            {
                tracing::error!(error = %e, "a devnet task panicked before the shutdown");
            }
        }
    }

    /// Runs until Ctrl-C or SIGTERM.
    pub async fn run_until_signal(self) {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("installing a SIGTERM handler");
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("shutting down");
        self.shutdown().await;
    }
}

/// A devnet dropped without [`Devnet::shutdown`] (an error unwinding past it) still tells its
/// tasks to stop: they seal what is pending if the runtime lets them, and nothing is lost if
/// it does not (acknowledged transactions are in the write-ahead log; the next start seals
/// them).
impl Drop for Devnet {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(true);
        }
    }
}

/// The `floe_sdk::NetworkConfig` of this chain: its URLs and, when the `floe` package was
/// published at genesis, the package and the shared objects found by their types (checked
/// against the ledger, so an ID that no longer exists is left out rather than handed out).
fn network_config(
    ledger: &Ledger,
    genesis: &[Object],
    rpc_url: String,
    faucet_url: Option<String>,
) -> floe_sdk::NetworkConfig {
    use crate::floe::{PACKAGE_ID, tag};
    let live = |id: Address| ledger.get_object(&id).is_some().then_some(id);
    let find = |module: &str, name: &str| {
        let wanted = tag(module, name);
        genesis
            .iter()
            .find(|o| objects::struct_parts(o).is_some_and(|(t, _, _)| *t == wanted))
            .and_then(|o| live(o.object_id()))
    };
    let package = live(PACKAGE_ID);
    floe_sdk::NetworkConfig {
        rpc_url,
        faucet_url,
        package_id: package,
        original_package_id: package,
        system_object_id: find("system", "System"),
        treasury_object_id: find("wal", "Treasury"),
        blob_registry_object_id: find("blob", "BlobRegistry"),
        challenge_board_object_id: find("challenge", "ChallengeBoard"),
    }
}

/// Genesis: the clock, randomness, the faucet's coins and the configured accounts.
/// Then each hook's objects; IDs must be unique. Also the events the hooks emitted.
fn genesis_objects(
    config: &DevnetConfig,
    faucet: Address,
    timestamp_ms: u64,
    hooks: Vec<GenesisHook>,
) -> Result<(Vec<Object>, Vec<Event>), GenesisError> {
    let mut objects = vec![objects::clock(timestamp_ms), objects::random()];
    let mut counter = 0u64;
    let mut next_id = || {
        counter += 1;
        Address::derive_id(Digest::ZERO, counter)
    };
    let mut fund = |objects: &mut Vec<_>, owner: Address, balance: u64, coins: u32| {
        let coins = u64::from(coins.max(1));
        for i in 0..coins {
            let share = balance / coins + u64::from(i < balance % coins);
            objects.push(objects::gas_coin(next_id(), share, owner, 1));
        }
    };
    fund(&mut objects, faucet, FAUCET_FUNDS, FAUCET_COINS);
    for account in &config.accounts {
        fund(
            &mut objects,
            account.address,
            account.balance,
            account.coins,
        );
    }
    let mut events = Vec::new();
    for hook in hooks {
        let mut context = GenesisContext {
            accounts: &config.accounts,
            faucet,
            timestamp_ms,
            counter: &mut counter,
            events: &mut events,
        };
        objects.extend(hook(&mut context)?);
    }
    let mut ids = BTreeSet::new();
    for object in &objects {
        if !ids.insert(object.object_id()) {
            return Err(GenesisError(format!(
                "two genesis objects have ID {}",
                object.object_id()
            )));
        }
    }
    Ok((objects, events))
}

/// The genesis transaction: a `Genesis` kind naming every genesis object, effects creating
/// them (at version 1, ordered by ID as Sui orders effects) and the hooks' events. No sender,
/// gas or signature: the chain starts with it, nobody submits it.
fn genesis_transaction(objects: &[Object], events: Vec<Event>, timestamp_ms: u64) -> TxRecord {
    let transaction = Transaction {
        kind: TransactionKind::Genesis(GenesisTransaction {
            objects: objects
                .iter()
                .map(|o| GenesisObject::new(o.data().clone(), *o.owner()))
                .collect(),
        }),
        sender: Address::ZERO,
        gas_payment: GasPayment {
            objects: Vec::new(),
            owner: Address::ZERO,
            price: 0,
            budget: 0,
        },
        expiration: TransactionExpiration::None,
    };
    let mut changed_objects: Vec<ChangedObject> = objects
        .iter()
        .map(|o| ChangedObject {
            object_id: o.object_id(),
            input_state: ObjectIn::NotExist,
            output_state: match o.data() {
                ObjectData::Package(_) => ObjectOut::PackageWrite {
                    version: o.version(),
                    digest: o.digest(),
                },
                ObjectData::Struct(_) => ObjectOut::ObjectWrite {
                    digest: o.digest(),
                    owner: *o.owner(),
                },
            },
            id_operation: IdOperation::Created,
        })
        .collect();
    changed_objects.sort_by_key(|c| c.object_id);
    let events = (!events.is_empty()).then_some(TransactionEvents(events));
    let effects = TransactionEffects::V2(Box::new(TransactionEffectsV2 {
        status: ExecutionStatus::Success,
        epoch: 0,
        gas_used: GasCostSummary::default(),
        transaction_digest: transaction.digest(),
        gas_object_index: None,
        events_digest: events.as_ref().map(TransactionEvents::digest),
        dependencies: Vec::new(),
        lamport_version: 1,
        changed_objects,
        unchanged_consensus_objects: Vec::new(),
        auxiliary_data_digest: None,
    }));
    TxRecord {
        transaction,
        signatures: Vec::new(),
        effects,
        events,
        written: objects.to_vec(),
        deleted: Vec::new(),
        balance_changes: Vec::new(),
        timestamp_ms,
    }
}

/// Rebuilds the ledger from the log.
fn replay(ledger: &mut Ledger, records: Vec<WalRecord>) -> Result<(), DevnetError> {
    for record in records {
        match record {
            WalRecord::Genesis { objects, .. } => ledger.apply_genesis(&objects),
            WalRecord::Transaction(record) => {
                let digest = record.digest();
                ledger.apply(Arc::new(*record));
                ledger.mark_durable([digest]);
            }
            WalRecord::Checkpoint {
                sequence_number,
                timestamp_ms,
                transactions,
            } => {
                let expected = ledger
                    .latest_checkpoint()
                    .map_or(0, |c| c.summary.sequence_number + 1);
                if sequence_number != expected {
                    return Err(DevnetError::Replay(format!(
                        "checkpoint {sequence_number} follows checkpoint {}",
                        expected.wrapping_sub(1)
                    )));
                }
                if let Some(missing) = transactions
                    .iter()
                    .find(|d| ledger.transaction(d).is_none())
                {
                    return Err(DevnetError::Replay(format!(
                        "checkpoint {sequence_number} names unknown transaction {missing}"
                    )));
                }
                ledger.remove_pending(&transactions);
                ledger.seal(&transactions, timestamp_ms);
            }
        }
    }
    Ok(())
}

/// Executes queued transactions in batches: each batch is applied, written to the log
/// with one fsync (group commit), and only then answered.
fn executor_loop(shared: &std::sync::Weak<Shared>, mut requests: mpsc::Receiver<ExecRequest>) {
    const MAX_BATCH: usize = 1024;
    while let Some(first) = requests.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match requests.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
        // Gone: the devnet stopped; dropping the batch answers "shutting down".
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let now = now_ms();
        let mut executed: Vec<Arc<TxRecord>> = Vec::new();
        let mut waiting: Vec<(oneshot::Sender<Result<TxEntry, Rejection>>, Digest)> = Vec::new();
        {
            let mut ledger = shared.write();
            for request in batch {
                let digest = request.transaction.digest();
                if ledger.transaction(&digest).is_some() {
                    // A resubmission: answer with the first execution.
                    waiting.push((request.reply, digest));
                    continue;
                }
                let timestamp_ms = ledger.next_timestamp_ms(now);
                match execute::execute(
                    &*ledger,
                    &shared.registry,
                    &request.transaction,
                    &request.signatures,
                    timestamp_ms,
                ) {
                    Ok(record) => {
                        let record = Arc::new(record);
                        ledger.apply(record.clone());
                        executed.push(record);
                        waiting.push((request.reply, digest));
                    }
                    Err(rejection) => {
                        tracing::debug!(%digest, %rejection, "rejected a transaction");
                        let _ = request.reply.send(Err(rejection));
                    }
                }
            }
        }
        if !executed.is_empty() {
            let mut wal = shared.wal.lock().expect("WAL lock poisoned by a panic");
            for record in &executed {
                wal.append_transaction(record);
            }
            if let Err(e) = wal.sync() {
                // Acknowledging a transaction that is not durable would break the
                // devnet's one promise; stop instead.
                tracing::error!(error = %e, "cannot persist executed transactions; stopping");
                std::process::exit(1);
            }
        }
        let mut ledger = shared.write();
        ledger.mark_durable(executed.iter().map(|r| r.digest()));
        for (reply, digest) in waiting {
            let entry = ledger
                .transaction(&digest)
                .cloned()
                .expect("an executed transaction stays in the ledger");
            let _ = reply.send(Ok(entry));
        }
    }
}

/// Seals pending transactions into a checkpoint every interval: log, files, announce.
async fn checkpoint_loop(shared: Arc<Shared>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let mut interval = tokio::time::interval(shared.config.checkpoint_interval());
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = shutdown.changed() => break,
        }
        match seal_checkpoint(&shared).await {
            Ok(_) => {}
            Err(DevnetError::ShuttingDown) => return,
            Err(e) => {
                tracing::error!(error = %e, "cannot seal a checkpoint; stopping");
                std::process::exit(1);
            }
        }
    }
    // Seal what is left so a clean shutdown leaves no transaction outside a checkpoint.
    match seal_checkpoint(&shared).await {
        Ok(_) | Err(DevnetError::ShuttingDown) => {}
        Err(e) => tracing::error!(error = %e, "cannot seal the last checkpoint"),
    }
}

/// Seals one checkpoint if there is anything to seal (or empty ones are wanted).
pub async fn seal_checkpoint(shared: &Arc<Shared>) -> Result<Option<u64>, DevnetError> {
    let (sequence_number, digests, timestamp_ms) = {
        let mut ledger = shared.write();
        if !ledger.has_pending() && !shared.config.empty_checkpoints {
            return Ok(None);
        }
        let seq = ledger
            .latest_checkpoint()
            .map_or(0, |c| c.summary.sequence_number + 1);
        let timestamp_ms = ledger.next_timestamp_ms(now_ms());
        (seq, ledger.take_pending(), timestamp_ms)
    };
    let worker = shared.clone();
    let unsealed = digests.clone();
    let written = tokio::task::spawn_blocking(move || -> Result<_, DevnetError> {
        {
            let mut wal = worker.wal.lock().expect("WAL lock poisoned by a panic");
            wal.append(&WalRecord::Checkpoint {
                sequence_number,
                timestamp_ms,
                transactions: digests.clone(),
            });
            wal.sync()?;
        }
        let entry = worker.write().seal(&digests, timestamp_ms);
        checkpoint_files::write(&worker.config.checkpoint_dir(), &entry.message)?;
        Ok(entry)
    })
    .await;
    let entry = match written {
        Ok(entry) => entry?,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // The runtime is shutting down and never ran the writer, so nothing of this
        // checkpoint reached the log: its transactions are acknowledged and logged, and the
        // next start seals them.
        Err(_) => {
            tracing::debug!(
                sequence_number,
                transactions = unsealed.len(),
                "shutting down; the next start seals this checkpoint's transactions"
            );
            shared.write().mark_durable(unsealed);
            return Err(DevnetError::ShuttingDown);
        }
    };
    let seq = entry.summary.sequence_number;
    let _ = shared.checkpoints.send(seq);
    tracing::debug!(
        seq,
        transactions = entry.message.transactions.len(),
        "sealed checkpoint"
    );
    Ok(Some(seq))
}

/// How long clients wait for a checkpoint at most: used by the bench and tests.
pub const CHECKPOINT_WAIT: Duration = Duration::from_secs(30);
