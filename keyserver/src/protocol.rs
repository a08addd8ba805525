//! The JSON of Seal's key-server API, as `@mysten/seal`'s client sends and reads it.
//!
//! Byte strings travel base64 (standard alphabet, padded), except a key's identity in the
//! response, which is a JSON array of numbers (the client runs it through `toHex`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The Seal key-server release whose protocol this server speaks. Seal's clients refuse a
/// server that does not send `X-KeyServer-Version` at least 0.4.1.
pub const KEY_SERVER_VERSION: &str = "0.5.0";
/// The response header that carries [`KEY_SERVER_VERSION`].
pub const VERSION_HEADER: &str = "X-KeyServer-Version";

/// Bytes that serialize as a base64 string.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Base64(pub Vec<u8>);

impl std::fmt::Debug for Base64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Base64({})", STANDARD.encode(&self.0))
    }
}

impl Serialize for Base64 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Base64 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD
            .decode(text.as_bytes())
            .map(Base64)
            .map_err(|e| serde::de::Error::custom(format!("not base64: {e}")))
    }
}

impl Base64 {
    /// The bytes as a fixed-size array, or `None` when the length differs.
    pub fn array<const N: usize>(&self) -> Option<[u8; N]> {
        self.0.as_slice().try_into().ok()
    }
}

/// The session certificate: the user's signature, over Seal's personal message, delegating
/// key requests for one package to a session key for `ttl_min` minutes from `creation_time`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// The user's Sui address, `0x` and 64 hex digits.
    pub user: String,
    /// The session's ed25519 public key (32 bytes).
    pub session_vk: Base64,
    /// When the session began, ms since the Unix epoch.
    pub creation_time: u64,
    /// Session lifetime in minutes.
    pub ttl_min: u16,
    /// The user's Sui signature (flag ‖ signature ‖ public key) on the personal message.
    pub signature: Base64,
    /// A Move Registry name standing for the package; this server accepts none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mvr_name: Option<String>,
}

/// `POST /v1/fetch_key`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchKeyRequest {
    /// BCS `ProgrammableTransaction` (a transaction kind without its leading variant byte)
    /// whose commands are all `seal_approve*` calls into one package.
    pub ptb: Base64,
    /// The requester's ElGamal public key, G1 (48 bytes).
    pub enc_key: Base64,
    /// The same secret times G2 (96 bytes).
    pub enc_verification_key: Base64,
    /// The session key's ed25519 signature over the request ([`crate::session::request_message`]).
    pub request_signature: Base64,
    pub certificate: Certificate,
}

/// One released key: the full identity and the user key ElGamal-encrypted to `enc_key`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecryptionKey {
    /// Full identity: package ID ‖ inner ID.
    pub id: Vec<u8>,
    /// `[c₀, c₁]`, each a G1 point (48 bytes).
    pub encrypted_key: [Base64; 2],
}

/// The answer to a granted `fetch_key`: one key per `seal_approve*` call, in call order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchKeyResponse {
    pub decryption_keys: Vec<DecryptionKey>,
}

/// `GET /v1/service?service_id=…`: the server's proof that it holds the master secret behind
/// the public key registered for `service_id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceResponse {
    /// `0x` and 64 lowercase hex digits: Seal's client compares it as a string.
    pub service_id: String,
    /// BLS signature on G1 (48 bytes).
    pub pop: Base64,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn request_reads_the_json_seals_client_sends() {
        // Field names and encodings of @mysten/seal 1.4.12's fetchKeysForAllIds body.
        let json = r#"{"ptb":"AQID","enc_key":"BAU=","enc_verification_key":"Bg==",
            "request_signature":"Bw==","certificate":{"user":"0x01","session_vk":"CA==",
            "creation_time":1700000000000,"ttl_min":10,"signature":"CQ=="}}"#;
        let request: FetchKeyRequest = serde_json::from_str(json).unwrap();
        assert_eq!(request.ptb.0, vec![1, 2, 3]);
        assert_eq!(request.enc_key.0, vec![4, 5]);
        assert_eq!(request.certificate.ttl_min, 10);
        assert_eq!(request.certificate.mvr_name, None);
        assert!(serde_json::from_str::<FetchKeyRequest>(&json.replace("AQID", "!!")).is_err());
    }

    #[test]
    fn response_writes_ids_as_numbers_and_keys_as_base64() {
        let response = FetchKeyResponse {
            decryption_keys: vec![DecryptionKey {
                id: vec![1, 255],
                encrypted_key: [Base64(vec![1]), Base64(vec![2])],
            }],
        };
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            r#"{"decryption_keys":[{"id":[1,255],"encrypted_key":["AQ==","Ag=="]}]}"#
        );
    }
}
