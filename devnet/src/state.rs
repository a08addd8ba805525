//! The state a running devnet shares between its executor, its checkpointer and its servers
//! (gRPC and faucet).

use std::sync::{Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use sui_crypto::ed25519::Ed25519PrivateKey;
use sui_sdk_types::{Digest, Transaction, TypeTag, UserSignature};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::config::DevnetConfig;
use crate::execute::Rejection;
use crate::handlers::HandlerRegistry;
use crate::journal::Journal;
use crate::ledger::{Ledger, TxEntry};

/// A request to the executor thread.
pub struct ExecRequest {
    pub transaction: Transaction,
    pub signatures: Vec<UserSignature>,
    /// The transaction's digest, computed by the submitter.
    pub digest: Digest,
    /// [`crate::execute::precheck`]'s verdict, reached by the submitter. The executor answers
    /// a resubmission of an executed transaction before it looks at this, as it always has.
    pub checked: Result<(), Rejection>,
    pub reply: oneshot::Sender<Result<TxEntry, Rejection>>,
}

/// State shared by the executor, the checkpointer and the RPC services.
pub struct Shared {
    /// The coin type `POST /v2/wal` pays, when a rules layer named one.
    pub faucet_token: Option<TypeTag>,
    pub config: DevnetConfig,
    pub ledger: RwLock<Ledger>,
    pub(crate) journal: Mutex<Journal>,
    pub registry: HandlerRegistry,
    /// Announces each sealed checkpoint's sequence number.
    pub checkpoints: broadcast::Sender<u64>,
    pub(crate) executor: mpsc::Sender<ExecRequest>,
    pub faucet_key: Ed25519PrivateKey,
    pub chain_id: Digest,
}

impl Shared {
    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, Ledger> {
        self.ledger.read().expect("ledger lock poisoned by a panic")
    }

    pub(crate) fn write(&self) -> std::sync::RwLockWriteGuard<'_, Ledger> {
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
        // The stateless checks (the signature above all) run here, on the caller's task, so
        // that they use every core instead of queueing on the executor thread.
        let checked = crate::execute::precheck(&transaction, &signatures);
        let digest = transaction.digest();
        let (reply, answer) = oneshot::channel();
        self.executor
            .send(ExecRequest {
                transaction,
                signatures,
                digest,
                checked,
                reply,
            })
            .await
            .map_err(|_| Rejection::Invalid("the devnet is shutting down".to_owned()))?;
        answer
            .await
            .map_err(|_| Rejection::Invalid("the devnet is shutting down".to_owned()))?
    }
}

/// Milliseconds since the Unix epoch, the devnet's clock.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
