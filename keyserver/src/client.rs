//! A Rust client of the key-server API: what `floe read --license` and the tests use to fetch
//! and open keys, doing what `@mysten/seal`'s `SealClient` does (one signed request to each
//! server, each answer decrypted with the request's ElGamal key and checked against the
//! server's public key before it is used).

use floe_crypto::elgamal::{ElGamalCiphertext, ElGamalSecretKey};
use floe_crypto::{ObjectId, PublicKey, UserSecretKey};
use floe_problem::Problem;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::error::seal_error;
use crate::protocol::{FetchKeyRequest, FetchKeyResponse, ServiceResponse};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("key server {url}: {message}")]
    Http { url: String, message: String },
    /// The server refused; `problem` is its problem+json body when it sent one.
    #[error("key server {url} refused ({status}): {}", problem.as_ref().map(|p| format!("{}: {}", seal_error(p).unwrap_or(&p.title), p.detail)).unwrap_or_default())]
    Refused {
        url: String,
        status: u16,
        problem: Option<Box<Problem>>,
    },
    #[error("key server {url} answered something that is not its API: {message}")]
    Malformed { url: String, message: String },
    #[error("key server {url} returned a key that does not match its public key for identity {id}")]
    WrongKey { url: String, id: String },
}

impl ClientError {
    /// Seal's name of the refusal (`NoAccess`, `InvalidCertificate`, …), when it was one.
    pub fn refusal(&self) -> Option<&str> {
        match self {
            Self::Refused {
                problem: Some(problem),
                ..
            } => seal_error(problem),
            _ => None,
        }
    }
}

async fn call(
    method: hyper::Method,
    url: &str,
    body: Option<Vec<u8>>,
) -> Result<(u16, Bytes), ClientError> {
    let http = |message: String| ClientError::Http {
        url: url.to_owned(),
        message,
    };
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let request = hyper::Request::builder()
        .method(method)
        .uri(url)
        .header("content-type", "application/json")
        .header("Client-Sdk-Type", "rust")
        .header("Client-Sdk-Version", env!("CARGO_PKG_VERSION"))
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|e| http(e.to_string()))?;
    let response = client
        .request(request)
        .await
        .map_err(|e| http(e.to_string()))?;
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| http(e.to_string()))?
        .to_bytes();
    Ok((status, bytes))
}

fn answer<T: serde::de::DeserializeOwned>(
    url: &str,
    (status, bytes): (u16, Bytes),
) -> Result<T, ClientError> {
    if !(200..300).contains(&status) {
        return Err(ClientError::Refused {
            url: url.to_owned(),
            status,
            problem: serde_json::from_slice(&bytes).ok().map(Box::new),
        });
    }
    serde_json::from_slice(&bytes).map_err(|e| ClientError::Malformed {
        url: url.to_owned(),
        message: e.to_string(),
    })
}

/// `GET {base}/v1/service?service_id=…`.
pub async fn service(base: &str, service_id: &ObjectId) -> Result<ServiceResponse, ClientError> {
    let url = format!(
        "{}/v1/service?service_id=0x{}",
        base.trim_end_matches('/'),
        hex::encode(service_id)
    );
    answer(&url, call(hyper::Method::GET, &url, None).await?)
}

/// `POST {base}/v1/fetch_key`.
pub async fn fetch_key(
    base: &str,
    request: &FetchKeyRequest,
) -> Result<FetchKeyResponse, ClientError> {
    let url = format!("{}/v1/fetch_key", base.trim_end_matches('/'));
    let body = serde_json::to_vec(request).expect("a request always serializes");
    answer(&url, call(hyper::Method::POST, &url, Some(body)).await?)
}

/// Opens a server's answer: each key decrypted with `secret` and checked against the
/// server's `public_key` for its identity. Returns (full identity, user key) pairs.
pub fn open_keys(
    base: &str,
    service_id: &ObjectId,
    public_key: &PublicKey,
    secret: &ElGamalSecretKey,
    response: &FetchKeyResponse,
) -> Result<Vec<(Vec<u8>, UserSecretKey)>, ClientError> {
    let malformed = |message: String| ClientError::Malformed {
        url: base.to_owned(),
        message,
    };
    response
        .decryption_keys
        .iter()
        .map(|key| {
            let [c0, c1] = &key.encrypted_key;
            let ciphertext = ElGamalCiphertext {
                c0: c0
                    .array()
                    .ok_or_else(|| malformed("c0 is not 48 bytes".to_owned()))?,
                c1: c1
                    .array()
                    .ok_or_else(|| malformed("c1 is not 48 bytes".to_owned()))?,
            };
            let user_key = secret
                .decrypt(&ciphertext)
                .map_err(|e| malformed(e.to_string()))?;
            floe_crypto::verify_user_key(service_id, public_key, &key.id, &user_key).map_err(
                |_| ClientError::WrongKey {
                    url: base.to_owned(),
                    id: hex::encode(&key.id),
                },
            )?;
            Ok((key.id.clone(), user_key))
        })
        .collect()
}
