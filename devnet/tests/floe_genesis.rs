//! Genesis with a storage network: the `System`, nodes registered with real proofs of
//! possession, staked by the publisher and seated as the epoch-1 committee, and a blob stored
//! and certified against that committee with real encoder output and real BLS signatures.
#![allow(clippy::unwrap_used)]

mod support;

use floe_devnet::floe::genesis::{GenesisNode, NetworkGenesis};
use floe_encoder::EncodingConfig;
use floe_sdk::bls::{self, BlsKeyPair};
use floe_sdk::committee::Committee;
use floe_sdk::move_types::blob::Blob;
use floe_sdk::move_types::events::BlobCertified;
use floe_sdk::move_types::staking::{NodeCap, StakedWal};
use floe_sdk::move_types::system::System;
use floe_sdk::move_types::u256_from_le;
use sui_sdk_types::{Address, IdOperation, ObjectIn, ObjectOut, Owner, TransactionEffects};
use support::{Arg, Chain, call};

const WAL: u64 = 1_000_000_000;
const N_SHARDS: u16 = 10;
const EPOCH_MS: u64 = 3_600_000;

fn network(publisher: Address, keys: &[BlsKeyPair]) -> NetworkGenesis {
    NetworkGenesis {
        n_shards: N_SHARDS,
        epoch_duration_ms: EPOCH_MS,
        nodes: keys
            .iter()
            .enumerate()
            .map(|(i, key)| GenesisNode {
                name: format!("node-{i}"),
                network_address: format!("127.0.0.1:{}", 9100 + i),
                bls_public_key: key.public_key().to_vec(),
                proof_of_possession: key.proof_of_possession(publisher).to_vec(),
                commission_bps: 500,
                stake: (i as u64 + 1) * 1_000 * WAL,
                operator: Address::new([0xc0 + i as u8; 32]),
            })
            .collect(),
    }
}

fn keys() -> Vec<BlsKeyPair> {
    (0..4u8)
        .map(|i| BlsKeyPair::from_seed(&[i + 1; 32]).unwrap())
        .collect()
}

#[test]
fn genesis_seats_the_nodes_as_the_first_committee() {
    let keys = keys();
    let (chain, started) = Chain::with_network(&network(Chain::publisher_address(), &keys));
    let system: System = chain.object(started.system);
    assert!(matches!(chain.owner(started.system), Owner::Shared(1)));
    assert_eq!(system.epoch, 1);
    assert_eq!(system.n_shards, N_SHARDS);
    assert_eq!(system.committee.len(), 4);
    let mut shards: Vec<u16> = system.committee_shards.concat();
    shards.sort_unstable();
    assert_eq!(
        shards,
        (0..N_SHARDS).collect::<Vec<_>>(),
        "shards partition 0..n"
    );

    for (i, (node_id, cap, staked)) in started.nodes.iter().enumerate() {
        let operator = Address::new([0xc0 + i as u8; 32]);
        assert_eq!(chain.owner(*cap), Owner::Address(operator));
        assert_eq!(chain.owner(*staked), Owner::Address(operator));
        let cap: NodeCap = chain.object(*cap);
        assert_eq!(floe_sdk::move_types::address_of(&cap.node_id), *node_id);
        let staked: StakedWal = chain.object(*staked);
        assert_eq!(staked.principal, (i as u64 + 1) * 1_000 * WAL);
        assert_eq!(staked.activation_epoch, 1);
    }
    let staked_total: u64 = (1..=4).map(|i| i * 1_000 * WAL).sum();
    assert_eq!(
        chain.wal_balance(chain.publisher),
        5_000_000_000 * WAL - staked_total
    );
}

#[test]
fn a_blob_stored_at_genesis_committee_is_certified_with_real_signatures() {
    let keys = keys();
    let (mut chain, started) = Chain::with_network(&network(Chain::publisher_address(), &keys));
    let user = chain.new_account();
    let payment = chain.give_wal(user, 100 * WAL);

    let blob: Vec<u8> = (0..50_000u32).map(|i| (i * 7 + 3) as u8).collect();
    let config = EncodingConfig::new(usize::from(N_SHARDS)).unwrap();
    let metadata = floe_encoder::compute_metadata(&config, &blob.as_slice()).unwrap();
    let blob_id = metadata.blob_id().0;
    let root = metadata.root();

    // Reserve in one transaction and register in another, so the storage object exists
    // before it goes into the blob.
    let reserved = chain
        .call_keep(
            user,
            call::blob::reserve_space(started.system, blob.len() as u64, 2u64, payment),
        )
        .unwrap();
    let storage = reserved.created("blob", "Storage")[0];
    let registered = chain
        .call_keep(
            user,
            call::blob::register_blob(
                started.system,
                chain.genesis.blob_registry,
                storage,
                u256_from_le(blob_id),
                u256_from_le(root),
                blob.len() as u64,
                1u8,
                false,
                payment,
            ),
        )
        .unwrap();
    let blob_object = registered.created("blob", "Blob")[0];
    // The storage went into the blob: wrapped, not deleted (no ID deletion in the effects).
    let TransactionEffects::V2(effects) = &registered.record.effects else {
        panic!("V2 effects");
    };
    let storage_change = effects
        .changed_objects
        .iter()
        .find(|c| c.object_id == storage)
        .expect("the storage is in the effects");
    assert!(matches!(storage_change.input_state, ObjectIn::Exist { .. }));
    assert!(matches!(storage_change.output_state, ObjectOut::NotExist));
    assert_eq!(storage_change.id_operation, IdOperation::None);
    assert!(!chain.exists(storage));

    // Every node signs; the sdk aggregates in committee order.
    let system: System = chain.object(started.system);
    let committee = Committee::from_system(&system);
    let message = bls::certification_message(system.epoch, &blob_id);
    let mut signers = Vec::new();
    let mut signatures = Vec::new();
    for (index, member) in committee.members.iter().enumerate() {
        let position = started
            .nodes
            .iter()
            .position(|(id, _, _)| *id == member.node_id)
            .unwrap();
        signers.push(index as u16);
        signatures.push(keys[position].sign(&message));
    }
    let signature = bls::aggregate(&signatures).unwrap();

    let certified = chain
        .call(
            user,
            call::blob::certify_blob(
                started.system,
                chain.genesis.blob_registry,
                blob_object,
                &signers,
                signature.to_vec(),
            ),
        )
        .unwrap();
    let event: BlobCertified = certified.event("BlobCertified");
    assert_eq!(event.blob_id.to_le_bytes(), blob_id);
    assert_eq!(event.epoch, 1);
    let stored: Blob = chain.object(blob_object);
    assert_eq!(stored.certified_epoch, Some(1));

    // The registry answers `is_certified` for it.
    let check = chain
        .call(
            user,
            call::blob::is_certified(
                Arg::ObjRead(chain.genesis.blob_registry),
                u256_from_le(blob_id),
            ),
        )
        .unwrap();
    assert!(check.ret::<bool>(0, 0));
}
