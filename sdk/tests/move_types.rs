#![allow(clippy::unwrap_used)]

//! The generated Move types must produce the BCS bytes Move produces. The expected bytes here
//! are laid out by hand from the Move struct definitions (fields in declaration order, u64
//! little-endian, u256 as 32 little-endian bytes, `Option` as a 0/1-length vector, `UID`/`ID`
//! as 32 address bytes), so a Move struct that changes without the generated type following,
//! or a generator that lays fields out differently, fails here.

use floe_sdk::move_types::{self, blob, events, system};
use floe_sdk::sui_sdk_types::Address;

fn le_u64(v: u64) -> Vec<u8> {
    v.to_le_bytes().to_vec()
}

#[test]
fn blob_object_bcs_matches_the_move_layout() {
    let blob_object = Address::new([7; 32]);
    let storage_object = Address::new([9; 32]);
    let mut blob_id = [0u8; 32];
    blob_id[0] = 0xaa;
    blob_id[31] = 0x01;
    let root = [0x55u8; 32];

    let value = blob::Blob::new(
        move_types::uid(blob_object),
        3,
        move_types::u256_from_le(blob_id),
        move_types::u256_from_le(root),
        1_000_000,
        1,
        Some(4),
        blob::Storage::new(move_types::uid(storage_object), 3, 8, 66_034_000),
        true,
    );

    let mut expected = Vec::new();
    expected.extend_from_slice(&[7; 32]); // id
    expected.extend(le_u64(3)); // registered_epoch
    expected.extend_from_slice(&blob_id); // blob_id: u256
    expected.extend_from_slice(&root); // root_hash: u256
    expected.extend(le_u64(1_000_000)); // size
    expected.push(1); // encoding_type
    expected.push(1); // certified_epoch: Some
    expected.extend(le_u64(4));
    expected.extend_from_slice(&[9; 32]); // storage.id
    expected.extend(le_u64(3)); // storage.start_epoch
    expected.extend(le_u64(8)); // storage.end_epoch
    expected.extend(le_u64(66_034_000)); // storage.storage_size
    expected.push(1); // deletable

    let bytes = bcs::to_bytes(&value).unwrap();
    assert_eq!(bytes, expected);
    let back: blob::Blob = bcs::from_bytes(&bytes).unwrap();
    assert_eq!(back, value);
}

#[test]
fn events_decode_from_move_bytes() {
    let mut bytes = le_u64(1_500); // amount
    bytes.push(3); // source: license fee
    bytes.extend(le_u64(2_000)); // total_burned
    bytes.extend(le_u64(4_999_998_000)); // total_supply
    let burned: events::WalBurned = bcs::from_bytes(&bytes).unwrap();
    assert_eq!(
        burned,
        events::WalBurned::new(1_500, 3, 2_000, 4_999_998_000)
    );

    // An uncertified blob's `certified_epoch` is Move's `option::none()`: one zero byte.
    let uncertified = blob::Blob::new(
        move_types::uid(Address::ZERO),
        0,
        move_types::U256::zero(),
        move_types::U256::zero(),
        0,
        1,
        None,
        blob::Storage::new(move_types::uid(Address::ZERO), 0, 1, 0),
        false,
    );
    let bytes = bcs::to_bytes(&uncertified).unwrap();
    assert_eq!(bytes[32 + 8 + 32 + 32 + 8 + 1], 0);
}

#[test]
fn struct_tags_name_the_package_module_and_type() {
    let package = Address::new([0xf1; 32]);
    let tag = move_types::sui_struct_tag(&system::System::type_tag(moverox::types::Address::new(
        package.into_inner(),
    )));
    assert_eq!(
        tag,
        move_types::struct_tag(package, "system", "System", vec![])
    );
    assert_eq!(
        move_types::wal_type(package).to_string(),
        format!("{package}::wal::WAL")
    );
}
