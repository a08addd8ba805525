//! The `EncryptedObject`, byte for byte the BCS layout Seal's Rust crate and TypeScript client
//! read and write:
//!
//! ```text
//! EncryptedObject {
//!     version: u8,                          // 0
//!     package_id: [u8; 32],
//!     id: vector<u8>,                       // inner identity; full id = package_id ‖ id
//!     services: vector<([u8; 32], u8)>,     // key server object id, share index (1..=n)
//!     threshold: u8,
//!     encrypted_shares: enum IBEEncryptions {
//!         0 BonehFranklinBLS12381 {
//!             nonce: [u8; 96],              // r·G₂, compressed
//!             encrypted_shares: vector<[u8; 32]>,
//!             encrypted_randomness: [u8; 32],
//!         },
//!     },
//!     ciphertext: enum Ciphertext {
//!         0 Aes256Gcm { blob: vector<u8>, aad: option<vector<u8>> },
//!         1 Hmac256Ctr { blob: vector<u8>, aad: option<vector<u8>>, mac: [u8; 32] },
//!         2 Plain {},
//!     },
//! }
//! ```

use std::collections::HashSet;

use crate::bcs::{Reader, Source, put_bytes, put_option_bytes, put_uleb};
use crate::{Error, KEY_SIZE, ObjectId};

/// The only format version defined.
pub const VERSION: u8 = 0;

/// The `Ciphertext` enum's variant tags.
pub(crate) const TAG_AES_256_GCM: usize = 0;
pub(crate) const TAG_HMAC_256_CTR: usize = 1;
pub(crate) const TAG_PLAIN: usize = 2;

/// A Seal encrypted object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedObject {
    pub version: u8,
    pub package_id: ObjectId,
    pub id: Vec<u8>,
    /// Each chosen key server and the index of the share encrypted to it.
    pub services: Vec<(ObjectId, u8)>,
    pub threshold: u8,
    pub encrypted_shares: IbeEncryptions,
    pub ciphertext: Ciphertext,
}

/// The key encapsulation part. Seal defines one scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IbeEncryptions {
    BonehFranklinBls12381 {
        /// r·G₂, a compressed G2 point.
        nonce: [u8; 96],
        /// One per service, in the order of `services`.
        encrypted_shares: Vec<[u8; KEY_SIZE]>,
        /// r (32 bytes big-endian) XOR a key derived from the base key, so a decryptor can
        /// check that the base key it rebuilt is the one that made the nonce.
        encrypted_randomness: [u8; KEY_SIZE],
    },
}

/// The data encapsulation part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ciphertext {
    /// AES-256-GCM, tag appended to `blob`.
    Aes256Gcm { blob: Vec<u8>, aad: Option<Vec<u8>> },
    /// Seal's HMAC-SHA3-256 counter mode.
    Hmac256Ctr {
        blob: Vec<u8>,
        aad: Option<Vec<u8>>,
        mac: [u8; KEY_SIZE],
    },
    /// No data: the object only encapsulates a key (the DEM key is the payload).
    Plain,
}

impl EncryptedObject {
    /// The BCS encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_head(&mut out);
        match &self.ciphertext {
            Ciphertext::Aes256Gcm { blob, aad } => {
                put_uleb(&mut out, TAG_AES_256_GCM);
                put_bytes(&mut out, blob);
                put_option_bytes(&mut out, aad.as_deref());
            }
            Ciphertext::Hmac256Ctr { blob, aad, mac } => {
                put_uleb(&mut out, TAG_HMAC_256_CTR);
                put_bytes(&mut out, blob);
                put_option_bytes(&mut out, aad.as_deref());
                out.extend_from_slice(mac);
            }
            Ciphertext::Plain => put_uleb(&mut out, TAG_PLAIN),
        }
        out
    }

    /// Everything before the ciphertext: what streaming encryption writes before the data.
    pub(crate) fn write_head(&self, out: &mut Vec<u8>) {
        out.push(self.version);
        out.extend_from_slice(&self.package_id);
        put_bytes(out, &self.id);
        put_uleb(out, self.services.len());
        for (object_id, index) in &self.services {
            out.extend_from_slice(object_id);
            out.push(*index);
        }
        out.push(self.threshold);
        match &self.encrypted_shares {
            IbeEncryptions::BonehFranklinBls12381 {
                nonce,
                encrypted_shares,
                encrypted_randomness,
            } => {
                put_uleb(out, 0);
                out.extend_from_slice(nonce);
                put_uleb(out, encrypted_shares.len());
                for share in encrypted_shares {
                    out.extend_from_slice(share);
                }
                out.extend_from_slice(encrypted_randomness);
            }
        }
    }

    /// Parses everything before the ciphertext (which is left `Plain`), not yet validated:
    /// the part of an object streaming decryption reads before the data.
    pub(crate) fn read_head<S: Source>(r: &mut S) -> Result<Self, S::Error> {
        let version = r.u8("version")?;
        if version != VERSION {
            return Err(Error::UnsupportedVersion(version).into());
        }
        let package_id = r.array("package_id")?;
        let id = r.bytes("id")?;
        let count = r.len("services")?;
        let mut services = Vec::with_capacity(count.min(256));
        for _ in 0..count {
            services.push((r.array("services")?, r.u8("services")?));
        }
        let threshold = r.u8("threshold")?;
        let encrypted_shares = match r.len("encrypted_shares")? {
            0 => {
                let nonce = r.array("nonce")?;
                let count = r.len("encrypted_shares")?;
                let mut shares = Vec::with_capacity(count.min(256));
                for _ in 0..count {
                    shares.push(r.array("encrypted_shares")?);
                }
                IbeEncryptions::BonehFranklinBls12381 {
                    nonce,
                    encrypted_shares: shares,
                    encrypted_randomness: r.array("encrypted_randomness")?,
                }
            }
            tag => {
                return Err(
                    Error::Encoding(format!("encrypted_shares: unknown IBE scheme {tag}")).into(),
                );
            }
        };
        Ok(Self {
            version,
            package_id,
            id,
            services,
            threshold,
            encrypted_shares,
            ciphertext: Ciphertext::Plain,
        })
    }

    /// Parses the BCS encoding strictly (every byte accounted for) and checks the structure
    /// [`EncryptedObject::validate`] describes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(bytes);
        let mut object = Self::read_head(&mut r)?;
        let ciphertext = match r.len("ciphertext")? {
            TAG_AES_256_GCM => Ciphertext::Aes256Gcm {
                blob: r.bytes("ciphertext blob")?,
                aad: r.option_bytes("ciphertext aad")?,
            },
            TAG_HMAC_256_CTR => Ciphertext::Hmac256Ctr {
                blob: r.bytes("ciphertext blob")?,
                aad: r.option_bytes("ciphertext aad")?,
                mac: r.array("ciphertext mac")?,
            },
            TAG_PLAIN => Ciphertext::Plain,
            tag => {
                return Err(Error::Encoding(format!("ciphertext: unknown DEM {tag}")));
            }
        };
        r.finish()?;
        object.ciphertext = ciphertext;
        object.validate()?;
        Ok(object)
    }

    /// Checks what the encoding cannot express: version 0, 1 ≤ threshold ≤ services ≤ 255,
    /// one encrypted share per service, share indices non-zero and distinct.
    pub fn validate(&self) -> Result<(), Error> {
        if self.version != VERSION {
            return Err(Error::UnsupportedVersion(self.version));
        }
        let n = self.services.len();
        if n > 255 {
            return Err(Error::InvalidObject(format!("{n} services, at most 255")));
        }
        if self.threshold == 0 || usize::from(self.threshold) > n {
            return Err(Error::InvalidObject(format!(
                "threshold {} for {n} services",
                self.threshold
            )));
        }
        let IbeEncryptions::BonehFranklinBls12381 {
            encrypted_shares, ..
        } = &self.encrypted_shares;
        if encrypted_shares.len() != n {
            return Err(Error::InvalidObject(format!(
                "{} encrypted shares for {n} services",
                encrypted_shares.len()
            )));
        }
        let mut seen = HashSet::new();
        for (_, index) in &self.services {
            if *index == 0 || !seen.insert(*index) {
                return Err(Error::InvalidObject(format!(
                    "share index {index} is zero or repeated"
                )));
            }
        }
        Ok(())
    }

    /// The identity the keys are derived for: package id ‖ inner id.
    pub fn full_id(&self) -> Vec<u8> {
        crate::full_id(&self.package_id, &self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> EncryptedObject {
        EncryptedObject {
            version: 0,
            package_id: [7; 32],
            id: vec![1, 2, 3],
            services: vec![([1; 32], 1), ([2; 32], 2)],
            threshold: 2,
            encrypted_shares: IbeEncryptions::BonehFranklinBls12381 {
                nonce: [9; 96],
                encrypted_shares: vec![[3; 32], [4; 32]],
                encrypted_randomness: [5; 32],
            },
            ciphertext: Ciphertext::Hmac256Ctr {
                blob: vec![6; 40],
                aad: Some(vec![8]),
                mac: [10; 32],
            },
        }
    }

    #[test]
    fn layout_is_the_documented_bcs() {
        let bytes = sample().to_bytes();
        let mut expected = vec![0u8];
        expected.extend([7; 32]);
        expected.extend([3, 1, 2, 3]);
        expected.push(2);
        expected.extend([1; 32]);
        expected.push(1);
        expected.extend([2; 32]);
        expected.push(2);
        expected.push(2); // threshold
        expected.push(0); // BonehFranklinBLS12381
        expected.extend([9; 96]);
        expected.push(2);
        expected.extend([3; 32]);
        expected.extend([4; 32]);
        expected.extend([5; 32]);
        expected.push(1); // Hmac256Ctr
        expected.push(40);
        expected.extend([6; 40]);
        expected.extend([1, 1, 8]);
        expected.extend([10; 32]);
        assert_eq!(bytes, expected);
        assert_eq!(EncryptedObject::from_bytes(&bytes).unwrap(), sample());
    }

    #[test]
    fn every_truncation_and_any_trailing_byte_is_an_encoding_error() {
        let bytes = sample().to_bytes();
        for len in 1..bytes.len() {
            assert!(
                matches!(
                    EncryptedObject::from_bytes(&bytes[..len]),
                    Err(Error::Encoding(_))
                ),
                "truncated at {len}"
            );
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(matches!(
            EncryptedObject::from_bytes(&long),
            Err(Error::Encoding(_))
        ));
    }

    #[test]
    fn structure_is_validated() {
        let mut object = sample();
        object.threshold = 3;
        assert!(matches!(object.validate(), Err(Error::InvalidObject(_))));
        object.threshold = 0;
        assert!(matches!(object.validate(), Err(Error::InvalidObject(_))));
        let mut object = sample();
        object.services[1].1 = 1;
        assert!(matches!(object.validate(), Err(Error::InvalidObject(_))));
        object.services[1].1 = 0;
        assert!(matches!(object.validate(), Err(Error::InvalidObject(_))));
        let mut object = sample();
        object.services.pop();
        object.threshold = 1;
        assert!(matches!(object.validate(), Err(Error::InvalidObject(_))));
        let mut object = sample();
        object.version = 1;
        assert_eq!(object.validate(), Err(Error::UnsupportedVersion(1)));
        assert_eq!(
            EncryptedObject::from_bytes(&object.to_bytes()),
            Err(Error::UnsupportedVersion(1))
        );
        let mut object = sample();
        object.ciphertext = Ciphertext::Plain;
        assert_eq!(
            EncryptedObject::from_bytes(&object.to_bytes()).unwrap(),
            object
        );
    }

    #[test]
    fn unknown_variants_are_rejected() {
        let mut bytes = sample().to_bytes();
        let scheme_at = 1 + 32 + 4 + 1 + 2 * 33 + 1;
        assert_eq!(bytes[scheme_at], 0);
        bytes[scheme_at] = 1;
        assert!(matches!(
            EncryptedObject::from_bytes(&bytes),
            Err(Error::Encoding(_))
        ));
        let mut object = sample();
        object.ciphertext = Ciphertext::Plain;
        let mut bytes = object.to_bytes();
        *bytes.last_mut().unwrap() = 3;
        assert!(matches!(
            EncryptedObject::from_bytes(&bytes),
            Err(Error::Encoding(_))
        ));
    }
}
