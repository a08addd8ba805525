//! The data encapsulation: the symmetric encryption of the payload under the derived DEM key.
//! Every DEM key is fresh (derived from a random base key), which is why a fixed IV and a
//! counter starting at zero are safe here and nowhere else.

use aes_gcm::aead::consts::U16;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{AesGcm, aes::Aes256};
use hmac::{Hmac, Mac};
use sha3::Sha3_256;
use subtle::ConstantTimeEq;

use crate::{Error, KEY_SIZE};

/// AES-256-GCM with a 16-byte nonce: the IV length WebCrypto (Seal's TypeScript client) is
/// given, which GCM hashes into its counter block (so it is not the common 12-byte variant).
type Aes256Gcm16 = AesGcm<Aes256, U16>;

/// Seal's fixed AES-GCM IV.
const AES_GCM_IV: [u8; 16] = [
    138, 55, 153, 253, 198, 46, 121, 219, 160, 128, 89, 7, 214, 156, 148, 220,
];

const HMAC_CTR_ENC: &[u8] = b"HMAC-CTR-ENC";
const HMAC_CTR_MAC: &[u8] = b"HMAC-CTR-MAC";

/// Encrypts with AES-256-GCM; the 16-byte tag is appended to the ciphertext.
pub(crate) fn aes_gcm_encrypt(key: &[u8; KEY_SIZE], plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
    Aes256Gcm16::new(key.into())
        .encrypt(
            (&AES_GCM_IV).into(),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .expect("AES-GCM encryption fails only beyond 64 GiB, longer than a BCS vector")
}

/// Decrypts and authenticates AES-256-GCM output.
pub(crate) fn aes_gcm_decrypt(
    key: &[u8; KEY_SIZE],
    ciphertext: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>, Error> {
    Aes256Gcm16::new(key.into())
        .decrypt(
            (&AES_GCM_IV).into(),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map_err(|_| Error::Authentication)
}

fn hmac_sha3(key: &[u8; KEY_SIZE], parts: &[&[u8]]) -> [u8; KEY_SIZE] {
    let mut mac =
        <Hmac<Sha3_256> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// XORs `data` with the keystream HMAC(key, "HMAC-CTR-ENC" ‖ i as u64 LE) for 32-byte block i
/// (the same operation encrypts and decrypts).
fn hmac_ctr_apply(key: &[u8; KEY_SIZE], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    for (i, block) in data.chunks(KEY_SIZE).enumerate() {
        let pad = hmac_sha3(key, &[HMAC_CTR_ENC, &(i as u64).to_le_bytes()]);
        out.extend(block.iter().zip(pad).map(|(b, p)| b ^ p));
    }
    out
}

/// The MAC over the associated data (length-prefixed, so aad and ciphertext cannot trade bytes)
/// and the ciphertext.
fn hmac_ctr_mac(key: &[u8; KEY_SIZE], aad: &[u8], ciphertext: &[u8]) -> [u8; KEY_SIZE] {
    hmac_sha3(
        key,
        &[
            HMAC_CTR_MAC,
            &(aad.len() as u64).to_le_bytes(),
            aad,
            ciphertext,
        ],
    )
}

/// Seal's HMAC-SHA3-256 counter mode: returns the ciphertext and its MAC.
pub(crate) fn hmac_ctr_encrypt(
    key: &[u8; KEY_SIZE],
    plaintext: &[u8],
    aad: &[u8],
) -> (Vec<u8>, [u8; KEY_SIZE]) {
    let ciphertext = hmac_ctr_apply(key, plaintext);
    let mac = hmac_ctr_mac(key, aad, &ciphertext);
    (ciphertext, mac)
}

/// Checks the MAC in constant time, then decrypts.
pub(crate) fn hmac_ctr_decrypt(
    key: &[u8; KEY_SIZE],
    ciphertext: &[u8],
    aad: &[u8],
    mac: &[u8; KEY_SIZE],
) -> Result<Vec<u8>, Error> {
    let expected = hmac_ctr_mac(key, aad, ciphertext);
    if bool::from(expected.ct_eq(mac)) {
        Ok(hmac_ctr_apply(key, ciphertext))
    } else {
        Err(Error::Authentication)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; KEY_SIZE] = [0x42; KEY_SIZE];

    #[test]
    fn aes_gcm_round_trips_and_rejects_any_change() {
        let ct = aes_gcm_encrypt(&KEY, b"weights", b"model v1");
        assert_eq!(ct.len(), 7 + 16);
        assert_eq!(aes_gcm_decrypt(&KEY, &ct, b"model v1").unwrap(), b"weights");
        assert_eq!(
            aes_gcm_decrypt(&KEY, &ct, b"model v2"),
            Err(Error::Authentication)
        );
        for i in 0..ct.len() {
            let mut bad = ct.clone();
            bad[i] ^= 1;
            assert_eq!(
                aes_gcm_decrypt(&KEY, &bad, b"model v1"),
                Err(Error::Authentication)
            );
        }
        let mut other_key = KEY;
        other_key[0] ^= 1;
        assert_eq!(
            aes_gcm_decrypt(&other_key, &ct, b"model v1"),
            Err(Error::Authentication)
        );
    }

    #[test]
    fn hmac_ctr_round_trips_across_block_boundaries_and_rejects_any_change() {
        for len in [0usize, 1, 31, 32, 33, 64, 100] {
            let msg: Vec<u8> = (0..len as u8).collect();
            let (ct, mac) = hmac_ctr_encrypt(&KEY, &msg, b"aad");
            assert_eq!(ct.len(), len);
            assert_eq!(hmac_ctr_decrypt(&KEY, &ct, b"aad", &mac).unwrap(), msg);
            assert_eq!(
                hmac_ctr_decrypt(&KEY, &ct, b"aae", &mac),
                Err(Error::Authentication)
            );
            let mut bad_mac = mac;
            bad_mac[31] ^= 0x80;
            assert_eq!(
                hmac_ctr_decrypt(&KEY, &ct, b"aad", &bad_mac),
                Err(Error::Authentication)
            );
            if len > 0 {
                let mut bad = ct.clone();
                bad[len - 1] ^= 1;
                assert_eq!(
                    hmac_ctr_decrypt(&KEY, &bad, b"aad", &mac),
                    Err(Error::Authentication)
                );
            }
        }
    }

    #[test]
    fn hmac_ctr_mac_length_prefix_separates_aad_from_ciphertext() {
        // Moving a byte from the aad into the ciphertext must change the MAC.
        assert_ne!(
            hmac_ctr_mac(&KEY, b"ab", b"c"),
            hmac_ctr_mac(&KEY, b"a", b"bc")
        );
    }
}
