//! What the devnet adds to `sui_rpc`'s proto conversions when it answers, the fields a full
//! node derives from Move types: a coin's `balance`, the `json` of objects and events (Sui's
//! JSON rendering of a Move value from its layout, the layouts from [`crate::move_model`]), and
//! the `object_type` of every changed object in effects.

use std::collections::HashMap;

use sui_rpc::field::FieldMaskTree;
use sui_rpc::merge::Merge as _;
use sui_rpc::proto::sui::rpc::v2 as proto;
use sui_sdk_types::{Address, Object, StructTag, TypeTag};

use crate::move_value::MoveValue;

/// `object` as the API returns it, cut to `mask`: what `sui_rpc` fills, `balance` for coins and
/// `json` for Move objects whose type the devnet knows.
pub fn object(object: &Object, mask: &FieldMaskTree) -> proto::Object {
    let mut message = proto::Object::merge_from(object.clone(), mask);
    if mask.contains(proto::Object::BALANCE_FIELD.name) {
        message.balance = coin_balance(object);
    }
    if mask.contains(proto::Object::JSON_FIELD.name)
        && let Some((tag, contents, _)) = crate::objects::struct_parts(object)
    {
        message.json = struct_json(tag, contents).map(|v| Box::new(to_prost(&v)));
    }
    message
}

/// The value of a `0x2::coin::Coin<T>` object.
pub fn coin_balance(object: &Object) -> Option<u64> {
    let (tag, contents, _) = crate::objects::struct_parts(object)?;
    tag.is_coin()?;
    crate::objects::coin_value(contents)
}

/// An executed transaction as the API returns it, cut to `mask`. `known_types` names the types
/// of objects the transaction deleted or wrapped (their last versions are gone from the ledger
/// once it executed).
///
/// The derived fields (objects' `balance` and `json`, changed objects' `object_type`, events'
/// `json`) cost a BCS decode and a Move layout walk each, so they are computed only when
/// `mask` asks for them: a client reading back the effects' BCS after each transaction (the
/// SDK does) pays neither for them nor for a copy of the whole message. Each top-level field
/// is masked on its own, so recomputing only the fields that carry derived values gives the
/// same message as enriching everything and masking afterwards.
pub fn executed_transaction(
    full: &proto::ExecutedTransaction,
    known_types: &HashMap<Address, String>,
    mask: &FieldMaskTree,
) -> proto::ExecutedTransaction {
    let mut out = proto::ExecutedTransaction::merge_from(full, mask);
    if mask.contains("objects.objects.balance") || mask.contains("objects.objects.json") {
        out.objects = full.objects.as_ref().map(|objects| {
            let mut objects = objects.clone();
            for object in &mut objects.objects {
                enrich_object(object);
            }
            let submask = mask
                .subtree(proto::ExecutedTransaction::OBJECTS_FIELD.name)
                .expect("the mask contains a path under `objects`");
            proto::ObjectSet::merge_from(&objects, &submask)
        });
    }
    if shows_object_types(mask) {
        out.effects = full.effects.as_ref().map(|effects| {
            let mut types: HashMap<String, String> = known_types
                .iter()
                .map(|(id, ty)| (id.to_string(), ty.clone()))
                .collect();
            for object in full.objects.iter().flat_map(|o| &o.objects) {
                if let (Some(id), Some(ty)) = (&object.object_id, &object.object_type) {
                    types.insert(id.clone(), ty.clone());
                }
            }
            let mut effects = effects.clone();
            for changed in &mut effects.changed_objects {
                if changed.object_type.is_none()
                    && let Some(id) = &changed.object_id
                {
                    changed.object_type = types.get(id).cloned();
                }
            }
            if let Some(gas) = &mut effects.gas_object
                && gas.object_type.is_none()
                && let Some(id) = &gas.object_id
            {
                gas.object_type = types.get(id).cloned();
            }
            let submask = mask
                .subtree(proto::ExecutedTransaction::EFFECTS_FIELD.name)
                .expect("the mask contains a path under `effects`");
            proto::TransactionEffects::merge_from(&effects, &submask)
        });
    }
    if mask.contains("events.events.json") {
        out.events = full.events.as_ref().map(|events| {
            let mut events = events.clone();
            for event in &mut events.events {
                if event.json.is_none()
                    && let (Some(ty), Some(contents)) = (&event.event_type, &event.contents)
                    && let Ok(tag) = ty.parse::<StructTag>()
                    && let Some(bytes) = &contents.value
                {
                    event.json = struct_json(&tag, bytes).map(|v| Box::new(to_prost(&v)));
                }
            }
            let submask = mask
                .subtree(proto::ExecutedTransaction::EVENTS_FIELD.name)
                .expect("the mask contains a path under `events`");
            proto::TransactionEvents::merge_from(&events, &submask)
        });
    }
    out
}

/// Whether `mask` shows the `object_type` of changed objects (the only use of the types of
/// deleted objects that [`executed_transaction`] takes).
pub fn shows_object_types(mask: &FieldMaskTree) -> bool {
    mask.contains("effects.changed_objects.object_type")
        || mask.contains("effects.gas_object.object_type")
}

/// Fills `balance` and `json` of a wildcard-rendered object from its BCS.
fn enrich_object(object: &mut proto::Object) {
    let Some(bcs) = &object.bcs else { return };
    let Ok(decoded) = bcs.deserialize::<Object>() else {
        return;
    };
    object.balance = coin_balance(&decoded);
    if let Some((tag, contents, _)) = crate::objects::struct_parts(&decoded) {
        object.json = struct_json(tag, contents).map(|v| Box::new(to_prost(&v)));
    }
}

/// Sui's JSON rendering of a Move struct value (BCS `bytes` of type `tag`), if the devnet knows
/// the layout of every type inside it.
pub fn struct_json(tag: &StructTag, bytes: &[u8]) -> Option<serde_json::Value> {
    value_json(&TypeTag::Struct(Box::new(tag.clone())), bytes)
}

/// Sui's JSON rendering of any Move value.
pub fn value_json(ty: &TypeTag, bytes: &[u8]) -> Option<serde_json::Value> {
    grpc_json(&crate::move_value::decode(ty, bytes)?)
}

/// How many bytes at the start of `bytes` are one BCS value of type `ty`.
pub fn value_len(ty: &TypeTag, bytes: &[u8]) -> Option<usize> {
    crate::move_value::decode_prefix(ty, bytes).map(|(_, len)| len)
}

/// gRPC's `json` of a decoded value: `u8`–`u32` numbers, wider integers strings, addresses,
/// IDs and UIDs hex strings, `vector<u8>` Base64, Move strings and `TypeName` plain strings,
/// an option `null` or its value, any other struct a map of its fields. Enums, and framework
/// structs whose content does not fit their conversion (a `String` that is not UTF-8), have
/// no rendering.
fn grpc_json(value: &MoveValue) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    Some(match value {
        MoveValue::Number(n) => J::from(*n),
        MoveValue::Bool(b) => J::Bool(*b),
        MoveValue::Address(a) | MoveValue::Uid(a) => J::String(a.to_string()),
        MoveValue::Bytes(bytes) => {
            use base64::Engine as _;
            J::String(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
        MoveValue::Vector(items) => J::Array(items.iter().map(grpc_json).collect::<Option<_>>()?),
        MoveValue::String(s) => J::String(s.clone()),
        MoveValue::Option(inner) => match inner {
            None => J::Null,
            Some(v) => grpc_json(v)?,
        },
        MoveValue::Struct { tag, fields } => {
            let one = crate::objects::short_id(1);
            let (address, module, name) =
                (*tag.address(), tag.module().as_str(), tag.name().as_str());
            let is = |a: Address, m: &str, n: &str| address == a && module == m && name == n;
            if is(one, "type_name", "TypeName") {
                return match fields.as_slice() {
                    [(_, MoveValue::String(s))] => Some(J::String(s.clone())),
                    _ => None,
                };
            }
            let unconverted = is(one, "string", "String")
                || is(one, "ascii", "String")
                || is(one, "option", "Option")
                || is(Address::TWO, "url", "Url")
                || is(Address::TWO, "object", "UID")
                || is(Address::TWO, "object", "ID")
                || is(Address::TWO, "balance", "Balance");
            if unconverted {
                return None;
            }
            let mut map = serde_json::Map::new();
            for (field, value) in fields {
                map.insert(field.clone(), grpc_json(value)?);
            }
            J::Object(map)
        }
        MoveValue::Variant { .. } => return None,
    })
}

/// A JSON value as a protobuf `Value`.
pub fn to_prost(value: &serde_json::Value) -> prost_types::Value {
    use prost_types::value::Kind;
    use serde_json::Value as J;
    let kind = match value {
        J::Null => Kind::NullValue(0),
        J::Bool(b) => Kind::BoolValue(*b),
        J::Number(n) => Kind::NumberValue(n.as_f64().unwrap_or(0.0)),
        J::String(s) => Kind::StringValue(s.clone()),
        J::Array(items) => Kind::ListValue(prost_types::ListValue {
            values: items.iter().map(to_prost).collect(),
        }),
        J::Object(map) => Kind::StructValue(prost_types::Struct {
            fields: map.iter().map(|(k, v)| (k.clone(), to_prost(v))).collect(),
        }),
    };
    prost_types::Value { kind: Some(kind) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rendering before it became mask-aware: every derived field on a copy of the whole
    /// message, then the mask.
    fn enrich_everything_then_mask(
        full: &proto::ExecutedTransaction,
        known_types: &HashMap<Address, String>,
        mask: &FieldMaskTree,
    ) -> proto::ExecutedTransaction {
        let mut full = full.clone();
        let mut types: HashMap<String, String> = known_types
            .iter()
            .map(|(id, ty)| (id.to_string(), ty.clone()))
            .collect();
        if let Some(objects) = &mut full.objects {
            for object in &mut objects.objects {
                if let (Some(id), Some(ty)) = (&object.object_id, &object.object_type) {
                    types.insert(id.clone(), ty.clone());
                }
                enrich_object(object);
            }
        }
        if let Some(effects) = &mut full.effects {
            for changed in &mut effects.changed_objects {
                if changed.object_type.is_none()
                    && let Some(id) = &changed.object_id
                {
                    changed.object_type = types.get(id).cloned();
                }
            }
            if let Some(gas) = &mut effects.gas_object
                && gas.object_type.is_none()
                && let Some(id) = &gas.object_id
            {
                gas.object_type = types.get(id).cloned();
            }
        }
        proto::ExecutedTransaction::merge_from(&full, mask)
    }

    #[test]
    fn mask_aware_rendering_equals_enriching_everything() {
        use sui_rpc::field::FieldMaskUtil as _;
        let mut keys = floe_sdk::Keystore::default();
        let sender = keys.generate();
        let key = keys.keys()[0].clone();
        let gas = crate::objects::gas_coin(crate::objects::short_id(3), 5_000_000_000, sender, 1);
        let coin = floe_sdk::tx::CoinRef {
            object_id: gas.object_id(),
            version: gas.version(),
            digest: gas.digest(),
            balance: 5_000_000_000,
        };
        let mut objects = HashMap::new();
        objects.insert(gas.object_id(), gas);
        let transaction =
            floe_sdk::tx::pay_sui(sender, &[coin], Address::TWO, 7, 10_000_000).unwrap();
        let signature = floe_sdk::tx::sign(&transaction, &key).unwrap();
        let registry = crate::handlers::HandlerRegistry::with_framework();
        let record =
            crate::execute::execute(&objects, &registry, &transaction, &[signature], 1).unwrap();
        let full = crate::ledger::executed_message(&record);
        // A deleted object's type, as the service passes it.
        let known: HashMap<Address, String> = [(
            crate::objects::short_id(99),
            "0x2::coin::Coin<0x2::sui::SUI>".to_owned(),
        )]
        .into();
        for paths in [
            "digest,effects.bcs,events,checkpoint,timestamp,balance_changes",
            "objects",
            "objects.objects.json",
            "objects.objects.object_id,objects.objects.balance",
            "effects",
            "effects.changed_objects.object_type",
            "effects.gas_object",
            "effects.status,checkpoint",
            "events.events.json",
            "digest,objects.objects.bcs,effects.changed_objects",
        ] {
            let mask = FieldMaskTree::from_field_mask(&sui_rpc::field::FieldMask::from_str(paths));
            assert_eq!(
                executed_transaction(&full, &known, &mask),
                enrich_everything_then_mask(&full, &known, &mask),
                "mask {paths}"
            );
        }
        let wildcard = FieldMaskTree::new_wildcard();
        let rendered = executed_transaction(&full, &known, &wildcard);
        assert_eq!(
            rendered,
            enrich_everything_then_mask(&full, &known, &wildcard)
        );
        // The derived fields are there: coins' balance and JSON, changed objects' types.
        let objects = &rendered.objects.as_ref().unwrap().objects;
        assert_eq!(objects.len(), 2);
        assert!(
            objects
                .iter()
                .all(|o| o.balance.is_some() && o.json.is_some())
        );
        let effects = rendered.effects.as_ref().unwrap();
        assert!(
            effects
                .changed_objects
                .iter()
                .all(|c| c.object_type.is_some())
        );
    }

    #[test]
    fn renders_coins_strings_options_and_ids() {
        let id = crate::objects::short_id(9);
        let coin = crate::objects::gas_coin(id, 77, Address::TWO, 3);
        let (tag, contents, _) = crate::objects::struct_parts(&coin).unwrap();
        assert_eq!(
            struct_json(tag, contents).unwrap(),
            serde_json::json!({ "id": id.to_string(), "balance": "77" })
        );
        let option: TypeTag = "0x1::option::Option<0x1::string::String>".parse().unwrap();
        let bytes = bcs::to_bytes(&Some("hi")).unwrap();
        assert_eq!(
            value_json(&option, &bytes).unwrap(),
            serde_json::json!("hi")
        );
        assert_eq!(
            value_json(&TypeTag::Vector(Box::new(TypeTag::U8)), &[2, 1, 2]).unwrap(),
            serde_json::json!("AQI=")
        );
        let mut le = [0u8; 32];
        le[0] = 1;
        le[1] = 1;
        assert_eq!(crate::move_value::u256_decimal(&le), "257");
        assert!(value_json(&TypeTag::U64, &[1, 2]).is_none());
    }

    /// The two renderings share one reader; what tells them apart stays apart: a `vector<u8>`
    /// (empty or not, also inside an `Option`) is Base64 for gRPC and numbers for JSON-RPC, a
    /// `UID` a string for gRPC and `{id}` for JSON-RPC, a `TypeName` a string for gRPC.
    #[test]
    fn one_reader_two_renderings() {
        let bytes_ty = TypeTag::Vector(Box::new(TypeTag::U8));
        assert_eq!(value_json(&bytes_ty, &[0]).unwrap(), serde_json::json!(""));
        let decoded = crate::move_value::decode(&bytes_ty, &[0]).unwrap();
        assert_eq!(decoded.to_json(), serde_json::json!([]));
        let option: TypeTag = "0x1::option::Option<u8>".parse().unwrap();
        assert_eq!(value_json(&option, &[1, 7]).unwrap(), serde_json::json!(7));
        assert_eq!(value_json(&option, &[0]).unwrap(), serde_json::Value::Null);
        assert!(
            value_json(&option, &[2, 7, 8]).is_none(),
            "an option holds one value at most"
        );
        let uid: TypeTag = "0x2::object::UID".parse().unwrap();
        let id = crate::objects::short_id(5);
        assert_eq!(
            value_json(&uid, id.as_bytes()).unwrap(),
            serde_json::json!(id.to_string())
        );
        let decoded = crate::move_value::decode(&uid, id.as_bytes()).unwrap();
        assert_eq!(
            decoded.to_json(),
            serde_json::json!({ "id": id.to_string() })
        );
        let type_name: TypeTag = "0x1::type_name::TypeName".parse().unwrap();
        let name = bcs::to_bytes("0x2::sui::SUI").unwrap();
        assert_eq!(
            value_json(&type_name, &name).unwrap(),
            serde_json::json!("0x2::sui::SUI")
        );
        // The length of a value at the start of longer bytes (dynamic field names).
        assert_eq!(value_len(&bytes_ty, &[2, 1, 2, 9, 9]), Some(3));
    }
}
