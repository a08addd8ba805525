//! Round trips, recovery and tamper detection, with random blobs, shard counts and subsets.

use floe_encoder::verify::verify_slivers;
use floe_encoder::{
    Axis, BlobId, ChallengeAnswer, DecodeError, EncodingConfig, ProofError, RecoverySymbol, Sliver,
    answer_challenge, decode, decode_and_verify, encode, recover_sliver, recovery_symbol,
    verify_challenge_answer, verify_sliver,
};
use proptest::prelude::*;
use proptest::sample::subsequence;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng, rngs::StdRng};

fn random_blob(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len).map(|_| rng.r#gen()).collect()
}

fn primaries(pairs: &[floe_encoder::SliverPair]) -> Vec<Sliver> {
    pairs.iter().map(|p| p.primary.clone()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn decodes_from_any_p_primary_slivers(
        n in 4usize..24,
        len in 0usize..5000,
        seed in any::<u64>(),
        pick in any::<u64>(),
    ) {
        let config = EncodingConfig::new(n).expect("valid");
        let blob = random_blob(len, seed);
        let (metadata, pairs) = encode(&config, &blob).expect("encodes");
        let id = metadata.blob_id();
        let mut slivers = primaries(&pairs);
        slivers.shuffle(&mut StdRng::seed_from_u64(pick));
        slivers.truncate(config.n_primary_source());
        prop_assert_eq!(decode(&metadata, &id, &slivers).expect("decodes"), blob.clone());
        prop_assert_eq!(decode_and_verify(&metadata, &id, &slivers).expect("decodes"), blob);
        let too_few = &slivers[..slivers.len() - 1];
        let is_not_enough = matches!(
            decode(&metadata, &id, too_few),
            Err(DecodeError::NotEnoughSlivers { .. })
        );
        prop_assert!(is_not_enough);
    }

    #[test]
    fn recovers_any_lost_sliver(
        n in 4usize..20,
        len in 0usize..3000,
        seed in any::<u64>(),
        target in any::<prop::sample::Index>(),
        helpers in subsequence((0usize..20).collect::<Vec<_>>(), 13..=20),
    ) {
        let config = EncodingConfig::new(n).expect("valid");
        let blob = random_blob(len, seed);
        let (metadata, pairs) = encode(&config, &blob).expect("encodes");
        let target = target.index(n);
        let helpers: Vec<usize> = helpers.into_iter().filter(|&h| h < n).collect();
        prop_assume!(helpers.len() >= config.n_secondary_source());

        // A lost primary sliver from s secondary slivers' symbols.
        let symbols: Vec<RecoverySymbol> = helpers
            .iter()
            .map(|&j| {
                let secondary = &pairs[n - 1 - j].secondary;
                recovery_symbol(&metadata, secondary, target).expect("symbol")
            })
            .collect();
        let rebuilt = recover_sliver(&metadata, Axis::Primary, target, &symbols).expect("recovers");
        prop_assert_eq!(&rebuilt, &pairs[target].primary);

        // A lost secondary sliver from p primary slivers' symbols.
        let symbols: Vec<RecoverySymbol> = helpers
            .iter()
            .map(|&i| recovery_symbol(&metadata, &pairs[i].primary, target).expect("symbol"))
            .collect();
        let rebuilt = recover_sliver(&metadata, Axis::Secondary, target, &symbols)
            .expect("recovers");
        prop_assert_eq!(&rebuilt, &pairs[n - 1 - target].secondary);
    }

    #[test]
    fn any_flipped_byte_in_a_sliver_is_detected(
        n in 4usize..16,
        len in 1usize..2000,
        seed in any::<u64>(),
        which in any::<prop::sample::Index>(),
        byte in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let config = EncodingConfig::new(n).expect("valid");
        let (metadata, pairs) = encode(&config, &random_blob(len, seed)).expect("encodes");
        let pair = which.index(n);
        for mut sliver in [pairs[pair].primary.clone(), pairs[pair].secondary.clone()] {
            verify_sliver(&metadata, &sliver).expect("genuine sliver verifies");
            let at = byte.index(sliver.data.len());
            sliver.data[at] ^= 1 << bit;
            let is_mismatch = matches!(
                verify_sliver(&metadata, &sliver),
                Err(DecodeError::SliverMismatch { .. })
            );
            prop_assert!(is_mismatch);
        }
    }

    #[test]
    fn challenge_answers_verify_and_tampering_fails(
        n in 4usize..40,
        len in 0usize..4000,
        seed in any::<u64>(),
        pair in any::<prop::sample::Index>(),
        symbol in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
    ) {
        let config = EncodingConfig::new(n).expect("valid");
        let (metadata, pairs) = encode(&config, &random_blob(len, seed)).expect("encodes");
        let sym = config.symbol_size(len as u64).expect("fits");
        let (i, j) = (pair.index(n), symbol.index(n));
        let root = metadata.root();
        let answer = answer_challenge(&metadata, &pairs[i].primary, j).expect("answers");
        verify_challenge_answer(&answer, &root, n, sym, i, j).expect("genuine answer verifies");
        let bytes = answer.to_bcs();
        prop_assert_eq!(ChallengeAnswer::from_bcs(&bytes).expect("parses"), answer.clone());

        // Flip one bit anywhere in the encoded answer: it must fail to parse or to verify.
        let mut tampered = bytes.clone();
        let at = flip.index(tampered.len());
        tampered[at] ^= 0x10;
        if let Ok(parsed) = ChallengeAnswer::from_bcs(&tampered) {
            prop_assert!(verify_challenge_answer(&parsed, &root, n, sym, i, j).is_err());
        }
        // The answer does not pass for another symbol or pair, unless that one's answer is
        // the very same (zero padding makes symbols and subtrees repeat).
        let (j2, i2) = ((j + 1) % n, (i + 1) % n);
        if answer_challenge(&metadata, &pairs[i].primary, j2).expect("answers") != answer {
            prop_assert!(verify_challenge_answer(&answer, &root, n, sym, i, j2).is_err());
        }
        if answer_challenge(&metadata, &pairs[i2].primary, j).expect("answers") != answer {
            prop_assert!(verify_challenge_answer(&answer, &root, n, sym, i2, j).is_err());
        }
    }
}

#[test]
fn decode_skips_bad_slivers_while_enough_good_ones_remain() {
    let config = EncodingConfig::new(10).expect("valid");
    let blob = random_blob(10_000, 3);
    let (metadata, pairs) = encode(&config, &blob).expect("encodes");
    let id = metadata.blob_id();
    let mut slivers = primaries(&pairs);
    slivers[0].data[0] ^= 1;
    assert_eq!(decode(&metadata, &id, &slivers).expect("decodes"), blob);
    // With only p slivers and one of them bad, decoding must refuse rather than guess.
    let p = config.n_primary_source();
    assert_eq!(
        decode(&metadata, &id, &slivers[..p]),
        Err(DecodeError::SliverMismatch {
            axis: "primary",
            index: 0
        })
    );
}

#[test]
fn decode_rejects_metadata_of_another_blob() {
    let config = EncodingConfig::new(7).expect("valid");
    let (metadata, pairs) = encode(&config, b"hello floe").expect("encodes");
    let other = BlobId([9; 32]);
    assert!(matches!(
        decode(&metadata, &other, &primaries(&pairs)),
        Err(DecodeError::BlobIdMismatch { .. })
    ));
    let mut forged = metadata.clone();
    forged.hashes[2].secondary[0] ^= 1;
    assert!(matches!(
        decode(&forged, &metadata.blob_id(), &primaries(&pairs)),
        Err(DecodeError::BlobIdMismatch { .. })
    ));
}

#[test]
fn metadata_bytes_round_trip_and_detect_tampering() {
    let config = EncodingConfig::new(10).expect("valid");
    let (metadata, _) = encode(&config, &random_blob(777, 1)).expect("encodes");
    let bytes = metadata.to_bytes();
    let (id, parsed) = floe_encoder::BlobMetadata::from_bytes(&bytes).expect("parses");
    assert_eq!((id, &parsed), (metadata.blob_id(), &metadata));
    let mut tampered = bytes.clone();
    tampered[100] ^= 1;
    assert!(floe_encoder::BlobMetadata::from_bytes(&tampered).is_err());
}

#[test]
fn recovery_symbols_with_bad_proofs_are_rejected() {
    let config = EncodingConfig::new(7).expect("valid");
    let (metadata, pairs) = encode(&config, &random_blob(500, 5)).expect("encodes");
    let mut symbol = recovery_symbol(&metadata, &pairs[1].primary, 3).expect("symbol");
    symbol.verify(&metadata).expect("genuine");
    symbol.symbol[0] ^= 1;
    assert_eq!(symbol.verify(&metadata), Err(ProofError::RootMismatch));
    let symbols = vec![symbol; 5];
    assert!(matches!(
        recover_sliver(&metadata, Axis::Secondary, 3, &symbols),
        Err(DecodeError::InvalidRecoverySymbol { source_index: 1 })
    ));
}

#[test]
fn larger_committee_round_trip() {
    let config = EncodingConfig::new(100).expect("valid");
    let mut rng = StdRng::seed_from_u64(7);
    let blob = random_blob(300_001, 7);
    let (metadata, pairs) = encode(&config, &blob).expect("encodes");
    let mut slivers = primaries(&pairs);
    slivers.shuffle(&mut rng);
    slivers.truncate(config.n_primary_source());
    let id = metadata.blob_id();
    assert_eq!(decode(&metadata, &id, &slivers).expect("decodes"), blob);
    let j = rng.gen_range(0..100);
    let answer = answer_challenge(&metadata, &pairs[42].primary, j).expect("answers");
    let sym = config.symbol_size(blob.len() as u64).expect("fits");
    verify_challenge_answer(&answer, &metadata.root(), 100, sym, 42, j).expect("verifies");
}

#[test]
fn batched_checks_flag_exactly_the_tampered_slivers() {
    // n = 100 with 132-byte symbols: the slivers are checked in several batches of both axes.
    let config = EncodingConfig::new(100).expect("valid");
    let blob = random_blob(300_001, 11);
    let (metadata, pairs) = encode(&config, &blob).expect("encodes");
    let id = metadata.blob_id();
    let mut slivers = primaries(&pairs);
    slivers.extend(pairs.iter().map(|pair| pair.secondary.clone()));
    let tampered = [3usize, 57, 99, 100 + 40];
    for &i in &tampered {
        let last = slivers[i].data.len() - 1;
        slivers[i].data[last] ^= 0x80;
    }
    let refs: Vec<&Sliver> = slivers.iter().collect();
    for (i, result) in verify_slivers(&metadata, &refs).into_iter().enumerate() {
        assert_eq!(result.is_err(), tampered.contains(&i), "sliver {i}");
    }
    // Only p primary slivers, one of them a tampered recovery row: a typed error, no blob.
    let p = config.n_primary_source();
    let mut few: Vec<Sliver> = slivers[50..50 + p].to_vec();
    assert!(few.iter().any(|s| s.index == 57));
    assert_eq!(
        decode(&metadata, &id, &few),
        Err(DecodeError::SliverMismatch {
            axis: "primary",
            index: 57
        })
    );
    // One more good sliver and the bad one is skipped.
    few.push(slivers[90].clone());
    assert_eq!(decode(&metadata, &id, &few).expect("decodes"), blob);
}

#[test]
fn decoding_into_a_reused_buffer_gives_the_blob() {
    // The buffer keeps whatever the previous decode (a larger or smaller blob) left in it.
    let mut buffer = vec![0xA5u8; 70_000];
    for (n, len) in [(10usize, 30_001usize), (13, 200_000), (10, 5), (7, 0)] {
        let config = EncodingConfig::new(n).expect("valid");
        let blob = random_blob(len, n as u64 + len as u64);
        let (metadata, pairs) = encode(&config, &blob).expect("encodes");
        let id = metadata.blob_id();
        let mut slivers = primaries(&pairs);
        slivers.shuffle(&mut StdRng::seed_from_u64(len as u64));
        slivers.truncate(config.n_primary_source());
        floe_encoder::decode_into(&metadata, &id, &slivers, &mut buffer).expect("decodes");
        assert_eq!(buffer, blob, "n {n} len {len}");
    }
}
