//! Transaction resolution, as Sui full nodes do it in `SimulateTransaction`: a structured
//! (non-BCS) `Transaction` whose inputs may name objects by ID only, or give pure values as JSON
//! literals, becomes a complete transaction:
//!
//! - an object named by ID becomes an owned/immutable reference (its current version and
//!   digest), a `Receiving` reference when a Move call takes it as `Receiving<_>`, or a shared
//!   input with its initial shared version, mutable when any use needs it mutably (`&mut` or by
//!   value in a Move call, or any `SplitCoins`/`MergeCoins`/`MakeMoveVec`);
//! - a literal becomes BCS of the type the Move function signature (or the command) expects;
//! - gas: owner defaults to the sender, price to the reference gas price, budget to the gas
//!   coins' balance (or the maximum without coins); [`select_gas`] and [`estimate_budget`] do
//!   `do_gas_selection`.
//!
//! Signatures come from [`crate::move_model`], since the devnet holds no bytecode.

use std::str::FromStr as _;

use sui_rpc::proto::sui::rpc::v2 as proto;
use sui_sdk_types::{
    Address, Argument, Command, Digest, GasPayment, Input, Object, ObjectReference, Owner,
    SharedInput, StructTag, Transaction, TransactionExpiration, TransactionKind, TypeTag,
};
use tonic::Status;

use crate::execute::REFERENCE_GAS_PRICE;
use crate::ledger::Ledger;
use crate::move_model::{MoveModel, Reference};
use crate::objects::{self, ObjectSource};

/// The most gas a transaction may budget (Sui's `max_tx_gas`): 50 SUI.
pub const MAX_GAS_BUDGET: u64 = 50_000_000_000;
/// Gas units added to an estimate as a safety margin (Sui's `GAS_SAFE_OVERHEAD`).
const GAS_SAFE_OVERHEAD: u64 = 1_000;
/// At most this many coins pay for gas (Sui's `max_gas_payment_objects`).
const MAX_GAS_PAYMENT_OBJECTS: usize = 256;
/// MIST in the mock gas coin a simulation without gas coins runs with.
const MOCK_GAS_BALANCE: u64 = 1_000_000_000 * crate::config::MIST_PER_SUI;

/// A resolved transaction and what the request left to the server.
pub struct Resolved {
    pub transaction: Transaction,
    /// The request named no gas budget (so an estimate may replace the default).
    pub budget_missing: bool,
}

fn invalid(message: impl Into<String>) -> Status {
    Status::invalid_argument(message.into())
}

fn parse_address(value: &str, field: &str) -> Result<Address, Status> {
    Address::from_str(value)
        .map_err(|e| invalid(format!("`{field}` {value:?} is not an address: {e}")))
}

/// Resolves a transaction given in structured form with inputs that may be incomplete.
pub fn resolve(
    ledger: &Ledger,
    model: &MoveModel,
    unresolved: &proto::Transaction,
) -> Result<Resolved, Status> {
    let sender = parse_address(
        unresolved
            .sender
            .as_deref()
            .ok_or_else(|| invalid("`transaction.sender` is required"))?,
        "transaction.sender",
    )?;
    let ptb = unresolved
        .kind
        .as_ref()
        .and_then(|k| k.programmable_transaction_opt())
        .ok_or_else(|| {
            invalid(
                "`transaction.kind.programmable_transaction` is required to resolve a transaction",
            )
        })?;
    let commands = ptb
        .commands
        .iter()
        .map(Command::try_from)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("invalid command: {e}")))?;
    let inputs = ptb
        .inputs
        .iter()
        .enumerate()
        .map(|(index, input)| resolve_input(ledger, model, &commands, index, input))
        .collect::<Result<Vec<_>, _>>()?;

    let (gas_payment, budget_missing) = match &unresolved.gas_payment {
        Some(gas) => {
            let mut payment = Vec::with_capacity(gas.objects.len());
            let mut total: u64 = 0;
            for reference in &gas.objects {
                let id = parse_address(reference.object_id(), "gas_payment.objects.object_id")?;
                let object = ledger
                    .get_object(&id)
                    .ok_or_else(|| Status::not_found(format!("gas coin {id} does not exist")))?;
                let value = gas_coin_value(object)
                    .ok_or_else(|| invalid(format!("object {id} is not a valid gas coin")))?;
                total = total.saturating_add(value);
                payment.push(checked_reference(
                    object,
                    reference.version,
                    reference.digest.as_deref(),
                )?);
            }
            let default_budget = if payment.is_empty() {
                MAX_GAS_BUDGET
            } else {
                total.min(MAX_GAS_BUDGET)
            };
            let owner = match gas.owner.as_deref() {
                Some(owner) if !owner.is_empty() => parse_address(owner, "gas_payment.owner")?,
                _ => sender,
            };
            (
                GasPayment {
                    objects: payment,
                    owner,
                    price: gas.price.unwrap_or(REFERENCE_GAS_PRICE),
                    budget: gas.budget.unwrap_or(default_budget),
                },
                gas.budget.is_none(),
            )
        }
        None => (
            GasPayment {
                objects: Vec::new(),
                owner: sender,
                price: REFERENCE_GAS_PRICE,
                budget: MAX_GAS_BUDGET,
            },
            true,
        ),
    };
    let expiration = match &unresolved.expiration {
        Some(expiration) => TransactionExpiration::try_from(expiration)
            .map_err(|e| invalid(format!("invalid expiration: {e}")))?,
        None => TransactionExpiration::None,
    };
    Ok(Resolved {
        transaction: Transaction {
            kind: TransactionKind::ProgrammableTransaction(
                sui_sdk_types::ProgrammableTransaction { inputs, commands },
            ),
            sender,
            gas_payment,
            expiration,
        },
        budget_missing,
    })
}

/// The value of a `Coin<SUI>`.
fn gas_coin_value(object: &Object) -> Option<u64> {
    let (tag, contents, _) = objects::struct_parts(object)?;
    (*tag == StructTag::gas_coin()).then(|| objects::coin_value(contents))?
}

/// The object's current reference, checked against a version and digest the request gave.
fn checked_reference(
    object: &Object,
    version: Option<u64>,
    digest: Option<&str>,
) -> Result<ObjectReference, Status> {
    let id = object.object_id();
    match object.owner() {
        Owner::Address(_) | Owner::Immutable => {}
        _ => {
            return Err(invalid(format!(
                "object {id} is not Immutable or AddressOwned"
            )));
        }
    }
    if let Some(version) = version
        && version != object.version()
    {
        return Err(invalid(format!(
            "object {id}: provided version {version} doesn't match the current version {}",
            object.version()
        )));
    }
    let current = object.digest();
    if let Some(digest) = digest {
        let given = Digest::from_str(digest)
            .map_err(|e| invalid(format!("object {id}: digest {digest:?} is invalid: {e}")))?;
        if given != current {
            return Err(invalid(format!(
                "object {id}: provided digest {given} doesn't match the current digest {current}"
            )));
        }
    }
    Ok(ObjectReference::new(id, object.version(), current))
}

fn resolve_input(
    ledger: &Ledger,
    model: &MoveModel,
    commands: &[Command],
    index: usize,
    input: &proto::Input,
) -> Result<Input, Status> {
    use proto::input::InputKind;
    let kind = input.kind.map(|_| input.kind());
    let object_id = input
        .object_id
        .as_deref()
        .map(|id| parse_address(id, "input.object_id"))
        .transpose()?;
    let object = |id: &Address| {
        ledger
            .get_object(id)
            .ok_or_else(|| Status::not_found(format!("input {index}: object {id} does not exist")))
    };
    match (kind, &input.pure, object_id, &input.literal) {
        (None | Some(InputKind::Pure), Some(pure), None, None) => Ok(Input::Pure(pure.to_vec())),
        (Some(InputKind::ImmutableOrOwned), None, Some(id), None) => Ok(Input::ImmutableOrOwned(
            checked_reference(object(&id)?, input.version, input.digest.as_deref())?,
        )),
        (Some(InputKind::Receiving), None, Some(id), None) => Ok(Input::Receiving(
            checked_reference(object(&id)?, input.version, input.digest.as_deref())?,
        )),
        (Some(InputKind::Shared), None, Some(id), None) => {
            shared_input(model, commands, index, object(&id)?, input.mutable)
        }
        (None, None, Some(id), None) => {
            let object = object(&id)?;
            match object.owner() {
                Owner::Immutable => Ok(Input::ImmutableOrOwned(checked_reference(
                    object,
                    input.version,
                    input.digest.as_deref(),
                )?)),
                Owner::Address(_) => {
                    let reference =
                        checked_reference(object, input.version, input.digest.as_deref())?;
                    if used_as_receiving(model, commands, index)? {
                        Ok(Input::Receiving(reference))
                    } else {
                        Ok(Input::ImmutableOrOwned(reference))
                    }
                }
                Owner::Shared(_) | Owner::ConsensusAddress { .. } => {
                    shared_input(model, commands, index, object, None)
                }
                _ => Err(invalid(format!(
                    "input {index}: object {id} is owned by an object and cannot be an input"
                ))),
            }
        }
        (None, None, None, Some(literal)) => Ok(Input::Pure(resolve_literal(
            model, commands, index, literal,
        )?)),
        _ => Err(invalid(format!("input {index}: invalid unresolved input"))),
    }
}

/// A shared input at its initial shared version, mutable if any use needs it so (or the
/// request said so).
fn shared_input(
    model: &MoveModel,
    commands: &[Command],
    index: usize,
    object: &Object,
    mutable: Option<bool>,
) -> Result<Input, Status> {
    let id = object.object_id();
    let initial = match object.owner() {
        Owner::Shared(initial) => *initial,
        Owner::ConsensusAddress { start_version, .. } => *start_version,
        _ => return Err(invalid(format!("object {id} is not a shared object"))),
    };
    let mut needs_mutable = mutable.unwrap_or(false);
    for (command, position) in arg_uses(index, commands) {
        match (command, position) {
            (Command::MoveCall(call), Some(position)) => {
                let param = parameter(model, call, position)?;
                if param.reference != Reference::Immutable {
                    needs_mutable = true;
                }
            }
            (Command::SplitCoins(_) | Command::MergeCoins(_) | Command::MakeMoveVector(_), _) => {
                needs_mutable = true;
            }
            _ => {}
        }
    }
    Ok(Input::Shared(SharedInput::new(id, initial, needs_mutable)))
}

fn used_as_receiving(
    model: &MoveModel,
    commands: &[Command],
    index: usize,
) -> Result<bool, Status> {
    for (command, position) in arg_uses(index, commands) {
        if let (Command::MoveCall(call), Some(position)) = (command, position)
            && parameter(model, call, position)?.ty.is_receiving()
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The signature of the `position`th argument of a Move call.
fn parameter<'m>(
    model: &'m MoveModel,
    call: &sui_sdk_types::MoveCall,
    position: usize,
) -> Result<&'m crate::move_model::Param, Status> {
    let function = model
        .function(&call.package, call.module.as_str(), call.function.as_str())
        .ok_or_else(|| {
            invalid(format!(
                "unable to find function {}::{}::{}",
                call.package, call.module, call.function
            ))
        })?;
    function.call_parameters().get(position).ok_or_else(|| {
        invalid(format!(
            "{}::{}::{} takes {} arguments; argument {position} has no parameter",
            call.package,
            call.module,
            call.function,
            function.call_parameters().len()
        ))
    })
}

/// Every command using input `index`, with where in the command (for Move calls and the
/// object lists; `None` for a coin or an address position).
fn arg_uses(index: usize, commands: &[Command]) -> Vec<(&Command, Option<usize>)> {
    let is = |arg: &Argument| matches!(arg, Argument::Input(i) if usize::from(*i) == index);
    let position = |args: &[Argument]| args.iter().position(is);
    commands
        .iter()
        .filter_map(|command| {
            let found = match command {
                Command::MoveCall(call) => position(&call.arguments).map(Some),
                Command::TransferObjects(t) => {
                    if is(&t.address) {
                        Some(None)
                    } else {
                        position(&t.objects).map(Some)
                    }
                }
                Command::SplitCoins(s) => {
                    if is(&s.coin) {
                        Some(None)
                    } else {
                        position(&s.amounts).map(Some)
                    }
                }
                Command::MergeCoins(m) => {
                    if is(&m.coin) {
                        Some(None)
                    } else {
                        position(&m.coins_to_merge).map(Some)
                    }
                }
                Command::MakeMoveVector(v) => position(&v.elements).map(Some),
                Command::Upgrade(u) => is(&u.ticket).then_some(None),
                _ => None,
            };
            found.map(|p| (command, p))
        })
        .collect()
}

/// BCS of a JSON literal, typed by its first use: a Move call parameter (instantiated with the
/// call's type arguments), a `SplitCoins` amount (`u64`) or a `TransferObjects` address.
fn resolve_literal(
    model: &MoveModel,
    commands: &[Command],
    index: usize,
    literal: &prost_types::Value,
) -> Result<Vec<u8>, Status> {
    let Some((command, position)) = arg_uses(index, commands).into_iter().next() else {
        return Err(invalid(format!(
            "input {index}: a literal that no command uses has no type"
        )));
    };
    let ty = match (command, position) {
        (Command::MoveCall(call), Some(position)) => {
            let param = parameter(model, call, position)?;
            param.ty.instantiate(&call.type_arguments).ok_or_else(|| {
                invalid(format!(
                    "input {index}: the parameter's type needs type arguments the call does not give"
                ))
            })?
        }
        (Command::SplitCoins(_), Some(_)) => TypeTag::U64,
        (Command::TransferObjects(_), None) => TypeTag::Address,
        _ => {
            return Err(invalid(format!(
                "input {index}: cannot tell the type of a literal used this way"
            )));
        }
    };
    let value = prost_value_to_json(literal);
    let mut out = Vec::new();
    literal_bcs(&ty, &value, &mut out).map_err(|e| {
        invalid(format!(
            "input {index}: literal {value} is not a valid {ty}: {e}"
        ))
    })?;
    Ok(out)
}

fn prost_value_to_json(value: &prost_types::Value) -> serde_json::Value {
    use prost_types::value::Kind;
    match &value.kind {
        None | Some(Kind::NullValue(_)) => serde_json::Value::Null,
        Some(Kind::NumberValue(n)) => serde_json::Number::from_f64(*n)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        Some(Kind::StringValue(s)) => serde_json::Value::String(s.clone()),
        Some(Kind::BoolValue(b)) => serde_json::Value::Bool(*b),
        Some(Kind::StructValue(s)) => serde_json::Value::Object(
            s.fields
                .iter()
                .map(|(k, v)| (k.clone(), prost_value_to_json(v)))
                .collect(),
        ),
        Some(Kind::ListValue(l)) => {
            serde_json::Value::Array(l.values.iter().map(prost_value_to_json).collect())
        }
    }
}

fn uleb128(mut n: usize, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// An unsigned integer from a JSON number or decimal string.
fn integer(value: &serde_json::Value) -> Result<u128, String> {
    match value {
        serde_json::Value::Number(n) => n
            .as_u64()
            .map(u128::from)
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                    .map(|f| f as u128)
            })
            .ok_or_else(|| format!("{n} is not an unsigned integer")),
        serde_json::Value::String(s) => s
            .parse::<u128>()
            .map_err(|e| format!("{s:?} is not an unsigned integer: {e}")),
        other => Err(format!("{other} is not an integer")),
    }
}

/// Writes `value` as BCS of `ty` (the pure types a transaction may pass).
fn literal_bcs(ty: &TypeTag, value: &serde_json::Value, out: &mut Vec<u8>) -> Result<(), String> {
    use serde_json::Value as J;
    let fits = |n: u128, bits: u32| {
        if bits < 128 && n >> bits != 0 {
            Err(format!("{n} does not fit in u{bits}"))
        } else {
            Ok(n)
        }
    };
    match ty {
        TypeTag::Bool => match value {
            J::Bool(b) => out.push(u8::from(*b)),
            other => return Err(format!("{other} is not a bool")),
        },
        TypeTag::U8 => out.push(fits(integer(value)?, 8)? as u8),
        TypeTag::U16 => out.extend((fits(integer(value)?, 16)? as u16).to_le_bytes()),
        TypeTag::U32 => out.extend((fits(integer(value)?, 32)? as u32).to_le_bytes()),
        TypeTag::U64 => out.extend((fits(integer(value)?, 64)? as u64).to_le_bytes()),
        TypeTag::U128 => out.extend(integer(value)?.to_le_bytes()),
        TypeTag::U256 => {
            let J::String(s) = value else {
                let n = integer(value)?;
                out.extend(n.to_le_bytes());
                out.extend([0u8; 16]);
                return Ok(());
            };
            out.extend(u256_le(s)?);
        }
        TypeTag::Address => match value {
            J::String(s) => out.extend(
                Address::from_str(s)
                    .map_err(|e| format!("{s:?} is not an address: {e}"))?
                    .as_bytes(),
            ),
            other => return Err(format!("{other} is not an address")),
        },
        TypeTag::Vector(inner) => match (inner.as_ref(), value) {
            (TypeTag::U8, J::String(s)) => {
                uleb128(s.len(), out);
                out.extend(s.as_bytes());
            }
            (_, J::Array(items)) => {
                uleb128(items.len(), out);
                for item in items {
                    literal_bcs(inner, item, out)?;
                }
            }
            (_, other) => return Err(format!("{other} is not a list")),
        },
        TypeTag::Struct(tag) => {
            let is = |a: &str, m: &str, n: &str| {
                *tag.address() == Address::from_str(a).expect("valid")
                    && tag.module().as_str() == m
                    && tag.name().as_str() == n
            };
            if is("0x1", "string", "String") || is("0x1", "ascii", "String") {
                let J::String(s) = value else {
                    return Err(format!("{value} is not a string"));
                };
                if is("0x1", "ascii", "String") && !s.is_ascii() {
                    return Err(format!("{s:?} is not ASCII"));
                }
                uleb128(s.len(), out);
                out.extend(s.as_bytes());
            } else if is("0x2", "object", "ID") {
                literal_bcs(&TypeTag::Address, value, out)?;
            } else if is("0x1", "option", "Option") {
                match value {
                    J::Null => out.push(0),
                    some => {
                        out.push(1);
                        let inner = tag
                            .type_params()
                            .first()
                            .ok_or("Option without a type argument")?;
                        literal_bcs(inner, some, out)?;
                    }
                }
            } else {
                return Err(format!("{tag} is not a pure type"));
            }
        }
        other => return Err(format!("{other} is not a pure type")),
    }
    Ok(())
}

/// A decimal (or `0x` hex) u256 as 32 little-endian bytes.
fn u256_le(text: &str) -> Result<[u8; 32], String> {
    let mut out = [0u8; 32];
    if let Some(hex) = text.strip_prefix("0x") {
        let bytes = hex::decode(format!("{hex:0>64}")).map_err(|e| e.to_string())?;
        if bytes.len() != 32 {
            return Err(format!("{text} does not fit in u256"));
        }
        for (i, b) in bytes.iter().rev().enumerate() {
            out[i] = *b;
        }
        return Ok(out);
    }
    for c in text.chars() {
        let digit = c
            .to_digit(10)
            .ok_or_else(|| format!("{text:?} is not a number"))?;
        // out = out * 10 + digit, little-endian.
        let mut carry = digit;
        for byte in &mut out {
            let v = u32::from(*byte) * 10 + carry;
            *byte = (v & 0xff) as u8;
            carry = v >> 8;
        }
        if carry != 0 {
            return Err(format!("{text} does not fit in u256"));
        }
    }
    Ok(out)
}

/// A `Coin<SUI>` for simulations without gas coins: owned by `owner`, holding far more than any
/// budget, at an ID no real object has.
pub fn mock_gas_coin(owner: Address) -> Object {
    objects::gas_coin(Address::new([0xff; 32]), MOCK_GAS_BALANCE, owner, 1)
}

/// The ledger with one extra object.
pub struct WithObject<'a> {
    pub base: &'a Ledger,
    pub extra: Object,
}

impl ObjectSource for WithObject<'_> {
    fn object(&self, id: &Address) -> Option<&Object> {
        if *id == self.extra.object_id() {
            Some(&self.extra)
        } else {
            self.base.object(id)
        }
    }
}

/// `transaction` paying with a mock gas coin (for simulations without gas coins), and the
/// ledger view that holds it.
pub fn with_mock_gas<'a>(
    ledger: &'a Ledger,
    transaction: &Transaction,
) -> (WithObject<'a>, Transaction) {
    let coin = mock_gas_coin(transaction.gas_payment.owner);
    let mut mocked = transaction.clone();
    mocked.gas_payment.objects = vec![ObjectReference::new(
        coin.object_id(),
        coin.version(),
        coin.digest(),
    )];
    (
        WithObject {
            base: ledger,
            extra: coin,
        },
        mocked,
    )
}

/// The budget a transaction needs, from its dry run's gas cost with Sui's safety margin
/// (`1000 × reference gas price` on top of the computation cost and net storage cost).
pub fn estimate_budget(cost: &sui_sdk_types::GasCostSummary, price: u64) -> u64 {
    let net = (cost.computation_cost + cost.storage_cost).saturating_sub(cost.storage_rebate);
    cost.computation_cost
        .max(net)
        .saturating_add(GAS_SAFE_OVERHEAD.saturating_mul(price))
        .min(MAX_GAS_BUDGET)
}

/// Picks the gas owner's `Coin<SUI>` objects not used as inputs, as Sui does: all of them up
/// to the payment limit (they are merged into the first at execution), and fails if they
/// cannot cover the budget.
pub fn select_gas(ledger: &Ledger, transaction: &mut Transaction) -> Result<(), Status> {
    let owner = transaction.gas_payment.owner;
    let used: Vec<Address> = match &transaction.kind {
        TransactionKind::ProgrammableTransaction(ptb) => ptb
            .inputs
            .iter()
            .filter_map(|input| match input {
                Input::ImmutableOrOwned(r) | Input::Receiving(r) => Some(*r.object_id()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let mut coins: Vec<(ObjectReference, u64)> = ledger
        .owned_objects(&owner, None)
        .filter(|o| !used.contains(&o.object_id()))
        .filter(|o| matches!(o.owner(), Owner::Address(_)))
        .filter_map(|o| {
            gas_coin_value(o).map(|v| {
                (
                    ObjectReference::new(o.object_id(), o.version(), o.digest()),
                    v,
                )
            })
        })
        .collect();
    // The richest first, so a budget is met with the fewest coins when they are capped.
    coins.sort_by_key(|c| std::cmp::Reverse(c.1));
    coins.truncate(MAX_GAS_PAYMENT_OBJECTS);
    let total: u64 = coins.iter().map(|(_, v)| *v).fold(0, u64::saturating_add);
    let budget = transaction.gas_payment.budget;
    if total < budget {
        return Err(invalid(format!(
            "Unable to perform gas selection due to insufficient SUI balance for account {owner} \
             to satisfy required budget {budget}: its coins hold {total} MIST"
        )));
    }
    transaction.gas_payment.objects = coins.into_iter().map(|(r, _)| r).collect();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_encode_as_bcs() {
        let mut out = Vec::new();
        literal_bcs(&TypeTag::U64, &serde_json::json!("5"), &mut out).unwrap();
        assert_eq!(out, bcs::to_bytes(&5u64).unwrap());
        let mut out = Vec::new();
        let string = TypeTag::from_str("0x1::string::String").unwrap();
        literal_bcs(&string, &serde_json::json!("hé"), &mut out).unwrap();
        assert_eq!(out, bcs::to_bytes("hé").unwrap());
        let mut out = Vec::new();
        let option = TypeTag::from_str("0x1::option::Option<u8>").unwrap();
        literal_bcs(&option, &serde_json::json!(7), &mut out).unwrap();
        assert_eq!(out, bcs::to_bytes(&Some(7u8)).unwrap());
        assert_eq!(u256_le("256").unwrap()[..2], [0, 1]);
        assert!(literal_bcs(&TypeTag::U8, &serde_json::json!(300), &mut Vec::new()).is_err());
    }
}
