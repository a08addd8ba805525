//! The HTTP service: `GET /v1/service` and `POST /v1/fetch_key` as Seal's key servers serve
//! them, with per-client rate limits and a request size limit.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use floe_crypto::{MasterSecret, elgamal, full_id};
use sui_sdk_types::Address;
use tokio::net::TcpListener;

use crate::error::KeyServerError;
use crate::policy::PolicyChecker;
use crate::protocol::{
    Base64, DecryptionKey, FetchKeyRequest, FetchKeyResponse, KEY_SERVER_VERSION, ServiceResponse,
    VERSION_HEADER,
};
use crate::ptb::KeyRequestPtb;
use crate::rate_limit::{RateLimit, RateLimiter};
use crate::session;

/// Largest request body read (bytes): a 128 KiB transaction in base64 and the rest, as
/// Seal's servers allow.
pub const MAX_REQUEST_SIZE: usize = 180 * 1024;

/// What one key server serves.
pub struct KeyServer {
    master: MasterSecret,
    /// The object ID that names this server in encrypted objects (`services`).
    service_id: Address,
    /// The package whose identities this server holds keys for (its original ID: identities
    /// keep their namespace across upgrades, as in Seal).
    package: Address,
    /// The package IDs a request may call: the original and its upgrades.
    callable: Vec<Address>,
    pop: [u8; 48],
    policy: PolicyChecker,
    limiter: RateLimiter,
}

impl std::fmt::Debug for KeyServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyServer")
            .field("service_id", &self.service_id)
            .field("package", &self.package)
            .finish_non_exhaustive()
    }
}

impl KeyServer {
    pub fn new(
        master: MasterSecret,
        service_id: Address,
        package: Address,
        policy: PolicyChecker,
        rate: RateLimit,
    ) -> Self {
        let pop = master.proof_of_possession(&service_id.into_inner());
        Self {
            master,
            service_id,
            package,
            callable: vec![package],
            pop,
            policy,
            limiter: RateLimiter::new(rate),
        }
    }

    /// Also accepts requests calling `upgrades` (later versions of the package); their
    /// identities stay under the original package ID.
    pub fn with_package_versions(mut self, upgrades: impl IntoIterator<Item = Address>) -> Self {
        for id in upgrades {
            if !self.callable.contains(&id) {
                self.callable.push(id);
            }
        }
        self
    }

    pub fn service_id(&self) -> Address {
        self.service_id
    }

    /// The public key encryptors use for this server (96 bytes, G2).
    pub fn public_key(&self) -> floe_crypto::PublicKey {
        self.master.public_key()
    }

    /// Checks a request in Seal's order (form, package, keys, session, signatures, policy)
    /// and returns the keys it asks for, each encrypted to the request's `enc_key`.
    pub async fn fetch_key(
        &self,
        request: &FetchKeyRequest,
        now_ms: u64,
    ) -> Result<FetchKeyResponse, KeyServerError> {
        let ptb = KeyRequestPtb::parse(&request.ptb.0)?;
        if !self.callable.contains(&ptb.package) {
            return Err(KeyServerError::UnsupportedPackageId {
                served: self.package.to_string(),
                requested: ptb.package.to_string(),
            });
        }
        let enc_key = request.enc_key.array::<48>().ok_or_else(|| {
            KeyServerError::InvalidParameter("enc_key is not 48 bytes".to_owned())
        })?;
        elgamal::check_public_key(&enc_key)
            .map_err(|e| KeyServerError::InvalidParameter(format!("enc_key: {e}")))?;
        let verification = request.enc_verification_key.array::<96>().ok_or_else(|| {
            KeyServerError::InvalidParameter("enc_verification_key is not 96 bytes".to_owned())
        })?;
        elgamal::check_verification_key(&verification)
            .map_err(|e| KeyServerError::InvalidParameter(format!("enc_verification_key: {e}")))?;
        let certificate = &request.certificate;
        session::check_lifetime(certificate, now_ms)?;
        session::check_user_signature(certificate, &self.package)?;
        session::check_request_signature(certificate, &request.ptb.0, request)?;
        let user = session::user_address(certificate)?;
        self.policy.check(user, &ptb).await?;

        let package = self.package.into_inner();
        let mut rng = rand::rngs::OsRng;
        let decryption_keys = ptb
            .inner_ids
            .iter()
            .map(|inner| {
                let id = full_id(&package, inner);
                let key = floe_crypto::derive_user_key(&self.master, &id);
                let encrypted = elgamal::encrypt(&mut rng, &key, &enc_key)
                    .map_err(|e| KeyServerError::InvalidParameter(format!("enc_key: {e}")))?;
                Ok(DecryptionKey {
                    id,
                    encrypted_key: [Base64(encrypted.c0.to_vec()), Base64(encrypted.c1.to_vec())],
                })
            })
            .collect::<Result<Vec<_>, KeyServerError>>()?;
        tracing::info!(
            %user,
            keys = decryption_keys.len(),
            service = %self.service_id,
            "released keys"
        );
        Ok(FetchKeyResponse { decryption_keys })
    }

    fn service(&self, requested: Option<&str>) -> Result<ServiceResponse, KeyServerError> {
        let refused = || KeyServerError::InvalidServiceId {
            served: self.service_id.to_string(),
            requested: requested.unwrap_or_default().to_owned(),
        };
        let id: Address = requested
            .ok_or_else(refused)?
            .parse()
            .map_err(|_| refused())?;
        if id != self.service_id {
            return Err(refused());
        }
        Ok(ServiceResponse {
            service_id: self.service_id.to_string(),
            pop: Base64(self.pop.to_vec()),
        })
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

async fn get_service(
    State(server): State<Arc<KeyServer>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match server.service(query.get("service_id").map(String::as_str)) {
        Ok(answer) => axum::Json(answer).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn post_fetch_key(
    State(server): State<Arc<KeyServer>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Err(seconds) = server.limiter.take(peer.ip(), Instant::now()) {
        return KeyServerError::TooManyRequests(seconds).into_response();
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return KeyServerError::RequestTooLarge(MAX_REQUEST_SIZE).into_response();
        }
        Err(rejection) => {
            return KeyServerError::InvalidRequest(rejection.body_text()).into_response();
        }
    };
    let request: FetchKeyRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return KeyServerError::InvalidRequest(e.to_string()).into_response(),
    };
    match server.fetch_key(&request, now_ms()).await {
        Ok(answer) => axum::Json(answer).into_response(),
        Err(e) => {
            tracing::debug!(error = %e, user = %request.certificate.user, "refused a key request");
            e.into_response()
        }
    }
}

async fn health() -> &'static str {
    "ok"
}

/// The routes, every response stamped with the Seal protocol version Seal's clients check.
pub fn router(server: Arc<KeyServer>) -> Router {
    Router::new()
        .route("/v1/service", get(get_service))
        .route("/v1/fetch_key", post(post_fetch_key))
        .route("/health", get(health))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_SIZE))
        .layer(axum::middleware::map_response(
            |mut response: Response| async move {
                response
                    .headers_mut()
                    .insert(VERSION_HEADER, HeaderValue::from_static(KEY_SERVER_VERSION));
                response
            },
        ))
        .with_state(server)
}

/// Serves `server` on `listener` until `shutdown` resolves; requests carry their peer's
/// address (the rate limit is per client IP). A request head must arrive within
/// [`floe_problem::serve::HEADER_READ_TIMEOUT`] (an idle connection is closed after as long),
/// so slow or silent connections cannot pile up (slowloris).
pub async fn serve(
    listener: TcpListener,
    server: Arc<KeyServer>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    floe_problem::serve::serve(
        listener,
        router(server),
        floe_problem::serve::HEADER_READ_TIMEOUT,
        shutdown,
    )
    .await
}
