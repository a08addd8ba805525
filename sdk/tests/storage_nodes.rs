//! The storage-node traits implemented outside the sdk (as the storage-node crate will), then
//! a blob stored through them, certified offline and read back.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::Mutex;

use floe_encoder::{BlobId, BlobMetadata, EncodingConfig, Sliver, SliverPair};
use floe_sdk::bls::{self, BlsKeyPair};
use floe_sdk::calls::{self, FloeObjects, SharedObject};
use floe_sdk::committee::{Committee, Member};
use floe_sdk::nodes::{NodeError, StorageConfirmation, StorageNodeClient};
use floe_sdk::slivers;
use floe_sdk::sui_sdk_types::Address;
use floe_sdk::sui_transaction_builder::TransactionBuilder;

struct Node {
    key: BlsKeyPair,
    epoch: u64,
    metadata: Mutex<HashMap<BlobId, BlobMetadata>>,
    pairs: Mutex<HashMap<(BlobId, u16), SliverPair>>,
}

impl StorageNodeClient for Node {
    async fn store_metadata(
        &self,
        blob_id: &BlobId,
        metadata: &BlobMetadata,
    ) -> Result<(), NodeError> {
        metadata
            .verify(blob_id)
            .map_err(|e| NodeError::Rejected(e.to_string()))?;
        self.metadata
            .lock()
            .unwrap()
            .insert(*blob_id, metadata.clone());
        Ok(())
    }

    async fn store_sliver_pair(
        &self,
        shard: u16,
        blob_id: &BlobId,
        pair: &SliverPair,
    ) -> Result<StorageConfirmation, NodeError> {
        self.pairs
            .lock()
            .unwrap()
            .insert((*blob_id, shard), pair.clone());
        Ok(StorageConfirmation {
            epoch: self.epoch,
            blob_id: *blob_id,
            signature: self.key.sign_confirmation(self.epoch, &blob_id.0),
        })
    }

    async fn read_metadata(&self, blob_id: &BlobId) -> Result<BlobMetadata, NodeError> {
        self.metadata
            .lock()
            .unwrap()
            .get(blob_id)
            .cloned()
            .ok_or(NodeError::NotFound)
    }

    async fn read_primary_sliver(&self, shard: u16, blob_id: &BlobId) -> Result<Sliver, NodeError> {
        let pairs = self.pairs.lock().unwrap();
        Ok(pairs
            .get(&(*blob_id, shard))
            .ok_or(NodeError::NotFound)?
            .primary
            .clone())
    }
}

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
    let nodes: HashMap<Address, Node> = committee
        .members
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let node = Node {
                key: BlsKeyPair::from_seed(&[k as u8 + 40; 32]).unwrap(),
                epoch,
                metadata: Mutex::default(),
                pairs: Mutex::default(),
            };
            (m.node_id, node)
        })
        .collect();
    let blob: Vec<u8> = (0..10_000u32).map(|i| (i % 253) as u8).collect();
    let (metadata, pairs) = floe_encoder::encode(&EncodingConfig::new(7).unwrap(), &blob).unwrap();
    let certificate = slivers::store_slivers(&nodes, &committee, &metadata, &pairs)
        .await
        .unwrap();
    assert_eq!(certificate.signers, vec![0, 1, 2]);
    let keys: Vec<[u8; 48]> = committee
        .members
        .iter()
        .map(|m| nodes[&m.node_id].key.public_key())
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
