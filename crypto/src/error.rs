//! Every way encryption or decryption can fail, each with its own variant so callers (and the
//! tamper tests) can tell a wrong key from a damaged object from a malformed one.

use crate::ObjectId;

/// Why an operation of this crate failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The threshold must be between 1 and the number of key servers (at most 255 of them, the
    /// share indices are one byte).
    #[error("invalid threshold {threshold} for {servers} key servers (need 1 ≤ t ≤ n ≤ 255)")]
    InvalidThreshold { threshold: usize, servers: usize },

    /// A key server's public key is not a valid compressed G2 point of the prime-order
    /// subgroup (or is the point at infinity, which would make every share public).
    #[error("invalid key server public key: not a BLS12-381 G2 point of the prime-order subgroup")]
    InvalidPublicKey,

    /// A key server's proof of possession does not verify for its public key and object id.
    #[error("the key server's proof of possession does not verify")]
    InvalidProofOfPossession,

    /// A master secret must be a scalar in [1, r).
    #[error("invalid master secret: not a non-zero scalar below the group order")]
    InvalidMasterSecret,

    /// A user secret key is not a valid compressed G1 point of the prime-order subgroup.
    #[error("invalid user secret key: not a BLS12-381 G1 point of the prime-order subgroup")]
    InvalidUserKey,

    /// A user secret key is a valid point but not the key for this identity and public key.
    #[error("the user secret key for key server 0x{} does not match its public key and this identity", hex(.0))]
    UserKeyMismatch(ObjectId),

    /// The bytes are not a BCS `EncryptedObject` (truncated, trailing bytes, unknown enum
    /// variant, non-canonical length).
    #[error("malformed encrypted object: {0}")]
    Encoding(String),

    /// The object names a format version this crate does not know.
    #[error("unsupported encrypted object version {0} (only 0 is defined)")]
    UnsupportedVersion(u8),

    /// The object's structure is inconsistent: share count ≠ service count, threshold out of
    /// range, a zero or repeated share index, or an invalid nonce point.
    #[error("invalid encrypted object: {0}")]
    InvalidObject(String),

    /// Fewer user keys than the threshold match the object's key servers.
    #[error("{have} of the object's key servers have a user key here, {threshold} are needed")]
    NotEnoughKeys { have: usize, threshold: usize },

    /// The shares opened with the given keys do not reconstruct the key that made the nonce:
    /// a user key for another identity or server, or a tampered nonce, share, share index,
    /// threshold, service list or encrypted randomness.
    #[error("the user keys do not open this object (wrong key, or its key shares were altered)")]
    KeyMismatch,

    /// Share consistency check: the shares of some servers lie off the polynomial the others
    /// define, so different sets of t servers would decrypt to different plaintexts.
    #[error("inconsistent key shares: key server 0x{} holds a share off the others' polynomial", hex(.0))]
    InconsistentShares(ObjectId),

    /// The public keys given for the consistency check do not line up with the services.
    #[error("{given} public keys given for {services} services")]
    PublicKeyCount { given: usize, services: usize },

    /// The symmetric ciphertext failed authentication: the data, its associated data or its MAC
    /// were altered (or the object's key material was, in a way the nonce check cannot see).
    #[error("the ciphertext failed authentication (data, associated data or MAC altered)")]
    Authentication,

    /// The data would not fit a BCS `vector<u8>` (at most 2³¹ − 1 bytes, the AES-GCM tag
    /// included), so no Seal client could read the object.
    #[error("{len} bytes of data are too many for one encrypted object (at most {max})")]
    TooLarge { len: u64, max: u64 },

    /// Streaming decryption bounds what it holds in memory: an identity or associated data
    /// longer than that is refused (the whole-buffer `decrypt` takes it).
    #[error("the object's {field} is {len} bytes, streaming decryption takes at most {max}")]
    FieldTooLong {
        field: String,
        len: usize,
        max: usize,
    },

    /// A `Plain` object carries no data, only a key; `decrypt` has nothing to return.
    #[error("the object is a Plain key encapsulation: use decrypt_key")]
    PlainObject,

    /// An ElGamal key of a fetch-key request is not a non-identity point of the prime-order
    /// subgroup (G1 encryption key, G2 verification key), or a secret key is not in [1, r).
    #[error(
        "invalid ElGamal key: not a non-identity BLS12-381 point of the prime-order subgroup (or not a scalar in [1, r))"
    )]
    InvalidElGamalKey,

    /// A key server's encrypted user key is not a pair of valid G1 points.
    #[error("invalid ElGamal ciphertext: not two BLS12-381 G1 points of the prime-order subgroup")]
    InvalidElGamalCiphertext,
}

fn hex(id: &ObjectId) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}
