//! The key server's IBE master secret on disk: created once, kept across restarts (keys
//! released before a restart must stay valid, and objects encrypted to this server's public
//! key must stay decryptable), readable by the owner only, never logged.

use std::io::Write;
use std::path::Path;

use floe_crypto::MasterSecret;
use zeroize::Zeroizing;

#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error("reading the master key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the master key file {path} does not hold 64 hex digits of a scalar in [1, r)")]
    Malformed { path: String },
}

/// Loads the master secret from `path` (64 hex digits), or creates one there (mode 0600)
/// when the file does not exist.
pub fn load_or_create(path: &Path) -> Result<MasterSecret, MasterKeyError> {
    let io = |source| MasterKeyError::Io {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let text = Zeroizing::new(text);
            let mut bytes = Zeroizing::new([0u8; 32]);
            hex::decode_to_slice(text.trim(), bytes.as_mut_slice()).map_err(|_| {
                MasterKeyError::Malformed {
                    path: path.display().to_string(),
                }
            })?;
            MasterSecret::from_bytes(&bytes).map_err(|_| MasterKeyError::Malformed {
                path: path.display().to_string(),
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let master = MasterSecret::generate(&mut rand::rngs::OsRng);
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(io)?;
            }
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path).map_err(io)?;
            let text = Zeroizing::new(hex::encode(master.to_bytes()));
            file.write_all(text.as_bytes()).map_err(io)?;
            file.sync_all().map_err(io)?;
            Ok(master)
        }
        Err(e) => Err(io(e)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn created_once_then_loaded_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/master.key");
        let first = load_or_create(&path).unwrap();
        let again = load_or_create(&path).unwrap();
        assert_eq!(first.public_key(), again.public_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Its Debug form does not show the secret.
        let hex = std::fs::read_to_string(&path).unwrap();
        assert!(!format!("{first:?}").contains(hex.trim()));
    }

    #[test]
    fn a_malformed_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        std::fs::write(&path, "not hex").unwrap();
        assert!(matches!(
            load_or_create(&path),
            Err(MasterKeyError::Malformed { .. })
        ));
        std::fs::write(&path, "00".repeat(32)).unwrap();
        assert!(matches!(
            load_or_create(&path),
            Err(MasterKeyError::Malformed { .. })
        ));
    }
}
