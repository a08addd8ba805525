//! Sui's JSON-RPC API (`sui_*` and `suix_*` methods) on the gRPC port, for dapps written
//! against `SuiJsonRpcClient` (`@mysten/sui/jsonRpc`) or plain JSON-RPC: the same URL a real
//! full node serves both APIs on, so a dapp pointed at `rpc_url` works whichever client it
//! uses.
//!
//! Requests are `POST /` with a JSON body (`{"jsonrpc":"2.0","id":…,"method":…,"params":[…]}`,
//! or an array of them). Answers and errors have the shapes Sui full nodes send ([`shapes`]),
//! so the SDK's parsers and its error classes (`JsonRpcError` with the code's type) work.

pub mod move_value;
pub mod shapes;
pub mod type_name;

use std::collections::HashMap;
use std::str::FromStr as _;
use std::sync::Arc;

use base64::Engine as _;
use serde_json::{Value, json};
use sui_sdk_types::{Address, Digest, Object, StructTag, Transaction, TypeTag, UserSignature};

use crate::execute::{REFERENCE_GAS_PRICE, Rejection, TxRecord};
use crate::ledger::{Ledger, TxEntry};
use crate::move_model::{Ability, MoveModel, MoveType, Reference, Visibility};
use crate::state::Shared;
use shapes::{ObjectOptions, Placement, TxOptions};

/// Most items one page of a query returns, Sui's `QUERY_MAX_RESULT_LIMIT`; also the default.
const PAGE_LIMIT: usize = 50;

/// A JSON-RPC error: Sui's codes, which `@mysten/sui` maps to error types.
#[derive(Debug)]
pub struct RpcError {
    code: i64,
    message: String,
}

impl RpcError {
    fn invalid_params(message: impl Into<String>) -> Self {
        Self {
            code: -32602,
            message: message.into(),
        }
    }

    fn method_not_found(method: &str) -> Self {
        let message = match unserved_reason(method) {
            Some(reason) => {
                format!("Method not found: {method} is not served by floe-devnet: {reason}")
            }
            None => format!("Method not found: {method} is not served by floe-devnet"),
        };
        Self {
            code: -32601,
            message,
        }
    }

    /// A transaction the executor refused (Sui's `TransactionExecutionClientError`).
    fn rejected(rejection: Rejection) -> Self {
        Self {
            code: -32002,
            message: format!(
                "Transaction validator signing failed due to issues with transaction inputs, \
                 please review the errors and try again: {rejection}"
            ),
        }
    }
}

type RpcResult = Result<Value, RpcError>;

/// Why a method of Sui's JSON-RPC API that `@mysten/sui`'s client calls has no truthful answer
/// on the devnet: the error says so instead of a bare "method not found".
fn unserved_reason(method: &str) -> Option<&'static str> {
    Some(match method {
        "suix_resolveNameServiceAddress" | "suix_resolveNameServiceNames" => {
            "it has no SuiNS name service (no names are registered on it); use addresses"
        }
        "sui_verifyZkLoginSignature" => {
            "it cannot verify zkLogin signatures (it does not fetch the OAuth providers' JWKs)"
        }
        "suix_getValidatorsApy" | "suix_getCommitteeInfo" => {
            "it runs no Sui validators (no committee, no stake, no APY; suix_getCurrentEpoch \
             lists none)"
        }
        "suix_getNetworkMetrics"
        | "suix_getLatestAddressMetrics"
        | "suix_getEpochMetrics"
        | "suix_getAllEpochAddressMetrics"
        | "suix_getMoveCallMetrics" => {
            "metrics come from Sui's indexer, which it does not run; count with \
             suix_queryTransactionBlocks / suix_queryEvents"
        }
        m if m.starts_with("suix_subscribe") || m.starts_with("suix_unsubscribe") => {
            "it has no WebSocket subscriptions; poll suix_queryEvents / \
             suix_queryTransactionBlocks with cursors, or use gRPC SubscribeCheckpoints"
        }
        m if m.starts_with("unsafe_") => {
            "it builds no transactions for clients; build them with the SDK's Transaction"
        }
        _ => return None,
    })
}

/// The axum router answering `POST /`, mounted beside the gRPC services (see
/// [`crate::service::serve`]).
pub fn router(shared: Arc<Shared>) -> axum::Router {
    axum::Router::new().route("/", axum::routing::post(handle).with_state(shared))
}

async fn handle(
    axum::extract::State(shared): axum::extract::State<Arc<Shared>>,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let request: Value = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            return axum::Json(error_response(
                Value::Null,
                RpcError {
                    code: -32700,
                    message: format!("Parse error: {e}"),
                },
            ))
            .into_response();
        }
    };
    let answer = match request {
        Value::Array(batch) => {
            let mut answers = Vec::with_capacity(batch.len());
            for request in batch {
                answers.push(call(&shared, request).await);
            }
            Value::Array(answers)
        }
        request => call(&shared, request).await,
    };
    axum::Json(answer).into_response()
}

fn error_response(id: Value, error: RpcError) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": error.code, "message": error.message } })
}

async fn call(shared: &Arc<Shared>, request: Value) -> Value {
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let Some(method) = request.get("method").and_then(Value::as_str) else {
        return error_response(
            id,
            RpcError {
                code: -32600,
                message: "Invalid request: `method` is missing".to_owned(),
            },
        );
    };
    let params = match request.get("params") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(params)) => params.clone(),
        Some(_) => {
            return error_response(
                id,
                RpcError::invalid_params(
                    "Invalid params: floe-devnet takes positional (array) params",
                ),
            );
        }
    };
    let started = std::time::Instant::now();
    let result = dispatch(shared, method, Params(params)).await;
    tracing::debug!(
        method,
        ms = started.elapsed().as_millis() as u64,
        ok = result.is_ok(),
        "JSON-RPC"
    );
    match result {
        Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
        Err(error) => error_response(id, error),
    }
}

/// Positional params, with `null` and missing alike.
struct Params(Vec<Value>);

impl Params {
    fn get(&self, i: usize) -> Option<&Value> {
        self.0.get(i).filter(|v| !v.is_null())
    }

    fn str(&self, i: usize, name: &str) -> Result<&str, RpcError> {
        self.get(i).and_then(Value::as_str).ok_or_else(|| {
            RpcError::invalid_params(format!("Invalid params: `{name}` (a string) is required"))
        })
    }

    fn opt_str(&self, i: usize) -> Option<&str> {
        self.get(i).and_then(Value::as_str)
    }

    fn address(&self, i: usize, name: &str) -> Result<Address, RpcError> {
        parse_address(self.str(i, name)?, name)
    }

    fn limit(&self, i: usize) -> Result<usize, RpcError> {
        match self.get(i) {
            None => Ok(PAGE_LIMIT),
            Some(v) => {
                let n = v
                    .as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                    .ok_or_else(|| {
                        RpcError::invalid_params("Invalid params: `limit` is not a number")
                    })?;
                Ok((n as usize).clamp(1, PAGE_LIMIT))
            }
        }
    }

    fn flag(&self, i: usize) -> bool {
        self.get(i).and_then(Value::as_bool) == Some(true)
    }
}

fn parse_address(value: &str, name: &str) -> Result<Address, RpcError> {
    Address::from_str(value).map_err(|e| {
        RpcError::invalid_params(format!(
            "Invalid params: `{name}` {value:?} is not an address: {e}"
        ))
    })
}

fn parse_digest(value: &str) -> Result<Digest, RpcError> {
    Digest::from_str(value).map_err(|e| {
        RpcError::invalid_params(format!(
            "Invalid params: {value:?} is not a transaction digest: {e}"
        ))
    })
}

fn parse_struct(value: &str, name: &str) -> Result<StructTag, RpcError> {
    StructTag::from_str(value).map_err(|e| {
        RpcError::invalid_params(format!(
            "Invalid params: `{name}` {value:?} is not a struct type: {e}"
        ))
    })
}

fn base64_param(value: &str, name: &str) -> Result<Vec<u8>, RpcError> {
    base64::engine::general_purpose::STANDARD
        .decode(value)
        .map_err(|e| {
            RpcError::invalid_params(format!("Invalid params: `{name}` is not Base64: {e}"))
        })
}

fn not_found_transaction(digest: &Digest) -> RpcError {
    // The wording `@mysten/sui` recognises as "not found" (isJsonRpcTransactionNotFound).
    RpcError::invalid_params(format!(
        "Could not find the referenced transaction [TransactionDigest({digest})]."
    ))
}

async fn dispatch(shared: &Arc<Shared>, method: &str, p: Params) -> RpcResult {
    match method {
        "rpc.discover" => Ok(
            json!({ "openrpc": "1.2.6", "info": { "title": "floe-devnet", "version": env!("CARGO_PKG_VERSION") }, "methods": METHODS }),
        ),
        "sui_getChainIdentifier" => {
            // Sui: the first four bytes of the genesis checkpoint's digest, in hex.
            Ok(json!(hex::encode(&shared.chain_id.as_bytes()[..4])))
        }
        "suix_getReferenceGasPrice" => Ok(json!(REFERENCE_GAS_PRICE.to_string())),
        "sui_getLatestCheckpointSequenceNumber" => {
            let ledger = shared.read();
            let seq = ledger
                .latest_checkpoint()
                .map_or(0, |c| c.summary.sequence_number);
            Ok(json!(seq.to_string()))
        }
        "sui_getTotalTransactionBlocks" => Ok(json!(
            shared.read().transactions_in_order().count().to_string()
        )),
        "sui_getCheckpoint" => get_checkpoint(shared, &p),
        "sui_getCheckpoints" => get_checkpoints(shared, &p),
        "sui_getObject" => {
            let id = p.address(0, "object_id")?;
            let options = ObjectOptions::from_json(p.get(1));
            Ok(shapes::object_response(
                id,
                shared.read().get_object(&id),
                options,
            ))
        }
        "sui_multiGetObjects" => {
            let ids = p.get(0).and_then(Value::as_array).ok_or_else(|| {
                RpcError::invalid_params("Invalid params: `object_ids` (an array) is required")
            })?;
            let options = ObjectOptions::from_json(p.get(1));
            let ledger = shared.read();
            ids.iter()
                .map(|id| {
                    let id = parse_address(id.as_str().unwrap_or_default(), "object_ids")?;
                    Ok(shapes::object_response(id, ledger.get_object(&id), options))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        "sui_tryGetPastObject" => try_get_past_object(shared, &p),
        "suix_getOwnedObjects" => get_owned_objects(shared, &p),
        "suix_getCoins" => {
            let owner = p.address(0, "owner")?;
            let coin_type = match p.opt_str(1) {
                Some(t) => TypeTag::from_str(t).map_err(|e| {
                    RpcError::invalid_params(format!("Invalid params: `coin_type` {t:?}: {e}"))
                })?,
                None => crate::objects::sui_type(),
            };
            coins(shared, owner, Some(coin_type), &p, 2)
        }
        "suix_getAllCoins" => {
            let owner = p.address(0, "owner")?;
            coins(shared, owner, None, &p, 1)
        }
        "suix_getBalance" => {
            let owner = p.address(0, "owner")?;
            let coin_type = match p.opt_str(1) {
                Some(t) => TypeTag::from_str(t).map_err(|e| {
                    RpcError::invalid_params(format!("Invalid params: `coin_type` {t:?}: {e}"))
                })?,
                None => crate::objects::sui_type(),
            };
            let (total, count) = shared.read().balance(&owner, &coin_type);
            Ok(balance_json(&coin_type, total, count))
        }
        "suix_getAllBalances" => {
            let owner = p.address(0, "owner")?;
            let ledger = shared.read();
            Ok(Value::Array(
                ledger
                    .balances(&owner)
                    .into_iter()
                    .map(|(coin_type, total)| {
                        let (_, count) = ledger.balance(&owner, &coin_type);
                        balance_json(&coin_type, total, count)
                    })
                    .collect(),
            ))
        }
        "suix_getCoinMetadata" => {
            let tag = parse_struct(p.str(0, "coin_type")?, "coin_type")?;
            let published = *tag.address() == Address::TWO
                || shared
                    .read()
                    .get_object(tag.address())
                    .is_some_and(|o| matches!(o.data(), sui_sdk_types::ObjectData::Package(_)));
            Ok(
                match published
                    .then(|| crate::chain_info::coin_metadata(&tag))
                    .flatten()
                {
                    Some(m) => json!({
                        "id": m.id, "decimals": m.decimals.unwrap_or(0), "name": m.name.unwrap_or_default(),
                        "symbol": m.symbol.unwrap_or_default(), "description": m.description.unwrap_or_default(),
                        "iconUrl": m.icon_url,
                    }),
                    None => Value::Null,
                },
            )
        }
        "suix_getTotalSupply" => {
            let tag = parse_struct(p.str(0, "coin_type")?, "coin_type")?;
            total_supply(&shared.read(), &tag).map(|value| json!({ "value": value.to_string() }))
        }
        // The devnet runs no Sui validators: nobody can stake SUI, so nobody has stakes.
        "suix_getStakes" => {
            p.address(0, "owner")?;
            Ok(json!([]))
        }
        "suix_getStakesByIds" => {
            let ids = p.get(0).and_then(Value::as_array).ok_or_else(|| {
                RpcError::invalid_params("Invalid params: `staked_sui_ids` (an array) is required")
            })?;
            match ids.first() {
                None => Ok(json!([])),
                Some(id) => {
                    let id = parse_address(id.as_str().unwrap_or_default(), "staked_sui_ids")?;
                    Err(RpcError::invalid_params(format!(
                        "Invalid params: {id} is not a StakedSui object: floe-devnet runs no Sui \
                         validators, so no SUI can be staked (getStakes lists none)"
                    )))
                }
            }
        }
        "sui_getTransactionBlock" => {
            let digest = parse_digest(p.str(0, "digest")?)?;
            let options = TxOptions::from_json(p.get(1));
            let ledger = shared.read();
            let entry = ledger
                .transaction(&digest)
                .ok_or_else(|| not_found_transaction(&digest))?;
            Ok(entry_response(&ledger, entry, &HashMap::new(), options))
        }
        "sui_multiGetTransactionBlocks" => {
            let digests = p.get(0).and_then(Value::as_array).ok_or_else(|| {
                RpcError::invalid_params("Invalid params: `digests` (an array) is required")
            })?;
            let options = TxOptions::from_json(p.get(1));
            let ledger = shared.read();
            digests
                .iter()
                .map(|d| {
                    let digest = parse_digest(d.as_str().unwrap_or_default())?;
                    let entry = ledger
                        .transaction(&digest)
                        .ok_or_else(|| not_found_transaction(&digest))?;
                    Ok(entry_response(&ledger, entry, &HashMap::new(), options))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        "sui_executeTransactionBlock" => execute_transaction(shared, &p).await,
        "sui_dryRunTransactionBlock" => {
            let bytes = base64_param(p.str(0, "tx_bytes")?, "tx_bytes")?;
            let transaction: Transaction = bcs::from_bytes(&bytes).map_err(|e| {
                RpcError::invalid_params(format!(
                    "Invalid params: the transaction does not decode: {e}"
                ))
            })?;
            dry_run(shared, &transaction)
        }
        "sui_devInspectTransactionBlock" => dev_inspect(shared, &p),
        "suix_queryEvents" => query_events(shared, &p),
        "suix_queryTransactionBlocks" => query_transactions(shared, &p),
        "suix_getDynamicFields" => get_dynamic_fields(shared, &p),
        "suix_getDynamicFieldObject" => get_dynamic_field_object(shared, &p),
        "suix_getLatestSuiSystemState" => Ok(system_state(shared)),
        "suix_getCurrentEpoch" => Ok(current_epoch(shared)),
        "suix_getEpochs" => {
            // One Sui epoch, 0, in progress: a page holds it unless the cursor is past it.
            let cursor = p
                .opt_str(0)
                .map(|s| s.parse::<u64>())
                .transpose()
                .map_err(|_| {
                    RpcError::invalid_params("Invalid params: `cursor` is not an epoch number")
                })?;
            p.limit(1)?;
            let data = if cursor.is_some() {
                vec![]
            } else {
                vec![current_epoch(shared)]
            };
            let next = data.last().map(|_| json!("0")).unwrap_or(Value::Null);
            Ok(json!({ "data": data, "nextCursor": next, "hasNextPage": false }))
        }
        "sui_getEvents" => {
            let digest = parse_digest(p.str(0, "transaction_digest")?)?;
            let ledger = shared.read();
            let entry = ledger
                .transaction(&digest)
                .ok_or_else(|| not_found_transaction(&digest))?;
            let timestamp_ms = entry.sealed_at().map(|(_, t)| t);
            Ok(Value::Array(
                entry
                    .record
                    .events
                    .iter()
                    .flat_map(|events| events.0.iter().enumerate())
                    .map(|(seq, event)| shapes::event(event, &digest, seq, timestamp_ms))
                    .collect(),
            ))
        }
        "sui_getProtocolConfig" => Ok(protocol_config(shared)),
        "sui_getNormalizedMoveFunction" => {
            let package = p.address(0, "package")?;
            let module = p.str(1, "module_name")?;
            let name = p.str(2, "function_name")?;
            let function = MoveModel::get()
                .function(&package, module, name)
                .ok_or_else(|| {
                    RpcError::invalid_params(format!(
                        "Invalid params: no function {package}::{module}::{name}"
                    ))
                })?;
            Ok(normalized_function(function))
        }
        "sui_getMoveFunctionArgTypes" => {
            let package = p.address(0, "package")?;
            let module = p.str(1, "module")?;
            let name = p.str(2, "function")?;
            let function = MoveModel::get()
                .function(&package, module, name)
                .ok_or_else(|| {
                    RpcError::invalid_params(format!(
                        "Invalid params: no function {package}::{module}::{name}"
                    ))
                })?;
            Ok(Value::Array(
                function
                    .parameters
                    .iter()
                    .map(|param| match (&param.ty, param.reference) {
                        (MoveType::Datatype(..) | MoveType::TypeParam(_), Reference::Immutable) => {
                            json!({ "Object": "ByImmutableReference" })
                        }
                        (MoveType::Datatype(..) | MoveType::TypeParam(_), Reference::Mutable) => {
                            json!({ "Object": "ByMutableReference" })
                        }
                        (MoveType::Datatype(name, _), Reference::Value)
                            if MoveModel::get()
                                .datatype(name)
                                .is_some_and(|d| d.abilities.contains(&Ability::Key)) =>
                        {
                            json!({ "Object": "ByValue" })
                        }
                        _ => json!("Pure"),
                    })
                    .collect(),
            ))
        }
        "sui_getNormalizedMoveModule" => {
            let package = p.address(0, "package")?;
            let module = p.str(1, "module_name")?;
            let module = MoveModel::get().module(&package, module).ok_or_else(|| {
                RpcError::invalid_params(format!("Invalid params: no module {package}::{module}"))
            })?;
            Ok(normalized_module(package, module))
        }
        "sui_getNormalizedMoveModulesByPackage" => {
            let package = p.address(0, "package")?;
            let found = MoveModel::get().package(&package).ok_or_else(|| {
                RpcError::invalid_params(format!("Invalid params: no package {package}"))
            })?;
            Ok(Value::Object(
                found
                    .modules
                    .iter()
                    .map(|(name, module)| (name.clone(), normalized_module(package, module)))
                    .collect(),
            ))
        }
        "sui_getNormalizedMoveStruct" => {
            let package = p.address(0, "package")?;
            let module = p.str(1, "module_name")?;
            let name = p.str(2, "struct_name")?;
            let datatype = MoveModel::get()
                .module(&package, module)
                .and_then(|m| m.datatype(name))
                .ok_or_else(|| {
                    RpcError::invalid_params(format!(
                        "Invalid params: no struct {package}::{module}::{name}"
                    ))
                })?;
            Ok(normalized_struct(datatype))
        }
        other => Err(RpcError::method_not_found(other)),
    }
}

/// The methods [`dispatch`] answers (what `rpc.discover` lists).
const METHODS: &[&str] = &[
    "rpc.discover",
    "sui_getChainIdentifier",
    "suix_getReferenceGasPrice",
    "sui_getLatestCheckpointSequenceNumber",
    "sui_getTotalTransactionBlocks",
    "sui_getCheckpoint",
    "sui_getCheckpoints",
    "sui_getObject",
    "sui_multiGetObjects",
    "sui_tryGetPastObject",
    "suix_getOwnedObjects",
    "suix_getCoins",
    "suix_getAllCoins",
    "suix_getBalance",
    "suix_getAllBalances",
    "suix_getCoinMetadata",
    "suix_getTotalSupply",
    "suix_getStakes",
    "suix_getStakesByIds",
    "sui_getTransactionBlock",
    "sui_multiGetTransactionBlocks",
    "sui_executeTransactionBlock",
    "sui_dryRunTransactionBlock",
    "sui_devInspectTransactionBlock",
    "suix_queryEvents",
    "suix_queryTransactionBlocks",
    "suix_getDynamicFields",
    "suix_getDynamicFieldObject",
    "suix_getLatestSuiSystemState",
    "suix_getCurrentEpoch",
    "suix_getEpochs",
    "sui_getEvents",
    "sui_getProtocolConfig",
    "sui_getNormalizedMoveFunction",
    "sui_getMoveFunctionArgTypes",
    "sui_getNormalizedMoveModule",
    "sui_getNormalizedMoveModulesByPackage",
    "sui_getNormalizedMoveStruct",
];

fn genesis_ms(shared: &Shared) -> u64 {
    shared
        .read()
        .checkpoint(0)
        .map_or(0, |c| c.summary.timestamp_ms)
}

/// `EpochInfo` of the devnet's only Sui epoch, 0, still in progress (Floe's storage epochs
/// are in its `System` object): no validators, no end-of-epoch data.
fn current_epoch(shared: &Shared) -> Value {
    let start_ms = genesis_ms(shared);
    let ledger = shared.read();
    let latest = ledger
        .latest_checkpoint()
        .map_or(0, |c| c.summary.sequence_number);
    json!({
        "epoch": "0", "validators": [],
        "epochTotalTransactions": ledger.transactions_in_order().count().to_string(),
        "firstCheckpointId": "0", "epochStartTimestamp": start_ms.to_string(),
        "endOfEpochInfo": null, "referenceGasPrice": REFERENCE_GAS_PRICE,
        "lastCheckpointId": latest.to_string(),
    })
}

fn placement(entry: &TxEntry) -> Placement {
    match entry.sealed_at() {
        Some((checkpoint, timestamp_ms)) => Placement {
            checkpoint: Some(checkpoint),
            timestamp_ms: Some(timestamp_ms),
        },
        None => Placement::default(),
    }
}

/// `SuiTransactionBlockResponse` of a recorded transaction. `known_types` names objects it
/// removed whose types the caller learnt before they went (a transaction being executed); the
/// others are looked up in the history (see [`removed_types`]).
fn entry_response(
    ledger: &Ledger,
    entry: &TxEntry,
    known_types: &HashMap<Address, String>,
    options: TxOptions,
) -> Value {
    let mut types = if options.show_object_changes {
        removed_types(ledger, &entry.record, known_types)
    } else {
        HashMap::new()
    };
    types.extend(known_types.iter().map(|(id, ty)| (*id, ty.clone())));
    shapes::transaction_response(&entry.record, &types, placement(entry), options)
}

/// The types of the objects `record` deleted or wrapped that `known` does not name, as
/// `objectChanges` names them (the SDK requires a type on each change), from their last
/// versions ([`Ledger::removed_objects`]).
fn removed_types(
    ledger: &Ledger,
    record: &TxRecord,
    known: &HashMap<Address, String>,
) -> HashMap<Address, String> {
    ledger
        .removed_objects(record, |id| !known.contains_key(id))
        .into_iter()
        .map(|(id, object)| (id, shapes::object_type(object)))
        .collect()
}

/// `sui_tryGetPastObject`: a version the devnet has (live, or written by a recorded
/// transaction), `ObjectDeleted` at the version that removed it, `VersionTooHigh` above the
/// latest, `VersionNotFound` for a version it never had, `ObjectNotExists` for an unknown ID.
fn try_get_past_object(shared: &Shared, p: &Params) -> RpcResult {
    let id = p.address(0, "object_id")?;
    let version = p
        .get(1)
        .and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
        .ok_or_else(|| {
            RpcError::invalid_params("Invalid params: `version` (a number) is required")
        })?;
    let options = ObjectOptions::from_json(p.get(2));
    let ledger = shared.read();
    let latest = match ledger.get_object(&id) {
        Some(live) => Some((live.version(), None)),
        None => ledger.removal(id).map(|(v, deleted)| {
            let digest = if deleted {
                shapes::deleted_digest()
            } else {
                shapes::wrapped_digest()
            };
            (v, Some(digest))
        }),
    };
    let Some((latest, removed)) = latest else {
        return Ok(json!({ "status": "ObjectNotExists", "details": id.to_string() }));
    };
    Ok(if version > latest {
        json!({ "status": "VersionTooHigh", "details": {
            "object_id": id.to_string(), "asked_version": version, "latest_version": latest,
        }})
    } else if let (true, Some(digest)) = (version == latest, removed) {
        json!({ "status": "ObjectDeleted", "details": {
            "objectId": id.to_string(), "version": version, "digest": digest.to_string(),
        }})
    } else if let Some(object) = ledger.object_at(id, version, None) {
        json!({ "status": "VersionFound", "details": shapes::object_data(object, options) })
    } else {
        json!({ "status": "VersionNotFound", "details": [id.to_string(), version] })
    })
}

fn balance_json(coin_type: &TypeTag, total: u64, count: usize) -> Value {
    json!({
        "coinType": type_name::type_name(coin_type),
        "coinObjectCount": count,
        "totalBalance": total.to_string(),
        "lockedBalance": {},
        "fundsInAddressBalance": "0",
    })
}

fn checkpoint_json(entry: &crate::ledger::CheckpointEntry) -> Value {
    let s = &entry.summary;
    let transactions: Vec<String> = entry
        .message
        .contents
        .as_ref()
        .map(|c| {
            c.transactions
                .iter()
                .filter_map(|t| t.transaction.clone())
                .collect()
        })
        .unwrap_or_default();
    json!({
        "epoch": s.epoch.to_string(),
        "sequenceNumber": s.sequence_number.to_string(),
        "digest": s.digest().to_string(),
        "networkTotalTransactions": s.network_total_transactions.to_string(),
        "previousDigest": s.previous_digest.map(|d| d.to_string()),
        "epochRollingGasCostSummary": {
            "computationCost": s.epoch_rolling_gas_cost_summary.computation_cost.to_string(),
            "storageCost": s.epoch_rolling_gas_cost_summary.storage_cost.to_string(),
            "storageRebate": s.epoch_rolling_gas_cost_summary.storage_rebate.to_string(),
            "nonRefundableStorageFee": s.epoch_rolling_gas_cost_summary.non_refundable_storage_fee.to_string(),
        },
        "timestampMs": s.timestamp_ms.to_string(),
        "transactions": transactions,
        "checkpointCommitments": [],
        "validatorSignature": base64::engine::general_purpose::STANDARD.encode([0u8; 48]),
    })
}

fn get_checkpoint(shared: &Shared, p: &Params) -> RpcResult {
    let id = p
        .get(0)
        .and_then(|v| {
            v.as_str()
                .map(str::to_owned)
                .or_else(|| v.as_u64().map(|n| n.to_string()))
        })
        .ok_or_else(|| RpcError::invalid_params("Invalid params: `id` is required"))?;
    let ledger = shared.read();
    let entry = match id.parse::<u64>() {
        Ok(seq) => ledger.checkpoint(seq),
        Err(_) => ledger.checkpoint_by_digest(&parse_digest(&id)?),
    };
    entry.map(checkpoint_json).ok_or_else(|| {
        RpcError::invalid_params(format!("Invalid params: checkpoint {id} not found"))
    })
}

fn get_checkpoints(shared: &Shared, p: &Params) -> RpcResult {
    let cursor = p
        .opt_str(0)
        .map(|s| s.parse::<u64>())
        .transpose()
        .map_err(|_| {
            RpcError::invalid_params("Invalid params: `cursor` is not a checkpoint number")
        })?;
    let limit = p.limit(1)?;
    let descending = p.flag(2);
    let ledger = shared.read();
    let tip = ledger
        .latest_checkpoint()
        .map_or(0, |c| c.summary.sequence_number);
    let seqs: Vec<u64> = if descending {
        let top = cursor.map_or(tip, |c| c.saturating_sub(1));
        if cursor == Some(0) {
            vec![]
        } else {
            (0..=top).rev().collect()
        }
    } else {
        (cursor.map_or(0, |c| c + 1)..=tip).collect()
    };
    let page: Vec<Value> = seqs
        .iter()
        .take(limit)
        .filter_map(|s| ledger.checkpoint(*s))
        .map(checkpoint_json)
        .collect();
    let more = seqs.len() > limit;
    let next = page
        .last()
        .and_then(|c| c["sequenceNumber"].as_str().map(str::to_owned));
    Ok(json!({ "data": page, "nextCursor": next, "hasNextPage": more }))
}

/// `suix_getTotalSupply`: the `total_supply` of the `TreasuryCap<T>` of the coin, as Sui
/// reads it, found among the coin package's objects (the cap on its own, or wrapped in one of
/// them — Floe's WAL cap sits in the shared `Treasury`). SUI answers 0, as Sui does.
fn total_supply(ledger: &Ledger, coin: &StructTag) -> Result<u64, RpcError> {
    if *coin.address() == Address::TWO && coin.module().as_str() == "sui" && coin.name() == "SUI" {
        return Ok(0);
    }
    let cap = StructTag::new(
        Address::TWO,
        sui_sdk_types::Identifier::from_static("coin"),
        sui_sdk_types::Identifier::from_static("TreasuryCap"),
        vec![TypeTag::Struct(Box::new(coin.clone()))],
    );
    let found = ledger.objects().find_map(|object| {
        let (tag, contents, _) = crate::objects::struct_parts(object)?;
        if *tag != cap && tag.address() != coin.address() {
            return None;
        }
        let value = move_value::decode(&TypeTag::Struct(Box::new(tag.clone())), contents)?;
        find_supply(&value, &cap)
    });
    found.ok_or_else(|| {
        RpcError::invalid_params(format!(
            "Invalid params: no TreasuryCap<{}> found: {} is not a coin type published on \
             this devnet",
            type_name::type_name(coin),
            type_name::type_name(coin),
        ))
    })
}

/// The `total_supply` of a `TreasuryCap` of type `cap` inside `value`.
fn find_supply(value: &move_value::MoveValue, cap: &StructTag) -> Option<u64> {
    use move_value::MoveValue as V;
    match value {
        V::Struct { tag, fields } if tag == cap => fields.iter().find_map(|(name, v)| match v {
            V::Struct { fields, .. } if name == "total_supply" => {
                fields.iter().find_map(|(name, v)| match v {
                    V::String(n) if name == "value" => n.parse().ok(),
                    _ => None,
                })
            }
            _ => None,
        }),
        V::Struct { fields, .. } | V::Variant { fields, .. } => {
            fields.iter().find_map(|(_, v)| find_supply(v, cap))
        }
        V::Vector(items) => items.iter().find_map(|v| find_supply(v, cap)),
        V::Option(Some(v)) => find_supply(v, cap),
        _ => None,
    }
}

/// A `SuiObjectDataFilter` (`StructType`, `MoveModule`, `Package`, `ObjectId`, `ObjectIds`,
/// `Version`, `MatchAll`/`MatchAny`/`MatchNone`) applied to one object.
fn object_matches(filter: &Value, object: &Object) -> Result<bool, RpcError> {
    let Some((kind, value)) = filter.as_object().and_then(|m| m.iter().next()) else {
        return Ok(true);
    };
    let tag = crate::objects::struct_parts(object).map(|(t, _, _)| t);
    let list = |value: &Value| value.as_array().cloned().unwrap_or_default();
    Ok(match kind.as_str() {
        "StructType" => {
            let wanted = parse_struct(value.as_str().unwrap_or_default(), "StructType")?;
            tag.is_some_and(|t| {
                if wanted.type_params().is_empty() {
                    t.address() == wanted.address()
                        && t.module() == wanted.module()
                        && t.name() == wanted.name()
                } else {
                    *t == wanted
                }
            })
        }
        "MoveModule" => {
            let package = parse_address(value["package"].as_str().unwrap_or_default(), "package")?;
            let module = value["module"].as_str().unwrap_or_default();
            tag.is_some_and(|t| *t.address() == package && t.module().as_str() == module)
        }
        "Package" => {
            let package = parse_address(value.as_str().unwrap_or_default(), "Package")?;
            tag.is_some_and(|t| *t.address() == package)
        }
        "ObjectId" => {
            parse_address(value.as_str().unwrap_or_default(), "ObjectId")? == object.object_id()
        }
        "ObjectIds" => list(value).iter().any(|v| {
            v.as_str().and_then(|s| Address::from_str(s).ok()) == Some(object.object_id())
        }),
        "Version" => {
            value
                .as_str()
                .and_then(|s| s.parse::<u64>().ok())
                .or(value.as_u64())
                == Some(object.version())
        }
        "AddressOwner" => {
            parse_address(value.as_str().unwrap_or_default(), "AddressOwner")?
                == crate::objects::address_owner(object).unwrap_or(Address::ZERO)
        }
        "MatchAll" => {
            for f in list(value) {
                if !object_matches(&f, object)? {
                    return Ok(false);
                }
            }
            true
        }
        "MatchAny" => {
            for f in list(value) {
                if object_matches(&f, object)? {
                    return Ok(true);
                }
            }
            false
        }
        "MatchNone" => {
            for f in list(value) {
                if object_matches(&f, object)? {
                    return Ok(false);
                }
            }
            true
        }
        other => {
            return Err(RpcError::invalid_params(format!(
                "Invalid params: floe-devnet does not filter owned objects by {other}"
            )));
        }
    })
}

fn get_owned_objects(shared: &Shared, p: &Params) -> RpcResult {
    let owner = p.address(0, "address")?;
    let query = p.get(1).cloned().unwrap_or(Value::Null);
    let options = ObjectOptions::from_json(query.get("options"));
    let filter = query.get("filter").cloned().unwrap_or(Value::Null);
    let after = p
        .opt_str(2)
        .map(|c| parse_address(c, "cursor"))
        .transpose()?;
    let limit = p.limit(3)?;
    let ledger = shared.read();
    let mut data = Vec::new();
    let mut more = false;
    for object in ledger.owned_objects(&owner, after) {
        if !object_matches(&filter, object)? {
            continue;
        }
        if data.len() == limit {
            more = true;
            break;
        }
        data.push((
            object.object_id(),
            json!({ "data": shapes::object_data(object, options) }),
        ));
    }
    let next = data.last().map(|(id, _)| id.to_string());
    Ok(json!({
        "data": data.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
        "nextCursor": next,
        "hasNextPage": more,
    }))
}

/// `suix_getCoins` (one coin type) and `suix_getAllCoins` (`coin_type` `None`): the owner's
/// coins ordered by ID, paged by the last coin's ID.
fn coins(
    shared: &Shared,
    owner: Address,
    coin_type: Option<TypeTag>,
    p: &Params,
    at: usize,
) -> RpcResult {
    let after = p
        .opt_str(at)
        .map(|c| parse_address(c, "cursor"))
        .transpose()?;
    let limit = p.limit(at + 1)?;
    let ledger = shared.read();
    let mut data = Vec::new();
    let mut more = false;
    for object in ledger.owned_objects(&owner, after) {
        let Some((tag, contents, _)) = crate::objects::struct_parts(object) else {
            continue;
        };
        let Some(inner) = tag.is_coin() else { continue };
        if coin_type.as_ref().is_some_and(|t| t != inner) {
            continue;
        }
        if data.len() == limit {
            more = true;
            break;
        }
        data.push(json!({
            "coinType": type_name::type_name(inner),
            "coinObjectId": object.object_id().to_string(),
            "version": object.version().to_string(),
            "digest": object.digest().to_string(),
            "balance": crate::objects::coin_value(contents).unwrap_or(0).to_string(),
            "previousTransaction": object.previous_transaction().to_string(),
        }));
    }
    let next = data
        .last()
        .and_then(|c| c["coinObjectId"].as_str().map(str::to_owned));
    Ok(json!({ "data": data, "nextCursor": next, "hasNextPage": more }))
}

async fn execute_transaction(shared: &Arc<Shared>, p: &Params) -> RpcResult {
    let bytes = base64_param(p.str(0, "tx_bytes")?, "tx_bytes")?;
    let transaction: Transaction = bcs::from_bytes(&bytes).map_err(|e| {
        RpcError::invalid_params(format!(
            "Invalid params: the transaction does not decode: {e}"
        ))
    })?;
    let signatures = p
        .get(1)
        .and_then(Value::as_array)
        .ok_or_else(|| {
            RpcError::invalid_params("Invalid params: `signatures` (an array) is required")
        })?
        .iter()
        .map(|s| {
            UserSignature::from_base64(s.as_str().unwrap_or_default()).map_err(|e| {
                RpcError::invalid_params(format!(
                    "Invalid params: a signature does not decode: {e}"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let options = TxOptions::from_json(p.get(2));
    // The types of the objects it may delete or wrap, read before they are gone.
    let known_types = input_types(&shared.read(), &transaction);
    let entry = shared
        .submit(transaction, signatures)
        .await
        .map_err(RpcError::rejected)?;
    let mut response = entry_response(&shared.read(), &entry, &known_types, options);
    // Executed transactions are durable and readable when this answers: local execution is
    // confirmed whatever `request_type` asked.
    response["confirmedLocalExecution"] = json!(true);
    Ok(response)
}

/// The types of a transaction's input objects and gas coins, by ID.
fn input_types(ledger: &Ledger, transaction: &Transaction) -> HashMap<Address, String> {
    use sui_sdk_types::{Input, TransactionKind};
    let mut ids: Vec<Address> = transaction
        .gas_payment
        .objects
        .iter()
        .map(|r| *r.object_id())
        .collect();
    if let TransactionKind::ProgrammableTransaction(ptb) = &transaction.kind {
        for input in &ptb.inputs {
            match input {
                Input::ImmutableOrOwned(r) | Input::Receiving(r) => ids.push(*r.object_id()),
                Input::Shared(s) => ids.push(s.object_id()),
                _ => {}
            }
        }
    }
    ids.into_iter()
        .filter_map(|id| Some((id, shapes::object_type(ledger.get_object(&id)?))))
        .collect()
}

/// Runs `transaction` without committing it, with a mock gas coin when it names none (as the
/// SDK's budget estimation sends it).
fn simulate(
    shared: &Shared,
    transaction: &Transaction,
) -> Result<(crate::execute::Simulation, HashMap<Address, String>), RpcError> {
    let ledger = shared.read();
    let timestamp_ms = ledger.next_timestamp_ms(crate::state::now_ms());
    let known_types = input_types(&ledger, transaction);
    let simulation = if transaction.gas_payment.objects.is_empty() {
        let (view, mocked) = crate::resolve::with_mock_gas(&ledger, transaction);
        crate::execute::simulate(&view, &shared.registry, &mocked, timestamp_ms)
    } else {
        crate::execute::simulate(&*ledger, &shared.registry, transaction, timestamp_ms)
    }
    .map_err(|rejection| RpcError {
        code: -32602,
        message: format!("Invalid params: the transaction cannot run: {rejection}"),
    })?;
    Ok((simulation, known_types))
}

fn dry_run(shared: &Shared, transaction: &Transaction) -> RpcResult {
    let (simulation, mut known_types) = simulate(shared, transaction)?;
    let record: &TxRecord = &simulation.record;
    // Dynamic fields it removes are no inputs: their versions are still live.
    let removed = removed_types(&shared.read(), record, &known_types);
    known_types.extend(removed);
    Ok(json!({
        "effects": shapes::effects(&record.effects),
        "events": shapes::events(record, None),
        "objectChanges": shapes::object_changes(record, &known_types),
        "balanceChanges": shapes::balance_changes(record),
        "input": shapes::transaction_data(transaction),
    }))
}

/// `sui_devInspectTransactionBlock(sender, tx_kind_bytes, gas_price?, epoch?)`: the
/// transaction kind run as `sender` with mock gas, and what each command returned.
fn dev_inspect(shared: &Shared, p: &Params) -> RpcResult {
    let sender = p.address(0, "sender_address")?;
    let bytes = base64_param(p.str(1, "tx_bytes")?, "tx_bytes")?;
    let kind: sui_sdk_types::TransactionKind = bcs::from_bytes(&bytes).map_err(|e| {
        RpcError::invalid_params(format!(
            "Invalid params: the transaction kind does not decode: {e}"
        ))
    })?;
    let price = match p.get(2) {
        Some(v) => v
            .as_str()
            .and_then(|s| s.parse().ok())
            .or(v.as_u64())
            .ok_or_else(|| {
                RpcError::invalid_params("Invalid params: `gas_price` is not a number")
            })?,
        None => REFERENCE_GAS_PRICE,
    };
    let transaction = Transaction {
        kind,
        sender,
        gas_payment: sui_sdk_types::GasPayment {
            objects: vec![],
            owner: sender,
            price,
            budget: crate::resolve::MAX_GAS_BUDGET,
        },
        expiration: sui_sdk_types::TransactionExpiration::None,
    };
    let (simulation, _) = simulate(shared, &transaction)?;
    let record = &simulation.record;
    // Each return value with its type, as Sui names it: from the called function's signature
    // (instantiated with the call's type arguments), or the object's type.
    let commands = match &transaction.kind {
        sui_sdk_types::TransactionKind::ProgrammableTransaction(ptb) => ptb.commands.as_slice(),
        _ => &[],
    };
    let results: Vec<Value> = simulation
        .command_outputs
        .iter()
        .enumerate()
        .map(|(i, outputs)| {
            let returns = match commands.get(i) {
                Some(sui_sdk_types::Command::MoveCall(call)) => MoveModel::get()
                    .function(&call.package, call.module.as_str(), call.function.as_str())
                    .map(|f| {
                        f.returns
                            .iter()
                            .map(|r| r.ty.instantiate(&call.type_arguments))
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default(),
                _ => vec![],
            };
            let values: Vec<Value> = outputs
                .iter()
                .enumerate()
                .map(|(j, o)| {
                    let ty = returns
                        .get(j)
                        .cloned()
                        .flatten()
                        .map(type_name::type_name)
                        .or_else(|| o.object_type.as_ref().map(type_name::type_name))
                        .unwrap_or_default();
                    json!([o.bcs, ty])
                })
                .collect();
            json!({ "mutableReferenceOutputs": [], "returnValues": values })
        })
        .collect();
    let effects = shapes::effects(&record.effects);
    let mut out = json!({
        "effects": effects,
        "events": shapes::events(record, None),
        "results": results,
    });
    if let Some(error) = effects["status"].get("error") {
        out["error"] = error.clone();
    }
    Ok(out)
}

/// An event cursor `{txDigest, eventSeq}` as the position after which (ascending) or before
/// which (descending) a page starts.
fn event_cursor(value: Option<&Value>) -> Result<Option<(Digest, usize)>, RpcError> {
    let Some(value) = value else { return Ok(None) };
    let digest = parse_digest(value["txDigest"].as_str().unwrap_or_default())?;
    let seq = value["eventSeq"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .or(value["eventSeq"].as_u64().map(|n| n as usize))
        .ok_or_else(|| {
            RpcError::invalid_params("Invalid params: the cursor's `eventSeq` is not a number")
        })?;
    Ok(Some((digest, seq)))
}

/// An `EventFilter` applied to one event of `record`.
fn event_matches(
    filter: &Value,
    record: &TxRecord,
    event: &sui_sdk_types::Event,
    timestamp_ms: Option<u64>,
) -> Result<bool, RpcError> {
    let Some((kind, value)) = filter.as_object().and_then(|m| m.iter().next()) else {
        return Ok(true);
    };
    let list = |value: &Value| value.as_array().cloned().unwrap_or_default();
    let module = |value: &Value| -> Result<(Address, String), RpcError> {
        Ok((
            parse_address(value["package"].as_str().unwrap_or_default(), "package")?,
            value["module"].as_str().unwrap_or_default().to_owned(),
        ))
    };
    Ok(match kind.as_str() {
        "All" | "And" if value.is_array() => {
            for f in list(value) {
                if !event_matches(&f, record, event, timestamp_ms)? {
                    return Ok(false);
                }
            }
            true
        }
        "Any" | "Or" if value.is_array() => {
            let filters = list(value);
            if filters.is_empty() {
                return Ok(true);
            }
            for f in filters {
                if event_matches(&f, record, event, timestamp_ms)? {
                    return Ok(true);
                }
            }
            false
        }
        "Sender" => parse_address(value.as_str().unwrap_or_default(), "Sender")? == event.sender,
        "Transaction" => parse_digest(value.as_str().unwrap_or_default())? == record.digest(),
        "Package" => {
            parse_address(value.as_str().unwrap_or_default(), "Package")? == event.package_id
        }
        "MoveModule" => {
            let (package, name) = module(value)?;
            package == event.package_id && event.module.as_str() == name
        }
        "MoveEventModule" => {
            let (package, name) = module(value)?;
            *event.type_.address() == package && event.type_.module().as_str() == name
        }
        "MoveEventType" => {
            let wanted = parse_struct(value.as_str().unwrap_or_default(), "MoveEventType")?;
            if wanted.type_params().is_empty() {
                event.type_.address() == wanted.address()
                    && event.type_.module() == wanted.module()
                    && event.type_.name() == wanted.name()
            } else {
                event.type_ == wanted
            }
        }
        "TimeRange" => {
            let bound = |name: &str| {
                value[name]
                    .as_str()
                    .and_then(|s| s.parse::<u64>().ok())
                    .or(value[name].as_u64())
            };
            let (start, end) = (
                bound("startTime").unwrap_or(0),
                bound("endTime").unwrap_or(u64::MAX),
            );
            timestamp_ms.is_some_and(|t| t >= start && t < end)
        }
        other => {
            return Err(RpcError::invalid_params(format!(
                "Invalid params: floe-devnet does not filter events by {other}"
            )));
        }
    })
}

/// `suix_queryEvents(query, cursor, limit, descending)`.
fn query_events(shared: &Shared, p: &Params) -> RpcResult {
    let filter = p.get(0).cloned().unwrap_or(Value::Null);
    let cursor = event_cursor(p.get(1))?;
    let limit = p.limit(2)?;
    let descending = p.flag(3);
    let ledger = shared.read();
    // Every event as (transaction position, seq), in the asked order, after the cursor.
    let start = match cursor {
        Some((digest, seq)) => {
            let position = ledger
                .transaction_position(&digest)
                .ok_or_else(|| not_found_transaction(&digest))?;
            Some((position, seq))
        }
        None => None,
    };
    let entries: Vec<(usize, &TxEntry)> = ledger.transactions_in_order().enumerate().collect();
    let ordered: Box<dyn Iterator<Item = &(usize, &TxEntry)>> = if descending {
        Box::new(entries.iter().rev())
    } else {
        Box::new(entries.iter())
    };
    let mut data = Vec::new();
    let mut more = false;
    'scan: for (position, entry) in ordered {
        let Some(events) = entry.record.events.as_ref() else {
            continue;
        };
        let timestamp_ms = entry.sealed_at().map(|(_, t)| t);
        let indexed: Vec<(usize, &sui_sdk_types::Event)> = events.0.iter().enumerate().collect();
        let seqs: Box<dyn Iterator<Item = &(usize, &sui_sdk_types::Event)>> = if descending {
            Box::new(indexed.iter().rev())
        } else {
            Box::new(indexed.iter())
        };
        for (seq, event) in seqs {
            if let Some(start) = start {
                let here = (*position, *seq);
                let past = if descending {
                    here < start
                } else {
                    here > start
                };
                if !past {
                    continue;
                }
            }
            if !event_matches(&filter, &entry.record, event, timestamp_ms)? {
                continue;
            }
            if data.len() == limit {
                more = true;
                break 'scan;
            }
            data.push(shapes::event(
                event,
                &entry.record.digest(),
                *seq,
                timestamp_ms,
            ));
        }
    }
    let next = data.last().map(|e| e["id"].clone());
    Ok(json!({ "data": data, "nextCursor": next, "hasNextPage": more }))
}

/// A `TransactionFilter` applied to one transaction.
fn transaction_matches(filter: &Value, entry: &TxEntry) -> Result<bool, RpcError> {
    use sui_sdk_types::{Command, Input, TransactionKind};
    let Some((kind, value)) = filter.as_object().and_then(|m| m.iter().next()) else {
        return Ok(true);
    };
    let record = &entry.record;
    let tx = &record.transaction;
    let received = |address: Address| {
        record
            .written
            .iter()
            .any(|o| crate::objects::address_owner(o) == Some(address))
            || record
                .balance_changes
                .iter()
                .any(|d| d.address == address && d.amount > 0)
    };
    let ptb = match &tx.kind {
        TransactionKind::ProgrammableTransaction(ptb) => Some(ptb),
        _ => None,
    };
    let touches = |id: Address, changed_only: bool| -> bool {
        if changed_only {
            return record.written.iter().any(|o| o.object_id() == id)
                || record.deleted.contains(&id);
        }
        ptb.is_some_and(|ptb| {
            ptb.inputs.iter().any(|i| match i {
                Input::ImmutableOrOwned(r) | Input::Receiving(r) => *r.object_id() == id,
                Input::Shared(s) => s.object_id() == id,
                _ => false,
            })
        }) || tx.gas_payment.objects.iter().any(|r| *r.object_id() == id)
    };
    Ok(match kind.as_str() {
        "FromAddress" => {
            parse_address(value.as_str().unwrap_or_default(), "FromAddress")? == tx.sender
        }
        "ToAddress" => received(parse_address(
            value.as_str().unwrap_or_default(),
            "ToAddress",
        )?),
        "FromAndToAddress" => {
            parse_address(value["from"].as_str().unwrap_or_default(), "from")? == tx.sender
                && received(parse_address(
                    value["to"].as_str().unwrap_or_default(),
                    "to",
                )?)
        }
        "FromOrToAddress" => {
            let address = parse_address(value["addr"].as_str().unwrap_or_default(), "addr")?;
            address == tx.sender || received(address)
        }
        "InputObject" => touches(
            parse_address(value.as_str().unwrap_or_default(), "InputObject")?,
            false,
        ),
        "ChangedObject" => touches(
            parse_address(value.as_str().unwrap_or_default(), "ChangedObject")?,
            true,
        ),
        "Checkpoint" => {
            let seq = value
                .as_str()
                .and_then(|s| s.parse::<u64>().ok())
                .or(value.as_u64());
            entry.sealed_at().map(|(c, _)| c) == seq
        }
        "MoveFunction" => {
            let package = parse_address(value["package"].as_str().unwrap_or_default(), "package")?;
            let module = value["module"].as_str();
            let function = value["function"].as_str();
            ptb.is_some_and(|ptb| {
                ptb.commands.iter().any(|c| match c {
                    Command::MoveCall(call) => {
                        call.package == package
                            && module.is_none_or(|m| call.module.as_str() == m)
                            && function.is_none_or(|f| call.function.as_str() == f)
                    }
                    _ => false,
                })
            })
        }
        "TransactionKind" => {
            let name = if ptb.is_some() {
                "ProgrammableTransaction"
            } else {
                "Other"
            };
            value.as_str() == Some(name)
        }
        "TransactionKindIn" => {
            let name = if ptb.is_some() {
                "ProgrammableTransaction"
            } else {
                "Other"
            };
            value
                .as_array()
                .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(name)))
        }
        other => {
            return Err(RpcError::invalid_params(format!(
                "Invalid params: floe-devnet does not filter transactions by {other}"
            )));
        }
    })
}

/// `suix_queryTransactionBlocks({filter, options}, cursor, limit, descending)`.
fn query_transactions(shared: &Shared, p: &Params) -> RpcResult {
    let query = p.get(0).cloned().unwrap_or(Value::Null);
    let filter = query.get("filter").cloned().unwrap_or(Value::Null);
    let options = TxOptions::from_json(query.get("options"));
    let cursor = p.opt_str(1).map(parse_digest).transpose()?;
    let limit = p.limit(2)?;
    let descending = p.flag(3);
    let ledger = shared.read();
    let start = match cursor {
        Some(digest) => Some(
            ledger
                .transaction_position(&digest)
                .ok_or_else(|| not_found_transaction(&digest))?,
        ),
        None => None,
    };
    let entries: Vec<(usize, &TxEntry)> = ledger.transactions_in_order().enumerate().collect();
    let ordered: Box<dyn Iterator<Item = &(usize, &TxEntry)>> = if descending {
        Box::new(entries.iter().rev())
    } else {
        Box::new(entries.iter())
    };
    let mut data = Vec::new();
    let mut more = false;
    for (position, entry) in ordered {
        if let Some(start) = start
            && (if descending {
                *position >= start
            } else {
                *position <= start
            })
        {
            continue;
        }
        if !transaction_matches(&filter, entry)? {
            continue;
        }
        if data.len() == limit {
            more = true;
            break;
        }
        data.push(entry_response(&ledger, entry, &HashMap::new(), options));
    }
    let next = data.last().map(|t| t["digest"].clone());
    Ok(json!({ "data": data, "nextCursor": next, "hasNextPage": more }))
}

fn get_dynamic_fields(shared: &Shared, p: &Params) -> RpcResult {
    let parent = p.address(0, "parent_object_id")?;
    let after = p
        .opt_str(1)
        .map(|c| parse_address(c, "cursor"))
        .transpose()?;
    let limit = p.limit(2)?;
    let ledger = shared.read();
    let (fields, next) = crate::chain_info::dynamic_fields(&ledger, parent, after, limit);
    let mut data = Vec::new();
    for field in fields {
        let name = field.name.clone().unwrap_or_default();
        let name_type = name.name.clone().unwrap_or_default();
        // The name's bytes as the field object holds them (`Field<Name, V>`: a UID, then the
        // name), which the gRPC listing gets wrong for a struct without fields (it counts no
        // bytes for the compiler's `dummy_field`).
        let name_bcs = field
            .field_id
            .as_deref()
            .and_then(|s| Address::from_str(s).ok())
            .and_then(|id| ledger.get_object(&id))
            .and_then(field_name_bytes)
            .or_else(|| name.value.clone().map(|b| b.to_vec()))
            .unwrap_or_default();
        // Sui's untyped rendering, as events' `parsedJson` (a `vector<u8>` name is its bytes).
        let value = TypeTag::from_str(&name_type)
            .ok()
            .and_then(|t| move_value::decode(&t, &name_bcs))
            .map_or(Value::Null, |v| v.to_untyped_json());
        let is_object = field.kind
            == Some(sui_rpc::proto::sui::rpc::v2::dynamic_field::DynamicFieldKind::Object as i32);
        let field_id = field
            .field_id
            .as_deref()
            .and_then(|s| Address::from_str(s).ok());
        let child_id = field
            .child_id
            .as_deref()
            .and_then(|s| Address::from_str(s).ok());
        let object =
            if is_object { child_id } else { field_id }.and_then(|id| ledger.get_object(&id));
        let Some(object) = object else { continue };
        let object_type = if is_object {
            shapes::object_type(object)
        } else {
            type_name::type_name(field.value_type.clone().unwrap_or_default())
        };
        data.push(json!({
            "name": { "type": type_name::type_name(&name_type), "value": value },
            "bcsName": base64::engine::general_purpose::STANDARD.encode(&name_bcs),
            "type": if is_object { "DynamicObject" } else { "DynamicField" },
            "objectType": object_type,
            "objectId": object.object_id().to_string(),
            "version": object.version(),
            "digest": object.digest().to_string(),
        }));
    }
    Ok(
        json!({ "data": data, "nextCursor": next.map(|id| id.to_string()), "hasNextPage": next.is_some() }),
    )
}

/// The BCS of a dynamic field object's name: what follows its UID, as long as one value of
/// the `Field`'s first type argument.
fn field_name_bytes(object: &Object) -> Option<Vec<u8>> {
    let (tag, contents, _) = crate::objects::struct_parts(object)?;
    let name_type = tag.type_params().first()?;
    let rest = contents.get(32..)?;
    let len = crate::render::value_len(name_type, rest)?;
    Some(rest.get(..len)?.to_vec())
}

/// BCS of a JSON value of Move type `ty`, for dynamic field names given as `{type, value}`.
fn json_to_bcs(ty: &TypeTag, value: &Value) -> Option<Vec<u8>> {
    let number = |v: &Value| {
        v.as_str()
            .and_then(|s| s.parse::<u128>().ok())
            .or(v.as_u64().map(u128::from))
    };
    Some(match ty {
        TypeTag::Bool => bcs::to_bytes(&value.as_bool()?).ok()?,
        TypeTag::U8 => vec![u8::try_from(number(value)?).ok()?],
        TypeTag::U16 => u16::try_from(number(value)?).ok()?.to_le_bytes().to_vec(),
        TypeTag::U32 => u32::try_from(number(value)?).ok()?.to_le_bytes().to_vec(),
        TypeTag::U64 => u64::try_from(number(value)?).ok()?.to_le_bytes().to_vec(),
        TypeTag::U128 => number(value)?.to_le_bytes().to_vec(),
        TypeTag::Address => Address::from_str(value.as_str()?).ok()?.as_bytes().to_vec(),
        TypeTag::Vector(inner) => {
            let items: Vec<Vec<u8>> = match (inner.as_ref(), value) {
                (TypeTag::U8, Value::String(s)) => s.bytes().map(|b| vec![b]).collect(),
                (_, Value::Array(items)) => items
                    .iter()
                    .map(|v| json_to_bcs(inner, v))
                    .collect::<Option<_>>()?,
                _ => return None,
            };
            let mut out = uleb(items.len());
            for item in items {
                out.extend(item);
            }
            out
        }
        TypeTag::Struct(tag) => {
            let name = (*tag.address(), tag.module().as_str(), tag.name().as_str());
            match name {
                (a, "object", "ID") if a == Address::TWO => {
                    Address::from_str(value.as_str()?).ok()?.as_bytes().to_vec()
                }
                (a, "string", "String") | (a, "ascii", "String") if a == move_stdlib() => {
                    bcs::to_bytes(value.as_str()?).ok()?
                }
                _ => {
                    // Any other struct: its fields in order, from a JSON object. A struct
                    // declared without fields holds the compiler's `dummy_field: bool`.
                    let fields = MoveModel::get().struct_fields(tag)?;
                    if fields.is_empty() {
                        let dummy = value
                            .get("dummy_field")
                            .map_or(Some(false), Value::as_bool)?;
                        return bcs::to_bytes(&dummy).ok();
                    }
                    let mut out = vec![];
                    for (field, field_ty) in fields {
                        out.extend(json_to_bcs(&field_ty, value.get(&field)?)?);
                    }
                    out
                }
            }
        }
        _ => return None,
    })
}

/// `0x1`, where `string::String` and `ascii::String` live.
fn move_stdlib() -> Address {
    let mut bytes = [0u8; 32];
    bytes[31] = 1;
    Address::new(bytes)
}

fn uleb(mut n: usize) -> Vec<u8> {
    let mut out = vec![];
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

fn get_dynamic_field_object(shared: &Shared, p: &Params) -> RpcResult {
    let parent = p.address(0, "parent_object_id")?;
    let name = p.get(1).ok_or_else(|| {
        RpcError::invalid_params("Invalid params: `name` ({type, value}) is required")
    })?;
    let type_text = name["type"].as_str().unwrap_or_default();
    let ty = TypeTag::from_str(type_text).map_err(|e| {
        RpcError::invalid_params(format!("Invalid params: name type {type_text:?}: {e}"))
    })?;
    let bytes = json_to_bcs(&ty, &name["value"]).ok_or_else(|| {
        RpcError::invalid_params(format!(
            "Invalid params: the name value is not a {type_text}"
        ))
    })?;
    let options = ObjectOptions {
        show_type: true,
        show_owner: true,
        show_previous_transaction: true,
        show_content: true,
        show_storage_rebate: true,
        ..ObjectOptions::default()
    };
    let ledger = shared.read();
    let field_id = parent.derive_dynamic_child_id(&ty, &bytes);
    if let Some(field) = ledger.get_object(&field_id) {
        return Ok(json!({ "data": shapes::object_data(field, options) }));
    }
    // A dynamic object field: the name is wrapped, and the answer is the child object.
    let wrapper = TypeTag::Struct(Box::new(StructTag::new(
        Address::TWO,
        sui_sdk_types::Identifier::from_static("dynamic_object_field"),
        sui_sdk_types::Identifier::from_static("Wrapper"),
        vec![ty],
    )));
    let wrapped_id = parent.derive_dynamic_child_id(&wrapper, &bytes);
    if let Some(field) = ledger.get_object(&wrapped_id)
        && let Some((_, contents, _)) = crate::objects::struct_parts(field)
        && let Some(child) = contents.get(contents.len().saturating_sub(32)..)
        && let Ok(child) = <[u8; 32]>::try_from(child)
        && let Some(object) = ledger.get_object(&Address::new(child))
    {
        return Ok(json!({ "data": shapes::object_data(object, options) }));
    }
    Ok(
        json!({ "error": { "code": "dynamicFieldNotFound", "parent_object_id": parent.to_string() } }),
    )
}

fn system_state(shared: &Shared) -> Value {
    let start_ms = genesis_ms(shared);
    json!({
        "epoch": "0",
        "protocolVersion": crate::chain_info::PROTOCOL_VERSION.to_string(),
        "systemStateVersion": "2",
        "storageFundTotalObjectStorageRebates": "0",
        "storageFundNonRefundableBalance": "0",
        "referenceGasPrice": REFERENCE_GAS_PRICE.to_string(),
        "safeMode": false,
        "safeModeStorageRewards": "0",
        "safeModeComputationRewards": "0",
        "safeModeStorageRebates": "0",
        "safeModeNonRefundableStorageFee": "0",
        "epochStartTimestampMs": start_ms.to_string(),
        // The chain never changes epoch by itself.
        "epochDurationMs": u64::MAX.to_string(),
        "stakeSubsidyStartEpoch": "0",
        "maxValidatorCount": "1",
        "minValidatorJoiningStake": "0",
        "validatorLowStakeThreshold": "0",
        "validatorVeryLowStakeThreshold": "0",
        "validatorLowStakeGracePeriod": "0",
        "stakeSubsidyBalance": "0",
        "stakeSubsidyDistributionCounter": "0",
        "stakeSubsidyCurrentDistributionAmount": "0",
        "stakeSubsidyPeriodLength": "0",
        "stakeSubsidyDecreaseRate": 0,
        "totalStake": "0",
        "activeValidators": [],
        "pendingActiveValidatorsId": Address::ZERO.to_string(),
        "pendingActiveValidatorsSize": "0",
        "pendingRemovals": [],
        "stakingPoolMappingsId": Address::ZERO.to_string(),
        "stakingPoolMappingsSize": "0",
        "inactivePoolsId": Address::ZERO.to_string(),
        "inactivePoolsSize": "0",
        "validatorCandidatesId": Address::ZERO.to_string(),
        "validatorCandidatesSize": "0",
        "atRiskValidators": [],
        "validatorReportRecords": [],
    })
}

fn protocol_config(shared: &Shared) -> Value {
    let epoch = crate::chain_info::epoch(genesis_ms(shared));
    let config = epoch.protocol_config.unwrap_or_default();
    let attributes: serde_json::Map<String, Value> = config
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), json!({ "u64": v })))
        .collect();
    let flags: serde_json::Map<String, Value> = config
        .feature_flags
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let version = crate::chain_info::PROTOCOL_VERSION.to_string();
    json!({
        "minSupportedProtocolVersion": version,
        "maxSupportedProtocolVersion": version,
        "protocolVersion": version,
        "featureFlags": flags,
        "attributes": attributes,
    })
}

fn abilities(list: &[Ability]) -> Value {
    json!({
        "abilities": list.iter().map(|a| match a {
            Ability::Copy => "Copy",
            Ability::Drop => "Drop",
            Ability::Store => "Store",
            Ability::Key => "Key",
        }).collect::<Vec<_>>()
    })
}

/// A `SuiMoveNormalizedType`.
fn normalized_type(ty: &MoveType) -> Value {
    match ty {
        MoveType::Bool => json!("Bool"),
        MoveType::U8 => json!("U8"),
        MoveType::U16 => json!("U16"),
        MoveType::U32 => json!("U32"),
        MoveType::U64 => json!("U64"),
        MoveType::U128 => json!("U128"),
        MoveType::U256 => json!("U256"),
        MoveType::Address => json!("Address"),
        MoveType::Signer => json!("Signer"),
        MoveType::Vector(inner) => json!({ "Vector": normalized_type(inner) }),
        MoveType::TypeParam(i) => json!({ "TypeParameter": i }),
        MoveType::Datatype(name, args) => json!({ "Struct": {
            "address": name.address.to_string(),
            "module": name.module,
            "name": name.name,
            "typeArguments": args.iter().map(normalized_type).collect::<Vec<_>>(),
        }}),
    }
}

fn normalized_param(param: &crate::move_model::Param) -> Value {
    let body = normalized_type(&param.ty);
    match param.reference {
        Reference::Value => body,
        Reference::Immutable => json!({ "Reference": body }),
        Reference::Mutable => json!({ "MutableReference": body }),
    }
}

/// A `SuiMoveNormalizedFunction`, the signature `Transaction.build` reads to encode pure
/// arguments and to tell shared objects taken by `&mut` from those taken by `&`.
fn normalized_function(function: &crate::move_model::Function) -> Value {
    json!({
        "visibility": match function.visibility {
            Visibility::Public => "Public",
            Visibility::Package => "Friend",
            Visibility::Private => "Private",
        },
        "isEntry": function.is_entry,
        "typeParameters": function.type_parameters.iter().map(|t| abilities(&t.constraints)).collect::<Vec<_>>(),
        "parameters": function.parameters.iter().map(normalized_param).collect::<Vec<_>>(),
        "return": function.returns.iter().map(normalized_param).collect::<Vec<_>>(),
    })
}

fn normalized_struct(datatype: &crate::move_model::Datatype) -> Value {
    let fields: Vec<Value> = match &datatype.kind {
        crate::move_model::DatatypeKind::Struct(fields) => fields
            .iter()
            .map(|(name, ty)| json!({ "name": name, "type": normalized_type(ty) }))
            .collect(),
        crate::move_model::DatatypeKind::Enum(_) => vec![],
    };
    json!({
        "abilities": abilities(&datatype.abilities),
        "typeParameters": datatype.type_parameters.iter().map(|t| json!({
            "constraints": abilities(&t.constraints), "isPhantom": t.phantom,
        })).collect::<Vec<_>>(),
        "fields": fields,
    })
}

fn normalized_module(package: Address, module: &crate::move_model::Module) -> Value {
    let structs: serde_json::Map<String, Value> = module
        .datatypes
        .iter()
        .filter(|d| matches!(d.kind, crate::move_model::DatatypeKind::Struct(_)))
        .map(|d| (d.name.name.clone(), normalized_struct(d)))
        .collect();
    let functions: serde_json::Map<String, Value> = module
        .functions
        .iter()
        .map(|f| (f.name.clone(), normalized_function(f)))
        .collect();
    json!({
        "fileFormatVersion": 6,
        "address": package.to_string(),
        "name": module.name,
        "friends": [],
        "structs": structs,
        "exposedFunctions": functions,
    })
}
