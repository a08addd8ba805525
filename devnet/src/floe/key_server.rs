//! `floe::key_server`: Seal key servers on chain, in Seal's V1 object layout.
//!
//! Mirrors `move/floe/sources/key_server.move` function by function. A `KeyServer { id,
//! first_version: 1, last_version: 1 }` object (owned by its registrant) carries its
//! `KeyServerV1 { name, url, key_type, pk }` record as the dynamic field keyed by the `u64` 1,
//! as Seal's clients read it (`getObject`, then `getDynamicField` with the name `u64` 1: the
//! field's ID is derived from the key, so the record is found without listing). A key server
//! attached to a storage node (`create_for_node`, with the node's `NodeCap`) also has the field
//! `NodeKey {}` → the node's ID. The `*_for_testing` functions are `#[test_only]` and have no
//! handler.

use floe_sdk::move_types::events::{KeyServerRegistered, KeyServerUrlUpdated};
use floe_sdk::move_types::key_server::{KeyServer, KeyServerV1, NodeKey};
use floe_sdk::move_types::staking::NodeCap;
use floe_sdk::move_types::{self, ID, MoveString};
use sui_sdk_types::{Address, ExecutionError, TypeTag};

use super::args::Obj;
use super::model::{abort_at, move_address};
use super::{create_object, emit, id_type, type_tag_of};
use crate::runtime::CallContext;

const MODULE: &str = "key_server";

/// The abort codes of `floe::key_server`, generated from the Move source.
pub use floe_sdk::move_aborts::key_server::*;

/// Boneh–Franklin IBE over BLS12-381 (Seal's `KeyTypeBonehFranklinBLS12381`).
pub const KEY_TYPE_BONEH_FRANKLIN_BLS12381: u8 = 0;
/// The one record version this package writes.
pub const VERSION_V1: u64 = 1;
/// Bytes of a compressed BLS12-381 G2 point.
pub const G2_LENGTH: usize = 96;
pub const MAX_NAME_LENGTH: usize = 128;
pub const MAX_URL_LENGTH: usize = 256;
/// `sui::group_ops::EInvalidInput`: bytes that do not decode as a group element.
pub const E_GROUP_OPS_INVALID_INPUT: u64 = 1;

include!(concat!(env!("OUT_DIR"), "/floe_key_server.rs"));

fn record_type() -> TypeTag {
    type_tag_of::<KeyServerV1>()
}

fn node_key_type() -> TypeTag {
    type_tag_of::<NodeKey>()
}

fn node_key() -> NodeKey {
    NodeKey::new()
}

/// `assert_url`.
fn assert_url(url: &MoveString) -> Result<(), ExecutionError> {
    if url.bytes.is_empty() || url.bytes.len() > MAX_URL_LENGTH {
        return Err(abort_at(MODULE, "assert_url", E_INVALID_URL));
    }
    Ok(())
}

/// `new_v1`: a new `KeyServer` (created in the transaction, not yet placed) with its
/// version-1 record; returns its ID.
fn new_v1(
    ctx: &mut CallContext<'_>,
    name: &MoveString,
    url: &MoveString,
    key_type: u8,
    pk: &[u8],
) -> Result<Address, ExecutionError> {
    if key_type != KEY_TYPE_BONEH_FRANKLIN_BLS12381 {
        return Err(abort_at(MODULE, "new_v1", E_INVALID_KEY_TYPE));
    }
    if pk.len() != G2_LENGTH {
        return Err(abort_at(MODULE, "new_v1", E_INVALID_PUBLIC_KEY));
    }
    // `bls12381::g2_from_bytes`: a compressed G2 point of the prime-order subgroup.
    if blst::min_sig::PublicKey::key_validate(pk).is_err() {
        return Err(CallContext::framework_abort(
            "group_ops",
            "from_bytes",
            E_GROUP_OPS_INVALID_INPUT,
        ));
    }
    if name.bytes.is_empty() || name.bytes.len() > MAX_NAME_LENGTH {
        return Err(abort_at(MODULE, "new_v1", E_INVALID_NAME));
    }
    assert_url(url)?;
    let id = ctx.fresh_id();
    let key_server = KeyServer::new(move_types::uid(id), VERSION_V1, VERSION_V1);
    create_object(ctx, false, &key_server)?;
    let record = KeyServerV1::new(name.clone(), url.clone(), key_type, pk.to_vec());
    ctx.field_add(id, &TypeTag::U64, &VERSION_V1, &record_type(), &record)?;
    Ok(id)
}

/// Emits `KeyServerRegistered` and places the key server with the sender.
fn place(
    ctx: &mut CallContext<'_>,
    id: Address,
    node_id: Option<ID>,
    name: MoveString,
    url: MoveString,
    pk: Vec<u8>,
) -> Result<(), ExecutionError> {
    let owner = ctx.sender();
    emit(
        ctx,
        &KeyServerRegistered {
            key_server_id: move_types::id(id),
            owner: move_address(owner),
            node_id,
            name,
            url,
            pk,
        },
    )?;
    ctx.transfer(id, owner)
}

/// `create_and_transfer_v1` (an `entry fun`): anyone; the `KeyServer` goes to the sender. Aborts
/// `EInvalidKeyType`, `EInvalidPublicKey`, `group_ops::EInvalidInput`, `EInvalidName`,
/// `EInvalidUrl`.
fn create_and_transfer_v1(
    ctx: &mut CallContext<'_>,
    name: MoveString,
    url: MoveString,
    key_type: u8,
    pk: Vec<u8>,
) -> Result<(), ExecutionError> {
    let id = new_v1(ctx, &name, &url, key_type, &pk)?;
    place(ctx, id, None, name, url, pk)
}

/// `create_for_node` (an `entry fun`): the node's operator (who alone can pass its owned
/// `NodeCap`) attaches a key server to the node: `NodeKey {}` → node ID. Aborts like
/// `create_and_transfer_v1`.
fn create_for_node(
    ctx: &mut CallContext<'_>,
    cap: Obj<NodeCap>,
    name: MoveString,
    url: MoveString,
    key_type: u8,
    pk: Vec<u8>,
) -> Result<(), ExecutionError> {
    let id = new_v1(ctx, &name, &url, key_type, &pk)?;
    let node_id = cap.node_id.clone();
    ctx.field_add(id, &node_key_type(), &node_key(), &id_type(), &node_id)?;
    place(ctx, id, Some(node_id), name, url, pk)
}

/// `update`: only its owner can pass it. Emits `KeyServerUrlUpdated`. Aborts `EInvalidUrl`.
fn update(
    ctx: &mut CallContext<'_>,
    key_server: Obj<KeyServer>,
    url: MoveString,
) -> Result<(), ExecutionError> {
    assert_url(&url)?;
    let new_url = url.clone();
    ctx.field_borrow_mut(
        key_server.id,
        &TypeTag::U64,
        &VERSION_V1,
        |record: &mut KeyServerV1| record.url = new_url,
    )?;
    emit(
        ctx,
        &KeyServerUrlUpdated {
            key_server_id: move_types::id(key_server.id),
            url,
        },
    )
}

// === Reads ===

fn record(
    ctx: &mut CallContext<'_>,
    key_server: &Obj<KeyServer>,
) -> Result<KeyServerV1, ExecutionError> {
    ctx.field_borrow(key_server.id, &TypeTag::U64, &VERSION_V1)
}

fn name(
    ctx: &mut CallContext<'_>,
    key_server: Obj<KeyServer>,
) -> Result<MoveString, ExecutionError> {
    Ok(record(ctx, &key_server)?.name)
}

fn url(
    ctx: &mut CallContext<'_>,
    key_server: Obj<KeyServer>,
) -> Result<MoveString, ExecutionError> {
    Ok(record(ctx, &key_server)?.url)
}

fn key_type(ctx: &mut CallContext<'_>, key_server: Obj<KeyServer>) -> Result<u8, ExecutionError> {
    Ok(record(ctx, &key_server)?.key_type)
}

fn pk(ctx: &mut CallContext<'_>, key_server: Obj<KeyServer>) -> Result<Vec<u8>, ExecutionError> {
    Ok(record(ctx, &key_server)?.pk)
}

fn has_node(ctx: &mut CallContext<'_>, key_server: Obj<KeyServer>) -> Result<bool, ExecutionError> {
    ctx.field_exists(key_server.id, &node_key_type(), &node_key())
}

fn node_id(
    ctx: &mut CallContext<'_>,
    key_server: Obj<KeyServer>,
) -> Result<Option<ID>, ExecutionError> {
    if !ctx.field_exists(key_server.id, &node_key_type(), &node_key())? {
        return Ok(None);
    }
    ctx.field_borrow(key_server.id, &node_key_type(), &node_key())
        .map(Some)
}
