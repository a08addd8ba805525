//! The JSON shapes of Sui's JSON-RPC API (`SuiObjectResponse`, `SuiTransactionBlockResponse`,
//! `SuiEvent`, …) built from the devnet's objects and transaction records.
//!
//! Field names, string-or-number choices and enum spellings follow what Sui full nodes send,
//! because `@mysten/sui`'s `SuiJsonRpcClient` (and dapps reading its results) depend on them:
//! versions are strings in objects but numbers in effects' object references, amounts are
//! strings, owners are `{"AddressOwner": …}` or `"Immutable"`.

use std::collections::HashMap;

use base64::Engine as _;
use serde_json::{Value, json};
use sui_sdk_types::{
    Address, Argument, Command, Digest, Event, ExecutionStatus, Input, Object, ObjectData, Owner,
    Transaction, TransactionEffects, TransactionKind, UserSignature,
};

use super::type_name::type_name;
use crate::execute::TxRecord;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// An owner as Sui's JSON-RPC writes it.
pub fn owner(owner: &Owner) -> Value {
    match owner {
        Owner::Address(a) => json!({ "AddressOwner": a.to_string() }),
        Owner::Object(o) => json!({ "ObjectOwner": o.to_string() }),
        Owner::Shared(v) => json!({ "Shared": { "initial_shared_version": v } }),
        Owner::Immutable => json!("Immutable"),
        Owner::ConsensusAddress {
            start_version,
            owner,
        } => json!({
            "ConsensusAddressOwner": { "start_version": start_version, "owner": owner.to_string() }
        }),
        _ => json!("Immutable"),
    }
}

/// What `showType`, `showContent`, … ask of an object (`SuiObjectDataOptions`).
#[derive(Debug, Default, Clone, Copy)]
pub struct ObjectOptions {
    pub show_type: bool,
    pub show_owner: bool,
    pub show_previous_transaction: bool,
    pub show_display: bool,
    pub show_content: bool,
    pub show_bcs: bool,
    pub show_storage_rebate: bool,
}

impl ObjectOptions {
    pub fn from_json(value: Option<&Value>) -> Self {
        let flag =
            |name: &str| value.and_then(|v| v.get(name)).and_then(Value::as_bool) == Some(true);
        Self {
            show_type: flag("showType"),
            show_owner: flag("showOwner"),
            show_previous_transaction: flag("showPreviousTransaction"),
            show_display: flag("showDisplay"),
            show_content: flag("showContent"),
            show_bcs: flag("showBcs"),
            show_storage_rebate: flag("showStorageRebate"),
        }
    }
}

/// The type an object is listed under: its struct tag, or `package`.
pub fn object_type(object: &Object) -> String {
    match crate::objects::struct_parts(object) {
        Some((tag, _, _)) => type_name(tag),
        None => "package".to_owned(),
    }
}

/// `SuiObjectData`: the reference always, the rest as `options` ask.
pub fn object_data(object: &Object, options: ObjectOptions) -> Value {
    let mut data = json!({
        "objectId": object.object_id().to_string(),
        "version": object.version().to_string(),
        "digest": object.digest().to_string(),
    });
    let parts = crate::objects::struct_parts(object);
    if options.show_type {
        data["type"] = json!(object_type(object));
    }
    if options.show_owner {
        data["owner"] = owner(object.owner());
    }
    if options.show_previous_transaction {
        data["previousTransaction"] = json!(object.previous_transaction().to_string());
    }
    if options.show_storage_rebate {
        data["storageRebate"] = json!(object.storage_rebate().to_string());
    }
    if options.show_display {
        // No Display objects exist on the devnet: Sui answers so for a type without one.
        data["display"] = json!({ "data": null, "error": null });
    }
    match (&parts, object.data()) {
        (Some((tag, contents, public_transfer)), _) => {
            if options.show_content {
                data["content"] = json!({
                    "dataType": "moveObject",
                    "type": type_name(tag),
                    "hasPublicTransfer": public_transfer,
                    // A type missing from the Move model shows no fields rather than wrong
                    // ones (none exists while transactions cannot publish).
                    "fields": super::move_value::object_fields(tag, contents).unwrap_or(json!({})),
                });
            }
            if options.show_bcs {
                data["bcs"] = json!({
                    "dataType": "moveObject",
                    "type": type_name(tag),
                    "hasPublicTransfer": public_transfer,
                    "version": object.version(),
                    "bcsBytes": b64(contents),
                });
            }
        }
        (None, ObjectData::Package(package)) => {
            if options.show_content {
                let modules: serde_json::Map<String, Value> = package
                    .modules
                    .keys()
                    .map(|name| (name.to_string(), json!("")))
                    .collect();
                data["content"] = json!({ "dataType": "package", "disassembled": modules });
            }
            if options.show_bcs {
                let modules: serde_json::Map<String, Value> = package
                    .modules
                    .iter()
                    .map(|(name, bytes)| (name.to_string(), json!(b64(bytes))))
                    .collect();
                data["bcs"] = json!({
                    "dataType": "package",
                    "id": package.id.to_string(),
                    "version": package.version,
                    "moduleMap": modules,
                    "typeOriginTable": [],
                    "linkageTable": {},
                });
            }
        }
        _ => {}
    }
    data
}

/// `SuiObjectResponse`: the object, or Sui's `notExists` error naming the ID.
pub fn object_response(id: Address, object: Option<&Object>, options: ObjectOptions) -> Value {
    match object {
        Some(object) => json!({ "data": object_data(object, options) }),
        None => json!({ "error": { "code": "notExists", "object_id": id.to_string() } }),
    }
}

/// A `SuiEvent`: the `seq`-th event of transaction `digest`.
pub fn event(event: &Event, digest: &Digest, seq: usize, timestamp_ms: Option<u64>) -> Value {
    let mut out = json!({
        "id": { "txDigest": digest.to_string(), "eventSeq": seq.to_string() },
        "packageId": event.package_id.to_string(),
        "transactionModule": event.module.to_string(),
        "sender": event.sender.to_string(),
        "type": type_name(&event.type_),
        "parsedJson": super::move_value::event_json(&event.type_, &event.contents).unwrap_or(json!({})),
        "bcsEncoding": "base64",
        "bcs": b64(&event.contents),
    });
    if let Some(ms) = timestamp_ms {
        out["timestampMs"] = json!(ms.to_string());
    }
    out
}

/// What `showInput`, `showEffects`, … ask of a transaction (`SuiTransactionBlockResponseOptions`).
#[derive(Debug, Default, Clone, Copy)]
pub struct TxOptions {
    pub show_input: bool,
    pub show_raw_input: bool,
    pub show_effects: bool,
    pub show_raw_effects: bool,
    pub show_events: bool,
    pub show_object_changes: bool,
    pub show_balance_changes: bool,
}

impl TxOptions {
    pub fn from_json(value: Option<&Value>) -> Self {
        let flag =
            |name: &str| value.and_then(|v| v.get(name)).and_then(Value::as_bool) == Some(true);
        Self {
            show_input: flag("showInput"),
            show_raw_input: flag("showRawInput"),
            show_effects: flag("showEffects"),
            show_raw_effects: flag("showRawEffects"),
            show_events: flag("showEvents"),
            show_object_changes: flag("showObjectChanges"),
            show_balance_changes: flag("showBalanceChanges"),
        }
    }
}

/// Where a transaction sits once sealed: checkpoint and timestamp.
#[derive(Debug, Default, Clone, Copy)]
pub struct Placement {
    pub checkpoint: Option<u64>,
    pub timestamp_ms: Option<u64>,
}

/// `SuiTransactionBlockResponse` for an executed (or simulated) transaction. `known_types`
/// names the types of objects it deleted or wrapped, which the ledger no longer holds; a
/// deleted object whose type is unknown is left out of `objectChanges` (the SDK requires a
/// type on each change).
pub fn transaction_response(
    record: &TxRecord,
    known_types: &HashMap<Address, String>,
    placement: Placement,
    options: TxOptions,
) -> Value {
    let digest = record.digest();
    let mut out = json!({ "digest": digest.to_string() });
    if options.show_input {
        out["transaction"] = json!({
            "data": transaction_data(&record.transaction),
            "txSignatures": record.signatures.iter().map(|s| b64(&s.to_bytes())).collect::<Vec<_>>(),
        });
    }
    if options.show_raw_input {
        out["rawTransaction"] = json!(b64(&sender_signed_data(
            &record.transaction,
            &record.signatures
        )));
    }
    if options.show_effects {
        out["effects"] = effects(&record.effects);
    }
    if options.show_raw_effects {
        let bytes = bcs::to_bytes(&record.effects).unwrap_or_default();
        out["rawEffects"] = json!(bytes);
    }
    if options.show_events {
        out["events"] = json!(events(record, placement.timestamp_ms));
    }
    if options.show_object_changes {
        out["objectChanges"] = json!(object_changes(record, known_types));
    }
    if options.show_balance_changes {
        out["balanceChanges"] = json!(balance_changes(record));
    }
    if let Some(ms) = placement.timestamp_ms {
        out["timestampMs"] = json!(ms.to_string());
    }
    if let Some(seq) = placement.checkpoint {
        out["checkpoint"] = json!(seq.to_string());
    }
    out
}

pub fn events(record: &TxRecord, timestamp_ms: Option<u64>) -> Vec<Value> {
    let digest = record.digest();
    record
        .events
        .as_ref()
        .map(|events| {
            events
                .0
                .iter()
                .enumerate()
                .map(|(seq, e)| event(e, &digest, seq, timestamp_ms))
                .collect()
        })
        .unwrap_or_default()
}

pub fn balance_changes(record: &TxRecord) -> Vec<Value> {
    record
        .balance_changes
        .iter()
        .map(|d| {
            json!({
                "owner": { "AddressOwner": d.address.to_string() },
                "coinType": type_name(&d.coin_type),
                "amount": d.amount.to_string(),
            })
        })
        .collect()
}

/// The BCS of Sui's `SenderSignedData` (one transaction with its intent and signatures), the
/// `rawTransaction` the SDK decodes to learn the signatures and the transaction data.
pub fn sender_signed_data(transaction: &Transaction, signatures: &[UserSignature]) -> Vec<u8> {
    let signatures: Vec<Vec<u8>> = signatures.iter().map(UserSignature::to_bytes).collect();
    // Intent: scope TransactionData (0), version V0 (0), app Sui (0).
    bcs::to_bytes(&vec![([0u8, 0, 0], transaction, signatures)]).unwrap_or_default()
}

fn argument(arg: &Argument) -> Value {
    match arg {
        Argument::Gas => json!("GasCoin"),
        Argument::Input(i) => json!({ "Input": i }),
        Argument::Result(i) => json!({ "Result": i }),
        Argument::NestedResult(i, j) => json!({ "NestedResult": [i, j] }),
    }
}

fn arguments(args: &[Argument]) -> Value {
    Value::Array(args.iter().map(argument).collect())
}

/// `TransactionBlockData` (`showInput`): sender, gas data and the programmable transaction.
pub fn transaction_data(tx: &Transaction) -> Value {
    let kind = match &tx.kind {
        TransactionKind::ProgrammableTransaction(ptb) => {
            let inputs: Vec<Value> = ptb
                .inputs
                .iter()
                .map(|input| match input {
                    Input::Pure(bytes) => json!({ "type": "pure", "value": bytes }),
                    Input::ImmutableOrOwned(r) => json!({
                        "type": "object", "objectType": "immOrOwnedObject",
                        "objectId": r.object_id().to_string(), "version": r.version().to_string(),
                        "digest": r.digest().to_string(),
                    }),
                    Input::Receiving(r) => json!({
                        "type": "object", "objectType": "receiving",
                        "objectId": r.object_id().to_string(), "version": r.version().to_string(),
                        "digest": r.digest().to_string(),
                    }),
                    Input::Shared(s) => json!({
                        "type": "object", "objectType": "sharedObject",
                        "objectId": s.object_id().to_string(),
                        "initialSharedVersion": s.version().to_string(),
                        "mutable": !matches!(s.mutability(), sui_sdk_types::Mutability::Immutable),
                    }),
                    other => json!({ "type": "unknown", "value": format!("{other:?}") }),
                })
                .collect();
            let commands: Vec<Value> = ptb
                .commands
                .iter()
                .map(|command| match command {
                    Command::MoveCall(call) => json!({ "MoveCall": {
                        "package": call.package.to_string(),
                        "module": call.module.to_string(),
                        "function": call.function.to_string(),
                        "type_arguments": call.type_arguments.iter().map(type_name).collect::<Vec<_>>(),
                        "arguments": arguments(&call.arguments),
                    }}),
                    Command::TransferObjects(t) => {
                        json!({ "TransferObjects": [arguments(&t.objects), argument(&t.address)] })
                    }
                    Command::SplitCoins(s) => {
                        json!({ "SplitCoins": [argument(&s.coin), arguments(&s.amounts)] })
                    }
                    Command::MergeCoins(m) => {
                        json!({ "MergeCoins": [argument(&m.coin), arguments(&m.coins_to_merge)] })
                    }
                    Command::MakeMoveVector(v) => json!({ "MakeMoveVec": [
                        v.type_.as_ref().map(type_name), arguments(&v.elements)
                    ]}),
                    Command::Publish(p) => json!({
                        "Publish": p.dependencies.iter().map(ToString::to_string).collect::<Vec<_>>()
                    }),
                    other => json!({ "Unknown": format!("{other:?}") }),
                })
                .collect();
            json!({ "kind": "ProgrammableTransaction", "inputs": inputs, "transactions": commands })
        }
        other => {
            let name = format!("{other:?}");
            let name = name
                .split(['(', ' ', '{'])
                .next()
                .unwrap_or("Unknown")
                .to_owned();
            json!({ "kind": name })
        }
    };
    json!({
        "messageVersion": "v1",
        "transaction": kind,
        "sender": tx.sender.to_string(),
        "gasData": {
            "payment": tx.gas_payment.objects.iter().map(|r| json!({
                "objectId": r.object_id().to_string(), "version": r.version(),
                "digest": r.digest().to_string(),
            })).collect::<Vec<_>>(),
            "owner": tx.gas_payment.owner.to_string(),
            "price": tx.gas_payment.price.to_string(),
            "budget": tx.gas_payment.budget.to_string(),
        },
    })
}

/// Sui's digest of a deleted object's last reference (`ObjectDigest::OBJECT_DIGEST_DELETED`).
pub fn deleted_digest() -> Digest {
    Digest::new([99; 32])
}

/// Sui's digest of a wrapped object's last reference (`ObjectDigest::OBJECT_DIGEST_WRAPPED`).
pub fn wrapped_digest() -> Digest {
    Digest::new([88; 32])
}

/// An execution status as Sui's JSON-RPC writes it, and the `abortError` the SDK reads to
/// report a Move abort with its module, function and code.
fn status(status: &ExecutionStatus) -> (Value, Option<Value>) {
    match status {
        ExecutionStatus::Success => (json!({ "status": "success" }), None),
        ExecutionStatus::Failure { error, command } => {
            let suffix = command
                .map(|c| format!(" in command {c}"))
                .unwrap_or_default();
            match error {
                sui_sdk_types::ExecutionError::MoveAbort { location, code } => {
                    let function = location
                        .function_name
                        .as_ref()
                        .map(|f| format!("Some(\"{f}\")"))
                        .unwrap_or_else(|| "None".to_owned());
                    // Sui writes the module's address as Move's `AccountAddress` debugs it:
                    // 64 hex digits without `0x` (dapps' abort parsers match exactly that).
                    let message = format!(
                        "MoveAbort(MoveLocation {{ module: ModuleId {{ address: {}, name: Identifier(\"{}\") }}, function: {}, instruction: {}, function_name: {function} }}, {code}){suffix}",
                        hex::encode(location.package.as_bytes()),
                        location.module,
                        location.function,
                        location.instruction,
                    );
                    let abort = json!({
                        "module_id": format!("{}::{}", location.package, location.module),
                        "function": location.function_name.as_ref().map(ToString::to_string),
                        "line": null,
                        "error_code": code,
                    });
                    (
                        json!({ "status": "failure", "error": message }),
                        Some(abort),
                    )
                }
                other => (
                    json!({ "status": "failure", "error": format!("{other:?}{suffix}") }),
                    None,
                ),
            }
        }
    }
}

fn reference(id: Address, version: u64, digest: Digest) -> Value {
    json!({ "objectId": id.to_string(), "version": version, "digest": digest.to_string() })
}

/// `TransactionBlockEffects` (`messageVersion: v1`) from the effects the devnet records.
pub fn effects(effects: &TransactionEffects) -> Value {
    let TransactionEffects::V2(fx) = effects else {
        return json!({ "messageVersion": "v1", "status": { "status": "success" } });
    };
    use sui_sdk_types::{IdOperation, ObjectIn, ObjectOut};
    let lamport = fx.lamport_version;
    let (mut created, mut mutated, mut deleted, mut wrapped, mut unwrapped, mut unwrapped_deleted) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let mut modified = vec![];
    let mut shared = vec![];
    for change in &fx.changed_objects {
        let id = change.object_id;
        if let ObjectIn::Exist {
            version,
            digest,
            owner,
        } = &change.input_state
        {
            modified
                .push(json!({ "objectId": id.to_string(), "sequenceNumber": version.to_string() }));
            if matches!(owner, Owner::Shared(_)) {
                shared.push(reference(id, *version, *digest));
            }
        }
        let existed = matches!(change.input_state, ObjectIn::Exist { .. });
        match (&change.output_state, change.id_operation) {
            (ObjectOut::ObjectWrite { digest, owner: o }, IdOperation::Created) => created
                .push(json!({ "owner": owner(o), "reference": reference(id, lamport, *digest) })),
            (ObjectOut::PackageWrite { version, digest }, _) => created.push(
                json!({ "owner": "Immutable", "reference": reference(id, *version, *digest) }),
            ),
            (ObjectOut::ObjectWrite { digest, owner: o }, _) => {
                let entry =
                    json!({ "owner": owner(o), "reference": reference(id, lamport, *digest) });
                if existed {
                    mutated.push(entry)
                } else {
                    unwrapped.push(entry)
                }
            }
            (ObjectOut::NotExist, IdOperation::Deleted) if existed => {
                deleted.push(reference(id, lamport, deleted_digest()))
            }
            (ObjectOut::NotExist, IdOperation::Deleted) => {
                unwrapped_deleted.push(reference(id, lamport, deleted_digest()))
            }
            (ObjectOut::NotExist, _) if existed => {
                wrapped.push(reference(id, lamport, wrapped_digest()))
            }
            _ => {}
        }
    }
    for unchanged in &fx.unchanged_consensus_objects {
        if let sui_sdk_types::UnchangedConsensusKind::ReadOnlyRoot { version, digest } =
            &unchanged.kind
        {
            shared.push(reference(unchanged.object_id, *version, *digest));
        }
    }
    let gas_object = fx
        .gas_object_index
        .and_then(|i| fx.changed_objects.get(i as usize))
        .and_then(|change| match &change.output_state {
            ObjectOut::ObjectWrite { digest, owner: o } => Some(json!({
                "owner": owner(o), "reference": reference(change.object_id, lamport, *digest)
            })),
            _ => None,
        })
        .unwrap_or_else(|| {
            json!({
                "owner": { "AddressOwner": Address::ZERO.to_string() },
                "reference": reference(Address::ZERO, 0, Digest::new([0; 32])),
            })
        });
    let (status, abort) = status(&fx.status);
    let mut out = json!({
        "messageVersion": "v1",
        "status": status,
        "executedEpoch": fx.epoch.to_string(),
        "gasUsed": {
            "computationCost": fx.gas_used.computation_cost.to_string(),
            "storageCost": fx.gas_used.storage_cost.to_string(),
            "storageRebate": fx.gas_used.storage_rebate.to_string(),
            "nonRefundableStorageFee": fx.gas_used.non_refundable_storage_fee.to_string(),
        },
        "modifiedAtVersions": modified,
        "transactionDigest": fx.transaction_digest.to_string(),
        "gasObject": gas_object,
        "dependencies": fx.dependencies.iter().map(ToString::to_string).collect::<Vec<_>>(),
    });
    let mut put = |name: &str, list: Vec<Value>| {
        if !list.is_empty() {
            out[name] = Value::Array(list);
        }
    };
    put("sharedObjects", shared);
    put("created", created);
    put("mutated", mutated);
    put("deleted", deleted);
    put("wrapped", wrapped);
    put("unwrapped", unwrapped);
    put("unwrappedThenDeleted", unwrapped_deleted);
    if let Some(digest) = fx.events_digest {
        out["eventsDigest"] = json!(digest.to_string());
    }
    if let Some(abort) = abort {
        out["abortError"] = abort;
    }
    out
}

/// `objectChanges`: one entry per object the transaction created, mutated, deleted, wrapped or
/// published, each with its type.
pub fn object_changes(record: &TxRecord, known_types: &HashMap<Address, String>) -> Vec<Value> {
    let TransactionEffects::V2(fx) = &record.effects else {
        return vec![];
    };
    use sui_sdk_types::{IdOperation, ObjectIn, ObjectOut};
    let sender = record.transaction.sender.to_string();
    let written: HashMap<Address, &Object> =
        record.written.iter().map(|o| (o.object_id(), o)).collect();
    let mut out = vec![];
    for change in &fx.changed_objects {
        let id = change.object_id;
        let object = written.get(&id);
        let ty = object
            .map(|o| object_type(o))
            .or_else(|| known_types.get(&id).cloned());
        let input_version = match &change.input_state {
            ObjectIn::Exist { version, .. } => Some(*version),
            _ => None,
        };
        match (&change.output_state, object) {
            (ObjectOut::PackageWrite { version, digest }, _) => {
                let modules: Vec<String> = match object.map(|o| o.data()) {
                    Some(ObjectData::Package(p)) => {
                        p.modules.keys().map(ToString::to_string).collect()
                    }
                    _ => vec![],
                };
                out.push(json!({
                    "type": "published", "packageId": id.to_string(),
                    "version": version.to_string(), "digest": digest.to_string(), "modules": modules,
                }));
            }
            (ObjectOut::ObjectWrite { digest, owner: o }, Some(written)) => {
                let mut entry = json!({
                    "type": if change.id_operation == IdOperation::Created || input_version.is_none() { "created" } else { "mutated" },
                    "sender": sender, "owner": owner(o), "objectType": object_type(written),
                    "objectId": id.to_string(), "version": written.version().to_string(),
                    "digest": digest.to_string(),
                });
                if let (Some(previous), "mutated") =
                    (input_version, entry["type"].as_str().unwrap_or(""))
                {
                    entry["previousVersion"] = json!(previous.to_string());
                }
                out.push(entry);
            }
            (ObjectOut::NotExist, _) if input_version.is_some() => {
                let Some(ty) = ty else { continue };
                let kind = if change.id_operation == IdOperation::Deleted {
                    "deleted"
                } else {
                    "wrapped"
                };
                out.push(json!({
                    "type": kind, "sender": sender, "objectType": ty,
                    "objectId": id.to_string(), "version": fx.lamport_version.to_string(),
                }));
            }
            _ => {}
        }
    }
    out
}
