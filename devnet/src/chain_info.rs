//! Answers about the chain as a whole that a full node reads from its system objects: the
//! epoch with its system state and protocol config, dynamic fields of an object, and a coin
//! type's metadata (from the currency its package's code creates).
//!
//! The devnet has no Sui system objects: it stays in epoch 0, with one protocol version, the
//! fixed reference gas price, and the limits its executor enforces.

use std::collections::BTreeMap;

use sui_rpc::proto::sui::rpc::v2 as proto;
use sui_sdk_types::{Address, Owner, StructTag, TypeTag};

use crate::execute::REFERENCE_GAS_PRICE;
use crate::ledger::Ledger;
use crate::move_model::MoveModel;

/// The devnet's protocol version: one set of rules since genesis.
pub const PROTOCOL_VERSION: u64 = 1;

/// Epoch 0, started at genesis (`start_ms`), with its system state and protocol config.
pub fn epoch(start_ms: u64) -> proto::Epoch {
    let mut state = proto::SystemState::default();
    state.version = Some(2);
    state.epoch = Some(0);
    state.protocol_version = Some(PROTOCOL_VERSION);
    state.reference_gas_price = Some(REFERENCE_GAS_PRICE);
    state.epoch_start_timestamp_ms = Some(start_ms);
    state.safe_mode = Some(false);
    state.safe_mode_storage_rewards = Some(0);
    state.safe_mode_computation_rewards = Some(0);
    state.safe_mode_storage_rebates = Some(0);
    state.safe_mode_non_refundable_storage_fee = Some(0);
    let mut parameters = proto::SystemParameters::default();
    // The chain never changes epoch by itself.
    parameters.epoch_duration_ms = Some(u64::MAX);
    parameters.stake_subsidy_start_epoch = Some(0);
    parameters.min_validator_count = Some(1);
    parameters.max_validator_count = Some(1);
    parameters.min_validator_joining_stake = Some(0);
    parameters.validator_low_stake_threshold = Some(0);
    parameters.validator_very_low_stake_threshold = Some(0);
    parameters.validator_low_stake_grace_period = Some(0);
    state.parameters = Some(parameters);
    let mut fund = proto::StorageFund::default();
    fund.total_object_storage_rebates = Some(0);
    fund.non_refundable_balance = Some(0);
    state.storage_fund = Some(fund);
    let mut subsidy = proto::StakeSubsidy::default();
    subsidy.balance = Some(0);
    subsidy.distribution_counter = Some(0);
    subsidy.current_distribution_amount = Some(0);
    subsidy.stake_subsidy_period_length = Some(0);
    subsidy.stake_subsidy_decrease_rate = Some(0);
    state.stake_subsidy = Some(subsidy);

    let mut config = proto::ProtocolConfig::default();
    config.protocol_version = Some(PROTOCOL_VERSION);
    config.attributes = BTreeMap::from([
        (
            "max_tx_gas".to_owned(),
            crate::resolve::MAX_GAS_BUDGET.to_string(),
        ),
        ("max_gas_payment_objects".to_owned(), "256".to_owned()),
        (
            "reference_gas_price".to_owned(),
            REFERENCE_GAS_PRICE.to_string(),
        ),
        (
            "base_tx_cost_fixed".to_owned(),
            crate::execute::BASE_UNITS.to_string(),
        ),
        (
            "command_cost".to_owned(),
            crate::execute::UNITS_PER_COMMAND.to_string(),
        ),
    ]);

    let mut epoch = proto::Epoch::default();
    epoch.epoch = Some(0);
    epoch.reference_gas_price = Some(REFERENCE_GAS_PRICE);
    epoch.first_checkpoint = Some(0);
    epoch.start = Some(sui_rpc::proto::timestamp_ms_to_proto(start_ms));
    epoch.system_state = Some(Box::new(state));
    epoch.protocol_config = Some(config);
    epoch
}

/// The dynamic fields of `parent` (objects owned by it of type `0x2::dynamic_field::Field`),
/// ordered by field ID, starting after `after`; and the last ID when more remain.
pub fn dynamic_fields(
    ledger: &Ledger,
    parent: Address,
    after: Option<Address>,
    page_size: usize,
) -> (Vec<proto::DynamicField>, Option<Address>) {
    let mut fields: Vec<(Address, &sui_sdk_types::Object)> = ledger
        .objects()
        .filter(|o| matches!(o.owner(), Owner::Object(p) if *p == parent))
        .filter(|o| after.is_none_or(|a| o.object_id() > a))
        .map(|o| (o.object_id(), o))
        .collect();
    fields.sort_by_key(|(id, _)| *id);
    let more = fields.len() > page_size;
    fields.truncate(page_size);
    let next = more.then(|| fields.last().map(|(id, _)| *id)).flatten();
    let out = fields
        .into_iter()
        .filter_map(|(id, object)| dynamic_field(parent, id, object))
        .collect();
    (out, next)
}

fn dynamic_field(
    parent: Address,
    id: Address,
    object: &sui_sdk_types::Object,
) -> Option<proto::DynamicField> {
    let (tag, contents, _) = crate::objects::struct_parts(object)?;
    if *tag.address() != Address::TWO
        || tag.module().as_str() != "dynamic_field"
        || tag.name().as_str() != "Field"
    {
        return None;
    }
    let [name_type, value_type] = tag.type_params() else {
        return None;
    };
    let rest = contents.get(32..)?;
    let name_len = crate::render::value_len(name_type, rest)?;
    let (name, value) = rest.split_at(name_len);
    // A dynamic object field: `Field<Wrapper<K>, ID>` whose value names the child object.
    let wrapped = match name_type {
        TypeTag::Struct(s)
            if *s.address() == Address::TWO
                && s.module().as_str() == "dynamic_object_field"
                && s.name().as_str() == "Wrapper" =>
        {
            s.type_params().first().cloned()
        }
        _ => None,
    };
    let mut field = proto::DynamicField::default();
    field.parent = Some(parent.to_string());
    field.field_id = Some(id.to_string());
    field.field_object = Some(crate::render::object(
        object,
        &sui_rpc::field::FieldMaskTree::new_wildcard(),
    ));
    let bcs = |name: String, bytes: &[u8]| {
        let mut out = proto::Bcs::default();
        out.name = Some(name);
        out.value = Some(bytes.to_vec().into());
        out
    };
    match wrapped {
        Some(inner) => {
            field.kind = Some(proto::dynamic_field::DynamicFieldKind::Object as i32);
            field.name = Some(bcs(inner.to_string(), name));
            let child: [u8; 32] = value.try_into().ok()?;
            field.child_id = Some(Address::new(child).to_string());
            field.value_type = Some(format!("{}::object::ID", Address::TWO));
        }
        None => {
            field.kind = Some(proto::dynamic_field::DynamicFieldKind::Field as i32);
            field.name = Some(bcs(name_type.to_string(), name));
            field.value = Some(bcs(value_type.to_string(), value));
            field.value_type = Some(value_type.to_string());
        }
    }
    Some(field)
}

/// The metadata of a coin type: SUI's, or what the `init` of the coin's module passes to
/// `coin_registry::new_currency_with_otw` or `coin::create_currency` (decimals, symbol, name,
/// description, icon URL), read from the package's source.
pub fn coin_metadata(coin: &StructTag) -> Option<proto::CoinMetadata> {
    let mut metadata = proto::CoinMetadata::default();
    if *coin.address() == Address::TWO && coin.module().as_str() == "sui" && coin.name() == "SUI" {
        metadata.decimals = Some(9);
        metadata.name = Some("Sui".to_owned());
        metadata.symbol = Some("SUI".to_owned());
        metadata.description = Some(String::new());
        return Some(metadata);
    }
    let package = MoveModel::get().package(coin.address())?;
    let source = package.sources.get(coin.module().as_str())?;
    let args = currency_call_args(source)?;
    // (otw, decimals, symbol, name, description, icon_url, ctx)
    let decimals = integer_arg(source, args.get(1)?)?;
    metadata.decimals = Some(u32::try_from(decimals).ok()?);
    metadata.symbol = Some(string_arg(args.get(2)?)?);
    metadata.name = Some(string_arg(args.get(3)?)?);
    metadata.description = Some(string_arg(args.get(4)?)?);
    metadata.icon_url = args
        .get(5)
        .and_then(|a| string_arg(a))
        .filter(|url| !url.is_empty());
    Some(metadata)
}

/// The arguments (as source text, split at top-level commas) of the first currency-creating
/// call in a module's source.
fn currency_call_args(source: &str) -> Option<Vec<String>> {
    let start = ["new_currency_with_otw(", "create_currency("]
        .iter()
        .find_map(|call| source.find(call).map(|i| i + call.len()))?;
    let mut depth = 0usize;
    let mut args = Vec::new();
    let mut current = String::new();
    let mut in_string = false;
    for c in source[start..].chars() {
        if in_string {
            current.push(c);
            if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                current.push(c);
            }
            '(' | '[' | '{' => {
                depth += 1;
                current.push(c);
            }
            ')' | ']' | '}' if depth == 0 => {
                if !current.trim().is_empty() {
                    args.push(current.trim().to_owned());
                }
                return Some(args);
            }
            ')' | ']' | '}' => {
                depth -= 1;
                current.push(c);
            }
            ',' if depth == 0 => {
                args.push(current.trim().to_owned());
                current.clear();
            }
            _ => current.push(c),
        }
    }
    None
}

/// `9`, `9u8` or the name of an integer constant of the module.
fn integer_arg(source: &str, arg: &str) -> Option<u64> {
    let digits = arg.trim_end_matches(char::is_alphabetic).replace('_', "");
    if let Ok(n) = digits.parse() {
        return Some(n);
    }
    let declaration = format!("const {arg}:");
    let line = source
        .lines()
        .find(|l| l.trim_start().starts_with(&declaration))?;
    let value = line.split('=').nth(1)?.trim().trim_end_matches(';').trim();
    value
        .trim_end_matches(char::is_alphabetic)
        .replace('_', "")
        .parse()
        .ok()
}

/// The text of `b"…"`, `string::utf8(b"…")`, `"…"` or `option::some(url::new_unsafe(…"…"))`.
fn string_arg(arg: &str) -> Option<String> {
    if arg.contains("none") {
        return Some(String::new());
    }
    let start = arg.find('"')? + 1;
    let end = start + arg[start..].find('"')?;
    Some(arg[start..end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wal_metadata_comes_from_its_init() {
        let wal = StructTag::new(
            crate::floe::PACKAGE_ID,
            "wal".parse().unwrap(),
            "WAL".parse().unwrap(),
            vec![],
        );
        let metadata = coin_metadata(&wal).unwrap();
        assert_eq!(metadata.decimals, Some(9));
        assert_eq!(metadata.symbol.as_deref(), Some("WAL"));
        assert_eq!(metadata.name.as_deref(), Some("Floe WAL"));
        assert!(
            metadata
                .description
                .unwrap()
                .starts_with("Pays for storage")
        );
        assert_eq!(metadata.icon_url, None);
        assert_eq!(coin_metadata(&StructTag::sui()).unwrap().decimals, Some(9));
    }
}
