//! Network configuration: where the chain is and which objects Floe lives in.
//!
//! The same binary runs against the local devnet and a real Sui network; only this
//! configuration differs. It is read from a TOML or JSON file, and every field can be
//! overridden by an environment variable so that scripts and CI need no files.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sui_sdk_types::Address;

/// Environment variable names, one per field of [`NetworkConfig`].
pub mod env {
    pub const RPC_URL: &str = "FLOE_RPC_URL";
    pub const FAUCET_URL: &str = "FLOE_FAUCET_URL";
    pub const PACKAGE_ID: &str = "FLOE_PACKAGE_ID";
    pub const ORIGINAL_PACKAGE_ID: &str = "FLOE_ORIGINAL_PACKAGE_ID";
    pub const SYSTEM_ID: &str = "FLOE_SYSTEM_ID";
    pub const TREASURY_ID: &str = "FLOE_TREASURY_ID";
    pub const BLOB_REGISTRY_ID: &str = "FLOE_BLOB_REGISTRY_ID";
    pub const CHALLENGE_BOARD_ID: &str = "FLOE_CHALLENGE_BOARD_ID";
}

/// Where the chain is and the IDs of Floe's package and shared objects.
///
/// Object IDs are optional because a fresh network has no package yet; the accessors
/// (`package_id()` …) turn a missing one into an error that names the setting to fix.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// gRPC endpoint serving `sui.rpc.v2`, e.g. `http://127.0.0.1:9000`.
    pub rpc_url: String,
    /// Faucet base URL (devnet: `http://127.0.0.1:9123`), if the network has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faucet_url: Option<String>,
    /// The package ID to call (the latest version after upgrades).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_id: Option<Address>,
    /// The ID the package was first published at; types and events carry this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_package_id: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_object_id: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treasury_object_id: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob_registry_object_id: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge_board_object_id: Option<Address>,
}

/// Why a configuration could not be loaded or is incomplete.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read network config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("network config {path} is not valid {format}: {message}")]
    Parse {
        path: PathBuf,
        format: &'static str,
        message: String,
    },
    #[error("cannot write network config {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("environment variable {var}={value:?} is not a valid object ID: {reason}")]
    InvalidId {
        var: &'static str,
        value: String,
        reason: String,
    },
    #[error(
        "no RPC URL configured: set `rpc_url` in the config file or the {} environment variable",
        env::RPC_URL
    )]
    MissingRpcUrl,
    #[error(
        "`{field}` is not configured: set it in the config file or the {var} environment variable"
    )]
    Missing {
        field: &'static str,
        var: &'static str,
    },
}

impl NetworkConfig {
    /// A configuration that only knows where the RPC endpoint is.
    pub fn new(rpc_url: impl Into<String>) -> Self {
        Self {
            rpc_url: rpc_url.into(),
            ..Self::default()
        }
    }

    /// Reads a config file: `.json` files as JSON, anything else as TOML.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let config: Self = if is_json(path) {
            serde_json::from_str(&text).map_err(|e| ConfigError::Parse {
                path: path.to_owned(),
                format: "JSON",
                message: e.to_string(),
            })?
        } else {
            toml::from_str(&text).map_err(|e| ConfigError::Parse {
                path: path.to_owned(),
                format: "TOML",
                message: e.to_string(),
            })?
        };
        config.check()?;
        Ok(config)
    }

    /// Builds a config from `FLOE_*` environment variables alone.
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut config = Self::default();
        config.apply_env(|name| std::env::var(name).ok())?;
        config.check()?;
        Ok(config)
    }

    /// The usual way to load: the file if one is given, then environment overrides.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let mut config = match path {
            Some(path) => Self::from_file(path)?,
            None => Self::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        config.check()?;
        Ok(config)
    }

    /// Overrides fields with the variables `lookup` finds; separated from the process
    /// environment so tests need not mutate global state.
    pub fn apply_env(
        &mut self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        if let Some(url) = lookup(env::RPC_URL).filter(|v| !v.is_empty()) {
            self.rpc_url = url;
        }
        if let Some(url) = lookup(env::FAUCET_URL).filter(|v| !v.is_empty()) {
            self.faucet_url = Some(url);
        }
        let ids: [(&'static str, &mut Option<Address>); 6] = [
            (env::PACKAGE_ID, &mut self.package_id),
            (env::ORIGINAL_PACKAGE_ID, &mut self.original_package_id),
            (env::SYSTEM_ID, &mut self.system_object_id),
            (env::TREASURY_ID, &mut self.treasury_object_id),
            (env::BLOB_REGISTRY_ID, &mut self.blob_registry_object_id),
            (env::CHALLENGE_BOARD_ID, &mut self.challenge_board_object_id),
        ];
        for (var, slot) in ids {
            if let Some(value) = lookup(var).filter(|v| !v.is_empty()) {
                let id = Address::from_hex(value.trim()).map_err(|e| ConfigError::InvalidId {
                    var,
                    value: value.clone(),
                    reason: e.to_string(),
                })?;
                *slot = Some(id);
            }
        }
        Ok(())
    }

    /// Writes the config (format chosen by extension as in [`Self::from_file`]).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ConfigError> {
        let path = path.as_ref();
        let text = if is_json(path) {
            serde_json::to_string_pretty(self).expect("config serializes to JSON")
        } else {
            toml::to_string_pretty(self).expect("config serializes to TOML")
        };
        std::fs::write(path, text).map_err(|source| ConfigError::Write {
            path: path.to_owned(),
            source,
        })
    }

    fn check(&self) -> Result<(), ConfigError> {
        if self.rpc_url.trim().is_empty() {
            return Err(ConfigError::MissingRpcUrl);
        }
        Ok(())
    }

    pub fn package_id(&self) -> Result<Address, ConfigError> {
        required(self.package_id, "package_id", env::PACKAGE_ID)
    }

    /// The original ID, falling back to the package ID for a never-upgraded package.
    pub fn original_package_id(&self) -> Result<Address, ConfigError> {
        match self.original_package_id {
            Some(id) => Ok(id),
            None => required(
                self.package_id,
                "original_package_id",
                env::ORIGINAL_PACKAGE_ID,
            ),
        }
    }

    pub fn system_object_id(&self) -> Result<Address, ConfigError> {
        required(self.system_object_id, "system_object_id", env::SYSTEM_ID)
    }

    pub fn treasury_object_id(&self) -> Result<Address, ConfigError> {
        required(
            self.treasury_object_id,
            "treasury_object_id",
            env::TREASURY_ID,
        )
    }

    pub fn blob_registry_object_id(&self) -> Result<Address, ConfigError> {
        required(
            self.blob_registry_object_id,
            "blob_registry_object_id",
            env::BLOB_REGISTRY_ID,
        )
    }

    pub fn challenge_board_object_id(&self) -> Result<Address, ConfigError> {
        required(
            self.challenge_board_object_id,
            "challenge_board_object_id",
            env::CHALLENGE_BOARD_ID,
        )
    }
}

fn required(
    value: Option<Address>,
    field: &'static str,
    var: &'static str,
) -> Result<Address, ConfigError> {
    value.ok_or(ConfigError::Missing { field, var })
}

fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn toml_and_json_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = NetworkConfig::new("http://127.0.0.1:9000");
        config.package_id = Some(Address::from_static("0xabc"));
        for name in ["net.toml", "net.json"] {
            let path = dir.path().join(name);
            config.save(&path).unwrap();
            assert_eq!(NetworkConfig::from_file(&path).unwrap(), config);
        }
    }

    #[test]
    fn env_overrides_and_errors() {
        let vars: HashMap<&str, &str> =
            [(env::RPC_URL, "http://x:1"), (env::PACKAGE_ID, "0x2")].into();
        let mut config = NetworkConfig::default();
        config
            .apply_env(|k| vars.get(k).map(|v| v.to_string()))
            .unwrap();
        assert_eq!(config.rpc_url, "http://x:1");
        assert_eq!(config.package_id().unwrap(), Address::TWO);
        // The original ID falls back to the package ID.
        assert_eq!(config.original_package_id().unwrap(), Address::TWO);
        let err = config.system_object_id().unwrap_err().to_string();
        assert!(err.contains(env::SYSTEM_ID), "{err}");

        let bad = |k: &str| (k == env::TREASURY_ID).then(|| "nothex".to_string());
        let err = config.apply_env(bad).unwrap_err().to_string();
        assert!(err.contains("FLOE_TREASURY_ID"), "{err}");
    }

    #[test]
    fn missing_file_and_url_are_clear() {
        let err = NetworkConfig::from_file("/nonexistent/floe.toml").unwrap_err();
        assert!(err.to_string().contains("/nonexistent/floe.toml"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.toml");
        std::fs::write(&path, "rpc_url = \"\"\n").unwrap();
        assert!(matches!(
            NetworkConfig::from_file(&path),
            Err(ConfigError::MissingRpcUrl)
        ));
    }
}
