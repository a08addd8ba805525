//! Seal's encryption, byte-compatible with Mysten's Seal (its Rust crate and the `@mysten/seal`
//! TypeScript client): data is encrypted under a fresh key, that key is split t-of-n over the
//! chosen key servers, and each share is encrypted to its server with identity-based
//! encryption for the identity `[package id][id]`, so a server can later release the user key
//! for that identity only when the package's `seal_approve*` policy allows it.
//!
//! Pure: no I/O, no async, randomness only from the caller's RNG.
//!
//! Encryption, as Seal defines it:
//! 1. draw a 32-byte base key k and split it with Shamir over GF(2⁸) into shares 1..=n,
//!    any t of which rebuild it (module `shamir`);
//! 2. draw r, publish the nonce r·G₂, and pad share i with
//!    H2(e(r·H(id), pkᵢ), nonce, H(id), server i's object id, index i) ([`ibe`], [`kdf`]);
//! 3. derive from k (and the threshold, every encrypted share, every server) a key that pads r,
//!    and the DEM key that encrypts the data ([`kdf::derive_key`], module `dem`).
//!
//! Decryption opens t shares with the user keys e(uskᵢ, nonce), rebuilds k, recovers r and
//! checks r·G₂ = nonce (so a wrong key or altered shares are detected before the data is
//! touched), then decrypts the data, whose AEAD or MAC catches any change to it.

// Tests state their expectations with unwrap; library code uses expect with the invariant.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod bcs;
mod dem;
pub mod elgamal;
pub mod encrypted_object;
mod error;
pub mod ibe;
pub mod kdf;
mod shamir;
pub mod stream;

use std::collections::HashMap;

use rand_core::{CryptoRng, RngCore};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

pub use encrypted_object::{Ciphertext, EncryptedObject, IbeEncryptions};
pub use error::Error;
pub use ibe::{
    DST_ID, DST_POP, MasterSecret, PublicKey, UserSecretKey, derive_user_key,
    verify_proof_of_possession,
};
use kdf::{KeyPurpose, derive_key, share_pad};
pub use stream::{StreamError, StreamHeader, decrypt_stream, encrypt_stream};

/// A Sui object ID (key servers) or package ID: 32 bytes.
pub type ObjectId = [u8; 32];

/// Size of the base key, the shares, the derived keys and the MAC.
pub const KEY_SIZE: usize = 32;

/// The identity keys are derived for: package id ‖ inner id, Seal's `[package id][id]`.
pub fn full_id(package_id: &ObjectId, id: &[u8]) -> Vec<u8> {
    [package_id.as_slice(), id].concat()
}

/// The symmetric scheme the data is encrypted with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dem {
    /// AES-256-GCM (Seal's default).
    Aes256Gcm,
    /// Seal's HMAC-SHA3-256 counter mode (for environments without AES).
    Hmac256Ctr,
}

/// The DEM key of an object. Whoever holds it can decrypt the data without any key server,
/// which is why encryption hands it back (for backup) and why it is wiped on drop and never
/// printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DataKey([u8; KEY_SIZE]);

impl DataKey {
    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; KEY_SIZE] {
        &self.0
    }
}

impl PartialEq for DataKey {
    /// Constant time: keys are secrets.
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for DataKey {}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

/// Encrypts `plaintext` with AES-256-GCM for the identity `package_id ‖ id`, so that any
/// `threshold` of `key_servers` (object id, IBE public key) can release it. Returns the BCS
/// `EncryptedObject` and the DEM key.
pub fn encrypt<R: RngCore + CryptoRng>(
    package_id: &ObjectId,
    id: &[u8],
    key_servers: &[(ObjectId, PublicKey)],
    threshold: u8,
    plaintext: &[u8],
    aad: Option<&[u8]>,
    rng: &mut R,
) -> Result<(Vec<u8>, DataKey), Error> {
    encrypt_with(
        Dem::Aes256Gcm,
        package_id,
        id,
        key_servers,
        threshold,
        plaintext,
        aad,
        rng,
    )
}

/// [`encrypt`] with a chosen symmetric scheme.
#[allow(clippy::too_many_arguments)] // the arguments are the scheme's inputs, one each
pub fn encrypt_with<R: RngCore + CryptoRng>(
    dem: Dem,
    package_id: &ObjectId,
    id: &[u8],
    key_servers: &[(ObjectId, PublicKey)],
    threshold: u8,
    plaintext: &[u8],
    aad: Option<&[u8]>,
    rng: &mut R,
) -> Result<(Vec<u8>, DataKey), Error> {
    let (mut object, key) = encapsulate(package_id, id, key_servers, threshold, rng)?;
    let aad_bytes = aad.unwrap_or_default();
    object.ciphertext = match dem {
        Dem::Aes256Gcm => Ciphertext::Aes256Gcm {
            blob: dem::aes_gcm_encrypt(&key.0, plaintext, aad_bytes),
            aad: aad.map(<[u8]>::to_vec),
        },
        Dem::Hmac256Ctr => {
            let (blob, mac) = dem::hmac_ctr_encrypt(&key.0, plaintext, aad_bytes);
            Ciphertext::Hmac256Ctr {
                blob,
                aad: aad.map(<[u8]>::to_vec),
                mac,
            }
        }
    };
    Ok((object.to_bytes(), key))
}

/// Seal's `Plain` mode: an object that carries no data, only the encapsulated key, for callers
/// that encrypt their data themselves (e.g. streaming a large model) under the returned key.
pub fn encrypt_key<R: RngCore + CryptoRng>(
    package_id: &ObjectId,
    id: &[u8],
    key_servers: &[(ObjectId, PublicKey)],
    threshold: u8,
    rng: &mut R,
) -> Result<(Vec<u8>, DataKey), Error> {
    let (object, key) = encapsulate(package_id, id, key_servers, threshold, rng)?;
    Ok((object.to_bytes(), key))
}

/// Builds everything but the data ciphertext (left `Plain`) and returns the DEM key.
fn encapsulate<R: RngCore + CryptoRng>(
    package_id: &ObjectId,
    id: &[u8],
    key_servers: &[(ObjectId, PublicKey)],
    threshold: u8,
    rng: &mut R,
) -> Result<(EncryptedObject, DataKey), Error> {
    let n = key_servers.len();
    if threshold == 0 || usize::from(threshold) > n || n > 255 {
        return Err(Error::InvalidThreshold {
            threshold: usize::from(threshold),
            servers: n,
        });
    }
    let n = u8::try_from(n).expect("checked n ≤ 255 above");
    let full_id = full_id(package_id, id);

    let mut base_key = [0u8; KEY_SIZE];
    rng.fill_bytes(&mut base_key);
    let mut shares = shamir::split(rng, &base_key, threshold, n);

    let public_keys: Vec<PublicKey> = key_servers.iter().map(|(_, pk)| *pk).collect();
    let servers: Vec<ObjectId> = key_servers.iter().map(|(id, _)| *id).collect();
    let encap = ibe::encapsulate(rng, &public_keys, &full_id);
    let encrypted_shares: Vec<[u8; KEY_SIZE]> = shares
        .iter()
        .zip(&servers)
        .zip(&encap.shared)
        .map(|(((index, share), server), shared)| {
            let pad = share_pad(shared, &encap.nonce, &encap.gid, server, *index);
            xor(share, &pad)
        })
        .collect();
    let services = servers
        .iter()
        .zip(&shares)
        .map(|(server, (index, _))| (*server, *index))
        .collect();
    for (_, share) in &mut shares {
        share.zeroize();
    }

    let randomness_key = derive_key(
        KeyPurpose::EncryptedRandomness,
        &base_key,
        &encrypted_shares,
        threshold,
        &servers,
    );
    let encrypted_randomness = xor(&encap.randomness, &randomness_key);
    let dem_key = DataKey(derive_key(
        KeyPurpose::Dem,
        &base_key,
        &encrypted_shares,
        threshold,
        &servers,
    ));
    base_key.zeroize();

    let object = EncryptedObject {
        version: encrypted_object::VERSION,
        package_id: *package_id,
        id: id.to_vec(),
        services,
        threshold,
        encrypted_shares: IbeEncryptions::BonehFranklinBls12381 {
            nonce: encap.nonce,
            encrypted_shares,
            encrypted_randomness,
        },
        ciphertext: Ciphertext::Plain,
    };
    Ok((object, dem_key))
}

/// Decrypts a BCS `EncryptedObject` with user keys (key server object id, user secret key for
/// this object's full id). Keys for servers the object does not name are ignored; at least
/// `threshold` of its servers need a key. Trusts that the encryptor was honest about shares it
/// cannot check (see [`decrypt_checked`]); a wrong key or any change to the object is an error,
/// never a wrong plaintext.
pub fn decrypt(
    encrypted_object: &[u8],
    user_keys: &[(ObjectId, UserSecretKey)],
) -> Result<Vec<u8>, Error> {
    let object = EncryptedObject::from_bytes(encrypted_object)?;
    let key = open(&object, user_keys, None)?;
    decrypt_data(&object, &key)
}

/// [`decrypt`], and also checks that every share (including those of servers it has no key
/// for) lies on one polynomial, so every set of t servers yields this same plaintext, and
/// that each user key is the right one for its server. `public_keys` are the servers' keys in
/// the order of the object's services. This is what a reader runs when the encryptor is not
/// trusted (e.g. a model bought from a stranger).
pub fn decrypt_checked(
    encrypted_object: &[u8],
    user_keys: &[(ObjectId, UserSecretKey)],
    public_keys: &[PublicKey],
) -> Result<Vec<u8>, Error> {
    let object = EncryptedObject::from_bytes(encrypted_object)?;
    let key = open(&object, user_keys, Some(public_keys))?;
    decrypt_data(&object, &key)
}

/// Recovers an object's DEM key (the payload of a `Plain` object) with the same checks as
/// [`decrypt`] (and, with `public_keys`, as [`decrypt_checked`]).
pub fn decrypt_key(
    encrypted_object: &[u8],
    user_keys: &[(ObjectId, UserSecretKey)],
    public_keys: Option<&[PublicKey]>,
) -> Result<DataKey, Error> {
    let object = EncryptedObject::from_bytes(encrypted_object)?;
    open(&object, user_keys, public_keys)
}

/// Checks that a key server's answer is the user key for `full_id` under its public key (a
/// client does this before using a key, to name a faulty server).
pub fn verify_user_key(
    key_server: &ObjectId,
    public_key: &PublicKey,
    full_id: &[u8],
    key: &UserSecretKey,
) -> Result<(), Error> {
    if ibe::user_key_matches(key, full_id, public_key) {
        Ok(())
    } else {
        Err(Error::UserKeyMismatch(*key_server))
    }
}

/// Opens the key encapsulation: the shares of the servers with keys, the base key, the nonce
/// check, optionally the consistency of all shares; returns the DEM key.
fn open(
    object: &EncryptedObject,
    user_keys: &[(ObjectId, UserSecretKey)],
    public_keys: Option<&[PublicKey]>,
) -> Result<DataKey, Error> {
    object.validate()?;
    let IbeEncryptions::BonehFranklinBls12381 {
        nonce: nonce_bytes,
        encrypted_shares,
        encrypted_randomness,
    } = &object.encrypted_shares;
    let nonce = PublicKey::from_bytes(nonce_bytes)
        .map_err(|_| Error::InvalidObject("the nonce is not a valid G2 point".into()))?;
    let full_id = object.full_id();
    let servers: Vec<ObjectId> = object.services.iter().map(|(id, _)| *id).collect();
    if let Some(pks) = public_keys
        && pks.len() != servers.len()
    {
        return Err(Error::PublicKeyCount {
            given: pks.len(),
            services: servers.len(),
        });
    }

    // The first key given for a server wins; a server named twice uses its key for both.
    let mut keys: HashMap<&ObjectId, &UserSecretKey> = HashMap::new();
    for (server, key) in user_keys {
        keys.entry(server).or_insert(key);
    }
    let gid = ibe::hash_to_g1(&full_id);
    let mut shares = Vec::new();
    for (i, (server, index)) in object.services.iter().enumerate() {
        let Some(key) = keys.get(server) else {
            continue;
        };
        if let Some(pks) = public_keys {
            verify_user_key(server, &pks[i], &full_id, key)?;
        }
        let shared = ibe::decapsulate(key, &nonce);
        let pad = share_pad(&shared, nonce_bytes, &gid, server, *index);
        shares.push((*index, xor(&encrypted_shares[i], &pad)));
    }
    let threshold = usize::from(object.threshold);
    if shares.len() < threshold {
        return Err(Error::NotEnoughKeys {
            have: shares.len(),
            threshold,
        });
    }

    let mut base_key = shamir::combine(&shares);
    let randomness_key = derive_key(
        KeyPurpose::EncryptedRandomness,
        &base_key,
        encrypted_shares,
        object.threshold,
        &servers,
    );
    let mut randomness = xor(encrypted_randomness, &randomness_key);
    if !ibe::randomness_matches(&randomness, &nonce) {
        // Earlier releases of Seal's TypeScript client wrote r little-endian; its decryptor
        // still accepts that form (`checkLEEncoding`), and so does this one.
        randomness.reverse();
        if !ibe::randomness_matches(&randomness, &nonce) {
            base_key.zeroize();
            return Err(Error::KeyMismatch);
        }
    }

    if let Some(pks) = public_keys {
        let all = ibe::pairing_values_from_randomness(&randomness, pks, &full_id)
            .expect("randomness_matches accepted it as a scalar");
        for (i, (server, index)) in object.services.iter().enumerate() {
            let pad = share_pad(&all[i], nonce_bytes, &gid, server, *index);
            let share = xor(&encrypted_shares[i], &pad);
            let expected = shamir::evaluate(&shares, *index);
            if !bool::from(share.ct_eq(&expected)) {
                base_key.zeroize();
                return Err(Error::InconsistentShares(*server));
            }
        }
    }
    randomness.zeroize();
    for (_, share) in &mut shares {
        share.zeroize();
    }

    let key = DataKey(derive_key(
        KeyPurpose::Dem,
        &base_key,
        encrypted_shares,
        object.threshold,
        &servers,
    ));
    base_key.zeroize();
    Ok(key)
}

fn decrypt_data(object: &EncryptedObject, key: &DataKey) -> Result<Vec<u8>, Error> {
    match &object.ciphertext {
        Ciphertext::Aes256Gcm { blob, aad } => {
            dem::aes_gcm_decrypt(&key.0, blob, aad.as_deref().unwrap_or_default())
        }
        Ciphertext::Hmac256Ctr { blob, aad, mac } => {
            dem::hmac_ctr_decrypt(&key.0, blob, aad.as_deref().unwrap_or_default(), mac)
        }
        Ciphertext::Plain => Err(Error::PlainObject),
    }
}

fn xor(a: &[u8; KEY_SIZE], b: &[u8; KEY_SIZE]) -> [u8; KEY_SIZE] {
    std::array::from_fn(|i| a[i] ^ b[i])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    /// What a dishonest encryptor can do: encrypt to server 0 a share off the polynomial the
    /// others lie on, then derive the randomness and DEM keys from the base key as usual, so
    /// servers 1 and 2 open the object and any set including server 0 does not.
    fn object_with_a_bad_first_share(
        rng: &mut ChaCha20Rng,
        key_servers: &[(ObjectId, PublicKey)],
        full_id_bytes: &[u8],
    ) -> EncryptedObject {
        let threshold = 2;
        let mut base_key = [0u8; KEY_SIZE];
        rng.fill_bytes(&mut base_key);
        let mut shares = shamir::split(rng, &base_key, threshold, 3);
        shares[0].1[0] ^= 1;
        let pks: Vec<PublicKey> = key_servers.iter().map(|(_, pk)| *pk).collect();
        let servers: Vec<ObjectId> = key_servers.iter().map(|(id, _)| *id).collect();
        let encap = ibe::encapsulate(rng, &pks, full_id_bytes);
        let encrypted_shares: Vec<[u8; KEY_SIZE]> = (0..3)
            .map(|i| {
                let pad = share_pad(
                    &encap.shared[i],
                    &encap.nonce,
                    &encap.gid,
                    &servers[i],
                    shares[i].0,
                );
                xor(&shares[i].1, &pad)
            })
            .collect();
        let r_key = derive_key(
            KeyPurpose::EncryptedRandomness,
            &base_key,
            &encrypted_shares,
            threshold,
            &servers,
        );
        let dem_key = derive_key(
            KeyPurpose::Dem,
            &base_key,
            &encrypted_shares,
            threshold,
            &servers,
        );
        EncryptedObject {
            version: 0,
            package_id: [1; 32],
            id: b"x".to_vec(),
            services: servers
                .iter()
                .zip(&shares)
                .map(|(s, (i, _))| (*s, *i))
                .collect(),
            threshold,
            encrypted_shares: IbeEncryptions::BonehFranklinBls12381 {
                nonce: encap.nonce,
                encrypted_shares,
                encrypted_randomness: xor(&encap.randomness, &r_key),
            },
            ciphertext: Ciphertext::Aes256Gcm {
                blob: dem::aes_gcm_encrypt(&dem_key, b"secret", b""),
                aad: None,
            },
        }
    }

    #[test]
    fn the_consistency_check_names_a_share_off_the_polynomial() {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let masters: Vec<MasterSecret> = (0..3).map(|_| MasterSecret::generate(&mut rng)).collect();
        let key_servers: Vec<(ObjectId, PublicKey)> = masters
            .iter()
            .enumerate()
            .map(|(k, m)| ([k as u8 + 1; 32], m.public_key()))
            .collect();
        let fid = full_id(&[1; 32], b"x");
        let bytes = object_with_a_bad_first_share(&mut rng, &key_servers, &fid).to_bytes();
        let keys: Vec<(ObjectId, UserSecretKey)> = masters
            .iter()
            .zip(&key_servers)
            .map(|(m, (id, _))| (*id, derive_user_key(m, &fid)))
            .collect();
        let pks: Vec<PublicKey> = key_servers.iter().map(|(_, pk)| *pk).collect();

        // Servers 1 and 2 alone open it (the unchecked path trusts the encryptor) …
        assert_eq!(decrypt(&bytes, &keys[1..]).unwrap(), b"secret");
        // … servers 0 and 1 do not: the rebuilt key fails the nonce check …
        assert_eq!(decrypt(&bytes, &keys[..2]), Err(Error::KeyMismatch));
        // … and the checked path refuses even with the good pair, naming server 0.
        assert_eq!(
            decrypt_checked(&bytes, &keys[1..], &pks),
            Err(Error::InconsistentShares([1; 32]))
        );
    }
}
