//! Keys from a Sui keystore file.
//!
//! The Sui CLI keeps keys in `sui.keystore`: a JSON array of base64 strings, each the
//! scheme flag byte (0x00 for ed25519) followed by the 32-byte private key. Reading the
//! same file lets a user reuse the keys they already have.

use std::path::{Path, PathBuf};

use sui_crypto::ed25519::Ed25519PrivateKey;
use sui_sdk_types::Address;

/// Why a keystore could not be read, written or used.
#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
    #[error("cannot read keystore {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write keystore {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("keystore {path} is not a JSON array of base64 strings: {message}")]
    Format { path: PathBuf, message: String },
    #[error("keystore {path}, entry {index}: {message}")]
    BadKey {
        path: PathBuf,
        index: usize,
        message: String,
    },
    #[error("no key for address {0} in the keystore")]
    NoKey(Address),
    #[error("the keystore is empty")]
    Empty,
}

/// The ed25519 keys of a keystore file, in file order.
#[derive(Default, Clone)]
pub struct Keystore {
    keys: Vec<Ed25519PrivateKey>,
}

impl std::fmt::Debug for Keystore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material, only the addresses.
        f.debug_struct("Keystore")
            .field("addresses", &self.addresses())
            .finish()
    }
}

/// The Sui address of an ed25519 key.
pub fn address_of(key: &Ed25519PrivateKey) -> Address {
    key.public_key().derive_address()
}

impl Keystore {
    /// Reads a keystore file. Entries of other schemes (secp256k1 …) are skipped with a
    /// warning, since Floe signs with ed25519 only.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, KeystoreError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| KeystoreError::Read {
            path: path.to_owned(),
            source,
        })?;
        let entries: Vec<String> =
            serde_json::from_str(&text).map_err(|e| KeystoreError::Format {
                path: path.to_owned(),
                message: e.to_string(),
            })?;
        let mut keys = Vec::with_capacity(entries.len());
        for (index, entry) in entries.iter().enumerate() {
            match decode_entry(entry) {
                Ok(Some(key)) => keys.push(key),
                Ok(None) => {
                    tracing::warn!(path = %path.display(), index, "skipping non-ed25519 key")
                }
                Err(message) => {
                    return Err(KeystoreError::BadKey {
                        path: path.to_owned(),
                        index,
                        message,
                    });
                }
            }
        }
        Ok(Self { keys })
    }

    /// Writes the keystore in the Sui CLI's format (the file is created 0600 on Unix).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), KeystoreError> {
        let path = path.as_ref();
        let entries: Vec<String> = self.keys.iter().map(|k| k.to_base64()).collect();
        let text = serde_json::to_string_pretty(&entries).expect("strings serialize");
        write_private(path, text.as_bytes()).map_err(|source| KeystoreError::Write {
            path: path.to_owned(),
            source,
        })
    }

    /// Generates a fresh key, adds it and returns its address.
    pub fn generate(&mut self) -> Address {
        let key = Ed25519PrivateKey::generate(rand::thread_rng());
        let address = address_of(&key);
        self.keys.push(key);
        address
    }

    /// Adds an existing key and returns its address.
    pub fn add(&mut self, key: Ed25519PrivateKey) -> Address {
        let address = address_of(&key);
        self.keys.push(key);
        address
    }

    /// Creates a keystore file with `count` new keys, or loads it if it already exists.
    pub fn load_or_create(path: impl AsRef<Path>, count: usize) -> Result<Self, KeystoreError> {
        let path = path.as_ref();
        if path.exists() {
            return Self::load(path);
        }
        let mut store = Self::default();
        for _ in 0..count {
            store.generate();
        }
        store.save(path)?;
        Ok(store)
    }

    pub fn addresses(&self) -> Vec<Address> {
        self.keys.iter().map(address_of).collect()
    }

    pub fn keys(&self) -> &[Ed25519PrivateKey] {
        &self.keys
    }

    /// The key that signs for `address`.
    pub fn key(&self, address: &Address) -> Result<&Ed25519PrivateKey, KeystoreError> {
        self.keys
            .iter()
            .find(|k| address_of(k) == *address)
            .ok_or(KeystoreError::NoKey(*address))
    }

    /// The first key: the default signer when none is named.
    pub fn first(&self) -> Result<&Ed25519PrivateKey, KeystoreError> {
        self.keys.first().ok_or(KeystoreError::Empty)
    }
}

/// `Ok(None)` for a well-formed key of another scheme.
fn decode_entry(entry: &str) -> Result<Option<Ed25519PrivateKey>, String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(entry.trim())
        .map_err(|e| format!("not base64: {e}"))?;
    match bytes.first() {
        None => Err("empty entry".to_owned()),
        Some(0x00) => {
            let key: [u8; 32] = bytes[1..].try_into().map_err(|_| {
                format!(
                    "an ed25519 entry must be 33 bytes (flag + key), this one is {}",
                    bytes.len()
                )
            })?;
            Ok(Some(Ed25519PrivateKey::new(key)))
        }
        Some(_) => Ok(None),
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generate_save_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sui.keystore");
        let mut store = Keystore::default();
        let a = store.generate();
        let b = store.generate();
        store.save(&path).unwrap();
        let loaded = Keystore::load(&path).unwrap();
        assert_eq!(loaded.addresses(), vec![a, b]);
        assert_eq!(address_of(loaded.key(&b).unwrap()), b);
        assert!(matches!(
            loaded.key(&Address::ZERO),
            Err(KeystoreError::NoKey(_))
        ));
    }

    #[test]
    fn reads_cli_format_and_skips_other_schemes() {
        use base64::Engine as _;
        let engine = base64::engine::general_purpose::STANDARD;
        let mut ed = vec![0u8];
        ed.extend([7u8; 32]);
        let mut secp = vec![1u8];
        secp.extend([9u8; 32]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sui.keystore");
        let json = serde_json::to_string(&[engine.encode(&ed), engine.encode(&secp)]).unwrap();
        std::fs::write(&path, json).unwrap();
        let store = Keystore::load(&path).unwrap();
        assert_eq!(store.keys().len(), 1);
        assert_eq!(
            store.addresses()[0],
            address_of(&Ed25519PrivateKey::new([7u8; 32]))
        );
    }

    #[test]
    fn bad_entries_name_the_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sui.keystore");
        std::fs::write(&path, r#"["AAAA", "!!"]"#).unwrap();
        let err = Keystore::load(&path).unwrap_err().to_string();
        assert!(err.contains("entry 0"), "{err}");
        std::fs::write(&path, "{}").unwrap();
        assert!(matches!(
            Keystore::load(&path),
            Err(KeystoreError::Format { .. })
        ));
    }
}
