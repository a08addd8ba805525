//! Well-known object IDs and the layouts of the framework objects the devnet creates.

use std::collections::HashMap;

use sui_sdk_types::{
    Address, Digest, Identifier, MoveStruct, Object, ObjectData, Owner, StructTag, TypeTag, Version,
};

/// `0x6`: the shared `sui::clock::Clock`.
pub const CLOCK_ID: Address = short_id(6);
/// `0x8`: the shared `sui::random::Random`.
pub const RANDOM_ID: Address = short_id(8);

/// A short system address like `0x6`.
pub const fn short_id(byte: u8) -> Address {
    let mut bytes = [0u8; 32];
    bytes[31] = byte;
    Address::new(bytes)
}
/// `0x2`: the Sui framework package.
pub const FRAMEWORK: Address = Address::TWO;

/// `0x2::sui::SUI`.
pub fn sui_type() -> TypeTag {
    TypeTag::Struct(Box::new(StructTag::sui()))
}

/// The coin type `T` of a `0x2::coin::Coin<T>` struct tag.
pub fn coin_type_of(tag: &StructTag) -> Option<&TypeTag> {
    tag.is_coin()
}

/// BCS of `Coin<T> { id: UID, balance: Balance<T> { value } }`.
pub fn coin_contents(id: Address, value: u64) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(40);
    bytes.extend_from_slice(id.as_bytes());
    bytes.extend_from_slice(&value.to_le_bytes());
    bytes
}

/// The balance stored in a coin's contents.
pub fn coin_value(contents: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = contents.get(32..40)?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

/// Replaces the balance in a coin's contents.
pub fn set_coin_value(contents: &mut [u8], value: u64) {
    contents[32..40].copy_from_slice(&value.to_le_bytes());
}

/// Assembles a Move object. Contents must start with the object's UID (32 bytes).
pub fn move_object(
    type_: StructTag,
    has_public_transfer: bool,
    version: Version,
    contents: Vec<u8>,
    owner: Owner,
    previous_transaction: Digest,
) -> Object {
    let data = MoveStruct::new(type_, has_public_transfer, version, contents)
        .expect("object contents start with a 32-byte UID");
    Object::new(ObjectData::Struct(data), owner, previous_transaction, 0)
}

/// A `Coin<SUI>` owned by `owner`.
pub fn gas_coin(id: Address, value: u64, owner: Address, version: Version) -> Object {
    move_object(
        StructTag::gas_coin(),
        true,
        version,
        coin_contents(id, value),
        Owner::Address(owner),
        Digest::ZERO,
    )
}

fn framework_tag(module: &'static str, name: &'static str) -> StructTag {
    StructTag::new(
        FRAMEWORK,
        Identifier::from_static(module),
        Identifier::from_static(name),
        vec![],
    )
}

/// The shared clock; its stored timestamp is the genesis time (handlers read the
/// execution time from their context instead).
pub fn clock(timestamp_ms: u64) -> Object {
    let mut contents = CLOCK_ID.as_bytes().to_vec();
    contents.extend_from_slice(&timestamp_ms.to_le_bytes());
    move_object(
        framework_tag("clock", "Clock"),
        false,
        1,
        contents,
        Owner::Shared(1),
        Digest::ZERO,
    )
}

/// The shared `Random { id, inner: Versioned { id, version } }` object.
pub fn random() -> Object {
    let mut contents = RANDOM_ID.as_bytes().to_vec();
    contents.extend_from_slice(short_id(0x81).as_bytes());
    contents.extend_from_slice(&1u64.to_le_bytes());
    move_object(
        framework_tag("random", "Random"),
        false,
        1,
        contents,
        Owner::Shared(1),
        Digest::ZERO,
    )
}

/// The address a struct is owned by, if it is address-owned.
pub fn address_owner(object: &Object) -> Option<Address> {
    match object.owner() {
        Owner::Address(a) => Some(*a),
        Owner::ConsensusAddress { owner, .. } => Some(*owner),
        _ => None,
    }
}

/// `(type, contents, has_public_transfer)` of a Move struct object.
pub fn struct_parts(object: &Object) -> Option<(&StructTag, &[u8], bool)> {
    match object.data() {
        ObjectData::Struct(s) => Some((s.object_type(), s.contents(), s.has_public_transfer())),
        ObjectData::Package(_) => None,
    }
}

/// Live objects by ID, as the executor reads them.
pub trait ObjectSource {
    fn object(&self, id: &Address) -> Option<&Object>;
}

impl ObjectSource for HashMap<Address, Object> {
    fn object(&self, id: &Address) -> Option<&Object> {
        self.get(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sui_sdk_types::framework::Coin;

    #[test]
    fn coins_decode_with_the_sdk() {
        let id = short_id(9);
        let object = gas_coin(id, 77, Address::TWO, 3);
        let coin = Coin::try_from_object(&object).unwrap();
        assert_eq!(coin.balance(), 77);
        assert_eq!(*coin.id(), id);
        assert_eq!(object.object_id(), id);
        assert_eq!(coin_value(struct_parts(&object).unwrap().1), Some(77));
        assert_eq!(clock(5).object_id(), CLOCK_ID);
        assert_eq!(random().object_id(), RANDOM_ID);
    }
}
