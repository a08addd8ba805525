//! The data encapsulation: the symmetric encryption of the payload under the derived DEM key.
//! Every DEM key is fresh (derived from a random base key), which is why a fixed IV and a
//! counter starting at zero are safe here and nowhere else.

use aes_gcm::aead::consts::U16;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::aes::cipher::{BlockEncrypt, KeyIvInit, StreamCipher};
use aes_gcm::{AesGcm, aes::Aes256};
use ctr::Ctr32BE;
use ghash::GHash;
use ghash::universal_hash::UniversalHash;
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

/// AES-256-GCM cut into its two halves, so a payload can pass through in chunks: the CTR
/// keystream (from inc32(J0)) and GHASH over the associated data and the ciphertext. The same
/// construction as [`aes_gcm_encrypt`] (the tests check byte equality); two halves because
/// streaming decryption authenticates the whole ciphertext before it decrypts any of it.
pub(crate) struct AesGcmKeystream(Ctr32BE<Aes256>);

/// GHASH over the associated data, then the ciphertext as it passes, then the length block.
pub(crate) struct AesGcmTag {
    ghash: GHash,
    /// The keystream block of J0, which masks the GHASH output into the tag.
    mask: [u8; AES_GCM_TAG_SIZE],
    /// Ciphertext bytes not yet a whole 16-byte block.
    partial: [u8; 16],
    partial_len: usize,
    aad_len: u64,
    data_len: u64,
}

/// Size of the AES-GCM tag appended to the ciphertext.
pub(crate) const AES_GCM_TAG_SIZE: usize = 16;

/// The GHASH key H = E(K, 0¹²⁸) and the counter block J0 for Seal's 16-byte IV
/// (J0 = GHASH(IV ‖ 0⁶⁴ ‖ [128]₆₄), since the IV is not 12 bytes).
fn aes_gcm_init(key: &[u8; KEY_SIZE]) -> (GHash, ghash::Block) {
    let cipher = Aes256::new(key.into());
    let mut h = ghash::Block::default();
    cipher.encrypt_block(&mut h);
    let ghash = GHash::new(&h);
    let mut j0 = ghash.clone();
    j0.update_padded(&AES_GCM_IV);
    let mut iv_bits = ghash::Block::default();
    iv_bits[8..].copy_from_slice(&((AES_GCM_IV.len() as u64) * 8).to_be_bytes());
    j0.update(&[iv_bits]);
    (ghash, j0.finalize())
}

impl AesGcmKeystream {
    /// The keystream of the data, which starts at the block after J0.
    pub(crate) fn new(key: &[u8; KEY_SIZE]) -> Self {
        let (_, j0) = aes_gcm_init(key);
        let mut ctr = Ctr32BE::<Aes256>::new(key.into(), &j0);
        ctr.apply_keystream(&mut [0u8; AES_GCM_TAG_SIZE]);
        Self(ctr)
    }

    /// XORs the next `data.len()` keystream bytes into `data` (encrypts or decrypts).
    pub(crate) fn apply(&mut self, data: &mut [u8]) {
        self.0.apply_keystream(data);
    }
}

impl AesGcmTag {
    pub(crate) fn new(key: &[u8; KEY_SIZE], aad: &[u8]) -> Self {
        let (mut ghash, j0) = aes_gcm_init(key);
        let mut mask = [0u8; AES_GCM_TAG_SIZE];
        Ctr32BE::<Aes256>::new(key.into(), &j0).apply_keystream(&mut mask);
        ghash.update_padded(aad);
        Self {
            ghash,
            mask,
            partial: [0; 16],
            partial_len: 0,
            aad_len: aad.len() as u64,
            data_len: 0,
        }
    }

    /// Absorbs the next ciphertext bytes (any length; whole blocks are hashed at once).
    pub(crate) fn update(&mut self, mut ciphertext: &[u8]) {
        self.data_len += ciphertext.len() as u64;
        if self.partial_len > 0 {
            let take = (16 - self.partial_len).min(ciphertext.len());
            self.partial[self.partial_len..self.partial_len + take]
                .copy_from_slice(&ciphertext[..take]);
            self.partial_len += take;
            ciphertext = &ciphertext[take..];
            if self.partial_len < 16 {
                return;
            }
            self.ghash.update(&[self.partial.into()]);
            self.partial_len = 0;
        }
        let whole = ciphertext.len() / 16 * 16;
        self.ghash.update_padded(&ciphertext[..whole]);
        let rest = &ciphertext[whole..];
        self.partial[..rest.len()].copy_from_slice(rest);
        self.partial_len = rest.len();
    }

    /// The tag: GHASH of the last partial block and the bit lengths, masked.
    pub(crate) fn finalize(mut self) -> [u8; AES_GCM_TAG_SIZE] {
        self.ghash.update_padded(&self.partial[..self.partial_len]);
        let mut lengths = ghash::Block::default();
        lengths[..8].copy_from_slice(&(self.aad_len * 8).to_be_bytes());
        lengths[8..].copy_from_slice(&(self.data_len * 8).to_be_bytes());
        self.ghash.update(&[lengths]);
        let hash = self.ghash.finalize();
        std::array::from_fn(|i| hash[i] ^ self.mask[i])
    }
}

/// HMAC-SHA3-256 keyed once; each use clones the keyed state instead of hashing the key again
/// (the counter mode runs one HMAC per 32 bytes of data).
fn hmac_keyed(key: &[u8; KEY_SIZE]) -> Hmac<Sha3_256> {
    <Hmac<Sha3_256> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// Seal's HMAC-CTR keystream: 32-byte block i is HMAC(key, "HMAC-CTR-ENC" ‖ i as u64 LE).
/// Tracks its position, so the data may come in chunks of any length.
pub(crate) struct HmacCtrKeystream {
    keyed: Hmac<Sha3_256>,
    position: u64,
    pad: [u8; KEY_SIZE],
}

impl HmacCtrKeystream {
    pub(crate) fn new(key: &[u8; KEY_SIZE]) -> Self {
        Self {
            keyed: hmac_keyed(key),
            position: 0,
            pad: [0; KEY_SIZE],
        }
    }

    /// XORs the next `data.len()` keystream bytes into `data` (encrypts or decrypts).
    pub(crate) fn apply(&mut self, data: &mut [u8]) {
        let mut done = 0;
        while done < data.len() {
            let offset = (self.position % KEY_SIZE as u64) as usize;
            if offset == 0 {
                let mut mac = self.keyed.clone();
                mac.update(HMAC_CTR_ENC);
                mac.update(&(self.position / KEY_SIZE as u64).to_le_bytes());
                self.pad = mac.finalize().into_bytes().into();
            }
            let n = (KEY_SIZE - offset).min(data.len() - done);
            for (byte, pad) in data[done..done + n].iter_mut().zip(&self.pad[offset..]) {
                *byte ^= pad;
            }
            done += n;
            self.position += n as u64;
        }
    }
}

/// Seal's HMAC-CTR MAC: HMAC(key, "HMAC-CTR-MAC" ‖ len(aad) as u64 LE ‖ aad ‖ ciphertext); the
/// length prefix keeps aad and ciphertext from trading bytes.
pub(crate) struct HmacCtrMac(Hmac<Sha3_256>);

impl HmacCtrMac {
    pub(crate) fn new(key: &[u8; KEY_SIZE], aad: &[u8]) -> Self {
        let mut mac = hmac_keyed(key);
        mac.update(HMAC_CTR_MAC);
        mac.update(&(aad.len() as u64).to_le_bytes());
        mac.update(aad);
        Self(mac)
    }

    /// Absorbs the next ciphertext bytes.
    pub(crate) fn update(&mut self, ciphertext: &[u8]) {
        self.0.update(ciphertext);
    }

    pub(crate) fn finalize(self) -> [u8; KEY_SIZE] {
        self.0.finalize().into_bytes().into()
    }
}

/// The MAC of a whole ciphertext.
fn hmac_ctr_mac(key: &[u8; KEY_SIZE], aad: &[u8], ciphertext: &[u8]) -> [u8; KEY_SIZE] {
    let mut mac = HmacCtrMac::new(key, aad);
    mac.update(ciphertext);
    mac.finalize()
}

/// Seal's HMAC-SHA3-256 counter mode: returns the ciphertext and its MAC.
pub(crate) fn hmac_ctr_encrypt(
    key: &[u8; KEY_SIZE],
    plaintext: &[u8],
    aad: &[u8],
) -> (Vec<u8>, [u8; KEY_SIZE]) {
    let mut ciphertext = plaintext.to_vec();
    HmacCtrKeystream::new(key).apply(&mut ciphertext);
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
        let mut plaintext = ciphertext.to_vec();
        HmacCtrKeystream::new(key).apply(&mut plaintext);
        Ok(plaintext)
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
