//! Move values as Sui's JSON-RPC writes them (`SuiMoveValue`, `SuiMoveStruct`), from the values
//! [`crate::move_value`] decodes (the reader gRPC's `json` uses too).
//!
//! Two renderings exist because Sui has two, and dapps read both:
//! - [`MoveValue::to_json`], objects' `content.fields`: every nested struct is
//!   `{type, fields}`, so a dapp can tell a `Storage` from a `Table` without a schema.
//! - [`MoveValue::to_untyped_json`], events' `parsedJson` and dynamic field names: the same
//!   values with the struct wrappers dropped (Sui's `to_json_value`), except inside an
//!   `Option`, which Sui serializes as it stands, wrappers included.
//!
//! Both share Sui's conversions of framework types: `u8`–`u32` are numbers and wider integers
//! strings, `UID` is `{id}`, `ID` an address, `String`/`ascii::String`/`Url` plain strings,
//! `Balance<T>` its value as a string and `Option<T>` `null` or the value. Everything else —
//! `VecMap`, `Table`, `TypeName`, `vector<u8>` (an array of numbers) — is rendered as the
//! plain struct or vector it is.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sui_sdk_types::{StructTag, TypeTag};

pub use crate::move_value::{MoveValue, decode};

/// `content.fields` of a Move object (Sui's `SuiParsedMoveObject`): the top-level struct's
/// fields as a map, each value in the typed rendering.
pub fn object_fields(tag: &StructTag, contents: &[u8]) -> Option<Value> {
    match decode(&TypeTag::Struct(Box::new(tag.clone())), contents)? {
        MoveValue::Struct { fields, .. } => Some(typed_map(&fields)),
        // A top-level framework type (a `UID`-less struct never is an object): its own shape.
        other => Some(other.to_json()),
    }
}

/// An event's `parsedJson`: the untyped rendering of its struct (or enum) value.
pub fn event_json(tag: &StructTag, contents: &[u8]) -> Option<Value> {
    decode(&TypeTag::Struct(Box::new(tag.clone())), contents).map(|v| v.to_untyped_json())
}

fn typed_map(fields: &[(String, MoveValue)]) -> Value {
    // Sui keeps fields in a BTreeMap: keys come out sorted whatever the declaration order.
    let sorted: BTreeMap<&str, Value> = fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.to_json()))
        .collect();
    json!(sorted)
}

fn untyped_map(fields: &[(String, MoveValue)]) -> Value {
    let sorted: BTreeMap<&str, Value> = fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.to_untyped_json()))
        .collect();
    json!(sorted)
}

impl MoveValue {
    /// The typed rendering (Sui's serde form of `SuiMoveValue`).
    pub fn to_json(&self) -> Value {
        match self {
            MoveValue::Number(n) => json!(n),
            MoveValue::Bool(b) => json!(b),
            MoveValue::Address(a) => json!(a.to_string()),
            MoveValue::Bytes(bytes) => json!(bytes),
            MoveValue::Vector(items) => Value::Array(items.iter().map(Self::to_json).collect()),
            MoveValue::String(s) => json!(s),
            MoveValue::Uid(id) => json!({ "id": id.to_string() }),
            MoveValue::Struct { tag, fields } => {
                json!({ "type": super::type_name::type_name(tag), "fields": typed_map(fields) })
            }
            MoveValue::Option(inner) => inner.as_ref().map_or(Value::Null, |v| v.to_json()),
            MoveValue::Variant {
                tag,
                variant,
                fields,
            } => json!({
                "type": super::type_name::type_name(tag),
                "variant": variant,
                "fields": typed_map(fields),
            }),
        }
    }

    /// The untyped rendering (Sui's `to_json_value`).
    pub fn to_untyped_json(&self) -> Value {
        match self {
            MoveValue::Vector(items) => {
                Value::Array(items.iter().map(Self::to_untyped_json).collect())
            }
            MoveValue::Struct { fields, .. } => untyped_map(fields),
            MoveValue::Variant {
                variant, fields, ..
            } => json!({ "variant": variant, "fields": untyped_map(fields) }),
            // Sui serializes an option's content as is, so a struct inside keeps its type.
            MoveValue::Option(_) => self.to_json(),
            MoveValue::Number(_)
            | MoveValue::Bytes(_)
            | MoveValue::Bool(_)
            | MoveValue::Address(_)
            | MoveValue::String(_)
            | MoveValue::Uid(_) => self.to_json(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::str::FromStr as _;

    use super::*;
    use sui_sdk_types::Address;

    fn tag(text: &str) -> StructTag {
        StructTag::from_str(text).unwrap()
    }

    fn uid(byte: u8) -> Vec<u8> {
        vec![byte; 32]
    }

    fn string(s: &str) -> Vec<u8> {
        bcs::to_bytes(s).unwrap()
    }

    #[test]
    fn coin_is_uid_and_balance_string() {
        let mut bytes = uid(7);
        bytes.extend(1234u64.to_le_bytes());
        let coin = tag("0x2::coin::Coin<0x2::sui::SUI>");
        let fields = object_fields(&coin, &bytes).unwrap();
        assert_eq!(
            fields,
            json!({ "id": { "id": Address::new([7; 32]).to_string() }, "balance": "1234" })
        );
    }

    #[test]
    fn nested_structs_keep_their_type_and_vec_map_is_a_struct() {
        // Field<String, VecMap<String, String>> with one entry, and a Table beside it in a
        // TableVec: the framework types Sui does not convert stay `{type, fields}`.
        let field = tag(
            "0x2::dynamic_field::Field<0x1::string::String, 0x2::vec_map::VecMap<0x1::string::String, 0x1::string::String>>",
        );
        let mut bytes = uid(1);
        bytes.extend(string("name"));
        bytes.push(1);
        bytes.extend(string("content-type"));
        bytes.extend(string("text/plain"));
        let fields = object_fields(&field, &bytes).unwrap();
        assert_eq!(
            fields["value"],
            json!({
                "type": "0x2::vec_map::VecMap<0x1::string::String, 0x1::string::String>",
                "fields": { "contents": [{
                    "type": "0x2::vec_map::Entry<0x1::string::String, 0x1::string::String>",
                    "fields": { "key": "content-type", "value": "text/plain" },
                }]},
            })
        );
        assert_eq!(fields["name"], json!("name"));
        assert_eq!(
            fields["id"],
            json!({ "id": Address::new([1; 32]).to_string() })
        );

        let table = tag("0x2::table_vec::TableVec<u64>");
        let mut bytes = uid(2);
        bytes.extend(3u64.to_le_bytes());
        let value = decode(&TypeTag::Struct(Box::new(table)), &bytes).unwrap();
        assert_eq!(
            value.to_json(),
            json!({
                "type": "0x2::table_vec::TableVec<u64>",
                "fields": { "contents": {
                    "type": "0x2::table::Table<u64, u64>",
                    "fields": { "id": { "id": Address::new([2; 32]).to_string() }, "size": "3" },
                }},
            })
        );
        // Untyped (events): the wrappers go, the values stay.
        assert_eq!(
            value.to_untyped_json(),
            json!({ "contents": { "id": { "id": Address::new([2; 32]).to_string() }, "size": "3" } })
        );
    }

    #[test]
    fn options_numbers_ids_and_bytes() {
        let ty = |t: &str| TypeTag::from_str(t).unwrap();
        assert_eq!(
            decode(&ty("0x1::option::Option<u64>"), &[0])
                .unwrap()
                .to_json(),
            Value::Null
        );
        let mut some = vec![1];
        some.extend(9u64.to_le_bytes());
        assert_eq!(
            decode(&ty("0x1::option::Option<u64>"), &some)
                .unwrap()
                .to_json(),
            json!("9")
        );
        assert_eq!(decode(&ty("u8"), &[200]).unwrap().to_json(), json!(200));
        assert_eq!(
            decode(&ty("u32"), &70_000u32.to_le_bytes())
                .unwrap()
                .to_json(),
            json!(70_000)
        );
        let mut big = [0u8; 32];
        big[0] = 1;
        big[31] = 1;
        assert_eq!(
            decode(&ty("u256"), &big).unwrap().to_json(),
            json!("452312848583266388373324160190187140051835877600158453279131187530910662657")
        );
        assert_eq!(
            decode(&ty("0x2::object::ID"), &uid(5)).unwrap().to_json(),
            json!(Address::new([5; 32]).to_string())
        );
        assert_eq!(
            decode(&ty("vector<u8>"), &[2, 1, 255]).unwrap().to_json(),
            json!([1, 255])
        );
        // A `String` that is not UTF-8 stays the struct it is.
        assert_eq!(
            decode(&ty("0x1::string::String"), &[1, 0xff])
                .unwrap()
                .to_json(),
            json!({ "type": "0x1::string::String", "fields": { "bytes": [255] } })
        );
        // A struct without fields has the compiler's `dummy_field`.
        assert_eq!(
            decode(&ty("0x2::sui::SUI"), &[0]).unwrap().to_json(),
            json!({ "type": "0x2::sui::SUI", "fields": { "dummy_field": false } })
        );
        // Trailing or missing bytes: not one value.
        assert!(decode(&ty("u8"), &[1, 2]).is_none());
        assert!(decode(&ty("vector<u64>"), &[3, 0]).is_none());
    }

    #[test]
    fn an_option_of_a_struct_keeps_its_type_in_events() {
        let ty = TypeTag::from_str("0x1::option::Option<0x2::vec_map::Entry<u8, bool>>").unwrap();
        let value = decode(&ty, &[1, 4, 1]).unwrap();
        assert_eq!(
            value.to_untyped_json(),
            json!({ "type": "0x2::vec_map::Entry<u8, bool>", "fields": { "key": 4, "value": true } })
        );
    }
}
