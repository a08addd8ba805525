//! Starting and running a devnet: replay, genesis, the executor, checkpoints, servers.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use std::collections::BTreeSet;

use sui_sdk_types::{
    Address, ChangedObject, Digest, Event, ExecutionStatus, GasCostSummary, GasPayment,
    GenesisObject, GenesisTransaction, IdOperation, Object, ObjectData, ObjectIn, ObjectOut,
    Transaction, TransactionEffects, TransactionEffectsV2, TransactionEvents,
    TransactionExpiration, TransactionKind, TypeTag,
};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::checkpoint_files;
use crate::config::DevnetConfig;
use crate::execute::{self, Rejection, TxRecord};
pub use crate::genesis::{GenesisContext, GenesisError, GenesisHook};
use crate::handlers::HandlerRegistry;
use crate::journal::{Journal, JournalError, JournalRecord};
use crate::ledger::{Ledger, TxEntry};
use crate::objects;
pub use crate::state::{ExecRequest, Shared, now_ms};

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
    Journal(#[from] JournalError),
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

/// Fills in, in the network config each start writes, what a rules layer knows about its chain
/// (Floe: the package and its shared objects), given the genesis objects and whether an object
/// is still live.
pub type NetworkHook =
    Box<dyn Fn(&[Object], &dyn Fn(Address) -> bool, &mut floe_sdk::NetworkConfig) + Send + Sync>;

/// What a rules layer plugs into the chain core besides its handlers (Floe's is
/// `floe::rules`): genesis hooks run once on a new chain, what it adds to the network config,
/// and the coin type the faucet's token endpoint (`POST /v2/wal`) pays.
#[derive(Default)]
pub struct Rules {
    pub genesis: Vec<GenesisHook>,
    pub network: Option<NetworkHook>,
    pub faucet_token: Option<TypeTag>,
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

impl Devnet {
    /// Starts a devnet with the framework handlers only.
    pub async fn start(config: DevnetConfig) -> Result<Self, DevnetError> {
        Self::start_with(config, HandlerRegistry::with_framework()).await
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
        let rules = Rules {
            genesis: hooks,
            ..Rules::default()
        };
        Self::start_with_rules(config, registry, rules).await
    }

    /// Starts a devnet with a rules layer plugged in: `registry` holds the framework's and the
    /// layer's handlers; on a data directory without a chain the layer's genesis hooks run.
    pub async fn start_with_rules(
        config: DevnetConfig,
        registry: HandlerRegistry,
        rules: Rules,
    ) -> Result<Self, DevnetError> {
        let Rules {
            genesis: hooks,
            network: network_hook,
            faucet_token,
        } = rules;
        for dir in [config.data_dir.clone(), config.checkpoint_dir()] {
            std::fs::create_dir_all(&dir).map_err(|source| DevnetError::DataDir {
                path: dir.clone(),
                source,
            })?;
        }
        let faucet_store = floe_sdk::Keystore::load_or_create(config.faucet_keystore_path(), 1)?;
        let faucet_key = faucet_store.first()?.clone();
        let faucet_address = floe_sdk::keystore::address_of(&faucet_key);

        let (mut journal, records) = Journal::open(&config.wal_path())?;
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
            journal.append(&JournalRecord::Genesis {
                objects: objects.clone(),
                timestamp_ms,
            });
            journal.append_transaction(&transaction);
            journal.append(&JournalRecord::Checkpoint {
                sequence_number: 0,
                timestamp_ms,
                transactions: vec![digest],
            });
            journal.sync()?;
            ledger.apply_genesis(&objects);
            ledger.apply(Arc::new(transaction));
            ledger.seal(&[digest], timestamp_ms);
            tracing::info!(data_dir = %config.data_dir.display(), "created a new chain");
        } else {
            let count = records.len();
            genesis = records
                .iter()
                .filter_map(|r| match r {
                    JournalRecord::Genesis { objects, .. } => Some(objects.clone()),
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
        let mut network = floe_sdk::NetworkConfig {
            rpc_url: format!("http://{grpc_addr}"),
            faucet_url: faucet_addr.map(|a| format!("http://{a}")),
            ..floe_sdk::NetworkConfig::default()
        };
        if let Some(hook) = &network_hook {
            let live = |id: Address| ledger.get_object(&id).is_some();
            hook(&genesis, &live, &mut network);
        }
        network.save(config.network_config_path())?;

        let (exec_tx, exec_rx) = mpsc::channel(4096);
        let (checkpoints, _) = broadcast::channel(1024);
        let shared = Arc::new(Shared {
            faucet_token,
            config: config.clone(),
            ledger: RwLock::new(ledger),
            journal: Mutex::new(journal),
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
fn replay(ledger: &mut Ledger, records: Vec<JournalRecord>) -> Result<(), DevnetError> {
    for record in records {
        match record {
            JournalRecord::Genesis { objects, .. } => ledger.apply_genesis(&objects),
            JournalRecord::Transaction(record) => {
                let digest = record.digest();
                ledger.apply(Arc::new(*record));
                ledger.mark_durable([digest]);
            }
            JournalRecord::Checkpoint {
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
                let digest = request.digest;
                if ledger.transaction(&digest).is_some() {
                    // A resubmission: answer with the first execution.
                    waiting.push((request.reply, digest));
                    continue;
                }
                if let Err(rejection) = request.checked {
                    tracing::debug!(%digest, %rejection, "rejected a transaction");
                    let _ = request.reply.send(Err(rejection));
                    continue;
                }
                let timestamp_ms = ledger.next_timestamp_ms(now);
                match execute::execute_checked(
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
            let mut journal = shared
                .journal
                .lock()
                .expect("journal lock poisoned by a panic");
            for record in &executed {
                journal.append_transaction(record);
            }
            if let Err(e) = journal.sync() {
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
            let mut journal = worker
                .journal
                .lock()
                .expect("journal lock poisoned by a panic");
            journal.append(&JournalRecord::Checkpoint {
                sequence_number,
                timestamp_ms,
                transactions: digests.clone(),
            });
            journal.sync()?;
        }
        // Built between two short lock holds: execution and reads go on meanwhile. (Not
        // `worker.write().install(inputs.build())`: the receiver's guard would be taken first
        // and held while building.)
        let inputs = worker.read().seal_inputs(&digests, timestamp_ms);
        let sealed = inputs.build();
        let entry = worker.write().install(sealed);
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
