//! ElGamal over BLS12-381 G1, the way Seal's key servers hand a user key to one requester.
//!
//! A key server answers `fetch_key` over plain HTTP(S) and may sit behind proxies and caches;
//! the user key it releases must be readable only by whoever signed the request. The requester
//! sends a fresh public key `P = sk·G₁` (and `sk·G₂`, the "verification key", which the signed
//! request also covers); the server returns `(c₀, c₁) = (k·G₁, usk + k·P)` for a random `k`,
//! and only the holder of `sk` computes `usk = c₁ − sk·c₀`.
//!
//! The multiplications here involve secrets (`k`, `sk`) and points chosen by someone else
//! (`P`, `c₀`), so they use the `bls12_381` crate, whose scalar multiplication is a
//! double-and-add with constant-time selection; blst's safe API multiplies arbitrary points
//! only through its multi-scalar multiplication, which is built for public scalars.
//! Scalars are written big-endian, as Seal's TypeScript client (`Scalar.toBytes`) writes them.

use bls12_381::{G1Affine, G1Projective, G2Affine, G2Projective, Scalar};
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroize;

use crate::Error;
use crate::ibe::UserSecretKey;

/// A requester's ElGamal secret key: a scalar in [1, r). Never printed.
pub struct ElGamalSecretKey(Scalar);

impl std::fmt::Debug for ElGamalSecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ElGamalSecretKey(..)")
    }
}

impl Drop for ElGamalSecretKey {
    fn drop(&mut self) {
        self.0 = Scalar::zero();
    }
}

/// A uniformly random non-zero scalar: 64 random bytes reduced mod r (bias below 2⁻²⁵⁰).
fn random_scalar<R: RngCore + CryptoRng>(rng: &mut R) -> Scalar {
    loop {
        let mut wide = [0u8; 64];
        rng.fill_bytes(&mut wide);
        let scalar = Scalar::from_bytes_wide(&wide);
        wide.zeroize();
        if !bool::from(subtle::ConstantTimeEq::ct_eq(&scalar, &Scalar::zero())) {
            return scalar;
        }
    }
}

impl ElGamalSecretKey {
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        Self(random_scalar(rng))
    }

    /// Reads a big-endian scalar in [1, r).
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, Error> {
        let mut le = *bytes;
        le.reverse();
        let scalar = Option::<Scalar>::from(Scalar::from_bytes(&le));
        le.zeroize();
        match scalar {
            Some(s) if s != Scalar::zero() => Ok(Self(s)),
            _ => Err(Error::InvalidElGamalKey),
        }
    }

    /// The big-endian encoding (what Seal's client keeps as its `encKey`).
    pub fn to_bytes(&self) -> [u8; 32] {
        let mut bytes = self.0.to_bytes();
        bytes.reverse();
        bytes
    }

    /// `sk·G₁`, 48 bytes compressed: the `enc_key` of a fetch-key request.
    pub fn public_key(&self) -> [u8; 48] {
        G1Affine::from(G1Projective::generator() * self.0).to_compressed()
    }

    /// `sk·G₂`, 96 bytes compressed: the `enc_verification_key` of a fetch-key request.
    pub fn verification_key(&self) -> [u8; 96] {
        G2Affine::from(G2Projective::generator() * self.0).to_compressed()
    }

    /// Opens a key server's answer: `c₁ − sk·c₀`, checked to be a valid user key.
    pub fn decrypt(&self, ciphertext: &ElGamalCiphertext) -> Result<UserSecretKey, Error> {
        let c0 = g1(&ciphertext.c0, Error::InvalidElGamalCiphertext)?;
        let c1 = g1(&ciphertext.c1, Error::InvalidElGamalCiphertext)?;
        let key = G1Affine::from(G1Projective::from(c1) - c0 * self.0).to_compressed();
        UserSecretKey::from_bytes(&key)
    }
}

/// An encrypted user key `(c₀, c₁)`, each a 48-byte compressed G1 point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ElGamalCiphertext {
    pub c0: [u8; 48],
    pub c1: [u8; 48],
}

/// A G1 point of the prime-order subgroup, not the identity.
fn g1(bytes: &[u8; 48], error: Error) -> Result<G1Affine, Error> {
    let point = Option::<G1Affine>::from(G1Affine::from_compressed(bytes)).ok_or(error.clone())?;
    if bool::from(point.is_identity()) {
        return Err(error);
    }
    Ok(point)
}

/// Checks a requester's `enc_key`: a G1 point of the prime-order subgroup other than the
/// identity (encrypting to the identity would return the user key in the clear).
pub fn check_public_key(enc_key: &[u8; 48]) -> Result<(), Error> {
    g1(enc_key, Error::InvalidElGamalKey).map(|_| ())
}

/// Checks an `enc_verification_key`: a G2 point of the prime-order subgroup other than the
/// identity. (Seal's servers only sign-check it; it lets a requester prove the G1 key is its
/// own without revealing `sk`.)
pub fn check_verification_key(key: &[u8; 96]) -> Result<(), Error> {
    let point =
        Option::<G2Affine>::from(G2Affine::from_compressed(key)).ok_or(Error::InvalidElGamalKey)?;
    if bool::from(point.is_identity()) {
        return Err(Error::InvalidElGamalKey);
    }
    Ok(())
}

/// The key server's side: encrypts `key` to the requester's `enc_key` with fresh randomness.
pub fn encrypt<R: RngCore + CryptoRng>(
    rng: &mut R,
    key: &UserSecretKey,
    enc_key: &[u8; 48],
) -> Result<ElGamalCiphertext, Error> {
    let recipient = g1(enc_key, Error::InvalidElGamalKey)?;
    let message = G1Affine::from_compressed(&key.to_bytes());
    let message = Option::<G1Affine>::from(message).ok_or(Error::InvalidUserKey)?;
    // `Scalar` is `Copy` and has no zeroize support: k lives only in this frame.
    let k = random_scalar(rng);
    let c0 = G1Affine::from(G1Projective::generator() * k).to_compressed();
    let c1 = G1Affine::from(G1Projective::from(message) + recipient * k).to_compressed();
    Ok(ElGamalCiphertext { c0, c1 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ibe::{MasterSecret, derive_user_key};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn rng() -> ChaCha20Rng {
        ChaCha20Rng::seed_from_u64(16)
    }

    #[test]
    fn decrypt_recovers_the_encrypted_key() {
        let mut rng = rng();
        let master = MasterSecret::generate(&mut rng);
        let key = derive_user_key(&master, b"some identity");
        let sk = ElGamalSecretKey::generate(&mut rng);
        let ciphertext = encrypt(&mut rng, &key, &sk.public_key()).unwrap();
        assert_eq!(sk.decrypt(&ciphertext).unwrap(), key);
        // Fresh randomness: the same key encrypts differently each time.
        let again = encrypt(&mut rng, &key, &sk.public_key()).unwrap();
        assert_ne!(again, ciphertext);
        assert_eq!(sk.decrypt(&again).unwrap(), key);
    }

    #[test]
    fn another_secret_key_does_not_open_it() {
        let mut rng = rng();
        let key = derive_user_key(&MasterSecret::generate(&mut rng), b"id");
        let sk = ElGamalSecretKey::generate(&mut rng);
        let other = ElGamalSecretKey::generate(&mut rng);
        let ciphertext = encrypt(&mut rng, &key, &sk.public_key()).unwrap();
        assert_ne!(other.decrypt(&ciphertext).unwrap(), key);
        // c₁ alone is not the key.
        assert_ne!(ciphertext.c1, key.to_bytes());
    }

    #[test]
    fn secret_key_bytes_round_trip_big_endian() {
        let sk = ElGamalSecretKey::generate(&mut rng());
        let back = ElGamalSecretKey::from_bytes(&sk.to_bytes()).unwrap();
        assert_eq!(back.public_key(), sk.public_key());
        let mut one = [0u8; 32];
        one[31] = 1;
        let one = ElGamalSecretKey::from_bytes(&one).unwrap();
        assert_eq!(one.public_key(), G1Affine::generator().to_compressed());
        assert_eq!(
            ElGamalSecretKey::from_bytes(&[0; 32]).unwrap_err(),
            Error::InvalidElGamalKey
        );
        assert_eq!(
            ElGamalSecretKey::from_bytes(&[0xff; 32]).unwrap_err(),
            Error::InvalidElGamalKey
        );
    }

    #[test]
    fn bad_keys_and_ciphertexts_are_refused() {
        let mut rng = rng();
        let key = derive_user_key(&MasterSecret::generate(&mut rng), b"id");
        let identity = G1Affine::identity().to_compressed();
        assert_eq!(
            encrypt(&mut rng, &key, &identity).unwrap_err(),
            Error::InvalidElGamalKey
        );
        assert_eq!(
            encrypt(&mut rng, &key, &[0x11; 48]).unwrap_err(),
            Error::InvalidElGamalKey
        );
        assert_eq!(check_public_key(&identity), Err(Error::InvalidElGamalKey));
        let sk = ElGamalSecretKey::generate(&mut rng);
        assert_eq!(check_public_key(&sk.public_key()), Ok(()));
        assert_eq!(check_verification_key(&sk.verification_key()), Ok(()));
        assert_eq!(
            check_verification_key(&G2Affine::identity().to_compressed()),
            Err(Error::InvalidElGamalKey)
        );
        let mut ciphertext = encrypt(&mut rng, &key, &sk.public_key()).unwrap();
        ciphertext.c0 = [0x22; 48];
        assert_eq!(
            sk.decrypt(&ciphertext).unwrap_err(),
            Error::InvalidElGamalCiphertext
        );
    }

    #[test]
    fn verification_key_matches_public_key_in_a_pairing() {
        // e(sk·G₁, G₂) = e(G₁, sk·G₂): the two keys a request carries belong together.
        let sk = ElGamalSecretKey::generate(&mut rng());
        let p = G1Affine::from_compressed(&sk.public_key()).unwrap();
        let v = G2Affine::from_compressed(&sk.verification_key()).unwrap();
        assert_eq!(
            bls12_381::pairing(&p, &G2Affine::generator()),
            bls12_381::pairing(&G1Affine::generator(), &v)
        );
    }
}
