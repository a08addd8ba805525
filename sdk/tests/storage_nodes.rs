//! A blob stored through in-memory storage nodes (only once registered), certified offline
//! and read back.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use floe_encoder::EncodingConfig;
use floe_sdk::bls::{self, BlsKeyPair};
use floe_sdk::calls::{self, FloeObjects, SharedObject};
use floe_sdk::committee::{Committee, Member};
use floe_sdk::memory_node::MemoryNode;
use floe_sdk::nodes::StorageNodeClient as _;
use floe_sdk::slivers;
use floe_sdk::sui_sdk_types::Address;
use floe_sdk::sui_transaction_builder::TransactionBuilder;

#[tokio::test]
async fn store_certify_offline_and_read() {
    let n = 7u16;
    let epoch = 5;
    // Three members holding 2, 2 and 3 shards: f = 2, quorum 5.
    let ranges = [0..2u16, 2..4, 4..7];
    let committee = Committee {
        epoch,
        n_shards: n,
        members: ranges
            .iter()
            .enumerate()
            .map(|(k, r)| Member {
                node_id: Address::new([k as u8 + 1; 32]),
                shards: r.clone().collect(),
            })
            .collect(),
    };
    let nodes: HashMap<Address, MemoryNode> = committee
        .members
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let node = MemoryNode::new(BlsKeyPair::from_seed(&[k as u8 + 40; 32]).unwrap(), epoch);
            (m.node_id, node)
        })
        .collect();
    let blob: Vec<u8> = (0..10_000u32).map(|i| (i % 253) as u8).collect();
    let (metadata, pairs) = floe_encoder::encode(&EncodingConfig::new(7).unwrap(), &blob).unwrap();
    // Uploads without a registration are refused; with one, every node records it.
    let blob_id = metadata.blob_id();
    let first = &nodes[&committee.members[0].node_id];
    let refused = first.store_metadata(&blob_id, &metadata).await.unwrap_err();
    assert!(
        refused.to_string().contains("register it on-chain"),
        "{refused}"
    );
    let unregistered = &pairs[blob_id.pair_for_shard(0, 7)];
    assert!(
        first
            .store_sliver_pair(0, &blob_id, unregistered)
            .await
            .is_err()
    );
    assert!(first.confirm_storage(&blob_id).await.is_err());
    let registered = Address::new([0xb1; 32]);
    let certificate = slivers::store_slivers(&nodes, &committee, &metadata, &pairs, registered)
        .await
        .unwrap();
    for node in nodes.values() {
        assert_eq!(node.registration(&blob_id), Some(registered));
    }
    assert_eq!(certificate.signers, vec![0, 1, 2]);
    let keys: Vec<[u8; 48]> = committee
        .members
        .iter()
        .map(|m| nodes[&m.node_id].bls_public_key().unwrap())
        .collect();
    bls::verify_aggregate(
        &keys,
        &bls::certification_message(epoch, &metadata.blob_id().0),
        &certificate.signature,
    )
    .unwrap();

    // The certify call takes exactly the certificate's signers and signature.
    let shared = |b: u8| SharedObject::new(Address::new([b; 32]), 1);
    let objects = FloeObjects {
        package: Address::new([0xf1; 32]),
        original_package: Address::new([0xf1; 32]),
        system: shared(1),
        treasury: shared(2),
        blob_registry: shared(3),
        challenge_board: shared(4),
    };
    let mut builder = TransactionBuilder::new();
    let blob_object = builder.object(calls::sample_owned_object());
    calls::blob::certify_blob(
        &mut builder,
        &objects,
        blob_object,
        &certificate.signers,
        &certificate.signature,
    );

    let read = slivers::read_slivers(&nodes, &committee, &metadata.blob_id())
        .await
        .unwrap();
    assert_eq!(read, blob);
}
