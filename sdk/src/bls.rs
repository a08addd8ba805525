//! BLS12-381 min_pk signatures as the `floe` package checks them: 48-byte compressed G1
//! public keys, 96-byte compressed G2 signatures, the standard `NUL` ciphersuite DST. Storage
//! nodes sign storage confirmations and proofs of possession with it; clients aggregate the
//! confirmations into the certificate `certify_blob` verifies.

use blst::BLST_ERROR;
use blst::min_pk::{AggregateSignature, PublicKey, SecretKey, Signature};
use sui_sdk_types::Address;

/// The ciphersuite `sui::bls12381::bls12381_min_pk_verify` uses.
pub const DST: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_";
/// Intent of a storage confirmation: type 1, version 0, app ID 3.
pub const CONFIRMATION_INTENT: [u8; 3] = [1, 0, 3];
pub const PUBLIC_KEY_LENGTH: usize = 48;
pub const SIGNATURE_LENGTH: usize = 96;

/// Why a BLS key or signature was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlsError {
    #[error("a BLS secret key needs at least 32 bytes of key material")]
    ShortSeed,
    #[error("invalid BLS {what}: {reason:?}")]
    Invalid { what: &'static str, reason: String },
    #[error("nothing to aggregate")]
    Empty,
}

fn invalid(what: &'static str, e: BLST_ERROR) -> BlsError {
    BlsError::Invalid {
        what,
        reason: format!("{e:?}"),
    }
}

/// What storage nodes sign to confirm they hold a blob: `[1, 0, 3] ‖ bcs(epoch: u64) ‖
/// bcs(blob_id: u256)`; the blob ID's BCS is its 32 bytes as printed (little-endian u256).
pub fn certification_message(epoch: u64, blob_id: &[u8; 32]) -> Vec<u8> {
    let mut message = Vec::with_capacity(3 + 8 + 32);
    message.extend_from_slice(&CONFIRMATION_INTENT);
    message.extend_from_slice(&epoch.to_le_bytes());
    message.extend_from_slice(blob_id);
    message
}

/// What a node's proof of possession signs: the registering sender's 32 bytes, then the key.
pub fn proof_of_possession_message(sender: Address, public_key: &[u8; 48]) -> Vec<u8> {
    let mut message = Vec::with_capacity(32 + 48);
    message.extend_from_slice(sender.inner());
    message.extend_from_slice(public_key);
    message
}

/// A node's BLS key pair.
#[derive(Clone)]
pub struct BlsKeyPair {
    secret: SecretKey,
}

impl std::fmt::Debug for BlsKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret key.
        f.debug_struct("BlsKeyPair")
            .field("public_key", &self.public_key())
            .finish()
    }
}

impl BlsKeyPair {
    /// Derives a key from at least 32 bytes of secret seed (IETF KeyGen).
    pub fn from_seed(seed: &[u8]) -> Result<Self, BlsError> {
        if seed.len() < 32 {
            return Err(BlsError::ShortSeed);
        }
        let secret = SecretKey::key_gen(seed, &[]).map_err(|e| invalid("seed", e))?;
        Ok(Self { secret })
    }

    /// The 48-byte compressed public key registered on-chain.
    pub fn public_key(&self) -> [u8; 48] {
        self.secret.sk_to_pk().compress()
    }

    pub fn sign(&self, message: &[u8]) -> [u8; 96] {
        self.secret.sign(message, DST, &[]).compress()
    }

    /// A storage confirmation for `blob_id` in `epoch`.
    pub fn sign_confirmation(&self, epoch: u64, blob_id: &[u8; 32]) -> [u8; 96] {
        self.sign(&certification_message(epoch, blob_id))
    }

    /// The proof of possession `staking::register_node` checks for `sender`.
    pub fn proof_of_possession(&self, sender: Address) -> [u8; 96] {
        self.sign(&proof_of_possession_message(sender, &self.public_key()))
    }
}

/// Checks one signature by one key.
pub fn verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), BlsError> {
    let pk = PublicKey::uncompress(public_key).map_err(|e| invalid("public key", e))?;
    let sig = Signature::uncompress(signature).map_err(|e| invalid("signature", e))?;
    match sig.verify(true, message, DST, &[], &pk, true) {
        BLST_ERROR::BLST_SUCCESS => Ok(()),
        e => Err(invalid("signature", e)),
    }
}

/// Adds signatures over the same message into one, as `certify_blob` expects.
pub fn aggregate(signatures: &[[u8; 96]]) -> Result<[u8; 96], BlsError> {
    if signatures.is_empty() {
        return Err(BlsError::Empty);
    }
    let parsed = signatures
        .iter()
        .map(|s| Signature::uncompress(s).map_err(|e| invalid("signature", e)))
        .collect::<Result<Vec<_>, _>>()?;
    let refs: Vec<&Signature> = parsed.iter().collect();
    let aggregate =
        AggregateSignature::aggregate(&refs, true).map_err(|e| invalid("signature", e))?;
    Ok(aggregate.to_signature().compress())
}

/// Checks an aggregate signature over one message by the sum of `public_keys`, the check the
/// chain makes; lets a client catch a bad confirmation before paying for a failing certify.
pub fn verify_aggregate(
    public_keys: &[[u8; 48]],
    message: &[u8],
    signature: &[u8; 96],
) -> Result<(), BlsError> {
    let keys = public_keys
        .iter()
        .map(|k| PublicKey::uncompress(k).map_err(|e| invalid("public key", e)))
        .collect::<Result<Vec<_>, _>>()?;
    let refs: Vec<&PublicKey> = keys.iter().collect();
    let sig = Signature::uncompress(signature).map_err(|e| invalid("signature", e))?;
    match sig.fast_aggregate_verify(true, message, DST, &refs) {
        BLST_ERROR::BLST_SUCCESS => Ok(()),
        e => Err(invalid("aggregate signature", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: u8) -> BlsKeyPair {
        BlsKeyPair::from_seed(&[i; 32]).unwrap()
    }

    #[test]
    fn message_layout() {
        let message = certification_message(0x0102, &[7; 32]);
        assert_eq!(&message[..3], &[1, 0, 3]);
        assert_eq!(&message[3..11], &[2, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&message[11..], &[7; 32]);
        assert_eq!(
            proof_of_possession_message(Address::TWO, &[9; 48]).len(),
            80
        );
    }

    #[test]
    fn aggregates_verify_against_the_signers_only() {
        let keys: Vec<BlsKeyPair> = (1..=4).map(key).collect();
        let message = certification_message(3, &[5; 32]);
        let sigs: Vec<[u8; 96]> = keys[..3].iter().map(|k| k.sign(&message)).collect();
        for (k, s) in keys.iter().zip(&sigs) {
            verify(&k.public_key(), &message, s).unwrap();
        }
        let agg = aggregate(&sigs).unwrap();
        let pks: Vec<[u8; 48]> = keys.iter().map(BlsKeyPair::public_key).collect();
        verify_aggregate(&pks[..3], &message, &agg).unwrap();
        assert!(verify_aggregate(&pks[1..], &message, &agg).is_err());
        assert!(verify_aggregate(&pks[..3], &certification_message(4, &[5; 32]), &agg).is_err());
        assert_eq!(aggregate(&[]), Err(BlsError::Empty));
        assert_eq!(
            BlsKeyPair::from_seed(&[1; 8]).unwrap_err(),
            BlsError::ShortSeed
        );
    }

    #[test]
    fn proof_of_possession_verifies() {
        let k = key(9);
        let pop = k.proof_of_possession(Address::TWO);
        verify(
            &k.public_key(),
            &proof_of_possession_message(Address::TWO, &k.public_key()),
            &pop,
        )
        .unwrap();
    }
}
