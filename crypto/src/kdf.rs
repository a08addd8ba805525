//! Seal's two hash-based key derivations, both SHA3-256 over domain-separated, fixed-layout
//! input (every field has a fixed length or is the last of its kind, so no two inputs collide).

use sha3::{Digest, Sha3_256};

use crate::{KEY_SIZE, ObjectId};

/// Domain separation of the IBE key-derivation hash ("H2" of Seal's design).
pub const DST_KDF: &[u8] = b"SUI-SEAL-IBE-BLS12381-H2-00";

/// Domain separation of the base-key derivation ("H3" of Seal's design).
pub const DST_DERIVE_KEY: &[u8] = b"SUI-SEAL-IBE-BLS12381-H3-00";

/// What a key derived from the base key is for; the tag byte keeps the two keys independent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPurpose {
    /// The one-time pad over the encryption randomness r (lets a decryptor check the nonce).
    EncryptedRandomness,
    /// The key of the symmetric data encryption (AES-256-GCM or HMAC-CTR).
    Dem,
}

impl KeyPurpose {
    fn tag(self) -> u8 {
        match self {
            Self::EncryptedRandomness => 0,
            Self::Dem => 1,
        }
    }
}

/// The pad that hides one key server's share: binds the pairing value to the nonce, the
/// identity's hash point, and the server's object ID and share index, so a share cannot be
/// moved to another server's slot or index.
pub(crate) fn share_pad(
    gt: &[u8; 576],
    nonce: &[u8; 96],
    gid: &[u8; 48],
    object_id: &ObjectId,
    index: u8,
) -> [u8; KEY_SIZE] {
    let mut hash = Sha3_256::new();
    hash.update(DST_KDF);
    hash.update(gt);
    hash.update(nonce);
    hash.update(gid);
    hash.update(object_id);
    hash.update([index]);
    hash.finalize().into()
}

/// Derives a purpose key from the base key, committing to the threshold, every encrypted share
/// and every key server, so altering any of them changes the key (the CCA part of Seal's KEM).
pub fn derive_key(
    purpose: KeyPurpose,
    base_key: &[u8; KEY_SIZE],
    encrypted_shares: &[[u8; KEY_SIZE]],
    threshold: u8,
    key_servers: &[ObjectId],
) -> [u8; KEY_SIZE] {
    debug_assert_eq!(encrypted_shares.len(), key_servers.len());
    let mut hash = Sha3_256::new();
    hash.update(DST_DERIVE_KEY);
    hash.update(base_key);
    hash.update([purpose.tag(), threshold]);
    for share in encrypted_shares {
        hash.update(share);
    }
    for server in key_servers {
        hash.update(server);
    }
    hash.finalize().into()
}
