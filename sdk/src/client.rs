//! The sdk's client over Sui's gRPC API (`sui.rpc.v2`).
//!
//! A thin layer over `sui_rpc::Client` that speaks in `sui_sdk_types` values and turns
//! RPC statuses and failed effects into [`ClientError`]s a user can act on. The same
//! calls work against a Sui full node and against `floe-devnet`.

use std::time::Duration;

use futures::Stream;
use sui_crypto::ed25519::Ed25519PrivateKey;
use sui_rpc::field::{FieldMask, FieldMaskUtil as _};
use sui_rpc::proto::sui::rpc::v2 as proto;
use sui_sdk_types::{
    Address, Digest, Event, ExecutionError, ExecutionStatus, IdOperation, Object, ObjectOut,
    ObjectReference, Owner, StructTag, Transaction, TransactionEffects, UserSignature,
};
use tonic::Code;

use crate::aborts::FloeAbort;
use crate::tx::{self, CoinRef};

/// How long [`FloeClient::execute`] waits for the transaction's checkpoint.
pub const CHECKPOINT_WAIT: Duration = Duration::from_secs(30);

/// Fields requested for executed transactions: enough to decode effects and events.
const TX_MASK: &str = "digest,effects.bcs,events,checkpoint,timestamp,balance_changes";

/// Fields requested for objects: the full BCS object (type, owner, version, contents).
const OBJECT_MASK: &str = "bcs";

/// Fields requested for streamed checkpoints.
pub const CHECKPOINT_STREAM_MASK: &str = "sequence_number,digest,summary,transactions.digest,transactions.effects.bcs,transactions.events,transactions.timestamp";

/// What went wrong talking to the chain, in terms a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("invalid RPC URL {url}: {message}")]
    InvalidUrl { url: String, message: String },
    #[error("the RPC endpoint is unreachable or unavailable: {0}")]
    Unavailable(String),
    #[error("object {0} does not exist (or was deleted)")]
    ObjectNotFound(Address),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("signature rejected: {0}")]
    InvalidSignature(String),
    #[error("not enough gas (nothing was charged): {0}")]
    InsufficientGas(String),
    #[error("transaction rejected before execution (nothing was charged): {0}")]
    Rejected(String),
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    #[error("{0}")]
    ExecutionFailed(Box<ExecutionFailure>),
    #[error("transaction {digest} executed but its checkpoint did not arrive: {message}")]
    CheckpointWait { digest: Digest, message: String },
    #[error("the server sent a malformed {what}: {message}")]
    Malformed { what: &'static str, message: String },
    #[error(transparent)]
    Tx(#[from] tx::TxError),
    #[error("RPC error ({code:?}): {message}")]
    Rpc { code: Code, message: String },
}

fn command_text(command: Option<u64>) -> String {
    command
        .map(|c| format!(" in command {c}"))
        .unwrap_or_default()
}

/// A transaction that executed but failed: gas was charged, nothing else changed.
#[derive(Debug, Clone)]
pub struct ExecutionFailure {
    pub digest: Digest,
    /// The command (0-based) that failed.
    pub command: Option<u64>,
    /// The Move abort, when the failure was one.
    pub abort: Option<MoveAbortInfo>,
    pub message: String,
    pub executed: ExecutedTransaction,
}

impl ExecutionFailure {
    /// The floe abort constant behind this failure, if it was one.
    pub fn floe_abort(&self) -> Option<&'static FloeAbort> {
        self.abort.as_ref().and_then(MoveAbortInfo::floe_abort)
    }
}

impl ClientError {
    /// The floe abort constant behind this error, if it was a floe Move abort, so callers
    /// can match on its name (`EInsufficientPayment`, …) instead of module and code.
    pub fn floe_abort(&self) -> Option<&'static FloeAbort> {
        match self {
            Self::ExecutionFailed(failure) => failure.floe_abort(),
            _ => None,
        }
    }
}

impl std::fmt::Display for ExecutionFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "transaction {} failed{}: {}; gas was charged, no other state changed",
            self.digest,
            command_text(self.command),
            self.message
        )
    }
}

pub use crate::aborts::MoveAbortInfo;

impl From<tonic::Status> for ClientError {
    fn from(status: tonic::Status) -> Self {
        let message = status.message().to_owned();
        match status.code() {
            Code::Unavailable | Code::DeadlineExceeded => Self::Unavailable(message),
            Code::NotFound => Self::NotFound(message),
            Code::PermissionDenied | Code::Unauthenticated => Self::InvalidSignature(message),
            Code::ResourceExhausted => Self::InsufficientGas(message),
            Code::FailedPrecondition | Code::Aborted => Self::Rejected(message),
            Code::InvalidArgument => Self::InvalidRequest(message),
            code => Self::Rpc { code, message },
        }
    }
}

fn malformed(what: &'static str, e: impl std::fmt::Display) -> ClientError {
    ClientError::Malformed {
        what,
        message: e.to_string(),
    }
}

/// An object reference with the owner it has after a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectChange {
    pub reference: ObjectReference,
    pub owner: Owner,
}

/// A transaction as executed: its effects, events and checkpoint.
#[derive(Debug, Clone)]
pub struct ExecutedTransaction {
    pub digest: Digest,
    pub effects: TransactionEffects,
    pub events: Vec<Event>,
    pub checkpoint: Option<u64>,
}

impl ExecutedTransaction {
    fn from_proto(tx: &proto::ExecutedTransaction) -> Result<Self, ClientError> {
        let effects: TransactionEffects = tx
            .effects
            .as_ref()
            .ok_or_else(|| malformed("transaction", "effects are missing"))
            .and_then(|e| TransactionEffects::try_from(e).map_err(|e| malformed("effects", e)))?;
        let digest = *effects.transaction_digest();
        let events = match &tx.events {
            Some(events) => {
                sui_sdk_types::TransactionEvents::try_from(events)
                    .map_err(|e| malformed("events", e))?
                    .0
            }
            None => Vec::new(),
        };
        Ok(Self {
            digest,
            effects,
            events,
            checkpoint: tx.checkpoint,
        })
    }

    pub fn status(&self) -> &ExecutionStatus {
        self.effects.status()
    }

    fn changes(&self, op: Option<IdOperation>) -> Vec<ObjectChange> {
        let TransactionEffects::V2(effects) = &self.effects else {
            return Vec::new();
        };
        effects
            .changed_objects
            .iter()
            .filter(|c| op.is_none_or(|op| c.id_operation == op))
            .filter_map(|c| match &c.output_state {
                ObjectOut::ObjectWrite { digest, owner } => Some(ObjectChange {
                    reference: ObjectReference::new(c.object_id, effects.lamport_version, *digest),
                    owner: *owner,
                }),
                _ => None,
            })
            .collect()
    }

    /// Objects this transaction created.
    pub fn created(&self) -> Vec<ObjectChange> {
        self.changes(Some(IdOperation::Created))
    }

    /// Every object written by this transaction (created or mutated), with new versions.
    pub fn written(&self) -> Vec<ObjectChange> {
        self.changes(None)
    }

    /// IDs of objects this transaction deleted.
    pub fn deleted(&self) -> Vec<Address> {
        let TransactionEffects::V2(effects) = &self.effects else {
            return Vec::new();
        };
        effects
            .changed_objects
            .iter()
            .filter(|c| c.id_operation == IdOperation::Deleted)
            .map(|c| c.object_id)
            .collect()
    }

    /// The new reference of an object written by this transaction.
    pub fn object_ref(&self, id: Address) -> Option<ObjectReference> {
        self.written()
            .into_iter()
            .find(|c| *c.reference.object_id() == id)
            .map(|c| c.reference)
    }

    /// Total gas charged (computation + storage − rebate), in MIST.
    pub fn gas_charged(&self) -> u64 {
        let gas = self.effects.gas_summary();
        (gas.computation_cost + gas.storage_cost).saturating_sub(gas.storage_rebate)
    }
}

/// A Move event together with where it happened.
#[derive(Debug, Clone)]
pub struct EventEnvelope {
    pub checkpoint: u64,
    pub timestamp_ms: Option<u64>,
    pub transaction: Digest,
    pub event_index: usize,
    pub event: Event,
}

/// A client for one `sui.rpc.v2` endpoint.
#[derive(Clone)]
pub struct FloeClient {
    inner: sui_rpc::Client,
    url: String,
}

impl FloeClient {
    /// Prepares a client; the connection is made lazily on the first call.
    pub fn connect(url: &str) -> Result<Self, ClientError> {
        let inner = sui_rpc::Client::new(url.to_owned()).map_err(|e| ClientError::InvalidUrl {
            url: url.to_owned(),
            message: e.message().to_owned(),
        })?;
        Ok(Self {
            inner,
            url: url.to_owned(),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The underlying sui-rpc client, for calls this wrapper does not cover.
    pub fn raw(&mut self) -> &mut sui_rpc::Client {
        &mut self.inner
    }

    /// Chain identity and the latest checkpoint height.
    pub async fn service_info(&mut self) -> Result<proto::GetServiceInfoResponse, ClientError> {
        let response = self
            .inner
            .ledger_client()
            .get_service_info(proto::GetServiceInfoRequest::default())
            .await?;
        Ok(response.into_inner())
    }

    /// Signs `transaction` with `key` and executes it; see [`Self::execute`].
    pub async fn sign_and_execute(
        &mut self,
        transaction: &Transaction,
        key: &Ed25519PrivateKey,
    ) -> Result<ExecutedTransaction, ClientError> {
        let signature = tx::sign(transaction, key)?;
        self.execute(transaction, vec![signature]).await
    }

    /// Executes a signed transaction and waits until it is in a checkpoint, so that
    /// reads made afterwards see its effects. A transaction whose effects report a
    /// failure becomes [`ClientError::ExecutionFailed`].
    pub async fn execute(
        &mut self,
        transaction: &Transaction,
        signatures: Vec<UserSignature>,
    ) -> Result<ExecutedTransaction, ClientError> {
        let request = execute_request(transaction, signatures);
        let response = match self
            .inner
            .execute_transaction_and_wait_for_checkpoint(request, CHECKPOINT_WAIT)
            .await
        {
            Ok(response) => response.into_inner(),
            Err(sui_rpc::client::ExecuteAndWaitError::RpcError(status)) => {
                return Err(status.into());
            }
            Err(e) => {
                return Err(ClientError::CheckpointWait {
                    digest: transaction.digest(),
                    message: e.to_string(),
                });
            }
        };
        let executed = ExecutedTransaction::from_proto(response.transaction())?;
        check_status(executed)
    }

    /// Executes without waiting for the checkpoint: faster, for callers that chain
    /// transactions on the returned object versions (benchmarks, bulk funding).
    pub async fn execute_unchecked(
        &mut self,
        transaction: &Transaction,
        signatures: Vec<UserSignature>,
    ) -> Result<ExecutedTransaction, ClientError> {
        let request = execute_request(transaction, signatures);
        let response = self
            .inner
            .execution_client()
            .execute_transaction(request)
            .await?
            .into_inner();
        let executed = ExecutedTransaction::from_proto(response.transaction())?;
        check_status(executed)
    }

    /// Looks up an executed transaction by digest.
    pub async fn transaction(
        &mut self,
        digest: Digest,
    ) -> Result<ExecutedTransaction, ClientError> {
        let request = proto::GetTransactionRequest::default()
            .with_digest(digest.to_string())
            .with_read_mask(FieldMask::from_str(TX_MASK));
        let response = self
            .inner
            .ledger_client()
            .get_transaction(request)
            .await?
            .into_inner();
        ExecutedTransaction::from_proto(response.transaction())
    }

    /// Reads an object at its latest version.
    pub async fn object(&mut self, id: Address) -> Result<Object, ClientError> {
        let request =
            proto::GetObjectRequest::new(&id).with_read_mask(FieldMask::from_str(OBJECT_MASK));
        let response = match self.inner.ledger_client().get_object(request).await {
            Ok(response) => response.into_inner(),
            Err(status) if status.code() == Code::NotFound => {
                return Err(ClientError::ObjectNotFound(id));
            }
            Err(status) => return Err(status.into()),
        };
        decode_object(response.object())
    }

    /// Reads several objects; `None` for those that do not exist.
    pub async fn objects(&mut self, ids: &[Address]) -> Result<Vec<Option<Object>>, ClientError> {
        let request = proto::BatchGetObjectsRequest::default()
            .with_requests(ids.iter().map(proto::GetObjectRequest::new).collect())
            .with_read_mask(FieldMask::from_str(OBJECT_MASK));
        let response = self
            .inner
            .ledger_client()
            .batch_get_objects(request)
            .await?
            .into_inner();
        response
            .objects
            .iter()
            .map(|result| match &result.result {
                Some(proto::get_object_result::Result::Object(object)) => {
                    decode_object(object).map(Some)
                }
                _ => Ok(None),
            })
            .collect()
    }

    /// Every object `owner` owns, optionally only those of `object_type`.
    pub async fn owned_objects(
        &mut self,
        owner: Address,
        object_type: Option<&StructTag>,
    ) -> Result<Vec<Object>, ClientError> {
        let mut objects = Vec::new();
        let mut page_token = None;
        loop {
            let mut request = proto::ListOwnedObjectsRequest::default()
                .with_owner(owner.to_string())
                .with_page_size(500)
                .with_read_mask(FieldMask::from_str(OBJECT_MASK));
            if let Some(object_type) = object_type {
                request.object_type = Some(object_type.to_string());
            }
            request.page_token = page_token.take();
            let response = self
                .inner
                .state_client()
                .list_owned_objects(request)
                .await?
                .into_inner();
            for object in &response.objects {
                objects.push(decode_object(object)?);
            }
            match response.next_page_token {
                Some(token) if !token.is_empty() => page_token = Some(token),
                _ => break,
            }
        }
        Ok(objects)
    }

    /// The SUI coins `owner` can pay gas with.
    pub async fn sui_coins(&mut self, owner: Address) -> Result<Vec<CoinRef>, ClientError> {
        let objects = self
            .owned_objects(owner, Some(&StructTag::gas_coin()))
            .await?;
        Ok(objects.iter().filter_map(coin_ref).collect())
    }

    /// Chooses gas coins for a transaction of `owner` with `budget`.
    pub async fn gas_for(
        &mut self,
        owner: Address,
        budget: u64,
        exclude: &[Address],
    ) -> Result<Vec<CoinRef>, ClientError> {
        let coins = self.sui_coins(owner).await?;
        Ok(tx::select_gas(&coins, budget, exclude)?)
    }

    /// Total balance of `coin_type` (e.g. `0x2::sui::SUI`) owned by `owner`.
    pub async fn balance(&mut self, owner: Address, coin_type: &str) -> Result<u64, ClientError> {
        let request = proto::GetBalanceRequest::default()
            .with_owner(owner.to_string())
            .with_coin_type(coin_type.to_owned());
        let response = self
            .inner
            .state_client()
            .get_balance(request)
            .await?
            .into_inner();
        Ok(response.balance().balance())
    }

    /// All balances of `owner`, as (coin type, total).
    pub async fn balances(&mut self, owner: Address) -> Result<Vec<(String, u64)>, ClientError> {
        let mut balances = Vec::new();
        let mut page_token = None;
        loop {
            let mut request = proto::ListBalancesRequest::default().with_owner(owner.to_string());
            request.page_token = page_token.take();
            let response = self
                .inner
                .state_client()
                .list_balances(request)
                .await?
                .into_inner();
            balances.extend(
                response
                    .balances
                    .iter()
                    .map(|b| (b.coin_type().to_owned(), b.balance())),
            );
            match response.next_page_token {
                Some(token) if !token.is_empty() => page_token = Some(token),
                _ => break,
            }
        }
        Ok(balances)
    }

    /// One checkpoint, with the fields of `mask` (default: [`CHECKPOINT_STREAM_MASK`]).
    pub async fn checkpoint(
        &mut self,
        sequence_number: u64,
        mask: Option<&str>,
    ) -> Result<proto::Checkpoint, ClientError> {
        let request = proto::GetCheckpointRequest::by_sequence_number(sequence_number)
            .with_read_mask(FieldMask::from_str(mask.unwrap_or(CHECKPOINT_STREAM_MASK)));
        let response = self
            .inner
            .ledger_client()
            .get_checkpoint(request)
            .await?
            .into_inner();
        Ok(response.checkpoint().clone())
    }

    /// Checkpoints in order, starting at `from` (or at the next live one when `None`),
    /// without end. Past checkpoints are fetched one by one until the live subscription
    /// catches up; a consumer that stores the last sequence number it processed resumes
    /// with `from = Some(last + 1)`.
    pub fn stream_checkpoints(
        &self,
        from: Option<u64>,
        mask: Option<&str>,
    ) -> impl Stream<Item = Result<proto::Checkpoint, ClientError>> + Send + 'static {
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        let mut client = self.clone();
        let mask = mask.unwrap_or(CHECKPOINT_STREAM_MASK).to_owned();
        tokio::spawn(async move {
            if let Err(e) = client.pump_checkpoints(from, &mask, &tx).await {
                let _ = tx.send(Err(e)).await;
            }
        });
        futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        })
    }

    async fn pump_checkpoints(
        &mut self,
        from: Option<u64>,
        mask: &str,
        out: &tokio::sync::mpsc::Sender<Result<proto::Checkpoint, ClientError>>,
    ) -> Result<(), ClientError> {
        // The live stream must carry the sequence number to order against the backfill.
        let live_mask = format!("{mask},sequence_number");
        let mut live = self
            .inner
            .subscription_client()
            .subscribe_checkpoints(live_subscription(&live_mask))
            .await?
            .into_inner();
        let mut next = from;
        if let Some(start) = from {
            let height = self.service_info().await?.checkpoint_height();
            for seq in start..=height {
                let checkpoint = self.checkpoint(seq, Some(&live_mask)).await?;
                if out.send(Ok(checkpoint)).await.is_err() {
                    return Ok(());
                }
                next = Some(seq + 1);
            }
        }
        loop {
            // A consumer that dropped the stream ends the subscription now, not at the next
            // checkpoint (on a quiet chain that could be never).
            let message = tokio::select! {
                message = live.message() => message?,
                () = out.closed() => return Ok(()),
            };
            let Some(message) = message else { break };
            let Some(checkpoint) = message.checkpoint else {
                continue;
            };
            let seq = checkpoint.sequence_number();
            let start = next.unwrap_or(seq);
            if seq < start {
                continue;
            }
            // Fill a gap (a checkpoint produced between backfill and subscription).
            for missing in start..seq {
                let checkpoint = self.checkpoint(missing, Some(&live_mask)).await?;
                if out.send(Ok(checkpoint)).await.is_err() {
                    return Ok(());
                }
            }
            if out.send(Ok(checkpoint)).await.is_err() {
                return Ok(());
            }
            next = Some(seq + 1);
        }
        Err(ClientError::Unavailable(
            "the checkpoint subscription ended".to_owned(),
        ))
    }

    /// Move events in checkpoint order from checkpoint `from`, optionally only those
    /// whose type is defined in `package` (use the package's original ID).
    pub fn stream_events(
        &self,
        from: Option<u64>,
        package: Option<Address>,
    ) -> impl Stream<Item = Result<EventEnvelope, ClientError>> + Send + 'static {
        use futures::StreamExt as _;
        self.stream_checkpoints(from, None)
            .flat_map(move |checkpoint| {
                let items: Vec<Result<EventEnvelope, ClientError>> = match checkpoint {
                    Err(e) => vec![Err(e)],
                    Ok(checkpoint) => events_of(&checkpoint, package),
                };
                futures::stream::iter(items)
            })
    }
}

/// The request for the live checkpoint subscription. A quiet chain is silent (the devnet
/// seals a checkpoint only when there is a transaction), and silence is not a failure: the
/// request turns off sui-rpc's response-body idle watchdog (30 s without a frame resets the
/// stream), and a dead connection or server is still noticed by the client's HTTP/2
/// keepalive pings (sent every 5 s on a connection with an open stream; a ping unanswered
/// for 20 s closes the connection, which ends the stream with an error).
fn live_subscription(mask: &str) -> tonic::Request<proto::SubscribeCheckpointsRequest> {
    let mut request = tonic::Request::new(
        proto::SubscribeCheckpointsRequest::default().with_read_mask(FieldMask::from_str(mask)),
    );
    request
        .extensions_mut()
        .insert(sui_rpc::client::BodyIdleTimeout::disabled());
    request
}

/// The events of a checkpoint, flattened and filtered by defining package.
pub fn events_of(
    checkpoint: &proto::Checkpoint,
    package: Option<Address>,
) -> Vec<Result<EventEnvelope, ClientError>> {
    let seq = checkpoint.sequence_number();
    let timestamp_ms = checkpoint
        .summary
        .as_ref()
        .and_then(|s| s.timestamp)
        .and_then(|t| sui_rpc::proto::proto_to_timestamp_ms(t).ok());
    let mut out = Vec::new();
    for tx in &checkpoint.transactions {
        let Some(events) = &tx.events else { continue };
        let digest = match tx.digest().parse::<Digest>() {
            Ok(d) => d,
            Err(e) => {
                out.push(Err(malformed("transaction digest", e)));
                continue;
            }
        };
        for (index, event) in events.events.iter().enumerate() {
            match Event::try_from(event) {
                Ok(event) => {
                    if package.is_some_and(|p| *event.type_.address() != p) {
                        continue;
                    }
                    out.push(Ok(EventEnvelope {
                        checkpoint: seq,
                        timestamp_ms,
                        transaction: digest,
                        event_index: index,
                        event,
                    }));
                }
                Err(e) => out.push(Err(malformed("event", e))),
            }
        }
    }
    out
}

/// Builds the execute request with a mask that returns everything the sdk decodes.
fn execute_request(
    transaction: &Transaction,
    signatures: Vec<UserSignature>,
) -> proto::ExecuteTransactionRequest {
    let mut request = proto::ExecuteTransactionRequest::default();
    request.transaction = Some(transaction.clone().into());
    request.signatures = signatures.into_iter().map(Into::into).collect();
    request.read_mask = Some(FieldMask::from_str(TX_MASK));
    request
}

fn check_status(executed: ExecutedTransaction) -> Result<ExecutedTransaction, ClientError> {
    match executed.status().clone() {
        ExecutionStatus::Success => Ok(executed),
        ExecutionStatus::Failure { error, command } => {
            let abort = match &error {
                ExecutionError::MoveAbort { location, code } => Some(MoveAbortInfo {
                    package: location.package,
                    module: location.module.to_string(),
                    function: location.function_name.as_ref().map(|f| f.to_string()),
                    code: *code,
                }),
                _ => None,
            };
            let message = match &abort {
                Some(abort) => abort_message(abort),
                None => describe(&error),
            };
            Err(ClientError::ExecutionFailed(Box::new(ExecutionFailure {
                digest: executed.digest,
                command,
                abort,
                message,
                executed,
            })))
        }
    }
}

/// A floe abort is named and explained; others keep the raw location and code.
fn abort_message(abort: &MoveAbortInfo) -> String {
    match abort.floe_abort() {
        Some(known) => format!("{} ({abort}): {}", known.name, known.hint),
        None => format!("Move {abort}"),
    }
}

/// A sentence for the execution errors simple transactions run into.
fn describe(error: &ExecutionError) -> String {
    match error {
        ExecutionError::InsufficientCoinBalance => {
            "a coin has too small a balance for the requested split".to_owned()
        }
        ExecutionError::InsufficientGas => "the gas budget ran out".to_owned(),
        ExecutionError::FunctionNotFound => "no such Move function".to_owned(),
        ExecutionError::CommandArgumentError { argument, kind } => {
            format!("argument {argument} is invalid: {kind:?}")
        }
        other => format!("{other:?}"),
    }
}

/// Decodes an object from its BCS (requested with the `bcs` read mask), falling back to
/// the individual fields.
pub fn decode_object(object: &proto::Object) -> Result<Object, ClientError> {
    match &object.bcs {
        Some(bcs) => bcs.deserialize().map_err(|e| malformed("object", e)),
        None => Object::try_from(object).map_err(|e| malformed("object", e)),
    }
}

/// The reference and balance of a coin object; `None` for other objects.
pub fn coin_ref(object: &Object) -> Option<CoinRef> {
    let coin = sui_sdk_types::framework::Coin::try_from_object(object)?;
    Some(CoinRef {
        object_id: object.object_id(),
        version: object.version(),
        digest: object.digest(),
        balance: coin.balance(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floe_aborts_are_named_with_a_hint() {
        let abort = MoveAbortInfo {
            package: Address::new([0xf1; 32]),
            module: "license".to_owned(),
            function: Some("purchase".to_owned()),
            code: 6,
        };
        let message = abort_message(&abort);
        assert!(
            message.starts_with("EOfferPaused (abort code 6 in"),
            "{message}"
        );
        assert!(message.contains("license::purchase"), "{message}");
        assert!(
            message.contains("Wait until the seller resumes it"),
            "{message}"
        );
        let framework = MoveAbortInfo {
            package: Address::TWO,
            ..abort
        };
        assert!(abort_message(&framework).starts_with("Move abort code 6"));
    }
}
