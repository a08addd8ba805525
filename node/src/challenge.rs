//! Answering availability challenges: from a `ChallengeIssued` event and the stored slivers,
//! the answer `floe::challenge::respond` verifies (format: "The challenge answer" in
//! `move/floe/MODULES.md`), and the `respond` call itself.

use floe_encoder::{BlobId, ChallengeAnswer, ProofError};
use floe_sdk::calls::{self, FloeObjects};
use floe_sdk::move_types::{self, events::ChallengeIssued};
use sui_sdk_types::Address;
use sui_transaction_builder::{Argument, TransactionBuilder};

use crate::store::{Store, StoreError};

/// One challenge, with the event's fields in the codec's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub challenge_id: u64,
    pub epoch: u64,
    pub node_id: Address,
    pub blob_id: BlobId,
    /// The blob root as the chain stores it (`bcs(root_hash: u256)`).
    pub root_hash: [u8; 32],
    pub shard: u16,
    pub pair_index: u16,
    pub symbol_index: u16,
    pub symbol_size: u64,
    pub deadline_ms: u64,
}

impl From<&ChallengeIssued> for Challenge {
    fn from(event: &ChallengeIssued) -> Self {
        Self {
            challenge_id: event.challenge_id,
            epoch: event.epoch,
            node_id: move_types::address_of(&event.node_id),
            // A u256's BCS is its 32 little-endian bytes: the blob ID's and root's own bytes.
            blob_id: BlobId(event.blob_id.to_le_bytes()),
            root_hash: event.root_hash.to_le_bytes(),
            shard: event.shard,
            pair_index: event.pair_index,
            symbol_index: event.symbol_index,
            symbol_size: event.symbol_size,
            deadline_ms: event.deadline_ms,
        }
    }
}

/// Why a challenge could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum ChallengeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "challenge {challenge_id} names blob {blob_id} with root {chain_root}, but the stored \
         metadata has root {stored_root}"
    )]
    RootMismatch {
        challenge_id: u64,
        blob_id: BlobId,
        chain_root: String,
        stored_root: String,
    },
    #[error(
        "challenge {challenge_id}: shard {shard} holds pair {expected} of blob {blob_id}, the \
         challenge names pair {named}"
    )]
    PairMismatch {
        challenge_id: u64,
        blob_id: BlobId,
        shard: u16,
        expected: usize,
        named: u16,
    },
    #[error("challenge {challenge_id}: symbol size {named} differs from the blob's {actual}")]
    SymbolSizeMismatch {
        challenge_id: u64,
        named: u64,
        actual: usize,
    },
    #[error("challenge {challenge_id}: {source}")]
    Proof {
        challenge_id: u64,
        source: ProofError,
    },
}

/// Builds the answer to `challenge` from the stored metadata and primary sliver, and checks it
/// exactly as the chain will, so a bad store is reported here rather than as an abort.
pub fn build_answer(
    store: &Store,
    challenge: &Challenge,
) -> Result<ChallengeAnswer, ChallengeError> {
    let id = challenge.challenge_id;
    let metadata = store.metadata(&challenge.blob_id)?;
    let root = metadata.root();
    if root != challenge.root_hash {
        return Err(ChallengeError::RootMismatch {
            challenge_id: id,
            blob_id: challenge.blob_id,
            chain_root: hex::encode(challenge.root_hash),
            stored_root: hex::encode(root),
        });
    }
    let n = metadata.n_shards();
    let expected = challenge
        .blob_id
        .pair_for_shard(usize::from(challenge.shard), n);
    if expected != usize::from(challenge.pair_index) {
        return Err(ChallengeError::PairMismatch {
            challenge_id: id,
            blob_id: challenge.blob_id,
            shard: challenge.shard,
            expected,
            named: challenge.pair_index,
        });
    }
    let (_, symbol_size) = metadata
        .checked_config()
        .map_err(|e| StoreError::BadMetadata {
            blob_id: challenge.blob_id,
            source: e,
        })?;
    if u64::try_from(symbol_size).ok() != Some(challenge.symbol_size) {
        return Err(ChallengeError::SymbolSizeMismatch {
            challenge_id: id,
            named: challenge.symbol_size,
            actual: symbol_size,
        });
    }
    let primary = store.pair(&challenge.blob_id, challenge.shard)?.primary;
    let proof = |source| ChallengeError::Proof {
        challenge_id: id,
        source,
    };
    let answer =
        floe_encoder::answer_challenge(&metadata, &primary, usize::from(challenge.symbol_index))
            .map_err(proof)?;
    floe_encoder::verify_challenge_answer(
        &answer,
        &challenge.root_hash,
        n,
        symbol_size,
        expected,
        usize::from(challenge.symbol_index),
    )
    .map_err(proof)?;
    Ok(answer)
}

/// Adds `challenge::respond(board, cap, challenge_id, symbol, sliver_path, secondary_hash,
/// pair_path, clock)` with `answer` to `builder`; `node_cap` is the operator's `NodeCap`.
pub fn add_respond(
    builder: &mut TransactionBuilder,
    objects: &FloeObjects,
    node_cap: Argument,
    challenge_id: u64,
    answer: &ChallengeAnswer,
) {
    let sliver_path: Vec<Vec<u8>> = answer.sliver_path.iter().map(|h| h.to_vec()).collect();
    let pair_path: Vec<Vec<u8>> = answer.pair_path.iter().map(|h| h.to_vec()).collect();
    calls::challenge::respond(
        builder,
        objects,
        node_cap,
        challenge_id,
        &answer.symbol,
        &sliver_path,
        &answer.secondary_hash,
        &pair_path,
    );
}

#[cfg(test)]
mod tests {
    use floe_encoder::{EncodingConfig, verify_challenge_answer};

    use super::*;

    /// A blob stored on a node holding every shard, and a challenge for `shard`, symbol `j`.
    fn setup(n: usize, shard: u16, j: u16) -> (tempfile::TempDir, Store, Challenge) {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 31 % 253) as u8).collect();
        let (metadata, pairs) =
            floe_encoder::encode(&EncodingConfig::new(n).unwrap(), &data).unwrap();
        let blob_id = metadata.blob_id();
        let store = Store::open(dir.path(), 0..n as u16).unwrap();
        let registration = crate::store::Registration {
            blob_object: Address::new([0xb0; 32]),
            end_epoch: 2,
        };
        store
            .put_metadata(&blob_id, &metadata, registration)
            .unwrap();
        let pair = blob_id.pair_for_shard(usize::from(shard), n);
        store.put_pair(&blob_id, shard, &pairs[pair], 1).unwrap();
        let (_, symbol_size) = metadata.checked_config().unwrap();
        let challenge = Challenge {
            challenge_id: 9,
            epoch: 1,
            node_id: Address::new([1; 32]),
            blob_id,
            root_hash: metadata.root(),
            shard,
            pair_index: pair as u16,
            symbol_index: j,
            symbol_size: symbol_size as u64,
            deadline_ms: 0,
        };
        (dir, store, challenge)
    }

    fn uleb(mut value: usize) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                out.push(byte);
                return out;
            }
            out.push(byte | 0x80);
        }
    }

    #[test]
    fn answers_verify_and_have_the_documented_bytes() {
        for (n, shard, j) in [(10, 3, 0), (10, 7, 9), (13, 0, 12), (4, 2, 1)] {
            let (_dir, store, challenge) = setup(n, shard, j);
            let answer = build_answer(&store, &challenge).unwrap();
            let depth = (n as f64).log2().ceil() as usize;
            assert_eq!(answer.symbol.len() as u64, challenge.symbol_size);
            assert_eq!(answer.sliver_path.len(), depth);
            assert_eq!(answer.pair_path.len(), depth);
            verify_challenge_answer(
                &answer,
                &challenge.root_hash,
                n,
                challenge.symbol_size as usize,
                usize::from(challenge.pair_index),
                usize::from(j),
            )
            .unwrap();
            // MODULES.md: the four respond arguments' BCS, one after another.
            let bytes = answer.to_bcs();
            let mut expected = uleb(answer.symbol.len());
            expected.extend_from_slice(&answer.symbol);
            expected.push(depth as u8);
            for sibling in &answer.sliver_path {
                expected.push(32);
                expected.extend_from_slice(sibling);
            }
            expected.push(32);
            expected.extend_from_slice(&answer.secondary_hash);
            expected.push(depth as u8);
            for sibling in &answer.pair_path {
                expected.push(32);
                expected.extend_from_slice(sibling);
            }
            assert_eq!(bytes, expected);
            // The same bytes as the Move arguments' BCS.
            let sliver_path: Vec<Vec<u8>> = answer.sliver_path.iter().map(|h| h.to_vec()).collect();
            let pair_path: Vec<Vec<u8>> = answer.pair_path.iter().map(|h| h.to_vec()).collect();
            let mut args = bcs::to_bytes(&answer.symbol).unwrap();
            args.extend(bcs::to_bytes(&sliver_path).unwrap());
            args.extend(bcs::to_bytes(&answer.secondary_hash.to_vec()).unwrap());
            args.extend(bcs::to_bytes(&pair_path).unwrap());
            assert_eq!(bytes, args);
            // The secondary hash is that of secondary sliver n − 1 − i.
            let metadata = store.metadata(&challenge.blob_id).unwrap();
            assert_eq!(
                answer.secondary_hash,
                metadata.hashes[usize::from(challenge.pair_index)].secondary
            );
        }
    }

    #[test]
    fn inconsistent_challenges_are_reported() {
        let (_dir, store, challenge) = setup(10, 3, 4);
        let wrong_pair = Challenge {
            pair_index: (challenge.pair_index + 1) % 10,
            ..challenge.clone()
        };
        assert!(matches!(
            build_answer(&store, &wrong_pair),
            Err(ChallengeError::PairMismatch { .. })
        ));
        let wrong_root = Challenge {
            root_hash: [0; 32],
            ..challenge.clone()
        };
        assert!(matches!(
            build_answer(&store, &wrong_root),
            Err(ChallengeError::RootMismatch { .. })
        ));
        let not_stored = Challenge {
            shard: 4,
            pair_index: challenge.blob_id.pair_for_shard(4, 10) as u16,
            ..challenge.clone()
        };
        assert!(matches!(
            build_answer(&store, &not_stored),
            Err(ChallengeError::Store(StoreError::NotStored { .. }))
        ));
        let out_of_range = Challenge {
            symbol_index: 10,
            ..challenge
        };
        assert!(matches!(
            build_answer(&store, &out_of_range),
            Err(ChallengeError::Proof { .. })
        ));
    }

    #[test]
    fn the_event_converts_with_little_endian_u256s() {
        let mut blob = [0u8; 32];
        blob[0] = 1;
        blob[31] = 0xff;
        let event = ChallengeIssued {
            challenge_id: 3,
            epoch: 2,
            node_id: move_types::id(Address::new([5; 32])),
            blob_id: move_types::u256_from_le(blob),
            root_hash: move_types::u256_from_le([7; 32]),
            shard: 1,
            pair_index: 2,
            symbol_index: 3,
            symbol_size: 4,
            deadline_ms: 5,
        };
        let challenge = Challenge::from(&event);
        assert_eq!(challenge.blob_id, BlobId(blob));
        assert_eq!(challenge.node_id, Address::new([5; 32]));
        // The event's BCS carries the blob ID bytes as they are.
        let bytes = bcs::to_bytes(&event).unwrap();
        assert_eq!(&bytes[16 + 32..16 + 64], &blob);
    }

    #[test]
    fn the_respond_call_has_the_answer_as_arguments() {
        let (_dir, store, challenge) = setup(10, 3, 4);
        let answer = build_answer(&store, &challenge).unwrap();
        let objects = FloeObjects {
            package: Address::new([0xaa; 32]),
            original_package: Address::new([0xaa; 32]),
            system: calls::SharedObject::new(Address::new([1; 32]), 1),
            treasury: calls::SharedObject::new(Address::new([2; 32]), 1),
            blob_registry: calls::SharedObject::new(Address::new([3; 32]), 1),
            challenge_board: calls::SharedObject::new(Address::new([4; 32]), 1),
        };
        let mut builder = TransactionBuilder::new();
        let cap = builder.object(sui_transaction_builder::ObjectInput::owned(
            Address::new([6; 32]),
            1,
            sui_sdk_types::Digest::new([0; 32]),
        ));
        add_respond(&mut builder, &objects, cap, 9, &answer);
        builder.set_sender(Address::new([6; 32]));
        builder.set_gas_budget(1);
        builder.set_gas_price(1);
        builder.add_gas_objects([sui_transaction_builder::ObjectInput::owned(
            Address::new([8; 32]),
            1,
            sui_sdk_types::Digest::new([0; 32]),
        )]);
        let transaction = builder.try_build().unwrap();
        let sui_sdk_types::TransactionKind::ProgrammableTransaction(ptb) = &transaction.kind else {
            panic!("a programmable transaction")
        };
        let sui_sdk_types::Command::MoveCall(call) = &ptb.commands[0] else {
            panic!("a move call")
        };
        assert_eq!(call.module.as_str(), "challenge");
        assert_eq!(call.function.as_str(), "respond");
        assert_eq!(call.arguments.len(), 8);
        // The pure inputs carry exactly the answer's BCS pieces.
        let pures: Vec<&Vec<u8>> = ptb
            .inputs
            .iter()
            .filter_map(|input| match input {
                sui_sdk_types::Input::Pure(value) => Some(value),
                _ => None,
            })
            .collect();
        let mut joined = Vec::new();
        for pure in &pures[1..] {
            joined.extend_from_slice(pure);
        }
        assert_eq!(pures[0], &bcs::to_bytes(&9u64).unwrap());
        assert_eq!(joined, answer.to_bcs());
    }
}
