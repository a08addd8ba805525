//! Validating and executing one signed programmable transaction.
//!
//! Validation failures (bad signature, missing or stale object, gas budget below the fee
//! or above the gas coins) reject the transaction: nothing changes, nothing is charged.
//! Once validated, a transaction always produces effects: either every command
//! succeeded and all its writes apply, or one failed and only the gas fee is charged
//! (mutable inputs still get new versions, as on Sui).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sui_crypto::SuiVerifier as _;
use sui_crypto::UserSignatureVerifier;
use sui_sdk_types::{
    Address, ChangedObject, Command, CommandArgumentError, Digest, ExecutionError, ExecutionStatus,
    GasCostSummary, IdOperation, Identifier, Input, MultisigMemberPublicKey, Object, ObjectIn,
    ObjectOut, Owner, SimpleSignature, StructTag, Transaction, TransactionEffects,
    TransactionEffectsV2, TransactionEvents, TransactionKind, TypeTag, UnchangedConsensusKind,
    UnchangedConsensusObject, UserSignature,
};

use crate::arguments::Arguments;
use crate::conservation;
use crate::handlers::{self, HandlerRegistry};
use crate::move_model::{MoveModel, Reference};
use crate::objects::{self, ObjectSource};
use crate::runtime::{CallContext, Runtime, Value, bad_arg};

/// The reference gas price: the lowest price a transaction may offer.
pub const REFERENCE_GAS_PRICE: u64 = 1_000;
/// Computation units every transaction pays for.
pub const BASE_UNITS: u64 = 1_000;
/// Computation units per command.
pub const UNITS_PER_COMMAND: u64 = 100;

/// The fee a transaction is charged: `price × (BASE_UNITS + UNITS_PER_COMMAND × commands)`.
/// Deterministic and independent of what the commands do, so tests can predict it.
pub fn fee(price: u64, commands: usize) -> u64 {
    price.saturating_mul(BASE_UNITS + UNITS_PER_COMMAND * commands as u64)
}

/// Why a transaction was refused before execution.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Rejection {
    #[error("{0}")]
    BadSignature(String),
    #[error("{0}")]
    ObjectNotFound(String),
    #[error("{0}")]
    StaleObject(String),
    #[error("{0}")]
    InsufficientGas(String),
    #[error("{0}")]
    Invalid(String),
}

/// The net change of one address's balance of one coin type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceDelta {
    pub address: Address,
    pub coin_type: TypeTag,
    pub amount: i128,
}

/// Everything an executed transaction changed; what the write-ahead log stores.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TxRecord {
    pub transaction: Transaction,
    pub signatures: Vec<UserSignature>,
    pub effects: TransactionEffects,
    pub events: Option<TransactionEvents>,
    /// Objects created or mutated, at their new versions.
    pub written: Vec<Object>,
    pub deleted: Vec<Address>,
    pub balance_changes: Vec<BalanceDelta>,
    pub timestamp_ms: u64,
}

impl TxRecord {
    pub fn digest(&self) -> Digest {
        *self.effects.transaction_digest()
    }
}

/// Checks that `signatures` are exactly those the transaction needs, as Sui requires: one by
/// the sender and, when someone else pays the gas (a sponsored transaction), one by the gas
/// owner, in any order, nothing else. A signature is an ed25519 one or a multisig whose
/// members sign with ed25519 (the address is the committee's); each must verify over `tx`.
pub fn verify_signatures(tx: &Transaction, signatures: &[UserSignature]) -> Result<(), Rejection> {
    if signatures.is_empty() {
        return Err(Rejection::BadSignature(
            "the transaction carries no signature".to_owned(),
        ));
    }
    let gas_owner = tx.gas_payment.owner;
    let sponsored = gas_owner != tx.sender;
    let required = if sponsored {
        format!(
            "the sender's ({}) and the gas owner's ({gas_owner})",
            tx.sender
        )
    } else {
        format!("the sender's ({})", tx.sender)
    };
    let expected = if sponsored { 2 } else { 1 };
    if signatures.len() != expected {
        return Err(Rejection::BadSignature(format!(
            "expected {expected} signature(s), {required}, got {}",
            signatures.len()
        )));
    }
    let mut signed = BTreeSet::new();
    for signature in signatures {
        let signer = signer(signature)?;
        if signer != tx.sender && signer != gas_owner {
            return Err(Rejection::BadSignature(format!(
                "a signature is by {signer}, who is neither the sender {} nor the gas owner {gas_owner}; the transaction needs {required}",
                tx.sender
            )));
        }
        if !signed.insert(signer) {
            return Err(Rejection::BadSignature(format!(
                "two signatures by {signer}; the transaction needs {required}"
            )));
        }
        UserSignatureVerifier::new()
            .verify_transaction(tx, signature)
            .map_err(|e| {
                Rejection::BadSignature(format!(
                    "the signature by {signer} does not verify for this transaction: {e}"
                ))
            })?;
    }
    Ok(())
}

/// The address a signature speaks for: an ed25519 key's, or a multisig committee's.
fn signer(signature: &UserSignature) -> Result<Address, Rejection> {
    let unsupported = |what: &str| {
        Rejection::BadSignature(format!(
            "{what} signatures are not supported by floe-devnet (ed25519 and multisig of ed25519 keys are)"
        ))
    };
    match signature {
        UserSignature::Simple(SimpleSignature::Ed25519 { public_key, .. }) => {
            Ok(public_key.derive_address())
        }
        UserSignature::Multisig(multisig) => {
            let committee = multisig.committee();
            for member in committee.members() {
                let scheme = match member.public_key() {
                    MultisigMemberPublicKey::Ed25519(_) => continue,
                    MultisigMemberPublicKey::Secp256k1(_) => "secp256k1",
                    MultisigMemberPublicKey::Secp256r1(_) => "secp256r1",
                    MultisigMemberPublicKey::ZkLogin(_) => "zkLogin",
                    MultisigMemberPublicKey::Passkey(_) => "passkey",
                    _ => "unknown-scheme",
                };
                return Err(unsupported(&format!("multisig with a {scheme} member")));
            }
            Ok(committee.derive_address())
        }
        UserSignature::ZkLogin(_) => Err(unsupported(
            "zkLogin (verifying one needs the OAuth providers' JWKs, which the devnet does not fetch)",
        )),
        other => Err(unsupported(&format!("{:?}", other.scheme()))),
    }
}

/// A validated input object.
struct LoadedInput {
    object: Object,
    mutable: bool,
}

fn load_checked(
    source: &dyn ObjectSource,
    id: Address,
    version: u64,
    digest: &Digest,
    what: &str,
) -> Result<Object, Rejection> {
    let object = source.object(&id).ok_or_else(|| {
        Rejection::ObjectNotFound(format!("{what} {id} does not exist (or was deleted)"))
    })?;
    if object.version() != version || object.digest() != *digest {
        return Err(Rejection::StaleObject(format!(
            "{what} {id} is at version {} (digest {}), the transaction names version {version} (digest {digest}); fetch the object again",
            object.version(),
            object.digest()
        )));
    }
    if objects::struct_parts(object).is_none() {
        return Err(Rejection::Invalid(format!(
            "{what} {id} is a package, not an object"
        )));
    }
    Ok(object.clone())
}

/// What a command returned, captured for `SimulateTransaction`: the BCS of each value
/// and, for objects, their Move type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    pub bcs: Vec<u8>,
    pub object_type: Option<StructTag>,
}

/// A transaction executed without being committed, and its commands' return values
/// (empty when a command failed).
#[derive(Debug, Clone)]
pub struct Simulation {
    pub record: TxRecord,
    pub command_outputs: Vec<Vec<CommandOutput>>,
}

/// Validates and executes a signed transaction against `source`.
pub fn execute(
    source: &impl ObjectSource,
    registry: &HandlerRegistry,
    tx: &Transaction,
    signatures: &[UserSignature],
    timestamp_ms: u64,
) -> Result<TxRecord, Rejection> {
    precheck(tx, signatures)?;
    execute_checked(source, registry, tx, signatures, timestamp_ms)
}

/// The checks of [`execute`] that need no chain state: the transaction's kind and its
/// signature. Split out so that they run on the submitting task, in parallel, rather than on
/// the executor thread that every transaction queues for.
pub fn precheck(tx: &Transaction, signatures: &[UserSignature]) -> Result<(), Rejection> {
    if !matches!(tx.kind, TransactionKind::ProgrammableTransaction(_)) {
        return Err(Rejection::Invalid(
            "only programmable transactions can be submitted".to_owned(),
        ));
    }
    verify_signatures(tx, signatures)
}

/// [`execute`] for a transaction that passed [`precheck`].
pub fn execute_checked(
    source: &impl ObjectSource,
    registry: &HandlerRegistry,
    tx: &Transaction,
    signatures: &[UserSignature],
    timestamp_ms: u64,
) -> Result<TxRecord, Rejection> {
    let record = run(source, registry, tx, signatures, timestamp_ms, false)?.record;
    if cfg!(debug_assertions) {
        check_conservation(source, registry, &record)?;
    }
    Ok(record)
}

/// The [`conservation`] checks (SUI, owners and versions, the registry's invariants) of an
/// executed transaction; a violation rejects it, so a handler bug never reaches the ledger.
fn check_conservation(
    source: &impl ObjectSource,
    registry: &HandlerRegistry,
    record: &TxRecord,
) -> Result<(), Rejection> {
    let executed = conservation::Executed {
        before: source,
        sender: record.transaction.sender,
        gas_owner: record.transaction.gas_payment.owner,
        effects: &record.effects,
        events: record.events.as_ref().map_or(&[], |e| e.0.as_slice()),
        written: &record.written,
        deleted: &record.deleted,
    };
    conservation::check(&executed, registry.invariants()).map_err(|violation| {
        tracing::error!(digest = %record.digest(), %violation, "conservation check failed");
        Rejection::Invalid(format!(
            "transaction {} broke the devnet's conservation rules: {violation}",
            record.digest()
        ))
    })
}

/// Executes `tx` against `source` like [`execute`] but without checking signatures, and
/// captures what each command returned. Nothing is applied: the caller decides.
pub fn simulate(
    source: &impl ObjectSource,
    registry: &HandlerRegistry,
    tx: &Transaction,
    timestamp_ms: u64,
) -> Result<Simulation, Rejection> {
    run(source, registry, tx, &[], timestamp_ms, true)
}

fn run(
    source: &dyn ObjectSource,
    registry: &HandlerRegistry,
    tx: &Transaction,
    signatures: &[UserSignature],
    timestamp_ms: u64,
    capture: bool,
) -> Result<Simulation, Rejection> {
    let TransactionKind::ProgrammableTransaction(ptb) = &tx.kind else {
        return Err(Rejection::Invalid(
            "only programmable transactions can be submitted".to_owned(),
        ));
    };
    let digest = tx.digest();
    let sender = tx.sender;

    // Gas.
    let gas = &tx.gas_payment;
    if gas.price < REFERENCE_GAS_PRICE {
        return Err(Rejection::Invalid(format!(
            "gas price {} is below the reference gas price {REFERENCE_GAS_PRICE}",
            gas.price
        )));
    }
    let fee = fee(gas.price, ptb.commands.len());
    if gas.budget < fee {
        return Err(Rejection::InsufficientGas(format!(
            "gas budget {} MIST is below this transaction's fee of {fee} MIST",
            gas.budget
        )));
    }
    if gas.objects.is_empty() {
        return Err(Rejection::Invalid("no gas coin given".to_owned()));
    }
    let mut gas_objects = Vec::new();
    let mut gas_total: u64 = 0;
    let mut seen = BTreeSet::new();
    for reference in &gas.objects {
        let (id, version, digest) = reference.clone().into_parts();
        if !seen.insert(id) {
            return Err(Rejection::Invalid(format!("gas coin {id} is listed twice")));
        }
        let object = load_checked(source, id, version, &digest, "gas coin")?;
        if objects::address_owner(&object) != Some(gas.owner) {
            let payer = if gas.owner == sender {
                format!("the sender {sender}")
            } else {
                format!("the gas owner {}", gas.owner)
            };
            return Err(Rejection::Invalid(format!(
                "gas coin {id} is not owned by {payer}"
            )));
        }
        let (type_, contents, _) = objects::struct_parts(&object).expect("checked above");
        if *type_ != StructTag::gas_coin() {
            return Err(Rejection::Invalid(format!(
                "gas object {id} is a {type_}, not a Coin<SUI>"
            )));
        }
        gas_total = gas_total.saturating_add(objects::coin_value(contents).unwrap_or(0));
        gas_objects.push(object);
    }
    if gas_total < gas.budget {
        return Err(Rejection::InsufficientGas(format!(
            "the gas coins hold {gas_total} MIST, less than the gas budget of {} MIST",
            gas.budget
        )));
    }

    // Inputs.
    let mut inputs = Vec::with_capacity(ptb.inputs.len());
    let mut loaded: Vec<LoadedInput> = Vec::new();
    for (index, input) in ptb.inputs.iter().enumerate() {
        match input {
            Input::Pure(bytes) => inputs.push(Value::Pure(bytes.clone())),
            Input::ImmutableOrOwned(reference) => {
                let (id, version, digest) = reference.clone().into_parts();
                if !seen.insert(id) {
                    return Err(Rejection::Invalid(format!(
                        "object {id} is used twice as an input (or as input and gas)"
                    )));
                }
                let object = load_checked(source, id, version, &digest, "input object")?;
                let mutable = match object.owner() {
                    Owner::Address(owner) if *owner == sender => true,
                    Owner::Immutable => false,
                    Owner::Address(owner) => {
                        return Err(Rejection::Invalid(format!(
                            "input {index}: object {id} is owned by {owner}, not by the sender {sender}"
                        )));
                    }
                    Owner::Shared(_) | Owner::ConsensusAddress { .. } => {
                        return Err(Rejection::Invalid(format!(
                            "input {index}: object {id} is shared; pass it as a shared input"
                        )));
                    }
                    Owner::Object(_) => {
                        return Err(Rejection::Invalid(format!(
                            "input {index}: object {id} is owned by another object"
                        )));
                    }
                    _ => {
                        return Err(Rejection::Invalid(format!(
                            "input {index}: object {id} has an unsupported owner"
                        )));
                    }
                };
                inputs.push(Value::Object(id));
                loaded.push(LoadedInput { object, mutable });
            }
            Input::Shared(shared) => {
                let id = shared.object_id();
                if !seen.insert(id) {
                    return Err(Rejection::Invalid(format!(
                        "object {id} is used twice as an input"
                    )));
                }
                let object = source.object(&id).ok_or_else(|| {
                    Rejection::ObjectNotFound(format!(
                        "input {index}: shared object {id} does not exist"
                    ))
                })?;
                match object.owner() {
                    Owner::Shared(initial) if *initial == shared.version() => {}
                    Owner::Shared(initial) => {
                        return Err(Rejection::Invalid(format!(
                            "input {index}: shared object {id} was shared at version {initial}, the transaction says {}",
                            shared.version()
                        )));
                    }
                    _ => {
                        return Err(Rejection::Invalid(format!(
                            "input {index}: object {id} is not shared"
                        )));
                    }
                }
                inputs.push(Value::Object(id));
                loaded.push(LoadedInput {
                    object: object.clone(),
                    mutable: shared.mutability().is_mutable(),
                });
            }
            _ => {
                return Err(Rejection::Invalid(format!(
                    "input {index}: receiving and funds-withdrawal inputs are not supported by floe-devnet"
                )));
            }
        }
    }

    // Run the commands against a fresh working set.
    let gas_id = gas_objects[0].object_id();
    let mut runtime = fresh_runtime(digest, sender, timestamp_ms, &gas_objects, &loaded);
    let mut command_outputs = Vec::new();
    let mut status = run_commands(
        &mut runtime,
        source,
        registry,
        &ptb.commands,
        &inputs,
        gas_id,
        capture.then_some(&mut command_outputs),
    );
    if status.is_ok() {
        status = check_leftovers(&runtime, gas_id, fee);
    }
    let status = match status {
        Ok(()) => ExecutionStatus::Success,
        Err(failure) => {
            let (error, command) = *failure;
            // Throw the work away (dynamic fields included): only gas is charged.
            runtime = fresh_runtime(digest, sender, timestamp_ms, &gas_objects, &loaded);
            command_outputs.clear();
            ExecutionStatus::Failure { error, command }
        }
    };
    // Charge the fee (the leftover check guarantees the balance covers it).
    {
        let coin = runtime
            .objects
            .get_mut(&gas_id)
            .expect("the gas coin is in the working set");
        let balance = objects::coin_value(&coin.contents).unwrap_or(0);
        objects::set_coin_value(&mut coin.contents, balance.saturating_sub(fee));
    }

    Ok(Simulation {
        record: finish(tx, signatures, runtime, status, fee, gas_id, timestamp_ms),
        command_outputs,
    })
}

/// The working set at the start: inputs loaded and the gas coins merged into the first.
fn fresh_runtime(
    digest: Digest,
    sender: Address,
    timestamp_ms: u64,
    gas_objects: &[Object],
    loaded: &[LoadedInput],
) -> Runtime {
    let mut runtime = Runtime::new(digest, sender, timestamp_ms);
    for object in gas_objects {
        runtime.load(object, true);
    }
    for input in loaded {
        runtime.load(&input.object, input.mutable);
    }
    let gas_id = gas_objects[0].object_id();
    let mut total: u64 = 0;
    for object in gas_objects {
        total = total.saturating_add(
            objects::struct_parts(object)
                .and_then(|(_, c, _)| objects::coin_value(c))
                .unwrap_or(0),
        );
    }
    for object in &gas_objects[1..] {
        runtime.deleted.insert(object.object_id());
    }
    let coin = runtime
        .objects
        .get_mut(&gas_id)
        .expect("the gas coin was just loaded");
    objects::set_coin_value(&mut coin.contents, total);
    runtime
}

/// A failed command and its index; boxed because `ExecutionError` is large.
type Failure = Box<(ExecutionError, Option<u64>)>;

fn run_commands(
    runtime: &mut Runtime,
    source: &dyn ObjectSource,
    registry: &HandlerRegistry,
    commands: &[Command],
    inputs: &[Value],
    gas_id: Address,
    mut capture: Option<&mut Vec<Vec<CommandOutput>>>,
) -> Result<(), Failure> {
    let mut args = Arguments::new(inputs, gas_id);
    for (index, command) in commands.iter().enumerate() {
        args.begin_command();
        let values = run_command(runtime, source, registry, command, &mut args)
            .map_err(|e| Box::new((e, Some(index as u64))))?;
        if let Some(outputs) = capture.as_deref_mut() {
            outputs.push(values.iter().map(|v| output_of(runtime, v)).collect());
        }
        let copyable = results_copyable(command, &args, &values);
        args.push_results(values.into_iter().zip(copyable).collect());
    }
    Ok(())
}

/// Whether each value a command returned has `copy`: coins never; a Move call's values by
/// its signature's return types (a function the model does not know: objects not, pure
/// values yes); a vector by its element type.
fn results_copyable(command: &Command, args: &Arguments, values: &[Value]) -> Vec<bool> {
    let by_kind = |value: &Value| matches!(value, Value::Pure(_));
    match command {
        Command::MoveCall(call) => {
            let model = MoveModel::get();
            let returns = model
                .function(&call.package, call.module.as_str(), call.function.as_str())
                .map(|f| &f.returns)
                .filter(|returns| returns.len() == values.len());
            values
                .iter()
                .enumerate()
                .map(|(i, value)| {
                    returns
                        .and_then(|returns| {
                            let ret = &returns[i];
                            if ret.reference != Reference::Value {
                                return Some(true);
                            }
                            model.has_copy(&ret.ty.instantiate(&call.type_arguments)?)
                        })
                        .unwrap_or_else(|| by_kind(value))
                })
                .collect()
        }
        Command::MakeMoveVector(make) => {
            let copyable = match &make.type_ {
                Some(element) => MoveModel::get()
                    .has_copy(element)
                    .unwrap_or_else(|| make.elements.iter().all(|e| args.copyable(e))),
                None => make.elements.iter().all(|e| args.copyable(e)),
            };
            vec![copyable; values.len()]
        }
        _ => vec![false; values.len()],
    }
}

/// A value's BCS as a command returned it (objects: their current contents).
fn output_of(runtime: &Runtime, value: &Value) -> CommandOutput {
    match value {
        Value::Pure(bytes) => CommandOutput {
            bcs: bytes.clone(),
            object_type: None,
        },
        Value::Object(id) => match runtime.objects.get(id) {
            Some(working) => CommandOutput {
                bcs: working.contents.clone(),
                object_type: Some(working.type_.clone()),
            },
            None => CommandOutput {
                bcs: id.as_bytes().to_vec(),
                object_type: None,
            },
        },
    }
}

fn context<'a>(
    runtime: &'a mut Runtime,
    source: &'a dyn ObjectSource,
    package: Address,
    module: &'static str,
    function: &'static str,
) -> CallContext<'a> {
    CallContext {
        runtime,
        source,
        package,
        module: Identifier::from_static(module),
        function: Identifier::from_static(function),
    }
}

fn run_command(
    runtime: &mut Runtime,
    source: &dyn ObjectSource,
    registry: &HandlerRegistry,
    command: &Command,
    args: &mut Arguments,
) -> Result<Vec<Value>, ExecutionError> {
    match command {
        Command::SplitCoins(split) => {
            let coin = args.borrow(&split.coin, 0)?;
            let mut ctx = context(runtime, source, objects::FRAMEWORK, "coin", "split");
            let coin = ctx.object_id(&coin, 0)?;
            let working = ctx.runtime.get(&coin)?;
            if objects::coin_type_of(&working.type_).is_none() {
                return Err(bad_arg(0));
            }
            let mut balance =
                objects::coin_value(&working.contents).ok_or(ExecutionError::InvariantViolation)?;
            let mut created = Vec::with_capacity(split.amounts.len());
            for (i, amount) in split.amounts.iter().enumerate() {
                let position = i as u16 + 1;
                let amount: u64 = ctx.pure(&args.take(amount, position)?, position)?;
                balance = balance
                    .checked_sub(amount)
                    .ok_or(ExecutionError::InsufficientCoinBalance)?;
                created.push(Value::Object(handlers::new_coin(&mut ctx, &coin, amount)?));
            }
            handlers::set_balance(&mut ctx, &coin, balance)?;
            Ok(created)
        }
        Command::MergeCoins(merge) => {
            let target = args.borrow(&merge.coin, 0)?;
            let mut ctx = context(runtime, source, objects::FRAMEWORK, "coin", "join");
            let target = ctx.object_id(&target, 0)?;
            let coin_type = ctx.runtime.get(&target)?.type_.clone();
            if objects::coin_type_of(&coin_type).is_none() {
                return Err(bad_arg(0));
            }
            let mut total = objects::coin_value(&ctx.runtime.get(&target)?.contents)
                .ok_or(ExecutionError::InvariantViolation)?;
            for (i, source) in merge.coins_to_merge.iter().enumerate() {
                let position = i as u16 + 1;
                let source = ctx.object_id(&args.take(source, position)?, position)?;
                if source == args.gas_id() {
                    return Err(ExecutionError::CommandArgumentError {
                        argument: position,
                        kind: CommandArgumentError::InvalidGasCoinUsage,
                    });
                }
                if source == target {
                    return Err(ExecutionError::CommandArgumentError {
                        argument: position,
                        kind: CommandArgumentError::InvalidValueUsage,
                    });
                }
                let working = ctx.runtime.get(&source)?;
                if working.type_ != coin_type {
                    return Err(bad_arg(position));
                }
                let value = objects::coin_value(&working.contents)
                    .ok_or(ExecutionError::InvariantViolation)?;
                total = total
                    .checked_add(value)
                    .ok_or(ExecutionError::CoinBalanceOverflow)?;
                ctx.runtime.delete(&source)?;
            }
            handlers::set_balance(&mut ctx, &target, total)?;
            Ok(vec![])
        }
        Command::TransferObjects(transfer) => {
            let position = transfer.objects.len() as u16;
            let recipient = args.take(&transfer.address, position)?;
            let ctx = context(
                runtime,
                source,
                objects::FRAMEWORK,
                "transfer",
                "public_transfer",
            );
            let recipient: Address = ctx.pure(&recipient, position)?;
            for (i, object) in transfer.objects.iter().enumerate() {
                let position = i as u16;
                let id = ctx.object_id(&args.take(object, position)?, position)?;
                let working = ctx.runtime.get(&id)?;
                if !working.has_public_transfer {
                    return Err(ExecutionError::InvalidTransferObject);
                }
                if !matches!(working.owner, None | Some(Owner::Address(_))) {
                    return Err(ExecutionError::CommandArgumentError {
                        argument: position,
                        kind: CommandArgumentError::InvalidObjectByValue,
                    });
                }
                ctx.runtime.get_mut(&id)?.owner = Some(Owner::Address(recipient));
            }
            Ok(vec![])
        }
        Command::MoveCall(call) => {
            let handler = registry
                .get(&call.package, call.module.as_str(), call.function.as_str())
                .ok_or(ExecutionError::FunctionNotFound)?;
            // How the function takes each argument, from its Move signature; a function the
            // model does not know borrows them (nothing is moved).
            let parameters = MoveModel::get()
                .function(&call.package, call.module.as_str(), call.function.as_str())
                .map(|f| f.call_parameters());
            let mut values = Vec::with_capacity(call.arguments.len());
            for (i, argument) in call.arguments.iter().enumerate() {
                let position = i as u16;
                let by_value = parameters
                    .and_then(|p| p.get(i))
                    .is_some_and(|p| p.reference == Reference::Value);
                values.push(if by_value {
                    args.take(argument, position)?
                } else {
                    args.borrow(argument, position)?
                });
            }
            let mut ctx = CallContext {
                runtime,
                source,
                package: call.package,
                module: call.module.clone(),
                function: call.function.clone(),
            };
            handler(&mut ctx, &call.type_arguments, values)
        }
        Command::MakeMoveVector(make) => {
            // A vector of pure values is their BCS concatenation after a ULEB128 length.
            // Vectors of objects would need a vector value kind; not supported yet.
            let mut bytes = Vec::new();
            let mut len = make.elements.len();
            loop {
                let byte = (len & 0x7f) as u8;
                len >>= 7;
                if len == 0 {
                    bytes.push(byte);
                    break;
                }
                bytes.push(byte | 0x80);
            }
            for (i, element) in make.elements.iter().enumerate() {
                match args.take(element, i as u16)? {
                    Value::Pure(element) => bytes.extend_from_slice(&element),
                    Value::Object(_) => return Err(ExecutionError::FeatureNotYetSupported),
                }
            }
            Ok(vec![Value::Pure(bytes)])
        }
        _ => Err(ExecutionError::FeatureNotYetSupported),
    }
}

/// After the last command: every new object must have been stored somewhere, and the gas
/// coin must still exist and cover the fee.
fn check_leftovers(runtime: &Runtime, gas_id: Address, fee: u64) -> Result<(), Failure> {
    for (id, working) in &runtime.objects {
        if working.owner.is_none() && !runtime.deleted.contains(id) {
            return Err(Box::new((
                ExecutionError::UnusedValueWithoutDrop {
                    result: 0,
                    subresult: 0,
                },
                None,
            )));
        }
    }
    if runtime.deleted.contains(&gas_id) {
        return Err(Box::new((ExecutionError::InvalidGasObject, None)));
    }
    let balance = runtime
        .objects
        .get(&gas_id)
        .and_then(|g| objects::coin_value(&g.contents))
        .unwrap_or(0);
    if balance < fee {
        return Err(Box::new((ExecutionError::InsufficientGas, None)));
    }
    Ok(())
}

/// Turns the final working set into effects and the objects to store.
fn finish(
    tx: &Transaction,
    signatures: &[UserSignature],
    runtime: Runtime,
    status: ExecutionStatus,
    fee: u64,
    gas_id: Address,
    timestamp_ms: u64,
) -> TxRecord {
    let digest = runtime.tx_digest;
    let lamport_version = runtime
        .objects
        .values()
        .filter_map(|w| w.input.as_ref().map(|i| i.object.version()))
        .max()
        .unwrap_or(0)
        + 1;

    let mut changed_objects = Vec::new();
    let mut unchanged_consensus_objects = Vec::new();
    let mut written = Vec::new();
    let mut deleted = Vec::new();
    let mut dependencies = BTreeSet::new();
    let mut deltas: BTreeMap<(Address, TypeTag), i128> = BTreeMap::new();
    let mut gas_object_index = None;

    for (id, working) in &runtime.objects {
        let is_deleted = runtime.deleted.contains(id);
        if working.child
            && !is_deleted
            && working.input.as_ref().is_some_and(|input| {
                *input.object.owner() == working.owner.unwrap_or(Owner::Immutable)
                    && objects::struct_parts(&input.object).is_some_and(|(type_, contents, _)| {
                        *type_ == working.type_ && contents == working.contents.as_slice()
                    })
            })
        {
            // A dynamic field that was only read: not part of the effects, as on Sui.
            continue;
        }
        if let Some(input) = &working.input {
            let previous = input.object.previous_transaction();
            if previous != Digest::ZERO {
                dependencies.insert(previous);
            }
            if let (Some(owner), Some(coin_type), Some(value)) = (
                objects::address_owner(&input.object),
                objects::coin_type_of(&working.type_),
                objects::struct_parts(&input.object).and_then(|(_, c, _)| objects::coin_value(c)),
            ) {
                *deltas.entry((owner, coin_type.clone())).or_default() -= i128::from(value);
            }
        }
        match (&working.input, is_deleted) {
            (None, true) => continue,
            (Some(input), true) => {
                changed_objects.push(ChangedObject {
                    object_id: *id,
                    input_state: ObjectIn::Exist {
                        version: input.object.version(),
                        digest: input.object.digest(),
                        owner: *input.object.owner(),
                    },
                    output_state: ObjectOut::NotExist,
                    id_operation: if runtime.wrapped.contains(id) {
                        IdOperation::None
                    } else {
                        IdOperation::Deleted
                    },
                });
                deleted.push(*id);
                continue;
            }
            (Some(input), false) if !working.mutable => {
                if let Owner::Shared(_) = input.object.owner() {
                    unchanged_consensus_objects.push(UnchangedConsensusObject {
                        object_id: *id,
                        kind: UnchangedConsensusKind::ReadOnlyRoot {
                            version: input.object.version(),
                            digest: input.object.digest(),
                        },
                    });
                }
                continue;
            }
            _ => {}
        }
        let owner = match working
            .owner
            .expect("leftover check: every written object has an owner")
        {
            Owner::Shared(0) => Owner::Shared(lamport_version),
            owner => owner,
        };
        let object = objects::move_object(
            working.type_.clone(),
            working.has_public_transfer,
            lamport_version,
            working.contents.clone(),
            owner,
            digest,
        );
        if let (Some(address), Some(coin_type), Some(value)) = (
            objects::address_owner(&object),
            objects::coin_type_of(&working.type_),
            objects::coin_value(&working.contents),
        ) {
            *deltas.entry((address, coin_type.clone())).or_default() += i128::from(value);
        }
        let input_state = match &working.input {
            Some(input) => ObjectIn::Exist {
                version: input.object.version(),
                digest: input.object.digest(),
                owner: *input.object.owner(),
            },
            None => ObjectIn::NotExist,
        };
        if *id == gas_id {
            gas_object_index = Some(changed_objects.len() as u32);
        }
        changed_objects.push(ChangedObject {
            object_id: *id,
            input_state,
            output_state: ObjectOut::ObjectWrite {
                digest: object.digest(),
                owner,
            },
            id_operation: if working.input.is_some() || runtime.unwrapped.contains(id) {
                IdOperation::None
            } else {
                IdOperation::Created
            },
        });
        written.push(object);
    }

    let events = (!runtime.events.is_empty()).then(|| TransactionEvents(runtime.events));
    let effects = TransactionEffects::V2(Box::new(TransactionEffectsV2 {
        status,
        epoch: 0,
        gas_used: GasCostSummary {
            computation_cost: fee,
            storage_cost: 0,
            storage_rebate: 0,
            non_refundable_storage_fee: 0,
        },
        transaction_digest: digest,
        gas_object_index,
        events_digest: events.as_ref().map(TransactionEvents::digest),
        dependencies: dependencies.into_iter().collect(),
        lamport_version,
        changed_objects,
        unchanged_consensus_objects,
        auxiliary_data_digest: None,
    }));
    let balance_changes = deltas
        .into_iter()
        .filter(|(_, amount)| *amount != 0)
        .map(|((address, coin_type), amount)| BalanceDelta {
            address,
            coin_type,
            amount,
        })
        .collect();
    TxRecord {
        transaction: tx.clone(),
        signatures: signatures.to_vec(),
        effects,
        events,
        written,
        deleted,
        balance_changes,
        timestamp_ms,
    }
}
