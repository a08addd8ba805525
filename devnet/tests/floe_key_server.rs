//! `floe::key_server` and `license::seal_approve_owner` on the devnet: the scenarios of
//! `move/floe/tests/key_server_tests.move` and the owner policy's tests, with the same
//! expectations, plus what only a chain shows: the objects have Seal's V1 layout byte for byte
//! (the record at the dynamic-field ID derived from the `u64` 1, where Seal's clients look),
//! only the owner can change a key server or pass a `ModelCap`.
#![allow(clippy::unwrap_used)]

mod support;

use floe_devnet::floe::genesis::{GenesisNode, NetworkGenesis};
use floe_devnet::floe::key_server;
use floe_devnet::runtime::dynamic_field_id;
use floe_sdk::bls::BlsKeyPair;
use floe_sdk::move_aborts;
use floe_sdk::move_constants;
use floe_sdk::move_types::events::{KeyServerRegistered, KeyServerUrlUpdated, ModelRegistered};
use floe_sdk::move_types::key_server::{KeyServer, KeyServerV1};
use floe_sdk::move_types::{self, MoveString, UID};
use serde::{Deserialize, Serialize};
use sui_sdk_types::{Address, Owner, TypeTag};
use support::{Arg, Chain, Failure, Outcome, call};

/// A dynamic field `Field<K, V>` as stored.
#[derive(Serialize, Deserialize)]
struct Field<K, V> {
    id: UID,
    name: K,
    value: V,
}

/// A valid key-server public key: a compressed G2 point of the subgroup (96 bytes).
fn pk() -> Vec<u8> {
    blst::min_sig::SecretKey::key_gen(&[1; 32], &[])
        .unwrap()
        .sk_to_pk()
        .compress()
        .to_vec()
}

fn text(s: &str) -> MoveString {
    move_types::move_string(s)
}

fn assert_abort<T>(result: Result<T, Failure>, module: &str, code: u64) {
    let name = support::abort_name(module, code);
    match result {
        Ok(_) => panic!("expected {module}::{name}, the transaction succeeded"),
        Err(failure) => assert_eq!(failure.abort(), (module.to_owned(), code), "{name}"),
    }
}

fn create(
    chain: &mut Chain,
    sender: Address,
    name: &str,
    url: &str,
    key_type: u8,
    pk: &[u8],
) -> Result<Outcome, Failure> {
    chain.call(
        sender,
        call::key_server::create_and_transfer_v1(name, url, key_type, pk.to_vec()),
    )
}

fn registered(outcome: &Outcome) -> Address {
    let event: KeyServerRegistered = outcome.event("KeyServerRegistered");
    move_types::address_of(&event.key_server_id)
}

/// The version-1 record, read where Seal's clients read it.
fn record(chain: &Chain, id: Address) -> KeyServerV1 {
    let field =
        dynamic_field_id(id, &TypeTag::U64, &move_constants::key_server::VERSION_V1).unwrap();
    chain.object::<Field<u64, KeyServerV1>>(field).value
}

/// A chain with one storage node whose operator is an account with gas; returns the chain,
/// the operator, the node ID and its `NodeCap`.
fn with_node() -> (Chain, Address, Address, Address) {
    let publisher = Chain::publisher_address();
    let key = BlsKeyPair::from_seed(&[0x51; 32]).unwrap();
    // `Chain::new_account` hands out [1; 32] first: the operator gets gas that way.
    let operator = Address::new([1; 32]);
    let network = NetworkGenesis {
        n_shards: 4,
        epoch_duration_ms: 3_600_000,
        nodes: vec![GenesisNode {
            name: "node-0".to_owned(),
            network_address: "127.0.0.1:9300".to_owned(),
            bls_public_key: key.public_key().to_vec(),
            proof_of_possession: key.proof_of_possession(publisher).to_vec(),
            commission_bps: 0,
            stake: 1_000_000_000_000,
            operator,
        }],
    };
    let (mut chain, started) = Chain::with_network(&network);
    assert_eq!(chain.new_account(), operator);
    let (node, cap, _) = started.nodes[0];
    (chain, operator, node, cap)
}

// === create_and_transfer_v1 ===

#[test]
fn create_and_transfer_v1_has_seals_layout() {
    let mut chain = Chain::new();
    let anyone = chain.new_account();
    let outcome = create(&mut chain, anyone, "ks", "http://127.0.0.1:2024", 0, &pk()).unwrap();
    let id = registered(&outcome);
    assert_eq!(outcome.created("key_server", "KeyServer"), vec![id]);
    assert_eq!(chain.owner(id), Owner::Address(anyone));

    // The object is exactly Seal's `KeyServer { id, first_version, last_version }`.
    let raw = chain.object_raw(id);
    let contents = raw.as_struct().unwrap().contents();
    let mut expected = id.as_bytes().to_vec();
    expected.extend(1u64.to_le_bytes());
    expected.extend(1u64.to_le_bytes());
    assert_eq!(contents, expected.as_slice());
    let parsed: KeyServer = chain.object(id);
    assert_eq!((parsed.first_version, parsed.last_version), (1, 1));

    // The record is Seal's `KeyServerV1 { name, url, key_type, pk }` under the `u64` 1.
    let v1 = record(&chain, id);
    assert_eq!(v1.name, text("ks"));
    assert_eq!(v1.url, text("http://127.0.0.1:2024"));
    assert_eq!(v1.key_type, 0);
    assert_eq!(v1.pk, pk());

    let event: KeyServerRegistered = outcome.event("KeyServerRegistered");
    assert_eq!(event.node_id, None);
    assert_eq!(event.pk, pk());
    // No node: `has_node` is false, `node_id` none.
    let read = chain
        .call(anyone, call::key_server::has_node(Arg::ObjRead(id)))
        .unwrap();
    assert!(!read.ret::<bool>(0, 0));
    let read = chain
        .call(anyone, call::key_server::node_id(Arg::ObjRead(id)))
        .unwrap();
    assert_eq!(read.ret::<Option<move_types::ID>>(0, 0), None);
}

#[test]
fn create_with_other_key_type_aborts() {
    let mut chain = Chain::new();
    let anyone = chain.new_account();
    assert_abort(
        create(&mut chain, anyone, "ks", "http://ks", 1, &pk()),
        "key_server",
        move_aborts::key_server::E_INVALID_KEY_TYPE,
    );
}

#[test]
fn create_with_short_public_key_aborts() {
    let mut chain = Chain::new();
    let anyone = chain.new_account();
    assert_abort(
        create(&mut chain, anyone, "ks", "http://ks", 0, &[7; 95]),
        "key_server",
        move_aborts::key_server::E_INVALID_PUBLIC_KEY,
    );
}

/// 96 bytes that are no G2 point: `bls12381::g2_from_bytes` aborts in `sui::group_ops`.
#[test]
fn create_with_public_key_off_the_curve_aborts() {
    let mut chain = Chain::new();
    let anyone = chain.new_account();
    let failure = create(&mut chain, anyone, "ks", "http://ks", 0, &[0xff; 96]).unwrap_err();
    assert_eq!(
        failure.abort(),
        (
            "group_ops".to_owned(),
            key_server::E_GROUP_OPS_INVALID_INPUT
        )
    );
}

#[test]
fn create_with_empty_name_aborts() {
    let mut chain = Chain::new();
    let anyone = chain.new_account();
    assert_abort(
        create(&mut chain, anyone, "", "http://ks", 0, &pk()),
        "key_server",
        move_aborts::key_server::E_INVALID_NAME,
    );
}

#[test]
fn create_with_empty_url_aborts() {
    let mut chain = Chain::new();
    let anyone = chain.new_account();
    assert_abort(
        create(&mut chain, anyone, "ks", "", 0, &pk()),
        "key_server",
        move_aborts::key_server::E_INVALID_URL,
    );
}

// === create_for_node ===

fn create_for_node(
    chain: &mut Chain,
    sender: Address,
    cap: Address,
    pk: &[u8],
) -> Result<Outcome, Failure> {
    chain.call(
        sender,
        call::key_server::create_for_node(
            Arg::ObjRead(cap),
            "node-0 key server",
            "http://127.0.0.1:2025",
            0u8,
            pk.to_vec(),
        ),
    )
}

#[test]
fn create_for_node_records_the_node() {
    let (mut chain, operator, node, cap) = with_node();
    let outcome = create_for_node(&mut chain, operator, cap, &pk()).unwrap();
    let id = registered(&outcome);
    assert_eq!(chain.owner(id), Owner::Address(operator));
    let event: KeyServerRegistered = outcome.event("KeyServerRegistered");
    assert_eq!(event.node_id, Some(move_types::id(node)));
    assert_eq!(record(&chain, id).url, text("http://127.0.0.1:2025"));
    let read = chain
        .call(operator, call::key_server::node_id(Arg::ObjRead(id)))
        .unwrap();
    assert_eq!(
        read.ret::<Option<move_types::ID>>(0, 0),
        Some(move_types::id(node))
    );
}

/// Only the node's operator holds its `NodeCap`: anyone else's transaction naming it is
/// refused before it runs, so no one can attach a key server to someone else's node.
#[test]
fn create_for_node_with_someone_elses_cap_is_refused() {
    let (mut chain, _, _, cap) = with_node();
    let intruder = chain.new_account();
    let rejection = chain.rejection(
        intruder,
        vec![support::call::key_server::create_for_node(
            Arg::ObjRead(cap),
            "mine",
            "http://evil",
            0u8,
            pk(),
        )],
    );
    assert!(rejection.is_some(), "the chain ran it");
}

#[test]
fn create_for_node_with_bad_public_key_aborts() {
    let (mut chain, operator, _, cap) = with_node();
    assert_abort(
        create_for_node(&mut chain, operator, cap, &[]),
        "key_server",
        move_aborts::key_server::E_INVALID_PUBLIC_KEY,
    );
}

// === update ===

#[test]
fn update_changes_the_url() {
    let mut chain = Chain::new();
    let owner = chain.new_account();
    let id = registered(&create(&mut chain, owner, "ks", "http://a", 0, &pk()).unwrap());
    let outcome = chain
        .call(owner, call::key_server::update(id, "http://b"))
        .unwrap();
    let event: KeyServerUrlUpdated = outcome.event("KeyServerUrlUpdated");
    assert_eq!(event.url, text("http://b"));
    let v1 = record(&chain, id);
    assert_eq!(
        (v1.name, v1.url, v1.pk),
        (text("ks"), text("http://b"), pk())
    );
}

#[test]
fn update_with_overlong_url_aborts() {
    let mut chain = Chain::new();
    let owner = chain.new_account();
    let id = registered(&create(&mut chain, owner, "ks", "http://a", 0, &pk()).unwrap());
    assert_abort(
        chain.call(owner, call::key_server::update(id, "a".repeat(257))),
        "key_server",
        move_aborts::key_server::E_INVALID_URL,
    );
}

/// A key server is owned: no one else can move its URL.
#[test]
fn update_by_someone_else_is_refused() {
    let mut chain = Chain::new();
    let owner = chain.new_account();
    let intruder = chain.new_account();
    let id = registered(&create(&mut chain, owner, "ks", "http://a", 0, &pk()).unwrap());
    let rejection = chain.rejection(
        intruder,
        vec![support::call::key_server::update(id, "http://evil")],
    );
    assert!(rejection.is_some(), "the chain ran it");
    assert_eq!(record(&chain, id).url, text("http://a"));
}

// === license::seal_approve_owner ===

/// `sender` registers a model; returns (model ID, cap ID).
fn model(chain: &mut Chain, sender: Address, name: &str) -> (Address, Address) {
    let outcome = chain
        .call_keep(sender, call::model::register_model(name, ""))
        .unwrap();
    let event: ModelRegistered = outcome.event("ModelRegistered");
    (
        move_types::address_of(&event.model_id),
        move_types::address_of(&event.cap_id),
    )
}

fn approve_owner(
    chain: &mut Chain,
    sender: Address,
    id: Address,
    cap: Address,
) -> Result<Outcome, Failure> {
    chain.call(
        sender,
        call::license::seal_approve_owner(id.as_bytes().to_vec(), Arg::ObjRead(cap)),
    )
}

#[test]
fn seal_approve_owner_approves_the_caps_model() {
    let mut chain = Chain::new();
    let seller = chain.new_account();
    let (model_id, cap) = model(&mut chain, seller, "m");
    let outcome = approve_owner(&mut chain, seller, model_id, cap).unwrap();
    assert!(outcome.outputs[0].is_empty());
}

/// The cap of another model (even the sender's own) approves nothing of this one.
#[test]
fn seal_approve_owner_with_a_cap_of_another_model_aborts() {
    let mut chain = Chain::new();
    let seller = chain.new_account();
    let (model_id, _) = model(&mut chain, seller, "m");
    let (_, other_cap) = model(&mut chain, seller, "other");
    let failure = approve_owner(&mut chain, seller, model_id, other_cap).unwrap_err();
    assert_eq!(
        failure.abort(),
        (
            "license".to_owned(),
            move_aborts::license::E_CAP_OF_OTHER_MODEL
        )
    );
}

/// Someone else's cap cannot be named at all: the chain refuses the transaction (a key server
/// answers `InvalidParameter`).
#[test]
fn seal_approve_owner_with_someone_elses_cap_is_refused() {
    let mut chain = Chain::new();
    let seller = chain.new_account();
    let intruder = chain.new_account();
    let (model_id, cap) = model(&mut chain, seller, "m");
    let rejection = chain.rejection(
        intruder,
        vec![support::call::license::seal_approve_owner(
            model_id.as_bytes().to_vec(),
            Arg::ObjRead(cap),
        )],
    );
    assert!(rejection.is_some(), "the chain ran it");
}

/// Whoever the cap moves to is the owner the policy approves.
#[test]
fn seal_approve_owner_follows_the_cap() {
    let mut chain = Chain::new();
    let seller = chain.new_account();
    let heir = chain.new_account();
    let (model_id, cap) = model(&mut chain, seller, "m");
    chain
        .ptb(
            seller,
            vec![support::Cmd::Transfer(vec![Arg::obj(cap)], heir)],
        )
        .unwrap();
    approve_owner(&mut chain, heir, model_id, cap).unwrap();
    assert!(
        chain
            .rejection(
                seller,
                vec![support::call::license::seal_approve_owner(
                    model_id.as_bytes().to_vec(),
                    Arg::ObjRead(cap)
                )],
            )
            .is_some()
    );
}
