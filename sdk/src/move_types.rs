//! Rust mirrors of the `floe` Move package's objects and events, generated at build time
//! from `move/floe/sources` by moverox-build (see `build.rs`).
//!
//! Every struct decodes from (and encodes to) exactly the BCS bytes its Move counterpart has
//! on chain: module `floe::blob` is [`blob`], `floe::events` is [`events`], and so on. The
//! generated code speaks moverox's address and type-tag types; the helpers here convert to
//! and from `sui_sdk_types`, which the rest of the sdk uses.

use moverox::traits::MoveDatatypeTag;
use moverox_sui::Compat as _;
use sui_sdk_types::{Address, Identifier, StructTag, TypeTag};

#[allow(
    clippy::all,
    clippy::pedantic,
    missing_docs,
    unused_qualifications,
    rustdoc::all
)]
mod generated {
    moverox::include_oxidized!("floe");
}

pub use generated::*;
pub use moverox::types::U256;
pub use moverox_sui::move_stdlib::string::String as MoveString;
pub use moverox_sui::sui::balance::Balance;
pub use moverox_sui::sui::object::{ID, UID};
pub use moverox_sui::sui::table::Table;
pub use moverox_sui::sui::table_vec::TableVec;
pub use moverox_sui::sui::vec_map::{Entry as VecMapEntry, VecMap};

/// The `StructTag` of `package::module::name` with the given type parameters.
pub fn struct_tag(package: Address, module: &str, name: &str, params: Vec<TypeTag>) -> StructTag {
    StructTag::new(
        package,
        Identifier::new(module).expect("Move module names are identifiers"),
        Identifier::new(name).expect("Move struct names are identifiers"),
        params,
    )
}

/// Converts a generated type's tag (e.g. `blob::Blob::type_tag(package)`) to `sui_sdk_types`.
pub fn sui_struct_tag(tag: &impl MoveDatatypeTag) -> StructTag {
    tag.to_struct_tag().into_sui()
}

/// `Coin<WAL>`'s type argument: `package::wal::WAL`.
pub fn wal_type(package: Address) -> TypeTag {
    TypeTag::Struct(Box::new(struct_tag(package, "wal", "WAL", vec![])))
}

/// A `UID` with the given object ID.
pub fn uid(id: Address) -> UID {
    UID::new(ID::new(moverox::types::Address::new(id.into_inner())))
}

/// An `ID` holding `id`.
pub fn id(id: Address) -> ID {
    ID::new(moverox::types::Address::new(id.into_inner()))
}

/// The address an `ID` holds.
pub fn address_of(id: &ID) -> Address {
    Address::new(id.bytes.into_inner())
}

/// A Move `u256` from its 32 little-endian bytes (how blob IDs and root hashes are stored).
pub fn u256_from_le(bytes: [u8; 32]) -> U256 {
    U256::from_le_bytes(&bytes)
}

/// A Move `String` from UTF-8 text.
pub fn move_string(text: &str) -> MoveString {
    MoveString::new(text.as_bytes().to_vec())
}
