//! Boneh–Franklin identity-based key encapsulation over BLS12-381, as Seal uses it: a key
//! server's master secret s is a scalar, its public key s·G₂, an identity hashes to a G1 point
//! H(id), and the user secret key for that identity is s·H(id) (a BLS signature on the
//! identity). An encryptor picks r, publishes the nonce r·G₂ and derives, for each server i,
//! the pairing value e(r·H(id), s_i·G₂), which the holder of s_i·H(id) recomputes as
//! e(s_i·H(id), r·G₂).
//!
//! Every group operation goes through blst's safe API: hashing and multiplying a hashed point
//! by a scalar is exactly BLS signing in the "min_sig" setting (signatures in G1, keys in G2),
//! a scalar times the G2 generator is key derivation there, and the pairing is a Miller loop
//! plus final exponentiation.

use blst::min_sig::{PublicKey as G2Point, SecretKey, Signature as G1Point};
use blst::{blst_fp12, blst_p1_affine, blst_p2_affine};
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroize;

use crate::{Error, ObjectId};

/// Domain separation prepended to the identity before hashing it to G1.
pub const DST_ID: &[u8] = b"SUI-SEAL-IBE-BLS12381-00";

/// Domain separation of a key server's proof of possession of its master secret.
pub const DST_POP: &[u8] = b"SUI-SEAL-IBE-BLS12381-POP-00";

/// The hash-to-curve suite of G1 (RFC 9380, the BLS signature suite for G1 signatures).
const DST_G1: &[u8] = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_";

/// A pairing value in GT, serialised as blst's (and fastcrypto's, and Seal's) 576-byte
/// big-endian Fp12.
pub(crate) type GtBytes = [u8; 576];

/// A key server's IBE master secret: a non-zero scalar below the group order.
#[derive(Clone)]
pub struct MasterSecret(SecretKey);

impl MasterSecret {
    /// Draws a uniform master secret from `rng` (rejection sampling: a 255-bit candidate is
    /// kept when it lies in [1, r), which happens nine times in ten).
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        Self(random_scalar(rng))
    }

    /// Reads a master secret from its 32-byte big-endian encoding.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, Error> {
        SecretKey::from_bytes(bytes)
            .map(Self)
            .map_err(|_| Error::InvalidMasterSecret)
    }

    /// The 32-byte big-endian encoding (the form Seal's key servers store).
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The public key s·G₂, which a key server publishes on-chain.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.sk_to_pk())
    }

    /// The proof of possession a Seal key server returns from `GET /v1/service`: a BLS
    /// signature (G1, 48 bytes) on DST_POP ‖ public key ‖ key-server object id. Binding the
    /// object id stops anyone from registering another server's public key as their own.
    pub fn proof_of_possession(&self, key_server: &ObjectId) -> [u8; 48] {
        self.0
            .sign(&pop_message(&self.public_key(), key_server), DST_G1, &[])
            .compress()
    }
}

/// Checks a key server's proof of possession (what Seal's client does before trusting a
/// server's public key).
pub fn verify_proof_of_possession(
    public_key: &PublicKey,
    key_server: &ObjectId,
    proof: &[u8; 48],
) -> Result<(), Error> {
    let signature =
        G1Point::sig_validate(proof, true).map_err(|_| Error::InvalidProofOfPossession)?;
    let result = signature.verify(
        false,
        &pop_message(public_key, key_server),
        DST_G1,
        &[],
        &public_key.0,
        false,
    );
    if result == blst::BLST_ERROR::BLST_SUCCESS {
        Ok(())
    } else {
        Err(Error::InvalidProofOfPossession)
    }
}

fn pop_message(public_key: &PublicKey, key_server: &ObjectId) -> Vec<u8> {
    [DST_POP, &public_key.to_bytes(), key_server].concat()
}

impl std::fmt::Debug for MasterSecret {
    /// Never prints the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterSecret(..)")
    }
}

/// A key server's public key, a G2 point (96 bytes compressed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicKey(G2Point);

impl PublicKey {
    /// Reads a compressed G2 point, rejecting points off the curve, outside the prime-order
    /// subgroup, or at infinity (which would make every share public).
    pub fn from_bytes(bytes: &[u8; 96]) -> Result<Self, Error> {
        let point = G2Point::uncompress(bytes).map_err(|_| Error::InvalidPublicKey)?;
        point.validate().map_err(|_| Error::InvalidPublicKey)?;
        Ok(Self(point))
    }

    /// The 96-byte compressed encoding.
    pub fn to_bytes(&self) -> [u8; 96] {
        self.0.compress()
    }

    fn affine(&self) -> &blst_p2_affine {
        (&self.0).into()
    }
}

/// A user secret key s·H(id) for one key server and one full identity (48 bytes compressed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserSecretKey(G1Point);

impl UserSecretKey {
    /// Reads a compressed G1 point in the prime-order subgroup, not at infinity.
    pub fn from_bytes(bytes: &[u8; 48]) -> Result<Self, Error> {
        let point = G1Point::uncompress(bytes).map_err(|_| Error::InvalidUserKey)?;
        point.validate(true).map_err(|_| Error::InvalidUserKey)?;
        Ok(Self(point))
    }

    /// The 48-byte compressed encoding (what Seal's key servers return, encrypted).
    pub fn to_bytes(&self) -> [u8; 48] {
        self.0.compress()
    }

    fn affine(&self) -> &blst_p1_affine {
        (&self.0).into()
    }
}

/// The key server's side of extraction: the user secret key s·H(full_id).
pub fn derive_user_key(master: &MasterSecret, full_id: &[u8]) -> UserSecretKey {
    UserSecretKey(master.0.sign(&hash_input(full_id), DST_G1, &[]))
}

/// Whether `key` is s·H(full_id) for the s behind `public_key`:
/// e(key, G₂) = e(H(full_id), public_key). Only public values are compared.
pub(crate) fn user_key_matches(
    key: &UserSecretKey,
    full_id: &[u8],
    public_key: &PublicKey,
) -> bool {
    let one = scalar_one();
    let generator = one.sk_to_pk();
    let hashed = one.sign(&hash_input(full_id), DST_G1, &[]);
    pairing(key.affine(), (&generator).into()) == pairing((&hashed).into(), public_key.affine())
}

/// H(id) as Seal hashes it: RFC 9380 hash-to-G1 of DST_ID ‖ id.
pub(crate) fn hash_to_g1(full_id: &[u8]) -> [u8; 48] {
    scalar_one()
        .sign(&hash_input(full_id), DST_G1, &[])
        .compress()
}

/// The encryptor's side, for one identity and many servers.
pub(crate) struct Encapsulation {
    /// The randomness r, 32 bytes big-endian (Seal encrypts it for the nonce check).
    pub randomness: [u8; 32],
    /// r·G₂, compressed.
    pub nonce: [u8; 96],
    /// H(id), compressed (an input of every share pad).
    pub gid: [u8; 48],
    /// e(r·H(id), pkᵢ) for each public key, in order.
    pub shared: Vec<GtBytes>,
}

impl Drop for Encapsulation {
    fn drop(&mut self) {
        self.randomness.zeroize();
        for value in &mut self.shared {
            value.zeroize();
        }
    }
}

/// Picks r and computes the nonce and each server's pairing value.
pub(crate) fn encapsulate<R: RngCore + CryptoRng>(
    rng: &mut R,
    public_keys: &[PublicKey],
    full_id: &[u8],
) -> Encapsulation {
    let r = random_scalar(rng);
    Encapsulation {
        randomness: r.to_bytes(),
        nonce: r.sk_to_pk().compress(),
        gid: hash_to_g1(full_id),
        shared: pairing_values(&r, public_keys, full_id),
    }
}

/// e(r·H(id), pkᵢ) for each public key: the encryptor's side, recomputed from the recovered
/// randomness by a decryptor that checks every share (not only those it holds keys for).
pub(crate) fn pairing_values_from_randomness(
    randomness: &[u8; 32],
    public_keys: &[PublicKey],
    full_id: &[u8],
) -> Option<Vec<GtBytes>> {
    let r = SecretKey::from_bytes(randomness).ok()?;
    Some(pairing_values(&r, public_keys, full_id))
}

fn pairing_values(r: &SecretKey, public_keys: &[PublicKey], full_id: &[u8]) -> Vec<GtBytes> {
    let gid_r = r.sign(&hash_input(full_id), DST_G1, &[]);
    public_keys
        .iter()
        .map(|pk| pairing((&gid_r).into(), pk.affine()))
        .collect()
}

/// The decryptor's side: e(usk, nonce) equals the encryptor's e(r·H(id), pk).
pub(crate) fn decapsulate(key: &UserSecretKey, nonce: &PublicKey) -> GtBytes {
    pairing(key.affine(), nonce.affine())
}

/// Whether `randomness` (32 bytes big-endian) is the r with r·G₂ = `nonce`. A candidate that is
/// not a scalar in [1, r) is simply not the randomness.
pub(crate) fn randomness_matches(randomness: &[u8; 32], nonce: &PublicKey) -> bool {
    SecretKey::from_bytes(randomness).is_ok_and(|r| r.sk_to_pk() == nonce.0)
}

fn hash_input(full_id: &[u8]) -> Vec<u8> {
    [DST_ID, full_id].concat()
}

fn pairing(p: &blst_p1_affine, q: &blst_p2_affine) -> GtBytes {
    blst_fp12::miller_loop(q, p).final_exp().to_bendian()
}

fn scalar_one() -> SecretKey {
    let mut one = [0u8; 32];
    one[31] = 1;
    SecretKey::from_bytes(&one).expect("1 is a valid non-zero scalar")
}

fn random_scalar<R: RngCore + CryptoRng>(rng: &mut R) -> SecretKey {
    let mut bytes = [0u8; 32];
    loop {
        rng.fill_bytes(&mut bytes);
        // The group order is just under 2^255: clearing the top bit keeps the rejection rate
        // below one in ten without skewing the distribution.
        bytes[0] &= 0x7f;
        if let Ok(scalar) = SecretKey::from_bytes(&bytes) {
            bytes.zeroize();
            return scalar;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn hash_to_g1_matches_seals_published_value() {
        // Seal's regression value for H(0x00…00 ‖ 01020304) (32 zero bytes of package id).
        let mut full_id = vec![0u8; 32];
        full_id.extend([1, 2, 3, 4]);
        assert_eq!(
            hex::encode(hash_to_g1(&full_id)),
            "a2f2624fda29c88ccacd286b560572d8c1261a5687e0c0cdbdcbef93bf0ec5c3\
             73563fac64a2cb5bb326cc6181ee65d7"
        );
    }

    #[test]
    fn decapsulation_recovers_each_servers_pairing_value() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let masters: Vec<_> = (0..3).map(|_| MasterSecret::generate(&mut rng)).collect();
        let pks: Vec<_> = masters.iter().map(MasterSecret::public_key).collect();
        let encap = encapsulate(&mut rng, &pks, b"identity");
        let nonce = PublicKey::from_bytes(&encap.nonce).unwrap();
        for (master, shared) in masters.iter().zip(&encap.shared) {
            let usk = derive_user_key(master, b"identity");
            assert_eq!(&decapsulate(&usk, &nonce), shared);
            let other = derive_user_key(master, b"identitz");
            assert_ne!(&decapsulate(&other, &nonce), shared);
        }
        let randomness = encap.randomness;
        assert!(randomness_matches(&randomness, &nonce));
        let mut wrong = randomness;
        wrong[31] ^= 1;
        assert!(!randomness_matches(&wrong, &nonce));
        assert!(!randomness_matches(&[0xff; 32], &nonce));
    }

    #[test]
    fn user_keys_verify_only_against_their_identity_and_server() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let a = MasterSecret::generate(&mut rng);
        let b = MasterSecret::generate(&mut rng);
        let usk = derive_user_key(&a, b"id");
        assert!(user_key_matches(&usk, b"id", &a.public_key()));
        assert!(!user_key_matches(&usk, b"id2", &a.public_key()));
        assert!(!user_key_matches(&usk, b"id", &b.public_key()));
    }

    #[test]
    fn proofs_of_possession_bind_the_key_and_the_server() {
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        let a = MasterSecret::generate(&mut rng);
        let b = MasterSecret::generate(&mut rng);
        let proof = a.proof_of_possession(&[1; 32]);
        assert_eq!(
            verify_proof_of_possession(&a.public_key(), &[1; 32], &proof),
            Ok(())
        );
        for (pk, server) in [(a.public_key(), [2; 32]), (b.public_key(), [1; 32])] {
            assert_eq!(
                verify_proof_of_possession(&pk, &server, &proof),
                Err(Error::InvalidProofOfPossession)
            );
        }
        let mut bad = proof;
        bad[10] ^= 1;
        assert_eq!(
            verify_proof_of_possession(&a.public_key(), &[1; 32], &bad),
            Err(Error::InvalidProofOfPossession)
        );
    }

    #[test]
    fn encodings_round_trip_and_reject_bad_points() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let master = MasterSecret::generate(&mut rng);
        let again = MasterSecret::from_bytes(&master.to_bytes()).unwrap();
        assert_eq!(again.public_key(), master.public_key());
        assert_eq!(format!("{master:?}"), "MasterSecret(..)");
        assert!(MasterSecret::from_bytes(&[0; 32]).is_err());
        assert!(MasterSecret::from_bytes(&[0xff; 32]).is_err());

        let pk = master.public_key();
        assert_eq!(PublicKey::from_bytes(&pk.to_bytes()), Ok(pk));
        let mut bad = pk.to_bytes();
        bad[5] ^= 1;
        assert_eq!(PublicKey::from_bytes(&bad), Err(Error::InvalidPublicKey));
        // The compressed point at infinity.
        let mut infinity = [0u8; 96];
        infinity[0] = 0xc0;
        assert_eq!(
            PublicKey::from_bytes(&infinity),
            Err(Error::InvalidPublicKey)
        );

        let usk = derive_user_key(&master, b"x");
        assert_eq!(UserSecretKey::from_bytes(&usk.to_bytes()), Ok(usk));
        let mut bad = usk.to_bytes();
        bad[7] ^= 1;
        assert_eq!(UserSecretKey::from_bytes(&bad), Err(Error::InvalidUserKey));
        let mut infinity = [0u8; 48];
        infinity[0] = 0xc0;
        assert_eq!(
            UserSecretKey::from_bytes(&infinity),
            Err(Error::InvalidUserKey)
        );
    }
}
